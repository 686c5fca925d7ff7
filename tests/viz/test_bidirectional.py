"""viz.bidirectional on tiny arrays: the state map's rows, gaps, halves and outlines land where
the caller says, on one colour scale for both panels; the direction rows number each step in its
own reading order with arrows running opposite ways and outline each direction's final state."""

import numpy as np
import pytest

import viz
from viz import bidirectional, theme

TOKENS = ["the", "cat", "sat", "down"]
STATES = np.array(
    [[0.1, -0.2, 0.3, 0.0], [0.5, 0.25, -0.5, 0.1], [-0.9, 0.4, 0.2, 0.3], [0.05, 0.6, -0.1, 0.7]]
)


def _rects(fig, yref="y", dash=None):
    return [
        s
        for s in fig.to_dict()["layout"]["shapes"]
        if s["type"] == "rect" and s["yref"] == yref and (dash is None or s["line"]["dash"] == dash)
    ]


def test_state_map_rows_and_lower_panel_share_columns_and_one_scale():
    last = STATES[[3]] * 2  # (1, C)
    fig = viz.state_map(
        STATES, TOKENS, last=last, last_labels=["the cat sat …"], chosen=0, marks=[(3, "all")]
    )
    top, below = fig.data
    np.testing.assert_array_equal(top.z, STATES.astype(np.float32))
    np.testing.assert_array_equal(below.z, last.astype(np.float32))
    assert list(top.y) == ["0 · the", "1 · cat", "2 · sat", "3 · down"]
    assert list(below.y) == ["1 · the cat sat …"]
    np.testing.assert_array_equal(top.x, below.x)
    assert below.yaxis == "y2" and top.coloraxis == below.coloraxis == "coloraxis"
    axis = fig.layout.coloraxis
    assert axis.cmin == -axis.cmax and axis.cmax == pytest.approx(1.4)  # the larger panel's |max|
    (solid,) = _rects(fig, dash="solid")
    assert (solid["y0"], solid["y1"], solid["x0"], solid["x1"]) == (2.5, 3.5, -0.5, 3.5)
    (chosen,) = _rects(fig, "y2")
    assert (chosen["y0"], chosen["y1"]) == (-0.5, 0.5)
    # The lower panel sits below the upper one, each as tall as its rows.
    low, high = fig.layout.yaxis.domain
    assert high == 1.0 and fig.layout.yaxis2.domain[0] == 0.0
    assert fig.layout.yaxis2.domain[1] < low


def test_a_long_sentence_shows_a_gap_row_and_keeps_its_positions():
    fig = viz.state_map(STATES, TOKENS, positions=[0, 1, 98, 99], marks=[(99, "all"), (50, "all")])
    (top,) = fig.data
    assert list(top.y) == ["0 · the", "1 · cat", bidirectional.GAP_LABEL, "98 · sat", "99 · down"]
    assert np.isnan(top.z[2]).all() and not np.isnan(top.z[[0, 1, 3, 4]]).any()
    (solid,) = _rects(fig)  # position 50 is not shown: no outline for it
    assert (solid["y0"], solid["y1"]) == (3.5, 4.5)


def test_halves_are_split_named_and_outlined_on_their_own_columns():
    values = np.concatenate([STATES, -STATES], axis=1)[:, [0, 1, 4, 5]]  # two units of each half
    fig = viz.state_map(
        values,
        TOKENS,
        columns=[0, 1, 4, 5],
        split=2,
        half_names=("forward →", "← backward"),
        last=values[:2],
        last_labels=["a", "b"],
        marks=[(3, "left"), (0, "right")],
        dashed=[(3, "right")],
    )
    assert list(fig.data[0].x) == [0, 1, 4, 5]  # the features' own indices
    names = [a.text for a in fig.layout.annotations[:2]]
    assert names == ["forward →", "← backward"]
    lines = [s for s in fig.to_dict()["layout"]["shapes"] if s["type"] == "line"]
    assert {s["yref"] for s in lines} == {"y domain", "y2 domain"}
    assert all(s["x0"] == s["x1"] == 1.5 for s in lines)
    left, right = _rects(fig, dash="solid")
    assert (left["x0"], left["x1"], left["y0"]) == (-0.5, 1.5, 2.5)
    assert (right["x0"], right["x1"], right["y0"]) == (1.5, 3.5, -0.5)
    (dashed,) = _rects(fig, dash="dash")
    assert (dashed["x0"], dashed["x1"], dashed["y0"]) == (1.5, 3.5, 2.5)


