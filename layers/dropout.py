"""Dropout: in training, zero each value with probability p and scale the survivors by 1/(1−p).

    mask = (u ≥ p),  u ~ U[0, 1)        out = x ⊙ mask / (1 − p)        (eval: out = x)

The scaling keeps every value's expectation unchanged, E[out] = x, so nothing needs rescaling
at inference. The uniforms u depend only on (seed, shape), so raising p drops a superset of
what a lower p dropped: the mask changes smoothly as a slider moves instead of flickering.
`per_feature=True` draws one u per (sentence, feature) and drops whole features across all
tokens, like Keras' `noise_shape=(B, 1, D)` or PyTorch's `Dropout1d` on (B, D, T).

Reference: Srivastava et al. (2014) Dropout; torch.nn.Dropout; Keras `layers.Dropout`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ._core import Layer, default_generator, make_generator


@dataclass(frozen=True)
class DropoutTrace:
    mask: torch.Tensor  # bool, same shape as x: True where the value survives
    scale: float  # 1/(1−p) in training, 1 in eval
    out: torch.Tensor


def _check_p(p: float) -> float:
    p = float(p)
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ValueError(f"the dropout rate p must lie between 0 and 1, got {p!r}")
    return p


class Dropout(Layer):
    """Zeros values at rate p while training; the identity in eval."""

    def __init__(
        self,
        p: float = 0.5,
        *,
        per_feature: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.p = _check_p(p)
        self.per_feature = bool(per_feature)
        # One number from the construction generator fixes the uniforms for every shape.
        source = default_generator(generator, "Dropout")
        self.seed = int(torch.randint(0, 2**62, (1,), generator=source))

    @classmethod
    def from_torch(cls, module: nn.Dropout, *, generator: torch.Generator | None = None):
        """Same rate and train/eval mode; the mask comes from our generator, not torch's."""
        return cls(module.p, generator=generator).train(module.training)

    def uniforms(self, shape: tuple[int, ...]) -> torch.Tensor:
        """The u ~ U[0, 1) behind the mask: the same for the same (seed, shape)."""
        return torch.rand(shape, generator=make_generator(self.seed, f"mask{tuple(shape)}"))

    def forward(
        self, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, DropoutTrace]:
        """A `generator` draws fresh uniforms (a new mask each training step)."""
        if not self.training or self.p == 0.0:
            return x, DropoutTrace(mask=torch.ones_like(x, dtype=torch.bool), scale=1.0, out=x)
        shape = tuple(x.shape)
        if self.per_feature:
            if x.dim() != 3:
                raise ValueError(f"per-feature dropout expects (B, T, D), got {tuple(x.shape)}")
            shape = (x.shape[0], 1, x.shape[2])  # one draw per sentence and feature
        u = self.uniforms(shape) if generator is None else torch.rand(shape, generator=generator)
        mask = (u >= self.p).expand(x.shape)  # keep u ≥ p: raising p removes a superset
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        out = x * mask * scale  # survivors scaled so that E[out] = x
        return out, DropoutTrace(mask=mask, scale=scale, out=out)

    def extra_repr(self) -> str:
        return f"p={self.p}, per_feature={self.per_feature}"
