"""Figures for the normalization lab: which values share a statistic, and running averages.

`norm_axes_diagram` draws the batch as a grid — one row per (sentence, token), one column per
feature — once per normalization, colouring cells that share one mean and variance alike: a
row for LayerNorm, a column for BatchNorm, a column within one sentence for InstanceNorm, a
block of columns within one sentence for GroupNorm. `step_lines` follows values over steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from . import theme

# Eight clearly different colours; neighbouring groups never share one.
GROUP_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#9c755f",
)
NORMS = ("layernorm", "batchnorm", "instancenorm", "groupnorm")


def group_ids(name: str, B: int, T: int, D: int, groups: int, positions: int = 1) -> np.ndarray:
    """(B·T, D·positions) ids: cells with the same id are normalized with one mean and variance.

    Text: B sentences × T tokens as rows, D features as columns. Images (`positions` > 1, T = 1):
    one row per image, and each of its D channels is a run of `positions` cells (its H·W plane).
    """
    b = np.repeat(np.arange(B), T)[:, None]  # sentence (or image) of each row
    row = np.arange(B * T)[:, None]
    d = (np.arange(D * positions) // positions)[None, :]  # the feature (channel) of each column
    if name == "layernorm":
        ids = row + 0 * d
    elif name == "batchnorm":
        ids = 0 * row + d
    elif name == "instancenorm":
        ids = b * D + d
    elif name == "groupnorm":
        ids = b * groups + d // (D // groups)
    else:
        raise ValueError(f"unknown normalization {name!r}; use one of {NORMS}")
    return ids.astype(np.int32)


@theme.memo
def norm_axes_diagram(
    B: int,
    T: int,
    D: int,
    groups: int,
    *,
    positions: int = 1,
    titles: Mapping[str, str],
    row_label: str = "sentence {b}, token {t}",
    x_title: str = "",
    title: str | None = None,
    presentation: bool = False,
) -> go.Figure:
    """Four grids (B·T rows × D features), cells coloured by the statistic they share; with
    `positions` > 1, an image batch: one row per image, each channel `positions` cells wide."""
    if min(B, T, D, groups, positions) < 1 or D % groups:
        raise ValueError(f"need B, T, D, groups ≥ 1 with groups dividing D, got {B, T, D, groups}")
    size = theme.font_size(presentation)
    y = theme.distinct_labels([row_label.format(b=b + 1, t=t) for b in range(B) for t in range(T)])
    count = len(NORMS)
    gap = 0.04
    width = (1.0 - gap * (count - 1)) / count
    colorscale = []
    for k, color in enumerate(GROUP_COLORS):  # a step scale: id % 8 -> one flat colour
        colorscale += [[k / len(GROUP_COLORS), color], [(k + 1) / len(GROUP_COLORS), color]]
    traces, annotations = [], []
    layout = theme.base_layout(title=title, presentation=presentation)
    for k, name in enumerate(NORMS, start=1):
        ids = group_ids(name, B, T, D, groups, positions)
        suffix = "" if k == 1 else str(k)
        traces.append(
            dict(
                type="heatmap",
                z=(ids % len(GROUP_COLORS)).astype(np.float32),
                customdata=ids,
                x=np.arange(D * positions, dtype=np.int32),
                y=y,
                xaxis=f"x{suffix}",
                yaxis="y",
                zmin=0,
                zmax=len(GROUP_COLORS),
                colorscale=colorscale,
                showscale=False,
                xgap=1,
                ygap=1,
                hovertemplate="%{y}<br>"
                + theme.hover_line(x_title, "%{x}")
                + "<br># %{customdata}<extra></extra>",
            )
        )
        start = (k - 1) * (width + gap)
        layout[f"xaxis{suffix}"] = theme.axis(
            title=x_title if k == 1 else "",
            presentation=presentation,
            domain=[start, start + width],
            anchor="y",
            type="category",
            showticklabels=False,
        )
        annotations.append(theme.panel_title(titles.get(name, name), suffix, size))
    layout["yaxis"] = theme.axis(presentation=presentation, type="category", autorange="reversed")
    layout["annotations"] = annotations
    layout["margin"]["t"] += size + 12
    layout["height"] = theme.auto_height(len(y), presentation=presentation) + size
    theme.fit_margins(layout, presentation=presentation, left=y, bottom_title=bool(x_title))
    return theme.figure(traces, layout=layout)


@theme.memo
def step_lines(
    values,
    *,
    names: Sequence[str],
    targets=None,
    target_name: str = "",
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """(S, K) values as K lines over S steps; optional dashed (K,) targets they approach."""
    z = theme.as_float32(values, ndim=2, what="values")
    steps, count = z.shape
    theme.check_count(names, count, what="names", per="line")
    x = np.arange(1, steps + 1, dtype=np.int32)
    traces = []
    for k, name in enumerate(names):
        color = GROUP_COLORS[k % len(GROUP_COLORS)]
        traces.append(
            dict(
                type="scatter",
                mode="lines+markers",
                x=x,
                y=z[:, k],
                name=theme.label(name),
                line={"color": color, "width": 2.5},
                marker={"size": 5},
                hovertemplate=theme.hover_line(x_title, "%{x}")
                + "<br>"
                + theme.hover_line(theme.label(name), "%{y:.4f}")
                + "<extra></extra>",
            )
        )
        if targets is not None:
            level = float(theme.as_float32(targets, ndim=1, what="targets")[k])
            traces.append(
                dict(
                    type="scatter",
                    mode="lines",
                    x=np.array([1, steps], dtype=np.int32),
                    y=np.array([level, level], dtype=np.float32),
                    name=theme.label(f"{name} · {target_name}"),
                    showlegend=False,
                    line={"color": color, "width": 1.5, "dash": "dash"},
                    hoverinfo="skip",
                )
            )
    layout = theme.base_layout(title=title, presentation=presentation, height=340)
    layout.update(
        xaxis=theme.axis(title=x_title, presentation=presentation, tickangle=0),
        yaxis=theme.axis(title=y_title, presentation=presentation, showgrid=True),
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
    )
    layout["margin"]["t"] += theme.font_size(presentation) + 14  # the legend, above the plot
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=theme.number_labels(lo, hi),
        left_title=bool(y_title),
        bottom=[str(steps)],
        bottom_title=bool(x_title),
    )
    return theme.figure(traces, layout=layout)
