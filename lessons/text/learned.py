"""The table is learned: the ids have no gradient, the rows they picked do."""

from __future__ import annotations

import streamlit as st
import torch

import viz
from layers import make_generator
from layers.embedding import embedding_grad
from ui.blocks import chart, f32
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings

from . import code
from .common import show_code, table_part

MAX_SHOWN = 128


def upstream_for(T: int, D: int, seed: int) -> torch.Tensor:
    """∂L/∂e for each looked-up vector: what the layers above would send back (seeded)."""
    return torch.randn(T, D, generator=make_generator(seed, "text-upstream"))  # (T, D)


def learned_part(s: Settings) -> None:
    sent = table_part(
        s,
        "text.grad_idea",
        r"\frac{\partial L}{\partial W_v} = \sum_{t:\ ids_t = v} \frac{\partial L}{\partial e_t}"
        r",\qquad \frac{\partial L}{\partial\, ids}\ \text{does not exist}",
    )
    if sent is None:
        return
    ids, W = sent.ids, sent.table
    V, D = W.shape
    T = len(ids)
    upstream = upstream_for(T, D, s.seed)
    result = embedding_grad(ids[None], upstream[None], V)  # (1, T), (1, T, D) -> (V, D)
    grad, used, counts = result.grad, result.used, result.counts
    st.markdown(
        f":blue-badge[ids ({T},)] :blue-badge[∂L/∂W ({V}, {D})] "
        + t("text.grad_rows", used=int(used.sum()), V=V)
    )
    st.info(t("text.grad_kind"), icon=":material/lightbulb:")
    repeated = [(f"{v} · {sent.vocab[v]}", int(counts[v])) for v in range(V) if counts[v] > 1]
    if repeated:
        listed = ", ".join(f"{md_escape(name)} ×{n}" for name, n in repeated[:8])
        st.markdown(t("text.grad_repeated", words=listed))
    if V > MAX_SHOWN or D > MAX_SHOWN:
        st.caption(t("text.oh_sliced", n=MAX_SHOWN))
    chart(
        viz.table_gradient(
            f32(grad[:MAX_SHOWN, :MAX_SHOWN]),
            vocab=sent.vocab[:MAX_SHOWN],
            used=used[:MAX_SHOWN].numpy(),
            title=t("text.grad_title"),
            presentation=s.present,
        ),
        "text_grad",
    )
    downloads("table_grad", grad, "text_grad")
    downloads("upstream", upstream, "text_upstream")  # ∂L/∂e: the programs load it when large
    show_code(lambda: code.gradient_programs(ids.tolist(), W, upstream))
