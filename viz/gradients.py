"""Figures for gradients and initialization: how a gradient's size changes through depth and time.

`layer_norms` draws ‖∂L/∂Wₗ‖ per layer on a log axis, one line per series (an activation, a
model), with an optional dashed reference such as 0.25^(L−l+1) for sigmoid; `time_norms` does
the same for ‖∂L/∂hₜ‖ against the tokens of a sentence, one line per recurrent cell.
`activation_histograms` shows each layer's distribution of activations as a heatmap (fraction of
units per value bin), `weight_histogram` a weight matrix's entries against what its initializer
promises (±σ, ±limit), `clip_bars` per-variable gradient norms before and after clipping, and
`loss_curves` training losses per step, marking where a run blew up to NaN.

A log axis cannot show 0, a negative number, NaN or ±inf. `layer_norms` and `time_norms` draw
such values as gaps in their line (never joined across) and write the value itself ("0", "NaN",
"inf") at the foot of the plot at that layer or token, in the series' colour, with the series,
position and value on hover: one entry of `layout.annotations` per value not drawn. On a linear
axis only NaN and ±inf are gaps.

A dict of series keeps its order (legend, colours): equal dicts in another order are other
figures, which the memo would otherwise mix up, as it digests a dict's keys sorted. Every builder
also takes the series as a sequence of `(name, values)` pairs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme
from .lessons import GROUP_COLORS

Series = Mapping[str, ArrayLike] | Sequence[tuple[str, ArrayLike]]


def _keeps_order(builder: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """`theme.memo`, with every dict argument passed on as (name, value) pairs in its order."""
    memoized = theme.memo(builder)

    @functools.wraps(builder)
    def call(*args, **kwargs):
        args = tuple(_ordered(a) for a in args)
        kwargs = {k: _ordered(v) for k, v in kwargs.items()}
        return memoized(*args, **kwargs)

    call.uncached = builder
    return call


def _ordered(value):
    """A non-empty dict or list of (name, values) pairs as a tuple of pairs; else `value`."""
    if isinstance(value, Mapping) and value:
        return _as_pairs(value)
    return tuple(value) if _is_pairs(value) else value


def _as_pairs(mapping: Mapping) -> tuple[tuple[str, object], ...]:
    return tuple((key, value) for key, value in mapping.items())


def _is_pairs(value) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in value)
    )


def _series(values, *, what: str, length: int | None = None) -> list[tuple[str, np.ndarray]]:
    """(name, float32 1-D array) pairs, all of one length, or a ValueError saying what is wrong."""
    if isinstance(values, Mapping):
        values = _as_pairs(values)
    if not _is_pairs(values):
        if isinstance(values, list | tuple) and len(values) == 0:
            raise ValueError(f"{what} is empty; pass at least one series")
        raise ValueError(f"{what} must be a dict of name -> 1-D array (or name, array pairs)")
    out = []
    for name, array in values:
        array = theme.as_float32(array, ndim=1, what=f"{what}[{name!r}]")
        if length is None:
            length = len(array)
        if len(array) != length:
            raise ValueError(
                f"{what}[{name!r}] has {len(array)} values, expected {length}; "
                "pass one value per position for every series"
            )
        out.append((name, array))
    if not length:
        raise ValueError(f"{what} has no values; pass at least one per series")
    return out


def _drawable(y: np.ndarray, log: bool) -> np.ndarray:
    """A boolean mask of the values an axis can draw: finite, and > 0 on a log axis."""
    ok = np.isfinite(y)
    if log:
        ok &= np.greater(y, 0, where=ok, out=np.zeros_like(ok))
    return ok


def _value_text(value: float) -> str:
    """A value as written where it could not be drawn: "NaN", "inf", "−inf", "0", "−0.5"."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "−inf"
    return f"{value:g}".replace("-", "−")


def _color(k: int) -> str:
    return GROUP_COLORS[k % len(GROUP_COLORS)]


def _left_labels(values: Sequence[np.ndarray], log: bool) -> list[str]:
    """The widest tick labels a value axis over these values may show (an upper estimate)."""
    finite = np.concatenate([v[_drawable(v, log)] for v in values] or [np.zeros(0, np.float32)])
    if not finite.size:
        return ["0.8"]
    lo, hi = float(finite.min()), float(finite.max())
    if not log:
        return theme.number_labels(lo, hi)
    # Plotly writes powers of ten outside [1e-3, 1e4], never the long numbers themselves.
    labels = theme.number_labels(max(lo, 1e-3), max(min(hi, 1e4), max(lo, 1e-3)))
    if lo < 1e-3 or hi >= 1e5:
        labels.append("10−88")
    return labels


