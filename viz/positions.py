"""Positions: the sinusoidal table's waves, and two orders of one sentence on one colour scale.

`position_waves` draws a few columns of the positional-encoding table as continuous waves over
the positions, with a dot where each token of the sentence samples them, so the class sees that
the first features turn fast and the last ones hardly move. `paired_heatmaps` puts two
(rows × features) heatmaps side by side on one shared diverging scale, each with its own row
labels — one layer's outputs for a sentence (labels on the left) and for its shuffled words
(labels on the right) — so the same colour is the same number in both and a row that only moved
is seen to have moved.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

# Colour-blind-safe and distinct on a washed-out projector: the fast pair first.
WAVE_COLORS = ("#2166ac", "#d6604d", "#1b7837", "#762a83", "#e08214", "#4d4d4d")
BAND_COLOR = "rgba(120, 120, 120, 0.12)"
MIN_PAIR = {False: 300, True: 400}  # pixels: the pair's height at the fewest rows
BAND_LEGEND_COLOR = "rgba(120, 120, 120, 0.35)"  # the band's square: a little darker to be seen


@theme.memo
def position_waves(
    positions: ArrayLike,
    curves: ArrayLike,
    names: Sequence[str],
    *,
    marks: ArrayLike | None = None,
    mark_labels: Sequence[str] = (),
    band_name: str = "",
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """(N, K) curves over N positions as K lines on [−1, 1]; optional (M, K) `marks` at the
    whole positions 0..M−1 (the sentence's tokens, named by `mark_labels`), on a grey band
    named `band_name` when the lines run past the sentence."""
    x = theme.as_float32(positions, ndim=1, what="positions")
    y = theme.as_float32(curves, ndim=2, what="curves")
    count, lines = y.shape
    if len(x) != count:
        raise ValueError(f"got {len(x)} positions for {count} curve points; pass one per point")
    theme.check_count(names, lines, what="names", per="line")
    size = theme.font_size(presentation)
    traces = []
    for k, name in enumerate(names):
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                x=x,
                y=y[:, k],
                name=theme.label(name),
                legendgroup=str(k),
                line={"color": WAVE_COLORS[k % len(WAVE_COLORS)], "width": 2.5},
                hovertemplate=theme.hover_line(x_title, "%{x:.2f}")
                + "<br>"
                + theme.hover_line(name, "%{y:.4f}")
                + "<extra></extra>",
            )
        )
    last = float(x.max()) if count else 0.0
    shapes = []
    if marks is not None:
        dots = theme.as_float32(marks, ndim=2, what="marks")
        tokens, columns = dots.shape
        if columns != lines:
            raise ValueError(f"marks has {columns} columns for {lines} lines; pass one per line")
        theme.check_count(mark_labels, tokens, what="mark labels", per="mark")
        at = np.arange(tokens, dtype=np.float32)
        labels = theme.row_labels(mark_labels)  # words travel as a list; numbers never do
        for k, name in enumerate(names):
            traces.append(
                dict(
                    type="scatter",
                    mode="markers",
                    x=at,
                    y=dots[:, k],
                    text=labels,
                    name=theme.label(name),
                    legendgroup=str(k),
                    showlegend=False,
                    marker={
                        "color": WAVE_COLORS[k % len(WAVE_COLORS)],
                        "size": 11 if presentation else 8,
                        "line": {"color": "white", "width": 1},
                    },
                    hovertemplate="%{text}<br>"
                    + theme.hover_line(name, "%{y:.4f}")
                    + "<extra></extra>",
                )
            )
        if band_name and tokens and tokens - 1 < last:
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "paper",
                    "x0": -0.5,
                    "x1": tokens - 0.5,
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": BAND_COLOR,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
            # Named in the legend (a grey square), where no curve or dot can cover the name.
            nothing = np.array([np.nan], dtype=np.float32)
            traces.append(
                dict(
                    type="scatter",
                    mode="markers",
                    x=nothing,
                    y=nothing,
                    name=theme.label(band_name),
                    marker={"color": BAND_LEGEND_COLOR, "size": 14, "symbol": "square"},
                    hoverinfo="skip",
                )
            )
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    layout.update(
        xaxis=theme.axis(
            title=x_title, presentation=presentation, tickangle=0, range=[-0.5, max(last, 1.0)]
        ),
        yaxis=theme.value_axis(y_title, presentation, range=[-1.1, 1.1], dtick=0.5),
        legend=theme.legend_above(size, side="left"),
        shapes=shapes,
    )
    legend = [*names, band_name] if shapes else names
    room = theme.legend_room([theme.label(n) for n in legend], size)  # the legend, above
    layout["margin"]["t"] += room
    layout["height"] += room
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=["−0.5"],
        left_title=bool(y_title),
        bottom=[str(int(last))],
        bottom_title=bool(x_title),
    )
    return theme.figure(traces, layout=layout)


@theme.memo
def paired_heatmaps(
    left: ArrayLike,
    right: ArrayLike,
    left_labels: Sequence[str],
    right_labels: Sequence[str],
    *,
    left_name: str = "",
    right_name: str = "",
    zrange: tuple[float, float] | None = None,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "value",
    presentation: bool = False,
) -> go.Figure:
    """Two (R, C) heatmaps side by side on one diverging scale, each with its own row labels:
    the left panel's on its left, the right panel's on its right (other words, other rows).

    Without `zrange` the scale is ± the largest |value| of both.
    """
    panels = []
    for name, values, labels in ((left_name, left, left_labels), (right_name, right, right_labels)):
        z = theme.as_float32(values, ndim=2, what=f"panel {name!r}")
        theme.check_count(labels, z.shape[0], what=f"row labels of panel {name!r}", per="row")
        panels.append((name, z, theme.row_labels(labels)))
    if panels[0][1].shape[0] != panels[1][1].shape[0]:
        raise ValueError(
            f"the panels have {panels[0][1].shape[0]} and {panels[1][1].shape[0]} rows; "
            "pass the same rows in two orders"
        )
    if zrange is not None:
        lo, hi = theme.check_range(zrange)
    else:
        hi = max(theme.symmetric_limit(z) for _, z, _ in panels)
        lo = -hi
    size = theme.font_size(presentation)
    rows = panels[0][1].shape[0]
    # The right panel's labels stand on its right; the gap only has to keep the panels apart.
    gap = 0.04
    width = (1.0 - gap) / 2
    traces, annotations = [], []
    layout = theme.base_layout(title=title, presentation=presentation)
    for k, (name, z, labels) in enumerate(panels, start=1):
        suffix = "" if k == 1 else str(k)
        traces.append(
            dict(
                type="heatmap",
                z=z,
                x=np.arange(z.shape[1], dtype=np.int32),
                y=labels,
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
                zmin=lo,
                zmax=hi,
                zmid=0.0,
                colorscale=theme.DIVERGING_SCALE,
                showscale=k == 1,
                # At the figure's right edge, beyond the right panel's labels.
                colorbar=theme.colorbar(
                    presentation=presentation, x=1.0, xref="container", xanchor="right"
                ),
                hovertemplate=theme.hover_line(y_title, "%{y}")
                + "<br>"
                + theme.hover_line(x_title, "%{x}")
                + "<br>"
                + theme.hover_line(f"{name} · {hover_name}" if hover_name else name, "%{z:.4f}")
                + "<extra></extra>",
                hoverongaps=False,
            )
        )
        start = (k - 1) * (width + gap)
        layout[f"xaxis{suffix}"] = theme.axis(
            title=x_title,
            presentation=presentation,
            domain=[start, start + width],
            anchor=f"y{suffix}",
            type="category",
            nticks=4,  # a few feature numbers per narrow panel, so neighbours never collide
            tickangle=0,
        )
        layout[f"yaxis{suffix}"] = theme.axis(
            title=y_title if k == 1 else "",
            presentation=presentation,
            type="category",
            autorange="reversed",
            anchor=f"x{suffix}",
            side="left" if k == 1 else "right",
        )
        annotations.append(theme.panel_title(name, suffix, size))
    layout["annotations"] = annotations
    layout["margin"]["t"] += size + 12
    # A short sentence still gets a colorbar tall enough for its numbers not to touch.
    layout["height"] = max(
        theme.auto_height(rows, presentation=presentation) + size, MIN_PAIR[presentation]
    )
    bar_room = theme.colorbar_room(theme.number_labels(lo, hi), presentation=presentation)
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=panels[0][2],
        left_title=bool(y_title),
        bottom=["88"],
        bottom_title=bool(x_title),
        right=theme.labels_px(panels[1][2], size - 1) + 12 + bar_room,
    )
    return theme.figure(traces, layout=layout)
