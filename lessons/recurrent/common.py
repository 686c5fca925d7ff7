"""What the Recurrent layers page's parts share: the sentence(s) as a batch, the token vectors,
one recurrent layer (SimpleRNN, LSTM or GRU) run over them with its per-step trace, the same
layer read right to left for Bidirectional, the cell, width and units controls, the code panel.

Everything here is seeded: the same text and settings give the same numbers on every laptop.
The weights are untrained (PyTorch's initialization), so the numbers show the mechanism, not
meaning; the page says so once.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from layers import (
    GRU,
    KERAS_FILTERS,
    LSTM,
    Bidirectional,
    BidirectionalTrace,
    Embedding,
    SimpleRNN,
    cost,
    make_generator,
)
from layers.stack import Batch, parse_stack, tokenize_batch
from ui.compute import batch_shape, capped, over_budget
from ui.controls import columns
from ui.i18n import t
from ui.settings import WIDTHS, Settings
from ui.shell import code_panel
from ui.state import current, widget

CELLS = {"simplernn": SimpleRNN, "lstm": LSTM, "gru": GRU}
CELL_NAMES = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}  # as Keras names them
TORCH_NAMES = {"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # torch.nn's classes
EMBED_PURPOSE = "recurrent:embed"  # generator purposes: the code panel's programs draw the same
CACHE_ENTRIES = 16  # runs kept for every session of the process (each ≤ cost.BUDGET_BYTES)
UNITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
TUTORIAL = {"text": "What time is it ?", "rnn_d": 100, "rnn_units": 64, "punct": True}


def layer_purpose(cell: str) -> str:
    """The generator purpose of the layer read left to right."""
    return f"recurrent:{cell}"


def backward_purpose(cell: str) -> str:
    """The generator purpose of Bidirectional's backward copy (its own weights, as in Keras)."""
    return f"recurrent:{cell}:backward"


def filters(punct: bool) -> str:
    """The Tokenizer's filters: none (split at spaces only) or Keras' default punctuation."""
    return "" if punct else KERAS_FILTERS


def _with(options, value):
    return sorted({*options, value})


@dataclass(frozen=True)
class RecurrentRun:
    """One recurrent layer on the text's sentences, every step kept."""

    batch: Batch  # tokens (B lists of T), ids (B, T), padding_mask (B, T) True at padding
    x: torch.Tensor  # (B, T, D) the token vectors, Embedding(V, D) with N(0, 1) rows
    layer: SimpleRNN | LSTM | GRU  # return_sequences=True: out is every step's h
    out: torch.Tensor  # (B, T, U) h_t for every t
    trace: object  # SimpleRNNTrace (h), LSTMTrace (i, f, g, o, c, h) or GRUTrace (r, z, n, h)

    @property
    def cell(self) -> str:
        return next(name for name, cls in CELLS.items() if type(self.layer) is cls)


def embed(batch: Batch, d: int, seed: int) -> torch.Tensor:
    """(B, T, D) token vectors from a seeded Embedding(V, D); padding rows are vectors too."""
    layer = Embedding(batch.vocab_size, d, generator=make_generator(seed, EMBED_PURPOSE))
    with torch.no_grad():
        out, _ = layer(batch.ids)  # (B, T) -> (B, T, D)
    return out


def make_layer(cell: str, d: int, units: int, seed: int) -> SimpleRNN | LSTM | GRU:
    """The page's seeded layer: PyTorch's initialization, return_sequences=True."""
    return CELLS[cell](d, units, True, generator=make_generator(seed, layer_purpose(cell)))


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _run(text: str, punct: bool, cell: str, d: int, units: int, seed: int) -> RecurrentRun:
    batch = tokenize_batch(capped(text), filters=filters(punct))
    x = embed(batch, d, seed)  # (B, T, D)
    layer = make_layer(cell, d, units, seed)
    with torch.no_grad():
        out, trace = layer(x)  # (B, T, D) -> (B, T, U)
    return RecurrentRun(batch, x, layer, out, trace)


def recurrent_run(s: Settings) -> RecurrentRun:
    """The run for these settings; check `fits_budget(s)` and `has_words(s)` first."""
    return _run(s.text, s.punct, s.rnn_cell, s.rnn_d, s.rnn_units, s.seed)


