"""viz.attention on tiny arrays: a head's Q, K, V on one scale, scores with hidden cells, the
heads' blocks of a concatenation, entropy with and without ÷√Dh."""

import numpy as np
import pytest

import viz
from viz import theme
from viz.attention import CHOSEN_COLOR, HIDDEN_COLOR

TOKENS = ["the", "<b>cat</b>", "sat"]


def _f32(array):
    assert isinstance(array, np.ndarray), type(array)
    assert array.dtype == np.float32
    return array


# qkv_heatmaps


def test_q_k_v_share_one_diverging_scale_and_one_colorbar():
    q = np.array([[0.5, -1.0], [2.0, 0.0], [-0.25, 1.5]])
    k, v = -q / 4, q / 8
    fig = viz.qkv_heatmaps([("Q", q), ("K", k), ("V", v)], TOKENS, hover_name="value")
    assert len(fig.data) == 3
    for trace, values in zip(fig.data, (q, k, v), strict=True):
        np.testing.assert_array_equal(_f32(trace.z), values.astype(np.float32))
        assert (trace.zmin, trace.zmax, trace.zmid) == (-2.0, 2.0, 0.0)  # max |Q| for all three
        assert list(trace.y) == ["0 · the", "1 · &lt;b&gt;cat&lt;/b&gt;", "2 · sat"]
    assert [t.showscale for t in fig.data] == [True, False, False]
    assert [a.text for a in fig.layout.annotations] == ["Q", "K", "V"]
    assert fig.data[1].xaxis == "x2" and fig.data[2].xaxis == "x3"
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis2.domain[0]  # side by side, no overlap
    assert "K · value" in fig.data[1].hovertemplate


def test_q_k_v_take_a_callers_range_and_refuse_wrong_rows():
    q = np.ones((3, 2))
    fig = viz.qkv_heatmaps([("Q", q)], TOKENS, zrange=(-5.0, 5.0))
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-5.0, 5.0)
    with pytest.raises(ValueError, match="token labels"):
        viz.qkv_heatmaps([("Q", np.ones((2, 2)))], TOKENS)
    with pytest.raises(ValueError, match="empty"):
        viz.qkv_heatmaps([], TOKENS)


# score_heatmap


def test_scores_paint_hidden_cells_grey_and_leave_them_out_of_the_range():
    scores = np.array([[1.0, 9.0, 9.0], [-2.0, 0.5, 9.0], [0.25, -1.0, 1.5]])
    hidden = np.triu(np.ones((3, 3), dtype=bool), 1)
    fig = viz.score_heatmap(scores, TOKENS, TOKENS, hidden=hidden, hidden_name="−∞ (hidden)")
    main, grey = fig.data
    z = _f32(main.z)
    assert np.isnan(z[hidden]).all()
    np.testing.assert_array_equal(z[~hidden], scores[~hidden].astype(np.float32))
    assert (main.zmin, main.zmax) == (-2.0, 2.0)  # the 9s are hidden: not in the range
    g = _f32(grey.z)
    assert (g[hidden] == 1).all() and np.isnan(g[~hidden]).all()
    assert {c[1] for c in grey.colorscale} == {HIDDEN_COLOR}
    assert grey.showscale is False
    assert "−∞ (hidden)" in grey.hovertemplate
    assert any("−∞ (hidden)" in a.text for a in fig.layout.annotations)
    assert fig.layout.yaxis.scaleanchor == "x"  # square cells


def test_scores_without_a_mask_are_one_trace_without_a_note():
    scores = np.array([[1.0, -3.0], [0.5, 2.0]])
    fig = viz.score_heatmap(scores, ["a", "b"], ["a", "b"], hidden=np.zeros((2, 2), bool))
    assert len(fig.data) == 1 and not fig.layout.annotations
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-3.0, 3.0)
    shared = viz.score_heatmap(scores, ["a", "b"], ["a", "b"], zrange=(-10.0, 10.0))
    assert (shared.data[0].zmin, shared.data[0].zmax) == (-10.0, 10.0)
    with pytest.raises(ValueError, match="hidden"):
        viz.score_heatmap(scores, ["a", "b"], ["a", "b"], hidden=np.zeros((2, 3), bool))


def test_weights_are_drawn_from_0_on_the_sequential_scale():
    weights = np.array([[1.0, 0.0], [0.25, 0.75]])
    fig = viz.score_heatmap(weights, ["a", "b"], ["a", "b"], signed=False, zrange=(0.0, 1.0))
    (trace,) = fig.data
    assert (trace.zmin, trace.zmax, trace.zmid) == (0.0, 1.0, None)
    assert trace.colorscale == tuple(tuple(c) for c in theme.SEQUENTIAL_SCALE)
    np.testing.assert_array_equal(_f32(trace.z), weights.astype(np.float32))
    fitted = viz.score_heatmap(weights / 2, ["a", "b"], ["a", "b"], signed=False).data[0]
    assert (fitted.zmin, fitted.zmax) == (0.0, 0.5)  # up to the largest weight by default


