"""The Attention & Transformer page in a real Chromium: the √Dh switch redraws the scores and
writes the link, shuffling words without positions leaves each word's output unchanged (the page
says 0), a typed target sentence reaches the cross-attention map, and every part draws in both
languages from its own link names."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from browser.test_pages import HANGUL, after_change, drawn, screenshot, wait_until

from bench.live import fingerprints, page_url, slider, slider_value, wait_idle
from ui.i18n import translate
from ui.settings import CHOICES


def en(key: str) -> str:
    return translate("en", key)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def flip(page, label: str) -> None:
    """Click a toggle as a person does: on its label (the switch input itself is hidden)."""
    page.locator("label").filter(has=page.get_by_role("switch", name=label)).click()


def test_the_scaling_switch_redraws_the_scores_and_writes_the_link(tab):
    tab.open("attention", {"part": "steps", "step": "scores"})
    page = tab.page
    switch = page.get_by_role("switch", name=en("attention.steps.scaled"))
    assert switch.is_checked()
    before = fingerprints(page)
    flip(page, en("attention.steps.scaled"))
    moved = after_change(
        tab, before, done=lambda: query(page).get("scaled") == ["0"], what="the unscaled scores"
    )
    tab.check_clean()
    assert moved
    assert not switch.is_checked()


def test_shuffled_words_without_positions_give_the_same_outputs_moved(tab):
    tab.open("attention", {"part": "positions", "pe": "0", "shuffle": "1"})
    page = tab.page
    wait_until(page, lambda: "0.0000000" in main_text(page), what="a zero difference")
    tab.check_clean()
    screenshot(page, "attention-positions-shuffled")
    # With positions on, the same shuffle changes what every word gets.
    before = fingerprints(page)
    flip(page, en("attention.positions.pe"))
    after_change(tab, before, done=lambda: "pe" not in query(page), what="positions back on")
    tab.check_clean()
    assert "0.0000000" not in main_text(page)


def test_a_typed_target_reaches_the_cross_attention_map(tab):
    tab.open("attention", {"part": "transformer"})
    page = tab.page
    box = page.get_by_role("textbox", name=en("attention.transformer.target"), exact=True)
    before = fingerprints(page)
    box.fill("the dog slept on the sofa tonight")
    box.press("Control+Enter")
    after_change(
        tab,
        before,
        done=lambda: query(page).get("target") == ["the dog slept on the sofa tonight"],
        what="the cross-attention map of the typed target",
    )
    tab.check_clean()
    labels = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .ytick text')]"
        ".map((t) => t.textContent)"
    )
    # The decoder reads [start] and the target without its last word: "sofa" is on its axis.
    assert any("sofa" in label for label in labels), labels
    assert box.input_value() == "the dog slept on the sofa tonight"


def test_the_query_slider_moves_the_explained_cell_and_its_numbers(tab):
    tab.open("attention", {"part": "explain", "key": "2"})
    page = tab.page
    label = en("attention.explain.query")
    assert slider_value(page, label).startswith("0 ·")
    latex_before = page.locator(".katex").all_inner_texts()
    before = fingerprints(page)
    slider(page, label).focus()
    page.keyboard.press("ArrowRight")
    after_change(tab, before, done=lambda: query(page).get("query") == ["1"], what="query 1")
    tab.check_clean()
    assert slider_value(page, label).startswith("1 ·")
    assert page.locator(".katex").all_inner_texts() != latex_before, "the formulas kept row 0"


def test_the_head_selector_shows_another_head_and_the_follow_page_links_here(tab):
    tab.open("attention", {"part": "heads"})
    page = tab.page
    before = fingerprints(page)
    page.get_by_role("radio", name="3", exact=True).first.click()
    after_change(tab, before, done=lambda: query(page).get("head") == ["3"], what="head 3")
    tab.check_clean()

    # From the Follow page's attention block, one click opens this part on the same sentence.
    tab.open("", {"text": "a small red fox jumps"})
    link = page.get_by_role("button", name=en("block.attention_link").format(H=4))
    link.first.click()
    wait_until(page, lambda: urlsplit(page.url).path.endswith("/attention"), what="the page")
    wait_idle(page, min_plots=1, timeout=60)
    assert query(page).get("part") == ["heads"]
    assert query(page).get("text") == ["a small red fox jumps"]
    labels = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .ytick text')]"
        ".map((t) => t.textContent)"
    )
    assert any("fox" in label for label in labels), labels
    tab.check_clean()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("part", CHOICES["att_part"])
def test_every_part_draws_in_both_languages(tab, part, lang):
    page = tab.page
    page.goto(page_url(tab.base, "attention", {"part": part, "lang": lang}), timeout=120_000)
    wait_idle(page, min_plots=1, timeout=120)
    assert translate(lang, "attention.title") in page.locator("h1").first.inner_text()
    radio = page.get_by_role("radio", name=translate(lang, f"attention.part_{part}"), exact=True)
    assert radio.get_attribute("aria-checked") == "true"
    if lang == "ko":
        assert HANGUL.search(main_text(page))
    flags = drawn(page)
    assert flags and all(flags), flags
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0
    tab.check_clean()
    assert screenshot(page, f"attention-{part}-{lang}").stat().st_size > 10_000
