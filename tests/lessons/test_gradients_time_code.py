"""Gradients through time: the page's numbers, and its programs, run, equal layers/ on nn twins."""

import math

import numpy as np
import pytest
import torch
from program_support import run
from torch import nn

from layers import GRU, LSTM, SimpleRNN, make_generator
from layers.gradients import grad_through_time
from lessons.gradients import time as through
from lessons.gradients.time_code import NAMES, time_programs
from ui.code import LITERAL_LIMIT

KERAS = pytest.mark.keras
TEXT = "The cat sat on the mat because it was tired"


def result(text=TEXT, d=16, units=16, rinit="orthogonal", gain=1.0, seed=0):
    sent = through.sentence(text, d, seed)
    return through.through_time(sent, units, rinit, gain, seed)


def programs(r, units, rinit, gain, seed=0, file="time_x.npy"):
    seed_value = make_generator(seed, through.PURPOSE).initial_seed()
    return time_programs(
        r.sentence.x, list(r.sentence.tokens), units, rinit, gain, seed_value, file
    )


def check_norms(namespace, r, rtol=2e-5):
    assert list(namespace["norms"]) == list(NAMES)
    got = np.stack([np.asarray(v, dtype=np.float64) for v in namespace["norms"].values()], 1)
    np.testing.assert_allclose(got, r.norms.numpy().astype(np.float64), rtol=rtol, atol=0)


# --- the page's computation ----------------------------------------------------------------


def test_the_cells_carry_keras_defaults_apart_from_the_recurrent_weights():
    cells = through.build_cells(5, 4, "orthogonal", 1.0, 0)
    assert cells["rnn_tanh"].activation == "tanh" and cells["rnn_relu"].activation == "relu"
    for name in ("weight_ih", "weight_hh"):  # both SimpleRNNs share their weights
        torch.testing.assert_close(
            getattr(cells["rnn_tanh"], name), getattr(cells["rnn_relu"], name)
        )
    for cell in cells.values():
        w = cell.weight_hh.detach()
        torch.testing.assert_close(w.T @ w, torch.eye(4), atol=1e-6, rtol=0)  # orthonormal
        assert not cell.bias_hh.any()
    lstm_bias = cells["lstm"].keras_weights()["bias"]
    np.testing.assert_array_equal(lstm_bias, np.repeat([0.0, 1.0, 0.0, 0.0], 4))
    assert not cells["gru"].bias_ih.any()


@pytest.mark.parametrize("U", [1, 16, 64])
def test_orthogonal_weights_have_every_singular_value_equal_to_the_gain(U):
    r = result(units=U, gain=2.5)
    assert r.sigma == pytest.approx(2.5, rel=1e-5)
    assert r.rho == pytest.approx(2.5, rel=1e-5)  # |every eigenvalue| = gain too


def test_uniform_weights_are_pytorchs_default_times_the_gain():
    cells = through.build_cells(6, 16, "uniform", 1.0, 3)
    doubled = through.build_cells(6, 16, "uniform", 2.0, 3)
    for name, cell in cells.items():
        w = cell.weight_hh.detach()
        assert w.abs().max() <= 1 / math.sqrt(16)
        torch.testing.assert_close(doubled[name].weight_hh.detach(), 2 * w)
        torch.testing.assert_close(doubled[name].weight_ih, cell.weight_ih)  # only W_hh moves


def test_the_norms_are_grad_through_time_on_the_cells():
    r = result()
    for k, name in enumerate(through.CELLS):
        _, trace = grad_through_time(r.cells[name], r.sentence.x)
        torch.testing.assert_close(r.norms[:, k], trace.dh_norm)
    torch.testing.assert_close(r.norms[:, 4], r.traces["lstm"].dc_norm)
    assert r.norms.shape == (len(r.sentence.tokens), 5)
    torch.testing.assert_close(r.norms[-1, :4], torch.full((4,), 4.0))  # ‖1‖ over U = 16


def test_the_norms_equal_autograd_on_torch_nn_twins():
    # The page's own cells copied into torch.nn modules: nn's autograd gives the same ∂L/∂h_t.
    r = result(rinit="uniform", gain=1.5)
    x = r.sentence.x
    B, T, D = x.shape
    for k, (name, make) in enumerate(
        {
            "rnn_tanh": lambda: nn.RNN(D, 16, nonlinearity="tanh", batch_first=True),
            "rnn_relu": lambda: nn.RNN(D, 16, nonlinearity="relu", batch_first=True),
            "lstm": lambda: nn.LSTM(D, 16, batch_first=True),
            "gru": lambda: nn.GRU(D, 16, batch_first=True),
        }.items()
    ):
        module, cell = make(), r.cells[name]
        with torch.no_grad():
            for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(module, p + "_l0").copy_(getattr(cell, p))
        h = torch.zeros(1, B, 16)
        state = (h, torch.zeros(1, B, 16)) if name == "lstm" else h
        hs = []
        for t in range(T):
            _, state = module(x[:, t : t + 1], state)
            h = state[0] if name == "lstm" else state
            h.retain_grad()
            hs.append(h)
        h.sum().backward()
        norms = torch.stack([torch.linalg.norm(h.grad) for h in hs])
        torch.testing.assert_close(r.norms[:, k], norms)


