"""layers.training: the tutorial's model, loss, optimizers and fit, against torch.nn, torch.optim
and real Keras 3 (tests marked `keras`). Small sizes throughout: V 50, D 8, U 8, T 6."""

import math
import re
import time

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from layers import make_generator
from layers.training import (
    CELLS,
    EMBEDDING_LIMIT,
    KERAS_CLASSES,
    KERAS_EPSILON,
    SGD,
    Adam,
    Dense,
    History,
    ModelConfig,
    Progress,
    RMSprop,
    SentimentModel,
    binary_accuracy,
    binary_crossentropy,
    evaluate,
    fit,
    make_optimizer,
    overfitting_epoch,
    predict,
)

V, D, U, T = 50, 8, 8, 6
TWINS = {"simplernn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
GATES = {"simplernn": 1, "lstm": 4, "gru": 3}  # gate blocks stacked in the recurrent weights


def _config(cell="simplernn", vocab=V, dim=D, units=U, maxlen=T):
    return ModelConfig(vocab=vocab, dim=dim, units=units, cell=cell, maxlen=maxlen)


def _ids(B, seed=0, vocab=V, steps=T):
    """Id batches as pad_sequences leaves them: zeros in front, ids 1…V−1 after."""
    g = make_generator(seed, "test-training-ids")
    ids = torch.randint(1, vocab, (B, steps), generator=g)
    lengths = torch.randint(1, steps + 1, (B,), generator=g)
    lengths[0] = 2  # at least one row certainly starts with padding
    padding = torch.arange(steps) < (steps - lengths)[:, None]  # (B, T)
    return ids.masked_fill(padding, 0)


def _labels(B, seed=0):
    return torch.randint(0, 2, (B, 1), generator=make_generator(seed, "test-labels")).float()


def _data(N, seed=0):
    return _ids(N, seed), _labels(N, seed)


class Twin(nn.Module):
    """The same model from torch.nn: nn.Embedding → nn.RNN/LSTM/GRU → nn.Linear(U, 1) + σ."""

    def __init__(self, model: SentimentModel) -> None:
        super().__init__()
        c = model.config
        self.embedding = nn.Embedding(c.vocab, c.dim)
        self.rnn = TWINS[c.cell](c.dim, c.units, batch_first=True)
        self.dense = nn.Linear(c.units, 1)
        mine = dict(model.named_parameters())
        theirs = dict(self.named_parameters())
        assert set(map(_twin_name, mine)) == set(theirs)  # every parameter has its twin
        with torch.no_grad():
            for name, parameter in mine.items():
                theirs[_twin_name(name)].copy_(parameter)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embedding(ids))  # (B, T, U)
        return torch.sigmoid(self.dense(out[:, -1]))  # (B, 1)


def _twin_name(name: str) -> str:
    return name + "_l0" if name.startswith("rnn.") else name  # nn.RNN's layer-0 suffix


def _pairs(model: SentimentModel, twin: Twin):
    theirs = dict(twin.named_parameters())
    return [(name, p, theirs[_twin_name(name)]) for name, p in model.named_parameters()]


