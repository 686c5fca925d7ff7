"""Saving and loading a trained model: the round trip, and every bad file refused with a reason.

Whatever bytes arrive, `from_bytes` either returns a model or raises `ModelFileError`: never any
other exception, and it never unpickles anything.
"""

import ast
import functools
import io
import json
import math
import pickle
import struct
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.torch import load as plain_load
from safetensors.torch import save as plain_save

from layers.text import Tokenizer
from layers.training import CELLS, ModelConfig, SentimentModel, predict
from lessons.train import model_file
from lessons.train.model_file import MAX_BYTES, ModelFileError, from_bytes, to_bytes
from lessons.train.prep import encode
from ui.i18n import catalog, placeholders, translate
from ui.settings import LIMITS

SOURCE = Path(model_file.__file__)
TEXTS = [
    "the film was great, truly great",
    "the plot was thin and the acting worse",
    "great acting; a thin plot",
    "영화가 정말 재미있었다",
    "재미없는 영화",
]
NEW_TEXT = "a great film, never seen words 정말 재미있었다"
SETTING = {"vocab": "fit_words", "dim": "fit_d", "units": "fit_units", "maxlen": "fit_maxlen"}


def make_model(config: ModelConfig, seed: int = 1) -> SentimentModel:
    """A model whose every weight (biases too) is a seeded random number, not Keras' zeros."""
    model = SentimentModel(config, seed=seed)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return model


def make_tokenizer(num_words: int, oov: str | None = "<OOV>") -> Tokenizer:
    return Tokenizer(num_words=num_words, oov_token=oov).fit_on_texts(TEXTS)


def ids(config: ModelConfig, n: int = 16, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, config.vocab, (n, config.maxlen), generator=g)


SMALL = ModelConfig(vocab=50, dim=8, units=8, cell="gru", maxlen=6)


@functools.cache
def valid() -> bytes:
    """One valid file, made once (hypothesis tests cannot take function-scoped fixtures)."""
    return to_bytes(make_model(SMALL), make_tokenizer(SMALL.vocab), morphemes=True)


def split(data: bytes) -> tuple[dict, bytes]:
    """A safetensors file as (its JSON header, the tensor bytes after it)."""
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + size]), data[8 + size :]


