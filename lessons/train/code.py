"""'Show the code' for the train page: the tutorial's whole run, from TSV files to a saved model.

`programs(...)` returns `(torch_program, keras_program)`: two complete programs that read the
page's split files from the current directory (`split_files` writes them: train.tsv, test.tsv
and, with a held-out validation set, val.tsv), fit Keras' Tokenizer on the training rows only,
pad, build Embedding → SimpleRNN / LSTM / GRU → Dense(1, sigmoid), train, evaluate, predict the
page's sentence, then save the model, load it back and check that it predicts the same.

The Keras program is the tutorial in Keras 3. The PyTorch program writes out what Keras does
for you: the Tokenizer, pad_sequences, Keras' initializers and optimizer defaults,
validation_split (the END of the training file) and the fit loop with one line per epoch.
User text becomes literals through repr(), so quotes, backslashes or Hangul cannot break out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from layers.training import CELLS, KERAS_CLASSES
from ui.code import encode_snippet, legacy_tokenizer, printable, rank_snippet, words_of_snippet

PARTS = ("train", "val", "test")
FILES = {part: f"{part}.tsv" for part in PARTS}  # what the programs open
HEADER = "label\ttext"
VALIDATIONS = ("split", "data")  # Keras' validation_split, or a held-out validation_data
OPTIMIZERS = {"rmsprop": "RMSprop", "adam": "Adam", "sgd": "SGD"}  # keras.optimizers classes
TORCH_CELLS = {"simplernn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}
GATES = {"simplernn": 1, "lstm": 4, "gru": 3}

# A tab ends a TSV cell; these end a line for open() or str.splitlines().
_BREAKS = re.compile(r"[\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


# --- The files -----------------------------------------------------------------------------


def _label_text(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def split_files(
    texts: Sequence[str], labels: np.ndarray, parts: dict[str, np.ndarray]
) -> dict[str, bytes]:
    """Part name -> the part's rows as UTF-8 TSV: a `label<TAB>text` header, one row a line.

    `parts` maps a name ("train", "val", "test") to row indices, in the order to write them;
    the page offers each as FILES[name]. Tabs and line breaks in a text become spaces and a
    lone surrogate becomes U+FFFD, so that every row stays one line of two cells.
    """
    labels = np.asarray(labels)
    files = {}
    for name, rows in parts.items():
        lines = [HEADER]
        for i in np.asarray(rows, dtype=np.int64).reshape(-1).tolist():
            text = _BREAKS.sub(" ", printable(texts[i]))
            lines.append(f"{_label_text(labels[i])}\t{text}")
        files[name] = ("\n".join(lines) + "\n").encode("utf-8")
    return files


def file_parts(parts: dict[str, np.ndarray], validation: str) -> dict[str, np.ndarray]:
    """The page's train/val/test rows as the programs read them.

    With validation_split, train.tsv is the whole pool in the page's order: the training rows,
    then the validation rows, which Keras takes back from the end. With a held-out set, the
    validation rows are val.tsv.
    """
    _check_choice(validation, VALIDATIONS, "validation")
    empty = np.zeros(0, dtype=np.int64)
    train, val = parts.get("train", empty), parts.get("val", empty)
    if validation == "split":
        return {"train": np.concatenate([train, val]), "test": parts.get("test", empty)}
    return {"train": train, "val": val, "test": parts.get("test", empty)}


# --- Checking the settings -----------------------------------------------------------------


def _check_choice(value: str, choices: Sequence[str], name: str) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _whole(value: int, name: str, least: int = 1) -> int:
    if not _is_number(value) or int(value) != value or value < least:
        raise ValueError(f"{name} must be a whole number ≥ {least}, got {value!r}")
    return int(value)


def _number(value: float, name: str, *, below: float = math.inf) -> float:
    if not (_is_number(value) and math.isfinite(value) and 0 < value < below):
        limit = "" if below == math.inf else f" and < {below}"
        raise ValueError(f"{name} must be a number > 0{limit}, got {value!r}")
    return float(value)


def param_counts(cell: str, num_words: int, dim: int, units: int) -> tuple[int, int]:
    """(Keras', PyTorch's) parameter count: torch keeps two bias vectors per gate, Keras one
    (its GRU, with reset_after=True, keeps two as well)."""
    V, D, U, G = num_words, dim, units, GATES[cell]
    keras_bias = 2 if cell == "gru" else 1
    dense = U + 1
    return (
        V * D + G * U * (D + U + keras_bias) + dense,
        V * D + G * U * (D + U + 2) + dense,
    )


# --- Pieces both programs share ------------------------------------------------------------

_ROWS = (
    'print("rows: train", len(train_texts), "validation", len(val_texts), "test", len(test_texts))'
)


def _read(validation: str, morphemes: bool) -> list[str]:
    lines = [
        "def read_tsv(path):",
        '    """One `label<TAB>text` per line under a header line: (texts, labels)."""',
        "    texts, labels = [], []",
        '    with open(path, encoding="utf-8") as f:',
        "        next(f)  # the header: label<TAB>text",
        "        for line in f:",
        '            label, text = line.rstrip("\\n").split("\\t", 1)',
        "            texts.append(text)",
        "            labels.append(float(label))",
        '    return texts, np.array(labels, dtype="float32")',
        "",
        "",
    ]
    if validation == "split":
        lines.append('train_texts, y_train = read_tsv("train.tsv")  # validation rows at its end')
    else:
        lines += [
            'train_texts, y_train = read_tsv("train.tsv")',
            'val_texts, y_val = read_tsv("val.tsv")  # the held-out validation set',
        ]
    lines.append('test_texts, y_test = read_tsv("test.tsv")')
    if morphemes:
        val = (
            ["val_texts = [morphemes(text) for text in val_texts]"] if validation == "data" else []
        )
        lines += [
            "",
            "# Korean: split every text into morphemes first; the Tokenizer then sees the forms.",
            "kiwi = Kiwi()  # loads Kiwi's model: about a second",
            "",
            "",
            "def morphemes(text):",
            '    """The text\'s morpheme forms joined by spaces, e.g. 밥을 -> 밥 을."""',
            '    return " ".join(token.form for token in kiwi.tokenize(text))',
            "",
            "",
            "train_texts = [morphemes(text) for text in train_texts]",
            *val,
            "test_texts = [morphemes(text) for text in test_texts]",
        ]
    return lines


