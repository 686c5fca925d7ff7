"""The look every figure shares, so that what a colour or a size means never changes between pages.

Signed values (activations, x̂, tanh gates) use one diverging scale, white at 0, red positive and
blue negative; probabilities and masks start at 0 on a sequential scale. Type is large enough for
a projector and larger still in presentation mode. Every label that reaches plotly passes through
`label()`, because plotly reads text as pseudo-HTML: a typed `<b>` must show as `<b>`, not bold.
Token labels are made unique as `"i · token"`, so a sentence with "the" twice keeps two rows.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Sequence

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

DIVERGING = "RdBu_r"
SEQUENTIAL = "Viridis"
# The same scales as explicit (position, colour) pairs: figures skip plotly's validation, which
# is what resolves names (see figure()), and plotly.js knows no "_r" names. Tuples, so that no
# figure can change them for the next one.
DIVERGING_SCALE = tuple((float(at), color) for at, color in plotly.colors.get_colorscale(DIVERGING))
SEQUENTIAL_SCALE = tuple(
    (float(at), color) for at, color in plotly.colors.get_colorscale(SEQUENTIAL)
)
# (dropped, kept): dark grey against amber stays distinct on a washed-out projector and for
# red–green colour blindness.
MASK_COLORS = ("#3a3a3a", "#ffb000")

# Two series compared (before, after): a quiet grey, then the diverging scale's strong blue.
BEFORE_COLOR, AFTER_COLOR = "#9a9a9a", "#2166ac"
MARKER_COLOR = "#d6604d"
BAR_COLOR = "#4393c3"
BOX_FILL, BOX_LINE = "#d1e5f0", "#2166ac"

FONT_FAMILY = (
    "-apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans KR', 'Apple SD Gothic Neo', "
    "'Malgun Gothic', Arial, sans-serif"
)
AXIS_COLOR = "#444444"
GRID_COLOR = "#e6e6e6"
# Pixels per heatmap row and the space around the plot area, for auto_height().
ROW_PX = {False: 26, True: 36}
FRAME_PX = {False: 110, True: 150}
MIN_HEIGHT, MAX_HEIGHT = 220, 900


class Figure(go.Figure):
    """A plotly Figure whose `to_dict()` copies only what it must.

    Streamlit calls `to_dict()` on every chart of every rerun, and plotly's deep-copies the whole
    figure before encoding its arrays: that copy was the largest single cost of a rerun here.
    This one builds the same dict (tests/viz compares them) with a plain recursive copy that
    encodes numpy arrays as plotly's typed arrays on the way and leaves the figure untouched.
    """

    def to_dict(self) -> dict:
        if self._frame_objs:  # no builder makes frames; keep plotly's path for them
            return super().to_dict()
        return {"data": _plain(self._data), "layout": _plain(self._layout)}


def _plain(value):
    """A copy of nested dicts and lists with numpy arrays as typed-array specs."""
    if isinstance(value, dict):
        return {
            key: copy.deepcopy(item) if is_skipped_key(key) else _plain(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_typed_array_spec(value)
    return value


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from plain dicts, without plotly's per-property validation.

    Validation costs 2–10 ms per figure, most of a rerun's budget on a page of eight; the builders
    pass only valid properties, which tests/viz checks by rebuilding every figure validated.
    """
    try:
        return Figure(data=data, layout=layout, _validate=False)
    except TypeError:  # a plotly without the private switch: validate, slower but correct
        return Figure(data=data, layout=layout)


def panel_title(text: str, axis_suffix: str, size: int) -> dict:
    """A title centred above one panel of a multi-panel figure (x axis `x{axis_suffix}`)."""
    return {
        "text": label(text),
        "xref": f"x{axis_suffix} domain",
        "x": 0.5,
        "xanchor": "center",
        "yref": "paper",
        "y": 1.0,
        "yanchor": "bottom",
        "yshift": 4,
        "showarrow": False,
        "font": {"size": size + 1},
    }


def font_size(presentation: bool) -> int:
    """Base font size in pixels: 15 normally, 22 on a projector."""
    return 22 if presentation else 15


def label(text: str) -> str:
    """Escape text for plotly's pseudo-HTML so that it shows literally."""
    return html.escape(str(text), quote=False)


