"""Encoder and decoder: a source sentence read by an encoder block, its translation written by a
decoder block that reads the encoder's output through cross-attention.

    source ids (B, S) ─Embedding(+PE)─▶ (B, S, D) ─encoder─▶ memory (B, S, D)
    decoder ids (B, T) ─Embedding(+PE)─▶ (B, T, D) ─masked self-attention (B, H, T, T)
        ─cross-attention over the memory (B, H, T, S)─ feed-forward ─▶ (B, T, D)

Line k of the source box pairs with line k of the target box; several lines make a batch, padded
at the end (as a translation model's TextVectorization pads), which is where the two padding
masks come from. Each side has its own Keras-style Tokenizer. The decoder reads the target
shifted right behind a start token, so that position t, which must predict target token t, sees
only the tokens before it; its self-attention is therefore always causal (`causal=True`), the
encoder's never. Weights are seeded and untrained: the maps show the mechanism, not a learned
alignment.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import viz
from layers import (
    Embedding,
    PositionalEncoding,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    cost,
    make_generator,
)
from layers.blocks import DecoderTrace, EncoderTrace
from layers.stack import MAX_LINES, MAX_TOKENS, PAD
from layers.text import Tokenizer, pad_sequences, text_to_word_sequence
from ui.blocks import chart, f32
from ui.code import LITERAL_LIMIT
from ui.compute import capped, over_budget
from ui.controls import columns
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import WIDTHS, Settings, head_options
from ui.shell import explain
from ui.state import current, widget

from . import transformer_code
from .common import show_code, size_controls

START = "[start]"  # the decoder's first token: "begin the translation"
# Generator purposes: the code panel's program draws the same weights from the same seeds.
SOURCE_PURPOSE = "attention:source"
TARGET_PURPOSE = "attention:target"
ENCODER_PURPOSE = "attention:encoder"
DECODER_PURPOSE = "attention:decoder"
CACHE_ENTRIES = 16  # runs kept for every session of the process (each ≤ cost.BUDGET_BYTES)
MAX_SHOWN = 128  # tokens along a map's axis; more cannot be read on a screen
LINK_NAMES = {"d": "att_d", "heads": "att_heads"}  # the refusal's buttons set these settings

CROSS_EQUATION = (
    r"\text{CrossAttention}(Y, M) = \operatorname{softmax}\!\left("
    r"\frac{(Y W_Q)(M W_K)^{\top}}{\sqrt{D_h}} + \text{mask}\right) M W_V"
    r"\qquad Y\!: (B, T, D),\ \ M\!: (B, S, D)"
)


# --------------------------------------------------------------------------- the sentence pairs
@dataclass(frozen=True)
class Side:
    """One side of the pairs as a batch padded at the end."""

    tokens: list[list[str]]  # B lists of L labels, PAD where padded
    ids: torch.Tensor  # (B, L) int64, 0 at padding
    padding_mask: torch.Tensor  # (B, L) bool, True at padding: keys no query may look at
    vocab_size: int  # rows of this side's Embedding

    @property
    def lengths(self) -> list[int]:
        return (~self.padding_mask).sum(dim=1).tolist()


@dataclass(frozen=True)
class Pairs:
    """The two boxes as sentence pairs: what the encoder and the decoder read."""

    source: Side  # the encoder's input, (B, S)
    decoder: Side  # the decoder's input: [start] and the target shifted right, (B, T)
    targets: list[list[str]]  # B lists of T: the target token each decoder position predicts
    source_lines: int  # lines with text in each box (at most MAX_LINES are read)
    target_lines: int
    used: list[int]  # 1-based numbers of the pairs in the batch
    skipped: list[int]  # 1-based numbers of pairs left out: one side has no word
    truncated: list[int]  # 1-based numbers of pairs cut to MAX_TOKENS on a side
    dropped: int  # lines beyond MAX_LINES in the longer box

    @property
    def shape(self) -> tuple[int, int, int]:
        """(B, S, T)."""
        B, S = self.source.ids.shape
        return B, S, self.decoder.ids.shape[1]


def _lines(text: str) -> list[str]:
    return [line for line in capped(text).splitlines() if line.strip()]


def _side(sequences: list[list[int]], index_word: dict[int, str], vocab: int) -> Side:
    ids = torch.as_tensor(pad_sequences(sequences, padding="post"), dtype=torch.long)  # (B, L)
    tokens = [[index_word[i] if i else PAD for i in row] for row in ids.tolist()]
    return Side(tokens, ids, ids == 0, vocab)


def pair_lines(source: str, target: str) -> Pairs:
    """Line k of the source with line k of the target, each side tokenized on its own."""
    src_lines, tgt_lines = _lines(source), _lines(target)
    dropped = max(len(src_lines), len(tgt_lines)) - MAX_LINES
    src_lines, tgt_lines = src_lines[:MAX_LINES], tgt_lines[:MAX_LINES]
    pairs = list(zip(src_lines, tgt_lines, strict=False))
    used, skipped = [], []
    for n, (src, tgt) in enumerate(pairs, start=1):
        has_words = text_to_word_sequence(src) and text_to_word_sequence(tgt)
        (used if has_words else skipped).append(n)
    src_texts = [pairs[n - 1][0] for n in used]
    tgt_texts = [pairs[n - 1][1] for n in used]
    src_tok = Tokenizer().fit_on_texts(src_texts)
    tgt_tok = Tokenizer().fit_on_texts(tgt_texts)
    src_seqs = src_tok.texts_to_sequences(src_texts)
    tgt_seqs = tgt_tok.texts_to_sequences(tgt_texts)
    truncated = [
        n
        for n, a, b in zip(used, src_seqs, tgt_seqs, strict=True)
        if max(len(a), len(b)) > MAX_TOKENS
    ]
    src_seqs = [seq[:MAX_TOKENS] for seq in src_seqs]
    tgt_seqs = [seq[:MAX_TOKENS] for seq in tgt_seqs]
    start = len(tgt_tok.word_index) + 1  # one more row in the target's Embedding
    tgt_words = {**tgt_tok.index_word, start: START}
    decoder = [[start, *seq[:-1]] for seq in tgt_seqs]  # shifted right: [start] y₁ … y_{T-1}
    decoder_side = _side(decoder, tgt_words, start + 1)
    T = decoder_side.ids.shape[1]
    targets = [[tgt_tok.index_word[i] for i in seq] + [PAD] * (T - len(seq)) for seq in tgt_seqs]
    return Pairs(
        source=_side(src_seqs, src_tok.index_word, len(src_tok.word_index) + 1),
        decoder=decoder_side,
        targets=targets,
        source_lines=len(_lines(source)),
        target_lines=len(_lines(target)),
        used=used,
        skipped=skipped,
        truncated=truncated,
        dropped=max(dropped, 0),
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_pairs(source: str, target: str) -> Pairs:
    return pair_lines(source, target)


# --------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class TransformerRun:
    """Everything one encoder block and one decoder block computed on the pairs."""

    pairs: Pairs
    source_x: torch.Tensor  # (B, S, D) source token vectors (+ positions)
    target_x: torch.Tensor  # (B, T, D) decoder token vectors (+ positions)
    memory: torch.Tensor  # (B, S, D) the encoder's output
    encoder: EncoderTrace
    decoder: DecoderTrace
    out: torch.Tensor  # (B, T, D) the decoder's output


def embed(side: Side, d: int, seed: int, purpose: str, pe: bool) -> torch.Tensor:
    """(B, L, D): a seeded Embedding(V, D) of the side's ids, plus the sinusoidal table if `pe`."""
    layer = Embedding(side.vocab_size, d, generator=make_generator(seed, purpose))
    with torch.no_grad():
        x, _ = layer(side.ids)  # (B, L) -> (B, L, D)
    if not pe:
        return x
    return PositionalEncoding(d, max_len=max(x.shape[1], 1))(x)[0]  # (B, L, D) + (L, D)


