"""'Show the code' for stepping through time: PyTorch and Keras 3 programs that print the page's
step t for its unit j.

`step_programs` returns `(torch_program, keras_program)`. The PyTorch program tokenizes the
sidebar's lines as the page does (the Keras Tokenizer's algorithm in plain Python, "pre"
padding), draws the page's Embedding and nn.RNN / nn.LSTM / nn.GRU weights from the same seeded
generators (layers.make_generator's sha256 seeds), runs the layer, then writes step t out for
unit j by hand from the layer's own weight rows: xₜ, hₜ₋₁ (and cₜ₋₁), every gate's W·xₜ,
U·hₜ₋₁ and bias, the new state, and the library's own hₜ beside it. The Keras program loads the
same weights in Keras' layout (`layer.keras_weights()`), runs keras.layers.SimpleRNN / LSTM / GRU
on the page's token vectors of the sentence and prints the gates under Keras' names (an LSTM's
candidate is PyTorch's g and Keras' c; a GRU's are r, z, n and z, r, h) and the same hₜ.
Tests run both and compare with the page.
"""

from __future__ import annotations

import torch

from layers import make_generator
from layers.stack import MAX_LINES
from ui.code import LITERAL_LIMIT, batch_snippet, np_literal
from ui.compute import capped
from ui.settings import Settings

from .common import CELL_NAMES, EMBED_PURPOSE, TORCH_NAMES, RecurrentRun, filters, layer_purpose

ROUND = 4  # decimals of printed vectors
SHOWN = 8  # numbers printed of a vector

# (PyTorch's name, activation) of each gate in PyTorch's order; SimpleRNN's one "gate" is h.
TORCH_GATES = {
    "simplernn": (("h", "tanh"),),
    "lstm": (("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid")),
    "gru": (("r", "sigmoid"), ("z", "sigmoid"), ("n", "tanh")),
}


def page_lines(text: str) -> list[str]:
    """The sidebar's lines as the page reads them: capped, non-empty, at most MAX_LINES."""
    return [line for line in capped(text).splitlines() if line.strip()][:MAX_LINES]


def keras_tensors(run: RecurrentRun, b: int) -> dict[str, torch.Tensor]:
    """What the Keras program reads: sentence b's token vectors (1, T, D) and the layer's
    weights in Keras' layout, by the names the program and the page's downloads give them."""
    weights = {name: torch.from_numpy(w) for name, w in run.layer.keras_weights().items()}
    return {"x": run.x[b : b + 1], **weights}


def program_files(run: RecurrentRun, b: int) -> dict[str, torch.Tensor]:
    """The tensors the Keras program loads from the page's downloads (too many to write out)."""
    files = keras_tensors(run, b)
    return {name: tensor for name, tensor in files.items() if tensor.numel() > LITERAL_LIMIT}


def _tokenize_lines(s: Settings, lines: list[str]) -> list[str]:
    """The Keras Tokenizer and pad_sequences in plain Python: `ids` (B, T), `tokens`."""
    return [
        *batch_snippet(lines, filters(s.punct)),
        'tokens = [[index_word.get(i, "<pad>") for i in row] for row in ids.tolist()]',
        "",
    ]


def _torch_gates(cell: str) -> list[str]:
    """Step t written out for unit j from the layer's weight rows: prints every gate, the new
    state and `mine` (hₜ[j] by hand)."""
    name = "rnn"
    head = [
        f"W_ih, W_hh = {name}.weight_ih_l0, {name}.weight_hh_l0  # (G·U, D), (G·U, U)",
        f"b_ih, b_hh = {name}.bias_ih_l0, {name}.bias_hh_l0  # (G·U,) each; Keras keeps one bias",
        "gate = {}",
        "",
        "",
        "def part(k):",
        '    """Unit j\'s W·x_t, U·h_(t-1) and the two biases in gate k (rows k·U + j)."""',
        "    row = k * U + j",
        "    wx, uh = (W_ih[row] @ x_t).item(), (W_hh[row] @ h_prev).item()",
        "    return wx, uh, b_ih[row].item(), b_hh[row].item()",
        "",
        "",
    ]
    sigmoid_gates = [g for g, act in TORCH_GATES[cell] if act == "sigmoid"]
    lines = head
    if cell in ("simplernn", "lstm"):
        gates = TORCH_GATES[cell]
        lines += [
            "with torch.no_grad():",
            f"    for k, (name, act) in enumerate({[(g, act) for g, act in gates]!r}):",
            "        wx, uh, bi, bh = part(k)",
            "        pre = wx + uh + (bi + bh)  # b = b_ih + b_hh",
            '        fn = torch.sigmoid if act == "sigmoid" else torch.tanh',
            "        gate[name] = fn(torch.tensor(pre, dtype=torch.float64)).item()",
            "        print(",
            '            f"{name}_t[j] = {act}({wx:.6f} + {uh:.6f} + {bi + bh:.6f})"',
            '            f" = {act}({pre:.6f}) = {gate[name]:.6f}"',
            "        )",
        ]
    else:  # GRU: r and z as above, n with the reset gate inside (reset_after, PyTorch's form)
        lines += [
            "with torch.no_grad():",
            f"    for k, name in enumerate({sigmoid_gates!r}):",
            "        wx, uh, bi, bh = part(k)",
            "        pre = wx + uh + (bi + bh)",
            "        gate[name] = torch.sigmoid(torch.tensor(pre, dtype=torch.float64)).item()",
            "        print(",
            '            f"{name}_t[j] = sigmoid({wx:.6f} + {uh:.6f} + {bi + bh:.6f})"',
            '            f" = sigmoid({pre:.6f}) = {gate[name]:.6f}"',
            "        )",
            "    wx, uh, b_in, b_hn = part(2)",
            '    pre = wx + b_in + gate["r"] * (uh + b_hn)  # r scales U·h + b_hn only',
            '    gate["n"] = math.tanh(pre)',
            "    print(",
            "        f\"n_t[j] = tanh({wx:.6f} + {b_in:.6f} + {gate['r']:.6f}"
            '·({uh:.6f} + {b_hn:.6f}))"',
            "        f\" = tanh({pre:.6f}) = {gate['n']:.6f}\"",
            "    )",
        ]
    if cell == "simplernn":
        lines += ['mine = gate["h"]']
    elif cell == "lstm":
        lines += [
            'c_t = gate["f"] * c_prev[j].item() + gate["i"] * gate["g"]  # forget, then write',
            'mine = gate["o"] * math.tanh(c_t)  # show part of the memory',
            'print(f"c_t[j] = f·c_(t-1) + i·g = {c_t:.6f}")',
        ]
    else:
        lines += [
            'mine = (1 - gate["z"]) * gate["n"] + gate["z"] * h_prev[j].item()  # z keeps the old',
        ]
    return lines


