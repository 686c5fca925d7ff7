"""The benchmark cannot rot: `python -m bench --quick` runs every measurement once, briefly.

Only that the report is written with every figure is checked, never a number: timings on a
CI machine say nothing about the budgets (DESIGN.md §7).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import expected_figure_ids
from bench.live import ROOT
from ui.pages import PAGES


def test_quick_benchmark_writes_every_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    figures = {figure["id"]: figure for figure in report["figures"]}
    assert set(figures) == expected_figure_ids(PAGES)
    default = next(Path(p.path).stem for p in PAGES if not p.url_path)
    for figure_id, figure in figures.items():
        if figure["stats"]["n"] == 0:  # not measurable here: the report must say why
            assert figure["verdict"] == "n/a" and figure["note"], figure_id
            assert f"/{default}/" not in figure_id, f"{figure_id} was not measured"
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    for figure in figures.values():
        assert figure["what"] in markdown
