"""Numbers for st.latex formulas written with a page's own values (two pages write them)."""

from __future__ import annotations

import math


def tex_number(value: float, digits: int = 3, *, plain: tuple[int, int] = (-3, 4)) -> str:
    """`value` with `digits` significant digits for st.latex: 0.25 stays 0.25; a power of
    ten outside `plain` (lowest, one past highest) is `a \\times 10^{k}`; NaN and ±∞ in words."""
    value = float(value)
    if math.isnan(value):
        return r"\text{NaN}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if plain[0] <= exponent < plain[1]:
        text = f"{value:.{max(digits - 1 - exponent, 0)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = value / 10**exponent
    if round(abs(mantissa), digits - 1) >= 10:  # 9.999 rounds up to the next power
        mantissa, exponent = mantissa / 10, exponent + 1
    return rf"{mantissa:.{digits - 1}f} \times 10^{{{exponent}}}"
