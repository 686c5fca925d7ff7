"""Step 5, evaluate and predict: model.evaluate on the test part (loss, accuracy and where the
errors fall), then model.predict on a typed sentence — its probability, the label at 0.5, and
the tokens the model actually saw (unknown words marked, words cut by maxlen marked)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

import viz
from layers.text import Tokenizer
from layers.training import SentimentModel, evaluate, predict
from ui import kiwi
from ui.blocks import chart
from ui.i18n import t
from ui.settings import Settings
from ui.shell import explain
from ui.state import widget

from .common import LOADED, Current, current_run, show_code, uses_morphemes
from .prep import encode

MAX_TOKENS_SHOWN = 60


@st.cache_resource(max_entries=16, show_spinner=False)
def _evaluation(key: str, _model: SentimentModel, _x: torch.Tensor, _y: np.ndarray):
    """(loss, accuracy, probabilities) of a finished run on the test part, once per process."""
    loss, accuracy = evaluate(_model, _x, _y)
    return loss, accuracy, predict(_model, _x)


def finished_model(c: Current) -> SentimentModel | None:
    run = c.run
    return None if run is None or run.model is None else run.model


def evaluation(c: Current):
    model = finished_model(c)
    if model is None:
        return None
    return _evaluation(repr(c.spec), model, c.prep.x["test"], c.prep.y["test"])


def seen_tokens(
    tokenizer: Tokenizer, words: list[str], maxlen: int
) -> tuple[list[str], list[int | None], list[str]]:
    """Each word, its id (None when dropped), and what happened to it: kept, oov, dropped, cut."""
    oov_index = tokenizer.word_index.get(tokenizer.oov_token) if tokenizer.oov_token else None
    ids: list[int | None] = []
    fate: list[str] = []
    for word in words:
        index = tokenizer.word_index.get(word)
        if index is not None and tokenizer.keeps(index):
            ids.append(index)
            fate.append("kept")
        elif oov_index is not None:
            ids.append(oov_index)
            fate.append("oov")
        else:
            ids.append(None)
            fate.append("dropped")
    kept_positions = [i for i, index in enumerate(ids) if index is not None]
    for position in kept_positions[: max(len(kept_positions) - maxlen, 0)]:  # pre-truncation
        fate[position] = "cut"
    return words, ids, fate


def predict_panel(
    model: SentimentModel, tokenizer: Tokenizer, maxlen: int, morphemes: bool, text: str,
    key: str,
) -> float:  # fmt: skip
    """A sentence → probability, label at 0.5, and the tokens as the model saw them."""
    split = kiwi.split([text])[0] if morphemes and text.strip() else text
    words, ids, padded = encode(tokenizer, split, maxlen)
    p = float(predict(model, padded)[0, 0])
    label = int(p > 0.5)
    chart(
        viz.probability_bar(
            p,
            labels=(t("train.class_0"), t("train.class_1")),
            title=t("train.predicted", label=t(f"train.class_{label}"), p=f"{p:.3f}"),
        ),
        key=key,
    )
    words, index, fate = seen_tokens(tokenizer, words, maxlen)
    if not words:
        st.caption(t("train.predict_empty"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("train.token"): words[:MAX_TOKENS_SHOWN],
                    "id": ["—" if i is None else str(i) for i in index[:MAX_TOKENS_SHOWN]],
                    t("train.fate"): [t(f"train.fate_{f}") for f in fate[:MAX_TOKENS_SHOWN]],
                }
            ).T,
            width="stretch",
        )
        if len(words) > MAX_TOKENS_SHOWN:
            st.caption(t("train.tokens_more", shown=MAX_TOKENS_SHOWN, total=len(words)))
    st.code(f"model.predict(x)  # x {tuple(padded.shape)}: {padded[0].tolist()}\n→ [[{p:.4f}]]",
            language=None, wrap_lines=True)  # fmt: skip
    return p


def eval_step(s: Settings) -> None:
    explain(t("train.eval_idea"))
    c = current_run(s)
    if c is None:
        return
    result = evaluation(c)
    loaded = st.session_state.get(LOADED)
    if result is None:
        st.info(t("train.need_fit"), icon=":material/model_training:")
    else:
        loss, accuracy, probs = result
        st.code(
            f"model.evaluate(x_test, y_test)  # {len(c.prep.parts['test']):,} "
            f"{t('train.rows')}\n→ [{loss:.4f}, {accuracy:.4f}]   # [loss, accuracy]",
            language=None,
        )
        m1, m2, m3 = st.columns(3)
        m1.metric(t("train.test_loss"), f"{loss:.4f}")
        m2.metric(t("train.test_acc"), f"{accuracy:.1%}")
        h = c.run.history
        if h.val_accuracy:
            m3.metric(t("train.last_val_acc"), f"{h.val_accuracy[-1]:.1%}")
        y = c.prep.y["test"]
        predicted = (probs[:, 0].numpy() > 0.5).astype(np.int64)
        matrix = np.zeros((2, 2), dtype=np.int64)
        np.add.at(matrix, (y, predicted), 1)
        names = [t("train.class_0"), t("train.class_1")]
        chart(
            viz.confusion_matrix(matrix, labels=names, title=t("train.confusion"),
                                 x_label=t("train.predicted_axis"), y_label=t("train.true_axis")),
            key="train_confusion",
        )  # fmt: skip
    st.subheader(t("train.predict"))
    widget(st.text_area, t("train.review"), "review", height=80, max_chars=2000)
    if result is not None:
        predict_panel(c.run.model, c.prep.tokenizer, s.fit_maxlen, uses_morphemes(s, c.ds),
                      s.review, key="train_prob")  # fmt: skip
    elif loaded is not None:
        st.caption(t("train.using_loaded", name=loaded[1]))
        model_file = loaded[0]
        predict_panel(model_file.model, model_file.tokenizer, model_file.model.config.maxlen,
                      model_file.morphemes, s.review, key="train_prob")  # fmt: skip
    show_code(c, s)
