"""'Show the code': the PyTorch snippet runs and gives the page's shapes; Keras agrees too."""

import contextlib
import io

import pytest

from layers.stack import parse_stack, run_stack, tokenize_batch
from ui.code import keras_snippet, torch_snippet

STACKS = [
    "embed,lstm,layernorm,dropout,attention",
    "embed,attention,addnorm,ffn,addnorm",
    "embed,encoder,batchnorm",
    "embed,bigru-last,dropout",
    "embed,rnn-last,layernorm",
    "embed,bilstm,batchnorm,lstm-last",
]
KW = dict(heads=2, p=0.25, eps=1e-5)


def result_for(stack, train=True):
    return run_stack(
        tokenize_batch("the cat sat on the mat\na dog barked"),
        parse_stack(stack),
        d_model=8,
        units=6,
        training=train,
        gamma=1.0,
        beta=0.0,
        seed=0,
        **KW,
    )


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("train", [True, False])
def test_torch_snippet_runs_and_matches_the_page_shape(stack, train):
    result = result_for(stack, train)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(torch_snippet(result, train=train, **KW), {})
    assert out.getvalue().strip() == str(tuple(result.blocks[-1].output.shape))


@pytest.mark.keras
@pytest.mark.parametrize("stack", STACKS)
def test_keras_snippet_matches_shapes_and_parameter_counts(keras, stack):
    result = result_for(stack)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(keras_snippet(result, **KW), namespace)
    model = namespace["model"]
    assert tuple(model.output.shape[1:]) == tuple(result.blocks[-1].output.shape[1:])
    assert model.count_params() == sum(block.keras_params for block in result.blocks)
