"""The Recurrent page's weights part against real Keras 3: every layout and count it shows.

tests/layers/test_keras.py already loads our Keras-layout weights into Keras' three cells and
compares outputs and counts for the GRU's reset_after=True. This adds what the weights part
claims beyond that, through the part's own functions: each weight's shape and count_params()
on input (1, T, D) for SimpleRNN, LSTM and GRU with reset_after True and False, the formulas
written out on the page, Keras' default reset_after, the page's own seeded layer loaded into
Keras giving the page's outputs, and a reset_after=False layout that Keras accepts but that
computes another h (which the page says).
"""

import numpy as np
import pytest
import torch

from layers import make_generator
from lessons.recurrent.common import CELL_NAMES, make_layer
from lessons.recurrent.weights import (
    BANDS,
    Layouts,
    check_rows,
    formula_numbers,
    keras_biases,
    keras_layout,
    torch_layout,
)

pytestmark = pytest.mark.keras

B, T = 1, 5
CASES = [  # (cell, reset_after, D, U): the page's default, the tutorial's, odd sizes
    ("simplernn", True, 8, 8),
    ("lstm", True, 100, 64),
    ("lstm", True, 7, 3),
    ("gru", True, 8, 8),
    ("gru", False, 8, 8),
    ("gru", False, 100, 64),
]


def keras_twin(keras, cell, reset_after, D, U):
    """keras.layers.<Cell>(U) built by a call on input (1, T, D), as a student would."""
    options = {"reset_after": reset_after} if cell == "gru" else {}
    layer = getattr(keras.layers, CELL_NAMES[cell])(U, return_sequences=True, **options)
    layer(np.zeros((B, T, D), dtype="float32"))
    return layer


def page_layouts(cell, reset_after, D, U, seed=0):
    layer = make_layer(cell, D, U, seed)
    return layer, Layouts(
        cell, D, U, reset_after, keras_layout(layer, reset_after), torch_layout(layer)
    )


@pytest.mark.parametrize(("cell", "reset_after", "D", "U"), CASES)
def test_every_weight_shape_and_count_the_page_shows_is_keras_own(keras, cell, reset_after, D, U):
    theirs = keras_twin(keras, cell, reset_after, D, U)
    _, lay = page_layouts(cell, reset_after, D, U)
    names = [w.name for w in theirs.weights]
    assert names == list(lay.keras) == ["kernel", "recurrent_kernel", "bias"]
    assert [tuple(w.shape) for w in theirs.weights] == [w.shape for w in lay.keras.values()]
    assert theirs.count_params() == lay.keras_count
    G = len(BANDS[cell])
    _, value = formula_numbers(G, keras_biases(cell, reset_after), D, U)
    assert value == theirs.count_params()  # the formula written on the page
    # PyTorch's twin: its names, shapes and count are the page's PyTorch column.
    module = getattr(torch.nn, {"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"}[cell])(
        D, U, batch_first=True
    )
    torch_shapes = {n: tuple(p.shape) for n, p in module.named_parameters()}
    assert torch_shapes == {n: w.shape for n, w in lay.torch.items()}
    assert sum(p.numel() for p in module.parameters()) == lay.torch_count
    assert formula_numbers(G, 2, D, U)[1] == lay.torch_count


def test_the_counts_differ_as_the_page_says(keras):
    D, U = 100, 64
    counts = {
        (cell, after): keras_twin(keras, cell, after, D, U).count_params()
        for cell, after, *_ in CASES
    }
    torch_counts = {
        cell: page_layouts(cell, True, D, U)[1].torch_count for cell in ("simplernn", "lstm")
    }
    # PyTorch keeps b_ih and b_hh: G·U more than Keras' one bias.
    assert torch_counts["lstm"] - counts["lstm", True] == 4 * U
    assert (
        torch_counts["simplernn"] - keras_twin(keras, "simplernn", True, D, U).count_params() == U
    )
    # The GRU: reset_after=True counts as PyTorch does, False has 3U fewer.
    gru = page_layouts("gru", True, D, U)[1]
    assert counts["gru", True] == gru.torch_count == 3 * (D * U + U * U + 2 * U)
    assert counts["gru", False] == 3 * (D * U + U * U + U) == gru.torch_count - 3 * U


