"""LayerNorm, BatchNorm1d/2d, GroupNorm, InstanceNorm1d/2d: parity with torch.nn, worked example."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from layers import (
    BatchNorm1d,
    BatchNorm2d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    LayerNorm,
    make_generator,
)


def _batch(B=3, T=5, D=8, seed=0, shift=0.0):
    return torch.randn(B, T, D, generator=make_generator(seed, "norm-input")) * 3 + shift


def test_layer_norm_matches_torch(randomize):
    torch_layer = randomize(nn.LayerNorm(8, eps=1e-3), 1)
    layer = LayerNorm.from_torch(torch_layer)
    x = _batch()
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x))
    torch.testing.assert_close(layer.gamma, torch_layer.weight)
    assert trace.mean.shape == trace.var.shape == (3, 5)
    torch.testing.assert_close(trace.mean, x.mean(-1))
    torch.testing.assert_close(trace.var, x.var(-1, unbiased=False))


def test_layer_norm_over_two_axes_matches_torch(randomize):
    torch_layer = randomize(nn.LayerNorm((5, 8)), 2)
    x = _batch()
    torch.testing.assert_close(LayerNorm.from_torch(torch_layer)(x)[0], torch_layer(x))


def test_tutorial_layer_norm_worked_example():
    layer = LayerNorm(3)
    x = torch.tensor([[1.0, 2.0, 3.0]])
    out, trace = layer(x)
    torch.testing.assert_close(out, torch.tensor([[-1.2247, 0.0, 1.2247]]), atol=1e-4, rtol=0)
    with torch.no_grad():
        layer.gamma.fill_(2.0)
    out, trace = layer(x)
    torch.testing.assert_close(out, torch.tensor([[-2.4495, 0.0, 2.4495]]), atol=1e-4, rtol=0)
    with torch.no_grad():
        layer.beta.fill_(1.0)
    out, trace = layer(x)
    torch.testing.assert_close(out, torch.tensor([[-1.4495, 1.0, 3.4495]]), atol=1e-4, rtol=0)
    torch.testing.assert_close(trace.scaled, 2 * trace.x_hat)
    torch.testing.assert_close(trace.out, trace.scaled + 1)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_training_and_running_stats_match_torch(randomize, momentum):
    torch_layer = randomize(nn.BatchNorm1d(8, momentum=momentum), 3)
    layer = BatchNorm1d.from_torch(torch_layer)
    for step in range(4):  # several training batches move the running statistics
        x = _batch(seed=step, shift=step)
        expected = torch_layer(x.transpose(1, 2)).transpose(1, 2)  # torch wants (B, D, T)
        out, trace = layer(x)
        torch.testing.assert_close(out, expected)
        torch.testing.assert_close(trace.running_mean, torch_layer.running_mean)
        torch.testing.assert_close(trace.running_var, torch_layer.running_var)
        torch.testing.assert_close(trace.mean, x.mean(dim=(0, 1)))
    assert int(layer.num_batches_tracked) == int(torch_layer.num_batches_tracked) == 4
    torch_layer.eval()
    layer.eval()
    x = _batch(seed=9)
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x.transpose(1, 2)).transpose(1, 2))
    assert not trace.training
    torch.testing.assert_close(trace.mean, torch_layer.running_mean)


def test_batch_norm_on_2d_input_matches_torch(randomize):
    torch_layer = randomize(nn.BatchNorm1d(8), 4)
    layer = BatchNorm1d.from_torch(torch_layer)
    x = _batch()[:, 0]  # (B, D)
    torch.testing.assert_close(layer(x)[0], torch_layer(x))


def test_batch_norm_single_value_per_feature_is_explained():
    with pytest.raises(ValueError, match="more than one value per feature"):
        BatchNorm1d(4)(torch.randn(1, 1, 4))
    out, _ = BatchNorm1d(4).eval()(torch.randn(1, 1, 4))  # eval uses running stats: fine
    assert out.shape == (1, 1, 4)


@pytest.mark.parametrize("groups", [1, 2, 4, 8])
def test_group_norm_matches_torch(randomize, groups):
    torch_layer = randomize(nn.GroupNorm(groups, 8), 5)
    layer = GroupNorm.from_torch(torch_layer)
    x = _batch()
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x.transpose(1, 2)).transpose(1, 2))
    assert trace.mean.shape == (3, groups)


def test_group_norm_suggests_divisors():
    with pytest.raises(ValueError, match=r"not divisible by 3 groups; try 1, 2, 4 or 8"):
        GroupNorm(3, 8)


@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_matches_torch(randomize, affine):
    torch_layer = nn.InstanceNorm1d(8, affine=affine)
    if affine:
        randomize(torch_layer, 6)
    layer = InstanceNorm1d.from_torch(torch_layer)
    x = _batch()
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x.transpose(1, 2)).transpose(1, 2))
    assert trace.mean.shape == (3, 8)


def test_instance_norm_needs_two_tokens():
    with pytest.raises(ValueError, match="at least two tokens"):
        InstanceNorm1d(4)(torch.randn(2, 1, 4))


def test_eps_must_be_finite_and_not_negative():
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="eps"):
            LayerNorm(4, eps=bad)


def test_which_axes_each_norm_averages_over():
    x = _batch(B=2, T=4, D=6)
    assert LayerNorm(6)(x)[1].mean.shape == (2, 4)  # per token
    assert BatchNorm1d(6)(x)[1].mean.shape == (6,)  # per feature
    assert GroupNorm(3, 6)(x)[1].mean.shape == (2, 3)  # per sentence and group
    assert InstanceNorm1d(6)(x)[1].mean.shape == (2, 6)  # per sentence and feature


@given(
    B=st.integers(1, 4),
    T=st.integers(2, 6),
    D=st.integers(2, 12),
    scale=st.floats(0.1, 100),
    shift=st.floats(-50, 50),
    seed=st.integers(0, 1000),
)
def test_layer_norm_rows_have_mean_zero_and_variance_one(B, T, D, scale, shift, seed):
    x = torch.randn(B, T, D, generator=make_generator(seed, "prop"), dtype=torch.float64)
    x = x * scale + shift
    _, trace = LayerNorm(D, eps=0.0).double()(x)
    torch.testing.assert_close(trace.x_hat.mean(-1), torch.zeros(B, T, dtype=torch.float64))
    torch.testing.assert_close(
        trace.x_hat.var(-1, unbiased=False), torch.ones(B, T, dtype=torch.float64)
    )


@given(B=st.integers(1, 4), T=st.integers(2, 6), D=st.integers(1, 6), seed=st.integers(0, 99))
def test_norms_match_torch_property(B, T, D, seed):
    x = torch.randn(B, T, D, generator=make_generator(seed, "prop-norms"))
    channels_first = x.transpose(1, 2)
    torch.testing.assert_close(LayerNorm(D)(x)[0], nn.LayerNorm(D)(x))
    torch.testing.assert_close(
        BatchNorm1d(D)(x)[0], nn.BatchNorm1d(D)(channels_first).transpose(1, 2)
    )
    torch.testing.assert_close(
        InstanceNorm1d(D)(x)[0], nn.InstanceNorm1d(D)(channels_first).transpose(1, 2)
    )
    torch.testing.assert_close(
        GroupNorm(1, D)(x)[0], nn.GroupNorm(1, D)(channels_first).transpose(1, 2)
    )


# Images (B, C, H, W), channels first as in torch: which cells share one mean.


def _images(B=3, C=4, H=5, W=6, seed=0, shift=0.0):
    return torch.randn(B, C, H, W, generator=make_generator(seed, "norm-images")) * 3 + shift


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_2d_training_and_running_stats_match_torch(randomize, momentum):
    torch_layer = randomize(nn.BatchNorm2d(4, momentum=momentum), 7)
    layer = BatchNorm2d.from_torch(torch_layer)
    for step in range(3):  # several training batches move the running statistics
        x = _images(seed=step, shift=step)
        out, trace = layer(x)
        torch.testing.assert_close(out, torch_layer(x))
        torch.testing.assert_close(trace.running_mean, torch_layer.running_mean)
        torch.testing.assert_close(trace.running_var, torch_layer.running_var)
        torch.testing.assert_close(layer.running_var, torch_layer.running_var)
        torch.testing.assert_close(trace.mean, x.mean(dim=(0, 2, 3)))
        torch.testing.assert_close(trace.var, x.var(dim=(0, 2, 3), unbiased=False))
        assert trace.training
    assert int(layer.num_batches_tracked) == int(torch_layer.num_batches_tracked) == 3
    torch_layer.eval()
    layer.eval()
    x = _images(seed=9)
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x))
    assert not trace.training
    torch.testing.assert_close(trace.mean, torch_layer.running_mean)
    assert int(layer.num_batches_tracked) == 3  # eval leaves the running statistics alone


def test_batch_norm_2d_from_an_eval_module_with_trained_stats(randomize):
    torch_layer = randomize(nn.BatchNorm2d(4), 8)
    torch_layer(_images(shift=2.0))  # one training step so the running stats are not 0 and 1
    torch_layer.eval()
    layer = BatchNorm2d.from_torch(torch_layer)
    assert not layer.training
    x = _images(seed=3)
    torch.testing.assert_close(layer(x)[0], torch_layer(x))


def test_batch_norm_2d_bad_inputs_are_explained():
    with pytest.raises(ValueError, match=r"\(B, 4, H, W\).*axis 1 has size 3"):
        BatchNorm2d(4)(torch.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"4-D input of shape \(B, 4, H, W\)"):
        BatchNorm2d(4)(torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match="more than one value per channel"):
        BatchNorm2d(4)(torch.randn(1, 4, 1, 1))
    out, _ = BatchNorm2d(4).eval()(torch.randn(1, 4, 1, 1))  # eval uses running stats: fine
    assert out.shape == (1, 4, 1, 1)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm2d(4, momentum=2.0)
    with pytest.raises(ValueError, match="tracks running statistics"):
        BatchNorm2d.from_torch(nn.BatchNorm2d(4, track_running_stats=False))


@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_2d_matches_torch(randomize, affine):
    torch_layer = nn.InstanceNorm2d(4, affine=affine)
    if affine:
        randomize(torch_layer, 9)
    layer = InstanceNorm2d.from_torch(torch_layer)
    assert (layer.gamma is None) is not affine
    x = _images()
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x))
    assert trace.mean.shape == trace.var.shape == (3, 4)
    torch.testing.assert_close(trace.mean, x.mean(dim=(2, 3)))


def test_instance_norm_2d_bad_inputs_are_explained():
    with pytest.raises(ValueError, match="at least two pixels"):
        InstanceNorm2d(4)(torch.randn(2, 4, 1, 1))
    with pytest.raises(ValueError, match=r"4-D input of shape \(B, 4, H, W\)"):
        InstanceNorm2d(4)(torch.randn(4, 5, 5))
    with pytest.raises(ValueError, match="without running statistics"):
        InstanceNorm2d.from_torch(nn.InstanceNorm2d(4, track_running_stats=True))


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_group_norm_on_images_matches_torch(randomize, groups):
    torch_layer = randomize(nn.GroupNorm(groups, 4), 10)
    layer = GroupNorm.from_torch(torch_layer)
    x = _images()
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x))  # channels first: no transpose
    assert trace.mean.shape == trace.var.shape == (3, groups)
    expected = x.reshape(3, groups, -1).mean(-1)  # each image's group: C/G channels, H, W
    torch.testing.assert_close(trace.mean, expected)


def test_group_norm_bad_image_shapes_are_explained():
    with pytest.raises(ValueError, match=r"\(B, 4, H, W\).*axis 1 has size 6"):
        GroupNorm(2, 4)(torch.randn(2, 6, 3, 3))
    with pytest.raises(ValueError, match=r"or images \(B, 4, H, W\).*add a batch axis"):
        GroupNorm(2, 4)(torch.randn(4, 3))


def test_layer_norm_over_channels_and_pixels_matches_torch(randomize):
    torch_layer = randomize(nn.LayerNorm([4, 5, 6]), 11)
    layer = LayerNorm.from_torch(torch_layer)
    assert layer.gamma.shape == layer.beta.shape == (4, 5, 6)  # elementwise, one per cell
    x = _images()
    out, trace = layer(x)
    torch.testing.assert_close(out, torch_layer(x))
    assert trace.mean.shape == (3,)  # one μ per image
    torch.testing.assert_close(trace.mean, x.mean(dim=(1, 2, 3)))


def test_layer_norm_on_images_of_the_wrong_size_says_what_to_build():
    with pytest.raises(ValueError, match=r"got \(2, 4, 5, 5\); .* build LayerNorm\(\(4, 5, 5\)\)"):
        LayerNorm((4, 5, 6))(torch.randn(2, 4, 5, 5))


def test_which_axes_each_norm_averages_over_on_images():
    x = _images(B=2, C=6, H=3, W=4)
    assert LayerNorm((6, 3, 4))(x)[1].mean.shape == (2,)  # per image
    assert BatchNorm2d(6)(x)[1].mean.shape == (6,)  # per channel
    assert GroupNorm(3, 6)(x)[1].mean.shape == (2, 3)  # per image and group
    assert InstanceNorm2d(6)(x)[1].mean.shape == (2, 6)  # per image and channel


def _image_groups(name, x_hat, G):
    """x̂ with the cells that share one μ gathered on the last axis (the lesson's point)."""
    B, C, H, W = x_hat.shape
    if name == "layer":  # one group per image: all C·H·W cells
        return x_hat.reshape(B, C * H * W)
    if name == "batch":  # one group per channel: every image's H·W pixels
        return x_hat.transpose(0, 1).reshape(C, B * H * W)
    if name == "group":  # one group per image and C/G channels: their H·W pixels
        return x_hat.reshape(B, G, (C // G) * H * W)
    return x_hat.reshape(B, C, H * W)  # instance: one per image and channel


@given(
    name=st.sampled_from(["layer", "batch", "group", "instance"]),
    B=st.integers(1, 3),
    G=st.integers(1, 3),
    per_group=st.integers(1, 3),
    H=st.integers(2, 4),
    W=st.integers(1, 4),
    scale=st.floats(0.1, 100),
    shift=st.floats(-50, 50),
    seed=st.integers(0, 1000),
)
def test_image_norms_give_each_group_mean_zero_and_variance_one(
    name, B, G, per_group, H, W, scale, shift, seed
):
    C = G * per_group
    x = torch.randn(B, C, H, W, generator=make_generator(seed, "prop-images"), dtype=torch.float64)
    x = x * scale + shift
    layer = {
        "layer": LayerNorm((C, H, W), eps=0.0),
        "batch": BatchNorm2d(C, eps=0.0),
        "group": GroupNorm(G, C, eps=0.0),
        "instance": InstanceNorm2d(C, eps=0.0),
    }[name].double()
    _, trace = layer(x)
    groups = _image_groups(name, trace.x_hat, G)
    zeros = torch.zeros(groups.shape[:-1], dtype=torch.float64)
    torch.testing.assert_close(groups.mean(-1), zeros)
    torch.testing.assert_close(groups.var(-1, unbiased=False), zeros + 1)
    assert trace.mean.numel() == groups.shape[:-1].numel()  # one μ per group, no more


@given(
    B=st.integers(1, 3),
    C=st.integers(1, 4),
    H=st.integers(2, 4),
    W=st.integers(1, 4),
    seed=st.integers(0, 99),
)
def test_image_norms_match_torch_property(B, C, H, W, seed):
    x = torch.randn(B, C, H, W, generator=make_generator(seed, "prop-image-norms"))
    torch.testing.assert_close(LayerNorm((C, H, W))(x)[0], nn.LayerNorm([C, H, W])(x))
    torch.testing.assert_close(BatchNorm2d(C)(x)[0], nn.BatchNorm2d(C)(x))
    torch.testing.assert_close(InstanceNorm2d(C)(x)[0], nn.InstanceNorm2d(C)(x))
    torch.testing.assert_close(GroupNorm(1, C)(x)[0], nn.GroupNorm(1, C)(x))
