"""LayerNorm, one step at a time: mean, variance, x̂, then γ and β."""

from __future__ import annotations

import streamlit as st
import torch

import viz
from ui import controls
from ui.blocks import chart, f32
from ui.downloads import downloads
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import CHOICES, LIMITS, Settings
from ui.shell import explain
from ui.state import hidden, update, widget

from . import code, compute
from .common import (
    affine,
    norm_controls,
    show_code,
)


# ---------------------------------------------------------------- LayerNorm, one step at a time
def _row(s: Settings, vectors, b: int) -> tuple[torch.Tensor, str]:
    """The row LayerNorm works on, and how to name it."""
    if s.row == "example":
        return torch.tensor(compute.EXAMPLE_ROW), t("lab.row_example_name")
    if s.row == "flat":
        return compute.flat_row(s.d, s.seed), t("lab.row_flat_name")
    tokens = vectors.batch.tokens[b]
    token = min(s.token, len(tokens) - 1)
    row = vectors.x[b, token] * s.scale + s.shift  # what LayerNorm removes again
    return row, t("lab.row_token_name", i=token, token=md_escape(tokens[token]))


def _load_example() -> None:
    update(row="example", gamma=2.0, beta=1.0, gammas=(), betas=())
    for key in ("w_gamma", "w_beta", "w_row", "w_gammas", "w_betas"):
        st.session_state.pop(key, None)


def layernorm_section(s: Settings, vectors, b: int) -> None:
    explain(
        t("lab.ln_idea"),
        r"\hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \varepsilon}}"
        r",\quad y_i = \gamma_i \hat{x}_i + \beta_i",
    )
    c1, c2 = st.columns([3, 2])
    with c1:
        widget(
            st.segmented_control,
            t("lab.row"),
            "row",
            options=CHOICES["row"],
            format_func=lambda r: t(f"lab.row_{r}"),
        )
    with c2:
        if not hidden("row", "gamma", "beta", "gammas", "betas"):  # it sets them all
            st.button(
                t("lab.load_example"),
                key="load_example",
                on_click=_load_example,
                help=t("lab.load_example_help"),
                type="primary",
            )
    if s.row == "token" and vectors is not None:
        tokens = vectors.batch.tokens[b]
        c1, c2, c3 = controls.columns(("token", "scale", "shift"))  # no gap where one is hidden
        with c1:
            widget(
                st.selectbox,
                t("lab.token"),
                "token",
                options=range(len(tokens)),
                to_widget=lambda i: min(i, len(tokens) - 1),
                format_func=lambda i: f"{i} · {tokens[i]}",
            )
        with c2:
            widget(
                st.slider,
                t("lab.scale"),
                "scale",
                min_value=LIMITS["scale"][0],
                max_value=LIMITS["scale"][1],
                step=0.1,
                help=t("lab.scale_help"),
            )
        with c3:
            widget(
                st.slider,
                t("lab.shift"),
                "shift",
                min_value=LIMITS["shift"][0],
                max_value=LIMITS["shift"][1],
                step=0.5,
                help=t("lab.scale_help"),
            )
    norm_controls(per_feature=True)

    row, row_name = _row(s, vectors, b)
    D = row.shape[0]
    gamma, beta = affine(s, D, warn=True)
    trace = compute.layer_norm(row, gamma, beta, s.eps)
    present = s.present

    def bars(values, title, key, y_title):
        shown = f32(values)[:128]
        chart(
            viz.feature_bars(
                shown, title=title, x_title=t("axis.feature"), y_title=y_title, presentation=present
            ),
            key,
        )

    st.markdown(f"##### {t('lab.step1', row=row_name)}")
    bars(row, t("lab.x_title"), "ln_x", "x")
    m1, m2, m3 = st.columns(3)
    m1.metric("μ (mean)", f"{float(trace.mean):.4f}")
    m2.metric("σ² (var)", f"{float(trace.var):.4g}")
    m3.metric("√(σ² + ε)", f"{float(trace.std):.4g}")
    st.markdown(f"##### {t('lab.step2')}")
    st.latex(r"\hat{x} = (x - \mu) / \sqrt{\sigma^2 + \varepsilon}")
    bars(trace.x_hat, t("lab.xhat_title"), "ln_xhat", "x̂")
    left, right = st.columns(2)
    with left:
        st.markdown(f"##### {t('lab.step3')}")
        st.latex(r"\gamma \odot \hat{x}")
        bars(trace.scaled, t("lab.scaled_title"), "ln_scaled", "γ·x̂")
    with right:
        st.markdown(f"##### {t('lab.step4')}")
        st.latex(r"y = \gamma \odot \hat{x} + \beta")
        bars(trace.out, t("lab.out_title"), "ln_out", "y")
    st.caption(
        t(
            "lab.out_values",
            values=", ".join(f"{v:.2f}" for v in trace.out[:8].tolist()) + (" …" if D > 8 else ""),
        )
    )

    st.markdown(f"##### {t('lab.eps_heading')}")
    st.markdown(t("lab.eps_explain"))
    without = compute.layer_norm(row, gamma, beta, 0.0)
    flat = compute.flat_row(D, s.seed)  # as wide as the row, so γ and β fit
    flat_with = compute.layer_norm(flat, gamma, beta, s.eps)
    flat_without = compute.layer_norm(flat, gamma, beta, 0.0)
    constant = compute.layer_norm(torch.full((D,), 5.0), gamma, beta, 0.0)
    st.markdown(
        t(
            "lab.eps_numbers",
            eps=f"{s.eps:g}",
            row_with=f"{float(trace.x_hat.abs().max()):.4g}",
            row_without=f"{float(without.x_hat.abs().max()):.4g}",
            flat_with=f"{float(flat_with.x_hat.abs().max()):.4g}",
            flat_without=f"{float(flat_without.x_hat.abs().max()):.4g}",
            constant="NaN" if bool(torch.isnan(constant.x_hat).any()) else "0",
        )
    )

    if vectors is not None:
        st.markdown(f"##### {t('lab.all_tokens')}")
        x = vectors.x[b] * (s.scale if s.row == "token" else 1.0) + (
            s.shift if s.row == "token" else 0.0
        )
        all_trace = compute.layer_norm(x, *affine(s, x.shape[-1]), s.eps)
        labels = vectors.batch.tokens[b][:128]
        n = len(labels)
        chart(
            viz.norm_stats_bars(
                labels,
                f32(x.mean(-1))[:n],
                f32(x.std(-1, unbiased=False))[:n],
                f32(all_trace.x_hat.mean(-1))[:n],
                f32(all_trace.x_hat.std(-1, unbiased=False))[:n],
                title=t("block.norm_stats"),
                before_name=t("block.before"),
                after_name=t("lab.after_xhat"),
                mean_title=t("axis.mean"),
                std_title=t("axis.std"),
                presentation=present,
            ),
            "ln_stats",
        )

    downloads("row", row, "dl_row")
    downloads("layernorm_out", trace.out, "dl_ln_out")
    show_code(
        code.layer_norm_torch(row, gamma, beta, s.eps),
        code.layer_norm_keras(row, gamma, beta, s.eps),
    )


# ---------------------------------------------------------------- four normalizations compared
