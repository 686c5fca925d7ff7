"""Levers: float32 arrays vs float64 arrays vs Python lists for a 512×512 heatmap.

What `st.plotly_chart` does with a figure is `plotly.io.to_json(figure, validate=False)`; the
JSON string is the payload the browser gets. Timed here: building the figure and serializing
it, per variant, interleaved. (runner.postScriptGC is the other lever: see the class section,
which runs its sessions once with it on and once off.)
"""

from __future__ import annotations

import time

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from .report import Figure

SECTION = "Levers: a 512×512 heatmap's figure"


def _variants(size: int) -> dict:
    z = np.random.default_rng(0).random((size, size), dtype=np.float32)
    return {"float32 array": z, "float64 array": z.astype(np.float64), "Python lists": z.tolist()}


def _build(z) -> str:
    figure = go.Figure(go.Heatmap(z=z, colorscale="Viridis"))
    return pio.to_json(figure, validate=False)


def measure(*, reps: int, size: int = 512) -> list[Figure]:
    variants = _variants(size)
    times: dict[str, list[float]] = {name: [] for name in variants}
    sizes = {name: len(_build(z).encode()) for name, z in variants.items()}  # and a warm-up
    for _ in range(reps):
        for name, z in variants.items():
            start = time.perf_counter()
            _build(z)
            times[name].append((time.perf_counter() - start) * 1000)
    figures = []
    base = sorted(times["float32 array"])[reps // 2]
    for name in variants:
        median = sorted(times[name])[reps // 2]
        slug = name.split()[0].lower()
        figures.append(
            Figure(
                f"lever/heatmap/{slug}/build",
                SECTION,
                f"{name}: build + to_json",
                "ms",
                times[name],
                note=f"{median / base:.1f}× float32's time",
            ).finish()
        )
        figures.append(
            Figure(
                f"lever/heatmap/{slug}/bytes",
                SECTION,
                f"{name}: payload",
                "KB",
                [sizes[name] / 1000],
                note=f"{sizes[name] / sizes['float32 array']:.1f}× float32's bytes",
            ).finish()
        )
    return figures
