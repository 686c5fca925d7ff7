"""The Follow page's attention (and encoder) blocks link to the Attention page's "all heads" part:
the link opens it in the same session with the block's width, head count and head, and the
teacher's sentence stays."""

import pytest
from app_support import chart, no_exception, run_app

from ui.i18n import translate

HEADS_CHARTS = {"attention_heads_grid", "attention_heads_head", "attention_heads_mean"}


def follow_link(at, key: str):
    """Press a block's link; the app reruns on the Attention page."""
    at.button(key=key).click().run()
    no_exception(at)
    return at


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_attention_block_offers_the_link_with_its_head_count(lang):
    at = run_app(lang=lang, heads="2")
    no_exception(at)
    button = at.button(key="head4_link")  # embed, lstm, layernorm, dropout, attention
    assert button.label == translate(lang, "block.attention_link", H=2)


def test_the_link_opens_every_head_of_this_block_with_the_sentence_kept():
    at = run_app(units="32", heads="8")  # the attention block reads the LSTM's 32 features
    no_exception(at)
    sentence = "the teacher typed this sentence"
    at.text_area(key="w_text").input(sentence).run()
    at.segmented_control(key="head4").set_value(5).run()  # the Follow panel shows head 6
    follow_link(at, "head4_link")
    assert at.title[0].value == translate("en", "attention.title")
    s = at.session_state["_settings"]
    assert (s.att_part, s.att_d, s.att_heads, s.head) == ("heads", 32, 8, 6)
    assert s.text == sentence
    assert at.text_area(key="w_text").value == sentence
    assert {e.key for e in at.get("plotly_chart")} >= HEADS_CHARTS
    grid = chart(at, "attention_heads_grid")
    assert len(grid["data"]) == 8
    assert [label.split(" · ")[1] for label in grid["data"][0]["y"]] == sentence.split()
    assert grid["layout"]["shapes"][0]["xref"] == "x6 domain"  # the head the class was on
    # The address bar is the Attention page's lesson link: its own names.
    assert at.query_params["part"] == "heads"
    assert (at.query_params["d"], at.query_params["heads"]) == ("32", "8")
    assert at.query_params["text"] == sentence
    assert at.query_params["units"] == "32"  # the Follow page's own setting is kept


def test_the_mean_opens_at_the_first_head_and_an_encoder_links_too():
    at = run_app(stack="embed,encoder", d="24", heads="3")
    no_exception(at)
    at.segmented_control(key="head1").set_value("mean").run()
    follow_link(at, "head1_link")
    s = at.session_state["_settings"]
    assert (s.att_part, s.att_d, s.att_heads, s.head) == ("heads", 24, 3, 1)
    assert len(chart(at, "attention_heads_grid")["data"]) == 3


def test_a_stack_without_attention_has_no_link():
    at = run_app(stack="embed,lstm,layernorm")
    no_exception(at)
    links = [str(b.key) for b in at.button if str(b.key).endswith("_link")]
    assert not [key for key in links if key.startswith("head")]  # no attention link
    assert links == ["steps1_link"]  # the LSTM's link to the Recurrent page
