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


def test_quick_train_section_writes_its_rows(tmp_path):
    """`--only train` alone: the Train page's fit (section 8) and a class while one session
    trains (8a), each row with its fields and budget — the numbers are not looked at."""
    from bench import train
    from bench.report import BUDGETS

    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "train", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["meta"]["sections"] == ["train"]
    figures = {figure["id"]: figure for figure in report["figures"]}
    assert set(figures) == train.figure_ids()
    judged = {
        "train/fit/en/simplernn": ("train/fit", "median"),
        "train/fit/server": ("train/fit", "median"),
        "train/class/quiet/latency": ("class/p95", "p95"),
        "train/class/training/latency": ("class/p95", "p95"),
        "train/class/quiet/errors": ("class/errors", "max"),
        "train/class/training/errors": ("class/errors", "max"),
    }
    for figure_id, figure in figures.items():
        assert figure["section"] in (train.FIT, train.CLASS), figure_id
        assert figure["what"] and figure["unit"] in ("s", "ms", "MB", ""), figure_id
        assert {"n", "median", "p95", "q1", "q3", "min", "max"} <= set(figure["stats"])
        assert figure["stats"]["n"] == len(figure["samples"]), figure_id
        budget, judge = judged.get(figure_id, (None, "median"))
        assert (figure["budget"], figure["judge"]) == (budget, judge), figure_id
        if budget:
            assert figure["budget_text"] == BUDGETS[budget][2]
            assert figure["verdict"] in ("pass", "miss", "n/a"), figure_id
        else:
            assert figure["verdict"] in ("info", "n/a"), figure_id
        if figure["verdict"] == "n/a":
            assert figure["note"], f"{figure_id} could not be measured and does not say why"
    for name in ("en/simplernn", "en/lstm", "en/gru", "ko/simplernn", "server"):
        assert figures[f"train/fit/{name}"]["stats"]["n"] >= 1, name  # the fits did run
    assert figures["train/class/runs"]["stats"]["n"] >= 1  # a run trained during the class
    assert figures["train/class/watch"]["stats"]["n"] >= 1  # … and its page was watched
    assert figures["train/class/quiet/errors"]["samples"] == [0]
    assert figures["train/class/training/errors"]["samples"] == [0]
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"## {train.FIT}" in markdown and f"## {train.CLASS}" in markdown
    for figure in figures.values():
        assert figure["what"] in markdown
