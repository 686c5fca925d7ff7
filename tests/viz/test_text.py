"""viz.text on tiny arrays: the word index, the padded grid, one-hot × table, similarities,
neighbours and the table's gradient — float32 data, honest colours, escaped caller's words."""

import itertools

import numpy as np
import pytest
from viz_support import grid_case, onehot_case

import viz
from viz import text as viz_text
from viz import theme

WORDS = ["the", "<b>cat</b>", "고양이", "sat"]
ESCAPED_CAT = "&lt;b&gt;cat&lt;/b&gt;"


def _f32(array):
    assert isinstance(array, np.ndarray), type(array)
    assert array.dtype == np.float32
    return array


# word_index_bars


def test_word_index_bars_follow_the_word_index_with_kept_and_dropped_colours():
    fig = viz.word_index_bars(
        WORDS,
        [4, 3, 2, 1],
        kept=[True, True, False, True],
        kept_name="kept",
        dropped_name="<dropped>",
        x_title="word",
        y_title="count",
    )
    labels = ["1 · the", f"2 · {ESCAPED_CAT}", "3 · 고양이", "4 · sat"]
    assert list(fig.layout.xaxis.categoryarray) == labels  # word_index order, index from 1
    assert fig.layout.xaxis.categoryorder == "array"
    dropped_color, kept_color = theme.MASK_COLORS
    kept, dropped = fig.data
    assert (kept.name, dropped.name) == ("kept", "&lt;dropped&gt;")
    assert kept.marker.color == kept_color and dropped.marker.color == dropped_color
    assert list(kept.x) == [labels[0], labels[1], labels[3]]
    np.testing.assert_array_equal(_f32(kept.y), [4, 3, 1])
    assert list(dropped.x) == [labels[2]]
    np.testing.assert_array_equal(_f32(dropped.y), [2])
    assert fig.layout.barmode == "overlay"  # each bar full width at its own word
    assert fig.layout.showlegend is True
    assert kept.hovertemplate == "word: %{x}<br>count: %{y}<br>kept<extra></extra>"


def test_word_index_bars_leave_out_an_empty_colour_and_show_the_first_limit_words():
    fig = viz.word_index_bars(["a", "b", "c"], [3, 2, 1], kept=[True] * 3)
    assert [trace.name for trace in fig.data] == ["kept"]
    words = [f"w{i}" for i in range(200)]
    big = viz.word_index_bars(words, np.arange(200, 0, -1), kept=np.arange(200) < 150)
    assert len(big.layout.xaxis.categoryarray) == viz_text.MAX_SHOWN
    assert big.layout.xaxis.categoryarray[-1] == "128 · w127"
    assert big.data[0].texttemplate is None  # no numbers on 128 bars
    small = viz.word_index_bars(words, np.arange(200, 0, -1), kept=[True] * 200, limit=5)
    assert len(small.data[0].x) == 5


def test_word_index_bars_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="kept has shape"):
        viz.word_index_bars(["a", "b"], [1, 2], kept=[True])
    with pytest.raises(ValueError, match="got 1 words for 2 counts"):
        viz.word_index_bars(["a"], [1, 2], kept=[True, True])
    with pytest.raises(ValueError, match="limit"):
        viz.word_index_bars(["a"], [1], kept=[True], limit=0)


# padded_grid


def test_padded_grid_writes_every_id_and_colours_pads_and_tokens():
    ids, kinds, _ = grid_case()
    fig = viz.padded_grid(
        ids, kinds=kinds, row_labels=["a", "b", "c"], names={"pad": "빈칸", "token": "token"}
    )
    assert len(fig.data) == 1  # nothing was cut: no cut cells, no line
    grid = fig.data[0]
    np.testing.assert_array_equal(_f32(grid.z), kinds)
    assert [list(row) for row in grid.text] == [[str(v) for v in row] for row in ids]
    assert grid.texttemplate == "%{text}"
    assert grid.customdata[1][0] == "빈칸" and grid.customdata[1][2] == "token"
    assert list(grid.colorbar.ticktext) == ["빈칸", "token"]
    # Two flat colour steps: 0 is the pad colour, 1 the token colour.
    assert grid.colorscale[0][1] == grid.colorscale[1][1] == viz_text.PAD_COLOR
    assert grid.colorscale[-1][1] == viz_text.TOKEN_COLOR
    assert (grid.zmin, grid.zmax) == (-0.5, 1.5)
    assert list(fig.layout.xaxis.ticktext) == ["0", "1", "2", "3"]
    np.testing.assert_array_equal(fig.layout.xaxis.tickvals, [0, 1, 2, 3])
    assert not fig.layout.shapes


