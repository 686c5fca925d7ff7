"""Figures for an encoder–decoder Transformer: the whole model's shapes, and masked attention maps.

`encoder_decoder_flow` draws the model as in the paper's figure: the encoder's boxes in a column
on the left, the decoder's on the right, inputs at the bottom, each box with its name and output
shape inside, and an amber arrow from the encoder's last box (its memory) into the decoder box
that reads it (cross-attention): the one place where the two halves meet.
`masked_attention_heatmap` draws (T, S) attention weights on the probability scale with the cells
a mask hides painted in the mask's dark grey, so that "hidden by the causal or the padding mask"
cannot be read as "a small weight". The weights underneath keep their values (0 where hidden),
which is what hovering over a visible cell shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme

HIDDEN_COLOR = theme.MASK_COLORS[0]  # the mask's "dropped" grey: a hidden key is a dropped one
CROSS_COLOR = theme.MASK_COLORS[1]  # amber: the memory arrow and the box it enters
BOX_PAD = 12  # pixels between a box's words and its edges
BOLD = 1.08  # bold type is about this much wider than text_px's estimate
ROW_GAP = 24  # pixels between two boxes of a column: room for the arrow
GAP_MIN = 90  # pixels between the columns, at least: the memory arrow crosses there
# A map's square cells (normal, projector): CELL_PX each, smaller when the map would be taller
# than MAX_PLOT_PX or wider than WIDTH_PX (half a page's width less the labels; on a projector
# the page puts its maps one above the other, so the whole width), larger when it
# would be shorter than MIN_PLOT_PX and the width allows: a few tokens' map is read from the back
# of the room, and the figure is as tall as its square cells make it, with no empty band.
CELL_PX = {False: 30, True: 40}
MIN_PLOT_PX = {False: 240, True: 340}
MAX_PLOT_PX = {False: 600, True: 760}
WIDTH_PX = {False: 320, True: 520}


def _lines(text: str) -> list[str]:
    """The caller's text cut at its line breaks, each line escaped."""
    return [theme.label(line) for line in str(text).split("\n")]


def _check_blocks(blocks: Sequence[tuple[str, str]], what: str) -> list[tuple[str, str]]:
    if not blocks:
        raise ValueError(f"{what} is empty; pass (name, shape_text) for each box")
    checked = []
    for block in blocks:
        if len(block) != 2:
            raise ValueError(f"each {what} box is (name, shape_text), got {block!r}")
        checked.append((str(block[0]), str(block[1])))
    return checked


@theme.memo
def encoder_decoder_flow(
    encoder: Sequence[tuple[str, str]],
    decoder: Sequence[tuple[str, str]],
    *,
    cross: int,
    encoder_name: str = "",
    decoder_name: str = "",
    memory_name: str = "",
    title: str | None = None,
    presentation: bool = False,
) -> go.Figure:
    """Two columns of (name, shape_text) boxes, inputs at the bottom as in the paper's figure;
    an arrow from the encoder's last box (its memory) into decoder box `cross`.

    A "\\n" in a name or a shape text starts a new line. The axes are in pixels at one pixel
    per unit (the y axis is anchored to the x axis), so the boxes keep the size their words need
    on any screen wider than the figure, and the figure is centred there.
    """
    encoder = _check_blocks(encoder, "encoder")
    decoder = _check_blocks(decoder, "decoder")
    if isinstance(cross, bool) or not isinstance(cross, int | np.integer):
        raise ValueError(f"cross must be the index of a decoder box, got {cross!r}")
    if not 0 <= cross < len(decoder):
        raise ValueError(f"cross is {cross}; the decoder has boxes 0..{len(decoder) - 1}")
    size = theme.font_size(presentation)
    name_size, shape_size = size - 1, size - 2
    name_line, shape_line = name_size + 6, shape_size + 6
    boxes = (*encoder, *decoder)
    name_lines = max(len(_lines(name)) for name, _ in boxes)
    shape_lines = max(len(_lines(shape)) for _, shape in boxes)
    widest = max(
        max(theme.labels_px(_lines(name), name_size) * BOLD for name, _ in boxes),
        max(theme.labels_px(_lines(shape), shape_size) for _, shape in boxes),
    )
    box_w = math.ceil(widest) + 2 * BOX_PAD
    box_h = name_lines * name_line + shape_lines * shape_line + BOX_PAD
    memory_lines = _lines(memory_name) if memory_name else []
    gap_w = max(GAP_MIN, math.ceil(theme.labels_px(memory_lines, shape_size)) + 2 * BOX_PAD)
    label_h = size + 18 if encoder_name or decoder_name else 8
    levels = max(len(encoder), len(decoder))
    total_w = 2 * box_w + gap_w
    total_h = label_h + levels * box_h + (levels - 1) * ROW_GAP + 8
    columns = (
        (encoder, 0, encoder_name),
        (decoder, box_w + gap_w, decoder_name),
    )
    shapes, annotations = [], []
    centres: dict[tuple[int, int], tuple[float, float]] = {}  # (column, level) -> (x, y) centre
    for column, (blocks, left, column_name) in enumerate(columns):
        middle_x = left + box_w / 2
        if column_name:
            annotations.append(
                _text(
                    "<b>" + "<br>".join(_lines(column_name)) + "</b>", middle_x, 4, size, "bottom"
                )
            )
        for level, (name, shape_text) in enumerate(blocks):
            y0 = label_h + level * (box_h + ROW_GAP)
            entered = column == 1 and level == cross
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": left,
                    "x1": left + box_w,
                    "y0": y0,
                    "y1": y0 + box_h,
                    "fillcolor": theme.BOX_FILL,
                    "line": {"color": CROSS_COLOR if entered else theme.BOX_LINE, "width": 2},
                    "layer": "below",
                }
            )
            # the box's words, centred in it as one block: name, then shape
            names, shapes_ = _lines(name), _lines(shape_text)
            words_h = len(names) * name_line + len(shapes_) * shape_line
            top = y0 + (box_h + words_h) / 2
            bold = "<b>" + "<br>".join(names) + "</b>"
            annotations.append(_text(bold, middle_x, top, name_size, "top"))
            shape_top = top - len(names) * name_line
            annotations.append(_text("<br>".join(shapes_), middle_x, shape_top, shape_size, "top"))
            if level:
                annotations.append(theme.arrow(middle_x, y0 - ROW_GAP, middle_x, y0))
            centres[column, level] = (left, y0 + box_h / 2)
    memory_left, memory_y = centres[0, len(encoder) - 1]
    cross_left, cross_y = centres[1, cross]
    start, end = (memory_left + box_w, memory_y), (cross_left, cross_y)
    annotations.append(theme.arrow(*start, *end, color=CROSS_COLOR))
    if memory_lines:
        note = _text(
            "<br>".join(memory_lines),
            (start[0] + end[0]) / 2,
            max(start[1], end[1]) + 6,
            shape_size,
            "bottom",
        )
        annotations.append(note)
    hidden = {"visible": False, "fixedrange": True}
    layout = theme.base_layout(title=title, presentation=presentation)
    layout.update(
        shapes=shapes,
        annotations=annotations,
        xaxis={**hidden, "range": [0, total_w], "constrain": "domain"},
        yaxis={
            **hidden,
            "range": [0, total_h],
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
        },
        dragmode=False,
        showlegend=False,
    )
    margin = layout["margin"]
    layout["height"] = int(margin["t"] + margin["b"] + total_h)
    return theme.figure([], layout=layout)