def _torch_program(run: RecurrentRun, s: Settings, lines: list[str], b: int, t: int, j: int) -> str:
    cell = run.cell
    D, U = run.layer.input_size, run.layer.units
    embed_seed = make_generator(s.seed, EMBED_PURPOSE).initial_seed()
    layer_seed = make_generator(s.seed, layer_purpose(cell)).initial_seed()
    state = (
        [
            "    if t > 1:  # c_(t-1): the cell state after the first t-1 steps",
            "        _, (_, c_n) = rnn(x[b : b + 1, : t - 1])",
            "        c_prev = c_n[0, 0]",
            "    else:",
            "        c_prev = torch.zeros(U)  # c_0 = 0",
        ]
        if cell == "lstm"
        else []
    )
    return "\n".join(
        [
            "import math",
            "from collections import Counter",
            "",
            "import torch",
            "from torch import nn",
            "",
            *_tokenize_lines(s, lines),
            f"D, U = {D}, {U}  # token vector width, units",
            "V = len(word_index) + 1  # vocabulary; row 0 is padding",
            "embedding = nn.Embedding(V, D)",
            f"rnn = nn.{TORCH_NAMES[cell]}(D, U, batch_first=True)",
            "with torch.no_grad():  # the page's weights: the same seeded generators",
            f"    g = torch.Generator().manual_seed({embed_seed})",
            "    nn.init.normal_(embedding.weight, 0.0, 1.0, generator=g)  # N(0, 1)",
            f"    g = torch.Generator().manual_seed({layer_seed})",
            "    for p in rnn.parameters():  # weight_ih, weight_hh, bias_ih, bias_hh",
            "        p.uniform_(-1 / math.sqrt(U), 1 / math.sqrt(U), generator=g)  # torch's init",
            "    x = embedding(ids)  # (B, T, D): padding rows are vectors too",
            "    out, _ = rnn(x)  # (B, T, U): every step's h",
            "",
            f"b, t, j = {b}, {t}, {j - 1}  # sentence (0-based), step t (1..T), unit {j} (0-based)",
            'print(f"sentence {b + 1}, step t = {t} · {tokens[b][t - 1]}, unit {j + 1}")',
            "with torch.no_grad():",
            "    x_t = x[b, t - 1]  # (D,) the token vector read at step t",
            "    h_prev = out[b, t - 2] if t > 1 else torch.zeros(U)  # h_(t-1); h_0 = 0",
            *state,
            f'print("x_t:", [round(v, {ROUND}) for v in x_t.tolist()[:{SHOWN}]])',
            f'print("h_(t-1):", [round(v, {ROUND}) for v in h_prev.tolist()[:{SHOWN}]])',
            *(
                [f'print("c_(t-1):", [round(v, {ROUND}) for v in c_prev.tolist()[:{SHOWN}]])']
                if cell == "lstm"
                else []
            ),
            "",
            *_torch_gates(cell),
            'print(f"h_t[j] by hand = {mine:.6f}")',
            f'print(f"nn.{TORCH_NAMES[cell]}: h_t[j] = {{out[b, t - 1, j].item():.6f}}")',
            f'print("h_t:", [round(v, {ROUND}) for v in out[b, t - 1].tolist()[:{SHOWN}]])',
            "",
        ]
    )