def _layout(traces: list[dict], *, title: str | None, presentation: bool, **extra) -> dict:
    """A figure's layout with these axes (`extra`), and the legend above the plot when a trace
    has an entry in it: room for however many rows it wraps into, the figure growing by the
    rows past the first so the plot keeps its height."""
    size = theme.font_size(presentation)
    names = [tr["name"] for tr in traces if tr.get("showlegend", True) and tr.get("name")]
    legend = any(tr.get("showlegend", True) for tr in traces)
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    layout.update(showlegend=legend, legend=theme.legend_above(size, side="left"), **extra)
    if legend:
        room = theme.legend_room(names, size)
        layout["margin"]["t"] += room
        layout["height"] += room - theme.legend_room(names[:1], size)
    return layout


def _log_axis(log: bool) -> dict:
    return {"type": "log", "exponentformat": "power"} if log else {}


def _gap_annotations(gaps: list[tuple[int, str, int | float, str]], *, size: int) -> list[dict]:
    """One note per value not drawn: (series index, escaped hover, x position, value text)."""
    return [
        {
            "text": text,
            "hovertext": hover,
            "x": x,
            "xref": "x",
            "y": 0.0,
            "yref": "paper",
            "xanchor": "center",
            "yanchor": "bottom",
            "yshift": 2 + k * (size - 2),
            "showarrow": False,
            "font": {"size": size - 3, "color": _color(k)},
        }
        for k, hover, x, text in gaps
    ]


def _norm_lines(
    series: list[tuple[str, np.ndarray]],
    x: np.ndarray | list[str],
    *,
    log: bool,
    x_title: str,
    y_title: str,
) -> tuple[list[dict], list[tuple[int, str, int | float, str]]]:
    """One line+markers trace per series, undrawable values as gaps, and the gaps themselves."""
    traces, gaps = [], []
    named = len(series) > 1 or bool(series[0][0])
    for k, (name, y) in enumerate(series):
        ok = _drawable(y, log)
        shown = np.where(ok, y, np.float32(np.nan)).astype(np.float32)
        escaped = theme.label(name)
        head = f"{escaped}<br>" if name else ""
        traces.append(
            dict(
                type="scatter",
                mode="lines+markers",
                x=x,
                y=shown,
                name=escaped,
                showlegend=named,
                connectgaps=False,
                line={"color": _color(k), "width": 2.5},
                marker={"size": 7, "color": _color(k)},
                hovertemplate=head
                + theme.hover_line(x_title, "%{x}")
                + "<br>"
                + theme.hover_line(y_title, "%{y:.3e}")
                + "<extra></extra>",
            )
        )
        for i in np.flatnonzero(~ok):
            where = x[i] if isinstance(x, list) else int(x[i])
            text = _value_text(float(y[i]))
            hover = head + theme.hover_line(x_title, str(where)) + "<br>" + text
            gaps.append((k, hover, int(i) if isinstance(x, list) else where, text))
    return traces, gaps


# --------------------------------------------------------------------------- through depth


@_keeps_order
def layer_norms(
    values: ArrayLike | Series,
    *,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    log: bool = True,
    reference: ArrayLike | None = None,
    reference_name: str = "",
    presentation: bool = False,
) -> go.Figure:
    """‖∂L/∂Wₗ‖ per layer l = 1..L: one line+markers per series, on a log y axis by default.

    `values` is one (L,) array, or a dict name -> (L,) (e.g. one per activation). `reference`
    (L,) is drawn as a dashed grey line named `reference_name`, e.g. 0.25^(L−l+1) for sigmoid.
    Values a log axis cannot show (0, negative, NaN, ±inf) are gaps, written at the foot of the
    plot (see the module's docstring); the reference's are gaps only.
    """
    if isinstance(values, Mapping) or _is_pairs(values):
        series = _series(values, what="values")
    else:
        series = [("", theme.as_float32(values, ndim=1, what="values"))]
        if not len(series[0][1]):
            raise ValueError("values has no layers; pass one value per layer")
    L = len(series[0][1])
    x = np.arange(1, L + 1, dtype=np.int32)
    size = theme.font_size(presentation)
    traces, gaps = _norm_lines(series, x, log=log, x_title=x_title, y_title=y_title)
    shown = [y for _, y in series]
    if reference is not None:
        ref = theme.as_float32(reference, ndim=1, what="reference")
        if len(ref) != L:
            raise ValueError(f"reference has {len(ref)} values for {L} layers; pass one per layer")
        shown.append(ref)
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                x=x,
                y=np.where(_drawable(ref, log), ref, np.float32(np.nan)).astype(np.float32),
                name=theme.label(reference_name),
                showlegend=bool(reference_name),
                connectgaps=False,
                line={"color": theme.BEFORE_COLOR, "width": 2, "dash": "dash"},
                hovertemplate=(f"{theme.label(reference_name)}<br>" if reference_name else "")
                + theme.hover_line(x_title, "%{x}")
                + "<br>%{y:.3e}<extra></extra>",
            )
        )
    layout = _layout(
        traces,
        title=title,
        presentation=presentation,
        xaxis=theme.axis(
            title=x_title,
            presentation=presentation,
            tickangle=0,
            range=[0.5, L + 0.5],
            **({"dtick": 1} if L <= 12 else {}),
        ),
        yaxis=theme.axis(title=y_title, presentation=presentation, showgrid=True, **_log_axis(log)),
    )
    if gaps:
        layout["annotations"] = _gap_annotations(gaps, size=size)
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=_left_labels(shown, log),
        left_title=bool(y_title),
        bottom=[str(L)],
        bottom_title=bool(x_title),
    )
    return theme.figure(traces, layout=layout)


