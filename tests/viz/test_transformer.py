"""viz.transformer: the encoder–decoder shape flow and the masked attention map, on tiny inputs."""

import itertools

import numpy as np
import pytest

import viz
from viz import theme
from viz.transformer import (
    CELL_PX,
    CROSS_COLOR,
    HIDDEN_COLOR,
    MAX_PLOT_PX,
    MIN_PLOT_PX,
    WIDTH_PX,
    map_cell,
)

ENCODER = [("source ids", "(B, S)\n(1, 4)"), ("self", "(1, 4, 4, 4)"), ("memory", "(1, 4, 16)")]
DECODER = [
    ("decoder ids", "(B, T)\n(1, 6)"),
    ("masked\nself-attention", "(1, 4, 6, 6)"),
    ("cross", "(1, 4, 6, 4)"),
    ("out", "(1, 6, 16)"),
]


def flow(**kw):
    options = dict(cross=2, encoder_name="Encoder", decoder_name="Decoder", memory_name="memory")
    options.update(kw)
    return viz.encoder_decoder_flow(ENCODER, DECODER, **options).to_dict()["layout"]


def boxes(layout):
    """(x0, x1, y0, y1, line colour) of every box, the encoder's first (they are drawn first)."""
    return [
        (shape["x0"], shape["x1"], shape["y0"], shape["y1"], shape["line"]["color"])
        for shape in layout["shapes"]
    ]


def test_the_memory_arrow_leaves_the_encoders_last_box_for_the_box_that_reads_it():
    layout = flow()
    drawn = boxes(layout)
    encoder, decoder = drawn[: len(ENCODER)], drawn[len(ENCODER) :]
    assert len(decoder) == len(DECODER)
    memory, cross = encoder[-1], decoder[2]
    assert memory[1] < cross[0]  # the encoder's column left of the decoder's
    assert cross[4] == CROSS_COLOR
    assert all(box[4] != CROSS_COLOR for box in drawn if box != cross)
    arrows = [a for a in layout["annotations"] if a.get("showarrow")]
    amber = [a for a in arrows if a["arrowcolor"] == CROSS_COLOR]
    assert len(amber) == 1
    (arrow,) = amber
    assert (arrow["ax"], arrow["ay"]) == (memory[1], (memory[2] + memory[3]) / 2)  # right edge
    assert (arrow["x"], arrow["y"]) == (cross[0], (cross[2] + cross[3]) / 2)  # left edge


def test_each_column_reads_upwards_from_its_inputs_like_the_papers_figure():
    layout = flow()
    drawn = boxes(layout)
    for column in (drawn[: len(ENCODER)], drawn[len(ENCODER) :]):
        assert len({(x0, x1) for x0, x1, *_ in column}) == 1  # one column, one width
        for below, above in itertools.pairwise(column):
            assert below[3] < above[2]  # the next box stands above the last
    arrows = [a for a in layout["annotations"] if a.get("showarrow")]
    upward = [a for a in arrows if a["arrowcolor"] != CROSS_COLOR]
    assert len(upward) == len(ENCODER) - 1 + len(DECODER) - 1
    assert all(a["x"] == a["ax"] and a["y"] > a["ay"] for a in upward)


def test_every_box_carries_its_name_and_shape_with_line_breaks():
    texts = [a["text"] for a in flow()["annotations"]]
    assert "<b>masked<br>self-attention</b>" in texts
    assert "(B, S)<br>(1, 4)" in texts
    assert "<b>Encoder</b>" in texts and "memory" in texts
    markup = viz.encoder_decoder_flow([("<b>x</b>", "(1,)")], [("y", "(1,)")], cross=0).to_dict()[
        "layout"
    ]
    assert "<b>&lt;b&gt;x&lt;/b&gt;</b>" in [a["text"] for a in markup["annotations"]]


def test_boxes_are_as_wide_as_their_longest_words_and_the_column_names_stand_below():
    short = boxes(flow())[0]
    long_names = [(name + " with many more words", shape) for name, shape in ENCODER]
    wide = boxes(viz.encoder_decoder_flow(long_names, DECODER, cross=2).to_dict()["layout"])[0]
    assert wide[1] - wide[0] > short[1] - short[0]
    tick = theme.font_size(False) - 1
    assert short[1] - short[0] >= theme.text_px("self-attention", tick)
    layout = flow()
    lowest = min(box[2] for box in boxes(layout))
    names = [a for a in layout["annotations"] if a["text"] in ("<b>Encoder</b>", "<b>Decoder</b>")]
    assert len(names) == 2 and all(a["y"] < lowest for a in names)


def test_the_figure_holds_its_boxes_at_one_pixel_per_unit():
    layout = flow()
    x_low, x_high = layout["xaxis"]["range"]
    y_low, y_high = layout["yaxis"]["range"]
    for x0, x1, y0, y1, _ in boxes(layout):
        assert x_low <= x0 < x1 <= x_high and y_low <= y0 < y1 <= y_high
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis"]["scaleratio"] == 1
    margin = layout["margin"]
    assert layout["height"] == margin["t"] + margin["b"] + y_high  # one pixel per y unit
    projected = flow(presentation=True)
    assert projected["height"] > layout["height"]
    assert projected["xaxis"]["range"][1] > x_high  # larger type, wider boxes


