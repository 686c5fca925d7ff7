"""4c. Two classes through the proxy: 60 sessions on 2 replicas behind HAProxy (`deploy/serve`).

`deploy/serve 2 <port>` runs the app the way a school would, and 60 websocket clients reach it
only through HAProxy, each the way a browser does: an HTTP GET of the page (HAProxy's cookie
pins the student to a replica), a GET of /_stcore/health (Streamlit's XSRF cookie), then the
websocket `/_stcore/stream` with those cookies. Each student is bench/klass.py's: it opens the
default page and moves its main slider one step every ~2 s, with its own phase and values.
Latency, errors and memory are measured as in section 4 (memory: every replica and HAProxy);
the split counts the students each replica got, from the cookie's value.

`Served` (deploy/serve as a child process, with the lines it printed) and `ProxiedSession`
(bench/wsclient.py's Session behind the proxy, with a cookie jar) are shared with
tests/deploy/.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from unittest import mock

from . import klass
from .live import ROOT, free_port, tree_rss
from .report import Figure
from .wsclient import Session

SECTION = "4c. Two classes through the proxy: sessions on replicas behind HAProxy (deploy/serve)"
SERVE = ROOT / "deploy" / "serve"
TEMPLATE = ROOT / "deploy" / "haproxy.cfg.in"
XSRF_COOKIE = "_streamlit_xsrf"  # Streamlit sets it on /_stcore/health; the browser sends it back
READY_TIMEOUT = 240.0  # seconds for every replica to answer its health check on a cold machine


def cookie_name() -> str:
    """The name of HAProxy's stickiness cookie, as deploy/haproxy.cfg.in sets it."""
    found = re.search(r"^\s*cookie\s+(\S+)\s+insert\b", TEMPLATE.read_text(), re.MULTILINE)
    if not found:
        raise RuntimeError(f"{TEMPLATE} inserts no cookie")
    return found.group(1)


def haproxy_missing() -> bool:
    return not (shutil.which("haproxy") or os.access("/usr/sbin/haproxy", os.X_OK))


# --------------------------------------------------------------------------- deploy/serve


