"""viz.recurrent: the step's bar panels (gates on their true ranges, the chosen unit marked with
its value) and the timeline of h over the sentence (the step framed, later steps faded)."""

import numpy as np
import pytest

import viz


def panel(values, **extra):
    spec = dict(name="p", values=np.asarray(values, dtype=np.float32), range=None, chosen=None)
    spec.update(start=1, index_name="unit")
    spec.update(extra)
    return spec


def test_each_panel_is_its_vector_numbered_from_its_start():
    x = np.array([0.5, -2.0, 1.0])
    gate = np.array([0.1, 0.9, 0.5, 0.7])
    fig = viz.state_bars([panel(x, name="x"), panel(gate, range=(0.0, 1.0), chosen=2, start=5)])
    bars = [trace for trace in fig.data if trace.type == "bar"]
    np.testing.assert_array_equal(bars[0].y, x.astype(np.float32))
    np.testing.assert_array_equal(bars[0].x, [1, 2, 3])
    np.testing.assert_array_equal(bars[1].x, [5, 6, 7, 8])
    # The chosen bar is drawn again in the highlight colour, with its value written above.
    chosen = bars[2]
    assert chosen.marker.color == viz.recurrent.HIGHLIGHT
    assert list(chosen.x) == [7] and float(chosen.y[0]) == pytest.approx(0.5)
    notes = [a.text for a in fig.layout.annotations]
    assert notes.count("0.5") == 1
    band = fig.layout.shapes[0]
    assert (band.x0, band.x1, band.xref) == (6.5, 7.5, "x2")


def test_gates_keep_their_true_range_whatever_the_values():
    small = viz.state_bars([panel([0.01, 0.02], range=(0.0, 1.0)), panel([0.01], range=(-1, 1))])
    sig, tanh = small.layout.yaxis, small.layout.yaxis2
    assert sig.range[0] == 0 and sig.range[1] > 1  # room above 1 for the chosen value
    assert list(sig.tickvals) == [0.0, 0.5, 1.0]
    assert tanh.range[0] < -1 and tanh.range[1] > 1
    assert list(tanh.tickvals) == [-1.0, 0.0, 1.0]
    free = viz.state_bars([panel([3.0, -1.0])]).layout.yaxis  # unbounded (x, c): ±max|v|
    assert -free.range[0] == free.range[1] > 3.0


def test_panels_wrap_into_rows_that_leave_room_for_titles_and_ticks():
    one_row = viz.state_bars([panel([1.0]) for _ in range(2)], columns=2)
    three_rows = viz.state_bars([panel([1.0]) for _ in range(6)], columns=2)
    assert three_rows.layout.height > 2.5 * (one_row.layout.height - 80)
    top, below = three_rows.layout.yaxis.domain, three_rows.layout.yaxis3.domain
    assert below[1] < top[0]  # the second row starts under the first
    gap_px = (top[0] - below[1]) * (three_rows.layout.height - 100)
    assert gap_px > 2 * 15  # a panel title and a row of tick labels fit between


def test_bad_panels_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="panels is empty"):
        viz.state_bars([])
    with pytest.raises(ValueError, match="chosen bar 3"):
        viz.state_bars([panel([1.0, 2.0], chosen=3)])
    with pytest.raises(ValueError, match="1-D"):
        viz.state_bars([panel(np.ones((2, 2)))])


def test_the_timeline_frames_the_step_fades_the_future_and_outlines_the_unit():
    h = np.linspace(-0.9, 0.9, 12).reshape(4, 3)
    fig = viz.step_timeline(
        h, ["a", "<b>", "c", "d"], step=1, unit=2, row_start=11, col_start=7, future_name="later"
    )
    trace = fig.data[0]
    np.testing.assert_array_equal(trace.z, h.astype(np.float32))
    assert list(trace.y) == ["11 · a", "12 · &lt;b&gt;", "13 · c", "14 · d"]
    np.testing.assert_array_equal(trace.x, [7, 8, 9])
    assert (trace.zmin, trace.zmax, trace.zmid) == (-1.0, 1.0, 0.0)  # every h is in (−1, 1)
    future, column, frame = fig.layout.shapes
    assert (future.y0, future.y1) == (1.5, 3.5)  # rows 2 and 3: not read yet
    assert (column.x0, column.x1) == (8.5, 9.5)  # unit 9 = col_start + 2
    assert (frame.y0, frame.y1) == (0.5, 1.5) and frame.line.color == viz.recurrent.HIGHLIGHT
    assert any("later" in a.text for a in fig.layout.annotations)


def test_the_last_step_has_nothing_faded_and_moving_the_step_keeps_the_data():
    h = np.zeros((3, 2))
    last = viz.step_timeline(h, ["a", "b", "c"], step=2, future_name="later")
    assert len(last.layout.shapes) == 1 and not last.layout.annotations
    first = viz.step_timeline(h, ["a", "b", "c"], step=0, future_name="later")
    # A step is only shapes: plotly.js keeps the heatmap it drew.
    assert first.layout.datarevision == last.layout.datarevision
    with pytest.raises(ValueError, match="step 3"):
        viz.step_timeline(h, ["a", "b", "c"], step=3)
    with pytest.raises(ValueError, match="token labels"):
        viz.step_timeline(h, ["a", "b"], step=0)
