"""Test-wide settings: Keras on the torch backend, deterministic hypothesis runs in CI."""

import os

# Keras reads its backend once, at import: set it before any test imports keras.
os.environ.setdefault("KERAS_BACKEND", "torch")

from hypothesis import HealthCheck, settings

# Torch ops vary in time, so no per-example deadline; CI runs the same examples every time.
settings.register_profile("dev", deadline=None, max_examples=40)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def keras():
    """Real Keras 3 on the torch backend, imported once (it raises the recursion limit)."""
    import keras as keras_module

    assert keras_module.backend.backend() == "torch"
    return keras_module


@pytest.fixture
def randomize():
    """Give every parameter of a torch.nn module fresh values from a seeded generator.

    Tests use it instead of torch.manual_seed, so that nothing touches the global RNG, and so
    that biases PyTorch starts at zero are non-zero and their copying is really tested.
    """
    import torch

    from layers import make_generator

    def fill(module, seed=0):
        generator = make_generator(seed, "randomize")
        with torch.no_grad():
            for parameter in module.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
        return module

    return fill
