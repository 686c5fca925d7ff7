"""viz.training on tiny arrays: history curves on a fixed epoch axis, the parts of a data set, token
lengths against maxlen, the out-of-vocabulary curve, one probability and a confusion matrix —
every number on the figure is the caller's, as float32, every word the caller's, escaped."""

import math

import numpy as np
import pytest

import viz
from viz import theme
from viz.training import (
    CUT_COLOR,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    PROBABILITY_HEIGHT,
    TRAIN_COLOR,
    VAL_COLOR,
)

WORDS = {"title": "T", "y_label": "loss", "x_label": "epoch"}
NAMES = {"train_label": "train", "val_label": "val"}


def _f32(array):
    assert isinstance(array, np.ndarray), type(array)
    assert array.dtype == np.float32
    return array


def _history(train, val, *, epochs, **options):
    return viz.history_curves(train, val, epochs=epochs, **WORDS, **NAMES, **options)


# history_curves


def test_history_draws_each_epoch_of_train_and_validation_as_given():
    train = np.array([0.69, 0.45, 0.31, 0.22])
    val = np.array([0.62, 0.48, 0.47, 0.52])
    fig = _history(train, val, epochs=10)
    first, second = fig.data
    np.testing.assert_array_equal(_f32(first.y), train.astype(np.float32))
    np.testing.assert_array_equal(_f32(second.y), val.astype(np.float32))
    np.testing.assert_array_equal(first.x, np.arange(1, len(train) + 1))
    np.testing.assert_array_equal(second.x, np.arange(1, len(val) + 1))
    assert (first.name, second.name) == ("train", "val")
    assert first.mode == second.mode == "lines+markers"
    # Train and validation look different in colour, dash and marker.
    assert (first.line.color, second.line.color) == (TRAIN_COLOR, VAL_COLOR)
    assert TRAIN_COLOR != VAL_COLOR
    assert first.line.dash == "solid" and second.line.dash == "dash"
    assert first.marker.symbol != second.marker.symbol
    assert "epoch: %{x}" in first.hovertemplate and "loss: %{y:.4f}" in first.hovertemplate
    assert fig.layout.yaxis.rangemode == "tozero"  # losses ≥ 0 are read from 0


def test_history_x_axis_is_fixed_to_every_epoch_while_the_run_grows():
    epochs = 12
    full = np.linspace(0.7, 0.2, epochs)
    figures = [_history(full[:n], full[:n] + 0.1, epochs=epochs) for n in (1, 5, epochs)]
    for fig in figures:
        axis = fig.layout.xaxis
        assert tuple(axis.range) == (0.5, epochs + 0.5)
        assert (axis.tickmode, axis.dtick, axis.tickformat) == ("linear", 1, "d")
    heights = {fig.layout.height for fig in figures}
    margins = {fig.layout.margin.t for fig in figures} | {fig.layout.margin.b for fig in figures}
    assert len(heights) == 1 and len(margins) == 2  # nothing moves as epochs arrive
    assert _history(full[:3], None, epochs=100).layout.xaxis.dtick == 10  # about ten ticks


def test_history_before_training_draws_empty_axes_with_their_legend():
    fig = _history(np.zeros(0), np.zeros(0), epochs=20)
    assert len(fig.data) == 2
    for trace in fig.data:
        assert np.isnan(_f32(trace.y)).all()  # a placeholder: plotly drops the legend otherwise
    assert tuple(fig.layout.xaxis.range) == (0.5, 20.5)
    assert tuple(fig.layout.yaxis.range) == (0.0, 1.0)
    assert fig.layout.showlegend is True
    assert fig.layout.height == _history(np.ones(3), np.ones(3), epochs=20).layout.height


def test_history_without_validation_has_one_line():
    fig = _history(np.array([0.5, 0.4]), None, epochs=3)
    assert len(fig.data) == 1 and fig.data[0].name == "train"


