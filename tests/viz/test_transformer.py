"""viz.transformer: the encoder–decoder shape flow and the masked attention map, on tiny inputs."""

import numpy as np
import pytest

import viz
from viz import theme
from viz.transformer import CROSS_COLOR, HIDDEN_COLOR, MAX_PLOT_PX, MIN_PLOT_PX

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
    """(x centre, y0, y1, line colour) of every box, encoder's first (they are drawn first)."""
    return [
        ((shape["x0"] + shape["x1"]) / 2, shape["y0"], shape["y1"], shape["line"]["color"])
        for shape in layout["shapes"]
    ]


def test_the_memory_sits_right_above_the_box_that_reads_it_and_an_arrow_joins_them():
    layout = flow()
    drawn = boxes(layout)
    encoder, decoder = drawn[: len(ENCODER)], drawn[len(ENCODER) :]
    assert len(decoder) == len(DECODER)
    memory, cross = encoder[-1], decoder[2]
    assert memory[0] == cross[0]  # the same x
    assert memory[1] > cross[2]  # the encoder row above the decoder row
    assert cross[3] == CROSS_COLOR and {box[3] for box in drawn if box != cross} != {CROSS_COLOR}
    arrows = [a for a in layout["annotations"] if a.get("showarrow")]
    down = [a for a in arrows if a["arrowcolor"] == CROSS_COLOR]
    assert len(down) == 1
    assert (down[0]["ax"], down[0]["x"]) == (memory[0], cross[0])
    assert (down[0]["ay"], down[0]["y"]) == (memory[1], cross[2])  # bottom of one, top of other
    # one arrow between neighbours in each row, pointing right
    side = [a for a in arrows if a is not down[0]]
    assert len(side) == len(ENCODER) - 1 + len(DECODER) - 1
    assert all(a["x"] > a["ax"] and a["y"] == a["ay"] for a in side)


def test_every_box_carries_its_name_and_shape_with_line_breaks():
    texts = [a["text"] for a in flow()["annotations"]]
    assert "<b>masked<br>self-attention</b>" in texts
    assert "(B, S)<br>(1, 4)" in texts
    assert "<b>Encoder</b>" in texts and "memory" in texts
    markup = viz.encoder_decoder_flow([("<b>x</b>", "(1,)")], [("y", "(1,)")], cross=0).to_dict()[
        "layout"
    ]
    assert "<b>&lt;b&gt;x&lt;/b&gt;</b>" in [a["text"] for a in markup["annotations"]]


def test_the_row_names_get_room_in_the_left_margin():
    short = flow(encoder_name="E", decoder_name="D")
    long = flow(encoder_name="인코더 블록 하나", decoder_name="D")
    assert long["margin"]["l"] > short["margin"]["l"]
    assert long["margin"]["l"] >= theme.text_px("인코더 블록 하나", theme.font_size(False))
    names = [a for a in long["annotations"] if a.get("xref") == "paper"]
    assert {a["xanchor"] for a in names} == {"right"}


def test_boxes_fit_the_figure_and_presentation_is_taller():
    layout = flow()
    low, high = layout["yaxis"]["range"]
    assert all(low <= y0 < y1 <= high for _, y0, y1, _ in boxes(layout))
    margin = layout["margin"]
    assert layout["height"] == margin["t"] + margin["b"] + high  # one pixel per y unit
    assert flow(presentation=True)["height"] > layout["height"]


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
