"""Explain this number: one cell (query i, key j) of one head, written out with the run's own
values — qᵢ·kⱼ / √Dh, the mask, the row's softmax — then the query's output as the weighted
sum Σⱼ wᵢⱼ vⱼ, and how that head's output joins the others before W_o.

Every number on screen is read from the layer's trace (q, k, v, scores, mask, weights, context,
out) or is a sum of those numbers in float64; the boxed score and weight are the trace's own,
the same numbers the map and the bars show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

import viz
from ui.blocks import chart, f32
from ui.controls import columns
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings
from ui.shell import explain
from ui.state import current, widget
from ui.tex import tex_number as ui_tex_number

from . import heads_code
from .common import (
    AttentionRun,
    attention_run,
    fits_budget,
    has_words,
    line_control,
    size_controls,
)
from .heads import MAX_TOKENS, SIDE_BY_SIDE, head_control, program_panel, scaled_control

SHOWN = 8  # up to this many numbers of a vector, and products of a dot product, are written
FEW = 6  # … beyond that, the first FEW and "…"
TERMS = 6  # exponentials written out in the softmax's sum (beyond: first 3, ⋯, last 2)
SUM_TERMS = 3  # weighted values written out in Σⱼ wᵢⱼ vⱼ
VEC = 4  # numbers of each vⱼ in that sum
PER_LINE = 2  # products of the dot product on one line
SHOWN_BESIDE = 4  # up to this Dh the score stands beside the map (wider vectors need the width)

IDEA = (
    r"s_{ij} = \frac{q_i \cdot k_j}{\sqrt{D_h}},\qquad "
    r"w_{ij} = \frac{e^{s_{ij}}}{\sum_{j'} e^{s_{ij'}}},\qquad "
    r"o_i = \sum_j w_{ij}\, v_j"
)


def tex_number(value: float, digits: int = 4) -> str:
    """A number for st.latex, `digits` significant; `a \\times 10^{k}` when tiny or huge."""
    return ui_tex_number(value, digits, plain=(-4, 5))


def factor(value: float, digits: int = 3) -> str:
    """A number as a factor in a product: negative ones in parentheses."""
    text = tex_number(value, digits)
    return f"({text})" if value < 0 or r"\times" in text else text


def vector(values: Sequence[float], digits: int = 3, shown: int = SHOWN, few: int = FEW) -> str:
    """A row vector; past `shown` numbers the first `few` and \\dots."""
    values = [float(v) for v in values]
    texts = [tex_number(v, digits) for v in values]
    if len(texts) > shown:
        texts = [*texts[:few], r"\dots"]
    return r"\left[\," + r",\ ".join(texts) + r"\,\right]"


@dataclass(frozen=True)
class Cell:
    """The numbers of one cell (b, h, i, j) of the run, as float64 numpy arrays and floats."""

    b: int
    h: int
    i: int
    j: int
    q: np.ndarray  # (Dh,) the query's vector in head h
    k: np.ndarray  # (Dh,) the key's
    v: np.ndarray  # (S, Dh) every key's value in head h
    dot: float  # Σ q·k in float64
    score: float  # the trace's score (÷ √Dh when scaled), before the mask
    row_scores: np.ndarray  # (S,) the trace's scores of row i
    hidden: np.ndarray  # (S,) bool: keys the mask hides from query i
    weights: np.ndarray  # (S,) the trace's weights of row i
    weight: float  # the trace's w_ij
    exps: np.ndarray  # (S,) e^{s - shift} of the visible keys, 0 where hidden
    shift: float  # 0, or the row's max when e^{s} would overflow
    head_out: np.ndarray  # (Dh,) Σⱼ wᵢⱼ vⱼ in float64
    context: np.ndarray  # (D,) the trace's context row (the heads joined)
    out: np.ndarray  # (D,) the trace's output row (after W_o)


def cell_numbers(run: AttentionRun, scaled: bool, b: int, h: int, i: int, j: int) -> Cell:
    """Read one cell's numbers from the run's trace."""
    trace = run.trace(scaled)
    q = trace.q[b, h, i].double().numpy()
    k = trace.k[b, h, j].double().numpy()
    v = trace.v[b, h].double().numpy()
    row_scores = trace.scores[b, h, i].double().numpy()
    hidden = trace.mask[b, 0, i].numpy().astype(bool)
    weights = trace.weights[b, h, i].double().numpy()
    visible = row_scores[~hidden]
    top = float(visible.max()) if visible.size else 0.0
    shift = top if top > 600 else 0.0  # e^{s} past ~700 overflows float64: write e^{s − max}
    exps = np.where(hidden, 0.0, np.exp(np.where(hidden, 0.0, row_scores - shift)))
    return Cell(
        b=b,
        h=h,
        i=i,
        j=j,
        q=q,
        k=k,
        v=v,
        dot=float(np.dot(q, k)),
        score=float(row_scores[j]),
        row_scores=row_scores,
        hidden=hidden,
        weights=weights,
        weight=float(weights[j]),
        exps=exps,
        shift=shift,
        head_out=weights @ v,
        context=trace.context[b, i].double().numpy(),
        out=trace.out[b, i].double().numpy(),
    )


def window(index: int, count: int, size: int = MAX_TOKENS) -> tuple[int, int]:
    """[start, stop) of at most `size` positions out of `count` that holds `index`."""
    if count <= size:
        return 0, count
    start = min(max(index - size // 2, 0), count - size)
    return start, start + size


# --- the formulas -----------------------------------------------------------------------------


def score_tex(cell: Cell, Dh: int, scaled: bool) -> str:
    """q_i, k_j, their dot product as a sum of products, ÷ √Dh, the score (boxed)."""
    products = [f"{factor(a)} \\cdot {factor(c)}" for a, c in zip(cell.q, cell.k, strict=True)]
    if len(products) > SHOWN:
        rest = len(products) - FEW
        products = [*products[:FEW], rf"\cdots\ (+{rest})"]
    # A few products a line: a line wider than the column would be cut on a projector.
    rows = [" + ".join(products[k : k + PER_LINE]) for k in range(0, len(products), PER_LINE)]
    lines = [
        rf"q_{{{cell.i}}} &= {vector(cell.q)} \\",
        rf"k_{{{cell.j}}} &= {vector(cell.k)} \\[4pt]",
        rf"q_{{{cell.i}}} \cdot k_{{{cell.j}}} &= {rows[0]} \\",
        *(rf"&\quad + {row} \\" for row in rows[1:]),
        rf"&= {tex_number(cell.dot)} \\[4pt]",
    ]
    if scaled:
        lines.append(
            rf"s_{{{cell.i},{cell.j}}} = \frac{{q_{{{cell.i}}} \cdot k_{{{cell.j}}}}}"
            rf"{{\sqrt{{D_h}}}} &= \frac{{{tex_number(cell.dot)}}}{{\sqrt{{{Dh}}}}}"
            rf" = \frac{{{tex_number(cell.dot)}}}{{{tex_number(math.sqrt(Dh))}}}"
            rf" = \boxed{{{tex_number(cell.score)}}}"
        )
    else:
        lines.append(
            rf"s_{{{cell.i},{cell.j}}} = q_{{{cell.i}}} \cdot k_{{{cell.j}}}"
            rf" &= \boxed{{{tex_number(cell.score)}}}"
        )
    return r"\begin{aligned}" + "\n".join(lines) + r"\end{aligned}"


def _exp_term(score: float, shift: float) -> str:
    if shift:
        return rf"e^{{{tex_number(score)} - {tex_number(shift)}}}"
    return rf"e^{{{tex_number(score)}}}"


def softmax_tex(cell: Cell) -> str:
    """w_ij = e^{s_ij} / Σ e^{s_ij'} over the visible keys, with the numbers; w_ij boxed."""
    visible = [int(k) for k in np.flatnonzero(~cell.hidden)]
    i, j = cell.i, cell.j
    if not visible:
        return rf"w_{{{i},{j}}} = \boxed{{0}}"
    terms = [_exp_term(cell.row_scores[k], cell.shift) for k in visible]
    if len(terms) > TERMS:
        terms = [*terms[:3], r"\cdots", *terms[-2:]]
    total = float(cell.exps.sum())
    top = 0.0 if cell.hidden[j] else float(cell.exps[j])
    mine = r"0\ (e^{-\infty})" if cell.hidden[j] else _exp_term(cell.score, cell.shift)
    shifted = rf"\ (m = {tex_number(cell.shift)})" if cell.shift else ""
    return (
        r"\begin{aligned}"
        rf"w_{{{i},{j}}} = \frac{{e^{{s_{{{i},{j}}}}}}}{{\sum_{{j'}} e^{{s_{{{i},j'}}}}}}"
        rf" &= \frac{{{mine}}}{{{' + '.join(terms)}}}{shifted} \\"
        rf"&= \frac{{{tex_number(top)}}}{{{tex_number(total)}}}"
        rf" = \boxed{{{tex_number(cell.weight)}}}"
        r"\end{aligned}"
    )


def output_tex(cell: Cell) -> str:
    """o_i = Σⱼ wᵢⱼ vⱼ with the heaviest few terms written out (one a line), and its vector."""
    i = cell.i
    visible = [int(k) for k in np.flatnonzero(cell.weights > 0)]
    order = sorted(sorted(visible, key=lambda k: -cell.weights[k])[:SUM_TERMS])
    terms = [
        rf"\underbrace{{{tex_number(cell.weights[k], 3)}}}_{{w_{{{i},{k}}}}} \cdot "
        rf"\underbrace{{{vector(cell.v[k], 3, VEC, VEC - 1)}}}_{{v_{{{k}}}}}"
        for k in order
    ]
    rest = len(visible) - len(order)
    if rest > 0:
        terms.append(rf"\cdots\ (+{rest})")
    first = terms[0] if terms else "0"
    lines = [rf"o_{{{i}}}^{{({cell.h + 1})}} = \sum_j w_{{{i},j}}\, v_j &= {first}"]
    lines += [rf"&\quad + {term}" for term in terms[1:]]
    lines.append(rf"&= {vector(cell.head_out)}")
    return r"\begin{aligned}" + " \\\\\n".join(lines) + r"\end{aligned}"


def join_tex(cell: Cell, H: int) -> str:
    """The heads' outputs side by side (the context row), then W_o and b_o: the layer's row."""
    i = cell.i
    return (
        r"\begin{aligned}"
        rf"\text{{context}}_{{{i}}} &= "
        rf"\big[\,o_{{{i}}}^{{(1)}};\ \dots;\ o_{{{i}}}^{{({H})}}\,\big]"
        rf" \\ &= {vector(cell.context)} \\[4pt]"
        rf"\text{{out}}_{{{i}}} &= \text{{context}}_{{{i}}}\, W_o^{{\top}} + b_o"
        rf" \\ &= {vector(cell.out)}"
        r"\end{aligned}"
    )


# --- the part ---------------------------------------------------------------------------------


def _position_control(name: str, label: str, labels: list[str], help_text: str) -> None:
    T = len(labels)
    widget(
        st.select_slider,
        label,
        name,
        options=list(range(T)),
        format_func=lambda v: f"{int(v)} · {labels[int(v)]}",
        to_widget=lambda v: min(max(int(v), 0), T - 1),
        help=help_text,
    )


def _mask_reason(run: AttentionRun, s: Settings, b: int, i: int, j: int) -> str:
    """Why key j is hidden from query i: the causal mask, padding, or both."""
    reasons = []
    if s.causal and j > i:
        reasons.append(t("attention.explain.reason_causal", i=i, j=j))
    if bool(run.batch.padding_mask[b, j]):
        reasons.append(t("attention.explain.reason_padding", j=j))
    return t("attention.explain.hidden", i=i, j=j, reasons="; ".join(reasons))


def explain_part(s: Settings) -> None:
    explain(t("attention.explain.idea"), IDEA)
    if not has_words(s) or not fits_budget(s):
        return
    size_controls()
    run = attention_run(current())
    s = current()
    H = run.layer.num_heads
    Dh = run.layer.d_model // H
    b = line_control(run)
    c1, c2 = columns(("head", "scaled"), [3, 1.4])
    with c1:
        head = head_control(H)
    with c2:
        scaled_control()
    labels = run.batch.tokens[b]
    T = len(labels)
    c1, c2 = columns(("qi", "kj"))
    with c1:
        _position_control(
            "qi", t("attention.explain.query"), labels, t("attention.explain.query_help")
        )
    with c2:
        _position_control("kj", t("attention.explain.key"), labels, t("attention.explain.key_help"))
    s = current()
    i, j = min(max(s.qi, 0), T - 1), min(max(s.kj, 0), T - 1)
    if (i, j) != (s.qi, s.kj):
        st.caption(t("attention.explain.clamped", qi=s.qi, kj=s.kj, T=T, last=T - 1, i=i, j=j))
    h = head - 1
    cell = cell_numbers(run, s.scaled, b, h, i, j)
    trace = run.trace(s.scaled)

    r0, r1 = window(i, T)
    k0, k1 = window(j, T)
    if T > MAX_TOKENS:
        st.caption(t("attention.explain.sliced", r0=r0, r1=r1 - 1, k0=k0, k1=k1 - 1, T=T))
    figure = viz.cell_heatmap(
        f32(trace.weights[b, h, r0:r1, k0:k1]),
        labels[r0:r1],
        labels[k0:k1],
        cell=(i - r0, j - k0),
        hidden=trace.mask[b, 0, r0:r1, k0:k1].numpy(),
        row_start=r0,
        col_start=k0,
        title=t("attention.explain.map_title", head=head, i=i, j=j),
        x_title=t("axis.key"),
        y_title=t("axis.query"),
        hover_name=t("axis.weight"),
        hidden_name=t("attention.explain.hidden_name"),
        presentation=s.present,
    )
    # A short sentence: the map beside the score's formula, so both are on one screen.
    beside = T <= SIDE_BY_SIDE and Dh <= SHOWN_BESIDE and not s.present
    left, right = st.columns([1, 1.3]) if beside else (st.container(), st.container())
    with left:
        chart(figure, "attention_explain_map")
        st.caption(t("attention.explain.map_note"))
    with right:
        query, key = md_escape(labels[i]), md_escape(labels[j])
        st.markdown(t("attention.explain.step_score", i=i, j=j, qtok=query, ktok=key, Dh=Dh))
        st.latex(score_tex(cell, Dh, s.scaled))
        if not s.scaled:
            st.caption(t("attention.explain.unscaled", Dh=Dh))
        if cell.hidden[j]:
            st.warning(_mask_reason(run, s, b, i, j), icon=":material/visibility_off:")
    st.markdown(t("attention.explain.step_softmax", i=i, visible=int((~cell.hidden).sum()), S=T))
    st.latex(softmax_tex(cell))
    if cell.hidden.all():
        st.info(t("attention.explain.all_hidden", i=i))
    elif cell.shift:
        st.caption(t("attention.explain.shifted"))

    st.markdown(t("attention.explain.step_output", i=i, head=head))
    chart(
        viz.weighted_sum(
            f32(trace.weights[b, h, i, k0:k1]),
            labels[k0:k1],
            cell.head_out.astype(np.float32),
            chosen=j - k0,
            hidden=cell.hidden[k0:k1],
            col_start=k0,
            title=t("attention.explain.sum_title", i=i, head=head),
            weights_title=t("attention.explain.weights_axis", i=i),
            output_title=t("attention.explain.output_axis", i=i),
            key_title=t("axis.key"),
            feature_title=t("attention.explain.feature_axis", Dh=Dh),
            chosen_name=t("attention.explain.chosen_name", j=j),
            hidden_name=t("attention.explain.hidden_name"),
            presentation=s.present,
        ),
        "attention_explain_sum",
    )
    st.latex(output_tex(cell))

    st.markdown(
        t(
            "attention.explain.step_join",
            H=H,
            Dh=Dh,
            D=run.layer.d_model,
            head=head,
            start=h * Dh,
            stop=(h + 1) * Dh - 1,
        )
    )
    st.latex(join_tex(cell, H))
    program_panel(
        lambda: heads_code.explain_programs(run, s, b=b, h=h, i=i, j=j), run, "attention_explain"
    )
