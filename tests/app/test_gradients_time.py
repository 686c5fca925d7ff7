"""The Gradients & initialization page, through time: driven through AppTest by widget key."""

import numpy as np
import pytest
from app_support import chart, decode, no_exception

from lessons.gradients import time as through
from ui.compute import MAX_CHARS
from ui.i18n import translate

PAGE = "views/gradients.py"
KEY = "gradients_time"


def lines(at) -> dict[str, np.ndarray]:
    """The chart's series by legend name, as float64."""
    return {
        trace["name"]: decode(trace["y"]).astype(np.float64) for trace in chart(at, KEY)["data"]
    }


def latex(at) -> str:
    return "\n".join(element.value for element in at.latex)


def markdown(at) -> str:
    return "\n".join(element.value for element in at.markdown)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_time_part_draws_in_both_languages(app, lang):
    at = app(PAGE, view="time", lang=lang)
    no_exception(at)
    assert at.title[0].value == translate(lang, "gradients.title")
    assert at.segmented_control(key="w_view").value == "time"
    assert at.segmented_control(key="w_rinit").value == "orthogonal"
    names = [translate(lang, f"gradients.time_series_{name}") for name in through.SERIES]
    assert list(lines(at)) == names  # four cells, then the LSTM's cell path
    assert translate(lang, "gradients.time_col_ratio") in markdown(at)
    assert r"\sigma_{\max}(W_{hh}) = 1" in latex(at)  # orthogonal at gain 1
    assert not at.error


def test_the_chart_is_the_layers_own_norms(app):
    at = app(PAGE, view="time", rinit="uniform", gain="1.5", units="8", d="12", seed="3")
    no_exception(at)
    sent = through.sentence(at.session_state["_settings"].text, 12, 3)
    result = through.through_time(sent, 8, "uniform", 1.5, 3)
    shown = np.stack(list(lines(at).values()), axis=1)
    np.testing.assert_allclose(shown, result.norms.numpy(), rtol=1e-6)
    ticks = chart(at, KEY)["layout"]["xaxis"]["categoryarray"]
    assert len(ticks) == len(sent.tokens) and ticks[0].endswith(sent.tokens[0])


@pytest.mark.parametrize(
    ("widget", "kind", "value"),
    [
        ("w_rinit", "segmented_control", "uniform"),
        ("w_gain", "slider", 2.5),
        ("w_units", "select_slider", 64),
        ("w_d", "select_slider", 48),
    ],
)
def test_every_control_changes_the_chart(app, widget, kind, value):
    at = app(PAGE, view="time")
    before = chart(at, KEY)
    getattr(at, kind)(key=widget).set_value(value).run()
    no_exception(at)
    assert chart(at, KEY) != before
    assert at.query_params[widget.removeprefix("w_")] == str(value)  # a lesson link


def test_a_large_gain_explodes_and_the_formula_says_so(app):
    at = app(PAGE, view="time", gain="3")
    no_exception(at)
    relu = lines(at)[translate("en", "gradients.time_series_rnn_relu")]
    assert relu[0] > 10 * relu[-1]
    assert r"\sigma_{\max}(W_{hh}) = 3" in latex(at)


def test_empty_text_asks_for_a_sentence(app):
    at = app(PAGE, view="time", text="   ")
    no_exception(at)
    assert not at.get("plotly_chart")
    assert translate("en", "problem.no_words") in [info.value for info in at.info]


def test_a_long_text_and_the_largest_sizes_stay_safe(app):
    words = " ".join(f"w{k}" for k in range(3000))[: MAX_CHARS + 500]
    at = app(PAGE, view="time", text=words, units="512", d="512", gain="4")
    no_exception(at)
    assert len(chart(at, KEY)["layout"]["xaxis"]["categoryarray"]) == through.MAX_STEPS
    cap = translate("en", "gradients.time_capped", n=through.MAX_STEPS, total=512)
    assert cap in [caption.value for caption in at.caption]
    assert not at.error


def test_the_code_panel_shows_both_programs(app):
    at = app(PAGE, view="time", rinit="uniform")
    at.toggle(key="gradients_code").set_value(True).run()
    no_exception(at)
    programs = [element.value for element in at.code]
    assert any("nn.LSTM(D, U, batch_first=True)" in p for p in programs)
    assert any("keras.layers.LSTMCell(U)" in p for p in programs)
    assert any("nn.init.uniform_" in p for p in programs)


def test_the_downloads_are_there(app):
    at = app(PAGE, view="time")
    no_exception(at)
    keys = {button.key for button in at.get("download_button")}
    assert {"gradients_time_norms_npy", "gradients_time_whh_csv", "gradients_time_x_npy"} <= keys


def test_a_short_sentence_is_told_a_longer_one_shows_more(app):
    at = app("views/gradients.py", view="time", lang="ko")  # the Korean default: 5 tokens
    no_exception(at)
    assert any("5" in c.value and "토큰" in c.value for c in at.caption)
    at = app("views/gradients.py", view="time")  # the English default: 10 tokens
    assert not any(
        translate("en", "gradients.time_short", T=10)[:20] in c.value for c in at.caption
    )
