"""Real-browser fixtures: one `streamlit run` server and one headless Chromium per session.

The tests are skipped only when Debian's Chromium is missing *and* the CI variable is unset (a
laptop without it); under CI they run, and a missing browser is a failure: `.ci/run` installs it.

Opening a page costs seconds here (Plotly's 4.7 MB bundle and a dozen charts, drawn without a
GPU on two cores), so tests that only add to a page share one tab per page (`shared_tab`),
in file order; tests that need a first visit (a link's parameters are read once per session)
open a fresh tab (`tab`). All tabs live in one browser context, so the bundle is cached.
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
    open_page,
    page_url,
)

HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if _in_this_folder(item)]
    for item in mine:
        item.add_marker(pytest.mark.browser)
    if not Path(CHROMIUM).exists() and not _on_ci():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (CI unset); .ci/run installs it")
        for item in mine:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def server():
    """The base URL of `streamlit run app.py` on a free loopback port (stopped at the end)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with Server(log_path=ARTIFACTS / "streamlit-browser-tests.log") as live:
        yield live.url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.add_init_script(PROBE_JS)
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


@dataclass
class Tab:
    """One browser tab (a Streamlit session of its own) and what it has recorded."""

    page: object
    base: str
    errors: list[str] = field(default_factory=list)  # uncaught page errors
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt that fired

    def open(self, url_path: str, query: dict[str, str] | None = None) -> None:
        open_page(self.page, page_url(self.base, url_path, query), timeout=120)

    def forget(self) -> None:
        """Start a test's record afresh (the previous test checked its own)."""
        self.errors.clear()
        self.dialogs.clear()

    def check_clean(self) -> None:
        """No exception box on the page, no uncaught error, no dialog."""
        boxes = exception_texts(self.page)
        assert not boxes, f"exception shown at {self.page.url}: {boxes}"
        assert not self.errors, f"page errors at {self.page.url}: {self.errors}"
        assert not self.dialogs, f"a dialog fired at {self.page.url}: {self.dialogs}"


def _new_tab(context, base: str) -> Tab:
    page = context.new_page()
    opened = Tab(page, base)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))

    def on_dialog(dialog) -> None:
        opened.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


@pytest.fixture
def tab(context, server):
    """A fresh tab: a new Streamlit session that reads its link's parameters."""
    opened = _new_tab(context, server)
    try:
        yield opened
    finally:
        opened.page.close()


@pytest.fixture(scope="session")
def shared_tabs(context, server):
    """One tab per page, opened on first use and kept for the session (see the module doc)."""
    tabs: dict[str, Tab] = {}

    def get(info) -> Tab:
        old = tabs.get(info.path)
        if old is not None and (old.page.is_closed() or exception_texts(old.page)):
            old.page.close()  # a previous test left it broken: do not let that cascade
            old = None
        if old is None:
            old = tabs[info.path] = _new_tab(context, server)
            old.open(info.url_path)
        old.forget()
        return old

    try:
        yield get
    finally:
        for opened in tabs.values():
            opened.page.close()