def row_labels(labels: Sequence[str]) -> list[str]:
    """Unique, escaped `"i · token"` labels, one per row, in order."""
    return [f"{i} · {label(text)}" for i, text in enumerate(labels)]


def auto_height(rows: int, *, presentation: bool = False) -> int:
    """A figure height for `rows` heatmap rows, clamped to [220, 900] pixels."""
    height = FRAME_PX[presentation] + ROW_PX[presentation] * max(int(rows), 1)
    return int(min(max(height, MIN_HEIGHT), MAX_HEIGHT))


def base_layout(
    *, title: str | None = None, height: int | None = None, presentation: bool = False
) -> dict:
    """Layout shared by every figure: font, tight margins, white background, the title."""
    size = font_size(presentation)
    layout = {
        # plotly's way to say "no template": its default one costs time and brings its colours.
        "template": {"data": {"scatter": [{"type": "scatter"}]}},
        "font": {"family": FONT_FAMILY, "size": size, "color": "#222222"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8, "pad": 2, "autoexpand": True},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": size}},
        "legend": {"font": {"size": size}},
    }
    if title:
        layout["title"] = {
            "text": label(title),
            "x": 0.0,
            "xref": "paper",
            "xanchor": "left",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 6, "l": 4},
            "font": {"size": size + 3},
        }
        layout["margin"]["t"] = size * 2 + 16
    if height is not None:
        layout["height"] = int(height)
    return layout


def colorbar(*, presentation: bool = False, **extra) -> dict:
    """A thin colorbar with readable ticks."""
    bar = {
        "thickness": 14 if presentation else 10,
        "outlinewidth": 0,
        "tickfont": {"size": font_size(presentation) - 2},
        "xpad": 6,
    }
    bar.update(extra)
    return bar


def axis(*, title: str = "", presentation: bool = False, **extra) -> dict:
    """An axis with an escaped title and automargin, so tick labels are never cut."""
    spec = {
        "automargin": True,
        "linecolor": AXIS_COLOR,
        "tickcolor": AXIS_COLOR,
        "gridcolor": GRID_COLOR,
        "showgrid": False,
        "zeroline": False,
        "tickfont": {"size": font_size(presentation) - 1},
    }
    if title:
        spec["title"] = {"text": label(title), "font": {"size": font_size(presentation)}}
    spec.update(extra)
    return spec


def distinct_labels(labels: Sequence[str]) -> list[str]:
    """Escaped labels as given, or `"i · label"` ones if any two are equal."""
    escaped = [label(text) for text in labels]
    return escaped if len(set(escaped)) == len(escaped) else row_labels(labels)


def hover_line(name: str, value: str) -> str:
    """One hover line, `name: value`, or just the value when the caller gave no name."""
    return f"{label(name)}: {value}" if name else value


def as_float32(values, *, ndim: int, what: str) -> np.ndarray:
    """`values` as a float32 array of `ndim` dimensions, or a ValueError saying what was wrong."""
    array = np.asarray(values, dtype=np.float32)
    if array.ndim != ndim:
        raise ValueError(f"{what} must be a {ndim}-D array, got shape {array.shape}")
    return array


def symmetric_limit(values: np.ndarray) -> float:
    """max |v| over the finite values, or 1.0 when there are none or all are 0."""
    finite = np.abs(values[np.isfinite(values)])
    limit = float(finite.max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


def upper_limit(values: np.ndarray) -> float:
    """max v over the finite values, or 1.0 when there are none or none is above 0."""
    finite = values[np.isfinite(values)]
    limit = float(finite.max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


def check_range(zrange) -> tuple[float, float]:
    """A caller's (lo, hi) colour range as floats, or a ValueError if it cannot be a range."""
    lo, hi = (float(v) for v in zrange)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"zrange must be two finite numbers (lo, hi) with lo < hi, got {zrange}")
    return lo, hi


def check_count(labels: Sequence[str], count: int, *, what: str, per: str) -> None:
    """Raise a ValueError unless there is exactly one label per row (or column, or value)."""
    if len(labels) != count:
        raise ValueError(f"got {len(labels)} {what} for {count} {per}s; pass one per {per}")
