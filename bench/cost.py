"""0. The cost model (layers/cost.py) against this machine: fit its prices, check its estimates.

`python -m bench.cost` (alone) times a grid of requests three ways and compares each with the
model's estimate:

- *compute*: `run_stack` on a batch, and the lab's computations per section
  (lessons/lab/compute.py),
  called directly: the counts of layers/cost.py without the page;
- *page*: the first run of a lesson link under AppTest (the script run itself, timed by
  wrapping `ScriptRunner._run_script`; a new seed each time so the cached stack misses):
  computing and drawing.
- *memory*: the bytes a stack's result really keeps (every distinct tensor storage reachable
  from it) against the model's bytes.

With `--fit` it then fits the prices (`SECONDS`) to the fastest run of each request:
non-negative least squares on the relative error, and prints them with the margin (see
`fit`), ready to paste into layers/cost.py. Without `--fit` it checks the committed prices:
measured ÷ estimated per request, which must stay ≤ 1 where it matters (the estimate errs
high). `--save` keeps the timings in a JSON file, `--load` fits files saved before (pooled).

As part of `python -m bench` (section `cost`) it reports those ratios as three figures
(compute, page, memory). While it measures, the budget is lifted (layers.cost.BUDGET_S and
BUDGET_BYTES), so that requests over it still compute and can be timed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .report import Figure

JITTER = 1.2  # a quiet machine's run-to-run spread, on top of the fit's worst miss
SECTION = "0. The cost model: measured ÷ estimated server time (layers/cost.py)"


@dataclass(frozen=True)
class Case:
    what: str  # stack, lab, follow (a page run) or lab-page
    B: int
    T: int
    d: int = 16
    stack: str = "embed"
    units: int = 16
    heads: int = 4
    section: str = "layernorm"
    sublayer: str = "ffn"

    @property
    def label(self) -> str:
        shape = f"B={self.B} T={self.T} D={self.d}"
        if self.what in ("stack", "follow"):
            blocks = self.stack.split(",")
            named = Counter(blocks[1:])
            text = "embed" + "".join(f",{n}×{k}" if n > 1 else f",{k}" for k, n in named.items())
            return f"{self.what}: {text} {shape} U={self.units} H={self.heads}"
        sub = f" ({self.sublayer})" if self.section == "residual" else ""
        return f"{self.what}: {self.section}{sub} {shape}"


def text_for(B: int, T: int) -> str:
    """B lines: the first of T distinct words, the others one word (padding makes them T)."""
    first = " ".join(f"w{j}" for j in range(T))
    return "\n".join([first, *(f"x{i}" for i in range(1, B))])


def _stack(kind: str, n: int) -> str:
    return ",".join(["embed", *[kind] * n])


def grid(quick: bool = False) -> list[Case]:
    """Requests from a lesson's size up to several seconds, for every kind of block."""
    if quick:
        return [
            Case("stack", 1, 64, 32, _stack("lstm", 1)),
            Case("stack", 2, 64, 32, "embed,lstm,layernorm,dropout,attention"),
            Case("lab", 2, 32, 32, section="compare"),
            Case("follow", 1, 16, 16, "embed,lstm,layernorm,dropout,attention"),
            Case("lab-page", 1, 16, 16, section="dropout"),
        ]
    cases: list[Case] = []
    add = cases.append
    for B, T, d in ((1, 512, 512), (64, 512, 16), (8, 256, 256), (64, 128, 128)):
        add(Case("stack", B, T, d, "embed"))
    # Recurrent: per-step overhead (B=1, small U), then B·U² work per step, then both ways.
    for kind in ("rnn", "lstm", "gru"):
        add(Case("stack", 1, 512, 512, _stack(kind, 4), units=16))
        add(Case("stack", 1, 512, 512, _stack(kind, 2), units=512))
        add(Case("stack", 64, 128, 64, _stack(kind, 2), units=128))
        add(Case("stack", 16, 256, 256, _stack(kind, 1), units=256))
    add(Case("stack", 1, 512, 512, _stack("bilstm", 4), units=16))
    add(Case("stack", 1, 512, 512, _stack("bilstm", 3), units=512))
    add(Case("stack", 8, 512, 64, _stack("bigru", 2), units=256))
    add(Case("stack", 64, 512, 16, _stack("bilstm", 1), units=64))
    add(Case("stack", 32, 128, 128, "embed,lstm-last,dropout,batchnorm", units=128))
    # Near the budget: eleven blocks both ways (11 264 steps), and B·U² work on every step.
    for kind in ("birnn", "bilstm", "bigru"):
        add(Case("stack", 1, 512, 16, _stack(kind, 11), units=16))
    add(Case("stack", 64, 512, 64, _stack("birnn", 3), units=256))
    add(Case("stack", 32, 512, 64, _stack("bigru", 2), units=256))
    add(Case("stack", 32, 256, 128, _stack("lstm", 3), units=256))
    # Values: norms, dropout and Add & Norm over (B, T, D), from small to large tensors.
    for B, T, d in ((64, 512, 512), (16, 512, 256), (64, 128, 128), (8, 256, 64)):
        for kind in ("layernorm", "batchnorm", "dropout"):
            add(Case("stack", B, T, d, _stack(kind, 3)))
        add(Case("stack", B, T, d, "embed,layernorm,addnorm,addnorm"))
    # Attention: B·H·T² scores and B·T·D² projections.
    for B, T, d, heads in (
        (1, 512, 512, 8),
        (8, 512, 128, 8),
        (16, 256, 256, 4),
        (64, 128, 128, 4),
        (64, 256, 32, 8),
        (4, 512, 512, 16),
        (32, 512, 16, 4),
    ):
        add(Case("stack", B, T, d, _stack("attention", 2), heads=heads))
    for B, T, d in ((64, 128, 128), (8, 512, 256), (64, 256, 256), (1, 512, 512)):
        add(Case("stack", B, T, d, _stack("ffn", 2)))
    for B, T, d in ((8, 256, 256), (64, 128, 128), (1, 512, 512), (16, 512, 64)):
        add(Case("stack", B, T, d, _stack("encoder", 2)))
    add(Case("stack", 1, 512, 512, "embed,lstm,layernorm,dropout,attention", heads=8))
    add(Case("stack", 16, 256, 256, "embed,lstm,layernorm,dropout,attention", units=256))
    # The lab's sections on its own computations.
    for B, T, d in ((64, 512, 512), (16, 512, 256), (64, 128, 128), (1, 512, 512), (8, 256, 64)):
        for section in ("layernorm", "compare", "dropout"):
            add(Case("lab", B, T, d, section=section))
        for sublayer in ("ffn", "attention", "wider"):
            add(Case("lab", B, T, d, section="residual", sublayer=sublayer))
    # Whole pages: what drawing adds, per kind of block and per lab section.
    for kind in ("lstm", "gru", "rnn", "layernorm", "batchnorm", "dropout", "attention", "ffn"):
        add(Case("follow", 2, 64, 64, _stack(kind, 6), units=64))
    add(Case("follow", 2, 64, 64, "embed,layernorm,addnorm,addnorm,addnorm"))
    add(Case("follow", 2, 64, 64, _stack("encoder", 4)))
    add(Case("follow", 1, 512, 512, "embed,lstm,layernorm,dropout,attention", heads=8))
    add(Case("follow", 1, 16, 16, "embed,lstm,layernorm,dropout,attention"))
    add(Case("follow", 64, 128, 64, _stack("bilstm", 3), units=64))
    add(Case("follow", 16, 256, 128, _stack("encoder", 2)))
    # Drawing: one block against twelve, small, then twelve panels of a full 128 × 128 each.
    add(Case("follow", 1, 16, 16, _stack("layernorm", 1)))
    add(Case("follow", 1, 16, 16, _stack("layernorm", 11)))
    for kind in ("lstm", "attention", "dropout", "ffn"):
        add(Case("follow", 1, 128, 128, _stack(kind, 11), units=128))
    for section in ("layernorm", "compare", "dropout", "residual"):
        add(Case("lab-page", 1, 16, 16, section=section))
        add(Case("lab-page", 8, 256, 128, section=section))
    add(Case("lab-page", 16, 512, 256, section="compare"))
    for section in ("compare", "dropout", "residual"):  # near the budget, drawing included
        add(Case("lab-page", 32, 512, 512, section=section))
    return cases


