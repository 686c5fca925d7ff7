"""The Recurrent page's sequences and bidirectional parts in a real Chromium: both draw their
figures in both languages, and a click on another cell redraws the bidirectional part's two
figures (the directions and the concatenation) and writes the link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from browser.test_pages import HANGUL, after_change, drawn, screenshot

from bench.live import fingerprints
from ui.i18n import translate


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def svg_texts(page) -> str:
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"] svg text')]"
        ".map((t) => t.textContent).join(' ')"
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bidirectional_draws_both_directions_and_a_cell_click_redraws_them(tab, lang):
    tab.open("recurrent", {"part": "bidirectional", "lang": lang})
    page = tab.page
    flags = drawn(page)
    assert len(flags) >= 2 and all(flags), flags
    title = translate(lang, "recurrent.bidirectional.directions_title", line=1)
    assert title in svg_texts(page)
    forward = translate(lang, "recurrent.bidirectional.forward")
    assert f"{forward} →" in svg_texts(page)
    if lang == "ko":
        assert HANGUL.search(main_text(page))
    tab.check_clean()
    before = fingerprints(page)
    page.get_by_role("radio", name="GRU", exact=True).first.click()
    moved = after_change(
        tab,
        before,
        done=lambda: parse_qs(urlsplit(page.url).query).get("cell") == ["gru"],
        what="the GRU's directions and concatenation",
    )
    assert len(moved) >= 2, moved  # both figures hold the GRU's numbers now
    tab.check_clean()
    assert screenshot(page, f"recurrent-bidirectional-{lang}").stat().st_size > 10_000


def test_sequences_draws_the_states_and_who_reads_them(tab):
    tab.open("recurrent", {"part": "sequences", "lang": "ko", "present": "1"})
    page = tab.page
    flags = drawn(page)
    assert len(flags) >= 3 and all(flags), flags
    assert translate("ko", "recurrent.sequences.map_title", line=1) in svg_texts(page)
    assert "(1, 5, 8)" in main_text(page)  # the Korean sentence: five words
    tab.check_clean()
    assert screenshot(page, "recurrent-sequences-ko-present").stat().st_size > 10_000
