"""The tutorial's shapes: "What time is it ?" with a five-word dictionary, width 100 and 64 units,
reproduced by running real layers on the page's sentence(s), for any text, D and U.

The tutorial prints (1, 5, 64) for SimpleRNN(64, return_sequences=True) and (1, 64) without,
a kernel of (100, 64) for SimpleRNN and (100, 256) for LSTM "because it has four weights, in
gates", (1, 5, 128) for Bidirectional, and says the GRU "has fewer weights". Here every shape
comes from a layer that ran (no step is shown, so the fused kernels run: trace=False), the
weights' shapes from the layers' own Keras layout and the counts from their tensors; at the
tutorial's settings the page also puts the tutorial's printed numbers beside its own. One click
loads the tutorial's settings (and nothing else), and a lesson link opens them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

import streamlit as st
import torch

from layers import KERAS_FILTERS, Bidirectional, SimpleRNN, make_generator
from layers.stack import tokenize_batch
from ui.code import printable
from ui.compute import capped
from ui.controls import columns
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings, to_query
from ui.shell import explain
from ui.state import current, hidden, update, widget

from .common import (
    TUTORIAL,
    backward_purpose,
    embed,
    filters,
    fits_budget,
    has_words,
    layer_purpose,
    make_layer,
    show_code,
)
from .weights import units_slider, width_slider

CACHE_ENTRIES = 8
LOADED = "recurrent_shapes_loaded"  # what the tutorial button changed, shown once after it
RERUN = "recurrent_shapes_rerun"  # the button asks the whole app to run again (the sidebar)
NBSP = "\u00a0"
SHOWN_WORDS = 40  # dictionary entries written out; the count says how many there are
# What the tutorial prints at its settings: checked against the page's own numbers, never used
# as the page's numbers.
TUTORIAL_CLAIMS = {
    "simple_seq": (1, 5, 64),
    "simple_last": (1, 64),
    "simple_kernel": (100, 64),
    "lstm_kernel": (100, 256),
    "bi": (1, 5, 128),
}

OUTPUTS = ("ids", "embedding", "simple_seq", "simple_last", "bi")
# The name of the layer a counted row stands for, in Keras' words.
LAYER_OF = {
    "embedding": "Embedding({V}, {D})",
    "simple_seq": "SimpleRNN({U})",
    "lstm_kernel": "LSTM({U})",
    "gru_kernel": "GRU({U})",
    "bi": "Bidirectional(LSTM({U}))",
}

IDEA = (
    r"\text{ids}\,(B, T) \xrightarrow{\text{Embedding}(V, D)} x\,(B, T, D)"
    r"\xrightarrow{\text{SimpleRNN}(U)} h\,(B, T, U)\ \text{or}\ h_T\,(B, U)"
)


@dataclass(frozen=True)
class Row:
    """One line of the table: a Keras expression, its PyTorch twin, and what they give."""

    key: str  # the row's name (and its note's i18n key)
    keras: str  # Keras 3 code
    torch: str  # PyTorch code
    symbol: str  # the shape in letters
    shape: tuple[int, ...]  # the shape a layer gave (or holds)
    keras_params: int | None = None  # the layer's parameters, as Keras counts them
    torch_params: int | None = None  # as PyTorch counts them


@dataclass(frozen=True)
class Shapes:
    """The tutorial's layers run on the page's sentences: dictionary, ids, shapes, counts."""

    word_index: dict[str, int]
    ids: list[list[int]]  # (B, T), padded in front
    V: int
    rows: tuple[Row, ...]

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    @property
    def outputs(self) -> list[Row]:
        """What the layers return: ids, token vectors, the recurrent layers' outputs."""
        return [row for row in self.rows if row.key in OUTPUTS]

    @property
    def weights(self) -> list[Row]:
        """What the layers hold: SimpleRNN's three weights, the LSTM's and GRU's kernels."""
        return [row for row in self.rows if row.key not in OUTPUTS]

    @property
    def counts(self) -> list[Row]:
        """The rows that stand for a whole layer, with its parameter counts."""
        return [
            row for row in self.rows if row.keras_params is not None and row.key != "simple_last"
        ]