KERAS_GATES = {  # Keras' gate order in its kernels, each with PyTorch's name beside
    "simplernn": (),
    "lstm": (("i", "i"), ("f", "f"), ("c", "g"), ("o", "o")),
    "gru": (("z", "z"), ("r", "r"), ("h", "n")),
}


def _keras_gates(cell: str) -> list[str]:
    if cell == "simplernn":
        return [
            "mine = np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)  # (U,)",
            'print(f"h_t[j] by hand = {mine[j]:.6f}")',
        ]
    if cell == "lstm":
        return [
            "z = x_t @ kernel + h_prev @ recurrent_kernel + bias  # (4U,): i, f, c, o side by side",
            "i, f, c, o = np.split(z, 4)",
            "gates = {",
            '    ("i", "i"): sigmoid(i),',
            '    ("f", "f"): sigmoid(f),',
            '    ("c", "g"): np.tanh(c),  # the candidate: Keras c, PyTorch g',
            '    ("o", "o"): sigmoid(o),',
            "}",
            "for (keras_name, torch_name), value in gates.items():",
            '    print(f"gate {keras_name} (PyTorch\'s {torch_name}) at unit j: {value[j]:.6f}")',
        ]
    return [
        "x_part = x_t @ kernel + bias[0]  # (3U,): z, r, h with the input bias",
        "h_part = h_prev @ recurrent_kernel + bias[1]  # with the recurrent bias (reset_after)",
        "x_z, x_r, x_h = np.split(x_part, 3)",
        "h_z, h_r, h_h = np.split(h_part, 3)",
        "z = sigmoid(x_z + h_z)",
        "r = sigmoid(x_r + h_r)",
        "candidate = np.tanh(x_h + r * h_h)  # r scales the recurrent part after U·h",
        'gates = {("z", "z"): z, ("r", "r"): r, ("h", "n"): candidate}',
        "for (keras_name, torch_name), value in gates.items():",
        '    print(f"gate {keras_name} (PyTorch\'s {torch_name}) at unit j: {value[j]:.6f}")',
        "mine = (1 - z) * candidate + z * h_prev",
        'print(f"h_t[j] by hand = {mine[j]:.6f}")',
    ]


def _keras_program(run: RecurrentRun, b: int, t: int, j: int) -> str:
    cell = run.cell
    tensors = keras_tensors(run, b)
    _, T, D = tensors["x"].shape
    U = run.layer.units
    G = len(TORCH_GATES[cell])
    order = {"simplernn": "", "lstm": ": columns i, f, c, o", "gru": ": columns z, r, h"}[cell]
    bias = {
        "simplernn": "(U,) = PyTorch's b_ih + b_hh",
        "lstm": "(4U,) = PyTorch's b_ih + b_hh",
        "gru": "(2, 3U): the input and the recurrent bias, kept apart",
    }[cell]
    gru = ", reset_after=True" if cell == "gru" else ""
    return "\n".join(
        [
            "import keras",
            "import numpy as np",
            "",
            f"T, D, U = {T}, {D}, {U}  # steps, token vector width, units",
            np_literal("x", tensors["x"], "(1, T, D): the sentence's token vectors", "x.npy"),
            np_literal(
                "kernel", tensors["kernel"], f"(D, {G if G > 1 else ''}U){order}", "kernel.npy"
            ),
            np_literal(
                "recurrent_kernel",
                tensors["recurrent_kernel"],
                f"(U, {G if G > 1 else ''}U)",
                "recurrent_kernel.npy",
            ),
            np_literal("bias", tensors["bias"], bias, "bias.npy"),
            "",
            f"layer = keras.layers.{CELL_NAMES[cell]}(U, return_sequences=True{gru})",
            "layer.build((1, T, D))",
            "layer.set_weights([kernel, recurrent_kernel, bias])  # the page's weights",
            "out = keras.ops.convert_to_numpy(layer(x))  # (1, T, U): every step's h",
            "",
            f"t, j = {t}, {j - 1}  # step t (1..T) and unit {j} (0-based here)",
            "x_t = x[0, t - 1]  # (D,)",
            'h_prev = out[0, t - 2] if t > 1 else np.zeros(U, dtype="float32")  # h_0 = 0',
            "",
            "",
            "def sigmoid(v):",
            "    return 1 / (1 + np.exp(-v))",
            "",
            "",
            "# Step t by hand from Keras' own kernels",
            *_keras_gates(cell),
            'print(f"Keras: h_t[j] = {out[0, t - 1, j]:.6f}")',
            f'print("h_t:", [round(float(v), {ROUND}) for v in out[0, t - 1, :{SHOWN}]])',
            "",
        ]
    )


def step_programs(run: RecurrentRun, s: Settings, *, b: int, t: int, j: int) -> tuple[str, str]:
    """Sentence b (0-based), step t (1..T) and unit j (1..U) as the page writes them."""
    lines = page_lines(s.text)
    return _torch_program(run, s, lines, b, t, j), _keras_program(run, b, t, j)
