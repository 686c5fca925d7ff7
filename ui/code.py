"""'Show the code': PyTorch and Keras programs that build the stack on screen, and the pieces
several pages' programs share (tensor literals, the Keras Tokenizer written out in Python).

Pure string building (no Streamlit), so tests can run the snippets: the PyTorch one with torch,
the Keras one with Keras 3, and check their shapes and parameter counts against the summary.
"""

from __future__ import annotations

import re

import torch

from layers.stack import MAX_TOKENS, RECURRENT, StackResult
from layers.text import KERAS_FILTERS

# A program carries the tensors on screen as literals up to this many numbers; beyond that it
# loads the `.npy` file the page offers for download (the lab's and the text page's programs).
LITERAL_LIMIT = 4096


def torch_literal(name: str, tensor: torch.Tensor, comment: str, file: str) -> str:
    """`name = torch.tensor([...])`, or loaded from the page's download when it is large."""
    if tensor.numel() <= LITERAL_LIMIT:
        return f"{name} = torch.tensor({tensor.tolist()!r})  # {comment}"
    return f"{name} = torch.tensor(np.load({file!r}))  # {comment}: the page's download"


def np_literal(name: str, tensor: torch.Tensor, comment: str, file: str) -> str:
    """`name = np.array([...], dtype="float32")`, or `np.load` of the page's download."""
    if tensor.numel() <= LITERAL_LIMIT:
        return f'{name} = np.array({tensor.tolist()!r}, dtype="float32")  # {comment}'
    return f"{name} = np.load({file!r})  # {comment}: the page's download"


# --- The Keras Tokenizer, written out: shared by the text page's and the train page's programs.

_SURROGATES = re.compile(r"[\ud800-\udfff]")


def printable(text: str) -> str:
    """A lone surrogate (half an emoji from a broken paste) becomes U+FFFD, one for one.

    Otherwise the program's print() fails on a UTF-8 terminal, and Kiwi cannot read the text.
    """
    return _SURROGATES.sub("\ufffd", text)


def legacy_tokenizer(*names: str) -> list[str]:
    """The import line of Keras 2's Tokenizer (and friends), as Keras 3 still ships it."""
    return [
        "# Keras 3 dropped Tokenizer from its public API but still ships the Keras 2 class here;",
        "# tutorials' tensorflow.keras.preprocessing.text.Tokenizer is the same algorithm.",
        f"from keras.src.legacy.preprocessing.text import {', '.join(names)}",
    ]


def words_of_snippet(filters: str = KERAS_FILTERS) -> list[str]:
    """Keras' text_to_word_sequence in plain Python: defines `FILTERS` and `words_of(text)`."""
    why = (
        "Keras' default: each becomes a space"
        if filters == KERAS_FILTERS
        else 'Tokenizer(filters=""): a "?" typed apart is a word'
        if not filters
        else "each becomes a space"
    )
    return [
        f"FILTERS = {filters!r}  # {why}",
        "",
        "",
        "def words_of(text):",
        '    """Lower-case, filter characters to spaces, split on spaces, drop empty pieces."""',
        '    text = text.lower().translate(str.maketrans(FILTERS, " " * len(FILTERS)))',
        '    return [word for word in text.split(" ") if word]',
        "",
        "",
    ]


def rank_snippet(oov_token: str | None, index_word: bool = True) -> list[str]:
    """Counts (`word_counts`, a Counter) -> `word_index`, as Keras' fit_on_texts ranks them."""
    lines = [
        "# Most frequent first; most_common() keeps first-seen order among equal counts.",
        "ranked = [word for word, count in word_counts.most_common()]",
    ]
    if oov_token is not None:
        lines.append(f"ranked = [{oov_token!r}, *ranked]  # the OOV token takes index 1")
    lines += [
        "word_index = {word: index for index, word in enumerate(ranked, start=1)}  # 0: padding",
    ]
    if index_word:
        lines.append("index_word = {index: word for word, index in word_index.items()}")
    return lines


