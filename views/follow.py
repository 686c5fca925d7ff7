"""Follow a sentence: type it, pick a stack of blocks, watch every block's output and insides."""

import streamlit as st

from ui import blocks, code, compute, controls, shell
from ui.i18n import t
from ui.state import current, sync_url

settings = current()
shell.page_header("follow.title", "follow.idea", r"y = f_n(\cdots f_2(f_1(\mathrm{embed}(ids))))")

with st.container(border=True):
    st.subheader(t("follow.stack"))
    controls.stack_editor()
with st.container(border=True):
    st.subheader(t("follow.controls"))
    controls.model_controls()

result = compute.stack_result(settings)
batch = result.batch
if len(settings.text) > compute.MAX_CHARS:
    st.info(t("text.capped", limit=compute.MAX_CHARS, length=len(settings.text)))
if batch.dropped_lines:
    st.info(t("text.dropped_lines", n=batch.dropped_lines, limit=batch.ids.shape[0]))
if batch.truncated_lines:
    st.info(t("text.truncated", lines=", ".join(map(str, batch.truncated_lines)), limit=512))
if batch.skipped_lines:
    st.info(t("text.skipped", lines=", ".join(map(str, batch.skipped_lines))))

if result.blocks:
    st.subheader(t("follow.summary"))
    blocks.summary(result)

    b = 0
    if batch.ids.shape[0] > 1:
        b = st.selectbox(
            t("follow.sentence"),
            range(batch.ids.shape[0]),
            format_func=lambda i: (
                f"{i + 1}: " + " ".join(w for w in batch.tokens[i] if w != "<pad>")
            ),
            key="sentence",
        )
    shared = st.toggle(t("follow.shared_scale"), key="shared_scale", help=t("follow.shared_help"))
    zrange = blocks.shared_range(result, b) if shared else None

    for block in result.blocks:
        with st.container(border=True):
            blocks.block_header(block)
            # Side by side on a laptop; one above the other on a projector, where width is scarce.
            left, right = (st.container(), st.container()) if settings.present else st.columns(2)
            with left:
                blocks.output_view(block, result, b, zrange)
                blocks.download(block)
            with right:
                blocks.inner_view(block, result, b, settings)

if result.problem is not None:
    blocks.problem(result)

if result.blocks:
    with st.expander(t("code.title")):
        torch_tab, keras_tab = st.tabs(["PyTorch", "Keras 3"])
        torch_tab.code(
            code.torch_snippet(
                result, heads=settings.heads, p=settings.p, train=settings.train, eps=settings.eps
            )
        )
        keras_tab.code(
            code.keras_snippet(result, heads=settings.heads, p=settings.p, eps=settings.eps)
        )

sync_url()
