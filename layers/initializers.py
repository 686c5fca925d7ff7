"""Weight initialisation, written out: the schemes Keras 3 and PyTorch use, from one generator.

Every function builds a new float32 tensor of `shape` from an explicit `torch.Generator`
(never the global RNG). Fans come from the shape and its `layout`:

    layout="torch"  weight (out, in, *k)   as nn.Linear / nn.Conv:  fan_in = in·k, fan_out = out·k
    layout="keras"  kernel (*k, in, out)   as Dense / Conv kernels: fan_in = in·k, fan_out = out·k

where k is the product of any kernel (receptive-field) sizes. A (512, 256) torch weight and a
(256, 512) Keras kernel therefore both have fan_in 256 and fan_out 512.

    zeros             w = 0
    normal(std)       w ~ N(0, std²)
    glorot_uniform    w ~ U(−l, l),  l = √(6 / (fan_in + fan_out))                 std = l/√3
    glorot_normal     std σ = √(2 / (fan_in + fan_out))
    he_uniform        w ~ U(−l, l),  l = √(6 / fan_in)                              std = l/√3
    he_normal         std σ = √(2 / fan_in)
    orthogonal(gain)  Q from the QR of a normal matrix, columns' signs fixed by sign(diag R)

The normal schemes come in two flavours. Keras (`truncated=True`) draws from a normal of
std σ / .87962566103423978 cut at ±2 of *those* stds, i.e. at ±2σ/.8796…; .8796… is the std of
a unit normal truncated to [−2, 2], so the truncated draw has std exactly σ. PyTorch's
`xavier_normal_` and `kaiming_normal_` (`truncated=False`) draw N(0, σ²) with no cut.

Layer defaults: nn.Linear draws weight and bias from U(−1/√fan_in, 1/√fan_in)
(kaiming_uniform with a = √5); Keras' Dense uses glorot_uniform for the kernel, zeros for the
bias; Keras' recurrent layers use orthogonal for the recurrent kernel.

References: Glorot & Bengio (2010), "Understanding the difficulty of training deep
feedforward neural networks"; He et al. (2015), "Delving Deep into Rectifiers"; Saxe et al.
(2014), "Exact solutions to the nonlinear dynamics of learning in deep linear networks";
keras/src/initializers/random_initializers.py and torch/nn/init.py.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

Layout = Literal["torch", "keras"]

TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to [−2, 2], as Keras writes it
SCHEMES = (
    "zeros",
    "normal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "orthogonal",
    "torch_default_linear",
    "keras_default_dense",
)


def _shape(shape: tuple[int, ...] | list[int] | torch.Size) -> tuple[int, ...]:
    """Validate a shape so a bad one fails with a sentence, not deep in torch."""
    dims = tuple(shape)
    if any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
        raise ValueError(f"shape must be whole numbers ≥ 1, like (512, 256); got {dims!r}")
    return dims


def fans(shape: tuple[int, ...], layout: Layout = "torch") -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of this shape stored in this layout."""
    dims = _shape(shape)
    if layout not in ("torch", "keras"):
        raise ValueError(f"layout must be 'torch' (out, in) or 'keras' (in, out), got {layout!r}")
    if len(dims) < 2:
        raise ValueError(
            f"fans need a weight of rank ≥ 2, got shape {dims}; for a bias use zeros(), "
            "or torch_default_linear() which draws the bias with the weight's fan_in"
        )
    if layout == "torch":
        k = math.prod(dims[2:])
        return dims[1] * k, dims[0] * k
    k = math.prod(dims[:-2])
    return dims[-2] * k, dims[-1] * k


def zeros(shape: tuple[int, ...]) -> torch.Tensor:
    """All zeros: Keras' and PyTorch's default for most biases."""
    return torch.zeros(_shape(shape))


