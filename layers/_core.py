"""Shared plumbing for the teaching layers: seeded generators, shape checks, the linear map.

Randomness comes only from a `torch.Generator` built from (seed, purpose), never from the
global RNG, because every browser session of the app shares one Python process.
"""

from __future__ import annotations

import hashlib
import math

import torch
from torch import nn


def make_generator(seed: int, purpose: str) -> torch.Generator:
    """A CPU generator seeded by (seed, purpose), identical on every machine and process."""
    digest = hashlib.sha256(f"{int(seed)}:{purpose}".encode()).digest()
    generator = torch.Generator(device="cpu")
    generator.manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))
    return generator


def default_generator(generator: torch.Generator | None, purpose: str) -> torch.Generator:
    """The caller's generator, or a fixed one so that a layer built without one is reproducible."""
    return generator if generator is not None else make_generator(0, purpose)


def uniform_(tensor: torch.Tensor, bound: float, generator: torch.Generator) -> torch.Tensor:
    """Fill in place from U(-bound, bound), as PyTorch's default initialisers do."""
    with torch.no_grad():
        return tensor.uniform_(-bound, bound, generator=generator)


def check_shape(x: torch.Tensor, expected: tuple[int | str, ...], what: str) -> None:
    """Raise a ValueError that says which shape was expected and which arrived.

    `expected` mixes letters (any size) and ints (that exact size), e.g. ("B", "T", 64).
    """
    pretty = "(" + ", ".join(str(e) for e in expected) + ")"
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{what} expects a tensor of shape {pretty}, got {type(x).__name__}")
    if x.dim() != len(expected):
        raise ValueError(
            f"{what} expects a {len(expected)}-D input of shape {pretty}, "
            f"got {x.dim()}-D {tuple(x.shape)}"
        )
    for axis, (got, want) in enumerate(zip(x.shape, expected, strict=True)):
        if isinstance(want, int) and got != want:
            raise ValueError(
                f"{what} expects shape {pretty}, got {tuple(x.shape)}: "
                f"axis {axis} has size {got}, not {want}"
            )


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """y = x Wᵀ + b, with W stored (out, in) as in torch.nn.Linear."""
    y = x @ weight.T  # (..., in) -> (..., out)
    return y if bias is None else y + bias


def fan_in_bound(fan_in: int) -> float:
    """1/√fan_in: PyTorch's default bound for Linear weights and biases and RNN parameters."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0


def positive_int(value: int, name: str) -> int:
    """Validate a size argument so a bad setting fails with a sentence, not deep in torch."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")
    return value


def divisors(n: int) -> list[int]:
    """All divisors of n, for messages that suggest head or group counts that would work."""
    return [k for k in range(1, n + 1) if n % k == 0]


def or_list(items: list[int]) -> str:
    """'1, 2, 4 or 8' — for messages that list the values that would work."""
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class Layer(nn.Module):
    """Base of every teaching layer: a torch module whose call returns (output, trace)."""

    def param_count(self) -> int:
        """Trainable numbers, as PyTorch counts them."""
        return sum(p.numel() for p in self.parameters())
