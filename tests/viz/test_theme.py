"""viz.theme: escaping, unique token labels, heights, fonts; no streamlit or torch in viz."""

import subprocess
import sys
from pathlib import Path

import plotly.colors
import pytest

import viz
from viz import theme

ROOT = Path(__file__).resolve().parents[2]


def test_label_escapes_plotly_pseudo_html():
    assert viz.label("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert viz.label('<a href="https://e.x">go</a>') == '&lt;a href="https://e.x"&gt;go&lt;/a&gt;'
    assert viz.label("Q & K") == "Q &amp; K"
    assert viz.label("&lt;") == "&amp;lt;"  # typed text is shown as typed, entities included
    assert viz.label("안녕 하세요") == "안녕 하세요"
    assert viz.label(3) == "3"


def test_row_labels_are_unique_escaped_and_in_order():
    labels = viz.row_labels(["the", "<b>cat</b>", "the", "", "the"])
    assert labels == ["0 · the", "1 · &lt;b&gt;cat&lt;/b&gt;", "2 · the", "3 · ", "4 · the"]
    assert len(set(labels)) == len(labels)
    assert viz.row_labels([]) == []


def test_distinct_labels_keep_names_unless_they_repeat():
    assert theme.distinct_labels(["d0", "<d1>"]) == ["d0", "&lt;d1&gt;"]
    assert theme.distinct_labels(["a", "a"]) == ["0 · a", "1 · a"]


def test_font_size_is_larger_in_presentation_mode():
    assert viz.font_size(False) == 15
    assert viz.font_size(True) == 22


def test_auto_height_grows_with_rows_and_is_clamped():
    assert viz.auto_height(0) == 220
    assert viz.auto_height(1) == 220
    assert viz.auto_height(10) < viz.auto_height(20)
    assert viz.auto_height(20) == 110 + 26 * 20
    assert viz.auto_height(500) == 900
    assert viz.auto_height(10, presentation=True) > viz.auto_height(10)
    assert viz.auto_height(500, presentation=True) == 900


def test_base_layout_sets_font_background_title_and_height():
    layout = viz.base_layout(title="<i>Layer</i> & norm", height=333)
    assert layout["title"]["text"] == "&lt;i&gt;Layer&lt;/i&gt; &amp; norm"
    assert layout["height"] == 333
    assert layout["font"]["size"] == 15
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == "white"
    assert layout["template"] == {"data": {"scatter": [{"type": "scatter"}]}}  # no template
    assert viz.base_layout(presentation=True)["font"]["size"] == 22


def test_base_layout_without_title_has_no_title_and_a_tight_top():
    layout = viz.base_layout()
    assert "title" not in layout
    assert "height" not in layout
    assert layout["margin"]["t"] < viz.base_layout(title="t")["margin"]["t"]


def test_layouts_are_fresh_dicts():
    first = viz.base_layout()
    first["margin"]["t"] = 999
    first["template"]["data"] = {}
    assert viz.base_layout()["margin"]["t"] != 999
    assert viz.base_layout()["template"]["data"] == {"scatter": [{"type": "scatter"}]}


def test_colour_constants():
    assert viz.DIVERGING == "RdBu_r"
    assert viz.SEQUENTIAL == "Viridis"
    # The explicit scales are the named ones, resolved.
    assert [list(p) for p in theme.DIVERGING_SCALE] == plotly.colors.get_colorscale("RdBu_r")
    assert [list(p) for p in theme.SEQUENTIAL_SCALE] == plotly.colors.get_colorscale("Viridis")
    # RdBu reversed: blue at the low (negative) end, red at the high (positive) end.
    assert theme.DIVERGING_SCALE[0][1] == "rgb(5,48,97)"
    assert theme.DIVERGING_SCALE[-1][1] == "rgb(103,0,31)"
    dropped, kept = viz.MASK_COLORS
    assert dropped != kept


def test_viz_exports_exactly_its_api():
    assert sorted(viz.__all__) == sorted(
        [
            "DIVERGING",
            "MASK_COLORS",
            "SEQUENTIAL",
            "activation_histograms",
            "attention_heatmap",
            "auto_height",
            "base_layout",
            "clip_bars",
            "confusion_matrix",
            "direction_rows",
            "feature_bars",
            "font_size",
            "gate_heatmaps",
            "histogram_with_marker",
            "history_curves",
            "label",
            "layer_norms",
            "length_histogram",
            "loss_curves",
            "mask_heatmap",
            "norm_axes_diagram",
            "norm_stats_bars",
            "onehot_lookup",
            "oov_curve",
            "padded_grid",
            "paired_heatmaps",
            "part_bars",
            "position_waves",
            "probability_bar",
            "row_labels",
            "score_bars",
            "shape_flow",
            "similarity_heatmap",
            "state_map",
            "weight_histogram",
            "step_lines",
            "table_gradient",
            "time_norms",
            "token_heatmap",
            "word_index_bars",
            # viz.attention (the Attention page's step by step)
            "entropy_bars",
            "heads_heatmap",
            "qkv_heatmaps",
            "score_heatmap",
            # viz.transformer (the Attention page's encoder and decoder)
            "encoder_decoder_flow",
            "masked_attention_heatmap",
            # viz.heads (the Attention page's all heads and explain a number)
            "cell_heatmap",
            "head_grid",
            "weighted_sum",
            # viz.rnn_weights (the Recurrent layers page's weights in both layouts)
            "weight_bands",
            # viz.recurrent (the Recurrent layers page's step through time)
            "state_bars",
            "step_timeline",
        ]
    )
    for name in viz.__all__:
        assert hasattr(viz, name), name


def test_importing_viz_loads_neither_streamlit_nor_torch():
    code = (
        "import sys, viz; "
        "bad = sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('streamlit', 'torch', 'layers', 'ui')); "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_viz_source_imports_only_plotly_numpy_and_the_standard_library():
    # _plotly_utils ships inside the plotly wheel (its typed-array encoder is used by theme.py).
    allowed = {
        "plotly",
        "_plotly_utils",
        "numpy",
        "html",
        "math",
        "copy",
        "collections",
        "functools",
        "hashlib",
        "threading",
        "unicodedata",
        "__future__",
    }
    for path in (ROOT / "viz").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and not words[1].startswith("."):
                assert words[1].split(".")[0] in allowed, f"{path.name}: {line}"


def test_as_mask_is_all_false_without_a_mask_and_refuses_one_of_another_shape():
    assert not theme.as_mask(None, (2, 3), per="cell").any()
    assert theme.as_mask([[1, 0, 0], [0, 0, 1]], (2, 3), per="cell").sum() == 2
    with pytest.raises(ValueError, match=r"one flag per cell, \(2, 3\)"):
        theme.as_mask([[True, False]], (2, 3), per="cell")
