"""Attention step by step, 'show the code': each program, run, prints the page's own numbers."""

import ast
import re

import numpy as np
import pytest
import torch
from program_support import run

from layers.attention import row_entropy
from lessons.attention.common import attention_run
from lessons.attention.steps import lesson_numbers
from lessons.attention.steps_code import keras_flat, program_files, steps_programs
from ui.code import LITERAL_LIMIT
from ui.downloads import to_npy
from ui.settings import Settings

KERAS = pytest.mark.keras

CASES = {
    "default": dict(),
    "korean": dict(text="고양이가 피곤해서 매트 위에 앉았다", lang="ko", att_heads=2),
    "batch, causal, no positions": dict(
        text="the cat sat\non the mat, the cat slept!\n\n...\nhi", causal=True, pe=False
    ),
    "wide, one head": dict(att_d=512, att_heads=1, seed=7),
}


def page(b=None, h=None, **settings):
    """What the page computes for these settings, the shown sentence and head, its programs."""
    s = Settings(**settings)
    result = attention_run(s)
    B, H = len(result.batch.tokens), s.att_heads
    b = B - 1 if b is None else b  # the last line: the shortest in the batch cases
    h = H - 1 if h is None else h
    return s, result, b, h, steps_programs(result, s, b=b, h=h)


def printed_row(printed: str) -> np.ndarray:
    line = next(x for x in printed.splitlines() if x.startswith("weights, head"))
    return np.array(ast.literal_eval(line.split(":", 1)[1].strip()))  # a printed list


@pytest.mark.parametrize("case", CASES)
def test_torch_program_rebuilds_the_pages_layer_and_prints_its_numbers(case):
    s, result, b, h, (torch_program, _) = page(**CASES[case])
    namespace, printed = run(torch_program)
    # the same ids, token vectors and weights, to the last bit
    assert torch.equal(namespace["ids"], result.batch.ids)
    torch.testing.assert_close(namespace["x"], result.x, rtol=0, atol=0)
    mha, layer = namespace["mha"], result.layer
    torch.testing.assert_close(
        mha.in_proj_weight.detach(), torch.cat([layer.w_q, layer.w_k, layer.w_v]), rtol=0, atol=0
    )
    torch.testing.assert_close(mha.out_proj.weight.detach(), layer.w_o.detach(), rtol=0, atol=0)
    # PyTorch's own forward pass gives the page's output and weights where a query sees a key
    sees = ~result.scaled.mask[:, 0].all(dim=-1)  # (B, T)
    torch.testing.assert_close(namespace["out"][sees], result.out[sees], rtol=1e-4, atol=1e-5)
    weights = namespace["weights"].transpose(1, 2)[sees]  # (B, T, H, S) rows that see
    page_weights = result.scaled.weights.transpose(1, 2)[sees]
    torch.testing.assert_close(weights, page_weights, rtol=1e-4, atol=1e-6)
    # what it prints is what the page shows
    count = layer.param_count()
    assert f"parameters: {count:,} = 4·(D² + D) = {4 * (s.att_d**2 + s.att_d):,}" in printed
    np.testing.assert_allclose(
        printed_row(printed), result.scaled.weights[b, h, -1].numpy(), atol=6e-5
    )
    numbers = lesson_numbers(result, b, h)
    found = re.findall(
        r"(with ÷√Dh|without): std of scores ([\d.]+), top weight ([\d.]+), entropy ([\d.]+)",
        printed,
    )
    assert [name for name, *_ in found] == ["with ÷√Dh", "without"]
    for (_, std, top, entropy), scaled in zip(found, (True, False), strict=True):
        assert float(std) == pytest.approx(numbers.std[scaled], abs=2e-4, rel=1e-4)
        assert float(top) == pytest.approx(numbers.top[scaled], abs=2e-4)
        assert float(entropy) == pytest.approx(numbers.mean_entropy[scaled], abs=2e-4)
    limit = float(re.search(r"most a row can have: ([\d.]+) nats", printed).group(1))
    assert limit == pytest.approx(numbers.mean_maximum, abs=1e-4)


