"""Four norms side by side (Layer, Batch, Group, Instance): which axes each averages over."""

from __future__ import annotations

import streamlit as st

import viz
from ui.blocks import chart, f32, heatmap
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import CHOICES, LIMITS, Settings
from ui.shell import explain
from ui.state import current, hidden, update, widget

from . import code, compute
from .common import (
    SAMPLE_BATCH,
    affine,
    norm_controls,
    show_code,
)
from .images import image_section

NORMS = ("layernorm", "batchnorm", "groupnorm", "instancenorm")


def _sample_batch() -> None:
    update(text=SAMPLE_BATCH[current().lang])


def compare_section(s: Settings, vectors, b: int) -> None:
    widget(
        st.segmented_control,
        t("lab.batch_kind"),
        "batch",
        options=CHOICES["batch"],
        format_func=lambda k: t(f"lab.batch_{k}"),
    )
    if s.batch == "image":
        image_section(s)
        return
    explain(t("lab.compare_idea"))
    x = vectors.x
    B, T, D = x.shape
    if B < 2:
        st.info(t("lab.need_batch"))
        if not hidden("text"):  # it replaces the text
            st.button(t("lab.sample_batch"), key="sample_batch", on_click=_sample_batch)
    options = [g for g in range(1, D + 1) if D % g == 0 and g <= 64]
    widget(
        st.segmented_control,
        t("lab.groups"),
        "groups",
        options=sorted({*options, s.groups}),
        help=t("lab.groups_help", d=D),
    )
    norm_controls()
    gamma, beta = affine(s, D)
    compared = compute.compare_norms(x, s.groups, s.eps, gamma, beta)
    present = s.present

    st.markdown(f"##### {t('lab.axes_heading')}")
    shown_b, shown_t = min(B, 3), min(T, 4)
    shown_d = D if D <= 16 else s.groups * max(1, 16 // s.groups)
    chart(
        viz.norm_axes_diagram(
            shown_b,
            shown_t,
            shown_d,
            s.groups,
            titles={n: t(f"lab.norm.{n}") for n in NORMS},
            row_label=t("lab.row_label"),
            x_title=t("axis.feature"),
            presentation=present,
        ),
        "axes",
    )
    st.caption(t("lab.axes_caption", B=B, T=T, D=D, G=s.groups))

    st.markdown(f"##### {t('lab.stats_heading')}")
    sentences = [t("block.sentence_n", n=i + 1) for i in range(B)]
    cols = st.columns(2)
    for k, name in enumerate(NORMS):
        with cols[k % 2]:
            if name in compared.problems:
                st.warning(t(f"lab.problem.{compared.problems[name]}", name=t(f"lab.norm.{name}")))
                continue
            mean = compared.means[name]
            title = t("lab.stats_title", name=t(f"lab.norm.{name}"), shape=tuple(mean.shape))
            if mean.dim() == 1:
                chart(
                    viz.feature_bars(
                        f32(mean)[:128],
                        title=title,
                        x_title=t("axis.feature"),
                        y_title="μ",
                        presentation=present,
                    ),
                    f"stats_{name}",
                )
            else:
                heatmap(
                    f32(mean),
                    sentences,
                    key=f"stats_{name}",
                    title=title,
                    y_title=t("axis.sentence"),
                )

    st.markdown(f"##### {t('lab.outputs_heading')}")
    outputs = {n: o[b] for n, o in compared.outputs.items()}
    peak = max((float(o.abs().max()) for o in outputs.values()), default=1.0) or 1.0
    labels = vectors.batch.tokens[b]
    cols = st.columns(2)
    for k, name in enumerate(n for n in NORMS if n in outputs):
        with cols[k % 2]:
            heatmap(
                f32(outputs[name]),
                labels,
                key=f"cmp_{name}",
                title=t(f"lab.norm.{name}"),
                zrange=(-peak, peak),
            )
    st.caption(t("lab.shared_scale", peak=f"{peak:.3g}"))

    st.markdown(f"##### {t('lab.bn_heading')}")
    explain(t("lab.bn_idea"))
    widget(
        st.slider,
        t("lab.momentum"),
        "momentum",
        min_value=LIMITS["momentum"][0],
        max_value=LIMITS["momentum"][1],
        step=0.01,
        help=t("lab.momentum_help"),
    )
    running = compute.running_stats(x, s.momentum, s.eps)
    features = min(D, 4)
    names = [f"{t('axis.feature')} {j}" for j in range(features)]
    left, right = st.columns(2)
    for col, values, target, title, y_title, key in (
        (
            left,
            running.mean,
            running.target_mean,
            "lab.running_title",
            "lab.running_mean",
            "running",
        ),
        (
            right,
            running.var,
            running.target_var,
            "lab.running_var_title",
            "lab.running_var",
            "running_var",
        ),
    ):
        with col:
            chart(
                viz.step_lines(
                    f32(values[:, :features]),
                    names=names,
                    targets=f32(target[:features]),
                    target_name=t("lab.batch_mean"),
                    title=t(title, momentum=s.momentum),
                    x_title=t("lab.step"),
                    y_title=t(y_title),
                    presentation=present,
                ),
                key,
            )
    gap = float((running.train_out - running.eval_out).abs().max())
    st.markdown(t("lab.train_eval_gap", steps=running.mean.shape[0], gap=f"{gap:.3g}"))
    tiny = compute.tiny_batch(x, s.eps)
    if tiny is not None:
        st.markdown(
            t("lab.tiny_batch", bn=f"{tiny.batchnorm_gap:.3g}", ln=f"{tiny.layernorm_gap:.3g}")
        )
    else:
        st.markdown(t("lab.tiny_batch_single"))

    downloads("x", x, "dl_x")
    for name, out in compared.outputs.items():
        downloads(name, out, f"dl_{name}")
    show_code(
        code.compare_torch(x, s.groups, s.eps, gamma, beta),
        code.compare_keras(x, s.groups, s.eps, gamma, beta),
    )


# ---------------------------------------------------------------- dropout
