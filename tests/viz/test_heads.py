"""viz.heads: every head on one scale, one cell outlined, one row's weighted sum. The house rules
(escaped words, typed arrays, fixed margins, presentation sizes) run on these builders through
tests/viz_support.py; here, what each figure says."""

import numpy as np
import pytest

import viz
from viz.heads import GRID_WIDTH_PX, HIGHLIGHT, grid_columns

RNG = np.random.default_rng(0)


def softmax_rows(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def heads(H: int, T: int) -> np.ndarray:
    return softmax_rows(RNG.normal(size=(H, T, T)))


def tokens(T: int) -> list[str]:
    return [f"w{i}" for i in range(T)]


def grid(H: int, T: int, **kw):
    return viz.head_grid(
        heads(H, T), tokens(T), tokens(T), titles=[f"head {h + 1}" for h in range(H)], **kw
    )


# --- head_grid --------------------------------------------------------------------------------


@pytest.mark.parametrize("H", [1, 2, 3, 4, 6, 8, 12, 16, 32, 64])
def test_one_panel_per_head_every_one_on_the_one_shared_scale(H):
    weights = heads(H, 5)
    fig = viz.head_grid(
        weights, tokens(5), tokens(5), titles=[f"head {h + 1}" for h in range(H)], selected=H - 1
    )
    assert len(fig.data) == H
    for h, trace in enumerate(fig.data):
        assert trace.coloraxis == "coloraxis"  # no panel has a scale of its own
        assert trace.z.dtype == np.float32
        np.testing.assert_array_equal(trace.z, weights[h].astype(np.float32))
        assert trace.xaxis == ("x" if h == 0 else f"x{h + 1}")
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0.0, 1.0)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:-1] == [f"head {h + 1}" for h in range(H - 1)]
    assert titles[-1] == f"<b>head {H}</b>"  # the selected head's title stands out


def test_the_selected_head_and_only_it_is_outlined():
    fig = grid(6, 4, selected=4)
    (shape,) = fig.layout.shapes
    assert shape.xref == "x5 domain" and shape.yref == "y5 domain"
    assert shape.line.color == HIGHLIGHT
    assert not grid(6, 4).layout.shapes  # nothing selected, nothing outlined


def test_the_grid_keeps_rows_of_up_to_four_panels_then_eight_and_stays_square():
    assert [grid_columns(H) for H in (1, 2, 3, 4, 5, 8, 16, 17, 64)] == [1, 2, 3, 4, 4, 4, 4, 8, 8]
    fig = grid(12, 4)
    domains = {(tuple(fig.layout[f"xaxis{s}"].domain)) for s in ["", *map(str, range(2, 13))]}
    assert len(domains) == 4  # three rows of the same four columns
    for suffix in ["", "7"]:
        y = fig.layout[f"yaxis{suffix}"]
        assert y.scaleanchor == f"x{suffix}" and y.scaleratio == 1  # square cells
    # The figure is as tall as its rows of square panels: 3 rows take more than 1 row.
    assert grid(12, 4).layout.height > grid(4, 4).layout.height
    assert grid(64, 4).layout.height > grid(16, 4).layout.height


def test_tick_labels_only_while_each_row_has_room_for_one():
    few = grid(4, 6).layout
    assert few.yaxis.showticklabels and few.yaxis.dtick == 1
    assert not few.yaxis2.showticklabels  # only the first column names the queries
    assert few.xaxis.showticklabels  # one row: every panel is a bottom panel
    many = grid(4, 60).layout
    assert not many.yaxis.showticklabels and not many.xaxis.showticklabels
    crowded = grid(32, 6).layout  # eight narrow columns: hover names the cells
    assert not crowded.yaxis.showticklabels


def test_every_cell_hovers_with_its_head_query_key_and_weight():
    fig = viz.head_grid(
        heads(2, 3),
        ["a", "b", "c"],
        ["a", "b", "c"],
        titles=["head 1", "head 2"],
        x_title="key",
        y_title="query",
        hover_name="weight",
    )
    hover = fig.data[1].hovertemplate
    assert hover.startswith("head 2<br>query: %{y}<br>key: %{x}<br>weight: %{z:.4f}")


def test_the_grid_fits_the_page_width_it_is_made_for():
    layout = grid(4, 6).layout
    plot = GRID_WIDTH_PX - layout.margin.l - layout.margin.r
    assert layout.margin.l + layout.margin.r < GRID_WIDTH_PX / 3
    assert layout.height - layout.margin.t - layout.margin.b <= plot  # one row, square panels


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(titles=["one"]), "titles"),
        (dict(titles=["1", "2"], selected=2), "selected"),
    ],
)
def test_a_grid_asked_for_the_impossible_says_what(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.head_grid(heads(2, 3), tokens(3), tokens(3), **kwargs)


# --- cell_heatmap -----------------------------------------------------------------------------


def test_the_chosen_cell_is_outlined_and_its_row_framed():
    weights = heads(1, 6)[0]
    fig = viz.cell_heatmap(weights, tokens(6), tokens(6), cell=(2, 4))
    row, cell = fig.layout.shapes
    assert (row.x0, row.x1, row.y0, row.y1) == (-0.5, 5.5, 1.5, 2.5)  # every key of row 2
    assert (cell.x0, cell.x1, cell.y0, cell.y1) == (3.5, 4.5, 1.5, 2.5)
    assert cell.line.color == HIGHLIGHT
    np.testing.assert_array_equal(fig.data[0].z, weights.astype(np.float32))
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0.0, 1.0)


