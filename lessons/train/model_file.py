"""Save and load a trained model as one safetensors file: tensors plus JSON, never a pickle.

The file holds the model's tensors (PyTorch names and layout: embedding.weight, rnn.weight_ih …,
float32) and, in safetensors' own string metadata, the model's configuration and the fitted
Tokenizer (its word_index in rank order, num_words, oov_token) as JSON. Any PyTorch user can
read it with `safetensors.torch.load_file`; nothing in it is ever executed (DESIGN.md §9).

An upload is checked before it is believed, and every failure is a `ModelFileError` with a
reason code the page translates: too big, not a safetensors file, not ours, a format version
we do not know, a configuration outside the page's limits, a tokenizer that does not fit it,
tensors of the wrong names, shapes or dtypes, or values that are not finite.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from layers.text import Tokenizer
from layers.training import CELLS, ModelConfig, SentimentModel
from ui.settings import LIMITS

FORMAT = "layerscope-sentiment"
VERSION = "1"
MAX_BYTES = 16 * 1024 * 1024  # 20,000 × 128 float32 embeddings are ~10 MB
MAX_METADATA = 4 * 1024 * 1024  # the tokenizer's JSON
MAX_WORD_CHARS = 200


@dataclass(frozen=True)
class Loaded:
    """A model read back: its weights, its Tokenizer, and whether its Korean was split by Kiwi."""

    model: SentimentModel
    tokenizer: Tokenizer
    morphemes: bool


class ModelFileError(ValueError):
    """Why an upload was refused: `reason` is a message key suffix, `values` fill it in."""

    def __init__(self, reason: str, **values) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def to_bytes(model: SentimentModel, tokenizer: Tokenizer, *, morphemes: bool = False) -> bytes:
    """The model and its tokenizer as one safetensors file."""
    tensors = {
        name: p.detach().to(torch.float32).contiguous() for name, p in model.state_dict().items()
    }
    words = [w for w, _ in sorted(tokenizer.word_index.items(), key=lambda item: item[1])]
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "config": json.dumps(asdict(model.config)),
        "tokenizer": json.dumps(
            {
                "num_words": tokenizer.num_words,
                "oov_token": tokenizer.oov_token,
                "morphemes": bool(morphemes),
                "words": words,
            },
            ensure_ascii=False,
        ),
    }
    return save_tensors(tensors, metadata=metadata)


def _json(text: str | bytes) -> object:
    """The value of UTF-8 JSON text, or None if it is not: also for JSON too deep to decode
    (RecursionError) or with a number too long for int() (ValueError, not JSONDecodeError)."""
    try:
        return json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (ValueError, RecursionError):  # UnicodeDecodeError, JSONDecodeError included
        return None


def _header(data: bytes) -> dict:
    """safetensors' JSON header, read by hand so that the metadata is checked before tensors."""
    if len(data) < 8:
        raise ModelFileError("not_safetensors")
    size = int.from_bytes(data[:8], "little")
    if size <= 0 or size > min(MAX_METADATA + 65536, len(data) - 8):
        raise ModelFileError("not_safetensors")
    header = _json(data[8 : 8 + size])
    if not isinstance(header, dict):
        raise ModelFileError("not_safetensors")
    return header


def _config(raw: object) -> ModelConfig:
    values = _json(raw) if isinstance(raw, str) else None
    fields = {"vocab": "fit_words", "dim": "fit_d", "units": "fit_units", "maxlen": "fit_maxlen"}
    if not isinstance(values, dict) or set(values) != {*fields, "cell"}:
        raise ModelFileError("config")
    for name, setting in fields.items():
        value, (low, high) = values[name], LIMITS[setting]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ModelFileError("config_range", name=name, low=low, high=high)
    if not isinstance(values["cell"], str) or values["cell"] not in CELLS:
        raise ModelFileError("config")
    return ModelConfig(**values)


def _tokenizer(raw: object, config: ModelConfig) -> tuple[Tokenizer, bool]:
    values = _json(raw) if isinstance(raw, str) else None
    if not isinstance(values, dict) or set(values) != {
        "num_words", "oov_token", "morphemes", "words",
    }:  # fmt: skip
        raise ModelFileError("tokenizer")
    if not isinstance(values["morphemes"], bool):
        raise ModelFileError("tokenizer")
    num_words, oov, words = values["num_words"], values["oov_token"], values["words"]
    if isinstance(num_words, bool) or not isinstance(num_words, int) or num_words != config.vocab:
        raise ModelFileError("tokenizer")
    if oov is not None and (not isinstance(oov, str) or len(oov) > MAX_WORD_CHARS):
        raise ModelFileError("tokenizer")
    if (
        not isinstance(words, list)
        or not all(isinstance(w, str) and 0 < len(w) <= MAX_WORD_CHARS for w in words)
        or len(set(words)) != len(words)
        or (oov is not None and (not words or words[0] != oov))
    ):
        raise ModelFileError("tokenizer")
    tokenizer = Tokenizer(num_words=num_words, oov_token=oov)
    tokenizer.word_index = {w: i for i, w in enumerate(words, start=1)}
    tokenizer.index_word = {i: w for w, i in tokenizer.word_index.items()}
    return tokenizer, values["morphemes"]


def from_bytes(data: bytes) -> Loaded:
    """A model and tokenizer from an uploaded file, or a ModelFileError saying why not."""
    if len(data) > MAX_BYTES:
        raise ModelFileError("size", mb=MAX_BYTES // (1024 * 1024))
    header = _header(data)
    metadata = header.get("__metadata__")
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError("not_ours")
    if metadata.get("version") != VERSION:
        raise ModelFileError("version", version=str(metadata.get("version"))[:20])
    config = _config(metadata.get("config"))
    tokenizer, morphemes = _tokenizer(metadata.get("tokenizer"), config)
    entries = [entry for name, entry in header.items() if name != "__metadata__"]
    if any(isinstance(entry, dict) and entry.get("dtype") != "F32" for entry in entries):
        raise ModelFileError("tensors")  # before safetensors.torch meets a dtype torch lacks
    try:
        tensors = load_tensors(data)
    except (SafetensorError, ValueError, RuntimeError, OverflowError):
        raise ModelFileError("not_safetensors") from None
    model = SentimentModel(config, seed=0)
    expected = {name: p.shape for name, p in model.state_dict().items()}
    if set(tensors) != set(expected):
        raise ModelFileError("tensors")
    for name, tensor in tensors.items():
        if tensor.dtype != torch.float32 or tensor.shape != expected[name]:
            raise ModelFileError("tensors")
        if not bool(torch.isfinite(tensor).all()):
            raise ModelFileError("finite", name=name)
    model.load_state_dict(tensors)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return Loaded(model, tokenizer, morphemes)


def same_predictions(a: torch.Tensor, b: torch.Tensor) -> tuple[bool, float]:
    """Whether two prediction arrays are identical, and the largest difference."""
    if a.shape != b.shape:
        return False, math.inf
    if a.numel() == 0:
        return True, 0.0
    return bool(torch.equal(a, b)), float((a - b).abs().max())
