"""The Trainer without Streamlit: shared runs, one worker, the queue, stop, the deadline, failures.

`jobs.fit` is wrapped by a `Gate` that records every training the worker does (its model, its
batches) and can hold the worker inside one batch's callback, so that queued and running states
and a stop "after the current batch" are reached by events, never by sleeping and hoping.
"""

import itertools
import re
import threading
import time

import pytest
import torch

from layers.training import ModelConfig, SentimentModel, fit, make_optimizer
from lessons.train import jobs
from lessons.train.jobs import FitSpec, Inputs, Trainer

WAIT = 30.0  # generous: waits return as soon as the run ends
CONFIG = ModelConfig(vocab=50, dim=8, units=8, cell="gru", maxlen=6)


def make_spec(**changes) -> FitSpec:
    values = dict(
        digest="data-0", config=CONFIG, optimizer="adam", learning_rate=0.01, clipnorm=None,
        epochs=3, batch_size=8, seed=0,
    )  # fmt: skip
    values.update(changes)
    return FitSpec(**values)


def make_inputs(n=32, *, seed=0, vocab=50, maxlen=6, validation=8) -> Inputs:
    """Random ids and labels from a seeded generator."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(1, vocab, (n, maxlen), generator=g)
    y = torch.randint(0, 2, (n,), generator=g)
    val = None
    if validation:
        val = (
            torch.randint(1, vocab, (validation, maxlen), generator=g),
            torch.randint(0, 2, (validation,), generator=g),
        )
    return Inputs(x, y, val)


class Factory:
    """An `inputs` callable for Trainer.start that counts how often it was asked."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.calls = 0

    def __call__(self) -> Inputs:
        self.calls += 1
        return self.inputs


class Gate:
    """jobs.fit, wrapped: records each training and can hold the worker in one batch."""

    def __init__(self) -> None:
        self.real = jobs.fit
        self.models: list[SentimentModel] = []
        self.seeds: list[int] = []
        self.batches: list[list[tuple[int, int]]] = []  # (epoch, batch) reported, per training
        self.times: list[list[float]] = []  # time.monotonic() at each report, per training
        self.hold_at: tuple[int, int, int] | None = None  # (training number, epoch, batch)
        self.reached = threading.Event()
        self.go = threading.Event()

    def hold(self, training: int = 1, epoch: int = 1, batch: int = 1) -> None:
        self.hold_at = (training, epoch, batch)

    def release(self) -> None:
        self.go.set()

    def __call__(self, model, x, y, *, callback, **kwargs):
        self.models.append(model)
        self.seeds.append(kwargs["seed"])
        self.batches.append([])
        self.times.append([])
        number = len(self.models)

        def report(progress):
            self.batches[number - 1].append((progress.epoch, progress.batch))
            self.times[number - 1].append(time.monotonic())
            if self.hold_at == (number, progress.epoch, progress.batch):
                self.reached.set()
                assert self.go.wait(WAIT)
            return callback(progress)

        return self.real(model, x, y, callback=report, **kwargs)


@pytest.fixture
def gate(monkeypatch):
    g = Gate()
    monkeypatch.setattr(jobs, "fit", g)
    yield g
    g.release()  # never leave a worker held


@pytest.fixture
def make_trainer(gate):
    """Trainer(...), whose runs are all finished before the next test patches jobs.fit again
    (a worker still training after a failed test would otherwise report to the next gate)."""
    runs = []

    def make(**kwargs) -> Trainer:
        trainer = Trainer(**kwargs)
        start = trainer.start

        def recording_start(*args, **kw):
            run = start(*args, **kw)
            runs.append((trainer, run))
            return run

        trainer.start = recording_start
        return trainer

    yield make
    gate.release()
    for trainer, run in runs:
        trainer.wait(run, WAIT)


def held(gate: Gate) -> None:
    assert gate.reached.wait(WAIT), "the worker never reached the held batch"


