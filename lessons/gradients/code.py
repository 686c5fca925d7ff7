"""'Show the code' for the depth part: PyTorch and Keras 3 programs with the page's own numbers.

`depth_programs` returns `(torch_program, keras_program)`: two complete programs that build the
page's dense stack, run one forward and backward pass and print each layer's ‖∂L/∂W‖, leaving
them in `norms`. The PyTorch program draws the very weights the page drew (the same generator
seeds, torch.nn.init on a generator); the Keras program builds the model the Keras way and then
sets the page's weights, from literals or, when large, from the page's downloads. Tests run both
and compare with `layers.gradients`.
"""

from __future__ import annotations

import torch

from layers import make_generator
from layers.initializers import TRUNCATED_STD
from ui.code import np_literal

from .common import W_PURPOSE, X_PURPOSE

TORCH_ACTIVATION = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
}
KERAS_ACTIVATION = {
    "sigmoid": 'keras.layers.Activation("sigmoid")',
    "tanh": 'keras.layers.Activation("tanh")',
    "relu": 'keras.layers.Activation("relu")',
}


def _torch_init(scheme: str) -> list[str]:
    """Lines, inside `with torch.no_grad():`, that draw `linear`'s weight and bias from g."""
    zero_bias = "    nn.init.zeros_(linear.bias)"
    keras_normal = [
        "    # Keras' flavour: a normal cut at ±2σ′ and redrawn there; σ′ = σ / 0.8796 so that",
        "    # the std stays σ (PyTorch's own xavier_normal_/kaiming_normal_ do not cut).",
        f"    s = sigma / {TRUNCATED_STD!r}",
        "    nn.init.trunc_normal_(linear.weight, 0.0, s, -2 * s, 2 * s, generator=g)",
        zero_bias,
    ]
    lines = {
        "zeros": ["    nn.init.zeros_(linear.weight)", zero_bias],
        "small": ["    nn.init.normal_(linear.weight, 0.0, 0.01, generator=g)", zero_bias],
        "normal": ["    nn.init.normal_(linear.weight, 0.0, 1.0, generator=g)", zero_bias],
        "glorot_uniform": ["    nn.init.xavier_uniform_(linear.weight, generator=g)", zero_bias],
        "glorot_normal": [
            "    sigma = math.sqrt(2 / (U + U))  # Glorot: 2 / (fan_in + fan_out)",
            *keras_normal,
        ],
        "he_normal": ["    sigma = math.sqrt(2 / U)  # He: 2 / fan_in", *keras_normal],
        "he_uniform": [
            '    nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu", generator=g)',
            zero_bias,
        ],
        "torch": [
            "    # What nn.Linear does by itself, here on the generator g:",
            "    nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=g)",
            "    nn.init.uniform_(linear.bias, -1 / math.sqrt(U), 1 / math.sqrt(U), generator=g)",
        ],
        "keras": [
            "    # Keras draws the kernel (in, out) from glorot_uniform; PyTorch keeps (out, in).",
            "    limit = math.sqrt(6 / (U + U))",
            "    kernel = torch.empty(U, U).uniform_(-limit, limit, generator=g)  # (in, out)",
            "    linear.weight.copy_(kernel.T)",
            zero_bias,
        ],
    }
    return lines[scheme]


def _keras_init(scheme: str) -> str:
    """The Dense arguments that ask Keras for the same scheme."""
    return {
        "zeros": 'kernel_initializer="zeros"',
        "small": "kernel_initializer=keras.initializers.RandomNormal(stddev=0.01)",
        "normal": "kernel_initializer=keras.initializers.RandomNormal(stddev=1.0)",
        "glorot_uniform": 'kernel_initializer="glorot_uniform"',
        "glorot_normal": 'kernel_initializer="glorot_normal"',
        "he_normal": 'kernel_initializer="he_normal"',
        "he_uniform": 'kernel_initializer="he_uniform"',
        # PyTorch's nn.Linear default in Keras' terms: U(±1/√fan_in) for kernel and bias.
        "torch": (
            "kernel_initializer=keras.initializers.VarianceScaling(1 / 3, "
            '"fan_in", "uniform"),\n        bias_initializer=keras.initializers.RandomUniform('
            "-1 / math.sqrt(U), 1 / math.sqrt(U))"
        ),
        "keras": "",  # Dense's defaults: glorot_uniform kernel, zero bias
    }[scheme]


