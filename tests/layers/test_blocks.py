"""Add, AddNorm, FeedForward and the Transformer blocks: parity with torch.nn."""

import copy
import re

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from torch import nn

from layers import (
    Add,
    AddNorm,
    FeedForward,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    causal_mask,
    make_generator,
)


def _x(B=2, T=5, D=8, seed=0):
    return torch.randn(B, T, D, generator=make_generator(seed, "block-input"))


def test_add_matches_torch_and_refuses_different_shapes():
    a, b = _x(seed=1), _x(seed=2)
    out, trace = Add()(a, b)
    torch.testing.assert_close(out, torch.add(a, b))
    assert trace.out is out
    with pytest.raises(ValueError, match=re.escape("(2, 5, 8) and (2, 8)")):
        Add()(a, torch.zeros(2, 8))


def test_add_norm_is_layer_norm_of_the_sum():
    norm = nn.LayerNorm(8)
    with torch.no_grad():
        norm.weight.normal_()
        norm.bias.normal_()
    layer = AddNorm.from_torch(norm)
    x, sub = _x(seed=3), _x(seed=4)
    out, trace = layer(x, sub)
    torch.testing.assert_close(out, norm(x + sub))
    torch.testing.assert_close(trace.sum, x + sub)


@pytest.mark.parametrize(("activation", "twin"), [("relu", nn.ReLU), ("gelu", nn.GELU)])
def test_feed_forward_matches_torch(activation, twin):
    torch_layer = nn.Sequential(nn.Linear(8, 32), twin(), nn.Linear(32, 8))
    layer = FeedForward.from_torch(torch_layer)
    assert layer.activation == activation
    x = _x()
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x))
    assert trace.hidden.shape == (2, 5, 32)
    assert layer.param_count() == sum(p.numel() for p in torch_layer.parameters())


def test_feed_forward_refuses_other_shapes_of_sequential():
    with pytest.raises(ValueError, match=r"expected nn\.Sequential"):
        FeedForward.from_torch(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 4)))


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("train", [False, True])
def test_encoder_block_matches_torch(randomize, activation, train):
    module = nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, activation=activation, batch_first=True
    ).train(train)
    randomize(module, 0)
    block = TransformerEncoderBlock.from_torch(module)
    x = _x()
    padding = torch.tensor([[True, False, False, False, False], [False] * 5])
    with torch.no_grad():
        expected = module(x, src_key_padding_mask=padding)
        out, trace = block(x, key_padding_mask=padding)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(trace.add_norm2.norm.out, out)
    assert block.param_count() == sum(p.numel() for p in module.parameters())


def test_encoder_block_causal_matches_torch(randomize):
    module = randomize(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 1)
    block = TransformerEncoderBlock.from_torch(module)
    x = _x(seed=1)
    expected = module(x, src_mask=causal_mask(5), is_causal=True)
    torch.testing.assert_close(block(x, causal=True)[0], expected)


@pytest.mark.parametrize("train", [False, True])
def test_decoder_block_matches_torch(randomize, train):
    module = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True).train(train)
    randomize(module, 2)
    block = TransformerDecoderBlock.from_torch(module)
    target, memory = _x(T=4, seed=5), _x(T=6, seed=6)
    memory_padding = torch.tensor([[True, False, False, False, False, False], [False] * 6])
    with torch.no_grad():
        expected = module(
            target,
            memory,
            tgt_mask=causal_mask(4),
            tgt_is_causal=True,
            memory_key_padding_mask=memory_padding,
        )
        out, trace = block(target, memory, causal=True, memory_key_padding_mask=memory_padding)
    torch.testing.assert_close(out, expected)
    assert trace.cross_attention.weights.shape == (2, 2, 4, 6)
    assert (trace.self_attention.weights.triu(diagonal=1) == 0).all()
    assert block.param_count() == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("train", [False, True])
def test_decoder_block_with_default_arguments_matches_torch_with_default_arguments(
    randomize, train
):
    # nn.TransformerDecoderLayer applies no mask unless given one, and so does the block:
    # from_torch(layer)(tgt, memory) is layer(tgt, memory).
    module = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True).train(train)
    randomize(module, 3)
    block = TransformerDecoderBlock.from_torch(module)
    target, memory = _x(T=4, seed=7), _x(T=6, seed=8)
    with torch.no_grad():
        expected = module(target, memory)
        out, trace = block(target, memory)
        causal_out, _ = block(target, memory, causal=True)
    torch.testing.assert_close(out, expected)
    assert (trace.self_attention.weights.triu(diagonal=1) > 0).any()  # later tokens are read
    assert not torch.allclose(causal_out, expected)  # the causal mask is a real difference


def test_decoder_block_with_target_padding_matches_torch(randomize):
    module = randomize(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 4)
    module.eval()
    block = TransformerDecoderBlock.from_torch(module)
    target, memory = _x(T=4, seed=9), _x(T=6, seed=10)
    target_padding = torch.tensor([[True, False, False, False], [False] * 4])
    memory_padding = torch.tensor([[True, True, False, False, False, False], [False] * 6])
    with torch.no_grad():
        expected = module(
            target,
            memory,
            tgt_mask=causal_mask(4),
            tgt_is_causal=True,
            tgt_key_padding_mask=target_padding,
            memory_key_padding_mask=memory_padding,
        )
        out, trace = block(
            target,
            memory,
            causal=True,
            key_padding_mask=target_padding,
            memory_key_padding_mask=memory_padding,
        )
    # The first target row is padding and causal: its query sees nothing, where PyTorch gives NaN.
    torch.testing.assert_close(out[1], expected[1])
    torch.testing.assert_close(out[0, 1:], expected[0, 1:])
    assert (trace.cross_attention.weights[0, :, :, :2] == 0).all()


