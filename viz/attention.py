"""Figures for attention step by step: the pieces one head works with, and why √Dh is there.

`qkv_heatmaps` puts a head's queries, keys and values, (T, Dh) each, side by side on one shared
diverging scale, so the same colour is the same number in all three. `score_heatmap` draws a
(T, S) grid of signed scores, queries down the side and keys along the bottom, with the cells a
mask hides painted in the mask's dark grey (they become −∞ before the softmax); unsigned, the
same grid of weights from 0. `heads_heatmap`
is a token × feature heatmap cut into the heads' blocks of Dh features, each named above its
block, one of them outlined. `entropy_bars` compares each query's attention entropy with and
without the ÷√Dh, against the most a row can have, ln(visible keys).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

HIDDEN_COLOR = theme.MASK_COLORS[0]  # the mask's "dropped" grey: a hidden cell is a dropped one
CHOSEN_COLOR = theme.MASK_COLORS[1]  # amber outline around the head looked at
MAX_COLOR = "#555555"


def _hover(y_title: str, x_title: str, value_name: str, value: str = "%{z:.4f}") -> str:
    lines = (
        theme.hover_line(y_title, "%{y}"),
        theme.hover_line(x_title, "%{x}"),
        theme.hover_line(value_name, value),
    )
    return "<br>".join(lines) + "<extra></extra>"


def _symmetric(values: Sequence[np.ndarray], zrange) -> tuple[float, float]:
    """The caller's range, or ± the largest |value| over every array."""
    if zrange is not None:
        return theme.check_range(zrange)
    peak = max(theme.symmetric_limit(v) for v in values)
    return -peak, peak


def _diverging(lo: float, hi: float) -> dict:
    return {"zmin": lo, "zmax": hi, "zmid": 0.0, "colorscale": theme.DIVERGING_SCALE}


@theme.memo
def qkv_heatmaps(
    panels: Sequence[tuple[str, ArrayLike]],
    token_labels: Sequence[str],
    *,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "value",
    zrange: tuple[float, float] | None = None,
    start: int = 0,
    presentation: bool = False,
) -> go.Figure:
    """(T, Dh) panels side by side (a head's Q, K, V), one shared diverging colour scale.

    Every panel has one row per token of `token_labels`; the colour range is ± the largest |value|
    over all panels, or `zrange`, so a colour means the same number in each.
    """
    if not panels:
        raise ValueError("panels is empty; pass (name, values (T, Dh)) for each panel")
    arrays = [theme.as_float32(v, ndim=2, what=f"panel {name!r}") for name, v in panels]
    for z in arrays:
        theme.check_count(token_labels, z.shape[0], what="token labels", per="row")
    lo, hi = _symmetric(arrays, zrange)
    size = theme.font_size(presentation)
    y = theme.row_labels(token_labels, start)
    count = len(arrays)
    gap = 0.03 if count > 1 else 0.0
    width = (1.0 - gap * (count - 1)) / count
    traces, annotations = [], []
    layout = theme.base_layout(title=title, presentation=presentation)
    for k, ((name, _), z) in enumerate(zip(panels, arrays, strict=True), start=1):
        suffix = "" if k == 1 else str(k)
        traces.append(
            dict(
                type="heatmap",
                z=z,
                x=np.arange(z.shape[1], dtype=np.int32),
                y=y,
                xaxis=f"x{suffix}",
                yaxis="y",
                **_diverging(lo, hi),
                showscale=k == 1,
                colorbar=theme.colorbar(presentation=presentation),
                hovertemplate=_hover(
                    y_title, x_title, f"{name} · {hover_name}" if hover_name else name
                ),
                hoverongaps=False,
            )
        )
        start = (k - 1) * (width + gap)
        layout[f"xaxis{suffix}"] = theme.axis(
            title=x_title if k == 1 else "",  # once: repeated titles crowd narrow panels
            presentation=presentation,
            domain=[start, start + width],
            anchor="y",
            type="category",
            nticks=4,
            tickangle=0,
        )
        annotations.append(theme.panel_title(name, suffix, size))
    layout["yaxis"] = theme.axis(
        title=y_title, presentation=presentation, type="category", autorange="reversed"
    )
    layout["annotations"] = annotations
    layout["margin"]["t"] += size + 12
    layout["height"] = theme.auto_height(len(y), presentation=presentation) + size
    widest = max(z.shape[1] for z in arrays)
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        left_title=bool(y_title),
        bottom=[str(widest - 1)],
        bottom_title=bool(x_title),
        right=theme.colorbar_room(theme.number_labels(lo, hi), presentation=presentation),
    )
    return theme.figure(traces, layout=layout)


