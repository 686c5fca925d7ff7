"""Dropout: the mask, the 1/(1−p) scaling of survivors, train vs eval."""

from __future__ import annotations

import streamlit as st

import viz
from ui import controls
from ui.blocks import chart, f32, heatmap, readable
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import Settings
from ui.shell import explain

from . import code, compute
from .common import (
    show_code,
)


def dropout_section(s: Settings, vectors, b: int) -> None:
    explain(
        t("lab.dropout_idea"),
        r"y = \frac{m \odot x}{1 - p},\quad m_i \sim "
        r"\mathrm{Bernoulli}(1 - p)",
    )
    controls.dropout_controls()
    x = vectors.x
    views = compute.dropout_views(x, s.p, s.seed, s.train)
    labels = vectors.batch.tokens[b]
    present = s.present
    if not s.train:
        st.info(t("block.dropout_eval"))
    else:
        m1, m2, m3 = st.columns(3)
        m1.metric("p", f"{s.p:g}")
        m2.metric("1/(1−p)", "∞" if s.p >= 1 else f"{1 / (1 - s.p):.4g}")
        m3.metric(t("lab.kept"), f"{float(views.element_mask.float().mean()):.0%}")
        st.markdown(
            t(
                "lab.superset",
                low=f"{views.lower_p:g}",
                p=f"{s.p:g}",
                more=views.newly_dropped,
                revived=views.revived,
            )
        )

    left, right = st.columns(2)
    for col, mask, title, key in (
        (left, views.element_mask, "lab.element", "mask_element"),
        (right, views.feature_mask, "lab.feature", "mask_feature"),
    ):
        with col:
            shown, shown_labels, _ = readable(f32(mask[b].float()), labels)
            chart(
                viz.mask_heatmap(
                    shown,
                    shown_labels,
                    title=t(title),
                    kept_name=t("block.kept"),
                    dropped_name=t("block.dropped"),
                    x_title=t("axis.feature"),
                    y_title=t("axis.token"),
                    presentation=present,
                ),
                key,
            )
    left, right = st.columns(2)
    peak = float(views.element_out[b].abs().max()) or 1.0
    with left:
        heatmap(f32(x[b]), labels, key="drop_in", title=t("lab.input"), zrange=(-peak, peak))
    with right:
        heatmap(
            f32(views.element_out[b]),
            labels,
            key="drop_out",
            title=t("block.output"),
            zrange=(-peak, peak),
        )

    st.markdown(f"##### {t('lab.why_scale')}")
    explain(t("lab.why_scale_idea", n=compute.MANY_MASKS))
    token = min(s.token, len(labels) - 1)
    sums = compute.dropout_sums(x[b, token], s.p, s.seed)
    left, right = st.columns(2)
    for col, samples, title, key in (
        (left, sums.scaled, "lab.sums_scaled", "sums_scaled"),
        (right, sums.unscaled, "lab.sums_unscaled", "sums_raw"),
    ):
        with col:
            chart(
                viz.histogram_with_marker(
                    f32(samples),
                    marker=sums.input_sum,
                    marker_name=t("lab.input_sum"),
                    title=t(title, mean=f"{float(samples.mean()):.3f}"),
                    x_title=t("lab.sum"),
                    y_title=t("lab.count"),
                    presentation=present,
                ),
                key,
            )
    st.caption(t("lab.sums_caption", token=md_escape(labels[token]), total=f"{sums.input_sum:.3f}"))

    downloads("x", x, "dl_drop_x")
    downloads("dropout_mask", views.element_mask.float(), "dl_mask")
    downloads("dropout_out", views.element_out, "dl_drop_out")
    show_code(
        code.dropout_torch(x, s.p, views.scale if s.train else 1 / (1 - s.p)),
        code.dropout_keras(x, s.p),
    )


# ---------------------------------------------------------------- residual Add & Norm
