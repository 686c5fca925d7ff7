"""Figures for text and embeddings: from words to ids, from ids to rows of a learned table.

`word_index_bars` shows the tokenizer's ranking — words in `word_index` order, bar height the
count — in two colours: the words `texts_to_sequences` keeps (index < num_words) and the ones it
drops. `padded_grid` shows a padded batch, every cell with its id, and puts the ids truncation
cut off outside the matrix, on the side they were cut from. `onehot_lookup` draws one-hot ×
table = rows of the table as three panels, the picked rows outlined. `similarity_heatmap` and
`score_bars` show cosine similarities and nearest neighbours; `table_gradient` shows ∂L/∂W of an
embedding table, in which only the rows the sentence used are not zero.

Above `limit` (128) rows, columns or bars a figure cannot be read anyway: each builder then
shows the first `limit` of each long axis (the most frequent words, the best scores, the first
rows of a table), and the caller, who knows the full size, says so in a note. `onehot_lookup`
and `table_gradient` show a table's first rows: a caller with a large vocabulary passes the
rows worth seeing (the sentence's own words) rather than relying on the cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from . import theme
from .charts import TEXT_ON_BARS_MAX
from .heatmaps import GAP_CELLS

MAX_SHOWN = 128  # rows, columns or bars a figure shows at most (DESIGN §5)
GRID_TEXT_CELLS = 48  # a padded grid writes ids in its cells up to this many columns
SIMILARITY_TEXT_MAX = 12  # a similarity heatmap writes values in its cells up to n × n = 12 × 12
# Pads are quiet, tokens stand out, cut ids are greyed (and struck through).
PAD_COLOR, TOKEN_COLOR, CUT_COLOR = "#f2f2f2", "#92c5de", "#c4c4c4"
UNUSED_COLOR = "#f2f2f2"  # a table row nobody looked up, in table_gradient's marker column
# The rows a sentence uses, outlined in onehot_lookup and marked in table_gradient: the amber of
# "kept", which stands out on red, blue and white cells alike.
USED_COLOR = theme.MASK_COLORS[1]
# Pixels a multi-panel figure is assumed to be wide when an inner axis needs room for its labels
# (theme.colorbar_room assumes the same); a wider screen only gets more room.
ASSUMED_WIDTH_PX = 700
PANEL_GAP = 0.03


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 1:
        raise ValueError(f"limit must be a whole number ≥ 1, got {limit!r}")
    return int(limit)


def _head(values: ArrayLike, limit: int, *, ndim: int, what: str) -> np.ndarray:
    """The first `limit` entries of each axis as float32: a large table is cut before copying."""
    array = np.asarray(values)
    if array.ndim != ndim:
        raise ValueError(f"{what} must be a {ndim}-D array, got shape {array.shape}")
    return theme.as_float32(array[(slice(limit),) * ndim], ndim=ndim, what=what)


def _index_labels(words: Sequence[str], start: int) -> list[str]:
    """Escaped `"index · word"` labels, indices from `start`; long words are cut."""
    return [
        f"{start + k} · {theme.label(theme.short(word, theme.MAX_LABEL_CHARS))}"
        for k, word in enumerate(words)
    ]


def _id_text(value) -> str:
    """An id as written in a cell: whole numbers without a decimal point."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _step_scale(colors: Sequence[str]) -> list[list]:
    """A colour scale of flat steps, one per category 0..n-1 (with zmin -0.5, zmax n-0.5)."""
    count = len(colors)
    scale = []
    for k, color in enumerate(colors):
        scale += [[k / count, color], [(k + 1) / count, color]]
    return scale


# --------------------------------------------------------------------------- the word index


