"""The Recurrent layers page's "step through time" part, through AppTest: every cell in both
languages, each gate's equation written with the layer's own numbers (recomputed here in float64
from the weights), the scrubber and the unit picker, links beyond the sentence, padding steps,
hostile text, and Play stepping t on by itself to the end."""

import dataclasses
import math
import re

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception, run_app

import lessons.recurrent.step as step_module
from lessons.recurrent.common import recurrent_run
from lessons.recurrent.step import PLAY, STALE
from ui.i18n import translate
from ui.safe import md_escape
from ui.settings import Settings

PAGE = "views/recurrent.py"
TEXT = Settings().text  # 10 words
BATCH = "the cat sat on the mat because it was tired\na short one"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
BOXED = {"simplernn": 1, "lstm": 6, "gru": 4}  # gates, then the new state's lines
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?")
ACTS = {"sigmoid": lambda v: 1 / (1 + math.exp(-v)), "tanh": math.tanh}
GATES = {
    "simplernn": (("h", "tanh"),),
    "lstm": (("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid")),
    "gru": (("r", "sigmoid"), ("z", "sigmoid"), ("n", "tanh")),
}


def run_for(**changes):
    return recurrent_run(Settings(**changes))


def tex_float(text: str) -> float:
    found = re.fullmatch(r"(-?[\d.]+) \\times 10\^\{(-?\d+)\}", text.strip())
    return float(found[1]) * 10 ** int(found[2]) if found else float(text)


def formulas(at) -> list[str]:
    """The part's written-out equations (each has a boxed result), in page order."""
    return [e.value.strip("$\n") for e in at.latex if r"\boxed" in e.value]


def numbers(formula: str) -> list[float]:
    """Every number on the formula's second line (its values), in order."""
    values = formula.split(r"\\", 1)[1]
    return [tex_float(n) for n in NUMBER.findall(values)]


def close(shown: float, exact: float) -> bool:
    """Equal to three significant digits, as tex_number writes them."""
    return shown == pytest.approx(exact, rel=6e-3, abs=1e-9)


def by_hand(run, b, t, j):
    """Unit j's (1..U) gates at step t (1..T) from the weights in float64: per gate
    (W·x, U·h, biases, sum) and the states before; nothing read from the page's code."""
    layer, U = run.layer, run.layer.units
    w_ih, w_hh = layer.weight_ih.detach().double(), layer.weight_hh.detach().double()
    b_ih, b_hh = layer.bias_ih.detach().double(), layer.bias_hh.detach().double()
    x = run.x[b, t - 1].double()
    h_prev = run.trace.h[b, t - 2].double() if t > 1 else torch.zeros(U, dtype=torch.float64)
    rows = {}
    for k, (name, _) in enumerate(GATES[run.cell]):
        row = k * U + j - 1
        rows[name] = (float(w_ih[row] @ x), float(w_hh[row] @ h_prev), float(b_ih[row]),
                      float(b_hh[row]))  # fmt: skip
    return rows, h_prev


def check_equations(at, run, b, t, j):
    """The written numbers are the layer's; act(sum) is the trace's gate to 1e-5."""
    cell, trace = run.cell, run.trace
    rows, h_prev = by_hand(run, b, t, j)
    written = formulas(at)
    assert len(written) == BOXED[cell]
    value = {}
    for formula, (name, act) in zip(written, GATES[cell], strict=False):
        assert formula.startswith(rf"\begin{{aligned}}{name}_{{{t}}}[{j}]")
        wx, uh, bi, bh = rows[name]
        gate = float(getattr(trace, name)[b, t - 1, j - 1])
        shown = numbers(formula)
        if cell == "gru" and name == "n":
            r = float(trace.r[b, t - 1, j - 1])
            pre = wx + bi + r * (uh + bh)
            expected = [wx, bi, r, uh, bh, pre, gate]
        else:
            pre = wx + uh + bi + bh
            expected = [wx, uh, bi + bh, pre, gate]
        assert len(shown) == len(expected), formula
        assert all(close(s, e) for s, e in zip(shown, expected, strict=True)), (shown, expected)
        assert ACTS[act](pre) == pytest.approx(gate, abs=1e-5)
        value[name] = gate
    states = written[len(GATES[cell]) :]
    h = float(trace.h[b, t - 1, j - 1])
    if cell == "lstm":
        c_prev = float(trace.c[b, t - 2, j - 1]) if t > 1 else 0.0
        c = value["f"] * c_prev + value["i"] * value["g"]
        assert c == pytest.approx(float(trace.c[b, t - 1, j - 1]), abs=1e-5)
        expected = [value["f"], c_prev, value["i"], value["g"], c]
        assert all(close(s, e) for s, e in zip(numbers(states[0]), expected, strict=True))
        assert value["o"] * math.tanh(c) == pytest.approx(h, abs=1e-5)
        expected = [value["o"], c, value["o"], math.tanh(c), h]
        assert all(close(s, e) for s, e in zip(numbers(states[1]), expected, strict=True))
    elif cell == "gru":
        h_before = float(h_prev[j - 1])
        assert (1 - value["z"]) * value["n"] + value["z"] * h_before == pytest.approx(h, abs=1e-5)
        expected = [1, value["z"], value["n"], value["z"], h_before, h]
        assert all(close(s, e) for s, e in zip(numbers(states[0]), expected, strict=True))