def join(header: dict | bytes, body: bytes) -> bytes:
    """A file from a header (a dict, or raw bytes) and tensor bytes."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


def with_metadata(**changes) -> bytes:
    """The valid file with metadata entries replaced (any JSON value) or removed (None)."""
    header, body = split(valid())
    metadata = header["__metadata__"]
    for key, value in changes.items():
        if value is None:
            del metadata[key]
        else:
            metadata[key] = value
    return join(header, body)


def metadata_json(key: str) -> dict:
    return json.loads(split(valid())[0]["__metadata__"][key])


def with_config(**changes) -> bytes:
    config = metadata_json("config") | changes
    return with_metadata(config=json.dumps(config))


def with_tokenizer(**changes) -> bytes:
    tokenizer = metadata_json("tokenizer") | changes
    return with_metadata(tokenizer=json.dumps(tokenizer, ensure_ascii=False))


def with_tensors(tensors: dict[str, torch.Tensor]) -> bytes:
    """A real safetensors file with our metadata and the given tensors."""
    return plain_save(tensors, metadata=split(valid())[0]["__metadata__"])


def state() -> dict[str, torch.Tensor]:
    return {name: t.clone() for name, t in plain_load(valid()).items()}


def refused(data: bytes) -> ModelFileError:
    """The ModelFileError from_bytes raises (any other exception fails the test)."""
    with pytest.raises(ModelFileError) as caught:
        from_bytes(data)
    return caught.value


def reason(data: bytes) -> str:
    return refused(data).reason


def loads_or_refuses(data: bytes) -> None:
    """Only two outcomes are allowed: a model, or a ModelFileError."""
    try:
        loaded = from_bytes(data)
    except ModelFileError:
        return
    assert isinstance(loaded, model_file.Loaded)


# The round trip


@pytest.mark.parametrize("morphemes", [False, True])
@pytest.mark.parametrize("cell", list(CELLS))
def test_round_trip_gives_identical_predictions_and_tokenizer(cell, morphemes):
    config = ModelConfig(vocab=30, dim=6, units=5, cell=cell, maxlen=7)
    model = make_model(config, seed=2)
    tokenizer = make_tokenizer(config.vocab)
    loaded = from_bytes(to_bytes(model, tokenizer, morphemes=morphemes))

    assert loaded.model.config == config
    assert loaded.morphemes is morphemes
    x = ids(config)
    assert torch.equal(predict(loaded.model, x), predict(model, x))
    ours, theirs = loaded.model.state_dict(), model.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[name], theirs[name]) for name in ours)
    assert not loaded.model.training
    assert not any(p.requires_grad for p in loaded.model.parameters())

    back = loaded.tokenizer
    assert back.word_index == tokenizer.word_index
    assert back.index_word == tokenizer.index_word
    assert back.num_words == tokenizer.num_words and back.oov_token == tokenizer.oov_token
    texts = [NEW_TEXT, *TEXTS]
    assert back.texts_to_sequences(texts) == tokenizer.texts_to_sequences(texts)
    _, new_ids, row = encode(back, NEW_TEXT, config.maxlen)
    _, old_ids, old_row = encode(tokenizer, NEW_TEXT, config.maxlen)
    assert new_ids == old_ids and torch.equal(row, old_row)
    assert torch.equal(predict(loaded.model, row), predict(model, old_row))


def test_round_trip_without_an_oov_token():
    tokenizer = make_tokenizer(SMALL.vocab, oov=None)
    loaded = from_bytes(to_bytes(make_model(SMALL), tokenizer))
    assert loaded.tokenizer.oov_token is None and loaded.morphemes is False
    assert loaded.tokenizer.word_index == tokenizer.word_index
    assert loaded.tokenizer.texts_to_sequences([NEW_TEXT]) == tokenizer.texts_to_sequences(
        [NEW_TEXT]
    )


words = st.lists(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
    unique=True,
    max_size=40,
)


@given(words=words, oov=st.none() | st.just("<OOV>"))
def test_round_trip_keeps_any_vocabulary(words, oov):
    vocabulary = [w for w in words if w != oov]
    if oov is not None:
        vocabulary.insert(0, oov)
    tokenizer = Tokenizer(num_words=SMALL.vocab, oov_token=oov)
    tokenizer.word_index = {w: i for i, w in enumerate(vocabulary, start=1)}
    tokenizer.index_word = {i: w for w, i in tokenizer.word_index.items()}
    loaded = from_bytes(to_bytes(make_model(SMALL), tokenizer))
    assert loaded.tokenizer.word_index == tokenizer.word_index
    assert loaded.tokenizer.index_word == tokenizer.index_word


@pytest.mark.parametrize(("field", "end"), [(f, e) for f in SETTING for e in (0, 1)])
def test_the_limits_themselves_load(field, end):
    bound = LIMITS[SETTING[field]][end]
    small = {"vocab": 4, "dim": 2, "units": 2, "maxlen": 3} | {field: bound}
    config = ModelConfig(cell="lstm", **small)
    model = make_model(config)
    loaded = from_bytes(to_bytes(model, make_tokenizer(config.vocab)))
    assert loaded.model.config == config
    x = ids(config, n=3)
    assert torch.equal(predict(loaded.model, x), predict(model, x))


def test_the_file_is_plain_safetensors_with_the_models_names(tmp_path):
    model = make_model(SMALL)
    data = to_bytes(model, make_tokenizer(SMALL.vocab))
    tensors = plain_load(data)
    expected = model.state_dict()
    assert tensors.keys() == expected.keys()
    for name, tensor in tensors.items():
        assert tensor.dtype == torch.float32 and torch.equal(tensor, expected[name]), name
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
    assert metadata["format"] == model_file.FORMAT and metadata["version"] == model_file.VERSION
    assert json.loads(metadata["config"])["cell"] == SMALL.cell


# Not a safetensors file at all


def test_empty_and_tiny_inputs_are_refused():
    for data in (b"", b"\x00", b"\x00" * 7, b"\x00" * 8, b"\xff" * 8):
        assert reason(data) == "not_safetensors"


@settings(max_examples=300)
@given(st.binary(max_size=2048))
def test_random_bytes_are_refused_with_a_model_file_error(data):
    refused(data)


@settings(max_examples=300)
@given(size=st.integers(0, 2**64 - 1), rest=st.binary(max_size=512))
def test_random_bytes_after_any_header_length_are_refused(size, rest):
    refused(struct.pack("<Q", size) + rest)


@settings(max_examples=300)
@given(st.data())
def test_every_truncation_of_a_valid_file_is_refused(data):
    length = data.draw(st.integers(0, len(valid()) - 1))
    assert reason(valid()[:length]) == "not_safetensors"


def test_header_length_past_the_end_or_huge_is_refused():
    header, body = split(valid())
    raw = json.dumps(header).encode()
    for size in (len(raw) + len(body) + 1, 2**31, 2**63, 2**64 - 1, 0):
        assert reason(struct.pack("<Q", size) + raw + body) == "not_safetensors"


@pytest.mark.parametrize(
    "raw",
    [b"[]", b'"text"', b"123", b"null", b"{", b'{"a": 1', b"\xff\xfe{}", b"{\x00}"],
)
def test_a_header_that_is_not_a_json_object_is_refused(raw):
    assert reason(join(raw, b"")) == "not_safetensors"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep"),  # json: RecursionError
        pytest.param(b'{"__metadata__": ' * 5_000 + b"{}" + b"}" * 5_000, id="deep-object"),
        pytest.param(b'{"a": ' + b"1" * 5_000 + b"}", id="long-int"),  # int(): ValueError
    ],
)
def test_a_hostile_header_is_refused(raw):
    assert reason(join(raw, b"")) == "not_safetensors"


def test_a_file_over_max_bytes_is_refused_before_it_is_read():
    error = refused(b"\x00" * (MAX_BYTES + 1))
    assert error.reason == "size" and error.values == {"mb": MAX_BYTES // (1024 * 1024)}
    header, body = split(valid())
    padded = join(header, body + b"\x00" * (MAX_BYTES - len(valid()) + 1))
    assert reason(padded) == "size"


# Pickles are never unpickled


class Marker:
    """Unpickling this creates a file: the proof that something was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_the_marker_really_marks_an_unpickling(tmp_path):
    path = tmp_path / "unpickled"
    payload = pickle.dumps(Marker(path))
    assert not path.exists()
    pickle.loads(payload)  # our own payload, to show the test below could see an unpickling
    assert path.exists()


