"""Where positions come from: the sinusoidal table, added to the token vectors, and what attention
does without it — shuffle the words and its outputs are only shuffled.

The table is layers.positional's (the paper's formula, no weights). The shuffle runs the page's
own attention layer on the chosen line's words in a seeded order, with positions off or on, and
matches every word with itself through the permutation (by position, so a repeated word is
matched right). It runs in float64: in float32 the same sums taken in another order round
differently by ~1e-7, which would hide the exact zero the lesson is about.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import viz
from layers import MultiHeadAttention, make_generator
from ui.blocks import MAX_COLS, MAX_ROWS, chart, f32, readable
from ui.code import LITERAL_LIMIT
from ui.controls import columns
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings
from ui.shell import explain
from ui.state import current, widget

from . import positions_code
from .common import (
    CACHE_ENTRIES,
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

SHUFFLE_PURPOSE = "attention:shuffle"  # the generator purpose of the words' new order
WAVE_SPAN = 64  # the waves are drawn over at least this many positions
SHOWN_WORDS = 48  # words of a long line written out in the shuffle's two sentences
WAVE_POINTS = 2048  # points per wave at most (eight per position up to 256 positions)
EQUATION = (
    r"PE_{(pos,\,2i)} = \sin\!\Big(\frac{pos}{10000^{2i/D}}\Big),\qquad "
    r"PE_{(pos,\,2i+1)} = \cos\!\Big(\frac{pos}{10000^{2i/D}}\Big),\qquad "
    r"x = E + PE"
)


# --- the math the part shows --------------------------------------------------------------------


def wave_features(d_model: int) -> list[int]:
    """The features drawn as waves: the fastest pair (0, 1), a middle sine and the slowest sine."""
    D = d_model
    picks = {0, 1, 2 * (D // 4), 2 * ((D - 1) // 2)}
    return sorted(f for f in picks if 0 <= f < D)


def wavelength(feature: int, d_model: int) -> float:
    """Positions per turn of a feature's wave: 2π · 10000^(2i/D)."""
    two_i = feature - feature % 2
    return 2 * math.pi * 10000 ** (two_i / d_model)


