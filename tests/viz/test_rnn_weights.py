"""viz.weight_bands: one panel per gate band, in Keras' layout (bands side by side in the columns)
and PyTorch's (bands stacked in the rows), each band's colour the caller's, one colour axis."""

import itertools
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from viz_support import strings

import viz

COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]


def bands(names):
    return [(name, COLORS[g]) for g, name in enumerate(names)]


def kernel(rows=3, G=4, k=2):
    return np.arange(rows * G * k, dtype=np.float32).reshape(rows, G * k) - rows * G * k / 2


def test_columns_draw_each_band_as_its_own_panel_of_the_same_numbers():
    values = kernel()
    figure = viz.weight_bands(values, bands=bands("ifco"), along="columns")
    assert len(figure.data) == 4
    for g, trace in enumerate(figure.data):
        np.testing.assert_array_equal(trace.z, values[:, 2 * g : 2 * g + 2])
        np.testing.assert_array_equal(trace.x, [0, 1])  # the unit inside its gate
        assert trace.coloraxis == "coloraxis" and trace.yaxis == "y"
        assert trace.xaxis == ("x" if g == 0 else f"x{g + 1}")
    layout = figure.to_dict()["layout"]
    domains = [layout["xaxis" + ("" if g == 0 else str(g + 1))]["domain"] for g in range(4)]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(domains))  # left to right
    assert domains[0][0] == 0 and domains[-1][1] == pytest.approx(1.0)


def test_each_band_is_named_and_marked_in_its_own_colour():
    fig = viz.weight_bands(kernel(), bands=bands("ifco"), along="columns").to_dict()
    names = [a for a in fig["layout"]["annotations"]]
    assert [a["text"] for a in names] == list("ifco")
    assert [a["font"]["color"] for a in names] == COLORS
    strips = fig["layout"]["shapes"]
    assert [s["fillcolor"] for s in strips] == COLORS
    assert [s["xref"] for s in strips] == ["x domain", "x2 domain", "x3 domain", "x4 domain"]
    # Four names over narrow bands: every other one a line higher, so they cannot collide.
    shifts = [a["yshift"] for a in names]
    assert shifts[0] == shifts[2] < shifts[1] == shifts[3]


def test_rows_stack_the_bands_top_down_and_keep_the_numbers_in_place():
    values = kernel().T  # (G·k, rows): PyTorch's layout of the same matrix
    figure = viz.weight_bands(values, bands=bands("ifgo"), along="rows")
    layout = figure.to_dict()["layout"]
    for g, trace in enumerate(figure.data):
        np.testing.assert_array_equal(trace.z, values[2 * g : 2 * g + 2])
        np.testing.assert_array_equal(trace.y, [0, 1])
        assert trace.xaxis == "x"
    domains = [layout["yaxis" + ("" if g == 0 else str(g + 1))]["domain"] for g in range(4)]
    assert domains[0][1] == pytest.approx(1.0)  # the first band on top
    assert all(a[0] > b[1] for a, b in itertools.pairwise(domains))
    assert layout["xaxis"]["anchor"] == "y4"  # feature numbers under the bottom band
    labels = [a for a in layout["annotations"]]
    assert [a["font"]["color"] for a in labels] == COLORS
    # The names stand left of the unit numbers, with room for them in the margin.
    assert all(a["xshift"] < 0 for a in labels)
    assert layout["margin"]["l"] > -labels[0]["xshift"]


def test_one_colour_axis_centred_at_zero_the_callers_range_if_given():
    values = kernel()
    fig = viz.weight_bands(values, bands=bands("ifco"), along="columns").to_dict()
    axis = fig["layout"]["coloraxis"]
    peak = float(np.abs(values).max())
    assert (axis["cmin"], axis["cmax"], axis["cmid"]) == (-peak, peak, 0.0)
    shared = viz.weight_bands(
        values, bands=bands("ifco"), along="columns", zrange=(-50.0, 50.0)
    ).to_dict()
    assert (shared["layout"]["coloraxis"]["cmin"], shared["layout"]["coloraxis"]["cmax"]) == (
        -50.0,
        50.0,
    )


