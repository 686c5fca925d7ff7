"""Step through time, 'show the code': the PyTorch program rebuilds the page's seeded weights and
prints step t for unit j (xₜ, hₜ₋₁, cₜ₋₁, every gate with its sums, the new state, the library's
own hₜ); the Keras 3 program loads the same weights and prints the gates under Keras' names and
the same hₜ. Both are compared with the page's numbers (unit_step and the run's trace)."""

import math
import re

import numpy as np
import pytest
import torch
from program_support import run

from lessons.recurrent.common import recurrent_run
from lessons.recurrent.step import unit_step
from lessons.recurrent.step_code import SHOWN, program_files, step_programs
from ui.code import LITERAL_LIMIT
from ui.downloads import to_npy
from ui.settings import Settings

KERAS = pytest.mark.keras
NUMBER = r"-?\d+\.\d+"

CASES = {  # settings, then (sentence b, step t 1..T, unit j 1..U)
    "lstm": (dict(), (0, 4, 3)),
    "gru, a batch's padding": (
        dict(rnn_cell="gru", text="the cat sat on the mat\nhi there ?", punct=True),
        (1, 2, 5),
    ),
    "simplernn, korean, t = 1": (
        dict(
            rnn_cell="simplernn", text="고양이가 피곤해서 매트 위에 앉았다", lang="ko", rnn_units=12
        ),
        (0, 1, 12),
    ),
    "lstm, last step, seed": (dict(seed=7, rnn_d=4, rnn_units=3), (0, 10, 2)),
}
KERAS_NAMES = {"i": "i", "f": "f", "g": "c", "o": "o", "r": "r", "z": "z", "n": "h"}


def page(case):
    settings, (b, t, j) = CASES[case]
    s = Settings(**settings)
    return s, recurrent_run(s), b, t, j


def numbers_after(label: str, printed: str) -> list[float]:
    line = next(x for x in printed.splitlines() if x.startswith(label))
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line[len(label) :])]


@pytest.mark.parametrize("case", CASES)
def test_torch_program_writes_the_pages_step(case):
    s, result, b, t, j = page(case)
    torch_program, _ = step_programs(result, s, b=b, t=t, j=j)
    namespace, printed = run(torch_program)
    assert torch.equal(namespace["ids"], result.batch.ids)
    torch.testing.assert_close(namespace["x"], result.x, rtol=0, atol=0)
    torch.testing.assert_close(namespace["out"], result.out, rtol=1e-5, atol=1e-6)
    step = unit_step(result, b, t, j)
    token = result.batch.tokens[b][t - 1]
    assert f"sentence {b + 1}, step t = {t} · {token}, unit {j}" in printed
    assert numbers_after("x_t:", printed) == pytest.approx(step.x[:SHOWN].tolist(), abs=1e-4)
    assert numbers_after("h_(t-1):", printed) == pytest.approx(
        step.h_prev[:SHOWN].tolist(), abs=1e-4
    )
    if step.c_prev is not None:
        assert numbers_after("c_(t-1):", printed) == pytest.approx(
            step.c_prev[:SHOWN].tolist(), abs=1e-4
        )
    for gate in step.gates:
        line = next(x for x in printed.splitlines() if x.startswith(f"{gate.name}_t[j] = "))
        values = [float(v) for v in re.findall(NUMBER, line)]
        if gate.reset is None:
            expected = [gate.wx, gate.uh, gate.bias, gate.pre, gate.value]
        else:
            expected = [gate.wx, gate.bias, gate.reset, gate.uh, gate.bias_h, gate.pre, gate.value]
        assert values == pytest.approx(expected, abs=2e-6), line
        squash = 1 / (1 + math.exp(-values[-2])) if gate.activation == "sigmoid" else None
        squash = math.tanh(values[-2]) if squash is None else squash
        assert squash == pytest.approx(gate.value, abs=1e-5)  # act(printed sum) = the gate
    if step.c is not None:
        assert numbers_after("c_t[j] = f·c_(t-1) + i·g =", printed)[0] == pytest.approx(
            step.c, abs=2e-6
        )
    assert numbers_after("h_t[j] by hand =", printed)[0] == pytest.approx(step.h, abs=2e-6)
    name = {"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"}[result.cell]
    assert numbers_after(f"nn.{name}: h_t[j] =", printed)[0] == pytest.approx(step.h, abs=2e-6)
    shown = result.trace.h[b, t - 1, :SHOWN].tolist()
    assert numbers_after("h_t:", printed) == pytest.approx(shown, abs=1e-4)


@KERAS
@pytest.mark.parametrize("case", CASES)
def test_keras_program_prints_the_same_step(keras, case):
    s, result, b, t, j = page(case)
    _, keras_program = step_programs(result, s, b=b, t=t, j=j)
    assert "np.load" not in keras_program  # small enough for literals
    namespace, printed = run(keras_program)
    step = unit_step(result, b, t, j)
    np.testing.assert_allclose(namespace["out"][0], result.out[b].numpy(), atol=1e-5)
    pattern = r"gate (\w) \(PyTorch's (\w)\) at unit j: (-?[\d.]+)"
    found = {keras_name: (name, float(v)) for keras_name, name, v in re.findall(pattern, printed)}
    gates = [gate for gate in step.gates if result.cell != "simplernn"]
    assert len(found) == len(gates)
    for gate in gates:
        torch_name, value = found[KERAS_NAMES[gate.name]]
        assert torch_name == gate.name
        assert value == pytest.approx(gate.value, abs=2e-6)
    assert numbers_after("Keras: h_t[j] =", printed)[0] == pytest.approx(step.h, abs=2e-6)
    if result.cell != "lstm":
        assert numbers_after("h_t[j] by hand =", printed)[0] == pytest.approx(step.h, abs=2e-6)


@KERAS
def test_keras_program_loads_the_pages_downloads_at_the_tutorials_sizes(
    keras, tmp_path, monkeypatch
):
    s = Settings(text="What time is it ?", rnn_d=100, rnn_units=64, punct=True)
    result = recurrent_run(s)
    files = program_files(result, 0)
    assert set(files) == {"kernel", "recurrent_kernel"}  # x (1, 5, 100) and bias are literals
    assert all(tensor.numel() > LITERAL_LIMIT for tensor in files.values())
    _, keras_program = step_programs(result, s, b=0, t=5, j=64)
    assert "np.load('kernel.npy')" in keras_program
    for name, tensor in files.items():
        (tmp_path / f"{name}.npy").write_bytes(to_npy(tensor.numpy()))
    monkeypatch.chdir(tmp_path)
    namespace, printed = run(keras_program)
    assert namespace["out"].shape == (1, 5, 64)  # the tutorial's (1, 5, 64)
    h = float(result.trace.h[0, 4, 63])
    assert numbers_after("Keras: h_t[j] =", printed)[0] == pytest.approx(h, abs=2e-6)
