"""All heads and explain a number, 'show the code': each program, run, prints the page's numbers
(the part's reading of the heads; the explained cell's score, weight and output rows)."""

import re

import numpy as np
import pytest
import torch
from program_support import run

from lessons.attention.common import attention_run, line_index
from lessons.attention.explain import cell_numbers
from lessons.attention.heads import head_reading
from lessons.attention.heads_code import SHOWN, explain_programs, heads_programs
from lessons.attention.steps_code import keras_flat, program_files
from ui.code import LITERAL_LIMIT
from ui.downloads import to_npy
from ui.settings import Settings

KERAS = pytest.mark.keras

CASES = {
    "default": dict(),
    "korean": dict(text="고양이가 피곤해서 매트 위에 앉았다", lang="ko", att_heads=2),
    "batch, causal, no positions": dict(
        text="the cat sat\non the mat, the cat slept!\n\n...\nhi there", causal=True, pe=False
    ),
    "unscaled": dict(scaled=False, att_d=24, att_heads=6, seed=3),
}
# (query, key) per case: a hidden key in the causal batch, padding in its last line
CELLS = {"default": (4, 2), "korean": (3, 0), "batch, causal, no positions": (4, 5),
         "unscaled": (9, 1)}  # fmt: skip


def page(**settings):
    """Settings, run, the last line and last head (the batch's shortest line)."""
    s = Settings(**settings)
    result = attention_run(s)
    b = len(result.batch.tokens) - 1
    return s, result, line_index(Settings(line=b + 1), result), s.att_heads - 1


def numbers_after(label: str, printed: str) -> list[float]:
    """The numbers on the first printed line that starts with `label`, after it."""
    line = next(x for x in printed.splitlines() if x.startswith(label))
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line[len(label) :])]


def check_heads(printed: str, result, s, b, h) -> None:
    reading = head_reading(result, s.scaled, b, h)
    found = dict(re.findall(r"head (\d+): mean entropy ([\d.]+) nats", printed))
    assert sorted(int(k) for k in found) == list(range(1, s.att_heads + 1))
    for head, value in found.items():
        assert float(value) == pytest.approx(reading.entropy[int(head) - 1], abs=1.5e-3)
    average = float(re.search(r"all heads: ([\d.]+) nats", printed).group(1))
    assert average == pytest.approx(reading.average, abs=1.5e-3)
    tokens = result.batch.tokens[b]
    for i, j, w in reading.picks:  # the page's "reads most" line, one print each
        assert f"{i} · {tokens[i]} → {j} · {tokens[j]} ({w:.2f})" in printed


def check_cell(printed: str, result, s, b, h, i, j) -> None:
    cell = cell_numbers(result, s.scaled, b, h, i, j)
    assert numbers_after("q_i", printed) == pytest.approx(cell.q.tolist(), abs=1e-4)
    assert numbers_after("k_j", printed) == pytest.approx(cell.k.tolist(), abs=1e-4)
    assert numbers_after("q_i · k_j", printed)[0] == pytest.approx(cell.dot, abs=1e-5)
    assert numbers_after("score s_ij", printed)[0] == pytest.approx(cell.score, abs=1e-5)
    assert f"hidden by the mask: {bool(cell.hidden[j])}" in printed
    assert numbers_after("weight w_ij", printed)[0] == pytest.approx(cell.weight, abs=1e-6)
    assert numbers_after("o_i", printed) == pytest.approx(cell.head_out.tolist(), abs=1e-4)
    assert numbers_after("out_i", printed) == pytest.approx(cell.out[:SHOWN].tolist(), abs=1e-4)


@pytest.mark.parametrize("case", CASES)
def test_torch_heads_program_prints_the_parts_reading(case):
    s, result, b, h = page(**CASES[case])
    torch_program, _ = heads_programs(result, s, b=b, h=h)
    namespace, printed = run(torch_program)
    assert torch.equal(namespace["ids"], result.batch.ids)
    torch.testing.assert_close(namespace["x"], result.x, rtol=0, atol=0)
    torch.testing.assert_close(
        namespace["grid"], result.trace(s.scaled).weights, rtol=1e-4, atol=1e-6
    )
    check_heads(printed, result, s, b, h)
    if s.scaled:  # the by-hand maps are nn.MultiheadAttention's own
        assert "the same weights as nn.MultiheadAttention: True" in printed
    else:
        assert "nn.MultiheadAttention:" not in printed


@pytest.mark.parametrize("case", CASES)
def test_torch_explain_program_writes_the_pages_cell(case):
    s, result, b, h = page(**CASES[case])
    i, j = CELLS[case]
    torch_program, _ = explain_programs(result, s, b=b, h=h, i=i, j=j)
    _, printed = run(torch_program)
    check_cell(printed, result, s, b, h, i, j)
    tokens = result.batch.tokens[b]
    assert f"query {i} · {tokens[i]}, key {j} · {tokens[j]}, head {h + 1}" in printed
    if s.scaled:  # PyTorch's own layer agrees with the cell
        weight, *out = numbers_after("nn.MultiheadAttention", printed)
        cell = cell_numbers(result, True, b, h, i, j)
        assert weight == pytest.approx(cell.weight, abs=1e-6)
        assert out == pytest.approx(cell.out[:SHOWN].tolist(), abs=1e-4)


def test_the_causal_batch_case_explains_a_hidden_key():
    s, result, b, h = page(**CASES["batch, causal, no positions"])
    i, j = CELLS["batch, causal, no positions"]
    assert bool(result.scaled.mask[b, 0, i, j])  # the case does what its name says
    _, printed = run(explain_programs(result, s, b=b, h=h, i=i, j=j)[0])
    assert "hidden by the mask: True" in printed
    assert "weight w_ij = 0.000000" in printed


@KERAS
@pytest.mark.parametrize("case", ["default", "batch, causal, no positions", "unscaled"])
def test_keras_programs_print_the_same_numbers(keras, case):
    s, result, b, h = page(**CASES[case])
    i, j = CELLS[case]
    _, heads_keras = heads_programs(result, s, b=b, h=h)
    _, explain_keras = explain_programs(result, s, b=b, h=h, i=i, j=j)
    assert "np.load" not in heads_keras  # small enough for literals
    namespace, printed = run(heads_keras)
    np.testing.assert_allclose(
        namespace["grid"], result.trace(s.scaled).weights.numpy(), rtol=1e-4, atol=1e-6
    )
    check_heads(printed, result, s, b, h)
    _, printed = run(explain_keras)
    check_cell(printed, result, s, b, h, i, j)
    if s.scaled:
        assert "the same weights as Keras: True" in printed
        weight, *_ = numbers_after("Keras", printed)
        assert weight == pytest.approx(float(result.scaled.weights[b, h, i, j]), abs=1e-6)


@KERAS
def test_keras_programs_load_the_pages_downloads_when_large(keras, tmp_path, monkeypatch):
    s, result, b, h = page(att_d=64, att_heads=8)
    files = program_files(result)
    assert set(files) == {"keras_weights"}
    assert keras_flat(result).numel() > LITERAL_LIMIT
    _, explain_keras = explain_programs(result, s, b=b, h=h, i=2, j=7)
    assert "np.load('keras_weights.npy')" in explain_keras
    for name, tensor in files.items():
        (tmp_path / f"{name}.npy").write_bytes(to_npy(tensor.numpy()))
    monkeypatch.chdir(tmp_path)
    _, printed = run(explain_keras)
    check_cell(printed, result, s, b, h, 2, 7)