def finish(trainer: Trainer, *runs) -> None:
    for run in runs:
        assert trainer.wait(run, WAIT), f"run did not finish: {trainer.view(run).status}"


def direct_fit(spec: FitSpec, inputs: Inputs):
    """The same training without the Trainer: layers.training.fit called directly."""
    model = SentimentModel(spec.config, seed=spec.seed)
    optimizer = make_optimizer(
        spec.optimizer, model.parameters(), spec.learning_rate, spec.clipnorm
    )
    history = fit(
        model, inputs.x, inputs.y, optimizer=optimizer, epochs=spec.epochs,
        batch_size=spec.batch_size, seed=spec.seed, validation=inputs.validation,
    )  # fmt: skip
    return model, optimizer, history


def curves(history):
    return (history.loss, history.accuracy, history.val_loss, history.val_accuracy)


# One run per spec


def test_equal_specs_from_different_watchers_share_one_run(make_trainer, gate):
    trainer = make_trainer()
    factory = Factory(make_inputs())
    first = trainer.start(make_spec(), factory, "session-a")
    second = trainer.start(make_spec(), factory, "session-b")  # an equal spec, built anew
    assert second is first
    assert factory.calls == 1  # the data are asked for only when a run is created
    finish(trainer, first)
    view = trainer.view(first)
    assert view.status == "done" and view.watchers == 2 and view.error is None
    assert len(gate.models) == 1  # trained once
    assert first.model is gate.models[0]
    assert trainer.get(make_spec()) is first


def test_a_done_run_is_reused(make_trainer, gate):
    trainer = make_trainer()
    factory = Factory(make_inputs())
    run = trainer.start(make_spec(), factory, "a")
    finish(trainer, run)
    again = trainer.start(make_spec(), factory, "c")
    assert again is run and trainer.view(again).status == "done"
    assert trainer.view(again).watchers == 2
    assert factory.calls == 1 and len(gate.models) == 1


# The queue


def test_different_specs_queue_and_train_one_at_a_time_in_order(make_trainer, gate):
    trainer = make_trainer()
    gate.hold(training=1, epoch=1, batch=1)
    specs = [make_spec(seed=s) for s in (5, 6, 7)]
    runs = [trainer.start(spec, Factory(make_inputs(seed=i)), f"w{i}") for i, spec in
            enumerate(specs)]  # fmt: skip
    held(gate)
    views = [trainer.view(run) for run in runs]
    assert [v.status for v in views] == ["running", "queued", "queued"]
    assert [v.ahead for v in views] == [0, 1, 2]
    assert [v.watchers for v in views] == [1, 1, 1]
    assert views[0].seconds > 0.0 and views[1].seconds == 0.0 == views[2].seconds
    gate.release()

    # Poll: later runs are viewed first, so a run ending between two views can only make the
    # picture look less advanced, never show two runs running at once by mistake.
    seen_running = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        statuses = [trainer.view(run).status for run in reversed(runs)][::-1]
        assert statuses.count("running") <= 1, statuses
        assert re.fullmatch(r"(done )*(running )?(queued )*", "".join(s + " " for s in statuses))
        seen_running += [i for i, s in enumerate(statuses) if s == "running"]
        if statuses == ["done"] * 3:
            break
        time.sleep(0.002)
    assert [trainer.view(run).status for run in runs] == ["done"] * 3
    assert sorted(seen_running) == seen_running  # never an earlier run after a later one
    assert gate.seeds == [5, 6, 7]  # trained in the order they were queued
    for before, after in itertools.pairwise(runs):
        assert before.ended <= after.started  # one at a time: no overlap
    assert [run.model for run in runs] == gate.models