# ----------------------------------------------------------------------------- the estimate
def estimate(case: Case, *, with_page: bool):
    from layers import cost
    from layers.stack import parse_stack

    if case.what in ("stack", "follow"):
        est = cost.stack_estimate(
            case.B,
            case.T,
            parse_stack(case.stack),
            d_model=case.d,
            units=case.units,
            heads=case.heads,
            vocab=case.T + case.B,
        )
    else:
        est = cost.lab_estimate(
            case.section, case.B, case.T, case.d, vocab=case.T + case.B, sublayer=case.sublayer
        )
    parts = est.parts if with_page else tuple(p for p in est.parts if p.name != "page")
    work: Counter[str] = Counter()
    for part in parts:
        work.update(part.work)
    return dataclasses.replace(est, parts=parts), work


# ----------------------------------------------------------------------------- measuring
def kept_bytes(result) -> int:
    """Bytes of every distinct tensor storage a stack's result holds (blocks and layers)."""
    import torch

    seen: dict[int, int] = {}

    def visit(value) -> None:
        if isinstance(value, torch.Tensor):
            storage = value.untyped_storage()
            seen[storage.data_ptr()] = storage.nbytes()
        elif isinstance(value, torch.nn.Module):
            for tensor in [*value.parameters(), *value.buffers()]:
                visit(tensor)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                visit(getattr(value, f.name))
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)

    visit(result.blocks)
    visit(result.batch.ids)
    return sum(seen.values())


