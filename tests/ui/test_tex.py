"""ui.tex.tex_number: how the gradients and attention pages write their numbers in formulas."""

import math

import pytest

from ui.tex import tex_number


@pytest.mark.parametrize(
    "value, digits, plain, written",
    [
        (0.25, 3, (-3, 4), "0.25"),
        (-5.0, 3, (-3, 4), "-5"),
        (1234.6, 3, (-3, 4), "1235"),  # whole digits stay whole
        (12345.0, 3, (-3, 4), r"1.23 \times 10^{4}"),
        (12345.0, 4, (-4, 5), "12345"),
        (3.1e-7, 2, (-3, 4), r"3.1 \times 10^{-7}"),
        (0.00012346, 4, (-4, 5), "0.0001235"),
        (9.9996e-8, 4, (-4, 5), r"1.000 \times 10^{-7}"),  # rounds up to the next power
        (0.0, 3, (-3, 4), "0"),
        (math.nan, 3, (-3, 4), r"\text{NaN}"),
        (-math.inf, 3, (-3, 4), r"-\infty"),
    ],
)
def test_numbers_are_written_plainly_in_range_and_as_powers_of_ten_outside(
    value, digits, plain, written
):
    assert tex_number(value, digits, plain=plain) == written
