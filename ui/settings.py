"""The shared settings of a lesson, and their round trip through the address bar.

Every shared setting has a public URL name (README "Lesson links"). Parsing never raises: a
missing value takes its default; a bad one (garbage, NaN, out of range, an unknown block, a
head count that does not divide the width) takes its default and leaves a `Notice` that the
page shows in one line. `to_query` writes only what differs from the defaults, so a link stays
short and a language switch can still change the default sentence.

`hide` is a teacher's choice rather than a value: it names the controls a lesson does not need
(`hide=d,heads,units`, like TensorFlow Playground's `*_hide` flags). Those controls are not drawn,
while their settings still come from the link and still drive the page (`ui/state.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import reduce

from layers.stack import MAX_BLOCKS, attention_widths, parse_stack

LANGS = ("en", "ko")
DEFAULT_TEXT = {
    "en": "The cat sat on the mat because it was tired",
    "ko": "고양이가 피곤해서 매트 위에 앉았다",
}
# The Text & embedding page's "new sentence", encoded with the tokenizer fitted on the text.
DEFAULT_NEW = {
    "en": "The dog sat on the big mat",
    "ko": "강아지가 매트 위에 앉았다",
}
DEFAULT_STACK = ("embed", "lstm", "layernorm", "dropout", "attention")
WIDTHS = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
EPS_CHOICES = (0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
# The Train page's sentence to classify with the trained model.
DEFAULT_REVIEW = {
    "en": "The food was great and the staff were friendly",
    "ko": "배우들 연기가 정말 좋았고 이야기도 재미있었다",
}
# The Attention & Transformer page's two sentences for the encoder and the decoder: a Korean
# sentence and its English translation, as in the issue that asked for the page.
DEFAULT_SOURCE = "고양이가 매트 위에 앉았다"
DEFAULT_TARGET = "the cat sat on the mat"
MAX_TEXT_IN_LINK = 2000  # characters; longer text stays in the box but not in the link
# Short text settings (the new sentence, the OOV token, typed sequences, words to look up): a
# longer value from a link is cut to this many characters, with a notice.
MAX_SHORT_TEXT = {
    "new": 2000,
    "oov": 40,
    "seqs": 4000,
    "word": 80,
    "analogy": 200,
    "fit_oov": 40,
    "review": 2000,
    "source": 2000,
    "target": 2000,
}
# Per-language defaults of text settings: a language switch moves a value left at the old default.
LANG_DEFAULTS = {"text": DEFAULT_TEXT, "new": DEFAULT_NEW, "review": DEFAULT_REVIEW}
# A page's own names in its links. On the Train page `num_words`, `maxlen`, `d`, `units`, `oov`,
# `batch` and `clipnorm` are the model's, with the tutorial's defaults (num_words 10000, D 32,
# U 32, batch_size 32), while elsewhere the same names belong to the text page, the Follow page,
# the lab's batch and the gradients page. Only the page's own value is in its link.
SCOPES = {
    "train": {
        "num_words": "fit_words",
        "maxlen": "fit_maxlen",
        "d": "fit_d",
        "units": "fit_units",
        "oov": "fit_oov",
        "batch": "fit_batch",
        "clipnorm": "fit_clipnorm",
    },
    # The Attention & Transformer page: its own width and heads (heads must divide its D, not the
    # width the Follow page's stack hands its attention), its part, and the explained cell.
    "attention": {
        "part": "att_part",
        "step": "att_step",
        "d": "att_d",
        "heads": "att_heads",
        "query": "qi",
        "key": "kj",
    },
    # The Recurrent layers page: its own cell (the Train page's `cell` is its model's), width,
    # units, part and time step.
    "recurrent": {
        "part": "rnn_part",
        "cell": "rnn_cell",
        "d": "rnn_d",
        "units": "rnn_units",
        "t": "rnn_t",
    },
}

# Ranges a value must fall in; a value outside takes the default (with a notice).
LIMITS = {
    "seed": (0, 2**31 - 1),
    "d": (1, 512),
    "heads": (1, 64),
    "units": (1, 512),
    "p": (0.0, 0.9),
    "gamma": (-5.0, 5.0),
    "beta": (-5.0, 5.0),
    "eps": (0.0, 1.0),
    "token": (0, 511),
    "scale": (0.1, 10.0),
    "shift": (-10.0, 10.0),
    "groups": (1, 512),
    "momentum": (0.01, 1.0),
    "num_words": (0, 100_000),
    "maxlen": (0, 512),
    "value": (-1, 999),
    "depth": (2, 50),
    "width": (8, 256),
    "gain": (0.1, 4.0),
    "clipnorm": (0.01, 100.0),
    "clipvalue": (0.001, 100.0),
    "fit_words": (2, 20_000),
    "fit_maxlen": (1, 200),
    "fit_d": (1, 128),
    "fit_units": (1, 128),
    "lr": (1e-5, 1.0),
    "fit_clipnorm": (0.0, 100.0),
    "epochs": (1, 50),
    "fit_batch": (1, 1024),
    "split": (0.05, 0.5),
    "att_d": (1, 512),
    "att_heads": (1, 64),
    "head": (1, 64),
    "qi": (0, 511),
    "kj": (0, 511),
    "line": (1, 64),
    "rnn_d": (1, 512),
    "rnn_units": (1, 512),
    "rnn_t": (1, 512),
    "unit": (1, 512),
}
# Settings that take one of a few words.
CHOICES = {
    "lang": LANGS,
    "section": ("layernorm", "compare", "dropout", "residual"),
    "row": ("token", "example", "flat"),
    "sublayer": ("ffn", "attention", "wider"),
    "batch": ("text", "image"),
    "part": ("tokenizer", "korean", "padding", "onehot", "learned", "similarity"),
    "padding": ("pre", "post"),
    "truncating": ("pre", "post"),
    "view": ("depth", "time", "clip"),
    "act": ("sigmoid", "tanh", "relu", "leaky_relu"),
    "init": (
        "zeros",
        "small",
        "normal",
        "glorot_uniform",
        "glorot_normal",
        "he_normal",
        "he_uniform",
        "torch",
        "keras",
    ),
    "leak": ("torch", "keras"),
    "rinit": ("orthogonal", "uniform"),
    "data": ("en", "ko", "own"),
    "cell": ("simplernn", "lstm", "gru"),
    "optimizer": ("rmsprop", "adam", "sgd"),
    "val": ("split", "data"),
    "order": ("file", "sorted", "shuffled"),
    "step": ("data", "prep", "build", "fit", "eval", "save"),
    "att_part": ("steps", "heads", "explain", "positions", "transformer"),
    "att_step": ("x", "qkv", "scores", "mask", "softmax", "values", "concat", "output", "all"),
    "rnn_part": ("step", "sequences", "bidirectional", "weights", "shapes"),
    "rnn_cell": ("simplernn", "lstm", "gru"),
}
MAX_PER_FEATURE = 512  # values in a per-feature γ or β list


@dataclass(frozen=True)
class Settings:
    text: str = DEFAULT_TEXT["en"]
    lang: str = "en"
    seed: int = 0
    d: int = 16
    heads: int = 4
    units: int = 16
    p: float = 0.2
    train: bool = True
    gamma: float = 1.0
    beta: float = 0.0
    eps: float = 1e-5
    causal: bool = False
    stack: tuple[str, ...] = DEFAULT_STACK
    present: bool = False
    # The normalization and dropout lab
    section: str = "layernorm"  # which part of the lab is open
    token: int = 0  # the token followed step by step
    row: str = "token"  # LayerNorm's input: a token, the tutorial's [1, 2, 3], a flat row
    scale: float = 1.0  # the token vectors are multiplied by this …
    shift: float = 0.0  # … and shifted by this, to show what LayerNorm removes
    groups: int = 4  # GroupNorm's groups; must divide D
    momentum: float = 0.1  # BatchNorm's running-average momentum
    gammas: tuple[float, ...] = ()  # per-feature γ (empty: the γ slider for every feature)
    betas: tuple[float, ...] = ()  # per-feature β
    sublayer: str = "ffn"  # what Add & Norm wraps in the residual section
    batch: str = "text"  # the four norms on the text batch (B, T, D) or an image batch (B, C, H, W)
    # The Text & embedding page
    part: str = "tokenizer"  # which part of the page is open
    num_words: int = 0  # Keras' num_words; 0 is None (keep every word)
    oov: str = ""  # Keras' oov_token; empty is None
    new: str = DEFAULT_NEW["en"]  # a new sentence, encoded with the fitted tokenizer
    maxlen: int = 8  # pad_sequences' maxlen; 0 is None (the longest sequence)
    padding: str = "pre"
    truncating: str = "pre"
    value: int = 0  # the padding value
    seqs: str = ""  # sequences typed as "1 2 3; 3 4 5 6"; empty: the text's own
    word: str = ""  # the word whose nearest neighbours are shown; empty: the sentence's first
    analogy: str = "king - man + woman"
    # The Gradients & initialization page
    view: str = "depth"  # which part is open: through depth, through time, clipping
    depth: int = 10  # dense layers in the stack
    width: int = 64  # units per dense layer
    act: str = "sigmoid"  # the stack's activation
    init: str = "glorot_uniform"  # the stack's weight initialization
    bn: bool = False  # BatchNorm after each dense layer (before the activation)
    leak: str = "torch"  # whose Leaky ReLU slope: PyTorch's 0.01 or Keras' 0.3
    rinit: str = "orthogonal"  # recurrent weights: Keras' orthogonal or PyTorch's uniform ±1/√U
    gain: float = 1.0  # the recurrent weights are multiplied by this
    clipnorm: float = (
        1.0  # the norm clipping threshold (Keras clipnorm / global_clipnorm, max_norm)
    )
    clipvalue: float = 0.5  # Keras clipvalue: every gradient entry clipped to ±this
    # The Train page (its link names for the fit_* settings are in SCOPES["train"])
    step: str = "data"  # which step of the Keras workflow is open
    data: str = ""  # "en", "ko" or "own" (the teacher's lines); empty: the page's language
    order: str = "file"  # the pool before validation_split: file order, by label, shuffled
    morph: bool = False  # Korean split into morphemes with Kiwi instead of at spaces
    fit_words: int = 10_000  # Tokenizer's num_words, which is Embedding's V
    fit_oov: str = "<OOV>"  # Tokenizer's oov_token; empty is None (unknown words dropped)
    fit_maxlen: int = 40  # pad_sequences' maxlen
    fit_d: int = 32  # Embedding's output_dim
    fit_units: int = 32  # the recurrent layer's units
    cell: str = "simplernn"
    optimizer: str = "rmsprop"
    lr: float = 0.001  # learning_rate
    fit_clipnorm: float = 0.0  # the optimizer's clipnorm; 0 is off
    epochs: int = 10
    fit_batch: int = 32  # batch_size
    split: float = 0.2  # validation_split, or the held-out share with val="data"
    val: str = "split"  # validation_split from the end, or a held-out validation_data
    review: str = DEFAULT_REVIEW["en"]  # a sentence for model.predict
    # The Attention & Transformer page (link names in SCOPES["attention"]: part, d, heads, …)
    att_part: str = "steps"  # which part is open
    att_step: str = "x"  # the step shown in "step by step" ("all": every step down the page)
    att_d: int = 16  # the model width D
    att_heads: int = 4  # H; must divide att_d
    scaled: bool = True  # scores divided by √Dh
    pe: bool = True  # sinusoidal positional encoding added to the token embeddings
    shuffle: bool = False  # the positions part: the same words in a seeded random order
    head: int = 1  # the head looked at, 1..H
    qi: int = 0  # the explained cell: query token (its index on the axes) …
    kj: int = 0  # … and key token
    line: int = 1  # the sentence shown when the text has several lines (1..B)
    source: str = DEFAULT_SOURCE  # the encoder's sentence(s)
    target: str = DEFAULT_TARGET  # the decoder's sentence(s), one per source line
    # The Recurrent layers page (link names in SCOPES["recurrent"]: part, cell, d, units, t)
    rnn_part: str = "step"  # which part is open
    rnn_cell: str = "lstm"  # the cell stepped through: simplernn, lstm, gru
    rnn_d: int = 8  # the token vectors' width D (the layer's input size)
    rnn_units: int = 8  # the layer's units U
    rnn_t: int = 1  # the time step on the scrubber, 1..T
    unit: int = 1  # the unit whose equations are written out with numbers, 1..U
    punct: bool = False  # Tokenizer(filters=""): punctuation typed apart ("it ?") is a word
    reset_after: bool = True  # Keras GRU's reset_after (PyTorch's GRU is reset_after=True)
    # Controls the lesson link hides (`hide=d,heads`): not drawn, their settings still apply
    hide: tuple[str, ...] = ()

    def with_lang(self, lang: str) -> Settings:
        """Switch language; a sentence left at the old default becomes the new default."""
        moved = {
            name: defaults[lang]
            for name, defaults in LANG_DEFAULTS.items()
            if getattr(self, name) == defaults[self.lang]
        }
        return replace(self, lang=lang, **moved)


@dataclass(frozen=True)
class Notice:
    """A URL value that was not used: which name, what it said, and why."""

    name: str
    value: str
    reason: str  # message key suffix: invalid, range, heads, groups, stack, repeated, unknown, hide


DEFAULTS = Settings()
BOOLS = {
    "train",
    "causal",
    "present",
    "bn",
    "morph",
    "scaled",
    "pe",
    "shuffle",
    "punct",
    "reset_after",
}
INTS = {
    "seed",
    "d",
    "heads",
    "units",
    "token",
    "groups",
    "num_words",
    "maxlen",
    "value",
    "depth",
    "width",
    "fit_words",
    "fit_maxlen",
    "fit_d",
    "fit_units",
    "epochs",
    "fit_batch",
    "att_d",
    "att_heads",
    "head",
    "qi",
    "kj",
    "line",
    "rnn_d",
    "rnn_units",
    "rnn_t",
    "unit",
}
STRS = set(MAX_SHORT_TEXT)
FLOATS = {
    "p",
    "gamma",
    "beta",
    "eps",
    "scale",
    "shift",
    "momentum",
    "gain",
    "clipnorm",
    "clipvalue",
    "lr",
    "fit_clipnorm",
    "split",
}
LISTS = {"gammas", "betas"}
KNOWN = {f.name for f in fields(Settings)}
# What `hide` accepts, in the order a link lists them: every setting by its URL name (each has a
# control; `stack` is the whole stack editor, `gammas`/`betas` the per-feature boxes), and `code`
# for the "show the code" panels.
HIDEABLE = (*(f.name for f in fields(Settings) if f.name != "hide"), "code")


def parse_hide(raw: str | list[str], scope: str = "") -> tuple[tuple[str, ...], list[str]]:
    """The controls a `hide` value names (any case, separated by commas or spaces; a repeated
    `hide` adds up), in HIDEABLE's order, and the names it does not know, in their own order.
    A page's own link names (SCOPES) stand for its settings."""
    aliases = SCOPES.get(scope, {})
    pieces = raw if isinstance(raw, list) else [raw]
    named = [word.lower() for piece in pieces for word in re.split(r"[\s,;]+", piece) if word]
    named = [aliases.get(word, word) for word in named]
    known = set(named) & set(HIDEABLE)
    unknown = list(dict.fromkeys(word for word in named if word not in known))
    return tuple(name for name in HIDEABLE if name in known), unknown


