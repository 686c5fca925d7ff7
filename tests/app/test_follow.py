"""The app shell and the "Follow a sentence" page, driven through AppTest by widget key."""

import numpy as np
import pytest
from app_support import chart, charts, decode, no_exception

from ui.i18n import translate
from ui.pages import PAGES
from ui.safe import md_escape
from ui.settings import DEFAULT_TEXT


def heat(at, key):
    return decode(chart(at, key)["data"][0]["z"])


def test_app_smoke_shows_every_block(app):
    at = app()
    no_exception(at)
    assert at.title[0].value == translate("en", "follow.title")
    assert at.text_area(key="w_text").value == DEFAULT_TEXT["en"]
    keys = {element.key for element in at.get("plotly_chart")}
    # embed, lstm, layernorm, dropout, attention: an output heatmap each, plus the shape flow.
    assert {"flow", "out0", "out1", "out2", "out3", "out4"} <= keys
    assert {"inner1", "inner2", "inner3", "head4_chart"} <= keys
    assert not at.error and not at.warning


@pytest.mark.parametrize("page", [info.path for info in PAGES])
def test_every_page_runs_on_its_own(app, page):
    at = app(page)
    no_exception(at)
    assert charts(at) and not at.error


def test_typing_a_sentence_changes_the_tokens(app):
    at = app()
    at.text_area(key="w_text").input("Attention is all you need").run()
    no_exception(at)
    labels = chart(at, "out0")["data"][0]["y"]
    assert [label.split(" · ")[1] for label in labels] == ["attention", "is", "all", "you", "need"]
    assert at.query_params["text"] == "Attention is all you need"


def test_several_lines_make_a_padded_batch(app):
    at = app(text="the cat sat\na dog")
    no_exception(at)
    assert at.selectbox(key="sentence").options == ["1: the cat sat", "2: a dog"]
    at.selectbox(key="sentence").select_index(1).run()
    labels = chart(at, "out0")["data"][0]["y"]
    assert labels[0].endswith("&lt;pad&gt;")  # pre-padding, shown literally


def test_switching_to_korean_changes_the_page_and_the_default_sentence(app):
    at = app()
    at.segmented_control(key="w_lang").set_value("ko").run()
    no_exception(at)
    assert at.title[0].value == translate("ko", "follow.title")
    assert at.text_area(key="w_text").value == DEFAULT_TEXT["ko"]
    assert at.query_params["lang"] == "ko"
    assert "text" not in at.query_params  # the default sentence stays out of the link


def test_a_typed_sentence_survives_a_language_switch(app):
    at = app()
    at.text_area(key="w_text").input("my own words").run()
    at.segmented_control(key="w_lang").set_value("ko").run()
    assert at.text_area(key="w_text").value == "my own words"


def test_dropout_slider_and_train_switch(app):
    at = app()
    low = heat(at, "inner3")  # the dropout mask, 1 = kept
    at.slider(key="w_p").set_value(0.6).run()
    no_exception(at)
    high = heat(at, "inner3")
    assert high.sum() < low.sum()
    assert not (high > low).any()  # a higher rate drops a superset
    assert at.query_params["p"] == "0.6"
    at.toggle(key="w_train").set_value(False).run()
    no_exception(at)
    np.testing.assert_allclose(heat(at, "out3"), heat(at, "out2"))  # eval: the identity


def test_gamma_and_beta_move_the_layer_norm_output(app):
    at = app()
    before = heat(at, "out2")
    at.slider(key="w_gamma").set_value(2.0).run()
    at.slider(key="w_beta").set_value(1.0).run()
    no_exception(at)
    np.testing.assert_allclose(heat(at, "out2"), 2 * before + 1, rtol=1e-4, atol=1e-4)
    assert at.query_params["gamma"] == "2" and at.query_params["beta"] == "1"


def test_eps_slider_changes_the_link(app):
    at = app()
    at.select_slider(key="w_eps").set_value(0.1).run()
    no_exception(at)
    assert at.query_params["eps"] == "0.1"


def test_width_offers_only_dividing_head_counts(app):
    at = app(stack="embed,layernorm,attention")
    at.select_slider(key="w_d").set_value(12).run()
    no_exception(at)
    heads = at.segmented_control(key="w_heads")
    assert heads.options == ["1", "2", "3", "4", "6", "12"]
    at.segmented_control(key="w_heads").set_value(3).run()
    no_exception(at)
    weights = chart(at, "head2_chart")
    assert weights["data"][0]["type"] == "heatmap"
    assert at.query_params["d"] == "12" and at.query_params["heads"] == "3"
    at.select_slider(key="w_d").set_value(16).run()  # 3 does not divide 16: heads follow
    assert at.segmented_control(key="w_heads").value == 2
    no_exception(at)


