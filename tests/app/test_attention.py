"""The Attention & Transformer page as a whole: every part in both languages, from its own link
names; bad text, bad link values and work over the budget give a view or a message, never a
traceback; the text stays in the box."""

import pytest
from app_support import charts, no_exception, run_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.stack import MAX_TOKENS
from ui.i18n import translate
from ui.settings import CHOICES

PAGE = "views/attention.py"
PARTS = CHOICES["att_part"]
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


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("part", PARTS)
def test_every_part_draws_in_both_languages(part, lang):
    at = run_app(PAGE, part=part, lang=lang)
    no_exception(at)
    assert not at.warning, [w.value for w in at.warning]  # the link's names are the page's own
    assert at.segmented_control(key="w_att_part").value == part
    assert at.title[0].value == translate(lang, "attention.title")
    assert charts(at), f"the {part} part drew no chart"


def open_in_app(part: str):
    """The whole app (its sidebar has the text box) on this page and part."""
    at = run_app(att_part=part)  # app.py reads the link before it knows the page: the long name
    return at.switch_page(PAGE).run()


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("part", PARTS)
def test_any_text_gives_a_view_or_a_message_and_stays_in_the_box(part, name):
    at = open_in_app(part)
    assert at.segmented_control(key="w_att_part").value == part
    text = HOSTILE[name]
    at.text_area(key="w_text").input(text).run()
    no_exception(at)
    assert at.text_area(key="w_text").value == text
    if part != "transformer" and not any(ch.isalnum() for ch in text):
        assert any(translate("en", "attention.no_words") in i.value for i in at.info)
    elif part != "transformer":
        assert charts(at)


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize(
    "name, value",
    [
        ("d", "garbage"),
        ("heads", "7"),
        ("head", "99"),
        ("query", "500"),
        ("key", "-3"),
        ("line", "64"),
        ("scaled", "NaN"),
        ("pe", "2"),
        ("part", "nonsense"),
    ],
)
def test_odd_link_values_give_the_page_with_a_note_at_most(part, name, value):
    query = {"part": part, name: value} if name != "part" else {name: value}
    at = run_app(PAGE, **query)
    no_exception(at)
    assert charts(at)


def test_work_over_the_budget_is_refused_with_what_to_lower_and_the_text_stays():
    text = " ".join(f"w{j}" for j in range(MAX_TOKENS))
    at = run_app(att_d="512", att_heads="16")
    at.switch_page(PAGE).run()
    at.text_area(key="w_text").input(text).run()
    no_exception(at)
    assert at.text_area(key="w_text").value == text
    warning = " ".join(w.value for w in at.warning)
    assert translate("en", "budget.lower") in warning
    assert not charts(at)
    buttons = {b.key: b for b in at.button}
    assert "budget_heads" in buttons
    buttons["budget_heads"].click().run()
    no_exception(at)
    # The button lowers the attention page's own heads, not the Follow page's.
    settings = at.session_state["_settings"]
    assert settings.att_heads < 16 and settings.heads == 4
    assert charts(at)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=120),
    part=st.sampled_from(PARTS),
    d=st.sampled_from([4, 12, 16]),
    heads=st.sampled_from([1, 2, 3, 4]),
    causal=st.booleans(),
    scaled=st.booleans(),
)
def test_random_text_and_settings_never_raise(text, part, d, heads, causal, scaled):
    at = run_app(
        PAGE,
        part=part,
        text=text,
        source=text,
        d=str(d),
        heads=str(heads),
        causal="1" if causal else "0",
        scaled="1" if scaled else "0",
    )
    no_exception(at)
