"""1. Server rerun per page and main slider, as a browser's request sees it (DESIGN.md §7).

One `streamlit run` on loopback with the repository's settings, and one websocket client
(bench/wsclient.py, Streamlit's own protobuf messages) per page, slider and settings. The time
is from sending the request to `script_finished`: the script run plus Streamlit's sending of
every message it made, without a browser competing for the two cores. Two kinds per row:

- *slider*: the page's main slider moved one step to a value not seen before, as a key press
  does: the cached computation misses, and the fragment the slider lives in reruns (the client
  sends the fragment's id, as the browser does) — the figure judged;
- *repeat*: the whole page run again with nothing changed (every cache hits): a page's floor.

`--profile` also writes a cProfile of one slider rerun per page (under AppTest, in-process).
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import logging
import pstats
import time
from pathlib import Path
from urllib.parse import urlencode

from .live import ROOT, SETTINGS, Server
from .report import Figure
from .wsclient import Session, walk

SECTION = "1. Server rerun (websocket client, request → script_finished)"


async def _row(port: int, info, main, query: dict, reps: int, warmup: int) -> dict:
    out: dict = {"slider": [], "repeat": [], "bytes": [], "messages": [], "errors": []}
    async with Session(port, info.url_path, urlencode({**query, **dict(main.query)})) as session:
        loaded = await session.run(timeout=240)
        if not loaded.ok:
            out["errors"].append(f"load: {loaded.status} {loaded.exceptions[:1]}")
            return out
        slider = session.sliders.get(main.key)
        if slider is None:
            out["errors"].append(f"no slider {main.key}")
            return out
        out["fragment"] = bool(slider.fragment_id)
        values = walk(slider, start_index=round((slider.value - slider.low) / slider.step))
        next(values)
        for i in range(warmup + reps):
            result = await session.move(slider, next(values), timeout=60)
            if not result.ok:
                out["errors"].append(f"{result.status} {result.exceptions[:1]}")
            if i >= warmup:
                out["slider"].append(result.seconds * 1000)
                out["bytes"].append(result.bytes / 1000)
                out["messages"].append(result.messages)
        for i in range(warmup + reps):
            result = await session.run(timeout=60)
            if not result.ok:
                out["errors"].append(f"{result.status} {result.exceptions[:1]}")
            if i >= warmup:
                out["repeat"].append(result.seconds * 1000)
    return out


def _median(values) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


def measure(pages, *, reps: int, warmup: int, profile_dir: Path | None = None) -> list[Figure]:
    figures: list[Figure] = []
    out_dir = profile_dir.parent if profile_dir else ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    with Server(log_path=out_dir / "streamlit-rerun.log") as server:
        for settings_name, make_query in SETTINGS.items():
            query = make_query()
            for info in pages:
                name = Path(info.path).stem
                for main in info.sliders:
                    row = asyncio.run(_row(server.port, info, main, query, reps, warmup))
                    what = f"`{main.key}`" + (
                        f" ({', '.join(f'{k}={v}' for k, v in main.query)})" if main.query else ""
                    )
                    errors = "errors: " + "; ".join(sorted(set(row["errors"]))[:3])
                    scope = "its fragment reruns" if row.get("fragment") else "the page reruns"
                    figures.append(
                        Figure(
                            f"rerun/{name}/{main.name}/{settings_name}/slider",
                            SECTION,
                            f"{name}, {settings_name}: {what} moved one step ({scope})",
                            "ms",
                            row["slider"],
                            "rerun/default" if settings_name == "default" else None,
                            note=errors
                            if row["errors"]
                            else f"{_median(row['messages']):.0f} messages, "
                            f"{_median(row['bytes']):.0f} KB per run",
                        ).finish()
                    )
                    figures.append(
                        Figure(
                            f"rerun/{name}/{main.name}/{settings_name}/repeat",
                            SECTION,
                            f"{name}, {settings_name}: the whole page again, nothing changed",
                            "ms",
                            row["repeat"],
                            note=errors if row["errors"] else "every cache hits",
                        ).finish()
                    )
    if profile_dir is not None:
        _profiles(pages, profile_dir)
    return figures


def _step(at, key: str) -> None:
    """Move a slider (or a numeric select slider) one step on, or back at its end, and rerun."""
    if key in {element.key for element in at.get("select_slider")}:
        select = at.select_slider(key=key)
        options = select.options  # as shown: the format_func's text
        here = options.index(select.format_func(select.value))
        there = here + 1 if here + 1 < len(options) else here - 1
        number = float(options[there].split(" · ")[0].replace(",", ""))  # "3 · cat": token 3
        select.set_value(int(number) if number.is_integer() else number).run()
        return
    widget = at.slider(key=key)
    value, step, high = float(widget.value), float(widget.step), float(widget.max)
    widget.set_value(round(value + step if value + step <= high else value - step, 10)).run()


def _profiles(pages, profile_dir: Path) -> None:
    """cProfile of one slider rerun per page, in-process under AppTest (whole-script reruns)."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    profile_dir.mkdir(parents=True, exist_ok=True)
    runner = script_runner.ScriptRunner
    original = runner._run_script
    pending: list[cProfile.Profile] = []

    def profiled(self, *args, **kwargs):
        if pending:
            return pending.pop().runcall(original, self, *args, **kwargs)
        return original(self, *args, **kwargs)

    runner._run_script = profiled
    try:
        for info in pages:
            for main in info.sliders:
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                for k, v in main.query:
                    at.query_params[k] = v
                at.run()
                if info.url_path:
                    at.switch_page(info.path).run()
                for name in list(logging.root.manager.loggerDict):
                    if name.startswith("streamlit"):
                        logging.getLogger(name).setLevel(logging.ERROR)
                for _ in range(3):  # warm the caches the way a class does
                    _step(at, main.key)
                profiler = cProfile.Profile()
                pending.append(profiler)
                start = time.perf_counter()
                _step(at, main.key)
                wall = time.perf_counter() - start
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
                path = profile_dir / f"rerun-{Path(info.path).stem}-{main.name}.txt"
                path.write_text(f"AppTest wall {wall * 1000:.0f} ms\n" + text.getvalue())
    finally:
        runner._run_script = original
