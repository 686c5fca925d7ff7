"""Step 6, save and load: the trained model and its Tokenizer as one safetensors file (tensors
plus JSON, never a pickle), and the same file uploaded back: its predictions on the test part
are compared with the trained model's, number for number. A file that is too big, corrupt, not
ours or hostile is refused with a sentence."""

from __future__ import annotations

import streamlit as st
import torch

from layers.training import predict, summary
from ui.i18n import t
from ui.settings import Settings
from ui.shell import explain

from . import model_file
from .common import LOADED, Current, current_run, show_code, uses_morphemes
from .evaluate import predict_panel
from .prep import encode

UPLOAD = "train_model_upload"
FILE_NAME = "sentiment-model.safetensors"


@st.cache_resource(max_entries=8, show_spinner=False)
def _file(key: str, _c: Current, morphemes: bool) -> bytes:
    return model_file.to_bytes(_c.run.model, _c.prep.tokenizer, morphemes=morphemes)


def _load() -> None:
    upload = st.session_state.get(UPLOAD)
    st.session_state.pop(LOADED, None)
    st.session_state.pop("_train_load_error", None)
    if upload is None:
        return
    if upload.size > model_file.MAX_BYTES:
        st.session_state["_train_load_error"] = ("size", {"mb": model_file.MAX_BYTES // 2**20})
        return
    try:
        st.session_state[LOADED] = (model_file.from_bytes(upload.getvalue()), upload.name[:80])
    except model_file.ModelFileError as error:
        st.session_state["_train_load_error"] = (error.reason, error.values)


def round_trip(c: Current, loaded: model_file.Loaded) -> None:
    """The loaded model's predictions on the test part beside the trained model's."""
    config = loaded.model.config
    texts = [c.ds.texts[i] for i in c.prep.parts["test"]]
    if loaded.morphemes:
        from ui import kiwi

        texts = kiwi.split(texts)
    rows = torch.cat([encode(loaded.tokenizer, text, config.maxlen)[2] for text in texts])
    after = predict(loaded.model, rows)
    before = predict(c.run.model, c.prep.x["test"])
    same, largest = model_file.same_predictions(before, after)
    if same:
        st.success(t("train.round_trip_same", rows=len(texts)), icon=":material/check_circle:")
    else:
        st.warning(t("train.round_trip_differs", rows=len(texts), diff=f"{largest:.3g}"))


def save_step(s: Settings) -> None:
    explain(t("train.save_idea"))
    c = current_run(s)
    if c is None:
        return
    trained = c.run is not None and c.run.model is not None
    if trained:
        st.download_button(
            t("train.download", name=FILE_NAME),
            data=_file(repr(c.spec), c, uses_morphemes(s, c.ds)),
            file_name=FILE_NAME,
            mime="application/octet-stream",
            key="train_download",
            icon=":material/download:",
            on_click="ignore",
        )
        st.caption(t("train.file_note"))
    else:
        st.info(t("train.need_fit"), icon=":material/model_training:")
    st.file_uploader(
        t("train.upload", mb=model_file.MAX_BYTES // 2**20),
        type=["safetensors"],
        key=UPLOAD,
        on_change=_load,
    )
    error = st.session_state.get("_train_load_error")
    if error is not None:
        reason, values = error
        st.error(t(f"train.load_{reason}", **values), icon=":material/block:")
    loaded = st.session_state.get(LOADED)
    if loaded is None:
        show_code(c, s)
        return
    model_loaded, name = loaded
    st.success(t("train.loaded", name=name), icon=":material/upload_file:")
    st.code(summary(model_loaded.model), language=None)
    if trained:
        round_trip(c, model_loaded)
    predict_panel(
        model_loaded.model,
        model_loaded.tokenizer,
        model_loaded.model.config.maxlen,
        model_loaded.morphemes,
        s.review,
        key="train_loaded_prob",
    )
    show_code(c, s)