def blocks(
    d: int, heads: int, seed: int
) -> tuple[TransformerEncoderBlock, TransformerDecoderBlock]:
    """The encoder and decoder blocks: F = 4·D, no dropout, each from its own generator."""
    encoder = TransformerEncoderBlock(
        d, heads, 4 * d, 0.0, generator=make_generator(seed, ENCODER_PURPOSE)
    )
    decoder = TransformerDecoderBlock(
        d, heads, 4 * d, 0.0, generator=make_generator(seed, DECODER_PURPOSE)
    )
    return encoder.eval(), decoder.eval()


def compute(pairs: Pairs, d: int, heads: int, pe: bool, seed: int) -> TransformerRun:
    source_x = embed(pairs.source, d, seed, SOURCE_PURPOSE, pe)
    target_x = embed(pairs.decoder, d, seed, TARGET_PURPOSE, pe)
    encoder, decoder = blocks(d, heads, seed)
    with torch.no_grad():
        memory, enc = encoder(source_x, key_padding_mask=pairs.source.padding_mask)  # (B, S, D)
        out, dec = decoder(
            target_x,
            memory,
            causal=True,  # a decoder that writes text never looks ahead
            key_padding_mask=pairs.decoder.padding_mask,
            memory_key_padding_mask=pairs.source.padding_mask,
        )  # (B, T, D)
    return TransformerRun(pairs, source_x, target_x, memory, enc, dec, out)