def test_history_mark_is_a_dotted_line_with_the_callers_text_at_that_epoch():
    val = np.array([0.6, 0.5, 0.45, 0.47, 0.52])
    best = int(np.argmin(val)) + 1
    fig = _history(val - 0.1, val, epochs=8, mark=(best, "<b>best</b> val_loss"))
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == best and line.xref == "x"
    assert (line.y0, line.y1, line.yref) == (0.0, 1.0, "paper")
    assert line.line.dash == "dot"
    (note,) = fig.layout.annotations
    assert note.x == best and note.xref == "x"
    assert "best" in note.text and "<b>" not in note.text  # escaped
    # The note has its own row above the plot, with or without a mark.
    plain = _history(val - 0.1, val, epochs=8)
    assert plain.layout.height == fig.layout.height
    assert plain.layout.margin.t == fig.layout.margin.t
    assert not plain.layout.shapes and not plain.layout.annotations


def test_history_accuracy_uses_the_callers_range():
    acc = np.array([0.55, 0.7, 0.8])
    fig = _history(acc, acc - 0.05, epochs=5, y_range=(0.0, 1.0))
    assert tuple(fig.layout.yaxis.range) == (0.0, 1.0)
    assert fig.layout.yaxis.rangemode is None


def test_history_log_axis_takes_its_range_in_data_units_and_leaves_gaps():
    loss = np.array([1.0, 0.1, 0.0, np.nan, 0.01])
    fig = _history(loss, None, epochs=5, log_y=True, y_range=(0.001, 10.0))
    assert fig.layout.yaxis.type == "log"
    np.testing.assert_allclose(fig.layout.yaxis.range, [-3.0, 1.0])
    y = _f32(fig.data[0].y)
    assert np.isnan(y[[2, 3]]).all()  # 0 and NaN cannot be drawn on a log axis
    np.testing.assert_allclose(y[[0, 1, 4]], loss[[0, 1, 4]], rtol=1e-6)
    # Ticks are written as numbers ("0.05"), never as bare mantissas.
    auto = _history(np.array([0.7, 0.3, 0.06]), None, epochs=3, log_y=True)
    ticks = list(auto.layout.yaxis.tickvals)
    assert ticks == [0.05, 0.1, 0.2, 0.5]
    assert list(auto.layout.yaxis.ticktext) == ["0.05", "0.1", "0.2", "0.5"]


def test_history_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="at most one each"):
        _history(np.ones(4), None, epochs=3)
    with pytest.raises(ValueError, match="from 1 to 3"):
        _history(np.ones(2), None, epochs=3, mark=(4, "late"))
    with pytest.raises(ValueError, match="above 0"):
        _history(np.ones(2), None, epochs=3, log_y=True, y_range=(0.0, 1.0))
    with pytest.raises(ValueError):
        _history(np.ones(2), None, epochs=0)


# part_bars


def test_part_bars_stack_each_parts_shares_with_counts_on_hover():
    counts = np.array([[900, 700, 800], [0, 0, 300], [100, 100, 100]])
    parts, sources = ["train", "validation", "test"], ["amazon", "imdb", "<b>yelp</b>"]
    fig = viz.part_bars(
        parts, counts, categories=sources, title="T", x_label="share", y_label="part"
    )
    shares = counts / counts.sum(axis=1, keepdims=True)
    assert [t.name for t in fig.data] == ["amazon", "imdb", "&lt;b&gt;yelp&lt;/b&gt;"]
    for k, trace in enumerate(fig.data):
        assert trace.orientation == "h"
        assert list(trace.y) == parts
        np.testing.assert_allclose(_f32(trace.x), shares[:, k], rtol=1e-6)
        np.testing.assert_array_equal(trace.customdata[:, 0], counts[:, k])
        assert trace.texttemplate == "%{x:.0%}"
        assert "customdata[0]" in trace.hovertemplate and trace.name in trace.hovertemplate
    assert fig.data[2].x[1] == 1.0  # the validation part is all one source
    assert fig.layout.barmode == "stack"
    assert fig.layout.yaxis.autorange == "reversed"  # the first part on top
    assert tuple(fig.layout.xaxis.range) == (0.0, 1.0) and fig.layout.xaxis.tickformat == ".0%"
    assert len({t.marker.color for t in fig.data}) == 3