def test_the_defaults_vanish_and_a_large_gain_explodes():
    """What a teacher shows: at Keras' default the SimpleRNN's gradient shrinks back in time,
    PyTorch's uniform init shrinks it faster, a gain of 3 makes ReLU's grow, and the LSTM's cell
    path stays flattest of all at the default."""
    ratio = lambda r, k: float(r.norms[0, k] / r.norms[-1, k])  # noqa: E731
    keras, torch_default, big = result(), result(rinit="uniform"), result(gain=3.0)
    assert ratio(keras, 0) < 0.1  # tanh: vanishing
    assert ratio(torch_default, 0) < ratio(keras, 0) / 10
    assert ratio(big, 1) > 10  # ReLU at gain 3: exploding
    assert ratio(keras, 4) == max(ratio(keras, k) for k in range(5))  # the cell path


def test_the_sentence_is_the_first_line_capped():
    long = " ".join(f"w{k}" for k in range(100))
    sent = through.sentence(f"{long}\nanother line", 8, 0)
    assert sent.total == 100
    assert sent.tokens == tuple(f"w{k}" for k in range(through.MAX_STEPS))
    assert sent.x.shape == (1, through.MAX_STEPS, 8)
    assert through.sentence("", 8, 0) is None
    assert through.sentence("  \n!!! ???", 8, 0) is None  # no word on its first line


def test_blown_up_ratios_are_written_not_raised():
    assert math.isinf(through._ratio(torch.tensor([1.0, 0.0])))
    assert math.isnan(through._ratio(torch.tensor([0.0, 0.0])))
    assert through._per_step(0.01, 3) == pytest.approx(0.1)
    assert through._per_step(0.5, 1) == 1.0


def test_a_bad_recurrent_init_raises_a_sentence():
    with pytest.raises(ValueError, match="orthogonal"):
        through.recurrent_weights(3, 4, "zeros", 1.0, make_generator(0, "x"))


# --- the programs --------------------------------------------------------------------------

CASES = [("orthogonal", 1.0, 16), ("uniform", 1.0, 16), ("orthogonal", 3.0, 5), ("uniform", 2.5, 1)]


@pytest.mark.parametrize(("rinit", "gain", "units"), CASES)
def test_the_pytorch_program_gives_the_page_s_norms(rinit, gain, units):
    r = result(rinit=rinit, gain=gain, units=units)
    namespace, printed = run(programs(r, units, rinit, gain)[0])
    check_norms(namespace, r)
    assert f"first / last = {float(r.norms[0, 0] / r.norms[-1, 0]):.3g}" in printed
    assert "nn.init.orthogonal_" in programs(r, units, rinit, gain)[0] or rinit == "uniform"


@KERAS
@pytest.mark.parametrize(("rinit", "gain", "units"), CASES)
def test_the_keras_program_gives_the_page_s_norms(keras, monkeypatch, rinit, gain, units):
    monkeypatch.setenv("KERAS_BACKEND", "torch")  # the program sets it; restore it afterwards
    r = result(rinit=rinit, gain=gain, units=units)
    namespace, _ = run(programs(r, units, rinit, gain)[1])
    check_norms(namespace, r)


def test_one_token_runs():
    r = result(text="hello")
    assert r.norms.shape == (1, 5)
    namespace, _ = run(programs(r, 16, "orthogonal", 1.0)[0])
    check_norms(namespace, r)


def test_a_large_sentence_is_loaded_from_the_page_s_download(tmp_path, monkeypatch):
    r = result(text=" ".join(f"w{k}" for k in range(60)), d=128, units=4, rinit="uniform")
    assert r.sentence.x.numel() > LITERAL_LIMIT
    np.save(tmp_path / "time_x.npy", r.sentence.x.numpy())
    monkeypatch.chdir(tmp_path)
    torch_program, keras_program = programs(r, 4, "uniform", 1.0)
    assert "np.load('time_x.npy')" in torch_program
    assert "np.load('time_x.npy')" in keras_program
    check_norms(run(torch_program)[0], r)


def test_odd_tokens_stay_inside_their_literals():
    tokens = ["it's", '"x"', "\\", "고양이", "😀", "'''"]
    x = torch.zeros(1, len(tokens), 2)
    for program in time_programs(x, tokens, 3, "orthogonal", 1.0, 7):
        compile(program, "<show the code>", "exec")
        assert repr(tokens) in program


@pytest.mark.parametrize("cell", [SimpleRNN, LSTM, GRU])
def test_the_page_s_cells_are_layers_cells(cell):
    assert any(isinstance(c, cell) for c in through.build_cells(2, 3, "uniform", 1.0, 0).values())