@theme.memo
def activation_histograms(
    counts: ArrayLike,
    edges: ArrayLike,
    *,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """Each layer's distribution of activations: layers 1..L as rows, value bins as columns.

    `counts` (L, bins) are units per bin (np.histogram's counts, one row per layer); `edges`
    (bins + 1,) the bins' edges, increasing. The colour is the fraction of the layer's units in
    the bin, on a sequential scale from 0; a layer with no units is a row of 0. Hover gives the
    layer, the bin's centre and the fraction.
    """
    z = theme.as_float32(counts, ndim=2, what="counts")
    bounds = theme.as_float32(edges, ndim=1, what="edges")
    L, bins = z.shape
    if len(bounds) != bins + 1:
        raise ValueError(f"edges has {len(bounds)} values for {bins} bins; pass bins + 1 edges")
    if not (np.isfinite(bounds).all() and (np.diff(bounds) > 0).all()):
        raise ValueError("edges must be finite and strictly increasing")
    if not (np.isfinite(z).all() and (z >= 0).all()):
        raise ValueError("counts must be finite and ≥ 0")
    totals = z.sum(axis=1, keepdims=True)
    fraction = np.divide(z, totals, out=np.zeros_like(z), where=totals > 0).astype(np.float32)
    top = theme.upper_limit(fraction)
    trace = dict(
        type="heatmap",
        z=fraction,
        x=bounds,
        y=np.arange(1, L + 1, dtype=np.int32),
        zmin=0.0,
        zmax=top,
        colorscale=theme.SEQUENTIAL_SCALE,
        colorbar=theme.colorbar(presentation=presentation, tickformat=".0%"),
        hovertemplate=theme.hover_line(y_title, "%{y}")
        + "<br>"
        + theme.hover_line(x_title, "%{x:.3g}")
        + "<br>%{z:.1%}<extra></extra>",
        hoverongaps=False,
    )
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(L, presentation=presentation),
        presentation=presentation,
    )
    layout.update(
        xaxis=theme.axis(title=x_title, presentation=presentation, tickangle=0),
        yaxis=theme.axis(
            title=y_title,
            presentation=presentation,
            autorange="reversed",
            **({"dtick": 1} if L <= 12 else {}),
        ),
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=[str(L)],
        left_title=bool(y_title),
        bottom=theme.number_labels(float(bounds[0]), float(bounds[-1])),
        bottom_title=bool(x_title),
        right=theme.colorbar_room(["88%"], presentation=presentation),
    )
    return theme.figure([trace], layout=layout)


