"""'Show the code' for all heads and for one explained number: PyTorch and Keras 3 programs that
rebuild the page's layer on the sidebar's sentences and print what the part shows.

`heads_programs` print every head's mean entropy over the sentence's words and, for the chosen
head, the key each query reads most (the part's reading). `explain_programs` print the chosen
cell written out: qᵢ, kⱼ, qᵢ·kⱼ, the score (÷ √Dh or not), whether the mask hides it, its weight
after the row's softmax, the head's output Σⱼ wᵢⱼ vⱼ and the layer's output row after W_o.

Both compute the maps by hand from the layer's own projections, so that switching √Dh off (which
neither nn.MultiheadAttention nor keras.layers.MultiHeadAttention can) still gives the page's
numbers; with √Dh on they also print what the library itself returns. The PyTorch program draws
the page's weights from the same seeded generators; the Keras one loads them in Keras' layout.
Tests run all four and compare with the page.
"""

from __future__ import annotations

from ui.code import printable
from ui.settings import Settings

from .common import AttentionRun
from .steps_code import keras_call_lines, keras_input_lines, page_lines, torch_model_lines

READ_QUERIES = 8  # as the page: the first 8 of the sentence's words
ROUND = 4  # decimals of printed vectors
SHOWN = 8  # numbers printed of the layer's output row


def _torch_model(s: Settings, lines: list[str]) -> list[str]:
    """Tokenize as the page does, draw its weights, run nn.MultiheadAttention: x, out, weights."""
    return [
        *torch_model_lines(s, lines),
        "hidden = padding[:, None, None, :] | hidden_later  # (B, 1, T, S) True = hidden",
        "",
        "# Every head by hand, from the layer's own projections (÷ √Dh can be switched off).",
        "with torch.no_grad():",
        "    w_q, w_k, w_v = mha.in_proj_weight.chunk(3)  # (D, D) each",
        "    b_q, b_k, b_v = mha.in_proj_bias.chunk(3)",
        "    q = (x @ w_q.T + b_q).view(B, T, H, Dh).transpose(1, 2)  # (B, H, T, Dh)",
        "    k = (x @ w_k.T + b_k).view(B, T, H, Dh).transpose(1, 2)  # (B, H, S, Dh)",
        "    v = (x @ w_v.T + b_v).view(B, T, H, Dh).transpose(1, 2)  # (B, H, S, Dh)",
        "    scores = q @ k.transpose(-2, -1)  # (B, H, T, S)",
        f"    scaled = {bool(s.scaled)}  # the page's √Dh switch",
        "    if scaled:",
        "        scores = scores / math.sqrt(Dh)",
        "    # softmax over the visible keys; a query that sees none gets 0s (PyTorch: NaN)",
        '    grid = scores.masked_fill(hidden, float("-inf")).softmax(dim=-1).nan_to_num()',
        "if scaled:  # nn.MultiheadAttention divides by √Dh: its weights are these",
        "    same = torch.allclose(grid, weights.nan_to_num(), atol=1e-6)",
        '    print("the same weights as nn.MultiheadAttention:", same)',
        'tokens = [[index_word.get(i, "<pad>") for i in row] for row in ids.tolist()]',
        "",
    ]


def _heads_torch(s: Settings, lines: list[str], b: int, h: int) -> str:
    return "\n".join(
        [
            *_torch_model(s, lines),
            f"b, h = {b}, {h}  # the sentence and the head on the page (0-based)",
            "real = ~padding[b]  # the sentence's words, as queries",
            "entropy = -(grid * grid.log()).nan_to_num().sum(dim=-1)  # (B, H, T) nats",
            "for head in range(H):",
            '    print(f"head {head + 1}: mean entropy {entropy[b, head][real].mean():.3f} nats")',
            'print(f"all heads: {entropy[b][:, real].mean():.3f} nats")',
            f"queries = real.nonzero().flatten().tolist()[:{READ_QUERIES}]",
            'print(f"head {h + 1}, the key each query reads most:")',
            "for i in queries:",
            "    row = grid[b, h, i]",
            "    if row.sum() > 0:  # a query that every mask hides reads nothing",
            "        j = int(row.argmax())",
            '        print(f"{i} · {tokens[b][i]} → {j} · {tokens[b][j]} ({row[j]:.2f})")',
            "",
        ]
    )


