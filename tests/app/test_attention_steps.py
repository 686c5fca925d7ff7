"""Attention step by step (views/attention.py, part=steps), driven through AppTest: both
languages, the ÷ √Dh switch, the causal and padding masks, the head picker, the √Dh lesson at a
wide head, and link values out of range."""

import numpy as np
import pytest
from app_support import chart, decode, no_exception, run_app

from lessons.attention.common import attention_run
from lessons.attention.steps import SHOWN, lesson_numbers
from ui.i18n import translate
from ui.settings import CHOICES, Settings

PAGE = "views/attention.py"
STEPS = [
    "att_steps_flow",
    "att_steps_x",
    "att_steps_qkv",
    "att_steps_raw",
    "att_steps_scaled",
    "att_steps_entropy",
    "att_steps_masked",
    "att_steps_weights",
    "att_steps_head_out",
    "att_steps_concat",
    "att_steps_out",
]
LINES = "the cat sat on the mat\na dog barked\nhello"


def steps(**query):
    """The part with every step down the page (its default shows one step at a time)."""
    return run_app(PAGE, part="steps", **{"step": "all", **query})


def z(at, key: str, trace: int = 0) -> np.ndarray:
    return decode(chart(at, key)["data"][trace]["z"]).astype(np.float64)


def keys(at) -> list[str]:
    return [e.key for e in at.get("plotly_chart")]


def page_run(**settings):
    return attention_run(Settings(**settings))


@pytest.mark.parametrize("step", CHOICES["att_step"][:-1])
def test_one_step_at_a_time_by_default_and_each_draws_its_own_figures(step):
    at = run_app(PAGE, part="steps")
    no_exception(at)
    assert at.segmented_control(key="w_att_step").value == "x"
    assert keys(at) == ["att_steps_flow", "att_steps_x"]
    at.segmented_control(key="w_att_step").set_value(step).run()
    no_exception(at)
    own = {
        "x": ["att_steps_x"],
        "qkv": ["att_steps_qkv"],
        "scores": ["att_steps_raw", "att_steps_scaled", "att_steps_entropy"],
        "mask": ["att_steps_masked"],
        "softmax": ["att_steps_weights"],
        "values": ["att_steps_head_out"],
        "concat": ["att_steps_concat"],
        "output": ["att_steps_out"],
    }[step]
    assert keys(at) == ["att_steps_flow", *own]
    assert at.query_params.get("step") == (None if step == "x" else step)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_step_draws_in_both_languages(lang):
    at = steps(lang=lang)
    no_exception(at)
    assert keys(at) == STEPS  # in the order of the steps
    assert at.title[0].value == translate(lang, "attention.title")
    shown = "\n".join(m.value for m in at.markdown)
    for key in ("x_title", "mask_title", "softmax_title", "concat_title", "params_title"):
        assert translate(lang, f"attention.steps.{key}") in shown
    assert at.toggle(key="w_scaled").value is True
    assert at.segmented_control(key="w_head").options == ["1", "2", "3", "4"]