def bars(at, key):
    """The y values of every bar panel of a chart (the chosen bar's own trace left out)."""
    return [decode(trace["y"]) for trace in chart(at, key)["data"] if len(decode(trace["y"])) > 1]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_every_cell_draws_its_step_in_both_languages(cell, lang):
    at = run_app(PAGE, part="step", cell=cell, lang=lang, t="4", unit="3")
    no_exception(at)
    keys = {e.key for e in at.get("plotly_chart")}
    assert {"recurrent_step_timeline", "recurrent_step_inputs", "recurrent_step_gates"} <= keys
    s = dataclasses.replace(Settings().with_lang(lang), rnn_cell=cell)
    run = recurrent_run(s)
    check_equations(at, run, 0, 4, 3)
    select = at.select_slider(key="w_rnn_t")
    tokens = run.batch.tokens[0]
    assert select.options == [f"{n} · {token}" for n, token in enumerate(tokens, start=1)]
    assert select.value == 4
    assert at.select_slider(key="w_unit").value == 3
    captions = [c.value for c in at.caption]
    assert translate(lang, "recurrent.step.naming") in captions
    if lang == "ko":
        assert HANGUL.search(" ".join(m.value for m in at.markdown))
    # The gate panels are the trace's step over all units; the inputs xₜ and hₜ₋₁.
    panels = bars(at, "recurrent_step_gates")
    names = [name for name, _ in GATES[cell] if cell != "simplernn"]
    names += ["c", "h"] if cell == "lstm" else ["h"]
    assert len(panels) == len(names)
    for shown, name in zip(panels, names, strict=True):
        np.testing.assert_array_equal(shown, getattr(run.trace, name)[0, 3].numpy())
    x, h_prev, *c_prev = bars(at, "recurrent_step_inputs")
    np.testing.assert_array_equal(x, run.x[0, 3].numpy())
    np.testing.assert_allclose(h_prev, run.trace.h[0, 2].numpy(), atol=1e-7)
    assert len(c_prev) == (cell == "lstm")


def test_the_scrubber_moves_the_step_and_only_the_step():
    at = run_app(PAGE, part="step", unit="2")
    run = run_for()
    before = {k: chart(at, k) for k in ("recurrent_step_timeline", "recurrent_step_gates")}
    for t in (2, 7, 10, 3):
        at.select_slider(key="w_rnn_t").set_value(t).run()
        no_exception(at)
        assert at.session_state["_settings"].rnn_t == t
        assert at.query_params["t"] == str(t)
        check_equations(at, run, 0, t, 2)
        now = {k: chart(at, k) for k in before}
        assert now["recurrent_step_gates"]["data"] != before["recurrent_step_gates"]["data"]
        timeline = now["recurrent_step_timeline"]
        # The map of h keeps its data (plotly.js keeps it); the frame moves to row t.
        assert timeline["data"] == before["recurrent_step_timeline"]["data"]
        frame = timeline["layout"]["shapes"][-1]
        assert (frame["y0"], frame["y1"]) == (t - 1.5, t - 0.5)
        before = now
    captions = [c.value for c in at.caption]
    assert translate("en", "recurrent.step.timeline_note", t=3, j=2) in captions


