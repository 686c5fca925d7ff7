"""Korean: split on spaces (Keras) or into morphemes (Kiwi), and what it does to the vocabulary."""

from __future__ import annotations

import numpy as np
import streamlit as st

import viz
from layers.text import text_to_word_sequence
from ui.blocks import chart
from ui.i18n import t
from ui.settings import Settings
from ui.shell import explain

from . import code, vectors
from .common import code_span, has_hangul, loaded, show_code, texts

EXAMPLE = ("고양이가 잔다", "고양이는 귀엽다")
MAX_WORDS = 40  # words listed of the sentence


@st.cache_resource(max_entries=16, show_spinner=False)
def _morphemes(text: str):
    return vectors.morphemes(text)


@st.cache_resource(max_entries=1, show_spinner=False)
def _corpus():
    return vectors.corpus_vocabulary_sizes()


def korean_part(s: Settings) -> None:
    explain(t("text.ko_idea"))
    lines = texts(s)
    korean = [line for line in lines if has_hangul(line)]
    if not korean:
        st.info(t("text.ko_english_note"), icon=":material/lightbulb:")
        return
    if not loaded(vectors.kiwi, vectors.kiwi_loaded, "text.ko_loading"):
        return
    line = korean[0]
    spaces = text_to_word_sequence(line)
    morphemes = _morphemes(line)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('text.ko_spaces')}** :blue-badge[{len(spaces)}]")
        st.markdown(" · ".join(code_span(w) for w in spaces[:MAX_WORDS]) or "∅")
    with right:
        st.markdown(f"**{t('text.ko_morphemes')}** :blue-badge[{len(morphemes)}]")
        st.markdown(" · ".join(code_span(m.label) for m in morphemes[:MAX_WORDS]) or "∅")
    if len(spaces) > MAX_WORDS or len(morphemes) > MAX_WORDS:
        st.caption(t("text.ko_more", n=MAX_WORDS))

    st.subheader(t("text.ko_example"))
    for sentence in EXAMPLE:
        split = " + ".join(f"{m.form}/{m.tag}" for m in _morphemes(sentence))
        st.markdown(f"`{sentence}` → Keras: `{' | '.join(sentence.split())}` · Kiwi: `{split}`")
    st.markdown(t("text.ko_example_note"))

    st.subheader(t("text.ko_corpus"))
    with st.spinner(t("text.ko_counting")):
        corpus = _corpus()
    c1, c2, c3 = st.columns(3)
    c1.metric(t("text.ko_corpus_texts"), f"{corpus.texts:,}")
    c2.metric(t("text.ko_corpus_spaces"), f"{corpus.space_words:,}")
    c3.metric(t("text.ko_corpus_morphemes"), f"{corpus.morphemes:,}")
    chart(
        viz.score_bars(
            [t("text.ko_corpus_spaces"), t("text.ko_corpus_morphemes")],
            np.asarray([corpus.space_words, corpus.morphemes], dtype=np.float32),
            title=t("text.ko_corpus_chart", texts=f"{corpus.texts:,}"),
            x_title=t("text.ko_corpus_x"),
            value_format=",.0f",
            presentation=s.present,
        ),
        "text_ko_vocab",
    )
    st.markdown(
        t("text.ko_corpus_note", ratio=f"{corpus.space_words / max(corpus.morphemes, 1):.1f}")
    )
    show_code(lambda: code.korean_programs(line))
