"""Downloads: the CSV and .npy files hold exactly the tensor on screen."""

import io

import numpy as np

from ui.downloads import to_csv, to_npy


def test_csv_has_one_line_per_vector_with_its_index():
    array = np.arange(12, dtype=np.float32).reshape(1, 3, 4) / 3
    lines = to_csv(array).splitlines()
    assert lines[0] == "axis0,axis1,f0,f1,f2,f3"
    assert len(lines) == 1 + 3
    first = [float(v) for v in lines[1].split(",")[2:]]
    np.testing.assert_allclose(first, array[0, 0], rtol=1e-7)
    assert lines[3].startswith("0,2,")


def test_csv_of_a_vector_and_npy_round_trip():
    vector = np.array([1.5, -2.0, 3.25], dtype=np.float32)
    assert to_csv(vector).splitlines() == ["axis0,f0,f1,f2", "0,1.5,-2,3.25"]
    loaded = np.load(io.BytesIO(to_npy(vector)))
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, vector)
