"""Running a coroutine from a test, whatever else the test session is doing.

Playwright's sync API (tests/browser, a session-scoped browser) keeps an event loop running in
the main thread for the rest of the session, and `asyncio.run()` refuses to start a second one
there. A coroutine run through `run_async` gets a thread, and so a loop, of its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """`asyncio.run(coroutine)` in a new thread; its result, or its exception re-raised here."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # handed back to the test's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="run_async", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
