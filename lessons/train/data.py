"""The train page's data: labelled sentences, a teacher's own file, and how rows are split.

Two shipped sets (data/README.md): `shipped("en")`, 2,979 English sentences whose `source`
column (amazon, then imdb, then yelp: the file is ordered by source) becomes `Dataset.groups`,
and `shipped("ko")`, 4,000 Korean NSMC movie reviews. Each is read once per process.

A teacher's own data goes through `parse_labelled`, which never raises on what a user can paste
or upload. It returns reason and problem codes, never sentences: the page translates them.

Accepted input
    Pasted text or uploaded bytes (UTF-8, with or without a byte-order mark), one example a
    line: `label<TAB>text`. A `.tsv`/`.tab` file may have more columns: the label is the first
    and the text the last (our shipped files read this way). A `.csv` file is read with the csv
    module, so quoted fields may hold commas, quotes and newlines. Without either extension
    (pasted text, `.txt`), the first non-blank line decides: a tab means TSV, else a comma means
    CSV, else TSV (and every line is then a `separator` bad row). Trailing empty columns, as a
    spreadsheet pads rows, are ignored. Lines end in `\\n`, `\\r\\n` or `\\r`; line numbers are
    1-based physical lines, as an editor counts them (a CSV record is reported at its first
    line).
Labels
    `0`/`1` (also `0.0`/`1.0`), `neg`/`pos`, `negative`/`positive`, `부정`/`긍정`; case and
    surrounding spaces ignored (full-width digits too: the field is NFKC-normalised).
Header
    If the first non-blank line's label field is not a label but a header word (`HEADER_WORDS`:
    label, sentiment, y, class, target, polarity, 라벨, 레이블, 감정, 감성, …) it is skipped
    silently and `Parsed.header` is True; any other unreadable first line is a bad row.
Text
    C0 control characters (NUL included) and DEL become spaces, whitespace runs collapse to
    one space, and the ends are stripped. Lone surrogates in a `str` become U+FFFD (a valid
    surrogate pair becomes its character). Emoji, markup, right-to-left text and C1
    characters (the English file has a cp1252 dash, \x97) are kept as they are: the page must
    never render them as HTML.

Limits (module constants)
    `MAX_BYTES` = 5,000,000: a larger input is refused before decoding (`size`).
    `MAX_ROWS` = 20,000 good rows: the first MAX_ROWS are kept and the rest dropped; the
    problem `rows` is then a *note*, not a refusal (the dataset is still returned), so a
    teacher's big file trains on its first 20,000 rows.
    `MIN_ROWS` = 20 good rows at least (`few`).
    `MAX_TEXT_CHARS` = 1,000 characters per text after cleaning; longer rows are bad (`long`).
    `MAX_BAD_SHOWN` = 50 bad rows are listed in `Parsed.bad`; `Parsed.bad_count` counts all.
    `BAD_TEXT_CHARS` = 80: a bad row's line is shown cut to this many characters (… included).

Bad-row reasons (`BadRow.reason`, the row is skipped)
    `separator`  no tab (TSV) or comma (CSV) on the line
    `label`      the label field is none of the accepted spellings
    `empty`      nothing left as text
    `long`       text longer than MAX_TEXT_CHARS (also a CSV field past the csv module's limit)

Problems (`Parsed.problem`, with numbers in `Parsed.problem_values`)
    `size`       refused; {"bytes": size of the input in UTF-8, "limit": MAX_BYTES}
    `encoding`   refused, bytes are not UTF-8; {"offset": first bad byte (0-based, in the
                 bytes as given), "line": its 1-based line, "guess": "utf-16", "cp949" or None
                 (a spreadsheet's "Unicode text" export, or a Korean Excel CSV)}
    `few`        refused; {"rows": good rows, "minimum": MIN_ROWS}
    `one_class`  refused; {"label": the only label (0 or 1), "rows": good rows kept}
    `rows`       a note, dataset kept; {"rows": good rows in the input, "kept": MAX_ROWS}
    At most one problem: size, encoding, few, one_class, rows in that order of precedence (if
    the first MAX_ROWS rows are all one class, `one_class` wins and its values add "total").

Splits, as a Keras user meets them (every random choice through `make_generator(seed, purpose)`)
    `test_split`        a seeded random test share, put aside first; the pool keeps file order
    `order_pool`        the pool in file order, sorted by label (the classic trap) or shuffled
    `validation_split`  Keras' `fit(validation_split=s)`: the *last* rows, before shuffling
    `heldout`           a seeded random validation set, as when passing `validation_data=`
All four take the same number of rows for the same share: n − ⌊n·(1 − share)⌋.

Pure Python, numpy and a torch generator: this module imports neither streamlit nor plotly.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from layers._core import make_generator

MAX_BYTES = 5_000_000
MAX_ROWS = 20_000
MIN_ROWS = 20
MAX_TEXT_CHARS = 1000
MAX_BAD_SHOWN = 50
BAD_TEXT_CHARS = 80

SHIPPED = ("en", "ko")
ORDERS = ("file", "sorted", "shuffled")
REASONS = ("separator", "label", "empty", "long")
PROBLEMS = ("size", "encoding", "few", "one_class", "rows")
REFUSALS = frozenset({"size", "encoding", "few", "one_class"})

LABELS = {
    "0": 0,
    "1": 1,
    "neg": 0,
    "pos": 1,
    "negative": 0,
    "positive": 1,
    "부정": 0,
    "긍정": 1,
}
HEADER_WORDS = frozenset(
    {"label", "labels", "sentiment", "y", "class", "target", "polarity"}
    | {"라벨", "레이블", "감정", "감성"}
)

DATA = Path(__file__).resolve().parents[2] / "data"
_HEADERS = {"en": ["label", "source", "text"], "ko": ["label", "movie_id", "text"]}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # C0 and DEL; C1 (e.g. \x97 in the en file) kept
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DECIMAL_LABEL = re.compile(r"[01]\.0*")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, eq=False)
class Dataset:
    """Labelled texts; labels are int64 0/1 of shape (N,), read-only; `digest` keys caches.

    `digest` is computed from the texts and labels (not the name), so the same rows uploaded
    as own data share a cache key with the shipped set; equality compares name, digest, groups.
    """

    name: str
    texts: tuple[str, ...]
    labels: np.ndarray
    groups: tuple[str, ...] | None = None
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        texts = tuple(self.texts)
        labels = np.array(self.labels, dtype=np.int64).reshape(-1)
        if len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels: give one label a text")
        if not np.isin(labels, (0, 1)).all():
            raise ValueError("labels must be 0 (negative) or 1 (positive)")
        groups = None if self.groups is None else tuple(self.groups)
        if groups is not None and len(groups) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(groups)} groups: give one per text")
        labels.flags.writeable = False
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "digest", _digest(texts, labels))

    def __len__(self) -> int:
        return len(self.texts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return (self.name, self.digest, self.groups) == (other.name, other.digest, other.groups)

    def __hash__(self) -> int:
        return hash((self.name, self.digest, self.groups))

    def counts(self) -> tuple[int, int]:
        """(negatives, positives)."""
        negatives, positives = np.bincount(self.labels, minlength=2)
        return int(negatives), int(positives)


@dataclass(frozen=True)
class BadRow:
    """A skipped row: its 1-based line, a reason code (REASONS) and the line cut to 80 chars."""

    line: int
    reason: str
    text: str


@dataclass(frozen=True)
class Parsed:
    """What `parse_labelled` made of an input; `dataset` is None when `problem` is a refusal."""

    dataset: Dataset | None
    bad: tuple[BadRow, ...] = ()
    problem: str | None = None
    problem_values: dict = field(default_factory=dict)
    bad_count: int = 0
    format: str | None = None  # "tsv" or "csv"; None when refused before reading rows
    header: bool = False


# Shipped sets


def shipped(name: str) -> Dataset:
    """The shipped sentiment set "en" or "ko", read once per process."""
    if not isinstance(name, str) or name not in SHIPPED:
        raise ValueError(
            f"there is no shipped data set {name!r}: choose 'en' (English sentences) "
            "or 'ko' (Korean movie reviews)"
        )
    return _read_shipped(name)


@functools.lru_cache(maxsize=len(SHIPPED))
def _read_shipped(name: str) -> Dataset:
    path = DATA / f"sentiment-{name}.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = lines[0].rstrip("\r").split("\t")
    if header != _HEADERS[name]:
        raise ValueError(f"{path.name} should start with the header {_HEADERS[name]}, not {header}")
    labels, groups, texts = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.rstrip("\r").split("\t", 2)  # label, source or movie_id, text
        if len(parts) != 3 or parts[0] not in ("0", "1"):
            raise ValueError(f"{path.name} line {number} is not label<TAB>{header[1]}<TAB>text")
        labels.append(int(parts[0]))
        groups.append(parts[1])
        texts.append(parts[2])
    return Dataset(name, tuple(texts), np.array(labels), tuple(groups) if name == "en" else None)


# A teacher's own data


def parse_labelled(raw: str | bytes | None, *, filename: str | None = None) -> Parsed:
    """Read pasted text or an uploaded file's bytes; never raises on their content.

    None reads as empty input; a type other than str or bytes-like is a programming error
    (TypeError). See the module docstring for formats, reason codes and problem codes.
    """
    if raw is None:
        raw = ""
    if isinstance(raw, bytes | bytearray | memoryview):
        data = bytes(raw)
        if len(data) > MAX_BYTES:
            return Parsed(None, problem="size", problem_values=_size(len(data)))
        text, failure = _decode(data)
        if failure is not None:
            return Parsed(None, problem="encoding", problem_values=failure)
    elif isinstance(raw, str):
        size = len(raw.encode("utf-8", "surrogatepass"))
        if size > MAX_BYTES:
            return Parsed(None, problem="size", problem_values=_size(size))
        text = raw
        if _SURROGATE.search(text):
            # Pairs become their character; lone halves become U+FFFD.
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        text = text.removeprefix("\ufeff")
    else:
        raise TypeError(f"parse_labelled reads str or bytes, not {type(raw).__name__}")
    return _parse(text, _format(text, filename))


def _size(size: int) -> dict:
    return {"bytes": size, "limit": MAX_BYTES}


def _decode(data: bytes) -> tuple[str, dict | None]:
    """UTF-8 text without its BOM, or the place and a likely cause of the first bad byte."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[start:].decode("utf-8"), None
    except UnicodeDecodeError as error:
        offset = start + error.start
    guess = None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        guess = "utf-16"
    else:
        try:
            guess = "cp949" if _HANGUL.search(data.decode("cp949")) else None
        except UnicodeDecodeError:
            guess = None
    line = len(_LINE_BREAK.findall(data[:offset].decode("latin-1"))) + 1
    return "", {"offset": offset, "line": line, "guess": guess}


