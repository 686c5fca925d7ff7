"""'Show the code' for Gradients through time: PyTorch and Keras 3 programs with the page's numbers.

`time_programs` returns `(torch_program, keras_program)`. Both draw the page's weights from the
page's own generator (torch.Generator seeded with the number `make_generator` gives, in the
page's order), load the sentence's embeddings x (a literal, or the page's `time_x.npy` when
large), step each cell one token at a time so every state h_t stays in the graph, and leave
`norms` (name -> (T,) ‖∂L/∂h_t‖, plus the LSTM's cell path ‖∂L/∂c_t‖). Tests run both and
compare with `layers.gradients.grad_through_time`.
"""

from __future__ import annotations

import torch

from ui.code import np_literal, torch_literal

NAMES = ("SimpleRNN tanh", "SimpleRNN ReLU", "LSTM", "GRU", "LSTM cell")  # SERIES' order


# Both programs end the same way: a table of ‖∂L/∂h_t‖ per token and cell, then each ratio.
_PRINT_NORMS = [
    'print("t".rjust(4), "token".ljust(12), *(name.rjust(15) for name in norms))',
    "for t, token in enumerate(tokens):",
    "    print(str(t + 1).rjust(4), token[:12].ljust(12), "
    '*(f"{norms[n][t]:15.4e}" for n in norms))',
    "for name, values in norms.items():",
    '    print(f"{name}: first / last = {values[0] / values[-1]:.3g}")',
]


def _recurrent_draw(rinit: str, shape: str) -> list[str]:
    if rinit == "orthogonal":
        return [
            "    # Keras' default recurrent init: an orthogonal matrix (QᵀQ = I) times the gain.",
            f"    w_hh = nn.init.orthogonal_(torch.empty({shape}), gain=GAIN, generator=g)",
        ]
    return [
        "    # PyTorch's default for nn.RNN / LSTM / GRU: U(−1/√U, 1/√U), then times the gain.",
        "    bound = 1 / math.sqrt(U)",
        f"    w_hh = nn.init.uniform_(torch.empty({shape}), -bound, bound, generator=g) * GAIN",
    ]


def _draw(rinit: str, seed_value: int, U: int, gain: float) -> list[str]:
    """The page's weights: W_ih glorot-uniform, W_hh as chosen, for rnn, lstm, gru in order."""
    return [
        f"U = {U}  # units",
        f"GAIN = {gain!r}  # multiplies the recurrent weights",
        "",
        "# The page's own weights: its generator, drawn in its order (rnn, lstm, gru).",
        f"g = torch.Generator().manual_seed({seed_value})",
        "",
        "",
        "def draw(gates):",
        '    """W_ih (gates·U, D) and W_hh (gates·U, U), PyTorch\'s layout (gates stacked)."""',
        "    # Keras' default input kernel: glorot (Xavier) uniform.",
        "    w_ih = nn.init.xavier_uniform_(torch.empty(gates * U, D), generator=g)",
        *_recurrent_draw(rinit, "gates * U, U"),
        "    return w_ih, w_hh",
        "",
        "",
        "rnn_w = draw(1)  # both SimpleRNNs share these",
        "lstm_w = draw(4)  # gates i, f, g, o",
        "gru_w = draw(3)  # gates r, z, n",
    ]


