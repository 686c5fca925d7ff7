"""viz.heatmaps on tiny arrays: float32 data, honest colour ranges, unique escaped token labels."""

import itertools

import numpy as np
import pytest

import viz
from viz import theme

TOKENS = ["the", "<b>cat</b>", "the"]
ROWS = ["0 · the", "1 · &lt;b&gt;cat&lt;/b&gt;", "2 · the"]


def _z(fig, index=0):
    z = fig.data[index].z
    assert isinstance(z, np.ndarray), type(z)
    assert z.dtype == np.float32
    return z


# token_heatmap


def test_token_heatmap_hands_plotly_float32_values_as_given():
    values = [[1.0, -3.0], [2.0, 0.5], [0.0, 0.25]]  # a Python list of float64
    fig = viz.token_heatmap(values, TOKENS)
    assert len(fig.data) == 1
    assert fig.data[0].type == "heatmap"
    np.testing.assert_array_equal(_z(fig), np.array(values, dtype=np.float32))


def test_token_heatmap_signed_is_diverging_and_symmetric_about_zero():
    fig = viz.token_heatmap(np.array([[1.0, -3.0], [2.0, 0.5], [0.0, 0.25]]), TOKENS)
    trace = fig.data[0]
    assert trace.colorscale == theme.DIVERGING_SCALE
    assert trace.zmid == 0
    assert trace.zmin == -3.0
    assert trace.zmax == 3.0


def test_token_heatmap_symmetric_range_ignores_nan_and_survives_all_zero():
    fig = viz.token_heatmap(np.array([[np.nan, 0.5], [-2.0, 1.0]]), ["a", "b"])
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-2.0, 2.0)
    fig = viz.token_heatmap(np.zeros((2, 3)), ["a", "b"])
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-1.0, 1.0)


def test_token_heatmap_unsigned_is_sequential_from_zero():
    fig = viz.token_heatmap(np.array([[0.2, 0.7], [0.1, 0.4]]), ["a", "b"], signed=False)
    trace = fig.data[0]
    assert trace.colorscale == theme.SEQUENTIAL_SCALE
    assert trace.zmin == 0.0
    assert trace.zmax == pytest.approx(0.7)
    assert trace.zmid is None


def test_token_heatmaps_share_a_given_zrange():
    small = np.array([[0.1, -0.2]])
    large = np.array([[4.0, -1.0]])
    figs = [viz.token_heatmap(v, ["a"], zrange=(-5.0, 5.0)) for v in (small, large)]
    for fig in figs:
        assert (fig.data[0].zmin, fig.data[0].zmax, fig.data[0].zmid) == (-5.0, 5.0, 0.0)
    unsigned = viz.token_heatmap(small, ["a"], signed=False, zrange=(0.0, 2.0))
    assert (unsigned.data[0].zmin, unsigned.data[0].zmax) == (0.0, 2.0)


@pytest.mark.parametrize("zrange", [(1.0, 1.0), (2.0, -2.0), (0.0, float("nan"))])
def test_token_heatmap_rejects_a_zrange_that_is_not_a_range(zrange):
    with pytest.raises(ValueError, match="zrange"):
        viz.token_heatmap(np.ones((1, 2)), ["a"], zrange=zrange)


def test_token_heatmap_rows_are_unique_escaped_tokens_top_to_bottom():
    fig = viz.token_heatmap(np.ones((3, 2)), TOKENS)
    assert list(fig.data[0].y) == ROWS
    assert fig.layout.yaxis.type == "category"
    assert fig.layout.yaxis.autorange == "reversed"


def test_token_heatmap_columns_default_to_feature_indices():
    fig = viz.token_heatmap(np.ones((3, 4)), TOKENS)
    x = fig.data[0].x
    assert isinstance(x, np.ndarray)
    np.testing.assert_array_equal(x, [0, 1, 2, 3])
    assert fig.layout.xaxis.type == "category"  # whole-number ticks only


def test_token_heatmap_column_labels_are_escaped_categories():
    fig = viz.token_heatmap(np.ones((1, 3)), ["a"], col_labels=["μ", "<σ>", "x̂"])
    assert list(fig.data[0].x) == ["μ", "&lt;σ&gt;", "x̂"]
    assert fig.layout.xaxis.type == "category"


def test_token_heatmap_hover_names_token_index_and_value():
    fig = viz.token_heatmap(
        np.ones((3, 2)), TOKENS, x_title="feature", y_title="token", hover_name="x̂ <hat>"
    )
    hover = fig.data[0].hovertemplate
    assert hover == ("token: %{y}<br>feature: %{x}<br>x̂ &lt;hat&gt;: %{z:.4f}<extra></extra>")
    # %{y} is the row label, which carries the index and the token.
    assert fig.data[0].y[1].startswith("1 · ")
    assert fig.layout.xaxis.title.text == "feature"
    assert fig.layout.yaxis.title.text == "token"


