"""Cached computation: the stack for a given text and settings, shared by every session.

`st.cache_resource` (not `cache_data`) because the result holds tensors that pages only read:
handing out the same object costs nothing, where `cache_data` would pickle and copy megabytes of
attention maps on every rerun at stress settings.

Every session's run holds the one server process, so a page asks `stack_fits_budget` (or
`lab_fits_budget`) before it computes: a request that layers/cost.py estimates over the work
budget is not computed, and the page says how long it would take and what to lower instead.
"""

from __future__ import annotations

import streamlit as st

from layers import KERAS_FILTERS, cost
from layers.stack import StackResult, parse_stack, run_stack, tokenize_batch

from .i18n import t
from .safe import md_escape
from .settings import WIDTHS, Settings, head_options, heads_width
from .state import hidden, update

MAX_CHARS = 20_000  # characters of text that are tokenized; the rest stays in the box


# Stack results kept for every session of the process. Each keeps at most cost.BUDGET_BYTES
# (64 MB: a bigger one is refused before it is computed), so the cache holds at most about 1 GB,
# and lessons' results (20 MB at the stress settings) far less. A computation at lesson sizes
# takes milliseconds, so a missed entry costs little; memory is what a replica runs out of.
STACK_CACHE_ENTRIES = 16


def capped(text: str) -> str:
    return text[:MAX_CHARS]


@st.cache_resource(max_entries=STACK_CACHE_ENTRIES, show_spinner=False)
def _run(
    text: str,
    stack: tuple[str, ...],
    d: int,
    heads: int,
    units: int,
    p: float,
    train: bool,
    gamma: float,
    beta: float,
    eps: float,
    seed: int,
    causal: bool,
) -> StackResult:
    batch = tokenize_batch(capped(text))
    return run_stack(
        batch,
        parse_stack(stack),
        d_model=d,
        heads=heads,
        units=units,
        p=p,
        training=train,
        gamma=gamma,
        beta=beta,
        eps=eps,
        seed=seed,
        causal=causal,
    )


def stack_result(settings: Settings) -> StackResult:
    """The stack run for these settings (language and presentation mode do not matter)."""
    s = settings
    return _run(
        s.text,
        s.stack,
        s.d,
        s.heads,
        s.units,
        s.p,
        s.train,
        s.gamma,
        s.beta,
        s.eps,
        s.seed,
        s.causal,
    )


# ---------------------------------------------------------------------------- the work budget
@st.cache_resource(max_entries=64, show_spinner=False)
def batch_shape(text: str, filters: str = KERAS_FILTERS) -> tuple[int, int, int]:
    """(B, T, V) of the text as the pages tokenize it: lines, tokens, vocabulary."""
    batch = tokenize_batch(capped(text), filters=filters)
    B, T = batch.ids.shape
    return B, T, batch.vocab_size


def stack_estimate(settings: Settings) -> cost.Estimate:
    """The Follow page's cost at these settings, before computing anything."""
    B, T, V = batch_shape(settings.text)
    s = settings
    specs = parse_stack(s.stack)
    return cost.stack_estimate(B, T, specs, d_model=s.d, units=s.units, heads=s.heads, vocab=V)


def stack_suggestions(settings: Settings) -> list[cost.Suggestion]:
    """Each setting's largest value that brings the Follow page within the budget alone."""
    B, T, V = batch_shape(settings.text)
    s = settings
    return cost.stack_suggestions(
        B,
        T,
        parse_stack(s.stack),
        d_model=s.d,
        units=s.units,
        heads=s.heads,
        vocab=V,
        widths=WIDTHS,
        head_options=head_options(heads_width(s)),
    )


def lab_estimate(settings: Settings) -> cost.Estimate:
    """The lab's cost at these settings: the open section on the sentences' vectors."""
    B, T, V = batch_shape(settings.text)
    s = settings
    return cost.lab_estimate(s.section, B, T, s.d, vocab=V, sublayer=s.sublayer)


def lab_suggestions(settings: Settings) -> list[cost.Suggestion]:
    """Each setting's largest value that brings the lab's open section within the budget."""
    B, T, V = batch_shape(settings.text)
    s = settings
    return cost.lab_suggestions(s.section, B, T, s.d, vocab=V, sublayer=s.sublayer, widths=WIDTHS)


def stack_fits_budget(settings: Settings) -> bool:
    """Whether the Follow page may compute its stack; if not, the page says what to lower."""
    estimate = stack_estimate(settings)
    if not estimate.fits:
        over_budget(estimate, stack_suggestions(settings), heaviest=True)
    return estimate.fits


def lab_fits_budget(settings: Settings) -> bool:
    """Whether the lab may compute its open section; if not, the page says what to lower."""
    estimate = lab_estimate(settings)
    if not estimate.fits:
        over_budget(estimate, lab_suggestions(settings), heaviest=False)
    return estimate.fits


def _seconds(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


BUTTONS = ("d", "units", "heads")  # settings a click can lower; lines and tokens are the text's


def over_budget(
    estimate: cost.Estimate,
    found: list[cost.Suggestion],
    *,
    heaviest: bool,
    names: dict[str, str] | None = None,
) -> None:
    """The refusal: how long it would take (or how much it would keep), what costs most, and
    the largest value of each setting that would fit, with a button where a click can do it.
    `names` maps a suggestion's `d` or `heads` to the page's own setting (`att_d`).

    Nothing typed is touched: the text stays in the box, the controls stay on the page."""
    lines = []
    if estimate.seconds > cost.BUDGET_S:
        lines.append(
            t(
                "budget.over_time",
                seconds=_seconds(estimate.seconds),
                budget=_seconds(cost.BUDGET_S),
            )
        )
        if heaviest:
            name, count, seconds = estimate.heaviest()
            lines.append(
                t("budget.heaviest", count=count, block=md_escape(name), seconds=_seconds(seconds))
            )
    if estimate.bytes > cost.BUDGET_BYTES:
        lines.append(
            t(
                "budget.over_memory",
                mb=f"{estimate.bytes / 1e6:,.0f}",
                budget_mb=f"{cost.BUDGET_BYTES / 1e6:,.0f}",
            )
        )
    if found:
        lines.append(t("budget.lower"))
        fixes = [
            "- " + t(f"budget.fix_{s.setting}", value=s.value, now=s.now, block=md_escape(s.block))
            for s in found
        ]
        lines.append("\n".join(fixes))
    else:
        lines.append(t("budget.lower_several"))
    st.warning("\n\n".join(lines), icon="⏳")
    names = names or {}
    clickable = [
        s for s in found if s.setting in BUTTONS and not hidden(names.get(s.setting, s.setting))
    ]
    for column, s in zip(st.columns(len(clickable)) if clickable else (), clickable, strict=True):
        column.button(
            t(f"budget.use_{s.setting}", value=s.value),
            key=f"budget_{s.setting}",
            on_click=update,
            kwargs={names.get(s.setting, s.setting): s.value},
        )
