"""Bidirectional: the page's layer reads the sentence left to right, a copy with its own weights
reads it right to left, and at each token their states are joined: U units become 2U.

The part draws the two directions running opposite ways over the tokens, then the (T, 2U)
sequence with its forward and backward halves, and the point a class trips over: without
return_sequences, Keras joins the forward state after the LAST token and the backward state after
reading back to the FIRST token (both have read the whole sentence), which is not the last row of
the sequence. The last state is computed (the same Bidirectional layer with return_sequences
off), and the page writes how far it is from the rows it is made of and from the last row.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import viz
from ui.blocks import chart, f32
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings
from ui.shell import explain
from ui.state import current

from . import sequences_code
from .common import (
    BidirectionalRun,
    RecurrentRun,
    bidirectional_run,
    both_ends,
    fits_budget,
    has_words,
    line_control,
    real_tokens,
    recurrent_run,
    size_controls,
)
from .sequences import (
    MAX_COLS,
    badge_shape,
    difference,
    last_state,
    number,
    program_panel,
    rows_caption,
    sentence_labels,
    shown_rows,
)

MAX_CELLS = 24  # tokens in the directions figure: a longer sentence shows its first and last 12

IDEA = (
    r"\overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1}), \qquad"
    r"\overleftarrow{h}_t = f'(x_t, \overleftarrow{h}_{t+1}), \qquad"
    r"\text{out}_t = [\,\overrightarrow{h}_t \,;\, \overleftarrow{h}_t\,] \in \mathbb{R}^{2U}"
)


def direction_cells(T: int) -> list[int]:
    """The positions the directions figure draws: all up to MAX_CELLS, else both ends."""
    return both_ends(T, MAX_CELLS)


def rms(h: torch.Tensor) -> torch.Tensor:
    """(T, U) -> (T,): the root mean square of each state's U numbers."""
    return h.double().pow(2).mean(-1).sqrt()


def bidirectional_numbers(bi: BidirectionalRun, last: torch.Tensor, b: int) -> dict[str, float]:
    """The part's comparisons for sentence b: the last state's halves against the rows they are
    (forward: the last row; backward: row 0), and the whole against the last row."""
    U = bi.layer.units
    out = bi.out[b]  # (T, 2U)
    return {
        "fwd": difference(last[b, :U], out[-1, :U]),
        "bwd": difference(last[b, U:], out[0, U:]),
        "row": difference(last[b], out[-1]),
    }


def _directions(run: RecurrentRun, bi: BidirectionalRun, b: int, s: Settings) -> None:
    T = run.x.shape[1]
    cells = direction_cells(T)
    if T > MAX_CELLS:
        st.caption(t("recurrent.bidirectional.directions_sliced", T=T, n=MAX_CELLS // 2))
    tokens = run.batch.tokens[b]
    forward = rms(bi.trace.forward.h[b])  # (T,)
    backward = rms(bi.trace.backward.h[b])  # (T,) token t: after reading T-1 … t
    steps = np.asarray(cells)
    chart(
        viz.direction_rows(
            f32(forward[cells]),
            f32(backward[cells]),
            [tokens[i] for i in cells],
            positions=cells,
            forward_steps=steps + 1,
            backward_steps=T - steps,
            forward_end=T - 1,
            backward_end=0,
            forward_name=t("recurrent.bidirectional.forward"),
            backward_name=t("recurrent.bidirectional.backward"),
            title=t("recurrent.bidirectional.directions_title", line=b + 1),
            x_title=t("axis.token"),
            hover_name=t("recurrent.bidirectional.size"),
            step_name=t("recurrent.bidirectional.step"),
            presentation=s.present,
        ),
        "recurrent_bidirectional_directions",
    )
    st.caption(t("recurrent.bidirectional.directions_note"))


def _map(run: RecurrentRun, bi: BidirectionalRun, last: torch.Tensor, b: int, s: Settings):
    B, T, U2 = bi.out.shape
    U = U2 // 2
    rows = shown_rows(T)
    k = min(U, MAX_COLS // 2)  # units of each direction shown
    columns = [*range(k), *range(U, U + k)]
    rows_caption(T)
    if k < U:
        st.caption(t("recurrent.bidirectional.cols_sliced", C=U2, a=k - 1))
    tokens = run.batch.tokens[b]
    chart(
        viz.state_map(
            f32(bi.out[b][rows][:, columns]),
            [tokens[i] for i in rows],
            positions=rows,
            columns=columns,
            split=k,
            half_names=(
                f"{t('recurrent.bidirectional.forward')} →",
                f"← {t('recurrent.bidirectional.backward')}",
            ),
            last=f32(last[:, columns]),
            last_labels=sentence_labels(run),
            chosen=b,
            marks=[(T - 1, "left"), (0, "right")],
            dashed=[(T - 1, "right")],
            title=t("recurrent.bidirectional.map_title", line=b + 1),
            last_title=t("recurrent.bidirectional.last_title"),
            x_title=t("axis.feature"),
            y_title=t("axis.token"),
            last_y_title=t("axis.sentence"),
            hover_name=t("axis.value"),
            presentation=s.present,
        ),
        "recurrent_bidirectional_map",
    )


def bidirectional_part(s: Settings) -> None:
    explain(t("recurrent.bidirectional.idea"), IDEA)
    if not has_words(s) or not fits_budget(s):
        return
    size_controls()
    s = current()
    run = recurrent_run(s)
    bi = bidirectional_run(s)
    b = line_control(run.batch)
    s = current()
    B, T, U2 = bi.out.shape
    U = U2 // 2
    last = last_state(s, bi.layer, run.x, "bi")  # (B, 2U)
    forward, backward = t("recurrent.bidirectional.forward"), t("recurrent.bidirectional.backward")
    st.markdown(
        f":blue-badge[{forward} (B, T, U) = {badge_shape((B, T, U))}] + "
        f":blue-badge[{backward} (B, T, U) = {badge_shape((B, T, U))}] → "
        f":violet-badge[return_sequences=True: (B, T, 2U) = {badge_shape((B, T, U2))}] "
        f":orange-badge[return_sequences=False: (B, 2U) = {badge_shape((B, U2))}]"
    )
    _directions(run, bi, b, s)
    _map(run, bi, last, b, s)
    tokens = run.batch.tokens[b]
    first, final = md_escape(tokens[0]), md_escape(tokens[-1])
    numbers = bidirectional_numbers(bi, last, b)
    st.markdown(t("recurrent.bidirectional.last_is", last=final, first=first, row=T - 1))
    st.markdown(
        t(
            "recurrent.bidirectional.last_row",
            last=final,
            diff=number(numbers["row"]),
            row=T - 1,
            fwd=number(numbers["fwd"]),
            bwd=number(numbers["bwd"]),
        )
    )
    st.markdown(t("recurrent.bidirectional.torch", hn=badge_shape((2, B, U))))
    if real_tokens(run.batch, b) and real_tokens(run.batch, b)[0] > 0:
        st.caption(t("recurrent.bidirectional.padded"))
    downloads("bidirectional_sequence", bi.out, "recurrent_bidirectional_dl_sequence")
    downloads("bidirectional_last_state", last, "recurrent_bidirectional_dl_last")
    program_panel(
        lambda: sequences_code.bidirectional_programs(run, bi, s, b=b),
        sequences_code.program_files(run, bi),
        "bidirectional",
    )