@theme.memo
def score_heatmap(
    scores: ArrayLike,
    query_labels: Sequence[str],
    key_labels: Sequence[str],
    *,
    hidden: ArrayLike | None = None,
    hidden_name: str = "hidden",
    signed: bool = True,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "score",
    zrange: tuple[float, float] | None = None,
    start: int = 0,
    presentation: bool = False,
) -> go.Figure:
    """(T, S) scores, queries down the side, keys along the bottom, square cells as large as the
    rows of a token heatmap (the bottom's words get their own room).

    `hidden` (T, S) bool marks the cells a mask hides: they are painted dark grey (named
    `hidden_name` above the plot and on hover) and left out of the colour range, which is
    ± the largest visible |score| unless `zrange` is given. `signed=False` draws values from 0
    (attention weights) on the sequential scale, from 0 to the largest value or to `zrange`.
    """
    z = theme.as_float32(scores, ndim=2, what="scores")
    queries, keys = z.shape
    theme.check_count(query_labels, queries, what="query labels", per="row")
    theme.check_count(key_labels, keys, what="key labels", per="column")
    mask = theme.as_mask(hidden, z.shape, per="score")
    shown = np.where(mask, np.float32(np.nan), z).astype(np.float32)
    if signed:
        lo, hi = _symmetric([shown], zrange)
        colors = _diverging(lo, hi)
    else:
        lo, hi = theme.check_range(zrange) if zrange else (0.0, theme.upper_limit(shown))
        colors = {"zmin": lo, "zmax": hi, "colorscale": theme.SEQUENTIAL_SCALE}
    x, y = theme.row_labels(key_labels, start), theme.row_labels(query_labels, start)
    size = theme.font_size(presentation)
    traces = [
        dict(
            type="heatmap",
            z=shown,
            x=x,
            y=y,
            **colors,
            colorbar=theme.colorbar(presentation=presentation),
            hovertemplate=_hover(y_title, x_title, hover_name, "%{z:.4f}"),
            hoverongaps=False,
        )
    ]
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(queries, presentation=presentation),
        presentation=presentation,
    )
    if mask.any():
        traces.append(
            theme.hidden_cells(
                mask, x, y, color=HIDDEN_COLOR, name=hidden_name, x_title=x_title, y_title=y_title
            )
        )
        layout["annotations"] = [theme.swatch_note(hidden_name, HIDDEN_COLOR, size)]
        layout["margin"]["t"] += size + 10
        layout["height"] += size + 10
    theme.square_map_axes(
        layout,
        x,
        y,
        x_title=x_title,
        y_title=y_title,
        presentation=presentation,
        right=theme.colorbar_room(theme.number_labels(lo, hi), presentation=presentation),
    )
    layout["height"] += layout["margin"]["b"]  # the cells keep their size under long words
    return theme.figure(traces, layout=layout)


