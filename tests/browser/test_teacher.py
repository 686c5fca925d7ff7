"""The teacher's link in a real Chromium: `hide=` takes controls out of the page, and every chart
saves itself as a PNG fit for slides from a toolbar shown on hover (none in presentation mode).

Screenshots go to artifacts/screenshots/teacher-*.png: look at them (no gaps where controls were,
a one-button toolbar on the hovered chart).
"""

from __future__ import annotations

import struct
from urllib.parse import parse_qs, urlsplit

from browser.test_pages import SCREENSHOTS, screenshot, wait_until

from bench.live import segmented, slider, wait_idle
from ui.i18n import translate
from ui.shell import PNG_SCALE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def en(key: str) -> str:
    return translate("en", key)


def keyed(page, key: str):
    """The element container Streamlit made for the element with this key."""
    return page.locator(f".st-key-{key}")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the first chunk, right after the signature)."""
    assert data[:8] == PNG_SIGNATURE, data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def modebar_opacity(chart) -> float:
    """How visible the toolbar's buttons are (plotly fades them in on hover, out after)."""
    group = chart.locator(".modebar .modebar-group").first
    return float(group.evaluate("(e) => getComputedStyle(e).opacity"))


def hover(page, chart) -> None:
    """Move the mouse off every chart, then onto this one (plotly shows its toolbar on hover)."""
    page.mouse.move(1, 1)
    chart.scroll_into_view_if_needed()
    chart.hover()


def test_hidden_controls_are_not_on_the_follow_page(tab):
    tab.open("", {"hide": "d,heads,units,stack", "d": "32", "stack": "embed,gru,attention"})
    page = tab.page
    tab.check_clean()
    for key in ("w_d", "w_heads", "w_units", "stk_preset", "stk_add", "edit_stack"):
        assert keyed(page, key).count() == 0, f"{key} is on the page"
    assert slider(page, en("control.d")).count() == 0
    assert slider(page, en("control.units")).count() == 0
    assert segmented(page, en("control.heads")).count() == 0
    assert page.get_by_role("heading", name=en("follow.stack")).count() == 0
    # What the link did not hide is there and works from the link's values.
    assert slider(page, en("control.p")).count() == 1 and keyed(page, "w_gamma").count() == 1
    assert keyed(page, "out2").count() == 1 and keyed(page, "out3").count() == 0
    query = parse_qs(urlsplit(page.url).query)
    assert query["hide"] == ["d,heads,units,stack"] and query["d"] == ["32"], page.url
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0
    screenshot(page, "teacher-follow-hidden")


def test_hidden_lab_controls_and_a_korean_toolbar(tab):
    hide = "gamma,beta,eps,section,row,token"
    tab.open("lab", {"lang": "ko", "hide": hide, "gamma": "2", "beta": "1"})
    page = tab.page
    tab.check_clean()
    for key in ("w_gamma", "w_beta", "w_eps", "w_section", "w_row", "w_token", "load_example"):
        assert keyed(page, key).count() == 0, f"{key} is on the page"
    assert keyed(page, "w_scale").count() == 1 and keyed(page, "lab_per_feature").count() == 1
    screenshot(page, "teacher-lab-hidden")
    chart = keyed(page, "ln_out").locator('[data-testid="stPlotlyChart"]')
    hover(page, chart)
    button = chart.get_by_role("button", name=translate("ko", "chart.save_png"), exact=True)
    assert button.count() == 1, "the PNG button does not speak Korean"


def test_a_chart_saves_as_a_png_fit_for_slides(tab):
    tab.open("")
    page = tab.page
    chart = keyed(page, "out0").locator('[data-testid="stPlotlyChart"]')
    width_on_screen = chart.locator(".main-svg").first.bounding_box()["width"]
    page.mouse.move(1, 1)
    wait_until(page, lambda: modebar_opacity(chart) == 0, what="the toolbar to wait for a hover")
    hover(page, chart)
    wait_until(page, lambda: modebar_opacity(chart) == 1, what="the toolbar to show on hover")
    buttons = chart.locator(".modebar-btn")
    assert buttons.count() == 1, "the toolbar holds more than the PNG button"
    assert page.locator(".modebar-btn--logo, a[href*='plotly.com']").count() == 0
    button = chart.get_by_role("button", name=en("chart.save_png"), exact=True)
    assert button.count() == 1
    button.hover()  # its tooltip: our words, not plotly's
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    keyed(page, "out0").screenshot(path=str(SCREENSHOTS / "teacher-modebar.png"))
    with page.expect_download(timeout=60_000) as caught:
        button.click()
    download = caught.value
    page.screenshot(
        path=str(SCREENSHOTS / "teacher-png-saved.png"),
        clip={"x": 700, "y": 0, "width": 700, "height": 300},
    )
    assert download.suggested_filename == "layerscope-out0.png"
    saved = SCREENSHOTS / f"teacher-saved-{download.suggested_filename}"  # to look at
    download.save_as(saved)
    width, height = png_size(saved.read_bytes())
    assert width >= 2 * width_on_screen, (width, width_on_screen)
    assert abs(width - PNG_SCALE * width_on_screen) <= PNG_SCALE, (width, width_on_screen)
    assert height > 0
    tab.check_clean()


def test_presentation_mode_has_no_chart_toolbar(tab):
    tab.open("", {"present": "1"})
    page = tab.page
    chart = keyed(page, "out0").locator('[data-testid="stPlotlyChart"]')
    hover(page, chart)
    wait_idle(page, timeout=30)
    assert chart.locator(".main-svg").count() >= 1
    assert page.locator(".modebar-btn").count() == 0, "a chart toolbar in presentation mode"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    keyed(page, "out0").screenshot(path=str(SCREENSHOTS / "teacher-present-hover.png"))
    tab.check_clean()
