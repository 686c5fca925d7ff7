"""Real-browser fixtures: one `streamlit run` server and one headless Chromium per session.

The tests are skipped only when Debian's Chromium is missing *and* the CI variable is unset (a
laptop without it); under CI they run, and a missing browser is a failure: `.ci/run` installs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.live import (
    CHROMIUM,
    PROBE_JS,
    ROOT,
    VIEWPORT,
    Server,
    exception_texts,
    launch_chromium,
)

HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if _in_this_folder(item)]
    for item in mine:
        item.add_marker(pytest.mark.browser)
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (CI unset); .ci/run installs it")
        for item in mine:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def server():
    """The base URL of `streamlit run app.py` on a free loopback port (stopped at the end)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    ARTIFACTS.mkdir(exist_ok=True)
    with Server(log_path=ARTIFACTS / "streamlit-browser-tests.log") as live:
        yield live.url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """One browser tab (a fresh Streamlit session) and what it has recorded."""

    page: object
    base: str
    errors: list[str] = field(default_factory=list)  # uncaught page errors
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt that fired

    def check_clean(self) -> None:
        """No exception box on the page, no uncaught error, no dialog."""
        assert not exception_texts(self.page), exception_texts(self.page)
        assert not self.errors, self.errors
        assert not self.dialogs, f"a dialog fired: {self.dialogs}"


@pytest.fixture
def tab(server, browser):
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.add_init_script(PROBE_JS)
    context.set_default_timeout(30_000)
    page = context.new_page()
    opened = Tab(page, server)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))

    def on_dialog(dialog) -> None:
        opened.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield opened
    finally:
        context.close()
