"""'Show the code' for the lab: PyTorch and Keras programs with the page's own numbers.

Each program carries the tensors on screen as literals (up to LITERAL_LIMIT numbers; beyond
that it loads the file the page offers for download), so running it prints what the page shows.
Tests run every PyTorch program and every Keras program and compare.
"""

from __future__ import annotations

import torch

from ui.code import np_literal, torch_literal


def _values(name: str, vector: torch.Tensor) -> str:
    """`.fill_(v)` when every feature has the same value, else the whole vector."""
    if bool((vector == vector[0]).all()):
        return f"{name}.fill_({float(vector[0])!r})"
    return f"{name}.copy_(torch.tensor({vector.tolist()!r}))"


def layer_norm_torch(row: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float) -> str:
    D = row.shape[-1]
    return "\n".join(
        [
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            torch_literal("x", row[None], f"(1, {D}): one token's features", "row.npy"),
            f"norm = nn.LayerNorm({D}, eps={eps!r})",
            "with torch.no_grad():",
            f"    {_values('norm.weight', gamma)}  # γ",
            f"    {_values('norm.bias', beta)}  # β",
            "    y = norm(x)",
            "print(y)",
            "",
        ]
    )


def layer_norm_keras(row: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float) -> str:
    D = row.shape[-1]
    return "\n".join(
        [
            "import numpy as np",
            "import keras",
            "",
            np_literal("x", row[None], f"(1, {D}): one token's features", "row.npy"),
            "# Keras' default epsilon is 1e-3, PyTorch's 1e-5: set it to match.",
            f"norm = keras.layers.LayerNormalization(epsilon={eps!r})",
            f"norm.build(({D},))",
            f'norm.set_weights([np.array({gamma.tolist()!r}, dtype="float32"),  # γ',
            f'                  np.array({beta.tolist()!r}, dtype="float32")])  # β',
            "y = keras.ops.convert_to_numpy(norm(x))",
            "print(y)",
            "",
        ]
    )


def compare_torch(
    x: torch.Tensor, groups: int, eps: float, gamma: torch.Tensor, beta: torch.Tensor
) -> str:
    B, T, D = x.shape
    return "\n".join(
        [
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            torch_literal("x", x, f"(B, T, D) = {(B, T, D)}", "x.npy"),
            "norms = {",
            f'    "layernorm": nn.LayerNorm({D}, eps={eps!r}),',
            f'    "batchnorm": nn.BatchNorm1d({D}, eps={eps!r}),  # training: batch statistics',
            f'    "groupnorm": nn.GroupNorm({groups}, {D}, eps={eps!r}),',
            f'    "instancenorm": nn.InstanceNorm1d({D}, eps={eps!r}, affine=True),',
            "}",
            "outputs = {}",
            "with torch.no_grad():",
            "    for name, norm in norms.items():",
            f"        {_values('norm.weight', gamma)}  # γ",
            f"        {_values('norm.bias', beta)}  # β",
            '        if name == "layernorm":',
            "            outputs[name] = norm(x)",
            "        else:  # the others want channels first: (B, D, T)",
            "            outputs[name] = norm(x.transpose(1, 2)).transpose(1, 2)",
            "for name, out in outputs.items():",
            "    print(name, tuple(out.shape))",
            "",
        ]
    )