def _np(keras, tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def _keras_model(keras, config: ModelConfig):
    return keras.Sequential(
        [
            keras.Input((config.maxlen,)),
            keras.layers.Embedding(config.vocab, config.dim),
            getattr(keras.layers, KERAS_CLASSES[config.cell])(config.units),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def _keras_weights(model: SentimentModel) -> list[np.ndarray]:
    """Our weights in the order and layout of Keras' Sequential.get_weights()."""
    rnn = model.rnn.keras_weights()
    dense = model.dense.keras_weights()
    embeddings = model.embedding.weight.detach().numpy().copy()
    return [embeddings, rnn["kernel"], rnn["recurrent_kernel"], rnn["bias"], *dense.values()]


# ------------------------------------------------------------------------------------- Dense


@pytest.mark.parametrize("activation", [None, "sigmoid"])
def test_dense_from_linear_matches_forward_and_gradients(randomize, activation):
    linear = randomize(nn.Linear(5, 3), seed=1)
    dense = Dense.from_torch(linear, activation=activation)
    x = torch.randn(4, 5, generator=make_generator(0, "dense-x"))
    x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, trace = dense(x_ours)
    expected = linear(x_theirs)
    if activation == "sigmoid":
        expected = torch.sigmoid(expected)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(trace.z, linear(x))  # before the activation
    upstream = torch.randn(4, 3, generator=make_generator(1, "dense-up"))
    (out * upstream).sum().backward()
    (expected * upstream).sum().backward()
    torch.testing.assert_close(dense.weight.grad, linear.weight.grad)
    torch.testing.assert_close(dense.bias.grad, linear.bias.grad)
    torch.testing.assert_close(x_ours.grad, x_theirs.grad)


def test_dense_keras_weights_are_kernel_in_by_out():
    dense = Dense(5, 3, generator=make_generator(2, "dense"))
    weights = dense.keras_weights()
    assert list(weights) == ["kernel", "bias"]
    assert weights["kernel"].shape == (5, 3) and weights["bias"].shape == (3,)
    x = torch.randn(4, 5, generator=make_generator(3, "dense-x"))
    out, _ = dense(x)
    # Keras computes x @ kernel + bias.
    np.testing.assert_allclose(
        out.detach().numpy(), x.numpy() @ weights["kernel"] + weights["bias"], rtol=1e-5, atol=1e-6
    )


@pytest.mark.keras
def test_dense_equals_keras_dense_with_our_weights(keras):
    dense = Dense(5, 3, activation="sigmoid", generator=make_generator(4, "dense"))
    theirs = keras.layers.Dense(3, activation="sigmoid")
    theirs.build((None, 5))
    theirs.set_weights(list(dense.keras_weights().values()))
    x = torch.randn(4, 5, generator=make_generator(5, "dense-x"))
    np.testing.assert_allclose(
        dense(x)[0].detach().numpy(), _np(keras, theirs(x.numpy())), rtol=1e-5, atol=1e-6
    )


def test_dense_misuse_is_explained():
    with pytest.raises(ValueError, match="activation must be None or"):
        Dense(3, 1, activation="relu")
    with pytest.raises(ValueError, match=r"takes a torch\.nn\.Linear with a bias"):
        Dense.from_torch(nn.Linear(3, 1, bias=False))
    with pytest.raises(ValueError, match=r"axis 1 has size 4, not 3"):
        Dense(3, 1)(torch.zeros(2, 4))


# ------------------------------------------------------------------- the model and its twin


@pytest.mark.parametrize("cell", list(CELLS))
def test_model_equals_torch_nn_twin_outputs_and_gradients(cell):
    model = SentimentModel(_config(cell), seed=3)
    twin = Twin(model)
    ids, y = _data(5)
    assert (ids[:, 0] == 0).any()  # padded in front, as pad_sequences does by default
    p, trace = model(ids)
    expected = twin(ids)
    assert p.shape == (5, 1)
    torch.testing.assert_close(p, expected)
    torch.testing.assert_close(trace.prob, torch.sigmoid(trace.logit))
    torch.testing.assert_close(trace.hidden, twin.rnn(twin.embedding(ids))[0][:, -1])
    binary_crossentropy(p, y).backward()
    nn.BCELoss()(expected, y).backward()
    for name, ours, theirs in _pairs(model, twin):
        if name == "rnn.bias_hh" and cell != "gru":  # held at 0: b_ih alone is Keras' one bias
            assert not ours.requires_grad and ours.grad is None
            assert not ours.detach().any()
            torch.testing.assert_close(theirs.grad, twin_grad(twin, "bias_ih"), msg=name)
            continue
        assert ours.grad is not None, name
        torch.testing.assert_close(ours.grad, theirs.grad, msg=name)
    assert model.embedding.weight.grad[0].abs().sum() > 0  # the padding id is a token too


@pytest.mark.keras
@pytest.mark.parametrize("cell", list(CELLS))
def test_keras_model_with_our_weights_predicts_our_probabilities(keras, cell):
    model = SentimentModel(_config(cell), seed=4)
    theirs = _keras_model(keras, model.config)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in _keras_weights(model)]
    theirs.set_weights(_keras_weights(model))
    ids = _ids(5)
    expected = _np(keras, theirs(ids.numpy()))
    np.testing.assert_allclose(model(ids)[0].detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def _keras_training(keras, model, optimizer):
    theirs = _keras_model(keras, model.config)
    theirs.set_weights(_keras_weights(model))
    theirs.compile(optimizer=optimizer, loss="binary_crossentropy")
    return theirs


def twin_grad(twin, name: str) -> torch.Tensor:
    return getattr(twin.rnn, f"{name}_l0").grad


def _our_step(model, optimizer, ids, y) -> float:
    p, _ = model(ids)
    loss = binary_crossentropy(p, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


@pytest.mark.keras
@pytest.mark.parametrize("cell", list(CELLS))
def test_keras_train_on_batch_with_adam_is_our_step(keras, cell):
    """Keras' own loss, gradients and Adam on our weights give our weights after three steps:
    the model holds PyTorch's second recurrent bias at 0 (Keras' SimpleRNN and LSTM have one)."""
    model = SentimentModel(_config(cell), seed=5)
    theirs = _keras_training(keras, model, keras.optimizers.Adam())
    optimizer = Adam(model.parameters())
    for step in range(3):
        ids, y = _data(6, seed=10 + step)
        keras_loss = theirs.train_on_batch(ids.numpy(), y.numpy())
        assert _our_step(model, optimizer, ids, y) == pytest.approx(float(keras_loss), rel=1e-5)
    for ours, expected in zip(_keras_weights(model), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.keras
@pytest.mark.parametrize("cell", ["simplernn", "lstm"])
def test_why_b_hh_is_held_both_torch_biases_would_move_the_keras_bias_twice_as_far(keras, cell):
    """b_ih and b_hh both get ∂L/∂b, so their sum, Keras' one bias, would take two SGD steps;
    the model holds b_hh, and then a step is Keras' step, the bias included."""
    model = SentimentModel(_config(cell), seed=5)
    held = SentimentModel(_config(cell), seed=5)
    model.rnn.bias_hh.requires_grad_(True)  # as a plain nn.RNN / nn.LSTM would train
    lr = 0.5
    theirs = _keras_training(keras, model, keras.optimizers.SGD(learning_rate=lr))
    start = _keras_weights(model)
    ids, y = _data(6, seed=10)
    theirs.train_on_batch(ids.numpy(), y.numpy())
    _our_step(model, SGD(model.parameters(), lr), ids, y)
    _our_step(held, SGD(held.parameters(), lr), ids, y)
    for name, mine, their in zip(["held"] * 6, _keras_weights(held), theirs.get_weights(),
                                 strict=True):  # fmt: skip
        np.testing.assert_allclose(mine, their, rtol=1e-5, atol=1e-7, err_msg=name)
    names = ["embeddings", "kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias"]
    ours, expected = _keras_weights(model), theirs.get_weights()
    for name, before, mine, their in zip(names, start, ours, expected, strict=True):
        if name == "bias":
            np.testing.assert_allclose(mine - before, 2 * (their - before), rtol=1e-4, atol=1e-7)
            assert np.abs(their - before).max() > 1e-4  # the step is not nothing
        else:
            np.testing.assert_allclose(mine, their, rtol=1e-5, atol=1e-7, err_msg=name)


# ---------------------------------------------------------------------- Keras' initialization

INIT_SIZES = {"vocab": 400, "dim": 64, "units": 64}  # enough numbers for a stable std


@pytest.mark.parametrize("cell", list(CELLS))
def test_model_starts_as_keras_starts_it(cell):
    model = SentimentModel(_config(cell, **INIT_SIZES), seed=0)
    Dm, Um, G = INIT_SIZES["dim"], INIT_SIZES["units"], GATES[cell]
    # Embedding: U(−0.05, 0.05), std 0.05/√3.
    table = model.embedding.weight.detach()
    assert table.abs().max() <= EMBEDDING_LIMIT
    assert table.abs().max() > 0.99 * EMBEDDING_LIMIT
    assert table.std().item() == pytest.approx(EMBEDDING_LIMIT / math.sqrt(3), rel=0.03)
    # Input kernel: Glorot-uniform on Keras' (D, G·U) kernel.
    weights = model.rnn.keras_weights()
    kernel = weights["kernel"]
    assert kernel.shape == (Dm, G * Um)
    limit = math.sqrt(6 / (Dm + G * Um))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    assert kernel.std() == pytest.approx(limit / math.sqrt(3), rel=0.06)
    # Recurrent kernel: orthogonal; Keras' (U, G·U) has orthonormal rows, W_hhᵀ W_hh = I.
    recurrent = torch.from_numpy(weights["recurrent_kernel"]).double()  # W_hhᵀ, (U, G·U)
    assert recurrent.shape == (Um, G * Um)
    torch.testing.assert_close(
        recurrent @ recurrent.T, torch.eye(Um, dtype=torch.float64), atol=1e-5, rtol=0
    )
    if G > 1:  # wide: its columns cannot be orthonormal, Rᵀ R is a rank-U projection
        projection = recurrent.T @ recurrent
        torch.testing.assert_close(projection @ projection, projection, atol=1e-5, rtol=0)
        assert torch.trace(projection).item() == pytest.approx(Um, abs=1e-4)
    # Biases: zero, but the LSTM's forget gate (i, f, g, o: the second block) starts at 1.
    bias = torch.from_numpy(weights["bias"])
    expected = torch.zeros_like(bias)
    if cell == "lstm":
        expected[Um : 2 * Um] = 1.0
    torch.testing.assert_close(bias, expected, rtol=0, atol=0)
    # Dense: Glorot-uniform kernel (U, 1), zero bias.
    dense = model.dense.keras_weights()
    dense_limit = math.sqrt(6 / (Um + 1))
    assert dense["kernel"].shape == (Um, 1)
    assert np.abs(dense["kernel"]).max() <= dense_limit
    assert not dense["bias"].any()


@pytest.mark.parametrize("cell", list(CELLS))
def test_same_seed_same_weights_other_seed_other_weights(cell):
    a, b = SentimentModel(_config(cell), seed=7), SentimentModel(_config(cell), seed=7)
    c = SentimentModel(_config(cell), seed=8)
    for (name, x), y, z in zip(a.named_parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(x, y), name
        if x.abs().sum() > 0 and "bias" not in name:  # the zero (and forget-one) biases agree
            assert not torch.equal(x, z), name


@pytest.mark.keras
@pytest.mark.parametrize("cell", list(CELLS))
def test_initialization_agrees_with_a_fresh_keras_model(keras, cell):
    config = _config(cell, **INIT_SIZES)
    theirs = _keras_model(keras, config)
    embedding_layer, rnn_layer = theirs.layers[0], theirs.layers[1]
    assert embedding_layer.embeddings_initializer.get_config()["maxval"] == EMBEDDING_LIMIT
    assert embedding_layer.embeddings_initializer.get_config()["minval"] == -EMBEDDING_LIMIT
    assert type(rnn_layer.cell.kernel_initializer).__name__ == "GlorotUniform"
    assert type(rnn_layer.cell.recurrent_initializer).__name__ == "Orthogonal"
    assert getattr(rnn_layer.cell, "unit_forget_bias", False) == (cell == "lstm")
    ours = _keras_weights(SentimentModel(config, seed=0))
    keras_weights = theirs.get_weights()
    assert [w.shape for w in keras_weights] == [w.shape for w in ours]
    embeddings, kernel, recurrent, bias, dense_kernel, dense_bias = keras_weights
    Dc, Uc, G = config.dim, config.units, GATES[cell]
    limits = [EMBEDDING_LIMIT, math.sqrt(6 / (Dc + G * Uc)), math.sqrt(6 / (Uc + 1))]
    for mine, their, limit in zip(
        ours[:2] + ours[4:5], [embeddings, kernel, dense_kernel], limits, strict=True
    ):
        assert np.abs(mine).max() <= limit and np.abs(their).max() <= limit  # the same support
        if mine.size >= 1000:  # and, with enough numbers, the same spread, filling it
            assert np.abs(their).max() > 0.95 * limit and np.abs(mine).max() > 0.95 * limit
            assert mine.std() == pytest.approx(their.std(), rel=0.06)
    for matrix in (recurrent, ours[2]):  # both (U, G·U) with orthonormal rows
        np.testing.assert_allclose(matrix @ matrix.T, np.eye(len(matrix)), atol=1e-5)
    np.testing.assert_array_equal(bias, ours[3])  # zeros, LSTM's forget block of ones
    np.testing.assert_array_equal(dense_bias, ours[5])


# ------------------------------------------------------------------------- parameter counts

SIZES = [(50, 8, 8, 6), (123, 5, 7, 11), (1000, 16, 3, 2)]


@pytest.mark.keras
@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: "-".join(map(str, s)))
def test_keras_param_count_is_keras_count_params(keras, cell, sizes):
    vocab, dim, units, maxlen = sizes
    config = _config(cell, vocab=vocab, dim=dim, units=units, maxlen=maxlen)
    assert SentimentModel(config).keras_param_count() == _keras_model(keras, config).count_params()


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: "-".join(map(str, s)))
def test_torch_param_count_is_the_twins(cell, sizes):
    vocab, dim, units, maxlen = sizes
    model = SentimentModel(_config(cell, vocab=vocab, dim=dim, units=units, maxlen=maxlen))
    twin = Twin(model)
    assert model.torch_param_count() == sum(p.numel() for p in twin.parameters())
    # PyTorch keeps b_ih and b_hh where Keras' SimpleRNN and LSTM keep one bias; GRU both.
    extra = 0 if cell == "gru" else GATES[cell] * units
    assert model.torch_param_count() - model.keras_param_count() == extra


def test_the_tutorial_model_has_322113_parameters():
    config = ModelConfig()
    assert (config.vocab, config.dim, config.units, config.cell) == (10_000, 32, 32, "simplernn")
    Vt, Dt, Ut = config.vocab, config.dim, config.units
    by_hand = Vt * Dt + (Dt * Ut + Ut * Ut + Ut) + (Ut + 1)  # table, SimpleRNN, Dense
    assert SentimentModel(config).keras_param_count() == by_hand == 322_113  # the number


@pytest.mark.keras
def test_the_tutorial_count_is_keras_own(keras):
    config = ModelConfig()
    assert SentimentModel(config).keras_param_count() == _keras_model(keras, config).count_params()


# ----------------------------------------------------------------------------- loss, accuracy


@given(
    st.lists(
        st.tuples(st.floats(1e-3, 1 - 1e-3), st.sampled_from([0.0, 1.0])), min_size=1, max_size=9
    )
)
def test_binary_crossentropy_is_bce_loss_away_from_0_and_1(pairs):
    p = torch.tensor([[q] for q, _ in pairs])
    y = torch.tensor([[t] for _, t in pairs])
    torch.testing.assert_close(binary_crossentropy(p, y), nn.BCELoss()(p, y))


def test_binary_crossentropy_clips_instead_of_returning_inf():
    p = torch.tensor([[0.0], [1.0]])
    y = torch.tensor([[1.0], [0.0]])
    loss = binary_crossentropy(p, y)
    assert torch.isfinite(loss)
    # Both are as wrong as clipping allows: p = ε for y = 1, and p = 1 − ε (in float32) for y = 0.
    low, high = torch.tensor(KERAS_EPSILON), torch.tensor(1 - KERAS_EPSILON)
    torch.testing.assert_close(loss, (-torch.log(low) - torch.log(1 - high)) / 2)
    assert loss < nn.BCELoss()(p, y)  # torch clamps log at −100 instead


@pytest.mark.keras
def test_binary_crossentropy_is_keras_mean_including_0_and_1(keras):
    p = np.array([[0.0], [1.0], [1e-9], [0.3], [0.5], [0.999], [1 - 1e-9], [1.0], [0.0]], "float32")
    y = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0], [0.0]], "float32")
    theirs = _np(keras, keras.losses.binary_crossentropy(y, p)).mean()  # per example, then mean
    assert binary_crossentropy(torch.from_numpy(p), torch.from_numpy(y)).item() == pytest.approx(
        float(theirs), rel=1e-6
    )
    loss_object = keras.losses.BinaryCrossentropy()  # what compile(loss=...) uses
    assert float(_np(keras, loss_object(y, p))) == pytest.approx(float(theirs), rel=1e-6)


@pytest.mark.keras
def test_binary_accuracy_is_keras_including_exactly_one_half(keras):
    p = torch.rand(40, 1, generator=make_generator(0, "acc-p"))
    y = _labels(40)
    metric = keras.metrics.BinaryAccuracy()
    metric.update_state(y.numpy(), p.numpy())
    assert binary_accuracy(p, y).item() == pytest.approx(float(metric.result()), abs=1e-7)
    # At exactly 0.5 Keras says class 0 (p > 0.5 is class 1); we agree.
    for label in (0.0, 1.0):
        metric = keras.metrics.BinaryAccuracy()
        metric.update_state(np.array([[label]]), np.array([[0.5]]))
        ours = binary_accuracy(torch.tensor([[0.5]]), torch.tensor([[label]])).item()
        assert ours == float(metric.result())


@given(st.lists(st.tuples(st.floats(0, 1), st.sampled_from([0.0, 1.0])), min_size=1, max_size=9))
def test_binary_accuracy_is_the_share_on_the_right_side(pairs):
    p = torch.tensor([[q] for q, _ in pairs])
    y = torch.tensor([[t] for _, t in pairs])
    right = sum((q > 0.5) == (t == 1.0) for q, t in pairs)
    assert binary_accuracy(p, y).item() == pytest.approx(right / len(pairs))


# --------------------------------------------------------------------------------- optimizers

SHAPES = [(4, 3), (3,), (2, 2)]


def _start():
    g = make_generator(0, "opt-start")
    return [torch.randn(s, generator=g) * 0.1 for s in SHAPES]


def _gradients(steps=4, seed=0, scale=1.0):
    """Per step, one gradient per variable; the second variable's are small, where ε matters."""
    g = make_generator(seed, "opt-grads")
    return [
        [
            torch.randn(s, generator=g) * scale * (1e-3 if i == 1 else 1.0)
            for i, s in enumerate(SHAPES)
        ]
        for _ in range(steps)
    ]


def _steps(factory, start, gradients):
    """Apply the gradients, step by step, with our optimizer or torch.optim's."""
    params = [nn.Parameter(s.clone()) for s in start]
    optimizer = factory(params)
    for grads in gradients:
        for p, g in zip(params, grads, strict=True):
            p.grad = g.clone()
        optimizer.step()
    return [p.detach() for p in params]


def _keras(keras, optimizer, start, gradients):
    variables = [keras.Variable(s.numpy()) for s in start]
    for grads in gradients:
        tensors = [keras.ops.convert_to_tensor(g.numpy()) for g in grads]
        optimizer.apply_gradients(zip(tensors, variables, strict=True))
    return [torch.from_numpy(_np(keras, v)) for v in variables]


def _assert_all_close(ours, theirs, **tolerance):
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, **tolerance)