@dataclass(frozen=True)
class Map:
    """One attention's weights over the batch and the mask they were computed with."""

    weights: torch.Tensor  # (B, H, T, S) softmax over S
    mask: torch.Tensor  # (B, 1, T, S) bool, True where a key is hidden from a query


@dataclass(frozen=True)
class PartRun:
    """What the part draws and offers, and no more: the cache keeps it for every session (the
    blocks' full traces, FFN activations and all, would keep five times as much)."""

    pairs: Pairs
    encoder: Map  # the encoder's self-attention, (B, H, S, S)
    masked: Map  # the decoder's causal self-attention, (B, H, T, T)
    cross: Map  # the decoder's cross-attention over the memory, (B, H, T, S)


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _run(source: str, target: str, d: int, heads: int, pe: bool, seed: int) -> PartRun:
    run = compute(cached_pairs(source, target), d, heads, pe, seed)
    enc, dec = run.encoder.self_attention, run.decoder
    return PartRun(
        run.pairs,
        Map(enc.weights, enc.mask),
        Map(dec.self_attention.weights, dec.self_attention.mask),
        Map(dec.cross_attention.weights, dec.cross_attention.mask),
    )


def part_run(s: Settings) -> PartRun:
    """The part's maps for these settings; check `fits_budget` first."""
    return _run(s.source, s.target, s.att_d, s.att_heads, s.pe, s.seed)


# --------------------------------------------------------------------------- the work budget
def _cross_work(B: int, T: int, S: int, D: int, H: int) -> Counter:
    """Queries from T decoder tokens, keys and values from S memory vectors."""
    return Counter(
        {
            "block": 1,
            "rand": 4 * D * D,
            "mac": 2 * B * T * D * D + 2 * B * S * D * D + 2 * B * T * S * D,
            "score": B * H * T * S,
            "value.attention": B * T * D,
        }
    )


def kept_bytes(B: int, S: int, T: int, H: int) -> int:
    """What a PartRun keeps: three maps of float32 weights and their bool masks, and the ids."""
    cells = S * S + T * T + T * S
    return 4 * B * H * cells + B * cells + 8 * B * (S + T)


def estimate(B: int, S: int, T: int, D: int, H: int, v_src: int, v_tgt: int) -> cost.Estimate:
    """The part's cost before computing: two embeddings, an encoder and a decoder block, and
    the maps it keeps (the blocks' traces are dropped once the maps are out)."""
    parts = [cost.Part("page", Counter({"token": B * (S + T), "draw": 5}))]
    if B == 0:
        return cost.Estimate(tuple(parts))
    for name, work in (
        ("embed", cost.embed_work(B, S, D, v_src)[0]),
        ("embed", cost.embed_work(B, T, D, v_tgt)[0]),
        ("encoder", cost.encoder_work(B, S, D, H)[0]),
        ("decoder", cost.encoder_work(B, T, D, H)[0]),  # its self-attention, FFN, 2 Add & Norms
        ("cross", _cross_work(B, T, S, D, H)),
        ("addnorm", cost.norm_work("addnorm", B * T, D)[0]),  # the decoder's third Add & Norm
    ):
        parts.append(cost.Part(name, work))
    parts.append(cost.Part("maps", Counter(), kept_bytes(B, S, T, H)))
    return cost.Estimate(tuple(parts))


