"""Sinusoidal positional encoding: every position gets a fixed pattern of sines and cosines.

    PE(pos, 2i)   = sin(pos / 10000^(2i / D))
    PE(pos, 2i+1) = cos(pos / 10000^(2i / D))
    out = x + PE[:T]                                   (B, T, D) + (T, D) -> (B, T, D)

Attention itself has no idea of order: shuffle the tokens and its outputs are shuffled the same
way, nothing more. Adding PE makes the same word at two positions two different vectors. Each
pair of features (2i, 2i+1) turns at its own speed, from one turn per 2π tokens (i = 0) to one
per 10000·2π tokens, so nearby positions get similar patterns and PE(pos + k) is a rotation of
PE(pos) for every k. For an odd D the last feature is a sine without its cosine.

The table is computed in float64 and rounded to float32 once, so its numbers are the formula's
to float32 precision even at position 511. It has no weights and no torch.nn twin: its parity
test is against the paper's formula, entry by entry.

References: Vaswani et al. (2017) Attention Is All You Need, §3.5; the PyTorch tutorial's
`PositionalEncoding` (without its dropout).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._core import Layer, check_shape, positive_int

BASE = 10000.0  # the paper's base: wavelengths from 2π to 10000·2π
MAX_LEN = 512  # positions the layer keeps; the app's pages never send more tokens


@dataclass(frozen=True)
class PositionalTrace:
    table: torch.Tensor  # (T, D) PE for the positions used
    out: torch.Tensor  # (B, T, D) x + table


def sinusoidal_table(length: int, d_model: int, base: float = BASE) -> torch.Tensor:
    """(length, d_model) float32: sines in the even features, cosines in the odd ones."""
    T, D = int(length), positive_int(d_model, "d_model (D)")
    if T < 0:
        raise ValueError(f"length must be ≥ 0, got {length}")
    position = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)
    pairs = torch.arange(0, D, 2, dtype=torch.float64)  # 2i = 0, 2, 4, … (⌈D/2⌉ of them)
    angle = position / base ** (pairs / D)  # (T, 1) / (⌈D/2⌉,) -> (T, ⌈D/2⌉)
    table = torch.zeros(T, D, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angle)  # (T, ⌈D/2⌉)
    table[:, 1::2] = torch.cos(angle[:, : D // 2])  # (T, ⌊D/2⌋): an odd D has no last cosine
    return table.to(torch.float32)


class PositionalEncoding(Layer):
    """Adds the sinusoidal table to a batch of token vectors: x + PE[:T]."""

    def __init__(self, d_model: int, max_len: int = MAX_LEN, base: float = BASE) -> None:
        super().__init__()
        self.d_model = positive_int(d_model, "d_model (D)")
        self.max_len = positive_int(max_len, "max_len")
        if not (isinstance(base, (int, float)) and math.isfinite(base) and base > 1):
            raise ValueError(f"base must be a number > 1, got {base!r}")
        self.base = float(base)
        # A buffer, not a parameter: nothing here is learned (param_count() is 0).
        table = sinusoidal_table(max_len, d_model, self.base)  # (max_len, D)
        self.register_buffer("table", table, persistent=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, PositionalTrace]:
        check_shape(x, ("B", "T", self.d_model), "PositionalEncoding")
        B, T, D = x.shape
        if self.max_len < T:  # more tokens than positions kept
            raise ValueError(
                f"PositionalEncoding holds {self.max_len} positions and got {T} tokens; "
                f"build it with max_len ≥ {T}"
            )
        table = self.table[:T].to(x.dtype)  # (T, D)
        out = x + table  # (B, T, D) + (T, D) -> (B, T, D)
        return out, PositionalTrace(table=table, out=out)

    def extra_repr(self) -> str:
        return f"D={self.d_model}, max_len={self.max_len}"