def _format(text: str, filename: str | None) -> str:
    suffix = os.path.splitext(filename)[1].lower() if isinstance(filename, str) else ""
    if suffix in (".tsv", ".tab"):
        return "tsv"
    if suffix == ".csv":
        return "csv"
    for line in _iter_lines(text):
        if line.strip():
            if "\t" in line:
                return "tsv"
            return "csv" if "," in line else "tsv"
    return "tsv"


def _iter_lines(text: str) -> Iterator[str]:
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


def _records(text: str, lines: list[str], fmt: str) -> Iterator[tuple[int, list[str] | None]]:
    """(first line, fields) per record; fields None when the csv module gave up on it."""
    if fmt == "tsv":
        for number, line in enumerate(lines, start=1):
            yield number, line.split("\t")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    done = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a field past the csv module's size limit (131,072 characters)
            fields = None
        yield done + 1, fields
        done = reader.line_num


def _label(value: str) -> int | None:
    key = unicodedata.normalize("NFKC", value).strip().strip("\"'").strip().casefold()
    if key in LABELS:
        return LABELS[key]
    if _DECIMAL_LABEL.fullmatch(key):
        return int(key[0])
    return None


def _is_header_word(value: str) -> bool:
    key = unicodedata.normalize("NFKC", value).strip().strip("\"'").strip().casefold()
    return key in HEADER_WORDS