def test_units_slider_sets_the_recurrent_width_and_the_heads_follow_it(app):
    at = app()  # embed, lstm, …, attention: attention reads U = 16 features
    at.select_slider(key="w_d").set_value(12).run()
    assert at.segmented_control(key="w_heads").options == ["1", "2", "4", "8", "16"]
    at.select_slider(key="w_units").set_value(24).run()
    no_exception(at)
    assert heat(at, "out1").shape[-1] == 24
    assert at.segmented_control(key="w_heads").options == ["1", "2", "3", "4", "6", "8", "12"]


def test_presets_and_the_row_editor_change_the_stack(app):
    at = app()
    at.pills(key="stk_preset").set_value("encoder").run()
    no_exception(at)
    assert at.query_params["stack"] == "embed,encoder"
    at.toggle(key="edit_stack").set_value(True).run()
    at.selectbox(key="stk_kind1").select("lstm").run()
    at.toggle(key="stk_bidirectional1").set_value(True).run()
    no_exception(at)
    assert at.query_params["stack"] == "embed,bilstm"
    assert heat(at, "out1").shape[-1] == 32  # 2 × 16 units
    at.selectbox(key="stk_add").select("attention").run()
    at.button(key="stk_up2").click().run()
    assert at.query_params["stack"] == "embed,attention,bilstm"
    at.button(key="stk_remove1").click().run()
    no_exception(at)
    assert at.query_params["stack"] == "embed,bilstm"


def test_a_lesson_link_restores_the_view(app):
    at = app(
        lang="ko",
        d="32",
        heads="8",
        units="8",
        p="0.5",
        train="0",
        gamma="1.5",
        stack="embed,gru,layernorm,attention",
        text="하나 둘 셋",
        seed="7",
    )
    no_exception(at)
    assert not at.warning
    assert at.title[0].value == translate("ko", "follow.title")
    assert at.text_area(key="w_text").value == "하나 둘 셋"
    assert at.select_slider(key="w_d").value == 32
    assert at.segmented_control(key="w_heads").value == 8
    assert at.slider(key="w_p").value == 0.5
    assert at.toggle(key="w_train").value is False
    assert at.number_input(key="w_seed").value == 7
    assert heat(at, "out0").shape == (3, 32)
    assert heat(at, "out1").shape == (3, 8)
    assert decode(chart(at, "head3_chart")["data"][0]["z"]).size == 9


def test_the_same_link_gives_the_same_numbers(app):
    first = heat(app(seed="3"), "out4")
    second = heat(app(seed="3"), "out4")
    other = heat(app(seed="4"), "out4")
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("p", "abc"),
        ("heads", "-3"),
        ("eps", "nan"),
        ("stack", "embed,transformer9"),
        ("d", "1e9"),
        ("lang", "fr"),
        ("train", "maybe"),
        ("gamma", "inf"),
        ("nonsense", "1"),
    ],
)
def test_a_bad_link_value_falls_back_with_a_notice(app, name, value):
    at = app(**{name: value})
    no_exception(at)
    assert len(at.warning) == 1
    assert f"**{md_escape(name)}**" in at.warning[0].value
    assert len(charts(at)) >= 6  # the default view is still there


def test_heads_not_dividing_the_width_in_a_link(app):
    at = app(d="16", heads="3")
    no_exception(at)
    assert "**heads**" in at.warning[0].value
    assert at.segmented_control(key="w_heads").value == 2  # the largest that divides 16


@pytest.mark.parametrize(
    ("stack", "words"),
    [
        ("embed,lstm-last,attention", "return_sequences"),
        ("embed,bilstm,addnorm", "(1, 10, 16) and (1, 10, 32)"),
        ("lstm,attention", "Embedding"),
        ("embed,embed", "second Embedding"),
    ],
)
def test_an_impossible_stack_is_explained(app, stack, words):
    at = app(stack=stack)
    no_exception(at)
    assert len(at.error) == 1 and words in at.error[0].value


def test_heads_in_a_link_must_divide_the_recurrent_width(app):
    at = app(stack="embed,lstm,attention", units="6", heads="4")
    no_exception(at)
    assert "**heads**" in at.warning[0].value
    heads = at.segmented_control(key="w_heads")
    assert heads.options == ["1", "2", "3", "6"] and heads.value == 3


def test_empty_text_asks_for_a_sentence(app):
    at = app()
    at.text_area(key="w_text").input("   ").run()
    no_exception(at)
    assert at.info and translate("en", "problem.no_words") in at.info[-1].value
    assert at.text_area(key="w_text").value == "   "


def test_presentation_mode_folds_explanations(app):
    at = app(present="1")
    no_exception(at)
    assert at.expander and at.expander[0].label == translate("en", "common.explain")
