"""The Recurrent page's "sequences or the last state" part, through AppTest: every cell in both
languages, the states and the last states recomputed by torch.nn's own layer (float64, the page's
weights), the shapes with their numbers, the line picker, "post" padding, hostile text and the
code panel."""

import math
import re

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception, run_app
from torch import nn

from layers import GRU, LSTM, SimpleRNN
from lessons.recurrent.common import recurrent_run
from lessons.recurrent.sequences import MAX_COLS, MAX_ROWS, number
from ui.i18n import translate
from ui.safe import md_escape

PAGE = "views/recurrent.py"
MAP = "recurrent_sequences_map"
TWINS = {SimpleRNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU}


def twin(layer) -> nn.RNNBase:
    """The page's layer as nn.RNN / nn.LSTM / nn.GRU in float64, with its weights."""
    module = TWINS[type(layer)](layer.input_size, layer.units, batch_first=True).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(module, f"{name}_l0").copy_(getattr(layer, name))
    return module


def torch_states(run, x=None):
    """(output (B, T, U), h_n[0] (B, U)) from the twin on the page's token vectors."""
    with torch.no_grad():
        output, state = twin(run.layer)((run.x if x is None else x).double())
    h_n = state[0] if isinstance(state, tuple) else state
    return output, h_n[0]


def page_run(at):
    return recurrent_run(at.session_state["_settings"])


def panels(at) -> tuple[np.ndarray, np.ndarray]:
    top, below = chart(at, MAP)["data"]
    return decode(top["z"]), decode(below["z"])


def rounding(value: float) -> float:
    """How far a number written with three significant digits may be from the true one."""
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 2) + 1e-6