def test_the_unit_picker_writes_another_units_equations():
    at = run_app(PAGE, part="step", t="5", units="12")
    run = run_for(rnn_units=12)
    check_equations(at, run, 0, 5, 1)
    at.select_slider(key="w_unit").set_value(11).run()
    no_exception(at)
    assert at.session_state["_settings"].unit == 11
    check_equations(at, run, 0, 5, 11)
    chosen = [t for t in chart(at, "recurrent_step_gates")["data"] if len(decode(t["x"])) == 1]
    assert all(decode(t["x"]).tolist() == [11] for t in chosen)


def test_links_beyond_the_sentence_and_the_units_are_clamped():
    at = run_app(PAGE, part="step", t="99", unit="99", units="6")
    no_exception(at)
    assert at.select_slider(key="w_rnn_t").value == 10
    assert at.select_slider(key="w_unit").value == 6
    clamp = translate("en", "recurrent.step.clamped", asked=99, T=10)
    assert [c.value for c in at.caption].count(clamp) == 1
    check_equations(at, run_for(rnn_units=6), 0, 10, 6)
    at.select_slider(key="w_rnn_t").set_value(2).run()  # a step of this sentence: the note goes
    no_exception(at)
    assert clamp not in [c.value for c in at.caption]


def test_t_1_starts_from_zeros_and_says_so():
    at = run_app(PAGE, part="step", t="1")
    no_exception(at)
    assert translate("en", "recurrent.step.zeros_lstm") in [c.value for c in at.caption]
    _, h_prev, c_prev = bars(at, "recurrent_step_inputs")
    assert not h_prev.any() and not c_prev.any()
    check_equations(at, run_for(), 0, 1, 1)


def test_a_short_line_steps_through_its_padding_and_says_so():
    at = run_app(PAGE, part="step", text=BATCH, line="2", t="2", cell="gru")
    no_exception(at)
    run = run_for(text=BATCH, rnn_cell="gru")
    assert run.batch.tokens[1][:7] == ["<pad>"] * 7
    info = " ".join(i.value for i in at.info)
    assert translate("en", "recurrent.step.padding", t=2, pad=md_escape("<pad>")) in info
    assert at.select_slider(key="w_rnn_t").options[1] == "2 · <pad>"
    check_equations(at, run, 1, 2, 1)
    # The padding steps changed h: the layer does not skip them.
    assert run.trace.h[1, 6].abs().sum() > 0
    at.select_slider(key="w_rnn_t").set_value(9).run()  # "short"
    no_exception(at)
    assert not at.info
    check_equations(at, run, 1, 9, 1)


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n", "🙂 😀 cat 🙂", "<b>bold</b> **x** $y$ `z` <script>", "one"],
    ids=["empty", "blank", "emoji", "markup", "one-word"],
)
def test_hostile_text_never_breaks_the_part(text):
    at = run_app(PAGE, part="step", text=text, t="3", punct="1")
    no_exception(at)
    if not text.strip():
        assert translate("en", "recurrent.no_words") in [i.value for i in at.info]
        assert not at.get("plotly_chart")
        return
    run = run_for(text=text, punct=True)
    T = run.x.shape[1]
    check_equations(at, run, 0, min(3, T), 1)
    if "<b>" in text:  # the token is escaped where markdown would read it
        reads = next(m.value for m in at.markdown if "**" in m.value and "·" in m.value)
        assert "<b>" not in reads.replace(r"\<b\>", "")


def test_600_words_on_two_lines_show_a_window_and_stay_correct():
    words = [f"w{i}" for i in range(600)]
    text = " ".join(words[:300]) + "\n" + " ".join(words[300:])
    at = run_app(PAGE, part="step", text=text, t="250", units="192", unit="190")
    no_exception(at)
    run = run_for(text=text, rnn_units=192)
    assert run.x.shape[1] == 300
    timeline = chart(at, "recurrent_step_timeline")["data"][0]
    assert decode(timeline["z"]).shape == (128, 128)
    assert timeline["y"][0] == "173 · w172"  # the last 128 steps hold step 250 (1-based rows)
    captions = [c.value for c in at.caption]
    assert translate("en", "recurrent.step.sliced_steps", T=300, first=173, last=300, t=250) \
        in captions  # fmt: skip
    assert translate("en", "recurrent.step.sliced_units", U=192, first=65, last=192, j=190) \
        in captions  # fmt: skip
    check_equations(at, run, 0, 250, 190)


