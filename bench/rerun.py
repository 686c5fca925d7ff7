"""1. Server rerun time per page, under AppTest, at default and stress settings.

The script run itself is timed by wrapping `ScriptRunner._run_script` (AppTest's polling adds
noise to its own wall time, which is recorded too). Two kinds of rerun per page and settings:

- *repeat*: a rerun with nothing changed (every cache hits): the floor of a page;
- *slider*: a rerun after the page's main slider moved one step to a value not seen before
  (γ when the page has it; otherwise its first slider), as a student's key press does: the
  cached computation misses and the whole stack is recomputed.
"""

from __future__ import annotations

import cProfile
import io
import logging
import pstats
import time
from pathlib import Path

from .live import ROOT, SETTINGS
from .report import Figure

SECTION = "1. Server rerun (AppTest, script run timed)"
PREFERRED_SLIDERS = ("w_gamma", "w_p", "w_beta")

_runs: list[float] = []
_profile: list[cProfile.Profile] = []  # a profiler to run the next script run under


def _install_timer() -> None:
    from streamlit.runtime.scriptrunner import script_runner

    runner = script_runner.ScriptRunner
    if getattr(runner._run_script, "_bench_timer", False):
        return
    original = runner._run_script

    def timed(self, *args, **kwargs):
        profiler = _profile.pop() if _profile else None
        start = time.perf_counter()
        try:
            if profiler is None:
                return original(self, *args, **kwargs)
            return profiler.runcall(original, self, *args, **kwargs)
        finally:
            _runs.append(time.perf_counter() - start)

    timed._bench_timer = True
    runner._run_script = timed


def _app(info, query: dict[str, str], timeout: float):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    if info.url_path:
        at.switch_page(info.path).run()
    return at


def _pick_slider(at):
    sliders = list(at.slider)
    for key in PREFERRED_SLIDERS:
        for s in sliders:
            if s.key == key:
                return s.key
    return sliders[0].key if sliders else None


def _values(at, key: str):
    """Slider values one step apart from the current one, bouncing at the ends."""
    s = at.slider(key=key)
    low, high, step, value = float(s.min), float(s.max), float(s.step), float(s.value)
    direction = 1
    while True:
        nxt = value + direction * step
        if not low - 1e-9 <= nxt <= high + 1e-9:
            direction = -direction
            nxt = value + direction * step
        value = round(nxt, 10)
        yield value


def _exceptions(at) -> list[str]:
    return [e.message for e in at.exception]


def _quiet_streamlit() -> None:
    """AppTest outside `streamlit run` logs a warning per call: not news here."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def measure(pages, *, reps: int, warmup: int, profile_dir: Path | None = None) -> list[Figure]:
    _install_timer()
    import streamlit.testing.v1  # noqa: F401  (its loggers exist from here on)

    _quiet_streamlit()
    figures: list[Figure] = []
    for settings_name, make_query in SETTINGS.items():
        query = make_query()
        for info in pages:
            name = Path(info.path).stem
            at = _app(info, query, timeout=120)
            _quiet_streamlit()
            errors = _exceptions(at)
            for _ in range(warmup):
                at.run()
            repeat, repeat_wall = [], []
            for _ in range(reps):
                start = time.perf_counter()
                at.run()
                repeat_wall.append(time.perf_counter() - start)
                repeat.append(_runs[-1])
            errors += _exceptions(at)
            key = _pick_slider(at)
            moved, moved_wall = [], []
            if key is not None:
                values = _values(at, key)
                for _ in range(warmup):
                    at.slider(key=key).set_value(next(values)).run()
                for _ in range(reps):
                    at.slider(key=key).set_value(next(values))
                    start = time.perf_counter()
                    at.run()
                    moved_wall.append(time.perf_counter() - start)
                    moved.append(_runs[-1])
                    errors += _exceptions(at)
                if profile_dir is not None:
                    profile_dir.mkdir(parents=True, exist_ok=True)
                    profiler = cProfile.Profile()
                    _profile.append(profiler)
                    at.slider(key=key).set_value(next(values)).run()
                    text = io.StringIO()
                    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
                    stats.print_stats(60)
                    path = profile_dir / f"rerun-{name}-{settings_name}-{key}.txt"
                    path.write_text(text.getvalue())
            budget = f"rerun/{settings_name}"
            note = "errors: " + "; ".join(errors[:3]) if errors else ""
            wall = sorted(repeat_wall)[len(repeat_wall) // 2] * 1000 if repeat_wall else 0
            figures.append(
                Figure(
                    f"rerun/{name}/{settings_name}/repeat",
                    SECTION,
                    f"{name}, {settings_name}: rerun, nothing changed (cache hit)",
                    "ms",
                    [t * 1000 for t in repeat],
                    budget,
                    note=note or f"AppTest wall median {wall:.0f} ms",
                ).finish()
            )
            wall = sorted(moved_wall)[len(moved_wall) // 2] * 1000 if moved_wall else 0
            figures.append(
                Figure(
                    f"rerun/{name}/{settings_name}/slider",
                    SECTION,
                    f"{name}, {settings_name}: rerun after `{key}` moved (cache miss)",
                    "ms",
                    [t * 1000 for t in moved],
                    budget,
                    note=note
                    or (f"AppTest wall median {wall:.0f} ms" if key else "the page has no slider"),
                ).finish()
            )
    return figures