def _split_comment(split: float) -> list[str]:
    share = f"{split * 100:.4g}%"
    return [
        f"# validation_split={split!r}: Keras keeps the LAST {share} of train.tsv for validation",
        "# (taken before any shuffling) and trains on the rows before split_at, its own formula.",
        "# Fit the Tokenizer on exactly those rows: validation words stay as new as a test's.",
        f"split_at = math.floor(len(train_texts) * (1 - {split!r}))",
    ]


def _sentence(sentence: str, morphemes: bool) -> list[str]:
    """`sentence` and `text`, what the Tokenizer reads: the sentence, or its morphemes."""
    text = "morphemes(sentence)" if morphemes else "sentence"
    return [f"sentence = {printable(sentence)!r}", f"text = {text}"]


def _indent(lines: list[str], spaces: int) -> list[str]:
    return [" " * spaces + line if line else line for line in lines]


# --- The programs --------------------------------------------------------------------------


def programs(
    *,
    cell: str,
    num_words: int,
    oov_token: str | None,
    maxlen: int,
    dim: int,
    units: int,
    optimizer: str,
    learning_rate: float,
    clipnorm: float | None,
    epochs: int,
    batch_size: int,
    validation: str,
    split: float,
    seed: int,
    morphemes: bool,
    sentence: str,
) -> tuple[str, str]:
    """(torch_program, keras_program) for the page's settings; see the module docstring."""
    _check_choice(cell, tuple(CELLS), "cell")
    _check_choice(optimizer, tuple(OPTIMIZERS), "optimizer")
    _check_choice(validation, VALIDATIONS, "validation")
    num_words = _whole(num_words, "num_words", 2)  # index 1 is a word or the OOV token
    maxlen, dim, units = _whole(maxlen, "maxlen"), _whole(dim, "dim"), _whole(units, "units")
    epochs, batch_size = _whole(epochs, "epochs"), _whole(batch_size, "batch_size")
    seed = _whole(seed, "seed", 0)
    learning_rate = _number(learning_rate, "learning_rate")
    clipnorm = None if clipnorm is None else _number(clipnorm, "clipnorm")
    split = _number(split, "split", below=1.0)
    oov_token = None if oov_token is None else printable(str(oov_token))
    settings = dict(
        cell=cell, num_words=num_words, oov_token=oov_token, maxlen=maxlen, dim=dim, units=units,
        optimizer=optimizer, learning_rate=learning_rate, clipnorm=clipnorm, epochs=epochs,
        batch_size=batch_size, validation=validation, split=split, seed=seed,
        morphemes=bool(morphemes), sentence=str(sentence),
    )  # fmt: skip
    return _torch_program(**settings), _keras_program(**settings)


