"""Figures for looking at every attention head at once and at one number of one head.

`head_grid` draws every head's (T, S) weight map as small multiples on one shared 0..1 colour
scale (one colorbar for all, so the same colour is the same weight in every panel), like
BertViz's model view; the selected head is outlined. Small panels carry no tick labels once
they would collide: hovering a cell still names its head, query, key and weight.

`cell_heatmap` draws one head's map with one cell (query i, key j) outlined and row i framed,
and can paint the cells a mask hides in grey, so "weight 0 because hidden" is not confused with
"weight near 0". Its rows and columns may be a window of a longer sentence: `row_start` and
`col_start` keep the labels' numbers those of the whole sentence.

`weighted_sum` shows one query's row of weights over the keys (the chosen key in another
colour, hidden keys marked ×) beside the vector those weights make, Σⱼ wᵢⱼ vⱼ, signed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

HIGHLIGHT = theme.MARKER_COLOR  # the chosen cell, the selected head
ROW_FRAME = "#111111"  # the chosen query's row
HIDDEN_COLOR = "#d0d0d0"  # a masked cell: no Viridis colour is grey
TEXT_ON_BARS_MAX = 16
GRID_WIDTH_PX = 1000  # the page's width the grid's height is made for (Streamlit's wide layout)
PANEL_MAX_PX = {False: 300, True: 380}  # one or two heads: panels no taller than this
MAP_PLOT_PX = {False: (200, 720), True: (260, 800)}  # a full map's plot height, least and most


def grid_columns(heads: int) -> int:
    """Panels per row of the grid: all in one row up to 4, then 4, then 8 above 16 heads."""
    if heads <= 4:
        return max(heads, 1)
    return 4 if heads <= 16 else 8


def panel_side(cols: int, presentation: bool) -> int:
    """A grid panel's side in pixels on a page about GRID_WIDTH_PX wide, at most PANEL_MAX_PX."""
    room = GRID_WIDTH_PX - (170 if presentation else 130)  # tick labels and the colorbar
    return int(min(PANEL_MAX_PX[presentation], room / cols - 12))


def weights_top(weights: np.ndarray) -> float:
    """The top of a row of weights' axis: 1.2 × its peak, at least 0.1, at most 1.12."""
    finite = weights[np.isfinite(weights)]
    peak = float(finite.max()) if finite.size else 0.0
    return float(min(max(peak * 1.2, 0.1), 1.12))


def _hover(lines: Sequence[tuple[str, str]]) -> str:
    return "<br>".join(theme.hover_line(name, value) for name, value in lines) + "<extra></extra>"


