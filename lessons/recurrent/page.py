"""Recurrent layers: step through time with every gate's numbers, sequences or the last state,
bidirectional, the weights in Keras' and PyTorch's layouts, and the tutorial's shapes. The part
picker reruns this page only; the time scrubber reruns its own panel."""

from __future__ import annotations

import importlib

import streamlit as st

from ui.i18n import t
from ui.settings import CHOICES
from ui.state import current, widget

# Each part is a module of this package with a `<part>_part(settings)` function.
MODULES = {
    "step": "step",
    "sequences": "sequences",
    "bidirectional": "bidirectional",
    "weights": "weights",
    "shapes": "shapes",
}


def recurrent_page() -> None:
    names = {part: t(f"recurrent.part_{part}") for part in CHOICES["rnn_part"]}
    widget(
        st.segmented_control,
        t("recurrent.part"),
        "rnn_part",
        options=CHOICES["rnn_part"],
        format_func=lambda part: names.get(part, str(part)),
    )
    s = current()
    module = importlib.import_module(f".{MODULES[s.rnn_part]}", __package__)
    getattr(module, f"{s.rnn_part}_part")(s)