def test_score_cells_are_as_tall_as_token_rows_under_long_key_words():
    words = ["a", "b", "internationalization"]
    layout = viz.score_heatmap(np.eye(3), words, words).to_dict()["layout"]
    plot = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    assert plot >= 3 * theme.ROW_PX[False]  # the key words' room is added, not taken


def test_cross_attention_scores_take_other_key_labels():
    fig = viz.score_heatmap(np.zeros((2, 3)), ["q0", "q1"], ["k0", "k1", "k2"])
    assert list(fig.data[0].x) == ["0 · k0", "1 · k1", "2 · k2"]
    with pytest.raises(ValueError, match="key labels"):
        viz.score_heatmap(np.zeros((2, 3)), ["q0", "q1"], ["k0"])


# heads_heatmap


def test_heads_are_blocks_with_lines_between_names_above_and_the_chosen_one_outlined():
    values = np.arange(3 * 8, dtype=np.float64).reshape(3, 8) - 12
    fig = viz.heads_heatmap(
        values, TOKENS, head_width=2, head_names=["h1", "h2", "h3", "h4"], chosen=2
    )
    np.testing.assert_array_equal(_f32(fig.data[0].z), values.astype(np.float32))
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted(s.x0 for s in lines) == [1.5, 3.5, 5.5]
    (box,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert (box.x0, box.x1, box.line.color) == (3.5, 5.5, CHOSEN_COLOR)
    assert [a.text for a in fig.layout.annotations] == ["h1", "h2", "h3", "h4"]
    assert [a.x for a in fig.layout.annotations] == [0.5, 2.5, 4.5, 6.5]
    assert fig.data[0].zmid == 0.0 and fig.data[0].zmax == 12.0


def test_narrow_heads_are_numbered_and_a_sliced_last_head_is_cut_short():
    names = [f"head number {k}" for k in range(1, 17)]
    fig = viz.heads_heatmap(np.ones((3, 16)), TOKENS, head_width=1, head_names=names)
    assert [a.text for a in fig.layout.annotations] == [str(k) for k in range(1, 17)]
    assert fig.layout.annotations[0].hovertext == "head number 1"  # the name stays on hover
    assert not [s for s in fig.layout.shapes if s.type == "rect"]  # none chosen
    cut = viz.heads_heatmap(np.ones((3, 5)), TOKENS, head_width=4, head_names=["a", "b"])
    assert cut.layout.annotations[1].x == pytest.approx((3.5 + 4.5) / 2)
    with pytest.raises(ValueError, match="head names"):
        viz.heads_heatmap(np.ones((3, 5)), TOKENS, head_width=4, head_names=["a"])


# entropy_bars


def test_entropy_bars_pair_scaled_and_unscaled_under_the_maximum():
    scaled = np.array([0.0, 0.6, 1.0])
    unscaled = np.array([0.0, 0.05, 0.02])
    top = np.log([1.0, 2.0, 3.0])
    fig = viz.entropy_bars(
        scaled, unscaled, TOKENS, maximum=top, scaled_name="÷√Dh", unscaled_name="raw"
    )
    bars_scaled, bars_raw, ceiling = fig.data
    assert (bars_scaled.type, bars_raw.type, ceiling.type) == ("bar", "bar", "scatter")
    np.testing.assert_allclose(_f32(bars_scaled.y), scaled)
    np.testing.assert_allclose(_f32(bars_raw.y), unscaled)
    np.testing.assert_allclose(_f32(ceiling.y), top, rtol=1e-6)
    assert ceiling.line.dash == "dash"
    assert fig.layout.barmode == "group"
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] >= np.log(3)
    assert bars_scaled.marker.color != bars_raw.marker.color
    with pytest.raises(ValueError, match="one per query"):
        viz.entropy_bars(scaled, unscaled[:2], TOKENS, maximum=top)
    later = viz.entropy_bars(scaled, unscaled, TOKENS, maximum=top, start=4)
    assert list(later.data[0].x) == ["4 · the", "5 · &lt;b&gt;cat&lt;/b&gt;", "6 · sat"]


@pytest.mark.parametrize("presentation", [False, True])
def test_margins_fit_long_labels(presentation):
    words = ["a", "extraordinarily", "고양이가피곤해서"]
    fig = viz.score_heatmap(np.eye(3), words, words, x_title="key", presentation=presentation)
    margin = fig.to_dict()["layout"]["margin"]
    tick = theme.font_size(presentation) - 1
    assert margin["l"] >= theme.text_px("2 · 고양이가피곤해서", tick)
    assert margin["b"] >= theme.text_px("1 · extraordinarily", tick)