def _compute_stack(case: Case, seed: int) -> tuple[float, int]:
    from layers.stack import parse_stack, run_stack, tokenize_batch

    batch = tokenize_batch(text_for(case.B, case.T))
    start = time.perf_counter()
    result = run_stack(
        batch,
        parse_stack(case.stack),
        d_model=case.d,
        heads=case.heads,
        units=case.units,
        p=0.2,
        training=True,
        gamma=1.0,
        beta=0.0,
        eps=1e-5,
        seed=seed,
    )
    seconds = time.perf_counter() - start
    assert result.problem is None, (case, result.problem)
    return seconds, kept_bytes(result)


def _compute_lab(case: Case, seed: int) -> tuple[float, int]:
    """What a lab section computes, as lessons/lab/ calls it (the token vectors included)."""
    import torch

    from lessons.lab import compute as lab_math

    start = time.perf_counter()
    vectors = lab_math.token_vectors(text_for(case.B, case.T), case.d, seed)
    x, D = vectors.x, case.d
    gamma, beta = torch.ones(D), torch.zeros(D)
    if case.section == "layernorm":
        row = x[0, 0]
        for eps in (1e-5, 0.0):
            lab_math.layer_norm(row, gamma, beta, eps)
            lab_math.layer_norm(lab_math.flat_row(D, seed), gamma, beta, eps)
        lab_math.layer_norm(x[0], gamma, beta, 1e-5)
        x[0].mean(-1), x[0].std(-1, unbiased=False)
    elif case.section == "compare":
        lab_math.compare_norms(x, 4 if D % 4 == 0 else 1, 1e-5, gamma, beta)
        lab_math.running_stats(x, 0.1, 1e-5)
        lab_math.tiny_batch(x, 1e-5)
    elif case.section == "dropout":
        views = lab_math.dropout_views(x, 0.2, seed, True)
        float(views.element_mask.float().mean())
        lab_math.dropout_sums(x[0, 0], 0.2, seed)
    else:
        lab_math.residual(x, case.sublayer, seed, 1e-5, gamma, beta, vectors.batch.padding_mask)
    return time.perf_counter() - start, 0


def _page_query(case: Case, seed: int) -> tuple[str, dict[str, str]]:
    query = {"text": text_for(case.B, case.T), "d": str(case.d), "seed": str(seed)}
    if case.what == "follow":
        query |= {"stack": case.stack, "units": str(case.units), "heads": str(case.heads)}
        return "views/follow.py", query
    query |= {"section": case.section, "sublayer": case.sublayer}
    return "views/lab.py", query


