"""`python -m bench [--quick] [--out DIR] [--only SECTIONS] [--profile]`: see bench/README.md."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .live import CHROMIUM, ROOT

SECTIONS = (
    "layers",
    "cost",
    "levers",
    "rerun",
    "worst",
    "browser",
    "vectors",
    "class",
    "train",
    "proxy",
)

# Repetitions: (full, --quick). Quick is a smoke run that proves every measurement still works.
PLAN = {
    "layer_reps": (15, 2),
    "layer_max_reps": (200, 2),
    "layer_budget_s": (0.5, 0.0),
    "lever_reps": (15, 2),
    "rerun_reps": (25, 3),
    "rerun_warmup": (3, 1),
    "moves": (25, 1),
    "move_warmup": (2, 0),
    "cold_starts": (5, 1),
    "loads": (3, 1),
    "sessions": (30, 2),
    "class_seconds": (60.0, 3.0),
    "period": (2.0, 2.0),
    "cost_reps": (2, 1),
    "worst_reps": (3, 1),
    "proxy_replicas": (2, 2),
    "proxy_sessions": (60, 4),
    "proxy_seconds": (60.0, 3.0),
    "vector_reps": (3, 1),
    "train_reps": (5, 1),
    "train_windows": (4, 2),  # quiet, training, quiet, training (section 8a)
    "train_window": (30.0, 3.0),
}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {name: version(name) for name in ("streamlit", "plotly", "torch", "numpy")}
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20)
        found["chromium"] = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found["chromium"] = "missing"
    try:
        head = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
            or "not a git checkout"
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        found["git"] = head + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        pass
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny repetitions")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}"
    )
    parser.add_argument(
        "--pages",
        default="",
        help="comma-separated page files' stems (follow, lab, …, attention): the rerun and "
        "browser sections measure only these pages' sliders and loads (default: every page)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also write profiles of a slider move (server: cProfile; browser: CPU profile)",
    )
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # .streamlit/config.toml applies to AppTest too
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    plan = {name: values[1 if args.quick else 0] for name, values in PLAN.items()}

    from ui.pages import PAGES

    from . import report

    stems = {Path(info.path).stem: info for info in PAGES}
    wanted = [name.strip() for name in args.pages.split(",") if name.strip()]
    if set(wanted) - set(stems):
        parser.error(f"unknown pages: {', '.join(sorted(set(wanted) - set(stems)))}")
    measured = tuple(stems[name] for name in wanted) if wanted else PAGES

    started = time.perf_counter()
    load_before = os.getloadavg()
    figures: list = []

    def step(name: str, run) -> None:
        if name not in only:
            return
        print(f"[bench] {name} …", flush=True)
        t = time.perf_counter()
        figures.extend(run())
        print(f"[bench] {name} done in {time.perf_counter() - t:.0f} s", flush=True)

    # Layer timings first, while nothing else runs on the machine.
    def layers_step():
        from . import layers

        return layers.measure(
            min_reps=plan["layer_reps"],
            max_reps=plan["layer_max_reps"],
            budget_s=plan["layer_budget_s"],
            quick=args.quick,
        )

    def cost_step():
        from . import cost

        return cost.measure(reps=plan["cost_reps"], quick=args.quick)

    def worst_step():
        from . import worst

        return worst.measure(reps=plan["worst_reps"])

    def levers_step():
        from . import levers

        return levers.measure(reps=plan["lever_reps"])

    def rerun_step():
        from . import rerun

        return rerun.measure(
            measured,
            reps=plan["rerun_reps"],
            warmup=plan["rerun_warmup"],
            profile_dir=out / "profiles" if args.profile else None,
        )

    def browser_step():
        from . import browser

        return browser.measure(
            measured,
            moves=plan["moves"],
            warmup=plan["move_warmup"],
            loads=plan["loads"],
            cold_starts=plan["cold_starts"],
            out_dir=out,
            profile=args.profile,
        )

    def vectors_step():
        from . import vectors

        return vectors.measure(reps=plan["vector_reps"], out_dir=out)

    def class_step():
        from . import klass

        return klass.measure(
            PAGES,
            moves=plan["moves"],
            sessions=plan["sessions"],
            duration=plan["class_seconds"],
            period=plan["period"],
            out_dir=out,
        )

    def train_step():
        from . import train

        return train.measure(
            PAGES,
            reps=plan["train_reps"],
            sessions=plan["sessions"],
            windows=plan["train_windows"],
            window=plan["train_window"],
            period=plan["period"],
            quick=args.quick,
            out_dir=out,
        )

    def proxy_step():
        from . import proxy

        return proxy.measure(
            PAGES,
            replicas=plan["proxy_replicas"],
            sessions=plan["proxy_sessions"],
            duration=plan["proxy_seconds"],
            period=plan["period"],
            out_dir=out,
        )

    step("layers", layers_step)
    step("cost", cost_step)
    step("levers", levers_step)
    step("rerun", rerun_step)
    step("worst", worst_step)
    step("browser", browser_step)
    step("vectors", vectors_step)
    step("class", class_step)
    step("train", train_step)
    step("proxy", proxy_step)

    import torch

    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(),
        "mode": "quick (smoke: numbers are not meaningful)" if args.quick else "full",
        "seconds": time.perf_counter() - started,
        "sections": only,
        "plan": plan,
        "pages": [p.path for p in measured],
        "torch_threads": torch.get_num_threads(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "versions": _versions(),
    }
    report.write(figures, meta, out)
    misses = [f.id for f in figures if f.verdict == "miss"]
    print(
        f"[bench] wrote {out / 'report.md'} and report.json: {len(figures)} figures, "
        f"{len(misses)} over budget",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