def test_the_wide_head_saturates_in_the_program_as_on_the_page():
    _, result, b, h, (torch_program, _) = page(att_d=512, att_heads=1)
    _, printed = run(torch_program)
    entropies = [float(e) for e in re.findall(r"entropy ([\d.]+) nats", printed)]
    numbers = lesson_numbers(result, b, h)
    assert entropies[1] < 0.5 * entropies[0]  # without ÷√Dh the rows collapse onto one key
    assert numbers.mean_entropy[False] < 0.5 * numbers.mean_entropy[True]


def test_a_line_without_words_and_a_long_line_are_read_as_the_page_reads_them():
    long_line = " ".join(f"w{i % 37}" for i in range(600))  # cut to 512 tokens at the end
    _, result, b, h, (torch_program, _) = page(text=f"!!!\n{long_line}\nshort one", att_d=8)
    namespace, _ = run(torch_program)
    assert torch.equal(namespace["ids"], result.batch.ids)
    assert namespace["ids"].shape == (2, 512)


@KERAS
@pytest.mark.parametrize("case", ["default", "batch, causal, no positions"])
def test_keras_program_prints_the_pages_weights_and_keras_counts(keras, case):
    s, result, b, h, (_, keras_program) = page(**CASES[case])
    assert "np.load" not in keras_program  # small enough for literals
    namespace, printed = run(keras_program)
    D = s.att_d
    count = 4 * (D * D + D)
    assert f"count_params: {count:,} = 4·(D² + D) = {count:,}" in printed
    assert namespace["mha"].count_params() == result.layer.keras_param_count() == count
    shapes = [tuple(w.shape) for w in namespace["mha"].get_weights()]
    assert shapes == [tuple(w.shape) for w in result.layer.keras_weights().values()]
    np.testing.assert_allclose(
        printed_row(printed), result.scaled.weights[b, h, -1].numpy(), atol=6e-5
    )
    np.testing.assert_allclose(
        namespace["weights"], result.scaled.weights.numpy(), rtol=1e-4, atol=1e-6
    )  # every row, the blind ones too: Keras gives them zeros as the page does


@KERAS
def test_keras_program_loads_the_pages_downloads_when_large(keras, tmp_path, monkeypatch):
    s, result, b, h, (_, keras_program) = page(att_d=64, att_heads=8)
    files = program_files(result)
    assert set(files) == {"keras_weights"}  # x (1, 10, 64) still fits as a literal
    assert result.x.numel() <= LITERAL_LIMIT < keras_flat(result).numel()
    assert "np.load('keras_weights.npy')" in keras_program
    for name, tensor in files.items():
        (tmp_path / f"{name}.npy").write_bytes(to_npy(tensor.numpy()))
    monkeypatch.chdir(tmp_path)
    namespace, printed = run(keras_program)
    np.testing.assert_allclose(
        namespace["weights"], result.scaled.weights.numpy(), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        printed_row(printed), result.scaled.weights[b, h, -1].numpy(), atol=6e-5
    )


@pytest.mark.parametrize("case", ["default", "batch, causal, no positions"])
def test_the_lessons_entropy_is_the_layers_row_entropy(case):
    _, result, b, h, _ = page(**CASES[case])
    numbers = lesson_numbers(result, b, h)
    for scaled in (True, False):
        expected = row_entropy(result.trace(scaled).weights[b, h]).numpy()
        np.testing.assert_allclose(numbers.entropy[scaled], expected, rtol=1e-5, atol=1e-6)
    visible = (~result.scaled.mask[b, 0]).sum(dim=-1).double().numpy()
    np.testing.assert_allclose(numbers.maximum, np.log(np.maximum(visible, 1)), rtol=1e-6)
