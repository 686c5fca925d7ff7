"""The encoder & decoder part of the Attention page, through AppTest: the maps decoded from the
figures the browser gets, the decoder's causal mask, the cross-attention's T × S and its labels,
padding masks from several lines, line counts that differ, empty and hostile text, work over the
budget."""

import numpy as np
import pytest
from app_support import chart, decode, no_exception, run_app

from layers.stack import PAD
from lessons.attention import transformer as part
from ui.i18n import translate
from ui.settings import DEFAULT_SOURCE, DEFAULT_TARGET
from viz import theme

PAGE = "views/attention.py"
PAD_LABEL = theme.label(PAD)  # "<pad>" as a figure shows it, escaped
MAPS = ("transformer_encoder", "transformer_masked", "transformer_cross")
SOURCE = "고양이가 매트 위에 앉았다\n개가 짖었다\n나는 오늘 아침에 학교에 갔다"
TARGET = "the cat sat on the mat\nthe dog barked\ni went to school this morning"


def page(**query):
    return run_app(PAGE, part="transformer", **query)


def keys(at) -> set[str]:
    return {element.key for element in at.get("plotly_chart")}


def weights_of(at, key: str) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """A map as drawn: its weights, the cells covered as hidden, its row and column labels."""
    traces = chart(at, key)["data"]
    z = decode(traces[0]["z"]).astype(np.float64)
    hidden = np.zeros(z.shape, dtype=bool)
    if len(traces) > 1:
        hidden = ~np.isnan(decode(traces[1]["z"]))
    return z, hidden, list(traces[0]["y"]), list(traces[0]["x"])


def texts(elements) -> str:
    return "\n".join(element.value for element in elements)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_part_draws_in_both_languages(lang):
    at = page(lang=lang)
    no_exception(at)
    assert at.title[0].value == translate(lang, "attention.title")
    assert keys(at) >= {"transformer_flow", *MAPS}
    assert at.text_area(key="w_source").value == DEFAULT_SOURCE
    assert at.text_area(key="w_target").value == DEFAULT_TARGET
    assert translate(lang, "attention.transformer.untrained") in texts(at.info)
    assert not at.warning and not at.error
    assert "w_causal" not in {w.key for w in at.toggle}  # the decoder is causal, full stop


