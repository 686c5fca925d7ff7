"""Residual connections and whole Transformer blocks (post-norm, as in the original paper).

    Add:       out = a + b                         (shapes must match exactly, as in Keras)
    AddNorm:   out = LayerNorm(x + Dropout(sublayer(x)))
    Encoder:   x = AddNorm(x, SelfAttention(x));  x = AddNorm(x, FFN(x))
    Decoder:   x = AddNorm(x, SelfAttention(x));  x = AddNorm(x, CrossAttention(x, memory))
               x = AddNorm(x, FFN(x))

The residual path lets the signal (and the gradient) skip each sublayer; the LayerNorm after
the sum keeps every token's features at mean 0 and variance 1 before γ and β.

A decoder that generates text masks its self-attention causally (each token sees itself and the
tokens before it); like nn.TransformerDecoderLayer, the block applies that mask only when asked.

References: He et al. (2016) Deep Residual Learning; Vaswani et al. (2017) §3.1;
torch.nn.TransformerEncoderLayer / TransformerDecoderLayer (norm_first=False, the default).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ._core import Layer, default_generator
from .attention import AttentionTrace, MultiHeadAttention
from .dropout import Dropout
from .feedforward import FeedForward, FeedForwardTrace
from .normalization import LayerNorm, NormTrace


@dataclass(frozen=True)
class AddTrace:
    out: torch.Tensor  # a + b


@dataclass(frozen=True)
class AddNormTrace:
    residual: torch.Tensor  # (B, T, D) x, the path that skips the sublayer
    sublayer: torch.Tensor  # (B, T, D) the sublayer's output after dropout
    sum: torch.Tensor  # (B, T, D) x + sublayer
    norm: NormTrace  # LayerNorm of the sum; norm.out is the block's output


@dataclass(frozen=True)
class EncoderTrace:
    self_attention: AttentionTrace
    add_norm1: AddNormTrace
    feed_forward: FeedForwardTrace
    add_norm2: AddNormTrace


@dataclass(frozen=True)
class DecoderTrace:
    self_attention: AttentionTrace  # with causal=True each token sees itself and earlier ones
    add_norm1: AddNormTrace
    cross_attention: AttentionTrace  # queries from the decoder, keys and values from memory
    add_norm2: AddNormTrace
    feed_forward: FeedForwardTrace
    add_norm3: AddNormTrace


class Add(Layer):
    """Element-wise sum for residual connections; no broadcasting, like Keras' Add.

    It has no weights, so there is no torch.nn twin to copy; its parity is with `a + b`.
    """

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, AddTrace]:
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(
                f"Add needs inputs of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}; "
                "a residual connection only works when the sublayer keeps the shape "
                "(match the widths, or keep return_sequences=True)"
            )
        out = a + b
        return out, AddTrace(out=out)


class AddNorm(Layer):
    """Residual sum then LayerNorm: LayerNorm(x + Dropout(sublayer_out))."""

    def __init__(
        self,
        d_model: int,
        eps: float = 1e-5,
        dropout: float = 0.0,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.add = Add()
        self.dropout = Dropout(dropout, generator=default_generator(generator, "AddNorm"))
        self.norm = LayerNorm(d_model, eps=eps)

    @classmethod
    def from_torch(cls, module: nn.LayerNorm, dropout: nn.Dropout | None = None) -> AddNorm:
        """Copy the LayerNorm (and the dropout rate) that follows a residual sum."""
        layer = cls(module.normalized_shape[-1], eps=module.eps)
        layer.norm = LayerNorm.from_torch(module)
        if dropout is not None:
            layer.dropout = Dropout.from_torch(dropout)
        return layer

    def forward(
        self, x: torch.Tensor, sublayer_out: torch.Tensor
    ) -> tuple[torch.Tensor, AddNormTrace]:
        dropped, _ = self.dropout(sublayer_out)
        total, _ = self.add(x, dropped)  # (B, T, D) + (B, T, D)
        out, norm_trace = self.norm(total)  # (B, T, D)
        return out, AddNormTrace(residual=x, sublayer=dropped, sum=total, norm=norm_trace)


def _torch_block_settings(module: nn.Module) -> dict:
    """Sizes and options of a torch.nn Transformer layer, refusing what we do not model."""
    if module.norm_first:
        raise ValueError("the blocks here are post-norm; the module has norm_first=True")
    activation = getattr(module.activation, "__name__", type(module.activation).__name__).lower()
    if activation not in ("relu", "gelu"):
        raise ValueError(f"unsupported activation {activation!r}; use relu or gelu")
    return {
        "d_model": module.linear1.in_features,
        "num_heads": module.self_attn.num_heads,
        "d_ff": module.linear1.out_features,
        "dropout": module.dropout.p,
        "activation": activation,
        "eps": module.norm1.eps,
    }


class TransformerEncoderBlock(Layer):
    """Self-attention and a feed-forward network, each wrapped in Add & Norm."""

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        activation: str = "relu",
        eps: float = 1e-5,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        g = default_generator(generator, type(self).__name__)
        self.self_attention = MultiHeadAttention(d_model, num_heads, generator=g)
        self.add_norm1 = AddNorm(d_model, eps, dropout, generator=g)
        self.feed_forward = FeedForward(d_model, d_ff, activation, dropout, generator=g)
        self.add_norm2 = AddNorm(d_model, eps, dropout, generator=g)

    @classmethod
    def from_torch(cls, module: nn.TransformerEncoderLayer) -> TransformerEncoderBlock:
        block = cls(**_torch_block_settings(module))
        block.self_attention = MultiHeadAttention.from_torch(module.self_attn)
        block.add_norm1 = AddNorm.from_torch(module.norm1, module.dropout1)
        block.feed_forward = FeedForward.from_linears(
            module.linear1, module.linear2, block.feed_forward.activation, module.dropout.p
        )
        block.add_norm2 = AddNorm.from_torch(module.norm2, module.dropout2)
        return block.train(module.training)

    def forward(
        self,
        x: torch.Tensor,
        *,
        key_padding_mask: torch.Tensor | None = None,
        causal: bool = False,
    ) -> tuple[torch.Tensor, EncoderTrace]:
        B, T, D = x.shape
        a, attention = self.self_attention(x, causal=causal, key_padding_mask=key_padding_mask)
        x, add_norm1 = self.add_norm1(x, a)  # (B, T, D)
        f, feed_forward = self.feed_forward(x)  # (B, T, D) -> (B, T, F) -> (B, T, D)
        x, add_norm2 = self.add_norm2(x, f)  # (B, T, D)
        return x, EncoderTrace(attention, add_norm1, feed_forward, add_norm2)


class TransformerDecoderBlock(Layer):
    """Self-attention, cross-attention over the encoder's memory, feed-forward.

    As in nn.TransformerDecoderLayer, no mask is applied unless asked for: a decoder that
    generates text passes `causal=True` (the attention page and a translation model do).
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        activation: str = "relu",
        eps: float = 1e-5,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        g = default_generator(generator, type(self).__name__)
        self.self_attention = MultiHeadAttention(d_model, num_heads, generator=g)
        self.add_norm1 = AddNorm(d_model, eps, dropout, generator=g)
        self.cross_attention = MultiHeadAttention(d_model, num_heads, generator=g)
        self.add_norm2 = AddNorm(d_model, eps, dropout, generator=g)
        self.feed_forward = FeedForward(d_model, d_ff, activation, dropout, generator=g)
        self.add_norm3 = AddNorm(d_model, eps, dropout, generator=g)

    @classmethod
    def from_torch(cls, module: nn.TransformerDecoderLayer) -> TransformerDecoderBlock:
        block = cls(**_torch_block_settings(module))
        block.self_attention = MultiHeadAttention.from_torch(module.self_attn)
        block.add_norm1 = AddNorm.from_torch(module.norm1, module.dropout1)
        block.cross_attention = MultiHeadAttention.from_torch(module.multihead_attn)
        block.add_norm2 = AddNorm.from_torch(module.norm2, module.dropout2)
        block.feed_forward = FeedForward.from_linears(
            module.linear1, module.linear2, block.feed_forward.activation, module.dropout.p
        )
        block.add_norm3 = AddNorm.from_torch(module.norm3, module.dropout3)
        return block.train(module.training)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        *,
        causal: bool = False,
        key_padding_mask: torch.Tensor | None = None,
        memory_key_padding_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, DecoderTrace]:
        """x (B, T, D) is the target so far, memory (B, S, D) the encoder's output."""
        B, T, D = x.shape
        a, self_attention = self.self_attention(x, causal=causal, key_padding_mask=key_padding_mask)
        x, add_norm1 = self.add_norm1(x, a)  # (B, T, D)
        c, cross_attention = self.cross_attention(
            x, memory, key_padding_mask=memory_key_padding_mask
        )  # queries (B, T, D) over memory (B, S, D) -> (B, T, D)
        x, add_norm2 = self.add_norm2(x, c)  # (B, T, D)
        f, feed_forward = self.feed_forward(x)  # (B, T, D)
        x, add_norm3 = self.add_norm3(x, f)  # (B, T, D)
        return x, DecoderTrace(
            self_attention, add_norm1, cross_attention, add_norm2, feed_forward, add_norm3
        )