def _text(text: str, x: float, y: float, size: int, anchor: str = "middle") -> dict:
    return {
        "text": text,
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "y",
        "xanchor": "center",
        "yanchor": anchor,
        "showarrow": False,
        "font": {"size": size},
    }


def map_cell(rows: int, cols: int, presentation: bool = False) -> float:
    """The pixels of one square cell of a (rows, cols) map (see CELL_PX)."""
    p = presentation
    cell = min(CELL_PX[p], MAX_PLOT_PX[p] / rows, WIDTH_PX[p] / cols)
    return max(cell, min(MIN_PLOT_PX[p] / rows, WIDTH_PX[p] / cols))


@theme.memo
def masked_attention_heatmap(
    weights: ArrayLike,
    query_labels: Sequence[str],
    key_labels: Sequence[str],
    *,
    hidden: ArrayLike | None = None,
    hidden_name: str = "hidden",
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    hover_name: str = "weight",
    presentation: bool = False,
) -> go.Figure:
    """(T, S) attention weights on [0, 1], queries down the side, keys along the bottom; a "\\n"
    in the title starts a new line.

    `hidden` (T, S) bool marks the cells a mask hides (causal or padding): they are painted dark
    grey over the weights (which are 0 there) and named `hidden_name` above the plot and on hover.
    """
    z = theme.as_float32(weights, ndim=2, what="weights")
    queries, keys = z.shape
    theme.check_count(query_labels, queries, what="query labels", per="row")
    theme.check_count(key_labels, keys, what="key labels", per="column")
    mask = theme.as_mask(hidden, z.shape, per="weight")
    x, y = theme.row_labels(key_labels), theme.row_labels(query_labels)
    size = theme.font_size(presentation)
    hover = [theme.hover_line(y_title, "%{y}"), theme.hover_line(x_title, "%{x}")]
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
            hovertemplate="<br>".join([*hover, theme.hover_line(hover_name, "%{z:.4f}")])
            + "<extra></extra>",
            hoverongaps=False,
        )
    ]
    layout = theme.base_layout(title=title, presentation=presentation)
    if title:  # from the figure's left edge, a "\n" a new line: a half-width map's title fits
        lines = _lines(title)
        layout["title"].update(xref="container", x=0.0, text="<br>".join(lines))
        # plotly.js puts a title's last line where a one-line title would stand: the lines
        # above it need that much more room, inside the figure, or they are cut off.
        extra = math.ceil((len(lines) - 1) * (size + 3) * 1.3)
        pad = layout["title"]["pad"]
        layout["title"]["pad"] = {**pad, "t": pad["t"] + extra}
        layout["margin"]["t"] += extra + 6
    if mask.any():
        traces.append(
            theme.hidden_cells(
                mask, x, y, color=HIDDEN_COLOR, name=hidden_name, x_title=x_title, y_title=y_title
            )
        )
        layout["annotations"] = [theme.swatch_note(hidden_name, HIDDEN_COLOR, size)]
        layout["margin"]["t"] += size + 10
    theme.square_map_axes(
        layout,
        x,
        y,
        x_title=x_title,
        y_title=y_title,
        presentation=presentation,
        right=theme.colorbar_room(theme.number_labels(0.0, 1.0), presentation=presentation),
    )
    # Square cells sized for the room and the page (map_cell); the figure as tall as they make it.
    plot = queries * map_cell(queries, keys, presentation)
    margin = layout["margin"]
    layout["height"] = int(margin["t"] + margin["b"] + plot)
    return theme.figure(traces, layout=layout)