def test_post_norm_only():
    module = nn.TransformerEncoderLayer(8, 2, 16, norm_first=True, batch_first=True)
    with pytest.raises(ValueError, match="post-norm"):
        TransformerEncoderBlock.from_torch(module)


def test_block_dropout_is_reproducible_and_off_in_eval():
    block = TransformerEncoderBlock(8, 2, 16, dropout=0.3, generator=make_generator(1, "b"))
    twin = TransformerEncoderBlock(8, 2, 16, dropout=0.3, generator=make_generator(1, "b"))
    x = _x()
    torch.testing.assert_close(block(x)[0], twin(x)[0])
    assert (block(x)[1].add_norm1.sublayer == 0).any()
    block.eval()
    assert not (block(x)[1].add_norm1.sublayer == 0).any()


def _rounding_budget(trace, dtype: torch.dtype) -> torch.Tensor:
    """How far rounding in `dtype` may move each token's output: 64 · u · κ, shape (B, T, 1).

    A LayerNorm divides x − μ by √(σ² + ε), so an error δ in its input comes out up to
    |δ| / √(σ² + ε) large: on a token whose features are nearly equal (σ² ≪ ε) that is up to
    1/√ε ≈ 316 times the error. The block has two LayerNorms in a row, so a token's output
    carries the rounding of everything before them times κ = (1 + 1/std₁)(1 + 1/std₂), between
    about 1 and (1 + 316)² ≈ 1e5. u is the dtype's unit roundoff (6e-8 in float32, 1.1e-16 in
    float64). Over 4000 random draws of the sizes below the error stayed under 14 · u · κ, for
    torch's own float32 output as for ours; 64 leaves room.
    """
    kappa = (1 + 1 / trace.add_norm1.norm.std) * (1 + 1 / trace.add_norm2.norm.std)  # (B, T)
    return 64 * (torch.finfo(dtype).eps / 2) * kappa.double()[..., None]  # (B, T, 1)


def _assert_within(actual, expected, budget, what):
    error = (actual.double() - expected.double()).abs()  # (B, T, D)
    over = error > budget
    if over.any():
        b, t, d = over.nonzero()[0].tolist()
        raise AssertionError(
            f"{what}: token ({b}, {t}) feature {d} is off by {error[b, t, d].item():.3g}, "
            f"over its rounding budget {budget[b, t, 0].item():.3g}"
        )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    B=st.integers(1, 3),
    T=st.integers(1, 5),
    H=st.sampled_from([1, 2, 4]),
    Dh=st.integers(1, 4),
    F=st.integers(1, 12),
    seed=st.integers(0, 500),
)
# Token (1, 0) reaches the second LayerNorm with features 0.16259 and 0.16139: σ² = 3.6e-7 ≪ ε,
# so 1/√(σ² + ε) = 311 (and 58 at the first LayerNorm). Our float32 x + attention for it is
# +1.4 and −1.5 ulp off, torch's +0.4 and +0.5 ulp: a LayerNorm over D = 2 only sees the
# difference of the two. After both LayerNorms the float32 outputs differ by 2.3e-5, over
# assert_close's float32 tolerance, while in float64 they agree to 1.3e-14. Each step fed the
# same input rounds as well as torch's (LayerNorm 4.2e-8 vs 4.6e-8 from float64).
@example(B=2, T=4, H=1, Dh=2, F=2, seed=5)
def test_encoder_block_matches_torch_across_sizes(randomize, B, T, H, Dh, F, seed):
    """Same math as nn.TransformerEncoderLayer, to rounding, however small the sizes.

    A fixed float32 tolerance cannot be used here: tiny widths (D = 2, features nearly equal)
    make the LayerNorms amplify a one-ulp difference up to 1e5 times (see _rounding_budget).
    So the parity runs in float64, where the budget is 1e-13 on an ordinary token and at most
    7e-10 on the worst, while a real difference in the math (ε outside the root, the unbiased
    variance, a bias dropped, Dh for √Dh) fails it by orders of magnitude; and in float32 ours
    and torch's output are each held to the float64 one within the float32 budget.
    test_encoder_block_matches_torch keeps the float32 parity at the default tolerance.
    """
    D = H * Dh
    module = randomize(nn.TransformerEncoderLayer(D, H, F, dropout=0.0, batch_first=True), seed)
    module64 = copy.deepcopy(module).double()
    x = torch.randn(B, T, D, generator=make_generator(seed, "sizes"))
    with torch.no_grad():
        out, trace = TransformerEncoderBlock.from_torch(module)(x)
        out64, trace64 = TransformerEncoderBlock.from_torch(module64).double()(x.double())
        truth = module64(x.double())
        expected = module(x)
    _assert_within(out64, truth, _rounding_budget(trace64, torch.float64), "float64 parity")
    budget = _rounding_budget(trace64, torch.float32)
    _assert_within(out, truth, budget, "our float32 output against float64")
    _assert_within(expected, truth, budget, "torch's float32 output against float64")
    assert trace.self_attention.weights.shape == (B, H, T, T)
    assert trace.feed_forward.hidden.shape == (B, T, F)
