"""The Recurrent page's "bidirectional" part, through AppTest: every cell in both languages, the
(T, 2U) concatenation and the (B, 2U) last state recomputed by torch.nn's own bidirectional layer
(float64, the page's weights in both directions), the cells the last state is made of outlined,
the comparisons the page writes, each direction's steps, the line picker and hostile text."""

import math
import re

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception, run_app
from torch import nn

from layers import GRU, LSTM, Bidirectional, SimpleRNN
from lessons.recurrent.bidirectional import MAX_CELLS
from lessons.recurrent.common import bidirectional_run, recurrent_run
from lessons.recurrent.sequences import MAX_ROWS
from ui.i18n import translate
from ui.safe import md_escape

PAGE = "views/recurrent.py"
MAP = "recurrent_bidirectional_map"
DIRECTIONS = "recurrent_bidirectional_directions"
TWINS = {SimpleRNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU}


def twin(bi: Bidirectional) -> nn.RNNBase:
    """The page's Bidirectional layer as one torch.nn layer with bidirectional=True, float64."""
    forward, backward = bi.forward_layer, bi.backward_layer
    module = TWINS[type(forward)](
        forward.input_size, forward.units, batch_first=True, bidirectional=True
    ).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(module, f"{name}_l0").copy_(getattr(forward, name))
            getattr(module, f"{name}_l0_reverse").copy_(getattr(backward, name))
    return module


def torch_outputs(at):
    """(output (B, T, 2U), h_n (2, B, U)) of the twin on the page's token vectors."""
    s = at.session_state["_settings"]
    run, bi = recurrent_run(s), bidirectional_run(s)
    with torch.no_grad():
        output, state = twin(bi.layer)(run.x.double())
    h_n = state[0] if isinstance(state, tuple) else state
    return run, bi, output, h_n


def z(at, key, trace=0) -> np.ndarray:
    return decode(chart(at, key)["data"][trace]["z"])


def rects(at, yref="y", dash=None):
    return [
        (s["y0"], s["x0"], s["x1"])
        for s in chart(at, MAP)["layout"]["shapes"]
        if s["type"] == "rect" and s["yref"] == yref and (dash is None or s["line"]["dash"] == dash)
    ]


def rounding(value: float) -> float:
    """How far a number written with three significant digits may be from the true one."""
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 2) + 1e-6


