"""AppTest fixtures."""

import pytest
from app_support import run_app


@pytest.fixture
def app():
    """A function that runs app.py (or a page file) with the given URL parameters."""
    return run_app