@theme.memo
def head_grid(
    weights: ArrayLike,
    query_labels: Sequence[str],
    key_labels: Sequence[str],
    *,
    titles: Sequence[str],
    selected: int | None = None,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "weight",
    start: int = 0,
    presentation: bool = False,
) -> go.Figure:
    """(H, T, S) weights as H small maps on one 0..1 scale; panel `selected` (0-based) outlined.
    `start` numbers the labels from where this window starts in the sentence."""
    z = theme.as_float32(weights, ndim=3, what="weights")
    H, T, S = z.shape
    if H < 1:
        raise ValueError("weights has no head; pass an (H, T, S) array with H >= 1")
    theme.check_count(titles, H, what="titles", per="head")
    theme.check_count(query_labels, T, what="query labels", per="row")
    theme.check_count(key_labels, S, what="key labels", per="column")
    if selected is not None and not 0 <= int(selected) < H:
        raise ValueError(f"selected head {selected} is not one of 0..{H - 1}")
    size = theme.font_size(presentation)
    cols = grid_columns(H)
    rows = math.ceil(H / cols)
    # Tick labels only while every row of a panel has room for one (plotly would skip some).
    ticks = cols <= 4 and panel_side(cols, presentation) / max(T, S) >= size + 2
    y = theme.row_labels(query_labels, start)
    x = theme.row_labels(key_labels, start)
    layout = theme.base_layout(title=title, presentation=presentation)
    layout["margin"]["t"] += size + 10  # the first row's panel titles
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y if ticks else (),
        left_title=bool(y_title),
        bottom=x if ticks else (),
        bottom_angle=-90,
        bottom_title=bool(x_title),
        right=theme.colorbar_room(["0.8"], presentation=presentation),
    )
    margin = layout["margin"]
    # Square panels on a page GRID_WIDTH_PX wide with these margins; the figure is as tall as
    # its rows and the titles between them, so the panels fill it.
    gap_x = 0.035 if ticks else 0.02
    width = (1.0 - gap_x * (cols - 1)) / cols
    side = min(PANEL_MAX_PX[presentation], (GRID_WIDTH_PX - margin["l"] - margin["r"]) * width)
    title_px = size + 14
    plot_px = rows * side + (rows - 1) * title_px
    gap_y = title_px / plot_px
    height = side / plot_px
    layout["height"] = int(margin["t"] + margin["b"] + plot_px)
    traces, annotations, shapes = [], [], []
    for h in range(H):
        row, col = divmod(h, cols)
        suffix = "" if h == 0 else str(h + 1)
        x0 = col * (width + gap_x)
        y1 = 1.0 - row * (height + gap_y)
        bottom = h + cols >= H  # no panel below this one
        traces.append(
            dict(
                type="heatmap",
                z=z[h],
                x=x,
                y=y,
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
                coloraxis="coloraxis",
                hovertemplate=_hover(
                    [
                        ("", theme.label(titles[h])),
                        (y_title, "%{y}"),
                        (x_title, "%{x}"),
                        (hover_name, "%{z:.4f}"),
                    ]
                ),
                hoverongaps=False,
            )
        )
        layout[f"xaxis{suffix}"] = theme.axis(
            title=x_title if (bottom and col == 0) else "",
            presentation=presentation,
            domain=[round(x0, 6), round(min(x0 + width, 1.0), 6)],
            anchor=f"y{suffix}",
            type="category",
            constrain="domain",
            constraintoward="left",
            tickangle=-90,
            showticklabels=ticks and bottom,
            ticks="",
            **({"tickmode": "linear", "tick0": 0, "dtick": 1} if ticks else {}),
        )
        layout[f"yaxis{suffix}"] = theme.axis(
            title=y_title if (col == 0 and row == 0) else "",
            presentation=presentation,
            domain=[round(max(y1 - height, 0.0), 6), round(min(y1, 1.0), 6)],
            anchor=f"x{suffix}",
            type="category",
            autorange="reversed",
            scaleanchor=f"x{suffix}",
            scaleratio=1,
            constrain="domain",
            constraintoward="top",
            showticklabels=ticks and col == 0,
            ticks="",
            **({"tickmode": "linear", "tick0": 0, "dtick": 1} if ticks else {}),
        )
        note = theme.panel_title(titles[h], suffix, size - (0 if cols <= 4 else 3))
        note.update(yref=f"y{suffix} domain", y=1.0)
        if selected is not None and h == int(selected):
            note["text"] = f"<b>{note['text']}</b>"
            note["font"]["color"] = HIGHLIGHT
            shapes.append(
                {
                    "type": "rect",
                    "xref": f"x{suffix} domain",
                    "yref": f"y{suffix} domain",
                    "x0": -0.01,
                    "x1": 1.01,
                    "y0": -0.01,
                    "y1": 1.01,
                    "line": {"color": HIGHLIGHT, "width": 3},
                    "fillcolor": "rgba(0,0,0,0)",
                }
            )
        annotations.append(note)
    layout["coloraxis"] = {
        "cmin": 0.0,
        "cmax": 1.0,
        "colorscale": theme.SEQUENTIAL_SCALE,
        "colorbar": theme.colorbar(presentation=presentation),
    }
    layout["annotations"] = annotations
    layout["shapes"] = shapes
    return theme.figure(traces, layout=layout)


