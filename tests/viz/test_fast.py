"""What keeps a slider fast, checked on the figures themselves (timings are the bench's job):
fixed margins that still fit every label, a datarevision that follows the data, builders that
build each distinct figure once, and a browser dict made once and shared."""

import json

import numpy as np
import plotly.io as pio
import pytest
from viz_support import BUILDERS, TOKENS, VALUES, _build

import viz
from viz import theme


def _axes(layout: dict):
    for name, spec in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            yield name, spec


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("presentation", [False, True])
def test_no_figure_asks_plotly_for_automatic_margins(name, presentation):
    layout = json.loads(pio.to_json(_build(name, presentation=presentation)))["layout"]
    assert layout["margin"]["autoexpand"] is False
    for axis, spec in _axes(layout):
        assert spec.get("automargin", False) is False, axis  # plotly's default is off


@pytest.mark.parametrize("name", BUILDERS)
def test_text_ticks_along_the_bottom_stand_on_end_and_numbers_upright(name):
    layout = _build(name).to_dict()["layout"]
    for axis, spec in _axes(layout):
        if axis.startswith("xaxis") and spec.get("visible", True) and "tickangle" in spec:
            assert spec["tickangle"] in (0, -90), axis


def test_the_left_margin_fits_the_longest_row_label_and_grows_with_it():
    short = viz.token_heatmap(VALUES, ["a", "b", "c"], y_title="token").to_dict()["layout"]
    words = ["a", "b", "extraordinarily"]
    long = viz.token_heatmap(VALUES, words, y_title="token").to_dict()["layout"]
    korean = viz.token_heatmap(VALUES, ["a", "b", "고양이가피곤해서"], y_title="token")
    korean = korean.to_dict()["layout"]
    tick = theme.font_size(False) - 1
    assert long["margin"]["l"] > short["margin"]["l"]
    assert long["margin"]["l"] >= theme.text_px("2 · extraordinarily", tick)
    # Hangul is about twice as wide as Latin letters: eight syllables need room for sixteen.
    assert korean["margin"]["l"] >= theme.text_px("2 · " + "가" * 8, tick)
    assert theme.text_px("가나다", 15) > theme.text_px("abc", 15)


def test_the_bottom_margin_fits_words_on_end_and_the_axis_title():
    keys = ["the", "internationalization", "cat"]
    layout = viz.attention_heatmap(np.eye(3), keys, keys, x_title="key").to_dict()["layout"]
    tick = theme.font_size(False) - 1
    assert layout["margin"]["b"] >= theme.text_px("1 · internationalization", tick) + tick


def test_long_tokens_are_cut_on_the_axis_and_stay_distinct():
    labels = viz.row_labels(["a" * 40, "a" * 40])
    assert labels[0] != labels[1]
    assert all(len(label) <= len("0 · ") + theme.MAX_LABEL_CHARS for label in labels)
    assert labels[0].endswith("…")
    assert viz.row_labels(["short"]) == ["0 · short"]


def test_a_colorbar_gets_room_on_the_right():
    layout = viz.token_heatmap(VALUES * 1000, TOKENS).to_dict()["layout"]
    assert layout["margin"]["r"] >= theme.colorbar_room(["−8888"])
    assert (
        layout["margin"]["r"] > viz.token_heatmap(VALUES, TOKENS).to_dict()["layout"]["margin"]["r"]
    )


def test_datarevision_follows_the_data_and_nothing_else():
    base = viz.token_heatmap(VALUES, TOKENS, title="a").to_dict()["layout"]["datarevision"]
    retitled = viz.token_heatmap(VALUES, TOKENS, title="b").to_dict()["layout"]["datarevision"]
    changed = viz.token_heatmap(VALUES + 1e-3, TOKENS, title="a").to_dict()["layout"]
    relabelled = viz.token_heatmap(VALUES, ["x", "y", "z"], title="a").to_dict()["layout"]
    assert base == retitled
    assert changed["datarevision"] != base
    assert relabelled["datarevision"] != base


@pytest.mark.parametrize("name", BUILDERS)
def test_every_builder_builds_each_distinct_figure_once(name):
    assert _build(name) is _build(name)


def test_builders_build_each_distinct_figure_once():
    first = viz.token_heatmap(VALUES, TOKENS, title="memo")
    again = viz.token_heatmap(VALUES.copy(), list(TOKENS), title="memo")
    assert again is first  # equal content, other objects: the same figure
    assert viz.token_heatmap(VALUES, TOKENS, title="memo2") is not first
    other = VALUES.copy()
    other[0, 0] += 0.5
    assert viz.token_heatmap(other, TOKENS, title="memo") is not first
    # float64 and float32 of the same numbers are different inputs: no collision by value
    assert viz.token_heatmap(VALUES.astype(np.float32), TOKENS, title="memo") is not first


def test_arguments_the_digest_does_not_know_are_built_every_time():
    class Opaque:
        def __str__(self):
            return "t"

    one = viz.token_heatmap(VALUES, TOKENS, title=Opaque())
    two = viz.token_heatmap(VALUES, TOKENS, title=Opaque())
    assert one is not two
    assert one.to_dict() == two.to_dict()


def test_the_memo_is_bounded():
    for i in range(theme.MEMO_ENTRIES + 20):
        viz.feature_bars(np.array([float(i), 1.0]))
    assert len(theme._memo) <= theme.MEMO_ENTRIES


def test_the_browser_dict_is_made_once_and_equals_a_fresh_one():
    fig = viz.token_heatmap(VALUES, TOKENS, title="dict once")
    assert fig.to_dict() is fig.to_dict()
    assert fig.to_dict() == viz.token_heatmap.uncached(VALUES, TOKENS, title="dict once").to_dict()


def test_mask_cells_keep_their_gaps_only_while_they_are_large():
    small = viz.mask_heatmap(np.ones((4, 4)), ["a", "b", "c", "d"]).to_dict()["data"][0]
    wide = viz.mask_heatmap(np.ones((4, 128)), ["a", "b", "c", "d"]).to_dict()["data"][0]
    tall = viz.mask_heatmap(np.ones((128, 4)), [str(i) for i in range(128)]).to_dict()["data"][0]
    assert (small["xgap"], small["ygap"]) == (1, 1)
    assert (wide["xgap"], wide["ygap"]) == (0, 1)
    assert (tall["xgap"], tall["ygap"]) == (1, 0)
