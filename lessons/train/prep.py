"""Preprocess as the tutorial does: split, Tokenizer fitted on the training part, pad_sequences.

The rows are split once for a seed into a *pool* and a *test* part (`data.test_split`). The pool
is ordered (as in the file, sorted by label, or shuffled) and then split like Keras: with
`validation_split` the validation part is the pool's END, taken before any shuffling; with a
held-out set it is a seeded random share. The Tokenizer is fitted on the training part only, so
the validation part shows what a trained model meets in the world: words it has never seen.

Pure Python, numpy and torch: no streamlit here (the page caches `prepare` per settings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from layers.text import Tokenizer, pad_sequences, text_to_word_sequence

from . import data

PARTS = ("train", "val", "test")
TEST_SHARE = 0.2  # of all rows, held out for model.evaluate
CURVE_POINTS = 24  # num_words values on the OOV curve …
CURVE_TO = 20_000  # … up to the num_words slider's end


@dataclass(frozen=True)
class Prepared:
    """The tensors fit, evaluate and predict need, and what the page says about them."""

    parts: dict[str, np.ndarray]  # row indices of each part; "val" may be empty
    tokenizer: Tokenizer
    lengths: np.ndarray  # (N,) tokens per row before padding (every row)
    x: dict[str, torch.Tensor]  # part -> (n, maxlen) int64 ids
    y: dict[str, np.ndarray]  # part -> (n,) labels 0/1
    val_tokens: int  # tokens in the validation part
    val_unseen: int  # … of which the model cannot see: unknown or beyond num_words
    curve_words: np.ndarray  # num_words values …
    curve_share: np.ndarray  # … and the validation part's unseen share at each


def split_rows(
    labels: np.ndarray, *, seed: int, order: str, val: str, split: float
) -> dict[str, np.ndarray]:
    """Row indices of the train, validation and test parts."""
    pool, test = data.test_split(len(labels), seed, TEST_SHARE)
    pool = data.order_pool(pool, labels, order, seed)
    if val == "split":
        train, valid = data.validation_split(pool, split)
    else:
        train, valid = data.heldout(pool, split, seed)
    return {"train": train, "val": valid, "test": test}


def word_lists(texts: Sequence[str]) -> list[list[str]]:
    """Each text as Keras' Tokenizer splits it (lower-cased, filters to spaces, split)."""
    return [text_to_word_sequence(text) for text in texts]


def _unseen_curve(
    tokenizer: Tokenizer, val_words: list[list[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Share of validation tokens a model cannot see, for num_words along a log grid."""
    ranks = np.array(
        [tokenizer.word_index.get(w, np.iinfo(np.int64).max) for ws in val_words for w in ws],
        dtype=np.int64,
    )
    largest = max(len(tokenizer.word_index) + 1, CURVE_TO)  # flat past the vocabulary
    grid = np.unique(np.geomspace(2, largest, CURVE_POINTS).round().astype(np.int64))
    if ranks.size == 0:
        return grid, np.zeros(len(grid), dtype=np.float64)
    share = np.array([(ranks >= n).mean() for n in grid])  # Keras keeps index < n
    return grid, share


def prepare(
    texts: Sequence[str],
    labels: np.ndarray,
    *,
    seed: int,
    order: str,
    val: str,
    split: float,
    num_words: int,
    oov_token: str | None,
    maxlen: int,
) -> Prepared:
    """Split, fit the Tokenizer on the training part, encode and pad every part."""
    parts = split_rows(labels, seed=seed, order=order, val=val, split=split)
    words = word_lists(texts)
    tokenizer = Tokenizer(num_words=num_words, oov_token=oov_token)
    tokenizer.fit_on_texts([texts[i] for i in parts["train"]])
    x, y = {}, {}
    for name, rows in parts.items():
        sequences = tokenizer.texts_to_sequences([texts[i] for i in rows])
        x[name] = torch.as_tensor(pad_sequences(sequences, maxlen=maxlen), dtype=torch.int64)
        y[name] = np.asarray(labels)[rows].astype(np.int64)
    val_words = [words[i] for i in parts["val"]]
    grid, share = _unseen_curve(tokenizer, val_words)
    val_tokens = sum(len(ws) for ws in val_words)
    oov_index = tokenizer.word_index.get(oov_token) if oov_token is not None else None
    seen = sum(
        1
        for ws in val_words
        for w in ws
        if (i := tokenizer.word_index.get(w)) is not None and i < num_words and i != oov_index
    )
    return Prepared(
        parts=parts,
        tokenizer=tokenizer,
        lengths=np.array([len(ws) for ws in words], dtype=np.int64),
        x=x,
        y=y,
        val_tokens=val_tokens,
        val_unseen=val_tokens - seen,
        curve_words=grid,
        curve_share=share,
    )


def encode(
    tokenizer: Tokenizer, text: str, maxlen: int
) -> tuple[list[str], list[int], torch.Tensor]:
    """A sentence as the model sees it: its words, their ids, and the padded (1, maxlen) row."""
    words = text_to_word_sequence(text)
    ids = tokenizer.texts_to_sequences([text])[0]
    padded = torch.as_tensor(pad_sequences([ids], maxlen=maxlen), dtype=torch.int64)
    return words, ids, padded