@theme.memo
def word_index_bars(
    words: Sequence[str],
    counts: ArrayLike,
    *,
    kept: ArrayLike,
    title: str | None = None,
    x_title: str = "",
    y_title: str = "",
    kept_name: str = "kept",
    dropped_name: str = "dropped",
    limit: int = MAX_SHOWN,
    presentation: bool = False,
) -> go.Figure:
    """Word counts as bars in `word_index` order (`words[k]` has index k + 1), kept vs dropped.

    `kept[k]` says whether `texts_to_sequences` keeps the word (index < num_words): kept bars
    take the kept colour, dropped ones the dropped colour, as in the dropout mask.
    """
    limit = _check_limit(limit)
    y = theme.as_float32(counts, ndim=1, what="counts")
    theme.check_count(words, len(y), what="words", per="count")
    keep = np.asarray(kept, dtype=bool)
    if keep.shape != y.shape:
        raise ValueError(f"kept has shape {keep.shape} for {len(y)} words; pass one per word")
    shown = min(len(y), limit)
    x = _index_labels(list(words)[:shown], 1)  # index 0 is padding, never a word
    y, keep = y[:shown], keep[:shown]
    size = theme.font_size(presentation)
    with_text = 0 < shown <= TEXT_ON_BARS_MAX
    dropped_color, kept_color = theme.MASK_COLORS
    traces = []
    for mask, name, color in ((keep, kept_name, kept_color), (~keep, dropped_name, dropped_color)):
        rows = np.flatnonzero(mask)
        if not rows.size:
            continue
        trace = dict(
            type="bar",
            x=[x[i] for i in rows],
            y=y[rows],
            name=theme.label(name),
            marker={"color": color, "line": {"color": theme.AXIS_COLOR, "width": 0.5}},
            hovertemplate=theme.hover_line(x_title, "%{x}")
            + "<br>"
            + theme.hover_line(y_title, "%{y}")
            + f"<br>{theme.label(name)}<extra></extra>",
        )
        if with_text:
            trace.update(
                texttemplate="%{y}",
                textposition="outside",
                textfont={"size": size - 2},
                cliponaxis=False,
            )
        traces.append(trace)
    angle = 0 if shown <= 2 else -90
    layout = theme.base_layout(
        title=title, height=theme.chart_height(presentation), presentation=presentation
    )
    top = theme.upper_limit(y)
    layout.update(
        # One trace per colour, each bar at its own word: overlay keeps every bar full width.
        barmode="overlay",
        bargap=0.2,
        showlegend=True,
        legend=theme.legend_above(size),
        xaxis=theme.axis(
            title=x_title,
            presentation=presentation,
            type="category",
            categoryorder="array",
            categoryarray=x,
            tickangle=angle,
        ),
        yaxis=theme.value_axis(
            y_title, presentation, range=[0.0, top * (1.15 if with_text else 1.05)]
        ),
    )
    layout["margin"]["t"] += size + 16
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=theme.number_labels(0.0, top),
        left_title=bool(y_title),
        bottom=x,
        bottom_angle=angle,
        bottom_title=bool(x_title),
    )
    layout["height"] += layout["margin"]["b"]  # the plot keeps its height under long words
    return theme.figure(traces, layout=layout)


# --------------------------------------------------------------------------- padding


