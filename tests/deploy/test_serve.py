"""`deploy/serve` as a school's admin meets it: bad arguments, a busy port, HAProxy dying.

The class itself (60 sessions, a download, a replica killed) is in test_proxy.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys

import pytest

from bench.live import free_port
from bench.proxy import SERVE, Served, running


def _serve(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SERVE), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("deploy/serve: "), result.stderr
    assert not result.stdout.strip(), "nothing may start before the arguments are checked"
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["0", "8080"], "REPLICAS"),
        (["-2", "8080"], "REPLICAS"),
        (["two", "8080"], "REPLICAS"),
        (["2.5", "8080"], "REPLICAS"),
        (["99", "8080"], "REPLICAS"),
        (["2", "0"], "PORT"),
        (["2", "70000"], "PORT"),
        (["2", "http"], "PORT"),
        (["2", "8080", "--bind", "school-server"], "--bind"),
        (["2"], "required"),
        ([], "required"),
        (["2", "8080", "--replicas", "3"], "unrecognized"),
    ],
)
def test_bad_arguments_get_one_line_and_a_nonzero_exit(args, says):
    assert says in _one_line_error(_serve(*args))


def test_a_missing_haproxy_is_named(tmp_path):
    line = _one_line_error(_serve("2", str(free_port()), "--haproxy", str(tmp_path / "haproxy")))
    assert "haproxy not found" in line and "apt-get install haproxy" in line


def test_runs_from_any_directory_as_an_executable(tmp_path):
    """The file is executable with a shebang, and finds the repository from wherever it runs."""
    assert os.access(SERVE, os.X_OK)
    assert SERVE.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    result = subprocess.run(
        [str(SERVE), "0", "8080"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert "REPLICAS" in _one_line_error(result)


def test_a_busy_port_is_refused_before_anything_starts(haproxy):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_line_error(_serve("1", str(port)))
    assert f"cannot listen on 127.0.0.1:{port}" in line


def test_when_haproxy_dies_everything_stops_with_an_error(haproxy, tmp_path):
    served = Served(1, log_dir=tmp_path)
    try:
        served.start()
        served.wait_ready()
        replica_pid = served.replicas["r1"][1]
        os.kill(served.haproxy_pid, signal.SIGKILL)
        served.process.wait(60)
        assert served.process.returncode not in (0, None), served.tail()
        served.wait_for(r"^serve: haproxy stopped \(killed by SIGKILL\); stopping", 5)
        assert not running(replica_pid), "the replica outlived deploy/serve"
    finally:
        served.stop()


def test_a_replica_that_keeps_dying_is_restarted_three_times_a_minute_then_left_down(
    haproxy, tmp_path
):
    """Alone, a dead replica restarts at once; its fourth death within a minute ends the run."""
    served = Served(1, log_dir=tmp_path)
    try:
        served.start()
        served.wait_ready()
        for _ in range(6):  # bounded: the fourth death must be the last
            before = len(served.lines)
            with contextlib.suppress(ProcessLookupError):  # it may have died on its own
                served.kill_replica("r1")
            died = served.wait_for(r"^replica r1 exited .*; (not )?restarting it", 30, after=before)
            if died.group(1):
                break
            served.wait_for(r"^replica r1 port \d+ pid \d+", 30, after=before)
        said = [line for line in served.lines if line.startswith("replica r1 exited")]
        assert len(said) == 4, served.tail()
        for n, line in enumerate(said[:3], start=1):
            assert f"restarting it in 0 s ({n} of at most 3 a minute)" in line, line
        assert "not restarting it" in said[3], said[3]
        served.wait_for(r"^serve: every replica keeps dying; stopping", 30)
        served.process.wait(60)
        assert served.process.returncode == 1, served.tail()
    finally:
        served.stop()
