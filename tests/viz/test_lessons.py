"""The lab's figures: which cells share a statistic, and lines over steps."""

import numpy as np
import pytest

from viz import norm_axes_diagram, step_lines
from viz.lessons import group_ids


def test_group_ids_partition_the_batch_as_each_norm_does():
    B, T, D, G = 2, 3, 4, 2
    ln = group_ids("layernorm", B, T, D, G)
    bn = group_ids("batchnorm", B, T, D, G)
    inorm = group_ids("instancenorm", B, T, D, G)
    gn = group_ids("groupnorm", B, T, D, G)
    assert ln.shape == (B * T, D)
    assert len(np.unique(ln)) == B * T and (ln == ln[:, :1]).all()  # one per token
    assert len(np.unique(bn)) == D and (bn == bn[:1]).all()  # one per feature
    assert len(np.unique(inorm)) == B * D  # one per sentence and feature
    assert len(np.unique(gn)) == B * G  # one per sentence and group
    assert (gn[:T, : D // G] == gn[0, 0]).all()  # a group spans its tokens and D/G features
    with pytest.raises(ValueError):
        group_ids("rmsnorm", B, T, D, G)


def test_norm_axes_diagram_draws_four_grids_with_the_callers_words():
    titles = {"layernorm": "LN", "batchnorm": "BN", "instancenorm": "IN", "groupnorm": "GN"}
    fig = norm_axes_diagram(2, 3, 4, 2, titles=titles, row_label="s{b} t{t}", x_title="특성")
    assert len(fig.data) == 4
    assert [a.text for a in fig.layout.annotations] == ["LN", "BN", "IN", "GN"]
    assert list(fig.data[0].y)[:2] == ["s1 t0", "s1 t1"]
    assert fig.data[0].z.dtype == np.float32
    np.testing.assert_array_equal(fig.data[1].customdata, group_ids("batchnorm", 2, 3, 4, 2))
    assert fig.layout.xaxis.title.text == "특성"
    with pytest.raises(ValueError, match="groups dividing D"):
        norm_axes_diagram(1, 2, 6, 4, titles=titles)


def test_step_lines_with_targets():
    values = np.array([[0.1, 1.0], [0.2, 0.9], [0.3, 0.8]], dtype=np.float32)
    fig = step_lines(
        values,
        names=["f0", "f1"],
        targets=[0.5, 0.5],
        target_name="goal",
        x_title="step",
        y_title="mean",
        title="running",
    )
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == 2 and len(fig.data) == 4
    np.testing.assert_array_equal(lines[0].y, values[:, 0])
    assert lines[0].y.dtype == np.float32
    assert fig.data[1].line.dash == "dash"
    assert fig.layout.title.text == "running"
    with pytest.raises(ValueError):
        step_lines(values, names=["only one"])