@theme.memo
def padded_grid(
    ids: ArrayLike,
    *,
    kinds: ArrayLike,
    row_labels: Sequence[str],
    cut: Sequence[Sequence[int]] | None = None,
    cut_side: str = "pre",
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    x_title: str = "",
    presentation: bool = False,
) -> go.Figure:
    """A padded (B, L) batch, each cell with its id; ids truncation removed shown outside.

    `kinds` (B, L) codes each cell: 0 padding, 1 token. `cut[b]` holds, in their order, the ids
    that truncation removed in row b; they stand greyed and struck through beyond a dashed line on
    the `cut_side` ("pre": left of column 0, "post": right of column L-1), next to the ids they
    were cut from. `names` gives the words for "pad", "token" and "cut" (colour key, hover).
    Columns are numbered 0..L-1; the cut cells get no number, they are not in the matrix. The
    caller slices a batch too wide to read (ids are written in cells up to 48 columns).
    """
    grid = np.asarray(ids)
    if grid.ndim != 2:
        raise ValueError(f"ids must be a 2-D array (B, L), got shape {grid.shape}")
    B, L = grid.shape
    kind = np.asarray(kinds)
    if kind.shape != grid.shape:
        raise ValueError(f"kinds has shape {kind.shape}, ids {grid.shape}; pass one per cell")
    if kind.size and not np.isin(kind, (0, 1)).all():
        raise ValueError("kinds must be 0 (padding) or 1 (token) in every cell")
    theme.check_count(row_labels, B, what="row labels", per="row")
    cuts = [() for _ in range(B)] if cut is None else [tuple(c) for c in cut]
    if len(cuts) != B:
        raise ValueError(f"got {len(cuts)} cut rows for {B} rows; pass one (maybe empty) per row")
    if cut_side not in ("pre", "post"):
        raise ValueError(f'cut_side must be "pre" or "post", got {cut_side!r}')
    words = {"pad": "pad", "token": "token", "cut": "cut", **(names or {})}
    K = max((len(c) for c in cuts), default=0)  # columns the cut ids need
    categories = ["pad", "token"] + (["cut"] if K else [])
    colors = [PAD_COLOR, TOKEN_COLOR, CUT_COLOR][: len(categories)]
    scale = {"zmin": -0.5, "zmax": len(categories) - 0.5, "colorscale": _step_scale(colors)}
    size = theme.font_size(presentation)
    y = theme.distinct_labels(row_labels)
    with_text = L + K <= GRID_TEXT_CELLS
    text_font = {"size": size - 1 if L + K <= 24 else size - 4}
    # While cells are large, hover names the kind of cell too; past that its colour says it and
    # the hover keeps to the id, which halves what a wide batch sends.
    kind_hover = "%{customdata}: " if with_text else ""
    hover = (
        "%{y}<br>" + theme.hover_line(x_title, "%{x}") + f"<br>{kind_hover}%{{text}}<extra></extra>"
    )
    pad_word, token_word = theme.label(words["pad"]), theme.label(words["token"])
    matrix = dict(
        type="heatmap",
        z=kind.astype(np.float32),
        x0=0,
        dx=1,
        y=y,
        text=[[_id_text(v) for v in row] for row in grid],
        **scale,
        colorbar=theme.colorbar(
            presentation=presentation,
            tickmode="array",
            tickvals=list(range(len(categories))),
            ticktext=[theme.label(words[c]) for c in categories],
            lenmode="pixels",
            len=(40 if presentation else 28) * len(categories),
            y=1.0,
            yanchor="top",
            ticks="",
        ),
        xgap=1 if L + K <= GAP_CELLS else 0,
        ygap=1 if B <= GAP_CELLS else 0,
        hovertemplate=hover,
        hoverongaps=False,
    )
    traces = [matrix]
    if with_text:
        matrix.update(
            customdata=[[token_word if k else pad_word for k in row] for row in kind],
            texttemplate="%{text}",
            textfont={**text_font, "color": "#222222"},
        )
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(B, presentation=presentation),
        presentation=presentation,
    )
    step = max(1, -(-L // 32))  # at most ~32 column numbers, so they never collide
    layout["xaxis"] = theme.axis(
        title=x_title,
        presentation=presentation,
        tickmode="array",
        tickvals=np.arange(0, L, step, dtype=np.int32),
        ticktext=[str(i) for i in range(0, L, step)],
        tickangle=0,
        range=[-0.5, L - 0.5],
    )
    layout["yaxis"] = theme.axis(presentation=presentation, type="category", autorange="reversed")
    if K:
        # The cut cells stand half a cell away from the matrix, a dashed line in the gap.
        z = np.full((B, K), np.nan, dtype=np.float32)
        text = [[""] * K for _ in range(B)]
        cut_word = theme.label(words["cut"])
        for b, removed in enumerate(cuts):
            first = K - len(removed) if cut_side == "pre" else 0  # next to where they were cut
            for j, value in enumerate(removed):
                z[b, first + j] = 2.0
                text[b][first + j] = _id_text(value)
        x0, line_at = (-K - 0.5, -0.75) if cut_side == "pre" else (L + 0.5, L - 0.25)
        cut_trace = dict(
            type="heatmap",
            z=z,
            x0=x0,
            dx=1,
            y=y,
            text=text,
            **scale,
            showscale=False,
            xgap=matrix["xgap"],
            ygap=matrix["ygap"],
            hovertemplate=f"%{{y}}<br>{cut_word}: %{{text}}<extra></extra>",
            hoverongaps=False,
        )
        if with_text:
            cut_trace.update(
                texttemplate="%{text}",
                textfont={**text_font, "color": "#555555", "lineposition": "through"},
            )
        traces.append(cut_trace)
        layout["xaxis"]["range"] = [-K - 1.0, L - 0.5] if cut_side == "pre" else [-0.5, L + K]
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": line_at,
                "x1": line_at,
                "y0": 0.0,
                "y1": 1.0,
                "line": {"color": theme.AXIS_COLOR, "width": 2, "dash": "dash"},
            }
        ]
        layout["annotations"] = [
            {
                "text": cut_word,
                "x": x0 + (K - 1) / 2,
                "xref": "x",
                "y": 1.0,
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "yshift": 2,
                "showarrow": False,
                "font": {"size": size - 1, "color": "#555555"},
            }
        ]
        layout["margin"]["t"] += size + 6
        layout["height"] += size + 6
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        bottom=[str(max(L - 1, 0))],
        bottom_title=bool(x_title),
        right=theme.colorbar_room([words[c] for c in categories], presentation=presentation),
    )
    return theme.figure(traces, layout=layout)


