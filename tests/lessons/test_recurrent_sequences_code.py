"""The sequences and bidirectional parts' 'show the code': each program, run, prints the page's
own shapes and numbers (the last state, its distance from the last row, the backward state at
row 0, "post" padding's last state), PyTorch with torch.nn's layers and Keras 3 with its own."""

import math
import re

import numpy as np
import pytest
import torch
from program_support import run

from lessons.recurrent.bidirectional import bidirectional_numbers
from lessons.recurrent.common import bidirectional_run, recurrent_run
from lessons.recurrent.sequences import difference, last_state, number, post_padded
from lessons.recurrent.sequences_code import (
    SHOWN,
    WEIGHTS_FILE,
    bidirectional_programs,
    keras_flat,
    program_files,
    sequences_programs,
)
from ui.code import LITERAL_LIMIT
from ui.downloads import to_npy
from ui.settings import Settings

KERAS = pytest.mark.keras

CASES = {
    "default": dict(),
    "batch, gru, punctuation": dict(
        text="the cat sat on the mat !\n\na short one ?\n🙂 <b>x</b>", rnn_cell="gru", punct=True
    ),
    "korean, simplernn": dict(
        text="고양이가 피곤해서 매트 위에 앉았다",
        lang="ko",
        rnn_cell="simplernn",
        seed=3,
        rnn_units=5,
    ),
}


def page(**settings):
    """Settings, the run, the Bidirectional run and the last sentence (the shortest here)."""
    s = Settings(**settings)
    result = recurrent_run(s)
    return s, result, bidirectional_run(s), len(result.batch.tokens) - 1


def numbers_after(label: str, printed: str) -> list[float]:
    """The numbers on the first printed line that starts with `label`, after it."""
    line = next(x for x in printed.splitlines() if x.startswith(label))
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line[len(label) :])]


def close(printed: float, value: float) -> bool:
    """A number printed with three significant digits is the page's value."""
    if value == 0:
        return printed == 0
    return abs(printed - value) <= 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 2) + 1e-6


def shape(printed: str, label: str) -> tuple[int, ...]:
    line = next(x for x in printed.splitlines() if x.startswith(label))
    return tuple(int(n) for n in re.search(r"\(([\d, ]+)\)", line).group(1).split(","))


def check_sequences(printed: str, s, result, b) -> None:
    """What both sequences programs print: the last state and its distance from the last row."""
    last = last_state(s, result.layer, result.x)
    assert close(
        numbers_after("max |h_T - out[:, -1]|", printed)[0], difference(last[b], result.out[b, -1])
    )
    assert f"max |h_T - out[:, -1]| = {number(difference(last[b], result.out[b, -1]))}" in printed
    values = numbers_after("h_T:", printed)
    assert values == pytest.approx(result.out[b, -1, :SHOWN].tolist(), abs=1e-4)


def check_bidirectional(printed: str, s, result, bi, b, keras: bool) -> None:
    last = last_state(s, bi.layer, result.x, "bi")
    numbers = bidirectional_numbers(bi, last, b)
    labels = (
        ("max |last[:U] - seq[-1, :U]|", "max |last[U:] - seq[0, U:]|", "max |last - seq[-1]|")
        if keras
        else (
            "max |h_n[0] - output[:, -1, :U]|",
            "max |h_n[1] - output[:, 0, U:]|",
            "max |last - output[:, -1]|",
        )
    )
    for label, key in zip(labels, ("fwd", "bwd", "row"), strict=True):
        assert close(numbers_after(label, printed)[0], numbers[key]), label
    U = bi.layer.units
    assert numbers_after("forward half:", printed) == pytest.approx(
        last[b, :U][:SHOWN].tolist(), abs=1e-4
    )
    assert numbers_after("backward half:", printed) == pytest.approx(
        last[b, U:][:SHOWN].tolist(), abs=1e-4
    )