def _shape(tensor_or_array) -> tuple[int, ...]:
    return tuple(int(n) for n in tensor_or_array.shape)


@st.cache_resource(max_entries=CACHE_ENTRIES, show_spinner=False)
def _shapes(text: str, punct: bool, d: int, units: int, seed: int) -> Shapes:
    batch = tokenize_batch(capped(text), filters=filters(punct))
    V, D, U = batch.vocab_size, d, units
    x = embed(batch, D, seed)  # (B, T, D)
    sequences = make_layer("simplernn", D, U, seed)  # return_sequences=True
    # The same weights (the same seeded generator), returning only the last state:
    last = SimpleRNN(D, U, False, generator=make_generator(seed, layer_purpose("simplernn")))
    lstm = make_layer("lstm", D, U, seed)
    gru = make_layer("gru", D, U, seed)
    bi = Bidirectional(
        make_layer("lstm", D, U, seed), generator=make_generator(seed, backward_purpose("lstm"))
    )
    with torch.no_grad():
        h_all, _ = sequences(x, trace=False)  # (B, T, D) -> (B, T, U)
        h_last, _ = last(x, trace=False)  # (B, T, D) -> (B, U)
        both, _ = bi(x, trace=False)  # (B, T, D) -> (B, T, 2U)
    simple = sequences.keras_weights()
    rows = (
        Row("ids", "pad_sequences(…)", "torch.tensor(ids)", "(B, T)", _shape(batch.ids)),
        Row(
            "embedding",
            f"Embedding({V}, {D})",
            f"nn.Embedding({V}, {D})",
            "(B, T, D)",
            _shape(x),
            V * D,
            V * D,
        ),
        Row(
            "simple_seq",
            f"SimpleRNN({U}, return_sequences=True)",
            f"nn.RNN({D}, {U}, batch_first=True) → out",
            "(B, T, U)",
            _shape(h_all),
            sequences.keras_param_count(),
            sequences.param_count(),
        ),
        Row(
            "simple_last",
            f"SimpleRNN({U})",
            "out[:, -1]",
            "(B, U)",
            _shape(h_last),
            last.keras_param_count(),
            last.param_count(),
        ),
        Row(
            "simple_kernel",
            f"SimpleRNN({U}).cell.kernel",
            f"nn.RNN({D}, {U}).weight_ih_l0.T",
            "(D, U)",
            _shape(simple["kernel"]),
        ),
        Row(
            "simple_recurrent",
            "….cell.recurrent_kernel",
            "….weight_hh_l0.T",
            "(U, U)",
            _shape(simple["recurrent_kernel"]),
        ),
        Row(
            "simple_bias",
            "….cell.bias",
            "….bias_ih_l0 + ….bias_hh_l0",
            "(U,)",
            _shape(simple["bias"]),
        ),
        Row(
            "lstm_kernel",
            f"LSTM({U}).cell.kernel",
            f"nn.LSTM({D}, {U}).weight_ih_l0.T",
            "(D, 4U)",
            _shape(lstm.keras_weights()["kernel"]),
            lstm.keras_param_count(),
            lstm.param_count(),
        ),
        Row(
            "gru_kernel",
            f"GRU({U}).cell.kernel",
            f"nn.GRU({D}, {U}).weight_ih_l0.T",
            "(D, 3U)",
            _shape(gru.keras_weights()["kernel"]),
            gru.keras_param_count(),
            gru.param_count(),
        ),
        Row(
            "bi",
            f"Bidirectional(LSTM({U}, return_sequences=True))",
            f"nn.LSTM({D}, {U}, batch_first=True, bidirectional=True)",
            "(B, T, 2U)",
            _shape(both),
            bi.keras_param_count(),
            bi.param_count(),
        ),
    )
    return Shapes(dict(batch.word_index), batch.ids.tolist(), V, rows)


