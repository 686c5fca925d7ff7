"""Clipping: a stack that explodes, its gradient clipped three ways, and a short training run.

Keras' clipnorm shortens each variable's gradient on its own; global_clipnorm and PyTorch's
clip_grad_norm_ shorten all of them by one factor (the step keeps its direction); clipvalue
cuts every entry (the step bends). Then plain SGD with and without clipping: the loss
overflows to NaN without, stays finite with. The math is in `layers/clipping.py`.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st
import torch

import viz
from layers.clipping import (
    FIXED_LINE,
    KERAS3_LR_ERROR,
    METHODS,
    TUTORIAL_LINE,
    ClipTrace,
    ExplodingSetup,
    TrainRun,
    clip_with,
    clipped_sgd,
    exploding_setup,
    setup_gradients,
)
from ui.blocks import chart, f32
from ui.controls import columns
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import LIMITS, Settings
from ui.shell import explain
from ui.state import current, widget
from ui.tex import tex_number

from . import clip_code
from .common import live, show_code

LEARNING_RATE = 0.01  # SGD's η for every run (a setting could make it a control)
STEPS = 40  # steps of the short run
CLIPPED = METHODS[1:]  # clipnorm, global_clipnorm, clipvalue
# Each clipping method as the page runs it: Keras' clipnorm, torch's clip_grad_norm_ (it
# equals Keras' global_clipnorm up to torch's 1e-6), clipvalue (the same in both).
STYLE = {"clipnorm": "keras", "global_clipnorm": "torch", "clipvalue": "keras"}


def _grid(low: float, high: float) -> tuple[float, ...]:
    """1-2-5 steps from low to high: every arrow-key step moves the limit by ~2×."""
    values, decade = [], 10.0 ** math.floor(math.log10(low))
    while decade <= high:
        for mantissa in (1, 2, 5):
            value = float(f"{mantissa * decade:.6g}")
            if low <= value <= high:
                values.append(value)
        decade *= 10
    return tuple(values)


NORM_GRID = _grid(*LIMITS["clipnorm"])
VALUE_GRID = _grid(*LIMITS["clipvalue"])


def options_with(value: float, grid: tuple[float, ...]) -> list[float]:
    """The grid, plus the setting's own value if a lesson link holds one between its steps."""
    return sorted({*grid, float(value)})


def number(value: float) -> str:
    """A limit as people write it: 0.01, 0.5, 1, 100."""
    return f"{value:g}"