def batch_snippet(lines: list[str], filters: str = KERAS_FILTERS) -> list[str]:
    """The pages' batch in plain Python: the Keras Tokenizer fitted on the lines, then
    pad_sequences(padding="pre", truncating="post") as layers.stack.tokenize_batch does: `lines`,
    `words_of`, `word_counts`, `word_index`, `index_word`, `seqs`, `T`, `ids` (B, T)."""
    return [
        f"lines = {[printable(line) for line in lines]!r}  # the sidebar's lines",
        *words_of_snippet(filters),
        "# The Keras Tokenizer's algorithm: count every line's words, most frequent first.",
        "word_counts = Counter()",
        "for line in lines:",
        "    word_counts.update(words_of(line))",
        *rank_snippet(None),
        "seqs = [[word_index[w] for w in words_of(line)] for line in lines]",
        "seqs = [seq for seq in seqs if seq]  # a line without a word is left out",
        f"T = min(max(len(seq) for seq in seqs), {MAX_TOKENS})",
        "# pad_sequences(padding='pre', truncating='post'): zeros in front, cut at the end",
        "ids = torch.tensor([[0] * (T - len(seq[:T])) + seq[:T] for seq in seqs])  # (B, T)",
    ]


def encode_snippet(text_name: str, num_words: int | None, oov_token: str | None) -> list[str]:
    """texts_to_sequences for the one text named `text_name`, in plain Python: `seq`."""
    keep = "index is not None"
    why = "  # a word never seen is dropped" if oov_token is None else ""
    if num_words is not None:
        keep += f" and index < {num_words}"
        why = f"  # only the {num_words - 1} most frequent words"
    lines = []
    if oov_token is not None:
        lines.append(f"oov_index = word_index[{oov_token!r}]")
    lines += [
        "seq = []",
        f"for word in words_of({text_name}):",
        "    index = word_index.get(word)  # None for a word never seen",
        f"    if {keep}:{why}",
        "        seq.append(index)",
    ]
    if oov_token is not None:
        lines += ["    else:", "        seq.append(oov_index)"]
    return lines


