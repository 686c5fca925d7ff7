"""Through depth: a stack of dense layers, one seeded forward and backward pass, layer by layer.

The gradient reaching layer l is the loss's gradient times one factor f′ ⊙ W per layer above
it; the chosen activation and initialization decide whether those factors shrink it (sigmoid:
σ′ ≤ ¼), keep it (ReLU with He) or blow it up (N(0, 1)). BatchNorm rescales every layer's input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import viz
from layers import initializers as init
from layers import make_generator
from layers.gradients import (
    ACTIVATIONS,
    KERAS_LEAKY_SLOPE,
    TORCH_LEAKY_SLOPE,
    dense_stack_gradients,
)
from ui.blocks import chart
from ui.controls import columns
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import CHOICES, LIMITS, Settings
from ui.shell import explain
from ui.state import widget
from ui.tex import tex_number

from . import code
from .common import BATCH, W_PURPOSE, X_PURPOSE, live, show_code

BINS = 40  # bins of each layer's activation histogram
SLOPES = {"torch": TORCH_LEAKY_SLOPE, "keras": KERAS_LEAKY_SLOPE}
# Our scheme names in layers.initializers.theory, with the std that "normal" needs.
THEORY = {
    "zeros": ("zeros", None),
    "small": ("normal", 0.01),
    "normal": ("normal", 1.0),
    "glorot_uniform": ("glorot_uniform", None),
    "glorot_normal": ("glorot_normal", None),
    "he_normal": ("he_normal", None),
    "he_uniform": ("he_uniform", None),
    "torch": ("torch_default_linear", None),
    "keras": ("keras_default_dense", None),
}


def slope_of(s: Settings) -> float:
    return SLOPES[s.leak]


def draw_weights(
    scheme: str, depth: int, width: int, seed: int
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Weights (out, in) and biases for every layer, all from one seeded generator in order.

    Keras' normal schemes are truncated at ±2σ′ (σ′ widened so the std is the promised one);
    PyTorch's default draws each weight and then its bias, as nn.Linear does; Keras' default
    draws each kernel (in, out), which PyTorch's layout stores transposed.
    """
    g = make_generator(seed, W_PURPOSE)
    shape = (width, width)  # (out, in): the input is as wide as every layer
    weights, biases = [], []
    for _ in range(depth):
        bias = init.zeros((width,))
        if scheme == "zeros":
            weight = init.zeros(shape)
        elif scheme in ("small", "normal"):
            weight = init.normal(shape, THEORY[scheme][1], g)
        elif scheme == "glorot_uniform":
            weight = init.glorot_uniform(shape, g)
        elif scheme == "glorot_normal":
            weight = init.glorot_normal(shape, g)
        elif scheme == "he_normal":
            weight = init.he_normal(shape, g)
        elif scheme == "he_uniform":
            weight = init.he_uniform(shape, g)
        elif scheme == "torch":
            weight, bias = init.torch_default_linear(width, width, g)
        elif scheme == "keras":
            kernel, bias = init.keras_default_dense(width, width, g)  # (in, out)
            weight = kernel.T.contiguous()
        else:
            raise ValueError(f"unknown initialization {scheme!r}")
        weights.append(weight)
        biases.append(bias)
    return weights, biases


def input_batch(width: int, seed: int) -> torch.Tensor:
    """The seeded batch every stack sees: (B, U) from N(0, 1)."""
    return torch.randn(BATCH, width, generator=make_generator(seed, X_PURPOSE))


@dataclass(frozen=True)
class DepthRun:
    """What the part draws, and no more: thirty students' entries share one process (the weights
    and the per-layer gradients are drawn again for the code panel, in a millisecond or two)."""

    x: torch.Tensor  # (B, U)
    activations: torch.Tensor  # (L, B, U) the chosen activation's a_l
    mean_abs_f_prime: np.ndarray  # (L,) mean |f′_l|
    f_prime_product: float  # ∏_l mean |f′_l|
    loss: float
    same_units: bool  # every unit of every layer identical on every example (zero init)
    zero_layers: tuple[int, ...]  # the layers (from 1) whose ∂L/∂W is exactly 0
    norms: dict[str, np.ndarray]  # activation -> (L,) ‖∂L/∂W_l‖, the chosen one first
    counts: np.ndarray  # (L, BINS) activation histogram of each layer
    edges: np.ndarray  # (BINS + 1,)
    weight_std: np.ndarray  # (L,) measured std of each layer's weights
    w_counts: np.ndarray  # (BINS,) histogram of W_1's entries
    w_edges: np.ndarray  # (BINS + 1,)
    act_std: np.ndarray  # (L,) std of each layer's activations


