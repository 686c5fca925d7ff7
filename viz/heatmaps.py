"""Heatmaps: one row per token, so the class sees what each word became at each step.

A token heatmap shows a (T, D) tensor — embeddings, x̂ after LayerNorm, a block's output — with
the sign in colour (red above 0, blue below, white at exactly 0), so a shift or a rescale is
visible at a glance. An attention heatmap shows which keys each query reads, as probabilities on
a scale that starts at 0. A mask heatmap shows which values dropout kept, in two colours only.
Gate heatmaps put an LSTM's (i, f, g, o) or a GRU's (r, z, n) side by side on their true ranges:
sigmoid gates on [0, 1], tanh candidates on [−1, 1]. Pass `zrange` to two heatmaps meant to be
compared, so that the same colour means the same number in both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

GAP_CELLS = 48  # a mask heatmap keeps gaps between its cells up to this many rows or columns


def _hovertemplate(y_title: str, x_title: str, value_name: str, value: str = "%{z:.4f}") -> str:
    """`y`, `x` and the value, one per line, each named by the caller."""
    lines = (
        theme.hover_line(y_title, "%{y}"),
        theme.hover_line(x_title, "%{x}"),
        theme.hover_line(value_name, value),
    )
    return "<br>".join(lines) + "<extra></extra>"


def _columns(count: int, col_labels: Sequence[str] | None) -> np.ndarray | list[str]:
    """x values: feature indices 0..C-1, or the caller's labels, escaped and distinct."""
    if col_labels is None:
        return np.arange(count, dtype=np.int32)
    theme.check_count(col_labels, count, what="column labels", per="column")
    return theme.distinct_labels(col_labels)


def _color_range(values: np.ndarray, *, signed: bool, zrange) -> dict:
    """Diverging and symmetric about 0 for signed values, sequential from 0 otherwise."""
    if zrange is not None:
        lo, hi = theme.check_range(zrange)
    elif signed:
        hi = theme.symmetric_limit(values)
        lo = -hi
    else:
        lo, hi = 0.0, theme.upper_limit(values)
    spec = {"zmin": lo, "zmax": hi}
    if signed:
        spec.update(colorscale=theme.DIVERGING_SCALE, zmid=0.0)
    else:
        spec["colorscale"] = theme.SEQUENTIAL_SCALE
    return spec


@theme.memo
def token_heatmap(
    values: ArrayLike,
    row_labels: Sequence[str],
    *,
    col_labels: Sequence[str] | None = None,
    title: str | None = None,
    signed: bool = True,
    zrange: tuple[float, float] | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "value",
    start: int = 0,
    presentation: bool = False,
) -> go.Figure:
    """A (R, C) array with one row per token and one column per feature."""
    z = theme.as_float32(values, ndim=2, what="values")
    rows, cols = z.shape
    theme.check_count(row_labels, rows, what="row labels", per="row")
    x = _columns(cols, col_labels)
    trace = dict(
        type="heatmap",
        z=z,
        x=x,
        y=theme.row_labels(row_labels, start),
        **_color_range(z, signed=signed, zrange=zrange),
        colorbar=theme.colorbar(presentation=presentation),
        hovertemplate=_hovertemplate(y_title, x_title, hover_name),
        hoverongaps=False,
    )
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(rows, presentation=presentation),
        presentation=presentation,
    )
    angle = _x_angle(x)
    layout["xaxis"] = theme.axis(
        title=x_title, presentation=presentation, type="category", tickangle=angle
    )
    layout["yaxis"] = theme.axis(
        title=y_title, presentation=presentation, type="category", autorange="reversed"
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=trace["y"],
        left_title=bool(y_title),
        bottom=[str(v) for v in x],
        bottom_angle=angle,
        bottom_title=bool(x_title),
        right=theme.colorbar_room(_bar_labels(trace), presentation=presentation),
    )
    return theme.figure([trace], layout=layout)


def _x_angle(x) -> int:
    """Feature numbers stand upright; words along the bottom stand on end, so none collide."""
    return 0 if isinstance(x, np.ndarray) or len(x) <= 2 else -90


def _bar_labels(trace: dict) -> list[str]:
    """The colorbar's widest tick labels, from its range."""
    return theme.number_labels(trace["zmin"], trace["zmax"])


@theme.memo
def attention_heatmap(
    weights: ArrayLike,
    query_labels: Sequence[str],
    key_labels: Sequence[str],
    *,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "weight",
    zrange: tuple[float, float] | None = (0.0, 1.0),
    presentation: bool = False,
) -> go.Figure:
    """(T, S) attention probabilities: queries down the side, keys along the bottom."""
    z = theme.as_float32(weights, ndim=2, what="weights")
    queries, keys = z.shape
    theme.check_count(query_labels, queries, what="query labels", per="row")
    theme.check_count(key_labels, keys, what="key labels", per="column")
    trace = dict(
        type="heatmap",
        z=z,
        x=theme.row_labels(key_labels),
        y=theme.row_labels(query_labels),
        **_color_range(z, signed=False, zrange=zrange),
        colorbar=theme.colorbar(presentation=presentation),
        hovertemplate=_hovertemplate(y_title, x_title, hover_name),
        hoverongaps=False,
    )
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(queries, presentation=presentation),
        presentation=presentation,
    )
    theme.square_map_axes(
        layout,
        trace["x"],
        trace["y"],
        x_title=x_title,
        y_title=y_title,
        presentation=presentation,
        right=theme.colorbar_room(_bar_labels(trace), presentation=presentation),
    )
    return theme.figure([trace], layout=layout)


