"""The normalization and dropout lab: four sections, each idea → controls → figures → code."""

from __future__ import annotations

import streamlit as st

from ui.compute import lab_fits_budget
from ui.i18n import t
from ui.settings import CHOICES
from ui.state import current, widget

from .common import (
    cached_vectors,
    sentence_picker,
)
from .compare import compare_section
from .dropout import dropout_section
from .layernorm import layernorm_section
from .residual import residual_section

SECTIONS = {
    "layernorm": layernorm_section,
    "compare": compare_section,
    "dropout": dropout_section,
    "residual": residual_section,
}


def lab_page() -> None:
    s = current()
    widget(
        st.segmented_control,
        t("lab.section"),
        "section",
        options=CHOICES["section"],
        format_func=lambda k: t(f"lab.section_{k}"),
    )
    if not lab_fits_budget(s):  # over the work budget: said what to lower instead
        return
    vectors = cached_vectors(s.text, s.d, s.seed)
    # LayerNorm's worked example and flat row need no sentence; everything else does…
    # … but the four norms on images bring their own batch.
    images = s.section == "compare" and s.batch == "image"
    needs_words = (s.section != "layernorm" or s.row == "token") and not images
    if vectors is None and needs_words:
        st.info(t("problem.no_words"), icon="✍️")
        return
    b = sentence_picker(vectors) if vectors is not None and not images else 0
    SECTIONS[s.section](s, vectors, b)
