"""Figures for a recurrent layer's outputs: every state hₜ against the last one, and the two
directions of a Bidirectional layer.

`state_map` draws a (T, U) or (T, 2U) sequence of states, one row per token, above the last
states (B, U) or (B, 2U) of the batch, on one diverging colour scale and one shared column axis,
so a row of the sequence and a row of the last states line up feature by feature. Cells the
caller names are outlined: solid for what the last state is made of, dashed for a row that only
looks like it. With two halves (a Bidirectional layer's forward and backward units) a line
splits them and each half is named above. A long sentence can be shown as its first and last
rows with a "⋮" row between them; rows and columns keep the sentence's positions and the
features' indices.

`direction_rows` draws the two directions over the tokens: the forward layer's steps in one row,
read left to right (→ between its cells), the backward layer's in the other, read right to left
(←), each cell numbered by its step in its own reading order and coloured by the size of its
state; each row's final state is outlined.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

SOLID_COLOR = "#111111"  # the cells the last state is made of: dark on red, white and blue
DASHED_COLOR = "#555555"  # a row that is not the last state
END_COLOR = theme.MARKER_COLOR  # a direction's final state, on the sequential scale
GAP_LABEL = "⋮"  # the row (or column) standing for positions not shown
MAX_PLOT_PX = {False: 760, True: 900}  # the state map's rows and panels, at most
MIN_PANEL_ROWS = 2  # a one-token sentence still gets a panel two rows tall
ARROWS_MAX = 16  # up to this many cells a row has an arrow between each two
TEXT_MAX = 32  # up to this many cells each carries its step number (smaller above ARROWS_MAX)
# The lower panel's rows keep room for their labels when a long map is squeezed.
LAST_ROW_PX = {False: 22, True: 30}
DIRECTION_ROW_PX = {False: 54, True: 72}
HALVES = ("all", "left", "right")


def _positions(count: int, positions) -> np.ndarray:
    if positions is None:
        return np.arange(count, dtype=np.int64)
    array = np.asarray(positions, dtype=np.int64)
    if array.shape != (count,):
        raise ValueError(f"got {array.size} positions for {count} rows; pass one per row")
    if count and np.any(np.diff(array) <= 0):
        raise ValueError("positions must increase")
    return array


def _with_gaps(positions: np.ndarray) -> list[int | None]:
    """The positions with a None wherever some are skipped (drawn as one "⋮" row or column)."""
    slots: list[int | None] = []
    for k, p in enumerate(positions.tolist()):
        if k and p > positions[k - 1] + 1:
            slots.append(None)
        slots.append(p)
    return slots


def _spread(values: np.ndarray, slots: list[int | None], axis: int) -> np.ndarray:
    """`values` with a NaN row (axis 0) or column (axis 1) at each gap of `slots`."""
    taken = iter(range(values.shape[axis]))
    pieces = []
    for slot in slots:
        if slot is None:
            shape = list(values.shape)
            shape[axis] = 1
            pieces.append(np.full(shape, np.nan, dtype=np.float32))
        else:
            pieces.append(np.take(values, [next(taken)], axis=axis))
    return np.concatenate(pieces, axis=axis).astype(np.float32)


def _labels(texts: Sequence[str], slots: list[int | None]) -> list[str]:
    """`"p · token"` for each slot (escaped, long tokens cut), "⋮" at a gap."""
    words = iter(texts)
    return [
        GAP_LABEL
        if slot is None
        else f"{slot} · {theme.label(theme.short(next(words), theme.MAX_LABEL_CHARS))}"
        for slot in slots
    ]


def _marks(marks, row_of: dict[int, int], columns: int, split: int | None) -> list[tuple]:
    """(row index, first column, last column + 1) of each (position, half) that is shown."""
    found = []
    for position, half in marks:
        if half not in HALVES:
            raise ValueError(f"half must be one of {HALVES}, got {half!r}")
        if half != "all" and split is None:
            raise ValueError(f"half {half!r} needs split= (the left half's column count)")
        row = row_of.get(int(position))
        if row is None:
            continue  # not among the rows shown
        c0, c1 = {"all": (0, columns), "left": (0, split), "right": (split, columns)}[half]
        found.append((row, c0, c1))
    return found


def _rect(row: float, c0: float, c1: float, *, yref: str, color: str, width: float, dash: str):
    return {
        "type": "rect",
        "xref": "x",
        "yref": yref,
        "x0": c0 - 0.5,
        "x1": c1 - 0.5,
        "y0": row - 0.5,
        "y1": row + 0.5,
        "line": {"color": color, "width": width, "dash": dash},
        "fillcolor": "rgba(0,0,0,0)",
    }


@theme.memo
def state_map(
    values: ArrayLike,
    row_labels: Sequence[str],
    *,
    positions: ArrayLike | None = None,
    columns: ArrayLike | None = None,
    split: int | None = None,
    half_names: tuple[str, str] = ("", ""),
    last: ArrayLike | None = None,
    last_labels: Sequence[str] = (),
    chosen: int | None = None,
    marks: Sequence[tuple[int, str]] = (),
    dashed: Sequence[tuple[int, str]] = (),
    title: str | None = None,
    last_title: str = "",
    x_title: str = "",
    y_title: str = "",
    last_y_title: str = "",
    hover_name: str = "value",
    presentation: bool = False,
) -> go.Figure:
    """(R, C) states, one row per token, above the (L, C) last states on one diverging scale.

    `positions` (R,) are the rows' places in the sentence (a jump is drawn as a "⋮" row);
    `columns` (C,) the features' indices (default 0..C-1). `split` makes the first `split`
    columns the left half and the rest the right, named by `half_names`. `marks` and `dashed`
    are (position, half) rows to outline, half "all", "left" or "right"; `chosen` is the row of
    `last` to outline. Rows start at the top.
    """
    z = theme.as_float32(values, ndim=2, what="values")
    R, C = z.shape
    if R < 1 or C < 1:
        raise ValueError(f"values has shape {z.shape}; pass at least one row and one column")
    theme.check_count(row_labels, R, what="row labels", per="row")
    pos = _positions(R, positions)
    cols = np.arange(C, dtype=np.int32) if columns is None else np.asarray(columns, np.int32)
    if cols.shape != (C,) or len(set(cols.tolist())) != C:
        raise ValueError(f"columns must be {C} distinct feature indices, one per column")
    if split is not None and not 0 < int(split) < C:
        raise ValueError(f"split {split} must leave columns on both sides of 0..{C}")
    slots = _with_gaps(pos)
    top = _spread(z, slots, axis=0)
    y = _labels(row_labels, slots)
    row_of = {slot: k for k, slot in enumerate(slots) if slot is not None}
    below = None
    if last is not None:
        below = theme.as_float32(last, ndim=2, what="last")
        if below.shape[1] != C:
            raise ValueError(f"last has {below.shape[1]} columns; pass the same {C} as values")
        theme.check_count(last_labels, below.shape[0], what="last labels", per="row")
        if chosen is not None and not 0 <= int(chosen) < below.shape[0]:
            raise ValueError(f"chosen row {chosen} is not one of 0..{below.shape[0] - 1}")
    size = theme.font_size(presentation)
    both = top if below is None else np.concatenate([top, below])
    limit = theme.symmetric_limit(both)
    hover = "<br>".join(
        (
            theme.hover_line(y_title, "%{y}"),
            theme.hover_line(x_title, "%{x}"),
            theme.hover_line(hover_name, "%{z:.4f}"),
        )
    )
    traces = [
        dict(
            type="heatmap",
            z=top,
            x=cols,
            y=y,
            coloraxis="coloraxis",
            hovertemplate=hover + "<extra></extra>",
            hoverongaps=False,
        )
    ]
    shapes = [
        _rect(row, c0, c1, yref="y", color=SOLID_COLOR, width=4, dash="solid")
        for row, c0, c1 in _marks(marks, row_of, C, split)
    ]
    shapes += [
        _rect(row, c0, c1, yref="y", color=DASHED_COLOR, width=2.5, dash="dash")
        for row, c0, c1 in _marks(dashed, row_of, C, split)
    ]
    layout = theme.base_layout(title=title, presentation=presentation)
    annotations = []
    if split is not None:
        annotations += [
            {
                "text": theme.label(name),
                "x": centre,
                "xref": "x",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "yshift": 2,
                "showarrow": False,
                "font": {"size": size},
            }
            for name, centre in (
                (half_names[0], (split - 1) / 2),
                (half_names[1], (split + C - 1) / 2),
            )
        ]
        # The halves' border through each panel (not through the lower panel's title).
        shapes += [
            {
                "type": "line",
                "xref": "x",
                "yref": f"{axis} domain",
                "x0": split - 0.5,
                "x1": split - 0.5,
                "y0": 0.0,
                "y1": 1.0,
                "line": {"color": SOLID_COLOR, "width": 2},
            }
            for axis in (("y",) if last is None else ("y", "y2"))
        ]
        layout["margin"]["t"] += size + 8
    left_labels = list(y)
    row_px = theme.ROW_PX[presentation]
    top_rows = max(len(slots), MIN_PANEL_ROWS)
    gap_px = 0
    bottom_rows = 0
    if below is not None:
        L = below.shape[0]
        last_y = theme.row_labels(last_labels, 1)
        left_labels += last_y
        traces.append(
            dict(
                type="heatmap",
                z=below,
                x=cols,
                y=last_y,
                yaxis="y2",
                coloraxis="coloraxis",
                hovertemplate="<br>".join(
                    (
                        theme.hover_line(last_y_title, "%{y}"),
                        theme.hover_line(x_title, "%{x}"),
                        theme.hover_line(hover_name, "%{z:.4f}"),
                    )
                )
                + "<extra></extra>",
                hoverongaps=False,
            )
        )
        if chosen is not None:
            shapes.append(
                _rect(int(chosen), 0, C, yref="y2", color=SOLID_COLOR, width=4, dash="solid")
            )
        bottom_rows = max(L, 1)
        gap_px = size + 22  # the lower panel's title
    room = MAX_PLOT_PX[presentation] - gap_px
    scale = min(1.0, room / ((top_rows + bottom_rows) * row_px))
    # Squeezed, the lower panel keeps readable rows (up to a third of the room).
    bottom_px = max(
        bottom_rows * row_px * scale, min(bottom_rows * LAST_ROW_PX[presentation], room / 3)
    )
    bottom_px = min(bottom_px, bottom_rows * row_px)
    top_px = min(top_rows * row_px, room - bottom_px)
    plot_px = top_px + gap_px + bottom_px
    low = (bottom_px + gap_px) / plot_px
    layout["yaxis"] = theme.axis(
        title=y_title,
        presentation=presentation,
        type="category",
        autorange="reversed",
        domain=[round(low, 6), 1.0],
        anchor="x",
    )
    layout["xaxis"] = theme.axis(
        title=x_title,
        presentation=presentation,
        type="category",
        tickangle=0,
        nticks=min(C, 8 if presentation else 16),  # feature numbers that never collide
        anchor="y2" if below is not None else "y",
    )
    if below is not None:
        layout["yaxis2"] = theme.axis(
            title=last_y_title,
            presentation=presentation,
            type="category",
            autorange="reversed",
            domain=[0.0, round(bottom_px / plot_px, 6)],
            anchor="x",
        )
        annotations.append(
            {
                "text": theme.label(last_title),
                "xref": "paper",
                "x": 0.0,
                "xanchor": "left",
                "yref": "y2 domain",
                "y": 1.0,
                "yanchor": "bottom",
                "yshift": 4,
                "showarrow": False,
                "font": {"size": size + 1},
            }
        )
    layout["coloraxis"] = {
        "cmin": -limit,
        "cmax": limit,
        "cmid": 0.0,
        "colorscale": theme.DIVERGING_SCALE,
        "colorbar": theme.colorbar(presentation=presentation),
    }
    layout["shapes"] = shapes
    layout["annotations"] = annotations
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=left_labels,
        left_title=bool(y_title or last_y_title),
        bottom=["88"],
        bottom_title=bool(x_title),
        right=theme.colorbar_room(theme.number_labels(-limit, limit), presentation=presentation),
    )
    margin = layout["margin"]
    layout["height"] = int(margin["t"] + margin["b"] + plot_px)
    return theme.figure(traces, layout=layout)


@theme.memo
def direction_rows(
    forward: ArrayLike,
    backward: ArrayLike,
    labels: Sequence[str],
    *,
    positions: ArrayLike | None = None,
    forward_steps: ArrayLike,
    backward_steps: ArrayLike,
    forward_end: int | None = None,
    backward_end: int | None = None,
    forward_name: str = "forward",
    backward_name: str = "backward",
    title: str | None = None,
    x_title: str = "",
    hover_name: str = "value",
    step_name: str = "step",
    zrange: tuple[float, float] | None = None,
    presentation: bool = False,
) -> go.Figure:
    """Two rows of cells over the tokens: the forward layer's (read →) above the backward
    layer's (read ←), each cell coloured by `forward` / `backward` (n,) on a scale from 0 and
    numbered by its `*_steps` (n,); the cells at positions `forward_end` and `backward_end`
    (each direction's final state) outlined. `positions` (n,) as in `state_map`."""
    f = theme.as_float32(forward, ndim=1, what="forward")
    b = theme.as_float32(backward, ndim=1, what="backward")
    n = f.size
    if n < 1 or b.size != n:
        raise ValueError(f"forward has {n} values and backward {b.size}; pass one per token")
    theme.check_count(labels, n, what="labels", per="token")
    steps = []
    for name, given in (("forward_steps", forward_steps), ("backward_steps", backward_steps)):
        array = np.asarray(given, dtype=np.int64)
        if array.shape != (n,):
            raise ValueError(f"{name} has shape {array.shape}; pass one step per token")
        steps.append(array)
    pos = _positions(n, positions)
    slots = _with_gaps(pos)
    z = _spread(np.stack([f, b]), slots, axis=1)  # (2, n + gaps)
    words = _labels(labels, slots)
    text = [["" if slot is None else str(int(s[k])) for slot, k in _indexed(slots)] for s in steps]
    y = [f"{theme.label(forward_name)} →", f"← {theme.label(backward_name)}"]
    if zrange is not None:
        lo, hi = theme.check_range(zrange)
    else:
        lo, hi = 0.0, theme.upper_limit(z)
    size = theme.font_size(presentation)
    count = len(slots)
    spaced = count <= ARROWS_MAX
    trace = dict(
        type="heatmap",
        z=z,
        x=words,
        y=y,
        zmin=lo,
        zmax=hi,
        colorscale=theme.SEQUENTIAL_SCALE,
        colorbar=theme.colorbar(presentation=presentation),
        xgap=18 if spaced else 1,
        ygap=10,
        hovertemplate="<br>".join(
            (
                theme.hover_line(x_title, "%{x}"),
                "%{y}",
                theme.hover_line(step_name, "%{text}"),
                theme.hover_line(hover_name, "%{z:.4f}"),
            )
        )
        + "<extra></extra>",
        hoverongaps=False,
    )
    if count <= TEXT_MAX:
        font = size + 1 if spaced else size - 3
        trace.update(text=text, texttemplate="%{text}", textfont={"size": font})
    annotations = []
    if spaced:  # an arrow in each gap, pointing the way its row reads
        for k in range(count - 1):
            for row, sign in ((0, 1), (1, -1)):
                annotations.append(
                    {
                        "text": "",
                        "x": k + 0.5,
                        "y": row,
                        "xref": "x",
                        "yref": "y",
                        "xshift": 7 * sign,
                        "ax": -14 * sign,
                        "ay": 0,
                        "showarrow": True,
                        "arrowhead": 2,
                        "arrowsize": 1,
                        "arrowwidth": 2,
                        "arrowcolor": theme.AXIS_COLOR,
                    }
                )
    column_of = {slot: k for k, slot in enumerate(slots) if slot is not None}
    shapes = []
    for row, end in ((0, forward_end), (1, backward_end)):
        if end is not None and int(end) in column_of:
            k = column_of[int(end)]
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": k - 0.5,
                    "x1": k + 0.5,
                    "y0": row - 0.5,
                    "y1": row + 0.5,
                    "line": {"color": END_COLOR, "width": 4},
                    "fillcolor": "rgba(0,0,0,0)",
                }
            )
    layout = theme.base_layout(title=title, presentation=presentation)
    layout.update(annotations=annotations, shapes=shapes)
    layout["xaxis"] = theme.axis(
        title=x_title, presentation=presentation, type="category", tickangle=-90
    )
    layout["yaxis"] = theme.axis(presentation=presentation, type="category", autorange="reversed")
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        bottom=words,
        bottom_angle=-90,
        bottom_title=bool(x_title),
        right=theme.colorbar_room(theme.number_labels(lo, hi), presentation=presentation),
    )
    margin = layout["margin"]
    layout["height"] = int(margin["t"] + margin["b"] + 2 * DIRECTION_ROW_PX[presentation] + 10)
    return theme.figure([trace], layout=layout)


def _indexed(slots: list[int | None]):
    """(slot, index into the values without gaps) for each slot; index -1 at a gap."""
    k = 0
    for slot in slots:
        if slot is None:
            yield slot, -1
        else:
            yield slot, k
            k += 1
