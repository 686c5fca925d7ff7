"""'Show the code' for the clipping part: a PyTorch and a Keras 3 program with the page's numbers.

`clip_programs(...)` returns `(torch_program, keras_program)`:

- PyTorch draws the same exploding stack from the same seeded generator, gets its gradient with
  autograd, clips it three ways (Keras' clipnorm written out per variable, `clip_grad_norm_`,
  `clip_grad_value_`) and trains it a few steps with `torch.optim.SGD` with and without clipping.
- Keras 3 applies the page's gradient (literals) with `SGD(learning_rate=1)` and `clipnorm`,
  `global_clipnorm` or `clipvalue`: the variables start at 0, so what they hold afterwards is
  minus the clipped gradient. Then the tutorial's `Adam(lr=...)` and what Keras 3 says to it.

Tests run both programs and compare them with `layers.clipping`.
"""

from __future__ import annotations

import torch

from layers.clipping import FIXED_LINE, SETUP_PURPOSE, TUTORIAL_LINE, ExplodingSetup


def _number(value: float) -> str:
    """Nine significant digits: a float32 read back exactly."""
    return format(value, ".9g")


def _np_array(tensor: torch.Tensor, indent: str) -> str:
    """`np.array([...], dtype="float32")`, one row per line for a matrix."""
    if tensor.dim() == 1:
        return f'np.array([{", ".join(_number(v) for v in tensor.tolist())}], dtype="float32")'
    rows = [f"{indent}    [{', '.join(_number(v) for v in row)}]," for row in tensor.tolist()]
    return (
        "np.array(\n"
        + "\n".join([f"{indent}  [", *rows, f"{indent}  ],"])
        + (f'\n{indent}  dtype="float32",\n{indent})')
    )


def _torch_program(
    setup: ExplodingSetup,
    seed: int,
    clipnorm: float,
    clipvalue: float,
    learning_rate: float,
    steps: int,
) -> str:
    L = len(setup.weights)
    B, U = setup.x.shape
    return "\n".join(
        [
            "import hashlib",
            "import math",
            "",
            "import torch",
            "from torch import nn",
            "",
            f"clipnorm = {clipnorm!r}  # c: the norm limit (Keras clipnorm, global_clipnorm)",
            f"clipvalue = {clipvalue!r}  # v: every entry is clipped to [-v, v]",
            f"learning_rate = {learning_rate!r}",
            "",
            "# The page's generator: a torch.Generator seeded from sha256 of 'seed:purpose'.",
            f'digest = hashlib.sha256(b"{int(seed)}:{SETUP_PURPOSE}").digest()',
            'g = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & (2**63 - 1))',
            f"# {L} dense layers of {U} units with weights N(0, 1): std 1, where He's init would",
            f"# use sqrt(2 / {U}). Each layer multiplies signal and gradient by ~sqrt({U}).",
            f"weights = [torch.empty({U}, {U}).normal_(0.0, {setup.std!r}, generator=g)"
            f" for _ in range({L})]",
            f"x = torch.empty({B}, {U}).normal_(0.0, 1.0, generator=g)  # (B, U) inputs",
            f"y = torch.empty({B}, {U}).normal_(0.0, 1.0, generator=g)  # (B, U) targets",
            "",
            "",
            "def make_model():",
            '    """Linear + LeakyReLU layers holding those weights, biases 0."""',
            "    layers = []",
            "    for w in weights:",
            f"        linear = nn.Linear({U}, {U})",
            "        with torch.no_grad():",
            "            linear.weight.copy_(w)",
            "            linear.bias.zero_()",
            f"        layers += [linear, nn.LeakyReLU({setup.slope!r})]",
            "    return nn.Sequential(*layers)",
            "",
            "",
            "def loss_of(model):",
            "    return 0.5 * ((model(x) - y) ** 2).sum() / len(x)  # ½‖a − y‖² / B",
            "",
            "",
            "model = make_model()",
            "loss_of(model).backward()",
            "names = [f'{kind}{layer}' for layer in range(1, len(weights) + 1) for kind in 'Wb']",
            "before = [p.grad.clone() for p in model.parameters()]  # W1, b1, W2, b2, …",
            "",
            "# Keras clipnorm: each variable on its own, g · c / max(‖g‖, c).",
            "by_norm = [g * clipnorm / torch.clamp(g.norm(), min=clipnorm) for g in before]",
            "",
            "# One norm for all: Keras global_clipnorm, torch clip_grad_norm_ (returns the norm).",
            "total = nn.utils.clip_grad_norm_(model.parameters(), clipnorm)",
            "by_global = [p.grad.clone() for p in model.parameters()]",
            "scale = min(1.0, clipnorm / (total.item() + 1e-6))  # torch adds 1e-6",
            "",
            "# clipvalue: every entry to [-v, v] (clip_grad_value_).",
            "for p, g in zip(model.parameters(), before):",
            "    p.grad.copy_(g)",
            "nn.utils.clip_grad_value_(model.parameters(), clipvalue)",
            "by_value = [p.grad.clone() for p in model.parameters()]",
            "",
            "",
            "def cosine(a, b):",
            '    """cos of the angle between two whole steps (all variables, flattened)."""',
            "    a = torch.cat([t.flatten() for t in a]).double()",
            "    b = torch.cat([t.flatten() for t in b]).double()",
            "    return (a @ b / (a.norm() * b.norm())).item()",
            "",
            "",
            'print(f"total norm {total.item():.4g}, scale = min(1, c / total) = {scale:.4g}")',
            "print(f\"{'':>4} {'before':>10} {'clipnorm':>10} {'global':>10} {'value':>10}\")",
            "for k, name in enumerate(names):",
            "    row = [before[k], by_norm[k], by_global[k], by_value[k]]",
            '    print(f"{name:>4} " + " ".join(f\'{g.norm().item():10.4g}\' for g in row))',
            "cosines = {",
            '    "clipnorm": cosine(before, by_norm),',
            '    "global_clipnorm": cosine(before, by_global),',
            '    "clipvalue": cosine(before, by_value),',
            "}",
            'print("cosine with the unclipped step:", cosines)',
            "",
            "",
            f"def train(clip, steps={steps}):",
            '    """Plain SGD; the loss before each step, stopping at the first inf or NaN."""',
            "    model = make_model()",
            "    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)",
            "    losses = []",
            "    for _ in range(steps):",
            "        optimizer.zero_grad()",
            "        loss = loss_of(model)",
            "        losses.append(loss.item())",
            "        if not math.isfinite(loss.item()):",
            "            break",
            "        loss.backward()",
            "        clip(list(model.parameters()))",
            "        optimizer.step()",
            "    return losses",
            "",
            "",
            "def clip_each(params):",
            "    for p in params:  # Keras clipnorm, written out",
            "        p.grad.mul_(clipnorm / torch.clamp(p.grad.norm(), min=clipnorm))",
            "",
            "",
            "runs = {",
            '    "none": train(lambda params: None),',
            '    "clipnorm": train(clip_each),',
            '    "global_clipnorm": train(lambda ps: nn.utils.clip_grad_norm_(ps, clipnorm)),',
            '    "clipvalue": train(lambda ps: nn.utils.clip_grad_value_(ps, clipvalue)),',
            "}",
            "for name, losses in runs.items():",
            '    print(f"{name:>15}: {len(losses)} steps, last loss {losses[-1]:.4g}")',
            "",
        ]
    )


