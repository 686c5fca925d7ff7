"""The real app, driven for real: `streamlit run` on a loopback port and a headless Chromium.

Shared by the browser tests (tests/browser/) and the benchmark (`python -m bench`): starting and
stopping the server, launching Debian's Chromium with the flags of DESIGN.md §8, and the few
page operations both need — wait for a rerun to finish, read what every plot holds, move a
slider with the keyboard, click a segmented control.

Everything about the page is generic over `ui.pages.PAGES` and over the widgets a page happens
to draw: charts are named by their Streamlit key (the `st-key-…` class of their container).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 5000}  # Streamlit scrolls inside its own container
HEALTH_TIMEOUT = 90.0  # seconds; torch imports slowly on a cold CI machine
STRESS_TOKENS = 512


# --------------------------------------------------------------------------- settings


def stress_text(n: int = STRESS_TOKENS, seed: int = 0) -> str:
    """One line of n distinct made-up words: n tokens, none folded together by the tokenizer."""
    rng = random.Random(seed)
    syllables = ["ka", "ri", "mo", "ne", "su", "ta", "lo", "pi", "ve", "du", "zo", "ha", "me"]
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < n:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return " ".join(words)


def stress_query() -> dict[str, str]:
    """DESIGN.md §7's stress settings as URL parameters: 512 tokens, width 512, 8 heads."""
    return {"text": stress_text(), "d": "512", "heads": "8"}


SETTINGS = {"default": dict, "stress": stress_query}  # name -> query parameters


def page_url(base: str, url_path: str, query: Mapping[str, str] | None = None) -> str:
    url = f"{base}/{url_path}"
    return f"{url}?{urlencode(query)}" if query else url


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return found


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
        todo += _children(p)
    return total


@dataclass
class Server:
    """`streamlit run app.py` on a free loopback port, in its own process group."""

    extra: Sequence[str] = ()
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    script: Path = ROOT / "app.py"
    cwd: Path = ROOT  # where .streamlit/config.toml is read from
    process: subprocess.Popen | None = None
    started: float = 0.0  # time.perf_counter() at launch

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            *self.extra,
        ]

    def start(self) -> Server:
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends it and its children
        )
        if log is not subprocess.DEVNULL:
            log.close()
        return self

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> float:
        """Poll /_stcore/health until it says ok; the seconds since launch."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- streamlit log ---\n" + "\n".join(text)

    def rss(self) -> int:
        return tree_rss(self.process.pid) if self.process else 0

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the pid
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> Server:
        self.start()
        try:
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def baseline_server(log_path: Path | None = None) -> Server:
    """The naive baseline page (bench/baseline.py) with Streamlit's default settings: started
    from an empty folder, so that the repository's .streamlit/config.toml does not apply."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="layerscope-baseline-"))
    return Server(log_path=log_path, script=ROOT / "bench" / "baseline.py", cwd=folder)


# --------------------------------------------------------------------------- the browser


