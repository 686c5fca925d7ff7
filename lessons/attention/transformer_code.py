"""'Show the code' for the encoder & decoder part: PyTorch and Keras 3 programs on the page's ids.

`programs(pairs, ...)` returns `(torch_program, keras_program)`. The PyTorch program builds
nn.TransformerEncoderLayer and nn.TransformerDecoderLayer (batch_first, post-norm, no dropout)
with the page's sizes, draws the very weights the page drew (the same seeds, in the page's order),
runs the page's ids with the causal mask and both padding masks, prints every shape and the
cross-attention map the page shows for its line and head; it leaves `memory`, `out`, `enc_w`,
`self_w` and `cross` in its namespace. The Keras program builds the same two blocks from
keras.layers (MultiHeadAttention with use_causal_mask=True for the decoder, query = decoder and
key = value = encoder output for cross-attention) as named layers with `encode(ids)` and
`decode(ids, memory)`, and prints the same shapes: Keras draws its own weights, so its numbers
are not the page's, but a test that loads the page's weights into its layers gets the page's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from layers import make_generator
from layers.stack import PAD
from ui.code import LITERAL_LIMIT, printable

# The part imports this module to show it: the model's names are read at call time.
from . import transformer as model

if TYPE_CHECKING:
    from .transformer import Pairs

SHOWN_PAIRS = 3  # pairs named in a comment above the ids
COMMENT_CHARS = 70  # a pair's words in that comment are cut to this many characters


def _seed(seed: int, purpose: str) -> int:
    return make_generator(seed, purpose).initial_seed()


def _ids(name: str, ids: torch.Tensor, letters: str, file: str, module: str) -> str:
    """`name = torch.tensor([[...]])` (or np.array), or loaded from the page's download."""
    shape = tuple(ids.shape)
    comment = f"# {letters} = {shape}"
    if ids.numel() <= LITERAL_LIMIT:
        return f"{name} = {module}({ids.tolist()!r})  {comment}"
    load = f"np.load({file!r})"
    value = f"torch.from_numpy({load})" if module == "torch.tensor" else load
    return f"{name} = {value}  {comment}: the page's download"


def _words(tokens: list[str]) -> str:
    text = printable(" ".join(token for token in tokens if token != PAD))
    return text if len(text) <= COMMENT_CHARS else text[: COMMENT_CHARS - 1] + "…"


def _pairs_comment(pairs: Pairs) -> list[str]:
    lines = []
    for b in range(min(len(pairs.used), SHOWN_PAIRS)):
        lines.append(f"#   line {pairs.used[b]}: {_words(pairs.source.tokens[b])}")
        lines.append(
            f"#   {' ' * len(str(pairs.used[b]))}     -> {_words(pairs.decoder.tokens[b])}"
        )
    if len(pairs.used) > SHOWN_PAIRS:
        lines.append(f"#   … and {len(pairs.used) - SHOWN_PAIRS} more")
    return lines


def _header(pairs: Pairs, module: str) -> list[str]:
    """The ids, the sizes and the padding masks, shared by both programs."""
    return [
        "# The page's sentence pairs as ids: each side has its own Keras-style Tokenizer, 0 is",
        "# padding (added at the end of shorter lines), and the decoder reads",
        f"# {model.START} followed by the target shifted right: position t predicts target",
        "# token t from the tokens before it.",
        *_pairs_comment(pairs),
        _ids("src_ids", pairs.source.ids, "(B, S)", "source_ids.npy", module),
        _ids("tgt_ids", pairs.decoder.ids, "(B, T)", "decoder_ids.npy", module),
        "B, S = src_ids.shape",
        "T = tgt_ids.shape[1]",
    ]


def _sizes(pairs: Pairs, d: int, heads: int) -> list[str]:
    return [
        f"D, H, F = {d}, {heads}, {4 * d}  # width, heads of Dh = D / H = {d // heads}, "
        "feed-forward width 4·D",
        f"V_src, V_tgt = {pairs.source.vocab_size}, {pairs.decoder.vocab_size}  "
        f"# Embedding rows: 0 for padding, the words (and {model.START} on the target side)",
    ]


