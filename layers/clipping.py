"""Gradient clipping, written out: Keras' clipnorm / global_clipnorm / clipvalue, torch's twins.

Given the gradients g₁ … gₙ of n variables (weights, biases):

    by norm (Keras clipnorm)     each on its own:  gᵢ ← gᵢ · c / max(‖gᵢ‖, c)
    by global norm               all together:     N = √(Σᵢ ‖gᵢ‖²),  gᵢ ← gᵢ · min(1, c / N)
      (Keras global_clipnorm, torch clip_grad_norm_)
    by value (Keras clipvalue,   elementwise:      gᵢ ← clamp(gᵢ, −v, v)
      torch clip_grad_value_)

Norm clipping only shortens: the direction of each gradient (global: of the whole step) is
kept, so the cosine between before and after is 1. Value clipping cuts large components more
than small ones and bends the step's direction (cosine < 1 whenever some but not all of the
largest components are cut).

The two frameworks' arithmetic differs in small ways, reproduced here with `style=`:

- torch's `clip_grad_norm_` scales by min(1, c / (N + 1e-6)), so a norm exactly at c is still
  shrunk a hair; N is the norm of the per-tensor norms. Keras' `clip_by_global_norm` scales by
  c · min(1/N, 1/c), N = √(Σ Σ g²), with no epsilon.
- Keras' clipnorm computes (g · c) / max(‖g‖, c), multiplying first, and leaves a zero gradient
  at zero. torch has no per-variable clipnorm; style="torch" applies `clip_grad_norm_` to each
  variable alone.

References: Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural
networks"; keras/src/optimizers/base_optimizer.py (`_clip_gradients`, `_clip_by_norm`,
`clip_by_global_norm`) and torch/nn/utils/clip_grad.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch

Style = Literal["keras", "torch"]
TORCH_EPS = 1e-6  # torch's clip_grad_norm_: max_norm / (total_norm + 1e-6)


@dataclass(frozen=True)
class ClipTrace:
    """What clipping did: per-variable norms before/after, the global norms, the bend."""

    norms_before: torch.Tensor  # (n,) L2 norm of each variable's gradient
    norms_after: torch.Tensor  # (n,)
    total_norm: torch.Tensor  # () global L2 norm before clipping (what clip_grad_norm_ returns)
    total_norm_after: torch.Tensor  # ()
    scales: torch.Tensor  # (n,) factor each gradient was multiplied by (value clipping: NaN)
    cosines: torch.Tensor  # (n,) float64 cos∠(gᵢ before, gᵢ after): 1 for either norm clipping
    cosine: float  # between the whole flattened step before and after; 1 means direction kept


def _check(grads: Sequence[torch.Tensor], limit: float, name: str) -> list[torch.Tensor]:
    """Validate inputs so misuse fails with a sentence, not deep in torch."""
    if isinstance(grads, torch.Tensor):
        raise ValueError(f"pass a list of gradient tensors, e.g. [{name}_w], not one tensor")
    grads = list(grads)
    if not grads or not all(isinstance(g, torch.Tensor) for g in grads):
        raise ValueError("grads must be a non-empty list of tensors; drop None gradients first")
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
        raise ValueError(f"{name} must be a number > 0 (1.0 is common), got {limit!r}")
    return [g.detach() for g in grads]


def _style(style: str) -> None:
    """Reject a style that is neither framework."""
    if style not in ("keras", "torch"):
        raise ValueError(f"style must be 'keras' or 'torch', got {style!r}")


def _norm(g: torch.Tensor) -> torch.Tensor:
    """‖g‖ = √(Σ g²) over every element."""
    return g.square().sum().sqrt()


def _cosine(before: list[torch.Tensor], after: list[torch.Tensor]) -> float:
    """cos∠(before, after) of the flattened steps, in float64; 1 if nothing is left to compare."""
    a = torch.cat([g.reshape(-1) for g in before]).double()
    b = torch.cat([g.reshape(-1) for g in after]).double()
    denominator = a.norm() * b.norm()
    return 1.0 if denominator == 0 else float(a @ b / denominator)


def _trace(
    before: list[torch.Tensor], after: list[torch.Tensor], total: torch.Tensor, scales
) -> ClipTrace:
    """Collect the numbers a lesson shows."""
    return ClipTrace(
        norms_before=torch.stack([_norm(g) for g in before]),
        norms_after=torch.stack([_norm(g) for g in after]),
        total_norm=total,
        total_norm_after=torch.stack([_norm(g) for g in after]).square().sum().sqrt(),
        scales=torch.as_tensor(scales, dtype=torch.float32),
        cosines=torch.tensor(
            [_cosine([b], [a]) for b, a in zip(before, after, strict=True)], dtype=torch.float64
        ),
        cosine=_cosine(before, after),
    )


def clip_by_norm(
    grads: Sequence[torch.Tensor], clipnorm: float, *, style: Style = "keras"
) -> tuple[list[torch.Tensor], ClipTrace]:
    """Clip each gradient on its own to norm ≤ clipnorm (Keras' optimizer `clipnorm=`)."""
    grads = _check(grads, clipnorm, "clipnorm")
    _style(style)
    out, scales = [], []
    for g in grads:
        norm = _norm(g)  # Keras: 0 stays 0 (its where() trick only guards the gradient of √)
        if style == "keras":
            clipped = (g * clipnorm) / torch.maximum(norm, torch.tensor(clipnorm, dtype=g.dtype))
            scale = clipnorm / max(norm.item(), clipnorm)
        else:
            coef = torch.clamp(clipnorm / (norm + TORCH_EPS), max=1.0)
            clipped, scale = g * coef, coef.item()
        out.append(clipped)
        scales.append(scale)
    total = torch.stack([_norm(g) for g in grads]).square().sum().sqrt()
    return out, _trace(grads, out, total, scales)


def clip_by_global_norm(
    grads: Sequence[torch.Tensor], max_norm: float, *, style: Style = "torch"
) -> tuple[list[torch.Tensor], ClipTrace]:
    """Scale all gradients by one factor so their joint norm is ≤ max_norm; trace.total_norm
    is the norm before (torch `clip_grad_norm_`'s return value, Keras `global_clipnorm=`)."""
    grads = _check(grads, max_norm, "max_norm")
    _style(style)
    if style == "torch":
        total = torch.stack([_norm(g) for g in grads]).square().sum().sqrt()  # ‖(‖g₁‖, …, ‖gₙ‖)‖
        scale = torch.clamp(max_norm / (total + TORCH_EPS), max=1.0)
    else:
        total = torch.stack([g.square().sum() for g in grads]).sum().sqrt()  # √(Σ Σ g²)
        # c·min(1/N, 1/c); adding (N − N) turns an inf/NaN norm into a NaN scale, as Keras does.
        scale = max_norm * torch.minimum(1.0 / total, torch.tensor(1.0 / max_norm)) + (
            total - total
        )
    out = [g * scale for g in grads]
    return out, _trace(grads, out, total, [scale.item()] * len(grads))


def clip_by_value(
    grads: Sequence[torch.Tensor], clipvalue: float
) -> tuple[list[torch.Tensor], ClipTrace]:
    """Clamp every element to [−clipvalue, clipvalue] (Keras `clipvalue=`, clip_grad_value_)."""
    grads = _check(grads, clipvalue, "clipvalue")
    out = [torch.clamp(g, -clipvalue, clipvalue) for g in grads]
    total = torch.stack([_norm(g) for g in grads]).square().sum().sqrt()
    return out, _trace(grads, out, total, [float("nan")] * len(grads))
