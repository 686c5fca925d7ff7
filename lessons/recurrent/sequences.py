"""Sequences or the last state: every hₜ a recurrent layer computes, (B, T, U), against the one
state it ends with, (B, U), and which of the two the next layer needs.

The last state is computed, not sliced: the same layer run again with return_sequences=False
(what Keras' default returns), and the page writes how far it is from the sequence's last row.
Padding is in front ("pre"), so the last step reads the sentence's last word; for a padded line
the page runs the layer on the same line padded "post" and says how far its last state moves.
"""

from __future__ import annotations

import copy

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
    CACHE_ENTRIES,
    CELL_NAMES,
    TORCH_NAMES,
    RecurrentRun,
    both_ends,
    fits_budget,
    has_words,
    line_control,
    real_tokens,
    recurrent_run,
    show_code,
    size_controls,
)

MAX_ROWS = 128  # tokens in a state map: a longer sentence shows its first and last 64
MAX_COLS = 128  # features in a state map

IDEA = (
    r"\text{out} = [\,h_1, h_2, \dots, h_T\,] \in \mathbb{R}^{B \times T \times U},"
    r"\qquad h_T = \text{out}[:, T] \in \mathbb{R}^{B \times U}"
)


def shown_rows(T: int) -> list[int]:
    """The positions a state map shows: all up to MAX_ROWS, else the first and the last half."""
    return both_ends(T, MAX_ROWS)


def rows_caption(T: int) -> None:
    """One line saying which rows a sliced map shows."""
    if T > MAX_ROWS:
        half = MAX_ROWS // 2
        st.caption(t("recurrent.sequences.rows_sliced", T=T, a=half - 1, b=T - half, last=T - 1))


def difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a − b| in float64."""
    return float((a.double() - b.double()).abs().max()) if a.numel() else 0.0


def number(value: float) -> str:
    """A difference as the page writes it: 0 when exactly 0, else three significant digits."""
    return "0" if value == 0 else f"{value:.3g}"


def badge_shape(shape) -> str:
    return "(" + ", ".join(str(int(n)) for n in shape) + ")"


def sentence_labels(run: RecurrentRun) -> list[str]:
    """A label for each sentence of the batch: its first words."""
    labels = []
    for b, tokens in enumerate(run.batch.tokens):
        words = [tokens[i] for i in real_tokens(run.batch, b)]
        labels.append(" ".join(words[:3]) + (" …" if len(words) > 3 else ""))
    return labels


def _without_sequences(layer):
    """A copy of `layer` (the same weights) that returns its last state only."""
    twin = copy.deepcopy(layer)
    if hasattr(twin, "forward_layer"):  # Bidirectional: both directions
        twin.forward_layer.return_sequences = False
        twin.backward_layer.return_sequences = False
    else:
        twin.return_sequences = False
    return twin


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _last(
    _layer, _x, text: str, punct: bool, cell: str, d: int, units: int, seed: int, kind: str
) -> torch.Tensor:
    """The layer's output with return_sequences=False on the page's token vectors: (B, U) or,
    for Bidirectional, (B, 2U). Keyed by the settings that determine the layer and x."""
    with torch.no_grad():
        out, _ = _without_sequences(_layer)(_x)  # (B, T, D) -> (B, U)
    return out


def last_state(s: Settings, layer, x: torch.Tensor, kind: str = "one") -> torch.Tensor:
    """What `layer` returns without return_sequences on x: the run's (kind "one") or the
    Bidirectional one's (kind "bi")."""
    return _last(layer, x, s.text, s.punct, s.rnn_cell, s.rnn_d, s.rnn_units, s.seed, kind)


def post_padded(run: RecurrentRun, b: int) -> tuple[int, float] | None:
    """Sentence b padded "post" instead: (padding steps, max |Δ| between the state after its
    last word and the state after the padding); None when the sentence has no padding."""
    real = real_tokens(run.batch, b)
    T = run.x.shape[1]
    if len(real) == T or not real:
        return None
    pads = [i for i in range(T) if i not in set(real)]
    x = run.x[b, real + pads][None]  # (1, T, D): the words first, the same padding vectors after
    with torch.no_grad():
        out, _ = run.layer(x, trace=False)  # (1, T, D) -> (1, T, U)
    return T - len(real), difference(out[0, -1], out[0, len(real) - 1])


def program_panel(make, files: dict[str, torch.Tensor], key: str) -> None:
    """The code panel; while open, the files its Keras program loads when they are large."""
    if show_code(make, key) and files:
        st.caption(t(f"recurrent.{key}.program_files"))
        for name, tensor in files.items():
            downloads(name, tensor, f"recurrent_{key}_file_{name}")


