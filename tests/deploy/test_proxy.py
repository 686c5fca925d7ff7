"""Two classes through HAProxy on 2 replicas: stickiness, downloads, and a replica dying.

`deploy/serve 2 <port>` on 127.0.0.1; 60 sessions reach the app only through the proxy, each as
a browser does (GET the page with a lesson link, GET /_stcore/health, then the websocket with
the cookies those set), and each moves the γ slider to a value of its own. Then:

(a) both replicas have students: HAProxy's cookie names the replica;
(b) a download button's file, made on request as a click makes it, comes through the proxy as a
    valid .npy of the shape the button states, and only from the replica that made it (which is
    why stickiness matters);
(c) one replica's process group is SIGKILLed: its sessions see their websocket close, reconnect
    with their old cookie (HAProxy sends them to the live replica and says so in a new cookie),
    ask for a run with the address bar the app last wrote, and get their view back: the γ they
    had moved to and the link's p;
(d) meanwhile the other replica's sessions keep moving their slider without a single error;
and deploy/serve restarts the dead replica, which takes new students again, and on SIGTERM stops
everything and exits 0.

Every wait is bounded; every server is stopped in a finally.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from async_support import run_async

from bench.proxy import ProxiedSession, Served, cookie_name, running

SESSIONS = 60
LINK = "p=0.35&gamma=1.5"  # a teacher's lesson link
RUN_TIMEOUT = 120.0  # seconds for one script run (the first on a replica imports torch)
CLOSE_TIMEOUT = 30.0  # seconds for a dead replica's websockets to be seen closed


def _value(session: ProxiedSession, key: str) -> float:
    """A slider's value as the last run drew it (a run that set it from the address bar)."""
    return round(session.sliders[key].value, 6)


@dataclass
class Student:
    session: ProxiedSession
    # The γ it moved to. Kept here, as the browser's widget keeps it: after a move, Streamlit
    # redraws the slider without a value (the client has it), so the session cannot tell.
    gamma: float


async def _open(port: int, i: int) -> Student:
    """A student opens the link and moves γ to a value of its own."""
    session = ProxiedSession(port, "", LINK)
    await session.__aenter__()
    loaded = await session.run(timeout=RUN_TIMEOUT)
    assert loaded.ok, f"session {i}: {loaded.status} {loaded.exceptions}"
    assert (_value(session, "w_gamma"), _value(session, "w_p")) == (1.5, 0.35), "link ignored"
    gamma = session.sliders["w_gamma"]
    target = round(1.5 + gamma.step * (i % 40 + 1), 6)
    moved = await session.move(gamma, target, timeout=RUN_TIMEOUT)
    assert moved.ok, f"session {i}: {moved.status} {moved.exceptions}"
    assert session.address_bar is not None and f"gamma={target:g}" in session.address_bar
    return Student(session, target)


async def _download_through_proxy(session: ProxiedSession, elsewhere: str | None) -> None:
    """(b) The first block's .npy, made on request, fetched through the proxy.

    With `elsewhere`, a replica that has made no file yet: the same URL sent there is not found,
    since the file lives in the memory of the replica that made it.
    """
    button = session.downloads["dl0"]
    shape = tuple(int(n) for n in re.search(r"\(([\d, ]+)\)", button.label).group(1).split(","))
    url = await session.file_url(button)
    status, body = await session.get(url)
    assert status == 200, f"{url} through the proxy: {status}"
    array = np.load(io.BytesIO(body), allow_pickle=False)
    assert array.shape == shape and array.dtype == np.float32, (array.shape, array.dtype)
    assert np.isfinite(array).all()
    if elsewhere:
        stranger = ProxiedSession(session.proxy_port, cookies={cookie_name(): elsewhere})
        status, _ = await stranger.get(url)
        assert status == 404, f"{url} on {elsewhere}: {status}"


