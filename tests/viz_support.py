"""Shared by tests/viz: one figure from every builder, each visible word from the caller."""

import numpy as np

import viz

TOKENS = ["the", "<b>cat</b>", "the"]
VALUES = np.array([[0.5, -1.0], [2.0, 0.0], [-0.25, 1.5]], dtype=np.float64)
WEIGHTS = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])


class Words:
    """Hands out distinct visible words and remembers them: a Korean one, one that plotly would
    read as markup if it were not escaped, then plain ones."""

    def __init__(self):
        self.used = []

    def __call__(self):
        special = ["주의 가중치", "<i>tricky</i> & more"]
        word = special[len(self.used)] if len(self.used) < 2 else f"word{len(self.used)}"
        self.used.append(word)
        return word


def _build(name, w=None, presentation=False):
    """One figure from each builder, every visible word taken from `w`."""
    w = w or Words()
    if name == "token_heatmap":
        return viz.token_heatmap(
            VALUES,
            TOKENS,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "attention_heatmap":
        return viz.attention_heatmap(
            WEIGHTS,
            TOKENS,
            TOKENS,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "mask_heatmap":
        return viz.mask_heatmap(
            VALUES > 0,
            TOKENS,
            title=w(),
            kept_name=w(),
            dropped_name=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    if name == "gate_heatmaps":
        gates = [(w(), VALUES / 4 + 0.5, False), (w(), VALUES / 2, True)]
        return viz.gate_heatmaps(
            gates,
            TOKENS,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "norm_stats_bars":
        return viz.norm_stats_bars(
            TOKENS,
            VALUES[:, 0],
            np.abs(VALUES[:, 1]),
            np.zeros(3),
            np.ones(3),
            title=w(),
            before_name=w(),
            after_name=w(),
            mean_title=w(),
            std_title=w(),
            presentation=presentation,
        )
    if name == "shape_flow":
        blocks = [(w(), w(), 16), (w(), "(1, 3, 32)", 32)]
        return viz.shape_flow(blocks, title=w(), presentation=presentation)
    if name == "feature_bars":
        return viz.feature_bars(
            VALUES[:, 0],
            labels=[w(), "b", "c"],
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    if name == "histogram_with_marker":
        return viz.histogram_with_marker(
            VALUES.ravel(),
            marker=0.5,
            marker_name=w(),
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    if name == "norm_axes_diagram":
        titles = {n: w() for n in ("layernorm", "batchnorm", "instancenorm", "groupnorm")}
        return viz.norm_axes_diagram(
            2, 2, 4, 2, titles=titles, x_title=w(), title=w(), presentation=presentation
        )
    if name == "step_lines":
        return viz.step_lines(
            VALUES,
            names=[w() for _ in range(VALUES.shape[1])],
            targets=np.zeros(VALUES.shape[1]),
            target_name=w(),
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


BUILDERS = [
    "token_heatmap",
    "attention_heatmap",
    "mask_heatmap",
    "gate_heatmaps",
    "norm_stats_bars",
    "shape_flow",
    "feature_bars",
    "histogram_with_marker",
    "norm_axes_diagram",
    "step_lines",
]


def strings(node):
    """Every string in a nested plotly JSON structure (titles, labels, hover text)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from strings(value)
