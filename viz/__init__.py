"""Layerscope's figure builders: arrays and labels in, a `plotly.graph_objects.Figure` out.

Every builder takes its data first and its options by keyword, computes nothing but layout, and
receives every visible word from the caller (who translates); numbers stay numbers. Arrays reach
plotly as float32 numpy arrays, which plotly ships to the browser as typed arrays. Token labels
are escaped and made unique as `"i · token"`. Imports only plotly and numpy.
"""

from .attention import entropy_bars, heads_heatmap, qkv_heatmaps, score_heatmap
from .bidirectional import direction_rows, state_map
from .charts import feature_bars, histogram_with_marker, norm_stats_bars, shape_flow
from .gradients import (
    activation_histograms,
    clip_bars,
    layer_norms,
    loss_curves,
    time_norms,
    weight_histogram,
)
from .heads import cell_heatmap, head_grid, weighted_sum
from .heatmaps import attention_heatmap, gate_heatmaps, mask_heatmap, token_heatmap
from .lessons import norm_axes_diagram, step_lines
from .positions import paired_heatmaps, position_waves
from .recurrent import state_bars, step_timeline
from .rnn_weights import weight_bands
from .text import (
    onehot_lookup,
    padded_grid,
    score_bars,
    similarity_heatmap,
    table_gradient,
    word_index_bars,
)
from .theme import (
    DIVERGING,
    MASK_COLORS,
    SEQUENTIAL,
    auto_height,
    base_layout,
    font_size,
    label,
    row_labels,
)
from .training import (
    confusion_matrix,
    history_curves,
    length_histogram,
    oov_curve,
    part_bars,
    probability_bar,
)
from .transformer import encoder_decoder_flow, masked_attention_heatmap

__all__ = [
    "DIVERGING",
    "MASK_COLORS",
    "SEQUENTIAL",
    "activation_histograms",
    "attention_heatmap",
    "auto_height",
    "base_layout",
    "cell_heatmap",
    "clip_bars",
    "confusion_matrix",
    "direction_rows",
    "encoder_decoder_flow",
    "entropy_bars",
    "feature_bars",
    "font_size",
    "gate_heatmaps",
    "head_grid",
    "heads_heatmap",
    "histogram_with_marker",
    "history_curves",
    "label",
    "layer_norms",
    "length_histogram",
    "loss_curves",
    "mask_heatmap",
    "masked_attention_heatmap",
    "norm_axes_diagram",
    "norm_stats_bars",
    "onehot_lookup",
    "oov_curve",
    "padded_grid",
    "paired_heatmaps",
    "part_bars",
    "position_waves",
    "probability_bar",
    "qkv_heatmaps",
    "row_labels",
    "score_bars",
    "score_heatmap",
    "shape_flow",
    "similarity_heatmap",
    "state_bars",
    "state_map",
    "step_lines",
    "step_timeline",
    "table_gradient",
    "time_norms",
    "token_heatmap",
    "weight_bands",
    "weight_histogram",
    "weighted_sum",
    "word_index_bars",
]