def compare_keras(
    x: torch.Tensor, groups: int, eps: float, gamma: torch.Tensor, beta: torch.Tensor
) -> str:
    B, T, D = x.shape
    return "\n".join(
        [
            "import numpy as np",
            "import keras",
            "from keras import layers",
            "",
            np_literal("x", x, f"(B, T, D) = {(B, T, D)}", "x.npy"),
            "norms = {",
            f'    "layernorm": layers.LayerNormalization(epsilon={eps!r}),',
            f'    "batchnorm": layers.BatchNormalization(epsilon={eps!r}),',
            f'    "groupnorm": layers.GroupNormalization(groups={groups}, epsilon={eps!r}),',
            f'    "instancenorm": layers.GroupNormalization(groups={D}, epsilon={eps!r}),'
            "  # one group per feature",
            "}",
            f'gamma = np.array({gamma.tolist()!r}, dtype="float32")',
            f'beta = np.array({beta.tolist()!r}, dtype="float32")',
            "outputs = {}",
            "for name, norm in norms.items():",
            f"    norm.build((None, {T}, {D}))",
            "    weights = norm.get_weights()",
            "    norm.set_weights([gamma, beta, *weights[2:]])  # BatchNorm: + moving stats",
            "    outputs[name] = keras.ops.convert_to_numpy(norm(x, training=True))",
            "for name, out in outputs.items():",
            "    print(name, out.shape)",
            "",
        ]
    )


def compare_image_torch(
    x: torch.Tensor, groups: int, eps: float, gamma: torch.Tensor, beta: torch.Tensor
) -> str:
    B, C, H, W = x.shape
    return "\n".join(
        [
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            torch_literal("x", x, f"(B, C, H, W) = {(B, C, H, W)}", "images.npy"),
            f"gamma = torch.tensor({gamma.tolist()!r})  # γ per channel",
            f"beta = torch.tensor({beta.tolist()!r})  # β per channel",
            "norms = {",
            f'    "layernorm": nn.LayerNorm([{C}, {H}, {W}], eps={eps!r}),  # per image',
            f'    "batchnorm": nn.BatchNorm2d({C}, eps={eps!r}),  # per channel, over B, H, W',
            f'    "groupnorm": nn.GroupNorm({groups}, {C}, eps={eps!r}),  # per image and group',
            f'    "instancenorm": nn.InstanceNorm2d({C}, eps={eps!r}, affine=True),',
            "}",
            "outputs = {}",
            "with torch.no_grad():",
            "    for name, norm in norms.items():",
            '        if name == "layernorm":  # one γ, β per cell: each channel\'s over its plane',
            f"            norm.weight.copy_(gamma[:, None, None].expand({C}, {H}, {W}))",
            f"            norm.bias.copy_(beta[:, None, None].expand({C}, {H}, {W}))",
            "        else:",
            "            norm.weight.copy_(gamma)",
            "            norm.bias.copy_(beta)",
            "        outputs[name] = norm(x)  # (B, C, H, W); BatchNorm2d: batch statistics",
            "for name, out in outputs.items():",
            "    print(name, tuple(out.shape))",
            "",
        ]
    )


def compare_image_keras(
    x: torch.Tensor, groups: int, eps: float, gamma: torch.Tensor, beta: torch.Tensor
) -> str:
    B, C, H, W = x.shape
    return "\n".join(
        [
            "import numpy as np",
            "import keras",
            "from keras import layers",
            "",
            np_literal("x", x, f"(B, C, H, W) = {(B, C, H, W)}", "images.npy"),
            "x_last = np.transpose(x, (0, 2, 3, 1))  # Keras images are channels-last (B, H, W, C)",
            f'gamma = np.array({gamma.tolist()!r}, dtype="float32")  # γ per channel',
            f'beta = np.array({beta.tolist()!r}, dtype="float32")  # β per channel',
            "norms = {",
            f'    "layernorm": layers.LayerNormalization(axis=[1, 2, 3], epsilon={eps!r}),',
            f'    "batchnorm": layers.BatchNormalization(epsilon={eps!r}),  # axis=-1: channels',
            f'    "groupnorm": layers.GroupNormalization(groups={groups}, epsilon={eps!r}),',
            f'    "instancenorm": layers.GroupNormalization(groups={C}, epsilon={eps!r}),'
            "  # a group per channel",
            "}",
            "outputs = {}",
            "for name, norm in norms.items():",
            f"    norm.build((None, {H}, {W}, {C}))",
            "    weights = norm.get_weights()",
            '    if name == "layernorm":  # its γ, β are (H, W, C): each channel\'s over its plane',
            f"        g = np.broadcast_to(gamma, ({H}, {W}, {C}))",
            f"        b = np.broadcast_to(beta, ({H}, {W}, {C}))",
            "    else:",
            "        g, b = gamma, beta",
            "    norm.set_weights([g, b, *weights[2:]])  # BatchNorm: + its moving statistics",
            "    out = keras.ops.convert_to_numpy(norm(x_last, training=True))  # (B, H, W, C)",
            "    outputs[name] = np.transpose(out, (0, 3, 1, 2))  # back to (B, C, H, W)",
            "for name, out in outputs.items():",
            "    print(name, out.shape)",
            "",
        ]
    )


