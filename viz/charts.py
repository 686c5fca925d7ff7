"""Charts: the numbers behind a layer, drawn so that one glance answers one question.

Normalization bars put each token's mean and standard deviation before and after the layer
side by side, so LayerNorm's "mean 0, std 1 per token" (then γ and β moving them) is seen rather
than told. The shape flow draws the model as a chain of boxes whose height grows with the
feature width and whose shapes are written underneath, so (B, T, D) becoming (B, T, U) reads left
to right. Feature bars show one vector — one token's features, or γ per feature — with its sign in
colour. A histogram with a marker places one number among many, e.g. an input's sum among the
sums of random inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

PANEL_GAP = 0.1  # between the two panels; the right panel's axis stands on its right
TEXT_ON_BARS_MAX = 16


@theme.memo
def norm_stats_bars(
    labels: Sequence[str],
    before_mean: ArrayLike,
    before_std: ArrayLike,
    after_mean: ArrayLike,
    after_std: ArrayLike,
    *,
    title: str | None = None,
    before_name: str = "before",
    after_name: str = "after",
    mean_title: str = "mean",
    std_title: str = "std",
    presentation: bool = False,
) -> go.Figure:
    """Per-token mean (left) and standard deviation (right), before vs after normalization."""
    series = {
        "before_mean": theme.as_float32(before_mean, ndim=1, what="before_mean"),
        "before_std": theme.as_float32(before_std, ndim=1, what="before_std"),
        "after_mean": theme.as_float32(after_mean, ndim=1, what="after_mean"),
        "after_std": theme.as_float32(after_std, ndim=1, what="after_std"),
    }
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(
                f"{name} has {len(values)} values for {len(labels)} labels; pass one per token"
            )
    x = theme.row_labels(labels)
    size = theme.font_size(presentation)
    traces = []
    for axis_suffix, stat, stat_title in (("", "mean", mean_title), ("2", "std", std_title)):
        for when, name, color in (
            ("before", before_name, theme.BEFORE_COLOR),
            ("after", after_name, theme.AFTER_COLOR),
        ):
            traces.append(
                dict(
                    type="bar",
                    x=x,
                    y=series[f"{when}_{stat}"],
                    name=theme.label(name),
                    legendgroup=when,
                    showlegend=axis_suffix == "",
                    marker={"color": color},
                    xaxis=f"x{axis_suffix}",
                    yaxis=f"y{axis_suffix}",
                    hovertemplate="%{x}<br>"
                    + theme.hover_line(f"{stat_title} · {name}", "%{y:.4f}")
                    + "<extra></extra>",
                )
            )
    half = (1.0 - PANEL_GAP) / 2
    angle = 0 if len(x) <= 2 else -90
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    layout.update(
        barmode="group",
        bargap=0.25,
        xaxis=theme.axis(
            presentation=presentation, type="category", domain=[0.0, half], tickangle=angle
        ),
        xaxis2=theme.axis(
            presentation=presentation,
            type="category",
            domain=[1.0 - half, 1.0],
            anchor="y2",
            tickangle=angle,
        ),
        # Panel names as y-axis titles: annotations above the panels collided with the legend.
        yaxis=theme.value_axis(mean_title, presentation),
        # The right panel's axis on its right side, so that its title never lands on the
        # left panel's bars.
        yaxis2=theme.value_axis(std_title, presentation, anchor="x2", side="right"),
        legend=theme.legend_above(size),
    )
    layout["margin"]["t"] += size + 16
    means = np.concatenate([series["before_mean"], series["after_mean"], np.zeros(1, np.float32)])
    stds = np.concatenate([series["before_std"], series["after_std"], np.zeros(1, np.float32)])
    std_ticks = theme.number_labels(*theme.finite_range(stds))
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=theme.number_labels(*theme.finite_range(means)),
        left_title=bool(mean_title),
        bottom=x,
        bottom_angle=angle,
        right=theme.labels_px(std_ticks, size - 1) + 12 + (size + 10 if std_title else 0),
    )
    layout["height"] += layout["margin"]["b"]  # the plot keeps its height under long words
    return theme.figure(traces, layout=layout)


@theme.memo
def shape_flow(
    blocks: Sequence[tuple[str, str, int]],
    *,
    title: str | None = None,
    presentation: bool = False,
) -> go.Figure:
    """The model as boxes left to right: name above, output shape below, height ~ log2(width)."""
    if not blocks:
        raise ValueError("blocks is empty; pass (name, shape_text, width) for each block")
    widths = []
    for name, _, width in blocks:
        if not (isinstance(width, int | float | np.number) and math.isfinite(width) and width >= 1):
            raise ValueError(f"block {name!r} has width {width!r}; pass a number >= 1")
        widths.append(float(width))
    size = theme.font_size(presentation)
    count = len(blocks)
    # Many blocks: stagger the labels on two lines so that neighbours do not overlap.
    stagger = count > 6
    text_size = size - 1 if count <= 8 else size - 3
    line_px = text_size + 6
    top = math.log2(max(max(widths), 2))
    half_width = 0.3
    shapes, annotations = [], []
    for i, ((name, shape_text, _), width) in enumerate(zip(blocks, widths, strict=True)):
        height = 0.25 + 0.55 * math.log2(width) / top
        lift = line_px if stagger and i % 2 else 0
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": i - half_width,
                "x1": i + half_width,
                "y0": -height / 2,
                "y1": height / 2,
                "fillcolor": theme.BOX_FILL,
                "line": {"color": theme.BOX_LINE, "width": 2},
                "layer": "below",
            }
        )
        for text, y, anchor, shift, bold in (
            (name, height / 2, "bottom", 2 + lift, True),
            (shape_text, -height / 2, "top", -2 - lift, False),
        ):
            escaped = theme.label(text)
            annotations.append(
                {
                    "text": f"<b>{escaped}</b>" if bold else escaped,
                    "x": i,
                    "y": y,
                    "xref": "x",
                    "yref": "y",
                    "xanchor": "center",
                    "yanchor": anchor,
                    "yshift": shift,
                    "showarrow": False,
                    "font": {"size": text_size},
                }
            )
    for i in range(count - 1):
        annotations.append(theme.arrow(i + half_width, 0.0, i + 1 - half_width, 0.0))
    # The tallest box (0.8 units) gets box_px pixels; above and below it, room for the labels:
    # one line each way, two when staggered.
    box_px = 160 if presentation else 120
    room_px = (2 if stagger else 1) * line_px + 8
    reach = 0.4 + 0.8 * room_px / box_px
    hidden = {"visible": False, "fixedrange": True}
    centre, slots = (count - 1) / 2, max(count, 4)
    layout = theme.base_layout(title=title, presentation=presentation)
    layout.update(
        shapes=shapes,
        annotations=annotations,
        # At least four slots wide, so that one or two boxes stay box-sized, centred.
        xaxis={**hidden, "range": [centre - slots / 2, centre + slots / 2]},
        yaxis={**hidden, "range": [-reach, reach]},
        dragmode=False,
        showlegend=False,
    )
    margin = layout["margin"]
    layout["height"] = margin["t"] + margin["b"] + box_px + 2 * room_px
    # Hovering a box names it with its shape. The points are the figure's data, so a new shape
    # is new data (the datarevision follows it), not only a new picture.
    hover = {
        "type": "scatter",
        "mode": "markers",
        "x": np.arange(count, dtype=np.float32),
        "y": np.zeros(count, dtype=np.float32),
        "text": [f"{theme.label(name)}: {theme.label(shape)}" for name, shape, _ in blocks],
        "marker": {"size": 40, "opacity": 0},
        "hovertemplate": "%{text}<extra></extra>",
    }
    return theme.figure([hover], layout=layout)


@theme.memo
def feature_bars(
    values: ArrayLike,
    *,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    signed: bool = True,
    presentation: bool = False,
) -> go.Figure:
    """One vector as bars, coloured by sign when signed, with values written on few bars."""
    y = theme.as_float32(values, ndim=1, what="values")
    count = len(y)
    if labels is None:  # indices as categories: whole numbers only, thinned when crowded
        x = np.arange(count, dtype=np.int32)
    else:
        theme.check_count(labels, count, what="labels", per="value")
        x = theme.distinct_labels(labels)
    if signed:
        limit = theme.symmetric_limit(y)
        marker = {
            "color": y,
            "colorscale": theme.DIVERGING_SCALE,
            "cmin": -limit,
            "cmax": limit,
            "cmid": 0.0,
            "line": {"color": theme.AXIS_COLOR, "width": 0.5},
        }
    else:
        marker = {"color": theme.BAR_COLOR}
    text = {}
    if count <= TEXT_ON_BARS_MAX:
        text = {
            "texttemplate": "%{y:.3g}",
            "textposition": "outside",
            "textfont": {"size": theme.font_size(presentation) - 2},
            "cliponaxis": False,
        }
    trace = dict(
        type="bar",
        x=x,
        y=y,
        marker=marker,
        hovertemplate=theme.hover_line(x_title, "%{x}")
        + "<br>"
        + theme.hover_line(y_title, "%{y:.4f}")
        + "<extra></extra>",
        **text,
    )
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    angle = 0 if labels is None or count <= 2 else -90
    layout.update(
        xaxis=theme.axis(
            title=x_title, presentation=presentation, type="category", tickangle=angle
        ),
        yaxis=theme.value_axis(y_title, presentation),
        showlegend=False,
        bargap=0.2,
    )
    lo, hi = theme.finite_range(np.concatenate([y, np.zeros(1, np.float32)]))
    if text:  # room above the tallest bar for its value, and below the lowest
        layout["margin"]["t"] += theme.font_size(presentation)
        room = (hi - lo) * 0.12
        layout["yaxis"]["range"] = [lo - room * (lo < 0), hi + room * (hi > 0) or 1.0]
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=theme.number_labels(lo, hi),
        left_title=bool(y_title),
        bottom=[str(v) for v in x],
        bottom_angle=angle,
        bottom_title=bool(x_title),
    )
    return theme.figure([trace], layout=layout)


@theme.memo
def histogram_with_marker(
    samples: ArrayLike,
    *,
    marker: float | None = None,
    marker_name: str = "",
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """A histogram of samples, with a vertical line at `marker` (skipped if not finite)."""
    x = theme.as_float32(samples, ndim=1, what="samples")
    size = theme.font_size(presentation)
    trace = dict(
        type="histogram",
        x=x,
        marker={"color": theme.BAR_COLOR, "line": {"color": "white", "width": 1}},
        hovertemplate=theme.hover_line(x_title, "%{x}")
        + "<br>"
        + theme.hover_line(y_title, "%{y}")
        + "<extra></extra>",
    )
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    layout.update(
        xaxis=theme.axis(title=x_title, presentation=presentation, showgrid=True, tickangle=0),
        yaxis=theme.value_axis(y_title, presentation, rangemode="tozero"),
        showlegend=False,
        bargap=0.02,
    )
    lo, hi = theme.finite_range(x) if x.size else (0.0, 1.0)
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=[str(max(len(x), 1))],  # counts: never more digits than samples
        left_title=bool(y_title),
        bottom=theme.number_labels(lo, hi),
        bottom_title=bool(x_title),
    )
    if marker is not None and math.isfinite(float(marker)):
        at = float(marker)
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": at,
                "x1": at,
                "y0": 0.0,
                "y1": 1.0,
                "line": {"color": theme.MARKER_COLOR, "width": 3, "dash": "dash"},
            }
        ]
        if marker_name:
            layout["annotations"] = [
                {
                    "text": theme.label(marker_name),
                    "x": at,
                    "xref": "x",
                    "y": 1.0,
                    "yref": "paper",
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "yshift": 2,
                    "showarrow": False,
                    "font": {"size": size, "color": theme.MARKER_COLOR},
                }
            ]
            layout["margin"]["t"] += size + 8
    return theme.figure([trace], layout=layout)