def heads_width(settings: Settings) -> int:
    """The width heads must divide: the greatest common divisor of every attention block's
    input width (an LSTM before attention makes it U wide), or D when there is none."""
    widths = attention_widths(parse_stack(settings.stack), settings.d, settings.units)
    return reduce(math.gcd, widths) if widths else settings.d


def head_options(width: int) -> list[int]:
    """Head counts that split the width evenly, at most 16 (more are unreadable)."""
    return [h for h in range(1, min(width, 16) + 1) if width % h == 0]


def _largest_divisor_up_to(width: int, wanted: int) -> int:
    return max(k for k in range(1, min(width, wanted) + 1) if width % k == 0)


def fit_divisors(settings: Settings) -> Settings:
    """The same settings with heads that divide the attention width and groups that divide D
    (and the attention page's heads that divide its D, its head one of them; the recurrent
    page's unit one of its U)."""
    width = heads_width(settings)
    if width % settings.heads:
        settings = replace(settings, heads=_largest_divisor_up_to(width, settings.heads))
    if settings.d % settings.groups:
        settings = replace(settings, groups=_largest_divisor_up_to(settings.d, settings.groups))
    if settings.att_d % settings.att_heads:
        settings = replace(
            settings, att_heads=_largest_divisor_up_to(settings.att_d, settings.att_heads)
        )
    if settings.head > settings.att_heads:
        settings = replace(settings, head=settings.att_heads)
    if settings.unit > settings.rnn_units:
        settings = replace(settings, unit=settings.rnn_units)
    return settings