def test_hidden_cells_are_grey_on_their_own_and_only_where_hidden():
    weights = np.tril(np.ones((4, 4))) / np.arange(1, 5)[:, None]
    hidden = np.triu(np.ones((4, 4), dtype=bool), 1)
    fig = viz.cell_heatmap(weights, tokens(4), tokens(4), hidden=hidden, hidden_name="masked")
    overlay = fig.data[1]
    assert overlay.showscale is False
    np.testing.assert_array_equal(np.isnan(overlay.z), ~hidden)
    assert "masked" in overlay.hovertemplate
    plain = viz.cell_heatmap(weights, tokens(4), tokens(4), hidden=np.zeros((4, 4), dtype=bool))
    assert len(plain.data) == 1  # nothing hidden, no overlay


def test_a_window_keeps_the_sentences_own_positions_in_its_labels():
    fig = viz.cell_heatmap(heads(1, 3)[0], ["x", "y", "z"], ["p", "q", "r"], row_start=200,
                           col_start=7)  # fmt: skip
    assert list(fig.data[0].y) == ["200 · x", "201 · y", "202 · z"]
    assert list(fig.data[0].x) == ["7 · p", "8 · q", "9 · r"]
    assert viz.row_labels(["<b>"], 3) == ["3 · &lt;b&gt;"]
    grid = viz.head_grid(heads(2, 3), ["x", "y", "z"], ["x", "y", "z"], titles=["a", "b"], start=40)
    assert list(grid.data[0].y) == ["40 · x", "41 · y", "42 · z"]


def test_a_cell_outside_the_map_or_a_mask_of_another_shape_is_refused():
    with pytest.raises(ValueError, match="outside"):
        viz.cell_heatmap(heads(1, 3)[0], tokens(3), tokens(3), cell=(3, 0))
    with pytest.raises(ValueError, match="hidden"):
        viz.cell_heatmap(heads(1, 3)[0], tokens(3), tokens(3), hidden=np.zeros((2, 3), bool))


# --- weighted_sum -----------------------------------------------------------------------------


def test_the_row_is_drawn_with_the_chosen_key_apart_and_hidden_keys_marked():
    w = np.array([0.5, 0.3, 0.2, 0.0, 0.0])
    hidden = np.array([False, False, False, True, True])
    out = np.array([0.1, -0.4, 0.25])
    fig = viz.weighted_sum(w, tokens(5), out, chosen=1, hidden=hidden, col_start=10)
    others, mine, marks, vector = fig.data
    assert list(others.x) == [f"{10 + k} · w{k}" for k in range(5)]
    np.testing.assert_array_equal(others.y, np.array([0.5, np.nan, 0.2, np.nan, np.nan], "f4"))
    np.testing.assert_array_equal(mine.y, np.array([np.nan, 0.3, np.nan, np.nan, np.nan], "f4"))
    assert mine.marker.color == HIGHLIGHT
    np.testing.assert_array_equal(np.isnan(marks.y), ~hidden)  # × at 0 on hidden keys only
    np.testing.assert_array_equal(vector.y, out.astype(np.float32))
    assert vector.xaxis == "x2" and vector.yaxis == "y2"
    assert list(fig.layout.yaxis.range) == pytest.approx([0.0, 0.6])  # 1.2 × the peak
    spread = viz.weighted_sum(np.full(200, 1 / 200), tokens(200), out).layout.yaxis.range
    assert list(spread) == [0.0, 0.1]  # a long even row still shows its bars
    one = viz.weighted_sum(np.array([1.0, 0.0]), ["a", "b"], out).layout.yaxis.range
    assert list(one) == [0.0, 1.12]


def test_a_chosen_hidden_key_has_no_bar_and_a_long_row_no_numbers_on_bars():
    fig = viz.weighted_sum(
        np.array([1.0, 0.0]), ["a", "b"], np.ones(2), chosen=1, hidden=np.array([False, True])
    )
    assert np.isnan(fig.data[1].y).all()
    assert fig.data[0].texttemplate
    long = viz.weighted_sum(np.full(40, 1 / 40), tokens(40), np.ones(4))
    assert long.data[0].texttemplate is None
    assert len(long.data) == 3  # nothing hidden: no marks


def test_a_row_asked_for_the_impossible_says_what():
    with pytest.raises(ValueError, match="chosen"):
        viz.weighted_sum(np.ones(2) / 2, ["a", "b"], np.ones(2), chosen=2)
    with pytest.raises(ValueError, match="hidden"):
        viz.weighted_sum(np.ones(2) / 2, ["a", "b"], np.ones(2), hidden=np.zeros(3, bool))
    with pytest.raises(ValueError, match="labels"):
        viz.weighted_sum(np.ones(2) / 2, ["a"], np.ones(2))