def text_of(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_every_cell_draws_torchs_concatenation_in_both_languages(cell, lang):
    at = run_app(PAGE, part="bidirectional", cell=cell, lang=lang)
    no_exception(at)
    assert not at.warning
    assert {MAP, DIRECTIONS} <= {e.key for e in at.get("plotly_chart")}
    run, bi, output, h_n = torch_outputs(at)
    forward, single = bi.layer.forward_layer.state_dict(), run.layer.state_dict()
    assert all(torch.equal(forward[k], single[k]) for k in single)  # the other parts' layer
    B, T, U2 = output.shape
    U = U2 // 2
    np.testing.assert_allclose(z(at, MAP), output[0].numpy(), atol=1e-5)
    last = torch.cat([h_n[0], h_n[1]], dim=-1)  # (B, 2U): Keras' return_sequences=False
    np.testing.assert_allclose(z(at, MAP, 1), last.numpy(), atol=1e-5)
    # h_n[1] is the backward layer after reading back to the first token: row 0, not row T-1.
    torch.testing.assert_close(h_n[1], output[:, 0, U:], rtol=0, atol=0)
    torch.testing.assert_close(h_n[0], output[:, -1, :U], rtol=0, atol=0)
    text = text_of(at)
    assert f"(B, T, 2U) = ({B}, {T}, {U2})" in text and f"(B, 2U) = ({B}, {U2})" in text
    shown = re.search(r"\*\*max \|[^|]+\| = ([\d.e-]+)\*\*", text)
    row = float((last[0] - output[0, -1]).abs().max())
    assert float(shown.group(1)) == pytest.approx(row, abs=rounding(row))
    assert row > 0  # the last row's backward half is not the backward state
    tokens = run.batch.tokens[0]
    last_is = translate(
        lang,
        "recurrent.bidirectional.last_is",
        last=md_escape(tokens[-1]),
        first=md_escape(tokens[0]),
        row=T - 1,
    )
    assert last_is in text
    title = chart(at, DIRECTIONS)["layout"]["title"]["text"]
    assert title == translate(lang, "recurrent.bidirectional.directions_title", line=1)


def test_the_cells_the_last_state_is_made_of_are_outlined():
    at = run_app(PAGE, part="bidirectional", units="4")
    no_exception(at)
    run, bi, output, h_n = torch_outputs(at)
    T = output.shape[1]
    # forward half of the last row, backward half of row 0; dashed: the last row's backward half
    assert sorted(rects(at, dash="solid")) == [(-0.5, 3.5, 7.5), (T - 1.5, -0.5, 3.5)]
    assert rects(at, dash="dash") == [(T - 1.5, 3.5, 7.5)]
    assert rects(at, "y2") == [(-0.5, -0.5, 7.5)]
    # The outlined cells are, number for number, the last state drawn below.
    top, below = z(at, MAP), z(at, MAP, 1)
    np.testing.assert_array_equal(below[0], np.concatenate([top[-1, :4], top[0, 4:]]))
    assert not np.allclose(below[0], top[-1])


def test_the_directions_are_numbered_in_their_own_reading_order():
    at = run_app(PAGE, part="bidirectional", cell="gru")
    no_exception(at)
    run, bi, output, h_n = torch_outputs(at)
    T, U = output.shape[1], output.shape[2] // 2
    trace = chart(at, DIRECTIONS)["data"][0]
    assert trace["text"][0] == [str(t) for t in range(1, T + 1)]  # forward: 1 … T, left to right
    assert trace["text"][1] == [str(t) for t in range(T, 0, -1)]  # backward: 1 at the right
    rms = output[0].pow(2).reshape(T, 2, U).mean(-1).sqrt().T  # (2, T): each half's RMS
    np.testing.assert_allclose(decode(trace["z"]), rms.numpy(), atol=1e-5)
    ends = [s for s in chart(at, DIRECTIONS)["layout"]["shapes"] if s["type"] == "rect"]
    assert sorted((s["y0"], s["x0"]) for s in ends) == [(-0.5, T - 1.5), (0.5, -0.5)]


def test_a_padded_line_says_its_backward_layer_ends_on_padding_and_the_picker_moves():
    text = "the cat sat on the mat\na short one"
    at = run_app(PAGE, part="bidirectional", text=text, line="2")
    no_exception(at)
    run, bi, output, h_n = torch_outputs(at)
    np.testing.assert_allclose(z(at, MAP), output[1].numpy(), atol=1e-5)
    assert translate("en", "recurrent.bidirectional.padded") in captions(at)
    assert rects(at, "y2") == [(0.5, -0.5, 15.5)]
    assert chart(at, DIRECTIONS)["data"][0]["x"][0] == "0 · &lt;pad&gt;"
    at.select_slider(key="w_line").set_value(1).run()
    no_exception(at)
    np.testing.assert_allclose(z(at, MAP), output[0].numpy(), atol=1e-5)
    assert translate("en", "recurrent.bidirectional.padded") not in captions(at)
    assert rects(at, "y2") == [(-0.5, -0.5, 15.5)]


def test_the_tutorials_bidirectional_shapes():
    at = run_app(
        PAGE, part="bidirectional", text="What time is it ?", d="100", units="64", punct="1"
    )
    no_exception(at)
    text = text_of(at)
    assert "(B, T, U) = (1, 5, 64)" in text
    assert "(B, T, 2U) = (1, 5, 128)" in text and "(B, 2U) = (1, 128)" in text
    assert "(2, 1, 64) = (2, B, U)" in text
    assert z(at, MAP).shape == (5, 128)


def test_six_hundred_words_on_two_lines_and_many_units_are_sliced():
    words = [f"w{i}" for i in range(600)]
    text = " ".join(words[:300]) + "\n" + " ".join(words[300:])
    at = run_app(PAGE, part="bidirectional", text=text, units="96")
    no_exception(at)
    top = z(at, MAP)
    assert top.shape == (MAX_ROWS + 1, 128)  # 64 units of each direction
    x = chart(at, MAP)["data"][0]["x"]
    assert decode(x).tolist() == [*range(64), *range(96, 160)]
    caps = captions(at)
    assert translate("en", "recurrent.bidirectional.cols_sliced", C=192, a=63) in caps
    assert (
        translate("en", "recurrent.bidirectional.directions_sliced", T=300, n=MAX_CELLS // 2)
        in caps
    )
    directions = chart(at, DIRECTIONS)["data"][0]
    assert len(directions["x"]) == MAX_CELLS + 1 and "⋮" in directions["x"]
    labels = [b.label for b in at.get("download_button")]
    assert any("(2, 300, 192)" in label for label in labels)


@pytest.mark.parametrize("text", ["", "<script>x</script> 🙂 **b** $y$\n:blue[z] [a](b)"])
def test_hostile_text_never_breaks_the_part(text):
    at = run_app(PAGE, part="bidirectional", text=text or "?!", punct="1" if text else "0")
    no_exception(at)
    if not text:
        assert at.info and not at.get("plotly_chart")
        return
    labels = chart(at, DIRECTIONS)["data"][0]["x"]
    assert not any("<" in label for label in labels)


def test_the_code_panel_shows_both_programs():
    at = run_app(PAGE, part="bidirectional", cell="gru")
    at.toggle(key="recurrent_code_bidirectional").set_value(True).run()
    no_exception(at)
    torch_code, keras_code = (c.value for c in at.code)
    assert "nn.GRU(D, U, batch_first=True, bidirectional=True)" in torch_code
    assert "weight_ih_l0" in torch_code and "_reverse" in torch_code
    assert "Bidirectional(keras.layers.GRU(U, return_sequences=True))" in keras_code
