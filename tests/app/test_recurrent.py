"""The Recurrent layers page as a whole: every part in both languages and every cell, from its own
link names; bad text, bad link values and work over the budget give a view or a message, never a
traceback; the text stays in the box."""

import pytest
from app_support import charts, no_exception, run_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.stack import MAX_TOKENS
from ui.i18n import translate
from ui.settings import CHOICES

PAGE = "views/recurrent.py"
PARTS = CHOICES["rnn_part"]
CELLS = CHOICES["rnn_cell"]
HOSTILE = {
    "empty": "",
    "punctuation only": "?!... ,;:()[]{}",
    "one word": "cat",
    "emoji": "I ❤️ 🐈‍⬛ and 🍕 !!! 👩🏽‍💻",
    "markup": "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    " **bold** $x^2$ :red[red]",
    "many lines": "\n".join(f"line number {i} here" for i in range(70)),
    "over the token cap": " ".join(f"w{i}" for i in range(MAX_TOKENS + 100)),
}
NEEDS_WORDS = {"step", "sequences", "bidirectional", "shapes"}  # the weights need no text


def drawn(at, part: str) -> bool:
    """The part's view is on the page: its charts, or the shapes part's tables of shapes."""
    if part == "shapes":
        return any("|" in m.value and "(" in m.value for m in at.markdown)
    return bool(charts(at))


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("part", PARTS)
def test_every_part_draws_for_every_cell_in_both_languages(part, cell, lang):
    at = run_app(PAGE, part=part, cell=cell, lang=lang)
    no_exception(at)
    assert not at.warning, [w.value for w in at.warning]  # the link's names are the page's own
    assert at.segmented_control(key="w_rnn_part").value == part
    if part != "shapes":  # the tutorial's shapes show every cell at once
        assert at.segmented_control(key="w_rnn_cell").value == cell
    assert at.title[0].value == translate(lang, "recurrent.title")
    assert drawn(at, part), f"the {part} part drew nothing for {cell}"


def open_in_app(part: str):
    """The whole app (its sidebar has the text box) on this page and part."""
    at = run_app(rnn_part=part)  # app.py reads the link before it knows the page: the long name
    return at.switch_page(PAGE).run()


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("part", PARTS)
def test_any_text_gives_a_view_or_a_message_and_stays_in_the_box(part, name):
    at = open_in_app(part)
    assert at.segmented_control(key="w_rnn_part").value == part
    text = HOSTILE[name]
    at.text_area(key="w_text").input(text).run()
    no_exception(at)
    assert at.text_area(key="w_text").value == text
    if part in NEEDS_WORDS and not any(ch.isalnum() for ch in text):
        assert any(translate("en", "recurrent.no_words") in i.value for i in at.info)
    else:
        assert drawn(at, part)


ODD_LINKS = [  # (part, name, value): each odd value on a part that reads it
    ("step", "t", "500"),
    ("step", "t", "-1"),
    ("step", "unit", "99"),
    ("step", "cell", "transformer"),
    ("sequences", "units", "0"),
    ("sequences", "line", "64"),
    ("bidirectional", "units", "513"),
    ("weights", "reset_after", "NaN"),
    ("weights", "d", "garbage"),
    ("shapes", "punct", "maybe"),
    ("shapes", "part", "nonsense"),
]


@pytest.mark.parametrize("part, name, value", ODD_LINKS)
def test_odd_link_values_give_the_page_with_a_note_at_most(part, name, value):
    query = {"part": part, name: value} if name != "part" else {name: value}
    at = run_app(PAGE, **query)
    no_exception(at)
    assert drawn(at, at.session_state["_settings"].rnn_part)


def test_a_unit_past_the_units_is_fitted_with_a_notice():
    at = run_app(PAGE, part="step", units="4", unit="9")
    no_exception(at)
    assert at.session_state["_settings"].unit == 4
    assert any("unit" in w.value for w in at.warning)


def test_the_page_keeps_its_own_cell_apart_from_the_train_pages():
    at = run_app(PAGE, cell="gru", units="16")
    no_exception(at)
    s = at.session_state["_settings"]
    assert (s.rnn_cell, s.rnn_units) == ("gru", 16)
    assert (s.cell, s.units) == ("simplernn", 16)  # the Train page's cell, Follow's units


def test_work_over_the_budget_is_refused_with_what_to_lower_and_the_text_stays():
    text = "\n".join(" ".join(f"w{i}x{j}" for j in range(MAX_TOKENS)) for i in range(8))
    at = run_app(rnn_d="512", rnn_units="512", rnn_part="sequences")
    at.switch_page(PAGE).run()
    at.text_area(key="w_text").input(text).run()
    no_exception(at)
    assert at.text_area(key="w_text").value == text
    warning = " ".join(w.value for w in at.warning)
    assert translate("en", "budget.lower") in warning
    assert not charts(at)
    buttons = {b.key: b for b in at.button}
    assert "budget_units" in buttons, sorted(buttons)
    buttons["budget_units"].click().run()
    no_exception(at)
    # The button lowers the recurrent page's own units, not the Follow page's.
    settings = at.session_state["_settings"]
    assert settings.rnn_units < 512 and settings.units == 16
    assert charts(at)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=120),
    part=st.sampled_from(PARTS),
    cell=st.sampled_from(CELLS),
    d=st.sampled_from([1, 4, 100]),
    units=st.sampled_from([1, 3, 64]),
    t=st.integers(1, 40),
    punct=st.booleans(),
)
def test_random_text_and_settings_never_raise(text, part, cell, d, units, t, punct):
    at = run_app(
        PAGE,
        part=part,
        cell=cell,
        text=text,
        d=str(d),
        units=str(units),
        t=str(t),
        punct="1" if punct else "0",
    )
    no_exception(at)


def test_a_lesson_link_can_hide_the_pages_controls_and_keep_their_values():
    at = run_app(PAGE, part="step", cell="gru", units="4", t="2", hide="cell,d,units,t,punct")
    no_exception(at)
    drawn = {w.key for w in at.segmented_control} | {w.key for w in at.select_slider}
    drawn |= {w.key for w in at.toggle}
    assert not {"w_rnn_cell", "w_rnn_d", "w_rnn_units", "w_rnn_t", "w_punct"} & drawn
    s = at.session_state["_settings"]
    assert (s.rnn_cell, s.rnn_units, s.rnn_t) == ("gru", 4, 2)
    assert charts(at)
