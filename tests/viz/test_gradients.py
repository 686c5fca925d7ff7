"""viz.gradients on tiny arrays: gradient norms through depth and time, activation histograms,
std against theory, clipping and loss curves — float32 data, log axes that survive 0 and NaN,
escaped caller's words, fixed margins."""

import numpy as np
import pytest

import viz
from viz import theme

ESCAPED_B = "&lt;b&gt;x&lt;/b&gt;"


def _f32(array):
    assert isinstance(array, np.ndarray), type(array)
    assert array.dtype == np.float32
    return array


def test_a_dict_in_another_order_is_another_figure():
    a, b = np.ones(3), np.full(3, 2.0)
    first = viz.layer_norms({"a": a, "b": b})
    swapped = viz.layer_norms({"b": b, "a": a})
    assert [t.name for t in first.data] == ["a", "b"]
    assert [t.name for t in swapped.data] == ["b", "a"]  # the memo did not hand back `first`
    assert viz.layer_norms([("a", a), ("b", b)]) is first  # pairs are the same input
    assert first.to_dict() == viz.layer_norms.uncached({"a": a, "b": b}).to_dict()


# layer_norms


def test_layer_norms_draw_layers_on_a_log_axis_with_a_dashed_reference():
    values = {"sigmoid": np.array([1e-4, 1e-3, 1e-2, 0.1]), "<b>x</b>": np.ones(4)}
    reference = 0.25 ** np.arange(4, 0, -1)
    fig = viz.layer_norms(
        values, x_title="layer l", y_title="‖∂L/∂W‖", reference=reference, reference_name="0.25ᴸ"
    )
    sigmoid, markup, ref = fig.data
    assert fig.layout.yaxis.type == "log"
    np.testing.assert_array_equal(sigmoid.x, [1, 2, 3, 4])
    np.testing.assert_allclose(_f32(sigmoid.y), values["sigmoid"], rtol=1e-6)
    assert sigmoid.mode == "lines+markers"
    assert (sigmoid.name, markup.name) == ("sigmoid", ESCAPED_B)
    assert sigmoid.line.color != markup.line.color
    assert ref.line.dash == "dash" and ref.name == "0.25ᴸ" and ref.mode == "lines"
    np.testing.assert_allclose(_f32(ref.y), reference, rtol=1e-6)
    assert "layer l: %{x}" in sigmoid.hovertemplate
    assert "‖∂L/∂W‖: %{y:.3e}" in sigmoid.hovertemplate
    assert fig.layout.showlegend is True
    assert not fig.layout.annotations  # everything was drawn


def test_layer_norms_take_one_array_without_a_legend_and_can_be_linear():
    fig = viz.layer_norms(np.array([0.5, 0.0, 2.0]), log=False)
    (line,) = fig.data
    assert fig.layout.yaxis.type is None  # linear: plotly's default
    np.testing.assert_array_equal(_f32(line.y), [0.5, 0.0, 2.0])  # 0 is drawable on a line
    assert line.showlegend is False and fig.layout.showlegend is False
    assert not fig.layout.annotations


def test_zeros_and_nan_are_gaps_on_a_log_axis_and_said_so_at_the_foot():
    values = np.array([1e-3, 0.0, np.nan, np.inf, 0.5])
    fig = viz.layer_norms({"tanh": values}, x_title="layer")
    y = _f32(fig.data[0].y)
    assert np.isnan(y[[1, 2, 3]]).all()  # gaps, never plotted as some value
    np.testing.assert_allclose(y[[0, 4]], [1e-3, 0.5], rtol=1e-6)
    assert fig.data[0].connectgaps is False
    notes = fig.layout.annotations
    assert [(n.x, n.text) for n in notes] == [(2, "0"), (3, "NaN"), (4, "inf")]
    for note in notes:
        assert note.xref == "x" and note.yref == "paper" and note.y == 0.0
        assert note.hovertext.startswith("tanh<br>layer: ")
        assert note.font.color == fig.data[0].line.color
    assert notes[1].hovertext == "tanh<br>layer: 3<br>NaN"
    # A reference's undrawable values are gaps too, without notes.
    ref = viz.layer_norms(np.ones(2), reference=np.array([0.0, 1.0]), reference_name="r")
    assert np.isnan(ref.data[1].y[0]) and not ref.layout.annotations


