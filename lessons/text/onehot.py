"""One-hot vectors and the lookup: one_hot(ids) @ W picks rows of W, exactly the Embedding."""

from __future__ import annotations

import streamlit as st
import torch

import viz
from layers import Embedding, make_generator
from layers.text import Tokenizer, one_hot
from ui.blocks import chart, f32
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import Settings

from . import code
from .common import show_code, table_part

MAX_SHOWN = 128  # rows or columns of a panel drawn; the downloads have them all
COFFEE = "i i i i need some more coffee coffee coffee"
COFFEE_V = 8  # the tutorial's vocabulary size: one-hot vectors 8 wide


def onehot_part(s: Settings) -> None:
    sent = table_part(
        s,
        "text.oh_idea",
        r"\underbrace{\mathrm{onehot}(ids)}_{(T,\,V)}\;\underbrace{W}_{(V,\,D)}"
        r"= \underbrace{W[ids]}_{(T,\,D)}",
    )
    if sent is None:
        return
    ids, W = sent.ids, sent.table
    V, D = W.shape
    T = len(ids)
    onehot = one_hot(ids, V)  # (T,) -> (T, V)
    product = onehot @ W  # (T, V) @ (V, D) -> (T, D)
    lookup = W[ids]  # (T,) -> (T, D)
    same = torch.equal(product, lookup)
    st.markdown(
        f":blue-badge[onehot ({T}, {V})] :blue-badge[W ({V}, {D})] "
        f":blue-badge[onehot @ W ({T}, {D})] :gray-badge[{t('summary.params')}: {V * D:,}]"
    )
    if same:
        st.success(t("text.oh_checked", T=T), icon=":material/check_circle:")
    else:  # never expected: float sums of one non-zero term are exact
        st.error(t("text.oh_differs"), icon=":material/warning:")
    if T > MAX_SHOWN or V > MAX_SHOWN or D > MAX_SHOWN:
        st.caption(t("text.oh_sliced", n=MAX_SHOWN))
    chart(
        viz.onehot_lookup(
            f32(onehot),
            f32(W),
            f32(product),
            tokens=sent.words,
            vocab=sent.vocab,
            picked=ids.numpy(),
            titles=(t("text.oh_onehot"), t("text.oh_table"), t("text.oh_product")),
            limit=MAX_SHOWN,
            presentation=s.present,
        ),
        "text_onehot",
    )
    downloads("table", W, "text_table")

    st.subheader(t("text.oh_sparse"))
    distinct = sorted(set(ids.tolist()))
    hot = one_hot(torch.tensor(distinct), V)  # (n, V)
    cosine = hot @ hot.T  # unit vectors: the dot product is the cosine
    off = cosine - torch.eye(len(distinct))
    m1, m2, m3 = st.columns(3)
    m1.metric(t("text.oh_width_sparse"), f"V = {V:,}")
    m2.metric(t("text.oh_width_dense"), f"D = {D:,}")
    m3.metric(t("text.oh_params"), f"{V:,} × {D:,} = {V * D:,}")
    st.markdown(
        t(
            "text.oh_cosine",
            pairs=len(distinct) * (len(distinct) - 1) // 2,
            max=float(off.abs().max()) if len(distinct) > 1 else 0.0,
        )
    )

    st.subheader(t("text.oh_tutorial"))
    _coffee(s)
    _embedding_64(s)
    show_code(lambda: code.onehot_programs(ids.tolist(), W))


def _coffee(s: Settings) -> None:
    """The tutorial's case: a bias-free Dense of 2 units on one-hot vectors returns W's rows."""
    tok = Tokenizer().fit_on_texts([COFFEE])
    ids = torch.tensor(tok.texts_to_sequences([COFFEE])[0])  # (10,)
    kernel = torch.randn(COFFEE_V, 2, generator=make_generator(s.seed, "text-coffee"))
    dense = one_hot(ids, COFFEE_V) @ kernel  # (10, 8) @ (8, 2) -> (10, 2): Dense, no bias
    same = torch.equal(dense, kernel[ids])
    rows = [f"| {t('text.tok_word')} | id | Dense(2) | W[id] |", "|---|---|---|---|"]
    for word, i, out in zip(COFFEE.split(), ids.tolist(), dense.tolist(), strict=True):
        row = kernel[i].tolist()
        rows.append(f"| {word} | {i} | {out[0]:.4f}, {out[1]:.4f} | {row[0]:.4f}, {row[1]:.4f} |")
    st.markdown(t("text.oh_coffee", words=len(tok.word_index), V=COFFEE_V))
    st.markdown("\n".join(rows))
    if same:
        st.success(t("text.oh_coffee_checked"), icon=":material/check_circle:")


def _embedding_64(s: Settings) -> None:
    layer = Embedding(64, 100, generator=make_generator(s.seed, "text-64"))
    out, _ = layer(torch.tensor([[3, 57, 35]]))  # (1, 3) -> (1, 3, 100)
    st.markdown(
        t(
            "text.oh_64",
            out=f"{tuple(out.shape)}",
            weight=f"{tuple(layer.weight.shape)}",
        )
    )