def normal(shape: tuple[int, ...], std: float, generator: torch.Generator) -> torch.Tensor:
    """N(0, std²), untruncated, as torch.nn.init.normal_ and keras RandomNormal."""
    if not std > 0:
        raise ValueError(f"std must be > 0 (the lesson uses 0.01 and 1), got {std!r}")
    return torch.empty(_shape(shape)).normal_(0.0, std, generator=generator)


def _uniform(shape: tuple[int, ...], limit: float, generator: torch.Generator) -> torch.Tensor:
    """U(−limit, limit)."""
    return torch.empty(shape).uniform_(-limit, limit, generator=generator)


def truncated_normal(
    shape: tuple[int, ...], std: float, bound: float, generator: torch.Generator
) -> torch.Tensor:
    """N(0, std²) kept inside [−bound, bound]: values outside are drawn again until inside."""
    x = torch.empty(_shape(shape)).normal_(0.0, std, generator=generator)
    outside = (x < -bound) | (x > bound)
    while outside.any():  # same resampling loop as torch.nn.init.trunc_normal_ at ±2σ
        fresh = torch.empty_like(x).normal_(0.0, std, generator=generator)
        x = torch.where(outside, fresh, x)
        outside = (x < -bound) | (x > bound)
    return x


def _normal_scheme(
    shape: tuple[int, ...], sigma: float, truncated: bool, generator: torch.Generator
) -> torch.Tensor:
    """Keras' corrected truncated normal of final std σ, or PyTorch's plain N(0, σ²)."""
    if not truncated:
        return torch.empty(shape).normal_(0.0, sigma, generator=generator)
    stddev = sigma / TRUNCATED_STD  # widened so that cutting at ±2·stddev leaves std σ
    return truncated_normal(shape, stddev, 2.0 * stddev, generator)


def glorot_uniform(
    shape: tuple[int, ...], generator: torch.Generator, *, layout: Layout = "torch"
) -> torch.Tensor:
    """U(−l, l), l = √(6/(fan_in+fan_out)): Keras GlorotUniform, torch xavier_uniform_."""
    fan_in, fan_out = fans(shape, layout)
    return _uniform(tuple(shape), math.sqrt(6.0 / (fan_in + fan_out)), generator)


def glorot_normal(
    shape: tuple[int, ...],
    generator: torch.Generator,
    *,
    layout: Layout = "torch",
    truncated: bool = True,
) -> torch.Tensor:
    """Std √(2/(fan_in+fan_out)): truncated (Keras GlorotNormal) or not (xavier_normal_)."""
    fan_in, fan_out = fans(shape, layout)
    return _normal_scheme(tuple(shape), math.sqrt(2.0 / (fan_in + fan_out)), truncated, generator)


def he_uniform(
    shape: tuple[int, ...], generator: torch.Generator, *, layout: Layout = "torch"
) -> torch.Tensor:
    """U(−l, l), l = √(6/fan_in): Keras HeUniform, kaiming_uniform_(nonlinearity='relu')."""
    fan_in, _ = fans(shape, layout)
    return _uniform(tuple(shape), math.sqrt(6.0 / fan_in), generator)


def he_normal(
    shape: tuple[int, ...],
    generator: torch.Generator,
    *,
    layout: Layout = "torch",
    truncated: bool = True,
) -> torch.Tensor:
    """Std √(2/fan_in): truncated (Keras HeNormal) or not (kaiming_normal_, 'relu')."""
    fan_in, _ = fans(shape, layout)
    return _normal_scheme(tuple(shape), math.sqrt(2.0 / fan_in), truncated, generator)