def dropout_torch(x: torch.Tensor, p: float, scale: float) -> str:
    B, T, D = x.shape
    return "\n".join(
        [
            "import numpy as np",
            "import torch",
            "from torch import nn",
            "",
            torch_literal("x", x, f"(B, T, D) = {(B, T, D)}", "x.npy"),
            f"drop = nn.Dropout(p={p!r})",
            "drop.train()",
            "y = drop(x)  # PyTorch draws its own mask: a different one each call",
            "kept = y != 0",
            f'print("dropped:", round(1 - kept.float().mean().item(), 2), "(about {p!r})")',
            f'print("survivors scaled by {scale:.4g}:",',
            f"      torch.allclose(y[kept], x[kept] * {scale!r}))",
            "drop.eval()",
            'print("eval is the identity:", torch.equal(drop(x), x))',
            "",
        ]
    )


def dropout_keras(x: torch.Tensor, p: float) -> str:
    B, T, D = x.shape
    return "\n".join(
        [
            "import numpy as np",
            "import keras",
            "",
            np_literal("x", x, f"(B, T, D) = {(B, T, D)}", "x.npy"),
            f"drop = keras.layers.Dropout({p!r})",
            "y = keras.ops.convert_to_numpy(drop(x, training=True))",
            "kept = y != 0",
            f'print("survivors scaled by 1/(1-p):", np.allclose(y[kept], x[kept] / (1 - {p!r})))',
            'print("inference is the identity:",',
            "      np.array_equal(keras.ops.convert_to_numpy(drop(x, training=False)), x))",
            "",
        ]
    )


def residual_torch(
    x: torch.Tensor, sub: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float
) -> str:
    D = x.shape[-1]
    lines = [
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        torch_literal("x", x, f"{tuple(x.shape)}: the input", "x.npy"),
        torch_literal("sub", sub, f"{tuple(sub.shape)}: the sublayer's output", "sublayer.npy"),
    ]
    if sub.shape != x.shape:
        return "\n".join(
            [
                *lines,
                "try:",
                "    y = x + sub",
                "except RuntimeError as error:  # the shapes differ: no residual is possible",
                '    print("RuntimeError:", error)',
                "",
            ]
        )
    return "\n".join(
        [
            *lines,
            f"norm = nn.LayerNorm({D}, eps={eps!r})",
            "with torch.no_grad():",
            f"    {_values('norm.weight', gamma)}  # γ",
            f"    {_values('norm.bias', beta)}  # β",
            "    y = norm(x + sub)  # Add & Norm",
            "print(tuple(y.shape))",
            "",
        ]
    )


def residual_keras(x: torch.Tensor, sub: torch.Tensor, eps: float) -> str:
    return "\n".join(
        [
            "import numpy as np",
            "import keras",
            "from keras import layers",
            "",
            np_literal("x", x, f"{tuple(x.shape)}: the input", "x.npy"),
            np_literal("sub", sub, f"{tuple(sub.shape)}: the sublayer's output", "sublayer.npy"),
            "try:",
            "    total = layers.Add()([x, sub])",
            f"    y = layers.LayerNormalization(epsilon={eps!r})(total)",
            "    print(tuple(y.shape))",
            "except ValueError as error:  # Keras refuses to add different shapes",
            '    print("ValueError:", error)',
            "",
        ]
    )
