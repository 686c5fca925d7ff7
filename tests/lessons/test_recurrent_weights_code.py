"""The Recurrent page's weights and shapes parts, 'show the code': each program, run, prints the
page's own numbers (the weights part's names, shapes, counts and checks; the shapes part's
dictionary, shapes and counts), the PyTorch ones with the page's very weights."""

import ast
import re

import numpy as np
import pytest
import torch
from program_support import run

from layers.stack import tokenize_batch
from lessons.recurrent.common import filters, make_layer
from lessons.recurrent.shapes import tutorial_shapes
from lessons.recurrent.shapes_code import shapes_programs
from lessons.recurrent.weights import (
    KERAS_NAMES,
    Layouts,
    check_rows,
    keras_layout,
    torch_layout,
)
from lessons.recurrent.weights_code import weights_programs
from ui.settings import Settings

KERAS = pytest.mark.keras

WEIGHT_CASES = {
    "lstm default": dict(),
    "simplernn": dict(rnn_cell="simplernn", rnn_d=5, rnn_units=3, seed=4),
    "gru reset_after": dict(rnn_cell="gru", rnn_units=6),
    "gru reset before": dict(rnn_cell="gru", reset_after=False, rnn_d=12, seed=9),
}
SHAPE_CASES = {
    "tutorial": dict(text="What time is it ?", punct=True, rnn_d=100, rnn_units=64),
    "tutorial, punctuation dropped": dict(text="What time is it ?", rnn_d=100, rnn_units=64),
    "batch, korean": dict(text="고양이가 앉았다\n\n오늘 날씨가 정말 좋다 !", punct=True, lang="ko"),
    "markup and emoji": dict(text="<b>x</b> 😀 **y** | $z$ x", rnn_d=4, rnn_units=2),
}


def page(**changes):
    s = Settings(**changes)
    layer = make_layer(s.rnn_cell, s.rnn_d, s.rnn_units, s.seed)
    lay = Layouts(
        s.rnn_cell,
        s.rnn_d,
        s.rnn_units,
        s.reset_after,
        keras_layout(layer, s.reset_after),
        torch_layout(layer),
    )
    return s, layer, lay


def shapes_printed(printed: str) -> dict[str, tuple[int, ...]]:
    """`name (a, b, c)` lines: each name's first printed shape."""
    found = {}
    for line in printed.splitlines():
        match = re.match(r"\s*(.+?)\s+(\((?:\d+,?\s*)*\))", line)
        if match and match.group(1) not in found:
            found[match.group(1)] = ast.literal_eval(match.group(2))
    return found


def number_after(label: str, printed: str) -> int:
    line = next(x for x in printed.splitlines() if x.startswith(label))
    return int(re.search(r"([\d,]+)", line[len(label) :]).group(1).replace(",", ""))


@pytest.mark.parametrize("case", WEIGHT_CASES)
def test_torch_weights_program_has_the_pages_weights_in_both_layouts(case):
    s, layer, lay = page(**WEIGHT_CASES[case])
    torch_program, _ = weights_programs(s)
    namespace, printed = run(torch_program)
    rnn = namespace["rnn"]
    for name, value in lay.torch.items():  # the very numbers the page draws
        torch.testing.assert_close(
            getattr(rnn, name).detach(), torch.from_numpy(value), rtol=0, atol=0
        )
    for name, value in lay.keras.items():
        np.testing.assert_array_equal(namespace[name], value)
    shapes = shapes_printed(printed)
    for name, value in (*lay.torch.items(), *lay.keras.items()):
        assert shapes[name] == value.shape, name
    assert number_after("PyTorch parameters:", printed) == lay.torch_count
    assert number_after("Keras parameters:", printed) == lay.keras_count
    # Every check the page writes, gate by gate, with the page's difference (0: moved numbers).
    for kind in ("kernel", "recurrent", "bias"):
        for row in check_rows(lay, kind):
            line = f"{row.band.keras}: {row.keras} = {row.torch}  largest difference 0"
            assert row.diff == 0 and line in printed, line


@KERAS
@pytest.mark.parametrize("case", WEIGHT_CASES)
def test_keras_weights_program_prints_the_pages_names_shapes_and_count(keras, case):
    s, _, lay = page(**WEIGHT_CASES[case])
    _, keras_program = weights_programs(s)
    if s.rnn_cell == "gru":
        assert f"reset_after={s.reset_after}" in keras_program
    namespace, printed = run(keras_program)
    shapes = shapes_printed(printed)
    assert [name for name in shapes if name in KERAS_NAMES.values()] == list(lay.keras)
    for name, value in lay.keras.items():
        assert shapes[name] == value.shape
    assert number_after("count_params:", printed) == lay.keras_count
    assert namespace["layer"].count_params() == lay.keras_count
    for row in check_rows(lay, "kernel"):  # where each gate's columns are
        assert f"{row.band.keras}: {row.keras}" in printed


