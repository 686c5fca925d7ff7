"""Embedding: each token id picks one row of a learned (V, D) table.

    out[b, t] = W[ids[b, t]]        which equals   one_hot(ids)[b, t] @ W

The lookup is a matrix product with a one-hot vector, done without building the one-hot.
Reference: torch.nn.Embedding; Keras `layers.Embedding`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ._core import Layer, default_generator, positive_int


@dataclass(frozen=True)
class EmbeddingTrace:
    ids: torch.Tensor  # (B, T) the ids looked up
    out: torch.Tensor  # (B, T, D)


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
        if ids.is_floating_point() or ids.dtype == torch.bool:
            raise ValueError(f"Embedding expects integer token ids, got {ids.dtype}")
        B, T = ids.shape
        V = self.num_embeddings
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= V):
            raise ValueError(
                f"token id {int(ids.max()) if int(ids.max()) >= V else int(ids.min())} is outside "
                f"the table of {V} rows (ids 0…{V - 1}); make the vocabulary V larger"
            )
        out = self.weight[ids]  # (B, T) -> (B, T, D)
        return out, EmbeddingTrace(ids=ids, out=out)

    def extra_repr(self) -> str:
        return f"V={self.num_embeddings}, D={self.embedding_dim}"