@theme.memo
def heads_heatmap(
    values: ArrayLike,
    token_labels: Sequence[str],
    *,
    head_width: int,
    head_names: Sequence[str],
    chosen: int | None = None,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "value",
    zrange: tuple[float, float] | None = None,
    start: int = 0,
    presentation: bool = False,
) -> go.Figure:
    """(T, C) features cut into heads of `head_width` columns: lines between the heads, each
    head's name above its block, head `chosen` (0-based) outlined.

    `head_names` has one name per block that the C columns show (the last may be cut short).
    When a name is wider than its block, the blocks are numbered 1, 2, … instead.
    """
    z = theme.as_float32(values, ndim=2, what="values")
    rows, cols = z.shape
    theme.check_count(token_labels, rows, what="token labels", per="row")
    width = int(head_width)
    if width < 1:
        raise ValueError(f"head_width must be ≥ 1, got {head_width}")
    blocks = math.ceil(cols / width)
    theme.check_count(head_names, blocks, what="head names", per="head")
    lo, hi = _symmetric([z], zrange)
    size = theme.font_size(presentation)
    y = theme.row_labels(token_labels, start)
    trace = dict(
        type="heatmap",
        z=z,
        x=np.arange(cols, dtype=np.int32),
        y=y,
        **_diverging(lo, hi),
        colorbar=theme.colorbar(presentation=presentation),
        hovertemplate=_hover(y_title, x_title, hover_name),
        hoverongaps=False,
    )
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(rows, presentation=presentation) + size,
        presentation=presentation,
    )
    # A block's room on a narrow (640 px) plot decides between names and numbers.
    block_px = theme.LEGEND_WIDTH_PX * min(width, cols) / cols
    fits = all(theme.text_px(theme.label(n), size - 1) + 6 <= block_px for n in head_names)
    shapes, annotations = [], []
    for k in range(blocks):
        left, right = k * width - 0.5, min((k + 1) * width, cols) - 0.5
        if k:
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": left,
                    "x1": left,
                    "y0": 0.0,
                    "y1": 1.0,
                    "line": {"color": theme.AXIS_COLOR, "width": 2},
                }
            )
        annotations.append(
            {
                "text": theme.label(head_names[k]) if fits else str(k + 1),
                "hovertext": theme.label(head_names[k]),
                "xref": "x",
                "x": (left + right) / 2,
                "xanchor": "center",
                "yref": "paper",
                "y": 1.0,
                "yanchor": "bottom",
                "yshift": 2,
                "showarrow": False,
                "font": {"size": size - 1, "color": theme.AXIS_COLOR},
            }
        )
    if chosen is not None and 0 <= int(chosen) < blocks:
        k = int(chosen)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": k * width - 0.5,
                "x1": min((k + 1) * width, cols) - 0.5,
                "y0": 0.0,
                "y1": 1.0,
                "line": {"color": CHOSEN_COLOR, "width": 4},
                "fillcolor": "rgba(0,0,0,0)",
            }
        )
    layout.update(shapes=shapes, annotations=annotations)
    layout["margin"]["t"] += size + 8
    layout["xaxis"] = theme.axis(
        title=x_title,
        presentation=presentation,
        range=[-0.5, cols - 0.5],
        tickangle=0,
        **({"dtick": width} if cols // width <= 16 else {}),
    )
    layout["yaxis"] = theme.axis(
        title=y_title, presentation=presentation, type="category", autorange="reversed"
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        left_title=bool(y_title),
        bottom=[str(cols)],
        bottom_title=bool(x_title),
        right=theme.colorbar_room(theme.number_labels(lo, hi), presentation=presentation),
    )
    return theme.figure([trace], layout=layout)


@theme.memo
def entropy_bars(
    scaled: ArrayLike,
    unscaled: ArrayLike,
    query_labels: Sequence[str],
    *,
    maximum: ArrayLike,
    start: int = 0,
    scaled_name: str = "scaled",
    unscaled_name: str = "unscaled",
    max_name: str = "max",
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """Each query's attention entropy (nats) with and without ÷√Dh, as paired bars, and the most
    its row can have, ln(visible keys), as a dashed step line over them. The queries are labelled
    `"i · token"` from i = `start`, so that a sentence's words keep their positions after padding.
    """
    with_scale = theme.as_float32(scaled, ndim=1, what="scaled")
    without = theme.as_float32(unscaled, ndim=1, what="unscaled")
    top = theme.as_float32(maximum, ndim=1, what="maximum")
    count = len(query_labels)
    for name, array in (("scaled", with_scale), ("unscaled", without), ("maximum", top)):
        if len(array) != count:
            raise ValueError(f"{name} has {len(array)} values for {count} queries; one per query")
    x = [
        f"{int(start) + i} · {name.split(' · ', 1)[1]}"
        for i, name in enumerate(theme.row_labels(query_labels))
    ]
    size = theme.font_size(presentation)

    def hover(name: str) -> str:
        return (
            f"{theme.label(name)}<br>"
            + theme.hover_line(x_title, "%{x}")
            + "<br>"
            + theme.hover_line(y_title, "%{y:.3f}")
            + "<extra></extra>"
        )

    traces = [
        dict(
            type="bar",
            x=x,
            y=array,
            name=theme.label(name),
            marker={"color": color},
            hovertemplate=hover(name),
        )
        for name, array, color in (
            (scaled_name, with_scale, theme.AFTER_COLOR),
            (unscaled_name, without, theme.MARKER_COLOR),
        )
    ]
    traces.append(
        dict(
            type="scatter",
            mode="lines",
            x=x,
            y=top,
            name=theme.label(max_name),
            line={"color": MAX_COLOR, "width": 2, "dash": "dash", "shape": "hvh"},
            hovertemplate=hover(max_name),
        )
    )
    peak = max(theme.upper_limit(top), theme.upper_limit(with_scale), theme.upper_limit(without))
    angle = 0 if len(x) <= 2 else -90
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    names = [scaled_name, unscaled_name, max_name]
    layout.update(
        barmode="group",
        bargap=0.25,
        showlegend=True,
        legend=theme.legend_above(size, side="left"),
        xaxis=theme.axis(
            title=x_title, presentation=presentation, type="category", tickangle=angle
        ),
        yaxis=theme.value_axis(y_title, presentation, range=[0.0, peak * 1.08]),
    )
    room = theme.legend_room(names, size)
    layout["margin"]["t"] += room
    layout["height"] += room
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=theme.number_labels(0.0, peak),
        left_title=bool(y_title),
        bottom=x,
        bottom_angle=angle,
        bottom_title=bool(x_title),
    )
    layout["height"] += layout["margin"]["b"]  # the bars keep their height under long words
    return theme.figure(traces, layout=layout)
