"""What the Gradients & initialization page's parts share: the code panel, live numbers."""

from __future__ import annotations

import streamlit as st

from ui.shell import code_panel

BATCH = 64  # examples in the seeded batch the dense stack sees
X_PURPOSE = "gradients:x"  # the generator purposes: the programs draw the same numbers
W_PURPOSE = "gradients:weights"


def show_code(make) -> bool:
    """The page's code panel; whether its programs are on screen."""
    return code_panel(make, key="gradients_code")


def live(equation: str) -> None:
    """A formula with the page's current numbers: always shown, presentation mode too."""
    st.latex(equation)
