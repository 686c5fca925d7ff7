"""Cached computation: the stack for a given text and settings, shared by every session.

`st.cache_resource` (not `cache_data`) because the result holds tensors that pages only read:
handing out the same object costs nothing, where `cache_data` would pickle and copy megabytes of
attention maps on every rerun at stress settings.
"""

from __future__ import annotations

import streamlit as st

from layers.stack import StackResult, parse_stack, run_stack, tokenize_batch

from .settings import Settings

MAX_CHARS = 20_000  # characters of text that are tokenized; the rest stays in the box


def capped(text: str) -> str:
    return text[:MAX_CHARS]


@st.cache_resource(max_entries=64, show_spinner=False)
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