def fits_budget(s: Settings, pairs: Pairs) -> bool:
    """Whether the part may compute; if not, it says what to lower (the text stays)."""
    B, S, T = pairs.shape
    v_src, v_tgt = pairs.source.vocab_size, pairs.decoder.vocab_size
    found = estimate(B, S, T, s.att_d, s.att_heads, v_src, v_tgt)
    if found.fits:
        return True

    def changed(**change: int) -> cost.Estimate:
        ((name, value),) = change.items()
        b, d, h = B, s.att_d, s.att_heads
        s_len, t_len = S, T
        if name == "lines":
            b = value
        elif name == "tokens":
            s_len, t_len = min(S, value), min(T, value)
        elif name == "d":
            d, h = value, max(k for k in range(1, min(value, h) + 1) if value % k == 0)
        else:
            h = value
        return estimate(b, s_len, t_len, d, h, v_src, v_tgt)

    suggestions = cost.suggestions(
        changed,
        {"lines": B, "tokens": max(S, T), "d": s.att_d, "heads": s.att_heads},
        {
            "lines": range(1, B + 1),
            "tokens": range(1, max(S, T) + 1),
            "d": WIDTHS,
            "heads": head_options(s.att_d),
        },
    )
    over_budget(found, suggestions, heaviest=False, names=LINK_NAMES)
    return False


# --------------------------------------------------------------------------- the controls
def _text_boxes() -> None:
    left, right = columns(("source", "target"))
    with left:
        widget(
            st.text_area,
            t("attention.transformer.source"),
            "source",
            height=110,
            help=t("attention.transformer.source_help"),
        )
    with right:
        widget(
            st.text_area,
            t("attention.transformer.target"),
            "target",
            height=110,
            help=t("attention.transformer.target_help"),
        )


def _with(options, value):
    return sorted({*options, value})


def _pickers(pairs: Pairs, H: int) -> tuple[int, int]:
    """The pair and the head the maps show (0-based), within the batch whatever the link said.
    The slider counts the batch's pairs and reads each as its line in the boxes."""
    B = len(pairs.used)
    shown = [name for name, many in (("line", B > 1), ("head", H > 1)) if many]
    for name, column in zip(shown, columns(shown) if shown else (), strict=True):
        with column:
            if name == "line":
                widget(
                    st.select_slider,
                    t("attention.transformer.line"),
                    "line",
                    options=list(range(1, B + 1)),
                    format_func=lambda v: str(pairs.used[min(max(int(v), 1), B) - 1]),
                    help=t("attention.transformer.line_help"),
                )
            elif H <= 16:
                widget(
                    st.segmented_control,
                    t("attention.transformer.head"),
                    "head",
                    options=list(range(1, H + 1)),
                    help=t("attention.transformer.head_help"),
                )
            else:
                widget(
                    st.select_slider,
                    t("attention.transformer.head"),
                    "head",
                    options=list(range(1, H + 1)),
                    format_func=lambda v: str(int(v)),
                    help=t("attention.transformer.head_help"),
                )
    s = current()
    return min(max(s.line, 1), B) - 1, min(max(s.head, 1), H) - 1


def _notes(pairs: Pairs) -> bool:
    """What happened to the lines, in one line each; whether there is a pair to compute."""
    if not pairs.source_lines or not pairs.target_lines:
        which = (
            "both"
            if not pairs.source_lines and not pairs.target_lines
            else ("source" if not pairs.source_lines else "target")
        )
        st.info(t(f"attention.transformer.empty_{which}"))
        return False
    if pairs.source_lines != pairs.target_lines:
        st.warning(
            t(
                "attention.transformer.counts_differ",
                source=pairs.source_lines,
                target=pairs.target_lines,
                n=min(pairs.source_lines, pairs.target_lines, MAX_LINES),
            ),
            icon=":material/compare_arrows:",
        )
    if pairs.dropped:
        st.caption(t("attention.transformer.dropped", max=MAX_LINES, n=pairs.dropped))
    if pairs.skipped:
        st.caption(t("attention.transformer.skipped", lines=_numbers(pairs.skipped)))
    if pairs.truncated:
        st.caption(
            t("attention.transformer.truncated", lines=_numbers(pairs.truncated), max=MAX_TOKENS)
        )
    if not pairs.used:
        st.info(t("attention.transformer.no_words"))
        return False
    return True


def _numbers(values: list[int], shown: int = 10) -> str:
    text = ", ".join(str(v) for v in values[:shown])
    return text + (", …" if len(values) > shown else "")