def test_the_figures_hold_the_layers_own_tensors():
    at = steps(heads="2", head="2")
    no_exception(at)
    result = page_run(att_heads=2)
    trace = result.scaled
    np.testing.assert_allclose(z(at, "att_steps_x"), result.x[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(z(at, "att_steps_weights"), trace.weights[0, 1].numpy(), atol=1e-7)
    np.testing.assert_allclose(z(at, "att_steps_raw"), result.unscaled.scores[0, 1], rtol=1e-5)
    np.testing.assert_allclose(z(at, "att_steps_scaled"), trace.scores[0, 1].numpy(), rtol=1e-5)
    for k, name in enumerate("qkv"):
        np.testing.assert_allclose(
            z(at, "att_steps_qkv", k), getattr(trace, name)[0, 1].numpy(), rtol=1e-6
        )
    head_out = (trace.weights[0, 1] @ trace.v[0, 1]).numpy()
    np.testing.assert_allclose(z(at, "att_steps_head_out"), head_out, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(z(at, "att_steps_concat"), trace.context[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(z(at, "att_steps_out"), result.out[0].numpy(), rtol=1e-6)
    # the raw and the scaled scores share one colour scale: the division shows as fading
    raw, scaled = chart(at, "att_steps_raw")["data"][0], chart(at, "att_steps_scaled")["data"][0]
    assert (raw["zmin"], raw["zmax"]) == (scaled["zmin"], scaled["zmax"])
    # the chosen head (2 of 2, 8 features each) is outlined in the concatenation
    (box,) = [s for s in chart(at, "att_steps_concat")["layout"]["shapes"] if s["type"] == "rect"]
    assert (box["x0"], box["x1"]) == (7.5, 15.5)


def test_the_scaled_switch_changes_what_goes_into_the_softmax():
    at = steps()
    scores, weights = z(at, "att_steps_masked"), z(at, "att_steps_weights")
    raw = z(at, "att_steps_raw")
    at.toggle(key="w_scaled").set_value(False).run()
    no_exception(at)
    assert "att_steps_scaled" not in keys(at)
    assert any(translate("en", "attention.steps.scaled_off") in i.value for i in at.info)
    unscaled = z(at, "att_steps_masked")
    np.testing.assert_allclose(unscaled, scores * 2, rtol=1e-5)  # √Dh = √4 = 2
    np.testing.assert_allclose(unscaled, raw, rtol=1e-6)
    assert not np.allclose(z(at, "att_steps_weights"), weights)
    assert at.session_state["_settings"].scaled is False


def test_causal_zeroes_the_weights_above_the_diagonal():
    at = steps()
    before = z(at, "att_steps_weights")
    assert (np.triu(before, 1) > 0).any()
    assert len(chart(at, "att_steps_masked")["data"]) == 1  # nothing hidden
    at.toggle(key="w_causal").set_value(True).run()
    no_exception(at)
    weights = z(at, "att_steps_weights")
    assert (np.triu(weights, 1) == 0).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    hidden = z(at, "att_steps_masked", 1)  # the grey cells
    T = len(weights)
    assert np.array_equal(hidden == 1, np.triu(np.ones((T, T), bool), 1))
    assert any(translate("en", "attention.steps.mask_causal") in m.value for m in at.markdown)


def test_several_lines_make_a_batch_with_a_padding_mask():
    at = steps(text=LINES, line="2")
    no_exception(at)
    result = page_run(text=LINES)
    padding = result.batch.padding_mask[1].numpy()  # "a dog barked": 3 pads in front of 3 words
    assert padding.tolist() == [True] * 3 + [False] * 3
    hidden = z(at, "att_steps_masked", 1) == 1
    assert (hidden == padding[None, :]).all()  # every query, the padding keys
    assert (z(at, "att_steps_weights")[:, padding] == 0).all()
    assert at.select_slider(key="w_line").value == 2
    shown = "\n".join(m.value for m in at.markdown)
    assert translate("en", "attention.steps.mask_padding", n=3) in shown
    badge = "x (B, T, D) = (3, 6, 16)"
    assert badge in shown
    # the entropy of the sentence's own three words, at their positions
    bars = chart(at, "att_steps_entropy")["data"][0]
    assert bars["x"] == ["3 · a", "4 · dog", "5 · barked"]
    # the weights on the fixed 0 … 1 scale
    weights = chart(at, "att_steps_weights")["data"][0]
    assert (weights["zmin"], weights["zmax"]) == (0.0, 1.0)
    # the longest line has no padding, and the page says where to look
    at.select_slider(key="w_line").set_value(1).run()
    no_exception(at)
    assert len(chart(at, "att_steps_masked")["data"]) == 1
    assert translate("en", "attention.steps.mask_longest") in "\n".join(
        m.value for m in at.markdown
    )


def test_a_wide_single_head_shows_the_softmax_saturating_without_the_scaling():
    at = steps(d="512", heads="1")
    no_exception(at)
    numbers = lesson_numbers(page_run(att_d=512, att_heads=1), 0, 0)
    assert numbers.mean_entropy[False] < 0.5 * numbers.mean_entropy[True]
    saturated = translate(
        "en", "attention.steps.saturated", Dh=512, raw_top=f"{numbers.top[False]:.0%}"
    )
    assert any(saturated in w.value for w in at.warning)
    bars = chart(at, "att_steps_entropy")["data"]
    with_root, without = decode(bars[0]["y"]), decode(bars[1]["y"])
    np.testing.assert_allclose(with_root, numbers.entropy[True], rtol=1e-6)
    assert without.mean() < 0.5 * with_root.mean()
    live = "\n".join(m.value for m in at.markdown)
    assert f"**{numbers.mean_entropy[False]:.3g}**" in live  # the live numbers, not fixed ones
    assert f"**{numbers.std[False]:.3g}**" in live
    assert (
        "(B = 1, T = S = 10, D = 512, H = 1, Dh = 512)"
        in chart(at, "att_steps_flow")["layout"]["title"]["text"]
    )
    assert not at.get("segmented_control") or "w_head" not in [
        e.key for e in at.get("segmented_control")
    ]  # one head: nothing to pick
    # the default model is far from saturation: no warning
    assert not steps().warning


def test_the_head_picker_moves_only_the_per_head_figures():
    at = steps()
    before = {key: chart(at, key) for key in STEPS}
    at.segmented_control(key="w_head").set_value(3).run()
    no_exception(at)
    after = {key: chart(at, key) for key in STEPS}
    per_head = {"att_steps_qkv", "att_steps_raw", "att_steps_scaled", "att_steps_entropy"}
    per_head |= {"att_steps_masked", "att_steps_weights", "att_steps_head_out"}
    for key in STEPS:
        assert (after[key] != before[key]) is (key in per_head or key == "att_steps_concat"), key
    assert after["att_steps_x"] == before["att_steps_x"]
    assert at.session_state["_settings"].head == 3


@pytest.mark.parametrize(
    "query",
    [
        {"head": "99", "line": "99"},
        {"head": "4", "heads": "2"},  # a head beyond H: the last head
        {"line": "5", "text": LINES},  # a line beyond B: the last line
        {"head": "0", "line": "-1", "scaled": "maybe"},
    ],
)
def test_bad_link_values_do_not_break_the_steps(query):
    at = steps(**query)
    no_exception(at)
    assert keys(at)[:3] == STEPS[:3]
    settings = at.session_state["_settings"]
    assert 1 <= settings.head <= settings.att_heads
    if "text" in query:
        shown = "\n".join(m.value for m in at.markdown)
        assert translate("en", "attention.steps.mask_padding", n=5) in shown  # "hello"


def test_the_parameters_are_written_out_for_pytorch_and_keras():
    at = steps(d="64", heads="8")
    no_exception(at)
    tables = "\n".join(m.value for m in at.markdown)
    for row in (
        "| `in_proj_weight` | (192, 64) | 12,288 |",
        "| `in_proj_bias` | (192,) | 192 |",
        "| `out_proj.weight` | (64, 64) | 4,096 |",
        "| `query/kernel` | (64, 8, 8) | 4,096 |",
        "| `query/bias` | (8, 8) | 64 |",
        "| `attention_output/kernel` | (8, 8, 64) | 4,096 |",
        "| `attention_output/bias` | (64,) | 64 |",
    ):
        assert row in tables
    assert tables.count("**16,640**") == 2  # 4·(64² + 64), both counts
    assert any("4\\,(64^2 + 64) = 16{,}640" in e.value for e in at.latex)


def test_the_code_panel_offers_the_files_its_keras_program_loads():
    at = steps(d="64", heads="8")
    at.toggle(key="attention_code").set_value(True).run()
    no_exception(at)
    assert len(at.code) == 2  # PyTorch and Keras
    assert "np.load('keras_weights.npy')" in at.code[1].value
    labels = [b.label for b in at.get("download_button")]
    assert any(label.startswith("keras_weights (16640,)") for label in labels)
    at = steps()
    at.toggle(key="attention_code").set_value(True).run()
    assert "np.load" not in at.code[1].value


def test_the_download_picker_offers_each_tensor_of_the_sentence_shown():
    at = steps(text=LINES, line="3")
    labels = [b.label for b in at.get("download_button")]
    assert labels[:2] == ["weights_line3 (4, 6, 6) as CSV", "weights_line3 (4, 6, 6) as .npy"]
    at.segmented_control(key="att_steps_download").set_value("Q").run()
    no_exception(at)
    assert next(b.label for b in at.get("download_button")) == "Q_line3 (4, 6, 4) as CSV"


def test_a_short_line_of_a_long_batch_shows_its_words_not_its_padding():
    text = " ".join(f"w{i}" for i in range(100)) + "\nthe cat sat"
    at = steps(text=text, line="2")
    no_exception(at)
    first = 100 - SHOWN  # the window ends on the line's last word
    for key in ("att_steps_x", "att_steps_weights", "att_steps_concat"):
        y = chart(at, key)["data"][0]["y"]
        assert len(y) == SHOWN and y[0].startswith(f"{first} · "), key
        assert list(y[-3:]) == ["97 · the", "98 · cat", "99 · sat"], key
    x = chart(at, "att_steps_weights")["data"][0]["x"]
    assert x[-1] == "99 · sat"  # the keys are the same window
    captions = "\n".join(c.value for c in at.caption)
    assert translate("en", "attention.steps.sliced", first=first, last=99, rows=100, cols=16,
                     total_cols=16) in captions  # fmt: skip
