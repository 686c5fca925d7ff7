"""A recurrent layer's weight matrix drawn with its gate bands, for Keras' and PyTorch's layouts.

Keras keeps an LSTM's kernel as (D, 4U): the four gates side by side along the columns. PyTorch
keeps weight_ih as (4U, D): the same gates stacked along the rows, in another order for the GRU.
`weight_bands` draws one such matrix as one panel per gate band, the bands next to each other
(`along="columns"`) or on top of each other (`along="rows"`), each band labelled and marked with
a coloured strip. The caller gives each gate its colour, so the same gate has the same colour in
both layouts and a student can follow it through the transposition and the reordering. One
diverging colour axis for all panels, centred at 0; pass `zrange` to two figures meant to be
compared so that the same colour is the same number in both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

STRIP_PX = 7  # the coloured strip that marks a band
GAP = 0.012  # the space between two bands, as a share of the plot
STAGGER_BANDS = 3  # from this many bands side by side, their names take two lines


def _hover(lines: Sequence[tuple[str, str]]) -> str:
    return "<br>".join(theme.hover_line(name, value) for name, value in lines) + "<extra></extra>"


def _other_axis(count: int, labels: Sequence[str] | None, start: int) -> np.ndarray | list[str]:
    """The non-banded axis: index numbers from `start`, or the caller's labels (bias rows)."""
    if labels is None:
        return np.arange(start, start + count, dtype=np.int32)
    theme.check_count(labels, count, what="labels", per="row or column")
    return theme.distinct_labels(labels)