def plain(value: float) -> str:
    """A measured number in text: four significant digits, NaN and inf spelled out."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if 1e3 <= abs(value) < 1e9:
        return f"{value:,.0f}"  # 21,637
    return f"{value:.4g}" if abs(value) < 1e3 else f"{value:.3g}"


@st.cache_resource(max_entries=16, show_spinner=False)
def setup_for(seed: int) -> tuple[ExplodingSetup, list[torch.Tensor], float]:
    """The exploding stack, its gradient (W1, b1, …) and its loss at the start."""
    setup = exploding_setup(seed)
    grads, loss = setup_gradients(setup)
    return setup, grads, float(loss)


@st.cache_resource(max_entries=64, show_spinner=False)
def clipped_for(seed: int, method: str, limit: float) -> tuple[list[torch.Tensor], ClipTrace]:
    setup, grads, _ = setup_for(seed)
    out, trace = clip_with(grads, method, limit, style=STYLE[method])
    return out, trace


@st.cache_resource(max_entries=64, show_spinner=False)
def run_for(seed: int, method: str, limit: float | None) -> TrainRun:
    setup, _, _ = setup_for(seed)
    style = STYLE.get(method, "keras")
    return clipped_sgd(setup, method, limit, learning_rate=LEARNING_RATE, steps=STEPS, style=style)


def limits(s: Settings) -> dict[str, float]:
    return {"clipnorm": s.clipnorm, "global_clipnorm": s.clipnorm, "clipvalue": s.clipvalue}


def tex_name(name: str) -> str:
    """'W3' as W_{3} for st.latex."""
    return f"{name[0]}_{{{name[1:]}}}"


def controls() -> None:
    """The two limits, each a slider over a 1-2-5 grid (a link's value off the grid is added)."""
    s = current()
    limits = (("clipnorm", "norm", NORM_GRID), ("clipvalue", "value", VALUE_GRID))
    for column, (name, key, grid) in zip(columns([n for n, _, _ in limits]), limits, strict=True):
        with column:
            widget(
                st.select_slider,
                t(f"gradients.clip_{key}_label"),
                name,
                options=options_with(getattr(s, name), grid),
                format_func=number,
                help=t(f"gradients.clip_{key}_help"),
            )


def formulas(
    names: list[str], norms: np.ndarray, total: float, c: float, v: float, cut: int, size: int
) -> None:
    """The three rules with this page's numbers."""
    scale = min(1.0, c / total)
    live(
        r"N = \sqrt{\textstyle\sum_i \lVert g_i \rVert^2} = "
        + tex_number(total)
        + r",\qquad \text{scale} = \min\!\left(1, \frac{c}{N}\right) = \min\!\left(1, \frac{"
        + tex_number(c)
        + "}{"
        + tex_number(total)
        + r"}\right) = "
        + tex_number(scale)
    )
    big, small = int(np.argmax(norms)), int(np.argmin(norms))
    shown = [big] if big == small else [big, small]
    live(
        r",\qquad ".join(
            rf"\text{{scale}}_{{{tex_name(names[k])}}} = \min\!\left(1, \frac{{{tex_number(c)}}}"
            rf"{{{tex_number(float(norms[k]))}}}\right) = "
            + tex_number(min(1.0, c / float(norms[k])))
            for k in shown
        )
    )
    live(
        r"g \leftarrow \operatorname{clip}(g, -v, v) = \operatorname{clip}(g, "
        + tex_number(-v)
        + ", "
        + tex_number(v)
        + r"),\qquad \#\{\,|g| > v\,\} = "
        + f"{cut} / {size}"
    )


def bars(names, before, after, s: Settings) -> None:
    """Per-variable norms, before and after each method; log axis: they span decades."""
    values = np.concatenate(
        [before.numpy(), *(after[m].norms_after.numpy() for m in CLIPPED)]
    ).astype(np.float64)
    values = values[np.isfinite(values) & (values > 0)]
    figure = viz.clip_bars(
        names,
        f32(before),
        {t(f"gradients.clip_m_{m}"): f32(after[m].norms_after) for m in CLIPPED},
        title=t("gradients.clip_bars_title"),
        y_title=t("gradients.clip_norm_axis"),
        before_name=t("gradients.clip_before"),
        log=bool(values.size and values.max() / values.min() > 30),
        presentation=s.present,
    )
    chart(figure, "gradients_clip_bars")


def cosines(after: dict[str, ClipTrace]) -> None:
    st.markdown(t("gradients.clip_cos_intro"))
    for column, method in zip(st.columns(len(CLIPPED)), CLIPPED, strict=True):
        column.metric(t(f"gradients.clip_m_{method}"), f"{after[method].cosine:.4f}")
    st.caption(t("gradients.clip_cos_note"))


def training(s: Settings, lim: dict[str, float]) -> dict[str, TrainRun]:
    runs = {m: run_for(s.seed, m, lim.get(m)) for m in METHODS}
    st.subheader(t("gradients.clip_run_title"))
    st.markdown(t("gradients.clip_run_idea", lr=LEARNING_RATE, steps=STEPS))
    chart(
        viz.loss_curves(
            # The clipped runs first: each in its colour from the bars; no clipping last.
            {t(f"gradients.clip_m_{m}"): f32(runs[m].losses) for m in (*CLIPPED, "none")},
            title=t("gradients.clip_loss_title"),
            x_title=t("gradients.clip_step"),
            y_title=t("gradients.clip_loss_axis"),
            log=True,
            presentation=s.present,
        ),
        "gradients_clip_loss",
    )
    plain_run = runs["none"]
    if plain_run.first_bad is not None:
        st.markdown(
            t(
                "gradients.clip_run_blew",
                step=plain_run.first_bad,
                value=plain(plain_run.first_bad_value),
                before=plain(float(plain_run.losses[0])),
            )
        )
    else:
        st.markdown(t("gradients.clip_run_held", steps=STEPS))
    lines = []
    for m in CLIPPED:
        run = runs[m]
        name = t(f"gradients.clip_m_{m}")
        if run.first_bad is None:
            lines.append(
                t(
                    "gradients.clip_run_finite",
                    name=name,
                    first=plain(float(run.losses[0])),
                    last=plain(float(run.losses[-1])),
                )
            )
        else:
            lines.append(
                t(
                    "gradients.clip_run_also_blew",
                    name=name,
                    step=run.first_bad,
                    value=plain(run.first_bad_value),
                )
            )
    st.markdown("\n".join(f"- {line}" for line in lines))
    return runs


def tutorial() -> None:
    st.subheader(t("gradients.clip_tutorial_title"))
    st.markdown(t("gradients.clip_tutorial_idea"))
    st.code(TUTORIAL_LINE, language="python")
    st.markdown(t("gradients.clip_tutorial_error"))
    st.code(KERAS3_LR_ERROR, language="text")
    st.markdown(t("gradients.clip_tutorial_fix"))
    st.code(FIXED_LINE, language="python")


def clip_part(s: Settings) -> None:
    explain(
        t("gradients.clip_idea"),
        r"\text{clipnorm: } g_i \leftarrow g_i \cdot \frac{c}{\max(\lVert g_i \rVert,\, c)}"
        r"\qquad \text{global: } g_i \leftarrow g_i \cdot \min\!\left(1, \frac{c}{N}\right)"
        r"\qquad \text{clipvalue: } g \leftarrow \operatorname{clip}(g, -v, v)",
    )
    setup, grads, loss = setup_for(s.seed)
    names = setup.names()
    L = len(setup.weights)
    B, U = setup.x.shape
    size = sum(g.numel() for g in grads)
    before = torch.stack([g.norm() for g in grads])  # (n,)
    total = float(before.square().sum().sqrt())
    st.markdown(
        f":blue-badge[x ({B}, {U})] :blue-badge[W ({U}, {U}) × {L}] "
        f":blue-badge[b ({U},) × {L}] :blue-badge[{size} {t('gradients.clip_numbers')}]"
    )
    st.markdown(t("gradients.clip_setup", L=L, U=U, B=B, loss=plain(loss), total=plain(total)))

    controls()
    s = current()
    lim = limits(s)
    after = {m: clipped_for(s.seed, m, lim[m])[1] for m in CLIPPED}
    cut = sum(int((g.abs() > s.clipvalue).sum()) for g in grads)
    formulas(names, before.numpy(), total, s.clipnorm, s.clipvalue, cut, size)
    st.caption(t("gradients.clip_eps_note"))
    bars(names, before, after, s)
    cosines(after)
    runs = training(s, lim)
    tutorial()

    norms = torch.stack([before, *(after[m].norms_after for m in CLIPPED)], dim=1)  # (n, 4)
    st.caption(t("gradients.clip_downloads", names=", ".join(names)))
    downloads("clip_norms", norms, "gradients_clip_norms")
    downloads("clip_gradient", torch.cat([g.reshape(-1) for g in grads]), "gradients_clip_gradient")
    downloads(
        "clip_losses", torch.stack([runs[m].losses for m in METHODS]), "gradients_clip_losses"
    )
    show_code(
        lambda: clip_code.clip_programs(
            setup,
            s.seed,
            grads,
            s.clipnorm,
            s.clipvalue,
            learning_rate=LEARNING_RATE,
            steps=STEPS,
        )
    )
