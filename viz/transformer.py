"""Figures for an encoder–decoder Transformer: the whole model's shapes, and masked attention maps.

`encoder_decoder_flow` draws the model as two rows of boxes, the encoder above and the decoder
below, each box named inside and its output shape beside it, with the encoder's last box (its
memory) placed right above the decoder box that reads it (cross-attention) and an arrow between
them: the one place where the two halves meet. `masked_attention_heatmap` draws (T, S) attention
weights on the probability scale with the cells a mask hides painted in the mask's dark grey, so
that "hidden by the causal or the padding mask" cannot be read as "a small weight". The weights
underneath keep their values (0 where hidden), which is what hovering over a visible cell shows.
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
BOX_HALF = 0.45  # half a box's width, in slots (one slot per box)
# A map's plot area: CELL_PX per query row, within [MIN_PLOT_PX, MAX_PLOT_PX] (normal, projector).
CELL_PX = {False: 30, True: 40}
MIN_PLOT_PX = {False: 240, True: 320}
MAX_PLOT_PX = {False: 720, True: 900}


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
    """Two rows of (name, shape_text) boxes; the encoder's last box feeds decoder box `cross`.

    A "\\n" in a name or a shape text starts a new line. Encoder shapes stand above its boxes,
    decoder shapes below, so the gap between the rows holds only the memory arrow.
    """
    encoder = _check_blocks(encoder, "encoder")
    decoder = _check_blocks(decoder, "decoder")
    if isinstance(cross, bool) or not isinstance(cross, int | np.integer):
        raise ValueError(f"cross must be the index of a decoder box, got {cross!r}")
    if not 0 <= cross < len(decoder):
        raise ValueError(f"cross is {cross}; the decoder has boxes 0..{len(decoder) - 1}")
    size = theme.font_size(presentation)
    text_size = size - 1
    line_px = text_size + 6
    name_lines = max(len(_lines(name)) for name, _ in (*encoder, *decoder))
    shape_lines = max(len(_lines(shape)) for _, shape in (*encoder, *decoder))
    box_px = name_lines * line_px + 14
    shape_px = shape_lines * line_px + 8
    gap_px = 2 * line_px + 20
    # Heights from the bottom, in pixels (the y axis is in pixels): decoder shapes, decoder
    # boxes, the gap with the memory arrow, encoder boxes, encoder shapes.
    dec_lo = shape_px
    dec_hi = dec_lo + box_px
    enc_lo = dec_hi + gap_px
    enc_hi = enc_lo + box_px
    total = enc_hi + shape_px
    offset = int(cross) - (len(encoder) - 1)  # the encoder's last box right above `cross`
    rows = (
        (encoder, offset, enc_lo, enc_hi, "above", encoder_name),
        (decoder, 0, dec_lo, dec_hi, "below", decoder_name),
    )
    left = min(0, offset)
    right = max(len(decoder) - 1, offset + len(encoder) - 1)
    shapes, annotations = [], []
    for blocks, start, lo, hi, side, row_name in rows:
        middle = (lo + hi) / 2
        if row_name:  # in the left margin, right-aligned against the boxes
            name = _text("<b>" + "<br>".join(_lines(row_name)) + "</b>", 0.0, middle, size)
            name.update(xref="paper", xanchor="right", xshift=-10)
            annotations.append(name)
        for i, (name, shape_text) in enumerate(blocks):
            x = start + i
            entered = blocks is decoder and i == cross
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": x - BOX_HALF,
                    "x1": x + BOX_HALF,
                    "y0": lo,
                    "y1": hi,
                    "fillcolor": theme.BOX_FILL,
                    "line": {"color": CROSS_COLOR if entered else theme.BOX_LINE, "width": 2},
                    "layer": "below",
                }
            )
            annotations.append(
                _text("<b>" + "<br>".join(_lines(name)) + "</b>", x, middle, text_size)
            )
            shape_y = hi + 4 if side == "above" else lo - 4
            annotations.append(
                _text(
                    "<br>".join(_lines(shape_text)),
                    x,
                    shape_y,
                    text_size - 1,
                    anchor="bottom" if side == "above" else "top",
                )
            )
            if i:
                annotations.append(_arrow(x - 1 + BOX_HALF, middle, x - BOX_HALF, middle))
    memory_x = offset + len(encoder) - 1  # == cross
    annotations.append(_arrow(memory_x, enc_lo, memory_x, dec_hi, color=CROSS_COLOR))
    if memory_name:
        note = _text(
            "<br>".join(_lines(memory_name)), memory_x + 0.06, (enc_lo + dec_hi) / 2, text_size - 1
        )
        note["xanchor"] = "left"
        annotations.append(note)
    hidden = {"visible": False, "fixedrange": True}
    layout = theme.base_layout(title=title, presentation=presentation)
    layout.update(
        shapes=shapes,
        annotations=annotations,
        xaxis={**hidden, "range": [left - 0.5, right + 0.5]},
        yaxis={**hidden, "range": [0, total]},
        dragmode=False,
        showlegend=False,
    )
    margin = layout["margin"]
    names = [line for row_name in (encoder_name, decoder_name) for line in _lines(row_name)]
    margin["l"] = max(margin["l"], math.ceil(theme.labels_px(names, size) + 20))
    layout["height"] = int(margin["t"] + margin["b"] + total)
    return theme.figure([], layout=layout)


def _text(text: str, x: float, y: float, size: int, *, anchor: str = "middle") -> dict:
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


def _arrow(x0: float, y0: float, x1: float, y1: float, *, color: str = theme.AXIS_COLOR) -> dict:
    """An arrow from (x0, y0) to (x1, y1), in data coordinates."""
    return {
        "text": "",
        "x": x1,
        "y": y1,
        "ax": x0,
        "ay": y0,
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 2,
        "arrowsize": 1.2,
        "arrowwidth": 2.5 if color != theme.AXIS_COLOR else 2,
        "arrowcolor": color,
        "standoff": 2,
    }


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
    """(T, S) attention weights on [0, 1], queries down the side, keys along the bottom.

    `hidden` (T, S) bool marks the cells a mask hides (causal or padding): they are painted dark
    grey over the weights (which are 0 there) and named `hidden_name` above the plot and on hover.
    """
    z = theme.as_float32(weights, ndim=2, what="weights")
    queries, keys = z.shape
    theme.check_count(query_labels, queries, what="query labels", per="row")
    theme.check_count(key_labels, keys, what="key labels", per="column")
    mask = np.zeros(z.shape, dtype=bool)
    if hidden is not None:
        mask = np.asarray(hidden, dtype=bool)
        if mask.shape != z.shape:
            raise ValueError(f"hidden has shape {mask.shape}; pass one per weight, {z.shape}")
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
    if title:  # from the figure's left edge: a long title is not pushed out by the labels
        layout["title"].update(xref="container", x=0.0)
    if mask.any():
        traces.append(
            dict(
                type="heatmap",
                z=np.where(mask, np.float32(1.0), np.float32(np.nan)).astype(np.float32),
                x=x,
                y=y,
                zmin=0.0,
                zmax=1.0,
                colorscale=[[0.0, HIDDEN_COLOR], [1.0, HIDDEN_COLOR]],
                showscale=False,
                hovertemplate="<br>".join([*hover, theme.label(hidden_name)]) + "<extra></extra>",
                hoverongaps=False,
            )
        )
        layout["annotations"] = [
            {
                "text": f'<span style="color:{HIDDEN_COLOR}">■</span> {theme.label(hidden_name)}',
                "xref": "paper",
                "x": 1.0,
                "xanchor": "right",
                "yref": "paper",
                "y": 1.0,
                "yanchor": "bottom",
                "yshift": 4,
                "showarrow": False,
                "font": {"size": size - 1},
            }
        ]
        layout["margin"]["t"] += size + 10
    layout["xaxis"] = theme.axis(
        title=x_title, presentation=presentation, type="category", constrain="domain", tickangle=-90
    )
    # Square cells: one key is as wide as one query is tall.
    layout["yaxis"] = theme.axis(
        title=y_title,
        presentation=presentation,
        type="category",
        autorange="reversed",
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        left_title=bool(y_title),
        bottom=x,
        bottom_angle=-90,
        bottom_title=bool(x_title),
        right=theme.colorbar_room(theme.number_labels(0.0, 1.0), presentation=presentation),
    )
    # Cells large enough to read a few tokens' map on a projector, a long sentence's still whole.
    plot = min(
        max(queries * CELL_PX[presentation], MIN_PLOT_PX[presentation]), MAX_PLOT_PX[presentation]
    )
    margin = layout["margin"]
    layout["height"] = int(margin["t"] + margin["b"] + plot)
    return theme.figure(traces, layout=layout)
