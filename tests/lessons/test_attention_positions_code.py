"""The positions part's 'show the code': each program, run, prints the page's table cells, its
shuffled sentence and its max differences after matching words (positions off and on)."""

import re

import numpy as np
import pytest
import torch
from program_support import run

from layers import MultiHeadAttention, make_generator, sinusoidal_table
from layers.stack import tokenize_batch
from lessons.attention import positions as part
from lessons.attention import positions_code
from lessons.attention.common import ATTENTION_PURPOSE, embed
from ui.code import LITERAL_LIMIT
from ui.downloads import to_npy

KERAS = pytest.mark.keras
CASES = [
    ("the cat sat on the mat", 16, 4, False, 0, 0),
    ("the cat sat on the mat because it was tired", 7, 7, True, 3, 0),  # odd D, causal
    ("고양이가 피곤해서 매트 위에 앉았다\nthe cat sat", 24, 3, False, 1, 1),  # padded line
]


def page(text, d, heads, causal, seed, b):
    """What the page computes for these settings, and its two programs."""
    batch = tokenize_batch(text)
    embedded = embed(batch, d, seed)
    T = embedded.shape[1]
    table = sinusoidal_table(T, d)
    layer = MultiHeadAttention(d, heads, generator=make_generator(seed, ATTENTION_PURPOSE))
    real = [i for i, pad in enumerate(batch.padding_mask[b].tolist()) if not pad]
    words = [batch.tokens[b][i] for i in real]
    ids = [int(batch.ids[b, i]) for i in real]
    vectors = embedded[b, real]
    order = part.shuffle_order(len(words), seed)
    cells = part.formula_cells(T, d)
    runs = {
        pe: part.shuffle_outputs(layer, vectors, table[: len(words)], order, causal=causal, pe=pe)
        for pe in (False, True)
    }
    programs = positions_code.programs(
        words=words,
        ids=ids,
        vocab_size=batch.vocab_size,
        d_model=d,
        heads=heads,
        causal=causal,
        order=order,
        cells=cells,
        seed=seed,
        vectors=vectors,
        weights=part.stacked_weights(layer),
    )
    return dict(
        table=table, words=words, order=order, cells=cells, runs=runs, layer=layer,
        embedded=embedded, ids=ids, vectors=vectors, programs=programs,
    )  # fmt: skip


def check(printed, namespace, shown):
    """The printed cells, sentences and differences are the page's."""
    for pos, f in shown["cells"]:
        match = re.search(rf"PE\[{pos}, {f}\] = (−?-?\d+\.\d+)", printed)
        assert match, (pos, f, printed)
        assert float(match.group(1)) == pytest.approx(float(shown["table"][pos, f]), abs=6e-5)
    assert f"original: {' '.join(shown['words'])}" in printed
    shuffled = " ".join(shown["words"][i] for i in shown["order"])
    assert f"shuffled: {shuffled}" in printed
    for pe, state in ((False, "off"), (True, "on ")):
        ours = shown["runs"][pe].difference
        theirs = namespace["differences"][pe]
        # The programs' tables are built their own way (float32 angles in the tutorial's): the
        # same to ~3e-5, so the outputs' differences agree to a few parts in a million.
        assert theirs == pytest.approx(ours, rel=1e-4, abs=1e-9), (pe, ours, theirs)
        assert f"PE {state}: max |difference| after matching words: {theirs:.7f}" in printed
    return namespace


@pytest.mark.parametrize(("text", "d", "heads", "causal", "seed", "b"), CASES)
def test_torch_program_prints_the_pages_numbers(text, d, heads, causal, seed, b):
    shown = page(text, d, heads, causal, seed, b)
    namespace, printed = run(shown["programs"][0])
    check(printed, namespace, shown)
    if not causal:  # without a mask and without positions: exactly the same vectors, moved
        assert namespace["differences"][False] < 1e-12
        assert shown["runs"][False].difference < 1e-12
    assert namespace["differences"][True] > 1e-3


