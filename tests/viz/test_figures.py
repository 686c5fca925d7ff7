"""Every builder at once: valid plotly, float32 typed arrays on the wire, the caller's words
shown escaped, larger type in presentation mode."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from viz_support import BUILDERS, TOKENS, VALUES, WEIGHTS, Words, _build, strings  # noqa: F401

import viz
from viz import theme


def test_every_builder_is_exported():
    for name in BUILDERS:
        assert name in viz.__all__, name


@pytest.mark.parametrize("name", BUILDERS)
def test_every_word_the_caller_gives_is_shown_escaped(name):
    words = Words()
    fig = _build(name, words)
    assert len(words.used) >= 3
    shown = list(strings(fig.to_plotly_json()))
    for word in words.used:
        assert any(viz.label(word) in text for text in shown), f"{name}: {word!r} is not shown"
    assert viz.label("<i>tricky</i> & more") == "&lt;i&gt;tricky&lt;/i&gt; &amp; more"
    # The markup word never reaches plotly unescaped.
    assert not any("<i>" in text for text in shown)


@pytest.mark.parametrize("name", BUILDERS)
def test_the_title_is_the_callers(name):
    words = Words()
    fig = _build(name, words)
    titled = {viz.label(word) for word in words.used}
    if fig.layout.title.text:
        assert fig.layout.title.text in titled
    else:  # panels of one figure carry their titles as annotations
        notes = [a.text for a in fig.layout.annotations or ()]
        assert any(n and n.startswith(t) for n in notes for t in titled), name


@pytest.mark.parametrize("name", BUILDERS)
def test_presentation_mode_uses_larger_type(name):
    normal = _build(name)
    projected = _build(name, presentation=True)
    assert projected.layout.font.size > normal.layout.font.size
    if normal.layout.title.text:
        assert projected.layout.title.font.size > normal.layout.title.font.size
    assert projected.layout.height >= normal.layout.height
    if normal.layout.yaxis.tickfont.size is not None:
        assert projected.layout.yaxis.tickfont.size > normal.layout.yaxis.tickfont.size
    for a, b in zip(normal.data, projected.data, strict=True):
        if getattr(a, "textfont", None) is not None and a.textfont.size is not None:
            assert b.textfont.size > a.textfont.size


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("presentation", [False, True])
def test_figures_are_valid_plotly(name, presentation):
    # The builders skip plotly's validation for speed; rebuilding validated must change nothing.
    fig = _build(name, presentation=presentation)
    fast = json.loads(pio.to_json(fig))
    validated = json.loads(pio.to_json(go.Figure(fig.to_dict())))
    assert fast == validated


@pytest.mark.parametrize("name", BUILDERS)
def test_numbers_reach_the_browser_as_typed_arrays_never_lists(name):
    sent = json.loads(pio.to_json(_build(name)))
    for trace in sent["data"]:
        for key in ("x", "y", "z"):
            if key not in trace:
                continue
            value = trace[key]
            if isinstance(value, list):  # only labels may travel as a list
                assert all(isinstance(v, str) for v in value), (name, key, value)
            else:
                assert set(value) >= {"dtype", "bdata"}, (name, key)
                assert key != "z" or value["dtype"] == "f4", (name, key)
                assert key == "x" or value["dtype"] in ("f4", "i4"), (name, key)
        color = trace.get("marker", {}).get("color")
        assert color is None or isinstance(color, str) or "bdata" in color
    for trace in _build(name).data:  # values are float32 (a heatmap's row numbers are int32)
        if isinstance(trace.y, np.ndarray) and trace.type != "heatmap":
            assert trace.y.dtype == np.float32, (name, trace.name)


def _decode(typed):
    array = np.frombuffer(base64.b64decode(typed["bdata"]), dtype=np.dtype(typed["dtype"]))
    shape = typed.get("shape")
    if shape:
        dims = shape if isinstance(shape, list) else str(shape).split(",")
        array = array.reshape([int(d) for d in dims])
    return array


def test_heatmap_z_is_sent_as_float32_bdata():
    fig = viz.token_heatmap(VALUES, TOKENS)
    z = json.loads(pio.to_json(fig))["data"][0]["z"]
    assert z["dtype"] == "f4"
    assert "bdata" in z
    np.testing.assert_array_equal(_decode(z), VALUES.astype(np.float32))


def test_bars_and_histogram_values_are_sent_as_float32_bdata():
    bars = json.loads(pio.to_json(viz.feature_bars(VALUES[:, 0])))["data"][0]
    assert bars["y"]["dtype"] == "f4"
    np.testing.assert_array_equal(_decode(bars["y"]), VALUES[:, 0].astype(np.float32))
    hist = json.loads(pio.to_json(viz.histogram_with_marker(VALUES.ravel())))["data"][0]
    assert hist["x"]["dtype"] == "f4"


def test_figure_falls_back_to_validation_when_plotly_lacks_the_fast_path(monkeypatch):
    real = go.Figure

    def strict_figure(*args, **kwargs):
        if "_validate" in kwargs:
            raise TypeError("invalid Figure property: _validate")
        return real(*args, **kwargs)

    expected = json.loads(pio.to_json(viz.token_heatmap(VALUES, TOKENS)))
    monkeypatch.setattr(theme.go, "Figure", strict_figure)
    fig = viz.token_heatmap.uncached(VALUES, TOKENS)  # the memo would hand back the first one
    assert isinstance(fig, real)
    assert json.loads(pio.to_json(fig)) == expected


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("presentation", [False, True])
def test_fast_to_dict_equals_plotlys_and_leaves_the_figure_alone(name, presentation):
    fig = _build(name, presentation=presentation)
    ours = fig.to_dict()
    theirs = go.Figure.to_dict(fig)  # plotly's own: deep copy, then encode the arrays
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)
    for trace in fig.data:  # still numpy arrays inside the figure: nothing was encoded in place
        for key in ("x", "y", "z"):
            value = getattr(trace, key, None)
            assert value is None or not isinstance(value, dict)


def test_image_group_ids_share_a_mean_the_way_each_norm_averages():
    from viz.lessons import group_ids

    B, C, P, G = 2, 4, 3, 2  # 2 images, 4 channels of 3 cells each, 2 groups
    channel = np.arange(C * P) // P
    assert (group_ids("layernorm", B, 1, C, G, P) == np.arange(B)[:, None]).all()
    assert (group_ids("batchnorm", B, 1, C, G, P) == channel[None, :]).all()
    assert (group_ids("instancenorm", B, 1, C, G, P)[1] == C + channel).all()
    assert (group_ids("groupnorm", B, 1, C, G, P)[1] == G + channel // (C // G)).all()
    figure = viz.norm_axes_diagram(B, 1, C, G, positions=P, titles={})
    assert all(len(trace.x) == C * P for trace in figure.data)