@pytest.mark.parametrize(
    ("cell", "optimizer", "clipnorm"),
    [("simplernn", "sgd", None), ("lstm", "rmsprop", 0.5), ("gru", "adam", None)],
)
def test_a_finished_run_has_the_history_of_fit_called_directly(
    make_trainer, cell, optimizer, clipnorm
):
    config = ModelConfig(vocab=50, dim=8, units=8, cell=cell, maxlen=6)
    spec = make_spec(config=config, optimizer=optimizer, clipnorm=clipnorm, epochs=3, seed=3)
    inputs = make_inputs(n=40, seed=3)
    trainer = make_trainer()
    run = trainer.start(spec, Factory(inputs), "a")
    finish(trainer, run)
    model, optimizer_, history = direct_fit(spec, inputs)
    view = trainer.view(run)
    assert view.status == "done" and run.history.stopped is None
    assert curves(run.history) == curves(history)  # identical numbers, not merely close
    assert curves(view.history) == curves(history)
    assert len(history.loss) == spec.epochs and len(history.val_loss) == spec.epochs
    assert run.optimizer_params == optimizer_.variable_count(model.keras_param_count())
    ours, theirs = run.model.state_dict(), model.state_dict()
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert torch.equal(ours[name], theirs[name]), name
    assert not any(p.requires_grad for p in run.model.parameters())
    assert not run.model.training


# Stop


def test_stop_from_the_only_watcher_stops_after_the_current_batch(make_trainer, gate):
    trainer = make_trainer()
    spec = make_spec(epochs=4)  # 32 rows, batch 8: 4 batches an epoch
    inputs = make_inputs()
    gate.hold(training=1, epoch=2, batch=2)
    run = trainer.start(spec, Factory(inputs), "a")
    held(gate)
    assert trainer.stop(spec, "a") is True
    assert trainer.view(run).status == "running"  # until the batch in progress ends
    gate.release()
    finish(trainer, run)
    view = trainer.view(run)
    assert view.status == "stopped" and run.history.stopped == "stop"
    assert gate.batches[0][-1] == (2, 2)  # no batch after the one that was running
    assert view.progress.epoch == 2 and view.progress.batch == 2
    assert len(view.history.loss) == 1  # complete epochs only
    assert all(len(values) == 1 for values in curves(view.history))
    _, _, full = direct_fit(spec, inputs)
    assert view.history.loss == full.loss[:1]  # the epoch kept is the real first epoch
    assert run.model is gate.models[0]  # the model is kept
    assert trainer.stop(spec, "a") is False  # a finished run cannot be stopped again


def test_stop_from_one_of_two_watchers_does_not_stop_it(make_trainer, gate):
    trainer = make_trainer()
    spec = make_spec(epochs=2)
    gate.hold()
    run = trainer.start(spec, Factory(make_inputs()), "a")
    trainer.start(spec, Factory(make_inputs()), "b")
    held(gate)
    assert trainer.stop(spec, "a") is False
    assert trainer.view(run).watchers == 1
    assert not run.stop.is_set()
    gate.release()
    finish(trainer, run)
    assert trainer.view(run).status == "done"
    assert len(run.history.loss) == spec.epochs


def test_stopping_a_queued_run_removes_it_from_the_queue(make_trainer, gate):
    trainer = make_trainer()
    gate.hold()
    specs = [make_spec(seed=s) for s in (1, 2, 3)]
    runs = [trainer.start(spec, Factory(make_inputs()), "w") for spec in specs]
    held(gate)
    assert trainer.view(runs[2]).ahead == 2
    assert trainer.stop(specs[1], "w") is True
    assert trainer.view(runs[1]).status == "stopped"
    assert trainer.view(runs[2]).ahead == 1
    gate.release()
    finish(trainer, runs[0], runs[2])
    assert gate.seeds == [1, 3]  # the stopped run was never trained
    assert runs[1].started is None and runs[1].model is None