def time_programs(
    x: torch.Tensor,
    tokens: list[str],
    units: int,
    rinit: str,
    gain: float,
    seed_value: int,
    file: str = "time_x.npy",
) -> tuple[str, str]:
    """‖∂L/∂h_t‖ for L = Σ h_T in SimpleRNN tanh/ReLU, LSTM and GRU, and the LSTM's ‖∂L/∂c_t‖."""
    B, T, D = x.shape
    U = int(units)
    gain = float(gain)
    x_comment = f"(B, T, D) = {(B, T, D)}: the sentence's seeded embeddings"
    head = [
        f"tokens = {list(tokens)!r}",
    ]
    torch_program = "\n".join(
        [
            "import math",
            "",
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            *head,
            torch_literal("x", x, x_comment, file),
            "B, T, D = x.shape",
            *_draw(rinit, seed_value, U, gain),
            "",
            "cells = {",
            '    "SimpleRNN tanh": (nn.RNN(D, U, nonlinearity="tanh", batch_first=True), rnn_w),',
            '    "SimpleRNN ReLU": (nn.RNN(D, U, nonlinearity="relu", batch_first=True), rnn_w),',
            '    "LSTM": (nn.LSTM(D, U, batch_first=True), lstm_w),',
            '    "GRU": (nn.GRU(D, U, batch_first=True), gru_w),',
            "}",
            "with torch.no_grad():",
            "    for cell, (w_ih, w_hh) in cells.values():",
            "        cell.weight_ih_l0.copy_(w_ih)",
            "        cell.weight_hh_l0.copy_(w_hh)",
            "        cell.bias_ih_l0.zero_()  # Keras' default: zero biases …",
            "        cell.bias_hh_l0.zero_()",
            '    cells["LSTM"][0].bias_ih_l0[U : 2 * U] = 1.0  # … but the forget gate\'s is 1',
            "",
            "",
            "def through_time(cell):",
            '    """One token at a time, so that every state h_t is a tensor of the graph."""',
            "    h = torch.zeros(1, B, U)  # (layers, B, U)",
            "    c = torch.zeros(1, B, U)",
            "    hs, cs = [], []",
            "    for t in range(T):",
            "        if isinstance(cell, nn.LSTM):",
            "            _, (h, c) = cell(x[:, t : t + 1], (h, c))",
            "            c.retain_grad()",
            "            cs.append(c)",
            "        else:",
            "            _, h = cell(x[:, t : t + 1], h)",
            "        h.retain_grad()  # keep ∂L/∂h_t: autograd frees it otherwise",
            "        hs.append(h)",
            "    loss = h.sum()  # L = Σ h_T: a loss at the last step only",
            "    loss.backward()",
            "    dh = torch.stack([h.grad[0] for h in hs], dim=1)  # (B, T, U)",
            "    return dh, hs, cs",
            "",
            "",
            "runs = {name: through_time(cell) for name, (cell, _) in cells.items()}",
            "norms = {name: dh.norm(dim=(0, 2)) for name, (dh, _, _) in runs.items()}  # ‖∂L/∂h_t‖",
            "",
            "# The cell path. nn.LSTM's c.grad only holds the path into c_{t+1}; the step's own",
            "# h_t = o_t ⊙ tanh(c_t) adds ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh² c_t). o_t from the weights:",
            'lstm, (w_ih, w_hh) = cells["LSTM"]',
            '_, hs, cs = runs["LSTM"]',
            "dc = []",
            "with torch.no_grad():",
            "    for t in range(T):",
            "        h_before = hs[t - 1][0] if t > 0 else torch.zeros(B, U)",
            "        z = x[:, t] @ w_ih.T + lstm.bias_ih_l0 + h_before @ w_hh.T + lstm.bias_hh_l0",
            "        o = torch.sigmoid(z.chunk(4, dim=1)[3])  # gates i, f, g, o: the last is o",
            "        c = cs[t][0]",
            "        carried = cs[t].grad[0] if cs[t].grad is not None else torch.zeros(B, U)",
            "        dc.append(carried + hs[t].grad[0] * o * (1 - torch.tanh(c) ** 2))",
            'norms["LSTM cell"] = torch.stack(dc, dim=1).norm(dim=(0, 2))  # (T,) ‖∂L/∂c_t‖',
            "",
            "norms = {name: values.numpy() for name, values in norms.items()}",
            *_PRINT_NORMS,
            "",
        ]
    )
    keras_program = "\n".join(
        [
            "import math",
            "import os",
            "",
            "# The torch backend, for the gradient (on TensorFlow one would use tf.GradientTape).",
            "# Set it before importing keras.",
            'os.environ["KERAS_BACKEND"] = "torch"',
            "",
            "import keras",
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            *head,
            np_literal("x", x, x_comment, file),
            "B, T, D = x.shape",
            "# The same numbers as the page: drawn with torch's generator. A plain Keras layer",
            "# would draw its own (recurrent_initializer='orthogonal' is its default).",
            *_draw(rinit, seed_value, U, gain),
            "",
            "",
            "def keras_layout(w_ih, w_hh, order):",
            '    """PyTorch (gates·U, In) -> Keras (In, gates·U), gates reordered for Keras."""',
            "    def reorder(w):",
            "        return torch.cat([w.chunk(len(order), dim=0)[k] for k in order], dim=0)",
            "    return reorder(w_ih).T.numpy(), reorder(w_hh).T.numpy()",
            "",
            "",
            "zeros = np.zeros",
            "forget_bias = np.concatenate([zeros(U), np.ones(U), zeros(2 * U)])  # i, f, c, o",
            "cells = {",
            '    "SimpleRNN tanh": (keras.layers.SimpleRNNCell(U, activation="tanh"),',
            "                       [*keras_layout(*rnn_w, [0]), zeros(U)]),",
            '    "SimpleRNN ReLU": (keras.layers.SimpleRNNCell(U, activation="relu"),',
            "                       [*keras_layout(*rnn_w, [0]), zeros(U)]),",
            "    # LSTM: the same gate order (i, f, c, o); one bias, the forget part 1",
            '    "LSTM": (keras.layers.LSTMCell(U), [*keras_layout(*lstm_w, [0, 1, 2, 3]), '
            "forget_bias]),",
            "    # GRU (reset_after=True): gates z, r, h, where PyTorch stacks r, z, n;",
            "    # bias (2, 3U): input and recurrent",
            '    "GRU": (keras.layers.GRUCell(U), [*keras_layout(*gru_w, [1, 0, 2]), '
            "zeros((2, 3 * U))]),",
            "}",
            "for cell, weights in cells.values():",
            "    cell.build((None, D))",
            "    cell.set_weights([np.asarray(w, dtype='float32') for w in weights])",
            "",
            "",
            "def through_time(cell):",
            '    """One token at a time: keras.layers.LSTM etc. loop over their cell like this."""',
            "    states = [keras.ops.zeros((B, U))]",
            "    if isinstance(cell, keras.layers.LSTMCell):",
            "        states.append(keras.ops.zeros((B, U)))  # [h, c]",
            "    hs, cs = [], []",
            "    for t in range(T):",
            "        h, states = cell(x[:, t], states)  # (B, D) -> (B, U)",
            "        h.retain_grad()  # on the torch backend h is a torch tensor",
            "        hs.append(h)",
            "        if len(states) == 2:",
            "            states[1].retain_grad()  # c_t: here h_t = o ⊙ tanh(c_t) is in the graph",
            "            cs.append(states[1])",
            "    loss = keras.ops.sum(h)  # L = Σ h_T",
            "    loss.backward()",
            "    norm = lambda grads: np.linalg.norm(  # noqa: E731",
            "        np.stack([keras.ops.convert_to_numpy(g) for g in grads], axis=1), axis=(0, 2)",
            "    )  # (B, T, U) -> (T,)",
            "    return norm([h.grad for h in hs]), norm([c.grad for c in cs]) if cs else None",
            "",
            "",
            "norms = {}",
            "for name, (cell, _) in cells.items():",
            "    dh_norm, dc_norm = through_time(cell)",
            "    norms[name] = dh_norm  # (T,) ‖∂L/∂h_t‖",
            "    if dc_norm is not None:",
            '        norms["LSTM cell"] = dc_norm  # (T,) ‖∂L/∂c_t‖, every path',
            "norms = {name: norms[name] for name in " + repr(list(NAMES)) + "}",
            *_PRINT_NORMS,
            "",
        ]
    )
    return torch_program, keras_program