def _keras_program(
    *, cell, num_words, oov_token, maxlen, dim, units, optimizer, learning_rate, clipnorm,
    epochs, batch_size, validation, split, seed, morphemes, sentence,
) -> str:  # fmt: skip
    keras_count, _ = param_counts(cell, num_words, dim, units)
    if validation == "split":
        fit_rows = [
            *_split_comment(split),
            "tokenizer.fit_on_texts(train_texts[:split_at])",
            "val_rows = len(train_texts) - split_at",
            'print("rows: train", split_at, "validation", val_rows, "test", len(test_texts))',
        ]
        pads = ["x_train", "x_test"]
        validation_arg = f"validation_split={split!r},  # the last rows of x_train"
    else:
        fit_rows = [
            "tokenizer.fit_on_texts(train_texts)  # the training rows only",
            _ROWS,
        ]
        pads = ["x_train", "x_val", "x_test"]
        validation_arg = "validation_data=(x_val, y_val),  # the held-out set"
    clip = "" if clipnorm is None else f", clipnorm={clipnorm!r}"
    clip_comment = []
    if clipnorm is not None:
        clip_comment = [
            f"# clipnorm: each weight's gradient is scaled to norm ≤ {clipnorm!r} alone."
        ]
    lines = [
        *(["import math"] if validation == "split" else []),
        "import os",
        "",
        "# The page runs Keras on PyTorch; set KERAS_BACKEND before this line for JAX or",
        "# TensorFlow: the program is the same.",
        'os.environ.setdefault("KERAS_BACKEND", "torch")',
        "",
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        *legacy_tokenizer("Tokenizer", "tokenizer_from_json"),
        *(["from kiwipiepy import Kiwi"] if morphemes else []),
        "",
        f"keras.utils.set_random_seed({seed})  # Python's, NumPy's and the backend's generators",
        "",
        "",
        *_read(validation, morphemes),
        "",
        f"tokenizer = Tokenizer(num_words={num_words}, oov_token={oov_token!r})",
        *fit_rows,
        'print("words seen:", len(tokenizer.word_index))',
        "",
        "",
        "def encode(texts, tokenizer=tokenizer):",
        '    """Texts -> (N, T) ids. Keras\' defaults: cut long rows at the start, pad before."""',
        "    sequences = tokenizer.texts_to_sequences(texts)",
        f"    return keras.utils.pad_sequences(sequences, maxlen={maxlen})",
        "",
        "",
        *[f"{x} = encode({x[2:]}_texts)" for x in pads],
        'print("x_train:", x_train.shape)  # (N, T)'
        + (", validation rows included" if validation == "split" else ""),
        "",
        "model = keras.Sequential(",
        "    [",
        f'        keras.Input(shape=({maxlen},), dtype="int32"),  # (B, T) word ids',
        f"        layers.Embedding({num_words}, {dim}),  # (B, T) -> (B, T, D)",
        f"        layers.{KERAS_CLASSES[cell]}({units}),  # (B, T, D) -> (B, U): the last state",
        '        layers.Dense(1, activation="sigmoid"),  # (B, U) -> (B, 1): P(label 1)',
        "    ]",
        ")",
        f"model.summary()  # Total params: {keras_count:,}",
        *clip_comment,
        "model.compile(",
        f"    optimizer=keras.optimizers.{OPTIMIZERS[optimizer]}"
        f"(learning_rate={learning_rate!r}{clip}),",
        '    loss="binary_crossentropy",',
        '    metrics=["accuracy"],',
        ")",
        "history = model.fit(",
        "    x_train,",
        "    y_train,",
        f"    epochs={epochs},",
        f"    batch_size={batch_size},",
        f"    {validation_arg}",
        "    verbose=2,  # one line per epoch",
        ")",
        "print(history.history.keys())",
        "",
        "test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)",
        'print(f"test loss: {test_loss:.4f} - test accuracy: {test_accuracy:.4f}")',
        "",
        *_sentence(sentence, morphemes),
        "seq = tokenizer.texts_to_sequences([text])[0]",
        'print("tokens:", [tokenizer.index_word[i] for i in seq])  # as the model sees them',
        'print("ids:", seq)',
        f"x = keras.utils.pad_sequences([seq], maxlen={maxlen})  # (1, T)",
        "probability = float(model.predict(x, verbose=0)[0, 0])",
        'print(f"probability: {probability:.4f} -> label {int(probability > 0.5)}")',
        "",
        'model.save("sentiment.keras")  # architecture, weights and optimizer state',
        'with open("tokenizer.json", "w", encoding="utf-8") as f:',
        "    f.write(tokenizer.to_json())  # the model needs its word_index too",
        'restored = keras.models.load_model("sentiment.keras")',
        'with open("tokenizer.json", encoding="utf-8") as f:',
        "    restored_tokenizer = tokenizer_from_json(f.read())",
        "# The whole way again, from the test texts, with what was loaded:",
        "x_again = encode(test_texts, restored_tokenizer)",
        "before = model.predict(x_test, verbose=0)",
        "after = restored.predict(x_again, verbose=0)",
        "same = np.array_equal(after, before)",
        'print("same predictions after loading:", same)',
        "",
    ]
    return "\n".join(lines)