def check_shapes_printed(printed: str, s: Settings, torch_side: bool) -> None:
    shapes = tutorial_shapes(s)
    batch = tokenize_batch(s.text, filters=filters(s.punct))
    line = next(x for x in printed.splitlines() if x.startswith("word_index:"))
    assert ast.literal_eval(line[len("word_index:") :].strip()) == batch.word_index
    found = shapes_printed(printed)
    row = shapes.row
    assert found["ids"] == row("ids").shape
    if torch_side:
        V, D = shapes.V, s.rnn_d
        assert found[f"nn.Embedding({V}, {D})"] == row("embedding").shape
        assert found["nn.RNN out (return_sequences=True)"] == row("simple_seq").shape
        assert found["out[:, -1] (the last state)"] == row("simple_last").shape
        assert found["Keras kernel = weight_ih_l0.T"] == row("simple_kernel").shape
        assert found["Keras recurrent_kernel = weight_hh_l0.T"] == row("simple_recurrent").shape
        assert found["Keras bias = bias_ih_l0 + bias_hh_l0"] == row("simple_bias").shape
        assert found["nn.LSTM weight_ih_l0.T"] == row("lstm_kernel").shape
        assert found["nn.GRU weight_ih_l0.T"] == row("gru_kernel").shape
        assert found["bidirectional nn.LSTM"] == row("bi").shape
        counts = dict(
            re.findall(r"^(nn\.\w+|bidirectional nn\.LSTM).*params ([\d,]+)", printed, re.M)
        )
        keras = dict(
            re.findall(r"^(nn\.\w+|bidirectional nn\.LSTM).*Keras ([\d,]+)", printed, re.M)
        )
        for name, key in (("nn.RNN", "simple_seq"), ("nn.LSTM", "lstm_kernel"),
                          ("nn.GRU", "gru_kernel"), ("bidirectional nn.LSTM", "bi")):  # fmt: skip
            assert int(counts[name].replace(",", "")) == row(key).torch_params, name
            assert int(keras[name].replace(",", "")) == row(key).keras_params, name
    else:
        assert found[f"Embedding({shapes.V}, {s.rnn_d})"] == row("embedding").shape
        assert found["SimpleRNN(return_sequences=True)"] == row("simple_seq").shape
        assert found["SimpleRNN"] == row("simple_last").shape
        assert found["SimpleRNN kernel"] == row("simple_kernel").shape
        assert found["SimpleRNN recurrent_kernel"] == row("simple_recurrent").shape
        assert found["SimpleRNN bias"] == row("simple_bias").shape
        assert found["LSTM kernel"] == row("lstm_kernel").shape
        assert found["GRU kernel"] == row("gru_kernel").shape
        assert found["Bidirectional(LSTM(return_sequences=True))"] == row("bi").shape
        for label, key in (("SimpleRNN(return_sequences=True)", "simple_seq"),
                           ("LSTM params", "lstm_kernel"), ("GRU params", "gru_kernel"),
                           ("Bidirectional(LSTM(return_sequences=True))", "bi")):  # fmt: skip
            line = next(x for x in printed.splitlines() if x.startswith(label))
            assert int(re.search(r"params ([\d,]+)", line).group(1).replace(",", "")) == (
                row(key).keras_params
            ), label


@pytest.mark.parametrize("case", SHAPE_CASES)
def test_torch_shapes_program_prints_the_pages_shapes_and_counts(case):
    s = Settings(**SHAPE_CASES[case])
    torch_program, _ = shapes_programs(s)
    namespace, printed = run(torch_program)
    assert torch.equal(namespace["ids"], tokenize_batch(s.text, filters=filters(s.punct)).ids)
    check_shapes_printed(printed, s, torch_side=True)


@KERAS
@pytest.mark.parametrize("case", ["tutorial", "tutorial, punctuation dropped", "batch, korean"])
def test_keras_shapes_program_is_the_tutorials_and_prints_the_pages_shapes(keras, case):
    s = Settings(**SHAPE_CASES[case])
    _, keras_program = shapes_programs(s)
    assert ('Tokenizer(filters="")' in keras_program) == s.punct
    namespace, printed = run(keras_program)
    np.testing.assert_array_equal(
        namespace["ids"], tokenize_batch(s.text, filters=filters(s.punct)).ids.numpy()
    )
    check_shapes_printed(printed, s, torch_side=False)
    assert "Total params" in printed  # model.summary(), as the tutorial shows it


def test_the_tutorials_case_prints_the_tutorials_numbers():
    """The numbers the tutorial quotes, from the PyTorch program at its settings."""
    _, printed = run(shapes_programs(Settings(**SHAPE_CASES["tutorial"]))[0])
    found = shapes_printed(printed)
    assert found["nn.RNN out (return_sequences=True)"] == (1, 5, 64)
    assert found["out[:, -1] (the last state)"] == (1, 64)
    assert found["Keras kernel = weight_ih_l0.T"] == (100, 64)
    assert found["nn.LSTM weight_ih_l0.T"] == (100, 256)
    assert found["bidirectional nn.LSTM"] == (1, 5, 128)