def test_a_figure_can_leave_the_colorbar_to_its_neighbour():
    args = dict(bands=bands("ifco"), along="columns", zrange=(-1.0, 1.0))
    with_bar = viz.weight_bands(kernel(), **args).to_dict()["layout"]
    without = viz.weight_bands(kernel(), colorbar=False, **args).to_dict()["layout"]
    assert with_bar["coloraxis"]["showscale"] is True
    assert without["coloraxis"]["showscale"] is False
    assert without["margin"]["r"] < with_bar["margin"]["r"]


def test_bias_rows_and_columns_carry_the_callers_names():
    keras_bias = np.stack([np.arange(6.0), -np.arange(6.0)])  # (2, 3U): GRU reset_after=True
    fig = viz.weight_bands(
        keras_bias, bands=bands("zrh"), along="columns", other_labels=["input", "recurrent"]
    ).to_dict()
    assert fig["data"][0]["y"] == ["input", "recurrent"]
    torch_bias = keras_bias.T  # (3U, 2)
    fig = viz.weight_bands(
        torch_bias, bands=bands("rzn"), along="rows", other_labels=["bias_ih", "bias_hh"]
    ).to_dict()
    assert fig["data"][0]["x"] == ["bias_ih", "bias_hh"]
    assert fig["layout"]["xaxis"]["tickangle"] == 0  # two words stand upright


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        (kernel(), dict(bands=bands("ifco"), along="diagonal"), "along"),
        (kernel(), dict(bands=[], along="columns"), "bands is empty"),
        (kernel(G=4, k=2), dict(bands=bands("zrh"), along="columns"), "3 equal bands"),
        (np.zeros(4), dict(bands=bands("h"), along="columns"), "2-D"),
        (kernel(), dict(bands=bands("ifco"), along="columns", other_labels=["a"]), "labels"),
    ],
)
def test_bad_input_says_what_to_pass(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.weight_bands.uncached(values, **kwargs)


def rows_figure(presentation=False):
    """PyTorch's layout with every word the caller's: Korean, markup, named bias columns."""
    return viz.weight_bands(
        np.vstack([kernel(3, 1, 2).T, -kernel(3, 1, 2).T]),
        bands=[("주의 가중치", COLORS[0]), ("<i>z</i> & more", COLORS[1])],
        along="rows",
        other_labels=["bias_ih", "<b>hh</b>", "x"],
        title="<i>PyTorch</i>",
        band_title="유닛",
        other_title="feature",
        hover_name="값",
        presentation=presentation,
    )


@pytest.mark.parametrize("presentation", [False, True])
def test_the_rows_layout_keeps_the_house_rules(presentation):
    figure = rows_figure(presentation)
    sent = json.loads(pio.to_json(figure))
    for trace in sent["data"]:  # numbers as float32 / int32 typed arrays, labels as lists
        assert trace["z"]["dtype"] == "f4" and trace["y"]["dtype"] == "i4"
        assert all(isinstance(v, str) for v in trace["x"])
    shown = list(strings(figure.to_plotly_json()))
    for word in ("주의 가중치", "<i>z</i> & more", "<b>hh</b>", "<i>PyTorch</i>", "유닛", "값"):
        assert any(viz.label(word) in text for text in shown), word
    assert not any("<i>z" in text or "<b>hh" in text for text in shown)
    layout = sent["layout"]
    assert layout["margin"]["autoexpand"] is False
    assert all(not spec.get("automargin", False) for k, spec in layout.items() if "axis" in k)
    assert json.loads(pio.to_json(go.Figure(figure.to_dict()))) == sent  # valid plotly
    if presentation:
        normal = rows_figure(False).to_dict()["layout"]
        assert layout["font"]["size"] > normal["font"]["size"]
        assert layout["height"] >= normal["height"]