def test_a_pickle_is_refused_without_being_unpickled(tmp_path):
    path = tmp_path / "unpickled"
    buffer = io.BytesIO()
    torch.save({"embedding.weight": torch.zeros(2, 2), "x": Marker(path)}, buffer)
    saved = buffer.getvalue()  # a zip with a pickle inside
    plain = pickle.dumps({"x": Marker(path)})
    state_only = io.BytesIO()
    torch.save(make_model(SMALL).state_dict(), state_only)  # an honest .pt file: refused too
    assert not path.exists()
    for data in (saved, plain, state_only.getvalue()):
        assert reason(data) == "not_safetensors"
    assert not path.exists()


# Safetensors, but not ours


def test_safetensors_without_our_metadata_is_not_ours():
    tensors = state()
    assert reason(plain_save(tensors)) == "not_ours"
    assert reason(plain_save(tensors, metadata={"format": "pt"})) == "not_ours"
    assert reason(with_metadata(format="layerscope")) == "not_ours"
    assert reason(with_metadata(format=None)) == "not_ours"
    header, body = split(valid())
    for odd in ("text", ["format"], 3, None):
        header["__metadata__"] = odd
        assert reason(join(header, body)) == "not_ours"
    del header["__metadata__"]
    assert reason(join(header, body)) == "not_ours"


