"""The Follow page's recurrent blocks link to the Recurrent page's "step through time" part: the
link opens it in the same session with the block's cell, input width and units, and the teacher's
sentence stays."""

import pytest
from app_support import no_exception, run_app

from ui.i18n import translate


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_recurrent_block_offers_the_link_with_its_cell(lang):
    at = run_app(lang=lang)
    no_exception(at)
    button = at.button(key="steps1_link")  # embed, lstm, layernorm, dropout, attention
    assert button.label == translate(lang, "block.recurrent_link", cell="LSTM")


@pytest.mark.parametrize(
    ("stack", "key", "cell", "width"),
    [
        ("embed,lstm", "steps1_link", "lstm", 24),
        ("embed,gru,birnn", "steps2_link", "simplernn", 12),
    ],
)
def test_the_link_opens_stepping_with_the_blocks_sizes_and_the_sentence_kept(
    stack, key, cell, width
):
    at = run_app(stack=stack, d="24", units="12")
    no_exception(at)
    sentence = "the teacher typed this sentence"
    at.text_area(key="w_text").input(sentence).run()
    at.button(key=key).click().run()
    no_exception(at)
    assert at.title[0].value == translate("en", "recurrent.title")
    s = at.session_state["_settings"]
    assert (s.rnn_part, s.rnn_cell, s.rnn_d, s.rnn_units, s.rnn_t) == ("step", cell, width, 12, 1)
    assert s.text == sentence
    assert at.text_area(key="w_text").value == sentence
    # The address bar is the Recurrent page's lesson link: its own names, Follow's kept.
    link = dict(at.query_params)
    assert (link.get("cell", "lstm"), link["units"]) == (cell, "12")  # lstm: the default
    assert at.query_params["text"] == sentence
