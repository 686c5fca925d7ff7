"""Step 3, build and compile: Sequential([Embedding, SimpleRNN/LSTM/GRU, Dense(1, sigmoid)]),
its summary() as Keras prints it with PyTorch's count beside it, and compile(optimizer, loss,
metrics) with the learning rate and an optional clipnorm."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.training import OPTIMIZERS, ModelConfig, SentimentModel, summary
from ui.controls import columns
from ui.i18n import t
from ui.settings import CHOICES, Settings
from ui.shell import explain
from ui.state import widget

from .common import current_run, model_config, show_code, with_value

SIZES = (4, 8, 16, 32, 64, 128)
RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
CLIPS = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0)


@st.cache_resource(max_entries=16, show_spinner=False)
def _model(vocab: int, dim: int, units: int, cell: str, maxlen: int) -> SentimentModel:
    """An untrained model, for its summary and counts (the weights are not shown here)."""
    return SentimentModel(ModelConfig(vocab, dim, units, cell, maxlen), seed=0)


def model_controls(s: Settings) -> None:
    c1, c2, c3 = columns(("cell", "fit_d", "fit_units"))
    with c1:
        widget(
            st.segmented_control,
            t("train.cell"),
            "cell",
            options=CHOICES["cell"],
            format_func=lambda k: {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[k],
        )
    with c2:
        widget(
            st.select_slider, t("train.dim"), "fit_d", options=with_value(SIZES, s.fit_d),
            format_func=lambda v: str(int(v)),
        )  # fmt: skip
    with c3:
        widget(
            st.select_slider, t("train.units"), "fit_units", options=with_value(SIZES, s.fit_units),
            format_func=lambda v: str(int(v)),
        )  # fmt: skip


def compile_controls(s: Settings) -> None:
    c1, c2, c3 = columns(("optimizer", "lr", "fit_clipnorm"))
    with c1:
        widget(
            st.segmented_control, t("train.optimizer"), "optimizer", options=CHOICES["optimizer"]
        )
    with c2:
        widget(
            st.select_slider,
            t("train.lr"),
            "lr",
            options=with_value(RATES, s.lr),
            format_func=lambda v: f"{v:g}",
            help=t("train.lr_help", default=f"{OPTIMIZERS[s.optimizer].default_lr:g}"),
        )
    with c3:
        widget(
            st.select_slider,
            t("train.clipnorm"),
            "fit_clipnorm",
            options=with_value(CLIPS, s.fit_clipnorm),
            format_func=lambda v: t("train.clip_off") if v == 0 else f"{v:g}",
        )


def compile_line(s: Settings) -> str:
    name = {"rmsprop": "RMSprop", "adam": "Adam", "sgd": "SGD"}[s.optimizer]
    clip = f", clipnorm={s.fit_clipnorm:g}" if s.fit_clipnorm else ""
    return (
        f"model.compile(optimizer=keras.optimizers.{name}(learning_rate={s.lr:g}{clip}),\n"
        '              loss="binary_crossentropy", metrics=["accuracy"])'
    )


def build_step(s: Settings) -> None:
    explain(t("train.build_idea"))
    c = current_run(s)
    if c is None:
        return
    model_controls(s)
    config = model_config(s)
    model = _model(config.vocab, config.dim, config.units, config.cell, config.maxlen)
    st.markdown(t("train.summary_keras"))
    st.code(summary(model), language=None)  # full width: Keras' table is 78 characters wide
    left, right = st.columns([3, 2])
    with left:
        st.markdown(t("train.summary_torch"))
        rows = model.layer_rows()
        st.dataframe(
            pd.DataFrame(
                {
                    t("train.layer"): [f"{name} ({kind})" for name, kind, *_ in rows],
                    "Keras": [f"{k:,}" for *_, k, _ in rows],
                    "PyTorch": [f"{p:,}" for *_, p in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    with right:
        st.metric(
            t("train.torch_total"),
            f"{model.torch_param_count():,}",
            delta=f"{model.torch_param_count() - model.keras_param_count():+,}",
            delta_color="off",
        )
        st.caption(t(f"train.bias_note_{s.cell}", units=s.fit_units))
    st.subheader(t("train.compile"))
    explain(t("train.compile_idea"))
    compile_controls(s)
    st.code(compile_line(s), language="python")
    if s.optimizer == "sgd" and s.lr < 0.01:
        st.caption(t("train.sgd_note"))
    show_code(c, s)