def wave_curves(span: int, d_model: int, features: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The formula between the whole positions 0..span−1: (N,) positions and (N, K) values."""
    step = max(1 / 8, (span - 1) / WAVE_POINTS)
    x = np.arange(0.0, max(span - 1, 0) + step / 2, step)  # (N,)
    f = np.asarray(features)
    angle = x[:, None] / 10000.0 ** ((f - f % 2) / d_model)  # (N, 1) / (K,) -> (N, K)
    curves = np.where(f % 2 == 0, np.sin(angle), np.cos(angle))
    return x.astype(np.float32), curves.astype(np.float32)


def formula_cells(T: int, d_model: int) -> list[tuple[int, int]]:
    """The (position, feature) cells the formula is written out for: the last position, the
    fastest pair and the slowest sine."""
    pos = max(T - 1, 0)
    features = sorted({0, 1, 2 * ((d_model - 1) // 2)} & set(range(d_model)))
    return [(pos, f) for f in features]


def shuffle_order(n: int, seed: int) -> list[int]:
    """A seeded new order of n words (word k of the shuffled sentence is word order[k]); never
    the original order when there are two words or more."""
    if n < 2:
        return list(range(n))
    order = torch.randperm(n, generator=make_generator(seed, SHUFFLE_PURPOSE)).tolist()
    if order == sorted(order):
        order = order[1:] + order[:1]
    return order


@dataclass(frozen=True)
class ShuffleRun:
    """One layer on one sentence and on its shuffled words, computed in float64; the outputs
    kept in float32 for the figures and the download, the differences in float64."""

    order: list[int]  # word k of the shuffled sentence is word order[k]
    original: torch.Tensor  # (n, D) float32 outputs, the sentence's order
    shuffled: torch.Tensor  # (n, D) float32 outputs, the shuffled order
    per_word: torch.Tensor  # (n,) max over features of |difference|, in the sentence's order
    difference: float  # max |shuffled[k] − original[order[k]]|


def shuffle_outputs(
    layer: MultiHeadAttention,
    vectors: torch.Tensor,
    table: torch.Tensor,
    order: list[int],
    *,
    causal: bool,
    pe: bool,
) -> ShuffleRun:
    """`layer` on the (n, D) token vectors and on the same rows in `order`, each plus the
    (n, D) table when `pe`; the outputs matched word by word through `order`."""
    layer = copy.deepcopy(layer).double()  # the page's weights, exactly, in float64
    x = vectors.double()[None]  # (1, n, D)
    shuffled = x[:, order]  # (1, n, D): the same vectors, other rows
    if pe:
        x = x + table.double()  # the table stays in place: positions 0..n−1
        shuffled = shuffled + table.double()
    with torch.no_grad():
        out = layer(x, causal=causal)[0][0]  # (1, n, D) -> (n, D)
        out_shuffled = layer(shuffled, causal=causal)[0][0]
    gap = (out_shuffled - out[order]).abs().amax(dim=1)  # (n,) word order[k] in row k
    per_word = torch.zeros_like(gap).index_copy(0, torch.tensor(order, dtype=torch.long), gap)
    difference = float(gap.max()) if order else 0.0
    return ShuffleRun(order, out.float(), out_shuffled.float(), per_word.float(), difference)


def line_vectors(run: AttentionRun, b: int) -> tuple[list[str], list[int], torch.Tensor]:
    """The line's words, their ids and (n, D) token vectors, without the padding."""
    real = real_tokens(run, b)
    if real and len(real) == real[-1] - real[0] + 1:
        # Padding is "pre": the words are the row's last n places, a slice (no gather).
        rows = slice(real[0], real[-1] + 1)
        return run.batch.tokens[b][rows], run.batch.ids[b, rows].tolist(), run.embedded[b, rows]
    words = [run.batch.tokens[b][i] for i in real]
    return words, run.batch.ids[b, real].tolist(), run.embedded[b, real]


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _shuffled(
    _run: AttentionRun, text: str, d: int, heads: int, causal: bool, pe: bool, seed: int, b: int
) -> ShuffleRun:
    # `_run` is not hashed: the settings after it are everything it was computed from.
    words, _, vectors = line_vectors(_run, b)
    order = shuffle_order(len(words), seed)
    table = _run.table[: len(words)]
    return shuffle_outputs(_run.layer, vectors, table, order, causal=causal, pe=pe)


def shuffle_run(s: Settings, run: AttentionRun, b: int) -> ShuffleRun:
    return _shuffled(run, s.text, s.att_d, s.att_heads, s.causal, s.pe, s.seed, b)


def stacked_weights(layer: MultiHeadAttention) -> torch.Tensor:
    """(4, D, D): Wq, Wk, Wv, Wo in PyTorch's (out, in) layout, for the Keras program."""
    return torch.stack([w.detach() for w in (layer.w_q, layer.w_k, layer.w_v, layer.w_o)])


# --- the part -----------------------------------------------------------------------------------


def _toggles() -> None:
    c1, c2 = columns(("pe", "shuffle"))
    with c1:
        widget(st.toggle, t("attention.positions.pe"), "pe", help=t("attention.positions.pe_help"))
    with c2:
        widget(
            st.toggle,
            t("attention.positions.shuffle"),
            "shuffle",
            help=t("attention.positions.shuffle_help"),
        )


def _length(value: float) -> str:
    """6.28, 62.8, 628, 19,869: a wavelength in positions."""
    return f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def _number(value: float) -> str:
    return f"{value:.4f}".replace("-", "−")


def _formula(run: AttentionRun, T: int, D: int) -> None:
    """PE written out with its own numbers for the last position's fastest and slowest waves."""
    rows = []
    for pos, f in formula_cells(T, D):
        two_i = f - f % 2
        fn = r"\sin" if f % 2 == 0 else r"\cos"
        value = _number(float(run.table[pos, f]))
        rows.append(
            rf"PE_{{({pos},\,{f})}} &= {fn}\!\Big(\frac{{{pos}}}{{10000^{{{two_i}/{D}}}}}\Big)"
            rf" = {value}"
        )
    st.latex(r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}")


def _table(s: Settings, run: AttentionRun, tokens: list[str]) -> None:
    T, D = run.table.shape
    table, labels, _ = _sliced(f32(run.table), tokens)
    chart(
        # One panel of the shared-scale heatmaps: its feature axis keeps a few numbers apart
        # even at 128 columns.
        viz.qkv_heatmaps(
            [("PE", table)],
            labels,
            title=t("attention.positions.table_title"),
            x_title=t("axis.feature"),
            y_title=t("attention.positions.position_token"),
            hover_name=t("axis.value"),
            zrange=(-1.0, 1.0),
            presentation=s.present,
        ),
        "positions_table",
    )
    st.caption(t("attention.positions.table_note"))
    _formula(run, T, D)
    features = wave_features(D)
    span = min(max(T, WAVE_SPAN), MAX_ROWS)  # past 128 positions a fast wave is a grey blur
    x, curves = wave_curves(span, D, features)
    names = [
        t(
            "attention.positions.wave_name",
            feature=f,
            fn="sin" if f % 2 == 0 else "cos",
            wavelength=_length(wavelength(f, D)),
        )
        for f in features
    ]
    chart(
        viz.position_waves(
            x,
            curves,
            names,
            marks=f32(run.table[:span, features]),
            mark_labels=tokens[:span],
            band_name=t("attention.positions.band"),
            title=t("attention.positions.waves_title"),
            x_title=t("attention.positions.position"),
            y_title="PE",
            presentation=s.present,
        ),
        "positions_waves",
    )
    if span < T:
        st.caption(t("attention.positions.waves_sliced", shown=span, T=T))
    slow = features[-1]
    st.caption(
        t(
            "attention.positions.waves_note",
            slow=slow,
            slow_wavelength=_length(wavelength(slow, D)),
        )
    )


def _sliced(
    values: np.ndarray, labels: list[str], start: int = 0
) -> tuple[np.ndarray, list[str], int]:
    """(…, R, C) values cut to what a screen can read, rows from `start` (a padded line's first
    word), with a note when cut; and the first row shown."""
    rows, cols = values.shape[-2:]
    first = min(start, max(rows - MAX_ROWS, 0))
    shown = values[..., first : first + MAX_ROWS, :MAX_COLS]
    if shown.shape != values.shape:
        st.caption(
            t(
                "attention.steps.sliced",
                first=first,
                last=first + shown.shape[-2] - 1,
                rows=rows,
                cols=shown.shape[-1],
                total_cols=cols,
            )
        )
    return shown, labels[first : first + MAX_ROWS], first


def _sum(s: Settings, run: AttentionRun, b: int, tokens: list[str]) -> None:
    E, PE, X = f32(run.embedded[b]), f32(run.table), f32(run.x[b])
    if not s.pe:
        st.info(t("attention.positions.pe_off"), icon=":material/format_list_numbered:")
    names = (
        [t("attention.positions.panel_e"), "PE", "x = E + PE"]
        if s.pe
        else [t("attention.positions.panel_e"), t("attention.positions.panel_pe_off"), "x = E"]
    )
    start = window_start(run, b, MAX_ROWS)  # a short line of a long batch: from its first word
    shown, labels, first = _sliced(np.stack([E, PE, X]), tokens, start)  # one note for the three
    chart(
        viz.qkv_heatmaps(
            list(zip(names, shown, strict=True)),
            labels,
            title=t("attention.positions.sum_title"),
            start=first,
            x_title=t("axis.feature"),
            y_title=t("attention.positions.position_token"),
            hover_name=t("axis.value"),
            presentation=s.present,
        ),
        "positions_sum",
    )


def _sentence(words: list[str]) -> str:
    """The words as typed (escaped), the first SHOWN_WORDS of a long line and how many more."""
    if len(words) <= SHOWN_WORDS:
        return md_escape(" ".join(words))
    more = t("attention.positions.more_words", count=len(words) - SHOWN_WORDS)
    return md_escape(" ".join(words[:SHOWN_WORDS])) + f" … {more}"


def _shuffle(s: Settings, run: AttentionRun, b: int) -> None:
    st.subheader(t("attention.positions.shuffle_header"))
    explain(t("attention.positions.shuffle_idea"))
    words, _, _ = line_vectors(run, b)
    n = len(words)
    if n < 2:
        st.info(t("attention.positions.one_word"))
        return
    if not s.shuffle:
        st.caption(t("attention.positions.shuffle_off"))
        return
    result = shuffle_run(s, run, b)
    order = result.order
    shuffled_words = [words[i] for i in order]
    st.markdown(
        f"**{t('attention.positions.original_text')}:** {_sentence(words)}  \n"
        f"**{t('attention.positions.shuffled_text')}:** {_sentence(shuffled_words)}"
    )
    if n < len(run.batch.tokens[b]):
        st.caption(t("attention.positions.alone", n=n, last=n - 1))
    original, left, _ = _sliced(f32(result.original), words)
    moved = [f"{word} ← {was}" for word, was in zip(shuffled_words, order, strict=True)]
    shuffled, right = readable(f32(result.shuffled), moved)[:2]
    chart(
        viz.paired_heatmaps(
            original,
            shuffled,
            left,
            right,
            left_name=t("attention.positions.original"),
            right_name=t("attention.positions.shuffled_panel"),
            title=t("attention.positions.pair_title"),
            x_title=t("axis.feature"),
            y_title=t("axis.token"),
            hover_name=t("axis.value"),
            presentation=s.present,
        ),
        "positions_shuffle",
    )
    st.caption(t("attention.positions.moved_note", word=md_escape(shuffled_words[0]), was=order[0]))
    st.metric(t("attention.positions.max_diff"), f"{result.difference:.7f}")
    if s.causal:
        st.info(t("attention.positions.causal"), icon=":material/block:")
    elif s.pe:
        st.info(t("attention.positions.changed"), icon=":material/swap_horiz:")
    else:
        st.success(t("attention.positions.same"), icon=":material/check_circle:")
    # Rounded to the metric's 7 decimals: float64's 1e-16 is 0 there too.
    per_word = np.round(f32(result.per_word[: len(left)]), 7)
    chart(
        viz.feature_bars(
            per_word,
            labels=words[: len(left)],
            title=t("attention.positions.per_word_title"),
            x_title=t("axis.token"),
            y_title=t("attention.positions.per_word"),
            signed=False,
            presentation=s.present,
        ),
        "positions_per_word",
    )
    st.caption(t("attention.positions.float64"))
    downloads("outputs_shuffled", result.shuffled, "positions_dl_shuffled")


def _programs(s: Settings, run: AttentionRun, b: int) -> tuple[str, str]:
    T, D = run.table.shape
    words, ids, vectors = line_vectors(run, b)
    return positions_code.programs(
        words=words,
        ids=ids,
        vocab_size=run.batch.vocab_size,
        d_model=D,
        heads=s.att_heads,
        causal=s.causal,
        order=shuffle_order(len(words), s.seed),
        cells=formula_cells(T, D),
        seed=s.seed,
        vectors=vectors,
        weights=stacked_weights(run.layer),
    )


def _code(s: Settings, run: AttentionRun, b: int) -> None:
    # The programs and their files are made only while the panel is open.
    if not show_code(lambda: _programs(s, run, b)):
        return
    _, _, vectors = line_vectors(run, b)
    weights = stacked_weights(run.layer)
    if max(vectors.numel(), weights.numel()) > LITERAL_LIMIT:
        st.caption(t("attention.positions.program_files"))
        downloads("token_vectors", vectors, "positions_dl_vectors")
        downloads("attention_weights", weights, "positions_dl_weights")


def positions_part(s: Settings) -> None:
    explain(t("attention.positions.idea"), EQUATION)
    if not has_words(s) or not fits_budget(s):
        return
    size_controls()
    _toggles()
    s = current()
    run = attention_run(s)
    b = line_control(run)
    tokens = run.batch.tokens[b]
    B, T, D = run.x.shape
    x_badge = f"x = E + PE ({B}, {T}, {D})" if s.pe else f"x = E ({B}, {T}, {D})"
    st.markdown(
        f":blue-badge[PE ({T}, {D})] :blue-badge[{x_badge}] "
        f":gray-badge[PE · {t('attention.positions.params')}: 0]"
    )
    real = real_tokens(run, b)
    if real and real[0] > 0:
        st.caption(t("attention.positions.padded", T=T, first=real[0]))
    _table(s, run, tokens)
    _sum(s, run, b, tokens)
    downloads("positional_encoding", run.table, "positions_dl_table")
    downloads("x", run.x[b], "positions_dl_x")
    _shuffle(s, run, b)
    _code(s, run, b)