# --------------------------------------------------------------------------- one-hot × table


@theme.memo
def onehot_lookup(
    onehot: ArrayLike,
    table: ArrayLike,
    product: ArrayLike,
    *,
    tokens: Sequence[str],
    vocab: Sequence[str],
    picked: ArrayLike,
    titles: Sequence[str],
    feature_name: str = "",
    shapes: bool = True,
    limit: int = MAX_SHOWN,
    presentation: bool = False,
) -> go.Figure:
    """One-hot (T, V) × table (V, D) = product (T, D), three panels; the picked rows outlined.

    The one-hot is sequential on [0, 1]; the table and the product share one diverging scale
    centred at 0, because the product *is* those rows. Panel titles are the caller's `titles`
    followed by the true shapes, e.g. "one-hot (3, 8)", unless `shapes=False`. Rows of the table
    are labelled "v · word", v being the id that picks them. Each axis shows its first `limit`
    entries (the shapes in the titles stay the full ones); picked rows past the cut are not
    outlined, so a caller with a large vocabulary passes the rows the sentence uses.
    """
    limit = _check_limit(limit)
    hot = _head(onehot, limit, ndim=2, what="onehot")
    weights = _head(table, limit, ndim=2, what="table")
    rows = _head(product, limit, ndim=2, what="product")
    T, V = np.shape(onehot)
    D = np.shape(table)[1]
    if np.shape(table)[0] != V or np.shape(product) != (T, D):
        raise ValueError(
            f"shapes do not chain: onehot {(T, V)} × table {np.shape(table)} "
            f"must give ({T}, {D}), got product {np.shape(product)}"
        )
    theme.check_count(tokens, T, what="tokens", per="row")
    theme.check_count(vocab, V, what="vocab labels", per="table row")
    if len(titles) != 3:
        raise ValueError(f"pass 3 titles (one-hot, table, product), got {len(titles)}")
    ids = np.asarray(picked)
    if ids.shape != (T,) or (T and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"picked must hold one integer id per token ({T}), got {ids.shape}")
    if T and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"picked ids must lie in 0…{V - 1}, got {ids.min()}…{ids.max()}")
    t, v, d = min(T, limit), min(V, limit), min(D, limit)
    size = theme.font_size(presentation)
    tick = size - 1
    token_y = theme.row_labels(list(tokens)[:t])
    vocab_labels = theme.row_labels(list(vocab)[:v])
    features = np.arange(d, dtype=np.int32)
    limit_value = theme.symmetric_limit(np.concatenate([weights.ravel(), rows.ravel()]))
    signed = {
        "zmin": -limit_value,
        "zmax": limit_value,
        "zmid": 0.0,
        "colorscale": theme.DIVERGING_SCALE,
    }
    feature_hover = theme.hover_line(feature_name, "%{x}")
    traces = [
        dict(
            type="heatmap",
            z=hot,
            x=vocab_labels,
            y=token_y,
            xaxis="x",
            yaxis="y",
            zmin=0.0,
            zmax=1.0,
            colorscale=theme.SEQUENTIAL_SCALE,
            showscale=False,
            xgap=1 if v <= GAP_CELLS else 0,
            ygap=1 if t <= GAP_CELLS else 0,
            hovertemplate="%{y}<br>%{x}<br>%{z:.0f}<extra></extra>",
            hoverongaps=False,
        ),
        dict(
            type="heatmap",
            z=weights,
            x=features,
            y=vocab_labels,
            xaxis="x2",
            yaxis="y2",
            **signed,
            showscale=False,
            hovertemplate=f"%{{y}}<br>{feature_hover}<br>%{{z:.4f}}<extra></extra>",
            hoverongaps=False,
        ),
        dict(
            type="heatmap",
            z=rows,
            x=features,
            y=token_y,
            xaxis="x3",
            yaxis="y",
            **signed,
            colorbar=theme.colorbar(presentation=presentation),
            hovertemplate=f"%{{y}}<br>{feature_hover}<br>%{{z:.4f}}<extra></extra>",
            hoverongaps=False,
        ),
    ]
    # The table's row labels stand between the first two panels: room for them there.
    inner = min(0.35, (theme.labels_px(vocab_labels, tick) + 16) / ASSUMED_WIDTH_PX)
    width = (1.0 - inner - PANEL_GAP) / 3
    domains = [
        [0.0, width],
        [width + inner, 2 * width + inner],
        [1.0 - width, 1.0],
    ]
    full = [(T, V), (V, D), (T, D)]
    layout = theme.base_layout(presentation=presentation)
    annotations = []
    for k, (domain, (n, m)) in enumerate(zip(domains, full, strict=True), start=1):
        suffix = "" if k == 1 else str(k)
        layout[f"xaxis{suffix}"] = theme.axis(
            title=feature_name if k > 1 else "",
            presentation=presentation,
            domain=domain,
            anchor="y" if k != 2 else "y2",
            type="category",
            tickangle=-90 if k == 1 else 0,
            **({"nticks": 6} if k > 1 else {}),
        )
        text = f"{titles[k - 1]} ({n}, {m})" if shapes else titles[k - 1]
        annotations.append(theme.panel_title(text, suffix, size))
    layout["yaxis"] = theme.axis(presentation=presentation, type="category", autorange="reversed")
    layout["yaxis2"] = theme.axis(
        presentation=presentation, type="category", autorange="reversed", anchor="x2"
    )
    outlined = []
    for row in ids[:t].tolist():
        if row < v and row not in outlined:
            outlined.append(row)
    layout["shapes"] = [
        {
            "type": "rect",
            "xref": "x2 domain",
            "yref": "y2",
            "x0": 0.0,
            "x1": 1.0,
            "y0": row - 0.5,
            "y1": row + 0.5,
            "line": {"color": USED_COLOR, "width": 3},
            "fillcolor": "rgba(0,0,0,0)",
        }
        for row in outlined
    ]
    layout["annotations"] = annotations
    layout["margin"]["t"] += size + 12
    layout["height"] = theme.auto_height(max(t, v), presentation=presentation) + size
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=token_y,
        bottom=vocab_labels,
        bottom_angle=-90,
        bottom_title=bool(feature_name),
        right=theme.colorbar_room(
            theme.number_labels(-limit_value, limit_value), presentation=presentation
        ),
    )
    layout["height"] += layout["margin"]["b"]
    return theme.figure(traces, layout=layout)


