"""'Show the code' for the sequences and bidirectional parts: PyTorch and Keras 3 programs that
rebuild the page's layer and print the shapes and numbers the part shows.

The PyTorch programs tokenize the sidebar's lines as the page does (the Keras Tokenizer's
algorithm in plain Python, "pre" padding), draw the page's Embedding and nn.RNN / nn.LSTM /
nn.GRU weights from the same seeded generators (layers.make_generator's sha256 seeds, in the
order the page's layer draws them) and run torch.nn's own layer. The Keras programs start from
the page's token vectors and load the page's weights in Keras' layout (written out, or from the
page's downloads when large), then call keras.layers' own layers. Tests run all four and compare
what they print with the page.
"""

from __future__ import annotations

import torch

from layers import make_generator
from layers.stack import MAX_LINES
from ui.code import LITERAL_LIMIT, batch_snippet, np_literal
from ui.compute import capped
from ui.settings import Settings

from .common import (
    CELL_NAMES,
    EMBED_PURPOSE,
    TORCH_NAMES,
    BidirectionalRun,
    RecurrentRun,
    backward_purpose,
    filters,
    layer_purpose,
)

SHOWN = 8  # numbers of a state printed
ROUND = 4  # their decimals
PARAMETERS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")  # the page's order
WEIGHTS_FILE = {
    "sequences": "recurrent_keras_weights",
    "bidirectional": "bidirectional_keras_weights",
}
X_FILE = "recurrent_x"


def page_lines(text: str) -> list[str]:
    """The sidebar's lines as the page reads them: capped, non-empty, at most MAX_LINES."""
    return [line for line in capped(text).splitlines() if line.strip()][:MAX_LINES]


def keras_flat(layer) -> torch.Tensor:
    """Every Keras weight of the layer flattened and joined in get_weights() order (a
    Bidirectional's forward layer's three, then its backward layer's)."""
    weights = layer.keras_weights()
    if "forward" in weights:
        weights = {f"{d}_{k}": v for d in ("forward", "backward") for k, v in weights[d].items()}
    return torch.cat([torch.from_numpy(w).reshape(-1) for w in weights.values()])


def program_files(run: RecurrentRun, bi: BidirectionalRun | None = None) -> dict[str, torch.Tensor]:
    """The tensors the part's Keras program loads from the page's downloads (too many numbers
    to write out)."""
    if bi is None:
        files = {X_FILE: run.x, WEIGHTS_FILE["sequences"]: keras_flat(run.layer)}
    else:
        files = {X_FILE: run.x, WEIGHTS_FILE["bidirectional"]: keras_flat(bi.layer)}
    return {name: tensor for name, tensor in files.items() if tensor.numel() > LITERAL_LIMIT}


def _rounded(tensor: str) -> str:
    """A PyTorch expression: the first SHOWN numbers of a state, rounded."""
    return f"[round(v, {ROUND}) for v in {tensor}[:{SHOWN}].tolist()]"


def _np_rounded(array: str) -> str:
    """A NumPy expression: the first SHOWN numbers of a state, rounded."""
    return f"np.round({array}[:{SHOWN}].astype(np.float64), {ROUND}).tolist()"


def torch_input_lines(s: Settings, run: RecurrentRun) -> list[str]:
    """Tokenize the sidebar's lines as the page does and draw its token vectors: ids, x."""
    lines = page_lines(s.text)
    D = run.x.shape[-1]
    embed_seed = make_generator(s.seed, EMBED_PURPOSE).initial_seed()
    return [
        "import math",
        "from collections import Counter",
        "",
        "import torch",
        "from torch import nn",
        "",
        *batch_snippet(lines, filters(s.punct)),
        "B = len(seqs)",
        "",
        f"D, U = {D}, {run.layer.units}  # input width, units",
        "V = len(word_index) + 1  # vocabulary; row 0 is padding",
        "embedding = nn.Embedding(V, D)",
        "with torch.no_grad():  # the page's token vectors: the same seeded generator",
        f"    g = torch.Generator().manual_seed({embed_seed})",
        "    nn.init.normal_(embedding.weight, 0.0, 1.0, generator=g)  # N(0, 1)",
        "    x = embedding(ids)  # (B, T, D)",
    ]


def _draw(module: str, seed: int, suffix: str, comment: str) -> list[str]:
    names = ", ".join(f'"{p}{suffix}"' for p in PARAMETERS)
    return [
        f"    g = torch.Generator().manual_seed({seed})  # {comment}",
        f"    for name in ({names}):",
        f"        getattr({module}, name).uniform_(-bound, bound, generator=g)",
    ]


def _call(cell: str) -> str:
    if cell == "lstm":
        return "    output, (h_n, c_n) = rnn(x)  # LSTM: output, (h_n, c_n)"
    return "    output, h_n = rnn(x)"


