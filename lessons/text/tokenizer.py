"""The tokenizer, the Keras way: word counts, a word index by frequency, num_words and OOV."""

from __future__ import annotations

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
from ui.state import hidden, widget

from . import code
from .common import code_span, load_example, num_words, oov_token, show_code, texts, tokenizer

MAX_BARS = 60  # words in the bar chart; the table below it has them all
MAX_ROWS = 60  # words of the new sentence listed
TUTORIAL = {
    "text": "The earth is an awesome place live",
    "new": "The earth is an great place live",
    "num_words": 0,
    "oov": "",
}


def tokenizer_part(s: Settings) -> None:
    explain(
        t("text.tok_idea"),
        r"\text{sequence} = [\,\mathrm{index}(w_1), \dots, \mathrm{index}(w_T)\,],"
        r"\quad \text{kept only if } \mathrm{index}(w) < \texttt{num\_words}",
    )
    tok = tokenizer(s)
    lines = texts(s)
    if not hidden("text", "new", "num_words", "oov"):
        st.button(
            t("text.tok_tutorial"),
            key="text_tok_tutorial",
            on_click=load_example,
            kwargs=TUTORIAL,
            icon=":material/menu_book:",
        )
    if not tok.word_index:
        st.info(t("problem.no_words"), icon=":material/edit:")
        return

    total = len(tok.word_index)
    left, right = st.columns(2)
    with left:
        widget(
            st.slider,
            t("text.num_words"),
            "num_words",
            min_value=0,
            # total + 1 keeps every word: each step up to it changes what is kept
            max_value=max(total + 1, s.num_words),
            step=1,
            help=t("text.num_words_help"),
        )
    with right:
        widget(
            st.text_input,
            t("text.oov"),
            "oov",
            max_chars=MAX_SHORT_TEXT["oov"],
            placeholder="<OOV>",
            help=t("text.oov_help"),
        )
    kept = [tok.keeps(index) for index in tok.word_index.values()]
    n_kept = sum(kept)
    limit = num_words(s)
    st.markdown(
        t("text.tok_counts", texts=len(lines), words=total, kept=n_kept)
        + " "
        + (t("text.tok_quirk", n=limit, kept=n_kept) if limit else t("text.tok_all"))
    )

    words = list(tok.word_index)
    counts = [tok.word_counts.get(w, 0) for w in words]  # the OOV token was never counted
    if total > MAX_BARS:
        st.caption(t("text.tok_bars_sliced", n=MAX_BARS, total=total))
    chart(
        viz.word_index_bars(
            words[:MAX_BARS],
            np.asarray(counts[:MAX_BARS], dtype=np.float32),
            kept=kept[:MAX_BARS],
            title=t("text.tok_bars_title"),
            x_title=t("text.tok_bars_x"),
            y_title=t("text.tok_bars_y"),
            kept_name=t("text.tok_kept"),
            dropped_name=t("text.tok_dropped"),
            presentation=s.present,
        ),
        "text_word_index",
    )
    st.dataframe(
        {
            "index": list(tok.word_index.values()),
            "word": words,
            "count": counts,
            t("text.tok_kept_col"): kept,
        },
        hide_index=True,
        height=240,
        key="text_word_table",
    )

    st.subheader(t("text.tok_new"))
    widget(st.text_area, t("text.tok_new_box"), "new", height=80, help=t("text.tok_new_help"))
    new_words = text_to_word_sequence(s.new[: MAX_SHORT_TEXT["new"]])
    sequence = tok.texts_to_sequences([s.new[: MAX_SHORT_TEXT["new"]]])[0]
    back = tok.sequences_to_texts([sequence])[0]
    _encoded_table(tok, new_words)
    st.markdown(
        t("text.tok_sequence", shape=f"({len(sequence)},)")
        + f"\n\n{code_span(str(sequence))}\n\n"
        + t("text.tok_back")
        + f"\n\n> {md_escape(back) or '∅'}"
    )
    if sequence:
        downloads("sequence", torch.tensor(sequence, dtype=torch.float32), "text_seq")
    show_code(lambda: code.tokenizer_programs(lines, s.new, limit, oov_token(s)))


def _encoded_table(tok, words: list[str]) -> None:
    """Each word of the new sentence: its index, or why `texts_to_sequences` dropped it."""
    oov = tok.word_index.get(tok.oov_token) if tok.oov_token is not None else None
    rows = [f"| {t('text.tok_word')} | index | {t('text.tok_fate')} |", "|---|---|---|"]
    for word in words[:MAX_ROWS]:
        index = tok.word_index.get(word)
        if index is not None and tok.keeps(index):
            fate, shown = f":green-badge[{t('text.tok_fate_kept')}]", str(index)
        elif index is not None:
            why = t(
                "text.tok_fate_cut" if oov is None else "text.tok_fate_cut_oov",
                index=index,
                n=tok.num_words,
            )
            fate, shown = f":orange-badge[{why}]", "—" if oov is None else f"{oov} (OOV)"
        else:
            why = t("text.tok_fate_unknown" if oov is None else "text.tok_fate_unknown_oov")
            fate, shown = f":red-badge[{why}]", "—" if oov is None else f"{oov} (OOV)"
        rows.append(f"| {md_escape(word)} | {shown} | {fate} |")
    if len(words) > MAX_ROWS:
        rows.append(f"| … | | {t('text.tok_more', n=len(words) - MAX_ROWS)} |")
    if not words:
        st.info(t("text.tok_new_empty"), icon=":material/edit:")
        return
    st.markdown("\n".join(rows))