def test_part_bars_can_show_counts_and_survive_an_empty_part():
    counts = np.array([[12, 4], [0, 0]])
    fig = viz.part_bars(
        ["a", "b"], counts, categories=["0", "1"], title="T", x_label="n", y_label="", share=False
    )
    np.testing.assert_array_equal(_f32(fig.data[0].x), [12, 0])
    assert tuple(fig.layout.xaxis.range) == (0.0, 16.0)  # the longest bar
    shared = viz.part_bars(
        ["a", "b"], counts, categories=["0", "1"], title="T", x_label="", y_label=""
    )
    np.testing.assert_array_equal(_f32(shared.data[1].x), [0.25, 0.0])  # 0 / 0 is no share
    assert (shared.data[0].marker.color, shared.data[1].marker.color) == (
        NEGATIVE_COLOR,
        POSITIVE_COLOR,
    )  # class 0 and 1 as in probability_bar


def test_part_bars_grow_with_the_parts_and_check_their_counts():
    def fig(n):
        return viz.part_bars(
            [str(i) for i in range(n)], np.ones((n, 2)), categories=["a", "b"], title="T",
            x_label="", y_label="",
        )  # fmt: skip

    assert fig(4).layout.height > fig(2).layout.height
    with pytest.raises(ValueError, match="categories"):
        viz.part_bars(
            ["a"], np.ones((1, 3)), categories=["x", "y"], title="", x_label="", y_label=""
        )
    with pytest.raises(ValueError, match="≥ 0"):
        viz.part_bars(["a"], -np.ones((1, 1)), categories=["x"], title="", x_label="", y_label="")


# length_histogram


def _lengths(lengths, maxlen, cut_label="cut"):
    return viz.length_histogram(
        lengths, maxlen, title="T", x_label="tokens", y_label="examples", cut_label=cut_label
    )


def test_length_histogram_counts_every_length_and_colours_the_cut_ones():
    lengths = np.random.default_rng(0).poisson(12, 300)
    maxlen = 15
    fig = _lengths(lengths, maxlen, cut_label=f"maxlen {maxlen}: {np.mean(lengths > maxlen):.1%}")
    (bars,) = fig.data
    assert bars.type == "bar"  # counted here, not binned by plotly
    np.testing.assert_array_equal(_f32(bars.y), np.bincount(lengths).astype(np.float32))
    np.testing.assert_array_equal(bars.x, np.arange(lengths.max() + 1))
    cut = _f32(bars.marker.color)
    np.testing.assert_array_equal(cut, (np.arange(lengths.max() + 1) > maxlen).astype(np.float32))
    assert bars.marker.colorscale[-1][1] == CUT_COLOR
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == maxlen + 0.5  # between the last kept length and the first cut
    (note,) = fig.layout.annotations
    assert note.text == f"maxlen {maxlen}: {np.mean(lengths > maxlen):.1%}"
    assert note.x == maxlen + 0.5


def test_length_histogram_x_range_does_not_follow_maxlen_within_the_data():
    lengths = np.array([1, 3, 3, 8, 20])
    ranges = {tuple(_lengths(lengths, m).layout.xaxis.range) for m in (0, 5, 12, 20)}
    assert ranges == {(-0.5, 21.0)}
    assert tuple(_lengths(lengths, 40).layout.xaxis.range) == (-0.5, 41.0)  # the line stays in
    assert _lengths(np.zeros(0, dtype=int), 4).data[0].y.tolist() == [0.0]


def test_length_histogram_refuses_lengths_that_are_not_token_counts():
    with pytest.raises(ValueError, match="≥ 0"):
        _lengths(np.array([3, -1]), 4)
    with pytest.raises(ValueError, match="whole"):
        _lengths(np.array([1.5, 2.0]), 4)


# oov_curve


def _oov(current, current_share, point_label="here"):
    num_words = np.array([10, 30, 100, 300, 1000, 3000, 10000])
    share = 0.9 * (num_words / 10.0) ** -0.45
    return (
        viz.oov_curve(
            num_words,
            share,
            current,
            current_share,
            title="T",
            x_label="num_words",
            y_label="OOV",
            point_label=point_label,
        ),
        num_words,
        share,
    )


def test_oov_curve_draws_the_share_on_a_log_axis_and_marks_the_current_choice():
    fig, num_words, share = _oov(1000, 0.113, "num_words 1000: 11.3%")
    curve, point = fig.data
    np.testing.assert_array_equal(curve.x, num_words)
    np.testing.assert_array_equal(_f32(curve.y), share.astype(np.float32))
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.tickformat == ".0%" and fig.layout.yaxis.range[0] == 0.0
    assert list(point.x) == [1000]
    np.testing.assert_array_equal(_f32(point.y), np.float32([0.113]))
    (note,) = fig.layout.annotations
    assert note.text == "num_words 1000: 11.3%"
    assert note.x == pytest.approx(math.log10(1000))  # a log axis places notes by log10
    assert note.y == pytest.approx(0.113) and note.showarrow
    assert list(fig.layout.xaxis.ticktext) == ["10", "100", "1,000", "10,000"]


