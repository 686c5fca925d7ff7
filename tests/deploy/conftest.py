"""Fixtures for deploy/: HAProxy must be there, unless this is a laptop without it.

Tests that run `deploy/serve` ask for the `haproxy` fixture. They are skipped only when HAProxy
is missing *and* the CI variable is unset; under CI a missing HAProxy is a failure (`.ci/run`
installs Debian's package), as tests/browser/conftest.py does for Chromium.
"""

from __future__ import annotations

import os

import pytest

from bench.proxy import haproxy_missing


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def haproxy() -> None:
    if not haproxy_missing():
        return
    if _on_ci():
        pytest.fail("haproxy is missing: install Debian's haproxy (.ci/run does)")
    pytest.skip("haproxy is missing (CI unset); .ci/run installs it")
