"""'Show the code' for the positions part: PyTorch and Keras 3 programs with the page's numbers.

`programs` returns `(torch_program, keras_program)`. Both build the sinusoidal table and print
the cells the page's formula shows, then run one attention layer on the page's sentence and on
its shuffled words, with positions off and on, and print the largest difference after matching
each word with itself (leaving `table` and `differences` behind). The PyTorch program writes the
tutorial's `PositionalEncoding` and draws the page's very weights from the same generator seeds
into `nn.MultiheadAttention`; the Keras program builds the table with `keras.ops` and loads the
page's token vectors and weights into `keras.layers.MultiHeadAttention`, from literals or, when
large, from the page's downloads. Both run in float64, as the page does for this comparison.
Tests run both and compare with the page.
"""

from __future__ import annotations

import torch

from layers import make_generator
from ui.code import np_literal

from .common import ATTENTION_PURPOSE, EMBED_PURPOSE

VECTORS_FILE = "token_vectors.npy"  # the page's downloads the Keras program loads when large
WEIGHTS_FILE = "attention_weights.npy"


def _header(d_model: int, heads: int, words, order, causal: bool) -> list[str]:
    return [
        f"D, H = {d_model}, {heads}  # model width, heads (Dh = D / H = {d_model // heads})",
        f"words = {list(words)!r}  # the sentence, as the page split it",
        f"order = {list(order)!r}  # the page's shuffle: word k of the shuffled is words[order[k]]",
        f"CAUSAL = {bool(causal)!r}  # the page's causal switch",
    ]


def _cells_line(cells) -> str:
    return (
        f"CELLS = {[tuple(int(v) for v in cell) for cell in cells]!r}  # (pos, feature) on the page"
    )


def torch_program(
    *,
    words,
    ids,
    vocab_size: int,
    d_model: int,
    heads: int,
    causal: bool,
    order,
    cells,
    seed: int,
) -> str:
    embed_seed = make_generator(seed, EMBED_PURPOSE).initial_seed()
    attention_seed = make_generator(seed, ATTENTION_PURPOSE).initial_seed()
    return "\n".join(
        [
            "import math",
            "",
            "import torch",
            "from torch import nn",
            "",
            *_header(d_model, heads, words, order, causal),
            f"V = {vocab_size}  # the text's vocabulary + 1 (index 0 is padding)",
            f"ids = torch.tensor([{list(ids)!r}])  # (1, T) the words' indices",
            _cells_line(cells),
            "",
            "",
            "class PositionalEncoding(nn.Module):",
            '    """The PyTorch tutorial\'s module, batch first and without its dropout."""',
            "",
            "    def __init__(self, d_model, max_len=512):",
            "        super().__init__()",
            "        position = torch.arange(max_len).unsqueeze(1)  # (max_len, 1)",
            "        two_i = torch.arange(0, d_model, 2)  # 2i = 0, 2, 4, …",
            "        div_term = torch.exp(two_i * (-math.log(10000.0) / d_model))  # 10000^(-2i/D)",
            "        pe = torch.zeros(max_len, d_model)",
            "        pe[:, 0::2] = torch.sin(position * div_term)  # PE(pos, 2i)",
            "        # PE(pos, 2i+1); [: d_model // 2] lets an odd D through (no last cosine)",
            "        pe[:, 1::2] = torch.cos(position * div_term[: d_model // 2])",
            '        self.register_buffer("pe", pe)  # a buffer: nothing here is learned',
            "",
            "    def forward(self, x):  # (B, T, D) -> (B, T, D)",
            "        return x + self.pe[: x.size(1)].to(x.dtype)",
            "",
            "",
            "pos_enc = PositionalEncoding(D)",
            "table = pos_enc.pe",
            "for pos, feature in CELLS:",
            '    print(f"PE[{pos}, {feature}] = {table[pos, feature].item():.4f}")',
            "",
            "# The page's untrained weights, drawn from the same seeded generators.",
            "embedding = nn.Embedding(V, D)",
            "mha = nn.MultiheadAttention(D, H, batch_first=True)",
            "with torch.no_grad():",
            f"    g = torch.Generator().manual_seed({embed_seed})",
            "    embedding.weight.copy_(torch.randn(V, D, generator=g))  # N(0, 1) rows",
            f"    g = torch.Generator().manual_seed({attention_seed})",
            "    bound = math.sqrt(6 / (3 * D + D))  # Xavier-uniform over the stacked (3D, D)",
            "    mha.in_proj_weight.uniform_(-bound, bound, generator=g)",
            "    mha.out_proj.weight.uniform_(-1 / math.sqrt(D), 1 / math.sqrt(D), generator=g)",
            "    # both biases start at 0, as PyTorch leaves them",
            "# float64: in float32 the same sums taken in another order round differently (~1e-7)",
            "mha = mha.double().eval()",
            "",
            "x = embedding(ids).detach().double()  # (1, T, D) the token vectors",
            "T = x.size(1)",
            "mask = torch.ones(T, T, dtype=torch.bool).triu(1) if CAUSAL else None  # True: hidden",
            "",
            "",
            "def attend(x):  # (1, T, D) -> (T, D)",
            "    with torch.no_grad():",
            "        out, _ = mha(x, x, x, attn_mask=mask, need_weights=False)",
            "    return out[0]",
            "",
            "",
            "shuffled = x[:, order]  # the same vectors, rows in the shuffled order",
            'print("original:", " ".join(words))',
            'print("shuffled:", " ".join(words[i] for i in order))',
            "differences = {}",
            "for pe_on in (False, True):",
            "    a, b = (pos_enc(x), pos_enc(shuffled)) if pe_on else (x, shuffled)",
            "    out, out_shuffled = attend(a), attend(b)",
            "    # Row k of the shuffled is word order[k]: compare it with that word's row.",
            "    diff = differences[pe_on] = (out_shuffled - out[order]).abs().max().item()",
            "    state = 'on ' if pe_on else 'off'",
            '    print(f"PE {state}: max |difference| after matching words: {diff:.7f}")',
            "",
        ]
    )


