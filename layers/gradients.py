"""Why gradients vanish or explode: a deep dense stack's backward pass, and gradients in time.

Through depth: L dense layers, each z_l = a_{l-1} W_lᵀ + b_l, optionally batch-normalised
(training-mode batch statistics, γ = 1, β = 0, Ioffe & Szegedy's placement: before the
activation), then a_l = f(·). The loss is

    ℒ = ½ ‖a_L − target‖² / B        (target defaults to zeros: half the output's energy)

and the backward pass is written out, layer by layer (row-per-example layout):

    ∂ℒ/∂a_L = (a_L − target) / B
    δ_l     = ∂ℒ/∂a_l ⊙ f′(·)                       (through BatchNorm's backward if used)
    ∂ℒ/∂W_l = δ_lᵀ a_{l-1}        ∂ℒ/∂b_l = Σ_batch δ_l
    ∂ℒ/∂a_{l-1} = δ_l W_l

Each layer multiplies the gradient by f′ and by W: σ′ ≤ ¼, so with sigmoid the gradient
reaching layer 1 carries a factor of about ∏ mean|σ′| ≤ ¼^L — it vanishes. ReLU's f′ is 0 or 1
and He's init (std √(2/fan_in)) keeps E[a²] from layer to layer.

Through time: `grad_through_time` gives ‖∂ℒ/∂h_t‖ for ℒ = Σ h_T (and the LSTM's cell path
‖∂ℒ/∂c_t‖), from autograd on the teaching layers themselves; `simple_rnn_backward` writes
SimpleRNN's recurrence backward out: δ_{t-1} = (δ_t ⊙ act′) W_hh.

References: Hochreiter (1991); Bengio, Simard & Frasconi (1994); Glorot & Bengio (2010);
He et al. (2015); Ioffe & Szegedy (2015); Pascanu, Mikolov & Bengio (2013).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ._core import check_shape, default_generator, positive_int
from .recurrent import GRU, LSTM, SimpleRNN

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
TORCH_LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative_slope
KERAS_LEAKY_SLOPE = 0.3  # keras.layers.LeakyReLU's default negative_slope (Keras 3)


@dataclass(frozen=True)
class DepthTrace:
    """Per layer l = 1..L (index l-1): the forward values and the written-out backward."""

    z: tuple[torch.Tensor, ...]  # (B, U_l) pre-activations a_{l-1} W_lᵀ + b_l
    x_hat: tuple[torch.Tensor, ...] | None  # (B, U_l) batch-normalised z, or None without BN
    a: tuple[torch.Tensor, ...]  # (B, U_l) activations f(·); a[-1] is the output
    f_prime: tuple[torch.Tensor, ...]  # (B, U_l) f′ at the activation's input
    delta: tuple[torch.Tensor, ...]  # (B, U_l) ∂ℒ/∂z_l
    grad_weight: tuple[torch.Tensor, ...]  # (U_l, U_{l-1}) ∂ℒ/∂W_l
    grad_bias: tuple[torch.Tensor, ...]  # (U_l,) ∂ℒ/∂b_l
    grad_norm: torch.Tensor  # (L,) Frobenius norm of ∂ℒ/∂W_l
    mean_abs_f_prime: torch.Tensor  # (L,) mean |f′| over batch and units
    f_prime_product: torch.Tensor  # (L,) ∏_{k ≥ l} mean|f′_k|: the factor reaching layer l
    loss: torch.Tensor  # () ½ ‖a_L − target‖² / B


def _check_activation(activation: str, slope: float) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    if activation == "leaky_relu" and not slope >= 0:
        raise ValueError(
            f"the leaky ReLU slope must be ≥ 0 (PyTorch uses 0.01, Keras 0.3); got {slope!r}"
        )


def activate(u: torch.Tensor, activation: str, slope: float = TORCH_LEAKY_SLOPE):
    """(f(u), f′(u)) for sigmoid, tanh, relu or leaky_relu (f′ at 0 is taken as PyTorch does)."""
    _check_activation(activation, slope)
    if activation == "sigmoid":
        a = 1 / (1 + torch.exp(-u))
        return a, a * (1 - a)  # σ′ = σ(1 − σ) ≤ ¼
    if activation == "tanh":
        a = torch.tanh(u)
        return a, 1 - a * a  # tanh′ = 1 − tanh² ≤ 1
    positive = u > 0
    if activation == "relu":
        return torch.where(positive, u, torch.zeros_like(u)), positive.to(u.dtype)
    a = torch.where(positive, u, slope * u)
    return a, torch.where(positive, torch.ones_like(u), torch.full_like(u, slope))


def dense_stack_params(
    depth: int,
    width: int,
    init: Callable[[tuple[int, int], torch.Generator], torch.Tensor],
    *,
    input_size: int | None = None,
    generator: torch.Generator | None = None,
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Weights (out, in) drawn by `init(shape, generator)` for each layer, and zero biases."""
    depth = positive_int(depth, "depth")
    width = positive_int(width, "width (U)")
    input_size = width if input_size is None else positive_int(input_size, "input_size")
    generator = default_generator(generator, "dense_stack_params")
    weights, biases = [], []
    for layer in range(depth):
        shape = (width, input_size if layer == 0 else width)  # (out, in), as nn.Linear
        weight = torch.as_tensor(init(shape, generator))
        if tuple(weight.shape) != shape:
            raise ValueError(f"init returned shape {tuple(weight.shape)} for a {shape} weight")
        weights.append(weight)
        biases.append(torch.zeros(width, dtype=weight.dtype))
    return weights, biases


