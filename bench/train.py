"""8. Training on the Train page: the default fit's time, and a class while one session trains.

8. The default fit (DESIGN.md §7: ≤ 10 s on this machine) through the page's own code path,
without a browser: `data.shipped`, `prep.prepare` with the page's defaults (`ui.settings.Settings`:
seed, order, val, split, fit_words, fit_oov, fit_maxlen), the page's `FitSpec` and `Inputs`
(`lessons.train.common.fit_spec`, `inputs`), then a run of a fresh `Trainer` (jobs.py: the
worker thread the server trains in; fresh, so nothing is cached), timed from `start` until the
run has finished. The budget applies to the English set with the default SimpleRNN; LSTM, GRU,
the Korean set and the default fit with one torch thread are kept for information. The
variants take turns, repetition after repetition, so a burst of other work on the machine
spoils one run of each rather than every run of one. The same default fit is then pressed on
the page, on section 8a's server before any student arrives (same budget): the time a student
meets, in a process whose other threads also run torch. A run cut at the time limit
(`jobs.MAX_SECONDS`) counts as its time, never as missing.

8a. One `streamlit run` server (as section 4) and the class of section 4 — N websocket students
on the default page, each moving its main slider every ~2 s. Once every student has loaded the
page, a warm-up window (not judged: the first moves ask for values nobody asked for before, which
the caches then keep), then alternating windows: quiet, training, quiet, training… In a training
window one more session trains back to back: it opens
`/train?step=fit&seed=<new>`, presses `train_fit` (a trigger value, in the button's fragment, as
the browser sends it), and watches the live panel the way the browser does (it reruns the
`run_every` fragment every 0.5 s) until the page says the run is done, then opens the next seed.
A window ends with its last run. A student's interaction counts *with training* when it lies
wholly between two looks of the watching session that both saw the run training; *quiet* when
it lies wholly in a quiet window (the last run seen finished, the next not yet pressed); the
others (between runs, at the edges) are counted in the note but not judged; so is each window's
own p95. Errors count by the window they happened in (the students' first page loads and the
warm-up's with the quiet windows). The training session's own figures: each run's training time
as the page reports it, and its live panel's reruns.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

from .report import Figure, quantile

FIT = "8. Training the default model (train page: prepare and a Trainer run, no browser)"
CLASS = "8a. A class while one more session trains on the train page (websocket clients)"

# (figure id tail, data set, settings changed from the defaults, torch threads or None)
VARIANTS = (
    ("en/simplernn", "en", {}, None),
    ("en/lstm", "en", {"cell": "lstm"}, None),
    ("en/gru", "en", {"cell": "gru"}, None),
    ("ko/simplernn", "ko", {}, None),
    ("en/simplernn/1-thread", "en", {}, 1),
)
BUDGETED = "en/simplernn"
DATA = ("en", "ko")
SECONDS = re.compile(r"\d+\.\d+")  # the page writes a run's seconds with one decimal
LOOK_TIMEOUT = 60.0  # one rerun of the watching session
RUN_TIMEOUT = 150.0  # a run is cut at jobs.MAX_SECONDS of training; this leaves room


def figure_ids() -> set[str]:
    """Every figure this section writes."""
    ids = {f"train/fit/{name}" for name, *_ in VARIANTS}
    ids |= {f"train/prep/{name}" for name in DATA}
    ids |= {
        f"train/class/{phase}/{what}"
        for phase in ("quiet", "training")
        for what in ("latency", "errors")
    }
    ids |= {"train/fit/server", "train/class/runs", "train/class/watch", "train/class/memory"}
    return ids


# --------------------------------------------------------------------------- 8. the fit


def _settings(data_name: str, changes: dict, epochs: int | None):
    from ui.settings import Settings

    s = replace(Settings(), data=data_name, **changes)
    return replace(s, epochs=epochs) if epochs else s


def _prepare(s, ds):
    from lessons.train import prep
    from lessons.train.common import prep_key, uses_morphemes

    assert not uses_morphemes(s, ds), "the page's default splits at spaces (morph off)"
    _, _, seed, order, val, split, num_words, oov, maxlen = prep_key(s, ds)  # as the page does
    return prep.prepare(
        ds.texts,
        ds.labels,
        seed=seed,
        order=order,
        val=val,
        split=split,
        num_words=num_words,
        oov_token=oov,
        maxlen=maxlen,
    )


def _fit_once(s, ds, prepared, threads: int | None) -> tuple[float, object]:
    """One run of a fresh Trainer: seconds from start() until the run has finished, and its
    final view."""
    import torch

    from lessons.train.common import fit_spec, inputs
    from lessons.train.jobs import Trainer

    trainer = Trainer()
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)  # read by the worker thread at its first operation
    try:
        start = time.perf_counter()
        run = trainer.start(fit_spec(s, ds), lambda: inputs(prepared), "bench")
        trainer.wait(run, timeout=RUN_TIMEOUT)
        seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(before)
    return seconds, trainer.view(run)


def measure_fit(*, reps: int, epochs: int | None = None) -> list[Figure]:
    """Section 8. `epochs` overrides the page's default (a smoke run's shortcut)."""
    import torch

    from lessons.train import data

    sets = {name: data.shipped(name) for name in DATA}
    prep_times: dict[str, list[float]] = {name: [] for name in DATA}
    prepared: dict[str, object] = {}
    wall: dict[str, list[float]] = {name: [] for name, *_ in VARIANTS}
    views: dict[str, list] = {name: [] for name, *_ in VARIANTS}
    for _ in range(reps):
        for name in DATA:
            s = _settings(name, {}, epochs)
            start = time.perf_counter()
            prepared[name] = _prepare(s, sets[name])
            prep_times[name].append(time.perf_counter() - start)
        for name, data_name, changes, threads in VARIANTS:
            s = _settings(data_name, changes, epochs)
            seconds, view = _fit_once(s, sets[data_name], prepared[data_name], threads)
            wall[name].append(seconds)
            views[name].append(view)

    figures = []
    for name in DATA:
        p = prepared[name]
        sizes = ", ".join(f"{len(p.parts[part])} {part}" for part in ("train", "val", "test"))
        figures.append(
            Figure(
                f"train/prep/{name}",
                FIT,
                f"{name}: prepare (split, Tokenizer on the training part, pad), page defaults",
                "s",
                prep_times[name],
                note=f"{len(sets[name].texts)} rows: {sizes}; the page caches it per settings",
            ).finish()
        )
    default_epochs = _settings("en", {}, epochs).epochs
    for name, data_name, changes, threads in VARIANTS:
        s = _settings(data_name, changes, epochs)
        done = [v for v in views[name] if v.status == "done"]
        failed = [v for v in views[name] if v.status not in ("done", "time")]
        cut = len(views[name]) - len(done) - len(failed)  # at jobs.MAX_SECONDS: counted
        samples = [] if failed else wall[name]
        what = f"{data_name}: the default fit" if not changes else f"{data_name}: {s.cell}"
        if threads:
            what += f", torch.set_num_threads({threads}) (a lever: the server keeps its default)"
        if name == BUDGETED:
            what += f" ({s.cell}, {default_epochs} epochs)"
        if samples:
            acc = [v.history.val_accuracy[-1] for v in done if v.history.val_accuracy]
            own = quantile([v.seconds for v in views[name]], 0.5)
            note = (
                f"min {min(samples):.2f} s, max {max(samples):.2f} s; the run's own time "
                f'(the page\'s "Trained … in") median {own:.2f} s; {s.epochs} epochs, batch '
                f"{s.fit_batch}, {s.optimizer}, D={s.fit_d}, U={s.fit_units}, maxlen "
                f"{s.fit_maxlen}; final val_accuracy {quantile(acc, 0.5):.3f}; torch threads "
                f"{threads or torch.get_num_threads()}"
            )
            if cut:
                note += f"; {cut} runs cut at the time limit (jobs.MAX_SECONDS)"
        else:
            bad = failed[0]
            error = (bad.error or "").strip().splitlines()[-1:] or [""]
            note = f"a run ended {bad.status!r} after {len(bad.history.loss)} epochs {error[0]}"
        figures.append(
            Figure(
                f"train/fit/{name}",
                FIT,
                what,
                "s",
                samples,
                "train/fit" if name == BUDGETED else None,
                note=note,
            ).finish()
        )
    return figures


# --------------------------------------------------------------------------- 8a. the class


def _status(session) -> tuple[str, float | None]:
    """What the fit step shows after a run of the watching session: (status, seconds)."""
    if session.progress:  # st.progress: "Training… 4.2 s · 1 watching"
        found = SECONDS.search(session.progress[-1][1])
        return "running", float(found.group()) if found else None
    for kind, body in session.alerts:
        if kind == "SUCCESS":  # "Trained 10 epochs in 5.5 s."
            found = SECONDS.search(body)
            return "done", float(found.group()) if found else None
    for kind, _ in session.alerts:
        if kind == "ERROR":
            return "failed", None
    if session.auto_reruns:  # queued: the live panel is on, with no progress bar yet
        return "queued", None
    return "ended", None  # stopped or cut at the time limit: the panel is gone, no success


async def _one_run(port: int, seed: int, epochs: int | None, out: dict) -> None:
    """Open the fit step with a new seed, press fit, watch until the run is over."""
    from .wsclient import Session

    query = {"step": "fit", "seed": str(seed)} | ({"epochs": str(epochs)} if epochs else {})
    async with Session(port, "train", urlencode(query)) as session:
        loaded = await session.run(timeout=120)
        out["opens"].append(loaded.seconds)
        button = session.buttons.get("train_fit")
        if not loaded.ok or button is None:
            out["errors"].append(f"trainer: open {loaded.status} {loaded.exceptions[:1]}")
            await asyncio.sleep(1)
            return
        pressed = time.perf_counter()
        result = await session.click(button, timeout=LOOK_TIMEOUT)
        out["clicks"].append(result.seconds)
        looks: list[tuple[float, float]] = []  # (sent, finished) of looks that saw it training
        status, seconds = _status(session)
        if result.ok and status == "running":
            looks.append((pressed, pressed + result.seconds))
        sent = pressed
        while result.ok and status in ("running", "queued"):
            if time.perf_counter() - pressed > RUN_TIMEOUT:
                out["errors"].append(f"trainer: no end after {RUN_TIMEOUT:.0f} s")
                break
            fragment, interval = next(iter(session.auto_reruns.items()))
            await asyncio.sleep(max(sent + interval - time.perf_counter(), 0.0))  # the timer
            sent = time.perf_counter()
            result = await session.run(timeout=LOOK_TIMEOUT, fragment_id=fragment)
            out["looks"].append(result.seconds)
            status, seconds = _status(session)
            if status == "running":
                looks.append((sent, sent + result.seconds))
        out["last_seen_over"] = time.perf_counter()
        out["walls"].append(out["last_seen_over"] - pressed)
        if not result.ok:
            out["errors"].append(f"trainer: {result.status} {result.exceptions[:1]}")
        elif status == "done":
            out["runs"].append(seconds)
        elif status == "failed":
            out["errors"].append(f"trainer: the run failed {session.alerts[-1:]}")
        else:  # no one stops it: the run was cut at the time limit (jobs.MAX_SECONDS)
            out["cut"].append(status)
        if len(looks) >= 2:  # certainly training from the first look's end to the last's start
            out["training"].append((looks[0][1], looks[-1][0]))


async def _trainer(port, out, *, sessions, windows, window, epochs, period, stop) -> None:
    """The schedule: quiet and training windows in turn, after every student has loaded."""
    deadline = time.perf_counter() + 180
    while len(out["loads"]) + len(out["errors"]) < sessions and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    seed = 1000  # a fresh server: every seed from here is a new run
    try:
        # A warm-up window first, not judged: the students' first moves ask for values no one
        # asked for before (their results are cached for the class afterwards).
        start = time.perf_counter()
        out["windows"].append(["warm-up", start, start, 0])
        await asyncio.sleep(window)
        out["windows"][-1][2] = time.perf_counter()
        for k in range(windows):
            phase = "quiet" if k % 2 == 0 else "training"
            start = time.perf_counter()
            out["windows"].append([phase, start, start, len(out["errors"])])
            if phase == "quiet":
                await asyncio.sleep(window)
            else:
                while time.perf_counter() < start + window:
                    seed += 1
                    try:
                        await _one_run(port, seed, epochs, out)
                    except Exception as error:  # the server went away, or a protocol surprise
                        out["errors"].append(f"trainer: {type(error).__name__}: {error}")
                        await asyncio.sleep(1)
            end = out["last_seen_over"] if phase == "training" else time.perf_counter()
            out["windows"][-1][2] = max(end, start)
    finally:
        stop.set()


async def _class_with_training(port, page_name, *, sessions, windows, window, period, epochs):
    from .klass import _student

    out = _fresh()
    stop = asyncio.Event()
    students = [
        _student(i, port, page_name, 0.0, period, 1, out, until=stop.is_set)
        for i in range(sessions)
    ]
    trainer = _trainer(
        port,
        out,
        sessions=sessions,
        windows=windows,
        window=window,
        epochs=epochs,
        period=period,
        stop=stop,
    )
    await asyncio.gather(*students, trainer)
    out["errors_total"] = len(out["errors"])
    return out


def _fresh() -> dict:
    out: dict = {"loads": [], "latencies": [], "errors": [], "slider": None, "spans": []}
    out |= {"opens": [], "clicks": [], "looks": [], "runs": [], "cut": [], "training": []}
    return out | {"windows": [], "last_seen_over": 0.0, "walls": []}


async def _runs_alone(port: int, reps: int, epochs: int | None) -> dict:
    """The default fit pressed on the page, on a server with no other session, `reps` times."""
    out = _fresh()
    for k in range(reps):
        try:
            await _one_run(port, 100 + k, epochs, out)
        except Exception as error:  # the server went away, or a protocol surprise
            out["errors"].append(f"trainer: {type(error).__name__}: {error}")
    return out


def _server_fit_figure(out: dict, epochs: int | None) -> Figure:
    from lessons.train.jobs import MAX_SECONDS

    samples = [r for r in out["runs"] if r is not None] + [MAX_SECONDS] * len(out["cut"])
    if out["errors"]:
        samples, note = [], "; ".join(sorted(set(out["errors"]))[:2])
    else:
        note = (
            f'the page\'s "Trained … in" seconds ({len(out["cut"])} runs cut at the '
            f"{MAX_SECONDS:.0f}-second limit, counted as {MAX_SECONDS:.0f} s); from pressing "
            f"fit to the page saying so: median {quantile(out['walls'], 0.5):.2f} s; "
            f"/train?step=fit&seed=<new>, {_settings('en', {}, epochs).epochs} epochs, the "
            "server's default torch threads"
        )
    return Figure(
        "train/fit/server",
        FIT,
        "en: the default fit pressed on the page, alone on a fresh server (websocket client)",
        "s",
        samples,
        "train/fit",
        note=note,
    ).finish()


def _inside(span, intervals) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in intervals)


def measure_class(
    page,
    *,
    sessions: int,
    windows: int,
    window: float,
    period: float,
    epochs: int | None,
    reps: int,
    out_dir: Path,
) -> list[Figure]:
    """Section 8a on one fresh server (the repository's settings), after the default fit
    pressed `reps` times on it alone (section 8's figure of a fit on the server)."""
    from lessons.train.jobs import MAX_SECONDS

    from .klass import _MemorySampler
    from .live import Server

    with Server(log_path=out_dir / "streamlit-class-training.log") as server:
        sampler = _MemorySampler(server)
        sampler.start()
        try:
            alone = asyncio.run(_runs_alone(server.port, reps, epochs))
            out = asyncio.run(
                _class_with_training(
                    server.port,
                    page.url_path,
                    sessions=sessions,
                    windows=windows,
                    window=window,
                    period=period,
                    epochs=epochs,
                )
            )
        finally:
            peak = sampler.stop()
    spans = {phase: [] for phase in ("warm-up", "quiet", "training", "between")}
    quiet = [(a, b) for phase, a, b, _ in out["windows"] if phase == "quiet"]
    for span in out["spans"]:
        if _inside(span, out["training"]):
            spans["training"].append(span)
        elif _inside(span, quiet):
            spans["quiet"].append(span)
        elif out["windows"] and span[0] < out["windows"][0][2]:
            spans["warm-up"].append(span)
        else:
            spans["between"].append(span)  # between runs, or across a window's edge

    def ms(chosen) -> list[float]:
        return [(b - a) * 1000 for a, b in chosen]

    # Errors by the window they happened in: the first loads' and the warm-up's with the quiet
    # windows, those after the schedule's end with its last window.
    marks = [w[3] for w in out["windows"]] + [out["errors_total"]]
    errors: dict[str, list[str]] = {"quiet": [], "training": []}
    for k, (phase, *_rest) in enumerate(out["windows"]):
        errors["training" if phase == "training" else "quiet"] += out["errors"][
            marks[k] : marks[k + 1]
        ]
    if not out["windows"]:  # the schedule never started: every error is the class's
        errors["quiet"] = list(out["errors"])
    by_window: dict[str, list[str]] = {"quiet": [], "training": []}
    seconds = {"quiet": 0.0, "training": 0.0}
    for phase, a, b, _ in out["windows"]:
        if phase in by_window:
            inside = [span for span in spans[phase] if a <= span[0] and span[1] <= b]
            by_window[phase].append(f"{quantile(ms(inside), 0.95):.0f}")
            seconds[phase] += b - a
    covered = sum(b - a for a, b in out["training"])
    share = covered / seconds["training"] if seconds["training"] else 0.0
    warm = ms(spans["warm-up"])
    runs_note = (
        f"{len(out['runs'])} runs finished (done) in {len(by_window['training'])} training "
        f"windows of {seconds['training']:.0f} s in all; a run seen training {100 * share:.0f}% "
        f"of that time; {len(out['cut'])} cut at the time limit"
    )
    notes = {
        "quiet": f"{sessions} sessions, a step of `{out['slider']}` every ~{period:g} s; "
        f"{len(by_window['quiet'])} quiet windows, {seconds['quiet']:.0f} s in all; before "
        f"them a warm-up of {len(warm)} interactions, not judged (p95 "
        f"{quantile(warm, 0.95):.0f} ms)",
        "training": f"{runs_note}; {len(spans['between'])} interactions between runs or "
        "across a window's edge not judged",
    }
    figures = [_server_fit_figure(alone, epochs)]
    for phase in ("quiet", "training"):
        what = (
            "the class's interaction latency, no training"
            if phase == "quiet"
            else "the class's interaction latency while a training runs"
        )
        figures.append(
            Figure(
                f"train/class/{phase}/latency",
                CLASS,
                what,
                "ms",
                ms(spans[phase]),
                "class/p95",
                judge="p95",
                note=f"{notes[phase]}; p95 by window: {', '.join(by_window[phase])} ms",
            ).finish()
        )
        where = (
            "quiet windows (with the first page loads and the warm-up)"
            if phase == "quiet"
            else "training windows (the training session's included)"
        )
        figures.append(
            Figure(
                f"train/class/{phase}/errors",
                CLASS,
                f"errors in the {where}",
                "",
                [len(errors[phase])],
                "class/errors",
                judge="max",
                note="; ".join(sorted(set(errors[phase]))[:3]),
            ).finish()
        )
    med = quantile(out["clicks"], 0.5) * 1000 if out["clicks"] else float("nan")
    figures += [
        Figure(
            "train/class/runs",
            CLASS,
            "each run's training time under the class (the page's \"Trained … in\")",
            "s",
            [r for r in out["runs"] if r is not None] + [MAX_SECONDS] * len(out["cut"]),
            note=f"{runs_note} (counted as {MAX_SECONDS:.0f} s); epochs "
            + (str(epochs) if epochs else f"{_settings('en', {}, None).epochs} (the default)")
            + ", a new seed each: /train?step=fit&seed=…",
        ).finish(),
        Figure(
            "train/class/watch",
            CLASS,
            "the training session's live panel: one rerun of its fragment (every 0.5 s)",
            "ms",
            [s * 1000 for s in out["looks"]],
            note=f"request → script_finished; pressing fit: median {med:.0f} ms; opening "
            f"/train?step=fit: median {quantile(out['opens'], 0.5) * 1000:.0f} ms",
        ).finish(),
        Figure(
            "train/class/memory",
            CLASS,
            "server peak memory (RSS, with children)",
            "MB",
            [peak / 1e6],
            note=f"{sampler.baseline / 1e6:.0f} MB after start, before the sessions",
        ).finish(),
    ]
    return figures


def measure(
    pages,
    *,
    reps: int,
    sessions: int,
    windows: int,
    window: float,
    period: float,
    quick: bool,
    out_dir: Path,
) -> list[Figure]:
    # A smoke run trains one epoch per fit, and three per run in the class (long enough for
    # the watching session to see it training at least twice).
    figures = measure_fit(reps=reps, epochs=1 if quick else None)
    default = next((p for p in pages if not p.url_path), pages[0])
    figures += measure_class(
        default,
        reps=reps,
        sessions=sessions,
        windows=windows,
        window=window,
        period=period,
        epochs=3 if quick else None,
        out_dir=out_dir,
    )
    return figures
