"""What the Gradients & initialization page's parts share: the code panel, live numbers."""

from __future__ import annotations

import math

import streamlit as st

from ui.shell import code_panel

BATCH = 64  # examples in the seeded batch the dense stack sees
X_PURPOSE = "gradients:x"  # the generator purposes: the programs draw the same numbers
W_PURPOSE = "gradients:weights"


def show_code(make) -> bool:
    """The page's code panel; whether its programs are on screen."""
    return code_panel(make, key="gradients_code")


def tex_number(value: float, digits: int = 3) -> str:
    """A number for st.latex: 0.25, 3.1 × 10⁻⁷ as `3.1 \\times 10^{-7}`, or \\text{NaN}/\\infty."""
    if math.isnan(value):
        return r"\text{NaN}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -3 <= exponent < 4:
        text = f"{value:.{max(digits - 1 - exponent, 0)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = value / 10**exponent
    if round(abs(mantissa), digits - 1) >= 10:  # 9.999 rounds up to the next power
        mantissa, exponent = mantissa / 10, exponent + 1
    return rf"{mantissa:.{digits - 1}f} \times 10^{{{exponent}}}"


def live(equation: str) -> None:
    """A formula with the page's current numbers: always shown, presentation mode too."""
    st.latex(equation)