@pytest.mark.parametrize("learning_rate", [None, 0.3])
def test_sgd_equals_torch_sgd(learning_rate):
    start, gradients = _start(), _gradients()
    ours = _steps(lambda p: SGD(p, learning_rate), start, gradients)
    lr = SGD.default_lr if learning_rate is None else learning_rate
    _assert_all_close(ours, _steps(lambda p: torch.optim.SGD(p, lr=lr), start, gradients))
    assert not torch.equal(ours[0], start[0])


def test_adam_without_epsilon_equals_torch_adam():
    # lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/√v and lr·m̂/√v̂ are one formula once ε = 0.
    start, gradients = _start(), _gradients()

    def ours_factory(params):
        optimizer = Adam(params, 0.01)
        optimizer.epsilon = 0.0
        return optimizer

    ours = _steps(ours_factory, start, gradients)
    theirs = _steps(lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0), start, gradients)
    _assert_all_close(ours, theirs)
    assert (ours[0] - start[0]).abs().max() > 0.01  # four steps of about lr each moved it


def test_rmsprop_puts_epsilon_inside_the_root_unlike_torch():
    start, gradients = _start(), _gradients()
    lr, rho, eps = RMSprop.default_lr, RMSprop.rho, RMSprop.epsilon
    ours = _steps(lambda p: RMSprop(p), start, gradients)
    theirs = _steps(lambda p: torch.optim.RMSprop(p, lr=lr, alpha=rho, eps=eps), start, gradients)
    # Both keep the same v; Keras steps lr·g/√(v + ε), torch lr·g/(√v + ε). In float64:
    predicted = []
    for i in range(len(SHAPES)):
        v = torch.zeros(SHAPES[i], dtype=torch.float64)
        difference = torch.zeros_like(v)
        for grads in gradients:
            g = grads[i].double()
            v = rho * v + (1 - rho) * g.square()
            difference += lr * g / (v.sqrt() + eps) - lr * g / (v + eps).sqrt()
        predicted.append(difference)  # ours − torch's: ours steps less far
    for a, b, want in zip(ours, theirs, predicted, strict=True):
        torch.testing.assert_close((a - b).double(), want, rtol=1e-3, atol=2e-7)
    assert predicted[1].abs().max() > 1e-4  # small gradients: ε is a sizeable part of √v
    assert predicted[1].abs().max() > 1000 * predicted[0].abs().max()


