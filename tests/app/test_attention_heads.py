"""The Attention page's "all heads" part, through AppTest: every head's map on one scale, the head
selector moving the outline and the full-size map, the mean map, the reading line, and the
settings it shares (causal, √Dh, the sentence of a batch), long sentences and many heads."""

import math

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception, run_app

from layers.attention import row_entropy
from lessons.attention.common import attention_run
from lessons.attention.heads import DARK, MAX_TOKENS, grid_tokens
from ui.i18n import translate
from ui.settings import Settings

PAGE = "views/attention.py"
TEXT = Settings().text


def run_for(**changes):
    """The page's run for these settings, as the page computes it."""
    return attention_run(Settings(**changes))


def grid_panels(at) -> list[np.ndarray]:
    return [decode(trace["z"]) for trace in chart(at, "attention_heads_grid")["data"]]


def big_map(at, key="attention_heads_head") -> np.ndarray:
    return decode(chart(at, key)["data"][0]["z"])


def outlined(at) -> str:
    (shape,) = chart(at, "attention_heads_grid")["layout"]["shapes"]
    return shape["xref"]


def softmax_by_hand(q, k, mask, scaled: bool) -> torch.Tensor:
    """(H, T, S) weights from the run's own q and k, in float64, with the run's mask."""
    scores = q.double() @ k.double().transpose(-2, -1)
    if scaled:
        scores = scores / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return torch.nan_to_num(weights, nan=0.0)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_heads_part_draws_in_both_languages(lang):
    at = run_app(PAGE, part="heads", lang=lang)
    no_exception(at)
    assert not at.warning
    keys = {e.key for e in at.get("plotly_chart")}
    assert {"attention_heads_grid", "attention_heads_head", "attention_heads_mean"} <= keys
    grid = chart(at, "attention_heads_grid")
    titles = [a["text"] for a in grid["layout"]["annotations"]]
    assert titles[1:] == [translate(lang, "attention.heads.head_n", n=n) for n in (2, 3, 4)]
    assert at.segmented_control(key="w_head").options == ["1", "2", "3", "4"]
    text = "\n".join(m.value for m in at.markdown)
    assert translate(lang, "attention.heads.reads_most", picks="")[:12] in text


def test_every_panel_is_the_runs_head_on_one_zero_to_one_scale():
    at = run_app(PAGE, part="heads")
    no_exception(at)
    run = run_for()
    trace = run.scaled
    panels = grid_panels(at)
    assert len(panels) == 4
    by_hand = softmax_by_hand(trace.q[0], trace.k[0], trace.mask[0], scaled=True)
    for h, panel in enumerate(panels):
        np.testing.assert_allclose(panel, by_hand[h].numpy(), atol=1e-6)
    coloraxis = chart(at, "attention_heads_grid")["layout"]["coloraxis"]
    assert (coloraxis["cmin"], coloraxis["cmax"]) == (0.0, 1.0)
    np.testing.assert_allclose(big_map(at, "attention_heads_mean"), by_hand.mean(0), atol=1e-6)


def test_the_head_selector_moves_the_outline_and_changes_the_big_map():
    at = run_app(PAGE, part="heads")
    first = big_map(at)
    assert outlined(at) == "x domain"
    at.segmented_control(key="w_head").set_value(3).run()
    no_exception(at)
    assert outlined(at) == "x3 domain"
    third = big_map(at)
    assert not np.allclose(first, third)
    np.testing.assert_allclose(third, grid_panels(at)[2], atol=0)
    assert at.session_state["_settings"].head == 3
    assert at.query_params["head"] == "3"
    title = chart(at, "attention_heads_head")["layout"]["title"]["text"]
    assert title == translate("en", "attention.heads.head_title", head=3)


def test_the_reading_gives_the_heads_own_entropy_and_most_read_keys():
    at = run_app(PAGE, part="heads", head="2")
    no_exception(at)
    weights = run_for(head=2).scaled.weights[0]
    entropy = row_entropy(weights.double())
    text = "\n".join(m.value for m in at.markdown)
    assert f"**{float(entropy[1].mean()):.3f} nats**" in text
    assert f"{float(entropy.mean()):.3f}" in text
    assert f"{math.log(weights.shape[-1]):.3f}" in text  # spread evenly over all 10 keys
    tokens = run_for().batch.tokens[0]
    j = int(weights[1, 0].argmax())
    assert f"0 · {tokens[0]} → {j} · {tokens[j]} ({float(weights[1, 0, j]):.2f})" in text


def test_causal_and_unscaled_are_the_runs_own():
    at = run_app(PAGE, part="heads", causal="1")
    no_exception(at)
    for panel in grid_panels(at):
        assert np.all(np.triu(panel, 1) == 0)  # no query reads a later key
        np.testing.assert_allclose(panel.sum(-1), 1.0, atol=1e-5)
    at.toggle(key="w_scaled").set_value(False).run()
    no_exception(at)
    run = run_for(causal=True)
    trace = run.unscaled
    by_hand = softmax_by_hand(trace.q[0], trace.k[0], trace.mask[0], scaled=False)
    np.testing.assert_allclose(grid_panels(at)[0], by_hand[0].numpy(), atol=1e-6)
    assert at.query_params["scaled"] == "0"
    # Without √Dh each row is sharper: a lower mean entropy than the scaled run's.
    sharp = row_entropy(run.unscaled.weights).mean()
    assert sharp < row_entropy(run.scaled.weights).mean()