def test_another_format_version_is_refused_with_its_name():
    error = refused(with_metadata(version="2"))
    assert error.reason == "version" and error.values == {"version": "2"}
    assert refused(with_metadata(version=None)).reason == "version"
    long = refused(with_metadata(version="9" * 1000))
    assert long.reason == "version" and len(long.values["version"]) <= 20
    assert refused(with_metadata(version=1)).reason == "version"  # the number, not the text


# The configuration


@pytest.mark.parametrize(
    "config",
    [
        None,  # missing
        "not json",
        "[1, 2]",
        json.dumps({"vocab": 50, "dim": 8, "units": 8, "maxlen": 6}),  # no cell
        json.dumps({**SMALL.__dict__, "extra": 1}),
        json.dumps({**SMALL.__dict__, "cell": "transformer"}),
        json.dumps({**SMALL.__dict__, "cell": "GRU"}),
        json.dumps({**SMALL.__dict__, "cell": ["gru"]}),  # unhashable: no TypeError
        json.dumps({**SMALL.__dict__, "cell": {"gru": 1}}),
        json.dumps({**SMALL.__dict__, "cell": None}),
        pytest.param("[" * 100_000, id="deep"),  # too deep for json: no RecursionError
        pytest.param("1" * 5_000, id="long-int"),  # too long for int(): no ValueError
        {"vocab": 50},  # JSON, but not the string safetensors' metadata holds
    ],
)
def test_a_missing_or_malformed_config_is_refused(config):
    assert reason(with_metadata(config=config)) == "config"


@pytest.mark.parametrize("field", list(SETTING))
def test_a_config_outside_the_page_limits_is_refused_with_its_bounds(field):
    low, high = LIMITS[SETTING[field]]
    for value in (low - 1, high + 1, -(10**30), 10**30, str(low), float(low), True, None):
        error = refused(with_config(**{field: value}))
        assert error.reason == "config_range", value
        assert error.values == {"name": field, "low": low, "high": high}


# The tokenizer


def words() -> list[str]:
    return metadata_json("tokenizer")["words"]


@pytest.mark.parametrize(
    "changes",
    [
        {"morphemes": "yes"},
        {"morphemes": 1},
        {"morphemes": None},
        {"num_words": SMALL.vocab + 1},
        {"num_words": SMALL.vocab - 1},
        {"num_words": None},
        {"num_words": float(SMALL.vocab)},
        {"num_words": str(SMALL.vocab)},
        {"num_words": [SMALL.vocab]},
        {"oov_token": 5},
        {"oov_token": ["<OOV>"]},
        pytest.param({"oov_token": "o" * 300, "words": ["o" * 300, "the"]}, id="long-oov"),
        {"words": "the film"},
        {"words": {"<OOV>": 1}},
        {"words": None},
        {"words": ["<OOV>", "the", 3]},
        {"words": ["<OOV>", "the", ""]},
        {"words": ["<OOV>", "the", None]},
        pytest.param({"words": ["<OOV>", "the", "w" * 201]}, id="long-word"),
        {"words": ["<OOV>", "the", "film", "the"]},  # a duplicate
        {"words": ["the", "<OOV>", "film"]},  # the OOV token not first
        {"words": []},  # an OOV token, but no words at all
    ],
)
def test_a_malformed_tokenizer_is_refused(changes):
    assert reason(with_tokenizer(**changes)) == "tokenizer"


@pytest.mark.parametrize(
    "tokenizer",
    [
        None,
        "not json",
        "[]",
        pytest.param("[" * 100_000, id="deep"),
        pytest.param("1" * 5_000, id="long-int"),
        {"words": []},
    ],
)
def test_a_missing_or_unreadable_tokenizer_is_refused(tokenizer):
    assert reason(with_metadata(tokenizer=tokenizer)) == "tokenizer"


def test_a_tokenizer_with_keys_missing_or_added_is_refused():
    values = metadata_json("tokenizer")
    for key in values:
        fewer = {k: v for k, v in values.items() if k != key}
        assert reason(with_metadata(tokenizer=json.dumps(fewer))) == "tokenizer", key
    assert reason(with_tokenizer(lower=False)) == "tokenizer"


