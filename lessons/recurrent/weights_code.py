"""'Show the code' for the weights part: PyTorch and Keras 3 programs that list the page's layer's
weights, their shapes and the parameter count, each in its own layout.

The PyTorch program builds nn.RNN / nn.LSTM / nn.GRU, draws the page's weights from the same
seeded generator (layers.make_generator's sha256 seed, PyTorch's U(-1/√U, 1/√U) for every
parameter, in named_parameters() order), prints each parameter's name and shape and the count,
then moves the numbers into Keras' layout (kernels transposed, gates in Keras' order, the biases
joined) and prints the worked check of every gate. The Keras program builds the same layer (the
GRU with the page's reset_after), prints each weight's name and shape, count_params() and where
each gate's columns are. Tests run both and compare with the page.
"""

from __future__ import annotations

from layers import make_generator
from ui.settings import Settings

from .common import CELL_NAMES, TORCH_NAMES, layer_purpose
from .weights import BANDS, formula, keras_biases, keras_order


def _gates(cell: str) -> tuple[list[str], list[int]]:
    """Keras' gate letters in its order, and for each the same gate's band in PyTorch."""
    bands = keras_order(BANDS[cell])
    return [b.keras for b in bands], [b.torch_index for b in bands]


def _count_line(label: str, G: int, biases: int) -> str:
    inner = "D * U + U * U + " + ("U" if biases == 1 else f"{biases} * U")
    value = inner if G == 1 else f"{G} * ({inner})"
    return f'print(f"{label}: {{count:,}} = {formula(G, biases)} = {{{value}:,}}")'


def _bias_lines(cell: str, reset_after: bool) -> list[str]:
    if cell == "gru" and reset_after:
        return [
            "# reset_after=True: b_hn sits inside r ⊙ (W_hn h + b_hn), so both biases stay:",
            "bias = np.stack([keras_order(rnn.bias_ih_l0), keras_order(rnn.bias_hh_l0)])"
            "  # (2, 3U)",
        ]
    if cell == "gru":
        return [
            "# reset_after=False: one bias (3U,). PyTorch has no such GRU: z and r take",
            "# b_ih + b_hh exactly; the candidate's b_in + b_hn is PyTorch's only where r = 1.",
            "bias = keras_order(rnn.bias_ih_l0 + rnn.bias_hh_l0)  # (3U,)",
        ]
    G = len(BANDS[cell])
    gu = "U" if G == 1 else f"{G}U"
    return [
        "# Both biases are simply added: only their sum matters, and Keras keeps that one.",
        f"bias = keras_order(rnn.bias_ih_l0 + rnn.bias_hh_l0)  # ({gu},)",
    ]


def _bias_check(cell: str, reset_after: bool) -> list[str]:
    if cell == "gru" and reset_after:
        return [
            "    for row, name in ((0, 'bias_ih_l0'), (1, 'bias_hh_l0')):",
            "        theirs = getattr(rnn, name)[c:d].detach().numpy()",
            "        diff = np.abs(bias[row, a:b].astype(np.float64) - theirs).max()",
            '        print(f"{gate}: bias[{row}, {a}:{b}] = {name}[{c}:{d}]  '
            'largest difference {diff:g}")',
        ]
    return [
        "    theirs = (rnn.bias_ih_l0[c:d] + rnn.bias_hh_l0[c:d]).detach().numpy()",
        "    diff = np.abs(bias[a:b].astype(np.float64) - theirs).max()",
        '    print(f"{gate}: bias[{a}:{b}] = bias_ih_l0[{c}:{d}] + bias_hh_l0[{c}:{d}]  '
        'largest difference {diff:g}")',
    ]