def _number(raw: str, kind: type) -> int | float | None:
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    if kind is int:
        return int(value) if value.is_integer() else None
    return value


def parse_query(
    query: Mapping[str, str | list[str]], scope: str = ""
) -> tuple[Settings, list[Notice]]:
    """Settings from URL parameters (values as st.query_params gives them), plus notices.

    `scope` is the page the link opens: its own link names (SCOPES) name its own settings.
    """
    aliases = SCOPES.get(scope, {})
    link_name = {field: name for name, field in aliases.items()}
    query = {aliases.get(name, name): value for name, value in query.items()}
    values: dict = {}
    notices: list[Notice] = []

    def raw_value(name: str) -> str | None:
        raw = query.get(name)
        if isinstance(raw, list):  # a repeated key: the last one wins, as in Streamlit
            if len(set(raw)) > 1:
                notices.append(Notice(name, " | ".join(raw)[:80], "repeated"))
            raw = raw[-1] if raw else None
        return raw

    for name, allowed in CHOICES.items():
        raw = raw_value(name)
        if raw is None:
            continue
        if raw in allowed:
            values[name] = raw
        else:
            notices.append(Notice(name, raw[:80], "invalid"))
    lang = values.get("lang", DEFAULTS.lang)

    for name, defaults in LANG_DEFAULTS.items():
        raw = raw_value(name)
        values[name] = defaults[lang] if raw is None else raw

    for name, limit in MAX_SHORT_TEXT.items():
        raw = values.get(name) if name in LANG_DEFAULTS else raw_value(name)
        if raw is None:
            continue
        if len(raw) > limit:
            notices.append(Notice(name, raw[:80], "long"))
            raw = raw[:limit]
        values[name] = raw

    for name in INTS | FLOATS:
        raw = raw_value(name)
        if raw is None:
            continue
        number = _number(raw, int if name in INTS else float)
        low, high = LIMITS[name]
        if number is None:
            notices.append(Notice(name, raw[:80], "invalid"))
        elif not low <= number <= high:
            notices.append(Notice(name, raw[:80], "range"))
        else:
            values[name] = number

    for name in LISTS:
        raw = raw_value(name)
        if raw is None:
            continue
        numbers = parse_numbers(raw)
        if numbers is None:
            notices.append(Notice(name, raw[:80], "invalid"))
        else:
            values[name] = numbers

    for name in BOOLS:
        raw = raw_value(name)
        if raw is None:
            continue
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            values[name] = True
        elif raw.strip().lower() in ("0", "false", "no", "off"):
            values[name] = False
        else:
            notices.append(Notice(name, raw[:80], "invalid"))

    raw = query.get("hide")  # not through raw_value: several `hide`s add up
    if raw is not None:
        values["hide"], unknown = parse_hide(raw, scope)
        if unknown:
            notices.append(Notice("hide", ", ".join(unknown)[:80], "hide"))

    for name in query:
        if name not in KNOWN:
            raw = query[name]
            shown = " | ".join(raw) if isinstance(raw, list) else raw
            notices.append(Notice(name[:40], shown[:80], "unknown"))

    raw = raw_value("stack")
    if raw is not None:
        try:
            specs = parse_stack(raw)
            if not specs or len(specs) > MAX_BLOCKS:
                raise ValueError("empty or too long")
            values["stack"] = tuple(spec.name for spec in specs)
        except ValueError:
            notices.append(Notice("stack", raw[:80], "stack"))

    settings = replace(DEFAULTS, **values)
    fitted = fit_divisors(settings)
    if fitted.heads != settings.heads:
        notices.append(Notice("heads", str(settings.heads), "heads"))
    if fitted.groups != settings.groups:
        notices.append(Notice("groups", str(settings.groups), "groups"))
    if fitted.att_heads != settings.att_heads:
        notices.append(Notice("att_heads", str(settings.att_heads), "heads"))
    if fitted.head != settings.head:
        notices.append(Notice("head", str(settings.head), "head"))
    if fitted.unit != settings.unit:
        notices.append(Notice("unit", str(settings.unit), "unit"))
    notices = [replace(n, name=link_name.get(n.name, n.name)) for n in notices]
    return fitted, notices