def launch_chromium(playwright):
    """Debian's Chromium with DESIGN.md §8's flags (Playwright's own download is not used)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# Installed before any page script runs. It records, in page time (performance.now()):
# websocket sends and receives (bytes), key presses, every finished script run (the app's
# data-test-script-state going back to notRunning), and, on every animation frame, which
# plots got new data (Plotly replaces gd.data when it redraws with a new figure).
PROBE_JS = r"""
(() => {
  if (window.__ls) return;
  const ls = window.__ls = {sends: [], recvs: [], keys: [], changes: {}, runs: [], starts: []};
  const send = WebSocket.prototype.send;
  const size = (d) => d == null ? 0 : (d.byteLength ?? d.size ?? d.length ?? 0);
  WebSocket.prototype.send = function (data) {
    ls.sends.push([performance.now(), size(data)]);
    if (!this.__ls) {
      this.__ls = true;
      this.addEventListener('message', (ev) => ls.recvs.push([performance.now(), size(ev.data)]));
    }
    return send.call(this, data);
  };
  document.addEventListener('keydown', () => ls.keys.push(performance.now()), true);
  document.addEventListener('pointerdown', () => ls.keys.push(performance.now()), true);
  // Every change of the app's script state, in order (several may arrive in one batch).
  let state = null;
  const step = (now) => {
    if (now === state) return;
    if (now === 'running') ls.starts.push(performance.now());
    if (state === 'running') ls.runs.push(performance.now());
    state = now;
  };
  new MutationObserver((records) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const changes = records.filter((r) => r.attributeName === 'data-test-script-state');
    changes.forEach((r, i) => {
      const after = i + 1 < changes.length ? changes[i + 1].oldValue : r.target.getAttribute(
        r.attributeName);
      if (i > 0 || r.oldValue !== null) step(r.oldValue);
      step(after);
    });
    if (!changes.length && app) step(app.getAttribute('data-test-script-state'));
  }).observe(document, {subtree: true, attributes: true, childList: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
  const seen = new Map();
  const tick = () => {
    const now = performance.now();
    document.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((el, i) => {
      const box = el.closest('[data-testid="stElementContainer"]');
      const key = (box && [...box.classList].find((c) => c.startsWith('st-key-'))) || ('#' + i);
      const gd = el.querySelector('.js-plotly-plot');
      const data = gd && gd.data;
      if (seen.has(key) && seen.get(key) !== data && data) {
        (ls.changes[key] = ls.changes[key] || []).push(now);
      }
      seen.set(key, data);
    });
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

# Every plot, by chart key, as a hash of its traces' data (typed arrays included).
FINGERPRINTS_JS = r"""
() => {
  const plain = (v) => {
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') {
      const o = {};
      for (const k of Object.keys(v).sort()) o[k] = plain(v[k]);
      return o;
    }
    return v;
  };
  const hash = (s) => {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return (h >>> 0).toString(16);
  };
  const out = {};
  document.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((el, i) => {
    const box = el.closest('[data-testid="stElementContainer"]');
    if (box && box.getAttribute('data-stale') === 'true') return;
    const key = (box && [...box.classList].find((c) => c.startsWith('st-key-'))) || ('#' + i);
    const gd = el.querySelector('.js-plotly-plot');
    out[key] = gd && gd.data ? hash(JSON.stringify(gd.data.map(
      (t) => [plain(t.z), plain(t.x), plain(t.y), plain(t.text)]))) : null;
  });
  return out;
}
"""

# The app has finished its run and drawn: connected, not running, nothing stale, and every
# chart on the page drawn by Plotly (at least `min_plots` of them).
IDLE_JS = r"""
(minPlots) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') === 'running') return false;
  const conn = document.querySelector('[data-test-connection-state]');
  if (conn && conn.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  if (charts.length < minPlots) return false;
  for (const c of charts) {
    const gd = c.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout) return false;
  }
  return true;
}
"""

EXCEPTIONS = '[data-testid="stException"]'


def css_string(text: str) -> str:
    """A CSS attribute-selector string literal."""
    return json.dumps(text, ensure_ascii=False)


def exception_texts(page) -> list[str]:
    return [e.inner_text() for e in page.locator(EXCEPTIONS).all()]


def wait_idle(page, *, min_plots: int = 0, timeout: float = 60.0, settle: float = 0.15) -> None:
    """Wait until the app is idle and drawn; it must stay so for `settle` seconds."""
    deadline = time.perf_counter() + timeout
    while True:
        left = max(deadline - time.perf_counter(), 0.001)
        try:
            page.wait_for_function(IDLE_JS, arg=min_plots, timeout=left * 1000, polling=50)
        except Exception as error:
            raise AssertionError(
                f"the app did not finish drawing within {timeout:.0f} s at {page.url}; "
                f"exception boxes: {exception_texts(page)}"
            ) from error
        page.wait_for_timeout(settle * 1000)
        if page.evaluate(IDLE_JS, min_plots):
            return
        if time.perf_counter() > deadline:
            raise AssertionError(f"the app kept rerunning for {timeout:.0f} s at {page.url}")


def fingerprints(page) -> dict[str, str | None]:
    return page.evaluate(FINGERPRINTS_JS)


def changed(before: Mapping[str, str | None], after: Mapping[str, str | None]) -> list[str]:
    """Charts whose data differ (a chart that appeared or went away counts as changed)."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def open_page(page, url: str, *, timeout: float = 90.0) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    wait_idle(page, min_plots=1, timeout=timeout)


def probe(page) -> dict:
    return page.evaluate("window.__ls")


def reset_probe(page) -> None:
    page.evaluate(
        "(() => { const l = window.__ls; for (const k of ['sends', 'recvs', 'keys', 'runs',"
        " 'starts']) l[k] = []; l.changes = {}; })()"
    )


def slider(page, label: str):
    """The range input of the slider (or select slider) with this exact label."""
    return page.locator(f'input[type="range"][aria-label={css_string(label)}]')


def slider_labels(page) -> list[str]:
    """Labels of every slider on the page, in page order."""
    return page.eval_on_selector_all(
        'input[type="range"]', "els => els.map(e => e.getAttribute('aria-label'))"
    )


def segmented(page, label: str):
    """The radio group of the segmented control with this exact label."""
    return page.locator(f'[role="radiogroup"][aria-label={css_string(label)}]')


def press_slider(page, label: str, key: str = "ArrowRight", times: int = 1) -> None:
    handle = slider(page, label)
    handle.focus()
    for _ in range(times):
        handle.press(key)


def slider_value(page, label: str) -> str:
    return slider(page, label).get_attribute("aria-valuetext") or ""


def slider_room(page, label: str) -> tuple[float, float, float]:
    """(value, min, max) of a range input, as numbers (a select slider counts its options)."""
    return tuple(
        float(slider(page, label).get_attribute(name) or 0) for name in ("value", "min", "max")
    )
