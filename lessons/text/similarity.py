"""Similarity from real vectors: GloVe for English, Kiwi's morpheme vectors for Korean."""

from __future__ import annotations

import re

import numpy as np
import streamlit as st
import torch

import viz
from layers.text import text_to_word_sequence
from ui.blocks import chart
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import MAX_SHORT_TEXT, Settings
from ui.shell import explain
from ui.state import widget

from . import code, vectors
from .common import code_span, has_hangul, loaded, show_code, texts

MAX_WORDS = 20  # words in a similarity matrix: more cannot be read
PAIRS = ((("고양이", "NNG"), ("개", "NNG")), (("고양이", "NNG"), ("자동차", "NNG")))


def sentence_words(s: Settings) -> list[str]:
    """The text's distinct words that are not Korean, in order (GloVe's vocabulary is English)."""
    words = text_to_word_sequence("\n".join(texts(s)))
    return list(dict.fromkeys(w for w in words if not has_hangul(w)))


def parse_analogy(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """'king - man + woman' -> (("king", "woman"), ("man",)); a word without a sign adds."""
    positive, negative = [], []
    for sign, word in re.findall(r"([+\-−]?)\s*([^\s+\-−]+)", text.lower()):
        (negative if sign in ("-", "−") else positive).append(word)
    return tuple(positive), tuple(negative)


COMMON = 500  # GloVe's rows are by frequency: its first 500 words are mostly function words


def default_word(known: list[str]) -> str:
    """The word whose neighbours are shown when none is typed: the sentence's first word that is
    not among GloVe's 500 most frequent ("cat", not "the"), else its first word, else king."""
    index = vectors.glove().index
    content = [w for w in known if index.get(w, 0) >= COMMON]
    return (content or known or ["king"])[0]


@st.cache_resource(max_entries=16, show_spinner=False)
def _glove_matrix(words: tuple[str, ...]):
    return vectors.glove().cosine_matrix(list(words))


@st.cache_resource(max_entries=16, show_spinner=False)
def _random_matrix(words: tuple[str, ...], seed: int):
    return vectors.random_cosine_matrix(list(words), seed=seed)


@st.cache_resource(max_entries=32, show_spinner=False)
def _nearest(word: str):
    return vectors.glove().nearest(word, k=10)


@st.cache_resource(max_entries=32, show_spinner=False)
def _analogy(positive: tuple[str, ...], negative: tuple[str, ...]):
    return vectors.glove().analogy(positive=positive, negative=negative, k=5).matches


@st.cache_resource(max_entries=16, show_spinner=False)
def _kiwi_matrix(text: str):
    pairs = vectors.content_morphemes(text)[:MAX_WORDS]
    return vectors.morpheme_similarity_matrix(pairs)


def similarity_part(s: Settings) -> None:
    explain(t("text.sim_idea"), r"\cos(a, b) = \frac{a \cdot b}{\lVert a \rVert\,\lVert b \rVert}")
    words = sentence_words(s)
    korean = [line for line in texts(s) if has_hangul(line)]
    if not words and not korean:
        st.info(t("problem.no_words"), icon=":material/edit:")
        return
    if words:
        _english(s, words)
    if korean:  # the neighbours box is drawn once: here when there is no English part above
        _korean(s, "\n".join(korean), word_box=not words)


def _cosines(s: Settings, matrix, labels: list[str], title: str, key: str) -> None:
    """A word × word cosine matrix, on the fixed scale [−1, 1]."""
    chart(
        viz.similarity_heatmap(
            np.asarray(matrix, dtype=np.float32),
            labels,
            title=title,
            value_name="cos",
            presentation=s.present,
        ),
        key,
    )


def _unknown(unknown: list[str]) -> None:
    if unknown:
        listed = ", ".join(code_span(w) for w in unknown[:30])
        st.caption(t("text.sim_unknown", n=len(unknown), words=listed))


def _english(s: Settings, words: list[str]) -> None:
    st.subheader(t("text.sim_glove"))
    if not loaded(vectors.glove, vectors.glove_loaded, "text.sim_loading"):
        return
    if len(words) > MAX_WORDS:
        st.caption(t("text.sim_first", n=MAX_WORDS, total=len(words)))
    known, matrix, unknown = _glove_matrix(tuple(words[:MAX_WORDS]))
    _unknown(unknown)
    if known:
        left, right = st.columns(2)
        with left:
            _cosines(s, matrix, known, t("text.sim_glove_title", n=len(known)), "text_sim_glove")
        with right:
            random = _random_matrix(tuple(known), s.seed)
            _cosines(s, random, known, t("text.sim_random_title"), "text_sim_random")
        st.markdown(t("text.sim_random_note"))
        downloads("glove_cosine", torch.from_numpy(np.asarray(matrix)), "text_sim_dl")

    left, right = st.columns(2)
    with left:
        widget(
            st.text_input,
            t("text.sim_word"),
            "word",
            max_chars=MAX_SHORT_TEXT["word"],
            placeholder=default_word(known),
            help=t("text.sim_word_help"),
        )
        word = (s.word.strip().lower() or default_word(known)).split()[0]
        neighbours = _nearest(word)
        if neighbours:
            chart(
                viz.score_bars(
                    [w for w, _ in neighbours],
                    np.asarray([v for _, v in neighbours], dtype=np.float32),
                    title=t("text.sim_nearest", word=word),
                    x_title="cos",
                    presentation=s.present,
                ),
                "text_nearest",
            )
        else:
            st.info(t("text.sim_word_unknown", word=md_escape(word)), icon=":material/search:")
    with right:
        widget(
            st.text_input,
            t("text.sim_analogy"),
            "analogy",
            max_chars=MAX_SHORT_TEXT["analogy"],
            placeholder="king - man + woman",
            help=t("text.sim_analogy_help"),
        )
        positive, negative = parse_analogy(s.analogy)
        found = _analogy(positive, negative) if positive else None
        missing = [w for w in (*positive, *negative) if w not in vectors.glove()]
        if missing:
            st.info(t("text.sim_analogy_unknown", words=", ".join(map(md_escape, missing))))
        elif found:
            chart(
                viz.score_bars(
                    [w for w, _ in found],
                    np.asarray([v for _, v in found], dtype=np.float32),
                    title=t("text.sim_analogy_title", expr=s.analogy[:60]),
                    x_title="cos",
                    presentation=s.present,
                ),
                "text_analogy",
            )
        else:
            st.info(t("text.sim_analogy_empty"))
    show_code(lambda: code.similarity_programs(known or ["king"], word, positive, negative))


@st.cache_resource(max_entries=32, show_spinner=False)
def _similar_morphemes(form: str, tag: str):
    return vectors.similar_morphemes(form, tag, k=10)


def _kiwi_nearest(s: Settings, first: str) -> None:
    """Kiwi's nearest morphemes: of a Korean word typed in the neighbours box, else of the
    sentence's first noun, verb or adjective."""
    typed = vectors.content_morphemes(s.word) if has_hangul(s.word) else []
    form, tag = typed[0] if typed else first.rsplit("/", 1)
    found = _similar_morphemes(form, tag)
    if found:
        chart(
            viz.score_bars(
                [label for label, _ in found],
                np.asarray([score for _, score in found], dtype=np.float32),
                title=t("text.sim_nearest", word=f"{form}/{tag}"),
                x_title="cos",
                presentation=s.present,
            ),
            "text_kiwi_nearest",
        )


def _korean(s: Settings, text: str, *, word_box: bool) -> None:
    st.subheader(t("text.sim_kiwi"))
    if not loaded(vectors.kiwi, vectors.kiwi_loaded, "text.ko_loading"):
        return
    labels, matrix, unknown = _kiwi_matrix(text)
    _unknown(unknown)
    if labels:
        left, right = st.columns(2)
        with left:
            _cosines(s, matrix, labels, t("text.sim_kiwi_title", n=len(labels)), "text_sim_kiwi")
        with right:  # the same morphemes in an untrained table: noise around 0
            random = _random_matrix(tuple(labels), s.seed)
            _cosines(s, random, labels, t("text.sim_random_title"), "text_sim_kiwi_random")
        if word_box:
            widget(
                st.text_input,
                t("text.sim_word"),
                "word",
                max_chars=MAX_SHORT_TEXT["word"],
                placeholder=labels[0].rsplit("/", 1)[0],
                help=t("text.sim_word_help_ko"),
            )
        _kiwi_nearest(s, labels[0])
    else:
        st.info(t("text.sim_kiwi_none"))
    (a, b), (c, d) = PAIRS
    pair_labels, pair_matrix, _ = vectors.morpheme_similarity_matrix([a, b, d])
    if len(pair_labels) == 3:
        m1, m2 = st.columns(2)
        m1.metric("cos(고양이, 개)", f"{float(pair_matrix[0, 1]):.3f}")
        m2.metric("cos(고양이, 자동차)", f"{float(pair_matrix[0, 2]):.3f}")
