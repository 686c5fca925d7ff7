"""'Show the code' for attention step by step: PyTorch and Keras 3 programs with the page's numbers.

`steps_programs` returns `(torch_program, keras_program)`. The PyTorch program tokenizes the
sidebar's lines as the page does (the Keras Tokenizer's algorithm in plain Python, "pre"
padding), draws the page's Embedding and nn.MultiheadAttention weights from the same seeded
generators (layers.make_generator's sha256 seeds), adds the sinusoidal positions, runs the layer
and prints what the page shows: the parameter count, the chosen head's weights for the last token,
and the √Dh lesson's spread, peak weight and entropy with and without the division (computed by
hand from the layer's own weights). The Keras program builds keras.layers.MultiHeadAttention
(num_heads=H, key_dim=Dh), prints its weights' shapes and count_params(), loads the page's
weights in Keras' layout and prints the same row of weights. Tests run both and compare.
"""

from __future__ import annotations

import torch

from layers import make_generator
from layers.stack import MAX_LINES
from ui.code import batch_snippet, np_literal
from ui.compute import capped
from ui.settings import Settings

from .common import ATTENTION_PURPOSE, EMBED_PURPOSE, AttentionRun

ROUND = 4  # decimals of the printed weights


def page_lines(text: str) -> list[str]:
    """The sidebar's lines as the page reads them: capped, non-empty, at most MAX_LINES."""
    return [line for line in capped(text).splitlines() if line.strip()][:MAX_LINES]


def keras_flat(run: AttentionRun) -> torch.Tensor:
    """Every Keras weight, flattened and joined in get_weights() order: (4·(D² + D),)."""
    return torch.cat([w.reshape(-1) for w in run.layer.keras_weights().values()])


def program_files(run: AttentionRun) -> dict[str, torch.Tensor]:
    """The tensors the Keras program loads from the page's downloads (too many to write out)."""
    from ui.code import LITERAL_LIMIT

    files = {"x": run.x, "keras_weights": keras_flat(run)}
    return {name: tensor for name, tensor in files.items() if tensor.numel() > LITERAL_LIMIT}


def torch_model_lines(s: Settings, lines: list[str]) -> list[str]:
    """The start of every PyTorch program of the part and of the heads and explain parts:
    tokenize as the page does, draw its weights from the same seeded generators, add the
    positions, run nn.MultiheadAttention with the page's masks (x, out, weights)."""
    D, H = s.att_d, s.att_heads
    embed_seed = make_generator(s.seed, EMBED_PURPOSE).initial_seed()
    mha_seed = make_generator(s.seed, ATTENTION_PURPOSE).initial_seed()
    positions = [
        "# Sinusoidal positions (in float64, then float32, as the page computes them)",
        "position = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)",
        "pairs = torch.arange(0, D, 2, dtype=torch.float64)  # 2i = 0, 2, 4, …",
        "angle = position / 10000 ** (pairs / D)  # (T, ⌈D/2⌉)",
        "pe = torch.zeros(T, D, dtype=torch.float64)",
        "pe[:, 0::2] = torch.sin(angle)",
        "pe[:, 1::2] = torch.cos(angle[:, : D // 2])",
        "pe = pe.float()  # (T, D)",
        "",
    ]
    return [
        "import math",
        "from collections import Counter",
        "",
        "import torch",
        "from torch import nn",
        "",
        *batch_snippet(lines),
        "padding = ids == 0  # (B, T) True at padding",
        "B = len(seqs)",
        "",
        f"D, H = {D}, {H}  # model width, heads",
        "Dh = D // H  # features per head",
        "V = len(word_index) + 1  # vocabulary; row 0 is padding",
        "embedding = nn.Embedding(V, D)",
        "mha = nn.MultiheadAttention(D, H, batch_first=True)",
        "with torch.no_grad():  # the page's weights: the same seeded generators",
        f"    g = torch.Generator().manual_seed({embed_seed})",
        "    nn.init.normal_(embedding.weight, 0.0, 1.0, generator=g)  # N(0, 1)",
        f"    g = torch.Generator().manual_seed({mha_seed})",
        "    bound = math.sqrt(6 / (3 * D + D))  # xavier_uniform_ over in_proj (3D, D)",
        "    mha.in_proj_weight.uniform_(-bound, bound, generator=g)",
        "    mha.out_proj.weight.uniform_(-1 / math.sqrt(D), 1 / math.sqrt(D), generator=g)",
        "    # the biases stay at PyTorch's 0",
        "",
        *(positions if s.pe else []),
        (
            "hidden_later = torch.ones(T, T, dtype=torch.bool).triu(1)  # (T, S) True: a later key"
            if s.causal
            else "hidden_later = torch.zeros(T, T, dtype=torch.bool)  # causal is off: nothing"
        ),
        "with torch.no_grad():",
        (
            "    x = embedding(ids) + pe  # (B, T, D): token vectors plus positions"
            if s.pe
            else "    x = embedding(ids)  # (B, T, D): token vectors (positions are off)"
        ),
        "    out, weights = mha(",
        "        x, x, x,",
        "        key_padding_mask=padding,",
        "        attn_mask=hidden_later,",
        "        average_attn_weights=False,  # (B, H, T, S): every head's own weights",
        "    )",
    ]