def parse_numbers(text: str) -> tuple[float, ...] | None:
    """'1, 2.5, -1' -> (1.0, 2.5, -1.0); None if any piece is not a finite number in range."""
    pieces = [piece.strip() for piece in text.replace(";", ",").split(",") if piece.strip()]
    if len(pieces) > MAX_PER_FEATURE:
        return None
    low, high = LIMITS["gamma"]
    numbers = []
    for piece in pieces:
        number = _number(piece, float)
        if number is None or not low <= number <= high:
            return None
        numbers.append(number)
    return tuple(numbers)


def _format(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(_format(item) for item in value)
    return str(value)


def to_query(settings: Settings, scope: str = "") -> dict[str, str]:
    """The URL parameters of these settings: only those that differ from the defaults.

    On a page with its own link names (SCOPES), its settings take those names, and the other
    pages' settings of the same names stay out of its link.
    """
    aliases = SCOPES.get(scope, {})
    if aliases:
        hide = tuple(
            next((name for name, f in aliases.items() if f == h), h)
            for h in settings.hide
            if h not in aliases
        )
        settings = replace(settings, hide=hide)
    query = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        default = LANG_DEFAULTS.get(f.name, {}).get(settings.lang)
        if default is None:
            default = getattr(DEFAULTS, f.name)
        if value == default:
            continue
        if f.name == "text" and len(value) > MAX_TEXT_IN_LINK:
            continue
        query[f.name] = _format(value)
    for name, field in aliases.items():
        query.pop(name, None)  # another page's setting of that name
        if field in query:
            query[name] = query.pop(field)
    return query
