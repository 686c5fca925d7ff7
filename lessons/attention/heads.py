"""All heads at once: every head's (T × S) map as small multiples on one 0..1 scale (like
BertViz's model view), a head selector, the chosen head's map beside the heads' mean, and a
one-line reading of how sharply each head looks.

A head's rows are probability distributions over the keys, so one scale fits them all: the same
colour is the same weight in every panel. Entropy says how spread a row is: 0 nats on one key,
ln S spread evenly over S keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import viz
from layers.attention import row_entropy
from ui.blocks import chart, f32
from ui.controls import columns
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings
from ui.shell import explain
from ui.state import current, widget

from . import heads_code
from .common import (
    AttentionRun,
    attention_run,
    fits_budget,
    has_words,
    line_control,
    real_tokens,
    show_code,
    size_controls,
    window_start,
)
from .steps_code import program_files

MAX_TOKENS = 128  # a full-size map shows at most this many queries and keys
GRID_CELLS = 40_000  # the grid's cells over all heads: ~200 KB to the browser, still legible
READ_QUERIES = 8  # queries named in the "reads most" line
SEGMENTED_HEADS = 16  # up to this many heads the selector is a row of buttons
DARK = 0.25  # below this largest weight, the page says why the maps are dark
SIDE_BY_SIDE = 24  # up to this many tokens the head's map and the mean stand side by side

IDEA = (
    r"\text{head}_h = \operatorname{softmax}\!\Big(\tfrac{Q_h K_h^{\top}}{\sqrt{D_h}}\Big) V_h,"
    r"\qquad \operatorname{MultiHead}(x) = [\,\text{head}_1; \dots; \text{head}_H\,]\, W_o^{\top}"
    r" + b_o"
)


def grid_tokens(heads: int, tokens: int) -> int:
    """How many tokens each panel of the grid shows: all up to 128, fewer with many heads."""
    fit = math.isqrt(GRID_CELLS // max(heads, 1))
    return max(1, min(tokens, MAX_TOKENS, fit))


def head_control(H: int) -> int:
    """The head looked at (setting `head`, 1-based): buttons up to 16 heads, a slider above."""
    options = list(range(1, H + 1))
    if H <= SEGMENTED_HEADS:
        widget(
            st.segmented_control,
            t("attention.heads.head"),
            "head",
            options=options,
            format_func=lambda h: str(h),
            to_widget=lambda h: min(max(int(h), 1), H),
            help=t("attention.heads.head_help"),
        )
    else:
        widget(
            st.select_slider,
            t("attention.heads.head"),
            "head",
            options=options,
            format_func=lambda h: str(int(h)),
            to_widget=lambda h: min(max(int(h), 1), H),
            help=t("attention.heads.head_help"),
        )
    return min(max(current().head, 1), H)


def scaled_control() -> None:
    """Scores divided by √Dh, or not (shared with the other parts)."""
    widget(st.toggle, t("attention.heads.scaled"), "scaled", help=t("attention.heads.scaled_help"))


def program_panel(make, run: AttentionRun, key: str) -> None:
    """The code panel; while open, the files its Keras program loads when they are large."""
    if show_code(make):
        files = program_files(run)
        if files:
            st.caption(t("attention.heads.program_files"))
            for name, tensor in files.items():
                downloads(name, tensor, f"{key}_file_{name}")


def line_and_scaled(run: AttentionRun) -> int:
    """The sentence picker (several lines only) beside the √Dh switch; the sentence's index."""
    if len(run.batch.tokens) < 2:
        scaled_control()
        return line_control(run)
    c1, c2 = columns(("line", "scaled"), [3, 1.4])
    with c1:
        b = line_control(run)
    with c2:
        scaled_control()
    return b


@dataclass(frozen=True)
class Reading:
    """How sharply each head looks in one sentence, and where head h looks most."""

    entropy: np.ndarray  # (H,) each head's mean row entropy over the sentence's words, nats
    average: float  # over every head and word
    even: float  # the mean of ln(visible keys): what rows spread evenly would have
    picks: list[tuple[int, int, float]]  # (query i, key j it reads most, w_ij), first words
    more: bool  # the sentence has more words than READ_QUERIES


def head_reading(run: AttentionRun, scaled: bool, b: int, h: int) -> Reading:
    """The part's reading of head h (0-based) in sentence b, from the run's weights and mask."""
    trace = run.trace(scaled)
    weights = trace.weights[b].double()  # (H, T, S)
    rows = real_tokens(run, b) or list(range(weights.shape[1]))
    entropy = row_entropy(weights)[:, rows]  # (H, T) -> (H, rows)
    visible = (~trace.mask[b, 0, rows]).sum(-1).clamp(min=1).double()  # (rows,)
    picks = []
    for i in rows[:READ_QUERIES]:
        row = weights[h, i]
        if float(row.sum()) > 0:  # a query that every mask hides reads nothing
            j = int(row.argmax())
            picks.append((i, j, float(row[j])))
    return Reading(
        entropy=entropy.mean(-1).numpy(),
        average=float(entropy.mean()),
        even=float(torch.log(visible).mean()),
        picks=picks,
        more=len(rows) > READ_QUERIES,
    )