def _edges(activation: str, acts: torch.Tensor) -> np.ndarray:
    """Bins over the activation's range: (0, 1) for sigmoid, (−1, 1) for tanh, else the data."""
    if activation == "sigmoid":
        low, high = 0.0, 1.0
    elif activation == "tanh":
        low, high = -1.0, 1.0
    else:
        finite = acts[torch.isfinite(acts)].double()
        low = min(0.0, float(finite.min())) if finite.numel() else 0.0
        high = float(torch.quantile(finite[:1_000_000], 0.995)) if finite.numel() else 1.0
        if not high > low:
            high = low + 1.0
    return np.linspace(low, high, BINS + 1)


@st.cache_resource(max_entries=16, show_spinner=False)
def depth_run(
    depth: int, width: int, scheme: str, activation: str, bn: bool, slope: float, seed: int
) -> DepthRun:
    x = input_batch(width, seed)
    weights, biases = draw_weights(scheme, depth, width, seed)
    norms, chosen = {}, None
    for name in (activation, *(a for a in ACTIVATIONS if a != activation)):
        _, trace = dense_stack_gradients(x, weights, biases, name, slope=slope, batchnorm=bn)
        norms[name] = trace.grad_norm.numpy().astype(np.float32)
        if name == activation:
            chosen = trace
    acts = torch.stack(chosen.a)  # (L, B, U)
    first = weights[0].numpy()
    reach = float(np.abs(first).max()) * 1.05 or 1.0  # all zeros: a bin around 0
    w_counts, w_edges = np.histogram(first, bins=BINS, range=(-reach, reach))
    edges = _edges(activation, acts)
    counts = np.stack(
        [np.histogram(np.clip(a.numpy(), edges[0], edges[-1]), bins=edges)[0] for a in acts]
    )
    return DepthRun(
        x=x,
        activations=acts,
        mean_abs_f_prime=chosen.mean_abs_f_prime.numpy(),
        f_prime_product=float(chosen.f_prime_product[0]),
        loss=float(chosen.loss),
        same_units=bool((acts.amax(dim=2) == acts.amin(dim=2)).all()),
        zero_layers=tuple(
            layer + 1 for layer, g in enumerate(chosen.grad_weight) if not bool(g.any())
        ),
        norms=norms,
        counts=counts.astype(np.float32),
        edges=edges.astype(np.float32),
        weight_std=np.array([w.std(correction=0).item() for w in weights], dtype=np.float32),
        w_counts=w_counts.astype(np.float32),
        w_edges=w_edges.astype(np.float32),
        act_std=np.array([a.std(correction=0).item() for a in acts], dtype=np.float32),
    )


def run_for(s: Settings) -> DepthRun:
    return depth_run(s.depth, s.width, s.init, s.act, s.bn, slope_of(s), s.seed)


# --- the part ---------------------------------------------------------------------------------


def _controls(s: Settings) -> None:
    c1, c2 = columns(("act", "init"))
    with c1:
        widget(
            st.segmented_control,
            t("gradients.act"),
            "act",
            options=CHOICES["act"],
            format_func=lambda k: t(f"gradients.act_{k}"),
        )
    with c2:
        widget(
            st.selectbox,
            t("gradients.init"),
            "init",
            options=CHOICES["init"],
            format_func=lambda k: t(f"gradients.init_{k}"),
        )
    c1, c2 = columns(("depth", "width"))
    with c1:
        low, high = LIMITS["depth"]
        widget(st.slider, t("gradients.depth"), "depth", min_value=low, max_value=high, step=1)
    with c2:
        low, high = LIMITS["width"]
        widget(st.slider, t("gradients.width"), "width", min_value=low, max_value=high, step=1)
    groups = ("bn", "leak") if s.act == "leaky_relu" else ("bn",)
    made = columns(groups)
    with made[0]:
        widget(st.toggle, t("gradients.bn"), "bn", help=t("gradients.bn_help"))
    if s.act == "leaky_relu":
        with made[1]:
            widget(
                st.segmented_control,
                t("gradients.leak"),
                "leak",
                options=CHOICES["leak"],
                format_func=lambda k: t(f"gradients.leak_{k}", slope=SLOPES[k]),
            )


