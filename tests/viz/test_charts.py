"""viz.charts on tiny arrays: grouped norm bars, the shape flow diagram, feature bars, histogram."""

import numpy as np
import pytest

import viz
from viz import theme

TOKENS = ["the", "<b>cat</b>", "the"]
ROWS = ["0 · the", "1 · &lt;b&gt;cat&lt;/b&gt;", "2 · the"]


def _float32(values):
    assert isinstance(values, np.ndarray), type(values)
    assert values.dtype == np.float32
    return values


# norm_stats_bars


def _norm_bars(**options):
    before_mean, before_std = [0.5, -1.0, 2.0], [1.5, 0.5, 3.0]
    after_mean, after_std = [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
    return viz.norm_stats_bars(TOKENS, before_mean, before_std, after_mean, after_std, **options)


def test_norm_stats_bars_group_before_and_after_in_two_panels():
    fig = _norm_bars(before_name="raw", after_name="normalized")
    assert [trace.type for trace in fig.data] == ["bar"] * 4
    assert fig.layout.barmode == "group"
    assert [(t.name, t.xaxis, t.yaxis) for t in fig.data] == [
        ("raw", "x", "y"),
        ("normalized", "x", "y"),
        ("raw", "x2", "y2"),
        ("normalized", "x2", "y2"),
    ]
    expected = ([0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [1.5, 0.5, 3.0], [1.0, 1.0, 1.0])
    for trace, values in zip(fig.data, expected, strict=True):
        np.testing.assert_array_equal(_float32(trace.y), np.array(values, dtype=np.float32))
    # The legend names each series once, and one click toggles it in both panels.
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert fig.data[0].legendgroup == fig.data[2].legendgroup != fig.data[1].legendgroup


def test_norm_stats_bars_panels_sit_side_by_side_with_a_zero_line():
    fig = _norm_bars()
    left, right = fig.layout.xaxis.domain, fig.layout.xaxis2.domain
    assert left[0] == 0.0 and right[1] == 1.0 and left[1] < right[0]
    assert fig.layout.xaxis2.anchor == "y2" and fig.layout.yaxis2.anchor == "x2"
    assert fig.layout.yaxis.zeroline and fig.layout.yaxis2.zeroline


def test_norm_stats_bars_label_tokens_and_panels():
    fig = _norm_bars(mean_title="평균 μ", std_title="표준편차 σ")
    assert all(list(trace.x) == ROWS for trace in fig.data)
    assert (fig.layout.yaxis.title.text, fig.layout.yaxis2.title.text) == ("평균 μ", "표준편차 σ")
    assert "평균 μ · before: %{y:.4f}" in fig.data[0].hovertemplate
    assert "표준편차 σ · after: %{y:.4f}" in fig.data[3].hovertemplate


def test_norm_stats_bars_reject_a_missing_value():
    with pytest.raises(ValueError, match="after_std has 2 values for 3 labels"):
        viz.norm_stats_bars(TOKENS, [0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1])


# shape_flow


def _blocks(count):
    widths = [16, 32, 32, 64, 8, 4, 1, 128, 16, 32, 2, 4]
    return [(f"block {i}", f"(1, 7, {widths[i]})", widths[i]) for i in range(count)]


def _arrows(fig):
    return [a for a in fig.layout.annotations if a.showarrow]


def _texts(fig):
    return [a.text for a in fig.layout.annotations if not a.showarrow]


@pytest.mark.parametrize("count", [1, 2, 5, 7, 12])
def test_shape_flow_has_one_box_per_block_and_an_arrow_between_each_pair(count):
    fig = viz.shape_flow(_blocks(count))
    boxes = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert len(boxes) == len(fig.layout.shapes) == count
    assert len(_arrows(fig)) == count - 1
    # Left to right: each arrow leaves one box's right edge and ends at the next one's left edge.
    for arrow, left, right in zip(_arrows(fig), boxes[:-1], boxes[1:], strict=True):
        assert arrow.ax == left.x1 and arrow.x == right.x0
        assert left.x1 < right.x0
    # Every box is inside the visible range.
    low, high = fig.layout.xaxis.range
    assert low < boxes[0].x0 and boxes[-1].x1 < high
    low, high = fig.layout.yaxis.range
    assert all(low < box.y0 < box.y1 < high for box in boxes)


def test_shape_flow_box_height_grows_with_width():
    fig = viz.shape_flow(_blocks(12))
    pairs = zip(_blocks(12), fig.layout.shapes, strict=True)
    heights = {width: box.y1 - box.y0 for (_, _, width), box in pairs}
    ordered = [heights[w] for w in sorted(heights)]
    assert ordered == sorted(ordered) and ordered[0] < ordered[-1]
    assert all(box.y0 == -box.y1 for box in fig.layout.shapes)  # centred on the arrows' line


def test_shape_flow_writes_names_and_shapes_escaped():
    fig = viz.shape_flow([("embed", "(1, 7, 16)", 16), ("<lstm>", "(1, 7, 32)", 32)], title="flow")
    assert _texts(fig) == ["<b>embed</b>", "(1, 7, 16)", "<b>&lt;lstm&gt;</b>", "(1, 7, 32)"]
    assert fig.layout.title.text == "flow"
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    # The boxes are shapes; the only trace is the invisible hover points, one per box.
    (hover,) = fig.data
    assert hover.marker.opacity == 0 and len(hover.x) == 2


def test_shape_flow_staggers_labels_when_crowded():
    few = viz.shape_flow(_blocks(5))
    many = viz.shape_flow(_blocks(12))
    assert len({a.yshift for a in few.layout.annotations if not a.showarrow}) == 2
    assert len({a.yshift for a in many.layout.annotations if not a.showarrow}) == 4
    assert many.layout.height > few.layout.height


def test_shape_flow_rejects_no_blocks_and_bad_widths():
    with pytest.raises(ValueError, match="blocks is empty"):
        viz.shape_flow([])
    for width in (0, -3, float("nan"), "16"):
        with pytest.raises(ValueError, match="width"):
            viz.shape_flow([("embed", "(1, 7, 16)", width)])


# feature_bars


def test_feature_bars_show_a_float32_vector_by_feature_index():
    fig = viz.feature_bars([0.5, -2.0, 1.0])
    trace = fig.data[0]
    assert trace.type == "bar"
    np.testing.assert_array_equal(_float32(trace.y), np.array([0.5, -2.0, 1.0], np.float32))
    np.testing.assert_array_equal(trace.x, [0, 1, 2])
    assert fig.layout.yaxis.zeroline


def test_feature_bars_signed_colour_is_diverging_and_symmetric():
    trace = viz.feature_bars(np.array([0.5, -2.0, 1.0])).data[0]
    assert trace.marker.colorscale == theme.DIVERGING_SCALE
    assert (trace.marker.cmin, trace.marker.cmax, trace.marker.cmid) == (-2.0, 2.0, 0.0)
    np.testing.assert_array_equal(_float32(trace.marker.color), trace.y)


def test_feature_bars_unsigned_use_one_colour():
    trace = viz.feature_bars(np.array([0.5, 2.0]), signed=False).data[0]
    assert trace.marker.colorscale is None
    assert isinstance(trace.marker.color, str)


def test_feature_bars_write_values_only_on_few_bars():
    few = viz.feature_bars(np.arange(16, dtype=np.float32)).data[0]
    many = viz.feature_bars(np.arange(17, dtype=np.float32)).data[0]
    assert few.texttemplate == "%{y:.3g}" and few.textposition == "outside"
    assert many.texttemplate is None


def test_feature_bars_labels_are_escaped_and_kept_distinct():
    fig = viz.feature_bars([1.0, 2.0], labels=["γ<0>", "γ<0>"], x_title="feature", y_title="γ")
    assert list(fig.data[0].x) == ["0 · γ&lt;0&gt;", "1 · γ&lt;0&gt;"]
    assert fig.layout.xaxis.type == "category"
    assert fig.data[0].hovertemplate == "feature: %{x}<br>γ: %{y:.4f}<extra></extra>"
    with pytest.raises(ValueError, match="got 1 labels for 2 values"):
        viz.feature_bars([1.0, 2.0], labels=["a"])


# histogram_with_marker


def test_histogram_with_marker_draws_samples_and_a_labelled_line():
    samples = np.array([0.1, 0.2, 0.2, 0.9], dtype=np.float64)
    fig = viz.histogram_with_marker(samples, marker=0.75, marker_name="<your sum>")
    trace = fig.data[0]
    assert trace.type == "histogram"
    np.testing.assert_array_equal(_float32(trace.x), samples.astype(np.float32))
    (line,) = fig.layout.shapes
    assert line.type == "line" and line.x0 == line.x1 == 0.75
    assert (line.yref, line.y0, line.y1) == ("paper", 0.0, 1.0)
    (note,) = fig.layout.annotations
    assert note.text == "&lt;your sum&gt;" and note.x == 0.75


@pytest.mark.parametrize("marker", [None, float("nan"), float("inf")])
def test_histogram_without_a_finite_marker_draws_no_line(marker):
    fig = viz.histogram_with_marker(np.ones(4), marker=marker, marker_name="sum")
    assert fig.layout.shapes == ()
    assert fig.layout.annotations == ()


def test_histogram_marker_without_a_name_has_no_annotation():
    fig = viz.histogram_with_marker(np.ones(4), marker=1.0)
    assert len(fig.layout.shapes) == 1
    assert fig.layout.annotations == ()


def test_shape_flow_hover_names_each_box_and_its_shape_as_data():
    fig = viz.shape_flow([("x", "(1, 7, 16)", 16), ("<q>", "(1, 4, 7, 4)", 4)])
    (hover,) = fig.data
    assert list(hover.text) == ["x: (1, 7, 16)", "&lt;q&gt;: (1, 4, 7, 4)"]
    assert hover.marker.opacity == 0
    # A new shape is new data, so the browser sees the figure change (datarevision follows).
    other = viz.shape_flow([("x", "(1, 7, 16)", 16), ("<q>", "(1, 8, 7, 2)", 2)])
    assert other.layout.datarevision != fig.layout.datarevision