def _reading(run: AttentionRun, s: Settings, b: int, h: int, labels: list[str]) -> None:
    """Two lines about head h (0-based): its mean entropy against the heads' average and an
    even spread, and for each query the key it reads most."""
    reading = head_reading(run, s.scaled, b, h)
    st.markdown(
        t(
            "attention.heads.entropy",
            head=h + 1,
            mine=f"{float(reading.entropy[h]):.3f}",
            average=f"{reading.average:.3f}",
            even=f"{reading.even:.3f}",
        )
    )
    picks = "; ".join(
        f"{i} · {md_escape(labels[i])} → {j} · {md_escape(labels[j])} ({w:.2f})"
        for i, j, w in reading.picks
    )
    st.markdown(t("attention.heads.reads_most", picks=picks + (" …" if reading.more else "")))


def heads_part(s: Settings) -> None:
    explain(t("attention.heads.idea"), IDEA)
    if not has_words(s) or not fits_budget(s):
        return
    size_controls()
    run = attention_run(current())
    b = line_and_scaled(run)
    s = current()
    trace = run.trace(s.scaled)
    weights = trace.weights[b]  # (H, T, S)
    H, T, S = weights.shape
    labels = run.batch.tokens[b]
    st.markdown(
        f":blue-badge[{t('attention.heads.badge_weights')} ({H}, {T}, {S})] "
        f":blue-badge[H = {H}] :blue-badge[Dh = {run.layer.d_model // H}] "
        + (f":gray-badge[{t('attention.heads.causal_badge')}]" if s.causal else "")
        + ("" if s.scaled else f" :orange-badge[{t('attention.heads.unscaled_badge')}]")
    )

    head = min(max(s.head, 1), H)
    n = grid_tokens(H, T)
    g0 = window_start(run, b, n)
    if n < T:
        st.caption(t("attention.heads.grid_sliced", first=g0, last=g0 + n - 1, T=T))
    chart(
        viz.head_grid(
            f32(weights[:, g0 : g0 + n, g0 : g0 + n]),
            labels[g0 : g0 + n],
            labels[g0 : g0 + n],
            start=g0,
            titles=[t("attention.heads.head_n", n=h) for h in range(1, H + 1)],
            selected=head - 1,
            title=t("attention.heads.grid_title", H=H),
            x_title=t("axis.key"),
            y_title=t("axis.query"),
            hover_name=t("axis.weight"),
            presentation=s.present,
        ),
        "attention_heads_grid",
    )
    st.caption(t("attention.heads.grid_note"))
    peak = float(weights.max())
    if peak < DARK:  # every weight small: the maps are dark on 0..1, which is the lesson
        st.caption(t("attention.heads.dark", peak=f"{peak:.3f}", S=S, even=f"{1 / S:.3f}"))

    head = head_control(H)
    _reading(run, s, b, head - 1, labels)

    m = min(T, MAX_TOKENS)
    m0 = window_start(run, b, m)
    if T > MAX_TOKENS:
        st.caption(t("attention.heads.sliced", first=m0, last=m0 + m - 1, T=T))
    rows = slice(m0, m0 + m)
    hidden = trace.mask[b, 0, rows, rows].numpy()  # the same for every head
    one = viz.cell_heatmap(
        f32(weights[head - 1, rows, rows]),
        labels[rows],
        labels[rows],
        hidden=hidden,
        row_start=m0,
        col_start=m0,
        title=t("attention.heads.head_title", head=head),
        x_title=t("axis.key"),
        y_title=t("axis.query"),
        hover_name=t("axis.weight"),
        hidden_name=t("attention.explain.hidden_name"),
        presentation=s.present,
    )
    mean = viz.cell_heatmap(
        f32(weights.mean(0)[rows, rows]),
        labels[rows],
        labels[rows],
        hidden=hidden,
        row_start=m0,
        col_start=m0,
        title=t("attention.heads.mean_title", H=H),
        x_title=t("axis.key"),
        y_title=t("axis.query"),
        hover_name=t("axis.weight"),
        hidden_name=t("attention.explain.hidden_name"),
        presentation=s.present,
    )
    if T <= SIDE_BY_SIDE and not s.present:
        left, right = st.columns(2)
        with left:
            chart(one, "attention_heads_head")
        with right:
            chart(mean, "attention_heads_mean")
    else:  # on a projector each map needs the width
        chart(one, "attention_heads_head")
        chart(mean, "attention_heads_mean")
    st.caption(t("attention.heads.mean_note"))
    downloads("attention_weights", weights, "attention_heads_dl")
    program_panel(
        lambda: heads_code.heads_programs(run, s, b=b, h=head - 1), run, "attention_heads"
    )
