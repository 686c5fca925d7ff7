"""The depth part's 'show the code': each program, run, gives the gradient norms our layers give."""

import re

import numpy as np
import pytest
import torch
from program_support import run

from layers.gradients import dense_stack_gradients
from lessons.gradients import code
from lessons.gradients.common import BATCH
from lessons.gradients.depth import draw_weights, input_batch
from ui.code import LITERAL_LIMIT
from ui.downloads import to_npy
from ui.settings import CHOICES

KERAS = pytest.mark.keras


def page(scheme, activation, *, depth=4, width=8, slope=0.01, bn=False, seed=3):
    """What the page computes, and its two programs."""
    x = input_batch(width, seed)
    weights, biases = draw_weights(scheme, depth, width, seed)
    _, trace = dense_stack_gradients(x, weights, biases, activation, slope=slope, batchnorm=bn)
    programs = code.depth_programs(
        x, weights, biases, scheme=scheme, activation=activation, slope=slope, bn=bn, seed=seed
    )
    return trace, programs, (x, weights, biases)


def check(namespace, printed, trace):
    norms = np.array(namespace["norms"])
    torch.testing.assert_close(
        torch.from_numpy(norms).float(), trace.grad_norm, rtol=2e-4, atol=1e-7
    )
    assert printed.startswith("loss: ")
    assert float(printed.split()[1]) == pytest.approx(float(trace.loss), rel=1e-4)
    assert len(re.findall(r"layer +\d+ +\|\|dL/dW\|\| = ", printed)) == len(trace.grad_norm)


@pytest.mark.parametrize("scheme", CHOICES["init"])
@pytest.mark.parametrize(("activation", "bn"), [("sigmoid", False), ("leaky_relu", True)])
def test_torch_program_draws_the_pages_weights_and_gradients(scheme, activation, bn):
    trace, (torch_program, _), _ = page(scheme, activation, bn=bn)
    namespace, printed = run(torch_program)
    check(namespace, printed, trace)
    linears = [m for m in namespace["model"] if isinstance(m, torch.nn.Linear)]
    weights, biases = draw_weights(scheme, 4, 8, 3)
    for linear, weight, bias in zip(linears, weights, biases, strict=True):
        torch.testing.assert_close(linear.weight.detach(), weight, rtol=0, atol=0)
        torch.testing.assert_close(linear.bias.detach(), bias, rtol=0, atol=0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_torch_program_at_the_pages_default_size(activation):
    trace, (torch_program, _), _ = page("glorot_uniform", activation, depth=10, width=64, seed=0)
    assert f"B, U, L = {BATCH}, 64, 10" in torch_program
    check(*run(torch_program), trace)


@KERAS
@pytest.mark.parametrize(
    ("scheme", "activation", "slope", "bn"),
    [
        ("keras", "sigmoid", 0.01, False),
        ("torch", "tanh", 0.01, True),
        ("he_normal", "relu", 0.01, False),
        ("zeros", "sigmoid", 0.01, False),
        ("small", "leaky_relu", 0.3, True),
    ],
)
def test_keras_program_gives_the_pages_gradients(keras, scheme, activation, slope, bn):
    trace, (_, keras_program), _ = page(scheme, activation, slope=slope, bn=bn)
    assert "np.load" not in keras_program  # small enough for literals
    check(*run(keras_program), trace)


@KERAS
def test_keras_program_loads_the_pages_downloads_when_large(keras, tmp_path, monkeypatch):
    trace, (_, keras_program), (x, weights, biases) = page(
        "he_uniform", "relu", depth=3, width=48, seed=5
    )
    assert x.numel() <= LITERAL_LIMIT < torch.stack(weights).numel()
    assert "np.load('weights.npy')" in keras_program
    (tmp_path / "weights.npy").write_bytes(to_npy(torch.stack(weights).numpy()))
    monkeypatch.chdir(tmp_path)
    check(*run(keras_program), trace)


@KERAS
def test_the_three_leaky_relu_slopes_the_page_names(keras):
    import inspect

    assert torch.nn.LeakyReLU().negative_slope == 0.01
    assert keras.layers.LeakyReLU().negative_slope == 0.3
    default = inspect.signature(keras.activations.leaky_relu).parameters["negative_slope"].default
    assert default == 0.2
    x = np.array([-1.0], dtype="float32")
    out = keras.layers.Dense(1, activation="leaky_relu", use_bias=False, kernel_initializer="ones")
    assert float(keras.ops.convert_to_numpy(out(x[None]))[0, 0]) == pytest.approx(-0.2)


@KERAS
@pytest.mark.parametrize(
    ("scheme", "keras_initializer"),
    [("torch", "VarianceScaling"), ("glorot_normal", "glorot_normal"), ("small", "RandomNormal")],
)
def test_keras_programs_name_the_same_scheme(keras, scheme, keras_initializer):
    """The Keras model is built the Keras way before the page's weights replace the draw: its
    own draw has the std the page promises."""
    _, (_, keras_program), _ = page(scheme, "sigmoid", depth=2, width=256)
    assert keras_initializer in keras_program
    build = keras_program.split("dense = [")[0].replace("np.load('weights.npy')", "None")
    namespace, _ = run(build.replace("np.load('x.npy')", "None"))
    kernel = keras.ops.convert_to_numpy(namespace["model"].layers[0].kernel)
    _, weights, _ = page(scheme, "sigmoid", depth=2, width=256)[2]
    assert kernel.std() == pytest.approx(float(weights[0].std()), rel=0.05)
