"""The Attention page's "explain this number" part, through AppTest: the cell's score, weight and
output written with the run's own numbers (recomputed here from the run's q, k, v in float64),
the map and the bars that show the same numbers, the mask explained, links beyond the sentence
clamped, a batch's sentences, and the query slider that the benchmark moves."""

import math
import re

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception, run_app

from lessons.attention.common import attention_run
from lessons.attention.explain import tex_number
from ui.i18n import translate
from ui.settings import Settings

PAGE = "views/attention.py"
BATCH = "the cat sat on the mat because it was tired\na short one"


def run_for(**changes):
    return attention_run(Settings(**changes))


def latex(at) -> str:
    return "\n".join(element.value for element in at.latex)


def tex_float(text: str) -> float:
    """A number as tex_number writes it: 0.1234, -5, 1.234 \\times 10^{-5}."""
    text = text.strip()
    found = re.fullmatch(r"(-?[\d.]+) \\times 10\^\{(-?\d+)\}", text)
    if found:
        return float(found[1]) * 10 ** int(found[2])
    return float(text)


def boxed(at) -> list[float]:
    """The boxed numbers on the page, in order: the score, then the weight."""
    return [tex_float(v) for v in re.findall(r"\\boxed\{([^}]*)\}", latex(at))]


def vectors(at) -> list[list[str]]:
    """Every written vector's entries, in order of the page."""
    found = re.findall(r"\\left\[\\,(.*?)\\,\\right\]", latex(at))
    return [[entry.strip() for entry in v.split(r",\ ")] for v in found]


def by_hand(run, *, scaled, b, h, i, j):
    """Score, weight and head output of one cell from the run's q, k, v and mask, in float64."""
    trace = run.trace(scaled)
    q, k, v = (x[b, h].double() for x in (trace.q, trace.k, trace.v))
    Dh = q.shape[-1]
    scores = q[i] @ k.T / (math.sqrt(Dh) if scaled else 1.0)  # (S,)
    hidden = trace.mask[b, 0, i]
    if bool(hidden.all()):
        weights = torch.zeros_like(scores)
    else:
        weights = torch.softmax(scores.masked_fill(hidden, float("-inf")), dim=-1)
    return float(scores[j]), float(weights[j]), weights, weights @ v


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_explain_part_draws_in_both_languages(lang):
    at = run_app(PAGE, part="explain", lang=lang)
    no_exception(at)
    assert not at.warning
    keys = {e.key for e in at.get("plotly_chart")}
    assert {"attention_explain_map", "attention_explain_sum"} <= keys
    assert len(boxed(at)) == 2
    text = "\n".join(m.value for m in at.markdown)
    assert translate(lang, "attention.explain.step_join", H=4, Dh=4, D=16, head=1, start=0,
                     stop=3) in text  # fmt: skip
    assert at.select_slider(key="w_qi").value == 0


@pytest.mark.parametrize(
    "query, key, head, scaled",
    [("3", "1", "1", "1"), ("0", "9", "4", "1"), ("7", "7", "2", "0"), ("9", "0", "3", "0")],
)
def test_the_boxed_score_and_weight_are_the_runs_recomputed(query, key, head, scaled):
    at = run_app(PAGE, part="explain", query=query, key=key, head=head, scaled=scaled)
    no_exception(at)
    i, j, h, on = int(query), int(key), int(head) - 1, scaled == "1"
    score, weight, _, _ = by_hand(run_for(head=h + 1, scaled=on), scaled=on, b=0, h=h, i=i, j=j)
    shown_score, shown_weight = boxed(at)
    assert shown_score == pytest.approx(score, rel=1e-3, abs=1e-6)
    assert shown_weight == pytest.approx(weight, rel=1e-3, abs=1e-6)
    formula = next(e.value for e in at.latex if r"\boxed" in e.value)  # the score's
    if on:
        assert rf"\frac{{q_{{{i}}} \cdot k_{{{j}}}}}{{\sqrt{{D_h}}}}" in formula
        assert r"\sqrt{4}" in formula
    else:
        assert r"\sqrt" not in formula  # no √Dh anywhere in the score


