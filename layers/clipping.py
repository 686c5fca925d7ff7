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

A setup that explodes (`exploding_setup`): a few dense layers with weights drawn from
N(0, 1) — std 1 where He's init would use √(2/fan_in) — so each layer multiplies the signal
and the gradient by about √(fan_in); `clipped_sgd` then trains it with plain SGD for a few
steps, clipping by each method (or not at all), and returns the loss per step: without
clipping it overflows to inf/NaN within a few steps, with clipping it stays finite.

References: Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural
networks"; keras/src/optimizers/base_optimizer.py (`_clip_gradients`, `_clip_by_norm`,
`clip_by_global_norm`) and torch/nn/utils/clip_grad.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch

from ._core import make_generator, positive_int
from .gradients import TORCH_LEAKY_SLOPE, dense_stack_gradients, dense_stack_params
from .initializers import normal

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


# --------------------------------------------------------------------------- a run that explodes

METHODS = ("none", "clipnorm", "global_clipnorm", "clipvalue")
SETUP_PURPOSE = "clip-setup"
MAX_STEPS = 60  # a short run: the lesson answers a slider at once
# The tutorial's Keras 2 line, and what Keras 3 says to it (a Keras test checks the text).
TUTORIAL_LINE = "optimizers.Adam(lr=0.0001, clipnorm=1.)"
KERAS3_LR_ERROR = "ValueError: Argument(s) not recognized: {'lr': 0.0001}"
FIXED_LINE = "optimizers.Adam(learning_rate=0.0001, clipnorm=1.0)"


@dataclass(frozen=True)
class ExplodingSetup:
    """A dense stack whose gradients explode: weights N(0, std²), zero biases, x and target."""

    x: torch.Tensor  # (B, U) inputs, N(0, 1)
    target: torch.Tensor  # (B, U) regression targets, N(0, 1)
    weights: tuple[torch.Tensor, ...]  # L × (U, U), (out, in) as nn.Linear
    biases: tuple[torch.Tensor, ...]  # L × (U,) zeros
    activation: str  # "leaky_relu": no unit dies, so nothing hides the explosion
    slope: float  # the leaky ReLU's negative slope (PyTorch's 0.01)
    std: float  # the weights' std: 1, where He's init would use √(2/U)
    seed: int  # torch.Generator(...).manual_seed(seed) draws W₁ … W_L, then x, then target

    def variables(self) -> list[torch.Tensor]:
        """W₁, b₁, W₂, b₂, …: the order of nn.Sequential's parameters and Keras' variables."""
        return [v for pair in zip(self.weights, self.biases, strict=True) for v in pair]

    def names(self) -> list[str]:
        """'W1', 'b1', 'W2', … for the variables, in the same order."""
        return [f"{kind}{layer}" for layer in range(1, len(self.weights) + 1) for kind in "Wb"]


def exploding_setup(
    seed: int, *, depth: int = 4, width: int = 16, batch: int = 16, std: float = 1.0
) -> ExplodingSetup:
    """Draw the stack, a batch and its targets from one generator built from (seed, purpose)."""
    depth = positive_int(depth, "depth")
    width = positive_int(width, "width (U)")
    batch = positive_int(batch, "batch (B)")
    generator = make_generator(seed, SETUP_PURPOSE)
    start = generator.initial_seed()
    weights, biases = dense_stack_params(
        depth, width, lambda shape, g: normal(shape, std, g), generator=generator
    )
    x = torch.empty(batch, width).normal_(0.0, 1.0, generator=generator)  # (B, U)
    target = torch.empty(batch, width).normal_(0.0, 1.0, generator=generator)  # (B, U)
    return ExplodingSetup(
        x=x,
        target=target,
        weights=tuple(weights),
        biases=tuple(biases),
        activation="leaky_relu",
        slope=TORCH_LEAKY_SLOPE,
        std=float(std),
        seed=start,
    )


def setup_gradients(
    setup: ExplodingSetup,
    weights: Sequence[torch.Tensor] | None = None,
    biases: Sequence[torch.Tensor] | None = None,
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """(∂ℒ/∂W₁, ∂ℒ/∂b₁, … in `variables()` order, ℒ) at the setup's weights or at given ones."""
    weights = setup.weights if weights is None else weights
    biases = setup.biases if biases is None else biases
    _, trace = dense_stack_gradients(
        setup.x, weights, biases, setup.activation, slope=setup.slope, target=setup.target
    )
    grads = [g for pair in zip(trace.grad_weight, trace.grad_bias, strict=True) for g in pair]
    return grads, trace.loss


def clip_with(
    grads: Sequence[torch.Tensor],
    method: str,
    limit: float | None = None,
    *,
    style: Style = "keras",
) -> tuple[list[torch.Tensor], ClipTrace | None]:
    """Apply one of METHODS by name; "none" returns the gradients as they are (and no trace)."""
    if method == "none":
        return list(grads), None
    if method == "clipnorm":
        return clip_by_norm(grads, limit, style=style)
    if method == "global_clipnorm":
        return clip_by_global_norm(grads, limit, style=style)
    if method == "clipvalue":
        return clip_by_value(grads, limit)
    raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")


@dataclass(frozen=True)
class TrainRun:
    """Plain SGD on the setup: the loss before each step, NaN from the first overflow on."""

    losses: torch.Tensor  # (S,) float32 ℒ at step 1..S; NaN after the first non-finite one
    grad_norms: torch.Tensor  # (S,) ‖g‖ before clipping at each step (NaN after the overflow)
    first_bad: int | None  # 1-based step whose loss was inf or NaN; None if all stayed finite
    first_bad_value: float | None  # that loss: inf or NaN


def clipped_sgd(
    setup: ExplodingSetup,
    method: str,
    limit: float | None = None,
    *,
    learning_rate: float,
    steps: int,
    style: Style = "keras",
) -> TrainRun:
    """`steps` of θ ← θ − η·clip(∂ℒ/∂θ), the gradients written out; stops at the first overflow.

    Each step: forward, ℒ, backward, clip by `method`, update; as torch's loop with
    loss.backward(), clip_grad_norm_ (or clip_grad_value_), optimizer.step().
    """
    steps = positive_int(steps, "steps")
    if steps > MAX_STEPS:
        raise ValueError(f"at most {MAX_STEPS} steps keep the lesson instant; got {steps}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0 (0.01 here), got {learning_rate!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    weights, biases = list(setup.weights), list(setup.biases)
    losses = torch.full((steps,), float("nan"))
    norms = torch.full((steps,), float("nan"))
    first_bad = first_bad_value = None
    with torch.no_grad():
        for step in range(steps):
            grads, loss = setup_gradients(setup, weights, biases)
            losses[step] = loss
            if not math.isfinite(loss.item()):
                first_bad, first_bad_value = step + 1, loss.item()
                break
            norms[step] = torch.stack([_norm(g) for g in grads]).square().sum().sqrt()
            clipped, _ = clip_with(grads, method, limit, style=style)
            weights = [w - learning_rate * g for w, g in zip(weights, clipped[0::2], strict=True)]
            biases = [b - learning_rate * g for b, g in zip(biases, clipped[1::2], strict=True)]
    return TrainRun(
        losses=losses, grad_norms=norms, first_bad=first_bad, first_bad_value=first_bad_value
    )