@theme.memo
def cell_heatmap(
    weights: ArrayLike,
    query_labels: Sequence[str],
    key_labels: Sequence[str],
    *,
    cell: tuple[int, int] | None = None,
    hidden: ArrayLike | None = None,
    row_start: int = 0,
    col_start: int = 0,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "weight",
    hidden_name: str = "hidden",
    presentation: bool = False,
) -> go.Figure:
    """(R, C) weights on 0..1 with `cell` = (row, column) of this array outlined, its row framed.

    `hidden` (R, C) bool paints the masked cells grey; `row_start` / `col_start` number the
    labels from where this window starts in the sentence.
    """
    z = theme.as_float32(weights, ndim=2, what="weights")
    R, C = z.shape
    theme.check_count(query_labels, R, what="query labels", per="row")
    theme.check_count(key_labels, C, what="key labels", per="column")
    y = theme.row_labels(query_labels, row_start)
    x = theme.row_labels(key_labels, col_start)
    traces = [
        dict(
            type="heatmap",
            z=z,
            x=x,
            y=y,
            zmin=0.0,
            zmax=1.0,
            colorscale=theme.SEQUENTIAL_SCALE,
            colorbar=theme.colorbar(presentation=presentation),
            hovertemplate=_hover([(y_title, "%{y}"), (x_title, "%{x}"), (hover_name, "%{z:.4f}")]),
            hoverongaps=False,
        )
    ]
    if hidden is not None:
        mask = theme.as_mask(hidden, (R, C), per="cell")
        if mask.any():
            traces.append(
                theme.hidden_cells(
                    mask,
                    x,
                    y,
                    color=HIDDEN_COLOR,
                    name=hidden_name,
                    x_title=x_title,
                    y_title=y_title,
                )
            )
    shapes = []
    if cell is not None:
        i, j = (int(v) for v in cell)
        if not (0 <= i < R and 0 <= j < C):
            raise ValueError(f"cell {cell} is outside the ({R}, {C}) map")
        shapes = [
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": -0.5,
                "x1": C - 0.5,
                "y0": i - 0.5,
                "y1": i + 0.5,
                "line": {"color": ROW_FRAME, "width": 2, "dash": "dot"},
                "fillcolor": "rgba(0,0,0,0)",
            },
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": j - 0.5,
                "x1": j + 0.5,
                "y0": i - 0.5,
                "y1": i + 0.5,
                "line": {"color": HIGHLIGHT, "width": 4},
                "fillcolor": "rgba(0,0,0,0)",
            },
        ]
    layout = theme.base_layout(title=title, presentation=presentation)
    layout["shapes"] = shapes
    theme.square_map_axes(
        layout,
        x,
        y,
        x_title=x_title,
        y_title=y_title,
        presentation=presentation,
        right=theme.colorbar_room(["0.8"], presentation=presentation),
    )
    # The plot gets its rows' height whatever room the labels take below and beside it
    # (theme.auto_height counts a fixed frame: long words on end left 4 rows 40 pixels).
    margin = layout["margin"]
    low, high = MAP_PLOT_PX[presentation]
    plot = min(max(R * theme.ROW_PX[presentation], low), high)
    layout["height"] = int(margin["t"] + margin["b"] + plot)
    return theme.figure(traces, layout=layout)


