"""What the Train page's steps share: the data in use, its preprocessing, the run, the code."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from layers.training import ModelConfig
from ui import kiwi
from ui.i18n import t
from ui.settings import CHOICES, Settings
from ui.shell import code_panel

from . import code, data
from .jobs import FitSpec, Inputs, Run, Trainer
from .prep import Prepared, prepare

OWN = "_train_own"  # session state: the teacher's own lines, parsed (data.Parsed)
HANGUL = re.compile("[\uac00-\ud7a3]")
LOADED = "_train_loaded"  # session state: an uploaded model (model, tokenizer, file name)


def labels(prefix: str):
    """A control's format_func, its words fixed in the page's language when it is drawn
    (`train.step` → the step names), so that it reads the same outside the script run too."""
    words = {option: t(f"{prefix}_{option}") for option in CHOICES[prefix.split(".", 1)[1]]}
    return lambda option: words.get(option, str(option))


def with_value(options, value) -> list:
    """A select slider's options with the setting's own value among them (a link's 0.07)."""
    return sorted({*options, value})


def data_name(s: Settings) -> str:
    """The data set in use: the link's `data`, else the page language's own sentences."""
    return s.data or s.lang


def dataset(s: Settings) -> data.Dataset | None:
    """The rows in use; None for "own" before the teacher gave usable lines."""
    name = data_name(s)
    if name != "own":
        return data.shipped(name)
    parsed = st.session_state.get(OWN)
    return None if parsed is None else parsed.dataset


def korean(ds: data.Dataset) -> bool:
    """Whether the rows are mostly Korean (the morpheme switch applies); read once per data."""
    return ds.name == "ko" or _mostly_hangul(ds.digest, ds.texts[:200])


@st.cache_resource(max_entries=8, show_spinner=False)
def _mostly_hangul(digest: str, _sample: tuple[str, ...]) -> bool:
    return sum(bool(HANGUL.search(text)) for text in _sample) > len(_sample) / 2


def uses_morphemes(s: Settings, ds: data.Dataset) -> bool:
    return s.morph and korean(ds)


@st.cache_resource(max_entries=4, show_spinner=False)
def _morpheme_texts(digest: str, _texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(kiwi.split(list(_texts)))


def texts(s: Settings, ds: data.Dataset) -> tuple[str, ...]:
    """The texts the Tokenizer reads: as written, or Kiwi's morphemes joined by spaces."""
    if not uses_morphemes(s, ds):
        return ds.texts
    if not kiwi.kiwi_loaded():
        with st.spinner(t("train.kiwi_loading")):
            kiwi.kiwi()
    return _morpheme_texts(ds.digest, ds.texts)


def prep_key(s: Settings, ds: data.Dataset) -> tuple:
    oov = s.fit_oov or None
    return (
        ds.digest, uses_morphemes(s, ds), s.seed, s.order, s.val, s.split, s.fit_words, oov,
        s.fit_maxlen,
    )  # fmt: skip


@st.cache_resource(max_entries=12, show_spinner=False)
def _prepared(key: tuple, _texts: tuple[str, ...], _labels: np.ndarray) -> Prepared:
    _, _, seed, order, val, split, num_words, oov, maxlen = key
    return prepare(
        _texts, _labels, seed=seed, order=order, val=val, split=split, num_words=num_words,
        oov_token=oov, maxlen=maxlen,
    )  # fmt: skip


def prepared(s: Settings, ds: data.Dataset) -> Prepared | None:
    """The split, fitted and padded data for these settings (once per process), or a message."""
    try:
        return _prepared(prep_key(s, ds), texts(s, ds), ds.labels)
    except ValueError as error:  # too few rows for this split
        st.error(t("train.split_error", error=str(error)), icon=":material/error:")
        return None


def model_config(s: Settings) -> ModelConfig:
    return ModelConfig(
        vocab=s.fit_words, dim=s.fit_d, units=s.fit_units, cell=s.cell, maxlen=s.fit_maxlen
    )


def fit_spec(s: Settings, ds: data.Dataset) -> FitSpec:
    digest = hashlib.sha256(repr(prep_key(s, ds)).encode()).hexdigest()
    return FitSpec(
        digest=digest,
        config=model_config(s),
        optimizer=s.optimizer,
        learning_rate=s.lr,
        clipnorm=s.fit_clipnorm or None,
        epochs=s.epochs,
        batch_size=s.fit_batch,
        seed=s.seed,
    )


def inputs(prep: Prepared) -> Inputs:
    import torch

    validation = None
    if len(prep.parts["val"]):
        validation = (prep.x["val"], torch.as_tensor(prep.y["val"]))
    return Inputs(prep.x["train"], torch.as_tensor(prep.y["train"]), validation)


@st.cache_resource(show_spinner=False)
def trainer() -> Trainer:
    """The process's one Trainer: every session's runs, trained in turn by one worker thread."""
    return Trainer()


def session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


@dataclass(frozen=True)
class Current:
    """What a step needs: the settings, the rows, their preprocessing and the run, if any."""

    s: Settings
    ds: data.Dataset
    prep: Prepared
    spec: FitSpec
    run: Run | None


def current_run(s: Settings) -> Current | None:
    """The data and the run of these settings; None (with a message) while there are no data."""
    ds = dataset(s)
    if ds is None:
        st.info(t("train.need_data"), icon=":material/upload_file:")
        return None
    prep = prepared(s, ds)
    if prep is None:
        return None
    spec = fit_spec(s, ds)
    return Current(s, ds, prep, spec, trainer().get(spec))


def show_code(c: Current | None, s: Settings) -> None:
    """The page's code panel (the whole program, as the tutorial writes it) and its data files."""
    if c is None:
        return

    def make() -> tuple[str, str]:
        return code.programs(
            cell=s.cell,
            num_words=s.fit_words,
            oov_token=s.fit_oov or None,
            maxlen=s.fit_maxlen,
            dim=s.fit_d,
            units=s.fit_units,
            optimizer=s.optimizer,
            learning_rate=s.lr,
            clipnorm=s.fit_clipnorm or None,
            epochs=s.epochs,
            batch_size=s.fit_batch,
            validation=s.val,
            split=s.split,
            seed=s.seed,
            morphemes=uses_morphemes(s, c.ds),
            sentence=s.review,
        )

    if not code_panel(make, key="train_code"):
        return
    files = code.split_files(c.ds.texts, c.ds.labels, code.file_parts(c.prep.parts, s.val))
    st.caption(t("train.code_files"))
    columns = st.columns(len(files))
    for column, (name, payload) in zip(columns, files.items(), strict=True):
        column.download_button(
            f"{name}.tsv",
            data=payload,
            file_name=f"{name}.tsv",
            mime="text/tab-separated-values",
            key=f"train_file_{name}",
            on_click="ignore",
        )
