"""The Recurrent page's tutorial part through AppTest: every shape of the tutorial reproduced by
layers that ran, read back from the page and recomputed here with torch.nn (and, marked keras,
with real Keras 3 layers built as the tutorial builds them); the tutorial button and link; the
punctuation note; both languages; hostile text."""

import ast
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
from app_support import no_exception, run_app
from torch import nn

from layers.stack import tokenize_batch
from lessons.recurrent.common import TUTORIAL, filters
from ui.i18n import translate
from ui.settings import Settings, parse_query

PAGE = "views/recurrent.py"
TUTORIAL_LINK = dict(part="shapes", text="What time is it ?", punct="1", d="100", units="64")
# What the tutorial (issue 13) prints at its settings: its claims, checked against the page and
# against real layers, never used as the page's numbers.
CLAIMS = {
    "SimpleRNN(64, return_sequences=True)": (1, 5, 64),
    "SimpleRNN(64)": (1, 64),
    "SimpleRNN(64).cell.kernel": (100, 64),
    "LSTM(64).cell.kernel": (100, 256),
    "Bidirectional(LSTM(64, return_sequences=True))": (1, 5, 128),
}
ISSUE_LINK = "/recurrent?part=shapes&text=What+time+is+it+%3F&punct=1&d=100&units=64"


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def table(at) -> dict[str, tuple[tuple[int, ...], str]]:
    """Each table row's Keras code → (the shape the page shows, the tutorial's column)."""
    rows = {}
    for line in markdown(at).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        shape = cells[3].replace("\u00a0", " ") if len(cells) > 3 else ""
        shape = re.fullmatch(r"\*\*(\([\d, ]*\))\*\* .*", shape)
        if shape:
            rows[cells[0].strip("`")] = (ast.literal_eval(shape.group(1)), "|".join(cells[4:]))
    return rows


def counts(at) -> dict[str, tuple[int, int]]:
    """The parameters table: layer → (Keras, PyTorch)."""
    found = re.findall(r"^\| `([^`]+)` \| ([\d,]+) \| ([\d,]+) \|$", markdown(at), re.M)
    return {name: (int(k.replace(",", "")), int(p.replace(",", ""))) for name, k, p in found}


def by_torch(text: str, punct: bool, D: int, U: int) -> dict[str, tuple[int, ...]]:
    """The same shapes from torch.nn's own layers on the same ids, and their counts."""
    ids = tokenize_batch(text, filters=filters(punct)).ids
    V = int(ids.max()) + 1
    with torch.no_grad():
        x = nn.Embedding(V, D)(ids)
        out, _ = nn.RNN(D, U, batch_first=True)(x)
        both, _ = nn.LSTM(D, U, batch_first=True, bidirectional=True)(x)
    return {
        "ids": tuple(ids.shape),
        "embedding": tuple(x.shape),
        "sequences": tuple(out.shape),
        "last": tuple(out[:, -1].shape),
        "kernel": tuple(nn.RNN(D, U).weight_ih_l0.T.shape),
        "lstm": tuple(nn.LSTM(D, U).weight_ih_l0.T.shape),
        "gru": tuple(nn.GRU(D, U).weight_ih_l0.T.shape),
        "bi": tuple(both.shape),
    }


def test_the_tutorial_link_reproduces_every_shape_the_tutorial_prints():
    at = run_app(PAGE, **TUTORIAL_LINK)
    no_exception(at)
    assert not at.warning
    rows = table(at)
    for code, claim in CLAIMS.items():
        shape, column = rows[code]
        assert shape == claim, code  # the page's layers give the tutorial's numbers …
        assert column == f"{claim} ✓"  # … and it says so
    ours = by_torch("What time is it ?", True, 100, 64)  # … as torch.nn's layers do
    assert rows["SimpleRNN(64, return_sequences=True)"][0] == ours["sequences"]
    assert rows["SimpleRNN(64)"][0] == ours["last"]
    assert rows["SimpleRNN(64).cell.kernel"][0] == ours["kernel"]
    assert rows["LSTM(64).cell.kernel"][0] == ours["lstm"]
    assert rows["GRU(64).cell.kernel"][0] == ours["gru"] == (100, 192)
    assert rows["Bidirectional(LSTM(64, return_sequences=True))"][0] == ours["bi"]
    assert rows["Embedding(6, 100)"][0] == ours["embedding"] == (1, 5, 100)
    code = "\n".join(c.value for c in at.code)
    assert "word_index = {'what': 1, 'time': 2, 'is': 3, 'it': 4, '?': 5}" in code
    assert "V = 6" in code


