"""Tokenizer, pad_sequences and one_hot: Keras semantics and the tutorials' examples."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from layers import Embedding, Tokenizer, one_hot, pad_sequences, text_to_word_sequence


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


@pytest.mark.keras
@given(
    sequences=st.lists(st.lists(st.integers(1, 50), max_size=8), min_size=1, max_size=5),
    maxlen=st.one_of(st.none(), st.integers(1, 10)),
    padding=st.sampled_from(["pre", "post"]),
    truncating=st.sampled_from(["pre", "post"]),
)
def test_pad_sequences_matches_keras(keras, sequences, maxlen, padding, truncating):
    if maxlen is None and not any(sequences):
        maxlen = 1  # Keras cannot build a (B, 0) array from all-empty sequences
    expected = keras.utils.pad_sequences(
        sequences, maxlen=maxlen, padding=padding, truncating=truncating
    )
    ours = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating)
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
