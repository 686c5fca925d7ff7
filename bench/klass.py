"""4. A class: N simultaneous sessions on one server, each moving a slider every ~2 s.

Raw websocket clients (bench/wsclient.py) stand in for the students' browsers: each opens the
default page, then every `period` seconds (each with its own phase) moves the page's main
slider one step to a value of its own — the server recomputes, as for a real key press. The
latency of an interaction is from sending the new widget value to `script_finished`; an error
is a run that raised, timed out, or lost its connection. A sampler reads the resident memory
of the server process and its children from /proc every 0.2 s.

After the class, one session alone moves each page's slider at both settings (4a): the
server's real round trip, without a browser competing for the two cores.

The class runs twice in the same benchmark, on fresh servers: `runner.postScriptGC` false (the
repo's .streamlit/config.toml) and true (Streamlit's default), so the lever is measured.

4b. Then once more (repo setting, fresh server) with one more session that keeps pasting the
worst lesson links (bench/worst.py), each followed by its twin lowered to fit the budget — the
costliest link that computes: a new session per link, back to back, round and round. Figures:
the class's p95 and errors while it does, and what the links cost the server. The work budget
(layers/cost.py) refuses the worst links with a message and keeps each twin near half a second.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from .live import SETTINGS, Server
from .report import Figure, quantile
from .wsclient import Session, walk

SECTION = "4. A class: simultaneous sessions on one server (websocket clients)"
ALONE = "4a. One session alone on the server (websocket client, no browser)"
PASTING = "4b. A class while one more session keeps pasting the worst lesson links"


class _MemorySampler(threading.Thread):
    def __init__(self, server: Server, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.peak = self.baseline = server.rss()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            self.peak = max(self.peak, self.server.rss())

    def stop(self) -> int:
        self._halt.set()
        self.join()
        self.peak = max(self.peak, self.server.rss())
        return self.peak


async def _student(i, port, page_name, duration, period, seed, out, until=None) -> None:
    """One student; `until()` (if given) ends the moves instead of `duration`. Each move's
    (sent, finished) perf_counter times go to out["spans"], when out has that list."""
    rng = random.Random(seed * 1000 + i)
    try:
        async with Session(port, page_name) as session:
            loaded = await session.run(timeout=120)
            out["loads"].append(loaded.seconds)
            if not loaded.ok:
                out["errors"].append(f"load: {loaded.status} {loaded.exceptions[:1]}")
                return
            slider = session.pick_slider()
            if slider is None:
                out["errors"].append("no slider on the page")
                return
            out["slider"] = slider.key
            values = walk(slider, start_index=round((slider.value - slider.low) / slider.step))
            for _ in range(7 * i % 40 + 1):  # each student starts from its own value
                next(values)
            end = time.perf_counter() + duration
            over = until or (lambda: time.perf_counter() >= end)
            tick = time.perf_counter() + rng.uniform(0, period)
            while True:
                await asyncio.sleep(max(tick - time.perf_counter(), 0))
                if over():
                    break
                sent = time.perf_counter()
                result = await session.move(slider, next(values), timeout=30)
                out["latencies"].append(result.seconds)
                if "spans" in out:
                    out["spans"].append((sent, sent + result.seconds))
                if not result.ok:
                    out["errors"].append(f"{result.status} {result.exceptions[:1]}")
                    if result.status.startswith(("closed", "timeout")):
                        return
                tick += period * rng.uniform(0.85, 1.15)
                tick = max(tick, time.perf_counter())
    except Exception as error:  # connecting failed, or the server went away
        out["errors"].append(f"{type(error).__name__}: {error}")


async def _paster(port, duration, out) -> None:
    """A student pasting the worst links, each followed by its lowered-to-fit twin (the
    costliest link that computes): each in a new session, the next when it answers, with a
    seed of its own so that no cache answers for it."""
    from .worst import pasted_links

    links = pasted_links()
    end = time.perf_counter() + duration
    count = 0
    while time.perf_counter() < end:
        page_name, query = links[count % len(links)]
        count += 1
        try:
            query_string = urlencode({**query, "seed": str(1000 + count)})
            async with Session(port, page_name, query_string) as session:
                result = await session.run(timeout=120)
        except Exception as error:  # connecting failed, or the server went away
            out["errors"].append(f"worst link: {type(error).__name__}: {error}")
            await asyncio.sleep(1)
            continue
        out["pasted" if count % 2 else "twins"].append(result.seconds)
        if not result.ok:
            out["errors"].append(f"worst link: {result.status} {result.exceptions[:1]}")


async def _class(port, page_name, sessions, duration, period, seed, paste=False) -> dict:
    out: dict = {"loads": [], "latencies": [], "errors": [], "slider": None}
    out |= {"pasted": [], "twins": []}
    students = [_student(i, port, page_name, duration, period, seed, out) for i in range(sessions)]
    pasting = [_paster(port, duration, out)] if paste else []
    await asyncio.gather(*students, *pasting)
    return out


async def _alone(port, page_name, query_string, moves) -> dict:
    """One session by itself: open the page, then move its main slider `moves` times."""
    out: dict = {"latencies": [], "bytes": [], "errors": [], "slider": None}
    async with Session(port, page_name, query_string) as session:
        loaded = await session.run(timeout=240)
        if not loaded.ok:
            out["errors"].append(f"load: {loaded.status} {loaded.exceptions[:1]}")
            return out
        slider = session.pick_slider()
        if slider is None:
            return out
        out["slider"] = slider.key
        values = walk(slider, start_index=round((slider.value - slider.low) / slider.step))
        next(values)
        for _ in range(moves + 1):  # the first is a warm-up
            result = await session.move(slider, next(values), timeout=60)
            out["latencies"].append(result.seconds)
            out["bytes"].append(result.bytes)
            if not result.ok:
                out["errors"].append(f"{result.status} {result.exceptions[:1]}")
        del out["latencies"][0], out["bytes"][0]
    return out


def _single_sessions(port, pages, moves) -> list[Figure]:
    figures = []
    for settings_name, make_query in SETTINGS.items():
        query = urlencode(make_query())
        for info in pages:
            name = Path(info.path).stem
            out = asyncio.run(_alone(port, info.url_path, query, moves))
            what = f"`{out['slider']}`" if out["slider"] else "no slider on the page"
            kb = sorted(out["bytes"])[len(out["bytes"]) // 2] / 1000 if out["bytes"] else 0
            errors = "; ".join(sorted(set(out["errors"]))[:2])
            figures.append(
                Figure(
                    f"alone/{name}/{settings_name}",
                    ALONE,
                    f"{name}, {settings_name}: one step of {what}, request → script_finished",
                    "ms",
                    [s * 1000 for s in out["latencies"]],
                    note=errors or f"{kb:.0f} KB per run without the browser's message cache",
                ).finish()
            )
    return figures


def run_once(
    page, *, sessions, duration, period, gc: bool, log: Path, after=None, paste=False
) -> dict:
    server = Server(extra=["--runner.postScriptGC", "true" if gc else "false"], log_path=log)
    with server:
        sampler = _MemorySampler(server)
        sampler.start()
        try:
            start = time.perf_counter()
            out = asyncio.run(
                _class(server.port, page.url_path, sessions, duration, period, 1, paste)
            )
            out["seconds"] = time.perf_counter() - start
        finally:
            out_peak = sampler.stop()
        out["peak"] = out_peak
        out["baseline"] = sampler.baseline
        if after is not None:
            after(server)
    return out


def measure(
    pages, *, sessions: int, duration: float, period: float, moves: int, out_dir: Path
) -> list:
    default = next((p for p in pages if not p.url_path), pages[0])
    figures = []
    alone: list[Figure] = []

    def single(server: Server) -> None:
        alone.extend(_single_sessions(server.port, pages, moves))

    for gc in (False, True):
        tag = "gc-on" if gc else "gc-off"
        label = f"postScriptGC={'true' if gc else 'false'}" + ("" if gc else " (repo setting)")
        result = run_once(
            default,
            sessions=sessions,
            duration=duration,
            period=period,
            gc=gc,
            log=out_dir / f"streamlit-class-{tag}.log",
            after=None if gc else single,  # then one session alone, on the repo's setting
        )
        lat = [s * 1000 for s in result["latencies"]]
        errors = result["errors"]
        who = (
            f"{sessions} sessions × {duration:.0f} s, "
            f"a step of `{result['slider']}` every ~{period:g} s"
        )
        figures.append(
            Figure(
                f"class/{tag}/latency",
                SECTION,
                f"{label}: interaction latency",
                "ms",
                lat,
                "class/p95",
                judge="p95",
                note=f"{who}; {len(lat)} interactions",
            ).finish()
        )
        figures.append(
            Figure(
                f"class/{tag}/errors",
                SECTION,
                f"{label}: errors",
                "",
                [len(errors)],
                "class/errors",
                judge="max",
                note="; ".join(sorted(set(errors))[:3]),
            ).finish()
        )
        figures.append(
            Figure(
                f"class/{tag}/memory",
                SECTION,
                f"{label}: server peak memory (RSS, with children)",
                "MB",
                [result["peak"] / 1e6],
                note=f"{result['baseline'] / 1e6:.0f} MB after start, before the sessions",
            ).finish()
        )
        figures.append(
            Figure(
                f"class/{tag}/load",
                SECTION,
                f"{label}: every session opening the page at once",
                "ms",
                [s * 1000 for s in result["loads"]],
                note="time to the first run's script_finished",
            ).finish()
        )
    figures += _pasting(default, sessions, duration, period, out_dir)
    return alone + figures


def _pasting(page, sessions, duration, period, out_dir: Path) -> list[Figure]:
    """4b: the same class on a fresh server (repo setting) with one session pasting the worst
    lesson links back to back."""
    result = run_once(
        page,
        sessions=sessions,
        duration=duration,
        period=period,
        gc=False,
        log=out_dir / "streamlit-class-worst-links.log",
        paste=True,
    )
    lat = [s * 1000 for s in result["latencies"]]
    pasted = [s * 1000 for s in result["pasted"]]
    twins = [s * 1000 for s in result["twins"]]
    errors = result["errors"]
    who = (
        f"{sessions} sessions × {duration:.0f} s, a step of `{result['slider']}` every "
        f"~{period:g} s, and one session that opened {len(pasted)} worst links and "
        f"{len(twins)} lowered to fit"
    )
    twin_note = (
        f"lowered to fit, computed: median {quantile(twins, 0.5):.0f} ms, max {max(twins):.0f} ms"
        if twins
        else "no twin was sent"
    )
    return [
        Figure(
            "class/worst-links/latency",
            PASTING,
            "the class's interaction latency while the worst links arrive",
            "ms",
            lat,
            "class/p95",
            judge="p95",
            note=f"{who}; {len(lat)} interactions",
        ).finish(),
        Figure(
            "class/worst-links/errors",
            PASTING,
            "errors (the class's and the pasting session's)",
            "",
            [len(errors)],
            "class/errors",
            judge="max",
            note="; ".join(sorted(set(errors))[:3]),
        ).finish(),
        Figure(
            "class/worst-links/pasted",
            PASTING,
            "each worst link's first run (refused), request → script_finished",
            "ms",
            pasted,
            note=f"bench/worst.py's links, each in a new session; their twins {twin_note}",
        ).finish(),
        Figure(
            "class/worst-links/memory",
            PASTING,
            "server peak memory (RSS, with children)",
            "MB",
            [result["peak"] / 1e6],
            note=f"{result['baseline'] / 1e6:.0f} MB after start, before the sessions",
        ).finish(),
    ]
