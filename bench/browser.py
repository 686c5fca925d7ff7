"""2, 3 and 5: what a browser sees. Headless Chromium against `streamlit run` on loopback.

- 5. Cold start: from launching `streamlit run` to the first plot drawn in Chromium.
- 3. Slider → repainted plot: each of a page's main sliders (`PageInfo.sliders`) is moved with
  the keyboard, one step at a time to a value not seen before. An init script in the page
  (bench.live.PROBE_JS) timestamps the key press, the websocket traffic, and — on every
  animation frame — which plots got new data. Per move: until the first plot is repainted, and
  until every plot that changed is (the figure judged). Every move alternates with a move of the
  naive baseline page's slider (bench/baseline.py, Streamlit's defaults) in another tab of the
  same browser, so the ratio to the baseline compares two pages under the same conditions.
- 2. Bytes sent to the browser per interaction: the websocket messages received after that
  key press, in the same moves (Streamlit does not compress its websocket here: checked in
  the handshake, no permessage-deflate).
- 5b. Opening a link on a warm server: from `goto` until every plot is drawn and the app is
  idle, in the same browser context (Streamlit's scripts come from its cache).
"""

from __future__ import annotations

import time
from pathlib import Path

from .live import (
    PROBE_JS,
    SETTINGS,
    VIEWPORT,
    Server,
    baseline_server,
    exception_texts,
    launch_chromium,
    open_page,
    page_url,
    probe,
    reset_probe,
    wait_idle,
)
from .report import Figure

COLD = "5. Cold start"
REPAINT = "3. Slider → repainted plot (headless Chromium)"
RATIO = "3a. Slider → every changed plot repainted, against the naive baseline (same run)"
BYTES = "2. Bytes sent to the browser per interaction"
LOAD = "5b. Opening a link (warm server)"
BASELINE_SLIDER = 'input[type="range"]'  # the naive page has one slider
RETRIES = 3  # extra moves allowed when one is lost (counted in the row's note)


def slider_selector(key: str) -> str:
    """The range input of the slider whose Streamlit key is `key`."""
    return f'.st-key-{key} input[type="range"]'


def cold_start(browser, server: Server, timeout: float = 180.0):
    """Start the server and open the default page in a fresh context.

    Returns (seconds to health ok, seconds to the first plot drawn, the context, the page):
    the caller keeps the page for more measurements or closes the context.
    """
    server.start()
    health = server.wait_healthy(timeout)
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.add_init_script(PROBE_JS)
    try:
        page = context.new_page()
        page.goto(server.url, wait_until="commit", timeout=timeout * 1000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')].some((g) => g._fullLayout)",
            timeout=timeout * 1000,
            polling="raf",
        )
        return health, time.perf_counter() - server.started, context, page
    except BaseException:
        context.close()
        raise


def _wait_quiet(page, quiet: float = 0.4, timeout: float = 10.0) -> None:
    """Until the app is idle and no plot has changed for `quiet` seconds."""
    deadline = time.perf_counter() + timeout
    last, since = None, time.perf_counter()
    while time.perf_counter() < deadline:
        count = page.evaluate(
            "Object.values(window.__ls.changes).reduce((n, v) => n + v.length, 0)"
        )
        if count != last:
            last, since = count, time.perf_counter()
        elif count and time.perf_counter() - since >= quiet:
            wait_idle(page, timeout=timeout)
            return
        page.wait_for_timeout(50)


def _room(handle) -> tuple[float, float, float]:
    return tuple(float(handle.get_attribute(name) or 0) for name in ("value", "min", "max"))


def _move(page, selector: str) -> dict:
    """One key press on the slider; what the probe saw, in ms after the key press.

    The tab is brought to the front first: a background tab gets no animation frames, and the
    probe (and Plotly) draw on them.
    """
    page.bring_to_front()
    page.wait_for_timeout(150)
    handle = page.locator(selector).first
    value, low, high = _room(handle)
    key = "ArrowRight" if value < high else "ArrowLeft"
    reset_probe(page)
    handle.press(key)
    try:
        # A finished run, or (a fragment run can start and end between two observations of the
        # app's script state) a plot that already shows new data.
        page.wait_for_function(
            "() => window.__ls.runs.length > 0 || Object.keys(window.__ls.changes).length > 0",
            timeout=30_000,
            polling=20,
        )
        wait_idle(page, timeout=60)
    except Exception as error:  # one lost move is a finding, not a reason to stop
        return {
            "first": None,
            "all": None,
            "bytes": 0,
            "send": None,
            "last_byte": None,
            "charts": 0,
            "draws": 0,
            "error": f"no finished run: {type(error).__name__}",
        }
    _wait_quiet(page)
    log = probe(page)
    if not log["keys"]:
        raise RuntimeError("the key press never reached the page")
    t0 = log["keys"][0]
    firsts = [min(t for t in times if t >= t0) - t0 for times in log["changes"].values()]
    recvs = [(t - t0, n) for t, n in log["recvs"] if t >= t0]
    sends = [t - t0 for t, _ in log["sends"] if t >= t0]
    return {
        "first": min(firsts) if firsts else None,
        "all": max(firsts) if firsts else None,
        "bytes": sum(n for _, n in recvs),
        "send": sends[0] if sends else None,
        "last_byte": recvs[-1][0] if recvs else None,
        "charts": len(firsts),
        "draws": sum(len(times) for times in log["changes"].values()),
        "error": None,
    }