def _torch_model(cell: str) -> list[str]:
    torch_class = TORCH_CELLS[cell]
    keras_class = KERAS_CLASSES[cell]
    last = "_, (h, c) = self.rnn(x)" if cell == "lstm" else "_, h = self.rnn(x)"
    return [
        "class SentimentModel(nn.Module):",
        f'    """Embedding -> {keras_class} -> Dense(1, sigmoid), as in keras.Sequential."""',
        "",
        "    def __init__(self, num_words, dim, units):",
        "        super().__init__()",
        "        self.embedding = nn.Embedding(num_words, dim)",
        f"        self.rnn = {torch_class}(dim, units, batch_first=True)  # (B, T, D) in",
        "        self.dense = nn.Linear(units, 1)",
        "",
        "    def forward(self, ids):",
        "        x = self.embedding(ids)  # (B, T) -> (B, T, D)",
        f"        {last}  # h: (1, B, U), the last state",
        "        return torch.sigmoid(self.dense(h[0]))  # (B, U) -> (B, 1): P(label 1)",
        "",
        "",
    ]


def _torch_init(cell: str) -> list[str]:
    biases = {
        "simplernn": "torch: b_ih + b_hh, Keras: one bias",
        "lstm": "torch: b_ih + b_hh, Keras: one bias",
        "gru": "b_ih and b_hh, as Keras' GRU",
    }[cell]
    forget = (
        [
            "        # unit_forget_bias=True: the forget gate starts at 1 (gates i, f, g, o)",
            "        model.rnn.bias_ih_l0[U : 2 * U] = 1.0",
        ]
        if cell == "lstm"
        else []
    )
    return [
        "def keras_init_(model, generator):",
        '    """Keras\' initializers, which differ from torch\'s defaults."""',
        *(["    U = model.rnn.hidden_size"] if cell == "lstm" else []),
        "    with torch.no_grad():",
        "        nn.init.uniform_(model.embedding.weight, -0.05, 0.05, generator=generator)",
        "        nn.init.xavier_uniform_(model.rnn.weight_ih_l0, generator=generator)  # glorot",
        "        nn.init.orthogonal_(model.rnn.weight_hh_l0, generator=generator)",
        f"        model.rnn.bias_ih_l0.zero_()  # {biases}",
        "        model.rnn.bias_hh_l0.zero_()",
        *forget,
        "        nn.init.xavier_uniform_(model.dense.weight, generator=generator)",
        "        model.dense.bias.zero_()",
        *(
            [
                "    # Keras trains one bias; both trained, b_ih + b_hh move twice a batch.",
                "    model.rnn.bias_hh_l0.requires_grad_(False)",
            ]
            if cell != "gru"
            else []
        ),
        "",
        "",
    ]