def test_a_series_with_no_drawable_value_still_builds():
    fig = viz.layer_norms(np.zeros(3))
    assert np.isnan(fig.data[0].y).all()
    assert len(fig.layout.annotations) == 3


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        (np.ones((2, 2)), {}, "1-D array"),
        ({"a": np.ones(3), "b": np.ones(2)}, {}, "has 2 values, expected 3"),
        (np.ones(3), {"reference": np.ones(2)}, "reference has 2 values for 3 layers"),
        ({}, {}, "empty"),
        (np.ones(0), {}, "no layers"),
        ({"a": np.ones(0)}, {}, "has no values"),
    ],
)
def test_layer_norms_reject_bad_shapes(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.layer_norms(values, **kwargs)


# activation_histograms


def test_activation_histograms_colour_the_fraction_of_units_from_zero():
    counts = np.array([[1, 2, 1], [0, 4, 0], [0, 0, 0]])
    edges = np.array([-1.0, -0.25, 0.25, 1.0])
    fig = viz.activation_histograms(counts, edges, x_title="<b>x</b>", y_title="layer")
    (heat,) = fig.data
    np.testing.assert_allclose(_f32(heat.z), [[0.25, 0.5, 0.25], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(_f32(heat.x), edges)  # bins+1 edges: plotly draws the bins
    np.testing.assert_array_equal(heat.y, [1, 2, 3])
    assert heat.colorscale == theme.SEQUENTIAL_SCALE
    assert (heat.zmin, heat.zmax) == (0.0, 1.0)
    assert fig.layout.xaxis.title.text == ESCAPED_B
    assert (
        heat.hovertemplate
        == f"layer: %{{y}}<br>{ESCAPED_B}: %{{x:.3g}}<br>%{{z:.1%}}<extra></extra>"
    )


@pytest.mark.parametrize(
    ("counts", "edges", "message"),
    [
        (np.ones(3), np.arange(4.0), "counts must be a 2-D array"),
        (np.ones((2, 3)), np.arange(3.0), "edges has 3 values for 3 bins"),
        (np.ones((2, 3)), np.array([0.0, 2.0, 1.0, 3.0]), "strictly increasing"),
        (-np.ones((2, 3)), np.arange(4.0), "≥ 0"),
    ],
)
def test_activation_histograms_reject_bad_inputs(counts, edges, message):
    with pytest.raises(ValueError, match=message):
        viz.activation_histograms(counts, edges)


# weight_histogram


def test_weight_histogram_shows_the_shares_and_each_promise_at_plus_minus():
    counts, edges = np.array([1, 3, 4, 2]), np.array([-0.2, -0.1, 0.0, 0.1, 0.2])
    fig = viz.weight_histogram(counts, edges, lines={"σ theory": 0.1, "ℓ": -0.17})
    bars, sigma, limit = fig.data
    np.testing.assert_allclose(_f32(bars.y), counts / counts.sum(), rtol=1e-6)
    np.testing.assert_allclose(_f32(bars.x), [-0.15, -0.05, 0.05, 0.15], rtol=1e-6)
    x = _f32(sigma.x)
    assert x[0] == x[1] == np.float32(-0.1) and x[3] == x[4] == np.float32(0.1)
    assert np.isnan(x[2])  # the two lines of a pair are not joined
    assert sigma.name == "σ theory" and limit.name == "ℓ"
    assert _f32(limit.x)[3] == np.float32(0.17)  # a negative value is a distance: ±|v|
    assert sigma.line.dash != limit.line.dash
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] >= 0.4
    zero = viz.weight_histogram(np.zeros(3), np.array([-1.0, -0.5, 0.5, 1.0]))
    assert len(zero.data) == 1 and not np.isnan(_f32(zero.data[0].y)).any()


@pytest.mark.parametrize(
    ("counts", "edges", "lines", "message"),
    [
        (np.ones(3), np.linspace(-1, 1, 3), {}, "edges has 3 values for 3 bins"),
        (np.ones(2), np.array([0.0, 0.0, 1.0]), {}, "finite and increasing"),
        (np.ones(2), np.array([0.0, 0.5, 1.0]), {"σ": float("nan")}, "finite number"),
    ],
)
def test_weight_histogram_rejects_bad_inputs(counts, edges, lines, message):
    with pytest.raises(ValueError, match=message):
        viz.weight_histogram(counts, edges, lines=lines)


# time_norms


def test_time_norms_label_tokens_and_draw_gaps_on_a_log_axis():
    fig = viz.time_norms(
        {"SimpleRNN tanh": np.array([1.0, 0.1, 0.0]), "LSTM c": np.array([1.0, 0.9, 0.8])},
        tokens=["the", "<b>x</b>", "the"],
        y_title="‖∂L/∂hₜ‖",
    )
    rnn, lstm = fig.data
    labels = ["0 · the", f"1 · {ESCAPED_B}", "2 · the"]
    assert list(rnn.x) == labels and list(fig.layout.xaxis.categoryarray) == labels
    assert fig.layout.yaxis.type == "log"
    assert np.isnan(_f32(rnn.y)[2]) and rnn.connectgaps is False
    np.testing.assert_allclose(_f32(lstm.y), [1.0, 0.9, 0.8], rtol=1e-6)
    (note,) = fig.layout.annotations
    assert (note.x, note.text) == (2, "0")
    assert note.hovertext == "SimpleRNN tanh<br>2 · the<br>0"
    with pytest.raises(ValueError, match="got 2 tokens for 3 time steps"):
        viz.time_norms({"a": np.ones(3)}, tokens=["a", "b"])
    with pytest.raises(ValueError, match="dict of name"):
        viz.time_norms(np.ones(3), tokens=["a", "b", "c"])


def test_time_norms_stand_many_tokens_on_end():
    tokens = [f"token{i}" for i in range(20)]
    fig = viz.time_norms({"GRU": np.linspace(1, 2, 20)}, tokens=tokens)
    assert fig.layout.xaxis.tickangle == -90
    assert fig.layout.margin.b >= theme.text_px("19 · token19", theme.font_size(False) - 1)


# clip_bars


def test_clip_bars_group_before_and_each_method():
    fig = viz.clip_bars(
        ["W", "<b>x</b>"],
        np.array([3.0, 4.0]),
        {"clipnorm": np.array([0.6, 0.8]), "clipvalue": np.array([1.0, 1.0])},
        y_title="‖g‖",
        before_name="before",
    )
    assert fig.layout.barmode == "group"
    assert [t.name for t in fig.data] == ["before", "clipnorm", "clipvalue"]
    assert all(t.type == "bar" for t in fig.data)
    assert list(fig.data[0].x) == ["W", ESCAPED_B]
    np.testing.assert_allclose(_f32(fig.data[0].y), [3.0, 4.0])
    np.testing.assert_allclose(_f32(fig.data[1].y), [0.6, 0.8], rtol=1e-6)
    assert fig.data[0].marker.color == theme.BEFORE_COLOR
    assert len({t.marker.color for t in fig.data}) == 3
    assert fig.layout.yaxis.range[0] == 0.0 and fig.layout.yaxis.range[1] >= 4.0
    with pytest.raises(ValueError, match="got 1 names for 2 variables"):
        viz.clip_bars(["W"], np.ones(2), {"m": np.ones(2)})
    with pytest.raises(ValueError, match=r"after\['m'\] has 3 values, expected 2"):
        viz.clip_bars(["W", "b"], np.ones(2), {"m": np.ones(3)})


# loss_curves


def test_loss_curves_stop_at_the_first_nan_and_mark_it():
    fig = viz.loss_curves(
        {
            "lr=0.01": np.array([2.0, 1.5, 1.2, 1.0, 0.9]),
            "lr=10": np.array([2.0, 5.0, np.nan, 3.0, np.nan]),
        },
        x_title="step",
        y_title="loss",
    )
    calm, wild, blowup = fig.data
    np.testing.assert_array_equal(calm.x, [1, 2, 3, 4, 5])
    np.testing.assert_allclose(_f32(calm.y), [2.0, 1.5, 1.2, 1.0, 0.9], rtol=1e-6)
    np.testing.assert_array_equal(wild.x, [1, 2])  # the line stops before step 3
    np.testing.assert_allclose(_f32(wild.y), [2.0, 5.0])
    assert list(blowup.x) == [3]  # the first NaN step
    np.testing.assert_allclose(_f32(blowup.y), [5.0])  # at the last finite loss
    assert list(blowup.text) == ["NaN"] and blowup.mode == "markers+text"
    assert blowup.marker.color == wild.line.color and blowup.showlegend is False
    assert blowup.legendgroup == wild.legendgroup
    assert blowup.hovertemplate == "lr=10<br>step: %{x}<br>NaN<extra></extra>"
    assert fig.layout.yaxis.type is None


def test_loss_curves_on_a_log_axis_and_a_run_that_fails_at_once():
    fig = viz.loss_curves(
        {"ok": np.array([1.0, 0.0, 0.5]), "<b>x</b>": np.array([np.inf, 1.0, 1.0])}, log=True
    )
    ok, bad, mark = fig.data
    assert fig.layout.yaxis.type == "log"
    assert np.isnan(_f32(ok.y)[1])  # 0 is a gap on a log axis
    assert len(bad.x) == 0 and bad.name == ESCAPED_B
    assert list(mark.x) == [1] and list(mark.text) == ["inf"]
    np.testing.assert_allclose(_f32(mark.y), [0.5])  # lowest drawable loss of any run
    with pytest.raises(ValueError, match="1-D array"):
        viz.loss_curves({"a": np.ones((2, 2))})


def test_clip_bars_on_a_log_axis_span_every_positive_norm():
    before = np.array([1.2e4, 150.0, 0.0], dtype=np.float32)
    after = {"clipnorm": np.array([1.0, 1.0, 0.0], dtype=np.float32)}
    fig = viz.clip_bars(["W1", "b1", "W2"], before, after, log=True)
    axis = fig.layout.yaxis
    assert axis.type == "log"
    low, high = axis.range
    assert 10**low <= 1.0 / 2 * 1.0001 and 10**high >= 1.2e4 * 2 * 0.9999
    linear = viz.clip_bars(["W1", "b1", "W2"], before, after)
    assert linear.layout.yaxis.type != "log" and linear.layout.yaxis.range[0] == 0


def test_a_legend_that_wraps_gets_its_rows_above_the_plot():
    y = np.ones(4, dtype=np.float32)
    one = viz.time_norms({"tanh": y}, tokens=list("abcd"), presentation=True)
    names = ["SimpleRNN tanh", "SimpleRNN ReLU", "LSTM ‖∂L/∂hₜ‖", "GRU", "LSTM cell path ‖∂L/∂cₜ‖"]
    five = viz.time_norms({n: y for n in names}, tokens=list("abcd"), presentation=True)
    extra = five.layout.margin.t - one.layout.margin.t
    assert extra >= 2 * (theme.font_size(True) + 10)  # at least two more rows on a projector
    assert five.layout.height - one.layout.height == extra  # the plot itself keeps its height
