"""Every visible string exists in English and Korean, with the same placeholders."""

import re
from pathlib import Path

import pytest

from layers.stack import KINDS
from ui.controls import PRESETS
from ui.i18n import catalog, placeholders, translate

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("ui/*.py"), *ROOT.glob("views/*.py"), ROOT / "app.py"]


def test_catalogs_have_the_same_keys():
    assert catalog("en").keys() == catalog("ko").keys()


@pytest.mark.parametrize("key", sorted(catalog("en")))
def test_placeholders_match(key):
    assert placeholders(catalog("en")[key]) == placeholders(catalog("ko")[key])
    assert catalog("ko")[key].strip() and catalog("en")[key].strip()


def test_every_literal_key_in_the_code_exists():
    used = set()
    for path in SOURCES:
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z_]+)\"", path.read_text()))
    assert used, "no t() calls found"
    assert used <= catalog("en").keys(), sorted(used - catalog("en").keys())


def test_every_dynamic_key_exists():
    dynamic = (
        [f"kind.{k}" for k in KINDS]
        + [f"preset.{p}" for p in PRESETS]
        + [f"block.gates_{k}" for k in ("rnn", "lstm", "gru")]
        + [f"block.{k}_inner" for k in ("layernorm", "addnorm")]
        + [f"notice.{r}" for r in ("invalid", "range", "heads", "stack", "repeated", "unknown")]
        + [
            f"problem.{c}"
            for c in (
                "empty_stack",
                "too_many_blocks",
                "no_words",
                "embed_first",
                "embed_again",
                "needs_sequence",
                "heads_divide",
                "add_shapes",
                "batch_too_small",
            )
        ]
    )
    missing = [key for key in dynamic if key not in catalog("en")]
    assert not missing


def test_korean_is_really_korean():
    hangul = re.compile(r"[\uac00-\ud7a3]")
    prose = re.compile(r"[a-z]{3,} [a-z]{3,}")  # two English words in a row
    for key, value in catalog("ko").items():
        if not hangul.search(value):
            # Only layer names, code and formulas may stay as they are in English.
            assert not prose.search(value), (key, value)


def test_translate_formats_values():
    assert translate("en", "block.sentence_n", n=3) == "sentence 3"
    assert translate("ko", "block.sentence_n", n=3) == "문장 3"


def test_bold_closes_where_markdown_can_close_it():
    """A closing ** right after punctuation and right before a letter (Korean particles: "…)**는")
    is not a closer in Markdown: the asterisks would show. Put the particle inside the bold."""
    for lang in ("en", "ko"):
        for key, message in catalog(lang).items():
            assert not re.search(r"[)\]\.:!?\"”’]\*\*\w", message), f"{lang} {key}: {message}"
