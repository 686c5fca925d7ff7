"""Helpers for AppTest-based tests: run the app with URL parameters, read charts back."""

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60  # torch imports slowly on a cold CI machine


def run_app(path: str = "app.py", **query) -> AppTest:
    """Run app.py (or a page file) once, opened with these URL parameters."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def charts(at: AppTest) -> list[dict]:
    """Every plotly chart on the page, as the figure JSON sent to the browser."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def chart(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        if element.key == key:
            return json.loads(element.proto.spec)
    raise KeyError(f"no chart with key {key!r}")


def decode(value) -> np.ndarray:
    """A plotly typed array ({dtype, bdata, shape}) or a plain list, as numpy."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            shape = value["shape"]
            shape = [int(s) for s in shape.split(",")] if isinstance(shape, str) else shape
            array = array.reshape(shape)
        return array
    return np.asarray(value)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
