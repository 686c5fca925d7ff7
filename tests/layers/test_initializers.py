"""Initialisers: our written-out schemes against torch.nn.init (exactly) and Keras 3 (in law)."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from layers import initializers as init
from layers import make_generator

SHAPE = (512, 512)
FAN = 512


def _gen(seed=0):
    return make_generator(seed, "init-test")


def _keras_draw(keras, name, seed=3, shape=SHAPE, **kwargs):
    return np.asarray(
        keras.ops.convert_to_numpy(getattr(keras.initializers, name)(seed=seed, **kwargs)(shape))
    )


# (our call, torch.nn.init call on the same generator stream): both must give the same numbers.
TORCH_TWINS = {
    "glorot_uniform": (
        lambda g: init.glorot_uniform(SHAPE, g),
        lambda t, g: nn.init.xavier_uniform_(t, generator=g),
    ),
    "glorot_normal": (
        lambda g: init.glorot_normal(SHAPE, g, truncated=False),
        lambda t, g: nn.init.xavier_normal_(t, generator=g),
    ),
    "he_uniform": (
        lambda g: init.he_uniform(SHAPE, g),
        lambda t, g: nn.init.kaiming_uniform_(t, nonlinearity="relu", generator=g),
    ),
    "he_normal": (
        lambda g: init.he_normal(SHAPE, g, truncated=False),
        lambda t, g: nn.init.kaiming_normal_(t, nonlinearity="relu", generator=g),
    ),
    "orthogonal": (
        lambda g: init.orthogonal(SHAPE, g),
        lambda t, g: nn.init.orthogonal_(t, generator=g),
    ),
    "normal": (
        lambda g: init.normal(SHAPE, 0.01, g),
        lambda t, g: nn.init.normal_(t, 0.0, 0.01, generator=g),
    ),
}


@pytest.mark.parametrize("name", sorted(TORCH_TWINS))
def test_equals_torch_nn_init_draw_for_draw(name):
    ours, theirs = TORCH_TWINS[name]
    torch.testing.assert_close(ours(_gen()), theirs(torch.empty(SHAPE), _gen()), rtol=0, atol=0)


def test_truncated_normal_equals_torch_trunc_normal():
    sigma = math.sqrt(2.0 / FAN) / init.TRUNCATED_STD
    expected = nn.init.trunc_normal_(
        torch.empty(SHAPE), 0.0, sigma, -2 * sigma, 2 * sigma, generator=_gen()
    )
    torch.testing.assert_close(init.he_normal(SHAPE, _gen()), expected, rtol=0, atol=0)


def test_torch_default_linear_is_what_nn_linear_draws():
    # nn.Linear draws from the global RNG; fork_rng puts its state back afterwards.
    with torch.random.fork_rng():
        torch.manual_seed(7)
        linear = nn.Linear(300, 200)
    weight, bias = init.torch_default_linear(300, 200, torch.Generator().manual_seed(7))
    assert weight.shape == (200, 300) and bias.shape == (200,)
    torch.testing.assert_close(weight, linear.weight.detach())
    torch.testing.assert_close(bias, linear.bias.detach())


@pytest.mark.keras
@pytest.mark.parametrize(
    ("name", "keras_name", "ours"),
    [
        (
            "glorot_uniform",
            "GlorotUniform",
            lambda g: init.glorot_uniform(SHAPE, g, layout="keras"),
        ),
        ("he_uniform", "HeUniform", lambda g: init.he_uniform(SHAPE, g, layout="keras")),
        ("glorot_normal", "GlorotNormal", lambda g: init.glorot_normal(SHAPE, g, layout="keras")),
        ("he_normal", "HeNormal", lambda g: init.he_normal(SHAPE, g, layout="keras")),
        ("orthogonal", "Orthogonal", lambda g: init.orthogonal(SHAPE, g, layout="keras")),
    ],
)
def test_agrees_with_keras_in_support_and_std(keras, name, keras_name, ours):
    theirs = _keras_draw(keras, keras_name)
    mine = ours(_gen()).numpy()
    want = init.theory(name, FAN, FAN)
    assert mine.std() == pytest.approx(theirs.std(), rel=0.02)
    assert mine.std() == pytest.approx(want["std"], rel=0.02)
    assert abs(mine.mean()) < 0.01 * want["std"]
    if want["limit"] is None:
        return
    limit = want["limit"]
    assert np.abs(mine).max() <= limit
    if want["distribution"] == "uniform":
        assert np.abs(theirs).max() <= limit
        assert np.abs(mine).max() > 0.99 * limit  # the whole interval is used
    else:
        # Keras' torch backend draws 4 normals per value and keeps the first inside ±2σ; when
        # all 4 fall outside (p ≈ 4e-6) it keeps one anyway, so a few values may leak out.
        assert (np.abs(theirs) > limit).mean() < 1e-4
        assert np.abs(mine).max() > 0.99 * limit


@pytest.mark.keras
def test_keras_dense_default_is_glorot_uniform_kernel_and_zero_bias(keras):
    layer = keras.layers.Dense(200)
    layer.build((None, 300))
    kernel_k, bias_k = (np.asarray(keras.ops.convert_to_numpy(w)) for w in layer.weights)
    kernel, bias = init.keras_default_dense(300, 200, _gen())
    assert kernel.shape == kernel_k.shape == (300, 200)
    assert bias.shape == bias_k.shape == (200,) and not bias.any() and not bias_k.any()
    want = init.theory("keras_default_dense", 300, 200)
    assert np.abs(kernel_k).max() <= want["limit"] and kernel.abs().max() <= want["limit"]
    assert kernel.std().item() == pytest.approx(kernel_k.std(), rel=0.03)


@pytest.mark.parametrize("shape", [(512, 512), (200, 600), (600, 200), (64, 8, 3)])
@pytest.mark.parametrize("layout", ["torch", "keras"])
def test_orthogonal_has_orthonormal_rows_or_columns(shape, layout):
    q = init.orthogonal(shape, _gen(), gain=2.0, layout=layout)
    rows, cols = (
        (shape[0], math.prod(shape[1:]))
        if layout == "torch"
        else (math.prod(shape[:-1]), shape[-1])
    )
    m = q.reshape(rows, cols) / 2.0
    gram = m.T @ m if rows >= cols else m @ m.T
    torch.testing.assert_close(gram, torch.eye(min(rows, cols)), atol=1e-5, rtol=0)


def test_fans_follow_each_layout():
    assert init.fans((512, 256), "torch") == (256, 512)  # nn.Linear(256, 512).weight
    assert init.fans((256, 512), "keras") == (256, 512)  # Dense(512) kernel on 256 inputs
    assert init.fans((16, 3, 5), "torch") == (15, 80)  # Conv1d(3, 16, kernel_size=5)
    assert init.fans((5, 3, 16), "keras") == (15, 80)  # Conv1D(16, 5) on 3 channels
    torch_fans = nn.init._calculate_fan_in_and_fan_out(torch.empty(16, 3, 5))
    assert init.fans((16, 3, 5)) == torch_fans


def test_layout_changes_the_uniform_limit_of_a_rectangular_weight():
    # he_uniform depends on fan_in only: the same shape read in the two layouts differs.
    torch_w = init.he_uniform((100, 400), _gen(), layout="torch")  # fan_in 400
    keras_w = init.he_uniform((100, 400), _gen(), layout="keras")  # fan_in 100
    assert torch_w.abs().max() <= math.sqrt(6 / 400) < keras_w.abs().max() <= math.sqrt(6 / 100)


MEASURED = {
    "zeros": (lambda g: init.zeros(SHAPE), {}),
    "normal": (lambda g: init.normal(SHAPE, 1.0, g), {"std": 1.0}),
    "glorot_uniform": (lambda g: init.glorot_uniform((400, 600), g), {}),
    "glorot_normal": (lambda g: init.glorot_normal((400, 600), g), {}),
    "he_uniform": (lambda g: init.he_uniform((400, 600), g), {}),
    "he_normal": (lambda g: init.he_normal((400, 600), g, truncated=False), {"truncated": False}),
    "orthogonal": (lambda g: init.orthogonal((400, 600), g, gain=1.5), {"gain": 1.5}),
    "torch_default_linear": (lambda g: init.torch_default_linear(600, 400, g)[0], {}),
    "keras_default_dense": (lambda g: init.keras_default_dense(600, 400, g)[0], {}),
}


@pytest.mark.parametrize("name", init.SCHEMES)
def test_theory_matches_the_measured_std(name):
    draw, kwargs = MEASURED[name]
    w = draw(_gen())
    want = init.theory(name, 600, 400, **kwargs)
    assert w.std().item() == pytest.approx(want["std"], rel=0.02, abs=1e-12)
    if want["limit"] is not None:
        assert w.abs().max().item() <= want["limit"]


def test_theory_numbers_for_a_512_layer():
    assert init.theory("glorot_uniform", 512, 512)["limit"] == pytest.approx(math.sqrt(6 / 1024))
    assert init.theory("he_normal", 512, 512)["std"] == pytest.approx(0.0625)
    assert init.theory("he_normal", 512, 512)["limit"] == pytest.approx(0.125 / 0.87962566103423978)
    assert init.theory("he_normal", 512, 512, truncated=False)["limit"] is None
    assert init.theory("torch_default_linear", 512, 10)["limit"] == pytest.approx(
        1 / math.sqrt(512)
    )


@pytest.mark.parametrize("name", [n for n in init.SCHEMES if n != "zeros"])
def test_same_seed_same_tensor_and_global_rng_untouched(name):
    draw, _ = MEASURED[name]
    before = torch.random.get_rng_state()
    first, second, other = draw(_gen(5)), draw(_gen(5)), draw(_gen(6))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


def test_misconfiguration_says_what_to_do():
    with pytest.raises(ValueError, match="for a bias use zeros"):
        init.glorot_uniform((10,), _gen())
    with pytest.raises(ValueError, match="layout must be 'torch'"):
        init.he_uniform((3, 4), _gen(), layout="tf")
    with pytest.raises(ValueError, match="needs std="):
        init.theory("normal", 4, 4)
    with pytest.raises(ValueError, match="choose one of"):
        init.theory("xavier", 4, 4)
    with pytest.raises(ValueError, match=r"lesson uses 0\.01 and 1"):
        init.normal((3, 3), 0.0, _gen())


def test_initializers_obey_the_layers_randomness_rule():
    # The project test walks layers/*.py; this pins that initializers.py is among them.
    import ast
    from pathlib import Path

    source = Path(init.__file__).read_text(encoding="utf-8")
    calls = [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    ]
    random_calls = [n for n in calls if n.func.attr in {"normal_", "uniform_"}]
    assert random_calls and all(any(k.arg == "generator" for k in n.keywords) for n in random_calls)
    assert not any(n.func.attr == "manual_seed" for n in calls)