def _prints() -> list[str]:
    return [
        'print("source ids (B, S):", tuple(src_ids.shape))',
        'print("source vectors (B, S, D):", tuple(x.shape))',
        'print("encoder self-attention (B, H, S, S):", tuple(enc_w.shape))',
        'print("memory (B, S, D):", tuple(memory.shape))',
        'print("decoder ids (B, T):", tuple(tgt_ids.shape))',
        'print("decoder vectors (B, T, D):", tuple(y.shape))',
        'print("masked self-attention (B, H, T, T):", tuple(self_w.shape))',
        'print("cross-attention (B, H, T, S):", tuple(cross.shape))',
        'print("decoder output (B, T, D):", tuple(out.shape))',
    ]


def torch_program(
    pairs: Pairs, *, d: int, heads: int, pe: bool, seed: int, line: int, head: int
) -> str:
    """The page's encoder and decoder blocks in torch.nn, with the page's weights."""
    large = max(pairs.source.ids.numel(), pairs.decoder.ids.numel()) > LITERAL_LIMIT
    positions = [
        "",
        "",
        "def positions(L):",
        '    """(L, D) sinusoidal positional encoding (Vaswani et al. 2017, §3.5)."""',
        "    pos = torch.arange(L, dtype=torch.float64)[:, None]  # (L, 1)",
        "    angle = pos / 10000 ** (torch.arange(0, D, 2, dtype=torch.float64) / D)",
        "    table = torch.zeros(L, D, dtype=torch.float64)",
        "    table[:, 0::2] = torch.sin(angle)",
        "    table[:, 1::2] = torch.cos(angle[:, : D // 2])",
        "    return table.float()",
    ]
    seeds = {
        name: _seed(seed, purpose)
        for name, purpose in (
            ("source", model.SOURCE_PURPOSE),
            ("target", model.TARGET_PURPOSE),
            ("encoder", model.ENCODER_PURPOSE),
            ("decoder", model.DECODER_PURPOSE),
        )
    }
    plus_src = " + positions(S)" if pe else ""
    plus_tgt = " + positions(T)" if pe else ""
    lines = [
        "import math",
        "",
        *(["import numpy as np"] if large else []),
        "import torch",
        "from torch import nn",
        "",
        *_header(pairs, "torch.tensor"),
        *_sizes(pairs, d, heads),
        "src_pad = src_ids == 0  # (B, S) True at padding: keys no query may look at",
        "tgt_pad = tgt_ids == 0  # (B, T)",
        *(positions if pe else []),
        "",
        "",
        "def additive(pad):",
        '    """A padding mask as PyTorch adds it to the scores: 0 to keep, -inf to hide (the',
        '    causal mask below is of this kind; giving both kinds alike avoids a warning)."""',
        '    return torch.zeros(pad.shape).masked_fill(pad, float("-inf"))',
        "",
        "",
        "# The page's weights, drawn again: PyTorch's own initialization, from the page's seeds.",
        "def draw_attention(attention, g):",
        '    """Xavier-uniform over the stacked (3D, D) input projection, U(±1/√D) for the output',
        '    projection, zero biases: what nn.MultiheadAttention does, on the generator g."""',
        "    bound = math.sqrt(6 / (3 * D + D))",
        "    attention.in_proj_weight.uniform_(-bound, bound, generator=g)",
        "    attention.in_proj_bias.zero_()",
        "    attention.out_proj.weight.uniform_(-1 / math.sqrt(D), 1 / math.sqrt(D), generator=g)",
        "    attention.out_proj.bias.zero_()",
        "",
        "",
        "def draw_linear(linear, g):",
        '    """U(±1/√fan_in) for weight and bias: what nn.Linear does, on the generator g."""',
        "    bound = 1 / math.sqrt(linear.in_features)",
        "    linear.weight.uniform_(-bound, bound, generator=g)",
        "    linear.bias.uniform_(-bound, bound, generator=g)",
        "",
        "",
        "def skip_dropout_seed(g):",
        '    """Every Dropout layer of the page draws a number for its masks (unused at p = 0)."""',
        "    torch.randint(0, 2**62, (1,), generator=g)",
        "",
        "",
        "src_embed = nn.Embedding(V_src, D)",
        "tgt_embed = nn.Embedding(V_tgt, D)",
        "# Post-norm (norm_first=False) with ReLU: x = LayerNorm(x + sublayer(x)), as on the page.",
        "encoder = nn.TransformerEncoderLayer(D, H, F, dropout=0.0, batch_first=True)",
        "decoder = nn.TransformerDecoderLayer(D, H, F, dropout=0.0, batch_first=True)",
        "with torch.no_grad():",
        "    # N(0, 1) rows, as nn.Embedding draws them, each side from its own generator",
        f"    src_embed.weight.normal_(generator=torch.Generator().manual_seed({seeds['source']}))",
        f"    tgt_embed.weight.normal_(generator=torch.Generator().manual_seed({seeds['target']}))",
        f"    g = torch.Generator().manual_seed({seeds['encoder']})  # the encoder's, in order",
        "    draw_attention(encoder.self_attn, g)",
        "    skip_dropout_seed(g)  # Add & Norm 1",
        "    draw_linear(encoder.linear1, g)",
        "    draw_linear(encoder.linear2, g)",
        "    skip_dropout_seed(g)  # the feed-forward's",
        "    skip_dropout_seed(g)  # Add & Norm 2",
        f"    g = torch.Generator().manual_seed({seeds['decoder']})  # the decoder's, in order",
        "    draw_attention(decoder.self_attn, g)",
        "    skip_dropout_seed(g)  # Add & Norm 1",
        "    draw_attention(decoder.multihead_attn, g)  # cross-attention",
        "    skip_dropout_seed(g)  # Add & Norm 2",
        "    draw_linear(decoder.linear1, g)",
        "    draw_linear(decoder.linear2, g)",
        "    skip_dropout_seed(g)  # the feed-forward's",
        "    skip_dropout_seed(g)  # Add & Norm 3",
        "encoder.eval()",
        "decoder.eval()",
        "",
        "with torch.no_grad():",
        f"    x = src_embed(src_ids){plus_src}  # (B, S) -> (B, S, D)",
        "    memory = encoder(x, src_key_padding_mask=additive(src_pad))  # (B, S, D)",
        f"    y = tgt_embed(tgt_ids){plus_tgt}  # (B, T) -> (B, T, D)",
        "    causal = nn.Transformer.generate_square_subsequent_mask(T)  # (T, T), -inf above the",
        "    # diagonal: position t may not look at t + 1, t + 2, …",
        "    out = decoder(",
        "        y,",
        "        memory,",
        "        tgt_mask=causal,",
        "        tgt_key_padding_mask=additive(tgt_pad),",
        "        memory_key_padding_mask=additive(src_pad),",
        "    )  # (B, T, D)",
        "    # The layers keep their attention maps to themselves: ask their attentions again.",
        "    _, enc_w = encoder.self_attn(",
        "        x, x, x, key_padding_mask=additive(src_pad), average_attn_weights=False",
        "    )  # (B, H, S, S)",
        "    a, self_w = decoder.self_attn(",
        "        y, y, y, attn_mask=causal, key_padding_mask=additive(tgt_pad),",
        "        average_attn_weights=False,",
        "    )  # (B, H, T, T)",
        "    state = decoder.norm1(y + a)  # after Add & Norm 1: cross-attention's queries",
        "    _, cross = decoder.multihead_attn(",
        "        state, memory, memory, key_padding_mask=additive(src_pad),",
        "        average_attn_weights=False,",
        "    )  # (B, H, T, S): queries from the decoder, keys and values from the memory",
        "",
        *_prints(),
        "",
        f"b, head = {line}, {head}  # the page's line {pairs.used[line]} and head {head + 1}, "
        "counted from 0 here",
        "torch.set_printoptions(precision=4, sci_mode=False)",
        f'print("cross-attention, line {pairs.used[line]}, head {head + 1} '
        '(rows: decoder tokens, columns: source tokens):")',
        "print(cross[b, head])",
        "",
    ]
    return "\n".join(lines)