# --------------------------------------------------------------------------- the figures
def _flow(run: PartRun, s: Settings) -> None:
    B, S, T = run.pairs.shape
    D, H = s.att_d, s.att_heads

    def shape(letters: str, *sizes: int) -> str:
        return f"{letters} = ({', '.join(str(v) for v in sizes)})"

    embed = t("attention.transformer.box_embed_pe" if s.pe else "attention.transformer.box_embed")
    encoder = [
        (t("attention.transformer.box_source"), shape("(B, S)", B, S)),
        (embed, shape("(B, S, D)", B, S, D)),
        (t("attention.transformer.box_self"), shape("(B, H, S, S)", B, H, S, S)),
        (t("attention.transformer.box_ffn"), shape("(B, S, D)", B, S, D)),
        (t("attention.transformer.box_memory"), shape("(B, S, D)", B, S, D)),
    ]
    decoder = [
        (t("attention.transformer.box_target"), shape("(B, T)", B, T)),
        (embed, shape("(B, T, D)", B, T, D)),
        (t("attention.transformer.box_masked"), shape("(B, H, T, T)", B, H, T, T)),
        (t("attention.transformer.box_cross"), shape("(B, H, T, S)", B, H, T, S)),
        (t("attention.transformer.box_ffn"), shape("(B, T, D)", B, T, D)),
        (t("attention.transformer.box_out"), shape("(B, T, D)", B, T, D)),
    ]
    chart(
        viz.encoder_decoder_flow(
            encoder,
            decoder,
            cross=3,
            encoder_name=t("attention.transformer.encoder"),
            decoder_name=t("attention.transformer.decoder"),
            memory_name=t("attention.transformer.memory_arrow"),
            title=t("attention.transformer.flow_title"),
            presentation=s.present,
        ),
        "transformer_flow",
    )
    st.caption(t("attention.transformer.letters", B=B, S=S, T=T, D=D, H=H, Dh=D // H, F=4 * D))


def _shifted(run: PartRun, b: int) -> None:
    """The decoder's input beside the tokens it must predict: the target shifted right."""
    st.markdown(t("attention.transformer.shifted"))
    pairs = run.pairs
    n = pairs.decoder.lengths[b]
    shown = min(n, MAX_SHOWN)
    first = t("attention.transformer.position")
    rows = [
        {first: t(f"attention.transformer.row_{name}")}
        | {str(i): str(token) for i, token in enumerate(tokens[:shown])}
        for name, tokens in (("input", pairs.decoder.tokens[b]), ("predicts", pairs.targets[b]))
    ]
    st.dataframe(rows, hide_index=True)
    if n > shown:
        st.caption(t("attention.transformer.sliced_tokens", shown=shown, total=n))


def _map(
    weights: np.ndarray,
    mask: np.ndarray,
    queries: list[str],
    keys: list[str],
    *,
    key: str,
    title: str,
    y_title: str,
    x_title: str,
    present: bool,
) -> None:
    """One line's (T, S) map for one head, at most MAX_SHOWN tokens a side."""
    rows, cols = weights.shape
    if rows > MAX_SHOWN or cols > MAX_SHOWN:
        st.caption(
            t(
                "block.sliced",
                rows=min(rows, MAX_SHOWN),
                cols=min(cols, MAX_SHOWN),
                total_rows=rows,
                total_cols=cols,
            )
        )
    m = MAX_SHOWN
    chart(
        viz.masked_attention_heatmap(
            weights[:m, :m],
            queries[:m],
            keys[:m],
            hidden=mask[:m, :m],
            hidden_name=t("attention.transformer.hidden"),
            title=title,
            y_title=y_title,
            x_title=x_title,
            hover_name=t("attention.transformer.weight"),
            presentation=present,
        ),
        key,
    )


def _side_by_side(spec: list[float], present: bool) -> tuple:
    """Two columns on a laptop; one above the other on a projector, where half a page would
    leave a few tokens' map a few centimetres wide."""
    if present:
        return st.container(), st.container()
    left, right = st.columns(spec)
    return left, right


def _maps(run: PartRun, b: int, h: int, present: bool) -> None:
    pairs = run.pairs
    source, decoder = pairs.source.tokens[b], pairs.decoder.tokens[b]
    enc, masked, cross = run.encoder, run.masked, run.cross
    line = pairs.used[b]
    left, right = _side_by_side([1, 1], present)
    with left:
        _map(
            f32(enc.weights[b, h]),
            enc.mask[b, 0].numpy(),
            source,
            source,
            key="transformer_encoder",
            title=t("attention.transformer.encoder_title", head=h + 1, line=line),
            y_title=t("attention.transformer.query_source"),
            x_title=t("attention.transformer.key_source"),
            present=present,
        )
        st.caption(t("attention.transformer.encoder_caption"))
    with right:
        _map(
            f32(masked.weights[b, h]),
            masked.mask[b, 0].numpy(),
            decoder,
            decoder,
            key="transformer_masked",
            title=t("attention.transformer.masked_title", head=h + 1, line=line),
            y_title=t("attention.transformer.query_target"),
            x_title=t("attention.transformer.key_target"),
            present=present,
        )
        st.caption(t("attention.transformer.masked_caption"))
    left, right = _side_by_side([3, 2], present)
    with left:
        _map(
            f32(cross.weights[b, h]),
            cross.mask[b, 0].numpy(),
            decoder,
            source,
            key="transformer_cross",
            title=t("attention.transformer.cross_title", head=h + 1, line=line),
            y_title=t("attention.transformer.query_target"),
            x_title=t("attention.transformer.key_memory"),
            present=present,
        )
    with right:
        st.markdown(t("attention.transformer.cross_text"))
        st.info(t("attention.transformer.untrained"), icon=":material/school:")


def _masks(run: PartRun, present: bool) -> None:
    """Both sides' ids with their padding: the padding masks are where the ids are 0."""
    pairs = run.pairs
    B, S, T = pairs.shape
    if B == 1:
        st.caption(t("attention.transformer.one_line"))
        return
    st.markdown(t("attention.transformer.masks_text"))
    labels = [t("attention.transformer.line_n", n=n) for n in pairs.used]
    names = {
        "pad": t("attention.transformer.pad_name"),
        "token": t("attention.transformer.word_name"),
    }
    left, right = st.columns(2)
    for column, side, key, title in (
        (left, pairs.source, "transformer_source_mask", t("attention.transformer.source_mask")),
        (right, pairs.decoder, "transformer_target_mask", t("attention.transformer.target_mask")),
    ):
        ids = side.ids[:, :MAX_SHOWN].numpy()
        with column:
            if side.ids.shape[1] > MAX_SHOWN:
                st.caption(
                    t(
                        "attention.transformer.sliced_tokens",
                        shown=MAX_SHOWN,
                        total=side.ids.shape[1],
                    )
                )
            chart(
                viz.padded_grid(
                    ids,
                    kinds=(ids != 0).astype(np.int8),
                    row_labels=labels,
                    title=title,
                    names=names,
                    x_title=t("attention.transformer.position"),
                    presentation=present,
                ),
                key,
            )


def _ids_file(ids: torch.Tensor) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, ids.numpy().astype(np.int64))
    return buffer.getvalue()


def _code(run: PartRun, s: Settings, b: int, h: int) -> None:
    """The PyTorch and Keras programs; the ids files they load when too long to write out."""
    pairs = run.pairs

    def make() -> tuple[str, str]:
        return transformer_code.programs(
            pairs, d=s.att_d, heads=s.att_heads, pe=s.pe, seed=s.seed, line=b, head=h
        )

    if not show_code(make):
        return
    files = [
        (name, side.ids)
        for name, side in (("source_ids", pairs.source), ("decoder_ids", pairs.decoder))
        if side.ids.numel() > LITERAL_LIMIT
    ]
    for column, (name, ids) in zip(st.columns(max(len(files), 1)), files, strict=False):
        column.download_button(
            t("attention.transformer.ids_file", name=f"{name}.npy", shape=tuple(ids.shape)),
            data=lambda ids=ids: _ids_file(ids),
            file_name=f"{name}.npy",
            mime="application/octet-stream",
            key=f"transformer_dl_{name}",
            on_click="ignore",
        )


def _downloads(run: PartRun) -> None:
    st.caption(t("attention.transformer.downloads"))
    downloads("encoder_self_attention", run.encoder.weights, "transformer_dl_enc")
    downloads("decoder_self_attention", run.masked.weights, "transformer_dl_self")
    downloads("cross_attention", run.cross.weights, "transformer_dl_cross")


def transformer_part(s: Settings) -> None:
    explain(t("attention.transformer.idea"), CROSS_EQUATION)
    _text_boxes()
    s = current()
    pairs = cached_pairs(s.source, s.target)
    if not _notes(pairs):
        return
    size_controls("pe")  # not the causal switch: the decoder is always causal, the encoder never
    s = current()
    if not fits_budget(s, pairs):
        return
    run = part_run(s)
    _flow(run, s)
    b, h = _pickers(pairs, s.att_heads)
    _shifted(run, b)
    _maps(run, b, h, s.present)
    _masks(run, s.present)
    _code(run, current(), b, h)
    _downloads(run)
