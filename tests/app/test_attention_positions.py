"""The Attention page's positions part, driven through AppTest: the table on screen is the
paper's, positions off make a shuffle only shuffle the outputs (the page says 0), positions on
or the causal mask change them (the page says why), and odd sentences do not break it."""

import math
import re

import numpy as np
import pytest
from app_support import chart, decode, no_exception
from program_support import run

from layers import sinusoidal_table
from ui.i18n import translate

PAGE = "views/attention.py"
SENTENCE = "the cat sat on the mat"


def part(app, **query):
    query.setdefault("text", SENTENCE)
    return app(PAGE, part="positions", **query)


def metric(at) -> float:
    """The page's 'max |difference| after matching words'."""
    values = [float(m.value) for m in at.metric]
    assert len(values) == 1, values
    return values[0]


def said(at, key: str, lang: str = "en") -> bool:
    """Whether a notice on the page (info, success, caption) says this key's sentence."""
    text = translate(lang, key).split("**")[-1].split("{")[0][:40]
    shown = [e.value for e in (*at.info, *at.success, *at.caption, *at.markdown)]
    return any(text in value for value in shown)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_part_draws_in_both_languages(app, lang):
    at = part(app, lang=lang, shuffle="true")
    no_exception(at)
    assert at.title[0].value == translate(lang, "attention.title")
    assert at.segmented_control(key="w_att_part").value == "positions"
    keys = {e.key for e in at.get("plotly_chart")}
    assert keys >= {
        "positions_table",
        "positions_waves",
        "positions_sum",
        "positions_shuffle",
        "positions_per_word",
    }
    assert at.toggle(key="w_pe").value is True
    assert at.toggle(key="w_shuffle").value is True
    assert said(at, "attention.positions.changed", lang)
    assert not at.error and not at.warning


def test_the_table_on_screen_is_the_papers_formula(app):
    at = part(app, d="24", heads="4")
    no_exception(at)
    z = decode(chart(at, "positions_table")["data"][0]["z"]).reshape(6, 24)
    for pos in range(6):
        for f in range(24):
            two_i = f - f % 2
            angle = pos / 10000 ** (two_i / 24)
            expected = math.sin(angle) if f % 2 == 0 else math.cos(angle)
            assert z[pos, f] == pytest.approx(expected, abs=1e-6)
    # the waves' dots are the table's values at the sentence's positions
    dots = [
        trace
        for trace in chart(at, "positions_waves")["data"]
        if trace.get("mode") == "markers" and "text" in trace
    ]
    table = sinusoidal_table(6, 24).numpy()
    features = [0, 1, 12, 22]
    assert len(dots) == len(features)
    for trace, f in zip(dots, features, strict=True):
        np.testing.assert_allclose(decode(trace["y"]), table[:, f], atol=1e-7)
    # the formula written out with the last position's own numbers
    latex = "\n".join(e.value for e in at.latex)
    assert rf"= {table[5, 0]:.4f}".replace("-", "−") in latex
    assert "10000^{22/24}" in latex


def test_the_sum_shows_e_pe_and_their_sum_and_without_pe_x_is_e(app):
    at = part(app)
    panels = chart(at, "positions_sum")["data"]
    e, pe, x = (decode(p["z"]).reshape(6, 16) for p in panels)
    np.testing.assert_allclose(pe, sinusoidal_table(6, 16).numpy(), atol=1e-7)
    np.testing.assert_allclose(x, e + pe, atol=1e-6)
    at.toggle(key="w_pe").set_value(False).run()
    no_exception(at)
    e_off, _, x_off = (decode(p["z"]).reshape(6, 16) for p in chart(at, "positions_sum")["data"])
    np.testing.assert_array_equal(x_off, e_off)
    np.testing.assert_array_equal(e_off, e)  # the token vectors did not move
    assert said(at, "attention.positions.pe_off")


def test_without_positions_shuffling_only_shuffles_the_outputs(app):
    at = part(app, pe="false", shuffle="true")
    no_exception(at)
    assert metric(at) == 0.0
    assert at.metric[0].value == "0.0000000"
    assert said(at, "attention.positions.same")
    # the shuffled sentence's rows are the original's rows, moved: matched through "← was"
    left, right = chart(at, "positions_shuffle")["data"]
    original = decode(left["z"]).reshape(6, 16)
    shuffled = decode(right["z"]).reshape(6, 16)
    order = [int(re.search(r"← (\d+)$", label).group(1)) for label in right["y"]]
    assert sorted(order) == list(range(6)) and order != list(range(6))
    np.testing.assert_allclose(shuffled, original[order], atol=1e-6)
    # each word's label on the right is that word
    words = SENTENCE.split()
    assert [label.split(" · ")[1].split(" ←")[0] for label in right["y"]] == [
        words[i] for i in order
    ]
    bars = decode(chart(at, "positions_per_word")["data"][0]["y"])
    assert (bars == 0).all()


def test_with_positions_the_same_words_give_other_outputs(app):
    at = part(app, pe="false", shuffle="true")
    at.toggle(key="w_pe").set_value(True).run()
    no_exception(at)
    assert metric(at) > 1e-3
    assert said(at, "attention.positions.changed")
    bars = decode(chart(at, "positions_per_word")["data"][0]["y"])
    assert (bars > 0).all()
    assert metric(at) == pytest.approx(float(bars.max()), abs=1e-6)


