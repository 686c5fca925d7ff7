"""Panels for one block of a stack: its output as a heatmap and the inner view that teaches it."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st
import torch

import viz
from layers.stack import RECURRENT, BlockResult, StackResult

from .i18n import t
from .settings import Settings
from .shell import chart_config
from .state import current, update

MAX_ROWS = 128  # tokens shown in one heatmap; more cannot be read on a screen
MAX_COLS = 128  # features shown


def f32(tensor: torch.Tensor) -> np.ndarray:
    """A float32 numpy view for plotly (typed arrays, never lists)."""
    return tensor.detach().to(torch.float32).numpy()


def row_labels(result: StackResult, b: int) -> list[str]:
    return result.batch.tokens[b]


def readable(values: np.ndarray, labels: list[str]) -> tuple[np.ndarray, list[str], bool]:
    """At most MAX_ROWS × MAX_COLS: a screen cannot show more; the download has it all."""
    sliced = values.shape[0] > MAX_ROWS or values.shape[-1] > MAX_COLS
    return values[:MAX_ROWS, :MAX_COLS], labels[:MAX_ROWS], sliced


def chart(figure, key: str) -> None:
    st.plotly_chart(figure, key=key, config=chart_config(key, current()))


def heatmap(
    values, labels, *, key, title, signed=True, zrange=None, y_title=None, x_title=None
) -> None:
    """A token × feature heatmap, sliced to a readable size with a note when needed."""
    shown, shown_labels, sliced = readable(values, labels)
    if sliced:
        st.caption(
            t(
                "block.sliced",
                rows=shown.shape[0],
                cols=shown.shape[1],
                total_rows=values.shape[0],
                total_cols=values.shape[1],
            )
        )
    chart(
        viz.token_heatmap(
            shown,
            shown_labels,
            title=title,
            signed=signed,
            zrange=zrange,
            x_title=x_title or t("axis.feature"),
            y_title=y_title or t("axis.token"),
            hover_name=t("axis.value"),
            presentation=current().present,
        ),
        key,
    )


def output_view(block: BlockResult, result: StackResult, b: int, zrange) -> None:
    out = block.output
    if out.dim() == 3:
        heatmap(
            f32(out[b]),
            row_labels(result, b),
            key=f"out{block.index}",
            title=t("block.output"),
            zrange=zrange,
        )
    else:  # one vector per sentence: rows are sentences
        labels = [t("block.sentence_n", n=n + 1) for n in range(out.shape[0])]
        heatmap(
            f32(out),
            labels,
            key=f"out{block.index}",
            title=t("block.output_last"),
            zrange=zrange,
            y_title=t("axis.sentence"),
        )


def download(block: BlockResult) -> None:
    def npy() -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, f32(block.output))
        return buffer.getvalue()

    st.download_button(
        t("block.download", shape=tuple(block.output.shape)),
        data=npy,
        file_name=f"block{block.index + 1}_{block.spec.name}.npy",
        mime="application/octet-stream",
        key=f"dl{block.index}",
        on_click="ignore",
    )


def inner_view(block: BlockResult, result: StackResult, b: int, settings: Settings) -> None:
    kind = block.spec.kind
    trace = block.trace
    labels = row_labels(result, b)
    present = settings.present
    if kind == "embed":
        V, D = block.layer.weight.shape
        st.markdown(t("block.embed_inner", V=V, D=D))
        pairs = [
            f"{token!s:>12} → {int(i):>4}"
            for token, i in zip(labels, result.batch.ids[b].tolist(), strict=True)
        ][:MAX_ROWS]
        st.code("\n".join(pairs), language=None)
    elif kind in RECURRENT:
        recurrent_view(block, labels, b, present)
    elif kind in ("layernorm", "addnorm"):
        before = trace.sum if kind == "addnorm" else block.input
        st.markdown(t(f"block.{kind}_inner"))
        chart(
            viz.norm_stats_bars(
                labels[:MAX_ROWS],
                f32(before[b].mean(-1))[:MAX_ROWS],
                f32(before[b].std(-1, unbiased=False))[:MAX_ROWS],
                f32(block.output[b].mean(-1))[:MAX_ROWS],
                f32(block.output[b].std(-1, unbiased=False))[:MAX_ROWS],
                title=t("block.norm_stats"),
                before_name=t("block.before"),
                after_name=t("block.after"),
                mean_title=t("axis.mean"),
                std_title=t("axis.std"),
                presentation=present,
            ),
            f"inner{block.index}",
        )
    elif kind == "batchnorm":
        st.markdown(t("block.batchnorm_inner", n=block.input.numel() // block.input.shape[-1]))
        values = trace.mean if settings.train else trace.running_mean
        chart(
            viz.feature_bars(
                f32(values)[:MAX_COLS],
                title=t("block.bn_mean_train" if settings.train else "block.bn_mean_eval"),
                x_title=t("axis.feature"),
                y_title=t("axis.mean"),
                presentation=present,
            ),
            f"inner{block.index}",
        )
    elif kind == "dropout":
        if not settings.train:
            st.info(t("block.dropout_eval"))
        else:
            kept = float(trace.mask.float().mean())
            st.markdown(
                t(
                    "block.dropout_inner",
                    p=settings.p,
                    scale=f"{trace.scale:.4g}",
                    kept=f"{kept:.0%}",
                )
            )
            shown, shown_labels, _ = readable(f32(trace.mask[b].float()), labels)
            chart(
                viz.mask_heatmap(
                    shown,
                    shown_labels,
                    title=t("block.mask"),
                    kept_name=t("block.kept"),
                    dropped_name=t("block.dropped"),
                    x_title=t("axis.feature"),
                    y_title=t("axis.token"),
                    presentation=present,
                ),
                f"inner{block.index}",
            )
    elif kind in ("attention", "encoder"):
        weights = trace.weights if kind == "attention" else trace.self_attention.weights
        st.markdown(
            t(
                "block.attention_inner",
                H=weights.shape[1],
                Dh=block.input.shape[-1] // weights.shape[1],
            )
        )
        attention_panel(
            f32(weights[b]), labels, f"head{block.index}", present, width=block.input.shape[-1]
        )
    elif kind == "ffn":
        zeros = float((trace.activated[b] == 0).float().mean())
        st.markdown(t("block.ffn_inner", F=trace.hidden.shape[-1], zeros=f"{zeros:.0%}"))
        heatmap(
            f32(trace.activated[b]), labels, key=f"inner{block.index}", title=t("block.ffn_hidden")
        )


def _open_heads(width: int, heads: int, head: int) -> None:
    """Set the Attention page's width, heads and head to this block's, open at its heads part."""
    update(att_part="heads", att_d=width, att_heads=heads, head=head)


@st.fragment
def attention_panel(
    weights: np.ndarray, labels: list[str], key: str, present: bool, *, width: int
) -> None:
    """Weights of one head (or their mean); a head click reruns only this panel. A link opens
    every head of a layer this wide on the Attention page (its own model, the same text)."""
    H = weights.shape[0]
    options = [*range(H), "mean"]
    choice = st.segmented_control(
        t("block.head"),
        options,
        default=0,
        key=key,
        format_func=lambda h: t("block.head_mean") if h == "mean" else str(h + 1),
    )
    if choice is None:
        choice = 0
    shown = weights.mean(axis=0) if choice == "mean" else weights[choice]
    n = min(len(labels), MAX_ROWS)
    if len(labels) > MAX_ROWS:
        st.caption(
            t("block.sliced", rows=n, cols=n, total_rows=len(labels), total_cols=len(labels))
        )
    chart(
        viz.attention_heatmap(
            shown[:n, :n],
            labels[:n],
            labels[:n],
            title=t(
                "block.attention_title",
                head=t("block.head_mean") if choice == "mean" else choice + 1,
            ),
            x_title=t("axis.key"),
            y_title=t("axis.query"),
            hover_name=t("axis.weight"),
            zrange=(0.0, max(float(shown[:n, :n].max()), 1e-6)),  # from 0, up to this map's peak
            presentation=present,
        ),
        f"{key}_chart",
    )
    # A button, not st.page_link: a page link's query reaches the address bar but not this
    # session's settings (read from the URL on a session's first run only), so the page would
    # open at its old part and width. The callback sets them; the text stays the session's.
    if st.button(
        t("block.attention_link", H=H),
        key=f"{key}_link",
        icon=":material/grid_view:",
        type="tertiary",
        on_click=_open_heads,
        args=(int(width), H, 1 if choice == "mean" else int(choice) + 1),
    ):
        st.switch_page("views/attention.py")


def _open_steps(cell: str, width: int, units: int) -> None:
    """Set the Recurrent page's cell, width and units to this block's, open at stepping."""
    update(rnn_part="step", rnn_cell=cell, rnn_d=width, rnn_units=units, rnn_t=1)


def recurrent_view(block: BlockResult, labels: list[str], b: int, present: bool) -> None:
    spec = block.spec
    layer = block.layer.forward_layer if spec.bidirectional else block.layer
    trace = block.trace.forward if spec.bidirectional else block.trace
    shapes = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    keras = {name: tuple(w.shape) for name, w in layer.keras_weights().items()}
    st.markdown(t("block.recurrent_inner", params=block.params, keras_params=block.keras_params))
    st.code(
        "\n".join(
            ["PyTorch"]
            + [f"  {k:<17} {v}" for k, v in shapes.items()]
            + ["Keras"]
            + [f"  {k:<17} {v}" for k, v in keras.items()]
        ),
        language=None,
    )
    if spec.bidirectional:
        st.caption(t("block.bidirectional_note"))
    names = {"lstm": "ifgo", "gru": "rzn", "rnn": "h"}[spec.kind]
    candidates = "gnh"  # tanh-valued, signed; the others are sigmoid gates in [0, 1]
    gates = [(name, getattr(trace, name), name in candidates) for name in names]
    chart(
        viz.gate_heatmaps(
            [
                (name, f32(values[b])[:MAX_ROWS, :MAX_COLS], signed)
                for name, values, signed in gates
            ],
            labels[:MAX_ROWS],
            title=t(f"block.gates_{spec.kind}"),
            x_title=t("axis.unit"),
            y_title=t("axis.token"),
            hover_name=t("axis.value"),
            presentation=present,
        ),
        f"inner{block.index}",
    )
    # A button for the reason attention_panel gives: the callback sets the page's settings.
    cell = {"rnn": "simplernn", "lstm": "lstm", "gru": "gru"}[spec.kind]
    if st.button(
        t("block.recurrent_link", cell=type(layer).__name__),
        key=f"steps{block.index}_link",
        icon=":material/replay:",
        type="tertiary",
        on_click=_open_steps,
        args=(cell, int(layer.input_size), int(layer.units)),
    ):
        st.switch_page("views/recurrent.py")


def shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def block_title(block: BlockResult) -> str:
    return t(
        "block.title", n=block.index + 1, name=t(f"kind.{block.spec.kind}"), code=block.spec.name
    )


def block_header(block: BlockResult) -> None:
    # One element, not two: every element of a block costs each slider move a little.
    st.markdown(
        f"#### {block_title(block)}\n\n"
        f":blue-badge[{shape_text(block.input.shape)} → {shape_text(block.output.shape)}] "
        f":gray-badge[{t('summary.params')}: {block.params:,}]"
    )


def summary(result: StackResult) -> None:
    """Keras model.summary() in spirit: shapes and parameter counts, then the flow of shapes."""
    rows = [
        f"| # | {t('summary.block')} | {t('summary.shape')} | {t('summary.params_torch')} "
        f"| {t('summary.params_keras')} |",
        "|---|---|---|---:|---:|",
        f"| 0 | {t('summary.input')} | {shape_text(result.batch.ids.shape)} | | |",
    ]
    for block in result.blocks:
        rows.append(
            f"| {block.index + 1} | {t(f'kind.{block.spec.kind}')} `{block.spec.name}` "
            f"| {shape_text(block.output.shape)} | {block.params:,} | {block.keras_params:,} |"
        )
    total = sum(b.params for b in result.blocks)
    keras_total = sum(b.keras_params for b in result.blocks)
    rows.append(f"| | **{t('summary.total')}** | | **{total:,}** | **{keras_total:,}** |")
    st.markdown("\n".join(rows))
    if total != keras_total:
        st.caption(t("summary.keras_differs"))
    flow = [(t("summary.input"), shape_text(result.batch.ids.shape), 1)] + [
        (block.spec.name, shape_text(block.output.shape), int(block.output.shape[-1]))
        for block in result.blocks
    ]
    chart(viz.shape_flow(flow, title=t("summary.flow"), presentation=current().present), "flow")


def shared_range(result: StackResult, b: int) -> tuple[float, float]:
    """One symmetric colour range for every block's output, so blocks compare honestly."""
    peak = max(
        float(block.output[b].abs().max())
        if block.output.dim() == 3
        else float(block.output.abs().max())
        for block in result.blocks
    )
    peak = peak or 1.0
    return (-peak, peak)


def problem(result: StackResult) -> None:
    """Why the stack stops here, and what to change, in the reader's language."""
    issue = result.problem
    values = {k: shape_text(v) if isinstance(v, tuple) else v for k, v in issue.values.items()}
    message = t(f"problem.{issue.code}", n=issue.index + 1, **values)
    if issue.code == "no_words":  # nothing typed yet is not a mistake
        st.info(message, icon="✍️")
    else:
        st.error(message, icon="🧱")