def test_the_decoder_sees_no_later_token_and_the_cells_say_so():
    at = page(heads="2", head="2")
    no_exception(at)
    z, hidden, rows, columns = weights_of(at, "transformer_masked")
    T = len(DEFAULT_TARGET.split())
    assert z.shape == (T, T)
    upper = np.triu(np.ones((T, T), dtype=bool), 1)
    assert (z[upper] == 0).all()  # exactly zero above the diagonal
    assert (z[~upper] > 0).all()
    np.testing.assert_allclose(z.sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(hidden, upper)  # and painted as hidden
    expected = ["[start]", *DEFAULT_TARGET.split()[:-1]]  # the target shifted right
    assert rows == columns == theme.row_labels(expected)
    # the encoder's map hides nothing: no causal mask in an encoder
    z, hidden, _, _ = weights_of(at, "transformer_encoder")
    assert (z > 0).all() and not hidden.any()


def test_cross_attention_is_target_by_source_with_the_pages_own_numbers():
    at = page(d="24", heads="3", head="3", seed="9", pe="false")
    no_exception(at)
    z, hidden, rows, columns = weights_of(at, "transformer_cross")
    source, target = DEFAULT_SOURCE.split(), DEFAULT_TARGET.split()
    assert z.shape == (len(target), len(source))  # T × S
    assert rows == theme.row_labels(["[start]", *target[:-1]])
    assert columns == theme.row_labels(source)
    assert not hidden.any()  # one line: no padding to hide, no causal mask
    r = part.compute(part.pair_lines(DEFAULT_SOURCE, DEFAULT_TARGET), 24, 3, False, 9)
    np.testing.assert_allclose(z, r.decoder.cross_attention.weights[0, 2].numpy(), rtol=1e-6)
    # the shape flow states the same sizes
    notes = [a["text"] for a in chart(at, "transformer_flow")["layout"]["annotations"]]
    assert "(B, H, T, S) = (1, 3, 6, 4)" in notes
    assert "(B, S, D) = (1, 4, 24)" in notes


def test_the_decoder_input_is_the_target_shifted_right():
    at = page()
    table = at.dataframe[0].value
    cells = table.drop(columns=table.columns[0]).values.tolist()
    assert cells == [["[start]", *DEFAULT_TARGET.split()[:-1]], DEFAULT_TARGET.split()]


def test_several_lines_pad_at_the_end_and_the_masks_hide_the_padding():
    at = page(source=SOURCE, target=TARGET, line="2", head="1")
    no_exception(at)
    assert {"transformer_source_mask", "transformer_target_mask"} <= keys(at)
    pairs = part.pair_lines(SOURCE, TARGET)
    for key, side in (
        ("transformer_source_mask", pairs.source),
        ("transformer_target_mask", pairs.decoder),
    ):
        grid = chart(at, key)["data"][0]
        shown = decode(grid["z"]).reshape(side.ids.shape)
        assert np.array_equal(shown == 0, side.padding_mask.numpy())  # 0: padding, 1: a word
    # line 2 ("개가 짖었다" / "the dog barked") is padded at the end of both sides
    z, hidden, rows, columns = weights_of(at, "transformer_cross")
    assert columns[:2] == theme.row_labels(["개가", "짖었다"]) and columns[-1].endswith(PAD_LABEL)
    padded = np.array([c.endswith(PAD_LABEL) for c in columns])
    assert hidden[:, padded].all() and not hidden[:, ~padded].any()
    assert (z[:, padded] == 0).all()
    np.testing.assert_allclose(z.sum(axis=1), 1.0, rtol=1e-5)
    z, hidden, rows, _ = weights_of(at, "transformer_masked")
    assert rows[:4] == theme.row_labels(["[start]", "the", "dog", "<pad>"])
    assert (z[:, 3:] == 0).all() and hidden[:, 3:].all()  # target padding, on top of causal
    # the line and head pickers move the maps
    before = weights_of(at, "transformer_cross")[0]
    at.select_slider(key="w_line").set_value(3).run()
    no_exception(at)
    assert weights_of(at, "transformer_cross")[0].shape != before.shape or not np.allclose(
        weights_of(at, "transformer_cross")[0], before
    )
    assert weights_of(at, "transformer_cross")[3][0].endswith("나는")
    at.segmented_control(key="w_head").set_value(4).run()
    assert "4" in chart(at, "transformer_cross")["layout"]["title"]["text"]


def test_one_line_says_there_is_nothing_to_pad():
    at = page()
    assert translate("en", "attention.transformer.one_line") in texts(at.caption)
    assert "transformer_source_mask" not in keys(at)


def test_different_line_counts_are_said_and_the_pairs_that_exist_are_used():
    at = page(source=SOURCE, target="the cat sat on the mat\nthe dog barked")
    no_exception(at)
    said = texts(at.warning)
    assert "**3**" in said and "**2**" in said
    assert "B = 2 " in texts(at.caption)
    at = page(source="고양이", target=TARGET)
    no_exception(at)
    assert "**1**" in texts(at.warning) and "**3**" in texts(at.warning)
    assert "B = 1 " in texts(at.caption)


@pytest.mark.parametrize(
    ("source", "target", "key"),
    [
        ("", DEFAULT_TARGET, "empty_source"),
        (DEFAULT_SOURCE, "   \n\n", "empty_target"),
        ("", "", "empty_both"),
        ("?!...", "!!!", "no_words"),
    ],
)
def test_an_empty_side_is_explained(source, target, key):
    at = page()
    at.text_area(key="w_source").input(source).run()
    at.text_area(key="w_target").input(target).run()
    no_exception(at)
    assert translate("en", f"attention.transformer.{key}") in texts(at.info)
    assert not keys(at) & set(MAPS)
    assert at.text_area(key="w_source").value == source  # nothing typed is lost
    assert at.text_area(key="w_target").value == target


def test_a_pair_without_words_on_one_side_is_left_out_and_named():
    at = page(source="고양이\n!!!\n개", target="cat\ndog\nbird")
    no_exception(at)
    assert "2" in texts(at.caption).split(translate("en", "attention.transformer.skipped")[:10])[-1]
    assert "B = 2 " in texts(at.caption)


HOSTILE = {
    "markup": "<b>bold</b> **x** $y$ [a](javascript:alert(1)) :red[r] <script>x</script>",
    "emoji": "🐈‍⬛ 고양이 ❤️ cat 👩🏽‍💻",
    "long": " ".join(f"w{i}" for i in range(450)),  # over 2,000 characters
}


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("side", ["w_source", "w_target"])
def test_hostile_text_never_breaks_the_part(name, side):
    at = page()
    at.text_area(key=side).input(HOSTILE[name]).run()
    no_exception(at)
    assert at.text_area(key=side).value == HOSTILE[name]
    assert keys(at) >= set(MAPS)
    shown = [label for key in MAPS for label in weights_of(at, key)[2] + weights_of(at, key)[3]]
    assert not any("<b>" in label or "<script>" in label for label in shown)
    if name == "markup":  # Keras' filters take the brackets away; the words stay
        assert any(label.endswith(" · bold") for label in shown)
    if name == "long":
        assert len(HOSTILE[name]) > 2000
        assert translate("en", "block.sliced").split("{")[0] in texts(at.caption)


def test_link_values_out_of_range_are_held_in_range():
    at = page(line="9", head="64", heads="4", d="16")
    no_exception(at)
    assert chart(at, "transformer_cross")["layout"]["title"]["text"].endswith("1 · head 4")


def test_work_over_the_budget_is_refused_with_what_to_lower():
    line = " ".join(["a"] * 500)
    source = "\n".join([line] * 20)  # 20 lines × 500 tokens: 20,000 characters, the cap
    at = page(d="64")
    at.text_area(key="w_source").input(source).run()
    at.text_area(key="w_target").input(source).run()
    no_exception(at)
    assert "⏳" in [w.icon for w in at.warning]
    assert not keys(at) & set(MAPS)  # nothing computed
    assert at.text_area(key="w_source").value == source
    assert part.estimate(20, 500, 500, 64, 4, 2, 3).fits is False


def test_the_programs_are_shown_for_the_pages_pairs_and_sizes():
    at = page(source=SOURCE, target=TARGET, d="24", heads="3", line="2", head="2")
    at.toggle(key="attention_code").set_value(True).run()
    no_exception(at)
    torch_code, keras_code = (block.value for block in at.code[:2])
    assert "nn.TransformerDecoderLayer(D, H, F, dropout=0.0, batch_first=True)" in torch_code
    assert "tgt_mask=causal" in torch_code
    assert "D, H, F = 24, 3, 96" in torch_code and "D, H, F = 24, 3, 96" in keras_code
    assert "b, head = 1, 1" in torch_code  # the line and head on screen, from 0
    assert "use_causal_mask=True" in keras_code and "query=h" in keras_code


def test_the_stress_size_fits_and_shows_a_readable_slice():
    text = " ".join(f"w{i}" for i in range(512))
    at = page(d="512", heads="8")
    at.text_area(key="w_source").input(text).run()
    at.text_area(key="w_target").input(text).run()
    no_exception(at)
    assert keys(at) >= set(MAPS)
    z, _, rows, columns = weights_of(at, "transformer_cross")
    assert z.shape == (128, 128) and len(rows) == len(columns) == 128
    assert texts(at.caption).count("128 × 128") == 3


def test_on_a_projector_the_maps_are_drawn_larger():
    laptop, projector = page(), page(present="true")
    no_exception(projector)
    for key in MAPS:
        small, large = chart(laptop, key)["layout"], chart(projector, key)["layout"]
        assert large["height"] > small["height"]
        assert large["font"]["size"] > small["font"]["size"]


def test_typing_in_the_source_box_changes_the_source_setting_and_the_link():
    # `source` is a setting and was also update()'s own keyword: typing here once raised.
    at = run_app(PAGE, part="transformer")
    at.text_area(key="w_source").input("나는 학생이다").run()
    no_exception(at)
    assert at.session_state["_settings"].source == "나는 학생이다"
    assert at.query_params["source"] == "나는 학생이다"
