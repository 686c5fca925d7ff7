"""Showing what a user typed (or put in the URL) literally, inside Markdown."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:&])")


def md_escape(text: str) -> str:
    """Backslash-escape every character Markdown (and Streamlit's :color[] / $math$) reads."""
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", " ")