def test_the_causal_mask_changes_the_outputs_without_positions_and_the_page_says_why(app):
    at = part(app, pe="false", shuffle="true", causal="true")
    no_exception(at)
    assert metric(at) > 1e-3
    assert said(at, "attention.positions.causal")
    assert not said(at, "attention.positions.same")
    at.toggle(key="w_causal").set_value(False).run()
    assert metric(at) == 0.0


def test_the_shuffle_is_off_until_asked_and_follows_the_seed(app):
    at = part(app)
    assert not at.metric
    assert said(at, "attention.positions.shuffle_off")
    at.toggle(key="w_shuffle").set_value(True).run()
    first = chart(at, "positions_shuffle")["data"][1]["y"]
    at = part(app, shuffle="true", seed="5")
    assert chart(at, "positions_shuffle")["data"][1]["y"] != first


def test_the_code_panel_prints_the_pages_own_difference(app):
    at = part(app, pe="false", shuffle="true", causal="true")
    page_value = metric(at)
    at.toggle(key="attention_code").set_value(True).run()
    no_exception(at)
    namespace, printed = run(at.code[0].value)
    assert namespace["differences"][False] == pytest.approx(page_value, abs=2e-7)
    assert f"PE off: max |difference| after matching words: {page_value:.7f}" in printed


def test_one_word_has_nothing_to_shuffle(app):
    at = part(app, text="cat", shuffle="true")
    no_exception(at)
    assert said(at, "attention.positions.one_word")
    assert not at.metric
    assert chart(at, "positions_table")


def test_512_tokens_show_a_readable_slice(app):
    text = " ".join(f"w{i % 50}" for i in range(512))
    at = part(app, text=text, shuffle="true", pe="false")
    no_exception(at)
    z = chart(at, "positions_table")["data"][0]
    assert len(z["y"]) == 128
    assert any("128" in c.value and "512" in c.value for c in at.caption)
    waves = chart(at, "positions_waves")["data"]
    assert max(decode(waves[0]["x"])) == pytest.approx(127)  # past 128 a fast wave is a blur
    dots = [trace for trace in waves if trace.get("mode") == "markers" and "text" in trace]
    assert all(len(trace["text"]) == 128 for trace in dots)
    assert said(at, "attention.positions.waves_sliced")
    sentences = " ".join(m.value for m in at.markdown)
    assert sentences.count("… (464 more words)") == 2  # the original and the shuffled line
    assert len(chart(at, "positions_shuffle")["data"][0]["y"]) == 128
    assert metric(at) == 0.0


def test_several_lines_pick_one_and_say_where_its_words_stand(app):
    text = "the cat sat on the mat\na dog ran"
    at = part(app, text=text, line="2", shuffle="true", pe="false")
    no_exception(at)
    assert at.select_slider(key="w_line").value == 2
    assert said(at, "attention.positions.alone")
    captions = " ".join(c.value for c in at.caption)
    assert "position 3" in captions  # three pads in front of "a dog ran"
    left = chart(at, "positions_shuffle")["data"][0]["y"]
    assert [label.split(" · ")[1] for label in left] == ["a", "dog", "ran"]
    assert metric(at) == 0.0
    at = part(app, text=text, line="9", shuffle="true")  # beyond the batch: the last line
    no_exception(at)
    assert len(chart(at, "positions_shuffle")["data"][0]["y"]) == 3


def test_the_keras_programs_files_are_offered_only_when_it_needs_them(app):
    at = part(app, d="48", heads="8")
    keys = {button.key for button in at.get("download_button")}
    assert "positions_dl_weights_npy" not in keys  # nothing made while the panel is closed
    at.toggle(key="attention_code").set_value(True).run()
    no_exception(at)
    keys = {button.key for button in at.get("download_button")}
    assert {"positions_dl_weights_npy", "positions_dl_vectors_npy"} <= keys  # 4·48² > literals
    assert "np.load('attention_weights.npy')" in at.code[1].value
    small = part(app)
    small.toggle(key="attention_code").set_value(True).run()
    assert "positions_dl_weights_npy" not in {b.key for b in small.get("download_button")}


def test_a_lesson_link_can_hide_the_switches_and_still_set_them(app):
    at = part(app, hide="pe,shuffle", pe="false", shuffle="true")
    no_exception(at)
    assert {t.key for t in at.toggle} & {"w_pe", "w_shuffle"} == set()
    assert metric(at) == 0.0  # the hidden switches' values still drive the part


def test_a_short_line_of_a_long_batch_shows_its_words_not_its_padding(app):
    text = " ".join(f"w{i}" for i in range(200)) + "\nthe cat sat"
    at = part(app, text=text, line="2")
    no_exception(at)
    y = chart(at, "positions_sum")["data"][0]["y"]
    assert len(y) == 128 and y[0].startswith("72 · ")  # 200 − 128: the window ends on its words
    assert list(y[-3:]) == ["197 · the", "198 · cat", "199 · sat"]