def _factors(values: np.ndarray, shown: int = 4) -> str:
    """'0.21 · 0.20 · … · 0.19' for st.latex: the first few factors and the last."""
    texts = [tex_number(float(v), 2) for v in values]
    if len(texts) > shown + 1:
        texts = [*texts[:shown], r"\cdots", texts[-1]]
    return r" \cdot ".join(texts)


def _chain_formula(s: Settings, run: DepthRun) -> None:
    """The chain rule's product of mean |f′| with this pass's numbers, and what it did."""
    L = s.depth
    means = run.mean_abs_f_prime
    product = run.f_prime_product
    norms = run.norms[s.act]
    first, last = float(norms[0]), float(norms[-1])
    f = {"sigmoid": r"\sigma'", "tanh": r"\tanh'"}.get(s.act, "f'")
    bound = rf"\;\le\; 0.25^{{{L}}} = {tex_number(0.25**L)}" if s.act == "sigmoid" else ""
    ratio = first / last if last > 0 and math.isfinite(first) else math.nan
    # One block, the product on two lines (fifty layers' numbers do not fit one line on a
    # projector), then what it did to the gradient: one element to draw, not two.
    live(
        r"\begin{aligned}"
        rf"\prod_{{l=1}}^{{{L}}} \overline{{|{f}_l|}} &= {_factors(means)} \\"
        rf" &= {tex_number(product)}{bound} \\[6pt]"
        rf"\frac{{\lVert \partial L/\partial W_1 \rVert}}"
        rf"{{\lVert \partial L/\partial W_{{{L}}} \rVert}} &= "
        rf"\frac{{{tex_number(first)}}}{{{tex_number(last)}}} = {tex_number(ratio)}"
        r"\end{aligned}"
    )


def _theory_formula(s: Settings, run: DepthRun) -> tuple[float, float | None]:
    """The scheme's promised std (and limit), with this width's numbers; returns both."""
    name, std = THEORY[s.init]
    n = s.width
    promise = init.theory(name, n, n, std=std)
    low, high = float(run.weight_std.min()), float(run.weight_std.max())
    L = len(run.weight_std)
    measured = rf"\sigma_{{W_l}} \in [{tex_number(low)},\ {tex_number(high)}]\ (l = 1..{L})"
    sd = promise["std"]
    limit = "" if promise["limit"] is None else tex_number(promise["limit"])
    given = {
        "zeros": r"W = 0",
        "small": r"W \sim \mathcal{N}(0,\ 0.01^2)",
        "normal": r"W \sim \mathcal{N}(0,\ 1)",
        "glorot_uniform": (
            rf"W \sim U(-\ell, \ell),\ \ell = \sqrt{{\tfrac{{6}}{{{n} + {n}}}}}"
            rf" = {limit},\ \sigma = \ell/\sqrt{{3}} = {tex_number(sd)}"
        ),
        "glorot_normal": rf"\sigma = \sqrt{{\tfrac{{2}}{{{n} + {n}}}}} = {tex_number(sd)}",
        "he_normal": rf"\sigma = \sqrt{{\tfrac{{2}}{{{n}}}}} = {tex_number(sd)}",
        "he_uniform": (
            rf"W \sim U(-\ell, \ell),\ \ell = \sqrt{{\tfrac{{6}}{{{n}}}}}"
            rf" = {limit},\ \sigma = \ell/\sqrt{{3}} = {tex_number(sd)}"
        ),
        "torch": (
            rf"W \sim U(-\ell, \ell),\ \ell = \tfrac{{1}}{{\sqrt{{{n}}}}}"
            rf" = {limit},\ \sigma = \ell/\sqrt{{3}} = {tex_number(sd)}"
        ),
        "keras": (
            rf"W \sim U(-\ell, \ell),\ \ell = \sqrt{{\tfrac{{6}}{{{n} + {n}}}}}"
            rf" = {limit},\ \sigma = \ell/\sqrt{{3}} = {tex_number(sd)}"
        ),
    }[s.init]
    # Two lines: the promise, then what was drawn (one line overflows a projector).
    live(
        r"\begin{gathered}"
        + given
        + r" \\ \text{"
        + t("gradients.measured")
        + r"}\ "
        + measured
        + r"\end{gathered}"
    )
    return float(sd), promise["limit"]


