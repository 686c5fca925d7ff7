"""Through time: how much each step's state moves a loss at the sentence's last step.

SimpleRNN (tanh and ReLU), LSTM and GRU read the same seeded embeddings x (1, T, D) of the
teacher's sentence (the first line of the text). Only the recurrent weights follow the
controls: Keras' orthogonal or PyTorch's uniform ±1/√U, times a gain. Everything else is Keras'
default, so orthogonal at gain 1 is exactly a fresh Keras layer: input kernels glorot-uniform,
biases zero, and the LSTM's forget-gate bias 1 (`unit_forget_bias=True`). With ℒ = Σ h_T,

    δ_{t-1} = (δ_t ⊙ act′) W_hh            (SimpleRNN: each step back multiplies by W_hh)
    ∂ℒ/∂c_{t-1} = ∂ℒ/∂c_t ⊙ f_t + …        (LSTM: the cell path only multiplies by f)

`layers.gradients.grad_through_time` gives ‖∂ℒ/∂h_t‖ for every t, and the LSTM's ‖∂ℒ/∂c_t‖.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st
import torch

import viz
from layers import GRU, LSTM, Embedding, SimpleRNN, make_generator
from layers import initializers as init
from layers.gradients import TimeTrace, grad_through_time
from layers.stack import tokenize_batch
from ui.blocks import chart, f32
from ui.compute import capped
from ui.controls import columns, width_control
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import CHOICES, LIMITS, WIDTHS, Settings
from ui.shell import explain
from ui.state import widget
from ui.tex import tex_number

from . import time_code
from .common import live, show_code

MAX_STEPS = 48  # T autograd runs of up to T steps each (O(T²)): a sentence, not a book
CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
SERIES = (*CELLS, "lstm_cell")  # the columns of the norms download, in this order
FORGET_BIAS = 1.0  # Keras' unit_forget_bias=True
PURPOSE = "gradients:time"  # the weights' generator; the programs draw from the same one
CACHE_ENTRIES = 16  # one entry keeps four cells' weights: ~13 MB at U = D = 512


@dataclass(frozen=True)
class Sentence:
    tokens: tuple[str, ...]  # the first T ≤ MAX_STEPS tokens
    total: int  # tokens in the sentence before the cap
    x: torch.Tensor  # (1, T, D) the tokens' seeded embeddings


@dataclass(frozen=True)
class TimeResult:
    sentence: Sentence
    cells: dict[str, SimpleRNN | LSTM | GRU]  # CELLS -> the layer
    traces: dict[str, TimeTrace]  # CELLS -> ∂ℒ/∂h_t (and the LSTM's ∂ℒ/∂c_t)
    norms: torch.Tensor  # (T, 5) ‖∂ℒ/∂h_t‖ per cell, then the LSTM's ‖∂ℒ/∂c_t‖ (SERIES)
    sigma: float  # largest singular value of SimpleRNN's W_hh
    rho: float  # its spectral radius, max |eigenvalue|
    forget: float  # the LSTM's mean forget gate over steps 2..T (what the cell path multiplies by)


def sentence(text: str, d: int, seed: int) -> Sentence | None:
    """The first line's tokens and their seeded embeddings; None without a word."""
    batch = tokenize_batch(capped(text), max_lines=1)
    if batch.ids.numel() == 0:
        return None
    embedding = Embedding(batch.vocab_size, d, generator=make_generator(seed, "gradients:embed"))
    ids = batch.ids[:, :MAX_STEPS]  # (1, T)
    with torch.no_grad():
        x, _ = embedding(ids)  # (1, T) -> (1, T, D)
    return Sentence(tuple(batch.tokens[0][:MAX_STEPS]), batch.ids.shape[1], x)