def _sequences_torch(s: Settings, run: RecurrentRun, b: int) -> str:
    cell = run.cell
    seed = make_generator(s.seed, layer_purpose(cell)).initial_seed()
    T = run.x.shape[1]
    padded = len([i for i in range(T) if bool(run.batch.padding_mask[b, i])]) > 0
    lines = [
        *torch_input_lines(s, run),
        "",
        f"rnn = nn.{TORCH_NAMES[cell]}(D, U, batch_first=True)",
        "with torch.no_grad():  # the page's layer: PyTorch's init U(-1/√U, 1/√U), seeded",
        "    bound = 1 / math.sqrt(U)",
        *_draw("rnn", seed, "", "weight_ih, weight_hh, bias_ih, bias_hh in turn"),
        _call(cell),
        "",
        f"b = {b}  # the sentence on the page (0-based)",
        'print("output:", tuple(output.shape), "= (B, T, U): every h_t")',
        'print("h_n:   ", tuple(h_n.shape), "= (1, B, U): the last h only")',
    ]
    if cell == "lstm":
        lines.append('print("c_n:   ", tuple(c_n.shape), "= (1, B, U): the last c")')
    lines += [
        'print("output[:, -1] equals h_n[0]:", torch.equal(output[:, -1], h_n[0]))',
        "gap = (h_n[0, b] - output[b, -1]).abs().max().item()",
        'print(f"max |h_T - out[:, -1]| = {gap:.3g}")',
        'print("last word:", index_word[ids[b, -1].item()])',
        f'print("h_T:", {_rounded("h_n[0, b]")})',
    ]
    if padded:
        lines += [
            "",
            "# padding='post' instead: the same words first, the padding after them",
            "words = ids[b][ids[b] != 0]",
            "n = len(words)",
            "post = torch.cat([words, torch.zeros(T - n, dtype=torch.long)])[None]  # (1, T)",
            "with torch.no_grad():",
            "    post_out, _ = rnn(embedding(post))  # (1, T, U)",
            "moved = (post_out[0, -1] - post_out[0, n - 1]).abs().max().item()",
            "print(f\"padding='post': {T - n} padding steps after the last word, "
            'max |Δ| = {moved:.3g}")',
        ]
    return "\n".join([*lines, ""])


def keras_input_lines(run: RecurrentRun, flat: torch.Tensor, file: str, what: str) -> list[str]:
    """The Keras programs' start: the sizes, the page's token vectors x and its weights in
    Keras' layout, and `with_page_weights(layer)` that builds a layer and loads them."""
    B, T, D = run.x.shape
    return [
        "import keras",
        "import numpy as np",
        "",
        f"B, T, D, U = {B}, {T}, {D}, {run.layer.units}  # sentences, tokens, width, units",
        np_literal(
            "x", run.x, f"(B, T, D) = {(B, T, D)}: the page's token vectors", f"{X_FILE}.npy"
        ),
        f"# The page's weights in Keras' layout, flattened in get_weights() order: {what}.",
        np_literal("flat", flat, f"{flat.numel()} numbers", f"{file}.npy"),
        "",
        "",
        "def with_page_weights(layer):",
        '    """Build the layer for (B, T, D) inputs and load the page\'s weights into it."""',
        "    layer.build((None, None, D))",
        "    shapes = [w.shape for w in layer.get_weights()]",
        "    cuts = np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1]",
        "    pieces = np.split(flat, cuts)",
        "    layer.set_weights([p.reshape(shape) for p, shape in zip(pieces, shapes)])",
        "    return layer",
        "",
        "",
    ]


def _layout(cell: str) -> str:
    G = {"simplernn": "U", "lstm": "4U", "gru": "3U"}[cell]
    bias = "bias (2, 3U) (reset_after=True)" if cell == "gru" else f"bias ({G},)"
    return f"kernel (D, {G}), recurrent_kernel (U, {G}), {bias}"


def _sequences_keras(run: RecurrentRun, b: int) -> str:
    name = CELL_NAMES[run.cell]
    flat = keras_flat(run.layer)
    states = "sequence, h, c" if run.cell == "lstm" else "sequence, h"
    lines = [
        *keras_input_lines(run, flat, WEIGHTS_FILE["sequences"], _layout(run.cell)),
        f"every = with_page_weights(keras.layers.{name}(U, return_sequences=True))",
        f"last = with_page_weights(keras.layers.{name}(U))  # return_sequences=False: the default",
        f"both = keras.layers.{name}(U, return_sequences=True, return_state=True)",
        "both = with_page_weights(both)",
        "seq = keras.ops.convert_to_numpy(every(x))",
        "h_T = keras.ops.convert_to_numpy(last(x))",
        'print("return_sequences=True: ", seq.shape, "= (B, T, U)")',
        'print("return_sequences=False:", h_T.shape, "= (B, U)")',
        f'print("return_state=True:     ", [tuple(o.shape) for o in both(x)], "= {states}")',
        "",
        f"b = {b}  # the sentence on the page (0-based)",
        'print(f"max |h_T - out[:, -1]| = {np.abs(h_T[b] - seq[b, -1]).max():.3g}")',
        f'print("h_T:", {_np_rounded("h_T[b]")})',
    ]
    return "\n".join([*lines, ""])