def tutorial_shapes(s: Settings) -> Shapes:
    """The table's numbers at these settings; check `has_words` and the budget first."""
    return _shapes(s.text, bool(s.punct), s.rnn_d, s.rnn_units, s.seed)


def at_tutorial(s: Settings) -> bool:
    """Whether the settings are the tutorial's own (the text exactly as it types it)."""
    return all(getattr(s, name) == value for name, value in TUTORIAL.items())


def tutorial_link(lang: str) -> str:
    """The lesson link that opens this part at the tutorial's settings (in this language)."""
    base = Settings().with_lang(lang)  # the language's own defaults stay out of the link
    query = to_query(replace(base, **TUTORIAL, rnn_part="shapes"), "recurrent")
    query = {"part": query.pop("part"), **query}  # the part first: it says what opens
    return "/recurrent?" + urlencode(query)


def punctuation_apart(text: str) -> bool:
    """Whether the text has punctuation typed apart ("it ?"): a piece made only of the
    characters Keras' default filters remove."""
    return any(piece and all(ch in KERAS_FILTERS for ch in piece) for piece in capped(text).split())


# --------------------------------------------------------------------------- the part


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load_tutorial() -> None:
    """The button's callback: the tutorial's settings, every other setting as it was."""
    before = current()
    changed = [
        (name, getattr(before, name), value)
        for name, value in TUTORIAL.items()
        if getattr(before, name) != value
    ]
    update(**TUTORIAL)
    st.session_state[LOADED] = changed
    st.session_state[RERUN] = True


def _change_text(name: str, old, new) -> str:
    if name == "text":
        return t("recurrent.shapes.changed_text", old=md_escape(_shorten(old)), new=md_escape(new))
    if name == "punct":
        return t(
            "recurrent.shapes.changed_punct_on" if new else "recurrent.shapes.changed_punct_off"
        )
    letter = {"rnn_d": "D", "rnn_units": "U"}[name]
    return f"{letter} {old} → {new}"


def _tutorial_controls(s: Settings) -> None:
    """The button that loads the tutorial's case, what it changed, and the lesson link."""
    if st.session_state.pop(RERUN, False):
        # The click reran this page's fragment only: the sidebar's text box shows the new
        # sentence once the whole app runs again (the callback already set every setting).
        st.rerun(scope="app")
    if not hidden(*TUTORIAL):  # a teacher's link that fixes one of them keeps it
        st.button(
            t("recurrent.shapes.load"),
            key="recurrent_shapes_load",
            icon=":material/school:",
            on_click=_load_tutorial,
            disabled=at_tutorial(s),
            help=t("recurrent.shapes.load_help"),
        )
    changed = st.session_state.pop(LOADED, None)
    if changed is not None:
        if changed:
            parts = "; ".join(_change_text(*change) for change in changed)
            st.success(t("recurrent.shapes.loaded", changes=parts), icon=":material/check:")
        else:
            st.info(t("recurrent.shapes.already"))
    elif at_tutorial(s):
        st.caption(t("recurrent.shapes.is_tutorial"))
    link = tutorial_link(s.lang)
    st.markdown(t("recurrent.shapes.link", link=link))
    st.code(link, language=None)


def _controls() -> None:
    """D, U and whether punctuation is a word: the part runs every cell, so no cell picker."""
    c1, c2, c3 = columns(("rnn_d", "rnn_units", "punct"), [3, 3, 3])
    with c1:
        width_slider()
    with c2:
        units_slider()
    with c3:
        widget(st.toggle, t("recurrent.punct"), "punct", help=t("recurrent.punct_help"))


