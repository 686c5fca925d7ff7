"""viz.positions: the table's waves with the sentence's dots, and two orders on one scale."""

import numpy as np
import pytest

import viz
from viz import theme


def waves(tokens=3, span=8.0, **kw):
    x = np.linspace(0.0, span, 33)
    curves = np.stack([np.sin(x), np.cos(x), np.sin(x / 100)], axis=1)
    at = np.arange(tokens, dtype=np.float64)
    marks = np.stack([np.sin(at), np.cos(at), np.sin(at / 100)], axis=1)
    return viz.position_waves(
        x,
        curves,
        ["0 sin", "1 cos", "2 sin"],
        marks=marks,
        mark_labels=[f"w{i}" for i in range(tokens)],
        band_name="sentence",
        **kw,
    )


def test_each_feature_is_a_line_with_its_dots_at_the_tokens_positions():
    fig = waves()
    lines = [t for t in fig.data if t.mode == "lines"]
    dots = [t for t in fig.data if t.mode == "markers" and t.name != "sentence"]
    assert [t.name for t in lines] == ["0 sin", "1 cos", "2 sin"]
    np.testing.assert_allclose(lines[0].y, np.sin(np.linspace(0, 8, 33)), atol=1e-6)
    assert lines[0].y.dtype == np.float32
    for line, dot in zip(lines, dots, strict=True):
        assert dot.marker.color == line.line.color  # a feature's dots wear its line's colour
        assert dot.showlegend is False
        np.testing.assert_array_equal(dot.x, [0, 1, 2])
    np.testing.assert_allclose(dots[1].y, np.cos([0, 1, 2]), atol=1e-6)
    assert list(dots[0].text) == ["0 · w0", "1 · w1", "2 · w2"]  # hover names the token


def test_the_band_marks_the_sentence_only_when_the_lines_run_past_it():
    fig = waves(tokens=3, span=8.0)
    (band,) = fig.layout.shapes
    assert (band.x0, band.x1) == (-0.5, 2.5)
    (legend,) = [t for t in fig.data if t.name == "sentence"]  # the band's name, in the legend
    assert legend.showlegend is not False and np.isnan(legend.x).all()
    whole = waves(tokens=9, span=8.0)  # the sentence covers every position drawn
    assert not whole.layout.shapes
    assert "sentence" not in [t.name for t in whole.data]


def test_the_value_axis_is_the_tables_whole_range():
    layout = waves().layout
    assert tuple(layout.yaxis.range) == (-1.1, 1.1)
    assert layout.xaxis.range[0] == -0.5 and layout.xaxis.range[1] == pytest.approx(8.0)


def test_waves_refuse_mismatched_inputs_with_a_sentence():
    x = np.arange(4.0)
    with pytest.raises(ValueError, match="3 positions for 4 curve points"):
        viz.position_waves(x[:3], np.zeros((4, 1)), ["a"])
    with pytest.raises(ValueError, match="names"):
        viz.position_waves(x, np.zeros((4, 2)), ["a"])
    with pytest.raises(ValueError, match="marks has 2 columns for 1 lines"):
        viz.position_waves(x, np.zeros((4, 1)), ["a"], marks=np.zeros((2, 2)), mark_labels="ab")


VALUES = np.array([[0.5, -1.0], [2.0, 0.0], [-0.25, 1.5]])


def pair(**kw):
    return viz.paired_heatmaps(
        VALUES,
        VALUES[[2, 0, 1]],
        ["a", "b", "c"],
        ["c", "a", "b"],
        left_name="original",
        right_name="shuffled",
        **kw,
    )


def test_two_orders_share_one_symmetric_scale_and_one_colorbar():
    fig = pair()
    left, right = fig.data
    assert (left.zmin, left.zmax) == (right.zmin, right.zmax) == (-2.0, 2.0)
    assert left.showscale and not right.showscale
    np.testing.assert_array_equal(right.z, VALUES[[2, 0, 1]].astype(np.float32))
    fixed = pair(zrange=(-3.0, 3.0))
    assert (fixed.data[1].zmin, fixed.data[1].zmax) == (-3.0, 3.0)


def test_each_panel_keeps_its_own_words_the_right_ones_on_the_right():
    fig = pair(y_title="token")
    left, right = fig.data
    assert list(left.y) == ["0 · a", "1 · b", "2 · c"]
    assert list(right.y) == ["0 · c", "1 · a", "2 · b"]
    assert (left.yaxis, right.yaxis) == ("y", "y2")
    assert fig.layout.yaxis2.side == "right"
    assert fig.layout.yaxis2.anchor == "x2"
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis2.domain[0]
    assert [a.text for a in fig.layout.annotations] == ["original", "shuffled"]
    # the colorbar stands at the figure's edge, beyond the right panel's labels
    assert left.colorbar.xref == "container"
    margin = fig.layout.margin
    assert margin.r >= theme.text_px("2 · b", theme.font_size(False) - 1) + theme.colorbar_room(
        ["−8.88"]
    )


def test_long_words_on_the_right_widen_the_right_margin():
    short = pair().layout.margin.r
    long = viz.paired_heatmaps(
        VALUES, VALUES, ["a", "b", "c"], ["a", "b", "extraordinarily"]
    ).layout.margin.r
    assert long > short


def test_pairs_refuse_mismatched_inputs_with_a_sentence():
    with pytest.raises(ValueError, match="3 and 2 rows"):
        viz.paired_heatmaps(VALUES, VALUES[:2], ["a", "b", "c"], ["a", "b"])
    with pytest.raises(ValueError, match="row labels"):
        viz.paired_heatmaps(VALUES, VALUES, ["a", "b", "c"], ["a", "b"])


def test_a_short_sentence_still_gets_room_for_its_colorbar():
    fig = viz.paired_heatmaps(VALUES[:2], VALUES[:2], ["a", "b"], ["b", "a"])
    assert fig.layout.height >= 300
    projected = viz.paired_heatmaps(
        VALUES[:2], VALUES[:2], ["a", "b"], ["b", "a"], presentation=True
    )
    assert projected.layout.height >= 400