def test_every_number_written_is_the_runs_and_matches_the_figures():
    at = run_app(PAGE, part="explain", query="4", key="2", head="2")
    no_exception(at)
    run = run_for(head=2)
    trace = run.scaled
    b, h, i, j = 0, 1, 4, 2
    q, k = trace.q[b, h, i].double(), trace.k[b, h, j].double()
    written = vectors(at)
    assert [tex_float(x) for x in written[0]] == pytest.approx(q.tolist(), rel=5e-3, abs=1e-4)
    assert [tex_float(x) for x in written[1]] == pytest.approx(k.tolist(), rel=5e-3, abs=1e-4)
    dot = float(q @ k)
    assert rf"&= {tex_number(dot)} \\" in latex(at)  # the sum of the four products
    # The map is this head's weights, the cell outlined where the sliders say.
    shown = chart(at, "attention_explain_map")
    np.testing.assert_allclose(decode(shown["data"][0]["z"]), trace.weights[b, h], atol=0)
    row, cell = shown["layout"]["shapes"]
    assert (cell["x0"], cell["y0"]) == (j - 0.5, i - 0.5)
    assert (row["y0"], row["x1"]) == (i - 0.5, 9.5)
    # The bars are the row's weights, recomputed; the boxed weight is the chosen bar.
    _, weight, weights, head_out = by_hand(run, scaled=True, b=b, h=h, i=i, j=j)
    bars = chart(at, "attention_explain_sum")["data"]
    others, mine = decode(bars[0]["y"]), decode(bars[1]["y"])
    row_shown = np.where(np.isnan(others), mine, others)
    np.testing.assert_allclose(row_shown, weights.numpy(), atol=1e-6)
    assert float(mine[j]) == pytest.approx(boxed(at)[1], rel=1e-3)
    # The output o_i: the right panel, the written vector, and the context row's own slice.
    np.testing.assert_allclose(decode(bars[-1]["y"]), head_out.numpy(), atol=1e-5)
    context = trace.context[b, i, h * 4 : (h + 1) * 4].double()
    np.testing.assert_allclose(head_out.numpy(), context.numpy(), atol=1e-5)
    out_written = written[-1]  # the layer's row, its first six numbers and …
    assert out_written[-1] == r"\dots"
    shown_out = [tex_float(x) for x in out_written[:-1]]
    assert shown_out == pytest.approx(trace.out[b, i, :6].tolist(), rel=5e-3, abs=1e-4)


def test_a_hidden_cell_is_explained_and_its_weight_is_zero():
    at = run_app(PAGE, part="explain", causal="1", query="2", key="5")
    no_exception(at)
    warning = "\n".join(w.value for w in at.warning)
    reason = translate("en", "attention.explain.reason_causal", i=2, j=5)
    assert translate("en", "attention.explain.hidden", i=2, j=5, reasons=reason) in warning
    score, weight = boxed(at)
    assert weight == 0
    expected, _, weights, _ = by_hand(run_for(causal=True), scaled=True, b=0, h=0, i=2, j=5)
    assert score == pytest.approx(expected, rel=1e-3)  # the score exists; the mask zeroes it
    assert r"e^{-\infty}" in latex(at)
    assert np.all(weights[3:].numpy() == 0)
    text = "\n".join(m.value for m in at.markdown)
    assert translate("en", "attention.explain.step_softmax", i=2, visible=3, S=10) in text
    marks = chart(at, "attention_explain_sum")["data"][2]
    assert np.isnan(decode(marks["y"])).tolist() == [True] * 3 + [False] * 7
    overlay = chart(at, "attention_explain_map")["data"][1]  # grey hidden cells
    assert np.isnan(decode(overlay["z"])).sum() == 55  # the 10·11/2 visible cells


def test_padding_is_hidden_and_says_so_in_a_batch():
    at = run_app(PAGE, part="explain", text=BATCH, line="2", query="8", key="1")
    no_exception(at)
    labels = chart(at, "attention_explain_map")["data"][0]["x"]
    assert labels[1] == "1 · &lt;pad&gt;"
    warning = "\n".join(w.value for w in at.warning)
    assert translate("en", "attention.explain.reason_padding", j=1) in warning
    assert boxed(at)[1] == 0
    options = at.select_slider(key="w_qi").options
    assert options[-1] == "9 · one" and options[0] == "0 · <pad>"


def test_a_query_that_sees_no_key_gets_zero_weights_and_says_why():
    # Causal on a padded sentence: query 0 is padding and may read only key 0, padding too.
    at = run_app(PAGE, part="explain", text=BATCH, line="2", causal="1", query="0", key="0")
    no_exception(at)
    assert any(translate("en", "attention.explain.all_hidden", i=0) in i.value for i in at.info)
    assert boxed(at) == [pytest.approx(boxed(at)[0]), 0]
    assert r"w_{0,0} = \boxed{0}" in latex(at)


def test_links_beyond_the_sentence_are_clamped_with_one_caption():
    at = run_app(PAGE, part="explain", query="500", key="40")
    no_exception(at)
    assert at.select_slider(key="w_qi").value == 9
    assert at.select_slider(key="w_kj").value == 9
    clamp = translate("en", "attention.explain.clamped", qi=500, kj=40, T=10, last=9, i=9, j=9)
    assert [c.value for c in at.caption].count(clamp) == 1
    score, _, _, _ = by_hand(run_for(), scaled=True, b=0, h=0, i=9, j=9)
    assert boxed(at)[0] == pytest.approx(score, rel=1e-3)
    # Moving a slider writes a position of this sentence; the caption goes.
    at.select_slider(key="w_qi").set_value(3).run()
    no_exception(at)
    assert at.session_state["_settings"].qi == 3
    assert at.query_params["query"] == "3"
    assert not any("500" in c.value for c in at.caption)


