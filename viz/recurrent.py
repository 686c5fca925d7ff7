"""Figures for stepping a recurrent layer through time, one step t at a time.

`state_bars` draws a few vectors of one step as small bar charts, each on its own value axis:
the token vector xₜ and the state carried in (hₜ₋₁, cₜ₋₁), or every gate of the step over all
U units with the new state. Sigmoid gates get their true 0..1 axis and tanh ones −1..1, so a
gate that is half open looks half open whatever the sentence; the unit whose equations the page
writes is drawn in another colour with its value above it.

`step_timeline` draws h (T, U) over the whole sentence, one row per token, on −1..1 (every
hₜ of SimpleRNN, LSTM and GRU lies there): the current step's row framed, the chosen unit's
column outlined, and the rows after the step faded, because the layer has not read them yet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from . import theme

HIGHLIGHT = theme.MARKER_COLOR  # the chosen unit's bar, the current step's row
BAND_FILL = "rgba(214, 96, 77, 0.16)"  # behind the chosen unit's bar
COLUMN_LINE = "#111111"  # the chosen unit's column on the timeline
FUTURE_FILL = "rgba(255, 255, 255, 0.72)"  # over the steps not read yet
FUTURE_KEY = "#e4e4e4"  # their key's swatch
PANEL_PX = {False: 150, True: 200}  # one panel's plot height
PLOT_WIDTH_PX = 880  # the plot's width on Streamlit's wide layout, for gaps given in pixels
LINEAR_TICKS = 16  # up to this many bars, every bar's number is a tick
HEADROOM = 1.3  # the value axis reaches past the tallest bar: room for the chosen value


def _value_range(values: np.ndarray, fixed) -> tuple[list[float], dict]:
    """The panel's value axis: a fixed range with its meaningful ticks, or ±max|v|."""
    if fixed is None:
        limit = theme.symmetric_limit(values) * HEADROOM
        return [-limit, limit], {"nticks": 5}
    lo, hi = theme.check_range(fixed)
    span = (hi - lo) * (HEADROOM - 1)
    bottom = lo if lo >= 0 else lo - span
    return [bottom, hi + span], {"tickmode": "array", "tickvals": [lo, (lo + hi) / 2, hi]}


