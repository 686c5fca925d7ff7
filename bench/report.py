"""Figures, their statistics and budgets, and the report (markdown table plus JSON)."""

from __future__ import annotations

import json
import math
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

# DESIGN.md §7, on this 2-core machine. A figure holds as a median over repeated runs, except
# where `judge` says otherwise (the class is judged on its p95 and its error count).
BUDGETS = {
    "rerun/default": (30.0, "ms", "≤ 30 ms median"),
    "bytes/stress": (400.0, "KB", "≤ 400 KB"),
    "repaint/default": (250.0, "ms", "≤ 250 ms median"),
    "repaint/stress": (400.0, "ms", "≤ 400 ms median"),
    "ratio": (1.0, "×", "≤ 1× the naive baseline"),
    "load": (3.0, "s", "≤ 3 s median"),
    "class/p95": (1000.0, "ms", "p95 ≤ 1 s"),
    "class/errors": (0.0, "", "none"),
    "worst/server": (1000.0, "ms", "≤ 1 s, every run"),
    "cost/ratio": (1.0, "×", "measured ≤ estimated"),
    "proxy/p95": (1000.0, "ms", "p95 ≤ 1 s"),
    "proxy/errors": (0.0, "", "none"),
    "layer": (3.0, "×", "≤ 3×"),
    "train/fit": (10.0, "s", "≤ 10 s median"),
}


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: list[float]) -> dict[str, float | int]:
    return {
        "n": len(values),
        "median": quantile(values, 0.5),
        "p95": quantile(values, 0.95),
        "q1": quantile(values, 0.25),
        "q3": quantile(values, 0.75),
        "min": min(values) if values else math.nan,
        "max": max(values) if values else math.nan,
    }


@dataclass
class Figure:
    id: str  # stable: section/page/settings/what
    section: str
    what: str
    unit: str
    samples: list[float] = field(default_factory=list)
    budget: str | None = None  # a BUDGETS key, or None for a figure kept for information
    judge: str = "median"  # which statistic the budget applies to: median, p95 or max
    note: str = ""
    stats: dict = field(default_factory=dict)
    verdict: str = "info"  # pass, miss, info, or n/a (could not be measured; see note)

    def finish(self) -> Figure:
        values = [float(v) for v in self.samples if v is not None and not math.isnan(v)]
        self.samples = values
        self.stats = summary(values)
        if not values:
            self.verdict = "n/a"
        elif self.budget:
            limit = BUDGETS[self.budget][0]
            self.verdict = "pass" if self.stats[self.judge] <= limit else "miss"
        return self

    @property
    def budget_text(self) -> str:
        return BUDGETS[self.budget][2] if self.budget else "—"


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "×":
        return f"{value:.2f}×"
    if unit in ("", "count"):
        return f"{value:g}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f} {unit}"


def _section_key(section: str) -> tuple:
    """Sections in their number's order ("1.", "2.", … "5b."), unnumbered ones last."""
    head = section.split(" ", 1)[0].rstrip(".")
    digits = "".join(c for c in head if c.isdigit())
    return (int(digits), head) if digits else (99, section)


def markdown(figures: list[Figure], meta: dict) -> str:
    figures = sorted(figures, key=lambda f: _section_key(f.section))  # stable within a section
    lines = [
        "# Layerscope benchmark",
        "",
        f"{meta['when']} · {meta['machine']} · mode: {meta['mode']} · "
        f"{meta['seconds']:.0f} s. Budgets: DESIGN.md §7. Spread: p95 and the interquartile "
        "range (q1–q3) over n runs. Timings are never judged in CI.",
        "",
    ]
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            lines += [
                "",
                f"## {section}",
                "",
                "| figure | n | median | p95 | IQR | budget | verdict | note |",
                "|---|---:|---:|---:|---:|---|---|---|",
            ]
        s, u = figure.stats, figure.unit
        iqr = f"{_fmt(s['q1'], u)} – {_fmt(s['q3'], u)}" if s["n"] > 1 else "—"
        verdict = {"pass": "✅ pass", "miss": "❌ miss"}.get(figure.verdict, figure.verdict)
        if figure.budget and figure.judge != "median":
            verdict += f" ({figure.judge})"
        lines.append(
            f"| {figure.what} | {s['n']} | {_fmt(s['median'], u)} | {_fmt(s['p95'], u)} | {iqr} "
            f"| {figure.budget_text} | {verdict} | {figure.note} |"
        )
    return "\n".join(lines) + "\n"


def _finite(value):
    """JSON has no NaN: a statistic that could not be computed is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write(figures: list[Figure], meta: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(markdown(figures, meta), encoding="utf-8")
    payload = {
        "meta": meta,
        "budgets": {k: {"limit": v[0], "unit": v[1], "text": v[2]} for k, v in BUDGETS.items()},
        "figures": [
            {k: v for k, v in asdict(f).items() if k != "samples"}
            | {"budget_text": f.budget_text, "samples": [round(x, 6) for x in f.samples]}
            for f in figures
        ],
    }
    text = json.dumps(_finite(payload), indent=1, ensure_ascii=False, allow_nan=False, default=str)
    (out / "report.json").write_text(text, encoding="utf-8")


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
