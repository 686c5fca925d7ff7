"""Attention & Transformer: attention step by step on the teacher's sentence, every head at
once, one score explained with its own numbers, where positions come from, and an encoder and a
decoder reading a source and a target sentence. The part picker reruns this page only."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t
from ui.settings import CHOICES
from ui.state import current, widget

from .explain import explain_part
from .heads import heads_part
from .positions import positions_part
from .steps import steps_part
from .transformer import transformer_part

PARTS = {
    "steps": steps_part,
    "heads": heads_part,
    "explain": explain_part,
    "positions": positions_part,
    "transformer": transformer_part,
}


def attention_page() -> None:
    # The part names fixed when the control is drawn, so it reads the same outside the run.
    names = {part: t(f"attention.part_{part}") for part in CHOICES["att_part"]}
    widget(
        st.segmented_control,
        t("attention.part"),
        "att_part",
        options=CHOICES["att_part"],
        format_func=lambda part: names.get(part, str(part)),
    )
    s = current()
    PARTS[s.att_part](s)
