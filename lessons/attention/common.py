"""What the Attention & Transformer page's parts share: the sentence(s) as a batch, the token
vectors, positional encoding, one multi-head attention layer run on them (scaled and unscaled),
the width and heads controls, the code panel.

Everything here is seeded: the same text and settings give the same numbers on every laptop.
The weights are untrained (PyTorch's initialization), so the maps show the mechanism, not
meaning; the page says so once.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from layers import Embedding, MultiHeadAttention, PositionalEncoding, cost, make_generator
from layers.attention import AttentionTrace
from layers.stack import Batch, parse_stack, tokenize_batch
from ui.compute import batch_shape, capped, over_budget
from ui.controls import columns
from ui.i18n import t
from ui.settings import WIDTHS, Settings, head_options
from ui.shell import code_panel
from ui.state import current, hidden, widget

EMBED_PURPOSE = "attention:embed"  # generator purposes: the code panel's programs draw the same
ATTENTION_PURPOSE = "attention:mha"
CACHE_ENTRIES = 16  # runs kept for every session of the process (each ≤ cost.BUDGET_BYTES)


def _with(options, value):
    return sorted({*options, value})


@dataclass(frozen=True)
class AttentionRun:
    """One multi-head attention layer on the text's sentences, with both scalings' traces."""

    batch: Batch  # tokens (B lists of T), ids (B, T), padding_mask (B, T) True at padding
    embedded: torch.Tensor  # (B, T, D) the token vectors, Embedding(V, D) with N(0, 1) rows
    table: torch.Tensor  # (T, D) sinusoidal positional encoding
    x: torch.Tensor  # (B, T, D) embedded + table when positions are on, else embedded
    layer: MultiHeadAttention
    scaled: AttentionTrace  # scores divided by √Dh (the real layer)
    unscaled: AttentionTrace  # the same without the division, to compare

    def trace(self, scaled: bool) -> AttentionTrace:
        return self.scaled if scaled else self.unscaled

    @property
    def out(self) -> torch.Tensor:
        return self.scaled.out


def embed(batch: Batch, d: int, seed: int) -> torch.Tensor:
    """(B, T, D) token vectors from a seeded Embedding(V, D); padding rows are vectors too."""
    layer = Embedding(batch.vocab_size, d, generator=make_generator(seed, EMBED_PURPOSE))
    with torch.no_grad():
        out, _ = layer(batch.ids)  # (B, T) -> (B, T, D)
    return out


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _run(text: str, d: int, heads: int, causal: bool, pe: bool, seed: int) -> AttentionRun:
    batch = tokenize_batch(capped(text))
    embedded = embed(batch, d, seed)
    B, T, D = embedded.shape
    table = PositionalEncoding(D, max_len=max(T, 1))(embedded)[1].table  # (T, D)
    x = embedded + table if pe else embedded
    layer = MultiHeadAttention(D, heads, generator=make_generator(seed, ATTENTION_PURPOSE))
    with torch.no_grad():
        traces = {
            scaled: layer(x, causal=causal, key_padding_mask=batch.padding_mask, scaled=scaled)[1]
            for scaled in (True, False)
        }
    return AttentionRun(batch, embedded, table, x, layer, traces[True], traces[False])


def attention_run(s: Settings) -> AttentionRun:
    """The run for these settings; check `fits_budget(s)` and `has_words(s)` first."""
    return _run(s.text, s.att_d, s.att_heads, s.causal, s.pe, s.seed)


# Two attention traces (scaled and unscaled) cost what two attention blocks of a stack cost.
BUDGET_SPECS = parse_stack("embed,attention,attention")
LINK_NAMES = {"d": "att_d", "heads": "att_heads"}  # the refusal's buttons set these settings


def fits_budget(s: Settings, *, blocks=BUDGET_SPECS) -> bool:
    """Whether the page may compute at these settings; if not, it says what to lower."""
    B, T, V = batch_shape(s.text)
    kw = dict(d_model=s.att_d, units=s.att_d, heads=s.att_heads, vocab=V)
    estimate = cost.stack_estimate(B, T, blocks, **kw)
    if not estimate.fits:
        found = cost.stack_suggestions(
            B, T, blocks, **kw, widths=WIDTHS, head_options=head_options(s.att_d)
        )
        found = [f for f in found if f.setting != "units" and f.setting != "blocks"]
        over_budget(estimate, found, heaviest=False, names=LINK_NAMES)
    return estimate.fits


def has_words(s: Settings) -> bool:
    """Whether the text has a word to attend to; if not, the page says what to type."""
    B, T, _ = batch_shape(s.text)
    if B and T:
        return True
    st.info(t("attention.no_words"))
    return False


def line_index(s: Settings, run: AttentionRun) -> int:
    """The sentence shown (0-based), within the batch whatever the link said."""
    return min(s.line, len(run.batch.tokens)) - 1


def real_tokens(run: AttentionRun, b: int) -> list[int]:
    """Positions of sentence b's words (not padding)."""
    return [i for i, masked in enumerate(run.batch.padding_mask[b].tolist()) if not masked]


def window_start(run: AttentionRun, b: int, size: int) -> int:
    """Where a window of `size` positions starts: at the sentence's first word, so that a short
    line of a batch (padded in front) shows its words rather than its padding."""
    real = real_tokens(run, b)
    T = run.x.shape[1]
    return min(real[0], max(T - size, 0)) if real else 0


def size_controls(switch: str = "causal") -> None:
    """The width D and the heads H that split it (Dh = D / H), with one switch beside them:
    the causal mask, or (for the encoder and decoder, whose masks are fixed) positions."""
    s = current()
    c1, c2, c3 = columns(("att_d", "att_heads", switch), [3, 3, 2])
    with c1:
        widget(
            st.select_slider,
            t("attention.d"),
            "att_d",
            options=_with(WIDTHS, s.att_d),
            format_func=lambda v: str(int(v)),
            help=t("attention.d_help"),
        )
    with c2:
        widget(
            st.segmented_control,
            t("control.heads"),
            "att_heads",
            options=_with(head_options(s.att_d), s.att_heads),
            help=t("attention.heads_help", d=s.att_d),
        )
        if not hidden("att_heads"):
            st.caption(t("attention.heads_note", d=s.att_d, Dh=s.att_d // s.att_heads))
    with c3:
        label, help_key = SWITCHES[switch]
        widget(st.toggle, t(label), switch, help=t(help_key))


SWITCHES = {  # the switch beside D and H: its label and help keys
    "causal": ("control.causal", "control.causal_help"),
    "pe": ("attention.transformer.pe", "attention.transformer.pe_help"),
}


def line_control(run: AttentionRun) -> int:
    """With several lines, which sentence the figures show; its 0-based index."""
    B = len(run.batch.tokens)
    if B > 1:
        widget(
            st.select_slider,
            t("attention.line"),
            "line",
            options=list(range(1, B + 1)),
            format_func=lambda v: str(int(v)),
            help=t("attention.line_help"),
        )
    return line_index(current(), run)


def show_code(make) -> bool:
    """The page's code panel; whether its programs are on screen."""
    return code_panel(make, key="attention_code")
