"""6. Each from-scratch layer against its torch.nn twin, on the same input and weights.

Ours is built with `Layer.from_torch(module)`. Both run under `torch.no_grad()` in this one
process, interleaved call by call so that drift (other load, frequency) hits both alike; the
figure is the median of the per-pair time ratios (ours / torch). Sizes: B=1, T=64, D=64 (a
lesson) and T=512, D=512 (the stress settings).

The recurrent layers are timed as a caller that shows no step uses them (`trace=False`: the
Train page's fit, the shapes a lesson prints), against the ≤ 3× budget; the written-out loop
that keeps every step's gates for the Recurrent page is timed too, for information (`INFO`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn

import layers as L

from . import LAYER_NAMES
from .report import Figure

SECTION = "6. From-scratch layer vs its torch.nn twin (time ratio, same input)"
SIZES = {"default": (1, 64, 64), "stress": (1, 512, 512)}  # (B, T, D)
KEPT = ", every step kept"
INFO = {f"{name}{KEPT}" for name in ("SimpleRNN", "LSTM", "GRU")}  # no budget: for information


def _heads(D: int) -> int:
    return 8 if D >= 512 else 4


def _cases(B: int, T: int, D: int) -> dict[str, tuple[Callable, Callable]]:
    """name -> (ours(), theirs()): zero-argument calls on the same input."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(B, T, D, generator=g)
    x_t = x.transpose(1, 2)  # (B, D, T): torch's 1-d norms want features second
    memory = torch.randn(B, T, D, generator=g)
    ids = torch.randint(1, 1000, (B, T), generator=g)
    H = _heads(D)
    cases: dict[str, tuple[Callable, Callable]] = {}

    m = nn.Embedding(1000, D)
    ours = L.Embedding.from_torch(m)
    cases["Embedding"] = (lambda o=ours: o(ids), lambda m=m: m(ids))

    recurrent = (
        ("SimpleRNN", L.SimpleRNN, nn.RNN),
        ("LSTM", L.LSTM, nn.LSTM),
        ("GRU", L.GRU, nn.GRU),
    )
    for name, ours_class, twin in recurrent:
        m = twin(D, D, batch_first=True)
        ours = ours_class.from_torch(m, return_sequences=True)
        cases[name] = (lambda o=ours: o(x, trace=False), lambda m=m: m(x))

    m = nn.LSTM(D, D, batch_first=True, bidirectional=True)
    ours = L.Bidirectional.from_torch(m, return_sequences=True)
    cases["Bidirectional LSTM"] = (lambda o=ours: o(x, trace=False), lambda m=m: m(x))

    for name, ours_class, twin in recurrent:  # the Recurrent page's path: every step's gates
        m = twin(D, D, batch_first=True)
        ours = ours_class.from_torch(m, return_sequences=True)
        cases[name + KEPT] = (lambda o=ours: o(x), lambda m=m: m(x))

    m = nn.LayerNorm(D)
    ours = L.LayerNorm.from_torch(m)
    cases["LayerNorm"] = (lambda o=ours: o(x), lambda m=m: m(x))

    m = nn.BatchNorm1d(D)  # training mode, as in the app: batch statistics
    ours = L.BatchNorm1d.from_torch(m)
    cases["BatchNorm1d"] = (lambda o=ours: o(x), lambda m=m: m(x_t).transpose(1, 2))

    m = nn.GroupNorm(4, D)
    ours = L.GroupNorm.from_torch(m)
    cases["GroupNorm"] = (lambda o=ours: o(x), lambda m=m: m(x_t).transpose(1, 2))

    m = nn.InstanceNorm1d(D, affine=True)
    ours = L.InstanceNorm1d.from_torch(m)
    cases["InstanceNorm1d"] = (lambda o=ours: o(x), lambda m=m: m(x_t).transpose(1, 2))

    m = nn.Dropout(0.2)  # training mode: a mask is drawn
    ours = L.Dropout.from_torch(m)
    cases["Dropout"] = (lambda o=ours: o(x), lambda m=m: m(x))

    m = nn.MultiheadAttention(D, H, batch_first=True)
    ours = L.MultiHeadAttention.from_torch(m)
    # Ours always returns the weights per head (the lesson shows them): so must torch here.
    cases["MultiHeadAttention"] = (
        lambda o=ours: o(x),
        lambda m=m: m(x, x, x, need_weights=True, average_attn_weights=False),
    )

    m = nn.Sequential(nn.Linear(D, 4 * D), nn.ReLU(), nn.Linear(4 * D, D))
    ours = L.FeedForward.from_torch(m)
    cases["FeedForward"] = (lambda o=ours: o(x), lambda m=m: m(x))

    m = nn.TransformerEncoderLayer(D, H, 4 * D, dropout=0.0, batch_first=True).eval()
    ours = L.TransformerEncoderBlock.from_torch(m)
    cases["TransformerEncoderBlock"] = (lambda o=ours: o(x), lambda m=m: m(x))

    m = nn.TransformerDecoderLayer(D, H, 4 * D, dropout=0.0, batch_first=True).eval()
    ours = L.TransformerDecoderBlock.from_torch(m)
    mask = L.causal_mask(T)
    cases["TransformerDecoderBlock"] = (
        lambda o=ours: o(x, memory, causal=True),
        lambda m=m: m(x, memory, tgt_mask=mask, tgt_is_causal=True),
    )
    return cases


def _time(call: Callable) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(*, min_reps: int, max_reps: int, budget_s: float, quick: bool) -> list[Figure]:
    figures: list[Figure] = []
    with torch.no_grad():
        for size_name, (B, T, D) in SIZES.items():
            cases = _cases(B, T, D)
            assert tuple(cases) == LAYER_NAMES, "bench.LAYER_NAMES is out of date"
            for name, (ours, theirs) in cases.items():
                for _ in range(1 if quick else 3):  # warm-up: allocator, lazy init, fast paths
                    ours()
                    theirs()
                probe = _time(ours) + _time(theirs)
                reps = min_reps if quick else int(min(max(budget_s / probe, min_reps), max_reps))
                ratios, ours_t, theirs_t = [], [], []
                for _ in range(reps):
                    a, b = _time(ours), _time(theirs)
                    ours_t.append(a)
                    theirs_t.append(b)
                    ratios.append(a / b)
                ours_t.sort()
                theirs_t.sort()
                note = (
                    f"ours {ours_t[len(ours_t) // 2] * 1000:.3g} ms · "
                    f"torch {theirs_t[len(theirs_t) // 2] * 1000:.3g} ms"
                )
                figures.append(
                    Figure(
                        f"layer/{name}/{size_name}",
                        SECTION,
                        f"{name}, B={B} T={T} D={D}",
                        "×",
                        ratios,
                        None if name in INFO else "layer",
                        note=note,
                    ).finish()
                )
    return figures
