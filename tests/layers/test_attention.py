"""MultiHeadAttention: parity with nn.MultiheadAttention per head, masks, invariants."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from layers import MultiHeadAttention, causal_mask, make_generator


def _x(B=2, T=5, D=8, seed=0):
    return torch.randn(B, T, D, generator=make_generator(seed, "attn-input"))


@pytest.fixture
def torch_mha(randomize):
    def build(D=8, H=2, seed=0):
        return randomize(nn.MultiheadAttention(D, H, batch_first=True), seed)

    return build


def test_self_attention_matches_torch_per_head(torch_mha):
    module = torch_mha()
    layer = MultiHeadAttention.from_torch(module)
    x = _x()
    expected, expected_weights = module(x, x, x, average_attn_weights=False)
    out, trace = layer(x)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(trace.weights, expected_weights)
    assert trace.weights.shape == (2, 2, 5, 5)
    assert trace.q.shape == trace.k.shape == trace.v.shape == (2, 2, 5, 4)


def test_causal_mask_matches_torch(torch_mha):
    module = torch_mha(seed=1)
    layer = MultiHeadAttention.from_torch(module)
    x = _x(seed=1)
    expected, weights = module(
        x, x, x, attn_mask=causal_mask(5), is_causal=True, average_attn_weights=False
    )
    out, trace = layer(x, causal=True)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(trace.weights, weights)
    assert (trace.weights.triu(diagonal=1) == 0).all()


def test_key_padding_mask_matches_torch(torch_mha):
    module = torch_mha(seed=2)
    layer = MultiHeadAttention.from_torch(module)
    x = _x(seed=2)
    padding = torch.tensor([[True, True, False, False, False], [False] * 5])  # pre-padding
    expected, weights = module(x, x, x, key_padding_mask=padding, average_attn_weights=False)
    out, trace = layer(x, key_padding_mask=padding)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(trace.weights, weights)
    assert (trace.weights[0, :, :, :2] == 0).all()


def test_cross_attention_matches_torch(torch_mha):
    module = torch_mha(seed=3)
    layer = MultiHeadAttention.from_torch(module)
    query, memory = _x(T=3, seed=3), _x(T=6, seed=4)
    expected, weights = module(query, memory, memory, average_attn_weights=False)
    out, trace = layer(query, memory)
    torch.testing.assert_close(out, expected)
    assert trace.weights.shape == (2, 2, 3, 6)
    torch.testing.assert_close(trace.weights, weights)


def test_a_query_that_sees_nothing_gets_zero_weights_where_torch_gives_nan(torch_mha):
    module = torch_mha(seed=5)
    layer = MultiHeadAttention.from_torch(module)
    x = _x(B=1, T=3, seed=5)
    padding = torch.tensor([[True, False, False]])
    expected, weights = module(
        x, x, x, attn_mask=causal_mask(3), key_padding_mask=padding, average_attn_weights=False
    )
    out, trace = layer(x, causal=True, key_padding_mask=padding)
    assert torch.isnan(expected[0, 0]).all()  # query 0 may only see key 0, which is padding
    assert (trace.weights[0, :, 0] == 0).all()
    torch.testing.assert_close(out[0, 0], layer.b_o)  # nothing attended: only the output bias
    torch.testing.assert_close(out[:, 1:], expected[:, 1:])
    torch.testing.assert_close(trace.weights[:, :, 1:], weights[:, :, 1:])


def test_unscaled_scores_are_sqrt_dh_larger():
    layer = MultiHeadAttention(16, 4)
    x = _x(D=16)
    _, scaled = layer(x)
    _, unscaled = layer(x, scaled=False)
    torch.testing.assert_close(unscaled.scores, scaled.scores * math.sqrt(4))


def test_heads_must_divide_width_and_the_message_says_which_do():
    with pytest.raises(
        ValueError,
        match="width 100 is not divisible by 3 heads; try 1, 2, 4, 5, 10, 20, 25, 50 or 100",
    ):
        MultiHeadAttention(100, 3)


def test_bad_padding_mask_is_explained():
    with pytest.raises(
        ValueError, match=r"key_padding_mask must be a bool tensor of shape \(B, S\)"
    ):
        MultiHeadAttention(8, 2)(_x(), key_padding_mask=torch.zeros(2, 4, dtype=torch.bool))


def test_param_count_matches_torch():
    assert MultiHeadAttention(64, 8).param_count() == sum(
        p.numel() for p in nn.MultiheadAttention(64, 8).parameters()
    )


@given(
    B=st.integers(1, 3),
    T=st.integers(1, 6),
    S=st.integers(1, 6),
    H=st.sampled_from([1, 2, 4]),
    Dh=st.integers(1, 4),
    causal=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_rows_sum_to_one_and_causal_weights_vanish_above_the_diagonal(B, T, S, H, Dh, causal, seed):
    D = H * Dh
    layer = MultiHeadAttention(D, H, generator=make_generator(seed, "prop"))
    query = torch.randn(B, T, D, generator=make_generator(seed, "q"))
    memory = torch.randn(B, S, D, generator=make_generator(seed, "m"))
    out, trace = layer(query, memory, causal=causal)
    assert out.shape == (B, T, D)
    assert trace.weights.shape == (B, H, T, S)
    torch.testing.assert_close(trace.weights.sum(-1), torch.ones(B, H, T))
    assert (trace.weights >= 0).all()
    if causal:
        assert (trace.weights.triu(diagonal=1) == 0).all()
