"""Figures for training a small classifier live: the data it learns from, the curves, the verdicts.

`history_curves` draws one metric of a Keras-style `history` (loss or accuracy) per epoch, train
solid and validation dashed, on an x axis fixed to 1..epochs so a chart that grows epoch by
epoch never rescales it; `mark` puts a dotted line at an epoch ("best val_loss"). `part_bars`
stacks each data part (train / validation / test) by category (a class, a source), as shares
or counts: what `validation_split` does to a file sorted by source. `length_histogram` counts
tokens per example, the lengths `maxlen` truncates in the warning colour. `oov_curve` is the
share of tokens out of vocabulary against `num_words`, with the current choice marked.
`probability_bar` shows one predicted probability against the threshold, and
`confusion_matrix` counts true (rows) against predicted (columns) classes.

Colours mean one thing across these figures: train is `TRAIN_COLOR`, validation `VAL_COLOR`
(dashed, diamond markers); the negative class (0) is `NEGATIVE_COLOR` and the positive class (1)
`POSITIVE_COLOR`, the ends of the theme's diverging scale, and `part_bars` starts its palette
with them; what is cut off is `theme.MARKER_COLOR`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme
from .gradients import _drawable, _layout
from .lessons import GROUP_COLORS

TRAIN_COLOR, VAL_COLOR = GROUP_COLORS[0], GROUP_COLORS[1]  # blue and orange, as in loss_curves
NEGATIVE_COLOR, POSITIVE_COLOR = theme.BAR_COLOR, theme.MARKER_COLOR  # RdBu's blue and red
CUT_COLOR = theme.MARKER_COLOR
CATEGORY_COLORS = (
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    theme.MASK_COLORS[1],
    GROUP_COLORS[6],
    GROUP_COLORS[2],
    GROUP_COLORS[4],
    GROUP_COLORS[7],
    theme.BEFORE_COLOR,
)
PROBABILITY_HEIGHT = {False: 160, True: 215}
PART_ROW_PX = {False: 52, True: 72}  # one stacked bar of part_bars, with its gap
NARROW_PLOT_PX = 560  # a plot area's width in a narrow column: notes are placed to fit in it


def _step(count: int) -> int:
    """1 up to 12 integer ticks; above, a step of 1, 2 or 5 × 10ⁿ writing at most ten."""
    if count <= 12:
        return 1
    for scale in (1, 10, 100, 1000, 10000):
        for base in (1, 2, 5):
            if count / (base * scale) <= 10:
                return base * scale
    return 100000


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log axis over [lo, hi]: 1, 2 and 5 × 10ⁿ, or powers of ten when that is
    more than eight ticks; each is written out ("0.05"), never as a bare mantissa."""
    lo, hi = max(lo, 1e-30), max(hi, lo)
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    candidates = [b * 10.0**k for k in range(first, last + 1) for b in (1, 2, 5)]
    ticks = [float(f"{v:.1g}") for v in candidates if lo / 1.25 <= v <= hi * 1.25]
    if len(ticks) > 8:
        ticks = [v for v in ticks if f"{v:.1e}".startswith("1.0")]
    return ticks or [float(f"{lo:.1g}")]


def _right_room(text: str, presentation: bool) -> int:
    """A right margin that holds half of a tick label centred on the plot's right edge."""
    return math.ceil(theme.text_px(text, theme.font_size(presentation) - 1) / 2 + 8)