def _dictionary(shapes: Shapes) -> None:
    words = list(shapes.word_index.items())
    shown = {printable(word): index for word, index in words[:SHOWN_WORDS]}
    more = f"  # … {len(words) - SHOWN_WORDS} more" if len(words) > SHOWN_WORDS else ""
    ids = shapes.ids if len(shapes.ids) * len(shapes.ids[0]) <= 64 else None
    lines = [f"word_index = {shown!r}{more}", f"V = {shapes.V}  # {len(words)} + 1"]
    if ids is not None:
        lines.append(f"ids = {ids!r}")
    st.markdown(t("recurrent.shapes.dictionary", V=shapes.V, words=len(words)))
    st.code("\n".join(lines), language="python")


def _claim(row: Row, tutorial: bool) -> str:
    claim = TUTORIAL_CLAIMS.get(row.key)
    if not tutorial or claim is None:
        return ""
    return f"{_text(claim)} {'✓' if claim == row.shape else '✗'}"


def _text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")")


def _unbroken(text: str) -> str:
    """A shape that a table cell does not break across lines."""
    return text.replace(" ", NBSP)


def _count(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def _table(rows: list[Row], tutorial: bool) -> None:
    """Keras' code, PyTorch's, what it is and the shape a layer gave (and the tutorial's)."""
    header = ["Keras 3", "PyTorch", t("recurrent.shapes.col_what"), t("recurrent.shapes.col_shape")]
    if tutorial:
        header.append(t("recurrent.shapes.col_tutorial"))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            f"`{row.keras}`",
            f"`{row.torch}`",
            t(f"recurrent.shapes.what_{row.key}"),
            f"**{_unbroken(_text(row.shape))}** {_unbroken(row.symbol)}",
        ]
        if tutorial:
            cells.append(_claim(row, tutorial))
        lines.append("| " + " | ".join(cells) + " |")
    st.markdown("\n".join(lines))


def _counts(shapes: Shapes, s: Settings) -> None:
    """Each layer's parameters as Keras and PyTorch count them."""
    lines = [
        f"| {t('recurrent.shapes.col_layer')} | {t('recurrent.shapes.col_keras_params')} "
        f"| {t('recurrent.shapes.col_torch_params')} |",
        "|---|---:|---:|",
    ]
    for row in shapes.counts:
        name = LAYER_OF[row.key].format(V=shapes.V, D=s.rnn_d, U=s.rnn_units)
        lines.append(f"| `{name}` | {_count(row.keras_params)} | {_count(row.torch_params)} |")
    st.markdown("\n".join(lines))


def shapes_part(s: Settings) -> None:
    explain(t("recurrent.shapes.idea"), IDEA)
    _tutorial_controls(s)
    s = current()
    _controls()  # first: a text over budget or without words still has its switches
    s = current()
    if punctuation_apart(s.text) and not s.punct:
        st.warning(t("recurrent.shapes.punct_off"), icon=":material/info:")
    if not has_words(s) or not fits_budget(replace(s, rnn_cell="lstm")):
        return
    shapes = tutorial_shapes(s)
    _dictionary(shapes)
    tutorial = at_tutorial(s)
    st.markdown(f"#### {t('recurrent.shapes.outputs_title')}")
    _table(shapes.outputs, tutorial)
    st.markdown(f"#### {t('recurrent.shapes.weights_title')}")
    _table(shapes.weights, tutorial)
    st.markdown(f"#### {t('recurrent.shapes.counts_title')}")
    _counts(shapes, s)
    lstm, gru = shapes.row("lstm_kernel"), shapes.row("gru_kernel")
    st.markdown(
        t(
            "recurrent.shapes.fewer",
            gru=f"{gru.keras_params:,}",
            lstm=f"{lstm.keras_params:,}",
            share=f"{gru.keras_params / lstm.keras_params:.0%}",
        )
    )
    st.caption(t("recurrent.shapes.counts_note"))
    if tutorial:
        st.caption(t("recurrent.shapes.claims_note"))
    from . import shapes_code

    show_code(lambda: shapes_code.shapes_programs(s), "shapes")
