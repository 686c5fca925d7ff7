"""SimpleRNN, LSTM, GRU and Bidirectional: parity with torch.nn, shapes, the tutorial's example."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from layers import GRU, LSTM, Bidirectional, Embedding, SimpleRNN, Tokenizer, make_generator

CELLS = [(SimpleRNN, nn.RNN), (LSTM, nn.LSTM), (GRU, nn.GRU)]


def _input(B=3, T=6, In=5, seed=0):
    return torch.randn(B, T, In, generator=make_generator(seed, "test-input"))


@pytest.mark.parametrize(("ours", "twin"), CELLS, ids=["rnn", "lstm", "gru"])
def test_one_direction_matches_torch(ours, twin):
    torch_layer = twin(5, 7, batch_first=True)
    layer = ours.from_torch(torch_layer, return_sequences=True)
    x = _input()
    expected, final = torch_layer(x)
    out, trace = layer(x)
    torch.testing.assert_close(out, expected)
    h_n = final[0] if isinstance(final, tuple) else final
    torch.testing.assert_close(trace.h[:, -1], h_n[0])
    last, _ = ours.from_torch(torch_layer)(x)  # return_sequences=False: the last state
    torch.testing.assert_close(last, h_n[0])


def test_simple_rnn_relu_matches_torch():
    torch_layer = nn.RNN(5, 4, nonlinearity="relu", batch_first=True)
    layer = SimpleRNN.from_torch(torch_layer, return_sequences=True)
    x = _input()
    torch.testing.assert_close(layer(x)[0], torch_layer(x)[0])


def test_lstm_cell_state_and_gates_match_torch():
    torch_layer = nn.LSTM(5, 7, batch_first=True)
    layer = LSTM.from_torch(torch_layer)
    x = _input()
    _, (h_n, c_n) = torch_layer(x)
    _, trace = layer(x)
    torch.testing.assert_close(trace.c[:, -1], c_n[0])
    # The gates recombine into the states exactly as the LSTM equations say.
    c_prev = torch.cat([torch.zeros_like(trace.c[:, :1]), trace.c[:, :-1]], dim=1)
    torch.testing.assert_close(trace.c, trace.f * c_prev + trace.i * trace.g)
    torch.testing.assert_close(trace.h, trace.o * torch.tanh(trace.c))
    for gate in (trace.i, trace.f, trace.o):
        assert gate.min() >= 0 and gate.max() <= 1


def test_gru_gates_recombine_into_the_state():
    layer = GRU(5, 7)
    _, trace = layer(_input())
    h_prev = torch.cat([torch.zeros_like(trace.h[:, :1]), trace.h[:, :-1]], dim=1)
    torch.testing.assert_close(trace.h, (1 - trace.z) * trace.n + trace.z * h_prev)


@pytest.mark.parametrize(("ours", "twin"), CELLS, ids=["rnn", "lstm", "gru"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_matches_torch(ours, twin, return_sequences):
    torch_layer = twin(5, 7, batch_first=True, bidirectional=True)
    layer = Bidirectional.from_torch(torch_layer, return_sequences=return_sequences)
    assert isinstance(layer.forward_layer, ours)
    x = _input()
    expected, final = torch_layer(x)
    out, trace = layer(x)
    if return_sequences:
        torch.testing.assert_close(out, expected)
    else:
        h_n = final[0] if isinstance(final, tuple) else final  # (2, B, U): forward, backward
        torch.testing.assert_close(out, torch.cat([h_n[0], h_n[1]], dim=-1))
    # The backward trace is put back in token order: step t belongs to token t.
    torch.testing.assert_close(trace.backward.h, expected[..., 7:])
    assert layer.param_count() == sum(p.numel() for p in torch_layer.parameters())


@pytest.mark.parametrize(("ours", "twin"), CELLS, ids=["rnn", "lstm", "gru"])
def test_param_count_matches_torch(ours, twin):
    assert ours(100, 64).param_count() == sum(p.numel() for p in twin(100, 64).parameters())


def test_tutorial_what_time_is_it():
    # The tutorial keeps "?" as a token: five words, five time steps, width 100.
    tokenizer = Tokenizer(filters="").fit_on_texts(["What time is it ?"])
    ids = torch.tensor(tokenizer.texts_to_sequences(["What time is it ?"]))
    assert ids.shape == (1, 5)
    x, _ = Embedding(tokenizer.vocab_size, 100)(ids)  # (1, 5, 100)
    sequences, _ = SimpleRNN(100, 64, return_sequences=True)(x)
    last, _ = SimpleRNN(100, 64)(x)
    assert sequences.shape == (1, 5, 64)
    assert last.shape == (1, 64)
    assert SimpleRNN(100, 64).keras_weights()["kernel"].shape == (100, 64)
    assert LSTM(100, 64).keras_weights()["kernel"].shape == (100, 256)
    both, _ = Bidirectional(SimpleRNN(100, 64, return_sequences=True))(x)
    assert both.shape == (1, 5, 128)


def test_same_generator_same_weights_and_backward_copy_differs():
    a = LSTM(4, 3, generator=make_generator(7, "lstm"))
    b = LSTM(4, 3, generator=make_generator(7, "lstm"))
    c = LSTM(4, 3, generator=make_generator(8, "lstm"))
    torch.testing.assert_close(a.weight_ih, b.weight_ih, rtol=0, atol=0)
    assert not torch.equal(a.weight_ih, c.weight_ih)
    wrapped = Bidirectional(LSTM(4, 3))
    assert not torch.equal(wrapped.forward_layer.weight_ih, wrapped.backward_layer.weight_ih)


@pytest.mark.parametrize("cell", [SimpleRNN, LSTM, GRU])
def test_wrong_input_width_is_explained(cell):
    with pytest.raises(ValueError, match=r"\(B, T, 5\).*axis 2 has size 4"):
        cell(5, 3)(torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="at least one time step"):
        cell(5, 3)(torch.zeros(1, 0, 5))
    with pytest.raises(ValueError, match="3-D"):
        cell(5, 3)(torch.zeros(2, 5))


@given(
    B=st.integers(1, 3),
    T=st.integers(1, 6),
    In=st.integers(1, 6),
    U=st.integers(1, 6),
    cell=st.sampled_from([SimpleRNN, LSTM, GRU]),
    return_sequences=st.booleans(),
    bidirectional=st.booleans(),
)
def test_output_shapes_property(B, T, In, U, cell, return_sequences, bidirectional):
    layer = cell(In, U, return_sequences)
    if bidirectional:
        layer = Bidirectional(layer)
    out, _ = layer(torch.randn(B, T, In, generator=make_generator(0, "shape")))
    assert tuple(out.shape) == layer.output_shape(B, T)
    assert out.shape[-1] == (2 * U if bidirectional else U)
    assert out.abs().max() <= 1.0 or cell is not SimpleRNN  # tanh keeps the RNN state in [-1, 1]
