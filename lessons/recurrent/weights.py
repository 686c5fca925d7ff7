"""Weights in both layouts: the page's layer as Keras stores it beside PyTorch, gate by gate.

Keras: kernel (D, G·U) with the gates side by side in its order (LSTM i, f, c, o; GRU z, r, h),
recurrent_kernel (U, G·U) and one bias (G·U,); the GRU with reset_after=True keeps two biases as
(2, 3U), with reset_after=False one (3U,). PyTorch: weight_ih (G·U, D) with the gates stacked
(LSTM i, f, g, o; GRU r, z, n), weight_hh (G·U, U), bias_ih and bias_hh. Each gate has one
colour in both, so a student sees the transposition and the reordering; a worked check shows
a Keras slice equal to the transposed PyTorch slice, and the parameter counts are written out
with their formulas, with why they differ. The weights do not depend on the sentence: the part
works with no text at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import viz
from ui.blocks import chart
from ui.controls import columns
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import WIDTHS, Settings
from ui.shell import explain
from ui.state import current, widget

from .common import CELL_NAMES, CELLS, TORCH_NAMES, UNITS, make_layer, show_code

MAX_SHOWN = 128  # rows or columns a map shows; the downloads have the rest
CACHE_ENTRIES = 8

IDEA = (
    r"\underbrace{x_t\,\mathrm{kernel} + h_{t-1}\,\mathrm{recurrent\_kernel}"
    r" + \mathrm{bias}}_{\text{Keras}}"
    r"\;=\;\underbrace{x_t W_{ih}^{\top} + b_{ih} + h_{t-1} W_{hh}^{\top}"
    r" + b_{hh}}_{\text{PyTorch}}"
)
RESET_AFTER = {
    True: r"\tilde h_t = \tanh\big(x_t W_h + b^{(x)}_h + r_t \odot (h_{t-1} U_h + b^{(h)}_h)\big)",
    False: r"\tilde h_t = \tanh\big(x_t W_h + b_h + (r_t \odot h_{t-1})\, U_h\big)",
}


@dataclass(frozen=True)
class Band:
    """One gate's block of rows (PyTorch) or columns (Keras)."""

    gate: str  # the gate, whatever each library calls it: its colour
    keras: str  # Keras' letter
    torch: str  # PyTorch's letter
    keras_index: int  # which band in Keras' order
    torch_index: int  # which band in PyTorch's order


BANDS = {
    "simplernn": (Band("h", "h", "h", 0, 0),),
    "lstm": (
        Band("i", "i", "i", 0, 0),
        Band("f", "f", "f", 1, 1),
        Band("c", "c", "g", 2, 2),
        Band("o", "o", "o", 3, 3),
    ),
    "gru": (Band("z", "z", "z", 0, 1), Band("r", "r", "r", 1, 0), Band("n", "h", "n", 2, 2)),
}
# One colour per gate in both layouts (Dark2: distinct from the maps' red and blue, and on a
# washed-out projector); the candidate (tanh) is purple in every cell.
GATE_COLORS = {
    "i": "#1b9e77",
    "f": "#d95f02",
    "c": "#7570b3",
    "o": "#e7298a",
    "z": "#1b9e77",
    "r": "#a6761d",
    "n": "#7570b3",
    "h": "#7570b3",
}
FEATURED = {"simplernn": "h", "lstm": "f", "gru": "z"}  # the gate of the worked check
KINDS = ("kernel", "recurrent", "bias")  # which pair of weights is drawn
KERAS_NAMES = {"kernel": "kernel", "recurrent": "recurrent_kernel", "bias": "bias"}
TORCH_NAMES_OF = {
    "kernel": ("weight_ih_l0",),
    "recurrent": ("weight_hh_l0",),
    "bias": ("bias_ih_l0", "bias_hh_l0"),
}


def keras_order(bands: tuple[Band, ...]) -> list[Band]:
    return sorted(bands, key=lambda band: band.keras_index)


