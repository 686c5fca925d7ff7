"""Step 4, fit: epochs and batch_size, then model.fit live — a Keras progress line per epoch,
loss and accuracy curves for training and validation, a stop button, the History as a table,
and overfitting named when it shows.

The run is the class's: everyone with the same data and settings watches the same one, trained
once in the background (jobs.py). While it runs, a fragment redraws this panel twice a second;
the rest of the page is not rerun.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import viz
from layers.training import History, Progress, overfitting_epoch
from ui.blocks import chart
from ui.controls import columns
from ui.i18n import t
from ui.settings import LIMITS, Settings
from ui.shell import explain
from ui.state import widget

from .common import Current, current_run, inputs, session_id, show_code, trainer, with_value
from .jobs import FINISHED, MAX_SECONDS, FitSpec, View

BATCHES = (1, 8, 16, 32, 64, 128, 256, 512, 1024)
DETACHED = "_train_detached"  # session state: {spec: the view when this session stopped it}
MINE = "_train_mine"  # session state: the specs this session pressed Fit for
BAR = 20  # characters in Keras' progress bar


def controls(s: Settings) -> None:
    c1, c2 = columns(("epochs", "fit_batch"))
    with c1:
        low, high = LIMITS["epochs"]
        widget(st.slider, t("train.epochs"), "epochs", min_value=low, max_value=high)
    with c2:
        widget(
            st.select_slider,
            t("train.batch"),
            "fit_batch",
            options=with_value(BATCHES, s.fit_batch),
            format_func=lambda v: str(int(v)),
            help=t("train.batch_help"),
        )


def fit_line(s: Settings) -> str:
    validation = (
        f"validation_split={s.split:g}" if s.val == "split" else "validation_data=(x_val, y_val)"
    )
    return (
        f"history = model.fit(x_train, y_train, epochs={s.epochs}, batch_size={s.fit_batch},\n"
        f"                    {validation})"
    )


def _logs_text(logs: dict[str, float]) -> str:
    return " - ".join(f"{k}: {logs[k]:.4f}" for k in sorted(logs))


def keras_lines(history: History, progress: Progress | None, epochs: int) -> str:
    """What Keras prints with verbose=1: a line per finished epoch, then the running one."""
    lines = []
    done = len(history.loss)
    for e in range(done):
        logs = {k: getattr(history, k)[e] for k in ("accuracy", "loss", "val_accuracy", "val_loss")
                if len(getattr(history, k)) > e}  # fmt: skip
        seconds = history.seconds[e] if e < len(history.seconds) else 0.0
        batches = progress.batches if progress else 0
        per_step = 1000 * seconds / max(batches, 1)
        lines += [f"Epoch {e + 1}/{epochs}",
                  f"{batches}/{batches} {'━' * BAR} {seconds:.0f}s {per_step:.0f}ms/step - "
                  f"{_logs_text(logs)}"]  # fmt: skip
    if progress is not None and not progress.epoch_done and progress.epoch > done:
        filled = round(BAR * progress.batch / progress.batches)
        lines += [f"Epoch {progress.epoch}/{epochs}",
                  f"{progress.batch}/{progress.batches} {'━' * filled}{' ' * (BAR - filled)} "
                  f"- {_logs_text(progress.logs)}"]  # fmt: skip
    return "\n".join(lines)


def _status(view: View, epochs: int) -> None:
    if view.status == "queued":
        st.info(t("train.queued", ahead=view.ahead), icon=":material/hourglass_top:")
    elif view.status == "running":
        p = view.progress
        done = 0.0 if p is None else (p.epoch - 1 + p.batch / p.batches) / epochs
        st.progress(min(done, 1.0), text=t("train.running", seconds=f"{view.seconds:.1f}",
                                           watchers=view.watchers))  # fmt: skip
    elif view.status == "done":
        st.success(t("train.done", epochs=len(view.history.loss), seconds=f"{view.seconds:.1f}"),
                   icon=":material/check_circle:")  # fmt: skip
    elif view.status == "stopped":
        st.warning(t("train.stopped", epochs=len(view.history.loss)), icon=":material/stop_circle:")
    elif view.status == "time":
        st.warning(t("train.time_limit", seconds=int(MAX_SECONDS), epochs=len(view.history.loss)))
    else:
        st.error(t("train.failed"), icon=":material/error:")


def curves(history: History, epochs: int) -> None:
    import numpy as np

    overfit = overfitting_epoch(history.loss, history.val_loss)
    mark = (overfit, t("train.overfit_mark")) if overfit else None
    left, right = st.columns(2)
    labels = {"train_label": t("train.curve_train"), "val_label": t("train.curve_val"),
              "x_label": t("train.epoch")}  # fmt: skip
    with left:
        chart(
            viz.history_curves(
                np.asarray(history.loss, dtype=np.float32),
                np.asarray(history.val_loss, dtype=np.float32) if history.val_loss else None,
                epochs=epochs, title=t("train.loss_title"), y_label="loss", mark=mark, **labels,
            ),
            key="train_loss",
        )  # fmt: skip
    with right:
        chart(
            viz.history_curves(
                np.asarray(history.accuracy, dtype=np.float32),
                np.asarray(history.val_accuracy, dtype=np.float32)
                if history.val_accuracy else None,
                epochs=epochs, title=t("train.acc_title"), y_label="accuracy", y_range=(0.0, 1.0),
                **labels,
            ),
            key="train_acc",
        )  # fmt: skip
    if overfit:
        st.warning(
            t("train.overfit", epoch=overfit, best=f"{history.val_loss[overfit - 1]:.4f}",
              last=f"{history.val_loss[-1]:.4f}"),
            icon=":material/trending_up:",
        )  # fmt: skip


def history_table(history: History) -> None:
    table = {"epoch": list(range(1, len(history.loss) + 1))}
    table |= {k: v for k, v in history.history().items()}
    table["seconds"] = history.seconds[: len(history.loss)]
    st.markdown(t("train.history"))
    st.dataframe(pd.DataFrame(table).round(4), hide_index=True, width="stretch")


def draw(view: View, epochs: int) -> None:
    _status(view, epochs)
    if view.status == "failed" and view.error:
        st.code(view.error, language=None)
    curves(view.history, epochs)  # first: what the class watches; Keras' own lines below
    text = keras_lines(view.history, view.progress, epochs)
    if text:
        st.code(text, language=None, wrap_lines=True)
    if view.status in FINISHED and view.history.loss:
        history_table(view.history)


@st.fragment(run_every=0.5)
def _live(spec: FitSpec) -> None:
    """Redraws the running panel only; one full rerun when the run ends (evaluate may follow)."""
    run = trainer().get(spec)
    if run is None:
        return
    view = trainer().view(run)
    draw(view, spec.epochs)
    st.button(t("train.stop"), key="train_stop", on_click=_stop, args=(spec, view),
              icon=":material/stop:")  # fmt: skip
    if view.status in FINISHED:
        st.rerun()


def _start(c: Current) -> None:
    st.session_state.get(DETACHED, {}).pop(c.spec, None)
    st.session_state.setdefault(MINE, set()).add(c.spec)
    trainer().start(c.spec, lambda: inputs(c.prep), session_id())


def _stop(spec: FitSpec, view: View) -> None:
    if not trainer().stop(spec, session_id()):
        st.session_state.setdefault(DETACHED, {})[spec] = view  # the run goes on for the others


def fit_step(s: Settings) -> None:
    explain(t("train.fit_idea"))
    c = current_run(s)
    if c is None:
        return
    controls(s)
    st.code(fit_line(s), language="python")
    if s.val == "split":
        st.caption(t("train.split_end_note", split=f"{s.split:g}"))
    run = c.run
    detached = st.session_state.get(DETACHED, {}).get(c.spec)
    running = run is not None and run.status not in FINISHED
    st.button(t("train.fit"), key="train_fit", on_click=_start, args=(c,), type="primary",
              icon=":material/play_arrow:", disabled=running and detached is None)  # fmt: skip
    if run is None:
        st.caption(t("train.fit_first", seconds=int(MAX_SECONDS)))
        curves(History(), s.epochs)
    elif detached is not None and running:
        st.info(t("train.detached", watchers=trainer().view(run).watchers))
        draw(detached, s.epochs)
    elif running:
        _live(c.spec)
    else:
        if run.status == "done" and c.spec not in st.session_state.get(MINE, set()):
            st.caption(t("train.cached"))  # someone else's run, or one from before
        draw(trainer().view(run), s.epochs)
    show_code(c, s)