def keras_program(
    pairs: Pairs, *, d: int, heads: int, pe: bool, seed: int, line: int, head: int
) -> str:
    """The same two blocks from keras.layers, printing the same shapes."""
    positions = [
        "",
        "",
        "def positions(L):",
        '    """(L, D) sinusoidal positional encoding (Vaswani et al. 2017, §3.5)."""',
        "    pos = np.arange(L)[:, None]  # (L, 1)",
        "    angle = pos / 10000 ** (np.arange(0, D, 2) / D)",
        "    table = np.zeros((L, D))",
        "    table[:, 0::2] = np.sin(angle)",
        "    table[:, 1::2] = np.cos(angle[:, : D // 2])",
        '    return table.astype("float32")',
    ]
    add_src = "keras.ops.add(src_embed(ids), positions(S))" if pe else "src_embed(ids)"
    add_tgt = "keras.ops.add(tgt_embed(ids), positions(T))" if pe else "tgt_embed(ids)"
    lines = [
        "import os",
        "",
        'os.environ["KERAS_BACKEND"] = "torch"  # "tensorflow" or "jax" build the same layers',
        "",
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        *_header(pairs, "np.array"),
        *_sizes(pairs, d, heads),
        "# Keras' attention_mask says where a query MAY look (True = keep), (B, T, S): the",
        "# opposite of PyTorch's padding masks. Keras' translation tutorial derives them from the",
        "# ids as well (its PositionalEmbedding's compute_mask: ids != 0).",
        "src_keep = src_ids != 0  # (B, S)",
        "tgt_keep = tgt_ids != 0  # (B, T)",
        "enc_mask = np.repeat(src_keep[:, None, :], S, axis=1)  # (B, S, S)",
        "self_mask = np.repeat(tgt_keep[:, None, :], T, axis=1)  # (B, T, T); causal added below",
        "cross_mask = np.repeat(src_keep[:, None, :], T, axis=1)  # (B, T, S)",
        *(positions if pe else []),
        "",
        "",
        "def norm():",
        '    """LayerNormalization with PyTorch\'s ε (Keras\' default is 1e-3)."""',
        "    return layers.LayerNormalization(epsilon=1e-5)",
        "",
        "",
        "def feed_forward():",
        '    return keras.Sequential([layers.Dense(F, activation="relu"), layers.Dense(D)])',
        "",
        "",
        "# Keras draws its own initial weights: the shapes and the masks are the page's, the",
        "# numbers are not (the PyTorch program reproduces those).",
        "src_embed = layers.Embedding(V_src, D)",
        "tgt_embed = layers.Embedding(V_tgt, D)",
        "# Encoder block, post-norm as on the page: x = LayerNorm(x + sublayer(x)).",
        "enc_attention = layers.MultiHeadAttention(num_heads=H, key_dim=D // H)",
        "enc_norm1, enc_ffn, enc_norm2 = norm(), feed_forward(), norm()",
        "# Decoder block: masked self-attention, cross-attention over the memory, feed-forward.",
        "dec_self = layers.MultiHeadAttention(num_heads=H, key_dim=D // H)",
        "dec_cross = layers.MultiHeadAttention(num_heads=H, key_dim=D // H)",
        "dec_norm1, dec_norm2, dec_ffn, dec_norm3 = norm(), norm(), feed_forward(), norm()",
        "",
        "",
        "def encode(ids):",
        f"    x = {add_src}  # (B, S) -> (B, S, D)",
        "    a, enc_w = enc_attention(x, x, attention_mask=enc_mask, return_attention_scores=True)",
        "    h = enc_norm1(x + a)",
        "    return x, enc_w, enc_norm2(h + enc_ffn(h))  # memory (B, S, D)",
        "",
        "",
        "def decode(ids, memory):",
        f"    y = {add_tgt}  # (B, T) -> (B, T, D)",
        "    a, self_w = dec_self(",
        "        y,",
        "        y,",
        "        attention_mask=self_mask,",
        "        use_causal_mask=True,",
        "        return_attention_scores=True,",
        "    )  # (B, H, T, T): zero above the diagonal",
        "    h = dec_norm1(y + a)",
        "    c, cross = dec_cross(",
        "        query=h,",
        "        value=memory,",
        "        key=memory,",
        "        attention_mask=cross_mask,",
        "        return_attention_scores=True,",
        "    )  # (B, H, T, S): queries from the decoder, keys and values from the encoder",
        "    h = dec_norm2(h + c)",
        "    return y, self_w, cross, dec_norm3(h + dec_ffn(h))  # out (B, T, D)",
        "",
        "",
        "x, enc_w, memory = encode(src_ids)",
        "y, self_w, cross, out = decode(tgt_ids, memory)",
        "",
        *_prints(),
        'print("weights of one attention layer:", dec_cross.count_params())  # 4·(D² + D)',
        "",
    ]
    return "\n".join(lines)


def programs(
    pairs: Pairs, *, d: int, heads: int, pe: bool, seed: int, line: int, head: int
) -> tuple[str, str]:
    """(PyTorch program, Keras program) for the page's pairs and settings; `line` and `head`
    are 0-based (the line within the batch)."""
    kw = dict(d=d, heads=heads, pe=pe, seed=seed, line=line, head=head)
    return torch_program(pairs, **kw), keras_program(pairs, **kw)