def depth_programs(
    x: torch.Tensor,
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    *,
    scheme: str,
    activation: str,
    slope: float,
    bn: bool,
    seed: int,
) -> tuple[str, str]:
    """One forward and backward pass through the page's stack; `norms` holds ‖∂L/∂W_l‖."""
    L = len(weights)
    B, U = x.shape
    x_seed = make_generator(seed, X_PURPOSE).initial_seed()
    w_seed = make_generator(seed, W_PURPOSE).initial_seed()
    torch_act = TORCH_ACTIVATION.get(activation, f"nn.LeakyReLU({slope!r})")
    keras_act = KERAS_ACTIVATION.get(
        activation, f"keras.layers.LeakyReLU(negative_slope={slope!r})"
    )
    bn_torch = ["    layers.append(nn.BatchNorm1d(U))  # before the activation"] if bn else []
    bn_keras = (
        [
            "    # PyTorch's ε is 1e-5, Keras' default 1e-3: ask for PyTorch's to match the page.",
            "    model.add(keras.layers.BatchNormalization(epsilon=1e-5))",
        ]
        if bn
        else []
    )
    loss_line = "# ½‖a_L‖² / B: the loss the page uses (its target is 0)"
    torch_program = "\n".join(
        [
            "import math",
            "",
            "import torch",
            "from torch import nn",
            "",
            f"B, U, L = {B}, {U}, {L}  # examples, units per layer, layers",
            f"x = torch.randn(B, U, generator=torch.Generator().manual_seed({x_seed}))  # (B, U)",
            f"g = torch.Generator().manual_seed({w_seed})  # the page's weights, drawn in order",
            "",
            "layers = []",
            "for l in range(L):",
            "    linear = nn.Linear(U, U)",
            "    with torch.no_grad():",
            *("    " + line for line in _torch_init(scheme)),
            "    layers.append(linear)",
            *bn_torch,
            f"    layers.append({torch_act})",
            "model = nn.Sequential(*layers)  # training mode: BatchNorm uses batch statistics",
            "",
            "out = model(x)  # (B, U) -> (B, U)",
            f"loss = 0.5 * (out**2).sum() / B  {loss_line}",
            "loss.backward()",
            "linears = [m for m in model if isinstance(m, nn.Linear)]",
            "norms = [linear.weight.grad.norm().item() for linear in linears]  # ‖dL/dW_l‖",
            'print(f"loss: {loss.item():.6g}")',
            "for l, norm in enumerate(norms, start=1):",
            '    print(f"layer {l:2d}  ||dL/dW|| = {norm:.4g}")',
            "",
        ]
    )
    W = torch.stack(weights)  # (L, U, U)
    b = torch.stack(biases)  # (L, U)
    init_args = _keras_init(scheme)
    dense = f"keras.layers.Dense(U, {init_args})" if init_args else "keras.layers.Dense(U)"
    keras_program = "\n".join(
        [
            "import math",
            "import os",
            "",
            "# The torch backend gives loss.backward(); on TensorFlow use tf.GradientTape.",
            'os.environ["KERAS_BACKEND"] = "torch"',
            "",
            "import keras",
            "import numpy as np",
            "",
            f"B, U, L = {B}, {U}, {L}  # examples, units per layer, layers",
            np_literal("x", x, f"(B, U) = {(B, U)}: the page's batch", "x.npy"),
            np_literal("W", W, f"(L, U, U) = {(L, U, U)}: PyTorch layout (out, in)", "weights.npy"),
            np_literal("b", b, f"(L, U) = {(L, U)}", "biases.npy"),
            "",
            "model = keras.Sequential([keras.Input((U,))])",
            "for l in range(L):",
            f"    model.add({dense})",
            *bn_keras,
            f"    model.add({keras_act})",
            "dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]",
            "for l, layer in enumerate(dense):",
            "    layer.set_weights([W[l].T, b[l]])  # the page's numbers; a kernel is (in, out)",
            "",
            "out = model(x, training=True)  # training: BatchNorm uses the batch's statistics",
            f"loss = 0.5 * keras.ops.sum(out**2) / B  {loss_line}",
            "loss.backward()  # on the torch backend, loss is a torch tensor",
            "grads = [keras.ops.convert_to_numpy(layer.kernel.value.grad) for layer in dense]",
            "norms = [float(np.linalg.norm(grad)) for grad in grads]  # ‖dL/dW_l‖",
            'print(f"loss: {float(keras.ops.convert_to_numpy(loss)):.6g}")',
            "for l, norm in enumerate(norms, start=1):",
            '    print(f"layer {l:2d}  ||dL/dW|| = {norm:.4g}")',
            "",
        ]
    )
    return torch_program, keras_program