def test_starting_a_stopped_spec_again_queues_a_fresh_run(make_trainer, gate):
    trainer = make_trainer()
    spec = make_spec(epochs=2)
    factory = Factory(make_inputs())
    gate.hold(epoch=1, batch=2)
    stopped = trainer.start(spec, factory, "a")
    held(gate)
    trainer.stop(spec, "a")
    gate.release()
    finish(trainer, stopped)
    assert trainer.view(stopped).status == "stopped"

    fresh = trainer.start(spec, factory, "a")
    assert fresh is not stopped and factory.calls == 2
    finish(trainer, fresh)
    assert trainer.view(fresh).status == "done" and len(fresh.history.loss) == 2
    assert trainer.get(spec) is fresh
    assert trainer.start(spec, factory, "b") is fresh  # and that one is reused
    assert len(gate.models) == 2


def test_starting_again_while_a_stop_is_pending_is_not_lost(make_trainer, gate):
    """Stop, then fit again before the batch in progress ends: the new fit must train."""
    trainer = make_trainer()
    spec = make_spec(epochs=2)
    gate.hold()
    first = trainer.start(spec, Factory(make_inputs()), "a")
    held(gate)
    assert trainer.stop(spec, "a") is True
    again = trainer.start(spec, Factory(make_inputs()), "a")
    view = trainer.view(again)
    if again is not first:
        assert view.status == "queued" and view.ahead == 1  # behind the run that is stopping
    gate.release()
    finish(trainer, first, again)
    assert trainer.view(again).status == "done"
    assert len(again.history.loss) == spec.epochs
    assert trainer.get(spec) is again


# Bounds and failures


def test_a_run_past_max_seconds_ends_with_status_time(make_trainer, gate):
    max_seconds = 0.1
    trainer = make_trainer(max_seconds=max_seconds)
    spec = make_spec(epochs=50, batch_size=4)  # 50 × 64 batches: far longer than 0.1 s
    run = trainer.start(spec, Factory(make_inputs(n=256)), "a")
    finish(trainer, run)
    view = trainer.view(run)
    assert view.status == "time" and run.history.stopped == "time"
    assert view.seconds >= max_seconds
    deadline = run.started + max_seconds
    assert sum(t > deadline for t in gate.times[0]) <= 1  # stops at the batch that crossed it
    epochs = len(view.history.loss)
    assert epochs < spec.epochs
    assert all(len(values) == epochs for values in curves(view.history))
    assert run.model is gate.models[0]


def bad_labels() -> Inputs:
    good = make_inputs()
    return Inputs(good.x, good.y[:-1], None)  # one label short


def bad_ids() -> Inputs:
    good = make_inputs()
    return Inputs(good.x + CONFIG.vocab, good.y, None)  # ids past the embedding table


@pytest.mark.parametrize("bad", [bad_labels, bad_ids])
def test_a_failing_run_ends_failed_and_the_worker_serves_later_runs(make_trainer, gate, bad):
    trainer = make_trainer()
    failing_spec, good_spec = make_spec(digest="bad"), make_spec(digest="good")
    failing = trainer.start(failing_spec, bad, "a")
    good = trainer.start(good_spec, Factory(make_inputs()), "b")
    finish(trainer, failing, good)
    view = trainer.view(failing)
    assert view.status == "failed" and failing.model is None
    assert "ValueError" in view.error
    assert trainer.view(good).status == "done" and good.model is not None

    again = trainer.start(failing_spec, bad, "a")  # a failed run is not reused
    assert again is not failing
    finish(trainer, again)
    assert trainer.view(again).status == "failed"
    later = trainer.start(make_spec(digest="later"), Factory(make_inputs()), "c")
    finish(trainer, later)
    assert trainer.view(later).status == "done"
    assert len(gate.models) == 4  # bad, good, bad again, later: each trained once


def test_old_finished_runs_are_forgotten(monkeypatch, make_trainer):
    monkeypatch.setattr(jobs, "MAX_RUNS", 2)
    trainer = make_trainer()
    specs = [make_spec(epochs=1, seed=s) for s in range(4)]
    for spec in specs:
        finish(trainer, trainer.start(spec, Factory(make_inputs(n=8)), "a"))
    assert trainer.get(specs[0]) is None and trainer.get(specs[1]) is None
    assert trainer.get(specs[3]) is not None
