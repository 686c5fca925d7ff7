"""The clipping part's 'show the code': each program, run, gives what layers/clipping computes."""

import math

import numpy as np
import pytest
import torch
from program_support import run

from layers.clipping import (
    FIXED_LINE,
    KERAS3_LR_ERROR,
    METHODS,
    TUTORIAL_LINE,
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    clip_with,
    clipped_sgd,
    exploding_setup,
    setup_gradients,
)
from lessons.gradients import clip_code
from lessons.gradients.clipping import LEARNING_RATE, STEPS, STYLE

KERAS = pytest.mark.keras
# (seed, c, v): the page's defaults, a tight and a loose limit, the slider's ends.
CASES = [(0, 1.0, 0.5), (3, 0.05, 20.0), (1, 100.0, 0.001)]


def programs(seed, c, v):
    setup = exploding_setup(seed)
    grads, _ = setup_gradients(setup)
    made = clip_code.clip_programs(
        setup, seed, grads, c, v, learning_rate=LEARNING_RATE, steps=STEPS
    )
    return setup, grads, made


def close_lists(ours, theirs, **tolerance):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(torch.as_tensor(np.asarray(b)), a, **tolerance)


@pytest.mark.parametrize(("seed", "c", "v"), CASES)
def test_torch_program_draws_the_page_s_stack_and_clips_as_layers_do(seed, c, v):
    setup, grads, (torch_program, _) = programs(seed, c, v)
    namespace, printed = run(torch_program)
    for drawn, ours in zip(namespace["weights"], setup.weights, strict=True):
        assert torch.equal(drawn, ours)  # the same generator, the same draws
    assert torch.equal(namespace["x"], setup.x) and torch.equal(namespace["y"], setup.target)
    assert namespace["names"] == setup.names()
    # autograd on nn.Linear vs the backward written out in layers/gradients
    close_lists(grads, namespace["before"], rtol=1e-4, atol=1e-3)
    before = namespace["before"]  # from here on, the same input on both sides
    by_norm, norm_trace = clip_by_norm(before, c, style="keras")
    by_global, global_trace = clip_by_global_norm(before, c, style="torch")
    by_value, value_trace = clip_by_value(before, v)
    close_lists(by_norm, namespace["by_norm"], rtol=1e-5, atol=1e-7)
    close_lists(by_global, namespace["by_global"], rtol=1e-5, atol=1e-9)
    close_lists(by_value, namespace["by_value"], rtol=0, atol=0)
    torch.testing.assert_close(namespace["total"], global_trace.total_norm)
    cosines = namespace["cosines"]
    assert cosines["global_clipnorm"] == pytest.approx(1.0, abs=1e-9)
    assert cosines["clipnorm"] == pytest.approx(norm_trace.cosine, abs=1e-6)
    assert cosines["clipvalue"] == pytest.approx(value_trace.cosine, abs=1e-6)
    assert f"total norm {global_trace.total_norm.item():.4g}" in printed


@pytest.mark.parametrize(("seed", "c", "v"), CASES[:2])
def test_torch_program_trains_as_the_page_s_runs(seed, c, v):
    setup, _, (torch_program, _) = programs(seed, c, v)
    namespace, printed = run(torch_program)
    limit = {"none": None, "clipnorm": c, "global_clipnorm": c, "clipvalue": v}
    for method in METHODS:
        ours = clipped_sgd(
            setup,
            method,
            limit[method],
            learning_rate=LEARNING_RATE,
            steps=STEPS,
            style=STYLE.get(method, "keras"),
        )
        theirs = namespace["runs"][method]
        finite = [x for x in theirs if math.isfinite(x)]
        compare = min(len(finite), 6)
        torch.testing.assert_close(
            ours.losses[:compare], torch.tensor(theirs[:compare]), rtol=1e-4, atol=1e-4
        )
        # Both stop at an overflow, or both keep going to the end.
        assert (ours.first_bad is None) == (len(finite) == len(theirs) == STEPS), method
        assert f"{method:>15}: {len(theirs)} steps" in printed
    assert not math.isfinite(namespace["runs"]["none"][-1])


def test_the_programs_carry_the_page_s_numbers():
    torch_program, keras_program = programs(0, 0.2, 0.05)[2]
    assert "clipnorm = 0.2  #" in torch_program and "clipvalue = 0.05  #" in torch_program
    assert "clipnorm = 0.2  #" in keras_program and "clipvalue = 0.05  #" in keras_program
    assert f"learning_rate = {LEARNING_RATE!r}" in torch_program
    assert "clip_grad_norm_" in torch_program and "clip_grad_value_" in torch_program
    assert f"keras.{TUTORIAL_LINE}" in keras_program and f"keras.{FIXED_LINE}" in keras_program
    compile(torch_program, "torch_program", "exec")
    compile(keras_program, "keras_program", "exec")


def test_keras_literals_are_the_page_s_gradient_exactly():
    setup, grads, (_, keras_program) = programs(2, 1.0, 0.5)
    # The literal block only: no Keras needed to read the numbers back.
    start = keras_program.index("grads = {")
    end = keras_program.index("\n}\n", start) + 2
    namespace = {"np": np}
    exec(keras_program[start:end], namespace)
    assert list(namespace["grads"]) == setup.names()
    for literal, g in zip(namespace["grads"].values(), grads, strict=True):
        assert literal.dtype == np.float32
        assert np.array_equal(literal, g.numpy())  # nine digits read a float32 back exactly


@KERAS
@pytest.mark.parametrize(("seed", "c", "v"), CASES)
def test_keras_program_clips_as_layers_do(keras, seed, c, v):
    setup, grads, (_, keras_program) = programs(seed, c, v)
    namespace, printed = run(keras_program)
    expected = {
        "clipnorm": clip_with(grads, "clipnorm", c, style="keras"),
        "global_clipnorm": clip_with(grads, "global_clipnorm", c, style="keras"),
        "clipvalue": clip_with(grads, "clipvalue", v),
    }
    for method, (ours, trace) in expected.items():
        theirs = namespace["clipped"][method]
        close_lists(ours, theirs, rtol=1e-5, atol=1e-6 * max(1.0, c))
        assert f"{method}: cosine {trace.cosine:.4f}" in printed
    # The tutorial's line fails in Keras 3 with the words the page shows.
    assert namespace["message"] == KERAS3_LR_ERROR
    assert KERAS3_LR_ERROR in printed
    assert namespace["optimizer"].clipnorm == 1.0