@pytest.mark.keras
@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam"])
def test_defaults_are_keras_defaults(keras, name):
    ours = make_optimizer(name, [nn.Parameter(torch.zeros(1))])
    theirs = {
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
    }[name]().get_config()
    assert ours.learning_rate == pytest.approx(theirs["learning_rate"], rel=1e-7)
    for key in ("rho", "beta_1", "beta_2", "epsilon"):
        if key in theirs:
            assert getattr(ours, key) == pytest.approx(theirs[key]), key
    assert theirs.get("momentum", 0.0) == 0.0 and not theirs.get("centered", False)


@pytest.mark.keras
@pytest.mark.parametrize(
    ("ours_class", "keras_name"), [(SGD, "SGD"), (RMSprop, "RMSprop"), (Adam, "Adam")]
)
@pytest.mark.parametrize("clipnorm", [None, 0.5])
def test_optimizers_equal_keras_apply_gradients(keras, ours_class, keras_name, clipnorm):
    start, gradients = _start(), _gradients(scale=2.0)
    if clipnorm is not None:  # the test clips something and leaves something alone
        norms = [g.norm().item() for grads in gradients for g in grads]
        assert max(norms) > clipnorm > min(norms)
    ours = _steps(lambda p: ours_class(p, clipnorm=clipnorm), start, gradients)
    optimizer = getattr(keras.optimizers, keras_name)(clipnorm=clipnorm)
    theirs = _keras(keras, optimizer, start, gradients)
    _assert_all_close(ours, theirs, rtol=1e-5, atol=1e-7)
    if clipnorm is not None:
        unclipped = _steps(lambda p: ours_class(p), start, gradients)
        assert not all(torch.allclose(a, b) for a, b in zip(ours, unclipped, strict=True))