def _check_stack(x, weights, biases, target) -> None:
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(
            f"pass one bias per weight and at least one layer; got {len(weights)} weights "
            f"and {len(biases)} biases"
        )
    check_shape(x, ("B", weights[0].shape[1]), "dense stack")
    fan_in = weights[0].shape[1]
    for number, (weight, bias) in enumerate(zip(weights, biases, strict=True), start=1):
        check_shape(weight, ("out", fan_in), f"layer {number}'s weight")
        check_shape(bias, (weight.shape[0],), f"layer {number}'s bias")
        fan_in = weight.shape[0]
    if target is not None:
        check_shape(target, (x.shape[0], fan_in), "target")


def dense_stack_gradients(
    x: torch.Tensor,
    weights: Sequence[torch.Tensor],
    biases: Sequence[torch.Tensor],
    activation: str = "sigmoid",
    *,
    slope: float = TORCH_LEAKY_SLOPE,
    batchnorm: bool = False,
    target: torch.Tensor | None = None,
    eps: float = 1e-5,
) -> tuple[torch.Tensor, DepthTrace]:
    """Forward x (B, D) through the stack, then the chain rule by hand: (a_L, DepthTrace)."""
    _check_activation(activation, slope)
    _check_stack(x, weights, biases, target)
    B, D = x.shape
    if batchnorm and B < 2:
        raise ValueError("BatchNorm in training needs a batch of at least 2 examples (B ≥ 2)")
    # Forward, keeping what the backward pass needs.
    a, zs, x_hats, stds, acts, f_primes = x, [], [], [], [], []
    for weight, bias in zip(weights, biases, strict=True):
        z = a @ weight.T + bias  # (B, U_in) -> (B, U)
        u = z
        if batchnorm:
            mean = z.mean(dim=0)  # (B, U) -> (U,)
            std = torch.sqrt(((z - mean) ** 2).mean(dim=0) + eps)  # biased variance, as BN
            u = (z - mean) / std  # (B, U) x̂; γ = 1, β = 0
            x_hats.append(u)
            stds.append(std)
        a, f_prime = activate(u, activation, slope)  # (B, U)
        zs.append(z)
        acts.append(a)
        f_primes.append(f_prime)
    target = torch.zeros_like(a) if target is None else target
    loss = 0.5 * ((a - target) ** 2).sum() / B
    # Backward: one chain-rule step per layer, from the output down.
    grad_a = (a - target) / B  # (B, U) ∂ℒ/∂a_L
    deltas, grad_ws, grad_bs = [], [], []
    for layer in reversed(range(len(weights))):
        delta = grad_a * f_primes[layer]  # (B, U) ∂ℒ/∂(activation input)
        if batchnorm:
            # BN backward (γ = 1): the batch mean and variance depend on every example too.
            x_hat = x_hats[layer]
            delta = (delta - delta.mean(dim=0) - x_hat * (delta * x_hat).mean(dim=0)) / stds[
                layer
            ]  # (B, U) ∂ℒ/∂z_l
        a_prev = acts[layer - 1] if layer > 0 else x  # (B, U_in)
        grad_ws.append(delta.T @ a_prev)  # (U, B) @ (B, U_in) -> (U, U_in)
        grad_bs.append(delta.sum(dim=0))  # (B, U) -> (U,)
        deltas.append(delta)
        grad_a = delta @ weights[layer]  # (B, U) -> (B, U_in) ∂ℒ/∂a_{l-1}
    deltas.reverse()
    grad_ws.reverse()
    grad_bs.reverse()
    mean_abs = torch.stack([fp.abs().mean() for fp in f_primes])  # (L,)
    product = mean_abs.flip(0).cumprod(0).flip(0)  # (L,) ∏ from layer l up to L
    trace = DepthTrace(
        z=tuple(zs),
        x_hat=tuple(x_hats) if batchnorm else None,
        a=tuple(acts),
        f_prime=tuple(f_primes),
        delta=tuple(deltas),
        grad_weight=tuple(grad_ws),
        grad_bias=tuple(grad_bs),
        grad_norm=torch.stack([torch.linalg.norm(g) for g in grad_ws]),  # (L,)
        mean_abs_f_prime=mean_abs,
        f_prime_product=product,
        loss=loss,
    )
    return a, trace


