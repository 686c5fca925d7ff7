"""Vanishing gradients in depth and in time: hand-written backward passes equal autograd."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from layers import GRU, LSTM, SimpleRNN, make_generator
from layers.gradients import (
    KERAS_LEAKY_SLOPE,
    dense_stack_gradients,
    dense_stack_params,
    grad_through_time,
    simple_rnn_backward,
)

TWINS = {
    "sigmoid": lambda slope: nn.Sigmoid(),
    "tanh": lambda slope: nn.Tanh(),
    "relu": lambda slope: nn.ReLU(),
    "leaky_relu": lambda slope: nn.LeakyReLU(slope),
}


def linear_default(shape, generator):
    """nn.Linear's weight init: U(−1/√fan_in, 1/√fan_in)."""
    bound = 1 / math.sqrt(shape[1])
    return torch.empty(shape, dtype=torch.float64).uniform_(-bound, bound, generator=generator)


def he_normal(shape, generator):
    """He et al. (2015): N(0, 2/fan_in), for ReLU."""
    std = math.sqrt(2 / shape[1])
    return torch.randn(shape, generator=generator, dtype=torch.float64) * std


def _inputs(B, D, seed):
    g = make_generator(seed, "test-gradients-input")
    return torch.randn(B, D, generator=g, dtype=torch.float64)