def test_optimizer_misuse_is_explained():
    params = [nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match="optimizer must be one of sgd, rmsprop, adam"):
        make_optimizer("adagrad", params)
    with pytest.raises(ValueError, match="learning_rate must be a number > 0"):
        make_optimizer("adam", params, learning_rate=0.0)
    with pytest.raises(ValueError, match="learning_rate must be a number > 0"):
        make_optimizer("sgd", params, learning_rate=float("nan"))
    with pytest.raises(ValueError, match="clipnorm must be None or a number > 0"):
        make_optimizer("rmsprop", params, clipnorm=-1.0)


def _summary_optimizer_params(model) -> int:
    printed = []
    model.summary(print_fn=lambda text, **_: printed.append(text))
    found = re.search(r"Optimizer params: ([\d,]+)", "".join(printed))
    assert found, "".join(printed)
    return int(found.group(1).replace(",", ""))


@pytest.mark.keras
@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam"])
@pytest.mark.parametrize("cell", list(CELLS))
def test_variable_count_is_keras_optimizer_params_after_fit(keras, name, cell):
    config = _config(cell)
    theirs = _keras_model(keras, config)
    keras_optimizer = {
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
    }[name]()
    theirs.compile(optimizer=keras_optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    ids, y = _data(8)
    theirs.fit(ids.numpy(), y.numpy(), epochs=1, batch_size=4, verbose=0)
    counted = sum(int(np.prod(v.shape)) for v in theirs.optimizer.variables)
    assert _summary_optimizer_params(theirs) == counted
    model = SentimentModel(config)
    optimizer = make_optimizer(name, model.parameters())
    assert optimizer.variable_count(model.keras_param_count()) == counted
    if cell == "gru":  # PyTorch's own tensors count Keras' numbers only where the biases agree
        assert optimizer.variable_count() == counted


# ----------------------------------------------------------------------------------------- fit


def _fit(seed=0, fit_seed=0, cell="simplernn", epochs=3, batch_size=4, N=13, **kwargs):
    model = SentimentModel(_config(cell), seed=seed)
    x, y = _data(N)
    optimizer = kwargs.pop("optimizer", None) or Adam(model.parameters(), 0.01)
    history = fit(
        model,
        x,
        y,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=fit_seed,
        **kwargs,
    )
    return model, optimizer, history


def _records(history: History):
    return (history.loss, history.accuracy, history.val_loss, history.val_accuracy)


def test_fit_is_deterministic_for_a_seed_and_changes_with_it():
    validation = _data(7, seed=1)
    a, _, history_a = _fit(validation=validation)
    b, _, history_b = _fit(validation=validation)
    assert _records(history_a) == _records(history_b)
    for x, y in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(x, y)
    c, _, history_c = _fit(fit_seed=1, validation=validation)  # same model, other batches
    assert history_c.loss != history_a.loss
    assert not torch.equal(a.dense.weight, c.dense.weight)


@pytest.mark.parametrize("cell", list(CELLS))
def test_fit_equals_a_plain_torch_loop(cell):
    N, batch_size, epochs, lr, seed = 13, 4, 3, 0.5, 11
    model = SentimentModel(_config(cell), seed=2)
    twin = Twin(model)
    x, y = _data(N)
    x_val, y_val = _data(5, seed=1)
    history = fit(
        model,
        x,
        y,
        optimizer=SGD(model.parameters(), lr),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        validation=(x_val, y_val),
    )

    if cell != "gru":  # as the model does: Keras' SimpleRNN and LSTM have one bias
        twin.rnn.bias_hh_l0.requires_grad_(False)
    optimizer = torch.optim.SGD([w for w in twin.parameters() if w.requires_grad], lr=lr)
    criterion = nn.BCELoss()
    generator = make_generator(seed, "fit-shuffle")
    losses, accuracies, val_losses, val_accuracies = [], [], [], []
    for _ in range(epochs):
        order = torch.randperm(N, generator=generator)
        batch_losses, batch_right, sizes = [], [], []
        for index in order.split(batch_size):
            p = twin(x[index])
            loss = criterion(p, y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
            batch_right.append(((p > 0.5).float() == y[index]).sum().item())
            sizes.append(len(index))
        losses.append(sum(b * n for b, n in zip(batch_losses, sizes, strict=True)) / N)
        accuracies.append(sum(batch_right) / N)
        with torch.no_grad():
            p_val = twin(x_val)
            val_losses.append(criterion(p_val, y_val).item())
            val_accuracies.append(((p_val > 0.5).float() == y_val).float().mean().item())
    assert sizes == [4, 4, 4, 1]  # the last batch is short: the weights below matter
    # The epoch loss is weighted by batch size, not a plain mean of the four batch losses.
    assert losses[-1] != pytest.approx(sum(batch_losses) / len(batch_losses), rel=1e-3)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-5)
    np.testing.assert_allclose(history.accuracy, accuracies, rtol=1e-6)
    np.testing.assert_allclose(history.val_loss, val_losses, rtol=1e-5)
    np.testing.assert_allclose(history.val_accuracy, val_accuracies, rtol=1e-6)
    for name, ours, theirs in _pairs(model, twin):
        torch.testing.assert_close(ours, theirs, msg=name)
    assert not torch.equal(model.dense.weight, SentimentModel(_config(cell), seed=2).dense.weight)


def test_history_keys_in_keras_order():
    _, _, with_validation = _fit(epochs=1, validation=_data(3, seed=1))
    assert list(with_validation.history()) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    _, _, without = _fit(epochs=1)
    assert list(without.history()) == ["accuracy", "loss"]
    assert all(len(v) == 1 for v in with_validation.history().values())


@pytest.mark.keras
def test_keras_history_keys_and_weighted_epoch_loss(keras):
    """Keras' own fit: its key order, and its epoch loss weights each batch by its size."""
    model = SentimentModel(_config(), seed=6)
    theirs = _keras_model(keras, model.config)
    theirs.set_weights(_keras_weights(model))
    theirs.compile(
        optimizer=keras.optimizers.SGD(learning_rate=1e-12),  # weights stay put
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    x, y = _data(13)
    x_val, y_val = _data(5, seed=1)
    keras_history = theirs.fit(
        x.numpy(),
        y.numpy(),
        epochs=1,
        batch_size=4,
        shuffle=False,
        validation_data=(x_val.numpy(), y_val.numpy()),
        verbose=0,
    )
    _, _, ours = _fit(epochs=1, validation=(x_val, y_val))
    assert list(keras_history.history) == list(ours.history())
    with torch.no_grad():
        batch_losses = [
            binary_crossentropy(model(x[s : s + 4])[0], y[s : s + 4]).item()
            for s in range(0, 13, 4)
        ]
    weighted = sum(b * n for b, n in zip(batch_losses, [4, 4, 4, 1], strict=True)) / 13
    assert keras_history.history["loss"][0] == pytest.approx(weighted, rel=1e-5)
    assert weighted != pytest.approx(np.mean(batch_losses), rel=1e-3)


def test_callback_sees_every_batch_with_running_means():
    seen: list[Progress] = []
    _, _, history = _fit(epochs=2, validation=_data(3, seed=1), callback=seen.append)
    batches = math.ceil(13 / 4)
    assert [(s.epoch, s.batch) for s in seen] == [
        (e, b) for e in (1, 2) for b in range(1, batches + 1)
    ]
    assert all(s.epochs == 2 and s.batches == batches for s in seen)
    assert [s.epoch_done for s in seen] == [
        b == batches for _ in (1, 2) for b in range(1, batches + 1)
    ]
    ends = [s for s in seen if s.epoch_done]
    assert all(s.history is not None for s in ends)
    assert all(s.history is None for s in seen if not s.epoch_done)
    assert ends[0].history.loss == history.loss[:1]  # a copy, taken then
    assert [s.logs["loss"] for s in ends] == history.loss
    assert [s.logs["val_loss"] for s in ends] == history.val_loss
    assert "val_loss" not in seen[0].logs
    assert history.stopped is None


@pytest.mark.parametrize("stop_at", [(2, 2), (1, 4)])
def test_callback_returning_false_stops_after_that_batch(stop_at):
    calls = []

    def callback(progress: Progress):
        calls.append((progress.epoch, progress.batch))
        return (progress.epoch, progress.batch) != stop_at

    model, optimizer, history = _fit(epochs=3, callback=callback)
    assert calls[-1] == stop_at
    assert optimizer.iterations == len(calls)  # no step after the one that said stop
    assert history.stopped == "stop"
    # Only finished epochs are recorded: stopping inside epoch 2 leaves epoch 1 alone.
    finished = stop_at[0] if stop_at[1] == math.ceil(13 / 4) else stop_at[0] - 1
    assert len(history.loss) == len(history.accuracy) == len(history.seconds) == finished


def test_a_past_deadline_stops_with_time():
    _, optimizer, history = _fit(epochs=3, deadline=time.monotonic() - 1)
    assert history.stopped == "time"
    assert optimizer.iterations == 1  # checked after every batch
    assert history.loss == []


def test_a_run_that_finished_every_epoch_was_not_stopped():
    # The deadline and the callback are asked after each batch; after the last one nothing is
    # left to stop, so the run counts as complete.
    _, _, history = _fit(epochs=1, batch_size=13, deadline=time.monotonic() - 1)
    assert len(history.loss) == 1 and history.stopped is None
    _, _, history = _fit(epochs=1, batch_size=13, callback=lambda p: False)
    assert len(history.loss) == 1 and history.stopped is None


def test_fit_misuse_is_explained():
    model = SentimentModel(_config())
    x, y = _data(4)
    optimizer = SGD(model.parameters())
    with pytest.raises(ValueError, match="epochs must be a whole number ≥ 1"):
        fit(model, x, y, optimizer=optimizer, epochs=0, batch_size=2, seed=0)
    with pytest.raises(ValueError, match="batch_size must be a whole number ≥ 1"):
        fit(model, x, y, optimizer=optimizer, epochs=1, batch_size=0, seed=0)
    with pytest.raises(ValueError, match="as many labels as examples"):
        fit(model, x, y[:3], optimizer=optimizer, epochs=1, batch_size=2, seed=0)
    with pytest.raises(ValueError, match="as many labels as examples"):
        fit(model, x[:0], y[:0], optimizer=optimizer, epochs=1, batch_size=2, seed=0)
    with pytest.raises(ValueError, match=r"2-D input of shape \(N, T\)"):
        fit(model, x[0], y, optimizer=optimizer, epochs=1, batch_size=2, seed=0)
    with pytest.raises(ValueError, match="cell must be one of simplernn, lstm, gru"):
        ModelConfig(cell="transformer")
    with pytest.raises(ValueError, match="units must be a whole number ≥ 1"):
        ModelConfig(units=0)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 100])
