"""Padding: ragged sequences → one (B, maxlen) matrix, with Keras' `pad_sequences` options."""

from __future__ import annotations

import re

import numpy as np
import streamlit as st
import torch

import viz
from layers.text import pad_sequences
from ui.blocks import chart
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import CHOICES, LIMITS, MAX_SHORT_TEXT, Settings
from ui.shell import explain
from ui.state import hidden, update, widget

from . import code
from .common import MAX_LINES, show_code, texts, tokenizer

MAX_COLS = 128  # columns of the grid drawn; the download has them all
MAX_CUT = 12  # cut-off ids drawn beside a row
MAX_ID = 1_000_000
TUTORIAL = {"seqs": "[[1, 2, 3], [3, 4, 5, 6], [7, 8]]", "maxlen": 3, "padding": "pre"}
TUTORIAL_ALSO = {"truncating": "pre", "value": 0}


def parse_sequences(text: str) -> list[list[int]] | None:
    """ "1 2 3; 3 4 5 6" or "[[1, 2, 3], [3, 4, 5, 6]]" -> lists of ids; None if it is not."""
    if "[" in text or "]" in text:
        rows = re.findall(r"\[([^\[\]]*)\]", text)
        rest = re.sub(r"\[([^\[\]]*)\]", "", text)
        if not rows or re.sub(r"[\s,\[\]]", "", rest):
            return None
    else:
        rows = [row for row in re.split(r"[;\n]", text) if row.strip()]
    sequences = []
    for row in rows:
        pieces = [p for p in re.split(r"[\s,]+", row.strip()) if p]
        if not all(p.isdigit() and int(p) <= MAX_ID for p in pieces):
            return None
        sequences.append([int(p) for p in pieces][: LIMITS["maxlen"][1] * 2])
    return sequences[:MAX_LINES] or None


def _tutorial() -> None:
    update(**TUTORIAL, **TUTORIAL_ALSO)


def _own_text() -> None:
    update(seqs="")


def padding_part(s: Settings) -> None:
    explain(
        t("text.pad_idea"),
        r"[\,x_1, \dots, x_{B}\,] \;\to\; X \in \mathbb{Z}^{B \times \texttt{maxlen}}",
    )
    typed = s.seqs.strip()
    sequences = parse_sequences(typed) if typed else None
    buttons = st.columns(2)
    if not hidden("seqs", "maxlen", "padding", "truncating", "value"):
        buttons[0].button(
            t("text.pad_tutorial"),
            key="text_pad_tutorial",
            on_click=_tutorial,
            icon=":material/menu_book:",
        )
    if typed and not hidden("seqs"):
        buttons[1].button(
            t("text.pad_own"), key="text_pad_own", on_click=_own_text, icon=":material/edit:"
        )
    widget(
        st.text_input,
        t("text.pad_seqs"),
        "seqs",
        max_chars=MAX_SHORT_TEXT["seqs"],
        placeholder="1 2 3; 3 4 5 6; 7 8",
        help=t("text.pad_seqs_help"),
    )
    if typed and sequences is None:
        st.error(t("text.pad_seqs_bad"), icon=":material/warning:")
    if sequences is None:
        sequences = tokenizer(s).texts_to_sequences(texts(s))
        source = t("text.pad_from_text")
    else:
        source = t("text.pad_from_box")
    if not any(sequences):
        st.info(t("problem.no_words"), icon=":material/edit:")
        return
    longest = max(len(row) for row in sequences)

    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    with c1:
        widget(
            st.slider,
            t("text.pad_maxlen"),
            "maxlen",
            min_value=0,
            max_value=min(max(2 * longest, 16, s.maxlen), LIMITS["maxlen"][1]),
            step=1,
            help=t("text.pad_maxlen_help"),
        )
    for col, name in ((c2, "padding"), (c3, "truncating")):
        with col:
            widget(st.segmented_control, name, name, options=CHOICES[name])
    with c4:
        low, high = LIMITS["value"]
        widget(st.number_input, "value", "value", min_value=low, max_value=high, step=1)

    maxlen = s.maxlen or None
    padded = pad_sequences(
        sequences, maxlen=maxlen, padding=s.padding, truncating=s.truncating, value=s.value
    )  # (B, maxlen)
    B, L = padded.shape
    kinds, cut = _kinds_and_cut(sequences, L, s.padding, s.truncating)
    st.markdown(
        f":blue-badge[({B}, {L})] "
        + t("text.pad_summary", source=source, B=B, L=L, longest=longest)
        + ("" if maxlen else " " + t("text.pad_none"))
    )
    n_cut = sum(1 for row in cut if row)
    if n_cut:
        side = t(f"text.pad_cut_{s.truncating}")
        st.warning(t("text.pad_cut", n=n_cut, side=side), icon=":material/content_cut:")
        if s.truncating == "pre":
            st.info(t("text.pad_pre_default"), icon=":material/lightbulb:")
    if L > MAX_COLS:
        st.caption(t("text.pad_sliced", n=MAX_COLS, total=L))
    shown_cut = [row[-MAX_CUT:] if s.truncating == "pre" else row[:MAX_CUT] for row in cut]
    if L > MAX_COLS and s.truncating == "post":  # the cut ids belong past the last column
        shown_cut = [[] for _ in cut]
    chart(
        viz.padded_grid(
            padded[:, :MAX_COLS],
            kinds=kinds[:, :MAX_COLS],
            cut=[tuple(row) for row in shown_cut],
            cut_side=s.truncating,
            row_labels=[str(b + 1) for b in range(B)],
            title=t("text.pad_grid_title"),
            names={
                "pad": t("text.pad_pad"),
                "token": t("text.pad_token"),
                "cut": t("text.pad_cut_name"),
            },
            presentation=s.present,
        ),
        "text_padded",
    )
    downloads("padded", torch.from_numpy(padded.astype(np.float32)), "text_pad")
    show_code(lambda: code.padding_programs(sequences, maxlen, s.padding, s.truncating, s.value))


def _kinds_and_cut(
    sequences: list[list[int]], L: int, padding: str, truncating: str
) -> tuple[np.ndarray, list[list[int]]]:
    """Which cells are pads (0) or tokens (1), by position; and the ids truncation removed."""
    kinds = np.zeros((len(sequences), L), dtype=np.int64)
    cut = []
    for b, row in enumerate(sequences):
        k = min(len(row), L)
        if padding == "post":
            kinds[b, :k] = 1
        else:
            kinds[b, L - k :] = 1
        extra = len(row) - k
        cut.append(row[:extra] if truncating == "pre" else row[L:] if extra else [])
    return kinds, cut
