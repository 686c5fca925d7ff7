"""Every page in a real Chromium: drawn, moved with the keyboard, in Korean, from a link, and
unmoved by markup. Generic over `ui.pages.PAGES`: a new page is covered by registering it.

The default page must offer every main control (dropout rate, γ, β, heads and the head
picker); another page is tested on the ones it has and skipped, with a reason, on the rest.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bench.live import (
    ROOT,
    changed,
    exception_texts,
    fingerprints,
    page_url,
    segmented,
    slider,
    slider_room,
    slider_value,
    wait_idle,
)
from ui.i18n import catalog, translate
from ui.pages import PAGES
from ui.settings import SCOPES, parse_query, to_query

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
IDS = [Path(info.path).stem for info in PAGES]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def en(key: str) -> str:
    return translate("en", key)


SLIDERS = {  # the main sliders, by their English labels
    "dropout": en("control.p"),
    "gamma": "γ (gamma)",
    "beta": "β (beta)",
}
SEGMENTED = {
    "heads": en("control.heads"),  # reruns the page
    "head-picker": en("block.head"),  # inside an attention panel's fragment
}


def wait_until(page, check, *, timeout: float = 45.0, what: str = "the page to change"):
    """Poll `check()` until it returns something truthy; fail at once on an exception box.

    Waiting goes through the page (not time.sleep), so that Playwright keeps handling the
    browser's events meanwhile: `page.url` only follows the address bar that way.
    """
    deadline = time.perf_counter() + timeout
    while True:
        result = check()
        if result:
            return result
        boxes = exception_texts(page)
        if boxes:
            raise AssertionError(f"exception shown at {page.url} waiting for {what}: {boxes}")
        if time.perf_counter() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        page.wait_for_timeout(100)


DRAWN_JS = (
    "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
    ".map((c) => !!c.querySelector('.js-plotly-plot .main-svg'))"
)


def drawn(page, *, timeout: float = 30.0) -> list[bool]:
    """Whether each plot on the page is drawn, once Plotly has drawn them all: the app can be
    idle a moment before Plotly.js has laid out a chart it just received (seen on a busy CI)."""
    wait_until(page, lambda: all(page.evaluate(DRAWN_JS)), timeout=timeout, what="every plot")
    return page.evaluate(DRAWN_JS)


def missing(info, what: str) -> None:
    """A control the page does not draw: a failure on the default page, a skip elsewhere."""
    if not info.url_path:
        pytest.fail(f"the default page has no {what}")
    pytest.skip(f"{info.path} has no {what}")


def screenshot(page, name: str) -> Path:
    """The whole app: the viewport grown to the content (Streamlit scrolls inside itself)."""
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stMainBlockContainer', 'stSidebarContent']"
        ".map((id) => document.querySelector(`[data-testid='${id}']`))"
        ".filter(Boolean).map((e) => e.scrollHeight))"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 80, 800), 16000)})
    try:
        wait_idle(page, timeout=30)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
    return path


def after_change(tab, before: dict, *, done=lambda: True, what: str) -> list[str]:
    """Wait until some plot holds new data, `done()` holds and the app is idle again."""

    def settled():
        if not done():
            return None
        moved = changed(before, fingerprints(tab.page))
        if not moved:
            return None
        wait_idle(tab.page, timeout=45)
        return changed(before, fingerprints(tab.page)) if done() else None

    return wait_until(tab.page, settled, what=what)


# --------------------------------------------------------------------------- one shared tab


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_page_draws_its_plots(shared_tabs, info):
    tab = shared_tabs(info)
    page = tab.page
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() >= 1, f"{info.path} drew no plot"
    flags = page.evaluate(DRAWN_JS)
    assert all(flags), f"plots not drawn: {flags}"
    assert page.locator("h1").count() >= 1
    tab.check_clean()
    assert screenshot(page, Path(info.path).stem).stat().st_size > 10_000


@pytest.mark.parametrize("name", list(SLIDERS))
@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_slider_moved_with_the_keyboard_changes_a_plot(shared_tabs, info, name):
    tab = shared_tabs(info)
    page, label = tab.page, SLIDERS[name]
    if slider(page, label).count() == 0:
        missing(info, f"slider {label!r}")
    value, low, high = slider_room(page, label)
    shown_before, url_before = slider_value(page, label), page.url
    key = "ArrowRight" if (high - value) > (value - low) else "ArrowLeft"
    before = fingerprints(page)
    slider(page, label).focus()
    for _ in range(3):
        page.keyboard.press(key)
    target = slider_room(page, label)[0]
    assert target != value, "the key presses did not move the slider"

    def arrived():
        return slider_room(page, label)[0] == target

    moved = after_change(tab, before, done=arrived, what=f"a plot to follow {label!r}")
    tab.check_clean()
    assert moved, "no plot changed"
    assert slider_value(page, label) != shown_before
    assert page.url != url_before, "the address bar did not follow the slider"


def _click_another_option(tab, info, label: str, *, last: bool) -> tuple[str, list[str]]:
    """Click the first (or last) option not selected; wait for a plot to follow."""
    page = tab.page
    group = segmented(page, label)
    if group.count() == 0:
        missing(info, f"segmented control {label!r}")
    group = group.first
    options = group.get_by_role("radio")
    unchecked = [
        i for i in range(options.count()) if options.nth(i).get_attribute("aria-checked") != "true"
    ]
    assert unchecked, f"{label!r} offers only one option"
    choice = options.nth(unchecked[-1] if last else unchecked[0])
    text = choice.inner_text().strip()
    before = fingerprints(page)
    choice.click()

    def picked():
        return (
            group.get_by_role("radio", name=text, exact=True).get_attribute("aria-checked")
            == "true"
        )

    moved = after_change(tab, before, done=picked, what=f"a plot to follow {label!r} = {text}")
    return text, moved


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_heads_control_changes_the_attention_map(shared_tabs, info):
    tab = shared_tabs(info)
    url_before = tab.page.url
    # The most heads: the head picker below then has several heads to choose from.
    _, moved = _click_another_option(tab, info, SEGMENTED["heads"], last=True)
    tab.check_clean()
    assert moved
    assert tab.page.url != url_before


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_head_picker_shows_another_head(shared_tabs, info):
    tab = shared_tabs(info)
    _, moved = _click_another_option(tab, info, SEGMENTED["head-picker"], last=False)
    tab.check_clean()
    assert moved


MARKUP = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "link": "[x](javascript:alert(1))",
}
NOTHING_RAN_JS = """() => ({
    scripts: [...document.scripts].filter((s) => s.textContent.includes('alert(1)')).length,
    images: document.querySelectorAll('img[src="x"], img[onerror]').length,
    links: [...document.querySelectorAll('a[href]')]
        .filter((a) => a.getAttribute('href').trim().toLowerCase().startsWith('javascript'))
        .length,
})"""


@pytest.mark.parametrize("payload", list(MARKUP))
@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_typed_markup_is_kept_literally_and_runs_nothing(shared_tabs, info, payload):
    tab = shared_tabs(info)
    page, text = tab.page, MARKUP[payload]
    box = page.locator(f'[data-testid="stSidebar"] textarea[aria-label="{en("sidebar.text")}"]')
    if box.count() == 0:
        missing(info, "sidebar text area")
    url_before = page.url
    box.fill(text)
    box.press("Control+Enter")
    wait_until(page, lambda: page.url != url_before, what="the typed text to reach the address bar")
    wait_idle(page, timeout=45)
    page.wait_for_timeout(500)  # an injected handler (img onerror) would have fired by now
    tab.check_clean()
    assert box.input_value() == text
    assert parse_qs(urlsplit(page.url).query).get("text") == [text]
    assert page.evaluate(NOTHING_RAN_JS) == {"scripts": 0, "images": 0, "links": 0}


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_language_switch_shows_korean(shared_tabs, info):
    tab = shared_tabs(info)
    page = tab.page
    title = page.locator("h1").first.inner_text().strip()
    keys = [k for k, v in catalog("en").items() if v == title]
    assert keys, f"the title {title!r} is not an English catalog message"
    korean = page.locator('[data-testid="stSidebar"]').get_by_role(
        "radio", name="한국어", exact=True
    )
    assert korean.count() == 1, "no 한국어 button in the sidebar"
    korean.click()
    wanted = {translate("ko", k) for k in keys}
    wait_until(
        page,
        lambda: page.locator("h1").first.inner_text().strip() in wanted,
        what=f"the Korean title {wanted}",
    )
    wait_idle(page, timeout=45)
    tab.check_clean()
    assert HANGUL.search(page.locator("h1").first.inner_text())
    label = translate("ko", "sidebar.text")
    assert page.locator(f'[data-testid="stSidebar"] textarea[aria-label="{label}"]').count() == 1
    assert parse_qs(urlsplit(page.url).query).get("lang") == ["ko"]
    screenshot(page, f"{Path(info.path).stem}-ko")


# --------------------------------------------------------------------------- fresh tabs

LESSON = {
    "lang": "ko",
    "d": "32",
    "heads": "8",
    "p": "0.5",
    "stack": "embed,gru,layernorm,attention",
}


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_lesson_link_opens_the_view_it_describes(tab, info):
    tab.open(info.url_path, LESSON)
    page = tab.page
    tab.check_clean()
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0
    title = page.locator("h1").first.inner_text().strip()
    assert title in set(catalog("ko").values()) and HANGUL.search(title), title
    query = parse_qs(urlsplit(page.url).query)
    # The address bar keeps what differs from the page's defaults: on /train, `d` is the
    # model's D, whose default is 32 (ui.settings.SCOPES), so d=32 is not repeated there.
    scope = info.url_path if info.url_path in SCOPES else ""
    kept = to_query(parse_query(LESSON, scope)[0], scope)
    assert {k: v[0] for k, v in query.items() if k in LESSON} == {
        k: v for k, v in LESSON.items() if k in kept
    }, page.url
    assert set(LESSON) - set(kept) <= set(SCOPES.get(scope, {})), "only a page's own defaults"

    def ko(key: str) -> str:
        return translate("ko", key)

    checks = {
        "width slider": (
            slider(page, ko("control.d")),
            lambda: slider_value(page, ko("control.d")) == "32",
        ),
        "dropout slider": (
            slider(page, ko("control.p")),
            lambda: slider_value(page, ko("control.p")) == "0.50",
        ),
        "heads control": (
            segmented(page, ko("control.heads")),
            lambda: (
                segmented(page, ko("control.heads"))
                .get_by_role("radio", name="8", exact=True)
                .get_attribute("aria-checked")
                == "true"
            ),
        ),
    }
    for what, (locator, holds) in checks.items():
        if locator.count() == 0:
            if not info.url_path:
                pytest.fail(f"the default page has no {what}")
            continue
        assert holds(), f"the {what} does not show the link's value"
    chain = page.get_by_text(
        re.compile(r"1\s*embed\s*→\s*2\s*gru\s*→\s*3\s*layernorm\s*→\s*4\s*attention")
    )
    if not info.url_path:
        assert chain.count() >= 1, (
            "the stack chain does not show embed → gru → layernorm → attention"
        )
    screenshot(page, f"{Path(info.path).stem}-lesson")


ADDRESS_MARKUP = {  # values that are not valid here: the notices quote them
    "p": "<b>x</b>",
    "lang": "[a](javascript:alert(1))",
    "<i>k</i>": "[y](javascript:alert(2))",  # a name not known here: the notice names it
    "foo_bar": "1",  # a Markdown character in a plain name
}
SHOWN = ("<b>x</b>", "[a](javascript:alert(1))", "<i>k</i>", "foo_bar")
USER_MARKUP = "b, i, a, img, script, iframe"  # what the notices' own formatting never uses


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_markup_in_the_address_bar_is_shown_literally(tab, info):
    page = tab.page
    page.goto(f"{tab.base}/{info.url_path}?{urlencode(ADDRESS_MARKUP)}")
    wait_idle(page, min_plots=1, timeout=120)
    # The link's notices, not a page's own warnings (the Train page warns about sorted data).
    notices = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="The link")
    texts = [notices.nth(i).inner_text() for i in range(notices.count())]
    assert len(texts) == len(ADDRESS_MARKUP), texts
    for shown in SHOWN:
        assert any(shown in text for text in texts), f"{shown!r} not shown literally in {texts}"
    assert notices.locator(USER_MARKUP).count() == 0, notices.first.inner_html()
    page.wait_for_timeout(300)
    assert page.evaluate(NOTHING_RAN_JS) == {"scripts": 0, "images": 0, "links": 0}
    tab.check_clean()


# ------------------------------------------------------------- controls behind a section switch
SECTION_SLIDERS = [  # (page, its URL query, slider label): controls not on the default view
    ("lab", {"section": "dropout"}, SLIDERS["dropout"]),
    ("lab", {"section": "compare"}, SLIDERS["gamma"]),
    ("text", {}, en("text.num_words")),
    ("text", {"part": "padding"}, en("text.pad_maxlen")),
    ("text", {"part": "padding", "lang": "ko"}, translate("ko", "text.pad_maxlen")),
    ("gradients", {}, en("gradients.width")),
    ("gradients", {"lang": "ko"}, translate("ko", "gradients.depth")),
    ("gradients", {"view": "time"}, en("gradients.time_gain")),
    ("gradients", {"view": "clip"}, en("gradients.clip_norm_label")),
    ("gradients", {"view": "clip", "lang": "ko"}, translate("ko", "gradients.clip_value_label")),
]


@pytest.mark.parametrize(
    ("url_path", "query", "label"),
    SECTION_SLIDERS,
    ids=[f"{p}-{'-'.join(q.values()) or 'default'}" for p, q, _ in SECTION_SLIDERS],
)
def test_slider_behind_a_section_changes_a_plot(tab, url_path, query, label):
    tab.open(url_path, query)
    page = tab.page
    assert slider(page, label).count() == 1, f"no slider {label!r} at {page.url}"
    value, low, high = slider_room(page, label)
    key = "ArrowRight" if (high - value) > (value - low) else "ArrowLeft"
    before = fingerprints(page)
    slider(page, label).focus()
    for _ in range(3):
        page.keyboard.press(key)
    target = slider_room(page, label)[0]
    assert target != value

    def arrived():
        return slider_room(page, label)[0] == target

    assert after_change(tab, before, done=arrived, what=f"a plot to follow {label!r}")
    tab.check_clean()
    address = parse_qs(urlsplit(page.url).query)
    assert all(address.get(name) == [value] for name, value in query.items()), page.url


# ------------------------------------------------------------- the Text & embedding page's parts
TEXT_PARTS = ("tokenizer", "korean", "padding", "onehot", "learned", "similarity")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("part", TEXT_PARTS)
def test_every_text_part_draws_in_both_languages(tab, part, lang):
    """Each part, opened from a lesson link, draws its plots (the Korean part in English is a
    note only) with no exception box, in the link's language; a screenshot of each."""
    page = tab.page
    if part == "korean" and lang == "en":  # a note only: no plot to wait for
        page.goto(page_url(tab.base, "text", {"part": part, "lang": lang}))
        wait_idle(page, min_plots=0, timeout=120)
    else:
        tab.open("text", {"part": part, "lang": lang})

    def drawn():
        charts = page.locator('[data-testid="stPlotlyChart"]')
        if part == "korean" and lang == "en":
            return page.locator('[data-testid="stAlert"]').count() >= 1
        if charts.count() == 0:
            return False
        return all(page.evaluate(DRAWN_JS))

    wait_until(page, drawn, timeout=90, what=f"the {part} part's plots")
    title = page.locator("h1").first.inner_text()
    assert translate(lang, "text.title").split(":")[0] in title
    if lang == "ko":
        assert HANGUL.search(page.locator('[data-testid="stMain"]').inner_text())
    tab.check_clean()
    assert screenshot(page, f"text-{part}-{lang}").stat().st_size > 10_000


# ------------------------------------------------------ the Gradients & initialization page's parts
GRADIENT_VIEWS = ("depth", "time", "clip")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("view", GRADIENT_VIEWS)
def test_every_gradients_part_draws_in_both_languages(tab, view, lang):
    """Each part, opened from a lesson link, draws all its plots with no exception box, in the
    link's language; a screenshot of each."""
    page = tab.page
    tab.open("gradients", {"view": view, "lang": lang})

    def drawn():
        flags = page.evaluate(DRAWN_JS)
        return bool(flags) and all(flags)

    wait_until(page, drawn, timeout=90, what=f"the {view} part's plots")
    assert translate(lang, "gradients.title") in page.locator("h1").first.inner_text()
    if lang == "ko":
        assert HANGUL.search(page.locator('[data-testid="stMain"]').inner_text())
    assert page.locator(".katex").count() >= 2  # the live formulas
    tab.check_clean()
    assert screenshot(page, f"gradients-{view}-{lang}").stat().st_size > 10_000