@theme.memo
def weighted_sum(
    weights: ArrayLike,
    key_labels: Sequence[str],
    output: ArrayLike,
    *,
    chosen: int | None = None,
    hidden: ArrayLike | None = None,
    col_start: int = 0,
    title: str | None = None,
    weights_title: str = "",
    output_title: str = "",
    key_title: str = "",
    feature_title: str = "",
    chosen_name: str = "chosen",
    hidden_name: str = "hidden",
    presentation: bool = False,
) -> go.Figure:
    """One query's weights over the keys (left, on 0..1) and the vector Σⱼ wⱼ vⱼ (right)."""
    w = theme.as_float32(weights, ndim=1, what="weights")
    out = theme.as_float32(output, ndim=1, what="output")
    S, F = len(w), len(out)
    theme.check_count(key_labels, S, what="key labels", per="weight")
    x = theme.row_labels(key_labels, col_start)
    size = theme.font_size(presentation)
    mask = theme.as_mask(hidden, (S,), per="key")
    # Hidden keys get no bar (their weight is 0 by the mask, not by the scores): a × marks them.
    others = np.where(mask, np.float32(np.nan), w).astype(np.float32)
    mine = np.full(S, np.nan, dtype=np.float32)
    if chosen is not None:
        c = int(chosen)
        if not 0 <= c < S:
            raise ValueError(f"chosen key {chosen} is not one of 0..{S - 1}")
        mine[c], others[c] = others[c], np.nan
    text = {}
    if S <= TEXT_ON_BARS_MAX:
        text = {
            "texttemplate": "%{y:.2f}",
            "textposition": "outside",
            "textfont": {"size": size - 2},
            "cliponaxis": False,
        }
    hover = _hover([(key_title, "%{x}"), (weights_title, "%{y:.4f}")])
    traces = [
        dict(
            type="bar",
            x=x,
            y=others,
            name=theme.label(weights_title),
            marker={"color": theme.BAR_COLOR},
            hovertemplate=hover,
            showlegend=False,
            **text,
        ),
        dict(
            type="bar",
            x=x,
            y=mine,
            name=theme.label(chosen_name),
            marker={"color": HIGHLIGHT},
            hovertemplate=hover,
            showlegend=chosen is not None,
            **text,
        ),
    ]
    if mask.any():
        traces.append(
            dict(
                type="scatter",
                mode="markers",
                x=x,
                y=np.where(mask, np.float32(0.0), np.float32(np.nan)).astype(np.float32),
                name=theme.label(hidden_name),
                marker={"symbol": "x-thin", "size": size, "line": {"width": 2, "color": "#555555"}},
                hovertemplate=_hover([(key_title, "%{x}"), ("", theme.label(hidden_name))]),
                cliponaxis=False,
            )
        )
    limit = theme.symmetric_limit(out)
    traces.append(
        dict(
            type="bar",
            x=np.arange(F, dtype=np.int32),
            y=out,
            xaxis="x2",
            yaxis="y2",
            name=theme.label(output_title),
            showlegend=False,
            marker={
                "color": out,
                "colorscale": theme.DIVERGING_SCALE,
                "cmin": -limit,
                "cmax": limit,
                "cmid": 0.0,
                "line": {"color": theme.AXIS_COLOR, "width": 0.5},
            },
            hovertemplate=_hover([(feature_title, "%{x}"), (output_title, "%{y:.4f}")]),
        )
    )
    split = 0.62 if S >= F else 0.5
    gap = 0.1
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    layout.update(
        barmode="overlay",
        bargap=0.2,
        showlegend=any(tr.get("showlegend", True) for tr in traces),
        legend=theme.legend_above(size, side="left"),
        xaxis=theme.axis(
            title=key_title,
            presentation=presentation,
            type="category",
            domain=[0.0, split - gap / 2],
            tickangle=-90,
        ),
        # From 0 to a little above the row's largest weight (a long row's weights are small),
        # up to the whole 0..1 when one key takes most of the row.
        yaxis=theme.value_axis(weights_title, presentation, range=[0.0, weights_top(w)]),
        xaxis2=theme.axis(
            title=feature_title,
            presentation=presentation,
            type="category",
            domain=[split + gap / 2, 1.0],
            anchor="y2",
            tickangle=0,
            nticks=min(F, 8),
        ),
        # The right panel's axis on its right side, so its title never lands on the bars.
        yaxis2=theme.value_axis(
            output_title,
            presentation,
            anchor="x2",
            side="right",
            range=[-limit * 1.15, limit * 1.15],
        ),
    )
    names = [tr["name"] for tr in traces if tr.get("showlegend", True) and tr.get("name")]
    layout["margin"]["t"] += theme.legend_room(names, size) if names else 0
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=["0.88"],
        left_title=bool(weights_title),
        bottom=x,
        bottom_angle=-90,
        bottom_title=bool(key_title),
        right=theme.labels_px(theme.number_labels(-limit, limit), size - 1)
        + 12
        + (size + 10 if output_title else 0),
    )
    layout["height"] += layout["margin"]["b"]  # the bars keep their height under long words
    return theme.figure(traces, layout=layout)