@theme.memo
def state_bars(
    panels: Sequence[Mapping],
    *,
    columns: int = 2,
    title: str | None = None,
    value_name: str = "value",
    presentation: bool = False,
) -> go.Figure:
    """Vectors of one step as bar panels, `columns` to a row.

    Each panel is a mapping: `name` (its title), `values` (N,), `range` ((lo, hi) for a gate's
    fixed range, or None for ±max|v|), `chosen` (the 0-based bar to highlight, or None), `start`
    (the number of the first bar: 1 for units 1..U, more for a window) and `index_name` (what a
    bar is: "unit", "feature").
    """
    if not panels:
        raise ValueError("panels is empty; pass one mapping per vector")
    columns = max(1, min(int(columns), len(panels)))
    rows = math.ceil(len(panels) / columns)
    size = theme.font_size(presentation)
    title_px = size + 14
    # Panels over the same bars (every gate of a step) number them under the bottom row only:
    # fewer tick labels to lay out on each step, and the rows sit closer.
    shared = len({(int(p.get("start", 1)), len(p["values"])) for p in panels}) == 1
    ticks_px = 6 if shared else math.ceil(size * 1.4) + 8  # x tick labels between rows
    # Between two panels: the right one's value ticks and some air.
    gap_px = theme.labels_px(["−0.88"], size - 1) + 24
    gap_x = min(0.2, gap_px / PLOT_WIDTH_PX) if columns > 1 else 0.0
    width = (1.0 - gap_x * (columns - 1)) / columns
    plot_px = rows * PANEL_PX[presentation] + (rows - 1) * (title_px + ticks_px)
    height = PANEL_PX[presentation] / plot_px
    gap_y = (title_px + ticks_px) / plot_px
    layout = theme.base_layout(title=title, presentation=presentation)
    layout["margin"]["t"] += title_px
    traces, annotations, shapes, numbers = [], [], [], []
    for k, panel in enumerate(panels):
        name = str(panel["name"])
        values = theme.as_float32(panel["values"], ndim=1, what=f"panel {name!r} values")
        count = len(values)
        if count < 1:
            raise ValueError(f"panel {name!r} has no values")
        start = int(panel.get("start", 1))
        chosen = panel.get("chosen")
        if chosen is not None and not 0 <= int(chosen) < count:
            raise ValueError(f"panel {name!r}: chosen bar {chosen} is not one of 0..{count - 1}")
        index_name = str(panel.get("index_name", ""))
        span, ticks = _value_range(values, panel.get("range"))
        numbers += theme.number_labels(*span)
        row, col = divmod(k, columns)
        suffix = "" if k == 0 else str(k + 1)
        x = np.arange(start, start + count, dtype=np.int32)
        hover = (
            "<br>".join(
                (
                    theme.label(name),
                    theme.hover_line(index_name, "%{x}"),
                    theme.hover_line(value_name, "%{y:.4f}"),
                )
            )
            + "<extra></extra>"
        )
        bar = dict(
            type="bar",
            x=x,
            y=values,
            xaxis=f"x{suffix}",
            yaxis=f"y{suffix}",
            marker={"color": theme.BAR_COLOR},
            hovertemplate=hover,
            showlegend=False,
        )
        traces.append(bar)
        if chosen is not None:
            c = int(chosen)
            traces.append(
                dict(
                    bar,
                    x=x[c : c + 1],
                    y=values[c : c + 1],
                    marker={"color": HIGHLIGHT},
                )
            )
            annotations.append(  # its value at the panel's top, on white over thin bars
                {
                    "text": f"{float(values[c]):.3g}",  # as the page's equations write it
                    "xref": f"x{suffix}",
                    # from the bar's edge into the panel: never over the axis' numbers
                    **(
                        {"x": start + c - 0.5, "xanchor": "left"}
                        if c < count / 2
                        else {"x": start + c + 0.5, "xanchor": "right"}
                    ),
                    "yref": f"y{suffix} domain",
                    "y": 1.0,
                    "yanchor": "top",
                    "showarrow": False,
                    "font": {"size": size - 1, "color": HIGHLIGHT},
                    "bgcolor": "rgba(255, 255, 255, 0.9)",
                }
            )
            shapes.append(  # a band behind the chosen unit: found at a glance, even near 0
                {
                    "type": "rect",
                    "xref": f"x{suffix}",
                    "yref": f"y{suffix} domain",
                    "x0": start + c - 0.5,
                    "x1": start + c + 0.5,
                    "y0": 0.0,
                    "y1": 1.0,
                    "fillcolor": BAND_FILL,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
        x0 = col * (width + gap_x)
        y1 = 1.0 - row * (height + gap_y)
        domain_y = [round(max(y1 - height, 0.0), 6), round(min(y1, 1.0), 6)]
        linear = {"tickmode": "linear", "tick0": start, "dtick": 1} if count <= LINEAR_TICKS else {}
        layout[f"xaxis{suffix}"] = theme.axis(
            presentation=presentation,
            domain=[round(x0, 6), round(min(x0 + width, 1.0), 6)],
            anchor=f"y{suffix}",
            range=[start - 0.6, start + count - 0.4],
            tickformat="d",
            tickangle=0,
            showticklabels=not shared or k + columns >= len(panels),
            **(linear or {"nticks": 8}),
        )
        layout[f"yaxis{suffix}"] = theme.value_axis(
            "",
            presentation,
            domain=domain_y,
            anchor=f"x{suffix}",
            range=span,
            **ticks,
        )
        note = theme.panel_title(name, suffix, size)
        note.update(yref=f"y{suffix} domain", y=1.0)
        annotations.append(note)
    layout.update(
        annotations=annotations, shapes=shapes, barmode="overlay", bargap=0.15, showlegend=False
    )
    theme.fit_margins(layout, presentation=presentation, left=numbers, bottom=["88"])
    layout["height"] = int(plot_px + layout["margin"]["t"] + layout["margin"]["b"])
    return theme.figure(traces, layout=layout)


@theme.memo
def step_timeline(
    values: np.ndarray,
    token_labels: Sequence[str],
    *,
    step: int,
    unit: int | None = None,
    row_start: int = 1,
    col_start: int = 1,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "value",
    future_name: str = "",
    presentation: bool = False,
) -> go.Figure:
    """h (T, U) on −1..1, one row per token: row `step` (0-based) framed, column `unit`
    (0-based) outlined, later rows faded. Rows are numbered from `row_start`, units from
    `col_start` (a window of a longer sentence or of many units keeps their numbers)."""
    z = theme.as_float32(values, ndim=2, what="values")
    rows, cols = z.shape
    theme.check_count(token_labels, rows, what="token labels", per="row")
    if not 0 <= int(step) < rows:
        raise ValueError(f"step {step} is not one of the rows 0..{rows - 1}")
    if unit is not None and not 0 <= int(unit) < cols:
        raise ValueError(f"unit {unit} is not one of the columns 0..{cols - 1}")
    size = theme.font_size(presentation)
    y = theme.row_labels(token_labels, row_start)
    x = np.arange(col_start, col_start + cols, dtype=np.int32)
    trace = dict(
        type="heatmap",
        z=z,
        x=x,
        y=y,
        zmin=-1.0,
        zmax=1.0,
        zmid=0.0,
        colorscale=theme.DIVERGING_SCALE,
        colorbar=theme.colorbar(presentation=presentation),
        hovertemplate="<br>".join(
            (
                theme.hover_line(y_title, "%{y}"),
                theme.hover_line(x_title, "%{x}"),
                theme.hover_line(hover_name, "%{z:.4f}"),
            )
        )
        + "<extra></extra>",
        hoverongaps=False,
    )
    step = int(step)
    left, right = col_start - 0.5, col_start + cols - 0.5
    shapes = []
    if step + 1 < rows:  # the steps after this one: not read yet
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": left,
                "x1": right,
                "y0": step + 0.5,
                "y1": rows - 0.5,
                "fillcolor": FUTURE_FILL,
                "line": {"width": 0},
                "layer": "above",
            }
        )
    if unit is not None:
        u = col_start + int(unit)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": u - 0.5,
                "x1": u + 0.5,
                "y0": -0.5,
                "y1": rows - 0.5,
                "line": {"color": COLUMN_LINE, "width": 1.5},
                "fillcolor": "rgba(0,0,0,0)",
            }
        )
    shapes.append(
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": left,
            "x1": right,
            "y0": step - 0.5,
            "y1": step + 0.5,
            "line": {"color": HIGHLIGHT, "width": 3},
            "fillcolor": "rgba(0,0,0,0)",
        }
    )
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(rows, presentation=presentation),
        presentation=presentation,
    )
    linear = {"tickmode": "linear", "tick0": col_start, "dtick": 1} if cols <= LINEAR_TICKS else {}
    layout["xaxis"] = theme.axis(
        title=x_title,
        presentation=presentation,
        range=[left, right],
        tickformat="d",
        tickangle=0,
        **(linear or {"nticks": 10}),
    )
    layout["yaxis"] = theme.axis(
        title=y_title, presentation=presentation, type="category", autorange="reversed"
    )
    layout["shapes"] = shapes
    if future_name and step + 1 < rows:
        layout["annotations"] = [theme.swatch_note(future_name, FUTURE_KEY, size)]
        layout["margin"]["t"] += size + 8
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        left_title=bool(y_title),
        bottom=["88"],
        bottom_title=bool(x_title),
        right=theme.colorbar_room(["−0.5"], presentation=presentation),
    )
    return theme.figure([trace], layout=layout)