def text_of(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_every_cell_draws_the_states_torch_computes_in_both_languages(cell, lang):
    at = run_app(PAGE, part="sequences", cell=cell, lang=lang)
    no_exception(at)
    assert not at.warning
    keys = {e.key for e in at.get("plotly_chart")}
    assert {MAP, "recurrent_sequences_flow_classifier", "recurrent_sequences_flow_stacked"} <= keys
    run = page_run(at)
    assert run.cell == cell
    output, last = torch_states(run)
    top, below = panels(at)
    np.testing.assert_allclose(top, output[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(below, last.numpy(), atol=1e-5)
    B, T, U = output.shape
    text = text_of(at)
    assert f"(B, T, U) = ({B}, {T}, {U})" in text and f"(B, U) = ({B}, {U})" in text
    assert torch.equal(last, output[:, -1])  # PyTorch's h_n[0] is its output's last row
    assert translate(lang, "recurrent.sequences.check", diff="0") in text
    figure = chart(at, MAP)["layout"]
    assert figure["title"]["text"] == translate(lang, "recurrent.sequences.map_title", line=1)
    (outline,) = [s for s in figure["shapes"] if s["yref"] == "y"]
    assert (outline["y0"], outline["y1"]) == (T - 1.5, T - 0.5)  # the last row
    word = md_escape(run.batch.tokens[0][-1])
    assert translate(lang, "recurrent.sequences.map_note", word=word) in captions(at)


def test_the_tutorials_shapes_are_on_the_page():
    at = run_app(PAGE, part="sequences", text="What time is it ?", d="100", units="64", punct="1")
    no_exception(at)
    text = text_of(at)
    assert "return_sequences=True → (B, T, U) = (1, 5, 64)" in text
    assert "return_sequences=False → (B, U) = (1, 64)" in text
    assert "h_n (1, 1, 64)" in text  # PyTorch's (1, B, U)
    labels = chart(at, MAP)["data"][0]["y"]
    assert labels[-1] == "4 · ?"  # the last step reads the last word
    flows = chart(at, "recurrent_sequences_flow_stacked")["data"][0]["text"]
    assert [t.split(": ")[1] for t in flows] == ["(1, 5, 100)", "(1, 5, 64)", "(1, 64)", "(1, 1)"]


def test_a_batch_picks_its_sentence_and_says_what_post_padding_would_do():
    text = "the cat sat on the mat\na short one"
    at = run_app(PAGE, part="sequences", text=text, line="2", cell="gru")
    no_exception(at)
    run = page_run(at)
    y = chart(at, MAP)["data"][0]["y"]
    assert y[:3] == ["0 · &lt;pad&gt;", "1 · &lt;pad&gt;", "2 · &lt;pad&gt;"]  # "pre" padding
    assert y[-1] == "5 · one"
    shapes = chart(at, MAP)["layout"]["shapes"]
    (chosen,) = [s for s in shapes if s["yref"] == "y2"]
    assert chosen["y0"] == 0.5  # the second sentence's last state
    output, last = torch_states(run)
    top, below = panels(at)
    np.testing.assert_allclose(top, output[1].numpy(), atol=1e-5)
    np.testing.assert_allclose(below, last.numpy(), atol=1e-5)
    # The same line padded "post": the words first, the padding vectors after them.
    x = run.x[1, [3, 4, 5, 0, 1, 2]][None]
    post, _ = torch_states(run, x)
    moved = float((post[0, -1] - post[0, 2]).abs().max())
    shown = re.search(r"max \|Δ\| = ([\d.e-]+)", captions(at))
    assert float(shown.group(1)) == pytest.approx(moved, abs=rounding(moved))
    assert translate("en", "recurrent.sequences.post", n=3, diff=shown.group(1), word="one") in (
        captions(at)
    )
    at.select_slider(key="w_line").set_value(1).run()
    no_exception(at)
    assert chart(at, MAP)["data"][0]["y"][0] == "0 · the"
    assert translate("en", "recurrent.sequences.post_none") in captions(at)
    (chosen,) = [s for s in chart(at, MAP)["layout"]["shapes"] if s["yref"] == "y2"]
    assert chosen["y0"] == -0.5


def test_a_line_beyond_the_batch_shows_the_last_sentence():
    at = run_app(PAGE, part="sequences", text="one two three\nfour five", line="9")
    no_exception(at)
    assert chart(at, MAP)["data"][0]["y"][-1] == "2 · five"


def test_a_text_without_words_says_what_to_type():
    at = run_app(PAGE, part="sequences", text="!!! ??? ...")
    no_exception(at)
    assert not at.get("plotly_chart")
    assert at.info[0].value == translate("en", "recurrent.no_words")


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold</b> <script>alert(1)</script> 🙂🙂 $x^2$ **star**",
        "한국어 문장 🙂\n[link](http://example.com) :red[x] <i>tag",
    ],
)
def test_markup_and_emoji_are_words_shown_literally(text):
    at = run_app(PAGE, part="sequences", text=text, punct="1")
    no_exception(at)
    run = page_run(at)
    last = run.batch.tokens[0][-1]
    assert md_escape(last) in captions(at)
    labels = chart(at, MAP)["data"][0]["y"]
    assert not any("<" in label for label in labels)  # escaped for plotly


def test_six_hundred_words_on_two_lines_are_sliced_with_a_caption():
    words = [f"w{i}" for i in range(600)]
    text = " ".join(words[:300]) + "\n" + " ".join(words[300:])
    at = run_app(PAGE, part="sequences", text=text, units="192")
    no_exception(at)
    top, below = panels(at)
    assert top.shape == (MAX_ROWS + 1, MAX_COLS)  # first and last 64 rows, a ⋮ row between
    assert below.shape == (2, MAX_COLS)
    y = chart(at, MAP)["data"][0]["y"]
    assert y[63] == "63 · w63" and y[64] == "⋮" and y[-1] == "299 · w299"
    caps = captions(at)
    assert translate("en", "recurrent.sequences.rows_sliced", T=300, a=63, b=236, last=299) in caps
    assert translate("en", "recurrent.sequences.cols_sliced", U=192, n=MAX_COLS) in caps
    labels = [b.label for b in at.get("download_button")]
    assert any("(2, 300, 192)" in label for label in labels)
    assert any("(2, 192)" in label for label in labels)
    run = page_run(at)
    np.testing.assert_array_equal(top[-1], run.out[0, -1, :MAX_COLS].numpy())


def test_the_code_panel_shows_both_programs_and_offers_the_large_files():
    at = run_app(PAGE, part="sequences", text="What time is it ?", d="100", units="64", punct="1")
    no_exception(at)
    programs = [c.value for c in at.code if "import" in c.value]
    assert not programs  # closed until asked
    at.toggle(key="recurrent_code_sequences").set_value(True).run()
    no_exception(at)
    torch_code, keras_code = (c.value for c in at.code if "import" in c.value)
    assert "nn.LSTM(D, U, batch_first=True)" in torch_code
    assert "keras.layers.LSTM(U, return_sequences=True)" in keras_code
    count = page_run(at).layer.keras_param_count()  # 100·256 + 64·256 + 256
    labels = [b.label for b in at.get("download_button")]
    assert any(f"recurrent_keras_weights ({count},)" in label for label in labels)
    assert number(0.0) == "0" and number(0.43912) == "0.439"