def test_a_map_stays_within_its_height_and_presentation_mode_is_larger():
    many = np.zeros((129, 4))
    fig = viz.state_map(many, ["w"] * 129, last=np.zeros((64, 4)), last_labels=["s"] * 64)
    margin = fig.layout.margin
    assert fig.layout.height - margin.t - margin.b <= bidirectional.MAX_PLOT_PX[False] + 1
    # A long sentence over two sentences' last states: the lower rows stay readable.
    two = viz.state_map(many, ["w"] * 129, last=np.zeros((2, 4)), last_labels=["a", "b"])
    plot = two.layout.height - two.layout.margin.t - two.layout.margin.b
    low, high = two.layout.yaxis2.domain
    assert (high - low) * plot >= 2 * bidirectional.LAST_ROW_PX[False] - 1
    one = viz.state_map(STATES[:1], ["the"])
    assert one.layout.height > 60  # a one-token sentence still gets a panel
    assert (
        viz.state_map(STATES, TOKENS, presentation=True).layout.height
        > viz.state_map(STATES, TOKENS).layout.height
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(positions=[0, 2, 1, 3]), "increase"),
        (dict(positions=[0, 1]), "positions"),
        (dict(marks=[(0, "left")]), "split"),
        (dict(marks=[(0, "middle")], split=2), "half"),
        (dict(split=4), "split"),
        (dict(columns=[0, 0, 1, 2]), "distinct"),
        (dict(last=np.zeros((1, 3)), last_labels=["a"]), "columns"),
        (dict(last=np.zeros((1, 4)), last_labels=["a"], chosen=1), "chosen"),
    ],
)
def test_state_map_says_what_was_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.state_map.uncached(STATES, TOKENS, **kwargs)


def _arrows(fig):
    return [a for a in fig.layout.annotations if a.showarrow]


def test_direction_rows_number_each_step_in_its_own_reading_order():
    forward, backward = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
    fig = viz.direction_rows(
        forward,
        backward,
        TOKENS,
        forward_steps=[1, 2, 3, 4],
        backward_steps=[4, 3, 2, 1],
        forward_end=3,
        backward_end=0,
        forward_name="forward",
        backward_name="backward",
    )
    (trace,) = fig.data
    np.testing.assert_array_equal(trace.z, np.stack([forward, backward]).astype(np.float32))
    assert [list(row) for row in trace.text] == [["1", "2", "3", "4"], ["4", "3", "2", "1"]]
    assert list(trace.y) == ["forward →", "← backward"]
    assert trace.zmin == 0.0 and trace.zmax == pytest.approx(0.4)
    arrows = _arrows(fig)
    assert len(arrows) == 2 * 3  # one in each gap of each row
    forward_arrows = [a for a in arrows if a.y == 0]
    backward_arrows = [a for a in arrows if a.y == 1]
    assert all(a.ax < 0 for a in forward_arrows)  # tail on the left: the head points right
    assert all(a.ax > 0 for a in backward_arrows)  # tail on the right: the head points left
    ends = _rects(fig)
    assert sorted((s["y0"], s["x0"]) for s in ends) == [(-0.5, 2.5), (0.5, -0.5)]


def test_direction_rows_of_a_long_sentence_skip_the_middle_and_the_arrows():
    n = bidirectional.ARROWS_MAX + 2
    positions = [*range(n // 2), *range(100 - n // 2, 100)]
    values = np.linspace(0, 1, n)
    fig = viz.direction_rows(
        values,
        values[::-1],
        [f"w{p}" for p in positions],
        positions=positions,
        forward_steps=np.array(positions) + 1,
        backward_steps=100 - np.array(positions),
        forward_end=99,
        backward_end=0,
    )
    (trace,) = fig.data
    assert bidirectional.GAP_LABEL in list(trace.x)
    assert trace.z.shape == (2, n + 1) and np.isnan(trace.z[:, n // 2]).all()
    assert trace.text[0][-1] == "100" and trace.text[1][0] == "100"
    assert not _arrows(fig)  # too many cells for an arrow between each two
    assert len(_rects(fig)) == 2


def test_direction_rows_say_what_was_wrong():
    with pytest.raises(ValueError, match="one per token"):
        viz.direction_rows.uncached(
            [0.1, 0.2], [0.1], ["a", "b"], forward_steps=[1, 2], backward_steps=[2, 1]
        )
    with pytest.raises(ValueError, match="backward_steps"):
        viz.direction_rows.uncached(
            [0.1, 0.2], [0.1, 0.3], ["a", "b"], forward_steps=[1, 2], backward_steps=[2]
        )
    with pytest.raises(ValueError, match="labels"):
        viz.direction_rows.uncached(
            [0.1, 0.2], [0.1, 0.3], ["a"], forward_steps=[1, 2], backward_steps=[2, 1]
        )


def test_token_labels_are_escaped_and_cut():
    fig = viz.direction_rows(
        [0.1, 0.2],
        [0.2, 0.1],
        ["<b>x</b>", "a" * 40],
        forward_steps=[1, 2],
        backward_steps=[2, 1],
    )
    x = list(fig.data[0].x)
    assert x[0] == "0 · &lt;b&gt;x&lt;/b&gt;"
    assert x[1].endswith("…") and len(x[1]) <= len("1 · ") + theme.MAX_LABEL_CHARS