def test_the_query_slider_round_trips_and_every_step_changes_a_chart():
    at = run_app(PAGE, part="explain", key="2")
    select = at.select_slider(key="w_qi")
    tokens = run_for().batch.tokens[0]
    assert select.options == [f"{n} · {token}" for n, token in enumerate(tokens)]
    for value in range(len(tokens)):
        assert select.options.index(select.format_func(value)) == value
    before = (chart(at, "attention_explain_map"), chart(at, "attention_explain_sum"))
    for value in (1, 2, 9, 8):
        at.select_slider(key="w_qi").set_value(value).run()
        no_exception(at)
        now = (chart(at, "attention_explain_map"), chart(at, "attention_explain_sum"))
        assert now[0]["layout"]["shapes"] != before[0]["layout"]["shapes"]  # the row framed
        assert now[1]["data"] != before[1]["data"]  # the row's weights
        # The map's data did not change: plotly.js keeps it and redraws the outline only.
        assert now[0]["layout"]["datarevision"] == before[0]["layout"]["datarevision"]
        before = now
        score, _, _, _ = by_hand(run_for(), scaled=True, b=0, h=0, i=value, j=2)
        assert boxed(at)[0] == pytest.approx(score, rel=1e-3, abs=1e-6)


def test_the_head_selector_and_the_line_change_the_numbers():
    at = run_app(PAGE, part="explain", text=BATCH, query="5", key="3")
    first = boxed(at)
    at.segmented_control(key="w_head").set_value(3).run()
    no_exception(at)
    score, weight, _, _ = by_hand(run_for(text=BATCH), scaled=True, b=0, h=2, i=5, j=3)
    assert boxed(at) == [pytest.approx(score, rel=1e-3), pytest.approx(weight, rel=1e-3)]
    assert boxed(at) != first
    at.select_slider(key="w_line").set_value(2).run()
    no_exception(at)
    score, weight, _, _ = by_hand(run_for(text=BATCH), scaled=True, b=1, h=2, i=5, j=3)
    assert boxed(at) == [pytest.approx(score, rel=1e-3, abs=1e-6), pytest.approx(weight, abs=1e-6)]


def test_a_wide_head_writes_the_first_numbers_and_the_rest_as_dots():
    at = run_app(PAGE, part="explain", d="64", heads="2", query="1", key="2")
    no_exception(at)
    q = vectors(at)[0]
    assert len(q) == 7 and q[-1] == r"\dots"  # Dh = 32: six numbers and …
    assert r"\cdots\ (+26)" in latex(at)  # six products of 32 written, 26 more
    score, _, _, _ = by_hand(run_for(att_d=64, att_heads=2), scaled=True, b=0, h=0, i=1, j=2)
    assert boxed(at)[0] == pytest.approx(score, rel=1e-3)


def test_a_long_sentence_shows_a_window_around_the_cell():
    text = " ".join(f"w{i}" for i in range(300))
    at = run_app(PAGE, part="explain", text=text, query="250", key="3")
    no_exception(at)
    shown = chart(at, "attention_explain_map")["data"][0]
    assert decode(shown["z"]).shape == (128, 128)
    assert shown["y"][0] == "172 · w172" and shown["y"][-1] == "299 · w299"
    assert shown["x"][0] == "0 · w0"
    row, cell = chart(at, "attention_explain_map")["layout"]["shapes"]
    assert (cell["x0"], cell["y0"]) == (3 - 0.5, 250 - 172 - 0.5)
    sliced = translate("en", "attention.explain.sliced", r0=172, r1=299, k0=0, k1=127, T=300)
    assert sliced in [c.value for c in at.caption]
    score, _, _, _ = by_hand(run_for(text=text), scaled=True, b=0, h=0, i=250, j=3)
    assert boxed(at)[0] == pytest.approx(score, rel=1e-3)


def test_the_code_panel_writes_the_chosen_cell():
    at = run_app(PAGE, part="explain", query="6", key="2", head="4", scaled="0")
    no_exception(at)
    at.toggle(key="attention_code").set_value(True).run()
    no_exception(at)
    torch_code, keras_code = (c.value for c in at.code)
    for program in (torch_code, keras_code):
        assert "b, h, i, j = 0, 3, 6, 2" in program
        assert "scaled = False" in program