# --------------------------------------------------------------------------- similarity


@theme.memo
def similarity_heatmap(
    matrix: ArrayLike,
    labels: Sequence[str],
    *,
    title: str | None = None,
    value_name: str = "",
    limit: int = MAX_SHOWN,
    presentation: bool = False,
) -> go.Figure:
    """An (n, n) cosine-similarity matrix on a diverging scale fixed to [-1, 1].

    Values are written in the cells up to 12 words; hover shows word × word and the value.
    """
    limit = _check_limit(limit)
    z = _head(matrix, limit, ndim=2, what="matrix")
    n = np.shape(matrix)[0]
    if np.shape(matrix) != (n, n):
        raise ValueError(f"matrix must be square (n, n), got shape {np.shape(matrix)}")
    theme.check_count(labels, n, what="labels", per="row")
    n = min(n, limit)
    names = theme.distinct_labels(list(labels)[:n])
    size = theme.font_size(presentation)
    trace = dict(
        type="heatmap",
        z=z,
        x=names,
        y=names,
        zmin=-1.0,
        zmax=1.0,
        zmid=0.0,
        colorscale=theme.DIVERGING_SCALE,
        colorbar=theme.colorbar(presentation=presentation),
        hovertemplate="%{y} × %{x}<br>"
        + theme.hover_line(value_name, "%{z:.3f}")
        + "<extra></extra>",
        hoverongaps=False,
    )
    if n <= SIMILARITY_TEXT_MAX:
        trace.update(texttemplate="%{z:.2f}", textfont={"size": size - (2 if n <= 8 else 4)})
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(n, presentation=presentation),
        presentation=presentation,
    )
    angle = 0 if n <= 2 else -90
    # Square cells: word × word reads the same both ways.
    theme.square_map_axes(
        layout,
        names,
        names,
        presentation=presentation,
        right=theme.colorbar_room(["−1.0"], presentation=presentation),
        tickangle=angle,
    )
    layout["height"] += layout["margin"]["b"]
    return theme.figure([trace], layout=layout)


