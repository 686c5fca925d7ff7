"""Kiwi, the Korean morphological analyzer: loaded once per process, shared by every page.

The Text page splits Korean sentences into morphemes with it and the Train page splits its
Korean reviews before the Tokenizer. Kiwi with its model is about 500 MB resident and takes ~2 s
to load, so it loads lazily, on first use, under a lock: thirty sessions asking at once share
one load, and a process that never shows Korean morphemes never loads it (DESIGN.md §9).

Pure Python: no streamlit.
"""

from __future__ import annotations

import re
import threading
from typing import Any

# Kiwi analyses about 200,000 characters a second here: 2,000 cost ~10 ms.
KIWI_MAX_CHARS = 2000

_kiwi: Any = None
_kiwi_lock = threading.Lock()


def _load_kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError as error:
        raise ImportError(
            "Korean morphemes need the packages kiwipiepy and kiwipiepy-model: "
            "pip install -r requirements.txt"
        ) from error
    analyzer = Kiwi()
    # Kiwi reads most of its model on the first analysis (~1.3 s, ~220 MB): do it here, under
    # the lock, rather than in whichever session asks first.
    analyzer.tokenize("고양이가 좋다")
    analyzer.morpheme_similarity(("고양이", "NNG"), ("개", "NNG"))
    return analyzer


def kiwi() -> Any:
    """The Kiwi analyzer (kiwipiepy.Kiwi), loaded once per process on first use (~2 s, ~490 MB)."""
    global _kiwi
    loaded = _kiwi
    if loaded is None:
        with _kiwi_lock:
            if _kiwi is None:
                _kiwi = _load_kiwi()
            loaded = _kiwi
    return loaded


def kiwi_loaded() -> bool:
    """Whether this process has loaded Kiwi yet (never loads it)."""
    return _kiwi is not None


_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _kiwi_text(text: object) -> str:
    """The part of a text Kiwi analyses: the first KIWI_MAX_CHARS characters; '' if not text.

    A lone surrogate (a half emoji from a broken paste) becomes U+FFFD, one for one, so the
    offsets still point into the original text: Kiwi cannot decode its own output otherwise.
    """
    if not isinstance(text, str):
        return ""
    return _SURROGATES.sub("\ufffd", text[:KIWI_MAX_CHARS])


def split(texts: list[str]) -> list[str]:
    """Each text as its morphemes' forms joined by spaces (고양이가 → 고양이 가), many at once."""
    cleaned = [_kiwi_text(text) for text in texts]
    if not any(text.strip() for text in cleaned):
        return ["" for _ in texts]
    analyses = kiwi().tokenize(cleaned)  # a list: Kiwi analyses it on its own worker threads
    return [" ".join(token.form for token in tokens) for tokens in analyses]