def test_token_heatmap_hover_without_titles_has_no_dangling_colons():
    hover = viz.token_heatmap(np.ones((1, 1)), ["a"], hover_name="").data[0].hovertemplate
    assert hover == "%{y}<br>%{x}<br>%{z:.4f}<extra></extra>"


def test_token_heatmap_height_follows_rows():
    short = viz.token_heatmap(np.ones((2, 2)), ["a", "b"])
    tall = viz.token_heatmap(np.ones((20, 2)), [str(i) for i in range(20)])
    huge = viz.token_heatmap(np.ones((128, 2)), [str(i) for i in range(128)])
    assert short.layout.height == viz.auto_height(2)
    assert short.layout.height < tall.layout.height < huge.layout.height == 900


def test_token_heatmap_rejects_mismatched_labels_and_wrong_dimensions():
    with pytest.raises(ValueError, match="got 2 row labels for 3 rows"):
        viz.token_heatmap(np.ones((3, 2)), ["a", "b"])
    with pytest.raises(ValueError, match="2-D"):
        viz.token_heatmap(np.ones(3), ["a", "b", "c"])
    with pytest.raises(ValueError, match="column labels"):
        viz.token_heatmap(np.ones((1, 2)), ["a"], col_labels=["x"])


def test_token_heatmap_accepts_an_empty_sentence():
    fig = viz.token_heatmap(np.zeros((0, 4)), [])
    assert _z(fig).shape == (0, 4)
    assert list(fig.data[0].y) == []


# attention_heatmap


def test_attention_heatmap_is_sequential_on_zero_to_one():
    weights = np.array([[1.0, 0.0, 0.0], [0.25, 0.75, 0.0]])
    fig = viz.attention_heatmap(weights, ["q0", "q1"], ["k", "k", "<k>"])
    trace = fig.data[0]
    assert trace.type == "heatmap"
    np.testing.assert_array_equal(_z(fig), weights.astype(np.float32))
    assert trace.colorscale == theme.SEQUENTIAL_SCALE
    assert (trace.zmin, trace.zmax) == (0.0, 1.0)


def test_attention_heatmap_labels_keys_on_x_and_queries_on_y():
    fig = viz.attention_heatmap(np.full((2, 3), 1 / 3), ["q", "q"], ["k", "k", "<k>"])
    assert list(fig.data[0].x) == ["0 · k", "1 · k", "2 · &lt;k&gt;"]
    assert list(fig.data[0].y) == ["0 · q", "1 · q"]
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "category"
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.yaxis.scaleanchor == "x"  # square cells
    assert fig.layout.yaxis.scaleratio == 1


def test_attention_heatmap_range_can_follow_the_data_or_be_shared():
    weights = np.array([[0.6, 0.4], [0.1, 0.9]])
    fitted = viz.attention_heatmap(weights, ["a", "b"], ["a", "b"], zrange=None)
    assert (fitted.data[0].zmin, fitted.data[0].zmax) == (0.0, pytest.approx(0.9))
    shared = viz.attention_heatmap(weights, ["a", "b"], ["a", "b"], zrange=(0.0, 0.5))
    assert (shared.data[0].zmin, shared.data[0].zmax) == (0.0, 0.5)


def test_attention_heatmap_hover_and_titles():
    fig = viz.attention_heatmap(
        np.eye(2),
        ["a", "b"],
        ["a", "b"],
        title="head 1",
        x_title="key",
        y_title="query",
        hover_name="weight",
    )
    assert fig.data[0].hovertemplate == (
        "query: %{y}<br>key: %{x}<br>weight: %{z:.4f}<extra></extra>"
    )
    assert fig.layout.title.text == "head 1"


def test_attention_heatmap_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="key labels"):
        viz.attention_heatmap(np.eye(2), ["a", "b"], ["a"])
    with pytest.raises(ValueError, match="query labels"):
        viz.attention_heatmap(np.eye(2), ["a"], ["a", "b"])


# mask_heatmap


def test_mask_heatmap_draws_bool_or_scaled_masks_as_zero_and_one():
    mask = np.array([[True, False, True], [False, False, True]])
    expected = mask.astype(np.float32)
    for given in (mask, mask.astype(int), mask * 2.0):  # 2.0: dropout's 1/(1-p) at p = 0.5
        fig = viz.mask_heatmap(given, ["a", "b"])
        assert fig.data[0].type == "heatmap"
        np.testing.assert_array_equal(_z(fig), expected)


