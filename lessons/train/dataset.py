"""Step 1, the data: which sentences, a peek at each class, the balance of every part, and what
`validation_split` does to a file in its own order (the English file is sorted by site)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import viz
from ui.blocks import chart
from ui.controls import columns
from ui.i18n import t
from ui.safe import md_escape
from ui.settings import CHOICES, Settings
from ui.shell import explain
from ui.state import current, widget

from . import data
from .common import OWN, current_run, data_name, labels, show_code, with_value

PASTE = "train_paste"  # the box's key: what the teacher typed stays there, parsed or not
UPLOAD = "train_upload"
SPLITS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


def split_controls(s: Settings) -> None:
    """The pool's order, validation_split or a held-out set, and its share."""
    c1, c2, c3 = columns(("order", "val", "split"))
    with c1:
        widget(
            st.segmented_control,
            t("train.order"),
            "order",
            options=CHOICES["order"],
            format_func=labels("train.order"),
            help=t("train.order_help"),
        )
    with c2:
        widget(
            st.segmented_control,
            t("train.val"),
            "val",
            options=CHOICES["val"],
            format_func=labels("train.val"),
        )
    with c3:
        widget(
            st.select_slider,
            t("train.split"),
            "split",
            options=with_value(SPLITS, s.split),
            format_func=lambda v: f"{v:g}",
        )


def _use_pasted() -> None:
    text = st.session_state.get(PASTE, "")
    st.session_state[OWN] = data.parse_labelled(text or "")


def _use_upload() -> None:
    upload = st.session_state.get(UPLOAD)
    if upload is None:
        return
    if upload.size > data.MAX_BYTES:  # refused before it is read
        values = {"bytes": upload.size, "limit": data.MAX_BYTES}
        st.session_state[OWN] = data.Parsed(None, problem="size", problem_values=values)
        return
    st.session_state[OWN] = data.parse_labelled(upload.getvalue(), filename=upload.name)


def own_data() -> None:
    """The teacher's lines: pasted or uploaded; bad rows listed with their line numbers."""
    st.markdown(t("train.own_idea", rows=f"{data.MAX_ROWS:,}", chars=data.MAX_TEXT_CHARS,
                  mb=data.MAX_BYTES // 1_000_000, least=data.MIN_ROWS))  # fmt: skip
    paste, upload = st.tabs([t("train.own_paste"), t("train.own_upload")])
    with paste:
        st.text_area(
            t("train.own_box"), key=PASTE, height=180, placeholder="1\tGreat food!\n0\tToo salty."
        )
        st.button(t("train.own_use"), key="train_use_paste", on_click=_use_pasted)
    with upload:
        st.file_uploader(
            t("train.own_file"), type=["csv", "tsv", "txt"], key=UPLOAD, on_change=_use_upload
        )
    parsed = st.session_state.get(OWN)
    if parsed is None:
        return
    if parsed.problem is not None:
        values = {
            k: (f"{v:,}" if isinstance(v, int) else v) for k, v in parsed.problem_values.items()
        }
        show = st.error if parsed.dataset is None else st.warning
        show(t(f"train.problem_{parsed.problem}", **values), icon=":material/error:")
    if parsed.bad_count:
        st.warning(t("train.bad_rows", count=parsed.bad_count, shown=len(parsed.bad)))
        st.dataframe(
            pd.DataFrame(
                {
                    t("train.bad_line"): [row.line for row in parsed.bad],
                    t("train.bad_reason"): [t(f"train.bad_{row.reason}") for row in parsed.bad],
                    t("train.bad_text"): [row.text for row in parsed.bad],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if parsed.dataset is not None:
        negatives, positives = parsed.dataset.counts()
        st.success(t("train.own_ok", rows=len(parsed.dataset), neg=negatives, pos=positives))


def peek(ds: data.Dataset) -> None:
    examples = data.peek(ds, per_class=3, seed=0)
    left, right = st.columns(2)
    for column, label in ((left, 0), (right, 1)):
        with column:
            st.markdown(f"**{t(f'train.class_{label}')}** (`{label}`)")
            for text in examples.get(label, []):
                st.markdown(f"- {md_escape(text)}")


def data_step(s: Settings) -> None:
    explain(t("train.data_idea"))
    widget(
        st.segmented_control,
        t("train.data"),
        "data",
        options=CHOICES["data"],
        format_func=labels("train.data"),
        to_widget=lambda v: v or current().lang,
    )
    s = current()
    name = data_name(s)
    if name == "own":
        own_data()
    else:
        st.caption(t(f"train.source_{name}"))
    c = current_run(s)
    if c is None:
        return
    ds = c.ds
    negatives, positives = ds.counts()
    st.markdown(t("train.balance", rows=f"{len(ds):,}", neg=f"{negatives:,}", pos=f"{positives:,}"))
    peek(ds)
    st.subheader(t("train.parts"))
    split_controls(s)
    parts = c.prep.parts
    names = [t(f"train.part_{p}") for p in parts]
    sizes = {p: len(rows) for p, rows in parts.items()}
    st.caption(t("train.part_sizes", **{k: f"{v:,}" for k, v in sizes.items()}))
    counts = data.part_counts(ds, parts)
    chart(
        viz.part_bars(
            names,
            counts,
            categories=[t("train.class_0"), t("train.class_1")],
            title=t("train.balance_title"),
            x_label=t("train.share"),
            y_label="",
        ),
        key="train_balance",
    )
    if ds.groups is not None:
        groups, group_counts = data.group_counts(ds, parts)
        chart(
            viz.part_bars(
                names, group_counts, categories=groups, title=t("train.groups_title"),
                x_label=t("train.share"), y_label="",
            ),
            key="train_groups",
        )  # fmt: skip
    if s.val == "split":
        val_share = counts[1, 1] / max(counts[1].sum(), 1)
        st.info(
            t("train.split_note", split=f"{s.split:g}", pos=f"{val_share:.0%}"),
            icon=":material/lightbulb:",
        )
        if ds.groups is not None and s.order == "file":
            groups, group_counts = data.group_counts(ds, parts)
            top = int(np.argmax(group_counts[1]))
            share = group_counts[1, top] / max(group_counts[1].sum(), 1)
            st.warning(t("train.sorted_note", group=groups[top], share=f"{share:.0%}"))
    show_code(c, s)