@pytest.mark.parametrize("side", ["pre", "post"])
def test_padded_grid_shows_what_truncation_cut_off_beside_the_matrix(side):
    ids, kinds, cut = grid_case()
    fig = viz.padded_grid(
        ids, kinds=kinds, cut=cut, cut_side=side, row_labels=["a", "b", "c"], names={"cut": "cut"}
    )
    grid, removed = fig.data
    L, K = ids.shape[1], 3
    z = _f32(removed.z)
    assert z.shape == (3, K)
    text = [list(row) for row in removed.text]
    if side == "pre":  # left of column 0, right-aligned against the ids they were cut from
        assert text == [["", "", "1"], ["", "", ""], ["7", "8", "9"]]
        assert removed.x0 + K - 1 < 0  # the last cut column still stands left of column 0
        line = fig.layout.shapes[0].x0
        assert removed.x0 + K - 1 + 0.5 <= line <= -0.5
    else:  # right of column L-1, left-aligned against them
        assert text == [["1", "", ""], ["", "", ""], ["7", "8", "9"]]
        assert removed.x0 > L - 1
        line = fig.layout.shapes[0].x0
        assert L - 0.5 <= line <= removed.x0 - 0.5
    filled = ~np.isnan(z)
    assert filled.tolist() == [[t != "" for t in row] for row in text]
    assert np.all(z[filled] == 2.0)  # the third colour step: cut
    assert removed.colorscale[-1][1] == viz_text.CUT_COLOR
    assert removed.textfont.lineposition == "through"  # struck through
    assert removed.showscale is False and grid.colorbar.ticktext[-1] == "cut"
    assert fig.layout.shapes[0].line.dash == "dash"
    assert fig.layout.shapes[0].yref == "paper"
    lo, hi = fig.layout.xaxis.range
    assert lo <= removed.x0 - 0.5 and hi >= removed.x0 + K - 0.5  # the cut cells are in view
    assert list(fig.layout.xaxis.ticktext) == ["0", "1", "2", "3"]  # kept columns only
    assert fig.layout.annotations[0].text == "cut"


def test_padded_grid_shows_non_integer_pad_values_and_escapes_row_labels():
    fig = viz.padded_grid(
        np.array([[-1, 5]]), kinds=[[0, 1]], row_labels=["<b>x</b>"], names={"pad": "pad"}
    )
    assert list(fig.data[0].y) == ["&lt;b&gt;x&lt;/b&gt;"]
    assert list(fig.data[0].text[0]) == ["-1", "5"]


def test_padded_grid_stops_writing_ids_in_cells_too_small_to_read():
    ids = np.ones((2, 60), dtype=int)
    fig = viz.padded_grid(ids, kinds=ids, row_labels=["a", "b"])
    assert fig.data[0].texttemplate is None
    assert fig.data[0].xgap == 0
    assert len(fig.layout.xaxis.tickvals) <= 32


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kinds": [[0, 1]]}, "kinds has shape"),
        ({"kinds": [[0, 2], [1, 1]]}, "0 \\(padding\\) or 1"),
        ({"cut": [()]}, "cut rows"),
        ({"cut_side": "middle"}, "cut_side"),
        ({"row_labels": ["a"]}, "row labels"),
    ],
)
def test_padded_grid_rejects_bad_inputs(kwargs, message):
    options = {"kinds": [[1, 1], [0, 1]], "row_labels": ["a", "b"], **kwargs}
    with pytest.raises(ValueError, match=message):
        viz.padded_grid(np.array([[1, 2], [0, 3]]), **options)


# onehot_lookup


def test_onehot_lookup_draws_three_panels_on_honest_scales():
    onehot, table, product, picked = onehot_case()
    fig = viz.onehot_lookup(
        onehot,
        table,
        product,
        tokens=["a", "b", "a"],
        vocab=["0", "1", "2", "3", "<4>"],
        picked=picked,
        titles=["one-hot", "W", "one-hot × W"],
    )
    hot, weights, rows = fig.data
    np.testing.assert_array_equal(_f32(hot.z), onehot)
    np.testing.assert_array_equal(_f32(weights.z), table)
    np.testing.assert_array_equal(_f32(rows.z), product)
    assert hot.colorscale == theme.SEQUENTIAL_SCALE and (hot.zmin, hot.zmax) == (0.0, 1.0)
    for trace in (weights, rows):  # the product IS those rows: one diverging scale for both
        assert trace.colorscale == theme.DIVERGING_SCALE
        assert (trace.zmin, trace.zmax, trace.zmid) == (-4.5, 4.5, 0.0)
    assert [hot.showscale, weights.showscale, rows.showscale] == [False, False, None]
    assert [(t.xaxis, t.yaxis) for t in fig.data] == [("x", "y"), ("x2", "y2"), ("x3", "y")]
    vocab_rows = ["0 · 0", "1 · 1", "2 · 2", "3 · 3", "4 · &lt;4&gt;"]
    assert list(hot.x) == vocab_rows and list(weights.y) == vocab_rows  # id v is row v
    assert list(hot.y) == list(rows.y) == ["0 · a", "1 · b", "2 · a"]
    domains = [fig.layout[f"xaxis{k}"].domain for k in ("", "2", "3")]
    assert domains[0][0] == 0.0 and domains[-1][1] == pytest.approx(1.0)
    for left, right in itertools.pairwise(domains):
        assert left[1] < right[0]
    assert [a.text for a in fig.layout.annotations] == [
        "one-hot (3, 5)",
        "W (5, 2)",
        "one-hot × W (3, 2)",
    ]


