"""What every page shares: the sidebar, presentation mode, notices, headings and explanations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from .i18n import t, translate, use_language
from .safe import md_escape
from .settings import LIMITS, Settings
from .state import current, hidden, notices, update, widget

# Larger type for a projector. Constant CSS only: nothing a user typed goes in here.
PRESENTATION_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { line-height: 1.5; }
</style>
"""

CHART_CONFIG = {"displayModeBar": False, "responsive": True}  # no toolbar: presentation mode
PNG_SCALE = 3  # a saved chart has 3× the pixels on screen: a half-width chart fills a slide
# plotly.js's own words around its PNG button (its locale "en-US" dictionary), in our language
PLOTLY_WORDS = {
    "Download plot as a PNG": "chart.save_png",
    "Preparing image - this may take a few seconds": "chart.preparing",
    "Image download succeeded": "chart.saved",
    "Sorry, there was a problem downloading your image!": "chart.save_failed",
}


def chart_config(key: str, settings: Settings) -> dict[str, Any]:
    """Plotly's config for the chart with this Streamlit key.

    On hover, a toolbar with one button: save the chart as a PNG at PNG_SCALE× its size on
    screen, named for the chart (`layerscope-out3.png`). No zoom buttons (dragging still zooms,
    a double click resets), no logo; `modeBarButtons` also replaces the fullscreen button that
    Streamlit adds to the toolbar. In presentation mode: no toolbar at all, as before.
    """
    if settings.present:
        return dict(CHART_CONFIG)
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-") or "chart"
    words = {english: translate(settings.lang, k) for english, k in PLOTLY_WORDS.items()}
    return {
        **CHART_CONFIG,
        "displayModeBar": "hover",
        "modeBarButtons": [["toImage"]],
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": f"layerscope-{name}",
            "scale": PNG_SCALE,
        },
        "locales": {"en-US": {"dictionary": words}},
    }


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
    """The model's settings back to their defaults, except what the teacher's link fixed: `hide`
    stays, and so does every hidden control's value (nothing on the page could set it again)."""
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
                "att_d",
                "att_heads",
                "scaled",
                "pe",
                "rnn_cell",
                "rnn_d",
                "rnn_units",
                "punct",
                "reset_after",
            )
            if name not in settings.hide
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


def code_panel(make: Callable[[], tuple[str, str]], key: str) -> bool:
    """ "Show the code": a switch, then the PyTorch and Keras programs `make()` writes.

    A switch rather than an expander: an expander's body runs and is sent on every rerun, and
    these two blocks of code cost a slider move ~25 ms in the browser for a panel that is
    closed almost always (measured with `python -m bench`). Nothing at all with `hide=code`.
    Returns whether the programs are shown (a page can then offer the files they load).
    """
    if hidden("code"):
        return False
    if not st.toggle(t("code.title"), key=key):
        return False
    torch_code, keras_code = make()
    torch_tab, keras_tab = st.tabs(["PyTorch", "Keras 3"])
    torch_tab.code(torch_code)
    keras_tab.code(keras_code)
    return True
