"""What every page shares: the sidebar, presentation mode, notices, headings and explanations."""

from __future__ import annotations

import streamlit as st

from .i18n import t, use_language
from .safe import md_escape
from .settings import LIMITS
from .state import current, notices, update, widget

# Larger type for a projector. Constant CSS only: nothing a user typed goes in here.
PRESENTATION_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { line-height: 1.5; }
</style>
"""

CHART_CONFIG = {"displayModeBar": False, "responsive": True}


def sidebar() -> None:
    """Text, language, seed and presentation mode: what every page shares."""
    with st.sidebar:
        widget(
            st.text_area,
            t("sidebar.text"),
            "text",
            help=t("sidebar.text_help"),
            height=140,
        )
        widget(
            st.segmented_control,
            t("sidebar.lang"),
            "lang",
            options=["en", "ko"],
            format_func=lambda code: {"en": "English", "ko": "한국어"}[code],
        )
        widget(
            st.number_input,
            t("sidebar.seed"),
            "seed",
            min_value=LIMITS["seed"][0],
            max_value=LIMITS["seed"][1],
            step=1,
            help=t("sidebar.seed_help"),
        )
        widget(st.toggle, t("sidebar.present"), "present", help=t("sidebar.present_help"))
        st.caption(t("sidebar.link_hint"))
        st.button(t("sidebar.reset"), key="reset", on_click=_reset)


def _reset() -> None:
    settings = current()
    defaults = type(settings)()
    update(
        **{
            name: getattr(defaults, name)
            for name in (
                "d",
                "heads",
                "units",
                "p",
                "train",
                "gamma",
                "beta",
                "eps",
                "causal",
                "stack",
                "seed",
            )
        }
    )
    for key in list(st.session_state):
        if isinstance(key, str) and key.startswith("w_") and key not in ("w_text", "w_lang"):
            del st.session_state[key]


def page_header(title_key: str, idea_key: str, equation: str | None = None) -> None:
    """Presentation styling, URL notices, the title and the one-paragraph idea."""
    settings = current()
    use_language(settings.lang)  # a page run on its own has no app.py to do it
    if settings.present:
        st.html(PRESENTATION_CSS)
    for notice in notices():
        st.warning(
            t(
                f"notice.{notice.reason}",
                name=md_escape(notice.name),
                value=md_escape(notice.value),
            ),
            icon="⚠️",
        )
    st.title(t(title_key))
    explain(t(idea_key), equation)


def explain(text: str, equation: str | None = None) -> None:
    """An explanation: shown inline, or folded away in presentation mode."""
    if current().present:
        with st.expander(t("common.explain")):
            st.markdown(text)
            if equation:
                st.latex(equation)
    else:
        st.markdown(text)
        if equation:
            st.latex(equation)
