"""Keras truth for multi-head attention: our weights in Keras' layout load into a real
keras.layers.MultiHeadAttention(num_heads=H, key_dim=Dh) and give our outputs, and Keras counts
the same 4·(D² + D) parameters as PyTorch."""

import numpy as np
import pytest
import torch

from layers import MultiHeadAttention, make_generator

pytestmark = pytest.mark.keras

KERAS_ORDER = (
    "query/kernel",
    "query/bias",
    "key/kernel",
    "key/bias",
    "value/kernel",
    "value/bias",
    "attention_output/kernel",
    "attention_output/bias",
)


def ours_with_biases(D, H, seed=0):
    """Our layer with non-zero biases (PyTorch starts them at 0), so copying them is tested."""
    layer = MultiHeadAttention(D, H, generator=make_generator(seed, "keras-mha"))
    g = make_generator(seed, "keras-mha-bias")
    with torch.no_grad():
        for bias in (layer.b_q, layer.b_k, layer.b_v, layer.b_o):
            bias.copy_(torch.randn(D, generator=g) * 0.3)
    return layer


def keras_twin(keras, ours, query_shape, value_shape=None):
    """keras.layers.MultiHeadAttention built on these shapes, holding our weights."""
    D, H = ours.d_model, ours.num_heads
    theirs = keras.layers.MultiHeadAttention(num_heads=H, key_dim=D // H)
    theirs.build(query_shape, value_shape or query_shape)
    weights = ours.keras_weights()
    assert list(weights) == list(KERAS_ORDER)
    theirs.set_weights([weights[name].numpy() for name in KERAS_ORDER])
    return theirs


def forward(ours, *args, **kwargs):
    with torch.no_grad():
        return ours(*args, **kwargs)


def numpy(keras, tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def inputs(*shape, seed=1):
    return torch.randn(*shape, generator=make_generator(seed, "keras-mha-x"))


@pytest.mark.parametrize(("D", "H"), [(8, 2), (12, 3), (16, 1), (16, 16)])
def test_self_attention_with_our_weights_gives_our_output(keras, D, H):
    ours = ours_with_biases(D, H)
    x = inputs(2, 5, D)
    theirs = keras_twin(keras, ours, (2, 5, D))
    out, scores = theirs(x.numpy(), x.numpy(), return_attention_scores=True)
    expected, trace = forward(ours, x)
    np.testing.assert_allclose(numpy(keras, out), expected.numpy(), rtol=1e-5, atol=1e-5)
    # Keras' "attention scores" are the softmax's output: our weights, (B, H, T, S)
    np.testing.assert_allclose(numpy(keras, scores), trace.weights.numpy(), rtol=1e-5, atol=1e-6)


def test_cross_attention_with_another_length(keras):
    D, H = 12, 4
    ours = ours_with_biases(D, H, seed=2)
    query, memory = inputs(2, 3, D, seed=3), inputs(2, 7, D, seed=4)  # T = 3, S = 7
    theirs = keras_twin(keras, ours, (2, 3, D), (2, 7, D))
    out, scores = theirs(query.numpy(), memory.numpy(), return_attention_scores=True)
    expected, trace = forward(ours, query, memory)
    assert tuple(trace.weights.shape) == tuple(numpy(keras, scores).shape) == (2, H, 3, 7)
    np.testing.assert_allclose(numpy(keras, out), expected.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(numpy(keras, scores), trace.weights.numpy(), rtol=1e-5, atol=1e-6)


def test_keras_causal_mask_is_our_causal_mask(keras):
    D, H = 8, 2
    ours = ours_with_biases(D, H, seed=5)
    x = inputs(3, 6, D, seed=6)
    theirs = keras_twin(keras, ours, (3, 6, D))
    out, scores = theirs(x.numpy(), x.numpy(), use_causal_mask=True, return_attention_scores=True)
    expected, trace = forward(ours, x, causal=True)
    np.testing.assert_allclose(numpy(keras, out), expected.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(numpy(keras, scores), trace.weights.numpy(), rtol=1e-5, atol=1e-6)
    assert (np.triu(numpy(keras, scores), k=1) == 0).all()


@pytest.mark.parametrize("causal", [False, True])
def test_a_padding_mask_is_keras_attention_mask_inverted(keras, causal):
    """PyTorch's key_padding_mask is True where a key is hidden; Keras' attention_mask (B, T, S)
    is True where a query may look. With "pre" padding and a causal mask a padding query sees
    no key at all: Keras gives it all-zero weights, as we do (torch.nn gives NaN)."""
    D, H = 8, 4
    ours = ours_with_biases(D, H, seed=7)
    x = inputs(2, 5, D, seed=8)
    padding = torch.tensor([[True, True, False, False, False], [False] * 5])  # "pre" padding
    theirs = keras_twin(keras, ours, (2, 5, D))
    allowed = np.broadcast_to(~padding.numpy()[:, None, :], (2, 5, 5))
    out, scores = theirs(
        x.numpy(),
        x.numpy(),
        attention_mask=allowed,
        use_causal_mask=causal,
        return_attention_scores=True,
    )
    expected, trace = forward(ours, x, causal=causal, key_padding_mask=padding)
    np.testing.assert_allclose(numpy(keras, out), expected.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(numpy(keras, scores), trace.weights.numpy(), rtol=1e-5, atol=1e-6)
    assert (trace.weights[0, :, :, :2] == 0).all()  # nobody looks at the padding
    blind = trace.mask[:, 0].all(dim=-1)  # (B, T): queries that see no key
    assert blind.any().item() is causal
    assert (trace.weights.transpose(1, 2)[blind] == 0).all()


@pytest.mark.parametrize(("D", "H"), [(16, 4), (512, 8), (512, 1), (64, 16)])
def test_keras_weight_layout_and_count_are_ours(keras, D, H):
    ours = MultiHeadAttention(D, H)
    theirs = keras.layers.MultiHeadAttention(num_heads=H, key_dim=D // H)
    theirs.build((1, 3, D), (1, 3, D))
    Dh = D // H
    keras_shapes = [tuple(w.shape) for w in theirs.get_weights()]
    assert keras_shapes == [(D, H, Dh), (H, Dh)] * 3 + [(H, Dh, D), (D,)]
    assert keras_shapes == [tuple(w.shape) for w in ours.keras_weights().values()]
    names = [w.path.split("/", 1)[-1] for w in theirs.weights]
    assert names == list(KERAS_ORDER)
    count = 4 * (D * D + D)
    assert theirs.count_params() == count == ours.param_count() == ours.keras_param_count()
    torch_twin = torch.nn.MultiheadAttention(D, H, batch_first=True, device="meta")
    assert sum(p.numel() for p in torch_twin.parameters()) == count
    assert {n: tuple(p.shape) for n, p in torch_twin.named_parameters()} == {
        "in_proj_weight": (3 * D, D),
        "in_proj_bias": (3 * D,),
        "out_proj.weight": (D, D),
        "out_proj.bias": (D,),
    }


def test_the_tutorial_sized_layer_gives_our_output(keras):
    D, H = 512, 8
    ours = ours_with_biases(D, H, seed=9)
    x = inputs(1, 10, D, seed=10)
    theirs = keras_twin(keras, ours, (1, 10, D))
    expected, _ = forward(ours, x)
    out = numpy(keras, theirs(x.numpy(), x.numpy()))
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-4, atol=1e-4)
