"""The normalization and dropout lab: four sections, each idea → controls → figures → code."""

from __future__ import annotations

import streamlit as st
import torch

import viz
from layers.stack import PAD

from . import controls, lab_code, lab_math
from .blocks import chart, f32, heatmap, readable
from .compute import capped, lab_fits_budget
from .downloads import downloads
from .i18n import t
from .safe import md_escape
from .settings import CHOICES, LIMITS, Settings, parse_numbers
from .shell import code_panel, explain
from .state import current, hidden, update, widget

SAMPLE_BATCH = {
    "en": "The cat sat on the mat\nA dog barked at the mailman all morning\nBirds sing",
    "ko": "고양이가 매트 위에 앉았다\n강아지가 아침 내내 집배원을 보고 짖었다\n새가 노래한다",
}


# Token vectors are (B, T, D) float32, up to 67 MB each (64 lines × 512 tokens × width 512):
# eight of them keep at most about 0.5 GB; they take milliseconds to make again.
@st.cache_resource(max_entries=8, show_spinner=False)
def _vectors(text: str, d: int, seed: int):
    return lab_math.token_vectors(capped(text), d, seed)


def _affine(s: Settings, d: int, *, warn: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """γ and β per feature; `warn` says on the page when a per-feature list was ignored."""
    gamma, beta, ignored = lab_math.affine(s.gammas, s.betas, s.gamma, s.beta, d)
    if ignored and warn:
        st.warning(t("lab.per_feature_ignored", d=d), icon="⚠️")
    return gamma, beta


def _numbers_text(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" for v in values)


def _numbers_from(name: str):
    """Parse a per-feature list typed in a box; a bad one keeps the last good list."""

    def parse(text: str) -> tuple[float, ...]:
        parsed = parse_numbers(text)
        return getattr(current(), name) if parsed is None else parsed

    return parse


def norm_controls(per_feature: bool = False) -> None:
    """γ, β, ε, and in the LayerNorm section a γ and β for each feature."""
    controls.norm_controls()
    if per_feature and _per_feature_switch():
        c1, c2 = controls.columns(("gammas", "betas"))  # no gap where a link hides one
        for col, name in ((c1, "gammas"), (c2, "betas")):
            with col:
                widget(
                    st.text_input,
                    t(f"lab.{name}"),
                    name,
                    to_widget=_numbers_text,
                    from_widget=_numbers_from(name),
                    help=t("lab.per_feature_help"),
                )
        # A box whose text does not parse keeps the text (nothing typed is lost) and says why.
        if any(
            parse_numbers(st.session_state.get(f"w_{n}", "")) is None for n in ("gammas", "betas")
        ):
            st.error(t("lab.bad_numbers", low=LIMITS["gamma"][0], high=LIMITS["gamma"][1]))


def _per_feature_switch() -> bool:
    """The per-feature switch. Switching it off clears both lists, so a lesson link that hides
    either list hides the switch too: the link's lists then decide, and still apply."""
    on = bool(current().gammas or current().betas)
    if hidden("gammas", "betas"):
        return on
    return st.toggle(
        t("lab.per_feature"), key="lab_per_feature", value=on, on_change=_per_feature_switched
    )


def _per_feature_switched() -> None:
    if not st.session_state.get("lab_per_feature"):  # off: back to one γ and β for all
        update(gammas=(), betas=())
        for key in ("w_gammas", "w_betas"):
            st.session_state.pop(key, None)


def _sentence_picker(vectors) -> int:
    B = vectors.x.shape[0]
    if B == 1:
        return 0
    return st.selectbox(
        t("follow.sentence"),
        range(B),
        key="lab_sentence",
        format_func=lambda i: (
            f"{i + 1}: " + " ".join(w for w in vectors.batch.tokens[i] if w != PAD)
        ),
    )


def _code(torch_code: str, keras_code: str) -> None:
    code_panel(lambda: (torch_code, keras_code), key="lab_code")


# ---------------------------------------------------------------- LayerNorm, one step at a time
def _row(s: Settings, vectors, b: int) -> tuple[torch.Tensor, str]:
    """The row LayerNorm works on, and how to name it."""
    if s.row == "example":
        return torch.tensor(lab_math.EXAMPLE_ROW), t("lab.row_example_name")
    if s.row == "flat":
        return lab_math.flat_row(s.d, s.seed), t("lab.row_flat_name")
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
    gamma, beta = _affine(s, D, warn=True)
    trace = lab_math.layer_norm(row, gamma, beta, s.eps)
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
    without = lab_math.layer_norm(row, gamma, beta, 0.0)
    flat = lab_math.flat_row(D, s.seed)  # as wide as the row, so γ and β fit
    flat_with = lab_math.layer_norm(flat, gamma, beta, s.eps)
    flat_without = lab_math.layer_norm(flat, gamma, beta, 0.0)
    constant = lab_math.layer_norm(torch.full((D,), 5.0), gamma, beta, 0.0)
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
        all_trace = lab_math.layer_norm(x, *_affine(s, x.shape[-1]), s.eps)
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
    _code(
        lab_code.layer_norm_torch(row, gamma, beta, s.eps),
        lab_code.layer_norm_keras(row, gamma, beta, s.eps),
    )


# ---------------------------------------------------------------- four normalizations compared
NORMS = ("layernorm", "batchnorm", "groupnorm", "instancenorm")


def _sample_batch() -> None:
    update(text=SAMPLE_BATCH[current().lang])


def compare_section(s: Settings, vectors, b: int) -> None:
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
    gamma, beta = _affine(s, D)
    compared = lab_math.compare_norms(x, s.groups, s.eps, gamma, beta)
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
    running = lab_math.running_stats(x, s.momentum, s.eps)
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
    tiny = lab_math.tiny_batch(x, s.eps)
    if tiny is not None:
        st.markdown(
            t("lab.tiny_batch", bn=f"{tiny.batchnorm_gap:.3g}", ln=f"{tiny.layernorm_gap:.3g}")
        )
    else:
        st.markdown(t("lab.tiny_batch_single"))

    downloads("x", x, "dl_x")
    for name, out in compared.outputs.items():
        downloads(name, out, f"dl_{name}")
    _code(
        lab_code.compare_torch(x, s.groups, s.eps, gamma, beta),
        lab_code.compare_keras(x, s.groups, s.eps, gamma, beta),
    )


# ---------------------------------------------------------------- dropout
def dropout_section(s: Settings, vectors, b: int) -> None:
    explain(
        t("lab.dropout_idea"),
        r"y = \frac{m \odot x}{1 - p},\quad m_i \sim "
        r"\mathrm{Bernoulli}(1 - p)",
    )
    controls.dropout_controls()
    x = vectors.x
    views = lab_math.dropout_views(x, s.p, s.seed, s.train)
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
    explain(t("lab.why_scale_idea", n=lab_math.MANY_MASKS))
    token = min(s.token, len(labels) - 1)
    sums = lab_math.dropout_sums(x[b, token], s.p, s.seed)
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
    _code(
        lab_code.dropout_torch(x, s.p, views.scale if s.train else 1 / (1 - s.p)),
        lab_code.dropout_keras(x, s.p),
    )


# ---------------------------------------------------------------- residual Add & Norm
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
    gamma, beta = _affine(s, D)
    result = lab_math.residual(
        x, s.sublayer, s.seed, s.eps, gamma, beta, vectors.batch.padding_mask
    )
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
    _code(
        lab_code.residual_torch(x, result.sublayer, gamma, beta, s.eps),
        lab_code.residual_keras(x, result.sublayer, s.eps),
    )


SECTIONS = {
    "layernorm": layernorm_section,
    "compare": compare_section,
    "dropout": dropout_section,
    "residual": residual_section,
}


def lab_page() -> None:
    s = current()
    widget(
        st.segmented_control,
        t("lab.section"),
        "section",
        options=CHOICES["section"],
        format_func=lambda k: t(f"lab.section_{k}"),
    )
    if not lab_fits_budget(s):  # over the work budget: said what to lower instead
        return
    vectors = _vectors(s.text, s.d, s.seed)
    # LayerNorm's worked example and flat row need no sentence; everything else does.
    needs_words = s.section != "layernorm" or s.row == "token"
    if vectors is None and needs_words:
        st.info(t("problem.no_words"), icon="✍️")
        return
    b = _sentence_picker(vectors) if vectors is not None else 0
    SECTIONS[s.section](s, vectors, b)