def clean_text(text: str) -> str:
    """C0 controls and DEL to spaces, whitespace collapsed, ends stripped."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _shown(line: str) -> str:
    line = clean_text(line)
    if len(line) <= BAD_TEXT_CHARS:
        return line
    return line[: BAD_TEXT_CHARS - 1] + "…"


def _parse(text: str, fmt: str) -> Parsed:
    lines = list(_iter_lines(text))
    texts: list[str] = []
    labels: list[int] = []
    good = 0
    bad: list[BadRow] = []
    bad_count = 0
    header = False
    first = True

    def reject(number: int, reason: str) -> None:
        nonlocal bad_count
        bad_count += 1
        if len(bad) < MAX_BAD_SHOWN:
            shown = lines[number - 1] if 0 < number <= len(lines) else ""
            bad.append(BadRow(number, reason, _shown(shown)))

    for number, fields in _records(text, lines, fmt):
        if fields is None:
            first = False
            reject(number, "long")
            continue
        if not any(f.strip() for f in fields):
            continue  # a blank line, or a spreadsheet's empty row of separators
        was_first, first = first, False
        label = _label(fields[0])
        if label is None and was_first and _is_header_word(fields[0]):
            header = True
            continue
        if len(fields) < 2:
            reject(number, "separator")
            continue
        if label is None:
            reject(number, "label")
            continue
        body = fields[1:]
        while body and not body[-1].strip():
            body.pop()
        sentence = clean_text(body[-1]) if body else ""
        if not sentence:
            reject(number, "empty")
            continue
        if len(sentence) > MAX_TEXT_CHARS:
            reject(number, "long")
            continue
        good += 1
        if good <= MAX_ROWS:
            texts.append(sentence)
            labels.append(label)

    shown = tuple(bad)
    if good < MIN_ROWS:
        values = {"rows": good, "minimum": MIN_ROWS}
        return Parsed(None, shown, "few", values, bad_count, fmt, header)
    kept = np.array(labels, dtype=np.int64)
    if (kept == kept[0]).all():
        values = {"label": int(kept[0]), "rows": len(kept)}
        if good > MAX_ROWS:
            values["total"] = good
        return Parsed(None, shown, "one_class", values, bad_count, fmt, header)
    dataset = Dataset("own", tuple(texts), kept)
    if good > MAX_ROWS:
        values = {"rows": good, "kept": MAX_ROWS}
        return Parsed(dataset, shown, "rows", values, bad_count, fmt, header)
    return Parsed(dataset, shown, None, {}, bad_count, fmt, header)


def _digest(texts: tuple[str, ...], labels: np.ndarray) -> str:
    """sha256 of the labels and the length-prefixed UTF-8 texts: the same in every process."""
    h = hashlib.sha256()
    h.update(b"labels:%d:" % len(labels))
    h.update(labels.astype("<i8").tobytes())
    for text in texts:
        encoded = text.encode("utf-8", "surrogatepass")
        h.update(b"%d:" % len(encoded))
        h.update(encoded)
    return h.hexdigest()


# Splits


def _share(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(f"{what} must be a fraction between 0 and 1 (e.g. 0.2), got {value!r}")
    return float(value)


def _split_at(n: int, share: float, what: str) -> int:
    """Keras' rule: the first ⌊n·(1 − share)⌋ rows train; both parts must hold a row."""
    split_at = math.floor(n * (1.0 - share))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"{n} rows cannot be split with {what}={share}: one part would be empty. "
            "Use more rows or a share nearer 0.5."
        )
    return split_at