def _twin(weights, biases, activation, slope, batchnorm):
    """nn.Sequential with the same weights: Linear [→ BatchNorm1d (train, γ=1, β=0)] → act."""
    modules = []
    for weight, bias in zip(weights, biases, strict=True):
        linear = nn.Linear(weight.shape[1], weight.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        modules.append(linear)
        if batchnorm:
            modules.append(nn.BatchNorm1d(weight.shape[0]).double().train())
        modules.append(TWINS[activation](slope))
    return nn.Sequential(*modules)


@settings(max_examples=40, deadline=None)
@given(
    activation=st.sampled_from(sorted(TWINS)),
    batchnorm=st.booleans(),
    depth=st.integers(2, 12),
    width=st.integers(2, 9),
    D=st.integers(1, 6),
    B=st.integers(2, 7),
    seed=st.integers(0, 10_000),
    slope=st.sampled_from([0.01, KERAS_LEAKY_SLOPE]),
    with_target=st.booleans(),
)
def test_manual_backward_equals_autograd(
    activation, batchnorm, depth, width, D, B, seed, slope, with_target
):
    weights, biases = dense_stack_params(
        depth, width, linear_default, input_size=D, generator=make_generator(seed, "test-w")
    )
    biases = [
        torch.randn(b.shape, generator=make_generator(seed + i, "b"), dtype=torch.float64)
        for i, b in enumerate(biases)
    ]
    x = _inputs(B, D, seed)
    target = _inputs(B, width, seed + 1) if with_target else None
    out, trace = dense_stack_gradients(
        x, weights, biases, activation, slope=slope, batchnorm=batchnorm, target=target
    )
    twin = _twin(weights, biases, activation, slope, batchnorm)
    expected = twin(x)
    torch.testing.assert_close(out, expected)
    goal = torch.zeros_like(expected) if target is None else target
    loss = 0.5 * ((expected - goal) ** 2).sum() / B
    loss.backward()
    torch.testing.assert_close(trace.loss, loss.detach())
    linears = [m for m in twin if isinstance(m, nn.Linear)]
    for layer, linear in enumerate(linears):
        torch.testing.assert_close(trace.grad_weight[layer], linear.weight.grad)
        torch.testing.assert_close(trace.grad_bias[layer], linear.bias.grad)
        torch.testing.assert_close(trace.grad_norm[layer], torch.linalg.norm(linear.weight.grad))


@pytest.mark.parametrize("depth", [2, 20, 50])
@pytest.mark.parametrize("batchnorm", [False, True])
def test_deep_stacks_match_autograd(depth, batchnorm):
    weights, biases = dense_stack_params(depth, 16, linear_default, input_size=8)
    x = _inputs(32, 8, depth)
    _, trace = dense_stack_gradients(x, weights, biases, "tanh", batchnorm=batchnorm)
    twin = _twin(weights, biases, "tanh", 0.0, batchnorm)
    (0.5 * (twin(x) ** 2).sum() / 32).backward()
    for layer, linear in enumerate(m for m in twin if isinstance(m, nn.Linear)):
        torch.testing.assert_close(trace.grad_weight[layer], linear.weight.grad)


def test_trace_intermediates_are_consistent():
    weights, biases = dense_stack_params(4, 5, linear_default, input_size=3)
    x = _inputs(6, 3, 0)
    out, trace = dense_stack_gradients(x, weights, biases, "sigmoid")
    torch.testing.assert_close(trace.a[-1], out)
    torch.testing.assert_close(trace.z[0], x @ weights[0].T + biases[0])
    torch.testing.assert_close(trace.a[1], torch.sigmoid(trace.z[1]))
    torch.testing.assert_close(trace.f_prime[2], trace.a[2] * (1 - trace.a[2]))
    assert trace.x_hat is None
    assert all(0 < m <= 0.25 for m in trace.mean_abs_f_prime)
    # The factor reaching layer l is the product of mean|σ′| above it: at most ¼ per layer.
    for layer in range(4):
        assert trace.f_prime_product[layer] <= 0.25 ** (4 - layer)
    torch.testing.assert_close(trace.f_prime_product[0], trace.mean_abs_f_prime.prod())


@settings(max_examples=25, deadline=None)
@given(depth=st.integers(10, 30), width=st.integers(4, 64), seed=st.integers(0, 10_000))
def test_sigmoid_gradients_vanish_towards_the_input(depth, width, seed):
    weights, biases = dense_stack_params(
        depth, width, linear_default, generator=make_generator(seed, "test-vanish")
    )
    x = _inputs(16, width, seed)
    _, trace = dense_stack_gradients(x, weights, biases, "sigmoid")
    assert trace.grad_norm[0] < trace.grad_norm[-1]


@pytest.mark.parametrize("seed", range(8))
def test_relu_with_he_init_keeps_the_activations_scale(seed):
    # Width 512: over 150 seeds the worst layer drifted 2.8× from the input's E[x²] (narrower
    # nets drift more, since after a few layers the batch's rows point the same way).
    width, depth = 512, 20
    x = _inputs(64, width, seed)
    scale = (x**2).mean()
    weights, biases = dense_stack_params(
        depth, width, he_normal, generator=make_generator(seed, "test-he")
    )
    _, trace = dense_stack_gradients(x, weights, biases, "relu")
    # He's init keeps the second moment E[a²] (ReLU halves it, the factor 2 restores it).
    for a in trace.a:
        assert 0.25 * scale <= (a**2).mean() <= 4 * scale
    # nn.Linear's default, U(±1/√fan_in), has variance 1/(3·fan_in): E[a²] shrinks 6× a layer.
    weights, biases = dense_stack_params(
        depth, width, linear_default, generator=make_generator(seed, "test-he")
    )
    _, trace = dense_stack_gradients(x, weights, biases, "relu")
    assert (trace.a[-1] ** 2).mean() < 1e-8 * scale


@pytest.mark.parametrize("activation", sorted(TWINS))
@pytest.mark.parametrize("value", [0.0, 0.3])
@pytest.mark.parametrize("batchnorm", [False, True])
def test_constant_weights_keep_every_unit_identical(activation, value, batchnorm):
    def constant(shape, generator):
        return torch.full(shape, value, dtype=torch.float64)

    weights, biases = dense_stack_params(5, 6, constant, input_size=4)
    _, trace = dense_stack_gradients(
        _inputs(8, 4, 1), weights, biases, activation, batchnorm=batchnorm
    )
    for a, grad in zip(trace.a, trace.grad_weight, strict=True):
        torch.testing.assert_close(a, a[:, :1].expand_as(a))  # all units alike
        torch.testing.assert_close(grad, grad[:1].expand_as(grad))  # all rows alike


def test_bad_settings_raise_sentences():
    weights, biases = dense_stack_params(3, 4, linear_default)
    x = _inputs(5, 4, 0)
    with pytest.raises(ValueError, match="activation must be one of"):
        dense_stack_gradients(x, weights, biases, "softplus")
    with pytest.raises(ValueError, match="one bias per weight"):
        dense_stack_gradients(x, weights, biases[:2])
    with pytest.raises(ValueError, match="B ≥ 2"):
        dense_stack_gradients(x[:1], weights, biases, batchnorm=True)
    with pytest.raises(ValueError, match="layer 2's weight"):
        dense_stack_gradients(x, [weights[0], weights[1][:, :3], weights[2]], biases)
    with pytest.raises(ValueError, match="init returned shape"):
        dense_stack_params(2, 4, lambda shape, g: torch.zeros(3, 3))


def _sequence(B, T, In, seed):
    return torch.randn(B, T, In, generator=make_generator(seed, "test-gradients-sequence"))


@settings(max_examples=20, deadline=None)
@given(
    activation=st.sampled_from(["tanh", "relu"]),
    B=st.integers(1, 4),
    T=st.integers(1, 25),
    U=st.integers(1, 9),
    seed=st.integers(0, 10_000),
)
def test_simple_rnn_manual_backward_equals_autograd(activation, B, T, U, seed):
    layer = SimpleRNN(3, U, activation=activation, generator=make_generator(seed, "test-rnn"))
    x = _sequence(B, T, 3, seed)
    last, time_trace = grad_through_time(layer, x)
    _, trace = layer(x)
    torch.testing.assert_close(last, trace.h[:, -1])
    torch.testing.assert_close(simple_rnn_backward(layer, trace), time_trace.dh)
    assert time_trace.dc is None and time_trace.dc_norm is None
    torch.testing.assert_close(time_trace.dh_norm, torch.linalg.norm(time_trace.dh, dim=(0, 2)))


@pytest.mark.parametrize("cell", [SimpleRNN, GRU])
def test_each_step_is_one_vector_jacobian_product(cell):
    # ∂ℒ/∂h_{t-1} = (∂h_t/∂h_{t-1})ᵀ ∂ℒ/∂h_t: the chain rule, one step of the layer at a time.
    layer = cell(3, 5, generator=make_generator(1, "test-vjp"))
    x = _sequence(2, 8, 3, 1)
    _, time_trace = grad_through_time(layer, x)
    _, trace = layer(x)
    for t in range(1, 8):
        step = lambda h, t=t: layer(x[:, t : t + 1], h)[1].h[:, -1]  # noqa: E731
        _, back = torch.autograd.functional.vjp(step, trace.h[:, t - 1], time_trace.dh[:, t])
        torch.testing.assert_close(back, time_trace.dh[:, t - 1])


@settings(max_examples=20, deadline=None)
@given(activation=st.sampled_from(["tanh", "relu"]), seed=st.integers(0, 10_000))
def test_small_recurrent_weights_make_the_gradient_decay_back_in_time(activation, seed):
    # With ‖W_hh‖₂ = 0.9 and |act′| ≤ 1, each step back multiplies ‖δ‖ by at most 0.9 — a bound
    # that holds for every seed, not a lucky one.
    layer = SimpleRNN(3, 6, activation=activation, generator=make_generator(seed, "test-decay"))
    with torch.no_grad():
        layer.weight_hh.mul_(0.9 / torch.linalg.matrix_norm(layer.weight_hh, ord=2))
    _, time_trace = grad_through_time(layer, _sequence(2, 20, 3, seed))
    norms = time_trace.dh_norm
    assert torch.all(norms[:-1] <= 0.9 * norms[1:] * (1 + 1e-5))


def test_lstm_cell_path_is_the_forget_gate_highway():
    # c_{t-1} reaches ℒ only through c_t = f_t c_{t-1} + …, so its own part of ∂ℒ/∂c_{t-1} is
    # ∂ℒ/∂c_t ⊙ f_t; the rest comes through h_{t-1} = o tanh(c_{t-1}).
    layer = LSTM(3, 5, generator=make_generator(2, "test-highway"))
    _, time_trace = grad_through_time(layer, _sequence(2, 10, 3, 2))
    _, trace = layer(_sequence(2, 10, 3, 2))
    through_h = time_trace.dh * trace.o * (1 - torch.tanh(trace.c) ** 2)
    torch.testing.assert_close(
        time_trace.dc[:, :-1] - through_h[:, :-1], time_trace.dc[:, 1:] * trace.f[:, 1:]
    )
    torch.testing.assert_close(time_trace.dc[:, -1], through_h[:, -1])
    torch.testing.assert_close(time_trace.dc_norm, torch.linalg.norm(time_trace.dc, dim=(0, 2)))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_lstm_with_a_high_forget_bias_keeps_early_gradients_alive(seed):
    # Both cells with PyTorch's default init, U(±1/√U): W_hh's spectral radius is about 0.6, so
    # SimpleRNN's ∂ℒ/∂h_t shrinks by ~10⁻⁷ over 30 steps, while f ≈ σ(5) ≈ 0.993 passes ∂ℒ/∂c_t
    # down almost intact. Over 200 seeds the smallest ratio at the first 5 steps was ~2000×.
    x = _sequence(3, 30, 4, seed)
    rnn = SimpleRNN(4, 8, generator=make_generator(seed, "test-rnn-early"))
    lstm = LSTM(4, 8, generator=make_generator(seed, "test-lstm-early"))
    with torch.no_grad():
        lstm.bias_ih[8:16] = 5.0  # the forget gate's rows (gates i, f, g, o)
    _, rnn_trace = grad_through_time(rnn, x)
    _, lstm_trace = grad_through_time(lstm, x)
    assert torch.all(lstm_trace.dc_norm[:5] > 100 * rnn_trace.dh_norm[:5])


def test_grad_through_time_rejects_other_layers():
    with pytest.raises(ValueError, match="SimpleRNN, LSTM or GRU"):
        grad_through_time(nn.RNN(3, 4), _sequence(1, 2, 3, 0))
    with pytest.raises(ValueError, match="simple_rnn_backward takes"):
        simple_rnn_backward(GRU(3, 4), None)


# --- through time, against torch.nn twins ---------------------------------------------------


def _twin_through_time(module, x):
    """∂ℒ/∂h_t (B, T, U) for ℒ = Σ h_T by autograd on a torch.nn twin, one step at a time, and
    for nn.LSTM the part of ∂ℒ/∂c_t that flows into c_{t+1} (its c_n carries only that path)."""
    B, T, _ = x.shape
    U = module.hidden_size
    h = torch.zeros(1, B, U, dtype=x.dtype)
    c = torch.zeros(1, B, U, dtype=x.dtype)
    hs, cs = [], []
    for t in range(T):
        if isinstance(module, nn.LSTM):
            _, (h, c) = module(x[:, t : t + 1], (h, c))
            c.retain_grad()
            cs.append(c)
        else:
            _, h = module(x[:, t : t + 1], h)
        h.retain_grad()
        hs.append(h)
    h.sum().backward()
    dh = torch.stack([state.grad[0] for state in hs], dim=1)  # (B, T, U)
    carried = [s.grad[0] if s.grad is not None else torch.zeros_like(s[0]) for s in cs]
    return dh, torch.stack(carried, dim=1) if cs else None


TORCH_TWINS = {
    "rnn_tanh": (SimpleRNN, lambda In, U: nn.RNN(In, U, nonlinearity="tanh", batch_first=True)),
    "rnn_relu": (SimpleRNN, lambda In, U: nn.RNN(In, U, nonlinearity="relu", batch_first=True)),
    "lstm": (LSTM, lambda In, U: nn.LSTM(In, U, batch_first=True)),
    "gru": (GRU, lambda In, U: nn.GRU(In, U, batch_first=True)),
}


@settings(max_examples=12, deadline=None)
@given(
    kind=st.sampled_from(sorted(TORCH_TWINS)),
    B=st.integers(1, 3),
    T=st.integers(1, 14),
    In=st.integers(1, 5),
    U=st.integers(1, 7),
    scale=st.sampled_from([0.3, 1.0, 2.5]),
    seed=st.integers(0, 10_000),
)
def test_gradients_through_time_equal_autograd_on_torch_nn_twins(kind, B, T, In, U, scale, seed):
    ours, make = TORCH_TWINS[kind]
    module = make(In, U).double()
    generator = make_generator(seed, "test-twin-through-time")
    with torch.no_grad():
        # Non-zero biases too, so copying is tested; float32 values, which from_torch keeps
        # exactly. W_hh scaled: shrinking, neutral and exploding recurrences.
        for name, parameter in module.named_parameters():
            value = torch.randn(parameter.shape, generator=generator) * 0.5
            parameter.copy_(value * scale if name == "weight_hh_l0" else value)
    layer = ours.from_torch(module).double()
    x = _sequence(B, T, In, seed).double()
    last, time_trace = grad_through_time(layer, x)
    dh, carried = _twin_through_time(module, x)
    torch.testing.assert_close(time_trace.dh, dh)
    torch.testing.assert_close(time_trace.dh_norm, torch.linalg.norm(dh, dim=(0, 2)))
    torch.testing.assert_close(last, module(x)[1][0][0] if kind == "lstm" else module(x)[1][0])
    if kind == "lstm":
        # ∂ℒ/∂c_t = what flows into c_{t+1} + what flows through h_t = o_t ⊙ tanh(c_t).
        _, trace = layer(x)
        through_h = dh * trace.o * (1 - torch.tanh(trace.c) ** 2)
        torch.testing.assert_close(time_trace.dc, carried + through_h)
