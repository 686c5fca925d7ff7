"""Attention step by step on the teacher's sentence: x → Q, K, V per head → QKᵀ → ÷ √Dh → mask →
softmax → weights · V → heads concatenated → W_o, each step a figure with its shape.

Everything shown is read from the page's cached run (`common.attention_run`): its scaled and
unscaled traces are the layer's own tensors, so a control here only slices them and draws. The
√Dh lesson compares both traces: each query's entropy, and the spread of the scores. The
parameter section lists PyTorch's and Keras' names and shapes for the current D and H (Keras'
are checked against real Keras 3 in tests/layers/test_attention_keras.py).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import viz
from layers import MultiHeadAttention
from layers.attention import AttentionTrace
from ui.blocks import chart, f32
from ui.controls import columns
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import CHOICES, Settings
from ui.shell import explain
from ui.state import current, widget

from . import steps_code
from .common import (
    AttentionRun,
    attention_run,
    fits_budget,
    has_words,
    line_control,
    show_code,
    size_controls,
    window_start,
)

KEY = "att_steps"  # chart and widget keys start so
# Tokens (rows, key columns) and features a figure shows: half the house's 128, because this
# part draws ten token figures and the budget is 400 KB per interaction at 512 tokens and width
# 512 (with 128 a width change sent about 1 MB; with 64, about 0.3 MB). A 64 × 64 map is also
# the largest whose cells a class can still tell apart. The downloads have every number.
SHOWN = 64


def shape_text(shape) -> str:
    """(48,) for one axis, (1, 10, 16) for more: as Python writes a shape."""
    sizes = [str(int(n)) for n in shape]
    return f"({sizes[0]},)" if len(sizes) == 1 else "(" + ", ".join(sizes) + ")"


def _cut(rows: int, cols: int, start: int = 0, *, square: bool = False) -> tuple[slice, slice]:
    """The part of a (tokens, features) or (queries, keys) tensor a screen can read: tokens from
    `start` (a padded line's first word), features from 0, keys as the queries when `square`;
    with a note when that is not all."""
    shown_rows, shown_cols = min(rows, SHOWN), min(cols, SHOWN)
    first = min(start, rows - shown_rows)
    row_cut = slice(first, first + shown_rows)
    col_cut = row_cut if square else slice(0, shown_cols)
    if (shown_rows, shown_cols) != (rows, cols):
        st.caption(
            t(
                "attention.steps.sliced",
                first=first,
                last=first + shown_rows - 1,
                rows=rows,
                cols=shown_cols,
                total_cols=cols,
            )
        )
    return row_cut, col_cut


def _header(title: str, badge: str) -> None:
    """A step's heading and its shape badge: one element."""
    st.markdown(f"#### {title}\n\n:blue-badge[{badge}]")


@dataclass(frozen=True)
class Lesson:
    """The √Dh lesson's numbers for one head of one sentence, over its real tokens' queries."""

    entropy: dict[bool, np.ndarray]  # scaled -> (T,) each query's entropy in nats
    maximum: np.ndarray  # (T,) ln(visible keys) per query, 0 where none is visible
    std: dict[bool, float]  # scaled -> std of the visible scores of the real queries
    top: dict[bool, float]  # scaled -> mean over real queries of the row's largest weight
    mean_entropy: dict[bool, float]  # scaled -> mean entropy over real queries
    mean_maximum: float


def lesson_numbers(run: AttentionRun, b: int, h: int) -> Lesson:
    """Entropy, spread and peak weight with and without ÷ √Dh (what the code panel prints).

    Entropy is torch.special.entr (−w ln w, 0 at w = 0) summed over the keys: the same numbers as
    layers.attention.row_entropy, in one kernel (3 ms instead of 22 for a 512 × 512 map).
    """
    real = ~run.batch.padding_mask[b]  # (T,) the sentence's own tokens as queries
    visible = ~run.scaled.mask[b, 0]  # (T, S)
    count = visible.sum(dim=-1)  # (T,)
    maximum = torch.where(count > 0, count.double().log(), torch.zeros(count.shape).double())
    seen = visible & real[:, None]  # (T, S) the scores a real query can see
    entropy, std, top, mean_entropy = {}, {}, {}, {}
    for scaled in (True, False):
        trace = run.trace(scaled)
        weights = trace.weights[b, h]  # (T, S)
        rows = torch.special.entr(weights).sum(dim=-1)  # (T,) nats
        entropy[scaled] = f32(rows)
        scores = trace.scores[b, h][seen]
        std[scaled] = float(scores.std(correction=0)) if scores.numel() else 0.0
        top[scaled] = float(weights[real].amax(dim=-1).mean())
        mean_entropy[scaled] = float(rows[real].mean())
    return Lesson(
        entropy=entropy,
        maximum=maximum.numpy().astype(np.float32),
        std=std,
        top=top,
        mean_entropy=mean_entropy,
        mean_maximum=float(maximum[real].mean()),
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def _lesson(text: str, d: int, heads: int, causal: bool, pe: bool, seed: int, b: int, h: int):
    s = Settings(text=text, att_d=d, att_heads=heads, causal=causal, pe=pe, seed=seed)
    return lesson_numbers(attention_run(s), b, h)


def lesson_for(s: Settings, b: int, h: int) -> Lesson:
    """The lesson's numbers for the page's run, once per (settings, sentence, head) per process."""
    return _lesson(s.text, s.att_d, s.att_heads, s.causal, s.pe, s.seed, b, h)


@functools.lru_cache(maxsize=64)
def parameter_tables(D: int, H: int) -> tuple[tuple, tuple, int, int]:
    """PyTorch's named parameters and Keras' weights (name, shape) for D and H, and both counts.

    PyTorch's come from an nn.MultiheadAttention on the meta device (shapes only, nothing drawn),
    Keras' layout from our layer's `keras_weights()` (checked against Keras in the tests).
    """
    theirs = torch.nn.MultiheadAttention(D, H, batch_first=True, device="meta")
    torch_rows = tuple((n, tuple(p.shape)) for n, p in theirs.named_parameters())
    ours = MultiHeadAttention(D, H)
    keras_rows = tuple((n, tuple(w.shape)) for n, w in ours.keras_weights().items())
    torch_count = sum(p.numel() for p in theirs.parameters())
    return torch_rows, keras_rows, int(torch_count), int(ours.keras_param_count())


# --- controls --------------------------------------------------------------------------------


def _controls(run: AttentionRun) -> tuple[int, int]:
    """The ÷ √Dh switch, the head looked at and (with several lines) the sentence: (b, h)."""
    s = current()
    H = s.att_heads
    groups = ("scaled", "head") if H > 1 else ("scaled",)
    made = columns(groups, [1, 3] if H > 1 else [1])
    with made[0]:
        widget(
            st.toggle, t("attention.steps.scaled"), "scaled", help=t("attention.steps.scaled_help")
        )
    if H > 1:
        with made[1]:
            widget(
                st.segmented_control,
                t("attention.steps.head"),
                "head",
                options=list(range(1, H + 1)),
                format_func=lambda v: str(int(v)),
                help=t("attention.steps.head_help", H=H),
            )
    b = line_control(run)
    h = min(max(current().head, 1), H) - 1
    return b, h


def _step_picker() -> set[str]:
    """One step at a time (the default), or every step down the page.

    One step keeps a slider move to the shape flow and that step's figures: with every step on
    screen a move of D repaints eleven plots, 387 ms in Chromium against the naive baseline's
    190 ms (python -m bench --only rerun,browser --pages attention); a class walks through the
    steps anyway, and a student reading alone can have them all.
    """
    names = {step: t(f"attention.steps.step_{step}") for step in CHOICES["att_step"]}
    widget(
        st.segmented_control,
        t("attention.steps.step"),
        "att_step",
        options=CHOICES["att_step"],
        format_func=lambda step: names.get(step, str(step)),
        help=t("attention.steps.step_help"),
    )
    step = current().att_step
    return set(CHOICES["att_step"]) - {"all"} if step == "all" else {step}


# --- the steps --------------------------------------------------------------------------------


def _flow(s: Settings, run: AttentionRun) -> None:
    B, T, D = run.x.shape
    H = s.att_heads
    Dh, S = D // H, T
    heads, scores, per_token = (B, H, T, Dh), (B, H, T, S), (B, T, D)
    blocks = [
        ("x", shape_text(per_token), D),
        ("Q, K, V", shape_text(heads), Dh),
        ("QKᵀ", shape_text(scores), S),
        ("÷ √Dh" if s.scaled else t("attention.steps.flow_unscaled"), shape_text(scores), S),
        (t("attention.steps.flow_mask"), shape_text(scores), S),
        ("softmax", shape_text(scores), S),
        ("· V", shape_text(heads), Dh),
        (t("attention.steps.flow_concat"), shape_text(per_token), D),
        ("Wₒ", shape_text(per_token), D),
    ]
    chart(
        viz.shape_flow(
            blocks,
            title=t("attention.steps.flow_title", B=B, T=T, D=D, H=H, Dh=Dh),
            presentation=s.present,
        ),
        f"{KEY}_flow",
    )


def _token_map(
    values: torch.Tensor, labels: list[str], *, key: str, title: str, s: Settings, start: int
):
    rows, cols = _cut(*values.shape, start)
    chart(
        viz.token_heatmap(
            f32(values[rows, cols]),
            labels[rows],
            start=rows.start,
            title=title,
            x_title=t("axis.feature"),
            y_title=t("axis.token"),
            hover_name=t("axis.value"),
            presentation=s.present,
        ),
        key,
    )


def _score_map(
    values: torch.Tensor,
    labels: list[str],
    *,
    key: str,
    title: str,
    s: Settings,
    hidden: torch.Tensor | None = None,
    zrange=None,
    start: int,
):
    rows, cols = _cut(*values.shape, start, square=True)
    chart(
        viz.score_heatmap(
            f32(values[rows, cols]),
            labels[rows],
            labels[cols],
            hidden=None if hidden is None else hidden[rows, cols].numpy(),
            start=rows.start,
            hidden_name=t("attention.steps.hidden"),
            title=title,
            x_title=t("axis.key"),
            y_title=t("axis.query"),
            hover_name=t("attention.steps.score"),
            zrange=zrange,
            presentation=s.present,
        ),
        key,
    )


def _x_step(s: Settings, run: AttentionRun, b: int, labels: list[str], start: int) -> None:
    B, T, D = run.x.shape
    _header(t("attention.steps.x_title"), f"x (B, T, D) = {shape_text((B, T, D))}")
    explain(t("attention.steps.x_pe" if s.pe else "attention.steps.x_nope", D=D))
    _token_map(
        run.x[b], labels, key=f"{KEY}_x", title=t("attention.steps.x_chart"), s=s, start=start
    )


def _qkv_step(
    s: Settings, trace: AttentionTrace, b: int, h: int, labels: list[str], start: int
) -> None:
    B, H, T, Dh = trace.q.shape
    _header(
        t("attention.steps.qkv_title", h=h + 1),
        f"Q, K, V (B, H, T, Dh) = {shape_text((B, H, T, Dh))} · "
        + t("attention.steps.per_head", h=h + 1, shape=shape_text((T, Dh))),
    )
    explain(
        t("attention.steps.qkv_explain", h=h + 1, lo=h * Dh, hi=(h + 1) * Dh - 1, Dh=Dh),
        r"Q = xW_q^\top + b_q,\quad K = xW_k^\top + b_k,\quad V = xW_v^\top + b_v",
    )
    rows, cols = _cut(T, Dh, start)
    panels = [
        (name, f32(tensor[b, h, rows, cols]))
        for name, tensor in (("Q", trace.q), ("K", trace.k), ("V", trace.v))
    ]
    chart(
        viz.qkv_heatmaps(
            panels,
            labels[rows],
            start=rows.start,
            title=t("attention.steps.qkv_chart", h=h + 1),
            x_title=t("attention.steps.head_feature"),
            y_title=t("axis.token"),
            hover_name=t("axis.value"),
            presentation=s.present,
        ),
        f"{KEY}_qkv",
    )


def _score_steps(
    s: Settings, run: AttentionRun, b: int, h: int, labels: list[str], start: int
) -> None:
    raw = run.unscaled.scores[b, h]  # (T, S) QKᵀ
    B, H, T, S = run.unscaled.scores.shape
    Dh = run.x.shape[-1] // H
    shape = f"(B, H, T, S) = {shape_text((B, H, T, S))}"
    peak = float(raw.abs().max()) or 1.0
    shared = (-peak, peak)  # steps 3 and 4 on one scale: the division shows as fading
    _header(t("attention.steps.raw_title"), f"QKᵀ {shape}")
    explain(t("attention.steps.raw_explain", Dh=Dh), r"s_{ij} = q_i \cdot k_j")
    _score_map(
        raw, labels, key=f"{KEY}_raw", title=t("attention.steps.raw_chart", h=h + 1), s=s,
        zrange=shared, start=start,
    )  # fmt: skip
    _header(t("attention.steps.scaled_title"), f"QKᵀ / √Dh {shape}")
    if not s.scaled:
        st.info(t("attention.steps.scaled_off"), icon=":material/toggle_off:")
        return
    explain(
        t("attention.steps.scaled_explain", Dh=Dh, root=f"{math.sqrt(Dh):.4g}"),
        r"s_{ij} = \frac{q_i \cdot k_j}{\sqrt{D_h}}",
    )
    _score_map(
        run.scaled.scores[b, h],
        labels,
        key=f"{KEY}_scaled",
        title=t("attention.steps.scaled_chart", h=h + 1, root=f"{math.sqrt(Dh):.4g}"),
        s=s,
        zrange=shared,
        start=start,
    )


def _number(value: float) -> str:
    return f"{value:.3g}"


def _root_lesson(s: Settings, run: AttentionRun, b: int, h: int, labels: list[str]) -> None:
    """Entropy of each query's weights with and without ÷ √Dh, and the scores' spread."""
    Dh = run.x.shape[-1] // s.att_heads
    st.markdown(f"#### {t('attention.steps.root_title')}")
    explain(t("attention.steps.root_explain"), r"H_i = -\sum_j w_{ij} \ln w_{ij} \;\le\; \ln S_i")
    numbers = lesson_for(s, b, h)
    st.markdown(
        t(
            "attention.steps.root_live",
            h=h + 1,
            Dh=Dh,
            raw_std=_number(numbers.std[False]),
            raw_top=f"{numbers.top[False]:.0%}",
            raw_H=_number(numbers.mean_entropy[False]),
            std=_number(numbers.std[True]),
            top=f"{numbers.top[True]:.0%}",
            H=_number(numbers.mean_entropy[True]),
            max_H=_number(numbers.mean_maximum),
        )
    )
    if numbers.mean_entropy[False] < 0.5 * numbers.mean_entropy[True]:
        st.warning(
            t("attention.steps.saturated", Dh=Dh, raw_top=f"{numbers.top[False]:.0%}"),
            icon=":material/warning:",
        )
    # The sentence's own tokens as queries ("pre" padding puts them last), as the numbers above.
    first = int(run.batch.padding_mask[b].sum())
    real = slice(first, first + SHOWN)
    count = len(labels) - first
    if first:
        st.caption(t("attention.steps.entropy_real", n=first))
    if count > SHOWN:
        st.caption(t("attention.steps.entropy_sliced", rows=SHOWN, total=count))
    chart(
        viz.entropy_bars(
            numbers.entropy[True][real],
            numbers.entropy[False][real],
            labels[real],
            start=first,
            maximum=numbers.maximum[real],
            scaled_name=t("attention.steps.with_root"),
            unscaled_name=t("attention.steps.without_root"),
            max_name=t("attention.steps.max_entropy"),
            title=t("attention.steps.entropy_chart", h=h + 1),
            x_title=t("axis.query"),
            y_title=t("attention.steps.nats"),
            presentation=s.present,
        ),
        f"{KEY}_entropy",
    )


def _mask_step(
    s: Settings, run: AttentionRun, trace, b: int, h: int, labels: list[str], start: int
) -> None:
    B, _, T, S = trace.mask.shape
    padded = bool(run.batch.padding_mask[b].any())
    _header(t("attention.steps.mask_title"), f"mask (B, 1, T, S) = {shape_text((B, 1, T, S))}")
    parts = []
    if s.causal:
        parts.append(t("attention.steps.mask_causal"))
    if padded:
        parts.append(t("attention.steps.mask_padding", n=int(run.batch.padding_mask[b].sum())))
    elif B > 1:
        parts.append(t("attention.steps.mask_longest"))
    if not s.causal and not padded:
        parts.append(t("attention.steps.mask_none"))
    explain(" ".join(parts), r"s_{ij} \leftarrow -\infty, \quad (i, j) \in M")
    _score_map(
        trace.scores[b, h],
        labels,
        key=f"{KEY}_masked",
        title=t("attention.steps.mask_chart", h=h + 1),
        s=s,
        start=start,
        hidden=trace.mask[b, 0],
    )


def _softmax_step(
    s: Settings, trace: AttentionTrace, b: int, h: int, labels: list[str], start: int
) -> None:
    B, H, T, S = trace.weights.shape
    _header(
        t("attention.steps.softmax_title"), f"weights (B, H, T, S) = {shape_text((B, H, T, S))}"
    )
    explain(
        t("attention.steps.softmax_explain"),
        r"w_{ij} = \frac{e^{s_{ij}}}{\sum_{k} e^{s_{ik}}}",
    )
    rows, cols = _cut(T, S, start, square=True)
    # Probabilities on the fixed 0 … 1 scale (the same colour is the same weight whatever the
    # switch or the head), in cells as large as the scores' above.
    chart(
        viz.score_heatmap(
            f32(trace.weights[b, h, rows, cols]),
            labels[rows],
            labels[cols],
            start=rows.start,
            signed=False,
            zrange=(0.0, 1.0),
            title=t("attention.steps.softmax_chart", h=h + 1),
            x_title=t("axis.key"),
            y_title=t("axis.query"),
            hover_name=t("axis.weight"),
            presentation=s.present,
        ),
        f"{KEY}_weights",
    )


def _values_step(
    s: Settings, trace: AttentionTrace, b: int, h: int, labels: list[str], start: int
) -> None:
    B, H, T, Dh = trace.v.shape
    _header(
        t("attention.steps.values_title", h=h + 1),
        f"weights · V (B, H, T, Dh) = {shape_text((B, H, T, Dh))}",
    )
    explain(t("attention.steps.values_explain"), r"o_i = \sum_j w_{ij}\, v_j")
    head_out = trace.weights[b, h] @ trace.v[b, h]  # (T, S) @ (S, Dh) -> (T, Dh)
    _token_map(
        head_out,
        labels,
        key=f"{KEY}_head_out",
        title=t("attention.steps.values_chart", h=h + 1),
        s=s,
        start=start,
    )


def _concat_step(
    s: Settings, trace: AttentionTrace, b: int, h: int, labels: list[str], start: int
) -> None:
    B, T, D = trace.context.shape
    H = trace.q.shape[1]
    Dh = D // H
    _header(t("attention.steps.concat_title"), f"concat (B, T, D) = {shape_text((B, T, D))}")
    explain(t("attention.steps.concat_explain", H=H, Dh=Dh, D=D, h=h + 1))
    rows, cols = _cut(T, D, start)
    blocks = math.ceil(cols.stop / Dh)
    if h >= blocks:
        st.caption(t("attention.steps.concat_beyond", h=h + 1, cols=cols.stop))
    chart(
        viz.heads_heatmap(
            f32(trace.context[b, rows, cols]),
            labels[rows],
            start=rows.start,
            head_width=Dh,
            head_names=[t("attention.steps.head_n", h=k + 1) for k in range(blocks)],
            chosen=h,
            title=t("attention.steps.concat_chart"),
            x_title=t("axis.feature"),
            y_title=t("axis.token"),
            hover_name=t("axis.value"),
            presentation=s.present,
        ),
        f"{KEY}_concat",
    )


def _out_step(s: Settings, trace: AttentionTrace, b: int, labels: list[str], start: int) -> None:
    B, T, D = trace.out.shape
    _header(t("attention.steps.out_title"), f"out (B, T, D) = {shape_text((B, T, D))}")
    explain(t("attention.steps.out_explain"), r"\text{out} = \text{concat}\; W_o^\top + b_o")
    _token_map(
        trace.out[b],
        labels,
        key=f"{KEY}_out",
        title=t("attention.steps.out_chart"),
        s=s,
        start=start,
    )


def _parameters(s: Settings) -> None:
    D, H = s.att_d, s.att_heads
    torch_rows, keras_rows, torch_count, keras_count = parameter_tables(D, H)
    st.markdown(f"#### {t('attention.steps.params_title')}")
    explain(t("attention.steps.params_explain"))
    left, right = st.columns(2)
    for column, name, rows in (
        (left, "PyTorch `nn.MultiheadAttention`", torch_rows),
        (right, "Keras `layers.MultiHeadAttention`", keras_rows),
    ):
        lines = [
            f"| {name} | {t('attention.steps.shape')} | {t('attention.steps.numbers')} |",
            "|---|---|---:|",
            *(f"| `{n}` | {shape_text(shape)} | {math.prod(shape):,} |" for n, shape in rows),
            f"| **{t('attention.steps.total')}** | | **{sum(math.prod(r[1]) for r in rows):,}** |",
        ]
        column.markdown("\n".join(lines))
    total = f"{4 * (D * D + D):,}".replace(",", "{,}")  # a thousands comma, not a list comma
    st.latex(rf"4\,(D^2 + D) = 4\,({D}^2 + {D}) = {total}")
    st.caption(
        t("attention.steps.params_equal", torch=f"{torch_count:,}", keras=f"{keras_count:,}")
    )


DOWNLOADS = ("x", "Q", "K", "V", "scores", "weights", "heads", "out")


def _downloads(run: AttentionRun, trace: AttentionTrace, b: int) -> None:
    """One tensor of the shown sentence at a time, as CSV or .npy (all heads)."""
    st.markdown(f"#### {t('attention.steps.downloads_title')}")
    choice = st.segmented_control(
        t("attention.steps.download_pick"),
        DOWNLOADS,
        default="weights",
        key=f"{KEY}_download",
    )
    tensors = {
        "x": lambda: run.x[b],
        "Q": lambda: trace.q[b],
        "K": lambda: trace.k[b],
        "V": lambda: trace.v[b],
        "scores": lambda: trace.scores[b],
        "weights": lambda: trace.weights[b],
        "heads": lambda: trace.context[b],
        "out": lambda: trace.out[b],
    }
    name = choice if choice in tensors else "weights"
    downloads(f"{name}_line{b + 1}", tensors[name](), f"{KEY}_dl")


def _code(s: Settings, run: AttentionRun, b: int, h: int) -> None:
    def make() -> tuple[str, str]:
        return steps_code.steps_programs(run, s, b=b, h=h)

    if show_code(make):
        files = steps_code.program_files(run)
        if files:  # the Keras program loads what is too large to write out
            st.caption(t("attention.steps.program_files"))
            for name, tensor in files.items():
                downloads(name, tensor, f"{KEY}_file_{name}")


def steps_part(s: Settings) -> None:
    explain(
        t("attention.steps.idea"),
        r"\text{out} = \text{concat}_h\!\Big(\text{softmax}\big(\tfrac{Q_h K_h^\top}{\sqrt{D_h}}"
        r" + M\big)\,V_h\Big)\,W_o^\top + b_o",
    )
    if not has_words(s) or not fits_budget(s):
        return
    size_controls()
    run = attention_run(current())
    b, h = _controls(run)
    s = current()
    trace = run.trace(s.scaled)
    labels = run.batch.tokens[b]
    _flow(s, run)
    shown = _step_picker()
    start = window_start(run, b, SHOWN)  # a short line of a long batch: from its first word
    if "x" in shown:
        _x_step(s, run, b, labels, start)
    if "qkv" in shown:
        _qkv_step(s, trace, b, h, labels, start)
    if "scores" in shown:
        _score_steps(s, run, b, h, labels, start)
        _root_lesson(s, run, b, h, labels)
    if "mask" in shown:
        _mask_step(s, run, trace, b, h, labels, start)
    if "softmax" in shown:
        _softmax_step(s, trace, b, h, labels, start)
    if "values" in shown:
        _values_step(s, trace, b, h, labels, start)
    if "concat" in shown:
        _concat_step(s, trace, b, h, labels, start)
    if "output" in shown:
        _out_step(s, trace, b, labels, start)
    _parameters(s)
    _code(s, run, b, h)
    _downloads(run, trace, b)