def test_moving_the_current_num_words_leaves_the_curve_alone():
    first, *_ = _oov(100, 0.32)
    second, *_ = _oov(3000, 0.07)
    sent, again = first.to_dict()["data"], second.to_dict()["data"]  # as the browser gets them
    assert sent[0] == again[0]
    assert sent[1] != again[1]


def test_oov_curve_refuses_num_words_that_do_not_increase():
    with pytest.raises(ValueError, match="increasing"):
        viz.oov_curve(
            np.array([100, 10]), np.array([0.1, 0.5]), 10, 0.5, title="", x_label="",
            y_label="", point_label="",
        )  # fmt: skip


# probability_bar


def test_probability_bar_is_coloured_by_the_side_of_the_threshold():
    labels = ("negative", "positive")
    high = viz.probability_bar(0.8734, labels=labels, title="P")
    low = viz.probability_bar(0.2, labels=labels, title="P", threshold=0.3)
    (bar,) = high.data
    np.testing.assert_array_equal(_f32(bar.x), np.float32([0.8734]))
    assert bar.orientation == "h" and list(bar.text) == ["0.873"]
    assert bar.marker.color == POSITIVE_COLOR
    assert low.data[0].marker.color == NEGATIVE_COLOR
    assert viz.probability_bar(0.3, labels=labels, title="P", threshold=0.3).data[
        0
    ].marker.color == (POSITIVE_COLOR)  # at the threshold: positive, as Keras' `p >= 0.5`
    (line,) = low.layout.shapes
    assert line.x0 == line.x1 == 0.3
    assert tuple(high.layout.xaxis.range) == (0.0, 1.0)
    assert list(low.layout.xaxis.tickvals) == [0.0, 0.3, 1.0]
    left, right = high.layout.annotations
    assert (left.text, left.x, left.xanchor) == ("negative", 0.0, "left")
    assert (right.text, right.x, right.xanchor) == ("positive", 1.0, "right")
    assert high.layout.height == PROBABILITY_HEIGHT[False] == 160


def test_probability_bar_refuses_what_is_not_a_probability():
    for p in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="probability"):
            viz.probability_bar(p, labels=("a", "b"), title="")
    with pytest.raises(ValueError, match="threshold"):
        viz.probability_bar(0.5, labels=("a", "b"), title="", threshold=1.0)


# confusion_matrix


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    matrix = np.array([[412, 88], [61, 439]])
    fig = viz.confusion_matrix(
        matrix, labels=["negative", "positive"], title="T", x_label="predicted", y_label="true"
    )
    (cells,) = fig.data
    np.testing.assert_array_equal(_f32(cells.z), matrix.astype(np.float32))
    assert list(cells.x) == list(cells.y) == ["negative", "positive"]
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 (true negative) on top
    assert (cells.zmin, cells.zmax) == (0.0, matrix.max())
    assert cells.colorscale == tuple(tuple(p) for p in theme.SEQUENTIAL_SCALE)
    assert cells.texttemplate == "%{z:,.0f}"
    assert "true: %{y}" in cells.hovertemplate and "predicted: %{x}" in cells.hovertemplate
    assert fig.layout.xaxis.title.text == "predicted" and fig.layout.yaxis.title.text == "true"


def test_confusion_matrix_takes_k_classes_and_refuses_a_non_square_one():
    fig = viz.confusion_matrix(
        np.eye(3) * 4, labels=["a", "b", "c"], title="", x_label="", y_label=""
    )
    assert fig.data[0].z.shape == (3, 3)
    with pytest.raises(ValueError, match="square"):
        viz.confusion_matrix(np.ones((2, 3)), labels=["a", "b"], title="", x_label="", y_label="")
    with pytest.raises(ValueError, match="labels"):
        viz.confusion_matrix(np.ones((2, 2)), labels=["a"], title="", x_label="", y_label="")