def _ink(color: str) -> str:
    """Dark or white text, whichever reads better on this `#rrggbb` colour."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#222222" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


def _note(text: str, x: float, *, side: str, size: int, color: str, **extra) -> dict:
    """A note at `x` on the x axis and the top of the plot, on the `side` of x it reads from."""
    return {
        "text": theme.label(text),
        "x": x,
        "xref": "x",
        "y": 1.0,
        "yref": "paper",
        "xanchor": side,
        "xshift": 6 if side == "left" else -6,
        "showarrow": False,
        "font": {"size": size, "color": color},
        **extra,
    }


def _vline(x: float, *, color: str, dash: str, width: float = 2.5) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0.0,
        "y1": 1.0,
        "line": {"color": color, "width": width, "dash": dash},
    }


# --------------------------------------------------------------------------- history


def _per_epoch(values: ArrayLike, epochs: int, what: str) -> np.ndarray:
    y = theme.as_float32(values, ndim=1, what=what)
    if len(y) > epochs:
        raise ValueError(f"{what} has {len(y)} values for {epochs} epochs; pass at most one each")
    return y


@theme.memo
def history_curves(
    train: ArrayLike,
    val: ArrayLike | None,
    *,
    epochs: int,
    title: str,
    y_label: str,
    x_label: str,
    train_label: str,
    val_label: str,
    log_y: bool = False,
    y_range: tuple[float, float] | None = None,
    mark: tuple[int, str] | None = None,
    presentation: bool = False,
) -> go.Figure:
    """One metric per epoch: train (solid, circles) and validation (dashed, diamonds).

    `train` and `val` hold one value per finished epoch, from epoch 1: shorter than `epochs`
    while a run is going, empty before it starts (the axes are drawn empty). The x axis is
    fixed to 1..epochs with integer ticks; the y axis to `y_range` when given (data units, also
    on a log axis), else it fits the values (from 0 for values ≥ 0). NaN, ±inf, and on a log
    axis values ≤ 0, are gaps (one NaN at epoch 1 stands in for an empty series, which keeps its
    legend entry). `mark=(epoch, text)` draws a dotted line at that epoch with the text just
    above the plot, in a row every history figure keeps, mark or not: a chart does not change
    size when a mark appears, and loss and accuracy side by side share one height. Log ticks
    are 1, 2, 5 × 10ⁿ written out ("0.05").
    """
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    size = theme.font_size(presentation)
    series = [(train_label, _per_epoch(train, epochs, "train"), TRAIN_COLOR, "solid", "circle")]
    if val is not None:
        series.append((val_label, _per_epoch(val, epochs, "val"), VAL_COLOR, "dash", "diamond"))
    x_hover = theme.hover_line(x_label, "%{x}")
    y_hover = theme.hover_line(y_label, "%{y:.4g}" if log_y else "%{y:.4f}")
    traces = []
    for name, y, color, dash, symbol in series:
        escaped = theme.label(name)
        if not len(y):  # one NaN at epoch 1: plotly shows no legend entry for a trace of nothing
            x, shown = np.ones(1, dtype=np.int32), np.full(1, np.nan, dtype=np.float32)
        else:
            x = np.arange(1, len(y) + 1, dtype=np.int32)
            shown = np.where(_drawable(y, log_y), y, np.float32(np.nan)).astype(np.float32)
        traces.append(
            dict(
                type="scatter",
                mode="lines+markers",
                x=x,
                y=shown,
                name=escaped,
                showlegend=bool(name),
                connectgaps=False,
                line={"color": color, "width": 3.5 if presentation else 2.5, "dash": dash},
                marker={"color": color, "symbol": symbol, "size": 11 if presentation else 8},
                hovertemplate=(f"{escaped}<br>" if name else "")
                + f"{x_hover}<br>{y_hover}<extra></extra>",
            )
        )
    values = [y for _, y, *_ in series]
    everything = np.concatenate(values)
    drawn = everything[_drawable(everything, log_y)]
    value_axis: dict = {"showgrid": True}
    if y_range is not None:
        lo, hi = theme.check_range(y_range)
        if log_y and lo <= 0:
            raise ValueError(f"a log axis needs y_range above 0, got {y_range}")
        value_axis["range"] = [math.log10(lo), math.log10(hi)] if log_y else [lo, hi]
    elif not drawn.size:  # nothing trained yet: an empty frame
        lo, hi = (0.1, 1.0) if log_y else (0.0, 1.0)
        value_axis["range"] = [-1.0, 0.0] if log_y else [0.0, 1.0]
    else:
        lo, hi = float(drawn.min()), float(drawn.max())
        if not log_y and lo >= 0:
            value_axis["rangemode"] = "tozero"
            lo = 0.0
    if log_y:
        ticks = _log_ticks(lo, hi)
        left = [f"{v:g}" for v in ticks]
        value_axis.update(type="log", tickmode="array", tickvals=ticks, ticktext=left)
    else:
        left = theme.number_labels(lo, hi)
    layout = _layout(
        traces,
        title=title,
        presentation=presentation,
        xaxis=theme.axis(
            title=x_label,
            presentation=presentation,
            tickangle=0,
            range=[0.5, epochs + 0.5],
            tickmode="linear",
            tick0=0,
            dtick=_step(epochs),
            tickformat="d",
        ),
        yaxis=theme.axis(title=y_label, presentation=presentation, **value_axis),
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=left,
        left_title=bool(y_label),
        bottom=[str(epochs)],
        bottom_title=bool(x_label),
        right=_right_room(str(epochs), presentation),
    )
    # A row above the plot for the mark's note, there with or without a mark, so that a chart
    # keeps its size when a mark appears and two charts side by side keep one height.
    margin, row = layout["margin"], size + 8
    margin["t"] += row
    layout["height"] += row
    layout["legend"]["y"] = 1.0 + row / (layout["height"] - margin["t"] - margin["b"])
    if mark is not None:
        at, text = int(mark[0]), str(mark[1])
        if not 1 <= at <= epochs:
            raise ValueError(f"mark is at epoch {at}; pass an epoch from 1 to {epochs}")
        layout["shapes"] = [_vline(at, color=theme.AXIS_COLOR, dash="dot")]
        if text:
            side = "left" if at <= (epochs + 1) / 2 else "right"
            layout["annotations"] = [
                _note(
                    text,
                    at,
                    side=side,
                    size=size - 1,
                    color=theme.AXIS_COLOR,
                    yanchor="bottom",
                    yshift=2,
                )
            ]
    return theme.figure(traces, layout=layout)


# --------------------------------------------------------------------------- the data


@theme.memo
def part_bars(
    parts: Sequence[str],
    counts: ArrayLike,
    *,
    categories: Sequence[str],
    title: str,
    x_label: str,
    y_label: str,
    share: bool = True,
    colors: Sequence[str] | None = None,
    presentation: bool = False,
) -> go.Figure:
    """One horizontal bar per data part (first on top), stacked by category in legend order.

    `counts` (parts, categories) are examples per part and category. With `share` a bar shows
    its part's shares (0..1, each segment labelled in %), else the counts; hover always gives
    part, category, count and share. `colors` (`#rrggbb`, one per category) defaults to
    `CATEGORY_COLORS`: class 0 blue, class 1 red, then amber, purple, green, …
    """
    table = theme.as_float32(counts, ndim=2, what="counts")
    theme.check_count(parts, table.shape[0], what="parts", per="row of counts")
    theme.check_count(categories, table.shape[1], what="categories", per="column of counts")
    if not (np.isfinite(table).all() and (table >= 0).all()):
        raise ValueError("counts must be finite and ≥ 0")
    palette = list(colors) if colors is not None else list(CATEGORY_COLORS)
    if not palette:
        raise ValueError("colors is empty; pass one colour per category")
    size = theme.font_size(presentation)
    totals = table.sum(axis=1, keepdims=True)
    shares = np.divide(table, totals, out=np.zeros_like(table), where=totals > 0)
    shares = shares.astype(np.float32)
    y = theme.distinct_labels(parts)
    traces = []
    for k, category in enumerate(categories):
        color = palette[k % len(palette)]
        escaped = theme.label(category)
        traces.append(
            dict(
                type="bar",
                orientation="h",
                x=shares[:, k] if share else table[:, k],
                y=y,
                name=escaped,
                marker={"color": color, "line": {"color": "white", "width": 1}},
                customdata=np.stack([table[:, k], shares[:, k]], axis=1),
                texttemplate="%{x:.0%}" if share else "%{x:,.0f}",
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"size": size, "color": _ink(color)},
                hovertemplate=f"%{{y}}<br>{escaped}: "
                + "%{customdata[0]:,.0f} (%{customdata[1]:.1%})<extra></extra>",
            )
        )
    top = 1.0 if share else theme.upper_limit(totals.ravel())
    layout = _layout(
        traces,
        title=title,
        presentation=presentation,
        barmode="stack",
        bargap=0.3,
        uniformtext={"minsize": size - 2, "mode": "hide"},  # a sliver hides its text
        xaxis=theme.axis(
            title=x_label,
            presentation=presentation,
            showgrid=True,
            tickangle=0,
            range=[0.0, top],
            **({"tickformat": ".0%"} if share else {}),
        ),
        yaxis=theme.axis(
            title=y_label,
            presentation=presentation,
            type="category",
            categoryorder="array",
            categoryarray=y,
            autorange="reversed",
        ),
    )
    layout["legend"]["traceorder"] = "normal"
    end = "100%" if share else theme.number_labels(0.0, top)[0]
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        left_title=bool(y_label),
        bottom=[end],
        bottom_title=bool(x_label),
        right=_right_room(end, presentation),
    )
    margin = layout["margin"]
    layout["height"] = margin["t"] + margin["b"] + PART_ROW_PX[presentation] * len(y) + 12
    return theme.figure(traces, layout=layout)


@theme.memo
def length_histogram(
    lengths: ArrayLike,
    maxlen: int,
    *,
    title: str,
    x_label: str,
    y_label: str,
    cut_label: str,
    presentation: bool = False,
) -> go.Figure:
    """Examples per token count (one bar per integer), those longer than `maxlen` in `CUT_COLOR`.

    The counts are np.bincount's, drawn as bars (no plotly binning). The cut is a dashed line at
    maxlen + 0.5, between the last length kept whole and the first one truncated, with
    `cut_label` above it. The x axis is fixed to [−0.5, max(longest, maxlen) + 1]: moving
    maxlen within the data changes the bars' colours, the line and the note, nothing else.
    """
    counted = np.asarray(lengths)
    if counted.ndim != 1:
        raise ValueError(f"lengths must be a 1-D array, got shape {counted.shape}")
    if counted.size and not (
        np.issubdtype(counted.dtype, np.integer) or (counted == np.round(counted)).all()
    ):
        raise ValueError("lengths must be whole numbers of tokens")
    counted = counted.astype(np.int64)
    if counted.size and counted.min() < 0:
        raise ValueError("lengths must be ≥ 0")
    maxlen = int(maxlen)
    if maxlen < 0:
        raise ValueError(f"maxlen must be ≥ 0, got {maxlen}")
    size = theme.font_size(presentation)
    counts = np.bincount(counted, minlength=1).astype(np.float32)
    x = np.arange(len(counts), dtype=np.int32)
    top = max(len(counts) - 1, maxlen)
    trace = dict(
        type="bar",
        x=x,
        y=counts,
        marker={
            "color": (x > maxlen).astype(np.float32),
            "colorscale": [
                [0.0, theme.BAR_COLOR],
                [0.5, theme.BAR_COLOR],
                [0.5, CUT_COLOR],
                [1.0, CUT_COLOR],
            ],
            "cmin": 0.0,
            "cmax": 1.0,
            "showscale": False,
            "line": {"width": 0},
        },
        hovertemplate=theme.hover_line(x_label, "%{x}")
        + "<br>"
        + theme.hover_line(y_label, "%{y:,.0f}")
        + "<extra></extra>",
    )
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    layout.update(
        xaxis=theme.axis(
            title=x_label, presentation=presentation, tickangle=0, range=[-0.5, top + 1.0]
        ),
        yaxis=theme.value_axis(y_label, presentation, rangemode="tozero"),
        showlegend=False,
        bargap=0.1,
        shapes=[_vline(maxlen + 0.5, color=CUT_COLOR, dash="dash", width=3)],
    )
    if cut_label:
        side = "left" if maxlen + 0.5 <= 0.6 * (top + 1.5) - 0.5 else "right"
        layout["annotations"] = [
            _note(cut_label, maxlen + 0.5, side=side, size=size, color=CUT_COLOR, yanchor="bottom")
        ]
        layout["margin"]["t"] += size + 8
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=[f"{int(counts.max()):,}"],
        left_title=bool(y_label),
        bottom=[str(top)],
        bottom_title=bool(x_label),
        right=_right_room(str(top), presentation),
    )
    return theme.figure([trace], layout=layout)


@theme.memo
def oov_curve(
    num_words: ArrayLike,
    share: ArrayLike,
    current: int,
    current_share: float,
    *,
    title: str,
    x_label: str,
    y_label: str,
    point_label: str,
    presentation: bool = False,
) -> go.Figure:
    """The share of tokens out of vocabulary (0..1, in %) against `num_words` on a log axis.

    `num_words` (n,) are increasing whole numbers ≥ 1 and `share` (n,) the share at each. The
    current choice is a marker at (current, current_share) with `point_label` pointing at it;
    the curve's trace (the first) does not depend on `current`, so moving it changes only the
    marker, its note and at most the y range.
    """
    x = np.asarray(num_words)
    y = theme.as_float32(share, ndim=1, what="share")
    if x.ndim != 1 or len(x) != len(y):
        raise ValueError(f"num_words {x.shape} and share {y.shape} must be 1-D, one value each")
    if not x.size or (x < 1).any() or (x != np.round(x)).any() or (np.diff(x) <= 0).any():
        raise ValueError("num_words must be increasing whole numbers ≥ 1, at least one")
    x = x.astype(np.int32)
    current, at = int(current), float(current_share)
    if current < 1 or not math.isfinite(at):
        raise ValueError(f"current must be ≥ 1 and its share finite, got {current}, {at}")
    size = theme.font_size(presentation)
    x_hover = theme.hover_line(x_label, "%{x:,}")
    y_hover = theme.hover_line(y_label, "%{y:.1%}")
    curve = dict(
        type="scatter",
        mode="lines",
        x=x,
        y=y,
        name="",
        showlegend=False,
        line={"color": theme.AFTER_COLOR, "width": 3.5 if presentation else 2.5},
        hovertemplate=f"{x_hover}<br>{y_hover}<extra></extra>",
    )
    point = dict(
        type="scatter",
        mode="markers",
        x=np.array([current], dtype=np.int32),
        y=np.array([at], dtype=np.float32),
        name="",
        showlegend=False,
        marker={
            "color": theme.MARKER_COLOR,
            "size": 18 if presentation else 14,
            "line": {"color": "white", "width": 2},
        },
        hovertemplate=(f"{theme.label(point_label)}<br>" if point_label else "")
        + f"{x_hover}<br>{y_hover}<extra></extra>",
    )
    lo, hi = math.log10(min(int(x[0]), current)), math.log10(max(int(x[-1]), current))
    pad = max(hi - lo, 1.0) * 0.04
    shown = y[np.isfinite(y)]
    peak = max(float(shown.max()) if shown.size else 0.0, at, 0.0)
    top = min(1.0, math.ceil(peak * 10 + 1e-6) / 10) or 1.0
    ticks = [v for v in _log_ticks(10**lo, 10**hi) if v >= 1]
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    layout.update(
        xaxis=theme.axis(
            title=x_label,
            presentation=presentation,
            tickangle=0,
            type="log",
            range=[lo - pad, hi + pad],
            tickmode="array",
            tickvals=ticks,
            ticktext=[f"{v:,.0f}" for v in ticks],
        ),
        yaxis=theme.value_axis(y_label, presentation, range=[0.0, top * 1.04], tickformat=".0%"),
        showlegend=False,
    )
    if point_label:
        # The curve falls: above right of the point (level with it when high) is free, and
        # where the note would not fit there, above left (or below left when high).
        where = (math.log10(current) - (lo - pad)) / (hi - lo + 2 * pad)
        fits = where * NARROW_PLOT_PX + 60 + theme.text_px(point_label, size) <= NARROW_PLOT_PX
        high = at > 0.6 * top
        ax, ay = (50, 0 if high else -45) if fits else (-30, 60 if high else -75)
        layout["annotations"] = [
            {
                "text": theme.label(point_label),
                "x": math.log10(current),  # a log axis places notes by log10 of the value
                "xref": "x",
                "y": at,
                "yref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowwidth": 2,
                "arrowcolor": theme.MARKER_COLOR,
                "ax": ax,
                "ay": ay,
                "xanchor": "left" if fits else "right",
                "bgcolor": "rgba(255, 255, 255, 0.85)",
                "font": {"size": size, "color": theme.MARKER_COLOR},
            }
        ]
    last = layout["xaxis"]["ticktext"][-1]
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=["100%"],
        left_title=bool(y_label),
        bottom=[last],
        bottom_title=bool(x_label),
        right=_right_room(last, presentation),
    )
    return theme.figure([curve, point], layout=layout)


# --------------------------------------------------------------------------- predictions


@theme.memo
def probability_bar(
    p: float,
    *,
    threshold: float = 0.5,
    labels: tuple[str, str],
    title: str,
    presentation: bool = False,
) -> go.Figure:
    """One bar from 0 to the predicted probability `p` on a fixed 0..1 axis.

    The bar is `POSITIVE_COLOR` at or above `threshold` and `NEGATIVE_COLOR` below it; a dashed
    line marks the threshold, `labels` (negative, positive) stand above the axis's two ends in
    their colours, and p is written on the bar with three decimals. Height `PROBABILITY_HEIGHT`
    (160 px, 215 in presentation mode).
    """
    p, threshold = float(p), float(threshold)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1], got {p}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    if len(labels) != 2:
        raise ValueError(f"got {len(labels)} labels; pass two: (negative, positive)")
    size = theme.font_size(presentation)
    color = POSITIVE_COLOR if p >= threshold else NEGATIVE_COLOR
    inside = p >= 0.2
    trace = dict(
        type="bar",
        orientation="h",
        x=np.array([p], dtype=np.float32),
        y=np.zeros(1, dtype=np.float32),
        width=0.8,
        text=[f"{p:.3f}"],
        textposition="inside" if inside else "outside",
        insidetextanchor="end",
        textangle=0,
        cliponaxis=False,
        textfont={"size": size + 3, "color": _ink(color) if inside else color},
        marker={"color": color},
        hovertemplate=f"{p:.3f}<extra></extra>",
    )
    negative, positive = labels
    layout = theme.base_layout(
        title=title, height=PROBABILITY_HEIGHT[presentation], presentation=presentation
    )
    layout.update(
        xaxis=theme.axis(
            presentation=presentation,
            tickangle=0,
            range=[0.0, 1.0],
            tickmode="array",
            tickvals=sorted({0.0, threshold, 1.0}),
            showgrid=False,
            showline=True,
            ticks="outside",
        ),
        yaxis=theme.axis(presentation=presentation, visible=False, range=[-0.5, 0.5]),
        showlegend=False,
        shapes=[_vline(threshold, color=theme.AXIS_COLOR, dash="dash")],
        annotations=[
            {
                "text": theme.label(text),
                "x": x,
                "xref": "paper",
                "xanchor": anchor,
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": size, "color": ink},
            }
            for text, x, anchor, ink in (
                (negative, 0.0, "left", NEGATIVE_COLOR),
                (positive, 1.0, "right", POSITIVE_COLOR),
            )
        ],
    )
    layout["margin"]["t"] += size + 6
    theme.fit_margins(
        layout, presentation=presentation, bottom=["1"], right=_right_room("1", presentation)
    )
    layout["margin"]["l"] = max(layout["margin"]["l"], _right_room("0", presentation))
    return theme.figure([trace], layout=layout)


@theme.memo
def confusion_matrix(
    matrix: ArrayLike,
    *,
    labels: Sequence[str],
    title: str,
    x_label: str,
    y_label: str,
    presentation: bool = False,
) -> go.Figure:
    """A (K, K) count heatmap: true class on rows (top to bottom), predicted on columns.

    Sequential scale from 0 to the largest count, the count written in every cell; hover gives
    the true and predicted labels (named by `y_label` and `x_label`) and the count.
    """
    z = theme.as_float32(matrix, ndim=2, what="matrix")
    K = z.shape[0]
    if z.shape != (K, K) or K == 0:
        raise ValueError(f"matrix must be square (K, K) with K ≥ 1, got shape {z.shape}")
    if not (np.isfinite(z).all() and (z >= 0).all()):
        raise ValueError("matrix must hold counts: finite and ≥ 0")
    theme.check_count(labels, K, what="labels", per="class")
    names = theme.distinct_labels(labels)
    size = theme.font_size(presentation)
    trace = dict(
        type="heatmap",
        z=z,
        x=names,
        y=names,
        zmin=0.0,
        zmax=theme.upper_limit(z),
        colorscale=theme.SEQUENTIAL_SCALE,
        showscale=False,
        xgap=2,
        ygap=2,
        texttemplate="%{z:,.0f}",
        textfont={"size": size + (6 if K <= 4 else 0)},
        hovertemplate=theme.hover_line(y_label, "%{y}")
        + "<br>"
        + theme.hover_line(x_label, "%{x}")
        + "<br>%{z:,.0f}<extra></extra>",
    )
    tick = size - 1
    angle = 0 if theme.labels_px(names, tick) * K <= 480 else -90
    layout = theme.base_layout(
        title=title,
        height=max(
            theme.chart_height(presentation), theme.auto_height(K, presentation=presentation)
        ),
        presentation=presentation,
    )
    layout.update(
        xaxis=theme.axis(
            title=x_label,
            presentation=presentation,
            type="category",
            categoryorder="array",
            categoryarray=names,
            tickangle=angle,
        ),
        yaxis=theme.axis(
            title=y_label,
            presentation=presentation,
            type="category",
            categoryorder="array",
            categoryarray=names,
            autorange="reversed",
        ),
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=names,
        left_title=bool(y_label),
        bottom=names,
        bottom_angle=angle,
        bottom_title=bool(x_label),
    )
    if angle:
        layout["height"] += layout["margin"]["b"]
    return theme.figure([trace], layout=layout)
