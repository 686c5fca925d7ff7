"""What the Text & embedding page's parts share: the texts, the fitted tokenizer, the table."""

from __future__ import annotations

import re
from dataclasses import dataclass

import streamlit as st
import torch

from layers import Embedding, make_generator
from layers.text import Tokenizer
from ui import controls
from ui.compute import capped
from ui.i18n import t
from ui.settings import Settings
from ui.shell import code_panel, explain
from ui.state import current, hidden, update

MAX_LINES = 64  # texts the tokenizer is fitted on: the batch limit of every page
MAX_TOKENS = 512  # tokens of one sentence that the one-hot and gradient parts take
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
BEFORE = "_text_before_example"  # the text a one-click example replaced, to put it back


def texts(s: Settings) -> list[str]:
    """The sidebar text as Keras' `fit_on_texts` gets it: each non-empty line a text."""
    lines = [line for line in capped(s.text).splitlines() if line.strip()]
    return lines[:MAX_LINES]


def oov_token(s: Settings) -> str | None:
    return s.oov.strip() or None


def num_words(s: Settings) -> int | None:
    return s.num_words or None


# A tokenizer is a few dicts; sixteen of them cost nothing and thirty students share them.
@st.cache_resource(max_entries=16, show_spinner=False)
def fitted(lines: tuple[str, ...], words: int | None, oov: str | None) -> Tokenizer:
    return Tokenizer(num_words=words, oov_token=oov).fit_on_texts(list(lines))


def tokenizer(s: Settings) -> Tokenizer:
    return fitted(tuple(texts(s)), num_words(s), oov_token(s))


def code_span(text: str) -> str:
    """Text shown literally as inline code: Markdown reads nothing inside, so no escaping (a
    backslash would show); only a backtick, which would end the span, is swapped for ˋ."""
    return "`" + text.replace("`", "ˋ").replace("\n", " ") + "`"


def has_hangul(text: str) -> bool:
    return bool(HANGUL.search(text))


@dataclass(frozen=True)
class Sentence:
    """The first line of the text as ids, with the table its ids index."""

    words: list[str]  # the word of each kept id, as `sequences_to_texts` gives it
    ids: torch.Tensor  # (T,) int64
    vocab: list[str]  # (V,) the word of every row: "<pad>", "the", … (figures add the index)
    table: torch.Tensor  # (V, D)


@st.cache_resource(max_entries=8, show_spinner=False)
def _sentence(lines: tuple[str, ...], words: int | None, oov: str | None, d: int, seed: int):
    tok = fitted(lines, words, oov)
    ids = tok.texts_to_sequences(lines[:1])[0][:MAX_TOKENS] if lines else []
    V = tok.vocab_size
    names = ["<pad>", *(tok.index_word[i] for i in range(1, V))]
    table = Embedding(V, d, generator=make_generator(seed, "text-table")).weight.detach()
    return Sentence(
        words=[tok.index_word[i] for i in ids],
        ids=torch.tensor(ids, dtype=torch.long),
        vocab=names,
        table=table,
    )


def sentence(s: Settings) -> Sentence:
    return _sentence(tuple(texts(s)), num_words(s), oov_token(s), s.d, s.seed)


def table_part(s: Settings, idea_key: str, equation: str) -> Sentence | None:
    """The start of the parts on the table: the idea, the width D, the first sentence as ids
    and its (V, D) table; None, with a note, when the sentence has no word to look up."""
    explain(t(idea_key), equation)
    controls.width_control()
    sent = sentence(s)
    if not len(sent.ids):
        st.info(t("problem.no_words"), icon=":material/edit:")
        return None
    return sent


def load_example(**changes) -> None:
    """A one-click example: remember the text it replaces, so one more click puts it back."""
    settings = current()
    if "text" in changes and changes["text"] != settings.text and BEFORE not in st.session_state:
        st.session_state[BEFORE] = settings.text
    update(**changes)


def _put_back() -> None:
    update(text=st.session_state.pop(BEFORE))


def put_back_button() -> None:
    """After a one-click example replaced the text: a button that brings the text back."""
    if BEFORE in st.session_state and not hidden("text"):
        st.button(
            t("text.put_back"), key="text_put_back", on_click=_put_back, icon=":material/undo:"
        )


def show_code(make) -> None:
    code_panel(make, key="text_code")


def loaded(load, is_loaded, spinner_key: str) -> bool:
    """Load a vector set (once per server, with a spinner the first time); False, with a message
    on the page, if its package is missing or broken: the page goes on without it."""
    if is_loaded():
        return True
    try:
        with st.spinner(t(spinner_key)):
            load()
    except (ImportError, OSError, RuntimeError) as error:
        st.error(t("text.vectors_missing", error=str(error)), icon=":material/error:")
        return False
    return True
