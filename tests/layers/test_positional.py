"""PositionalEncoding: parity with the paper's sin/cos formula, entry by entry, and its properties.

The reference is written here, independently of layers/positional.py: Python's math.sin and
math.cos in float64 on PE(pos, 2i) = sin(pos / 10000^(2i/D)), PE(pos, 2i+1) = cos(…), and the
PyTorch tutorial's construction with div_term = exp(2i · −ln(10000) / D).
"""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from layers import PositionalEncoding, PositionalTrace, make_generator, sinusoidal_table


def paper(pos: int, feature: int, D: int) -> float:
    """Vaswani et al. (2017) §3.5, one entry, in float64."""
    two_i = feature - feature % 2  # features 2i and 2i+1 share the frequency
    angle = pos / 10000 ** (two_i / D)
    return math.sin(angle) if feature % 2 == 0 else math.cos(angle)


def tutorial_table(max_len: int, D: int) -> torch.Tensor:
    """The PyTorch tutorial's PositionalEncoding buffer (float32, batch-first, no dropout);
    `div_term[: D // 2]` for the cosines lets an odd D through (the tutorial needs an even D)."""
    position = torch.arange(max_len).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, D, 2) * (-math.log(10000.0) / D))
    pe = torch.zeros(max_len, D)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[: D // 2])
    return pe


@pytest.mark.parametrize("D", [1, 2, 3, 7, 16, 33, 64, 512])
def test_table_is_the_papers_formula_entry_by_entry(D):
    T = 512
    table = sinusoidal_table(T, D)
    assert table.shape == (T, D)
    assert table.dtype == torch.float32
    positions = [0, 1, 2, 5, 17, 100, 255, 256, 400, 510, 511]
    features = sorted({0, 1, D // 2, D - 2, D - 1} & set(range(D)))
    if D <= 64:
        features = list(range(D))  # every column of the small widths
    for pos in positions:
        for feature in features:
            expected = paper(pos, feature, D)
            # float64 rounded to float32 once: within half a float32 ulp of the formula
            assert float(table[pos, feature]) == pytest.approx(expected, abs=6e-8), (pos, feature)


def test_the_whole_table_at_the_default_width_is_the_formula():
    D, T = 16, 512
    expected = torch.tensor(
        [[paper(pos, f, D) for f in range(D)] for pos in range(T)], dtype=torch.float64
    )
    torch.testing.assert_close(sinusoidal_table(T, D).double(), expected, rtol=0, atol=6e-8)


def test_an_odd_width_ends_with_a_sine_without_its_cosine():
    D = 5
    table = sinusoidal_table(10, D)
    two_i = D - 1  # the last feature is even: a sine
    for pos in range(10):
        assert float(table[pos, -1]) == pytest.approx(
            math.sin(pos / 10000 ** (two_i / D)), abs=6e-8
        )
    assert (table[0, 0::2] == 0).all() and (table[0, 1::2] == 1).all()  # sin 0, cos 0


@pytest.mark.parametrize("D", [2, 3, 16, 17, 128, 512])
def test_the_pytorch_tutorials_construction_agrees_to_float32_precision(D):
    """The tutorial builds the angle in float32: position · div_term, with div_term from
    exp(−ln(10000) · 2i / D). At position 511 a float32 angle carries about 511 · 2⁻²⁴ ≈ 3e-5
    of rounding, so the two agree to that, and exactly at position 0."""
    ours, theirs = sinusoidal_table(512, D), tutorial_table(512, D)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=4e-5)  # 511 · 2⁻²⁴ + one float32 ulp
    torch.testing.assert_close(ours[:8], theirs[:8], rtol=0, atol=1e-6)
    torch.testing.assert_close(ours[0], theirs[0], rtol=0, atol=0)


def test_the_layer_adds_the_table_to_a_batch():
    B, T, D = 3, 7, 12
    x = torch.randn(B, T, D, generator=make_generator(0, "pe-input"))
    layer = PositionalEncoding(D)
    out, trace = layer(x)
    assert isinstance(trace, PositionalTrace)
    assert out.shape == (B, T, D)
    torch.testing.assert_close(trace.table, sinusoidal_table(T, D), rtol=0, atol=0)
    for b in range(B):
        for pos in range(T):
            for f in range(D):
                assert float(out[b, pos, f]) == pytest.approx(
                    float(x[b, pos, f]) + paper(pos, f, D), abs=1e-6
                )
    assert out is trace.out
    # every sentence of the batch gets the same table: positions, not words
    torch.testing.assert_close(out - x, trace.table.expand(B, T, D))


def test_the_layer_keeps_the_inputs_dtype():
    x = torch.zeros(1, 4, 6, dtype=torch.float64)
    out, trace = PositionalEncoding(6)(x)
    assert out.dtype == trace.table.dtype == torch.float64
    torch.testing.assert_close(out[0], sinusoidal_table(4, 6).double())


def test_nothing_is_learned():
    layer = PositionalEncoding(16)
    assert layer.param_count() == 0
    assert list(layer.parameters()) == []
    assert "table" not in layer.state_dict()  # a non-persistent buffer: rebuilt, never saved


def test_a_sentence_of_every_length_up_to_max_len():
    layer = PositionalEncoding(8, max_len=512)
    for T in (1, 2, 511, 512):
        out, trace = layer(torch.zeros(1, T, 8))
        torch.testing.assert_close(out[0], sinusoidal_table(T, 8))
    out, _ = layer(torch.zeros(2, 0, 8))  # no token at all
    assert out.shape == (2, 0, 8)


@given(
    pos=st.integers(0, 400),
    k=st.integers(0, 111),
    D=st.integers(2, 96),
    data=st.data(),
)
def test_a_shift_by_k_is_a_fixed_rotation_of_every_frequency_pair(pos, k, D, data):
    """PE(pos + k) = R(k·ωᵢ) PE(pos) for each pair (2i, 2i+1): sin(a + b) = sin a cos b +
    cos a sin b and cos(a + b) = cos a cos b − sin a sin b, whatever pos is. That is why a
    head can learn 'k tokens back' as one linear map."""
    i = data.draw(st.integers(0, D // 2 - 1))
    table = sinusoidal_table(pos + k + 1, D).double()
    omega = 1 / 10000 ** (2 * i / D)
    c, s = math.cos(k * omega), math.sin(k * omega)
    rotation = torch.tensor([[c, s], [-s, c]], dtype=torch.float64)
    here = table[pos, 2 * i : 2 * i + 2]
    there = table[pos + k, 2 * i : 2 * i + 2]
    torch.testing.assert_close(rotation @ here, there, rtol=0, atol=3e-7)
    # a rotation keeps the pair's length: every pair lies on the unit circle
    assert float(here.norm()) == pytest.approx(1.0, abs=2e-7)


@given(T=st.integers(0, 512), D=st.integers(1, 300))
def test_values_lie_in_minus_one_to_one(T, D):
    table = sinusoidal_table(T, D)
    assert table.shape == (T, D)
    assert bool((table.abs() <= 1).all())
    assert bool(torch.isfinite(table).all())


def test_too_many_tokens_is_a_sentence():
    layer = PositionalEncoding(8, max_len=10)
    with pytest.raises(ValueError, match=r"holds 10 positions and got 11 tokens.*max_len ≥ 11"):
        layer(torch.zeros(1, 11, 8))


def test_a_wrong_width_is_a_sentence():
    with pytest.raises(ValueError, match=r"PositionalEncoding expects shape \(B, T, 8\)"):
        PositionalEncoding(8)(torch.zeros(1, 4, 6))
    with pytest.raises(ValueError, match="3-D input"):
        PositionalEncoding(8)(torch.zeros(4, 8))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0,), r"d_model \(D\) must be a whole number ≥ 1"),
        ((8, 0), "max_len must be a whole number ≥ 1"),
        ((8, 16, 1.0), "base must be a number > 1"),
        ((8, 16, float("nan")), "base must be a number > 1"),
    ],
)
def test_bad_sizes_are_sentences(args, message):
    with pytest.raises(ValueError, match=message):
        PositionalEncoding(*args)


def test_a_negative_length_is_a_sentence():
    with pytest.raises(ValueError, match="length must be ≥ 0"):
        sinusoidal_table(-1, 4)


def test_another_base_changes_the_wavelengths():
    table = PositionalEncoding(4, max_len=5, base=100.0)(torch.zeros(1, 5, 4))[1].table
    assert float(table[3, 2]) == pytest.approx(math.sin(3 / 100 ** (2 / 4)), abs=6e-8)
