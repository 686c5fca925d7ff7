"""The train page's 'show the code': both programs, run on the page's files, agree with layers/."""

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from program_support import run

from layers.text import Tokenizer, pad_sequences
from layers.training import CELLS, ModelConfig, SentimentModel, summary
from lessons.train import code
from ui.code import printable

KERAS = pytest.mark.keras
ROOT = Path(__file__).resolve().parents[2]
KEYS = ["accuracy", "loss", "val_accuracy", "val_loss"]  # History.history, in Keras' order
SENTENCE = 'It\'s "great", a back\\slash and <b>fun</b> 😀 \ud83d'  # and half an emoji


def shipped(name: str, n: int = 240) -> tuple[list[str], np.ndarray]:
    """The first n rows of a data set in data/: (texts, labels)."""
    lines = (ROOT / "data" / name).read_text(encoding="utf-8").split("\n")[1 : n + 1]
    cells = [line.split("\t", 2) for line in lines]  # label, source or movie_id, text
    return [c[2] for c in cells], np.array([int(c[0]) for c in cells], dtype=np.int64)


def page_parts(n: int, validation: str, split: float) -> dict[str, np.ndarray]:
    """Rows as the page splits them: every 5th for test, the pool's end or a share for val."""
    rows = np.arange(n)
    test, pool = rows[::5], np.setdiff1d(rows, rows[::5])
    if validation == "split":
        at = math.floor(len(pool) * (1 - split))  # Keras' split_at
        return {"train": pool[:at], "val": pool[at:], "test": test}
    val = pool[::4]
    return {"train": np.setdiff1d(pool, val), "val": val, "test": test}


def settings(**changes) -> dict:
    base = dict(
        cell="simplernn", num_words=10_000, oov_token=None, maxlen=40, dim=32, units=32,
        optimizer="rmsprop", learning_rate=0.001, clipnorm=None, epochs=2, batch_size=32,
        validation="split", split=0.2, seed=0, morphemes=False, sentence=SENTENCE,
    )  # fmt: skip
    return base | changes


def config(s: dict) -> ModelConfig:
    return ModelConfig(
        vocab=s["num_words"], dim=s["dim"], units=s["units"], cell=s["cell"], maxlen=s["maxlen"]
    )


# --- The files -----------------------------------------------------------------------------


def parse(data: bytes) -> list[list[str]]:
    return [line.split("\t") for line in data.decode("utf-8").split("\n")]


def test_split_files_are_label_tab_text_with_a_header():
    texts = [
        "one",
        "two\twith a tab",
        "three\r\nlines\u2028and more",
        'a "quoted" one',
        "half \ud83d",
    ]
    labels = np.array([1, 0, 1, 0, 1])
    files = code.split_files(texts, labels, {"train": np.array([4, 0, 2]), "test": [1, 3]})
    assert set(files) == {"train", "test"}
    train = parse(files["train"])
    assert train[0] == ["label", "text"] and train[-1] == [""]  # ends with a line break
    assert train[1:-1] == [["1", "half \ufffd"], ["1", "one"], ["1", "three  lines and more"]]
    assert parse(files["test"])[1:-1] == [["0", "two with a tab"], ["0", 'a "quoted" one']]
    assert b"\r" not in files["train"]


def test_file_parts_put_the_validation_rows_at_the_end_of_train_for_validation_split():
    parts = {"train": np.array([5, 1, 3]), "val": np.array([0, 4]), "test": np.array([2])}
    split = code.file_parts(parts, "split")
    assert set(split) == {"train", "test"}
    assert split["train"].tolist() == [5, 1, 3, 0, 4]  # Keras takes the end back
    assert {k: v.tolist() for k, v in code.file_parts(parts, "data").items()} == {
        "train": [5, 1, 3], "val": [0, 4], "test": [2],
    }  # fmt: skip


@pytest.fixture(scope="module")
def kiwi():
    kiwipiepy = pytest.importorskip("kiwipiepy")
    return kiwipiepy.Kiwi()  # ~1 s and ~500 MB: once for the module


@pytest.fixture
def shared_kiwi(kiwi, monkeypatch):
    """The programs say `kiwi = Kiwi()`; hand them the instance already loaded."""
    import kiwipiepy

    monkeypatch.setattr(kiwipiepy, "Kiwi", lambda: kiwi)
    return kiwi