def _breakdown(samples: list[dict]) -> str:
    """Where a move's time went, as medians, in page time (the page's main thread handles the
    messages: while it draws, their handling waits too; section 1 has the server alone)."""
    if not samples:
        return ""
    send = _median(s["send"] for s in samples)
    server = _median(s["last_byte"] - s["send"] for s in samples if s["last_byte"] and s["send"])
    paint = _median(s["all"] - s["last_byte"] for s in samples if s["all"] and s["last_byte"])
    parts = [
        ("key→request", send),
        ("request→last message handled", server),
        ("→ last plot", paint),
    ]
    return " · ".join(f"{what} {value:.0f} ms" for what, value in parts if value is not None)


def _median(values) -> float | None:
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def _cpu_profile(page, selector: str, moves: int, path: Path) -> None:
    """Chromium's CPU profile of a few more moves: where the page's main thread spends time."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 500})
    cdp.send("Profiler.start")
    start = time.perf_counter()
    for _ in range(moves):
        _move(page, selector)
    wall = time.perf_counter() - start
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    self_time: dict[tuple, float] = {}
    inclusive: dict[tuple, float] = {}
    by_file: dict[str, float] = {}
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=False):
        frame = nodes[sample]["callFrame"]
        key = (frame["functionName"] or "(anonymous)", frame["url"].rsplit("/", 1)[-1])
        self_time[key] = self_time.get(key, 0) + delta / 1000
        by_file[key[1] or key[0]] = by_file.get(key[1] or key[0], 0) + delta / 1000
        seen, node = set(), sample
        while node is not None:
            f = nodes[node]["callFrame"]
            k = (f["functionName"] or "(anonymous)", f["url"].rsplit("/", 1)[-1])
            if k not in seen:
                inclusive[k] = inclusive.get(k, 0) + delta / 1000
                seen.add(k)
            node = parent.get(node)
    lines = [f"{moves} moves of {selector!r}, {wall:.1f} s wall; main-thread CPU profile (ms)", ""]
    for title, table, top in (
        ("self time by script", by_file, 15),
        ("self time by function", self_time, 30),
        ("inclusive time by function", inclusive, 45),
    ):
        lines += [f"## {title}"]
        for key, ms in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"{ms:10.1f}  {key}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def open_timed(context, url: str, errors: list[str]):
    """A new tab on `url`; (the tab, seconds until every plot was drawn and the app idle)."""
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    open_page(page, url, timeout=240)
    return page, time.perf_counter() - start


def page_loads(context, base, info, settings_name, query, *, loads) -> Figure:
    """Open the page `loads` times on the warm server: seconds until every plot is drawn."""
    name = Path(info.path).stem
    times, errors = [], []
    for _ in range(max(loads, 1)):
        page, seconds = open_timed(context, page_url(base, info.url_path, query), errors)
        errors += exception_texts(page)
        page.close()
        times.append(seconds)
    return Figure(
        f"load/{name}/{settings_name}",
        LOAD,
        f"{name}, {settings_name}: open the link → every plot drawn",
        "s",
        times,
        "load" if settings_name == "default" else None,
        note="; ".join(errors[:2]) or "warm server, browser cache warm (same context)",
    ).finish()


def slider_moves(
    context,
    base,
    info,
    main,
    settings_name,
    query,
    baseline_page,
    baseline_samples,
    *,
    moves,
    warmup,
    profile_dir=None,
) -> list[Figure]:
    """Move one main slider of a page, each move alternating with one of the baseline's."""
    name = Path(info.path).stem
    errors: list[str] = []
    page, _ = open_timed(
        context, page_url(base, info.url_path, {**query, **dict(main.query)}), errors
    )
    selector = slider_selector(main.key)
    samples: list[dict] = []
    paired: list[dict] = []  # the baseline's moves made between this slider's moves
    lost = 0
    started = time.perf_counter()
    try:
        if page.locator(selector).count() == 0:
            errors.append(f"no slider {main.key} on the page")
        else:
            for i in range(warmup + moves + RETRIES):
                sample = _move(page, selector)
                twin = _move(baseline_page, BASELINE_SLIDER)
                if i >= warmup and sample["all"] is not None and twin["all"] is not None:
                    samples.append(sample)
                    paired.append(twin)
                elif i >= warmup:  # a lost move is reported, and another one made in its place
                    lost += 1
                    errors.append(sample["error"] or twin["error"] or "a move repainted nothing")
                if len(samples) == moves:
                    break
            if profile_dir is not None:
                _cpu_profile(
                    page,
                    selector,
                    3,
                    profile_dir / f"browser-{name}-{main.name}-{settings_name}.txt",
                )
        errors += exception_texts(page)
    finally:
        page.close()
    baseline_samples += paired
    print(
        f"[bench]   {name}/{main.name}/{settings_name}: {len(samples)} moves in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    no_repaint = sum(1 for s in samples if s["first"] is None)
    errors = ([f"{lost} moves lost and made again"] if lost else []) + sorted(set(errors))
    what = f"`{main.key}`" + (
        f" ({', '.join(f'{k}={v}' for k, v in main.query)})" if main.query else ""
    )
    trouble = "; ".join(
        ([f"{no_repaint} moves repainted nothing"] if no_repaint else []) + errors[:2]
    )
    notes = [n for n in (trouble, _breakdown(samples)) if n]
    fid = f"{name}/{main.name}/{settings_name}"
    ours = _median(s["all"] for s in samples)
    theirs = _median(s["all"] for s in paired)
    ratio = [ours / theirs] if ours is not None and theirs else []
    draws = _median(s["draws"] / s["charts"] for s in samples if s["charts"])
    return [
        Figure(
            f"repaint/{fid}/first",
            REPAINT,
            f"{name}, {settings_name}: {what} → first plot repainted",
            "ms",
            [s["first"] for s in samples],
            note=" · ".join(notes),
        ).finish(),
        Figure(
            f"repaint/{fid}/all",
            REPAINT,
            f"{name}, {settings_name}: {what} → every changed plot repainted",
            "ms",
            [s["all"] for s in samples],
            f"repaint/{settings_name}",
            note=(
                f"{_median(s['charts'] for s in samples) or 0} plots change per move, "
                f"each drawn {draws or 0:g}× · baseline in the same moves: "
                + (f"{theirs:.0f} ms" if theirs else "—")
            ),
        ).finish(),
        Figure(
            f"ratio/{fid}",
            RATIO,
            f"{name}, {settings_name}: {what}, median ÷ the baseline's median",
            "×",
            ratio,
            "ratio" if settings_name == "default" else None,
            note=(
                f"{ours:.0f} ms ÷ {theirs:.0f} ms over {len(samples)} alternating moves"
                if ratio
                else "not measured"
            ),
        ).finish(),
        Figure(
            f"bytes/{fid}",
            BYTES,
            f"{name}, {settings_name}: one step of {what}",
            "KB",
            [s["bytes"] / 1000 for s in samples],
            "bytes/stress" if settings_name == "stress" else None,
        ).finish(),
    ]


def measure(
    pages, *, moves: int, warmup: int, loads: int, cold_starts: int, out_dir: Path, profile=False
):
    from playwright.sync_api import sync_playwright

    figures: list[Figure] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        server, shared = None, None
        baseline = baseline_server(out_dir / "streamlit-baseline.log")
        try:
            health, first_plot = [], []
            for i in range(max(cold_starts, 1)):
                candidate = Server(log_path=out_dir / f"streamlit-browser-{i}.log")
                try:
                    h, f, context, page = cold_start(browser, candidate)
                except BaseException:
                    candidate.stop()
                    raise
                print(f"[bench]   cold start {i + 1}: first plot after {f:.1f} s", flush=True)
                health.append(h)
                first_plot.append(f)
                page.close()
                if server is None:  # the first server (and its context) serve the rest
                    server, shared = candidate, context
                else:
                    context.close()
                    candidate.stop()
            figures.append(
                Figure(
                    "cold/first-plot",
                    COLD,
                    "`streamlit run` → first plot drawn in Chromium",
                    "s",
                    first_plot,
                    note=f"health ok after {_median(health):.1f} s (median); warm disk cache",
                ).finish()
            )
            baseline.start()
            baseline.wait_healthy()
            baseline_page, _ = open_timed(shared, baseline.url, [])
            for _ in range(max(warmup, 1)):
                _move(baseline_page, BASELINE_SLIDER)
            pooled: list[dict] = []
            for settings_name, make_query in SETTINGS.items():
                for info in pages:
                    query = make_query()
                    figures.append(
                        page_loads(shared, server.url, info, settings_name, query, loads=loads)
                    )
                    for main in info.sliders:
                        figures += slider_moves(
                            shared,
                            server.url,
                            info,
                            main,
                            settings_name,
                            query,
                            baseline_page,
                            pooled,
                            moves=moves,
                            warmup=warmup,
                            profile_dir=out_dir / "profiles" if profile else None,
                        )
            figures.append(
                Figure(
                    "repaint/baseline",
                    REPAINT,
                    "naive baseline page (bench/baseline.py): its slider → every changed plot "
                    "repainted",
                    "ms",
                    [s["all"] for s in pooled],
                    note="Streamlit's default settings; its moves alternate with every row above",
                ).finish()
            )
        finally:
            if shared is not None:
                shared.close()
            if server is not None:
                server.stop()
            baseline.stop()
            browser.close()
    order = {BYTES: 0, REPAINT: 1, RATIO: 2, COLD: 3, LOAD: 4}
    return sorted(figures, key=lambda f: order[f.section])