def test_evaluate_and_predict_in_batches_equal_one_full_batch(batch_size):
    model = SentimentModel(_config("lstm"), seed=9)
    x, y = _data(10, seed=2)
    with torch.no_grad():
        p, _ = model(x)
        full_loss = binary_crossentropy(p, y).item()
        full_accuracy = binary_accuracy(p, y).item()
    loss, accuracy = evaluate(model, x, y.reshape(-1).numpy(), batch_size=batch_size)
    assert loss == pytest.approx(full_loss, rel=1e-6)
    assert accuracy == pytest.approx(full_accuracy, abs=1e-7)
    torch.testing.assert_close(predict(model, x, batch_size=batch_size), p)
    assert predict(model, x[:0]).shape == (0, 1)


def test_evaluate_and_predict_misuse_is_explained():
    model = SentimentModel(_config())
    x, y = _data(4)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="batch_size must be a whole number ≥ 1"):
            evaluate(model, x, y, batch_size=bad)
        with pytest.raises(ValueError, match="batch_size must be a whole number ≥ 1"):
            predict(model, x, batch_size=bad)
    with pytest.raises(ValueError, match="as many labels as examples"):
        evaluate(model, x, y[:1])
    with pytest.raises(ValueError, match="at least one example"):
        evaluate(model, x[:0], y[:0])