# --- Running the programs ------------------------------------------------------------------

CASES = {
    # The tutorial: defaults, validation_split, RMSprop, English.
    "simplernn": ("sentiment-en.tsv", settings()),
    # A held-out validation set, Adam with clipnorm, an OOV token, shorter rows.
    "lstm": (
        "sentiment-en.tsv",
        settings(cell="lstm", optimizer="adam", clipnorm=1.0, validation="data",
                 oov_token="<OOV>", maxlen=30),
    ),
    # Korean morphemes, SGD, another split and a smaller model.
    "gru": (
        "sentiment-ko.tsv",
        settings(cell="gru", optimizer="sgd", learning_rate=0.05, split=0.25, num_words=3000,
                 dim=16, units=8, maxlen=20, morphemes=True, batch_size=16,
                 sentence="정말 재밌는 영화였다 \"최고\""),
    ),
}  # fmt: skip


@pytest.fixture
def page(request, tmp_path, monkeypatch):
    """The split files of a case in a fresh directory, and what the page itself would compute."""
    data, s = CASES[request.param]
    texts, labels = shipped(data)
    parts = page_parts(len(texts), s["validation"], s["split"])
    files = code.split_files(texts, labels, code.file_parts(parts, s["validation"]))
    for name, content in files.items():
        (tmp_path / code.FILES[name]).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    if s["morphemes"]:
        kiwi = request.getfixturevalue("shared_kiwi")
        texts = [" ".join(t.form for t in kiwi.tokenize(text)) for text in texts]
        sentence = " ".join(t.form for t in kiwi.tokenize(s["sentence"]))
    else:
        sentence = printable(s["sentence"])
    tokenizer = Tokenizer(num_words=s["num_words"], oov_token=s["oov_token"])
    tokenizer.fit_on_texts([texts[i] for i in parts["train"]])

    def x(name):
        sequences = tokenizer.texts_to_sequences([texts[i] for i in parts[name]])
        return pad_sequences(sequences, maxlen=s["maxlen"])

    return {
        "settings": s,
        "parts": parts,
        "word_index": tokenizer.word_index,
        "x": {name: x(name) for name in ("train", "val", "test")},
        "seq": tokenizer.texts_to_sequences([sentence])[0],
        "model": SentimentModel(config(s)),
    }


def check_common(namespace, printed, page):
    s = page["settings"]
    assert list(namespace["history"] if isinstance(namespace["history"], dict)
                else namespace["history"].history) == KEYS  # fmt: skip
    assert f"dict_keys({KEYS})" in printed
    assert len(re.findall(rf"^Epoch \d/{s['epochs']}$", printed, re.M)) == s["epochs"]
    epoch_lines = re.findall(r" - accuracy: [\d.]+ - loss: [\d.]+ - val_accuracy: ", printed)
    assert len(epoch_lines) == s["epochs"]
    assert namespace["seq"] == page["seq"]
    probability = namespace["probability"]
    assert 0 <= probability <= 1
    assert f"-> label {int(probability > 0.5)}" in printed
    assert namespace["same"] is True
    assert "same predictions after loading: True" in printed