def test_play_steps_on_to_the_end_then_stops_and_starts_again_from_1(monkeypatch):
    monkeypatch.setattr(step_module, "STEP_AFTER", 0.0)  # every rerun is a tick here
    text = "a b c d e f"
    at = run_app(PAGE, part="step", text=text, t="2")
    at.button(key="recurrent_step_play").click().run()  # the panel swaps: its first tick
    no_exception(at)
    assert at.session_state[PLAY]["on"]
    steps = [at.session_state["_settings"].rnn_t]
    at.run()
    assert at.button(key="recurrent_step_pause")
    for _ in range(4):
        steps.append(at.session_state["_settings"].rnn_t)
        at.run()
        no_exception(at)
    assert steps == [3, 4, 5, 6, 6]  # one step a tick, and the last one stays
    assert not at.session_state[PLAY]["on"]
    assert at.button(key="recurrent_step_play")  # Play is back, the timer gone
    assert at.query_params["t"] == "6"
    check_equations(at, run_for(text=text), 0, 6, 1)
    at.button(key="recurrent_step_play").click().run()  # from the last step: again from 1,
    assert at.session_state["_settings"].rnn_t == 2  # and this rerun is its first tick
    at.run()
    at.button(key="recurrent_step_pause").click().run()
    at.run()
    no_exception(at)
    assert at.session_state["_settings"].rnn_t == 3
    at.run()
    assert at.session_state["_settings"].rnn_t == 3  # paused: no tick moves it
    assert at.button(key="recurrent_step_play")
    check_equations(at, run_for(text=text), 0, 3, 1)


def test_playing_survives_new_text_and_ends_when_the_panel_was_away(monkeypatch):
    monkeypatch.setattr(step_module, "STEP_AFTER", 0.0)
    at = run_app(PAGE, part="step", t="8")
    at.button(key="recurrent_step_play").click().run()
    at.run()
    # The teacher types a shorter sentence while it plays: t is clamped, nothing breaks.
    settings = at.session_state["_settings"]
    at.session_state["_settings"] = dataclasses.replace(settings, text="a b c")
    at.run()
    no_exception(at)
    assert at.select_slider(key="w_rnn_t").value == 3
    assert not at.session_state[PLAY]["on"]  # the last step of the new text: done
    # Away for longer than STALE (another part): coming back, it is not playing.
    at.session_state["_settings"] = dataclasses.replace(settings, text=TEXT, rnn_t=2)
    at.session_state[PLAY] = {"on": True, "tick": 0.0, "t": 2}
    assert STALE < 60
    at.run()
    no_exception(at)
    assert not at.session_state[PLAY]["on"]
    assert at.button(key="recurrent_step_play")


def test_the_code_panel_and_the_downloads():
    at = run_app(PAGE, part="step", t="3", unit="2")
    at.toggle(key="recurrent_code_step").set_value(True).run()
    no_exception(at)
    torch_code, keras_code = (c.value for c in at.code)
    assert "nn.LSTM(D, U, batch_first=True)" in torch_code
    assert "b, t, j = 0, 3, 1" in torch_code
    assert "keras.layers.LSTM(U, return_sequences=True)" in keras_code
    labels = [b.label for b in at.get("download_button")]
    assert any("x (10, 8)" in label for label in labels)
    assert any("lstm_i_f_g_o_c_h (6, 10, 8)" in label for label in labels)
    # The tutorial's sizes: the Keras program loads its kernels from downloads offered here.
    at = run_app(PAGE, part="step", d="100", units="64", text="What time is it ?", punct="1")
    at.toggle(key="recurrent_code_step").set_value(True).run()
    no_exception(at)
    labels = [b.label for b in at.get("download_button")]
    assert any(label.startswith("kernel (100, 256)") for label in labels)
    assert any(label.startswith("recurrent_kernel (64, 256)") for label in labels)
    assert translate("en", "recurrent.step.program_files") in [c.value for c in at.caption]
