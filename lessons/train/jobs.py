"""Training runs a class shares: one per (data, settings), trained once, in the background.

Thirty students pressing "fit" with the same data and settings join one run: the key is every
setting the run depends on plus the data's digest, so the same curves appear on every screen at
the cost of one training. Runs queue and train one at a time in a worker thread, so a training
never holds up the sessions that are only moving sliders (the script threads stay free), and
two trainings never fight over the machine's two cores.

A run is bounded (epochs ≤ 50, MAX_SECONDS of training, examples by the data layer) and can be
stopped: a stop from a session that is the run's only watcher stops it after the current batch
and keeps the epochs done; with other sessions still watching, the run goes on for them. A
finished run keeps its model for evaluate, predict and save; the last MAX_RUNS runs are kept.

No streamlit here: the page holds the process's one `Trainer` with `st.cache_resource`.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from layers.training import (
    History,
    ModelConfig,
    Progress,
    SentimentModel,
    fit,
    make_optimizer,
)

MAX_SECONDS = 60.0  # one run's training time; it stops there and keeps what it learned
MAX_RUNS = 12  # runs kept per process (finished ones are dropped oldest first)
FINISHED = ("done", "stopped", "time", "failed")


@dataclass(frozen=True)
class FitSpec:
    """Everything a run depends on: equal specs share one run."""

    digest: str  # the data's and the preprocessing's identity
    config: ModelConfig
    optimizer: str
    learning_rate: float
    clipnorm: float | None
    epochs: int
    batch_size: int
    seed: int


@dataclass
class Inputs:
    x: torch.Tensor  # (n, T) training ids
    y: torch.Tensor  # (n,) labels
    validation: tuple[torch.Tensor, torch.Tensor] | None


@dataclass(frozen=True)
class View:
    """A consistent copy of a run's state for one page draw."""

    status: str  # queued, running, done, stopped, time, failed
    history: History
    progress: Progress | None
    ahead: int  # runs queued before this one
    seconds: float  # training time so far
    watchers: int
    error: str | None


@dataclass
class Run:
    spec: FitSpec
    inputs: Inputs
    status: str = "queued"
    history: History = field(default_factory=History)
    progress: Progress | None = None
    model: SentimentModel | None = None
    optimizer_params: int = 0
    started: float | None = None
    ended: float | None = None
    error: str | None = None
    watchers: set[str] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)


class Trainer:
    """The process's runs and the one worker thread that trains them in turn."""

    def __init__(self, *, max_seconds: float = MAX_SECONDS) -> None:
        self.max_seconds = max_seconds
        self._lock = threading.Lock()
        self._runs: OrderedDict[FitSpec, Run] = OrderedDict()
        self._queue: deque[Run] = deque()
        self._wake = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None
        self._running: Run | None = None  # the run the worker trains (maybe no longer in _runs)

    def start(self, spec: FitSpec, inputs: Callable[[], Inputs], watcher: str) -> Run:
        """Join the run for `spec`, or queue a new one (again, if the last one was cut short or
        is being stopped: a stop already asked for would end it after its current batch)."""
        with self._lock:
            run = self._runs.get(spec)
            if run is None or run.status in ("stopped", "time", "failed") or run.stop.is_set():
                run = Run(spec, inputs())
                self._runs[spec] = run
                self._queue.append(run)
                self._forget_old()
                self._ensure_worker()
                self._wake.notify()
            self._runs.move_to_end(spec)
            run.watchers.add(watcher)
            return run

    def get(self, spec: FitSpec) -> Run | None:
        with self._lock:
            return self._runs.get(spec)

    def stop(self, spec: FitSpec, watcher: str) -> bool:
        """Stop watching; the run stops if nobody else watches. True if it will stop."""
        with self._lock:
            run = self._runs.get(spec)
            if run is None or run.status in FINISHED:
                return False
            run.watchers.discard(watcher)
            if run.watchers:
                return False
            run.stop.set()
            if run.status == "queued":
                self._queue.remove(run)
                run.status = "stopped"
            return True

    def view(self, run: Run) -> View:
        with self._lock:
            ahead = next((i for i, r in enumerate(self._queue) if r is run), 0)
            busy = self._running is not None and self._running.status == "running"
            if run.status == "queued" and busy:
                ahead += 1
            end = run.ended if run.ended is not None else time.monotonic()
            return View(
                status=run.status,
                history=run.history.copy(),
                progress=run.progress,
                ahead=ahead,
                seconds=0.0 if run.started is None else end - run.started,
                watchers=len(run.watchers),
                error=run.error,
            )

    def wait(self, run: Run, timeout: float) -> bool:
        """Block until the run has finished (tests and the benchmark); True if it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if run.status in FINISHED:
                    return True
            time.sleep(0.02)
        return False

    # ------------------------------------------------------------------------------ worker

    def _forget_old(self) -> None:
        finished = [s for s, r in self._runs.items() if r.status in FINISHED]
        while len(self._runs) > MAX_RUNS and finished:
            del self._runs[finished.pop(0)]

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="layerscope-fit", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    self._wake.wait()
                run = self._queue.popleft()
                run.status = "running"
                run.started = time.monotonic()
                self._running = run
            self._train(run)

    def _train(self, run: Run) -> None:
        # One intra-op thread while a run trains. The model's ops are small (32 × 32), so a
        # second thread only waits at every op's barrier, and on a busy machine it waits for a
        # core: the default fit took 2 s with one thread and 5–13 s with two (python -m bench
        # --only train). Set for the process, so restored when the run ends.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            self._fit(run)
        finally:
            torch.set_num_threads(threads)

    def _fit(self, run: Run) -> None:
        spec = run.spec
        try:
            model = SentimentModel(spec.config, seed=spec.seed)
            optimizer = make_optimizer(
                spec.optimizer, model.parameters(), spec.learning_rate, spec.clipnorm
            )

            def report(progress: Progress) -> bool:
                with self._lock:
                    run.progress = progress
                    if progress.history is not None:
                        run.history = progress.history
                return not run.stop.is_set()

            history = fit(
                model,
                run.inputs.x,
                run.inputs.y,
                optimizer=optimizer,
                epochs=spec.epochs,
                batch_size=spec.batch_size,
                seed=spec.seed,
                validation=run.inputs.validation,
                callback=report,
                deadline=run.started + self.max_seconds,
            )
            model.eval()
            for p in model.parameters():
                p.requires_grad_(False)
            with self._lock:
                run.model = model
                run.optimizer_params = optimizer.variable_count(model.keras_param_count())
                run.history = history
                run.status = {"stop": "stopped", "time": "time"}.get(history.stopped, "done")
                run.ended = time.monotonic()
                run.inputs = Inputs(run.inputs.x[:0], run.inputs.y[:0], None)  # free the data
        except Exception:  # a run must never take the worker down: the page shows the error
            with self._lock:
                run.error = traceback.format_exc(limit=3)
                run.status = "failed"
                run.ended = time.monotonic()