def test_onehot_lookup_outlines_each_picked_row_once():
    onehot, table, product, picked = onehot_case()
    fig = viz.onehot_lookup(
        onehot,
        table,
        product,
        tokens=["a", "b", "a"],
        vocab=list("abcde"),
        picked=picked,
        titles=["x", "y", "z"],
        shapes=False,
    )
    outlines = fig.layout.shapes
    assert [(s.y0 + s.y1) / 2 for s in outlines] == [1, 3]  # rows 1 and 3, row 1 only once
    for shape in outlines:
        assert shape.type == "rect" and shape.yref == "y2" and shape.xref == "x2 domain"
        assert (shape.x0, shape.x1) == (0.0, 1.0) and shape.y1 - shape.y0 == 1
        assert shape.line.color == viz_text.USED_COLOR
    assert [a.text for a in fig.layout.annotations] == ["x", "y", "z"]


def test_onehot_lookup_keeps_the_first_limit_rows_and_full_shapes_in_titles():
    V = 200
    picked = np.array([3, 150])
    onehot = np.eye(V)[picked]
    table = np.ones((V, 4))
    fig = viz.onehot_lookup(
        onehot,
        table,
        onehot @ table,
        tokens=["a", "b"],
        vocab=[str(i) for i in range(V)],
        picked=picked,
        titles=["h", "W", "p"],
    )
    assert _f32(fig.data[0].z).shape == (2, viz_text.MAX_SHOWN)
    assert _f32(fig.data[1].z).shape == (viz_text.MAX_SHOWN, 4)
    assert [(s.y0 + s.y1) / 2 for s in fig.layout.shapes] == [3]  # 150 is past the cut
    assert fig.layout.annotations[1].text == "W (200, 4)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"product": np.zeros((3, 3))}, "do not chain"),
        ({"picked": np.array([1, 3])}, "one integer id per token"),
        ({"picked": np.array([1, 5, 0])}, "0…4"),
        ({"titles": ["a", "b"]}, "3 titles"),
        ({"vocab": ["a"]}, "vocab labels"),
    ],
)
def test_onehot_lookup_rejects_bad_inputs(change, message):
    onehot, table, product, picked = onehot_case()
    options = dict(
        product=product, tokens=["a", "b", "c"], vocab=list("abcde"), picked=picked,
        titles=["a", "b", "c"],
    )  # fmt: skip
    options.update(change)
    product = options.pop("product")
    with pytest.raises(ValueError, match=message):
        viz.onehot_lookup(onehot, table, product, **options)


# similarity_heatmap


def test_similarity_heatmap_is_diverging_on_minus_one_to_one_with_values_in_cells():
    matrix = np.array([[1.0, 0.2, -0.5], [0.2, 1.0, 0.1], [-0.5, 0.1, 1.0]])
    fig = viz.similarity_heatmap(matrix, ["king", "<b>queen</b>", "사과"], value_name="cos")
    trace = fig.data[0]
    np.testing.assert_array_equal(_f32(trace.z), matrix.astype(np.float32))
    assert trace.colorscale == theme.DIVERGING_SCALE
    assert (trace.zmin, trace.zmax, trace.zmid) == (-1.0, 1.0, 0.0)  # fixed, never fitted
    assert list(trace.x) == list(trace.y) == ["king", "&lt;b&gt;queen&lt;/b&gt;", "사과"]
    assert trace.texttemplate == "%{z:.2f}"
    assert trace.hovertemplate == "%{y} × %{x}<br>cos: %{z:.3f}<extra></extra>"
    assert fig.layout.yaxis.scaleanchor == "x"  # square cells