def test_split(n: int, seed: int, share: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """(pool, test): a seeded random `share` of the rows for the test; both in file order."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"a test split needs at least 2 rows, got {n!r}")
    n = int(n)
    split_at = _split_at(n, _share(share, "the test share"), "the test share")
    order = torch.randperm(n, generator=make_generator(seed, "train-test-split")).numpy()
    pool = np.sort(order[:split_at]).astype(np.int64)
    test = np.sort(order[split_at:]).astype(np.int64)
    return pool, test


# Not a pytest test, although the name says so.
test_split.__test__ = False


def order_pool(pool: np.ndarray, labels: np.ndarray, order: str, seed: int) -> np.ndarray:
    """The pool in file order, sorted by label (stable: negatives, then positives) or shuffled."""
    pool = np.asarray(pool, dtype=np.int64)
    if order == "file":
        return pool.copy()
    if order == "sorted":
        return pool[np.argsort(np.asarray(labels)[pool], kind="stable")]
    if order == "shuffled":
        permutation = torch.randperm(len(pool), generator=make_generator(seed, "train-pool-order"))
        return pool[permutation.numpy()]
    raise ValueError(f"unknown order {order!r}: choose 'file', 'sorted' or 'shuffled'")


def validation_split(pool: np.ndarray, split: float) -> tuple[np.ndarray, np.ndarray]:
    """Keras 3's `validation_split`: (train, validation) with validation the pool's last rows."""
    pool = np.asarray(pool, dtype=np.int64)
    split_at = _split_at(len(pool), _share(split, "validation_split"), "validation_split")
    return pool[:split_at], pool[split_at:]


def heldout(pool: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation): a seeded random validation set of Keras' size; both keep pool order."""
    pool = np.asarray(pool, dtype=np.int64)
    n = len(pool)
    split_at = _split_at(n, _share(share, "the validation share"), "the validation share")
    picked = torch.randperm(n, generator=make_generator(seed, "train-heldout")).numpy()
    in_validation = np.zeros(n, dtype=bool)
    in_validation[picked[split_at:]] = True
    return pool[~in_validation], pool[in_validation]


# What the page shows about the data


def peek(dataset: Dataset, per_class: int = 3, seed: int = 0) -> dict[int, list[str]]:
    """A few texts of each class ({0: [...], 1: [...]}), seeded, shortest first."""
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 0:
        raise ValueError(f"per_class must be a whole number ≥ 0, got {per_class!r}")
    generator = make_generator(seed, "train-peek")
    examples = {}
    for label in (0, 1):
        rows = np.flatnonzero(dataset.labels == label)
        chosen = rows[torch.randperm(len(rows), generator=generator).numpy()[:per_class]]
        chosen = sorted(chosen, key=lambda i: (len(dataset.texts[i]), i))
        examples[label] = [dataset.texts[i] for i in chosen]
    return examples


def part_counts(dataset: Dataset, parts: dict[str, np.ndarray]) -> np.ndarray:
    """(negatives, positives) per part, int64 of shape (len(parts), 2), in the dict's order."""
    counts = np.zeros((len(parts), 2), dtype=np.int64)
    for row, indices in enumerate(parts.values()):
        indices = np.asarray(indices, dtype=np.int64)
        counts[row] = np.bincount(dataset.labels[indices], minlength=2)
    return counts


def group_counts(dataset: Dataset, parts: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Groups in file order and rows per (part, group), int64 (len(parts), groups).

    A data set without groups gives ([], an array with no columns).
    """
    if dataset.groups is None:
        return [], np.zeros((len(parts), 0), dtype=np.int64)
    names = list(dict.fromkeys(dataset.groups))
    code = {name: i for i, name in enumerate(names)}
    codes = np.array([code[g] for g in dataset.groups], dtype=np.int64)
    counts = np.zeros((len(parts), len(names)), dtype=np.int64)
    for row, indices in enumerate(parts.values()):
        indices = np.asarray(indices, dtype=np.int64)
        counts[row] = np.bincount(codes[indices], minlength=len(names))
    return names, counts
