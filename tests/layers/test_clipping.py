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


# --- A setup that explodes, trained a few steps with and without clipping -----------------

from layers.clipping import (  # noqa: E402
    KERAS3_LR_ERROR,
    MAX_STEPS,
    METHODS,
    clip_with,
    clipped_sgd,
    exploding_setup,
    setup_gradients,
)

LEARNING_RATE = 0.01  # the page's


def _twin(setup):
    """nn.Sequential of Linear + LeakyReLU holding the setup's weights."""
    layers = []
    for weight, bias in zip(setup.weights, setup.biases, strict=True):
        linear = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        layers += [linear, nn.LeakyReLU(setup.slope)]
    return nn.Sequential(*layers)


def _twin_loss(model, setup):
    return 0.5 * ((model(setup.x) - setup.target) ** 2).sum() / setup.x.shape[0]


def test_the_setup_is_drawn_from_one_seeded_generator_in_order():
    setup = exploding_setup(3)
    g = torch.Generator().manual_seed(setup.seed)
    for weight in setup.weights:
        torch.testing.assert_close(weight, torch.empty(16, 16).normal_(0.0, 1.0, generator=g))
    torch.testing.assert_close(setup.x, torch.empty(16, 16).normal_(0.0, 1.0, generator=g))
    torch.testing.assert_close(setup.target, torch.empty(16, 16).normal_(0.0, 1.0, generator=g))
    assert all(torch.equal(b, torch.zeros(16)) for b in setup.biases)
    assert setup.names() == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    again = exploding_setup(3)
    assert all(torch.equal(a, b) for a, b in zip(setup.variables(), again.variables(), strict=True))


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_setup_gradients_equal_autograd_on_the_nn_twin(seed):
    setup = exploding_setup(seed)
    grads, loss = setup_gradients(setup)
    model = _twin(setup)
    twin_loss = _twin_loss(model, setup)
    twin_loss.backward()
    torch.testing.assert_close(loss, twin_loss.detach())
    for ours, p in zip(grads, model.parameters(), strict=True):
        torch.testing.assert_close(ours, p.grad, rtol=1e-4, atol=1e-3)
    # It explodes: the gradient is thousands of times a usual clipnorm of 1.
    assert torch.stack([g.norm() for g in grads]).norm() > 1000


def _torch_run(setup, method, limit, steps):
    """The same training with torch.optim.SGD and torch's own clipping."""
    model = _twin(setup)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = _twin_loss(model, setup)
        losses.append(loss.item())
        if not math.isfinite(loss.item()):
            break
        loss.backward()
        if method == "clipnorm":  # each variable on its own
            for p in model.parameters():
                nn.utils.clip_grad_norm_([p], limit)
        elif method == "global_clipnorm":
            nn.utils.clip_grad_norm_(model.parameters(), limit)
        elif method == "clipvalue":
            nn.utils.clip_grad_value_(model.parameters(), limit)
        optimizer.step()
    return losses


@pytest.mark.parametrize(
    ("method", "limit"),
    [("none", None), ("clipnorm", 1.0), ("global_clipnorm", 1.0), ("clipvalue", 0.5)],
)
def test_training_run_equals_torch_sgd_with_torch_clipping(method, limit):
    setup = exploding_setup(0)
    run = clipped_sgd(setup, method, limit, learning_rate=LEARNING_RATE, steps=12, style="torch")
    theirs = _torch_run(setup, method, limit, 12)
    finite = [k for k, v in enumerate(theirs) if math.isfinite(v)]
    compare = min(len(finite), 8)
    torch.testing.assert_close(
        run.losses[:compare], torch.tensor(theirs[:compare]), rtol=1e-4, atol=1e-4
    )
    if method == "none":
        assert run.first_bad is not None and not math.isfinite(theirs[-1])
        assert not math.isfinite(run.first_bad_value)
        assert torch.isnan(run.losses[run.first_bad :]).all()
    else:
        assert run.first_bad is None and len(finite) == 12


@pytest.mark.parametrize("seed", [0, 1, 2, 5, 11])
def test_without_clipping_the_loss_overflows_with_clipping_it_stays_finite(seed):
    setup = exploding_setup(seed)
    plain = clipped_sgd(setup, "none", learning_rate=LEARNING_RATE, steps=40)
    assert plain.first_bad is not None and plain.first_bad <= 10
    for method, limit in [("clipnorm", 1.0), ("global_clipnorm", 1.0), ("clipvalue", 0.5)]:
        run = clipped_sgd(setup, method, limit, learning_rate=LEARNING_RATE, steps=40)
        assert run.first_bad is None and torch.isfinite(run.losses).all()
        assert run.losses[-1] < run.losses[0]  # and it learns a little
        assert torch.isfinite(run.grad_norms).all()


def test_keras_style_run_clips_each_step_as_clip_by_norm_says():
    setup = exploding_setup(0)
    run = clipped_sgd(setup, "global_clipnorm", 1.0, learning_rate=0.5, steps=2, style="keras")
    grads, loss = setup_gradients(setup)
    clipped, trace = clip_with(grads, "global_clipnorm", 1.0, style="keras")
    torch.testing.assert_close(run.losses[0], loss)
    torch.testing.assert_close(run.grad_norms[0], trace.total_norm, rtol=1e-6, atol=0)
    stepped = [v - 0.5 * g for v, g in zip(setup.variables(), clipped, strict=True)]
    _, second = setup_gradients(setup, stepped[0::2], stepped[1::2])
    torch.testing.assert_close(run.losses[1], second)


def test_run_misconfiguration_says_what_to_do():
    setup = exploding_setup(0)
    with pytest.raises(ValueError, match=f"at most {MAX_STEPS} steps"):
        clipped_sgd(setup, "none", learning_rate=0.01, steps=MAX_STEPS + 1)
    with pytest.raises(ValueError, match="method must be one of"):
        clipped_sgd(setup, "clipsomething", 1.0, learning_rate=0.01, steps=3)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        clipped_sgd(setup, "none", learning_rate=0.0, steps=3)
    with pytest.raises(ValueError, match="clipnorm must be a number > 0"):
        clipped_sgd(setup, "clipnorm", None, learning_rate=0.01, steps=3)
    assert METHODS == ("none", "clipnorm", "global_clipnorm", "clipvalue")


def test_the_run_is_deterministic_and_leaves_the_global_rng_alone():
    before = torch.random.get_rng_state()
    a = clipped_sgd(exploding_setup(4), "clipvalue", 0.5, learning_rate=0.01, steps=10)
    b = clipped_sgd(exploding_setup(4), "clipvalue", 0.5, learning_rate=0.01, steps=10)
    assert torch.equal(a.losses, b.losses)
    assert torch.equal(torch.random.get_rng_state(), before)


@pytest.mark.keras
def test_the_page_states_keras_3_s_own_words_for_the_tutorial_line(keras):
    with pytest.raises(ValueError) as caught:
        keras.optimizers.Adam(lr=0.0001, clipnorm=1.0)
    assert f"{type(caught.value).__name__}: {caught.value}" == KERAS3_LR_ERROR