def depth_part(s: Settings) -> None:
    explain(
        t("gradients.depth_idea"),
        r"\frac{\partial L}{\partial W_l} = \delta_l^{\top} a_{l-1},\qquad"
        r"\delta_l = \big(\delta_{l+1} W_{l+1}\big) \odot f'(z_l)",
    )
    _controls(s)
    run = run_for(s)
    L, U, B = s.depth, s.width, BATCH
    st.markdown(
        f":blue-badge[x ({B}, {U})] :blue-badge[W_l ({U}, {U}) × {L}] "
        f":blue-badge[a_l ({B}, {U})] "
        f":gray-badge[{t('summary.params')}: {L * (U * U + U):,}] "
        f":gray-badge[{t('gradients.loss')} = {run.loss:.4g}]"
    )
    if s.act == "leaky_relu":
        st.caption(t("gradients.leak_note"))
    norms = run.norms[s.act]
    _chain_formula(s, run)
    same, zero = run.same_units, run.zero_layers
    if same:
        st.warning(
            t(
                "gradients.symmetry",
                units=U,
                zero=", ".join(map(str, zero)) if zero else "–",
                L=L,
            ),
            icon=":material/content_copy:",
        )
    names = {a: t(f"gradients.act_{a}") for a in ACTIVATIONS}
    series = {
        (names[a] + (f" ({t('gradients.chosen')})" if a == s.act else "")): v
        for a, v in run.norms.items()
    }
    reference = None
    if s.act == "sigmoid" and float(norms[-1]) > 0:
        reference = float(norms[-1]) * 0.25 ** np.arange(L - 1, -1, -1, dtype=np.float64)
    chart(
        viz.layer_norms(
            series,
            title=t("gradients.norms_title"),
            x_title=t("gradients.layer"),
            y_title="‖∂L/∂Wₗ‖",
            reference=None if reference is None else reference.astype(np.float32),
            reference_name=t("gradients.reference"),
            presentation=s.present,
        ),
        "gradients_norms",
    )
    chart(
        viz.activation_histograms(
            run.counts,
            run.edges,
            title=t("gradients.hist_title", act=names[s.act]),
            x_title=t("gradients.activation"),
            y_title=t("gradients.layer"),
            presentation=s.present,
        ),
        "gradients_hist",
    )
    st.caption(
        t(
            "gradients.act_std",
            first=f"{float(run.act_std[0]):.3g}",
            last=f"{float(run.act_std[-1]):.3g}",
            x=f"{float(run.x.std(correction=0)):.3g}",
            L=L,
        )
    )
    theory, limit = _theory_formula(s, run)
    lines = {t("gradients.theory_std"): theory, t("gradients.measured_std"): run.weight_std[0]}
    if limit:
        lines[t("gradients.limit")] = limit
    # W₁ alone: the picture of the initializer, the same at every depth (not redrawn on a move).
    chart(
        viz.weight_histogram(
            run.w_counts,
            run.w_edges,
            lines=lines,
            title=t("gradients.w_title", U=s.width),
            x_title=t("gradients.w_value"),
            y_title=t("gradients.w_share"),
            presentation=s.present,
        ),
        "gradients_weights",
    )
    downloads("grad_norms", torch.from_numpy(norms), "gradients_dl_norms")
    downloads("activations", run.activations, "gradients_dl_acts")
    shown = show_code(
        lambda: code.depth_programs(
            run.x,
            *draw_weights(s.init, s.depth, s.width, s.seed),  # drawn again only when open
            scheme=s.init,
            activation=s.act,
            slope=slope_of(s),
            bn=s.bn,
            seed=s.seed,
        )
    )
    if shown:  # the files the Keras program loads when they are too large to write out
        weights, biases = draw_weights(s.init, s.depth, s.width, s.seed)
        st.caption(t("gradients.program_files"))
        downloads("x", run.x, "gradients_dl_x")
        downloads("weights", torch.stack(weights), "gradients_dl_weights")
        downloads("biases", torch.stack(biases), "gradients_dl_biases")
