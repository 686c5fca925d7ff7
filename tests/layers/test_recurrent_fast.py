"""The recurrent layers' trace-free path (`trace=False`): the same weights in PyTorch's fused
kernel. It must equal the torch.nn twin and the written-out path, forwards, with an initial
state, as the last state, both directions, and through backward (the Train page fits with it)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from layers import GRU, LSTM, Bidirectional, SimpleRNN, make_generator

CELLS = [(SimpleRNN, nn.RNN), (LSTM, nn.LSTM), (GRU, nn.GRU)]
IDS = ["rnn", "lstm", "gru"]


def _input(B=3, T=6, In=5, seed=0):
    return torch.randn(B, T, In, generator=make_generator(seed, "test-input"))


@pytest.mark.parametrize(("ours", "twin"), CELLS, ids=IDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_no_trace_equals_the_twin_and_the_written_out_path(ours, twin, return_sequences):
    torch_layer = twin(5, 7, batch_first=True)
    layer = ours.from_torch(torch_layer, return_sequences=return_sequences)
    x = _input()
    fast, trace = layer(x, trace=False)
    assert trace is None  # nothing kept: no view needs the steps
    expected = torch_layer(x)[0]
    torch.testing.assert_close(fast, expected if return_sequences else expected[:, -1])
    torch.testing.assert_close(fast, layer(x)[0])


def test_no_trace_relu_rnn_equals_the_twin():
    torch_layer = nn.RNN(5, 4, nonlinearity="relu", batch_first=True)
    layer = SimpleRNN.from_torch(torch_layer, return_sequences=True)
    x = _input()
    torch.testing.assert_close(layer(x, trace=False)[0], torch_layer(x)[0])


@pytest.mark.parametrize(("ours", "twin"), CELLS, ids=IDS)
def test_no_trace_starts_from_the_given_state(ours, twin):
    torch_layer = twin(5, 4, batch_first=True)
    layer = ours.from_torch(torch_layer, return_sequences=True)
    x = _input()
    g = make_generator(1, "test-state")
    h0 = torch.randn(3, 4, generator=g)
    if ours is LSTM:
        c0 = torch.randn(3, 4, generator=g)
        ours_state, twin_state = (h0, c0), (h0[None], c0[None])
    else:
        ours_state, twin_state = h0, h0[None]
    fast, _ = layer(x, ours_state, trace=False)
    torch.testing.assert_close(fast, torch_layer(x, twin_state)[0])
    torch.testing.assert_close(fast, layer(x, ours_state)[0])


@pytest.mark.parametrize(("ours", "twin"), CELLS, ids=IDS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_no_trace_bidirectional_equals_the_twin(ours, twin, return_sequences):
    torch_layer = twin(5, 4, batch_first=True, bidirectional=True)
    layer = Bidirectional.from_torch(torch_layer, return_sequences=return_sequences)
    x = _input()
    fast, trace = layer(x, trace=False)
    assert trace is None
    torch.testing.assert_close(fast, layer(x)[0])
    out, h_n = torch_layer(x)[0], torch_layer(x)[1]
    if return_sequences:
        torch.testing.assert_close(fast, out)
    else:  # forward's state after the last token, backward's after reading back to the first
        h_n = h_n[0] if isinstance(h_n, tuple) else h_n
        torch.testing.assert_close(fast, torch.cat([h_n[0], h_n[1]], dim=-1))


@pytest.mark.parametrize("ours", [SimpleRNN, LSTM, GRU], ids=IDS)
def test_no_trace_gradients_equal_the_written_out_path(ours):
    layer = ours(5, 4, generator=make_generator(0, "test-grad"))
    x = _input().requires_grad_(True)
    grads = []
    for trace in (True, False):
        layer.zero_grad()
        x.grad = None
        out, _ = layer(x, trace=trace)
        (out**2).sum().backward()
        grads.append([x.grad.clone(), *(p.grad.clone() for p in layer.parameters())])
    for written, fused in zip(*grads, strict=True):
        torch.testing.assert_close(fused, written)


@settings(max_examples=30, deadline=None)
@given(
    B=st.integers(1, 3),
    T=st.integers(1, 8),
    In=st.integers(1, 6),
    U=st.integers(1, 6),
    cell=st.sampled_from([SimpleRNN, LSTM, GRU]),
    seed=st.integers(0, 1000),
)
def test_no_trace_equals_the_written_out_path_for_any_shape(B, T, In, U, cell, seed):
    layer = cell(In, U, True, generator=make_generator(seed, "test-fast"))
    x = torch.randn(B, T, In, generator=make_generator(seed, "test-fast-x"))
    torch.testing.assert_close(layer(x, trace=False)[0], layer(x)[0])


@pytest.mark.parametrize("ours", [SimpleRNN, LSTM, GRU], ids=IDS)
def test_no_trace_gives_the_same_bits_whether_or_not_weights_need_gradients(ours):
    """torch picks its kernel by the weights' requires_grad: a model loaded for predictions
    (no gradients) must still give exactly what the trained one gives."""
    trained = ours(6, 5, generator=make_generator(2, "test-bits"))
    loaded = ours(6, 5, generator=make_generator(2, "test-bits")).requires_grad_(False)
    x = torch.randn(40, 7, 6, generator=make_generator(2, "test-bits-x"))
    with torch.no_grad():
        assert torch.equal(trained(x, trace=False)[0], loaded(x, trace=False)[0])
