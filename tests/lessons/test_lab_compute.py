"""The lab's computations: what each figure claims holds for the numbers behind it."""

import torch

from lessons.lab import compute as lab_math


def vectors(text="the cat sat on the mat\na dog barked loudly", d=8):
    return lab_math.token_vectors(text, d, seed=0)


def test_no_words_gives_none():
    assert lab_math.token_vectors(" ?! ", 8, seed=0) is None


def test_affine_lists_of_one_or_d_values_and_the_fallback():
    gamma, beta, ignored = lab_math.affine((2.0,), (1.0, 2.0, 3.0), 1.0, 0.5, 3)
    assert gamma.tolist() == [2.0] * 3 and beta.tolist() == [1.0, 2.0, 3.0] and not ignored
    gamma, _, ignored = lab_math.affine((1.0, 2.0), (), 1.5, 0.0, 3)
    assert gamma.tolist() == [1.5] * 3 and ignored


def test_flat_row_is_nearly_constant_and_eps_tames_it():
    row = lab_math.flat_row(16, seed=0)
    assert float(row.max() - row.min()) < 2e-3
    ones, zeros = torch.ones(16), torch.zeros(16)
    with_eps = lab_math.layer_norm(row, ones, zeros, 1e-5).x_hat.abs().max()
    without = lab_math.layer_norm(row, ones, zeros, 0.0).x_hat.abs().max()
    assert with_eps < 0.6 < 1.0 < without  # without ε a thousandth is blown up past 1


def test_running_stats_follow_the_momentum():
    x = vectors().x  # two sentences, fed one at a time, alternating
    jumpy = lab_math.running_stats(x, 1.0, 1e-5, steps=30)
    assert jumpy.mean.shape == (30, 8)
    torch.testing.assert_close(jumpy.mean[-1], x[1].mean(0))  # momentum 1: the last batch
    slow = lab_math.running_stats(x, 0.02, 1e-5, steps=600)
    torch.testing.assert_close(slow.mean[-1], slow.target_mean, atol=0.02, rtol=0)


def test_tiny_batches_move_batchnorm_but_not_layernorm():
    tiny = lab_math.tiny_batch(vectors().x, 1e-5)
    assert tiny.batchnorm_gap > 0.01 and tiny.layernorm_gap == 0.0
    assert lab_math.tiny_batch(vectors("one sentence only").x, 1e-5) is None


def test_dropout_views_superset_and_feature_masks():
    x = vectors().x
    views = lab_math.dropout_views(x, 0.4, seed=1, train=True)
    assert views.revived == 0 and views.newly_dropped > 0 and views.lower_p == 0.3
    assert (views.feature_mask == views.feature_mask[:, :1]).all()
    assert views.scale == 1 / 0.6
    off = lab_math.dropout_views(x, 0.4, seed=1, train=False)
    assert off.element_mask.all() and torch.equal(off.element_out, x)


def test_dropout_sums_keep_the_expectation_only_when_scaled():
    row = vectors().x[0, 0]
    sums = lab_math.dropout_sums(row, 0.5, seed=0, n=4000)
    error = sums.scaled.std() / 4000**0.5
    assert abs(float(sums.scaled.mean()) - sums.input_sum) < 5 * error
    assert abs(float(sums.unscaled.mean()) - 0.5 * sums.input_sum) < 5 * error


def test_compare_reports_what_cannot_run():
    one_token = lab_math.token_vectors("word", 4, seed=0).x
    compared = lab_math.compare_norms(one_token, 2, 1e-5, torch.ones(4), torch.zeros(4))
    assert compared.problems == {"batchnorm": "one_value", "instancenorm": "one_token"}
    assert set(compared.outputs) == {"layernorm", "groupnorm"}


def test_image_norms_equal_torch_on_the_same_batch():
    from torch import nn

    x = lab_math.image_batch(seed=1)  # (B, C, H, W)
    B, C, H, W = x.shape
    gamma, beta = torch.linspace(0.5, 2.0, C), torch.linspace(-1.0, 1.0, C)
    ours = lab_math.compare_image_norms(x, 4, 1e-5, gamma, beta)
    twins = {
        "layernorm": nn.LayerNorm([C, H, W]),
        "batchnorm": nn.BatchNorm2d(C),
        "groupnorm": nn.GroupNorm(4, C),
        "instancenorm": nn.InstanceNorm2d(C, affine=True),
    }
    with torch.no_grad():
        for name, twin in twins.items():
            shape = (C, H, W) if name == "layernorm" else (C,)
            g = gamma[:, None, None].expand(C, H, W) if name == "layernorm" else gamma
            b = beta[:, None, None].expand(C, H, W) if name == "layernorm" else beta
            twin.weight.copy_(g.reshape(shape))
            twin.bias.copy_(b.reshape(shape))
            torch.testing.assert_close(ours.outputs[name], twin(x))
    # which cells share one mean: one per image, per channel, per image and group, per both
    assert [tuple(ours.means[n].shape) for n in twins] == [(B,), (C,), (B, 4), (B, C)]


def test_the_image_batch_is_seeded_and_its_channels_differ():
    a, b = lab_math.image_batch(seed=7), lab_math.image_batch(seed=7)
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, lab_math.image_batch(seed=8))
    channel_means = a.mean(dim=(0, 2, 3))
    assert float(channel_means.max() - channel_means.min()) > 0.5  # something for BN to remove
