"""Gradient clipping: against torch's clip_grad_norm_ / clip_grad_value_ and Keras optimizers."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from layers import make_generator
from layers.clipping import ClipTrace, clip_by_global_norm, clip_by_norm, clip_by_value


def _grads(seed=0, scale=3.0):
    g = make_generator(seed, "clip-test")
    return [torch.randn(4, 3, generator=g) * scale, torch.randn(3, generator=g) * scale * 0.1]


def _params_with(grads):
    params = [nn.Parameter(torch.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.clone()
    return params


@pytest.mark.parametrize("max_norm", [0.5, 1.0, 5.0, 100.0])
def test_global_norm_equals_torch_clip_grad_norm(max_norm):
    grads = _grads()
    params = _params_with(grads)
    total = nn.utils.clip_grad_norm_(params, max_norm)
    out, trace = clip_by_global_norm(grads, max_norm)
    torch.testing.assert_close(trace.total_norm, total)
    for ours, p in zip(out, params, strict=True):
        torch.testing.assert_close(ours, p.grad)
    assert trace.cosine == pytest.approx(1.0, abs=1e-12)
    assert trace.total_norm_after.item() <= max_norm


def test_torch_epsilon_shrinks_a_norm_exactly_at_the_limit():
    grads = [torch.tensor([3.0, 4.0])]  # norm 5
    torch_out, _ = clip_by_global_norm(grads, 5.0, style="torch")
    keras_out, _ = clip_by_global_norm(grads, 5.0, style="keras")
    params = _params_with(grads)
    nn.utils.clip_grad_norm_(params, 5.0)
    torch.testing.assert_close(torch_out[0], params[0].grad, rtol=0, atol=0)
    assert torch_out[0][1].item() < 4.0  # 5 / (5 + 1e-6) < 1
    assert torch.equal(keras_out[0], grads[0])


def test_per_variable_torch_style_is_clip_grad_norm_on_each_variable():
    grads = _grads(1)
    out, trace = clip_by_norm(grads, 1.0, style="torch")
    for ours, g in zip(out, grads, strict=True):
        (p,) = _params_with([g])
        nn.utils.clip_grad_norm_([p], 1.0)
        torch.testing.assert_close(ours, p.grad)
    assert (trace.norms_after <= 1.0).all()


def test_value_clipping_equals_torch_clip_grad_value():
    grads = _grads(2)
    params = _params_with(grads)
    nn.utils.clip_grad_value_(params, 0.5)
    out, _ = clip_by_value(grads, 0.5)
    for ours, p in zip(out, params, strict=True):
        torch.testing.assert_close(ours, p.grad, rtol=0, atol=0)


def _keras_step(keras, grads, **clip):
    """Apply `grads` with SGD(learning_rate=1) and `clip`; return each variable's change."""
    start = [np.full(tuple(g.shape), 0.5, dtype="float32") for g in grads]
    variables = [keras.Variable(s) for s in start]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clip)
    optimizer.apply_gradients(
        zip([keras.ops.convert_to_tensor(g.numpy()) for g in grads], variables, strict=True)
    )
    return [
        torch.from_numpy(np.asarray(keras.ops.convert_to_numpy(v)) - s)
        for v, s in zip(variables, start, strict=True)
    ]


@pytest.mark.keras
@pytest.mark.parametrize(
    ("option", "ours"),
    [
        ("clipnorm", lambda g, c: clip_by_norm(g, c, style="keras")),
        ("global_clipnorm", lambda g, c: clip_by_global_norm(g, c, style="keras")),
        ("clipvalue", clip_by_value),
    ],
)
@pytest.mark.parametrize("limit", [0.3, 1.0, 50.0])
def test_keras_sgd_step_is_minus_our_clipped_gradient(keras, option, ours, limit):
    grads = _grads(3)
    change = _keras_step(keras, grads, **{option: limit})
    clipped, trace = ours(grads, limit)
    assert isinstance(trace, ClipTrace)
    for delta, g in zip(change, clipped, strict=True):
        torch.testing.assert_close(delta, -g, rtol=1e-5, atol=1e-6)


@pytest.mark.keras
def test_keras_clipnorm_clips_each_variable_and_keeps_direction(keras):
    grads = [torch.tensor([[3.0, 4.0]]), torch.tensor([0.3, 0.4])]  # norms 5 and 0.5
    change = _keras_step(keras, grads, clipnorm=1.0)
    clipped, trace = clip_by_norm(grads, 1.0)
    torch.testing.assert_close(change[0], torch.tensor([[-0.6, -0.8]]))
    torch.testing.assert_close(change[1], torch.tensor([-0.3, -0.4]))  # already short: untouched
    torch.testing.assert_close(trace.norms_before, torch.tensor([5.0, 0.5]))
    torch.testing.assert_close(trace.norms_after, torch.tensor([1.0, 0.5]))
    torch.testing.assert_close(trace.scales, torch.tensor([0.2, 1.0]))
    # Each variable keeps its direction, but shortening only one bends the joint step a little.
    torch.testing.assert_close(trace.cosines, torch.ones(2, dtype=torch.float64))
    assert trace.cosine < 1.0
    _, global_trace = clip_by_global_norm(grads, 1.0, style="keras")
    assert global_trace.cosine == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(global_trace.total_norm, torch.tensor(math.sqrt(25.25)))


def test_norm_clipping_keeps_each_direction_value_clipping_bends_it():
    grads = [torch.tensor([10.0, 1.0])]
    by_norm, norm_trace = clip_by_norm(grads, 1.0)
    by_value, value_trace = clip_by_value(grads, 1.0)
    assert norm_trace.cosine == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(by_value[0], torch.tensor([1.0, 1.0]))  # now 45°, not 5.7°
    assert value_trace.cosine == pytest.approx(11 / (math.sqrt(101) * math.sqrt(2)))
    assert value_trace.cosine < 0.8
    assert value_trace.cosines.item() == pytest.approx(value_trace.cosine)
    torch.testing.assert_close(by_norm[0], torch.tensor([10.0, 1.0]) / math.sqrt(101))


def test_zero_gradient_stays_zero_and_nothing_touches_the_global_rng():
    before = torch.random.get_rng_state()
    zero = [torch.zeros(3)]
    for clip in (clip_by_norm, clip_by_global_norm, clip_by_value):
        out, trace = clip(zero, 1.0)
        assert torch.equal(out[0], zero[0]) and trace.cosine == 1.0
    assert torch.equal(torch.random.get_rng_state(), before)


def test_misconfiguration_says_what_to_do():
    with pytest.raises(ValueError, match="must be a number > 0"):
        clip_by_norm(_grads(), 0.0)
    with pytest.raises(ValueError, match="not one tensor"):
        clip_by_value(torch.ones(3), 1.0)
    with pytest.raises(ValueError, match="drop None gradients"):
        clip_by_global_norm([torch.ones(2), None], 1.0)
    with pytest.raises(ValueError, match="style must be 'keras' or 'torch'"):
        clip_by_global_norm(_grads(), 1.0, style="tf")


@pytest.mark.keras
def test_tutorial_adam_lr_argument_fails_in_keras_3(keras):
    # The tutorial's `Adam(lr=0.0001, clipnorm=1.)` was Keras 2; Keras 3 only knows learning_rate.
    with pytest.raises(ValueError, match=r"not recognized.*'lr'"):
        keras.optimizers.Adam(lr=0.0001, clipnorm=1.0)
    optimizer = keras.optimizers.Adam(learning_rate=0.0001, clipnorm=1.0)
    assert optimizer.clipnorm == 1.0
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(1e-4)