def _map(run: RecurrentRun, last: torch.Tensor, b: int, s: Settings) -> None:
    B, T, U = run.out.shape
    rows = shown_rows(T)
    n = min(U, MAX_COLS)
    rows_caption(T)
    if U > MAX_COLS:
        st.caption(t("recurrent.sequences.cols_sliced", U=U, n=n))
    tokens = run.batch.tokens[b]
    chart(
        viz.state_map(
            f32(run.out[b, rows, :n]),
            [tokens[i] for i in rows],
            positions=rows,
            last=f32(last[:, :n]),
            last_labels=sentence_labels(run),
            chosen=b,
            marks=[(T - 1, "all")],
            title=t("recurrent.sequences.map_title", line=b + 1),
            last_title=t("recurrent.sequences.last_title"),
            x_title=t("axis.unit"),
            y_title=t("axis.token"),
            last_y_title=t("axis.sentence"),
            hover_name=t("axis.value"),
            presentation=s.present,
        ),
        "recurrent_sequences_map",
    )
    st.caption(t("recurrent.sequences.map_note", word=md_escape(tokens[T - 1])))


def _which(run: RecurrentRun, s: Settings) -> None:
    """Who reads which: a classifier the last state, a next recurrent layer the sequence."""
    B, T, U = run.out.shape
    D = run.x.shape[-1]
    name = CELL_NAMES[run.cell]
    st.subheader(t("recurrent.sequences.which"))
    x = ("x", badge_shape((B, T, D)), D)
    classifier = [x, (f"{name}({U})", badge_shape((B, U)), U), ("Dense(1)", f"({B}, 1)", 1)]
    stacked = [
        x,
        (f"{name}({U})", badge_shape((B, T, U)), U),
        (f"{name}({U})", badge_shape((B, U)), U),
        ("Dense(1)", f"({B}, 1)", 1),
    ]
    code = {
        "classifier": [
            f"x = {name}({U})(x)  # {badge_shape((B, U))}",
            f'y = Dense(1, activation="sigmoid")(x)  # ({B}, 1)',
        ],
        "stacked": [
            f"x = {name}({U}, return_sequences=True)(x)  # {badge_shape((B, T, U))}",
            f"x = {name}({U})(x)  # {badge_shape((B, U))}",
            f'y = Dense(1, activation="sigmoid")(x)  # ({B}, 1)',
        ],
    }
    panels = (
        ("classifier", classifier, "recurrent.sequences.classifier"),
        ("stacked", stacked, "recurrent.sequences.stacked"),
    )
    places = [st.container(), st.container()] if s.present else st.columns(2)
    for place, (key, blocks, text) in zip(places, panels, strict=True):
        with place:
            st.markdown(t(text))
            chart(
                viz.shape_flow(
                    blocks, title=t(f"recurrent.sequences.flow_{key}"), presentation=s.present
                ),
                f"recurrent_sequences_flow_{key}",
            )
            st.code("\n".join(code[key]), language="python")
    st.markdown(t("recurrent.sequences.stack_rule"))
    hn = badge_shape((1, B, U))
    c = t("recurrent.sequences.torch_c", hn=hn) if run.cell == "lstm" else ""
    st.markdown(
        t(
            "recurrent.sequences.torch_note",
            cls=TORCH_NAMES[run.cell],
            seq=badge_shape((B, T, U)),
            hn=hn,
            c=c,
        )
    )


def sequences_part(s: Settings) -> None:
    explain(t("recurrent.sequences.idea"), IDEA)
    if not has_words(s) or not fits_budget(s):
        return
    size_controls()
    run = recurrent_run(current())
    b = line_control(run.batch)
    s = current()
    B, T, U = run.out.shape
    last = last_state(s, run.layer, run.x)  # (B, U)
    st.markdown(
        f":blue-badge[return_sequences=True → (B, T, U) = {badge_shape((B, T, U))}] "
        f":violet-badge[return_sequences=False → (B, U) = {badge_shape((B, U))}]"
    )
    _map(run, last, b, s)
    st.markdown(t("recurrent.sequences.check", diff=number(difference(last[b], run.out[b, -1]))))
    st.markdown(t("recurrent.sequences.padding"))
    post = post_padded(run, b)
    tokens = run.batch.tokens[b]
    if post is None:
        st.caption(t("recurrent.sequences.post_none"))
    else:
        steps, moved = post
        st.caption(
            t("recurrent.sequences.post", n=steps, diff=number(moved), word=md_escape(tokens[-1]))
        )
    downloads("sequence", run.out, "recurrent_sequences_dl_sequence")
    downloads("last_state", last, "recurrent_sequences_dl_last")
    _which(run, s)
    program_panel(
        lambda: sequences_code.sequences_programs(run, s, b=b),
        sequences_code.program_files(run),
        "sequences",
    )