def _explain_torch(s: Settings, lines: list[str], b: int, h: int, i: int, j: int) -> str:
    return "\n".join(
        [
            *_torch_model(s, lines),
            f"b, h, i, j = {b}, {h}, {i}, {j}  # sentence, head, query and key (0-based)",
            'print(f"query {i} · {tokens[b][i]}, key {j} · {tokens[b][j]}, head {h + 1}")',
            f'print("q_i:", [round(n, {ROUND}) for n in q[b, h, i].tolist()])',
            f'print("k_j:", [round(n, {ROUND}) for n in k[b, h, j].tolist()])',
            "dot = (q[b, h, i] * k[b, h, j]).sum().item()  # Σ q·k, Dh products",
            'print(f"q_i · k_j = {dot:.6f}")',
            'print(f"score s_ij = {scores[b, h, i, j].item():.6f}"'
            ' + (f"  (÷ √{Dh} = {math.sqrt(Dh):.6f})" if scaled else ""))',
            'print(f"hidden by the mask: {bool(hidden[b, 0, i, j])}")',
            'print(f"weight w_ij = {grid[b, h, i, j].item():.6f}")',
            "o = grid[b, h, i] @ v[b, h]  # (Dh,): Σ_j w_ij v_j",
            f'print("o_i:", [round(n, {ROUND}) for n in o.tolist()])',
            "context = (grid @ v).transpose(1, 2).reshape(B, T, D)  # the heads side by side",
            "row = context[b, i] @ mha.out_proj.weight.T + mha.out_proj.bias  # (D,)",
            f'print("out_i:", [round(n, {ROUND}) for n in row.tolist()[:{SHOWN}]])',
            "if scaled:",
            '    print(f"nn.MultiheadAttention: w_ij = {weights[b, h, i, j].item():.6f}, "',
            f'          f"out_i = {{[round(n, {ROUND}) for n in out[b, i].tolist()[:{SHOWN}]]}}")',
            "",
        ]
    )


def _keras_model(s: Settings, run: AttentionRun) -> list[str]:
    """Keras' layer with the page's weights on the page's token vectors: x, out, weights, and
    q, k, v, grid by hand from its kernels."""
    return [
        "import math",
        "",
        "import keras",
        "import numpy as np",
        "",
        *keras_input_lines(s, run),
        "Dh = D // H",
        f"tokens = {[[printable(w) for w in row] for row in run.batch.tokens]!r}",
        "",
        "mha = keras.layers.MultiHeadAttention(num_heads=H, key_dim=Dh)",
        "mha.build((B, T, D), (B, T, D))  # query shape, value shape",
        *keras_call_lines(run),
        "out = keras.ops.convert_to_numpy(out)  # (B, T, D)",
        "weights = keras.ops.convert_to_numpy(weights)  # (B, H, T, S)",
        "",
        "# Every head by hand, from the layer's own kernels (÷ √Dh can be switched off).",
        "wq, bq, wk, bk, wv, bv, wo, bo = (w.astype(np.float64) for w in mha.get_weights())",
        'q = np.einsum("btd,dhk->bhtk", x, wq) + bq[None, :, None, :]  # (B, H, T, Dh)',
        'k = np.einsum("bsd,dhk->bhsk", x, wk) + bk[None, :, None, :]  # (B, H, S, Dh)',
        'v = np.einsum("bsd,dhk->bhsk", x, wv) + bv[None, :, None, :]  # (B, H, S, Dh)',
        'scores = np.einsum("bhtk,bhsk->bhts", q, k)  # (B, H, T, S)',
        f"scaled = {bool(s.scaled)}  # the page's √Dh switch",
        "if scaled:",
        "    scores = scores / math.sqrt(Dh)",
        "hidden = padding[:, None, None, :] | (np.triu(np.ones((T, T), bool), 1) & causal)",
        "masked = np.where(hidden, -np.inf, scores)  # a hidden key's e^s is 0",
        "top = masked.max(-1, keepdims=True)  # subtracted: e^s cannot overflow",
        "e = np.exp(masked - np.where(np.isfinite(top), top, 0.0))",
        "total = e.sum(-1, keepdims=True)",
        "grid = np.divide(e, total, out=np.zeros_like(e), where=total > 0)  # 0s: sees no key",
        "if scaled:  # Keras divides by √Dh: its weights are these",
        '    print("the same weights as Keras:", np.allclose(grid, weights, atol=1e-6))',
        "",
    ]