def test_mask_heatmap_uses_two_colours_from_zero_with_named_ticks():
    fig = viz.mask_heatmap(
        np.eye(2, dtype=bool), ["a", "b"], kept_name="남김", dropped_name="<dropped>"
    )
    trace = fig.data[0]
    dropped, kept = viz.MASK_COLORS
    assert (trace.zmin, trace.zmax) == (0.0, 1.0)
    assert {color for _, color in trace.colorscale} == {dropped, kept}
    assert trace.colorscale[0][1] == dropped and trace.colorscale[-1][1] == kept
    assert list(trace.colorbar.ticktext) == ["&lt;dropped&gt;", "남김"]
    assert list(trace.colorbar.tickvals) == [0.25, 0.75]
    assert "남김: %{z:.0f}" in trace.hovertemplate


def test_mask_heatmap_rows_are_unique_token_labels():
    fig = viz.mask_heatmap(np.ones((3, 2)), TOKENS)
    assert list(fig.data[0].y) == ROWS
    assert fig.layout.yaxis.autorange == "reversed"
    with pytest.raises(ValueError, match="2-D"):
        viz.mask_heatmap(np.ones(3), TOKENS)


# gate_heatmaps


def _lstm_gates(t=3, u=4):
    grid = np.linspace(0.0, 1.0, t * u, dtype=np.float64).reshape(t, u)
    return [("i", grid, False), ("f", grid, False), ("g", grid * 2 - 1, True), ("o", grid, False)]


def test_gate_heatmaps_draw_one_panel_per_gate_side_by_side():
    gates = _lstm_gates()
    fig = viz.gate_heatmaps(gates, TOKENS)
    assert len(fig.data) == 4
    assert [trace.type for trace in fig.data] == ["heatmap"] * 4
    assert [trace.xaxis for trace in fig.data] == ["x", "x2", "x3", "x4"]
    assert {trace.yaxis for trace in fig.data} == {"y"}  # one shared token axis
    domains = [fig.layout[f"xaxis{k}"].domain for k in ("", "2", "3", "4")]
    assert domains[0][0] == 0.0 and domains[-1][1] == pytest.approx(1.0)
    for left, right in itertools.pairwise(domains):
        assert left[1] < right[0]
    for k, (_, values, _) in enumerate(gates):
        np.testing.assert_array_equal(_z(fig, k), values.astype(np.float32))


def test_gate_heatmaps_label_tokens_once_and_title_each_panel():
    fig = viz.gate_heatmaps(_lstm_gates(), TOKENS, title="LSTM gates")
    assert "yaxis2" not in fig.to_plotly_json()["layout"]
    assert all(list(trace.y) == ROWS for trace in fig.data)
    assert fig.layout.yaxis.autorange == "reversed"
    assert [a.text for a in fig.layout.annotations] == ["i", "f", "g", "o"]
    assert [a.xref for a in fig.layout.annotations] == [
        "x domain",
        "x2 domain",
        "x3 domain",
        "x4 domain",
    ]
    assert fig.layout.title.text == "LSTM gates"


def test_gate_heatmaps_use_each_gates_true_range():
    fig = viz.gate_heatmaps(_lstm_gates(), TOKENS)
    for trace, (_, _, signed) in zip(fig.data, _lstm_gates(), strict=True):
        if signed:  # tanh
            assert trace.colorscale == theme.DIVERGING_SCALE
            assert (trace.zmin, trace.zmax, trace.zmid) == (-1.0, 1.0, 0.0)
        else:  # sigmoid
            assert trace.colorscale == theme.SEQUENTIAL_SCALE
            assert (trace.zmin, trace.zmax) == (0.0, 1.0)
    # One colour bar per range, not one per panel.
    assert [trace.showscale for trace in fig.data] == [True, False, True, False]


def test_gate_heatmaps_gru_has_three_panels_and_names_in_hover():
    gates = [(name, np.full((3, 2), 0.5), name == "n") for name in ("r", "z", "n")]
    fig = viz.gate_heatmaps(gates, TOKENS, hover_name="value", x_title="unit", y_title="token")
    assert len(fig.data) == 3
    assert len(fig.layout.annotations) == 3
    assert fig.data[2].hovertemplate == (
        "token: %{y}<br>unit: %{x}<br>n · value: %{z:.4f}<extra></extra>"
    )


def test_gate_heatmaps_reject_no_gates_and_wrong_lengths():
    with pytest.raises(ValueError, match="gates is empty"):
        viz.gate_heatmaps([], TOKENS)
    with pytest.raises(ValueError, match="token labels"):
        viz.gate_heatmaps([("i", np.ones((2, 4)), False)], TOKENS)
