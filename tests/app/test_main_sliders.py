"""Every page's main sliders (ui.pages: what the bench times and a teacher moves) are on the page
where the registry says, and moving one changes what a chart shows."""

import pytest
from app_support import charts, no_exception, run_app

from ui.pages import PAGES

ROWS = [(info, main) for info in PAGES for main in info.sliders]


def test_every_page_names_its_main_sliders():
    for info in PAGES:
        assert info.sliders, f"{info.path} names no main slider for the benchmark"


@pytest.mark.parametrize(
    "info, main", ROWS, ids=[f"{i.url_path or 'follow'}-{m.name}" for i, m in ROWS]
)
def test_a_main_slider_is_drawn_and_moves_a_chart(info, main):
    at = run_app(**dict(main.query))
    if info.url_path:
        at.switch_page(info.path).run()
    no_exception(at)
    before = charts(at)
    if main.key in {element.key for element in at.get("select_slider")}:
        target = _next_option(at, main.key)
        assert float(at.select_slider(key=main.key).value) == pytest.approx(target)
        assert charts(at) != before, f"moving {main.key} on {info.path} changed no chart"
        return
    slider = at.slider(key=main.key)
    low, high, step = float(slider.min), float(slider.max), float(slider.step)
    value = float(slider.value)
    target = value + step if value + step <= high else value - step
    assert low <= target <= high
    slider.set_value(round(target, 10)).run()
    no_exception(at)
    assert float(at.slider(key=main.key).value) == pytest.approx(target)
    assert charts(at) != before, f"moving {main.key} on {info.path} changed no chart"


def _next_option(at, key: str) -> float:
    """Move a numeric select slider one option on (or back at the end): the option it shows."""
    select = at.select_slider(key=key)
    options = select.options  # as shown: the format_func's text
    here = options.index(select.format_func(select.value))
    there = here + 1 if here + 1 < len(options) else here - 1
    target = float(options[there].split(" · ")[0].replace(",", ""))  # "3 · cat" is token 3
    target = int(target) if target.is_integer() else target
    assert select.format_func(target) == options[there]
    select.set_value(target).run()
    no_exception(at)
    return target
