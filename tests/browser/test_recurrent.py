"""The Recurrent layers page in a real Chromium: the time scrubber moved with the keyboard redraws
the step's charts and writes t= into the link, and Play steps t on by itself, about once a
second, to the sentence's last step, where it stops (the Play button is back, t stays)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from browser.test_pages import after_change, screenshot, wait_until

from bench.live import fingerprints, probe, slider, slider_value
from ui.i18n import translate


def en(key: str) -> str:
    return translate("en", key)


def link_t(page) -> int:
    """The step the address bar holds (1 when it holds none: the default)."""
    return int(parse_qs(urlsplit(page.url).query).get("t", ["1"])[0])


def test_the_scrubber_moves_the_step_and_writes_the_link(tab):
    tab.open("recurrent", {"part": "step", "unit": "2"})
    page = tab.page
    label = en("recurrent.step.t")
    assert slider_value(page, label) == "1 · the"
    latex_before = page.locator(".katex").all_inner_texts()
    before = fingerprints(page)
    slider(page, label).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    moved = after_change(tab, before, done=lambda: link_t(page) == 3, what="step 3")
    tab.check_clean()
    assert "st-key-recurrent_step_gates" in moved  # the gates of step 3: new data
    assert slider_value(page, label) == "3 · sat"
    assert page.locator(".katex").all_inner_texts() != latex_before, "the equations kept t = 1"


def test_play_steps_on_by_itself_and_stops_at_the_end(tab):
    tab.open("recurrent", {"part": "step", "text": "the cat sat on the mat"})  # T = 6
    page = tab.page
    label = en("recurrent.step.t")
    page.get_by_role("button", name=en("recurrent.step.play")).click()
    started = time.perf_counter()
    wait_until(page, lambda: link_t(page) >= 3, timeout=10, what="play to reach step 3")
    assert time.perf_counter() - started < 6
    pause = page.get_by_role("button", name=en("recurrent.step.pause"))
    assert pause.is_visible()
    wait_until(page, lambda: link_t(page) == 6, timeout=15, what="play to reach the end")
    play = page.get_by_role("button", name=en("recurrent.step.play"))
    wait_until(page, play.is_visible, timeout=10, what="the Play button back")
    assert slider_value(page, label) == "6 · mat"
    # Stopped: no more reruns arrive, and t stays at the last step.
    runs = len(probe(page)["runs"])
    page.wait_for_timeout(2500)
    assert len(probe(page)["runs"]) == runs, "the timer kept rerunning the panel"
    assert link_t(page) == 6
    tab.check_clean()
    screenshot(page, "recurrent-step-played")