@pytest.mark.parametrize("case", CASES)
def test_torch_sequences_program_prints_the_pages_numbers(case):
    s, result, _, b = page(**CASES[case])
    torch_program, _ = sequences_programs(result, s, b=b)
    namespace, printed = run(torch_program)
    assert torch.equal(namespace["ids"], result.batch.ids)
    torch.testing.assert_close(namespace["x"], result.x, rtol=0, atol=0)
    torch.testing.assert_close(namespace["output"], result.out, rtol=1e-4, atol=1e-5)
    B, T, U = result.out.shape
    assert shape(printed, "output:") == (B, T, U)
    assert shape(printed, "h_n:") == (1, B, U)
    assert ("c_n:" in printed) == (result.cell == "lstm")
    assert "output[:, -1] equals h_n[0]: True" in printed
    assert f"last word: {result.batch.tokens[b][-1]}" in printed
    check_sequences(printed, s, result, b)
    post = post_padded(result, b)
    if post is None:
        assert "padding='post'" not in printed
    else:
        steps, moved = post
        assert f"padding='post': {steps} padding steps" in printed
        assert close(numbers_after("padding='post'", printed)[-1], moved)


def test_the_batch_case_pads_its_last_line():
    s, result, _, b = page(**CASES["batch, gru, punctuation"])
    assert bool(result.batch.padding_mask[b, 0])  # the case does what its name says
    assert post_padded(result, b) is not None


@pytest.mark.parametrize("case", CASES)
def test_torch_bidirectional_program_prints_the_pages_numbers(case):
    s, result, bi, b = page(**CASES[case])
    torch_program, _ = bidirectional_programs(result, bi, s, b=b)
    namespace, printed = run(torch_program)
    torch.testing.assert_close(namespace["output"], bi.out, rtol=1e-4, atol=1e-5)
    B, T, U2 = bi.out.shape
    assert shape(printed, "output:") == (B, T, U2)
    assert shape(printed, "h_n:") == (2, B, U2 // 2)
    assert shape(printed, "last:") == (B, U2)
    check_bidirectional(printed, s, result, bi, b, keras=False)


@KERAS
@pytest.mark.parametrize("case", ["default", "batch, gru, punctuation", "korean, simplernn"])
def test_keras_programs_print_the_same_numbers(keras, case):
    s, result, bi, b = page(**CASES[case])
    _, sequences_keras = sequences_programs(result, s, b=b)
    _, bidirectional_keras = bidirectional_programs(result, bi, s, b=b)
    assert "np.load" not in sequences_keras + bidirectional_keras  # small enough for literals
    namespace, printed = run(sequences_keras)
    np.testing.assert_allclose(namespace["seq"], result.out.numpy(), rtol=1e-4, atol=1e-5)
    B, T, U = result.out.shape
    assert shape(printed, "return_sequences=True:") == (B, T, U)
    assert shape(printed, "return_sequences=False:") == (B, U)
    states = re.search(r"return_state=True: +(\[.*\])", printed).group(1)
    expected = [(B, T, U), (B, U)] + ([(B, U)] if result.cell == "lstm" else [])
    assert states == repr(expected)
    check_sequences(printed, s, result, b)
    namespace, printed = run(bidirectional_keras)
    np.testing.assert_allclose(namespace["seq"], bi.out.numpy(), rtol=1e-4, atol=1e-5)
    assert shape(printed, "return_sequences=True:") == (B, T, 2 * U)
    assert shape(printed, "return_sequences=False:") == (B, 2 * U)
    check_bidirectional(printed, s, result, bi, b, keras=True)


@KERAS
def test_keras_programs_load_the_pages_downloads_when_large(keras, tmp_path, monkeypatch):
    s = Settings(text="What time is it ?", rnn_d=100, rnn_units=64, punct=True)
    result, bi = recurrent_run(s), bidirectional_run(s)
    files = {**program_files(result), **program_files(result, bi)}
    assert set(files) == set(WEIGHTS_FILE.values())  # x (1, 5, 100) is written out
    assert keras_flat(result.layer).numel() == result.layer.keras_param_count() > LITERAL_LIMIT
    _, sequences_keras = sequences_programs(result, s, b=0)
    _, bidirectional_keras = bidirectional_programs(result, bi, s, b=0)
    assert f"np.load('{WEIGHTS_FILE['sequences']}.npy')" in sequences_keras
    for name, tensor in files.items():
        (tmp_path / f"{name}.npy").write_bytes(to_npy(tensor.numpy()))
    monkeypatch.chdir(tmp_path)
    _, printed = run(sequences_keras)
    assert "return_sequences=True:  (1, 5, 64)" in printed
    assert "return_sequences=False: (1, 64)" in printed
    check_sequences(printed, s, result, 0)
    _, printed = run(bidirectional_keras)
    assert "return_sequences=True:  (1, 5, 128)" in printed
    assert "return_sequences=False: (1, 128)" in printed
    check_bidirectional(printed, s, result, bi, 0, keras=True)
