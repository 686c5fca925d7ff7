"""The position-wise feed-forward block: widen, apply a non-linearity, narrow back.

    FFN(x) = act(x W₁ᵀ + b₁) W₂ᵀ + b₂        (B, T, D) -> (B, T, F) -> (B, T, D)

The same two-layer network runs on every token separately; F is usually 4·D.
act is ReLU, max(0, h), or GELU, h·Φ(h) with Φ the standard normal CDF.

References: Vaswani et al. (2017) §3.3; the linear1/linear2 of torch.nn.TransformerEncoderLayer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ._core import (
    Layer,
    check_shape,
    default_generator,
    fan_in_bound,
    linear,
    positive_int,
    uniform_,
)
from .dropout import Dropout

ACTIVATIONS = ("relu", "gelu")


@dataclass(frozen=True)
class FeedForwardTrace:
    hidden: torch.Tensor  # (B, T, F) x W₁ᵀ + b₁, before the non-linearity
    activated: torch.Tensor  # (B, T, F) after it (and after dropout, if any)
    out: torch.Tensor  # (B, T, D)


def activate(h: torch.Tensor, name: str) -> torch.Tensor:
    """ReLU or exact GELU, written out."""
    if name == "relu":
        return torch.clamp_min(h, 0.0)
    return 0.5 * h * (1.0 + torch.erf(h / math.sqrt(2.0)))


class FeedForward(Layer):
    """Linear D→F, activation, (dropout), linear F→D, applied to each token."""

    def __init__(
        self,
        d_model: int,
        d_ff: int,
        activation: str = "relu",
        dropout: float = 0.0,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.d_model = positive_int(d_model, "d_model (D)")
        self.d_ff = positive_int(d_ff, "d_ff (F)")
        self.activation = activation
        generator = default_generator(generator, "FeedForward")
        self.w1 = nn.Parameter(torch.empty(d_ff, d_model))  # (F, D), as nn.Linear stores it
        self.b1 = nn.Parameter(torch.empty(d_ff))
        self.w2 = nn.Parameter(torch.empty(d_model, d_ff))  # (D, F)
        self.b2 = nn.Parameter(torch.empty(d_model))
        # PyTorch's nn.Linear init: U(-1/√fan_in, 1/√fan_in) for weight and bias.
        for parameter in (self.w1, self.b1):
            uniform_(parameter, fan_in_bound(d_model), generator)
        for parameter in (self.w2, self.b2):
            uniform_(parameter, fan_in_bound(d_ff), generator)
        self.dropout = Dropout(dropout, generator=generator)

    @classmethod
    def from_linears(
        cls, first: nn.Linear, second: nn.Linear, activation: str = "relu", dropout: float = 0.0
    ) -> FeedForward:
        """Copy two nn.Linear layers (D→F, F→D)."""
        layer = cls(first.in_features, first.out_features, activation, dropout)
        if (second.in_features, second.out_features) != (first.out_features, first.in_features):
            raise ValueError("the second Linear must map F back to D")
        with torch.no_grad():
            for ours, theirs in (
                (layer.w1, first.weight),
                (layer.b1, first.bias),
                (layer.w2, second.weight),
                (layer.b2, second.bias),
            ):
                ours.copy_(theirs)
        return layer

    @classmethod
    def from_torch(cls, module: nn.Sequential) -> FeedForward:
        """Copy nn.Sequential(Linear(D, F), ReLU() or GELU(), [Dropout(p)], Linear(F, D))."""
        parts = list(module)
        dropout = 0.0
        if len(parts) == 4 and isinstance(parts[2], nn.Dropout):
            dropout = parts.pop(2).p
        kinds = {nn.ReLU: "relu", nn.GELU: "gelu"}
        if (
            len(parts) != 3
            or not isinstance(parts[0], nn.Linear)
            or type(parts[1]) not in kinds
            or not isinstance(parts[2], nn.Linear)
            or getattr(parts[1], "approximate", "none") != "none"
        ):
            raise ValueError("expected nn.Sequential(Linear, ReLU or GELU, [Dropout], Linear)")
        layer = cls.from_linears(parts[0], parts[2], kinds[type(parts[1])], dropout)
        return layer.train(module.training)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, FeedForwardTrace]:
        check_shape(x, ("B", "T", self.d_model), "FeedForward")
        B, T, D = x.shape
        hidden = linear(x, self.w1, self.b1)  # (B, T, D) -> (B, T, F)
        activated, _ = self.dropout(activate(hidden, self.activation))  # (B, T, F)
        out = linear(activated, self.w2, self.b2)  # (B, T, F) -> (B, T, D)
        return out, FeedForwardTrace(hidden=hidden, activated=activated, out=out)

    def extra_repr(self) -> str:
        return f"D={self.d_model}, F={self.d_ff}, activation={self.activation}"