@pytest.mark.parametrize("page", list(CASES), indirect=True)
def test_torch_program(page):
    s, model = page["settings"], page["model"]
    torch_program, _ = code.programs(**s)
    namespace, printed = run(torch_program)
    check_common(namespace, printed, page)
    assert list(namespace["word_index"].items()) == list(page["word_index"].items())
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(namespace[f"x_{name}"].numpy(), page["x"][name])
    assert f"params: {model.torch_param_count()}\n" in printed
    assert code.param_counts(s["cell"], s["num_words"], s["dim"], s["units"]) == (
        model.keras_param_count(), model.torch_param_count(),
    )  # fmt: skip
    rows = re.findall(r"^(\w+) \((\w+)\) +(\(.*?\)) +([\d,]+)$", printed, re.M)
    assert [(name, shape, int(count.replace(",", ""))) for name, _, shape, count in rows] == [
        (name if name in ("embedding", "dense") else "rnn", str(shape), torch_count)
        for name, _, shape, _, torch_count in model.layer_rows()
    ]
    torch_class = {"simplernn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    assert type(namespace["model"].rnn) is torch_class[s["cell"]]


def test_the_torch_program_starts_as_keras_does(tmp_path, monkeypatch):
    """Keras' initializers, drawn before training: run the program up to its optimizer."""
    s = settings(cell="lstm", num_words=50, dim=6, units=5)
    texts, labels = shipped("sentiment-en.tsv", 30)
    files = code.split_files(texts, labels, code.file_parts(page_parts(30, "split", 0.2), "split"))
    for name, content in files.items():
        (tmp_path / code.FILES[name]).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    program = code.programs(**s)[0]
    namespace, _ = run(program[: program.index("loss_fn = ")])
    model = namespace["model"]
    U = 5
    assert model.embedding.weight.abs().max() <= 0.05
    assert not model.rnn.bias_hh_l0.any() and not model.dense.bias.any()
    assert model.rnn.bias_ih_l0[U : 2 * U].tolist() == [1.0] * U
    assert model.rnn.bias_ih_l0[:U].tolist() == [0.0] * U
    W = model.rnn.weight_hh_l0.detach()  # (4U, U), orthogonal columns
    torch.testing.assert_close(W.T @ W, torch.eye(U), atol=1e-5, rtol=0)
    limit = math.sqrt(6 / (6 + 4 * U))  # Glorot: fan_in D, fan_out 4U, as Keras' kernel
    assert model.rnn.weight_ih_l0.abs().max() <= limit


@KERAS
@pytest.mark.parametrize("page", list(CASES), indirect=True)
def test_keras_program(keras, page):
    s, model = page["settings"], page["model"]
    _, keras_program = code.programs(**s)
    keras.backend.clear_session()  # layer names as in a fresh process: "embedding", "dense"
    namespace, printed = run(keras_program)
    check_common(namespace, printed, page)
    assert list(namespace["tokenizer"].word_index.items()) == list(page["word_index"].items())
    pool = np.concatenate([page["x"]["train"], page["x"]["val"]])
    np.testing.assert_array_equal(namespace["x_train"], pool if s["validation"] == "split"
                                  else page["x"]["train"])  # fmt: skip
    np.testing.assert_array_equal(namespace["x_test"], page["x"]["test"])
    assert summary(model) in printed  # the whole table, as layers.training.summary writes it
    assert f" Total params: {model.keras_param_count():,} (" in printed
    for name, _, shape, count, _ in model.layer_rows():
        assert re.search(rf"│ {name} \(\w+\) +│ {re.escape(str(shape))} +│ +{count:,} │", printed)
    if s["validation"] == "split":
        assert namespace["split_at"] == len(page["parts"]["train"])  # the page's own split
    keras_model = namespace["model"]
    assert keras_model.count_params() == model.keras_param_count()
    assert keras_model.optimizer.learning_rate.numpy() == pytest.approx(s["learning_rate"])
    assert keras_model.optimizer.clipnorm == s["clipnorm"]


def test_the_tutorial_model_has_322113_parameters():
    """The issue's fact: Embedding(10000, 32) → SimpleRNN(32) → Dense(1) has 322,113 weights."""
    model = SentimentModel(config(settings()))
    assert model.keras_param_count() == 10_000 * 32 + (32 * 32 + 32 * 32 + 32) + (32 + 1)
    assert model.keras_param_count() == 322_113
    _, keras_program = code.programs(**settings())
    assert "model.summary()  # Total params: 322,113" in keras_program


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize(("V", "D", "U"), [(10_000, 32, 32), (7, 3, 2), (500, 64, 48)])
def test_param_counts_are_the_models(cell, V, D, U):
    model = SentimentModel(ModelConfig(vocab=V, dim=D, units=U, cell=cell))
    assert code.param_counts(cell, V, D, U) == (
        model.keras_param_count(), model.torch_param_count()
    )  # fmt: skip


# --- What the settings change --------------------------------------------------------------


def test_clipnorm_appears_only_when_set():
    torch_program, keras_program = code.programs(**settings())
    assert "clipnorm" not in keras_program and "clip_grad_norm_" not in torch_program
    torch_program, keras_program = code.programs(**settings(clipnorm=0.5))
    assert "RMSprop(learning_rate=0.001, clipnorm=0.5)" in keras_program
    assert "torch.nn.utils.clip_grad_norm_(weight, 0.5)" in torch_program
    assert "for weight in model.parameters():" in torch_program  # each variable on its own


def test_held_out_mode_reads_val_tsv_and_passes_validation_data():
    torch_program, keras_program = code.programs(**settings(validation="data"))
    assert "validation_data=(x_val, y_val)" in keras_program
    assert "validation_split" not in keras_program and "split_at" not in torch_program
    for program in (torch_program, keras_program):
        assert 'read_tsv("val.tsv")' in program
    torch_program, keras_program = code.programs(**settings(split=0.3))
    assert "validation_split=0.3," in keras_program and "val.tsv" not in keras_program
    assert "split_at = math.floor(len(train_texts) * (1 - 0.3))" in torch_program
    assert "tokenizer.fit_on_texts(train_texts[:split_at])" in keras_program


@pytest.mark.parametrize(
    ("optimizer", "keras_line", "torch_line"),
    [
        ("rmsprop", "keras.optimizers.RMSprop(learning_rate=0.002)",
         "torch.optim.RMSprop(model.parameters(), lr=0.002, alpha=0.9, eps=1e-7)"),
        ("adam", "keras.optimizers.Adam(learning_rate=0.002)",
         "torch.optim.Adam(model.parameters(), lr=0.002, betas=(0.9, 0.999), eps=1e-7)"),
        ("sgd", "keras.optimizers.SGD(learning_rate=0.002)",
         "torch.optim.SGD(model.parameters(), lr=0.002)"),
    ],
)  # fmt: skip
def test_optimizers_spell_out_keras_defaults(optimizer, keras_line, torch_line):
    torch_program, keras_program = code.programs(
        **settings(optimizer=optimizer, learning_rate=2e-3)
    )
    assert keras_line in keras_program and torch_line in torch_program
    assert "lr=" not in keras_program  # Keras 3: learning_rate=


@pytest.mark.parametrize("cell", list(CELLS))
def test_the_cell_and_the_sizes_are_the_settings(cell):
    torch_program, keras_program = code.programs(
        **settings(cell=cell, num_words=500, dim=8, units=4, maxlen=12)
    )
    keras_class = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[cell]
    torch_class = {"simplernn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}[cell]
    assert f"layers.{keras_class}(4)," in keras_program
    assert "layers.Embedding(500, 8)," in keras_program
    assert 'keras.Input(shape=(12,), dtype="int32")' in keras_program
    assert f"self.rnn = {torch_class}(dim, units, batch_first=True)" in torch_program
    assert "NUM_WORDS, MAXLEN, DIM, UNITS = 500, 12, 8, 4" in torch_program
    assert ("bias_ih_l0[U : 2 * U] = 1.0" in torch_program) == (cell == "lstm")


def test_korean_morphemes_split_every_text_in_both():
    for program in code.programs(**settings(morphemes=True)):
        assert "from kiwipiepy import Kiwi" in program and "kiwi.tokenize(text)" in program
        assert "text = morphemes(sentence)" in program
    for program in code.programs(**settings()):
        assert "kiwi" not in program.lower()


def literal(program: str, name: str):
    for node in ast.parse(program).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} = ... in the program")


@pytest.mark.parametrize("oov_token", [None, "<OOV>", 'it\'s "odd" \\'])
def test_user_text_stays_a_literal(oov_token):
    torch_program, keras_program = code.programs(**settings(oov_token=oov_token))
    for program in (torch_program, keras_program):
        compile(program, "program", "exec")
        assert literal(program, "sentence") == printable(SENTENCE)
        program.encode("utf-8")  # no lone surrogate left
    assert f"oov_token={oov_token!r})" in keras_program


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cell": "transformer"}, "cell must be one of"),
        ({"optimizer": "adagrad"}, "optimizer must be one of"),
        ({"validation": "kfold"}, "validation must be one of"),
        ({"split": 1.0}, "split must be a number > 0 and < 1"),
        ({"num_words": 1}, "num_words must be a whole number ≥ 2"),
        ({"learning_rate": 0}, "learning_rate must be a number > 0"),
        ({"clipnorm": float("nan")}, "clipnorm must be a number > 0"),
        ({"epochs": 0}, "epochs must be a whole number ≥ 1"),
    ],
)
def test_bad_settings_say_what_to_do(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        code.programs(**settings(**change))