def recurrent_weights(
    D: int, U: int, rinit: str, gain: float, generator: torch.Generator
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """(W_ih (G·U, D), W_hh (G·U, U)) for rnn, lstm, gru, drawn in that order (as the programs)."""
    if rinit not in CHOICES["rinit"]:
        raise ValueError(f"rinit must be 'orthogonal' or 'uniform', got {rinit!r}")
    weights = {}
    for kind, G in (("rnn", 1), ("lstm", 4), ("gru", 3)):
        w_ih = init.glorot_uniform((G * U, D), generator)  # Keras' kernel default
        if rinit == "orthogonal":  # Keras' recurrent default: gain · Q, QᵀQ = I
            w_hh = init.orthogonal((G * U, U), generator, gain=gain)
        else:  # PyTorch's nn.RNN / LSTM / GRU default, U(−1/√U, 1/√U), times the gain
            bound = 1 / math.sqrt(U)
            w_hh = torch.empty(G * U, U).uniform_(-bound, bound, generator=generator) * gain
        weights[kind] = (w_ih, w_hh)
    return weights


def build_cells(D: int, U: int, rinit: str, gain: float, seed: int) -> dict:
    """The four cells with the page's weights: both SimpleRNNs share theirs."""
    weights = recurrent_weights(D, U, rinit, gain, make_generator(seed, PURPOSE))
    cells = {
        "rnn_tanh": SimpleRNN(D, U, activation="tanh"),
        "rnn_relu": SimpleRNN(D, U, activation="relu"),
        "lstm": LSTM(D, U),
        "gru": GRU(D, U),
    }
    with torch.no_grad():
        for name, cell in cells.items():
            w_ih, w_hh = weights[name.split("_")[0]]
            cell.weight_ih.copy_(w_ih)
            cell.weight_hh.copy_(w_hh)
            cell.bias_ih.zero_()
            cell.bias_hh.zero_()
        cells["lstm"].bias_ih[U : 2 * U] = FORGET_BIAS  # gates i, f, g, o: the forget rows
    return cells


def through_time(sent: Sentence, U: int, rinit: str, gain: float, seed: int) -> TimeResult:
    """‖∂ℒ/∂h_t‖ for ℒ = Σ h_T in the four cells on the sentence's x (1, T, D)."""
    x = sent.x
    cells = build_cells(x.shape[-1], U, rinit, gain, seed)
    traces = {name: grad_through_time(cell, x)[1] for name, cell in cells.items()}
    norms = torch.stack(
        [traces[name].dh_norm for name in CELLS] + [traces["lstm"].dc_norm], dim=1
    )  # 5 × (T,) -> (T, 5)
    w_hh = cells["rnn_tanh"].weight_hh.detach()  # (U, U)
    with torch.no_grad():
        _, lstm_trace = cells["lstm"](x)
        forget = lstm_trace.f[:, 1:].mean() if x.shape[1] > 1 else lstm_trace.f.mean()
    return TimeResult(
        sentence=sent,
        cells=cells,
        traces=traces,
        norms=norms,
        sigma=float(torch.linalg.matrix_norm(w_hh, ord=2)),
        rho=float(torch.linalg.eigvals(w_hh).abs().max()),
        forget=float(forget),
    )


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _computed(
    text: str, d: int, units: int, rinit: str, gain: float, seed: int
) -> TimeResult | None:
    sent = sentence(text, d, seed)
    if sent is None:
        return None
    return through_time(sent, units, rinit, gain, seed)


def computed(s: Settings) -> TimeResult | None:
    return _computed(capped(s.text), s.d, s.units, s.rinit, float(s.gain), s.seed)


def controls(s: Settings) -> None:
    c1, c2 = columns(("rinit", "gain"), [3, 2])
    with c1:
        widget(
            st.segmented_control,
            t("gradients.time_rinit"),
            "rinit",
            options=CHOICES["rinit"],
            format_func=lambda k: t(f"gradients.time_rinit_{k}"),
            help=t("gradients.time_rinit_help"),
        )
    with c2:
        widget(
            st.slider,
            t("gradients.time_gain"),
            "gain",
            min_value=LIMITS["gain"][0],
            max_value=LIMITS["gain"][1],
            step=0.05,
            help=t("gradients.time_gain_help"),
        )
    c3, c4 = columns(("units", "d"))
    with c3:
        widget(
            st.select_slider,
            t("control.units"),
            "units",
            options=sorted({*WIDTHS, s.units}),
            help=t("control.units_help"),
        )
    with c4:
        width_control()


def _names() -> dict[str, str]:
    return {name: t(f"gradients.time_series_{name}") for name in SERIES}


def _ratio(values: torch.Tensor) -> float:
    """‖first‖ / ‖last‖ (NaN or inf when the pass blew up)."""
    first, last = float(values[0]), float(values[-1])
    if last == 0:
        return math.inf if first else math.nan
    return first / last


def _per_step(ratio: float, T: int) -> float:
    """The geometric mean factor of one step back: ratio^(1/(T−1))."""
    if T < 2:
        return 1.0
    if not math.isfinite(ratio) or ratio < 0:
        return ratio
    return ratio ** (1 / (T - 1)) if ratio > 0 else 0.0


def formulas(result: TimeResult, s: Settings) -> None:
    T = result.norms.shape[0]
    tanh_ratio = _ratio(result.norms[:, 0])
    relu_ratio = _ratio(result.norms[:, 1])
    cell_ratio = _ratio(result.norms[:, 4])
    bound = result.sigma ** (T - 1)
    live(
        r"\delta_{t-1} = (\delta_t \odot \mathrm{act}')\,W_{hh},\quad "
        rf"\sigma_{{\max}}(W_{{hh}}) = {tex_number(result.sigma)},\ "
        rf"\rho(W_{{hh}}) = {tex_number(result.rho)}"
        rf"\ \ (\text{{gain}} = {tex_number(s.gain)})"
    )
    live(
        rf"\frac{{\|\partial L/\partial h_1\|}}{{\|\partial L/\partial h_{{{T}}}\|}} = "
        rf"{tex_number(tanh_ratio)}\ (\tanh),\ {tex_number(relu_ratio)}\ (\mathrm{{ReLU}})"
        rf"\ \le\ \sigma_{{\max}}^{{{T - 1}}} = {tex_number(bound)}"
    )
    live(
        r"\frac{\partial L}{\partial c_{t-1}} = \frac{\partial L}{\partial c_t} \odot f_t"
        r" + \frac{\partial L}{\partial h_{t-1}} \odot o_{t-1} \odot (1 - \tanh^2 c_{t-1})"
    )
    live(  # a line of its own: on a projector the two do not fit side by side
        rf"\bar f = {tex_number(result.forget)},\qquad "
        rf"\frac{{\|\partial L/\partial c_1\|}}{{\|\partial L/\partial c_{{{T}}}\|}} = "
        rf"{tex_number(cell_ratio)}"
    )


def ratio_table(result: TimeResult) -> None:
    T = result.norms.shape[0]
    names = _names()
    rows = [
        f"| {t('gradients.time_col_cell')} | ‖·‖ t = {T} | ‖·‖ t = 1 "
        f"| {t('gradients.time_col_ratio')} | {t('gradients.time_col_step')} |",
        "|---|---:|---:|---:|---:|",
    ]
    for k, name in enumerate(SERIES):
        values = result.norms[:, k]
        ratio = _ratio(values)
        rows.append(
            f"| {names[name]} | {float(values[-1]):.3g} | {float(values[0]):.3g} "
            f"| {ratio:.3g} | × {_per_step(ratio, T):.3g} |"
        )
    st.markdown("\n".join(rows))


SHORT = 8  # fewer tokens than this: the lines have little room to fall, say so


def time_part(s: Settings) -> None:
    explain(
        t("gradients.time_idea"),
        r"L = \sum_u h_{T,u},\qquad \frac{\partial L}{\partial h_{t-1}} = "
        r"\frac{\partial L}{\partial h_t}\,\frac{\partial h_t}{\partial h_{t-1}},\qquad "
        r"\frac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}(\mathrm{act}')\,W_{hh}"
        r"\ \ (\text{SimpleRNN})",
    )
    controls(s)
    result = computed(s)
    if result is None:
        st.info(t("problem.no_words"), icon=":material/edit:")
        return
    sent = result.sentence
    T, D = sent.x.shape[1], sent.x.shape[2]
    U = s.units
    if sent.total > MAX_STEPS:
        st.caption(t("gradients.time_capped", n=MAX_STEPS, total=sent.total))
    elif T < SHORT:
        st.caption(t("gradients.time_short", T=T))
    st.markdown(
        f":blue-badge[x (1, {T}, {D})] :blue-badge[W_hh ({U}, {U})] "
        f":blue-badge[∂L/∂h (1, {T}, {U})] "
        + t("gradients.time_sentence", words=md_escape(" ".join(sent.tokens)))
    )
    st.caption(t("gradients.time_weights"))
    names = _names()
    series = {names[name]: f32(result.norms[:, k]) for k, name in enumerate(SERIES)}
    chart(
        viz.time_norms(
            series,
            tokens=list(sent.tokens),
            title=t("gradients.time_title", T=T),
            y_title="‖∂L/∂hₜ‖",
            log=True,
            presentation=s.present,
        ),
        "gradients_time",
    )
    formulas(result, s)
    ratio_table(result)
    st.info(t("gradients.time_note"), icon=":material/lightbulb:")
    downloads("grad_norms_time", result.norms, "gradients_time_norms")
    downloads("W_hh", result.cells["rnn_tanh"].weight_hh, "gradients_time_whh")
    downloads("time_x", sent.x, "gradients_time_x")  # the programs load it when large
    seed_value = make_generator(s.seed, PURPOSE).initial_seed()
    show_code(
        lambda: time_code.time_programs(
            sent.x, list(sent.tokens), U, s.rinit, float(s.gain), seed_value
        )
    )