def test_keras_3_defaults_to_reset_after_true(keras):
    # The page says Keras 3's default is reset_after=True: the layer itself says so.
    assert keras.layers.GRU(4).reset_after is True
    assert keras.layers.GRU(4, reset_after=False).reset_after is False


@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_the_pages_layer_in_keras_layout_gives_the_pages_outputs(keras, cell):
    D, U = 8, 8  # the page's defaults, seed 0: the very numbers the maps draw
    layer, lay = page_layouts(cell, True, D, U)
    theirs = keras_twin(keras, cell, True, D, U)
    theirs.set_weights(list(lay.keras.values()))
    x = torch.randn(2, T, D, generator=make_generator(7, "layouts-x"))
    expected = np.asarray(keras.ops.convert_to_numpy(theirs(x.numpy())))
    with torch.no_grad():
        ours, _ = layer(x)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_a_reset_after_false_layout_loads_but_computes_another_h(keras):
    D, U = 8, 8
    layer, lay = page_layouts("gru", False, D, U)
    theirs = keras_twin(keras, "gru", False, D, U)
    theirs.set_weights(list(lay.keras.values()))  # Keras takes the shapes …
    x = torch.randn(1, T, D, generator=make_generator(8, "layouts-x"))
    keras_h = np.asarray(keras.ops.convert_to_numpy(theirs(x.numpy())))
    with torch.no_grad():
        ours, _ = layer(x)
    assert np.abs(keras_h - ours.numpy()).max() > 1e-3  # … but it is not PyTorch's GRU
    # Its z and r biases are PyTorch's sums exactly (what the page's check shows).
    rows = {row.band.gate: row for row in check_rows(lay, "bias")}
    assert rows["z"].diff == rows["r"].diff == 0.0


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def keras_by_the_page(cell, kernel, recurrent, bias, x):
    """Keras' equations with the bands read in the order the page names them (float64)."""
    B, T, _ = x.shape
    U = recurrent.shape[0]
    h, c = np.zeros((B, U)), np.zeros((B, U))
    names = [band.keras for band in sorted(BANDS[cell], key=lambda band: band.keras_index)]
    for t in range(T):
        if cell == "lstm":
            gates = dict(
                zip(names, np.split(x[:, t] @ kernel + h @ recurrent + bias, 4, -1), strict=True)
            )
            c = _sigmoid(gates["f"]) * c + _sigmoid(gates["i"]) * np.tanh(gates["c"])
            h = _sigmoid(gates["o"]) * np.tanh(c)
        else:  # reset_after=True: bias (2, 3U) = [input; recurrent]
            xs = dict(zip(names, np.split(x[:, t] @ kernel + bias[0], 3, -1), strict=True))
            hs = dict(zip(names, np.split(h @ recurrent + bias[1], 3, -1), strict=True))
            z = _sigmoid(xs["z"] + hs["z"])
            r = _sigmoid(xs["r"] + hs["r"])
            h = z * h + (1 - z) * np.tanh(xs["h"] + r * hs["h"])
    return h


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_keras_gate_order_is_the_one_the_page_names(keras, cell):
    """Random weights in Keras, and Keras' equations with the bands in the page's order (LSTM
    i, f, c, o; GRU z, r, h): the same last state, so the page's band names are Keras' own."""
    D, U = 3, 4
    theirs = keras_twin(keras, cell, True, D, U)
    g = np.random.default_rng(5)
    weights = [g.normal(0, 0.8, w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    x = g.normal(0, 1, (2, T, D)).astype("float32")
    keras_h = np.asarray(keras.ops.convert_to_numpy(theirs(x)))[:, -1]
    by_page = keras_by_the_page(cell, *(w.astype(np.float64) for w in weights), x)
    np.testing.assert_allclose(keras_h, by_page, rtol=1e-5, atol=1e-5)
