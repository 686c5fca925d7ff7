"""Add & Norm: the residual connection around a sub-layer, then LayerNorm."""

from __future__ import annotations

import streamlit as st

import viz
from ui.blocks import chart, f32, heatmap
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import CHOICES, Settings
from ui.shell import explain
from ui.state import widget

from . import code, compute
from .common import (
    affine,
    norm_controls,
    show_code,
)


def residual_section(s: Settings, vectors, b: int) -> None:
    explain(t("lab.residual_idea"), r"y = \mathrm{LayerNorm}(x + \mathrm{Sublayer}(x))")
    widget(
        st.segmented_control,
        t("lab.sublayer"),
        "sublayer",
        options=CHOICES["sublayer"],
        format_func=lambda k: t(f"lab.sublayer_{k}"),
    )
    norm_controls()
    x = vectors.x
    D = x.shape[-1]
    gamma, beta = affine(s, D)
    result = compute.residual(x, s.sublayer, s.seed, s.eps, gamma, beta, vectors.batch.padding_mask)
    labels = vectors.batch.tokens[b]
    left, right = st.columns(2)
    with left:
        heatmap(f32(x[b]), labels, key="res_x", title=t("lab.res_x"))
    with right:
        heatmap(f32(result.sublayer[b]), labels, key="res_sub", title=t("lab.res_sub"))
    if result.total is None:
        st.error(t("lab.res_mismatch", a=tuple(x.shape), b=tuple(result.sublayer.shape)), icon="🧱")
    else:
        left, right = st.columns(2)
        with left:
            heatmap(f32(result.total[b]), labels, key="res_sum", title=t("lab.res_sum"))
        with right:
            heatmap(f32(result.norm.out[b]), labels, key="res_out", title=t("lab.res_out"))
        n = min(len(labels), 128)
        chart(
            viz.norm_stats_bars(
                labels[:n],
                f32(result.total[b].mean(-1))[:n],
                f32(result.total[b].std(-1, unbiased=False))[:n],
                f32(result.norm.out[b].mean(-1))[:n],
                f32(result.norm.out[b].std(-1, unbiased=False))[:n],
                title=t("block.norm_stats"),
                before_name=t("lab.res_sum"),
                after_name=t("lab.res_out"),
                mean_title=t("axis.mean"),
                std_title=t("axis.std"),
                presentation=s.present,
            ),
            "res_stats",
        )
        downloads("addnorm_out", result.norm.out, "dl_res_out")
    downloads("x", x, "dl_res_x")
    downloads("sublayer", result.sublayer, "dl_res_sub")
    show_code(
        code.residual_torch(x, result.sublayer, gamma, beta, s.eps),
        code.residual_keras(x, result.sublayer, s.eps),
    )
