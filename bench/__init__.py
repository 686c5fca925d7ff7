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
    "SimpleRNN, every step kept",
    "LSTM, every step kept",
    "GRU, every step kept",
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
    ids = {"cold/first-plot", "repaint/baseline"}
    for settings in SETTINGS_NAMES:
        ids |= {f"layer/{name}/{settings}" for name in LAYER_NAMES}
        for info in pages:
            page = Path(info.path).stem
            ids |= {f"load/{page}/{settings}", f"alone/{page}/{settings}"}
            for main in info.sliders:  # every main slider of the page (ui.pages.MainSlider)
                row = f"{page}/{main.name}/{settings}"
                ids |= {f"rerun/{row}/repeat", f"rerun/{row}/slider"}
                ids |= {f"repaint/{row}/first", f"repaint/{row}/all", f"ratio/{row}"}
                ids.add(f"bytes/{row}")
    for tag in ("gc-off", "gc-on"):
        ids |= {f"class/{tag}/{what}" for what in ("latency", "errors", "memory", "load")}
    ids |= {f"class/worst-links/{what}" for what in ("latency", "errors", "pasted", "memory")}
    ids |= {f"cost/{what}" for what in ("compute", "page", "memory")}
    from .worst import WORST  # the worst lesson links, each as sent and lowered to fit

    ids |= {f"worst/{name}{variant}" for name in WORST for variant in ("", "/fitted")}
    ids |= {f"proxy/{what}" for what in ("latency", "errors", "memory", "split", "load")}
    ids |= {f"vectors/memory/{loaded}" for loaded in ("none", "glove", "glove+kiwi")}
    ids |= {
        f"vectors/{when}/{part}"
        for when in ("first-open", "warm-open")
        for part in ("similarity", "korean")
    }
    for variant in ("float32", "float64", "python"):
        ids |= {f"lever/heatmap/{variant}/build", f"lever/heatmap/{variant}/bytes"}
    from .train import figure_ids as train_ids  # the Train page's fit, and a class meanwhile

    ids |= train_ids()
    return ids