@theme.memo
def weight_bands(
    values: ArrayLike,
    *,
    bands: Sequence[tuple[str, str]],
    along: str,
    other_labels: Sequence[str] | None = None,
    other_start: int = 0,
    title: str | None = None,
    band_title: str = "",
    other_title: str = "",
    hover_name: str = "value",
    zrange: tuple[float, float] | None = None,
    colorbar: bool = True,
    presentation: bool = False,
) -> go.Figure:
    """A weight matrix whose columns (`along="columns"`) or rows (`along="rows"`) are G equal
    bands, one per gate, in the order given as (name, colour); each band is one panel.

    `band_title` names the position inside a band (a unit), `other_title` the other axis (an
    input feature); `other_labels` replaces the other axis' numbers (bias rows). Two figures
    side by side on one `zrange` need one colorbar: `colorbar=False` leaves it to the other."""
    if along not in ("columns", "rows"):
        raise ValueError(f'along must be "columns" or "rows", got {along!r}')
    z = theme.as_float32(values, ndim=2, what="values")
    if along == "rows":
        z = z.T  # draw from (other, banded) and swap the roles of the axes below
    G = len(bands)
    if G < 1:
        raise ValueError("bands is empty; pass (name, colour) for each gate band")
    other, banded = z.shape
    if banded % G:
        raise ValueError(f"{banded} positions cannot split into {G} equal bands")
    k = banded // G
    size = theme.font_size(presentation)
    columns = along == "columns"
    other_axis = _other_axis(other, other_labels, other_start)
    units = np.arange(k, dtype=np.int32)
    if zrange is not None:
        lo, hi = theme.check_range(zrange)
    else:
        hi = theme.symmetric_limit(z)
        lo = -hi
    share = (1.0 - GAP * (G - 1)) / G
    stagger = columns and G >= STAGGER_BANDS
    layout = theme.base_layout(title=title, presentation=presentation)
    if title:  # from the figure's left edge: the row names take the left margin
        layout["title"]["xref"] = "container"
    traces, annotations, shapes = [], [], []
    for g, (name, color) in enumerate(bands):
        suffix = "" if g == 0 else str(g + 1)
        start = g * (share + GAP)
        domain = [round(start, 6), round(min(start + share, 1.0), 6)]
        block = z[:, g * k : (g + 1) * k]  # (other, k)
        hover = _hover(
            [
                ("", f"<b>{theme.label(name)}</b>"),
                (band_title, "%{x}" if columns else "%{y}"),
                (other_title, "%{y}" if columns else "%{x}"),
                (hover_name, "%{z:.4f}"),
            ]
        )
        if columns:  # bands side by side: x axes per band, one y axis
            traces.append(
                dict(
                    type="heatmap",
                    z=block,
                    x=units,
                    y=other_axis,
                    xaxis=f"x{suffix}",
                    yaxis="y",
                    coloraxis="coloraxis",
                    hovertemplate=hover,
                    hoverongaps=False,
                )
            )
            layout[f"xaxis{suffix}"] = theme.axis(
                title=band_title if g == 0 else "",
                presentation=presentation,
                domain=domain,
                anchor="y",
                type="category",
                nticks=4,
                tickangle=0,
            )
            note = theme.panel_title(name, suffix, size)
            note["font"]["color"] = color
            # Three or four names rarely fit over narrow bands: every other one a line higher.
            note["yshift"] = STRIP_PX + 4 + (size + 6 if stagger and g % 2 else 0)
            annotations.append(note)
            shapes.append(
                {
                    "type": "rect",
                    "xref": f"x{suffix} domain",
                    "x0": 0,
                    "x1": 1,
                    "yref": "paper",
                    "ysizemode": "pixel",
                    "yanchor": 1,
                    "y0": 2,
                    "y1": 2 + STRIP_PX,
                    "fillcolor": color,
                    "line": {"width": 0},
                }
            )
        else:  # bands stacked: y axes per band (top band first), one x axis
            top_down = [round(1.0 - domain[1], 6), round(1.0 - domain[0], 6)]
            traces.append(
                dict(
                    type="heatmap",
                    z=block.T,
                    x=other_axis,
                    y=units,
                    xaxis="x",
                    yaxis=f"y{suffix}",
                    coloraxis="coloraxis",
                    hovertemplate=hover,
                    hoverongaps=False,
                )
            )
            layout[f"yaxis{suffix}"] = theme.axis(
                presentation=presentation,
                domain=[max(top_down[0], 0.0), min(top_down[1], 1.0)],
                anchor="x",
                type="category",
                autorange="reversed",
                nticks=4,
            )
            annotations.append(  # the band's name, level, left of its unit numbers
                {
                    "text": f"<b>{theme.label(name)}</b>",
                    "xref": "paper",
                    "x": 0.0,
                    "xanchor": "right",
                    "yref": f"y{suffix} domain",
                    "y": 0.5,
                    "yanchor": "middle",
                    "showarrow": False,
                    "font": {"size": size, "color": color},
                }
            )
            shapes.append(
                {
                    "type": "rect",
                    "yref": f"y{suffix} domain",
                    "y0": 0,
                    "y1": 1,
                    "xref": "paper",
                    "xsizemode": "pixel",
                    "xanchor": 1,
                    "x0": 3,
                    "x1": 3 + STRIP_PX,
                    "fillcolor": color,
                    "line": {"width": 0},
                }
            )
    if columns:
        layout["yaxis"] = theme.axis(
            title=other_title,
            presentation=presentation,
            type="category",
            autorange="reversed",
        )
        rows = other
    else:
        angle = 0 if other_labels is None or len(other_labels) <= 2 else -90
        layout["xaxis"] = theme.axis(
            title=other_title,
            presentation=presentation,
            anchor=f"y{G if G > 1 else ''}",  # along the bottom band
            type="category",
            tickangle=angle,
            **({} if other_labels is not None else {"nticks": 8}),
        )
        rows = banded
    bar = theme.colorbar(presentation=presentation, xpad=STRIP_PX + 10)
    layout["coloraxis"] = {
        "cmin": lo,
        "cmax": hi,
        "cmid": 0.0,
        "colorscale": theme.DIVERGING_SCALE,
        "colorbar": bar,
        "showscale": bool(colorbar),
    }
    layout["annotations"] = annotations
    layout["shapes"] = shapes
    if columns:
        layout["margin"]["t"] += size + STRIP_PX + 10 + (size + 6 if stagger else 0)
    gaps = 0 if columns else (G - 1) * 4  # a few pixels between stacked bands
    layout["height"] = theme.auto_height(rows, presentation=presentation) + gaps
    if columns:
        layout["height"] += size + STRIP_PX + (size + 6 if stagger else 0)
    bottom = [str(v) for v in (units if columns else other_axis)]
    left = [str(v) for v in (other_axis if columns else units)]
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=left,
        left_title=bool(other_title) if columns else False,
        bottom=bottom,
        bottom_angle=0 if columns else angle,
        bottom_title=bool(band_title if columns else other_title),
        right=(
            theme.colorbar_room(theme.number_labels(lo, hi), presentation=presentation)
            if colorbar
            else 0
        )
        + (STRIP_PX + 8 if not columns else 0),
    )
    if not columns:  # room for the band names left of the unit numbers
        ticks = math.ceil(theme.labels_px(left, size - 1) + 12)
        names = theme.labels_px([theme.label(name) for name, _ in bands], size)
        layout["margin"]["l"] = max(layout["margin"]["l"], math.ceil(ticks + names + 14))
        for note in annotations:
            note["xshift"] = -ticks
    return theme.figure(traces, layout=layout)
