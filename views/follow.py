"""Follow a sentence: type it, pick a stack of blocks, watch every block's output and insides."""

import streamlit as st

from ui import blocks, code, compute, controls, shell
from ui.i18n import t
from ui.state import current, hidden, shown, sync_url

shell.page_header("follow.title", "follow.idea", r"y = f_n(\cdots f_2(f_1(\mathrm{embed}(ids))))")

if not hidden("stack"):  # a lesson link's `hide=` leaves no empty box behind
    with st.container(border=True):
        st.subheader(t("follow.stack"))
        controls.stack_editor()


# A slider moved here reruns this part only: not the sidebar, the heading or the stack editor,
# whose own changes rerun the whole page.
@st.fragment
def body() -> None:
    settings = current()
    if shown(*controls.MODEL_CONTROLS):
        with st.container(border=True):
            st.subheader(t("follow.controls"))
            controls.model_controls()
    if compute.stack_fits_budget(settings):  # over the work budget: says what to lower instead
        blocks_view(settings, compute.stack_result(settings))
    sync_url()  # a fragment's rerun keeps the address bar a lesson link too


def blocks_view(settings, result) -> None:
    """Notices about the text, the summary, every block's panels, the code."""
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
        shared = st.toggle(
            t("follow.shared_scale"), key="shared_scale", help=t("follow.shared_help")
        )
        zrange = blocks.shared_range(result, b) if shared else None

        for block in result.blocks:
            with st.container(border=True):
                blocks.block_header(block)
                # Side by side on a laptop; one above the other on a projector (width is scarce).
                left, right = (
                    (st.container(), st.container()) if settings.present else st.columns(2)
                )
                with left:
                    blocks.output_view(block, result, b, zrange)
                    blocks.download(block)
                with right:
                    blocks.inner_view(block, result, b, settings)

    if result.problem is not None:
        blocks.problem(result)

    if result.blocks:
        shell.code_panel(
            lambda: (
                code.torch_snippet(
                    result,
                    heads=settings.heads,
                    p=settings.p,
                    train=settings.train,
                    eps=settings.eps,
                ),
                code.keras_snippet(result, heads=settings.heads, p=settings.p, eps=settings.eps),
            ),
            key="show_code",
        )


body()
sync_url()