def _torch_summary(cell: str) -> list[str]:
    last = "_, (h, c) = model.rnn(x)" if cell == "lstm" else "_, h = model.rnn(x)"
    return [
        "def summary(model, maxlen):",
        '    """As Keras\' model.summary(): each layer\'s output shape and parameter count."""',
        "    with torch.no_grad():",
        "        x = model.embedding(torch.zeros(1, maxlen, dtype=torch.long))  # one row of ids",
        f"        {last}",
        "        h = h[0]",
        "        p = model.dense(h)",
        "    for name, module, out in [",
        '        ("embedding", model.embedding, x),',
        '        ("rnn", model.rnn, h),',
        '        ("dense", model.dense, p),',
        "    ]:",
        '        kind = f"{name} ({type(module).__name__})"',
        "        shape = str((None, *out.shape[1:]))  # None: any batch size",
        "        count = sum(w.numel() for w in module.parameters())",
        '        print(f"{kind:<24} {shape:<16} {count:>10,}")',
        "",
        "",
    ]


def _count_comment(cell: str, keras_count: int, torch_count: int) -> list[str]:
    if keras_count == torch_count:
        return [f"# {keras_count:,}, as Keras' summary: its GRU keeps two bias vectors too."]
    return [
        f"# Keras' summary counts {keras_count:,}: torch adds {torch_count - keras_count:,}, "
        "its second bias vector.",
    ]


def _torch_optimizer(optimizer: str, learning_rate: float) -> list[str]:
    lr = f"lr={learning_rate!r}"
    if optimizer == "rmsprop":
        return [
            "# Keras' RMSprop: rho=0.9 (torch calls it alpha, default 0.99) and epsilon=1e-7.",
            "# torch divides by sqrt(v) + eps, Keras by sqrt(v + eps): a difference only while v",
            "# is tiny.",
            f"optimizer = torch.optim.RMSprop(model.parameters(), {lr}, alpha=0.9, eps=1e-7)",
        ]
    if optimizer == "adam":
        return [
            "# Keras' Adam: beta_1=0.9, beta_2=0.999 and epsilon=1e-7 (torch's default: 1e-8).",
            f"optimizer = torch.optim.Adam(model.parameters(), {lr}, betas=(0.9, 0.999), eps=1e-7)",
        ]
    return [
        "# Keras' SGD: no momentum, as torch's default.",
        f"optimizer = torch.optim.SGD(model.parameters(), {lr})",
    ]