# The tensors


def test_tensors_with_wrong_names_shapes_or_dtypes_are_refused():
    good = state()
    name = "rnn.weight_ih"
    cases = {
        "renamed": {(k + "_" if k == name else k): v for k, v in good.items()},
        "missing": {k: v for k, v in good.items() if k != name},
        "extra": good | {"rnn.extra": torch.zeros(2)},
        "transposed": good | {name: good[name].T.contiguous()},
        "more rows": good | {"embedding.weight": torch.zeros(SMALL.vocab + 1, SMALL.dim)},
        "flat": good | {name: good[name].flatten()},
        "scalar": good | {"dense.bias": torch.tensor(0.0)},
    }
    for dtype in (torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.uint8):
        cases[str(dtype)] = good | {name: good[name].to(dtype)}
    for label, tensors in cases.items():
        assert reason(with_tensors(tensors)) == "tensors", label


@pytest.mark.parametrize("dtype", ["F4", "F8_E8M0", "F6_E2M3", "C64", "U32", "BOOL", "XYZ"])
def test_a_tensor_declared_with_another_dtype_is_refused_as_tensors(dtype):
    """The header edited by hand, so the byte count may not fit the dtype, and safetensors knows
    dtypes torch has no type for (F4, F8_E8M0): refused by the header, before any is read."""
    header, body = split(valid())
    header["dense.weight"]["dtype"] = dtype
    assert reason(join(header, body)) == "tensors"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_weights_that_are_not_finite_are_refused_with_the_tensors_name(bad):
    for name, tensor in state().items():
        tensors = state()
        tensors[name].view(-1)[tensor.numel() // 2] = bad
        error = refused(with_tensors(tensors))
        assert error.reason == "finite" and error.values == {"name": name}


# Fuzzing around a valid file

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def places() -> list[tuple[str, ...]]:
    """Where a value can be replaced: header entries, tensor fields, metadata, JSON fields."""
    header, _ = split(valid())
    out = [("header", key) for key in header]
    out += [("tensor", n, f) for n in header if n != "__metadata__" for f in header[n]]
    out += [("metadata", key) for key in header["__metadata__"]]
    out += [("config", key) for key in metadata_json("config")]
    out += [("tokenizer", key) for key in metadata_json("tokenizer")]
    return out


@settings(max_examples=300)
@given(place=st.sampled_from(places()), value=json_values, drop=st.booleans())
def test_any_value_anywhere_in_the_header_loads_or_is_refused(place, value, drop):
    header, body = split(valid())
    kind, *path = place
    if kind in ("config", "tokenizer"):
        target = json.loads(header["__metadata__"][kind])
    else:
        target = {"header": header, "metadata": header["__metadata__"]}.get(kind)
        target = target if target is not None else header[path[0]]
    key = path[-1]
    if drop:
        del target[key]
    else:
        target[key] = value
    if kind in ("config", "tokenizer"):
        header["__metadata__"][kind] = json.dumps(target)
    loads_or_refuses(join(header, body))


@settings(max_examples=300)
@given(st.data())
def test_changed_bytes_anywhere_load_or_are_refused(data):
    raw = bytearray(valid())
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    loads_or_refuses(bytes(raw))


# Every reason has a sentence


def raised_reasons() -> dict[str, set[str]]:
    """reason → the value names passed with it, for every ModelFileError(...) in the module."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ModelFileError":
            (first,) = node.args
            assert isinstance(first, ast.Constant) and isinstance(first.value, str)
            found.setdefault(first.value, set()).update(k.arg for k in node.keywords)
    return found


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_reason_has_a_message_that_its_values_fill(lang):
    reasons = raised_reasons()
    assert "not_safetensors" in reasons and "finite" in reasons  # the walk found the raises
    messages = catalog(lang)
    for reason_, values in reasons.items():
        key = f"train.load_{reason_}"
        assert key in messages, key
        assert placeholders(messages[key]) <= values, key
        text = translate(lang, key, **{name: "…" for name in values})
        assert text.strip() and "{" not in text