def torch_order(bands: tuple[Band, ...]) -> list[Band]:
    return sorted(bands, key=lambda band: band.torch_index)


def keras_layout(layer, reset_after: bool) -> dict[str, np.ndarray]:
    """Keras' kernel, recurrent_kernel and bias for this layer, in get_weights() order.

    A GRU with reset_after=False has one bias (3U,): z and r take b_ih + b_hh exactly, as the
    other cells do; the candidate's b_in + b_hn is only PyTorch's where r = 1, since Keras then
    multiplies (r ⊙ h) by U_h with no bias inside (the two layers compute different h)."""
    weights = layer.keras_weights()
    if _cell(layer) == "gru" and not reset_after:
        weights = {**weights, "bias": weights["bias"].sum(axis=0, dtype=np.float32)}
    return weights


def torch_layout(layer) -> dict[str, np.ndarray]:
    """weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 as torch.nn names them."""
    with torch.no_grad():
        return {
            f"{name}_l0": getattr(layer, name).numpy().copy()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        }


def _cell(layer) -> str:
    return {"SimpleRNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}[type(layer).__name__]


@dataclass(frozen=True)
class Layouts:
    """The page's layer in both layouts, and what the part computes from them."""

    cell: str
    D: int
    U: int
    reset_after: bool  # Keras' GRU option; the other cells ignore it
    keras: dict[str, np.ndarray]  # kernel (D, G·U), recurrent_kernel (U, G·U), bias
    torch: dict[str, np.ndarray]  # weight_ih_l0 (G·U, D), weight_hh_l0 (G·U, U), biases (G·U,)

    @property
    def G(self) -> int:
        return len(BANDS[self.cell])

    @property
    def two_keras_biases(self) -> bool:
        return self.cell == "gru" and self.reset_after

    @property
    def keras_count(self) -> int:
        return sum(int(w.size) for w in self.keras.values())

    @property
    def torch_count(self) -> int:
        return sum(int(w.size) for w in self.torch.values())


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _layouts(cell: str, d: int, units: int, seed: int, reset_after: bool) -> Layouts:
    layer = make_layer(cell, d, units, seed)  # the same layer every part of the page runs
    return Layouts(
        cell, d, units, reset_after, keras_layout(layer, reset_after), torch_layout(layer)
    )


def layouts(s: Settings) -> Layouts:
    """The page's seeded layer in both layouts (the GRU with the chosen reset_after)."""
    return _layouts(s.rnn_cell, s.rnn_d, s.rnn_units, s.seed, bool(s.reset_after))


def keras_biases(cell: str, reset_after: bool) -> int:
    """How many U-long bias vectors each gate has in Keras: 2 for reset_after=True, else 1."""
    return 2 if cell == "gru" and reset_after else 1


def formula(G: int, biases: int) -> str:
    """G·(D·U + U·U + bU) in symbols."""
    inner = f"D·U + U·U + {'' if biases == 1 else biases}U"
    return inner if G == 1 else f"{G}·({inner})"


def formula_numbers(G: int, biases: int, D: int, U: int) -> tuple[str, int]:
    """The formula with the numbers put in, and its value."""
    bias = f"{U}" if biases == 1 else f"{biases}·{U}"
    inner = f"{D}·{U} + {U}·{U} + {bias}"
    value = G * (D * U + U * U + biases * U)
    return (inner if G == 1 else f"{G}·({inner})"), value


@dataclass(frozen=True)
class CheckRow:
    band: Band
    keras: str  # the Keras slice, as code
    torch: str  # the PyTorch expression it equals
    diff: float  # the largest |difference|, in float64


def _span(index: int, U: int) -> tuple[int, int]:
    return index * U, (index + 1) * U


def check_rows(lay: Layouts, kind: str) -> list[CheckRow]:
    """Each gate's Keras slice beside the PyTorch slice it comes from, with their largest
    difference (0 for moved numbers; a sum of two biases in float32 is Keras' one bias)."""
    U = lay.U
    rows = []
    for band in keras_order(BANDS[lay.cell]):
        a, b = _span(band.keras_index, U)
        c, d = _span(band.torch_index, U)
        if kind in ("kernel", "recurrent"):
            name = KERAS_NAMES[kind]
            (torch_name,) = TORCH_NAMES_OF[kind]
            mine = lay.keras[name][:, a:b]
            theirs = lay.torch[torch_name][c:d].T
            pairs = [(f"{name}[:, {a}:{b}]", f"{torch_name}[{c}:{d}].T", mine, theirs)]
        elif lay.two_keras_biases:
            pairs = [
                (f"bias[0, {a}:{b}]", f"bias_ih_l0[{c}:{d}]", lay.keras["bias"][0, a:b],
                 lay.torch["bias_ih_l0"][c:d]),
                (f"bias[1, {a}:{b}]", f"bias_hh_l0[{c}:{d}]", lay.keras["bias"][1, a:b],
                 lay.torch["bias_hh_l0"][c:d]),
            ]  # fmt: skip
        else:
            total = lay.torch["bias_ih_l0"][c:d] + lay.torch["bias_hh_l0"][c:d]  # float32
            pairs = [
                (f"bias[{a}:{b}]", f"bias_ih_l0[{c}:{d}] + bias_hh_l0[{c}:{d}]",
                 lay.keras["bias"][a:b], total),
            ]  # fmt: skip
        for keras_expr, torch_expr, mine, theirs in pairs:
            diff = float(np.abs(mine.astype(np.float64) - theirs.astype(np.float64)).max())
            rows.append(CheckRow(band, keras_expr, torch_expr, diff))
    return rows


def per_band(lay: Layouts) -> int:
    """Units shown of each gate: all of them, or as many as fit MAX_SHOWN for every band."""
    return min(lay.U, max(1, MAX_SHOWN // lay.G))


def banded(values: np.ndarray, bands: list[Band], U: int, k: int, along: str, order: str):
    """The first k units of each band (in `order`'s band order) and the first MAX_SHOWN of the
    other axis: what a map can show."""
    pieces = []
    for band in bands:
        start = (band.keras_index if order == "keras" else band.torch_index) * U
        if along == "columns":
            pieces.append(values[:MAX_SHOWN, start : start + k])
        else:
            pieces.append(values[start : start + k, :MAX_SHOWN])
    return np.concatenate(pieces, axis=1 if along == "columns" else 0)


def pair(
    lay: Layouts, kind: str
) -> tuple[np.ndarray, np.ndarray, list[str] | None, list[str] | None]:
    """(Keras array (rows, G·U), PyTorch array (G·U, cols), Keras row labels, PyTorch column
    labels) of one kind; labels only for biases (None: numbered features or units)."""
    if kind == "bias":
        bias = lay.keras["bias"]
        keras_rows = (
            [t("recurrent.weights.bias_input"), t("recurrent.weights.bias_recurrent")]
            if lay.two_keras_biases
            else ["bias"]
        )
        torch_both = np.stack([lay.torch["bias_ih_l0"], lay.torch["bias_hh_l0"]], axis=1)
        return np.atleast_2d(bias), torch_both, keras_rows, ["bias_ih_l0", "bias_hh_l0"]
    name = KERAS_NAMES[kind]
    (torch_name,) = TORCH_NAMES_OF[kind]
    return lay.keras[name], lay.torch[torch_name], None, None


def shape_text(shape) -> str:
    return "(" + ", ".join(str(int(n)) for n in shape) + (",)" if len(shape) == 1 else ")")


def _symbolic(kind: str, G: int, framework: str, two_biases: bool = False) -> str:
    gu = "U" if G == 1 else f"{G}U"
    return {
        ("keras", "kernel"): f"(D, {gu})",
        ("keras", "recurrent"): f"(U, {gu})",
        ("keras", "bias"): f"(2, {gu})" if two_biases else f"({gu},)",
        ("torch", "kernel"): f"({gu}, D)",
        ("torch", "recurrent"): f"({gu}, U)",
        ("torch", "bias"): f"({gu},)",
    }[framework, kind]


def gate_name(cell: str, letter: str) -> str:
    return t(f"recurrent.weights.gate_{cell}_{letter}")


# --------------------------------------------------------------------------- the part


def width_slider() -> None:
    """The input width D (the tutorial's 100 among the usual widths)."""
    widget(
        st.select_slider,
        t("recurrent.d"),
        "rnn_d",
        options=sorted({*WIDTHS, 100, current().rnn_d}),
        format_func=lambda v: str(int(v)),
        help=t("recurrent.d_help"),
    )


def units_slider() -> None:
    """The units U."""
    widget(
        st.select_slider,
        t("recurrent.units"),
        "rnn_units",
        options=sorted({*UNITS, current().rnn_units}),
        format_func=lambda v: str(int(v)),
        help=t("recurrent.units_help"),
    )


def _controls() -> None:
    """The cell, D, U and, for the GRU, Keras' reset_after: what the weights depend on (the
    sentence and its punctuation do not matter here)."""
    gru = current().rnn_cell == "gru"
    names = ("rnn_cell", "rnn_d", "rnn_units", *(("reset_after",) if gru else ()))
    cells = columns(names, [3, 2.6, 2.6, 3.6][: len(names)])  # room for the Korean label
    with cells[0]:
        widget(
            st.segmented_control,
            t("recurrent.cell"),
            "rnn_cell",
            options=list(CELLS),
            format_func=lambda cell: CELL_NAMES.get(cell, str(cell)),
            help=t("recurrent.cell_help"),
        )
    with cells[1]:
        width_slider()
    with cells[2]:
        units_slider()
    if gru:
        with cells[3]:
            widget(
                st.toggle,
                t("recurrent.weights.reset_after"),
                "reset_after",
                help=t("recurrent.weights.reset_after_help"),
            )


def _layout_table(lay: Layouts) -> None:
    """Keras' weights beside PyTorch's: names, shapes in letters and in numbers, gate order."""
    G, U = lay.G, lay.U
    bands = BANDS[lay.cell]
    keras_gates = ", ".join(b.keras for b in keras_order(bands))
    torch_gates = ", ".join(b.torch for b in torch_order(bands))
    rows = [
        f"| Keras 3 `{CELL_NAMES[lay.cell]}({U})` | {t('recurrent.weights.col_shape')} "
        f"| PyTorch `nn.{TORCH_NAMES[lay.cell]}({lay.D}, {U})` "
        f"| {t('recurrent.weights.col_shape')} |",
        "|---|---|---|---|",
    ]
    for kind in KINDS:
        keras_name = KERAS_NAMES[kind]
        symbolic = _symbolic(kind, G, "keras", lay.two_keras_biases)
        for i, torch_name in enumerate(TORCH_NAMES_OF[kind]):
            left = (
                f"`{keras_name}` | {symbolic} = {shape_text(lay.keras[keras_name].shape)}"
                if i == 0
                else " | "
            )
            right = (
                f"`{torch_name}` | {_symbolic(kind, G, 'torch')} = "
                f"{shape_text(lay.torch[torch_name].shape)}"
            )
            rows.append(f"| {left} | {right} |")
    rows.append(
        f"| {t('recurrent.weights.gate_order')} | {keras_gates} "
        f"| {t('recurrent.weights.gate_order')} | {torch_gates} |"
    )
    st.markdown("\n".join(rows))


def _kind_control() -> str:
    labels = {
        "kernel": "kernel ↔ weight_ih_l0",
        "recurrent": "recurrent_kernel ↔ weight_hh_l0",
        "bias": "bias ↔ bias_ih_l0, bias_hh_l0",
    }
    choice = st.segmented_control(
        t("recurrent.weights.which"),
        list(KINDS),
        default="kernel",
        key="recurrent_weights_kind",
        format_func=lambda kind: labels.get(kind, str(kind)),
        help=t("recurrent.weights.which_help"),
    )
    return choice if choice in KINDS else "kernel"


def _maps(lay: Layouts, kind: str, present: bool) -> None:
    """The chosen pair as two banded heatmaps on one colour scale, with shape badges."""
    keras_values, torch_values, keras_rows, torch_cols = pair(lay, kind)
    bands = BANDS[lay.cell]
    U, k = lay.U, per_band(lay)
    keras_shown = banded(keras_values, keras_order(bands), U, k, "columns", "keras")
    torch_shown = banded(torch_values, torch_order(bands), U, k, "rows", "torch")
    other = keras_values.shape[0]
    shown = []
    if k < U:
        shown.append(t("recurrent.weights.sliced_units", k=k, U=U))
    if other > MAX_SHOWN:
        shown.append(t("recurrent.weights.sliced_rows", rows=MAX_SHOWN, total=other))
    if shown:
        st.caption(t("recurrent.weights.sliced", shown=t("recurrent.weights.and").join(shown)))
    peak = max(float(np.abs(keras_values).max()), float(np.abs(torch_values).max()), 1e-6)
    zrange = (-peak, peak)
    other_title = {
        "kernel": t("recurrent.weights.feature"),
        "recurrent": t("recurrent.weights.prev_unit"),
        "bias": "",
    }[kind]
    keras_name = KERAS_NAMES[kind]
    keras_fig = viz.weight_bands(
        keras_shown,
        bands=[(gate_name(lay.cell, b.keras), GATE_COLORS[b.gate]) for b in keras_order(bands)],
        along="columns",
        other_labels=keras_rows,
        title=t(
            "recurrent.weights.keras_title",
            name=keras_name,
            shape=shape_text(lay.keras[keras_name].shape),
        ),
        band_title=t("axis.unit"),
        other_title=other_title,
        hover_name=t("axis.value"),
        zrange=zrange,
        colorbar=False,  # one scale for both: the PyTorch map's colorbar
        presentation=present,
    )
    torch_names = TORCH_NAMES_OF[kind]
    torch_fig = viz.weight_bands(
        torch_shown,
        bands=[(gate_name(lay.cell, b.torch), GATE_COLORS[b.gate]) for b in torch_order(bands)],
        along="rows",
        other_labels=torch_cols,
        title=t(
            "recurrent.weights.torch_title",
            name=" + ".join(torch_names) if kind == "bias" else torch_names[0],
            shape=shape_text(lay.torch[torch_names[0]].shape),
        ),
        band_title=t("axis.unit"),
        other_title=other_title,
        hover_name=t("axis.value"),
        zrange=zrange,
        presentation=present,
    )
    st.markdown(
        f":blue-badge[Keras `{keras_name}` {shape_text(lay.keras[keras_name].shape)}] "
        + " ".join(
            f":orange-badge[PyTorch `{name}` {shape_text(lay.torch[name].shape)}]"
            for name in torch_names
        )
    )
    if present:  # a projector needs each map's width
        chart(keras_fig, "recurrent_weights_keras")
        chart(torch_fig, "recurrent_weights_torch")
    else:
        left, right = st.columns(2)
        with left:
            chart(keras_fig, "recurrent_weights_keras")
        with right:
            chart(torch_fig, "recurrent_weights_torch")
    st.caption(t("recurrent.weights.same_scale"))


def _difference(diff: float) -> str:
    return "0" if diff == 0 else f"{diff:.1e}"


def _check(lay: Layouts, kind: str) -> None:
    """The worked check: one sentence for the featured gate, a table for every gate."""
    rows = check_rows(lay, kind)
    featured = next(row for row in rows if row.band.gate == FEATURED[lay.cell])
    st.markdown(
        t(
            "recurrent.weights.check",
            keras=featured.keras,
            torch=featured.torch,
            gate=gate_name(lay.cell, featured.band.keras),
            diff=_difference(featured.diff),
        )
    )
    if lay.cell == "gru":
        st.caption(t("recurrent.weights.gru_order"))
    table = [
        f"| {t('recurrent.weights.col_gate')} | Keras | PyTorch "
        f"| {t('recurrent.weights.col_diff')} |",
        "|---|---|---|---:|",
    ]
    for row in rows:
        table.append(
            f"| {gate_name(lay.cell, row.band.keras)} | `{row.keras}` | `{row.torch}` "
            f"| {_difference(row.diff)} |"
        )
    st.markdown("\n".join(table))
    if kind == "bias" and lay.cell == "gru" and not lay.reset_after:
        st.caption(t("recurrent.weights.gru_before_bias"))


def _counts(lay: Layouts) -> None:
    """Both counts with their formulas written out, and why they differ."""
    G, D, U = lay.G, lay.D, lay.U
    kb = keras_biases(lay.cell, lay.reset_after)
    keras_numbers, keras_value = formula_numbers(G, kb, D, U)
    torch_numbers, torch_value = formula_numbers(G, 2, D, U)
    keras_layer = f"{CELL_NAMES[lay.cell]}({U}"
    if lay.cell == "gru":
        keras_layer += f", reset_after={lay.reset_after}"
    keras_layer += ")"
    st.markdown(
        "\n".join(
            [
                f"| | {t('recurrent.weights.col_formula')} "
                f"| {t('recurrent.weights.col_numbers')} | {t('recurrent.weights.col_count')} |",
                "|---|---|---|---:|",
                f"| Keras 3 `{keras_layer}` | {formula(G, kb)} | {keras_numbers} "
                f"| **{lay.keras_count:,}** |",
                f"| PyTorch `nn.{TORCH_NAMES[lay.cell]}({D}, {U})` | {formula(G, 2)} "
                f"| {torch_numbers} | **{lay.torch_count:,}** |",
            ]
        )
    )
    # The formulas are what the tensors hold: a wrong formula would show here as a mismatch.
    if (keras_value, torch_value) != (lay.keras_count, lay.torch_count):
        st.error(t("recurrent.weights.formula_mismatch"))
    diff = lay.torch_count - lay.keras_count
    if lay.cell == "gru":
        key = "why_gru_after" if lay.reset_after else "why_gru_before"
    else:
        key = "why_sum"
    gu = "U" if G == 1 else f"{G}·U"
    st.markdown(t(f"recurrent.weights.{key}", diff=f"{diff:,}", GU=gu))


def _reset_after_story(lay: Layouts) -> None:
    if lay.cell != "gru":
        return
    st.markdown(t("recurrent.weights.reset_after_title"))
    for after in (True, False):
        st.markdown(
            t(
                "recurrent.weights.form_after" if after else "recurrent.weights.form_before",
                chosen=t("recurrent.weights.chosen") if after == lay.reset_after else "",
            )
        )
        st.latex(RESET_AFTER[after])
    st.markdown(t("recurrent.weights.reset_history"))
    if not lay.reset_after:
        st.caption(t("recurrent.weights.no_torch_before"))


def _downloads(lay: Layouts, kind: str) -> None:
    st.caption(t("recurrent.weights.downloads"))
    keras_name = KERAS_NAMES[kind]
    downloads(
        f"keras_{keras_name}",
        torch.from_numpy(lay.keras[keras_name]),
        f"recurrent_weights_dl_keras_{kind}",
    )
    for name in TORCH_NAMES_OF[kind]:
        downloads(
            f"torch_{name}", torch.from_numpy(lay.torch[name]), f"recurrent_weights_dl_{name}"
        )


def weights_part(s: Settings) -> None:
    explain(t("recurrent.weights.idea"), IDEA)
    _controls()
    s = current()
    lay = layouts(s)
    st.caption(t("recurrent.weights.any_text"))
    _layout_table(lay)
    kind = _kind_control()
    _maps(lay, kind, s.present)
    _check(lay, kind)
    st.markdown(f"#### {t('recurrent.weights.counts_title')}")
    _counts(lay)
    _reset_after_story(lay)
    _downloads(lay, kind)
    from . import weights_code  # it reads this module's bands: imported once both exist

    show_code(lambda: weights_code.weights_programs(s), "weights")