def test_the_parameter_counts_are_the_layers_and_the_gru_has_fewer():
    at = run_app(PAGE, **TUTORIAL_LINK)
    found = counts(at)
    D, U = 100, 64
    modules = {
        "SimpleRNN(64)": nn.RNN(D, U),
        "LSTM(64)": nn.LSTM(D, U),
        "GRU(64)": nn.GRU(D, U),
        "Bidirectional(LSTM(64))": nn.LSTM(D, U, bidirectional=True),
    }
    for name, module in modules.items():
        torch_count = sum(p.numel() for p in module.parameters())
        biases = sum(p.numel() for n, p in module.named_parameters() if n.startswith("bias_hh"))
        keras_count = torch_count if name == "GRU(64)" else torch_count - biases
        assert found[name] == (keras_count, torch_count), name
    assert found["Embedding(6, 100)"] == (600, 600)
    assert found["GRU(64)"][0] < found["LSTM(64)"][0]
    share = f"{found['GRU(64)'][0] / found['LSTM(64)'][0]:.0%}"
    assert f"({share})" in markdown(at)


@pytest.mark.keras
def test_the_tutorials_keras_program_gives_the_pages_shapes(keras):
    """The tutorial's own steps in Keras 3: the same shapes and counts as the page's table."""
    from keras.src.legacy.preprocessing.text import Tokenizer

    at = run_app(PAGE, **TUTORIAL_LINK)
    rows, found = table(at), counts(at)
    tokenizer = Tokenizer(filters="")
    tokenizer.fit_on_texts(["What time is it ?"])
    ids = np.array(tokenizer.texts_to_sequences(["What time is it ?"]))
    V = len(tokenizer.word_index) + 1
    layers = keras.layers
    x = layers.Embedding(V, 100)(ids)
    sequences = layers.SimpleRNN(64, return_sequences=True)
    last, lstm, gru = layers.SimpleRNN(64), layers.LSTM(64), layers.GRU(64)
    bi = layers.Bidirectional(layers.LSTM(64, return_sequences=True))
    shapes = {
        "Embedding(6, 100)": tuple(x.shape),
        "SimpleRNN(64, return_sequences=True)": tuple(sequences(x).shape),
        "SimpleRNN(64)": tuple(last(x).shape),
        "Bidirectional(LSTM(64, return_sequences=True))": tuple(bi(x).shape),
    }
    lstm(x), gru(x)
    shapes["SimpleRNN(64).cell.kernel"] = tuple(sequences.cell.kernel.shape)
    shapes["LSTM(64).cell.kernel"] = tuple(lstm.cell.kernel.shape)
    shapes["GRU(64).cell.kernel"] = tuple(gru.cell.kernel.shape)
    for code, shape in shapes.items():
        assert rows[code][0] == shape, code
    for code, claim in CLAIMS.items():  # the tutorial's numbers, from Keras itself
        assert shapes[code] == claim
    assert found["SimpleRNN(64)"][0] == sequences.count_params()
    assert found["LSTM(64)"][0] == lstm.count_params()
    assert found["GRU(64)"][0] == gru.count_params()
    assert found["Bidirectional(LSTM(64))"][0] == bi.count_params()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_any_sentence_any_size_gives_its_own_shapes(lang):
    text = "the cat sat on the mat\na dog barked"
    at = run_app(PAGE, part="shapes", text=text, d="12", units="5", lang=lang)
    no_exception(at)
    rows = table(at)
    ours = by_torch(text, False, 12, 5)
    assert rows["SimpleRNN(5, return_sequences=True)"][0] == ours["sequences"] == (2, 6, 5)
    assert rows["SimpleRNN(5)"][0] == ours["last"] == (2, 5)
    assert rows["LSTM(5).cell.kernel"][0] == ours["lstm"] == (12, 20)
    assert rows["Bidirectional(LSTM(5, return_sequences=True))"][0] == ours["bi"]
    assert all(column == "" for _, column in rows.values())  # no tutorial column here
    assert not any(c.key == "w_rnn_cell" for c in at.segmented_control)  # it runs every cell
    text = markdown(at)
    assert translate(lang, "recurrent.shapes.outputs_title") in text
    assert translate(lang, "recurrent.shapes.what_gru_kernel") in text