def test_a_batch_shows_the_chosen_sentence_with_its_padding_hidden():
    text = "the cat sat on the mat\na short one"
    at = run_app(PAGE, part="heads", text=text, line="2")
    no_exception(at)
    grid = chart(at, "attention_heads_grid")
    labels = grid["data"][0]["y"]
    assert [label.split(" · ")[1] for label in labels[-3:]] == ["a", "short", "one"]
    assert labels[0].endswith("&lt;pad&gt;")  # padded at the front, as pad_sequences does
    for panel in grid_panels(at):
        assert np.all(panel[:, :3] == 0)  # no query reads padding
    at.select_slider(key="w_line").set_value(1).run()
    no_exception(at)
    labels = chart(at, "attention_heads_grid")["data"][0]["y"]
    assert labels[0] == "0 · the"


def test_a_short_line_of_a_long_batch_shows_its_words_not_its_padding():
    text = " ".join(f"w{i}" for i in range(200)) + "\nthe cat sat"
    at = run_app(PAGE, part="heads", text=text, d="64", line="2")
    no_exception(at)
    n = grid_tokens(4, 200)
    grid_y = chart(at, "attention_heads_grid")["data"][0]["y"]
    assert grid_y[-3:] == ["197 · the", "198 · cat", "199 · sat"]  # the window ends on its words
    assert len(grid_y) == n and grid_y[0] == f"{200 - n} · &lt;pad&gt;"
    big_y = chart(at, "attention_heads_head")["data"][0]["y"]
    assert big_y[-1] == "199 · sat" and len(big_y) == MAX_TOKENS
    captions = "\n".join(c.value for c in at.caption)
    first = 200 - n
    assert translate("en", "attention.heads.grid_sliced", first=first, last=199, T=200) in captions


def test_a_long_sentence_is_sliced_with_a_caption_and_the_download_has_it_all():
    text = " ".join(f"w{i}" for i in range(200))
    at = run_app(PAGE, part="heads", text=text, d="64")
    no_exception(at)
    n = grid_tokens(4, 200)
    assert grid_panels(at)[0].shape == (n, n)
    assert big_map(at).shape == (MAX_TOKENS, MAX_TOKENS)
    captions = "\n".join(c.value for c in at.caption)
    grid_note = translate("en", "attention.heads.grid_sliced", first=0, last=n - 1, T=200)
    assert grid_note in captions
    map_note = translate("en", "attention.heads.sliced", first=0, last=MAX_TOKENS - 1, T=200)
    assert map_note in captions
    labels = [b.label for b in at.get("download_button")]
    assert any("(4, 200, 200)" in label for label in labels)
    # Every weight small: the page says why the maps are dark, with the run's largest weight.
    peak = float(run_for(text=text, att_d=64).scaled.weights[0].max())
    assert peak < DARK
    dark = translate("en", "attention.heads.dark", peak=f"{peak:.3f}", S=200, even="0.005")
    assert dark in captions
    bright = run_app(PAGE, part="heads")  # the default sentence: some weight stands out
    assert float(run_for().scaled.weights.max()) >= DARK
    assert not any(c.value.startswith(dark[:20]) for c in bright.caption)


def test_many_heads_still_read_as_a_grid_with_a_slider_to_pick_one():
    at = run_app(PAGE, part="heads", d="64", heads="32", head="20")
    no_exception(at)
    assert len(grid_panels(at)) == 32
    layout = chart(at, "attention_heads_grid")["layout"]
    assert layout["xaxis9"]["domain"] == layout["xaxis"]["domain"]  # eight panels a row
    assert outlined(at) == "x20 domain"
    select = at.select_slider(key="w_head")
    assert select.value == 20
    select.set_value(31).run()
    no_exception(at)
    assert outlined(at) == "x31 domain"


@pytest.mark.parametrize("head", ["0", "99", "5"])
def test_a_head_the_layer_does_not_have_gives_the_page_with_a_note(head):
    at = run_app(PAGE, part="heads", head=head)
    no_exception(at)
    assert grid_panels(at)
    assert 1 <= at.session_state["_settings"].head <= 4
    assert at.warning  # the link's value is named, once


def test_the_default_sentence_is_the_one_on_screen():
    at = run_app(PAGE, part="heads")
    labels = chart(at, "attention_heads_head")["data"][0]["y"]
    assert [label.split(" · ")[1] for label in labels] == TEXT.lower().split()


def test_the_code_panel_shows_both_programs_and_offers_the_large_files():
    at = run_app(PAGE, part="heads", d="64", heads="8", head="3")
    no_exception(at)
    assert not at.code  # closed until asked
    at.toggle(key="attention_code").set_value(True).run()
    no_exception(at)
    torch_code, keras_code = (c.value for c in at.code)
    assert "nn.MultiheadAttention(D, H, batch_first=True)" in torch_code
    assert "b, h = 0, 2" in torch_code  # the sentence and the head on screen
    assert "keras.layers.MultiHeadAttention(num_heads=H, key_dim=Dh)" in keras_code
    labels = [b.label for b in at.get("download_button")]
    assert any("keras_weights" in label for label in labels)  # 4·(64² + 64) numbers