def _torch_program(s: Settings, lines: list[str], b: int, h: int) -> str:
    return "\n".join(
        [
            *torch_model_lines(s, lines),
            "# A query that every mask hides (padding in front, causal) gets NaN weights in",
            "# PyTorch; the page shows zeros there. The last token is never padding.",
            "",
            f"b, h = {b}, {h}  # the sentence and the head on the page (0-based)",
            "count = sum(p.numel() for p in mha.parameters())",
            'print(f"parameters: {count:,} = 4·(D² + D) = {4 * (D * D + D):,}")',
            'print("x", tuple(x.shape), "out", tuple(out.shape), "weights", tuple(weights.shape))',
            'print("tokens:", [index_word.get(i, "<pad>") for i in ids[b].tolist()])',
            "last = weights[b, h, T - 1]  # the last query's row: it sums to 1",
            f"row = [round(w, {ROUND}) for w in last.tolist()]",
            'print(f"weights, head {h + 1}, last token:", row)',
            "",
            "# Why ÷ √Dh: the same scores by hand, with and without the division.",
            "with torch.no_grad():",
            "    w_q, w_k, _ = mha.in_proj_weight.chunk(3)  # (D, D) each",
            "    b_q, b_k, _ = mha.in_proj_bias.chunk(3)",
            "    q = (x @ w_q.T + b_q).view(B, T, H, Dh).transpose(1, 2)  # (B, H, T, Dh)",
            "    k = (x @ w_k.T + b_k).view(B, T, H, Dh).transpose(1, 2)  # (B, H, S, Dh)",
            "    raw = q @ k.transpose(-2, -1)  # (B, H, T, S)",
            "hidden = padding[:, None, None, :] | hidden_later  # (B, 1, T, S) True = hidden",
            "real = ~padding[b]  # the sentence's own tokens as queries",
            'for name, scores in (("with ÷√Dh", raw / math.sqrt(Dh)), ("without", raw)):',
            '    w = scores.masked_fill(hidden, float("-inf")).softmax(dim=-1)[b, h][real]',
            "    seen = scores[b, h][real][~hidden[b, 0][real]]  # the scores a query can see",
            "    entropy = -(w * w.log()).nan_to_num().sum(dim=-1)  # nats; 0·ln 0 = 0",
            "    print(",
            '        f"{name:>9}: std of scores {seen.std(correction=0).item():.4f}, "',
            '        f"top weight {w.amax(dim=-1).mean().item():.4f}, "',
            '        f"entropy {entropy.mean().item():.4f} nats"',
            "    )",
            "limit = (~hidden[b, 0][real]).sum(dim=-1).double().log().mean().item()",
            'print(f"most a row can have: {limit:.4f} nats (ln of its visible keys)")',
            "",
        ]
    )


def keras_call_lines(run: AttentionRun) -> list[str]:
    """The Keras programs' middle (this part's, the heads' and explain's): load the page's
    weights into `mha` in Keras' layout, call it on x with the page's masks (out, weights)."""
    return [
        "# The page's weights in Keras' layout, flattened in get_weights() order:",
        "# query, key, value kernels (D, H, Dh) and biases (H, Dh); output (H, Dh, D), (D,).",
        np_literal("flat", keras_flat(run), "4·(D² + D) numbers", "keras_weights.npy"),
        "shapes = [w.shape for w in mha.get_weights()]",
        "cuts = np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1]",
        "mha.set_weights([p.reshape(shape) for p, shape in zip(np.split(flat, cuts), shapes)])",
        "",
        "# Keras' attention_mask says where a query MAY look (PyTorch's padding: may not).",
        "allowed = np.broadcast_to(~padding[:, None, :], (B, T, T))  # (B, T, S)",
        "out, weights = mha(",
        "    x, x,",
        "    attention_mask=allowed,",
        "    use_causal_mask=causal,",
        "    return_attention_scores=True,",
        ")",
    ]


def keras_input_lines(s: Settings, run: AttentionRun) -> list[str]:
    """The Keras programs' start (this part's, the heads' and explain's): the sizes, the
    page's token vectors x and the padding of every sentence."""
    B, T, D = run.x.shape
    lengths = (~run.batch.padding_mask).sum(dim=1).tolist()  # each sentence's words
    return [
        f"B, T, D, H = {B}, {T}, {D}, {s.att_heads}  # sentences, tokens, width, heads",
        f"causal = {bool(s.causal)}",
        np_literal("x", run.x, f"(B, T, D) = {(B, T, D)}: the page's token vectors", "x.npy"),
        f"lengths = np.array({lengths})  # each sentence's words; the rest is padding in front",
        "padding = np.arange(T)[None, :] < (T - lengths)[:, None]  # (B, T) True at padding",
    ]


def _keras_program(s: Settings, run: AttentionRun, b: int, h: int) -> str:
    return "\n".join(
        [
            "import keras",
            "import numpy as np",
            "",
            *keras_input_lines(s, run),
            "",
            "mha = keras.layers.MultiHeadAttention(num_heads=H, key_dim=D // H)",
            "mha.build((B, T, D), (B, T, D))  # query shape, value shape",
            "for weight in mha.weights:",
            '    print(f"{weight.path:<46} {tuple(weight.shape)}")',
            'print(f"count_params: {mha.count_params():,} = 4·(D² + D) = {4 * (D * D + D):,}")',
            "",
            *keras_call_lines(run),
            "weights = keras.ops.convert_to_numpy(weights)  # (B, H, T, S): after the softmax",
            f"b, h = {b}, {h}  # the sentence and the head on the page (0-based)",
            'print("out", tuple(out.shape), "weights", weights.shape)',
            f'print(f"weights, head {{h + 1}}, last token:", '
            f"np.round(weights[b, h, -1], {ROUND}).tolist())",
            "",
        ]
    )


def steps_programs(run: AttentionRun, s: Settings, *, b: int, h: int) -> tuple[str, str]:
    """The page's layer on the sidebar's sentences; the shown sentence b and head h (0-based)."""
    return _torch_program(s, page_lines(s.text), b, h), _keras_program(s, run, b, h)