TORCH_CLASS = {"rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}
KERAS_CLASS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def _feeds_add_norm(result: StackResult, index: int) -> bool:
    following = result.blocks[index + 1 : index + 2]
    return bool(following) and following[0].spec.kind == "addnorm"


def _ids_literal(result: StackResult) -> str:
    return repr(result.batch.ids.tolist())


def torch_snippet(result: StackResult, *, heads: int, p: float, train: bool, eps: float) -> str:
    """A runnable PyTorch program for the blocks that ran; it prints the final shape."""
    lines = [
        "import torch",
        "from torch import nn",
        "",
        f"ids = torch.tensor({_ids_literal(result)})  # (B, T), 0 = padding",
        "padding = ids == 0",
    ]
    body: list[str] = []
    for block in result.blocks:
        spec, i = block.spec, block.index
        width = block.input.shape[-1]
        name = f"{spec.kind}{i}"
        out_shape = tuple(block.output.shape)
        if _feeds_add_norm(result, i):
            body.append("residual = x  # kept for the Add & Norm after this block")
        if spec.kind == "embed":
            lines.append(f"{name} = nn.Embedding({block.layer.num_embeddings}, {out_shape[-1]})")
            body.append(f"x = {name}(ids)  # {out_shape}")
        elif spec.kind in RECURRENT:
            units = block.layer.units
            bi = ", bidirectional=True" if spec.bidirectional else ""
            lines.append(
                f"{name} = {TORCH_CLASS[spec.kind]}({width}, {units}, batch_first=True{bi})"
            )
            if spec.return_sequences:
                body.append(f"x, _ = {name}(x)  # {out_shape}")
            else:
                body.append(f"_, h_n = {name}(x)")
                h_n = "h_n[0]" if spec.kind == "lstm" else "h_n"
                last = (
                    f"torch.cat([{h_n}[0], {h_n}[1]], dim=-1)"
                    if spec.bidirectional
                    else (f"{h_n}[0]")
                )
                body.append(f"x = {last}  # {out_shape}: the last state only")
        elif spec.kind == "layernorm":
            lines.append(f"{name} = nn.LayerNorm({width}, eps={eps!r})")
            body.append(f"x = {name}(x)  # {out_shape}")
        elif spec.kind == "batchnorm":
            lines.append(f"{name} = nn.BatchNorm1d({width}, eps={eps!r})")
            if len(out_shape) == 3:
                body.append(f"x = {name}(x.transpose(1, 2)).transpose(1, 2)  # (B, D, T) inside")
            else:
                body.append(f"x = {name}(x)  # {out_shape}")
        elif spec.kind == "dropout":
            lines.append(f"{name} = nn.Dropout({p!r})")
            body.append(f"x = {name}(x)  # {out_shape}")
        elif spec.kind == "attention":
            lines.append(f"{name} = nn.MultiheadAttention({width}, {heads}, batch_first=True)")
            body.append(f"x, weights = {name}(x, x, x, key_padding_mask=padding)  # {out_shape}")
        elif spec.kind == "addnorm":
            lines.append(f"{name} = nn.LayerNorm({width}, eps={eps!r})")
            body.append(f"x = {name}(residual + x)  # Add & Norm, {out_shape}")
        elif spec.kind == "ffn":
            lines.append(
                f"{name} = nn.Sequential(nn.Linear({width}, {4 * width}), nn.ReLU(), "
                f"nn.Linear({4 * width}, {width}))"
            )
            body.append(f"x = {name}(x)  # {out_shape}")
        elif spec.kind == "encoder":
            lines.append(
                f"{name} = nn.TransformerEncoderLayer({width}, {heads}, {4 * width}, "
                f"dropout={p!r}, batch_first=True)"
            )
            body.append(f"x = {name}(x, src_key_padding_mask=padding)  # {out_shape}")
    modules = [f"{b.spec.kind}{b.index}" for b in result.blocks]
    mode = "train" if train else "eval"
    lines += ["", f"for module in ({', '.join(modules)},):", f"    module.{mode}()", ""]
    lines += ["with torch.no_grad():"] + [f"    {line}" for line in body]
    lines.append("print(tuple(x.shape))")
    return "\n".join(lines) + "\n"


def keras_snippet(result: StackResult, *, heads: int, p: float, eps: float) -> str:
    """A Keras 3 functional model of the same blocks; `model.summary()` lists the shapes."""
    T = result.batch.ids.shape[1]
    lines = [
        "import keras",
        "from keras import layers",
        "",
        f'inputs = keras.Input(shape=({T},), dtype="int32")  # (B, T)',
    ]
    for block in result.blocks:
        spec = block.spec
        width = block.input.shape[-1]
        if _feeds_add_norm(result, block.index):
            lines.append("residual = x")
        if spec.kind == "embed":
            lines.append(
                f"x = layers.Embedding({block.layer.num_embeddings}, {block.output.shape[-1]})"
                "(inputs)"
            )
        elif spec.kind in RECURRENT:
            cell = (
                f"layers.{KERAS_CLASS[spec.kind]}({block.layer.units}, "
                f"return_sequences={spec.return_sequences})"
            )
            if spec.bidirectional:
                cell = f"layers.Bidirectional({cell})"
            lines.append(f"x = {cell}(x)")
        elif spec.kind == "layernorm":
            lines.append(f"x = layers.LayerNormalization(epsilon={eps!r})(x)")
        elif spec.kind == "batchnorm":
            lines.append(f"x = layers.BatchNormalization(epsilon={eps!r})(x)")
        elif spec.kind == "dropout":
            lines.append(f"x = layers.Dropout({p!r})(x)")
        elif spec.kind == "attention":
            lines.append(
                f"x = layers.MultiHeadAttention(num_heads={heads}, key_dim={width // heads})(x, x)"
            )
        elif spec.kind == "addnorm":
            lines.append(
                f"x = layers.LayerNormalization(epsilon={eps!r})(layers.Add()([residual, x]))"
            )
        elif spec.kind == "ffn":
            lines.append(f'x = layers.Dense({4 * width}, activation="relu")(x)')
            lines.append(f"x = layers.Dense({width})(x)")
        elif spec.kind == "encoder":
            lines += [
                "# Keras has no built-in encoder block: the same four steps by hand",
                f"a = layers.MultiHeadAttention(num_heads={heads}, key_dim={width // heads})(x, x)",
                f"x = layers.LayerNormalization(epsilon={eps!r})(layers.Add()([x, a]))",
                f'f = layers.Dense({4 * width}, activation="relu")(x)',
                f"f = layers.Dense({width})(f)",
                f"x = layers.LayerNormalization(epsilon={eps!r})(layers.Add()([x, f]))",
            ]
    lines += ["", "model = keras.Model(inputs, x)", "model.summary()"]
    return "\n".join(lines) + "\n"