def orthogonal(
    shape: tuple[int, ...],
    generator: torch.Generator,
    *,
    gain: float = 1.0,
    layout: Layout = "torch",
) -> torch.Tensor:
    """gain·Q, Q orthonormal (QᵀQ = I on the shorter side): Keras Orthogonal, orthogonal_."""
    dims = _shape(shape)
    if len(dims) < 2:
        raise ValueError(f"orthogonal needs a matrix (rank ≥ 2), got shape {dims}; use zeros()")
    # torch flattens (out, in, *k) to (out, in·k); Keras flattens (*k, in, out) to (k·in, out).
    rows, cols = (
        (dims[0], math.prod(dims[1:])) if layout == "torch" else (math.prod(dims[:-1]), dims[-1])
    )
    a = torch.empty(rows, cols).normal_(0.0, 1.0, generator=generator)
    if rows < cols:
        a = a.T  # QR of the tall side, so Q has orthonormal columns
    q, r = torch.linalg.qr(a)
    q = q * torch.diag(r).sign()  # make Q unique (and uniformly distributed): diag(R) > 0
    if rows < cols:
        q = q.T
    return gain * q.reshape(dims)


def torch_default_linear(
    fan_in: int, fan_out: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """nn.Linear's own start: weight (out, in) and bias (out,) from U(−1/√fan_in, 1/√fan_in)."""
    for value, name in ((fan_in, "fan_in"), (fan_out, "fan_out")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")
    a = math.sqrt(5.0)  # kaiming_uniform_(a=√5): gain √(2/(1+a²)) = √(1/3)
    gain = math.sqrt(2.0 / (1 + a**2))
    weight = _uniform((fan_out, fan_in), math.sqrt(3.0) * gain / math.sqrt(fan_in), generator)
    bias = _uniform((fan_out,), 1.0 / math.sqrt(fan_in), generator)
    return weight, bias


def keras_default_dense(
    fan_in: int, fan_out: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keras Dense's own start: glorot_uniform kernel (in, out), zero bias (out,)."""
    kernel = glorot_uniform((fan_in, fan_out), generator, layout="keras")
    return kernel, zeros((fan_out,))


def theory(
    name: str,
    fan_in: int,
    fan_out: int,
    *,
    std: float | None = None,
    gain: float = 1.0,
    truncated: bool = True,
) -> dict[str, float | str | None]:
    """The scheme's theoretical std, and 'limit': the edge of its support (None if unbounded).

    Keys: distribution, std, limit. `std` is required for "normal", `gain` scales
    "orthogonal", `truncated` picks Keras' (True) or PyTorch's (False) normal flavour.
    For the two layer defaults the numbers describe the weight / kernel.
    """
    if name not in SCHEMES:
        raise ValueError(f"unknown scheme {name!r}; choose one of {', '.join(SCHEMES)}")
    if min(fan_in, fan_out) < 1:
        raise ValueError(f"fan_in and fan_out must be ≥ 1, got {fan_in} and {fan_out}")
    if name == "zeros":
        return {"distribution": "constant", "std": 0.0, "limit": 0.0}
    if name == "normal":
        if std is None or not std > 0:
            raise ValueError("theory('normal', ...) needs std=, e.g. std=0.01 or std=1")
        return {"distribution": "normal", "std": std, "limit": None}
    if name == "orthogonal":
        # QᵀQ = I on the short side: the squares sum to min(n, m) over n·m entries.
        return {
            "distribution": "orthogonal",
            "std": gain / math.sqrt(max(fan_in, fan_out)),
            "limit": None,
        }
    uniform_limit = {
        "glorot_uniform": math.sqrt(6.0 / (fan_in + fan_out)),
        "keras_default_dense": math.sqrt(6.0 / (fan_in + fan_out)),
        "he_uniform": math.sqrt(6.0 / fan_in),
        "torch_default_linear": 1.0 / math.sqrt(fan_in),
    }
    if name in uniform_limit:
        limit = uniform_limit[name]
        return {"distribution": "uniform", "std": limit / math.sqrt(3.0), "limit": limit}
    sigma = (
        math.sqrt(2.0 / (fan_in + fan_out)) if name == "glorot_normal" else math.sqrt(2.0 / fan_in)
    )
    if truncated:
        return {
            "distribution": "truncated_normal",
            "std": sigma,
            "limit": 2.0 * sigma / TRUNCATED_STD,
        }
    return {"distribution": "normal", "std": sigma, "limit": None}