@dataclass(frozen=True)
class TimeTrace:
    """∂ℒ/∂h_t for ℒ = Σ h_T (the last step's units, summed), for every step t."""

    dh: torch.Tensor  # (B, T, U) ∂ℒ/∂h_t, h_t as the state handed to step t + 1
    dh_norm: torch.Tensor  # (T,) ‖∂ℒ/∂h_t‖ over batch and units
    dc: torch.Tensor | None  # (B, T, U) LSTM only: ∂ℒ/∂c_t, including the path through h_t
    dc_norm: torch.Tensor | None  # (T,) ‖∂ℒ/∂c_t‖, LSTM only


def grad_through_time(
    layer: SimpleRNN | LSTM | GRU, x: torch.Tensor
) -> tuple[torch.Tensor, TimeTrace]:
    """(h_T (B, U), TimeTrace) for x (B, T, In): how much each step's state moves ℒ = Σ h_T.

    Autograd on the layer's own recurrence, one step at a time, from the last step back: the
    state after step t is fed as `initial_state` to a run of step t+1 alone, and ∂ℒ/∂(state t)
    is the vector–Jacobian product of that step with ∂ℒ/∂(state t+1) (T−1 products, O(T)).
    For the LSTM the state is (h_t, c_t), each an input of its own; the page's ∂ℒ/∂c_t also
    counts the path through h_t: ∂ℒ/∂c_t = (∂ℒ/∂c_t via c_{t+1}) + ∂ℒ/∂h_t ⊙ o_t ⊙ (1 − tanh² c_t).
    """
    if not isinstance(layer, SimpleRNN | LSTM | GRU):
        raise ValueError("grad_through_time takes a layers.SimpleRNN, LSTM or GRU")
    x = x.detach()
    _, trace = layer(x)  # checks the shape
    B, T, _ = x.shape
    is_lstm = isinstance(layer, LSTM)
    with torch.no_grad():
        dh = [torch.ones_like(trace.h[:, -1])]  # ∂(Σ h_T)/∂h_T = 1
        dc_state = [torch.zeros_like(trace.h[:, -1])]  # c_T feeds no later step
    for t in reversed(range(T - 1)):
        h = trace.h[:, t].detach().requires_grad_(True)  # (B, U) state after step t
        state = (h, trace.c[:, t].detach().requires_grad_(True)) if is_lstm else h
        _, step = layer(x[:, t + 1 : t + 2], state)  # step t+1 alone, from that state
        if is_lstm:
            outputs, upstream, leaves = (
                (step.h[:, -1], step.c[:, -1]),
                (dh[-1], dc_state[-1]),
                state,
            )
        else:
            outputs, upstream, leaves = (step.h[:, -1],), (dh[-1],), (h,)
        grads = torch.autograd.grad(outputs, leaves, grad_outputs=upstream)
        dh.append(grads[0])
        if is_lstm:
            dc_state.append(grads[1])
    dh_all = torch.stack(dh[::-1], dim=1)  # T × (B, U) -> (B, T, U)
    dc_all = dc_norm = None
    if is_lstm:
        with torch.no_grad():
            through_h = dh_all * trace.o * (1 - torch.tanh(trace.c) ** 2)  # h_t = o tanh(c_t)
            dc_all = torch.stack(dc_state[::-1], dim=1) + through_h  # (B, T, U)
            dc_norm = torch.linalg.norm(dc_all, dim=(0, 2))  # (T,)
    time_trace = TimeTrace(
        dh=dh_all,
        dh_norm=torch.linalg.norm(dh_all, dim=(0, 2)),  # (B, T, U) -> (T,)
        dc=dc_all,
        dc_norm=dc_norm,
    )
    return trace.h[:, -1].detach(), time_trace


def simple_rnn_backward(layer: SimpleRNN, trace) -> torch.Tensor:
    """∂ℒ/∂h_t (B, T, U) for ℒ = Σ h_T by hand: δ_{t-1} = (δ_t ⊙ act′(·_t)) W_hh."""
    if not isinstance(layer, SimpleRNN):
        raise ValueError("simple_rnn_backward takes a layers.SimpleRNN and its trace")
    h = trace.h.detach()  # (B, T, U)
    B, T, U = h.shape
    w_hh = layer.weight_hh.detach()  # (U, U)
    # act′ from the output alone: tanh′ = 1 − h², relu′ = 1 where h > 0.
    act_prime = 1 - h * h if layer.activation == "tanh" else (h > 0).to(h.dtype)  # (B, T, U)
    deltas = [torch.ones_like(h[:, -1])]  # δ_T (B, U)
    for t in reversed(range(1, T)):
        deltas.append((deltas[-1] * act_prime[:, t]) @ w_hh)  # (B, U) @ (U, U) -> (B, U)
    return torch.stack(deltas[::-1], dim=1)  # T × (B, U) -> (B, T, U)