def keras_program(
    *,
    words,
    d_model: int,
    heads: int,
    causal: bool,
    order,
    cells,
    vectors: torch.Tensor,
    weights: torch.Tensor,
) -> str:
    T, D = vectors.shape
    return "\n".join(
        [
            "import os",
            "",
            "# Any backend; on JAX, float64 also needs jax.config.update('jax_enable_x64', True).",
            'os.environ.setdefault("KERAS_BACKEND", "torch")',
            "",
            "import keras",
            "import numpy as np",
            "from keras import ops",
            "",
            *_header(d_model, heads, words, order, causal),
            _cells_line(cells),
            np_literal("x", vectors, f"(T, D) = {(T, D)}: the page's token vectors", VECTORS_FILE),
            np_literal(
                "W", weights, "(4, D, D): Wq, Wk, Wv, Wo, PyTorch's (out, in)", WEIGHTS_FILE
            ),
            "",
            "",
            "def positional_encoding(length, depth):",
            '    """PE(pos, 2i) = sin(pos / 10000^(2i/D)), PE(pos, 2i+1) = cos(…), interleaved."""',
            '    position = ops.arange(length, dtype="float64")[:, None]  # (T, 1)',
            '    two_i = ops.arange(0, depth, 2, dtype="float64")  # 2i = 0, 2, 4, …',
            "    angle = position / ops.power(10000.0, two_i / depth)  # (T, ⌈D/2⌉)",
            "    pairs = ops.stack([ops.sin(angle), ops.cos(angle)], axis=-1)  # (T, ⌈D/2⌉, 2)",
            "    # sin, cos, sin, cos, … as the paper (TensorFlow's tutorial puts the sines first)",
            "    return ops.reshape(pairs, (length, -1))[:, :depth]  # (T, D)",
            "",
            "",
            "T = len(words)",
            "table = ops.convert_to_numpy(positional_encoding(512, D))  # max_len 512, as the page",
            "for pos, feature in CELLS:",
            '    print(f"PE[{pos}, {feature}] = {table[pos, feature]:.4f}")',
            "",
            "Dh = D // H",
            'mha = keras.layers.MultiHeadAttention(num_heads=H, key_dim=Dh, dtype="float64")',
            "mha.build((1, T, D), (1, T, D))",
            "# Keras keeps a kernel per head: (D, H, Dh) for query, key and value, (H, Dh, D) for",
            "# the output. PyTorch's rows are head-major, so a transpose and a reshape move them.",
            "mha.set_weights(",
            "    [",
            "        W[0].T.reshape(D, H, Dh), np.zeros((H, Dh)),  # query: kernel, bias (0)",
            "        W[1].T.reshape(D, H, Dh), np.zeros((H, Dh)),  # key",
            "        W[2].T.reshape(D, H, Dh), np.zeros((H, Dh)),  # value",
            "        W[3].T.reshape(H, Dh, D), np.zeros(D),  # attention_output",
            "    ]",
            ")",
            "",
            "",
            "def attend(x):  # (1, T, D) -> (T, D)",
            "    # Asking for the weights keeps Keras on its einsum-and-softmax path, float64 all",
            "    # through; its fused dot_product_attention computed float64 inputs in float32",
            "    # (Keras 3.15, torch backend), and 1e-7 of rounding would hide the exact zero.",
            "    out, _ = mha(x, x, use_causal_mask=CAUSAL, return_attention_scores=True)",
            "    return ops.convert_to_numpy(out)[0]",
            "",
            "",
            'x = x.astype("float64")[None]  # (1, T, D); float64, as the page compares',
            "shuffled = x[:, order]  # the same vectors, rows in the shuffled order",
            'print("original:", " ".join(words))',
            'print("shuffled:", " ".join(words[i] for i in order))',
            "pe = table[:T]  # positions 0..T−1, whatever words stand there",
            "differences = {}",
            "for pe_on in (False, True):",
            "    a, b = (x + pe, shuffled + pe) if pe_on else (x, shuffled)",
            "    out, out_shuffled = attend(a), attend(b)",
            "    # Row k of the shuffled is word order[k]: compare it with that word's row.",
            "    diff = differences[pe_on] = float(np.abs(out_shuffled - out[order]).max())",
            "    state = 'on ' if pe_on else 'off'",
            '    print(f"PE {state}: max |difference| after matching words: {diff:.7f}")',
            "",
        ]
    )


def programs(
    *,
    words,
    ids,
    vocab_size: int,
    d_model: int,
    heads: int,
    causal: bool,
    order,
    cells,
    seed: int,
    vectors: torch.Tensor,
    weights: torch.Tensor,
) -> tuple[str, str]:
    """The page's two programs: the table's cells, then the shuffle check with PE off and on.

    `vectors` (T, D) are the sentence's token vectors and `weights` (4, D, D) the attention
    layer's Wq, Wk, Wv, Wo, both for the Keras program (PyTorch draws them from the seeds).
    """
    return (
        torch_program(
            words=words,
            ids=ids,
            vocab_size=vocab_size,
            d_model=d_model,
            heads=heads,
            causal=causal,
            order=order,
            cells=cells,
            seed=seed,
        ),
        keras_program(
            words=words,
            d_model=d_model,
            heads=heads,
            causal=causal,
            order=order,
            cells=cells,
            vectors=vectors,
            weights=weights,
        ),
    )