@pytest.mark.parametrize("cross", [-1, 4, 1.5, True])
def test_a_cross_box_that_does_not_exist_is_refused(cross):
    with pytest.raises(ValueError, match="cross"):
        viz.encoder_decoder_flow(ENCODER, DECODER, cross=cross)


def test_empty_rows_are_refused():
    with pytest.raises(ValueError, match="encoder is empty"):
        viz.encoder_decoder_flow([], DECODER, cross=0)
    with pytest.raises(ValueError, match="decoder"):
        viz.encoder_decoder_flow(ENCODER, [("a", "b", "c")], cross=0)


# ----------------------------------------------------------------------------- the masked map
CAUSAL = np.triu(np.ones((3, 3), dtype=bool), 1)
WEIGHTS = np.array([[1.0, 0.0, 0.0], [0.25, 0.75, 0.0], [0.2, 0.3, 0.5]])


def test_hidden_cells_are_painted_over_weights_that_keep_their_values():
    figure = viz.masked_attention_heatmap(
        WEIGHTS, ["a", "b", "c"], ["a", "b", "c"], hidden=CAUSAL, hidden_name="hidden"
    )
    weights, cover = figure.data
    np.testing.assert_array_equal(weights.z, WEIGHTS.astype(np.float32))
    assert weights.z.dtype == np.float32
    assert (weights.zmin, weights.zmax) == (0.0, 1.0)  # probabilities: a scale from 0 to 1
    assert np.array_equal(~np.isnan(cover.z), CAUSAL)  # only the hidden cells are covered
    assert cover.colorscale[0][1] == HIDDEN_COLOR and cover.showscale is False
    assert "hidden" in cover.hovertemplate
    assert list(weights.y) == ["0 · a", "1 · b", "2 · c"]


def test_no_mask_no_cover_and_no_key():
    figure = viz.masked_attention_heatmap(WEIGHTS, ["a", "b", "c"], ["x", "y", "z"])
    assert len(figure.data) == 1
    assert not figure.layout.annotations
    covered = viz.masked_attention_heatmap(WEIGHTS, list("abc"), list("xyz"), hidden=CAUSAL)
    assert covered.layout.margin.t > figure.layout.margin.t  # room for the key above


def test_the_map_grows_with_its_queries_within_bounds():
    def plot_px(rows, presentation=False):
        layout = viz.masked_attention_heatmap(
            np.full((rows, 2), 0.5), [str(i) for i in range(rows)], ["x", "y"],
            presentation=presentation,
        ).to_dict()["layout"]  # fmt: skip
        return layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]

    assert plot_px(2) == MIN_PLOT_PX[False]
    assert plot_px(12) > plot_px(10) > MIN_PLOT_PX[False]
    assert plot_px(128) == MAX_PLOT_PX[False]
    assert plot_px(2, True) > plot_px(2)


def test_a_wide_cross_attention_map_has_one_label_per_key():
    weights = np.full((2, 5), 0.2)
    figure = viz.masked_attention_heatmap(weights, ["[start]", "the"], list("abcde"))
    assert len(figure.data[0].x) == 5 and len(figure.data[0].y) == 2


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="hidden"):
        viz.masked_attention_heatmap(WEIGHTS, list("abc"), list("abc"), hidden=np.ones((2, 3)))
    with pytest.raises(ValueError, match="key labels"):
        viz.masked_attention_heatmap(WEIGHTS, list("abc"), list("ab"))
    with pytest.raises(ValueError, match="2-D"):
        viz.masked_attention_heatmap(np.ones(3), list("abc"), list("abc"))


def test_a_two_line_title_gets_a_second_line_of_room():
    one = viz.masked_attention_heatmap(WEIGHTS, list("abc"), list("abc"), title="Cross-attention")
    two = viz.masked_attention_heatmap(
        WEIGHTS, list("abc"), list("abc"), title="Cross-attention\nline 1 · <b>head</b> 2"
    )
    assert two.layout.title.text == "Cross-attention<br>line 1 · &lt;b&gt;head&lt;/b&gt; 2"
    assert two.layout.margin.t > one.layout.margin.t
    assert two.layout.height > one.layout.height


@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize(("rows", "cols"), [(4, 4), (6, 4), (6, 40), (20, 20), (128, 128)])
def test_a_maps_cells_fit_half_a_page_and_fill_its_height(rows, cols, presentation):
    cell = map_cell(rows, cols, presentation)
    assert cols * cell <= WIDTH_PX[presentation] + 1e-9  # never wider than half a page
    assert rows * cell <= MAX_PLOT_PX[presentation] + 1e-9
    small = rows * CELL_PX[presentation] < MIN_PLOT_PX[presentation]
    if small and MIN_PLOT_PX[presentation] / rows * cols <= WIDTH_PX[presentation]:
        assert rows * cell == pytest.approx(MIN_PLOT_PX[presentation])  # grown to be read
    layout = viz.masked_attention_heatmap(
        np.full((rows, cols), 1 / cols), [f"q{i}" for i in range(rows)],
        [f"k{j}" for j in range(cols)], presentation=presentation,
    ).to_dict()["layout"]  # fmt: skip
    plot = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    assert plot == int(rows * cell)  # no empty band under a width-bound map