@theme.memo
def score_bars(
    labels: Sequence[str],
    scores: ArrayLike,
    *,
    title: str | None = None,
    x_title: str = "",
    value_format: str = ".3f",
    limit: int = MAX_SHOWN,
    presentation: bool = False,
) -> go.Figure:
    """Horizontal bars, highest score on top (sorted here; ties keep the caller's order).

    `value_format` is the d3 format of the number written beside each bar (",.0f" for counts).
    """
    limit = _check_limit(limit)
    x = theme.as_float32(scores, ndim=1, what="scores")
    theme.check_count(labels, len(x), what="labels", per="score")
    order = np.argsort(-np.where(np.isnan(x), -np.inf, x), kind="stable")[:limit]
    x = x[order]
    names = theme.distinct_labels([list(labels)[i] for i in order])
    count = len(x)
    size = theme.font_size(presentation)
    trace = dict(
        type="bar",
        orientation="h",
        x=x,
        y=names,
        marker={"color": theme.BAR_COLOR},
        hovertemplate="%{y}<br>" + theme.hover_line(x_title, "%{x:.4f}") + "<extra></extra>",
    )
    lo, hi = theme.finite_range(np.concatenate([x, np.zeros(1, np.float32)]))
    if count <= TEXT_ON_BARS_MAX:
        trace.update(
            texttemplate="%{x:" + value_format + "}",
            textposition="outside",
            textfont={"size": size - 2},
            cliponaxis=False,
        )
    room = (hi - lo) * 0.18
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(count, presentation=presentation),
        presentation=presentation,
    )
    layout.update(
        showlegend=False,
        bargap=0.25,
        xaxis=theme.value_axis(
            x_title, presentation, range=[lo - room * (lo < 0), hi + room * (hi > 0) or 1.0]
        ),
        yaxis=theme.axis(presentation=presentation, type="category", autorange="reversed"),
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=names,
        bottom=theme.number_labels(lo, hi),
        bottom_title=bool(x_title),
        right=theme.text_px("−0.888", size - 2) if count <= TEXT_ON_BARS_MAX else None,
    )
    return theme.figure([trace], layout=layout)


# --------------------------------------------------------------------------- the table learns