def torch_program(s: Settings) -> str:
    cell, D, U = s.rnn_cell, s.rnn_d, s.rnn_units
    G = len(BANDS[cell])
    seed = make_generator(s.seed, layer_purpose(cell)).initial_seed()
    gates, order = _gates(cell)
    reset_after = bool(s.reset_after)
    return "\n".join(
        [
            "import math",
            "",
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            f"D, U = {D}, {U}  # input width, units",
            f"rnn = nn.{TORCH_NAMES[cell]}(D, U, batch_first=True)",
            "with torch.no_grad():  # the page's weights: the same seeded generator",
            f"    g = torch.Generator().manual_seed({seed})",
            "    bound = 1 / math.sqrt(U)  # PyTorch's U(-1/√U, 1/√U) for every parameter",
            "    for p in rnn.parameters():  # weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0",
            "        p.uniform_(-bound, bound, generator=g)",
            "",
            "for name, p in rnn.named_parameters():",
            '    print(f"{name:<13} {tuple(p.shape)}")',
            "count = sum(p.numel() for p in rnn.parameters())",
            _count_line("PyTorch parameters", G, 2),
            "",
            "# Keras' layout: the kernels transposed, the gates in Keras' order, one bias or two.",
            f"G = {G}",
            f"gates = {gates!r}  # Keras' order",
            f"order = {order!r}  # each Keras gate's band in PyTorch's order",
            "",
            "",
            "def keras_order(w):",
            '    """PyTorch\'s (G·U, …) bands rearranged in Keras\' gate order, as numpy."""',
            "    bands = w.detach().chunk(G, dim=0)",
            "    return torch.cat([bands[k] for k in order], dim=0).numpy()",
            "",
            "",
            "kernel = keras_order(rnn.weight_ih_l0).T  # (D, G·U)",
            "recurrent_kernel = keras_order(rnn.weight_hh_l0).T  # (U, G·U)",
            *_bias_lines(cell, reset_after),
            'for name, w in (("kernel", kernel), ("recurrent_kernel", recurrent_kernel), '
            '("bias", bias)):',
            '    print(f"{name:<16} {w.shape}")',
            "count = kernel.size + recurrent_kernel.size + bias.size",
            _count_line("Keras parameters", G, keras_biases(cell, reset_after)),
            "",
            "# The check: each Keras slice is the same gate's PyTorch slice, transposed.",
            "w_ih = rnn.weight_ih_l0.detach().numpy()",
            "w_hh = rnn.weight_hh_l0.detach().numpy()",
            "for k, gate in enumerate(gates):",
            "    a, b = k * U, (k + 1) * U  # Keras' columns",
            "    c, d = order[k] * U, (order[k] + 1) * U  # PyTorch's rows",
            "    diff = np.abs(kernel[:, a:b] - w_ih[c:d].T).max()",
            '    print(f"{gate}: kernel[:, {a}:{b}] = weight_ih_l0[{c}:{d}].T  '
            'largest difference {diff:g}")',
            "    diff = np.abs(recurrent_kernel[:, a:b] - w_hh[c:d].T).max()",
            '    print(f"{gate}: recurrent_kernel[:, {a}:{b}] = weight_hh_l0[{c}:{d}].T  '
            'largest difference {diff:g}")',
            *_bias_check(cell, reset_after),
            "",
        ]
    )


def keras_program(s: Settings) -> str:
    cell, D, U = s.rnn_cell, s.rnn_d, s.rnn_units
    G = len(BANDS[cell])
    gates, _ = _gates(cell)
    option = f", reset_after={bool(s.reset_after)}" if cell == "gru" else ""
    return "\n".join(
        [
            "import keras",
            "",
            f"D, U = {D}, {U}  # input width, units",
            f"layer = keras.layers.{CELL_NAMES[cell]}(U{option})",
            "layer.build((None, None, D))  # (batch, time, features): any batch, any length",
            "for weight in layer.weights:",
            '    print(f"{weight.name:<17} {tuple(weight.shape)}")',
            "count = layer.count_params()",
            _count_line("count_params", G, keras_biases(cell, bool(s.reset_after))),
            f"for k, gate in enumerate({gates!r}):  # Keras' gate order",
            '    print(f"{gate}: kernel[:, {k * U}:{(k + 1) * U}]")',
            "",
        ]
    )


def weights_programs(s: Settings) -> tuple[str, str]:
    """(PyTorch program, Keras 3 program) for the page's cell, D, U and reset_after."""
    return torch_program(s), keras_program(s)