@theme.memo
def weight_histogram(
    counts: ArrayLike,
    edges: ArrayLike,
    *,
    lines: Mapping[str, float] | Sequence[tuple[str, float]] = (),
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """A weight matrix's entries as a histogram (share per bin), with the initializer's promise.

    `counts` (bins,) and `edges` (bins + 1,) are np.histogram's; `lines` maps a name to a value v
    drawn as a pair of vertical lines at ±v (the theory's σ, a uniform scheme's limit ℓ, the
    measured σ), each pair one legend entry, dashed in turn. Hover gives the bin and its share.
    """
    share = theme.as_float32(counts, ndim=1, what="counts")
    bounds = theme.as_float32(edges, ndim=1, what="edges")
    if len(bounds) != len(share) + 1:
        raise ValueError(f"edges has {len(bounds)} values for {len(share)} bins; pass bins + 1")
    if not (np.isfinite(bounds).all() and (np.diff(bounds) > 0).all()):
        raise ValueError("edges must be finite and increasing")
    total = float(share.sum())
    share = (share / total if total > 0 else share).astype(np.float32)
    pairs = list(lines.items()) if isinstance(lines, Mapping) else list(lines)
    centres = ((bounds[:-1] + bounds[1:]) / 2).astype(np.float32)
    top = max(float(share.max()) if share.size else 0.0, 1e-6) * 1.15
    traces = [
        dict(
            type="bar",
            x=centres,
            y=share,
            width=np.diff(bounds).astype(np.float32),
            name="",
            showlegend=False,
            marker={"color": theme.BEFORE_COLOR},
            hovertemplate=theme.hover_line(x_title, "%{x:.4g}")
            + "<br>"
            + theme.hover_line(y_title, "%{y:.1%}")
            + "<extra></extra>",
        )
    ]
    dashes = ("dash", "dot", "solid")
    for k, (name, value) in enumerate(pairs):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"line {name!r} must be a finite number, got {value}")
        v = abs(value)
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                x=np.array([-v, -v, np.nan, v, v], dtype=np.float32),
                y=np.array([0, top, np.nan, 0, top], dtype=np.float32),
                name=theme.label(name),
                showlegend=bool(name),
                connectgaps=False,
                line={"color": _color(k), "width": 2.5, "dash": dashes[k % len(dashes)]},
                hovertemplate=theme.hover_line(name, f"±{v:.4g}") + "<extra></extra>",
            )
        )
    layout = _layout(
        traces,
        title=title,
        presentation=presentation,
        bargap=0,
        xaxis=theme.axis(title=x_title, presentation=presentation, tickangle=0),
        yaxis=theme.value_axis(y_title, presentation, range=[0.0, top], tickformat=".0%"),
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=["88%"],
        left_title=bool(y_title),
        bottom=[f"{float(bounds[0]):.2g}"],
        bottom_title=bool(x_title),
    )
    return theme.figure(traces, layout=layout)


# --------------------------------------------------------------------------- through time


@_keeps_order
def time_norms(
    series: Series,
    *,
    tokens: Sequence[str],
    title: str | None = None,
    y_title: str = "",
    log: bool = True,
    presentation: bool = False,
) -> go.Figure:
    """‖∂L/∂hₜ‖ against t, one line+markers per cell (dict name -> (T,)), tokens along x.

    Tokens are labelled "t · token". Values a log axis cannot show are gaps, written at the foot
    of the plot (see the module's docstring).
    """
    lines = _series(series, what="series")
    T = len(lines[0][1])
    theme.check_count(tokens, T, what="tokens", per="time step")
    x = theme.row_labels(tokens)
    size = theme.font_size(presentation)
    traces, gaps = _norm_lines(lines, x, log=log, x_title="", y_title=y_title)
    tick = size - 1
    angle = 0 if T <= 8 and theme.labels_px(x, tick) * T <= 560 else -90
    layout = _layout(
        traces,
        title=title,
        presentation=presentation,
        xaxis=theme.axis(
            presentation=presentation,
            type="category",
            categoryorder="array",
            categoryarray=x,
            tickangle=angle,
        ),
        yaxis=theme.axis(title=y_title, presentation=presentation, showgrid=True, **_log_axis(log)),
    )
    if gaps:
        layout["annotations"] = _gap_annotations(gaps, size=size)
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=_left_labels([y for _, y in lines], log),
        left_title=bool(y_title),
        bottom=x,
        bottom_angle=angle,
    )
    layout["height"] += layout["margin"]["b"]  # the plot keeps its height under long tokens
    return theme.figure(traces, layout=layout)


# --------------------------------------------------------------------------- clipping