def _torch_program(
    *, cell, num_words, oov_token, maxlen, dim, units, optimizer, learning_rate, clipnorm,
    epochs, batch_size, validation, split, seed, morphemes, sentence,
) -> str:  # fmt: skip
    keras_count, torch_count = param_counts(cell, num_words, dim, units)
    if validation == "split":
        fit_rows = [
            *_split_comment(split),
            "val_texts, y_val = train_texts[split_at:], y_train[split_at:]",
            "train_texts, y_train = train_texts[:split_at], y_train[:split_at]",
        ]
    else:
        fit_rows = []
    clip = (
        []
        if clipnorm is None
        else [
            "        for weight in model.parameters():  # Keras' clipnorm: each weight on its own",
            f"            torch.nn.utils.clip_grad_norm_(weight, {clipnorm!r})",
        ]
    )
    lines = [
        "import json",
        "import math",
        "import time",
        "from collections import Counter",
        "",
        "import numpy as np",
        "import torch",
        *(["from kiwipiepy import Kiwi"] if morphemes else []),
        "from torch import nn",
        "",
        f"SEED = {seed}",
        f"NUM_WORDS, MAXLEN, DIM, UNITS = {num_words}, {maxlen}, {dim}, {units}  # V, T, D, U",
        f"EPOCHS, BATCH_SIZE = {epochs}, {batch_size}",
        "",
        "",
        *_read(validation, morphemes),
        "",
        *fit_rows,
        _ROWS,
        "",
        "# PyTorch has no word tokenizer: here is the Keras Tokenizer's algorithm in Python.",
        *words_of_snippet(),
        "word_counts = Counter()  # remembers words in first-seen order",
        "for text in train_texts:  # the training rows only",
        "    word_counts.update(words_of(text))",
        *rank_snippet(oov_token),
        'print("words seen:", len(word_index))',
        "",
        "",
        "def texts_to_sequences(texts):",
        '    """Each text as a list of word ids, as Tokenizer.texts_to_sequences gives them."""',
        "    sequences = []",
        "    for text in texts:",
        *_indent(encode_snippet("text", num_words, oov_token), 8),
        "        sequences.append(seq)",
        "    return sequences",
        "",
        "",
        "def pad_sequences(sequences, maxlen):",
        '    """Keras\' defaults: cut long rows at the start, put the zeros before short ones."""',
        '    padded = np.zeros((len(sequences), maxlen), dtype="int64")  # (N, T), 0: padding',
        "    for row, seq in enumerate(sequences):",
        '        seq = seq[-maxlen:]  # truncating="pre": keep the last maxlen ids',
        "        if seq:",
        '            padded[row, maxlen - len(seq) :] = seq  # padding="pre": zeros first',
        "    return torch.from_numpy(padded)",
        "",
        "",
        "x_train = pad_sequences(texts_to_sequences(train_texts), MAXLEN)  # (N, T)",
        "x_val = pad_sequences(texts_to_sequences(val_texts), MAXLEN)",
        "x_test = pad_sequences(texts_to_sequences(test_texts), MAXLEN)",
        "y_train = torch.from_numpy(y_train).reshape(-1, 1)  # (N,) -> (N, 1)",
        "y_val = torch.from_numpy(y_val).reshape(-1, 1)",
        "y_test = torch.from_numpy(y_test).reshape(-1, 1)",
        'print("x_train:", tuple(x_train.shape), "x_val:", tuple(x_val.shape))',
        "",
        "",
        *_torch_model(cell),
        *_torch_init(cell),
        *_torch_summary(cell),
        "model = SentimentModel(NUM_WORDS, DIM, UNITS)",
        "keras_init_(model, torch.Generator().manual_seed(SEED))  # no global seed needed",
        "summary(model, MAXLEN)",
        *_count_comment(cell, keras_count, torch_count),
        'print("params:", sum(w.numel() for w in model.parameters()))',
        "",
        "# binary_crossentropy on probabilities (Keras clips p to [1e-7, 1 - 1e-7], torch clamps",
        "# log p at -100: the same unless the model is certain and wrong).",
        "loss_fn = nn.BCELoss()",
        *_torch_optimizer(optimizer, learning_rate),
        "",
        "",
        "@torch.no_grad()",
        "def evaluate(x, y):",
        '    """(loss, accuracy) over a whole part, as model.evaluate gives them."""',
        "    p = model(x)",
        "    return loss_fn(p, y).item(), ((p > 0.5).float() == y).float().mean().item()",
        "",
        "",
        "# model.fit: shuffle the training rows every epoch (a seeded generator: the same batches",
        "# every run), one optimizer step per batch, validation after each epoch.",
        "shuffle = torch.Generator().manual_seed(SEED)",
        'history = {"accuracy": [], "loss": [], "val_accuracy": [], "val_loss": []}',
        "N = len(x_train)",
        "batches = math.ceil(N / BATCH_SIZE)",
        "for epoch in range(1, EPOCHS + 1):",
        "    started = time.perf_counter()",
        "    order = torch.randperm(N, generator=shuffle)",
        "    loss_sum, right = 0.0, 0.0",
        "    for start in range(0, N, BATCH_SIZE):",
        "        batch = order[start : start + BATCH_SIZE]",
        "        p = model(x_train[batch])  # (B, 1)",
        "        loss = loss_fn(p, y_train[batch])",
        "        optimizer.zero_grad()",
        "        loss.backward()",
        *clip,
        "        optimizer.step()",
        "        loss_sum += loss.item() * len(batch)  # running means, as Keras prints",
        "        right += ((p > 0.5).float() == y_train[batch]).sum().item()",
        "    val_loss, val_accuracy = evaluate(x_val, y_val)",
        "    logs = {",
        '        "accuracy": right / N,',
        '        "loss": loss_sum / N,',
        '        "val_accuracy": val_accuracy,',
        '        "val_loss": val_loss,',
        "    }",
        "    for key, value in logs.items():",
        "        history[key].append(value)",
        "    seconds = time.perf_counter() - started",
        '    print(f"Epoch {epoch}/{EPOCHS}")',
        '    metrics = " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())',
        "    step = 1000 * seconds / batches",
        '    print(f"{batches}/{batches} - {seconds:.0f}s - {step:.0f}ms/step - {metrics}")',
        "print(history.keys())",
        "",
        "test_loss, test_accuracy = evaluate(x_test, y_test)",
        'print(f"test loss: {test_loss:.4f} - test accuracy: {test_accuracy:.4f}")',
        "",
        *_sentence(sentence, morphemes),
        "seq = texts_to_sequences([text])[0]",
        'print("tokens:", [index_word[i] for i in seq])  # as the model sees them',
        'print("ids:", seq)',
        "x = pad_sequences([seq], MAXLEN)  # (1, T)",
        "with torch.no_grad():",
        "    probability = model(x)[0, 0].item()",
        'print(f"probability: {probability:.4f} -> label {int(probability > 0.5)}")',
        "",
        'torch.save(model.state_dict(), "sentiment.pt")  # the weights: a dict of tensors',
        'with open("word_index.json", "w", encoding="utf-8") as f:',
        "    json.dump(word_index, f, ensure_ascii=False)  # the model needs its words too",
        "restored = SentimentModel(NUM_WORDS, DIM, UNITS)",
        "# weights_only=True: tensors only, never code from a pickle",
        'restored.load_state_dict(torch.load("sentiment.pt", weights_only=True))',
        'with open("word_index.json", encoding="utf-8") as f:',
        "    restored_index = json.load(f)",
        "with torch.no_grad():",
        "    same = torch.equal(restored(x_test), model(x_test)) and restored_index == word_index",
        'print("same predictions after loading:", same)',
        "",
    ]
    return "\n".join(lines)
