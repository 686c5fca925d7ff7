"""Embedding: parity with nn.Embedding, the tutorial's shapes, and ids outside the table."""

import pytest
import torch
from torch import nn

from layers import Embedding


def test_matches_torch():
    torch_layer = nn.Embedding(20, 6)
    layer = Embedding.from_torch(torch_layer)
    ids = torch.tensor([[0, 5, 19], [3, 3, 1]])
    out, trace = layer(ids)
    torch.testing.assert_close(out, torch_layer(ids))
    assert torch.equal(trace.ids, ids)


def test_tutorial_shapes():
    layer = Embedding(64, 100)
    out, _ = layer(torch.tensor([[3, 57, 35]]))
    assert out.shape == (1, 3, 100)
    assert layer.weight.shape == (64, 100)
    assert layer.param_count() == 6400


@pytest.mark.parametrize("ids", [[[64]], [[-1]]])
def test_ids_outside_the_table_are_explained(ids):
    with pytest.raises(ValueError, match="outside the table of 64 rows"):
        Embedding(64, 4)(torch.tensor(ids))


def test_float_ids_are_refused():
    with pytest.raises(ValueError, match="integer token ids"):
        Embedding(8, 4)(torch.tensor([[1.0]]))