@theme.memo
def mask_heatmap(
    mask: ArrayLike,
    row_labels: Sequence[str],
    *,
    title: str | None = None,
    kept_name: str = "kept",
    dropped_name: str = "dropped",
    x_title: str = "",
    y_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """A (R, C) keep/drop mask in two colours: any non-zero value counts as kept."""
    raw = np.asarray(mask)
    if raw.ndim != 2:
        raise ValueError(f"mask must be a 2-D array, got shape {raw.shape}")
    # A dropout mask may arrive scaled (0 or 1/(1-p)): what matters is whether a value survived.
    z = (raw != 0).astype(np.float32)
    rows, cols = z.shape
    theme.check_count(row_labels, rows, what="row labels", per="row")
    x = _columns(cols, None)
    dropped, kept = theme.MASK_COLORS
    trace = dict(
        type="heatmap",
        z=z,
        x=x,
        y=theme.row_labels(row_labels),
        zmin=0.0,
        zmax=1.0,
        colorscale=[[0.0, dropped], [0.5, dropped], [0.5, kept], [1.0, kept]],
        colorbar=theme.colorbar(
            presentation=presentation,
            tickmode="array",
            tickvals=[0.25, 0.75],
            ticktext=[theme.label(dropped_name), theme.label(kept_name)],
            lenmode="pixels",
            len=110 if presentation else 80,
            y=1.0,
            yanchor="top",
            ticks="",
        ),
        # Thin gaps keep cells apart while cells are large; at a screenful of tokens they would
        # hide the colours and make plotly.js draw every cell apart (slow at 128 × 128).
        xgap=1 if cols <= GAP_CELLS else 0,
        ygap=1 if rows <= GAP_CELLS else 0,
        hovertemplate=_hovertemplate(y_title, x_title, kept_name, "%{z:.0f}"),
        hoverongaps=False,
    )
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(rows, presentation=presentation),
        presentation=presentation,
    )
    layout["xaxis"] = theme.axis(
        title=x_title, presentation=presentation, type="category", tickangle=0
    )
    layout["yaxis"] = theme.axis(
        title=y_title, presentation=presentation, type="category", autorange="reversed"
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=trace["y"],
        left_title=bool(y_title),
        bottom=[str(v) for v in x],
        bottom_title=bool(x_title),
        right=theme.colorbar_room([dropped_name, kept_name], presentation=presentation),
    )
    return theme.figure([trace], layout=layout)


@theme.memo
def gate_heatmaps(
    gates: Sequence[tuple[str, ArrayLike, bool]],
    token_labels: Sequence[str],
    *,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "value",
    presentation: bool = False,
) -> go.Figure:
    """One (T, U) panel per recurrent gate, side by side, sharing the token axis."""
    if not gates:
        raise ValueError("gates is empty; pass (name, values (T, U), signed) for each gate")
    size = theme.font_size(presentation)
    y = theme.row_labels(token_labels)
    count = len(gates)
    gap = 0.02 if count > 1 else 0.0
    width = (1.0 - gap * (count - 1)) / count
    signs = [bool(signed) for _, _, signed in gates]
    both = len(set(signs)) == 2
    traces, annotations = [], []
    layout = theme.base_layout(title=title, presentation=presentation)
    shown: set[bool] = set()
    for k, (name, values, signed) in enumerate(gates, start=1):
        z = theme.as_float32(values, ndim=2, what=f"gate {name!r}")
        rows, cols = z.shape
        theme.check_count(token_labels, rows, what="token labels", per="row")
        suffix = "" if k == 1 else str(k)
        x = _columns(cols, None)
        signed = bool(signed)
        # Sigmoid gates live on [0, 1], tanh candidates on [-1, 1]: their true ranges, so a gate
        # that is half open looks half open whatever the sentence.
        bar_place = {}
        if both:  # two colorbars, one per range: sigmoid above, tanh below
            bar_place = {"y": 0.0, "yanchor": "bottom"} if signed else {"y": 1.0, "yanchor": "top"}
        traces.append(
            dict(
                type="heatmap",
                z=z,
                x=x,
                y=y,
                xaxis=f"x{suffix}",
                yaxis="y",
                **_color_range(z, signed=signed, zrange=(-1.0, 1.0) if signed else (0.0, 1.0)),
                showscale=signed not in shown,
                colorbar=theme.colorbar(
                    presentation=presentation, len=0.48 if both else 1.0, **bar_place
                ),
                hovertemplate=_hovertemplate(
                    y_title, x_title, f"{name} · {hover_name}" if hover_name else name
                ),
                hoverongaps=False,
            )
        )
        shown.add(signed)
        start = (k - 1) * (width + gap)
        layout[f"xaxis{suffix}"] = theme.axis(
            title=x_title if k == 1 else "",  # once: repeated titles overlap on narrow panels
            presentation=presentation,
            domain=[start, start + width],
            anchor="y",
            type="category",
            nticks=3,  # a few unit numbers per narrow panel, so neighbours never collide
            tickangle=0,
        )
        annotations.append(theme.panel_title(name, suffix, size))
    layout["yaxis"] = theme.axis(
        title=y_title, presentation=presentation, type="category", autorange="reversed"
    )
    layout["annotations"] = annotations
    layout["margin"]["t"] += size + 12
    layout["height"] = theme.auto_height(len(y), presentation=presentation) + size
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        left_title=bool(y_title),
        bottom=["88"],
        bottom_title=bool(x_title),
        right=theme.colorbar_room(["−0.5"], presentation=presentation),
    )
    return theme.figure(traces, layout=layout)
