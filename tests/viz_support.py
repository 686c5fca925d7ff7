"""Shared by tests/viz: one figure from every builder (viz.text's, viz.gradients' and
viz.training's too), each visible word from the caller: the house rules in test_figures.py and
test_fast.py run on all."""

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
    if name in TEXT_BUILDERS:
        return _build_text(name, w, presentation)
    if name in GRADIENT_BUILDERS:
        return _build_gradients(name, w, presentation)
    if name in TRAINING_BUILDERS:
        return _build_training(name, w, presentation)
    if name in ATTENTION_BUILDERS:
        return _build_attention(name, w, presentation)
    if name in POSITIONS_BUILDERS:
        return _build_positions(name, w, presentation)
    if name in HEADS_BUILDERS:
        return _build_heads(name, w, presentation)
    if name in TRANSFORMER_BUILDERS:
        return _build_transformer(name, w, presentation)
    if name in RECURRENT_BUILDERS:
        return _build_recurrent(name, w, presentation)
    if name in BIDIRECTIONAL_BUILDERS:
        return _build_bidirectional(name, w, presentation)
    if name in RNN_WEIGHTS_BUILDERS:
        return _build_rnn_weights(name, w, presentation)
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


CORE_BUILDERS = [
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


def grid_case():
    """Three sentences padded "pre" to 4 and truncated "pre": row 0 lost 1, row 2 lost 7 8 9."""
    ids = np.array([[2, 3, 4, 5], [0, 0, 3, 4], [10, 11, 12, 13]])
    kinds = (ids != 0).astype(int)
    return ids, kinds, [(1,), (), (7, 8, 9)]


def onehot_case():
    picked = np.array([1, 3, 1])
    onehot = np.eye(5)[picked]  # (T, V) = (3, 5)
    table = np.arange(10, dtype=np.float64).reshape(5, 2) - 4.5  # (V, D) = (5, 2)
    return onehot, table, onehot @ table, picked


def _build_text(name, w, presentation):
    """viz.text's builders."""
    if name == "word_index_bars":
        return viz.word_index_bars(
            [w(), "b", "c"],
            np.array([3, 2, 1]),
            kept=[True, True, False],
            title=w(),
            x_title=w(),
            y_title=w(),
            kept_name=w(),
            dropped_name=w(),
            presentation=presentation,
        )
    if name == "padded_grid":
        ids, kinds, cut = grid_case()
        return viz.padded_grid(
            ids,
            kinds=kinds,
            cut=cut,
            cut_side="pre",
            row_labels=[w(), "b", "c"],
            title=w(),
            names={"pad": w(), "token": w(), "cut": w()},
            x_title=w(),
            presentation=presentation,
        )
    if name == "onehot_lookup":
        onehot, table, product, picked = onehot_case()
        titles = [w(), w(), w()]  # first: the long markup word is not cut as a label would be
        return viz.onehot_lookup(
            onehot,
            table,
            product,
            tokens=[w(), "b", "c"],
            vocab=["0", w(), "2", "3", "4"],
            picked=picked,
            titles=titles,
            feature_name=w(),
            presentation=presentation,
        )
    if name == "similarity_heatmap":
        return viz.similarity_heatmap(
            np.array([[1.0, 0.5], [0.5, 1.0]]),
            [w(), "b"],
            title=w(),
            value_name=w(),
            presentation=presentation,
        )
    if name == "score_bars":
        return viz.score_bars(
            [w(), "b", "c"], np.array([0.2, 0.9, -0.1]), title=w(), x_title=w(),
            presentation=presentation,
        )  # fmt: skip
    if name == "table_gradient":
        return viz.table_gradient(
            np.array([[0.0, 0.0], [1.5, -2.0], [0.0, 0.0]]),
            vocab=["0", w(), "2"],
            used=[False, True, False],
            counts=[0, 2, 0],
            title=w(),
            x_title=w(),
            value_name=w(),
            used_name=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


TEXT_BUILDERS = [
    "word_index_bars",
    "padded_grid",
    "onehot_lookup",
    "similarity_heatmap",
    "score_bars",
    "table_gradient",
]


def _build_gradients(name, w, presentation):
    """viz.gradients' builders."""
    if name == "layer_norms":
        return viz.layer_norms(
            {w(): np.array([1e-3, 1e-2, 1e-1]), "relu": np.ones(3)},
            title=w(),
            x_title=w(),
            y_title=w(),
            reference=0.25 ** np.arange(3, 0, -1),
            reference_name=w(),
            presentation=presentation,
        )
    if name == "activation_histograms":
        return viz.activation_histograms(
            np.array([[1, 2, 1], [0, 4, 0]]),
            np.array([-1.0, -0.25, 0.25, 1.0]),
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    if name == "weight_histogram":
        return viz.weight_histogram(
            np.array([1, 3, 4, 2]),
            np.array([-0.2, -0.1, 0.0, 0.1, 0.2]),
            lines={w(): 0.1, "ℓ": 0.17},
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    if name == "time_norms":
        return viz.time_norms(
            {w(): np.array([1.0, 0.5, 0.25]), "LSTM c": np.array([1.0, 0.9, 0.8])},
            tokens=["the", "<b>x</b>", "the"],
            title=w(),
            y_title=w(),
            presentation=presentation,
        )
    if name == "clip_bars":
        return viz.clip_bars(
            [w(), "b"],
            np.array([3.0, 4.0]),
            {w(): np.array([0.6, 0.8]), "value": np.array([1.0, 1.0])},
            title=w(),
            y_title=w(),
            before_name=w(),
            presentation=presentation,
        )
    if name == "loss_curves":
        return viz.loss_curves(
            {w(): np.array([2.0, 1.0, 0.5]), "lr=10": np.array([2.0, np.nan, np.nan])},
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


GRADIENT_BUILDERS = [
    "layer_norms",
    "activation_histograms",
    "weight_histogram",
    "time_norms",
    "clip_bars",
    "loss_curves",
]


def _build_training(name, w, presentation):
    """viz.training's builders."""
    if name == "history_curves":
        return viz.history_curves(
            np.array([0.69, 0.5, 0.4]),
            np.array([0.6, 0.55, 0.58]),
            epochs=5,
            title=w(),
            y_label=w(),
            x_label=w(),
            train_label=w(),
            val_label=w(),
            mark=(2, w()),
            presentation=presentation,
        )
    if name == "part_bars":
        return viz.part_bars(
            [w(), "validation"],
            np.array([[30, 10, 20], [0, 0, 15]]),
            categories=[w(), "imdb", "yelp"],
            title=w(),
            x_label=w(),
            y_label=w(),
            presentation=presentation,
        )
    if name == "length_histogram":
        return viz.length_histogram(
            np.array([0, 2, 3, 3, 5, 9]),
            4,
            title=w(),
            x_label=w(),
            y_label=w(),
            cut_label=w(),
            presentation=presentation,
        )
    if name == "oov_curve":
        return viz.oov_curve(
            np.array([10, 100, 1000]),
            np.array([0.8, 0.3, 0.05]),
            100,
            0.3,
            title=w(),
            x_label=w(),
            y_label=w(),
            point_label=w(),
            presentation=presentation,
        )
    if name == "probability_bar":
        return viz.probability_bar(0.8125, labels=(w(), w()), title=w(), presentation=presentation)
    if name == "confusion_matrix":
        return viz.confusion_matrix(
            np.array([[5, 1], [2, 7]]),
            labels=[w(), "1"],
            title=w(),
            x_label=w(),
            y_label=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


TRAINING_BUILDERS = [
    "history_curves",
    "part_bars",
    "length_histogram",
    "oov_curve",
    "probability_bar",
    "confusion_matrix",
]


def _build_attention(name, w, presentation):
    """viz.attention's builders (the step-by-step part of the Attention page)."""
    if name == "qkv_heatmaps":
        return viz.qkv_heatmaps(
            [(w(), VALUES), ("K", -VALUES), ("V", VALUES / 2)],
            TOKENS,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "score_heatmap":
        return viz.score_heatmap(
            VALUES @ VALUES.T,
            TOKENS,
            TOKENS,
            hidden=np.triu(np.ones((3, 3), dtype=bool), 1),
            hidden_name=w(),
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "heads_heatmap":
        return viz.heads_heatmap(
            np.hstack([VALUES, -VALUES]),
            TOKENS,
            head_width=2,
            head_names=[w(), "h2"],
            chosen=1,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "entropy_bars":
        return viz.entropy_bars(
            np.array([0.0, 0.6, 1.0]),
            np.array([0.0, 0.1, 0.05]),
            TOKENS,
            maximum=np.log(np.array([1.0, 2.0, 3.0])),
            scaled_name=w(),
            unscaled_name=w(),
            max_name=w(),
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


ATTENTION_BUILDERS = ["qkv_heatmaps", "score_heatmap", "heads_heatmap", "entropy_bars"]

# Every builder the house rules are checked on, and the viz module that defines it.
BUILDERS = CORE_BUILDERS + TEXT_BUILDERS + GRADIENT_BUILDERS + TRAINING_BUILDERS
BUILDERS += ATTENTION_BUILDERS


def _build_positions(name, w, presentation):
    """viz.positions' builders (the positions part of the Attention page)."""
    if name == "position_waves":
        x = np.linspace(0.0, 4.0, 9)
        return viz.position_waves(
            x,
            np.stack([np.sin(x), np.cos(x)], axis=1),
            [w(), "cos"],
            marks=np.stack([np.sin(np.arange(3.0)), np.cos(np.arange(3.0))], axis=1),
            mark_labels=TOKENS,
            band_name=w(),
            title=w(),
            x_title=w(),
            y_title=w(),
            presentation=presentation,
        )
    if name == "paired_heatmaps":
        return viz.paired_heatmaps(
            VALUES,
            VALUES[::-1],
            TOKENS,
            TOKENS[::-1],
            left_name=w(),
            right_name=w(),
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


POSITIONS_BUILDERS = ["position_waves", "paired_heatmaps"]
BUILDERS += POSITIONS_BUILDERS


def _build_heads(name, w, presentation):
    """viz.heads' builders (the heads and explain parts of the Attention page)."""
    if name == "head_grid":
        return viz.head_grid(
            np.stack([WEIGHTS, WEIGHTS.T / WEIGHTS.T.sum(1, keepdims=True)]),
            TOKENS,
            TOKENS,
            titles=[w(), "head 2"],
            selected=1,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "cell_heatmap":
        return viz.cell_heatmap(
            WEIGHTS,
            TOKENS,
            TOKENS,
            cell=(1, 0),
            hidden=np.triu(np.ones((3, 3), dtype=bool), 1),
            row_start=4,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            hidden_name=w(),
            presentation=presentation,
        )
    if name == "weighted_sum":
        return viz.weighted_sum(
            WEIGHTS[1],
            TOKENS,
            VALUES[:, 0] * 0.5,
            chosen=0,
            hidden=np.array([False, False, True]),
            title=w(),
            weights_title=w(),
            output_title=w(),
            key_title=w(),
            feature_title=w(),
            chosen_name=w(),
            hidden_name=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


HEADS_BUILDERS = ["head_grid", "cell_heatmap", "weighted_sum"]
BUILDERS += HEADS_BUILDERS


def _build_transformer(name, w, presentation):
    """viz.transformer's builders (the encoder & decoder part of the Attention page)."""
    if name == "encoder_decoder_flow":
        return viz.encoder_decoder_flow(
            [(w(), "(B, S)\n(1, 3)"), ("memory", w())],
            [("ids", "(B, T)"), ("self", "(1, 4, 2, 2)"), (w(), "(1, 4, 2, 3)")],
            cross=2,
            encoder_name=w(),
            decoder_name="Decoder",
            memory_name=w(),
            title=w(),
            presentation=presentation,
        )
    if name == "masked_attention_heatmap":
        return viz.masked_attention_heatmap(
            WEIGHTS,
            TOKENS,
            TOKENS,
            hidden=np.triu(np.ones((3, 3), dtype=bool), 1),
            hidden_name=w(),
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


TRANSFORMER_BUILDERS = ["encoder_decoder_flow", "masked_attention_heatmap"]
BUILDERS += TRANSFORMER_BUILDERS


def _build_recurrent(name, w, presentation):
    """viz.recurrent's builders (the step part of the Recurrent layers page)."""
    if name == "state_bars":
        panels = [
            dict(name=w(), values=VALUES[:, 0], range=None, chosen=None, start=1,
                 index_name=w()),
            dict(name="h", values=WEIGHTS[1], range=(0.0, 1.0), chosen=1, start=4,
                 index_name="unit"),
        ]  # fmt: skip
        return viz.state_bars(
            panels, columns=2, title=w(), value_name=w(), presentation=presentation
        )
    if name == "step_timeline":
        return viz.step_timeline(
            VALUES / 4,
            TOKENS,
            step=1,
            unit=0,
            title=w(),
            x_title=w(),
            y_title=w(),
            hover_name=w(),
            future_name=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


RECURRENT_BUILDERS = ["state_bars", "step_timeline"]
BUILDERS += RECURRENT_BUILDERS


def _build_bidirectional(name, w, presentation):
    """viz.bidirectional's builders (the sequences and bidirectional parts of Recurrent layers)."""
    if name == "state_map":
        return viz.state_map(
            np.concatenate([VALUES, -VALUES], axis=1),
            TOKENS,
            positions=[0, 1, 7],
            columns=[0, 1, 5, 6],
            split=2,
            half_names=(w(), "backward"),
            last=VALUES[:2].repeat(2, axis=1) / 2,
            last_labels=TOKENS[:2],
            chosen=1,
            marks=[(7, "left"), (0, "right")],
            dashed=[(7, "right")],
            title=w(),
            last_title=w(),
            x_title=w(),
            y_title=w(),
            last_y_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    if name == "direction_rows":
        return viz.direction_rows(
            np.abs(VALUES[:, 0]),
            np.abs(VALUES[:, 1]),
            TOKENS,
            positions=[0, 1, 7],
            forward_steps=[1, 2, 8],
            backward_steps=[8, 7, 1],
            forward_end=7,
            backward_end=0,
            forward_name=w(),
            backward_name=w(),
            title=w(),
            x_title=w(),
            hover_name=w(),
            step_name=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


BIDIRECTIONAL_BUILDERS = ["state_map", "direction_rows"]
BUILDERS += BIDIRECTIONAL_BUILDERS


def _build_rnn_weights(name, w, presentation):
    """viz.rnn_weights' builder (the weights part of Recurrent layers); the rows layout's
    house rules are checked in tests/viz/test_rnn_weights.py."""
    if name == "weight_bands":  # Keras: (D, G·U), the gates side by side, one per colour
        return viz.weight_bands(
            np.hstack([VALUES, -VALUES, VALUES / 2]),
            bands=[(w(), "#1b9e77"), ("r", "#a6761d"), ("h", "#7570b3")],
            along="columns",
            title=w(),
            band_title=w(),
            other_title=w(),
            hover_name=w(),
            presentation=presentation,
        )
    raise AssertionError(name)


RNN_WEIGHTS_BUILDERS = ["weight_bands"]
BUILDERS += RNN_WEIGHTS_BUILDERS


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
