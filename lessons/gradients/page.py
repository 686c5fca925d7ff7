"""Gradients & initialization: why gradients vanish or explode, through the depth of a dense
stack and through the time steps of a recurrent layer, and what clipping does. One part at a
time: the part picker reruns this page only."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t
from ui.settings import CHOICES
from ui.state import current, widget

from .clipping import clip_part
from .depth import depth_part
from .time import time_part

PARTS = {
    "depth": depth_part,
    "time": time_part,
    "clip": clip_part,
}


def gradients_page() -> None:
    widget(
        st.segmented_control,
        t("gradients.view"),
        "view",
        options=CHOICES["view"],
        format_func=lambda k: t(f"gradients.view_{k}"),
    )
    s = current()
    PARTS[s.view](s)
