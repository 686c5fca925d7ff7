"""The lab's 'show the code': each program, run, gives the numbers the page shows."""

import numpy as np
import pytest
import torch
from program_support import run

from lessons.lab import code as lab_code
from lessons.lab import compute as lab_math

KERAS = pytest.mark.keras


@pytest.fixture(scope="module")
def vectors():
    return lab_math.token_vectors("the cat sat on the mat\na dog barked", 8, seed=0)


@pytest.fixture(params=["uniform", "per-feature"])
def affine(request):
    if request.param == "uniform":
        return lab_math.affine((), (), 2.0, 1.0, 8)[:2]
    return lab_math.affine(tuple(range(1, 9)), (0.5,), 1.0, 0.0, 8)[:2]


def page_row(vectors):
    return vectors.x[0, 2] * 3.0 + 1.0  # token 2 with scale 3 and shift 1, as the page makes it


def test_layer_norm_torch_program_prints_the_pages_output(vectors, affine):
    gamma, beta = affine
    row = page_row(vectors)
    shown = lab_math.layer_norm(row, gamma, beta, 1e-5).out
    namespace, _ = run(lab_code.layer_norm_torch(row, gamma, beta, 1e-5))
    torch.testing.assert_close(namespace["y"][0], shown)


def test_the_tutorial_row_in_torch():
    gamma, beta, _ = lab_math.affine((), (), 2.0, 1.0, 3)
    namespace, printed = run(
        lab_code.layer_norm_torch(torch.tensor([1.0, 2.0, 3.0]), gamma, beta, 1e-5)
    )
    np.testing.assert_allclose(namespace["y"].numpy()[0], [-1.4495, 1.0, 3.4495], atol=1e-4)
    assert "tensor([[-1.4495,  1.0000,  3.4495]])" in printed


@KERAS
def test_layer_norm_keras_program_matches(keras, vectors, affine):
    gamma, beta = affine
    row = page_row(vectors)
    shown = lab_math.layer_norm(row, gamma, beta, 1e-5).out
    namespace, _ = run(lab_code.layer_norm_keras(row, gamma, beta, 1e-5))
    np.testing.assert_allclose(namespace["y"][0], shown.numpy(), rtol=1e-5, atol=1e-5)


def test_compare_torch_program_gives_the_four_outputs(vectors, affine):
    gamma, beta = affine
    shown = lab_math.compare_norms(vectors.x, 4, 1e-5, gamma, beta).outputs
    namespace, printed = run(lab_code.compare_torch(vectors.x, 4, 1e-5, gamma, beta))
    assert set(namespace["outputs"]) == set(shown)
    for name, out in shown.items():
        torch.testing.assert_close(namespace["outputs"][name], out)
    assert "batchnorm (2, 6, 8)" in printed


@KERAS
def test_compare_keras_program_gives_the_same_four_outputs(keras, vectors, affine):
    gamma, beta = affine
    shown = lab_math.compare_norms(vectors.x, 4, 1e-5, gamma, beta).outputs
    namespace, _ = run(lab_code.compare_keras(vectors.x, 4, 1e-5, gamma, beta))
    for name, out in shown.items():
        np.testing.assert_allclose(namespace["outputs"][name], out.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_torch_program_checks_the_scaling(vectors, p):
    views = lab_math.dropout_views(vectors.x, p, seed=0, train=True)
    _, printed = run(lab_code.dropout_torch(vectors.x, p, views.scale))
    assert f"survivors scaled by {1 / (1 - p):.4g}: True" in printed
    assert "eval is the identity: True" in printed


@KERAS
def test_dropout_keras_program_checks_the_scaling(keras, vectors):
    _, printed = run(lab_code.dropout_keras(vectors.x, 0.3))
    assert "survivors scaled by 1/(1-p): True" in printed
    assert "inference is the identity: True" in printed


@pytest.mark.parametrize("kind", ["ffn", "attention"])
def test_residual_torch_program_gives_the_pages_output(vectors, affine, kind):
    gamma, beta = affine
    result = lab_math.residual(vectors.x, kind, 0, 1e-5, gamma, beta, vectors.batch.padding_mask)
    namespace, _ = run(lab_code.residual_torch(vectors.x, result.sublayer, gamma, beta, 1e-5))
    torch.testing.assert_close(namespace["y"], result.norm.out)


def test_residual_of_different_widths_fails_as_the_page_says(vectors, affine):
    gamma, beta = affine
    result = lab_math.residual(vectors.x, "wider", 0, 1e-5, gamma, beta, vectors.batch.padding_mask)
    assert result.total is None and result.sublayer.shape[-1] == 16
    _, printed = run(lab_code.residual_torch(vectors.x, result.sublayer, gamma, beta, 1e-5))
    assert printed.startswith("RuntimeError:")


@KERAS
@pytest.mark.parametrize("kind", ["ffn", "wider"])
def test_residual_keras_program(keras, vectors, kind):
    gamma, beta, _ = lab_math.affine((), (), 1.0, 0.0, 8)
    result = lab_math.residual(vectors.x, kind, 0, 1e-5, gamma, beta, vectors.batch.padding_mask)
    namespace, printed = run(lab_code.residual_keras(vectors.x, result.sublayer, 1e-5))
    if kind == "wider":
        assert printed.startswith("ValueError:")
    else:
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(namespace["y"]),
            result.norm.out.numpy(),
            rtol=1e-4,
            atol=1e-4,
        )


def test_large_tensors_are_loaded_from_the_download_not_inlined():
    x = torch.zeros(1, 100, 64)
    code = lab_code.compare_torch(x, 4, 1e-5, torch.ones(64), torch.zeros(64))
    assert "np.load('x.npy')" in code and len(code) < 5000


@pytest.mark.keras
@pytest.mark.parametrize("groups", [1, 2, 8])
def test_image_programs_print_the_pages_four_norms(keras, groups):
    """Both image programs (channels first in torch, channels last in Keras) give the outputs
    the page draws for BatchNorm2d, LayerNorm([C, H, W]), GroupNorm and InstanceNorm2d."""
    x = lab_math.image_batch(seed=3)
    C = x.shape[1]
    gamma, beta = torch.linspace(0.5, 2.0, C), torch.linspace(-1.0, 1.0, C)
    shown = lab_math.compare_image_norms(x, groups, 1e-5, gamma, beta).outputs
    for program in (
        lab_code.compare_image_torch(x, groups, 1e-5, gamma, beta),
        lab_code.compare_image_keras(x, groups, 1e-5, gamma, beta),
    ):
        namespace, printed = run(program)
        assert set(namespace["outputs"]) == set(shown)
        for name, out in namespace["outputs"].items():
            got = torch.as_tensor(np.asarray(out))
            torch.testing.assert_close(got, shown[name], atol=1e-5, rtol=1e-5)
        assert "(4, 8, 6, 6)" in printed.replace("torch.Size([4, 8, 6, 6])", "(4, 8, 6, 6)")