def test_torch_program_draws_the_pages_very_weights():
    shown = page(*CASES[0])
    namespace, _ = run(shown["programs"][0])
    mha, layer = namespace["mha"], shown["layer"]
    in_proj = torch.cat([layer.w_q, layer.w_k, layer.w_v]).detach().double()
    torch.testing.assert_close(mha.in_proj_weight.detach(), in_proj, rtol=0, atol=0)
    torch.testing.assert_close(mha.out_proj.weight.detach(), layer.w_o.detach().double())
    assert not mha.in_proj_bias.any() and not mha.out_proj.bias.any()
    vectors = namespace["embedding"](torch.tensor([shown["ids"]]))[0].detach()
    torch.testing.assert_close(vectors, shown["vectors"], rtol=0, atol=0)
    # the tutorial's table is the page's to float32 precision, over all 512 positions
    torch.testing.assert_close(namespace["table"], sinusoidal_table(512, 16), rtol=0, atol=4e-5)


def test_the_outputs_the_page_compares_are_nn_multiheadattentions():
    """The page's float64 run equals PyTorch's own module on the program's inputs."""
    shown = page(*CASES[1])
    namespace, _ = run(shown["programs"][0])
    x = namespace["x"]
    out = namespace["attend"](x)
    torch.testing.assert_close(out.float(), shown["runs"][False].original, rtol=0, atol=1e-6)


@KERAS
@pytest.mark.parametrize(("text", "d", "heads", "causal", "seed", "b"), CASES)
def test_keras_program_prints_the_pages_numbers(keras, text, d, heads, causal, seed, b):
    shown = page(text, d, heads, causal, seed, b)
    keras_program = shown["programs"][1]
    if 4 * d * d <= LITERAL_LIMIT:
        assert "np.load" not in keras_program  # small enough for literals
    namespace, printed = run(keras_program)
    check(printed, namespace, shown)
    if not causal:  # float64 all through in Keras too: the zero is exact
        assert namespace["differences"][False] < 1e-12


@KERAS
def test_keras_program_loads_the_pages_downloads_when_large(keras, tmp_path, monkeypatch):
    shown = page("the cat sat on the mat", 48, 8, True, 2, 0)
    weights = part.stacked_weights(shown["layer"])
    assert weights.numel() > LITERAL_LIMIT
    keras_program = shown["programs"][1]
    assert f"np.load({positions_code.WEIGHTS_FILE!r})" in keras_program
    (tmp_path / positions_code.WEIGHTS_FILE).write_bytes(to_npy(weights.numpy()))
    monkeypatch.chdir(tmp_path)
    namespace, printed = run(keras_program)
    check(printed, namespace, shown)


# --- the part's own helpers, which the programs above rely on ------------------------------------


@pytest.mark.parametrize("n", [2, 3, 6, 10, 512])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_the_shuffle_is_a_seeded_permutation_never_the_original_order(n, seed):
    order = part.shuffle_order(n, seed)
    assert sorted(order) == list(range(n))
    assert order != list(range(n))
    assert order == part.shuffle_order(n, seed)  # the same on every laptop
    assert part.shuffle_order(1, seed) == [0] and part.shuffle_order(0, seed) == []


@pytest.mark.parametrize(
    ("D", "features"),
    [(1, [0]), (2, [0, 1]), (4, [0, 1, 2]), (16, [0, 1, 8, 14]), (17, [0, 1, 8, 16])],
)
def test_the_waves_drawn_are_the_fastest_pair_a_middle_and_the_slowest_sine(D, features):
    assert part.wave_features(D) == features
    x, curves = part.wave_curves(20, D, features)
    table = sinusoidal_table(20, D)
    whole = np.isclose(x, np.round(x))  # the curves pass through the table at whole positions
    np.testing.assert_allclose(curves[whole], table[x[whole].astype(int)][:, features], atol=1e-6)
    assert part.wavelength(0, D) == pytest.approx(2 * np.pi)


def test_a_repeated_word_is_matched_by_position_not_by_word():
    """'the … the': the shuffle's rows are compared through the permutation, so the two 'the'
    are two words; without positions and without a mask every difference is exactly 0."""
    shown = page("the cat the cat the", 8, 2, False, 4, 0)
    result = shown["runs"][False]
    assert result.difference < 1e-12
    assert (result.per_word < 1e-12).all()
    assert shown["runs"][True].per_word.min() > 0
