"""The page's controls: the stack builder and the mission's sliders, all bound to settings.

A control the lesson link hides (`hide=`) is not drawn, and a row of columns only makes columns
for the controls it shows, so hiding leaves no gap (`columns`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

import streamlit as st

from layers.stack import KINDS, MAX_BLOCKS, RECURRENT, BlockSpec, parse_stack

from .i18n import t
from .settings import EPS_CHOICES, LIMITS, WIDTHS, head_options, heads_width
from .state import current, hidden, shown, update, widget

PRESETS = {
    "tour": ("embed", "lstm", "layernorm", "dropout", "attention"),
    "transformer": ("embed", "attention", "addnorm", "ffn", "addnorm"),
    "encoder": ("embed", "encoder"),
    "classifier": ("embed", "bilstm-last", "dropout"),
}
STACK_WIDGET_PREFIX = "stk_"
EDIT_KEY = "edit_stack"
# The settings model_controls() draws: a page can skip its box when the link hides them all.
MODEL_CONTROLS = ("d", "heads", "units", "p", "train", "causal", "gamma", "beta", "eps")


def _set_stack(specs: list[BlockSpec]) -> None:
    update(stack=tuple(spec.name for spec in specs))
    for key in list(st.session_state):  # rows moved: let every row widget re-seed
        if isinstance(key, str) and key.startswith(STACK_WIDGET_PREFIX):
            del st.session_state[key]


def _specs() -> list[BlockSpec]:
    return list(parse_stack(current().stack))


def _edit(index: int, **changes) -> None:
    specs = _specs()
    old = specs[index]
    kind = changes.get("kind", old.kind)
    bidirectional = changes.get("bidirectional", old.bidirectional) and kind in RECURRENT
    sequences = changes.get("return_sequences", old.return_sequences) or kind not in RECURRENT
    specs[index] = BlockSpec(kind, bidirectional, sequences)
    _set_stack(specs)


def _move(index: int, step: int) -> None:
    specs = _specs()
    target = index + step
    if 0 <= target < len(specs):
        specs[index], specs[target] = specs[target], specs[index]
        _set_stack(specs)


def _remove(index: int) -> None:
    specs = _specs()
    if len(specs) > 1:
        del specs[index]
        _set_stack(specs)


def _add() -> None:
    kind = st.session_state.get(f"{STACK_WIDGET_PREFIX}add")
    specs = _specs()
    if kind and len(specs) < MAX_BLOCKS:
        _set_stack([*specs, BlockSpec(kind)])
    st.session_state[f"{STACK_WIDGET_PREFIX}add"] = None


def _preset() -> None:
    name = st.session_state.get(f"{STACK_WIDGET_PREFIX}preset")
    if name:
        _set_stack(list(parse_stack(PRESETS[name])))


def stack_editor() -> None:
    """Presets, the chain of blocks, a row editor on demand, and 'add a block'.

    Nothing at all when the lesson link hides `stack`: the link's stack still applies.
    """
    if hidden("stack"):
        return
    p = STACK_WIDGET_PREFIX
    st.pills(
        t("stack.presets"),
        list(PRESETS),
        key=f"{p}preset",
        format_func=lambda name: t(f"preset.{name}"),
        on_change=_preset,
    )
    specs = _specs()
    st.markdown(" → ".join(f"**{i + 1}** `{spec.name}`" for i, spec in enumerate(specs)))
    # The row editor costs ~30 widgets a rerun: it is drawn only while someone edits.
    if st.toggle(t("stack.edit"), key=EDIT_KEY):
        _rows(specs)
    st.selectbox(
        t("stack.add"),
        KINDS,
        index=None,
        key=f"{p}add",
        placeholder=t("stack.add_placeholder"),
        format_func=lambda kind: t(f"kind.{kind}"),
        on_change=_add,
        disabled=len(specs) >= MAX_BLOCKS,
    )


def _rows(specs: list[BlockSpec]) -> None:
    """One row per block: its kind, recurrent options, move up or down, remove."""
    p = STACK_WIDGET_PREFIX
    for i, spec in enumerate(specs):
        cols = st.columns([0.5, 3, 2.2, 2.2, 0.7, 0.7, 0.7], vertical_alignment="bottom")
        cols[0].markdown(f"**{i + 1}**")
        key = f"{p}kind{i}"
        if key not in st.session_state:
            st.session_state[key] = spec.kind
        cols[1].selectbox(
            t("stack.block"),
            KINDS,
            key=key,
            format_func=lambda kind: t(f"kind.{kind}"),
            on_change=lambda i=i, key=key: _edit(i, kind=st.session_state[key]),
            label_visibility="collapsed",
        )
        if spec.kind in RECURRENT:
            for col, field, label in (
                (cols[2], "bidirectional", "stack.bidirectional"),
                (cols[3], "return_sequences", "stack.return_sequences"),
            ):
                key = f"{p}{field}{i}"
                if key not in st.session_state:
                    st.session_state[key] = getattr(spec, field)
                col.toggle(
                    t(label),
                    key=key,
                    on_change=lambda i=i, key=key, field=field: _edit(
                        i, **{field: st.session_state[key]}
                    ),
                )
        cols[4].button(
            "↑", key=f"{p}up{i}", on_click=_move, args=(i, -1), disabled=i == 0, help=t("stack.up")
        )
        cols[5].button(
            "↓",
            key=f"{p}down{i}",
            on_click=_move,
            args=(i, 1),
            disabled=i == len(specs) - 1,
            help=t("stack.down"),
        )
        cols[6].button(
            "✕",
            key=f"{p}remove{i}",
            on_click=_remove,
            args=(i,),
            disabled=len(specs) == 1,
            help=t("stack.remove"),
        )


def _with(options, value):
    return sorted({*options, value})


def columns(groups: Sequence[str | tuple[str, ...]], spec: Sequence[float] | None = None) -> list:
    """One column per group of controls the lesson link shows, as wide as `spec` says.

    A group is a setting's name or a tuple of names sharing a column. A hidden group gets a
    context that draws nothing (its `widget()` draws nothing either), and the shown ones share
    the row; when every group is hidden there is no row at all.
    """
    names = [(group,) if isinstance(group, str) else group for group in groups]
    widths = list(spec) if spec is not None else [1] * len(names)
    visible = [i for i, group in enumerate(names) if shown(*group)]
    made = iter(st.columns([widths[i] for i in visible])) if visible else iter(())
    return [next(made) if i in visible else nullcontext() for i in range(len(names))]


def model_controls() -> None:
    """Width, heads and units; dropout with train/eval; γ, β, ε; the causal mask."""
    s = current()
    c1, c2, c3 = columns(("d", "heads", "units"))
    with c1:
        width_control()
    with c2:
        width = heads_width(s)  # what reaches attention: D, or U after a recurrent block
        widget(
            st.segmented_control,
            t("control.heads"),
            "heads",
            options=_with(head_options(width), s.heads),
            help=t("control.heads_help", d=width),
        )
        if not hidden("heads"):
            st.caption(t("control.heads_note", d=width, Dh=width // s.heads))
    with c3:
        widget(
            st.select_slider,
            t("control.units"),
            "units",
            options=_with(WIDTHS, s.units),
            help=t("control.units_help"),
        )
    dropout_controls(causal=True)
    norm_controls()


def width_control() -> None:
    """The model width D (the Follow page, the lab's vectors, the embedding table's columns)."""
    widget(
        st.select_slider,
        t("control.d"),
        "d",
        options=_with(WIDTHS, current().d),
        help=t("control.d_help"),
    )


def dropout_controls(*, causal: bool = False) -> None:
    """The dropout rate and the train/eval switch, with the causal-mask switch below it."""
    c1, c2 = columns(("p", ("train", "causal") if causal else "train"), [3, 1])
    with c1:
        widget(
            st.slider,
            t("control.p"),
            "p",
            min_value=0.0,
            max_value=LIMITS["p"][1],
            step=0.05,
            help=t("control.p_help"),
        )
    with c2:
        widget(st.toggle, t("control.train"), "train", help=t("control.train_help"))
        if causal:
            widget(st.toggle, t("control.causal"), "causal", help=t("control.causal_help"))


def norm_controls() -> None:
    """γ, β and ε of every normalization block: on the Follow page and in the lab."""
    c1, c2, c3 = columns(("gamma", "beta", "eps"))
    with c1:
        widget(
            st.slider,
            "γ (gamma)",
            "gamma",
            min_value=LIMITS["gamma"][0],
            max_value=LIMITS["gamma"][1],
            step=0.05,
            help=t("control.gamma_help"),
        )
    with c2:
        widget(
            st.slider,
            "β (beta)",
            "beta",
            min_value=LIMITS["beta"][0],
            max_value=LIMITS["beta"][1],
            step=0.05,
            help=t("control.beta_help"),
        )
    with c3:
        widget(
            st.select_slider,
            "ε (eps)",
            "eps",
            options=_with(EPS_CHOICES, current().eps),
            format_func=lambda e: f"{e:.0e}" if e else "0",
            help=t("control.eps_help"),
        )
