"""Text to numbers, the Keras way: a frequency-ranked word index, padding, one-hot vectors.

`Tokenizer` keeps the semantics of the Keras preprocessing `Tokenizer` that the tutorials use:
the text is lower-cased, every character in `filters` becomes a space, the text is split on
spaces, and words are numbered from 1 by descending count, ties in first-seen order. Index 0 is
never a word: `pad_sequences` uses it for padding. With `oov_token` set, that token takes index 1
and unknown words map to it; without it, unknown words are dropped.

Everything that is not in `filters` stays part of a word, so Hangul, Han, Arabic and every other
script are words, not noise.

Reference: Keras 2 `keras.preprocessing.text.Tokenizer`; Keras 3 `keras.utils.pad_sequences`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch

KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(
    text: str, filters: str = KERAS_FILTERS, lower: bool = True, split: str = " "
) -> list[str]:
    """Lower-case, turn every filter character into `split`, split, drop empty pieces."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans(dict.fromkeys(filters, split)))
    return [word for word in text.split(split) if word]


class Tokenizer:
    """Keras-style word tokenizer: `fit_on_texts`, then `texts_to_sequences`."""

    def __init__(
        self,
        num_words: int | None = None,
        oov_token: str | None = None,
        lower: bool = True,
        filters: str = KERAS_FILTERS,
        split: str = " ",
    ) -> None:
        if num_words is not None and (isinstance(num_words, bool) or num_words < 1):
            raise ValueError(f"num_words must be None or a whole number ≥ 1, got {num_words!r}")
        if not split:
            raise ValueError("split must be a non-empty string, e.g. ' '")
        self.num_words = num_words
        self.oov_token = oov_token
        self.lower = lower
        self.filters = filters
        self.split = split
        self.word_counts: dict[str, int] = {}
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self.document_count = 0

    def _words(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise ValueError(f"expected text (str), got {type(text).__name__}")
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts: Iterable[str]) -> Tokenizer:
        """Count words over `texts` and rank them: the most frequent word gets index 1 (or 2)."""
        if isinstance(texts, str):
            raise ValueError("fit_on_texts takes a list of texts, e.g. ['a sentence']")
        for text in texts:
            self.document_count += 1
            for word in self._words(text):
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
        # sorted() is stable, so words with equal counts keep first-seen order, as in Keras.
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1), strict=True))
        self.index_word = {index: word for word, index in self.word_index.items()}
        return self

    @property
    def vocab_size(self) -> int:
        """Rows an Embedding needs: the largest index in use plus one (0 is padding)."""
        largest = len(self.word_index)
        if self.num_words is not None:
            largest = min(largest, self.num_words - 1)
        return largest + 1

    def keeps(self, index: int) -> bool:
        """Whether texts_to_sequences keeps this index: Keras keeps only indices below num_words
        (the num_words − 1 most frequent words); the rest become OOV or are dropped."""
        return not self.num_words or index < self.num_words

    def texts_to_sequences(self, texts: Iterable[str]) -> list[list[int]]:
        """Each text as a list of word indices; unknown words dropped or mapped to the OOV index."""
        if isinstance(texts, str):
            raise ValueError("texts_to_sequences takes a list of texts, e.g. ['a sentence']")
        oov_index = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        sequences = []
        for text in texts:
            sequence = []
            for word in self._words(text):
                index = self.word_index.get(word)
                if index is not None and self.keeps(index):
                    sequence.append(index)
                elif oov_index is not None:
                    sequence.append(oov_index)
            sequences.append(sequence)
        return sequences

    def sequences_to_texts(self, sequences: Iterable[Sequence[int]]) -> list[str]:
        """Back from indices to words joined by spaces; unknown indices dropped or shown as OOV."""
        oov_index = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        texts = []
        for sequence in sequences:
            words = []
            for index in sequence:
                word = self.index_word.get(int(index))
                if word is not None and self.keeps(int(index)):
                    words.append(word)
                elif oov_index is not None:
                    words.append(self.index_word[oov_index])
            texts.append(" ".join(words))
        return texts


def pad_sequences(
    sequences: Sequence[Sequence[int]],
    maxlen: int | None = None,
    padding: str = "pre",
    truncating: str = "pre",
    value: int | float = 0,
    dtype: str = "int32",
) -> np.ndarray:
    """Make every sequence `maxlen` long: (B,) ragged lists -> (B, T) array, as Keras does.

    `truncating="pre"` drops tokens from the start, `"post"` from the end; `padding` says on
    which side `value` is added. `maxlen=None` takes the longest sequence's length.
    """
    if padding not in ("pre", "post"):
        raise ValueError(f'padding must be "pre" or "post", got {padding!r}')
    if truncating not in ("pre", "post"):
        raise ValueError(f'truncating must be "pre" or "post", got {truncating!r}')
    try:
        rows = [list(sequence) for sequence in sequences]
    except TypeError as error:
        raise ValueError("pad_sequences takes a list of lists of token ids") from error
    if maxlen is None:
        maxlen = max((len(row) for row in rows), default=0)
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"maxlen must be None or a whole number ≥ 0, got {maxlen!r}")
    out = np.full((len(rows), maxlen), value, dtype=dtype)  # (B, T)
    for b, row in enumerate(rows):
        kept = row[max(len(row) - maxlen, 0) :] if truncating == "pre" else row[:maxlen]
        if not kept or maxlen == 0:
            continue
        if padding == "post":
            out[b, : len(kept)] = kept
        else:
            out[b, maxlen - len(kept) :] = kept
    return out


def one_hot(ids: torch.Tensor | np.ndarray | Sequence, num_classes: int) -> torch.Tensor:
    """Ids (...) -> one-hot float32 (..., V); one-hot × W picks rows of W, an embedding lookup."""
    ids = torch.as_tensor(np.asarray(ids) if not isinstance(ids, torch.Tensor) else ids)
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"one_hot takes integer ids, got {ids.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a whole number ≥ 1, got {num_classes!r}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= num_classes):
        raise ValueError(
            f"ids must lie in 0…{num_classes - 1} for {num_classes} classes; "
            f"got {int(ids.min())}…{int(ids.max())}"
        )
    classes = torch.arange(num_classes)  # (V,)
    return (ids.long().unsqueeze(-1) == classes).to(torch.float32)  # (...) -> (..., V)