@theme.memo
def table_gradient(
    grad: ArrayLike,
    *,
    vocab: Sequence[str],
    used: ArrayLike,
    counts: ArrayLike | None = None,
    title: str | None = None,
    x_title: str = "",
    value_name: str = "",
    used_name: str = "",
    limit: int = MAX_SHOWN,
    presentation: bool = False,
) -> go.Figure:
    """∂L/∂W (V, D) on a diverging scale; the rows the sentence used are marked.

    Used rows have bold labels and an amber cell in a narrow marker column on the left (which
    shows `counts`, the times each row was looked up, when given); unused rows are exactly 0:
    white cells on the grey cell grid, each with a "0" written in it while cells are large.
    Shows the first `limit` rows and columns.
    """
    limit = _check_limit(limit)
    z = _head(grad, limit, ndim=2, what="grad")
    V, D = np.shape(grad)
    theme.check_count(vocab, V, what="vocab labels", per="row")
    marks = np.asarray(used, dtype=bool)
    if marks.shape != (V,):
        raise ValueError(f"used has shape {marks.shape} for {V} rows; pass one bool per row")
    times = None
    if counts is not None:
        times = np.asarray(counts)
        if times.shape != (V,):
            raise ValueError(f"counts has shape {times.shape} for {V} rows; pass one per row")
    v, d = min(V, limit), min(D, limit)
    marks = marks[:v]
    size = theme.font_size(presentation)
    plain = theme.row_labels(list(vocab)[:v])
    y = [f"<b>{text}</b>" if mark else text for text, mark in zip(plain, marks, strict=True)]
    limit_value = theme.symmetric_limit(z)
    marker_column = dict(
        type="heatmap",
        z=marks.astype(np.float32)[:, None],
        x0=0,
        dx=1,
        y=y,
        xaxis="x",
        yaxis="y",
        zmin=0.0,
        zmax=1.0,
        colorscale=_step_scale([UNUSED_COLOR, USED_COLOR]),
        showscale=False,
        xgap=1,
        ygap=1 if v <= GAP_CELLS else 0,
        hovertemplate="%{y}<br>"
        + theme.hover_line(used_name, "%{text}" if times is not None else "%{z:.0f}")
        + "<extra></extra>",
        hoverongaps=False,
    )
    if times is not None:
        marker_column["text"] = [[_id_text(c)] for c in times[:v]]
        if v <= GAP_CELLS:
            marker_column.update(texttemplate="%{text}", textfont={"size": size - 3})
    heatmap = dict(
        type="heatmap",
        z=z,
        x=np.arange(d, dtype=np.int32),
        y=y,
        xaxis="x2",
        yaxis="y",
        zmin=-limit_value,
        zmax=limit_value,
        zmid=0.0,
        colorscale=theme.DIVERGING_SCALE,
        colorbar=theme.colorbar(presentation=presentation),
        xgap=1 if d <= GAP_CELLS else 0,
        ygap=1 if v <= GAP_CELLS else 0,
        hovertemplate="%{y}<br>"
        + theme.hover_line(x_title, "%{x}")
        + "<br>"
        + theme.hover_line(value_name, "%{z:.4f}")
        + "<extra></extra>",
        hoverongaps=False,
    )
    if v <= GAP_CELLS and d <= GAP_CELLS:  # exact zeros say so: white is also "almost 0"
        heatmap.update(
            text=[["0" if cell == 0 else "" for cell in row] for row in z.tolist()],
            texttemplate="%{text}",
            textfont={"size": size - 3, "color": "#777777"},
        )
    column = min(0.08, (size * 2.2) / ASSUMED_WIDTH_PX)
    layout = theme.base_layout(
        title=title,
        height=theme.auto_height(v, presentation=presentation),
        presentation=presentation,
    )
    layout.update(
        # The gaps between cells show this grey, so a row of exact zeros is a row of white boxes.
        plot_bgcolor=theme.GRID_COLOR,
        xaxis=theme.axis(
            presentation=presentation,
            domain=[0.0, column],
            showticklabels=False,
            ticks="",
            range=[-0.5, 0.5],
            fixedrange=True,
        ),
        xaxis2=theme.axis(
            title=x_title,
            presentation=presentation,
            domain=[column + 0.01, 1.0],
            anchor="y",
            type="category",
            tickangle=0,
        ),
        yaxis=theme.axis(presentation=presentation, type="category", autorange="reversed"),
    )
    theme.fit_margins(
        layout,
        presentation=presentation,
        left=y,
        bottom=[str(max(d - 1, 0))],
        bottom_title=bool(x_title),
        right=theme.colorbar_room(
            theme.number_labels(-limit_value, limit_value), presentation=presentation
        ),
    )
    return theme.figure([marker_column, heatmap], layout=layout)
