"""Dropout: the tutorial's rate, 1/(1−p) scaling, eval as identity, superset masks."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from layers import Dropout, make_generator


def test_tutorial_dropout_rate_and_scale():
    layer = Dropout(0.2, generator=make_generator(0, "dropout"))
    x = torch.ones(50, 40, 50)  # 100,000 values
    out, trace = layer(x)
    dropped = (out == 0).float().mean().item()
    assert abs(dropped - 0.2) < 0.01
    assert trace.scale == pytest.approx(1.25)
    torch.testing.assert_close(out[trace.mask], torch.full_like(out[trace.mask], 1.25))
    assert (out[~trace.mask] == 0).all()


def test_eval_is_the_identity():
    layer = Dropout(0.7).eval()
    x = torch.randn(2, 3, 4)
    out, trace = layer(x)
    assert out is x
    assert trace.mask.all() and trace.scale == 1.0


def test_from_torch_keeps_rate_and_mode():
    layer = Dropout.from_torch(nn.Dropout(0.3).eval())
    assert layer.p == 0.3 and not layer.training


def test_same_seed_same_mask_and_a_fresh_generator_gives_a_new_one():
    x = torch.ones(2, 8, 16)
    a = Dropout(0.5, generator=make_generator(3, "d"))(x)[1].mask
    b = Dropout(0.5, generator=make_generator(3, "d"))(x)[1].mask
    assert torch.equal(a, b)
    layer = Dropout(0.5, generator=make_generator(3, "d"))
    step = make_generator(0, "training")
    first = layer(x, generator=step)[1].mask
    second = layer(x, generator=step)[1].mask
    assert not torch.equal(first, second)


@given(p_low=st.floats(0, 1), p_high=st.floats(0, 1), seed=st.integers(0, 10_000))
def test_raising_p_drops_a_superset(p_low, p_high, seed):
    p_low, p_high = sorted((p_low, p_high))
    x = torch.ones(3, 7, 5)
    low = Dropout(p_low, generator=make_generator(seed, "d"))(x)[1].mask
    high = Dropout(p_high, generator=make_generator(seed, "d"))(x)[1].mask
    assert not (high & ~low).any()  # whatever survives the higher rate survived the lower one


def test_p_one_zeros_everything_and_bad_rates_are_refused():
    out, trace = Dropout(1.0)(torch.ones(2, 3))
    assert (out == 0).all() and trace.scale == 0.0
    torch.testing.assert_close(out, nn.Dropout(1.0)(torch.ones(2, 3)))
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="between 0 and 1"):
            Dropout(bad)


def test_per_feature_drops_whole_features_across_tokens():
    layer = Dropout(0.5, per_feature=True, generator=make_generator(1, "pf"))
    out, trace = layer(torch.ones(4, 6, 10))
    assert (trace.mask == trace.mask[:, :1, :]).all()  # the same choice at every token
    assert 0 < trace.mask[:, 0].float().mean() < 1


def test_expectation_is_kept_over_many_masks():
    x = torch.randn(1, 4, 8, generator=make_generator(0, "x"))
    layer = Dropout(0.4)
    g = make_generator(0, "many")
    mean = torch.stack([layer(x, generator=g)[0] for _ in range(4000)]).mean(0)
    torch.testing.assert_close(mean, x, atol=0.1, rtol=0)
