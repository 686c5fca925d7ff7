"""Step 2, preprocess: Tokenizer(num_words, oov_token) fitted on the training part only, then
pad_sequences(maxlen); how many validation tokens the model will never see, and how long the
rows are against maxlen. For Korean: words split at spaces, or Kiwi's morphemes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

import viz
from ui import kiwi
from ui.blocks import chart
from ui.controls import columns
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings
from ui.shell import explain
from ui.state import widget

from .common import current_run, korean, prepared, show_code, texts, uses_morphemes, with_value
from .prep import Prepared, encode

NUM_WORDS = (100, 200, 500, 1000, 2000, 3000, 5000, 10_000, 20_000)
MAXLENS = (5, 10, 15, 20, 30, 40, 60, 80, 100, 150, 200)


def controls(s: Settings, is_korean: bool) -> None:
    c1, c2, c3 = columns(("fit_words", "fit_maxlen", ("fit_oov", "morph")))
    with c1:
        widget(
            st.select_slider,
            t("train.num_words"),
            "fit_words",
            options=with_value(NUM_WORDS, s.fit_words),
            format_func=lambda v: f"{int(v):,}",
            help=t("train.num_words_help"),
        )
    with c2:
        widget(
            st.select_slider,
            t("train.maxlen"),
            "fit_maxlen",
            options=with_value(MAXLENS, s.fit_maxlen),
            format_func=lambda v: str(int(v)),
            help=t("train.maxlen_help"),
        )
    with c3:
        widget(st.text_input, t("train.oov"), "fit_oov", max_chars=40, help=t("train.oov_help"))
        if is_korean:
            widget(st.toggle, t("train.morph"), "morph", help=t("train.morph_help"))


def example(s: Settings, c, prep: Prepared) -> None:
    """One training row through texts_to_sequences and pad_sequences."""
    row = int(prep.parts["train"][0])
    text = texts(s, c.ds)[row]
    words, ids, padded = encode(prep.tokenizer, text, s.fit_maxlen)
    st.markdown(t("train.example", text=md_escape(c.ds.texts[row][:300])))
    oov = prep.tokenizer.oov_token
    shown = ", ".join(words[:40]) + (" …" if len(words) > 40 else "")
    st.code(
        f"words  ({len(words)}): {shown}\n"
        f"ids    ({len(ids)}): {ids[:40]}{' …' if len(ids) > 40 else ''}\n"
        f"padded {tuple(padded.shape)}: {padded[0].tolist()}",
        language=None,
        wrap_lines=True,
    )
    if oov is None:
        st.caption(t("train.no_oov_note"))


def korean_split(s: Settings, ds) -> None:
    """Spaces beside morphemes: the vocabulary and the validation tokens the model cannot see.
    Kiwi is loaded only once the switch asked for it (about 500 MB, once per server)."""
    if not (s.morph or kiwi.kiwi_loaded()):
        return
    rows = []
    for morph in (False, True):
        prep = prepared(replace(s, morph=morph), ds)
        if prep is None:
            return
        rows.append(
            {
                t("train.split_by"): t("train.split_morphemes" if morph else "train.split_spaces"),
                t("train.vocab"): f"{len(prep.tokenizer.word_index):,}",
                t("train.unseen"): f"{prep.val_unseen / max(prep.val_tokens, 1):.1%}",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def prep_step(s: Settings) -> None:
    explain(t("train.prep_idea"))
    c = current_run(s)
    if c is None:
        return
    is_korean = korean(c.ds)
    controls(s, is_korean)  # a moved control has already changed `s` (its callback ran first)
    prep = c.prep
    vocab = len(prep.tokenizer.word_index)
    share = prep.val_unseen / max(prep.val_tokens, 1)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("train.vocab"), f"{vocab:,}")
    m2.metric(t("train.embedding_rows"), f"{s.fit_words:,}", help=t("train.embedding_rows_help"))
    m3.metric(t("train.unseen"), f"{share:.1%}" if prep.val_tokens else "—")
    if is_korean:
        st.caption(t("train.morph_on" if uses_morphemes(s, c.ds) else "train.morph_off"))
        korean_split(s, c.ds)
    chart(
        viz.oov_curve(
            prep.curve_words,
            prep.curve_share,
            s.fit_words,
            share,
            title=t("train.unseen_title"),
            x_label=t("train.num_words"),
            y_label=t("train.unseen"),
            point_label=f"num_words={s.fit_words:,}: {share:.1%}",
        ),
        key="train_oov",
    )
    lengths = prep.lengths
    cut = float(np.mean(lengths > s.fit_maxlen)) if len(lengths) else 0.0
    chart(
        viz.length_histogram(
            lengths,
            s.fit_maxlen,
            title=t("train.lengths_title"),
            x_label=t("train.tokens"),
            y_label=t("train.rows"),
            cut_label=t("train.cut", maxlen=s.fit_maxlen, share=f"{cut:.1%}"),
        ),
        key="train_lengths",
    )
    st.caption(t("train.lengths_note", median=int(np.median(lengths)) if len(lengths) else 0))
    example(s, c, prep)
    show_code(c, s)
