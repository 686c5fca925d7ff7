"""Text & embedding: tokenizer, Korean morphemes, padding, one-hot and the lookup, the learned
table, similarity from real vectors. One part at a time: the part picker reruns this page only."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t
from ui.settings import CHOICES
from ui.state import current, widget

from .common import put_back_button
from .korean import korean_part
from .learned import learned_part
from .onehot import onehot_part
from .padding import padding_part
from .similarity import similarity_part
from .tokenizer import tokenizer_part

PARTS = {
    "tokenizer": tokenizer_part,
    "korean": korean_part,
    "padding": padding_part,
    "onehot": onehot_part,
    "learned": learned_part,
    "similarity": similarity_part,
}


def text_page() -> None:
    widget(
        st.segmented_control,
        t("text.part"),
        "part",
        options=CHOICES["part"],
        format_func=lambda k: t(f"text.part_{k}"),
    )
    put_back_button()
    s = current()
    PARTS[s.part](s)