# ------------------------------------------------------------------------- overfitting_epoch

LOSSES = st.integers(1, 12).map(lambda k: k / 10)  # few distinct values: ties and turns happen


@given(st.lists(st.floats(0.01, 10), min_size=1, max_size=12, unique=True), st.integers(0, 3))
def test_no_overfitting_while_val_loss_keeps_falling(val_loss, patience):
    val_loss = sorted(val_loss, reverse=True)
    loss = sorted(val_loss, reverse=True)  # training loss falling too
    assert overfitting_epoch(loss, val_loss, patience=patience) is None


@given(st.lists(st.tuples(LOSSES, LOSSES), min_size=1, max_size=10), st.integers(0, 3))
def test_overfitting_epoch_is_the_val_loss_minimum(pairs, patience):
    loss = [a for a, _ in pairs]
    val_loss = [b for _, b in pairs]
    epoch = overfitting_epoch(loss, val_loss, patience=patience)
    if epoch is None:
        return
    best = epoch - 1
    assert best == int(np.argmin(val_loss))  # the first lowest val_loss
    assert len(val_loss) - epoch >= patience  # that many epochs came after it
    assert val_loss[-1] > val_loss[best]  # and the curve turned up
    assert loss[-1] < loss[best]  # while the training loss still fell


@given(st.lists(st.tuples(LOSSES, LOSSES), min_size=1, max_size=10), st.integers(0, 3))
def test_no_overfitting_when_training_loss_did_not_fall(pairs, patience):
    loss = sorted(a for a, _ in pairs)  # never falls
    val_loss = [b for _, b in pairs]
    assert overfitting_epoch(loss, val_loss, patience=patience) is None