def _heads_keras(s: Settings, run: AttentionRun, b: int, h: int) -> str:
    return "\n".join(
        [
            *_keras_model(s, run),
            f"b, h = {b}, {h}  # the sentence and the head on the page (0-based)",
            "real = ~padding[b]  # the sentence's words, as queries",
            "logs = np.log(grid, out=np.zeros_like(grid), where=grid > 0)",
            "entropy = -(grid * logs).sum(-1)  # (B, H, T) nats",
            "for head in range(H):",
            '    print(f"head {head + 1}: mean entropy {entropy[b, head][real].mean():.3f} nats")',
            'print(f"all heads: {entropy[b][:, real].mean():.3f} nats")',
            f"queries = np.flatnonzero(real).tolist()[:{READ_QUERIES}]",
            'print(f"head {h + 1}, the key each query reads most:")',
            "for i in queries:",
            "    row = grid[b, h, i]",
            "    if row.sum() > 0:  # a query that every mask hides reads nothing",
            "        j = int(row.argmax())",
            '        print(f"{i} · {tokens[b][i]} → {j} · {tokens[b][j]} ({row[j]:.2f})")',
            "",
        ]
    )


def _explain_keras(s: Settings, run: AttentionRun, b: int, h: int, i: int, j: int) -> str:
    return "\n".join(
        [
            *_keras_model(s, run),
            f"b, h, i, j = {b}, {h}, {i}, {j}  # sentence, head, query and key (0-based)",
            'print(f"query {i} · {tokens[b][i]}, key {j} · {tokens[b][j]}, head {h + 1}")',
            f'print("q_i:", np.round(q[b, h, i], {ROUND}).tolist())',
            f'print("k_j:", np.round(k[b, h, j], {ROUND}).tolist())',
            "dot = float(q[b, h, i] @ k[b, h, j])  # Σ q·k, Dh products",
            'print(f"q_i · k_j = {dot:.6f}")',
            'print(f"score s_ij = {scores[b, h, i, j]:.6f}"'
            ' + (f"  (÷ √{Dh} = {math.sqrt(Dh):.6f})" if scaled else ""))',
            'print(f"hidden by the mask: {bool(hidden[b, 0, i, j])}")',
            'print(f"weight w_ij = {grid[b, h, i, j]:.6f}")',
            "o = grid[b, h, i] @ v[b, h]  # (Dh,): Σ_j w_ij v_j",
            f'print("o_i:", np.round(o, {ROUND}).tolist())',
            "heads = np.einsum('bhts,bhsk->bhtk', grid, v)  # (B, H, T, Dh)",
            "row = np.einsum('hk,hkd->d', heads[b, :, i], wo) + bo  # W_o joins the heads",
            f'print("out_i:", np.round(row[:{SHOWN}], {ROUND}).tolist())',
            "if scaled:",
            '    print(f"Keras: w_ij = {weights[b, h, i, j]:.6f}, "',
            f'          f"out_i = {{np.round(out[b, i, :{SHOWN}], {ROUND}).tolist()}}")',
            "",
        ]
    )


def heads_programs(run: AttentionRun, s: Settings, *, b: int, h: int) -> tuple[str, str]:
    """The page's layer; every head's entropy and head h's most-read keys in sentence b."""
    lines = page_lines(s.text)
    return _heads_torch(s, lines, b, h), _heads_keras(s, run, b, h)


def explain_programs(
    run: AttentionRun, s: Settings, *, b: int, h: int, i: int, j: int
) -> tuple[str, str]:
    """The page's layer; cell (i, j) of head h in sentence b written out (all 0-based)."""
    lines = page_lines(s.text)
    return _explain_torch(s, lines, b, h, i, j), _explain_keras(s, run, b, h, i, j)