@dataclass(frozen=True)
class BidirectionalRun:
    """The same layer left to right, a copy with its own weights right to left, both joined."""

    layer: Bidirectional  # forward_layer is the run's layer (the same seeded weights)
    out: torch.Tensor  # (B, T, 2U): [forward h_t ; backward h_t] at each token t
    trace: BidirectionalTrace  # backward re-ordered so index t is token t


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _bidirectional(
    text: str, punct: bool, cell: str, d: int, units: int, seed: int
) -> BidirectionalRun:
    run = _run(text, punct, cell, d, units, seed)
    layer = Bidirectional(run.layer, generator=make_generator(seed, backward_purpose(cell)))
    with torch.no_grad():
        out, trace = layer(run.x)  # (B, T, D) -> (B, T, 2U)
    return BidirectionalRun(layer, out, trace)


def bidirectional_run(s: Settings) -> BidirectionalRun:
    """Bidirectional(layer) on the same token vectors; check `fits_budget(s)` first."""
    return _bidirectional(s.text, s.punct, s.rnn_cell, s.rnn_d, s.rnn_units, s.seed)


KINDS = {"simplernn": "rnn", "lstm": "lstm", "gru": "gru"}  # layers.stack's block names
LINK_NAMES = {"d": "rnn_d", "units": "rnn_units"}  # the refusal's buttons set these settings


def fits_budget(s: Settings) -> bool:
    """Whether the page may compute at these settings (the token vectors and the layer in both
    directions, every step kept); if not, it says what to lower."""
    B, T, V = batch_shape(s.text, filters(s.punct))
    blocks = parse_stack(f"embed,bi{KINDS[s.rnn_cell]}")
    kw = dict(d_model=s.rnn_d, units=s.rnn_units, heads=1, vocab=V)
    estimate = cost.stack_estimate(B, T, blocks, **kw)
    if not estimate.fits:
        found = cost.stack_suggestions(B, T, blocks, **kw, widths=WIDTHS)
        found = [f for f in found if f.setting in ("lines", "tokens", "d", "units")]
        over_budget(estimate, found, heaviest=False, names=LINK_NAMES)
    return estimate.fits


def has_words(s: Settings) -> bool:
    """Whether the text has a word to step through; if not, the page says what to type."""
    B, T, _ = batch_shape(s.text, filters(s.punct))
    if B and T:
        return True
    st.info(t("recurrent.no_words"))
    return False


def both_ends(T: int, most: int) -> list[int]:
    """Positions a figure of at most `most` tokens draws: all, else the first and last halves."""
    if most >= T:
        return list(range(T))
    half = most // 2
    return [*range(half), *range(T - half, T)]


def real_tokens(batch: Batch, b: int) -> list[int]:
    """Positions of sentence b's words (not padding: a short line is padded in front)."""
    return [i for i, masked in enumerate(batch.padding_mask[b].tolist()) if not masked]


def size_controls() -> None:
    """The cell, the input width D, the units U and whether punctuation is a word."""
    s = current()
    c1, c2, c3, c4 = columns(("rnn_cell", "rnn_d", "rnn_units", "punct"), [3, 3, 3, 3])
    with c1:
        widget(
            st.segmented_control,
            t("recurrent.cell"),
            "rnn_cell",
            options=list(CELLS),
            format_func=lambda cell: CELL_NAMES.get(cell, str(cell)),
            help=t("recurrent.cell_help"),
        )
    with c2:
        widget(
            st.select_slider,
            t("recurrent.d"),
            "rnn_d",
            options=_with((*WIDTHS, 100), s.rnn_d),
            format_func=lambda v: str(int(v)),
            help=t("recurrent.d_help"),
        )
    with c3:
        widget(
            st.select_slider,
            t("recurrent.units"),
            "rnn_units",
            options=_with(UNITS, s.rnn_units),
            format_func=lambda v: str(int(v)),
            help=t("recurrent.units_help"),
        )
    with c4:
        widget(st.toggle, t("recurrent.punct"), "punct", help=t("recurrent.punct_help"))


def line_control(batch: Batch) -> int:
    """With several lines, which sentence the figures follow; its 0-based index."""
    B = len(batch.tokens)
    if B > 1:
        widget(
            st.select_slider,
            t("recurrent.line"),
            "line",
            options=_with(range(1, B + 1), current().line),
            format_func=lambda v: str(int(v)),
            help=t("recurrent.line_help"),
        )
    if current().line > B:
        st.caption(t("recurrent.line_past", line=current().line, B=B))
    return min(current().line, B) - 1


def show_code(make, key: str) -> bool:
    """A part's code panel; whether its programs are on screen."""
    return code_panel(make, key=f"recurrent_code_{key}")
