"""A stack of blocks, run on a batch of sentences: the "Follow a sentence" pipeline.

    text ─Tokenizer─▶ ids (B, T) ─embed─▶ (B, T, D) ─block─▶ … ─block─▶ output

One line of text is one sentence; several lines make a batch, padded with `pad_sequences`
(Keras' default, padding="pre"), which also gives attention its key padding mask. Each block
reads the width its predecessor produced, so an LSTM of U units makes the next block U wide.

A stack that cannot work (attention after a block that returns one vector per sentence, a
residual Add of two different shapes, heads that do not divide the width) is not an exception
here: the run stops at that block and returns a `Problem` with a code and the values a message
needs, so the app can explain it in the reader's language and say what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from ._core import divisors, make_generator
from .attention import MultiHeadAttention
from .blocks import AddNorm, TransformerEncoderBlock
from .dropout import Dropout
from .embedding import Embedding
from .feedforward import FeedForward
from .normalization import BatchNorm1d, LayerNorm
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from .text import KERAS_FILTERS, Tokenizer, pad_sequences

PAD = "<pad>"
MAX_LINES = 64  # sentences in one batch
MAX_TOKENS = 512  # tokens kept per sentence
MAX_BLOCKS = 12

RECURRENT = {"rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}
KINDS = (
    "embed",
    "rnn",
    "lstm",
    "gru",
    "layernorm",
    "batchnorm",
    "dropout",
    "attention",
    "addnorm",
    "ffn",
    "encoder",
)
NEEDS_SEQUENCE = {"rnn", "lstm", "gru", "attention", "encoder", "ffn"}


@dataclass(frozen=True)
class BlockSpec:
    """One block of a stack, named as in lesson links: `lstm`, `bilstm`, `lstm-last`, …"""

    kind: str
    bidirectional: bool = False
    return_sequences: bool = True

    @property
    def name(self) -> str:
        if self.kind not in RECURRENT:
            return self.kind
        prefix = "bi" if self.bidirectional else ""
        return prefix + self.kind + ("" if self.return_sequences else "-last")

    @classmethod
    def parse(cls, name: str) -> BlockSpec:
        """`bigru-last` -> BlockSpec("gru", bidirectional=True, return_sequences=False)."""
        text = name.strip().lower()
        last = text.endswith("-last")
        text = text.removesuffix("-last")
        bidirectional = text.startswith("bi") and text[2:] in RECURRENT
        kind = text[2:] if bidirectional else text
        if kind not in KINDS or ((bidirectional or last) and kind not in RECURRENT):
            raise ValueError(f"unknown block {name!r}")
        return cls(kind, bidirectional, not last)


def parse_stack(names: str | list[str] | tuple[str, ...]) -> tuple[BlockSpec, ...]:
    """'embed,lstm,attention' -> specs; ValueError naming the first unknown block."""
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    return tuple(BlockSpec.parse(n) for n in names)


def attention_widths(specs: tuple[BlockSpec, ...], d_model: int, units: int) -> list[int]:
    """The width that reaches each attention (or encoder) block: heads must divide it."""
    width, widths = d_model, []
    for spec in specs:
        if spec.kind in RECURRENT:
            width = units * (2 if spec.bidirectional else 1)
        elif spec.kind in ("attention", "encoder"):
            widths.append(width)
    return widths


@dataclass(frozen=True)
class Problem:
    """Why the stack stops at block `index`: a message code and the values it needs."""

    code: str
    index: int
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """Sentences as tokens and ids, padded to one length."""

    tokens: list[list[str]]  # B lists of T labels, PAD where padded
    ids: torch.Tensor  # (B, T) int64
    padding_mask: torch.Tensor  # (B, T) bool, True at padding
    word_index: dict[str, int]
    skipped_lines: list[int]  # 1-based numbers of lines without a single word
    truncated_lines: list[int]  # 1-based numbers of lines cut to MAX_TOKENS
    dropped_lines: int  # lines beyond MAX_LINES

    @property
    def vocab_size(self) -> int:
        return len(self.word_index) + 1  # index 0 is padding


def tokenize_batch(
    text: str,
    *,
    max_lines: int = MAX_LINES,
    max_tokens: int = MAX_TOKENS,
    filters: str = KERAS_FILTERS,
) -> Batch:
    """One sentence per non-empty line; a Keras Tokenizer fitted on the text itself
    (`filters=""` keeps punctuation typed apart, "it ?", as a word)."""
    lines = [line for line in text.splitlines() if line.strip()]
    dropped = max(0, len(lines) - max_lines)
    lines = lines[:max_lines]
    tokenizer = Tokenizer(filters=filters).fit_on_texts(lines)
    sequences = tokenizer.texts_to_sequences(lines)
    skipped = [n for n, seq in enumerate(sequences, start=1) if not seq]
    truncated = [n for n, seq in enumerate(sequences, start=1) if len(seq) > max_tokens]
    kept = [seq for seq in sequences if seq]
    T = min(max((len(seq) for seq in kept), default=0), max_tokens)
    ids = torch.as_tensor(
        pad_sequences(kept, maxlen=T, padding="pre", truncating="post"), dtype=torch.long
    )  # (B, T)
    tokens = [[tokenizer.index_word[i] if i else PAD for i in row] for row in ids.tolist()]
    return Batch(
        tokens=tokens,
        ids=ids,
        padding_mask=ids == 0,
        word_index=dict(tokenizer.word_index),
        skipped_lines=skipped,
        truncated_lines=truncated,
        dropped_lines=dropped,
    )


@dataclass(frozen=True)
class BlockResult:
    index: int
    spec: BlockSpec
    layer: torch.nn.Module
    input: torch.Tensor
    output: torch.Tensor
    trace: Any
    params: int  # as PyTorch counts them
    keras_params: int  # as Keras' model.summary() counts them


@dataclass(frozen=True)
class StackResult:
    batch: Batch
    blocks: list[BlockResult]
    problem: Problem | None  # set when the stack stops before its last block


def _keras_params(spec: BlockSpec, layer: torch.nn.Module, width: int) -> int:
    """Keras keeps one recurrent bias where PyTorch keeps two, and counts BatchNorm's moving
    mean and variance (non-trainable) as parameters."""
    if spec.kind in RECURRENT:
        return layer.keras_param_count()
    if spec.kind == "batchnorm":
        return 4 * width
    return layer.param_count()


def run_stack(
    batch: Batch,
    specs: tuple[BlockSpec, ...],
    *,
    d_model: int,
    heads: int,
    units: int,
    p: float,
    training: bool,
    gamma: float,
    beta: float,
    eps: float,
    seed: int,
    causal: bool = False,
) -> StackResult:
    """Run the blocks in order; stop with a Problem at the first block that cannot run."""
    results: list[BlockResult] = []

    def stop(code: str, index: int, **values: Any) -> StackResult:
        return StackResult(batch, results, Problem(code, index, values))

    if not specs:
        return stop("empty_stack", 0)
    if len(specs) > MAX_BLOCKS:
        return stop("too_many_blocks", MAX_BLOCKS, limit=MAX_BLOCKS)
    if batch.ids.numel() == 0:
        return stop("no_words", 0)
    if specs[0].kind != "embed":
        return stop("embed_first", 0, block=specs[0].name)

    x: torch.Tensor = batch.ids
    previous_input: torch.Tensor | None = None
    with torch.no_grad():
        for index, spec in enumerate(specs):
            g = make_generator(seed, f"block{index}:{spec.name}")
            width = x.shape[-1]
            is_sequence = x.dim() == 3
            if spec.kind == "embed" and index > 0:
                return stop("embed_again", index)
            if spec.kind in NEEDS_SEQUENCE and not is_sequence:
                return stop(
                    "needs_sequence",
                    index,
                    block=spec.name,
                    previous=specs[index - 1].name,
                    m=index,  # the previous block's number, counting from 1
                    shape=tuple(x.shape),
                )
            if spec.kind in ("attention", "encoder") and width % heads:
                return stop(
                    "heads_divide",
                    index,
                    block=spec.name,
                    width=width,
                    heads=heads,
                    options=", ".join(map(str, divisors(width))),
                )
            if spec.kind == "addnorm" and (
                previous_input is None or previous_input.shape != x.shape
            ):
                return stop(
                    "add_shapes",
                    index,
                    previous=specs[index - 1].name,
                    m=index,
                    a=tuple(previous_input.shape) if previous_input is not None else (),
                    b=tuple(x.shape),
                )
            if spec.kind == "batchnorm" and training and x.numel() // width < 2:
                return stop("batch_too_small", index)

            layer, call = _build(
                spec,
                x,
                g,
                d_model=d_model,
                heads=heads,
                units=units,
                p=p,
                gamma=gamma,
                beta=beta,
                eps=eps,
                batch=batch,
                causal=causal,
                residual=previous_input,
            )
            layer.train(training)
            out, trace = call(layer)
            results.append(
                BlockResult(
                    index=index,
                    spec=spec,
                    layer=layer,
                    input=x,
                    output=out,
                    trace=trace,
                    params=layer.param_count(),
                    keras_params=_keras_params(spec, layer, width),
                )
            )
            previous_input, x = x, out
    return StackResult(batch, results, None)


def _set_affine(norm: torch.nn.Module, gamma: float, beta: float) -> None:
    norm.gamma.fill_(gamma)
    norm.beta.fill_(beta)


def _build(spec, x, g, *, d_model, heads, units, p, gamma, beta, eps, batch, causal, residual):
    """The layer for one block, and how to call it on x."""
    width = x.shape[-1]
    kind = spec.kind
    if kind == "embed":
        layer = Embedding(batch.vocab_size, d_model, generator=g)
        return layer, lambda m: m(x)
    if kind in RECURRENT:
        layer = RECURRENT[kind](width, units, spec.return_sequences, generator=g)
        if spec.bidirectional:
            layer = Bidirectional(layer, generator=g)
        return layer, lambda m: m(x)
    if kind == "layernorm":
        layer = LayerNorm(width, eps=eps)
        _set_affine(layer, gamma, beta)
        return layer, lambda m: m(x)
    if kind == "batchnorm":
        layer = BatchNorm1d(width, eps=eps)
        _set_affine(layer, gamma, beta)
        return layer, lambda m: m(x)
    if kind == "dropout":
        return Dropout(p, generator=g), lambda m: m(x)
    if kind == "attention":
        layer = MultiHeadAttention(width, heads, generator=g)
        return layer, lambda m: m(x, causal=causal, key_padding_mask=batch.padding_mask)
    if kind == "addnorm":
        layer = AddNorm(width, eps=eps, generator=g)
        _set_affine(layer.norm, gamma, beta)
        return layer, lambda m: m(residual, x)
    if kind == "ffn":
        return FeedForward(width, 4 * width, generator=g), lambda m: m(x)
    if kind == "encoder":
        layer = TransformerEncoderBlock(width, heads, 4 * width, dropout=p, eps=eps, generator=g)
        for norm in (layer.add_norm1.norm, layer.add_norm2.norm):
            _set_affine(norm, gamma, beta)
        return layer, lambda m: m(x, key_padding_mask=batch.padding_mask, causal=causal)
    raise ValueError(f"unknown block {kind!r}")  # parse_stack lets no other kind through