def running(pid: int) -> bool:
    """Whether a process still runs (a zombie, ended but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Served:
    """`deploy/serve REPLICAS PORT` as a child process (loopback only), and what it printed."""

    REPLICA = re.compile(r"^replica (r\d+) port (\d+) pid (\d+)")
    HAPROXY = re.compile(r"^haproxy pid (\d+) ")

    def __init__(self, replicas: int = 2, *, log_dir: Path | None = None) -> None:
        self.replicas_wanted = replicas
        self.log_dir = log_dir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.lines: list[str] = []
        self.replicas: dict[str, tuple[int, int]] = {}  # name -> (port, pid), latest start
        self.haproxy_pid = 0
        self._changed = threading.Condition()
        self._ended = False  # its output reached its end: no line will come any more

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Served:
        command = [sys.executable, str(SERVE), str(self.replicas_wanted), str(self.port)]
        if self.log_dir is not None:
            command += ["--logs", str(self.log_dir)]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            with self._changed:
                self.lines.append(line)
                if found := self.REPLICA.match(line):
                    self.replicas[found.group(1)] = (int(found.group(2)), int(found.group(3)))
                elif found := self.HAPROXY.match(line):
                    self.haproxy_pid = int(found.group(1))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float, *, after: int = 0) -> re.Match:
        """The first line (from line number `after` on) that matches; bounded by `timeout`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    if found := regex.search(line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or self._ended:
                    raise TimeoutError(
                        f"deploy/serve printed no line matching {pattern!r} "
                        f"within {timeout:.0f} s:\n" + self.tail()
                    )
                self._changed.wait(min(left, 0.5))

    def tail(self, lines: int = 40) -> str:
        with self._changed:
            return "\n".join(self.lines[-lines:])

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        self.wait_for(r"^serve: ready at ", timeout)

    def pids(self) -> list[int]:
        """Every replica's and HAProxy's pid (each leads its own process group)."""
        with self._changed:
            found = [pid for _, pid in self.replicas.values()]
        return found + ([self.haproxy_pid] if self.haproxy_pid else [])

    def rss(self) -> int:
        """Resident memory of every replica and HAProxy (bytes), from /proc."""
        return sum(tree_rss(pid) for pid in self.pids())

    def kill_replica(self, name: str) -> int:
        """SIGKILL a replica's whole process group, as a crash would; its pid."""
        pid = self.replicas[name][1]
        os.killpg(pid, signal.SIGKILL)
        return pid

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM to deploy/serve (it stops what it started); then SIGKILL any leftover group."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        for pid in self.pids():  # belt and braces: never leave a replica behind
            if running(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
        return self.process.returncode

    def __enter__(self) -> Served:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------- a browser's session


def _get(port: int, path: str, cookies: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """One HTTP GET through the proxy with this cookie jar; the jar takes what the reply sets."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies[name.strip()] = value.strip()
        return response.status, body
    finally:
        connection.close()


class ProxiedSession(Session):
    """A Session that reaches the app through the proxy the way a browser does.

    Entering it GETs the page (`page_name` and `query_string`) and /_stcore/health through the
    proxy, keeping the cookies they set, then opens the websocket with those cookies, an Origin
    and the XSRF token. Give it the cookies of an earlier session to reconnect as the same tab.
    """

    def __init__(
        self,
        port: int,
        page_name: str = "",
        query_string: str = "",
        *,
        cookies: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(port, page_name, query_string)
        self.proxy_port = port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.timeout = timeout

    @property
    def replica(self) -> str | None:
        """The replica HAProxy pinned this session to (its cookie's value)."""
        return self.cookies.get(cookie_name())

    async def get(self, path: str) -> tuple[int, bytes]:
        return await asyncio.to_thread(_get, self.proxy_port, path, self.cookies, self.timeout)

    async def __aenter__(self) -> ProxiedSession:
        page = f"/{self.page_name}" + (f"?{self.query_string}" if self.query_string else "")
        for path in (page, "/_stcore/health"):
            status, _ = await self.get(path)
            if status != 200:
                raise ConnectionError(f"GET {path} through the proxy answered {status}")
        self.headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Origin": f"http://127.0.0.1:{self.proxy_port}",
        }
        self.xsrf_token = self.cookies.get(XSRF_COOKIE)
        await super().__aenter__()
        return self


# --------------------------------------------------------------------------- the measurement


def _recording(opened: list[ProxiedSession]) -> type[ProxiedSession]:
    """The Session class klass.py's students open: each that connected lands in `opened`."""

    class Recorded(ProxiedSession):
        async def __aenter__(self) -> ProxiedSession:
            await super().__aenter__()
            opened.append(self)
            return self

    return Recorded


def run_classes(page, *, replicas: int, sessions: int, duration: float, period: float, logs):
    """bench/klass.py's class, every student through deploy/serve's proxy."""
    opened: list[ProxiedSession] = []
    with Served(replicas, log_dir=logs) as served:
        baseline = served.rss()
        sampler = klass._MemorySampler(served)
        sampler.start()
        try:
            start = time.perf_counter()
            # klass.py's students, unchanged but for the Session they open.
            with mock.patch.object(klass, "Session", _recording(opened)):
                out = asyncio.run(
                    klass._class(served.port, page.url_path, sessions, duration, period, seed=1)
                )
            out["seconds"] = time.perf_counter() - start
        finally:
            out_peak = sampler.stop()
        out["peak"], out["baseline"] = out_peak, baseline
        out["split"] = Counter(s.replica or "no cookie" for s in opened)
        out["replicas"] = sorted(served.replicas)
    return out


def measure(pages, *, replicas: int, sessions: int, duration: float, period: float, out_dir):
    default = next((p for p in pages if not p.url_path), pages[0])
    who = f"{sessions} sessions on {replicas} replicas"
    if haproxy_missing():
        why = "haproxy is not installed (apt-get install haproxy; .ci/run does)"
        out = {"latencies": [], "errors": [], "loads": [], "split": Counter(), "peak": math.nan}
        out |= {"baseline": math.nan, "slider": None, "replicas": [], "missing": why}
    else:
        out = run_classes(
            default,
            replicas=replicas,
            sessions=sessions,
            duration=duration,
            period=period,
            logs=Path(out_dir) / "serve-logs",
        )
    missing = out.get("missing", "")
    lat = [s * 1000 for s in out["latencies"]]
    errors = out["errors"]
    split = out["split"]
    step = f"a step of `{out['slider']}` every ~{period:g} s" if out["slider"] else "no slider"
    return [
        Figure(
            "proxy/latency",
            SECTION,
            f"{who}: interaction latency through HAProxy",
            "ms",
            lat,
            "proxy/p95",
            judge="p95",
            note=missing or f"{sessions} sessions × {duration:.0f} s, {step}; {len(lat)} moves",
        ).finish(),
        Figure(
            "proxy/errors",
            SECTION,
            f"{who}: errors",
            "",
            [] if missing else [len(errors)],
            "proxy/errors",
            judge="max",
            note=missing or "; ".join(sorted(set(errors))[:3]),
        ).finish(),
        Figure(
            "proxy/memory",
            SECTION,
            f"{who}: peak memory of every replica and HAProxy (RSS, with children)",
            "MB",
            [out["peak"] / 1e6],
            note=missing or f"{out['baseline'] / 1e6:.0f} MB after start, before the sessions",
        ).finish(),
        Figure(
            "proxy/split",
            SECTION,
            f"{who}: sessions per replica (HAProxy's cookie, roundrobin)",
            "",
            [split.get(name, 0) for name in out["replicas"]],
            note=missing or ", ".join(f"{k}: {v}" for k, v in sorted(split.items())),
        ).finish(),
        Figure(
            "proxy/load",
            SECTION,
            f"{who}: every session opening the page at once",
            "ms",
            [s * 1000 for s in out["loads"]],
            note=missing or "first run → script_finished, after the GETs and the handshake",
        ).finish(),
    ]