async def _reconnect(student: Student, survivor: str) -> ProxiedSession:
    """(c) A victim: the socket closes; it reconnects as its browser would and gets its view."""
    old = student.session
    await asyncio.wait_for(old.ws.wait_closed(), CLOSE_TIMEOUT)
    expected = (student.gamma, 0.35)
    query = old.address_bar or old.query_string
    new = ProxiedSession(old.proxy_port, "", query, cookies=old.cookies)
    await new.__aenter__()
    assert new.replica == survivor, f"reconnected to {new.replica}, not the live {survivor}"
    result = await new.run(timeout=RUN_TIMEOUT)
    assert result.ok, f"{result.status} {result.exceptions}"
    assert (_value(new, "w_gamma"), _value(new, "w_p")) == expected, "the view did not come back"
    gamma = new.sliders["w_gamma"]
    moved = await new.move(gamma, round(student.gamma + gamma.step, 6), timeout=RUN_TIMEOUT)
    assert moved.ok, f"after reconnecting: {moved.status} {moved.exceptions}"
    return new


async def _keep_working(student: Student, i: int, moves: int = 3) -> None:
    """(d) A survivor goes on moving its slider while the other replica dies."""
    session = student.session
    gamma = session.sliders["w_gamma"]
    for k in range(moves):
        value = round(student.gamma + (gamma.step if k % 2 == 0 else 0.0), 6)
        result = await session.move(gamma, value, timeout=RUN_TIMEOUT)
        assert result.ok, f"survivor {i}, move {k}: {result.status} {result.exceptions}"
        await asyncio.sleep(0.5)
    assert session.ws.close_code is None, f"survivor {i} lost its websocket"


async def _class(served: Served) -> None:
    async with contextlib.AsyncExitStack() as stack:
        students = await asyncio.gather(*(_open(served.port, i) for i in range(SESSIONS)))
        for student in students:
            stack.push_async_exit(student.session.__aexit__)
        on = {name: [s for s in students if s.session.replica == name] for name in ("r1", "r2")}

        # (a) Both replicas have students, told apart by HAProxy's cookie.
        split = Counter(s.session.replica for s in students)
        assert set(split) == {"r1", "r2"}, split
        assert min(split.values()) >= SESSIONS // 3, f"an uneven split: {split}"

        # (b) One download per replica, each through the proxy with its session's cookie; the
        # first is also asked of the other replica, which has made no file yet.
        await _download_through_proxy(on["r1"][0].session, elsewhere="r2")
        await _download_through_proxy(on["r2"][0].session, elsewhere=None)

        # (c, d) r1 dies as a crash would: its whole process group, SIGKILL.
        lines_before = len(served.lines)
        dead_pid = served.kill_replica("r1")
        results = await asyncio.gather(
            *(_reconnect(s, "r2") for s in on["r1"]),
            *(_keep_working(s, i) for i, s in enumerate(on["r2"])),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, ProxiedSession):
                stack.push_async_exit(result.__aexit__)
        failures = [repr(r) for r in results if isinstance(r, BaseException)]
        assert not failures, f"{len(failures)} of {len(results)} sessions failed: {failures[:3]}"

        # deploy/serve heals itself: r1 comes back (a new process), and HAProxy takes it back.
        def printed(pattern: str, timeout: float):  # off the event loop: sockets stay served
            return asyncio.to_thread(served.wait_for, pattern, timeout, after=lines_before)

        await printed(r"^replica r1 exited \(killed by SIGKILL\); restarting", 30)
        restarted = await printed(r"^replica r1 port \d+ pid (\d+)", 60)
        assert int(restarted.group(1)) != dead_pid
        await printed(r"Server streamlit/r1 is UP", 120)
        # Back in the rotation: of two new students, one goes to the restarted replica.
        newcomers = [ProxiedSession(served.port, "", LINK) for _ in range(2)]
        for newcomer in newcomers:
            await newcomer.__aenter__()
            stack.push_async_exit(newcomer.__aexit__)
        assert {n.replica for n in newcomers} == {"r1", "r2"}, [n.replica for n in newcomers]
        for newcomer in newcomers:
            result = await newcomer.run(timeout=RUN_TIMEOUT)
            assert result.ok, f"on {newcomer.replica}: {result.status} {result.exceptions}"


def test_two_classes_through_the_proxy_survive_a_replica_dying(haproxy, tmp_path):
    served = Served(2, log_dir=tmp_path / "logs")
    try:
        served.start()
        served.wait_ready()
        run_async(asyncio.wait_for(_class(served), timeout=300))
        pids = served.pids()
        assert served.stop() == 0, served.tail()
        served.wait_for(r"^serve: stopped$", 10)
        alive = [pid for pid in pids if running(pid)]
        assert not alive, f"still running after deploy/serve stopped: {alive}"
    finally:
        served.stop()
