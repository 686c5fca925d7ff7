"""Multi-head attention: every query token takes a weighted average of the value vectors.

    Q = x Wqᵀ + bq,  K = m Wkᵀ + bk,  V = m Wvᵀ + bv      (m = x for self-attention)
    split D into H heads of Dh = D / H features
    scores  = Q Kᵀ / √Dh                                  (B, H, T, S)
    weights = softmax(scores + mask) over the keys S      each row sums to 1
    out     = concat_heads(weights V) Woᵀ + bo            (B, T, D)

Dividing by √Dh keeps the scores' spread near 1 whatever the head width, so the softmax does
not saturate; `scaled=False` switches it off to show why. A causal mask hides later tokens
(decoders); a key padding mask hides padding. A query that every mask hides gets all-zero
weights here, where PyTorch returns NaN: it attends to nothing.

References: Vaswani et al. (2017) Attention Is All You Need; torch.nn.MultiheadAttention;
Keras `layers.MultiHeadAttention`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ._core import Layer, check_shape, default_generator, divisors, linear, or_list, positive_int


@dataclass(frozen=True)
class AttentionTrace:
    q: torch.Tensor  # (B, H, T, Dh)
    k: torch.Tensor  # (B, H, S, Dh)
    v: torch.Tensor  # (B, H, S, Dh)
    scores: torch.Tensor  # (B, H, T, S) Q Kᵀ (/ √Dh when scaled), before masking and softmax
    mask: torch.Tensor  # (B, 1, T, S) bool, True where a key is hidden from a query
    weights: torch.Tensor  # (B, H, T, S) softmax over S; rows sum to 1 (or 0 if all hidden)
    context: torch.Tensor  # (B, T, D) the heads' weighted values, concatenated
    out: torch.Tensor  # (B, T, D) after the output projection


def row_entropy(weights: torch.Tensor) -> torch.Tensor:
    """Entropy in nats of each row of attention weights, (..., T, S) -> (..., T).

    −Σⱼ wⱼ ln wⱼ, with 0 · ln 0 = 0: ln S for a row spread evenly over S keys, 0 for a row on
    one key (a saturated softmax), and 0 for a row that every mask hides.
    """
    terms = torch.where(weights > 0, weights * torch.log(weights), torch.zeros_like(weights))
    return -terms.sum(dim=-1)


def causal_mask(T: int, S: int | None = None) -> torch.Tensor:
    """(T, S) bool, True above the diagonal: query t may not look at keys after t."""
    S = T if S is None else S
    return torch.ones(T, S, dtype=torch.bool).triu(diagonal=1)


class MultiHeadAttention(Layer):
    """H heads of scaled dot-product attention with input and output projections."""

    def __init__(
        self, d_model: int, num_heads: int, *, generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        self.d_model = positive_int(d_model, "d_model (D)")
        self.num_heads = positive_int(num_heads, "num_heads (H)")
        if d_model % num_heads:
            raise ValueError(
                f"width {d_model} is not divisible by {num_heads} heads; "
                f"try {or_list(divisors(d_model))}"
            )
        D = d_model
        generator = default_generator(generator, "MultiHeadAttention")
        # PyTorch's init: Xavier-uniform over the stacked (3D, D) input projection, zero biases.
        in_proj = torch.empty(3 * D, D)
        bound = math.sqrt(6.0 / (3 * D + D))
        in_proj.uniform_(-bound, bound, generator=generator)
        w_q, w_k, w_v = in_proj.chunk(3)
        self.w_q, self.w_k, self.w_v = (nn.Parameter(w.clone()) for w in (w_q, w_k, w_v))
        self.b_q, self.b_k, self.b_v = (nn.Parameter(torch.zeros(D)) for _ in range(3))
        self.w_o = nn.Parameter(
            torch.empty(D, D).uniform_(-1 / math.sqrt(D), 1 / math.sqrt(D), generator=generator)
        )
        self.b_o = nn.Parameter(torch.zeros(D))

    @classmethod
    def from_torch(cls, module: nn.MultiheadAttention) -> MultiHeadAttention:
        if not module._qkv_same_embed_dim or module.in_proj_bias is None:
            raise ValueError("MultiHeadAttention mirrors modules with kdim = vdim = D and biases")
        if module.bias_k is not None or module.add_zero_attn:
            raise ValueError("MultiHeadAttention does not model add_bias_kv or add_zero_attn")
        layer = cls(module.embed_dim, module.num_heads)
        with torch.no_grad():
            for ours, theirs in zip(
                (layer.w_q, layer.w_k, layer.w_v), module.in_proj_weight.chunk(3), strict=True
            ):
                ours.copy_(theirs)
            for ours, theirs in zip(
                (layer.b_q, layer.b_k, layer.b_v), module.in_proj_bias.chunk(3), strict=True
            ):
                ours.copy_(theirs)
            layer.w_o.copy_(module.out_proj.weight)
            layer.b_o.copy_(module.out_proj.bias)
        return layer

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor | None = None,
        value: torch.Tensor | None = None,
        *,
        causal: bool = False,
        key_padding_mask: torch.Tensor | None = None,
        scaled: bool = True,
    ) -> tuple[torch.Tensor, AttentionTrace]:
        """Self-attention with `query` alone; cross-attention with `key` (and `value`) given.

        `key_padding_mask` (B, S) bool: True marks padding that no query may look at.
        """
        D, H = self.d_model, self.num_heads
        key = query if key is None else key
        value = key if value is None else value
        check_shape(query, ("B", "T", D), "MultiHeadAttention (query)")
        check_shape(key, ("B", "S", D), "MultiHeadAttention (key)")
        check_shape(value, ("B", "S", D), "MultiHeadAttention (value)")
        B, T, _ = query.shape
        S = key.shape[1]
        if key.shape[0] != B or value.shape[:2] != key.shape[:2]:
            raise ValueError(
                f"query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                f"{tuple(value.shape)} must share B, and key and value must share S"
            )
        Dh = D // H

        def split_heads(x: torch.Tensor) -> torch.Tensor:
            return x.reshape(B, -1, H, Dh).transpose(1, 2)  # (B, L, D) -> (B, H, L, Dh)

        q = split_heads(linear(query, self.w_q, self.b_q))  # (B, T, D) -> (B, H, T, Dh)
        k = split_heads(linear(key, self.w_k, self.b_k))  # (B, S, D) -> (B, H, S, Dh)
        v = split_heads(linear(value, self.w_v, self.b_v))  # (B, S, D) -> (B, H, S, Dh)

        scores = q @ k.transpose(-2, -1)  # (B, H, T, Dh) @ (B, H, Dh, S) -> (B, H, T, S)
        if scaled:
            scores = scores / math.sqrt(Dh)  # keeps the spread of scores near 1

        mask = torch.zeros(B, 1, T, S, dtype=torch.bool)  # (B, 1, T, S), True = hidden
        if causal:
            mask = mask | causal_mask(T, S)
        if key_padding_mask is not None:
            key_padding_mask = torch.as_tensor(key_padding_mask)
            if key_padding_mask.dtype != torch.bool or tuple(key_padding_mask.shape) != (B, S):
                raise ValueError(
                    f"key_padding_mask must be a bool tensor of shape (B, S) = {(B, S)}, "
                    f"got {key_padding_mask.dtype} {tuple(key_padding_mask.shape)}"
                )
            mask = mask | key_padding_mask[:, None, None, :]  # (B, S) -> (B, 1, 1, S)

        # Softmax over the visible keys, written out; hidden keys get weight exactly 0.
        masked = scores.masked_fill(mask, float("-inf"))
        row_max = masked.amax(dim=-1, keepdim=True)
        row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))
        exp = torch.exp(masked - row_max)  # subtracting the max keeps exp from overflowing
        total = exp.sum(dim=-1, keepdim=True)
        weights = exp / torch.where(total > 0, total, torch.ones_like(total))  # (B, H, T, S)

        heads = weights @ v  # (B, H, T, S) @ (B, H, S, Dh) -> (B, H, T, Dh)
        context = heads.transpose(1, 2).reshape(B, T, D)  # (B, H, T, Dh) -> (B, T, D)
        out = linear(context, self.w_o, self.b_o)  # (B, T, D)
        return out, AttentionTrace(
            q=q, k=k, v=v, scores=scores, mask=mask, weights=weights, context=context, out=out
        )

    def keras_weights(self) -> dict[str, torch.Tensor]:
        """The weights in Keras' `MultiHeadAttention` layout, in its `get_weights()` order.

        Keras keeps each projection as an EinsumDense with a per-head kernel: query, key and
        value kernels (D, H, Dh) with biases (H, Dh), the output kernel (H, Dh, D) with bias (D,).
        PyTorch's (out, in) rows are head-major (row h·Dh + d), so a transpose and a reshape
        give Keras' layout, the same numbers.
        """
        D, H = self.d_model, self.num_heads
        Dh = D // H
        weights = {}
        for name, w, b in (
            ("query", self.w_q, self.b_q),
            ("key", self.w_k, self.b_k),
            ("value", self.w_v, self.b_v),
        ):
            weights[f"{name}/kernel"] = w.detach().T.reshape(D, H, Dh)  # (D, D) -> (D, H, Dh)
            weights[f"{name}/bias"] = b.detach().reshape(H, Dh)  # (D,) -> (H, Dh)
        weights["attention_output/kernel"] = self.w_o.detach().T.reshape(H, Dh, D)  # (H, Dh, D)
        weights["attention_output/bias"] = self.b_o.detach().clone()  # (D,)
        return weights

    def keras_param_count(self) -> int:
        """What Keras' summary() counts: the same 4·(D² + D) numbers, in another layout."""
        return sum(w.numel() for w in self.keras_weights().values())

    def extra_repr(self) -> str:
        return f"D={self.d_model}, H={self.num_heads}, Dh={self.d_model // self.num_heads}"
