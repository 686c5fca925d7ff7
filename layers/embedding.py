"""Embedding: each token id picks one row of a learned (V, D) table.

    out[b, t] = W[ids[b, t]]        which equals   one_hot(ids)[b, t] @ W

The lookup is a matrix product with a one-hot vector, done without building the one-hot.

The table is learned: its gradient is the same product read backwards. Row v collects the
upstream gradient of every position that looked it up, and rows nobody looked up get nothing:

    ∂L/∂W[v] = Σ_{(b, t) : ids[b, t] = v} ∂L/∂out[b, t]        (= one_hot(ids)ᵀ @ ∂L/∂out)

The ids themselves are integers, a choice of row rather than a quantity: they have no gradient,
and torch refuses `requires_grad` on them. The table does.
Reference: torch.nn.Embedding; Keras `layers.Embedding`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ._core import Layer, check_shape, default_generator, positive_int


@dataclass(frozen=True)
class EmbeddingTrace:
    ids: torch.Tensor  # (B, T) the ids looked up
    out: torch.Tensor  # (B, T, D)


@dataclass(frozen=True)
class EmbeddingGrad:
    grad: torch.Tensor  # (V, D) ∂L/∂W: the sum of the upstream rows that looked up each row
    used: torch.Tensor  # (V,) bool: rows some position looked up (all others have zero gradient)
    counts: torch.Tensor  # (V,) int64: how many positions looked up each row


def _check_ids(ids: torch.Tensor, V: int, what: str) -> None:
    """Integer ids inside the table, or a ValueError that says what to change."""
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"{what} expects integer token ids, got {ids.dtype}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= V):
        raise ValueError(
            f"token id {int(ids.max()) if int(ids.max()) >= V else int(ids.min())} is outside "
            f"the table of {V} rows (ids 0…{V - 1}); make the vocabulary V larger"
        )


def embedding_backward(
    ids: torch.Tensor, upstream: torch.Tensor, num_embeddings: int
) -> torch.Tensor:
    """∂L/∂W (V, D) from ids (B, T) and ∂L/∂out (B, T, D): a scatter-add of upstream rows."""
    V = positive_int(num_embeddings, "num_embeddings (V)")
    ids = torch.as_tensor(ids)
    check_shape(ids, ("B", "T"), "embedding_backward (ids)")
    B, T = ids.shape
    check_shape(upstream, (B, T, "D"), "embedding_backward (upstream)")
    D = upstream.shape[-1]
    _check_ids(ids, V, "embedding_backward")
    grad = torch.zeros(V, D, dtype=upstream.dtype, device=upstream.device)  # (V, D)
    # index_add_ adds every row whose id repeats: a word used twice gets both contributions.
    grad.index_add_(0, ids.reshape(B * T).long(), upstream.reshape(B * T, D))  # (B·T, D) -> (V, D)
    return grad


def embedding_grad(ids: torch.Tensor, upstream: torch.Tensor, num_embeddings: int) -> EmbeddingGrad:
    """`embedding_backward` with the rows it touched: used (V,) and how often, counts (V,)."""
    grad = embedding_backward(ids, upstream, num_embeddings)  # (V, D)
    counts = torch.bincount(torch.as_tensor(ids).reshape(-1).long(), minlength=num_embeddings)
    return EmbeddingGrad(grad=grad, used=counts > 0, counts=counts)  # (V,), (V,)


class Embedding(Layer):
    """A (V, D) table of token vectors, initialised N(0, 1) as in PyTorch."""

    def __init__(
        self, num_embeddings: int, embedding_dim: int, *, generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        self.num_embeddings = positive_int(num_embeddings, "num_embeddings (V)")
        self.embedding_dim = positive_int(embedding_dim, "embedding_dim (D)")
        generator = default_generator(generator, "Embedding")
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim, generator=generator))

    @classmethod
    def from_torch(cls, module: nn.Embedding) -> Embedding:
        layer = cls(module.num_embeddings, module.embedding_dim)
        with torch.no_grad():
            layer.weight.copy_(module.weight)
        return layer

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, EmbeddingTrace]:
        ids = torch.as_tensor(ids)
        if ids.dim() != 2:
            raise ValueError(f"Embedding expects ids of shape (B, T), got {tuple(ids.shape)}")
        B, T = ids.shape
        _check_ids(ids, self.num_embeddings, "Embedding")
        # Row lookup. index_select, not weight[ids]: its backward (index_add) sums a repeated
        # id's gradients in a fixed order, while weight[ids]'s (index_put with accumulate)
        # sums them in whatever order two threads finish: training gave other last digits.
        out = self.weight.index_select(0, ids.reshape(-1)).reshape(B, T, -1)  # (B, T) -> (B, T, D)
        return out, EmbeddingTrace(ids=ids, out=out)

    def extra_repr(self) -> str:
        return f"V={self.num_embeddings}, D={self.embedding_dim}"