def test_the_button_loads_the_tutorials_case_and_keeps_every_other_setting():
    at = run_app(PAGE, part="shapes", text="my own words", cell="gru", seed="3", d="16")
    no_exception(at)
    button = at.button(key="recurrent_shapes_load")
    assert not button.disabled
    button.click().run()
    no_exception(at)
    s = at.session_state["_settings"]
    assert {name: getattr(s, name) for name in TUTORIAL} == TUTORIAL
    assert (s.rnn_cell, s.seed, s.rnn_part) == ("gru", 3, "shapes")  # untouched
    said = at.success[0].value
    assert "“my own words” → “What time is it ?”" in said
    assert "D 16 → 100" in said and "U 8 → 64" in said
    assert translate("en", "recurrent.shapes.changed_punct_on") in said
    assert at.button(key="recurrent_shapes_load").disabled  # nothing left to load
    assert table(at)["SimpleRNN(64)"] == ((1, 64), "(1, 64) ✓")
    assert at.query_params["units"] == "64" and at.query_params["cell"] == "gru"


def test_the_lesson_link_is_the_issues_and_opens_the_tutorials_case():
    at = run_app(PAGE, part="shapes")
    link = next(c.value for c in at.code if c.value.startswith("/recurrent?"))
    assert link == ISSUE_LINK  # what the issue asked for, built from the settings
    query = dict(parse_qsl(urlsplit(link).query))
    settings, notices = parse_query(query, "recurrent")
    assert not notices
    assert {name: getattr(settings, name) for name in TUTORIAL} == TUTORIAL
    assert settings.rnn_part == "shapes"
    korean = run_app(PAGE, part="shapes", lang="ko")
    link = next(c.value for c in korean.code if c.value.startswith("/recurrent?"))
    query = dict(parse_qsl(urlsplit(link).query))
    assert set(query) == {"part", "text", "punct", "d", "units", "lang"}  # nothing else
    assert parse_query(query, "recurrent")[0].lang == "ko"


def test_punctuation_typed_apart_with_punctuation_off_is_explained():
    at = run_app(PAGE, part="shapes", text="What time is it ?", d="100", units="64")
    no_exception(at)
    assert translate("en", "recurrent.shapes.punct_off") in [w.value for w in at.warning]
    assert table(at)["SimpleRNN(64, return_sequences=True)"][0] == (1, 4, 64)  # T = 4
    at.toggle(key="w_punct").set_value(True).run()
    no_exception(at)
    assert not at.warning
    assert table(at)["SimpleRNN(64, return_sequences=True)"][0] == (1, 5, 64)
    plain = run_app(PAGE, part="shapes", text="What time is it?")  # "?" is not apart
    assert not plain.warning


@pytest.mark.parametrize(
    "text",
    [
        "",
        "?",
        "<script>alert(1)</script> **bold** $x$ | a | 😀 `tick`",
        "\n".join(f"line {i} ?" for i in range(70)),
        " ".join(f"w{i}" for i in range(600)),
    ],
)
def test_hostile_text_never_breaks_the_part(text):
    at = run_app(PAGE, part="shapes", text=text)
    no_exception(at)
    assert "<script>" not in markdown(at)  # the text only reaches st.code
    if text.startswith("<script>"):
        code = "\n".join(c.value for c in at.code)
        assert "'<script>alert(1)</script>'" not in code  # split into words by the Tokenizer
        assert "'😀'" in code


def test_a_link_that_hides_a_tutorial_setting_keeps_it():
    at = run_app(PAGE, part="shapes", hide="d")
    no_exception(at)
    assert not any(b.key == "recurrent_shapes_load" for b in at.button)
    assert any(c.value.startswith("/recurrent?") for c in at.code)  # the link still shows


def test_the_code_panel_shows_the_tutorials_program_and_its_pytorch_twin():
    at = run_app(PAGE, **TUTORIAL_LINK)
    at.toggle(key="recurrent_code_shapes").set_value(True).run()
    no_exception(at)
    programs = [c.value for c in at.code if "import" in c.value]
    torch_code, keras_code = programs
    assert "nn.RNN(D, U, batch_first=True)" in torch_code
    assert 'Tokenizer(filters="")' in keras_code and "model.summary()" in keras_code
    assert "layers.SimpleRNN(U, return_sequences=True)" in keras_code
    assert "D, U = 100, 64" in keras_code


def test_settings_of_the_tutorial_are_the_issues():
    # The lead's TUTORIAL is the issue's case; the page's checks rely on it.
    assert TUTORIAL == {"text": "What time is it ?", "rnn_d": 100, "rnn_units": 64, "punct": True}
    assert Settings(**TUTORIAL).rnn_units == 64