@given(
    st.lists(LOSSES, min_size=1, max_size=6),
    st.lists(LOSSES, min_size=1, max_size=6),
    st.integers(0, 3),
)
def test_overfitting_is_found_when_it_happened(before, after, patience):
    low = 0.05  # below every drawn value: the minimum, then a rise for at least `patience`
    val_loss = [*before, low, *after]
    loss = [2.0 - 0.1 * i for i in range(len(val_loss))]  # strictly falling
    epoch = overfitting_epoch(loss, val_loss, patience=patience)
    if len(after) >= max(patience, 1):  # overfitting needs a rise after the low
        assert epoch == len(before) + 1
    else:
        assert epoch is None


def test_overfitting_hand_example():
    # A typical run: val_loss bottoms out at epoch 3 (0.38) and rises for two epochs while
    # the training loss keeps falling (0.25 → 0.11): the model overfits after epoch 3.
    loss = [0.60, 0.35, 0.25, 0.17, 0.11]
    val_loss = [0.52, 0.41, 0.38, 0.40, 0.45]
    assert overfitting_epoch(loss, val_loss, patience=2) == 3
    assert overfitting_epoch(loss, val_loss, patience=3) is None  # only two epochs after it
    assert overfitting_epoch([0.60, 0.35, 0.25, 0.27, 0.30], val_loss) is None  # train rose too
    assert overfitting_epoch(loss, [0.52, 0.41, 0.38, 0.40, 0.38]) is None  # back at the low
    assert overfitting_epoch(loss, [0.52, float("nan"), 0.38, 0.40, 0.45]) is None
    assert overfitting_epoch(loss[:3], val_loss) is None  # fewer losses than val_losses