def _keras_program(
    setup: ExplodingSetup, grads: list[torch.Tensor], clipnorm: float, clipvalue: float
) -> str:
    names = setup.names()
    literal = [
        f"    {name!r}: {_np_array(g, '    ')}," for name, g in zip(names, grads, strict=True)
    ]
    return "\n".join(
        [
            "import numpy as np",
            "",
            "import keras",
            "",
            f"clipnorm = {clipnorm!r}  # c",
            f"clipvalue = {clipvalue!r}  # v",
            "",
            "# The page's gradient ∂ℒ/∂W, ∂ℒ/∂b of each layer, in PyTorch's (out, in) layout:",
            "# a Keras Dense kernel is (in, out), its transpose; norms and clipping are the same.",
            "grads = {",
            *literal,
            "}",
            "",
            "",
            "def applied(**clip):",
            '    """Apply the gradient once with SGD(learning_rate=1): θ = 0 − 1 · clipped(g)."""',
            "    variables = [keras.Variable(np.zeros_like(g)) for g in grads.values()]",
            "    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clip)",
            "    tensors = [keras.ops.convert_to_tensor(g) for g in grads.values()]",
            "    optimizer.apply_gradients(zip(tensors, variables))",
            "    return [-keras.ops.convert_to_numpy(v) for v in variables]",
            "",
            "",
            "def cosine(a, b):",
            "    a = np.concatenate([t.ravel() for t in a]).astype(np.float64)",
            "    b = np.concatenate([t.ravel() for t in b]).astype(np.float64)",
            "    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))",
            "",
            "",
            "before = list(grads.values())",
            "clipped = {",
            '    "clipnorm": applied(clipnorm=clipnorm),  # each variable on its own',
            '    "global_clipnorm": applied(global_clipnorm=clipnorm),  # one norm for all',
            '    "clipvalue": applied(clipvalue=clipvalue),  # each entry',
            "}",
            "for method, after in clipped.items():",
            '    norms = ", ".join(f"{n}={np.linalg.norm(g):.4g}" for n, g in zip(grads, after))',
            '    print(f"{method}: cosine {cosine(before, after):.4f}; {norms}")',
            "",
            "# The tutorial wrote Keras 2's argument name:",
            "try:",
            f"    keras.{TUTORIAL_LINE}",
            "except ValueError as error:",
            '    message = f"{type(error).__name__}: {error}"',
            "    print(message)",
            f"optimizer = keras.{FIXED_LINE}  # Keras 3 spells it learning_rate",
            "print(optimizer.learning_rate, optimizer.clipnorm)",
            "",
        ]
    )


def clip_programs(
    setup: ExplodingSetup,
    seed: int,
    grads: list[torch.Tensor],
    clipnorm: float,
    clipvalue: float,
    *,
    learning_rate: float,
    steps: int,
) -> tuple[str, str]:
    """(PyTorch program, Keras 3 program) for the page's seed, gradient, c and v."""
    return (
        _torch_program(setup, seed, clipnorm, clipvalue, learning_rate, steps),
        _keras_program(setup, grads, clipnorm, clipvalue),
    )
