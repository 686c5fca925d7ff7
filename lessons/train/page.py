"""Train a model: the Keras workflow on real sentences, one step at a time — the data,
preprocessing, build and compile, fit (live, shared by the class), evaluate and predict, save
and load. The step picker reruns this page only."""

from __future__ import annotations

import streamlit as st

from ui.i18n import t
from ui.settings import CHOICES
from ui.state import current, widget

from .build import build_step
from .common import labels
from .dataset import data_step
from .evaluate import eval_step
from .fitting import fit_step
from .preprocess import prep_step
from .saving import save_step

STEPS = {
    "data": data_step,
    "prep": prep_step,
    "build": build_step,
    "fit": fit_step,
    "eval": eval_step,
    "save": save_step,
}


def train_page() -> None:
    widget(
        st.segmented_control,
        t("train.step"),
        "step",
        options=CHOICES["step"],
        format_func=labels("train.step"),
    )
    s = current()
    STEPS[s.step](s)
