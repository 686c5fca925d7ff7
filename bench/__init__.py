"""Layerscope's performance harness: `python -m bench` writes bench/out/report.{md,json}.

Every figure of DESIGN.md §7, measured on this machine, with its median, its spread and its
budget beside it. See bench/README.md for what each figure means and how it is measured.
"""

from __future__ import annotations

from pathlib import Path

LAYER_NAMES = (
    "Embedding",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Bidirectional LSTM",
    "LayerNorm",
    "BatchNorm1d",
    "GroupNorm",
    "InstanceNorm1d",
    "Dropout",
    "MultiHeadAttention",
    "FeedForward",
    "TransformerEncoderBlock",
    "TransformerDecoderBlock",
)
SETTINGS_NAMES = ("default", "stress")


def expected_figure_ids(pages) -> set[str]:
    """Every figure a full report holds, for these pages (ui.pages.PAGES)."""
    ids = {"cold/first-plot"}
    for settings in SETTINGS_NAMES:
        ids |= {f"layer/{name}/{settings}" for name in LAYER_NAMES}
        for info in pages:
            page = Path(info.path).stem
            ids |= {f"rerun/{page}/{settings}/repeat", f"rerun/{page}/{settings}/slider"}
            ids |= {f"repaint/{page}/{settings}/first", f"repaint/{page}/{settings}/all"}
            ids |= {f"bytes/{page}/{settings}", f"load/{page}/{settings}"}
            ids.add(f"alone/{page}/{settings}")
    for tag in ("gc-off", "gc-on"):
        ids |= {f"class/{tag}/{what}" for what in ("latency", "errors", "memory", "load")}
    for variant in ("float32", "float64", "python"):
        ids |= {f"lever/heatmap/{variant}/build", f"lever/heatmap/{variant}/bytes"}
    return ids
