"""Tokenizer, pad_sequences and one_hot: Keras semantics and the tutorials' examples."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from layers import Embedding, Tokenizer, one_hot, pad_sequences, text_to_word_sequence

COFFEE = "i i i i need some more coffee coffee coffee"


def test_tutorial_tokenizer_drops_the_unknown_word():
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(["The earth is an awesome place live"])
    assert tokenizer.texts_to_sequences(["The earth is an great place live"]) == [
        [1, 2, 3, 4, 6, 7]
    ]


def test_word_index_ranks_by_count_then_first_seen():
    tokenizer = Tokenizer().fit_on_texts(["b a c a", "c d a"])
    # a ×3, then c ×2, then b and d once each in the order they first appeared.
    assert tokenizer.word_index == {"a": 1, "c": 2, "b": 3, "d": 4}
    assert tokenizer.index_word == {1: "a", 2: "c", 3: "b", 4: "d"}
    assert tokenizer.word_counts == {"b": 1, "a": 3, "c": 2, "d": 1}
    assert tokenizer.document_count == 2


def test_oov_token_takes_index_one_and_catches_unknown_words():
    tokenizer = Tokenizer(oov_token="<OOV>").fit_on_texts(["I love my dog", "I love my cat"])
    assert tokenizer.word_index["<OOV>"] == 1
    assert tokenizer.word_index["i"] == 2
    assert tokenizer.texts_to_sequences(["I really love my fish"]) == [[2, 1, 3, 4, 1]]
    assert tokenizer.sequences_to_texts([[2, 1, 3]]) == ["i <OOV> love"]


def test_num_words_keeps_indices_below_it_as_keras_does():
    tokenizer = Tokenizer(num_words=3).fit_on_texts(["a a a b b c"])
    assert tokenizer.texts_to_sequences(["a b c"]) == [[1, 2]]
    assert tokenizer.vocab_size == 3
    with_oov = Tokenizer(num_words=3, oov_token="?").fit_on_texts(["a a a b b c"])
    assert with_oov.texts_to_sequences(["a b c"]) == [[2, 1, 1]]


def test_filters_lowercase_and_every_script_is_a_word():
    assert text_to_word_sequence("Hello, World! 안녕하세요? 你好 مرحبا") == [
        "hello",
        "world",
        "안녕하세요",
        "你好",
        "مرحبا",
    ]
    tokenizer = Tokenizer().fit_on_texts(["나는 학교에 간다", "나는 집에 간다"])
    assert tokenizer.texts_to_sequences(["나는 집에 간다"]) == [[1, 4, 2]]
    assert Tokenizer(lower=False).fit_on_texts(["Cat cat"]).word_index == {"Cat": 1, "cat": 2}


def test_tokenizer_rejects_a_bare_string():
    with pytest.raises(ValueError, match="list of texts"):
        Tokenizer().fit_on_texts("a sentence")


def test_tutorial_pad_sequences_pre():
    padded = pad_sequences([[1, 2, 3], [3, 4, 5, 6], [7, 8]], maxlen=3, padding="pre")
    np.testing.assert_array_equal(padded, [[1, 2, 3], [4, 5, 6], [0, 7, 8]])


def test_pad_sequences_post_and_truncating_post():
    padded = pad_sequences([[1, 2, 3, 4], [5]], maxlen=3, padding="post", truncating="post")
    np.testing.assert_array_equal(padded, [[1, 2, 3], [5, 0, 0]])
    assert pad_sequences([[1, 2], [3]]).shape == (2, 2)
    assert pad_sequences([]).shape == (0, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"padding": "middle"}, "padding"),
        ({"truncating": "x"}, "truncating"),
        ({"maxlen": -1}, "maxlen"),
    ],
)
def test_pad_sequences_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pad_sequences([[1]], **kwargs)


def test_pad_sequences_value_fills_the_padding_not_the_tokens():
    padded = pad_sequences([[1, 2, 3, 4], [5]], maxlen=3, padding="pre", value=-1)
    np.testing.assert_array_equal(padded, [[2, 3, 4], [-1, -1, 5]])
    longer = pad_sequences([[1, 2]], maxlen=5, padding="post", truncating="pre", value=9)
    np.testing.assert_array_equal(longer, [[1, 2, 9, 9, 9]])


@pytest.mark.keras
@given(
    sequences=st.lists(st.lists(st.integers(1, 50), max_size=8), min_size=1, max_size=5),
    # 1…10 against lengths 0…8: maxlen below, equal to and above the lengths.
    maxlen=st.one_of(st.none(), st.integers(1, 10)),
    padding=st.sampled_from(["pre", "post"]),
    truncating=st.sampled_from(["pre", "post"]),
    value=st.sampled_from([0, -1, 7]),
    dtype=st.sampled_from(["int32", "int64", "float32"]),
)
def test_pad_sequences_matches_keras(keras, sequences, maxlen, padding, truncating, value, dtype):
    if maxlen is None and not any(sequences):
        maxlen = 1  # Keras cannot build a (B, 0) array from all-empty sequences
    options = dict(maxlen=maxlen, padding=padding, truncating=truncating, value=value, dtype=dtype)
    expected = keras.utils.pad_sequences(sequences, **options)
    ours = pad_sequences(sequences, **options)
    assert ours.dtype == expected.dtype
    np.testing.assert_array_equal(ours, expected)


def test_one_hot_times_weight_is_the_embedding_lookup():
    embedding = Embedding(64, 100)
    ids = torch.tensor([[3, 57, 35]])
    looked_up, _ = embedding(ids)
    encoded = one_hot(ids, 64)  # (1, 3, 64)
    assert encoded.shape == (1, 3, 64)
    assert encoded.sum(-1).eq(1).all()
    torch.testing.assert_close(encoded @ embedding.weight, looked_up, rtol=0, atol=0)


@pytest.mark.keras
def test_one_hot_matches_keras_to_categorical(keras):
    ids = np.array([[0, 2, 1], [3, 3, 0]])
    np.testing.assert_array_equal(one_hot(ids, 4).numpy(), keras.utils.to_categorical(ids, 4))


@pytest.mark.parametrize(("ids", "classes"), [([[0, 5]], 5), ([[-1]], 3), ([[0.5]], 3)])
def test_one_hot_rejects_ids_outside_the_classes(ids, classes):
    with pytest.raises(ValueError):
        one_hot(ids, classes)


@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_tokenizer_round_trip_property(texts):
    tokenizer = Tokenizer(oov_token="<unk>").fit_on_texts(texts)
    sequences = tokenizer.texts_to_sequences(texts)
    # Every word of a fitted text is known, so no id is the OOV id, and ids start at 2.
    assert all(index >= 2 for sequence in sequences for index in sequence)
    words = [text_to_word_sequence(text) for text in texts]
    assert tokenizer.sequences_to_texts(sequences) == [" ".join(w) for w in words]
    counts = [tokenizer.word_counts[w] for w in list(tokenizer.word_index)[1:]]
    assert counts == sorted(counts, reverse=True)


# Keras' own legacy Tokenizer, which Keras 3 still ships privately, is the reference.

KERAS_WORDS = [
    "the",
    "The",
    "CAT",
    "cat",
    "고양이",
    "고양이가",
    "나는",
    "earth!",
    "hi,",
    "don't",
    "<b>",
    "oov",
    "<OOV>",
    "x-y",
    "Ünïcode",
    "...",
]
KERAS_SEPARATORS = [" ", "  ", ", ", "!", "\n", "\t"]
keras_texts = st.builds(
    lambda words, sep: sep.join(words),
    st.lists(st.sampled_from(KERAS_WORDS), max_size=8),
    st.sampled_from(KERAS_SEPARATORS),
)


@pytest.fixture(scope="module")
def keras_tokenizer(keras):
    from keras.src.legacy.preprocessing.text import Tokenizer as KerasTokenizer

    return KerasTokenizer


@pytest.mark.keras
@given(
    texts=st.lists(keras_texts, max_size=5),
    new_texts=st.lists(keras_texts, max_size=4),
    num_words=st.one_of(st.none(), st.integers(1, 12)),
    oov_token=st.sampled_from([None, "<OOV>"]),
    sequences=st.lists(st.lists(st.integers(0, 20), max_size=6), max_size=3),
)
def test_tokenizer_matches_keras(
    keras_tokenizer, texts, new_texts, num_words, oov_token, sequences
):
    ours = Tokenizer(num_words=num_words, oov_token=oov_token).fit_on_texts(texts)
    theirs = keras_tokenizer(num_words=num_words, oov_token=oov_token)
    theirs.fit_on_texts(texts)
    assert dict(ours.word_counts) == dict(theirs.word_counts)
    assert list(ours.word_counts) == list(theirs.word_counts)  # first-seen order
    assert list(ours.word_index.items()) == list(theirs.word_index.items())  # rank order
    assert ours.index_word == theirs.index_word
    assert ours.document_count == theirs.document_count
    assert ours.texts_to_sequences(new_texts + texts) == theirs.texts_to_sequences(
        new_texts + texts
    )
    assert ours.sequences_to_texts(sequences) == theirs.sequences_to_texts(sequences)


@pytest.mark.keras
def test_an_oov_token_that_is_also_a_word_is_numbered_as_keras_does(keras_tokenizer):
    # The word's own rank overwrites index 1 in word_index, and index 1 stays unnamed.
    ours = Tokenizer(oov_token="cat").fit_on_texts(["cat dog cat"])
    theirs = keras_tokenizer(oov_token="cat")
    theirs.fit_on_texts(["cat dog cat"])
    assert ours.word_index == theirs.word_index == {"cat": 2, "dog": 3}
    assert ours.index_word == theirs.index_word
    assert ours.texts_to_sequences(["dog bird"]) == theirs.texts_to_sequences(["dog bird"])


# The coffee example: a bias-free Dense layer on one-hot vectors is an embedding lookup.


def test_tutorial_coffee_sentence_is_numbered_by_count():
    tokenizer = Tokenizer().fit_on_texts([COFFEE])
    assert tokenizer.word_index == {"i": 1, "coffee": 2, "need": 3, "some": 4, "more": 5}
    assert tokenizer.texts_to_sequences([COFFEE]) == [[1, 1, 1, 1, 3, 4, 5, 2, 2, 2]]
    # Five words and the padding id 0 need six rows; the tutorial's one-hot width is 8, so
    # rows 6 and 7 (and 0, which no word has) are never picked.
    assert tokenizer.vocab_size == 6


def test_tutorial_coffee_dense_without_bias_on_one_hot_picks_weight_rows(randomize):
    ids = torch.tensor(Tokenizer().fit_on_texts([COFFEE]).texts_to_sequences([COFFEE]))  # (1, 10)
    encoded = one_hot(ids, 8)  # (1, 10, 8)
    dense = randomize(nn.Linear(8, 2, bias=False))  # weight (2, 8): torch stores (out, in)
    table = dense.weight.detach().T  # (8, 2): row v is what id v maps to
    with torch.no_grad():
        projected = dense(encoded)  # (1, 10, 8) -> (1, 10, 2)
    torch.testing.assert_close(projected, table[ids], rtol=0, atol=0)
    embedding = Embedding(8, 2)
    with torch.no_grad():
        embedding.weight.copy_(table)
    looked_up, _ = embedding(ids)
    torch.testing.assert_close(projected, looked_up.detach(), rtol=0, atol=0)
    # The same rows for the same word: "i" four times, "coffee" three times.
    assert torch.equal(projected[0, 0], projected[0, 3])
    assert torch.equal(projected[0, 7], projected[0, 9])