def sequences_programs(run: RecurrentRun, s: Settings, *, b: int) -> tuple[str, str]:
    """The page's layer on the sidebar's sentences; sentence b (0-based) is the one shown."""
    return _sequences_torch(s, run, b), _sequences_keras(run, b)


def _bidirectional_torch(s: Settings, run: RecurrentRun, b: int) -> str:
    cell = run.cell
    forward = make_generator(s.seed, layer_purpose(cell)).initial_seed()
    backward = make_generator(s.seed, backward_purpose(cell)).initial_seed()
    lines = [
        *torch_input_lines(s, run),
        "",
        f"rnn = nn.{TORCH_NAMES[cell]}(D, U, batch_first=True, bidirectional=True)",
        "with torch.no_grad():  # the page's weights: PyTorch's init U(-1/√U, 1/√U), seeded",
        "    bound = 1 / math.sqrt(U)",
        *_draw("rnn", forward, "", "forward: the same layer as the other parts"),
        *_draw("rnn", backward, "_reverse", "backward: its own weights"),
        _call(cell),
        "",
        f"b = {b}  # the sentence on the page (0-based)",
        'print("output:", tuple(output.shape), "= (B, T, 2U): [forward h_t ; backward h_t]")',
        'print("h_n:   ", tuple(h_n.shape), "= (2, B, U): forward, backward")',
        "last = torch.cat([h_n[0], h_n[1]], dim=-1)  # (B, 2U): Keras without return_sequences",
        'print("last:  ", tuple(last.shape), "= (B, 2U)")',
        "fwd = (h_n[0, b] - output[b, -1, :U]).abs().max().item()",
        "bwd = (h_n[1, b] - output[b, 0, U:]).abs().max().item()",
        "half = (h_n[1, b] - output[b, -1, U:]).abs().max().item()",
        "row = (last[b] - output[b, -1]).abs().max().item()",
        'print(f"max |h_n[0] - output[:, -1, :U]| = {fwd:.3g}  (forward: after the last token)")',
        'print(f"max |h_n[1] - output[:, 0, U:]| = {bwd:.3g}  (backward: back to the first)")',
        'print(f"max |h_n[1] - output[:, -1, U:]| = {half:.3g}  (read only the last token)")',
        'print(f"max |last - output[:, -1]| = {row:.3g}  (the last state is not the last row)")',
        f'print("forward half:", {_rounded("last[b, :U]")})',
        f'print("backward half:", {_rounded("last[b, U:]")})',
    ]
    return "\n".join([*lines, ""])


def _bidirectional_keras(run: RecurrentRun, bi: BidirectionalRun, b: int) -> str:
    name = CELL_NAMES[run.cell]
    flat = keras_flat(bi.layer)
    what = f"forward {_layout(run.cell)}, then the same for backward"
    states = "[(B, 2U), forward h, forward c, backward h, backward c]"
    if run.cell != "lstm":
        states = "[(B, 2U), forward h, backward h]"
    lines = [
        *keras_input_lines(run, flat, WEIGHTS_FILE["bidirectional"], what),
        "Bidirectional = keras.layers.Bidirectional",
        f"every = with_page_weights(Bidirectional(keras.layers.{name}(U, return_sequences=True)))",
        f"last = with_page_weights(Bidirectional(keras.layers.{name}(U)))",
        f"states = with_page_weights(Bidirectional(keras.layers.{name}(U, return_state=True)))",
        "seq = keras.ops.convert_to_numpy(every(x))",
        "h = keras.ops.convert_to_numpy(last(x))",
        'print("return_sequences=True: ", seq.shape, "= (B, T, 2U)")',
        'print("return_sequences=False:", h.shape, "= (B, 2U)")',
        f'print("return_state=True:     ", [tuple(o.shape) for o in states(x)], "= {states}")',
        "",
        f"b = {b}  # the sentence on the page (0-based)",
        "fwd = np.abs(h[b, :U] - seq[b, -1, :U]).max()",
        "bwd = np.abs(h[b, U:] - seq[b, 0, U:]).max()",
        "row = np.abs(h[b] - seq[b, -1]).max()",
        'print(f"max |last[:U] - seq[-1, :U]| = {fwd:.3g}  (forward: after the last token)")',
        'print(f"max |last[U:] - seq[0, U:]| = {bwd:.3g}  (backward: back to the first)")',
        'print(f"max |last - seq[-1]| = {row:.3g}  (the last state is not the last row)")',
        f'print("forward half:", {_np_rounded("h[b, :U]")})',
        f'print("backward half:", {_np_rounded("h[b, U:]")})',
    ]
    return "\n".join([*lines, ""])


def bidirectional_programs(
    run: RecurrentRun, bi: BidirectionalRun, s: Settings, *, b: int
) -> tuple[str, str]:
    """Bidirectional(layer) on the sidebar's sentences; sentence b (0-based) is the one shown."""
    return _bidirectional_torch(s, run, b), _bidirectional_keras(run, bi, b)