SCRIPT_RUNS: list[float] = []  # seconds of every script run since timing began


def time_script_runs() -> None:
    """Time every script run from here on by wrapping `ScriptRunner._run_script`: the run
    itself, without AppTest's polling around it. Idempotent."""
    from streamlit.runtime.scriptrunner import script_runner

    runner = script_runner.ScriptRunner
    if getattr(runner._run_script, "_cost_timer", False):
        return
    original = runner._run_script

    def timed(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            SCRIPT_RUNS.append(time.perf_counter() - start)

    timed._cost_timer = True
    runner._run_script = timed


def quiet_streamlit() -> None:
    """AppTest outside `streamlit run` logs a warning per call: not news here."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def first_run(page: str, query: dict[str, str]):
    """A link opened in a fresh AppTest session on `page`: (script run seconds, the AppTest)."""
    from streamlit.testing.v1 import AppTest

    from .live import ROOT

    time_script_runs()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page)  # opened on that page, as a link to it does
    before = len(SCRIPT_RUNS)
    at.run()
    quiet_streamlit()
    return (SCRIPT_RUNS[-1] if len(SCRIPT_RUNS) > before else math.nan), at


def _page(case: Case, seed: int) -> tuple[float, int]:
    """The first run of the link under AppTest: the script run's own time."""
    seconds, at = first_run(*_page_query(case, seed))
    assert not at.exception, [e.message for e in at.exception]
    return seconds, 0


@dataclass
class Row:
    case: Case
    seconds: list[float] = field(default_factory=list)
    kept: int = 0

    @property
    def measured(self) -> float:
        """The median run: what the checks compare with the estimate."""
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        """The fastest run: the least disturbed by other work, what the fit uses."""
        return min(self.seconds)


def measure_grid(cases: list[Case], reps: int, log=print) -> list[Row]:
    """Each request `reps` times, in rounds over the whole grid, so that a burst of other work
    on the machine spoils one run of many requests rather than every run of one."""
    from layers import cost

    rows = [Row(case) for case in cases]
    budget = cost.BUDGET_S, cost.BUDGET_BYTES
    cost.BUDGET_S = cost.BUDGET_BYTES = math.inf  # time pages over budget too
    import streamlit.testing.v1  # noqa: F401  (its loggers exist from here on)

    quiet_streamlit()
    try:
        _page(Case("follow", 1, 8), seed=10_000)  # imports, first-call overheads
        _compute_stack(Case("stack", 2, 8, 8, "embed,lstm,attention,ffn,layernorm"), seed=0)
        seed = 1
        for rep in range(reps):
            for row in rows:
                if rep >= 2 and row.best > 3:  # slow enough to be stable: two runs do
                    continue
                run = {"stack": _compute_stack, "lab": _compute_lab}.get(row.case.what, _page)
                seed += 1
                seconds, row.kept = run(row.case, seed)
                row.seconds.append(seconds)
                if rep == reps - 1:
                    predicted = estimate(row.case, with_page=row.case.what not in ("stack", "lab"))
                    log(
                        f"  {row.measured * 1000:8.0f} ms ({row.best * 1000:6.0f})  est "
                        f"{predicted[0].seconds * 1000:8.0f} ms  {row.case.label}"
                    )
    finally:
        cost.BUDGET_S, cost.BUDGET_BYTES = budget
    return rows


# ----------------------------------------------------------------------------- fitting
def nnls(A, b, iterations: int = 500):
    """min ‖A x − b‖ with x ≥ 0 (Lawson and Hanson's active set), numpy only."""
    import numpy as np

    m, n = A.shape
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    w = A.T @ (b - A @ x)
    for _ in range(iterations):
        if passive.all() or w[~passive].max(initial=0) <= 1e-12 * max(1.0, abs(w).max()):
            break
        j = np.argmax(np.where(passive, -np.inf, w))
        passive[j] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(A[:, passive], b, rcond=None)[0]
            if (z[passive] > 0).all():
                x = z
                break
            bad = passive & (z <= 0)
            alpha = np.min(x[bad] / (x[bad] - z[bad]))
            x = x + alpha * (z - x)
            passive &= x > 1e-15
        w = A.T @ (b - A @ x)
    return x


def fit(rows: list[Row], floor: float = 0.2) -> tuple[dict[str, float], float]:
    """Prices that minimise the relative error of the fastest runs (runs under `floor` s weigh
    as `floor`, so the fit cares most about runs near the budget), and the margin, times
    JITTER, rounded up: enough that every run of 0.1 to 2 s is estimated at least at its time,
    and every run over the budget is estimated over it. Fastest runs, because this machine is
    shared: a median can be doubled by someone else's test run, which says nothing about what
    a request costs."""
    import numpy as np

    from layers import cost

    works = [estimate(r.case, with_page=r.case.what not in ("stack", "lab"))[1] for r in rows]
    names = sorted({k for w in works for k in w} | set(cost.SECONDS))
    A = np.array([[w.get(k, 0) for k in names] for w in works], dtype=float)
    b = np.array([r.best for r in rows])
    # Drawing a block is a few milliseconds, below what the fit resolves next to the page's
    # own cost: it is measured apart, as the page with eleven blocks against the page with one
    # (compute included, so it errs high), and the fit may only add to it.
    lowest = np.zeros(len(names))
    pages = {r.case: r.best for r in rows if r.case.what == "follow"}
    one, eleven = (Case("follow", 1, 16, 16, _stack("layernorm", n)) for n in (1, 11))
    if one in pages and eleven in pages:
        lowest[names.index("draw")] = max(0.0, (pages[eleven] - pages[one]) / 10)
    weight = 1 / np.maximum(b, floor)
    scale = A.max(axis=0)
    scale[scale == 0] = 1
    rest = b - A @ lowest  # what the prices above their lowest must explain
    x = lowest + nnls(A / scale * weight[:, None], rest * weight) / scale
    prices = dict(zip(names, x, strict=True))
    # A count no row exercised keeps its committed price rather than 0.
    for name in names:
        if not A[:, names.index(name)].any():
            prices[name] = cost.SECONDS.get(name, 0.0)
    fitted = A @ np.array([prices[k] for k in names])
    # What the margin must do: near the budget, estimate every run high; above it, refuse
    # every run that took longer than the budget (far above, a low estimate still refuses).
    near = [m / f for m, f in zip(b, fitted, strict=True) if 0.1 <= m <= 2 * cost.BUDGET_S]
    over = [cost.BUDGET_S / f for m, f in zip(b, fitted, strict=True) if m > cost.BUDGET_S]
    margin = math.ceil(max([1.0, *near, *over]) * JITTER * 10) / 10
    misses = sorted(zip(b / fitted, rows, strict=True), key=lambda pair: -pair[0])
    for ratio, row in misses[:8]:
        print(f"  fastest ÷ fitted {ratio:5.2f}  ({row.best * 1000:.0f} ms)  {row.case.label}")
    return prices, margin


def _round(value: float) -> str:
    return f"{float(f'{value:.2g}'):.2g}" if value else "0.0"


def table(rows: list[Row]) -> str:
    lines = [
        "| request | median (fastest) | estimated | median ÷ estimated | kept MB (estimated) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        est, _ = estimate(row.case, with_page=row.case.what not in ("stack", "lab"))
        kept = f"{row.kept / 1e6:.0f} ({est.bytes / 1e6:.0f})" if row.kept else "—"
        lines.append(
            f"| {row.case.label} | {row.measured * 1000:.0f} ms ({row.best * 1000:.0f}) "
            f"| {est.seconds * 1000:.0f} ms "
            f"| {row.measured / est.seconds:.2f} | {kept} |"
        )
    return "\n".join(lines)


def _estimated(row: Row) -> float:
    return estimate(row.case, with_page=row.case.what not in ("stack", "lab"))[0].seconds


def ratios(rows: list[Row], kinds: tuple[str, ...], floor: float = 0.0) -> list[float]:
    """Fastest run ÷ estimate of the requests of these kinds estimated at `floor` s or more:
    what the model claims (a quiet server's run; a busy one's is what BUDGET_S leaves room for)."""
    return [r.best / _estimated(r) for r in rows if r.case.what in kinds and _estimated(r) >= floor]


def measure(*, reps: int, quick: bool) -> list[Figure]:
    """Section `cost` of `python -m bench`: fastest run ÷ estimated, compute and pages.

    Judged on the requests estimated at 0.2 s or more, near the budget, where an estimate
    that errs low would let a slow request through; below, a burst of other work on the
    machine can double a 10 ms run, and it costs the class nothing."""
    rows = measure_grid(grid(quick), reps, log=lambda *_: None)
    floor = 0.0 if quick else 0.2
    figures = []
    for fid, kinds, what in (
        ("cost/compute", ("stack", "lab"), "compute alone (run_stack, the lab's sections)"),
        ("cost/page", ("follow", "lab-page"), "a link's first run under AppTest (with drawing)"),
    ):
        values = ratios(rows, kinds, floor)
        chosen = [r for r in rows if r.case.what in kinds and _estimated(r) >= floor]
        worst = max(chosen, key=lambda r: r.best / _estimated(r), default=None)
        note = f"{len(values)} requests estimated ≥ {floor:g} s"
        if worst is not None:
            note += f"; highest: {worst.case.label}"
        figures.append(
            Figure(
                fid,
                SECTION,
                f"{what}: fastest of {reps} runs ÷ estimated",
                "×",
                values,
                "cost/ratio",
                "max",
                note,
            ).finish()
        )
    kept = [
        r.kept / estimate(r.case, with_page=False)[0].bytes
        for r in rows
        if r.case.what == "stack" and r.kept
    ]
    figures.append(
        Figure(
            "cost/memory",
            SECTION,
            "bytes a stack's result keeps: measured ÷ estimated",
            "×",
            kept,
            "cost/ratio",
            judge="max",
            note=f"{len(kept)} stacks",
        ).finish()
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny grid (a smoke run)")
    parser.add_argument("--reps", type=int, default=3, help="runs per request (median)")
    parser.add_argument("--fit", action="store_true", help="fit the prices and print them")
    parser.add_argument("--only", default="", help="only requests whose label has this text")
    parser.add_argument("--save", type=Path, help="write the timings to this JSON file")
    parser.add_argument(
        "--load",
        type=Path,
        nargs="+",
        help="read timings saved before instead of timing (several files: their runs pooled)",
    )
    args = parser.parse_args(argv)

    import os
    import sys

    from .live import ROOT

    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import torch

    if args.load:
        pooled: dict[Case, Row] = {}
        for path in args.load:
            for saved in json.loads(path.read_text(encoding="utf-8")):
                case = Case(**saved["case"])
                row = pooled.setdefault(case, Row(case, [], saved["kept"]))
                row.seconds += saved["seconds"]
        rows = [r for r in pooled.values() if args.only in r.case.label]
    else:
        cases = [c for c in grid(args.quick) if args.only in c.label]
        print(
            f"[cost] {len(cases)} requests × {args.reps}, torch threads "
            f"{torch.get_num_threads()}, load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        rows = measure_grid(cases, args.reps, log=lambda line: print(line, flush=True))
        print(f"[cost] load after {os.getloadavg()[0]:.2f}\n")
    if args.save:
        saved = [
            {"case": dataclasses.asdict(r.case), "seconds": r.seconds, "kept": r.kept} for r in rows
        ]
        args.save.write_text(json.dumps(saved, indent=1), encoding="utf-8")
    print(table(rows))
    for kinds in (("stack", "lab"), ("follow", "lab-page")):
        values = ratios(rows, kinds)
        if values:
            print(f"\n{'/'.join(kinds)}: fastest ÷ estimated max {max(values):.2f}", end="")
            print(f", median {statistics.median(values):.2f}")
    if args.fit:
        from layers import cost

        prices, margin = fit(rows)
        print("\nSECONDS: dict[str, float] = {")
        for name in cost.SECONDS:
            print(f'    "{name}": {_round(prices.get(name, 0.0))},')
        print("}")
        print(f"MARGIN = {margin}  # see fit(): covers the fit's misses near the budget × {JITTER}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
