"""Translations: every visible string comes from `t("key", **values)` over locales/{en,ko}.json."""

from __future__ import annotations

import json
import string
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGS = ("en", "ko")

# The language of the script run on this thread. Every run (and fragment rerun) has a fresh
# thread, hence a fresh context: a value set here never leaks into another session.
_LANG: ContextVar[str | None] = ContextVar("layerscope_lang", default=None)


@cache
def catalog(lang: str) -> dict[str, str]:
    """The message catalog of one language (read once per process)."""
    with (LOCALES / f"{lang}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def placeholders(message: str) -> set[str]:
    """The {names} a message expects."""
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def translate(lang: str, key: str, **values) -> str:
    """The message for `key` in `lang`, formatted; English if the language is unknown."""
    messages = catalog(lang if lang in LANGS else "en")
    message = messages[key]
    return message.format(**values) if values else message


def use_language(lang: str) -> None:
    """Set the language of this script run (saves a session-state lookup per message)."""
    _LANG.set(lang)


def t(key: str, **values) -> str:
    """The message for `key` in the current session's language."""
    lang = _LANG.get()
    if lang is None:
        from .state import current  # late import: keeps this module usable without streamlit

        lang = current().lang
    return translate(lang, key, **values)
