"""Keras truth: our Keras-layout weights load into real Keras 3 layers and give our outputs."""

import numpy as np
import pytest
import torch

from layers import GRU, LSTM, Bidirectional, SimpleRNN, make_generator

pytestmark = pytest.mark.keras

KERAS_NAMES = {SimpleRNN: "SimpleRNN", LSTM: "LSTM", GRU: "GRU"}


def _keras_twin(keras, ours, return_sequences, In):
    layer = getattr(keras.layers, KERAS_NAMES[type(ours)])(
        ours.units, return_sequences=return_sequences
    )
    layer.build((None, None, In))
    return layer


@pytest.mark.parametrize("cell", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_keras_layer_with_our_weights_gives_our_output(keras, cell, return_sequences):
    ours = cell(6, 5, return_sequences, generator=make_generator(1, "keras"))
    theirs = _keras_twin(keras, ours, return_sequences, 6)
    weights = ours.keras_weights()
    assert [tuple(w.shape) for w in theirs.get_weights()] == [
        weights[k].shape for k in ("kernel", "recurrent_kernel", "bias")
    ]
    theirs.set_weights([weights["kernel"], weights["recurrent_kernel"], weights["bias"]])
    x = torch.randn(2, 7, 6, generator=make_generator(2, "keras-x"))
    expected = np.asarray(keras.ops.convert_to_numpy(theirs(x.numpy())))
    out, _ = ours(x)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert ours.keras_param_count() == theirs.count_params()


@pytest.mark.parametrize(
    ("cell", "kernel", "recurrent", "bias"),
    [
        (SimpleRNN, (100, 64), (64, 64), (64,)),
        (LSTM, (100, 256), (64, 256), (256,)),
        (GRU, (100, 192), (64, 192), (2, 192)),
    ],
)
def test_tutorial_keras_weight_shapes(keras, cell, kernel, recurrent, bias):
    ours = cell(100, 64)
    theirs = _keras_twin(keras, ours, False, 100)
    keras_shapes = [tuple(w.shape) for w in theirs.get_weights()]
    assert keras_shapes == [kernel, recurrent, bias]
    assert [w.shape for w in ours.keras_weights().values()] == keras_shapes


def test_keras_and_torch_count_recurrent_parameters_differently(keras):
    # PyTorch keeps two bias vectors where Keras' SimpleRNN and LSTM keep one.
    for cell in (SimpleRNN, LSTM):
        ours = cell(100, 64)
        theirs = _keras_twin(keras, ours, False, 100)
        assert ours.keras_param_count() == theirs.count_params()
        assert ours.param_count() - ours.keras_param_count() == cell.gates * 64
    gru = GRU(100, 64)
    assert (
        gru.param_count()
        == gru.keras_param_count()
        == _keras_twin(keras, gru, False, 100).count_params()
    )


@pytest.mark.parametrize("cell", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_matches_keras(keras, cell, return_sequences):
    ours = Bidirectional(cell(4, 3, return_sequences), generator=make_generator(3, "bi"))
    theirs = keras.layers.Bidirectional(
        getattr(keras.layers, KERAS_NAMES[cell])(3, return_sequences=return_sequences)
    )
    theirs.build((None, None, 4))
    weights = ours.keras_weights()
    theirs.set_weights(
        [
            weights[d][k]
            for d in ("forward", "backward")
            for k in ("kernel", "recurrent_kernel", "bias")
        ]
    )
    x = torch.randn(2, 5, 4, generator=make_generator(4, "bi-x"))
    expected = np.asarray(keras.ops.convert_to_numpy(theirs(x.numpy())))
    out, _ = ours(x)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert ours.keras_param_count() == theirs.count_params()


def test_tutorial_bidirectional_shape_in_keras(keras):
    theirs = keras.layers.Bidirectional(keras.layers.SimpleRNN(64, return_sequences=True))
    out = theirs(np.zeros((1, 5, 100), dtype="float32"))
    ours, _ = Bidirectional(SimpleRNN(100, 64, return_sequences=True))(torch.zeros(1, 5, 100))
    assert tuple(out.shape) == tuple(ours.shape) == (1, 5, 128)


def test_embedding_shapes_match_keras(keras):
    from layers import Embedding

    theirs = keras.layers.Embedding(64, 100)
    out = theirs(np.array([[3, 57, 35]]))
    ours = Embedding(64, 100)
    looked_up, _ = ours(torch.tensor([[3, 57, 35]]))
    assert tuple(out.shape) == tuple(looked_up.shape) == (1, 3, 100)
    assert tuple(theirs.get_weights()[0].shape) == tuple(ours.weight.shape) == (64, 100)


def test_tutorial_coffee_keras_dense_on_one_hot_is_an_embedding_lookup(keras):
    from layers import Embedding, Tokenizer, one_hot

    sentence = "i i i i need some more coffee coffee coffee"
    ids = np.array(Tokenizer().fit_on_texts([sentence]).texts_to_sequences([sentence]))  # (1, 10)
    encoded = one_hot(ids, 8).numpy()  # (1, 10, 8), the tutorial's width
    kernel = torch.randn(8, 2, generator=make_generator(5, "coffee")).numpy()  # Keras: (in, out)
    dense = keras.layers.Dense(2, use_bias=False)
    dense.build((None, None, 8))
    assert tuple(dense.get_weights()[0].shape) == (8, 2)
    dense.set_weights([kernel])
    projected = np.asarray(keras.ops.convert_to_numpy(dense(encoded)))  # (1, 10, 2)
    np.testing.assert_array_equal(projected, kernel[ids])
    # The same numbers from Keras' Embedding and from ours, with the kernel as the table.
    table = keras.layers.Embedding(8, 2)
    table.build((None, None))
    table.set_weights([kernel])
    np.testing.assert_array_equal(np.asarray(keras.ops.convert_to_numpy(table(ids))), projected)
    ours = Embedding(8, 2)
    with torch.no_grad():
        ours.weight.copy_(torch.from_numpy(kernel))
    looked_up, _ = ours(torch.from_numpy(ids))
    np.testing.assert_array_equal(looked_up.detach().numpy(), projected)
