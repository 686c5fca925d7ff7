"""Tuning of the server process that Streamlit's settings cannot express. Applied once per process.

TCP_NODELAY. Streamlit 1.67 serves through uvicorn on a socket it creates as
`socket.socket(family)`, whose protocol number is 0; asyncio turns Nagle's algorithm off only for
sockets whose protocol is IPPROTO_TCP, so every websocket of the app keeps Nagle on. A rerun sends
dozens of small messages: Nagle holds each one until the previous one is acknowledged, and the
browser delays its acknowledgement by 40 ms — measured here, every rerun took 40 ms longer than
its script (a lab rerun: 44 ms instead of 18 ms, websocket client on loopback). So: new
connections get TCP_NODELAY (asyncio's own helper, minus the protocol check), and so do the
sockets already open when the app first runs (the listening one and the first visitors').

The garbage collector. A full (generation 2) collection walks every object the process keeps:
torch's, plotly's and Streamlit's modules, and the figures and results the caches keep. Measured
here, one came every few reruns and took 40–120 ms, during which every session waits: a
student's slider answered in 20 ms, or in 140. `gc.freeze()` once the app is loaded moves what
exists then (the libraries, hundreds of thousands of objects that live as long as the process)
out of the collector's sight; what pages allocate later is collected as before.
"""

from __future__ import annotations

import asyncio.base_events
import contextlib
import gc
import socket
import threading

_done = threading.Event()
_frozen = threading.Event()
_lock = threading.Lock()


def _is_tcp(sock: socket.socket) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM


def _nodelay(sock: socket.socket) -> None:
    """Nagle off for a TCP socket, whatever protocol number it was created with."""
    if _is_tcp(sock):
        with contextlib.suppress(OSError):  # closed meanwhile: nothing left to tune
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def freeze_loaded_objects() -> None:
    """Keep the objects alive now (the loaded libraries) out of every later collection."""
    if _frozen.is_set():
        return
    with _lock:
        if not _frozen.is_set():
            gc.collect()  # what is garbage now is not frozen
            gc.freeze()
            _frozen.set()


def nodelay_everywhere() -> None:
    """TCP_NODELAY on every TCP socket this process opens from now on, and on those open now."""
    if _done.is_set():
        return
    with _lock:
        if _done.is_set():
            return
        asyncio.base_events._set_nodelay = _nodelay
        nodelay_on_open_sockets()
        _done.set()


def nodelay_on_open_sockets() -> None:
    """TCP_NODELAY on every TCP socket of this process that is open now."""
    for thing in gc.get_objects():
        # type(), not isinstance(): some objects (torch's deprecated aliases) warn when asked
        # for their __class__.
        if issubclass(type(thing), socket.socket) and thing.fileno() >= 0:
            _nodelay(thing)


def has_nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