@_keeps_order
def clip_bars(
    names: Sequence[str],
    before: ArrayLike,
    after: Series,
    *,
    title: str | None = None,
    y_title: str = "",
    before_name: str = "",
    log: bool = False,
    presentation: bool = False,
) -> go.Figure:
    """Grouped bars of each variable's gradient norm: before clipping, then after each method.

    `names` label the n variables; `before` (n,) holds their norms unclipped (grey, named
    `before_name`), `after` maps a method's name to its (n,) norms. NaN or inf draws no bar.
    `log` puts the norms on a log axis (for norms that span decades); a bar of 0 is not drawn.
    """
    first = theme.as_float32(before, ndim=1, what="before")
    theme.check_count(names, len(first), what="names", per="variable")
    methods = _series(after, what="after", length=len(first))
    x = theme.distinct_labels(names)
    size = theme.font_size(presentation)
    bars = [(before_name, first, theme.BEFORE_COLOR)] + [
        (name, y, _color(k)) for k, (name, y) in enumerate(methods)
    ]
    traces = [
        dict(
            type="bar",
            x=x,
            y=y,
            name=theme.label(name),
            marker={"color": color},
            hovertemplate="%{x}<br>" + theme.hover_line(name, "%{y:.4g}") + "<extra></extra>",
        )
        for name, y, color in bars
    ]
    angle = 0 if len(x) <= 2 or theme.labels_px(x, size - 1) * len(x) <= 500 else -90
    everything = np.concatenate([y for _, y, _ in bars])
    top = theme.upper_limit(everything)
    if log:
        shown = everything[_drawable(everything, True)].astype(np.float64)
        low, high = (shown.min(), shown.max()) if shown.size else (1.0, 10.0)
        value_axis = theme.value_axis(
            y_title,
            presentation,
            range=[math.log10(low / 2), math.log10(high * 2)],
            **_log_axis(True),
        )
        left = _left_labels([everything], True)
    else:
        value_axis = theme.value_axis(y_title, presentation, range=[0.0, top * 1.05])
        left = theme.number_labels(0.0, top)
    layout = _layout(
        traces,
        title=title,
        presentation=presentation,
        barmode="group",
        bargap=0.25,
        bargroupgap=0.05,
        xaxis=theme.axis(
            presentation=presentation,
            type="category",
            categoryorder="array",
            categoryarray=x,
            tickangle=angle,
        ),
        yaxis=value_axis,
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=left,
        left_title=bool(y_title),
        bottom=x,
        bottom_angle=angle,
    )
    layout["height"] += layout["margin"]["b"]
    return theme.figure(traces, layout=layout)


# --------------------------------------------------------------------------- training


@_keeps_order
def loss_curves(
    series: Series,
    *,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    log: bool = False,
    presentation: bool = False,
) -> go.Figure:
    """Training loss per step (1..S) for several runs (dict name -> (S,), NaN allowed).

    A run's line stops at its first NaN or ±inf step; that step gets an ✕ marker in the run's
    colour with "NaN" (or "inf") written above it, at the height of the run's last finite loss
    (or of the lowest finite loss of any run when its first step already failed). Steps after
    it are not drawn. On a log axis a loss ≤ 0 before that is a gap.
    """
    runs = _series(series, what="series")
    S = len(runs[0][1])
    x = np.arange(1, S + 1, dtype=np.int32)
    size = theme.font_size(presentation)
    x_hover = theme.hover_line(x_title, "%{x}")
    everything = np.concatenate([y for _, y in runs])
    drawable = everything[_drawable(everything, log)]
    fallback = float(drawable.min()) if drawable.size else 1.0
    traces = []
    for k, (name, y) in enumerate(runs):
        bad = np.flatnonzero(~np.isfinite(y))
        stop = int(bad[0]) if bad.size else S
        kept = y[:stop]
        escaped = theme.label(name)
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                x=x[:stop],
                y=np.where(_drawable(kept, log), kept, np.float32(np.nan)).astype(np.float32),
                name=escaped,
                legendgroup=f"run{k}",
                connectgaps=False,
                line={"color": _color(k), "width": 2.5},
                hovertemplate=f"{escaped}<br>{x_hover}<br>"
                + theme.hover_line(y_title, "%{y:.4g}")
                + "<extra></extra>",
            )
        )
        if bad.size:
            before = kept[_drawable(kept, log)]
            at = float(before[-1]) if before.size else fallback
            text = _value_text(float(y[stop]))
            traces.append(
                dict(
                    type="scatter",
                    mode="markers+text",
                    x=x[stop : stop + 1],
                    y=np.array([at], dtype=np.float32),
                    text=[text],
                    textposition="top center",
                    textfont={"size": size - 1, "color": _color(k)},
                    cliponaxis=False,
                    name=escaped,
                    legendgroup=f"run{k}",
                    showlegend=False,
                    marker={"symbol": "x", "size": 13, "color": _color(k)},
                    hovertemplate=f"{escaped}<br>{x_hover}<br>{text}<extra></extra>",
                )
            )
    layout = _layout(
        traces,
        title=title,
        presentation=presentation,
        xaxis=theme.axis(title=x_title, presentation=presentation, tickangle=0),
        yaxis=theme.axis(title=y_title, presentation=presentation, showgrid=True, **_log_axis(log)),
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=_left_labels([y for _, y in runs], log),
        left_title=bool(y_title),
        bottom=[str(S)],
        bottom_title=bool(x_title),
    )
    return theme.figure(traces, layout=layout)