def test_similarity_heatmap_writes_values_up_to_twelve_words_and_keeps_its_range():
    n12 = viz.similarity_heatmap(np.eye(12) * 0.1, [str(i) for i in range(12)])
    n13 = viz.similarity_heatmap(np.eye(13) * 0.1, [str(i) for i in range(13)])
    assert n12.data[0].texttemplate == "%{z:.2f}"
    assert n13.data[0].texttemplate is None
    assert (n13.data[0].zmin, n13.data[0].zmax) == (-1.0, 1.0)
    big = viz.similarity_heatmap(np.eye(300), [str(i) for i in range(300)])
    assert _f32(big.data[0].z).shape == (128, 128)
    with pytest.raises(ValueError, match="square"):
        viz.similarity_heatmap(np.ones((2, 3)), ["a", "b"])


# score_bars


def test_score_bars_put_the_best_on_top():
    fig = viz.score_bars(
        ["man", "<b>queen</b>", "apple", "nan"], np.array([0.4, 0.9, -0.2, np.nan]), x_title="cos"
    )
    trace = fig.data[0]
    assert trace.orientation == "h"
    assert list(trace.y) == ["&lt;b&gt;queen&lt;/b&gt;", "man", "apple", "nan"]
    np.testing.assert_array_equal(_f32(trace.x)[:3], np.float32([0.9, 0.4, -0.2]))
    assert np.isnan(trace.x[3])  # no score sorts last
    assert fig.layout.yaxis.autorange == "reversed"  # the first bar is drawn on top
    assert trace.texttemplate == "%{x:.3f}"
    assert trace.hovertemplate == "%{y}<br>cos: %{x:.4f}<extra></extra>"
    lo, hi = fig.layout.xaxis.range
    assert lo < -0.2 and hi > 0.9  # room for the numbers written beside the bars


def test_score_bars_keep_ties_in_order_and_show_the_first_limit():
    fig = viz.score_bars(["a", "b", "c"], [0.5, 0.5, 0.7])
    assert list(fig.data[0].y) == ["c", "a", "b"]
    many = viz.score_bars([f"w{i}" for i in range(300)], np.linspace(0, 1, 300), limit=10)
    assert list(many.data[0].y)[:2] == ["w299", "w298"] and len(many.data[0].y) == 10
    with pytest.raises(ValueError, match="labels"):
        viz.score_bars(["a"], [0.1, 0.2])


# table_gradient


def test_table_gradient_marks_used_rows_and_shows_zero_rows_as_zero():
    grad = np.array([[0.0, 0.0], [1.5, -3.0], [0.0, 0.0], [0.25, 0.5]])
    fig = viz.table_gradient(
        grad,
        vocab=["<pad>", "<b>cat</b>", "dog", "sat"],
        used=[False, True, False, True],
        counts=[0, 2, 0, 1],
        value_name="∂L/∂W",
    )
    marker, heatmap = fig.data
    np.testing.assert_array_equal(_f32(heatmap.z), grad)
    assert heatmap.colorscale == theme.DIVERGING_SCALE
    assert (heatmap.zmin, heatmap.zmax, heatmap.zmid) == (-3.0, 3.0, 0.0)
    assert list(heatmap.y) == [
        "0 · &lt;pad&gt;",
        f"<b>1 · {ESCAPED_CAT}</b>",  # bold is ours, the word's own markup is escaped
        "2 · dog",
        "<b>3 · sat</b>",
    ]
    assert list(marker.y) == list(heatmap.y)
    np.testing.assert_array_equal(_f32(marker.z), [[0], [1], [0], [1]])
    assert marker.colorscale[-1][1] == viz_text.USED_COLOR
    assert [row[0] for row in marker.text] == ["0", "2", "0", "1"]
    assert [list(row) for row in heatmap.text] == [["0", "0"], ["", ""], ["0", "0"], ["", ""]]
    assert "∂L/∂W: %{z:.4f}" in heatmap.hovertemplate
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis2.domain[0]  # the marker column first
    assert fig.layout.plot_bgcolor == theme.GRID_COLOR  # cell gaps draw a grid around white zeros


def test_table_gradient_survives_an_all_zero_table_and_slices_large_ones():
    zero = viz.table_gradient(np.zeros((2, 3)), vocab=["a", "b"], used=[False, False])
    assert (zero.data[1].zmin, zero.data[1].zmax) == (-1.0, 1.0)
    assert "%{z:.0f}" in zero.data[0].hovertemplate  # no counts given: used as 0 or 1
    big = viz.table_gradient(
        np.ones((300, 200)), vocab=[str(i) for i in range(300)], used=np.ones(300, bool)
    )
    assert _f32(big.data[1].z).shape == (128, 128)
    assert big.data[1].text is None  # no "0" written in cells too small to read
    with pytest.raises(ValueError, match="used has shape"):
        viz.table_gradient(np.zeros((2, 3)), vocab=["a", "b"], used=[True])
