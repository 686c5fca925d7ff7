"""Training helpers, written out: the tutorial's model, its loss, three optimizers and `fit`.

The model is Keras' classic sentiment classifier, built from this package's own layers:

    ids (B, T) ─Embedding(V, D)─▶ x (B, T, D) ─SimpleRNN / LSTM / GRU(U)─▶ h_T (B, U)
              ─Dense(1, sigmoid)─▶ p (B, 1)        p = σ(h_T wᵀ + b)

started as Keras starts it: embeddings U(−0.05, 0.05); input kernels Glorot-uniform; recurrent
kernels orthogonal; biases 0, but the LSTM's forget gate 1 (`unit_forget_bias`).

    binary cross-entropy   ℒ = −mean(y log p + (1 − y) log(1 − p)),  p clipped to [ε, 1 − ε]
    SGD                    w ← w − η g
    RMSprop (Keras)        v ← ρ v + (1 − ρ) g²          w ← w − η g / √(v + ε)
    Adam (Keras)           m ← β₁ m + (1 − β₁) g        v ← β₂ v + (1 − β₂) g²
                           w ← w − η √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)

Keras' defaults (ε = 1e-7, ρ = 0.9, η = 0.001 for RMSprop and Adam, 0.01 for SGD) differ from
torch.optim's (RMSprop: α = 0.99, ε = 1e-8 added after the root), so the optimizers follow Keras:
the numbers a student sees are the ones `model.fit` prints. `clipnorm` clips each variable's
gradient on its own before the step, as Keras' optimizers do.

`fit` follows `keras.Model.fit`: the data are shuffled at every epoch (here by a seeded
generator, so every laptop draws the same batches); the epoch's loss and accuracy are running
means over its batches, weighted by batch size; validation runs once at the end of each epoch.
It reports every batch to a callback, which may stop it, and it stops at a deadline.

References: keras/src/optimizers/{sgd,rmsprop,adam}.py; keras/src/backend/torch/nn.py
(`binary_crossentropy`); keras/src/trainers/trainer.py; Kingma & Ba (2015); Hinton's RMSprop
lecture (2012).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from . import initializers as init
from ._core import Layer, check_shape, make_generator, positive_int, uniform_
from .clipping import clip_by_norm
from .embedding import Embedding
from .recurrent import GRU, LSTM, SimpleRNN

KERAS_EPSILON = 1e-7  # keras.config.epsilon(): the loss's clip and the optimizers' ε
CELLS = {"simplernn": SimpleRNN, "lstm": LSTM, "gru": GRU}
KERAS_NAMES = {"simplernn": "simple_rnn", "lstm": "lstm", "gru": "gru"}  # model.summary() names
KERAS_CLASSES = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
EMBEDDING_LIMIT = 0.05  # Keras' Embedding default: RandomUniform(−0.05, 0.05)


@dataclass(frozen=True)
class DenseTrace:
    z: torch.Tensor  # (B, out) before the activation
    out: torch.Tensor  # (B, out)


class Dense(Layer):
    """y = act(x Wᵀ + b), W stored (out, in) as in nn.Linear; act is None or "sigmoid"."""

    def __init__(
        self,
        in_features: int,
        units: int,
        *,
        activation: str | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if activation not in (None, "sigmoid"):
            raise ValueError(f'activation must be None or "sigmoid", got {activation!r}')
        self.in_features = positive_int(in_features, "in_features")
        self.units = positive_int(units, "units")
        self.activation = activation
        generator = generator if generator is not None else make_generator(0, "Dense")
        weight, bias = init.torch_default_linear(in_features, units, generator)
        self.weight = nn.Parameter(weight)  # (out, in)
        self.bias = nn.Parameter(bias)  # (out,)

    @classmethod
    def from_torch(cls, module: nn.Linear, *, activation: str | None = None) -> Dense:
        if not isinstance(module, nn.Linear) or module.bias is None:
            raise ValueError("Dense.from_torch takes a torch.nn.Linear with a bias")
        layer = cls(module.in_features, module.out_features, activation=activation)
        with torch.no_grad():
            layer.weight.copy_(module.weight)
            layer.bias.copy_(module.bias)
        return layer

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, DenseTrace]:
        check_shape(x, ("B", self.in_features), "Dense")
        B, In = x.shape
        z = x @ self.weight.T + self.bias  # (B, In) -> (B, out)
        out = torch.sigmoid(z) if self.activation == "sigmoid" else z  # (B, out)
        return out, DenseTrace(z=z, out=out)

    def keras_weights(self) -> dict[str, np.ndarray]:
        with torch.no_grad():
            return {"kernel": self.weight.T.numpy().copy(), "bias": self.bias.numpy().copy()}


@dataclass(frozen=True)
class ModelConfig:
    """Everything that shapes the model: the tutorial's Embedding(10000, 32) → SimpleRNN(32)."""

    vocab: int = 10_000  # V: Embedding's input_dim, which is Tokenizer's num_words
    dim: int = 32  # D
    units: int = 32  # U
    cell: str = "simplernn"
    maxlen: int = 40  # T: the padded length, for the summary's output shapes

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        for name in ("vocab", "dim", "units", "maxlen"):
            positive_int(getattr(self, name), name)


@dataclass(frozen=True)
class ModelTrace:
    embedded: torch.Tensor  # (B, T, D)
    hidden: torch.Tensor  # (B, U) the recurrent layer's last state
    logit: torch.Tensor  # (B, 1)
    prob: torch.Tensor  # (B, 1)


class SentimentModel(Layer):
    """Sequential([Embedding(V, D), cell(U), Dense(1, sigmoid)]), Keras-initialized by seed."""

    def __init__(self, config: ModelConfig, *, seed: int = 0) -> None:
        super().__init__()
        self.config = config
        V, D, U = config.vocab, config.dim, config.units
        generator = make_generator(seed, "train-model-init")
        self.embedding = Embedding(V, D, generator=generator)
        self.rnn = CELLS[config.cell](D, U, generator=generator)
        self.dense = Dense(U, 1, activation="sigmoid", generator=generator)
        keras_init_(self, generator)
        if config.cell in ("simplernn", "lstm"):
            # Keras keeps one bias here; PyTorch's layout keeps two, b_ih + b_hh. Trained both,
            # their sum would take two steps per batch where Keras takes one, so b_hh stays 0
            # and b_ih is Keras' bias: the model then trains exactly as Keras' does.
            self.rnn.bias_hh.requires_grad_(False)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, ModelTrace]:
        B, T = ids.shape
        x, _ = self.embedding(ids)  # (B, T) -> (B, T, D)
        h, _ = self.rnn(x, trace=False)  # (B, T, D) -> (B, U); no step is shown: fused kernel
        p, dense = self.dense(h)  # (B, U) -> (B, 1)
        return p, ModelTrace(embedded=x, hidden=h, logit=dense.z, prob=p)

    def layer_rows(self) -> list[tuple[str, str, tuple, int, int]]:
        """(name, Keras class, output shape, Keras params, PyTorch params) per layer."""
        c = self.config
        cell = self.rnn

        def count(module: nn.Module) -> int:
            return sum(p.numel() for p in module.parameters())

        return [
            ("embedding", "Embedding", (None, c.maxlen, c.dim), count(self.embedding),
             count(self.embedding)),
            (KERAS_NAMES[c.cell], KERAS_CLASSES[c.cell], (None, c.units),
             cell.keras_param_count(), count(cell)),
            ("dense", "Dense", (None, 1), count(self.dense), count(self.dense)),
        ]  # fmt: skip

    def keras_param_count(self) -> int:
        return sum(row[3] for row in self.layer_rows())

    def torch_param_count(self) -> int:
        return sum(row[4] for row in self.layer_rows())


def keras_init_(model: SentimentModel, generator: torch.Generator) -> None:
    """Keras' defaults, drawn in layer order from one generator."""
    U, G = model.config.units, model.rnn.gates
    with torch.no_grad():
        uniform_(model.embedding.weight, EMBEDDING_LIMIT, generator)
        model.rnn.weight_ih.copy_(init.glorot_uniform((G * U, model.config.dim), generator))
        model.rnn.weight_hh.copy_(init.orthogonal((G * U, U), generator))
        model.rnn.bias_ih.zero_()
        model.rnn.bias_hh.zero_()
        if isinstance(model.rnn, LSTM):  # unit_forget_bias=True: gates i, f, g, o
            model.rnn.bias_ih[U : 2 * U] = 1.0
        model.dense.weight.copy_(init.glorot_uniform((1, U), generator))
        model.dense.bias.zero_()


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"


def _size_text(count: int) -> str:
    """Keras' readable size of `count` float32 parameters: '1.23 MB', '0.00 B'."""
    size = count * 4.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def summary(model: SentimentModel, *, optimizer_params: int | None = None) -> str:
    """model.summary() as Keras 3 prints it (Layer (type), Output Shape, Param #, totals)."""
    widths = (33, 24, 15)
    rows = [
        (f"{name} ({kind})", _shape_text(shape), f"{params:,}")
        for name, kind, shape, params, _ in model.layer_rows()
    ]

    def line(left: str, middle: str, right: str, fill: str) -> str:
        return left + middle.join(fill * w for w in widths) + right

    def cells(texts: Sequence[str], bar: str) -> str:
        name, shape, count = texts
        return (
            f"{bar} {name:<{widths[0] - 2}} {bar} {shape:<{widths[1] - 2}} "
            f"{bar} {count:>{widths[2] - 2}} {bar}"
        )

    out = ['Model: "sequential"', line("┏", "┳", "┓", "━")]
    out.append(cells(("Layer (type)", "Output Shape", "Param #"), "┃"))
    out.append(line("┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        if i:
            out.append(line("├", "┼", "┤", "─"))
        out.append(cells(row, "│"))
    out.append(line("└", "┴", "┘", "─"))
    trainable = model.keras_param_count()
    total = trainable + (optimizer_params or 0)
    out.append(f" Total params: {total:,} ({_size_text(total)})")
    out.append(f" Trainable params: {trainable:,} ({_size_text(trainable)})")
    out.append(f" Non-trainable params: 0 ({_size_text(0)})")
    if optimizer_params:
        out.append(f" Optimizer params: {optimizer_params:,} ({_size_text(optimizer_params)})")
    return "\n".join(out)


def binary_crossentropy(
    p: torch.Tensor, y: torch.Tensor, *, epsilon: float = KERAS_EPSILON
) -> torch.Tensor:
    """Keras' binary_crossentropy on probabilities, averaged over the batch: p, y (B, 1)."""
    p = p.clamp(epsilon, 1.0 - epsilon)  # Keras clips so that log never sees 0
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def binary_accuracy(p: torch.Tensor, y: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Share of predictions on the right side of the threshold (Keras: p > 0.5 is class 1)."""
    return ((p > threshold).to(y.dtype) == y).to(torch.float32).mean()


class Optimizer:
    """Keras-style optimizer over a list of parameters, with optional per-variable clipnorm."""

    name: ClassVar[str]
    default_lr: ClassVar[float]
    slots: ClassVar[int]  # state tensors per variable (RMSprop: velocity; Adam: m and v)

    def __init__(
        self, params: Sequence[torch.Tensor], learning_rate: float | None = None,
        clipnorm: float | None = None,
    ) -> None:  # fmt: skip
        self.params = list(params)
        self.learning_rate = self.default_lr if learning_rate is None else float(learning_rate)
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a number > 0, got {learning_rate!r}")
        if clipnorm is not None and not (math.isfinite(clipnorm) and clipnorm > 0):
            raise ValueError(f"clipnorm must be None or a number > 0, got {clipnorm!r}")
        self.clipnorm = clipnorm
        self.iterations = 0
        self.state = [[torch.zeros_like(p) for _ in range(self.slots)] for p in self.params]

    def variable_count(self, trainable: int | None = None) -> int:
        """Keras' "Optimizer params": a slot per trainable entry (`trainable` as Keras counts
        them; PyTorch's recurrent layers hold an extra bias), plus iterations and learning rate."""
        if trainable is None:
            trainable = sum(p.numel() for p in self.params)
        return trainable * self.slots + 2

    @torch.no_grad()
    def step(self) -> None:
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        if self.clipnorm is not None:
            grads, _ = clip_by_norm(grads, self.clipnorm, style="keras")
        for param, grad, state in zip(self.params, grads, self.state, strict=True):
            self._update(param, grad, state)
        self.iterations += 1

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def _update(self, w: torch.Tensor, g: torch.Tensor, state: list[torch.Tensor]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    name, default_lr, slots = "sgd", 0.01, 0

    def _update(self, w, g, state):
        w.sub_(self.learning_rate * g)


class RMSprop(Optimizer):
    name, default_lr, slots = "rmsprop", 0.001, 1
    rho = 0.9
    epsilon = KERAS_EPSILON

    def _update(self, w, g, state):
        (v,) = state
        v.mul_(self.rho).add_((1 - self.rho) * g.square())  # running mean of g²
        w.sub_(self.learning_rate * g / torch.sqrt(v + self.epsilon))  # Keras: ε inside √


class Adam(Optimizer):
    name, default_lr, slots = "adam", 0.001, 2
    beta_1, beta_2 = 0.9, 0.999
    epsilon = KERAS_EPSILON

    def _update(self, w, g, state):
        m, v = state
        t = self.iterations + 1
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m.add_((g - m) * (1 - self.beta_1))  # running mean of g
        v.add_((g.square() - v) * (1 - self.beta_2))  # running mean of g²
        w.sub_(alpha * m / (v.sqrt() + self.epsilon))


OPTIMIZERS: dict[str, type[Optimizer]] = {c.name: c for c in (SGD, RMSprop, Adam)}


def make_optimizer(
    name: str, params: Sequence[torch.Tensor], learning_rate: float | None = None,
    clipnorm: float | None = None,
) -> Optimizer:  # fmt: skip
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name](params, learning_rate, clipnorm)


@dataclass
class History:
    """Keras' History.history: one value per finished epoch for each metric, plus timing."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stopped: str | None = None  # None (ran every epoch), "stop" (asked to) or "time" (deadline)

    def copy(self) -> History:
        return History(
            list(self.loss), list(self.accuracy), list(self.val_loss), list(self.val_accuracy),
            list(self.seconds), self.stopped,
        )  # fmt: skip

    def history(self) -> dict[str, list[float]]:
        """The dict `model.fit(...).history` returns, keys in Keras' order."""
        keys = ["accuracy", "loss"] + (["val_accuracy", "val_loss"] if self.val_loss else [])
        return {k: list(getattr(self, k)) for k in keys}


@dataclass(frozen=True)
class Progress:
    """What fit reports after each batch: where it is and the epoch's running logs so far."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # batches done in this epoch
    batches: int
    logs: dict[str, float]
    epoch_done: bool
    history: History | None = None  # after an epoch: a copy of the history so far


def _targets(y: torch.Tensor | np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(y), dtype=torch.float32).reshape(-1, 1)  # (N,) -> (N, 1)


@torch.no_grad()
def evaluate(
    model: SentimentModel, x: torch.Tensor, y: torch.Tensor | np.ndarray, *, batch_size: int = 32
) -> tuple[float, float]:
    """(loss, accuracy) over the data, in batches: `model.evaluate(x, y)`."""
    positive_int(batch_size, "batch_size")
    y = _targets(y)
    N = len(x)
    if N == 0:
        raise ValueError("evaluate needs at least one example")
    if len(y) != N:
        raise ValueError(f"evaluate needs as many labels as examples, got {N} and {len(y)}")
    loss_sum, right = 0.0, 0.0
    for start in range(0, N, batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        p, _ = model(xb)
        loss_sum += binary_crossentropy(p, yb).item() * len(xb)
        right += binary_accuracy(p, yb).item() * len(xb)
    return loss_sum / N, right / N


@torch.no_grad()
def predict(model: SentimentModel, x: torch.Tensor, *, batch_size: int = 32) -> torch.Tensor:
    """Probabilities (N, 1), as `model.predict(x)` returns them."""
    positive_int(batch_size, "batch_size")
    if len(x) == 0:
        return torch.zeros(0, 1)
    return torch.cat([model(x[s : s + batch_size])[0] for s in range(0, len(x), batch_size)])


def fit(
    model: SentimentModel,
    x: torch.Tensor,
    y: torch.Tensor | np.ndarray,
    *,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int,
    seed: int,
    validation: tuple[torch.Tensor, torch.Tensor | np.ndarray] | None = None,
    callback: Callable[[Progress], bool | None] | None = None,
    deadline: float | None = None,
) -> History:
    """`model.fit(x, y, epochs, batch_size, validation_data)`, deterministic for `seed`.

    `callback(progress)` runs after every batch; returning False stops training after that
    batch (the epoch is then not recorded). `deadline` (time.monotonic()) stops it the same way.
    After the last batch nothing is left to stop: a run that did every epoch keeps stopped None.
    """
    positive_int(epochs, "epochs")
    positive_int(batch_size, "batch_size")
    check_shape(x, ("N", "T"), "fit")
    y = _targets(y)
    N = len(x)
    if N == 0 or len(y) != N:
        raise ValueError(f"fit needs as many labels as examples (≥ 1), got {N} and {len(y)}")
    generator = make_generator(seed, "fit-shuffle")
    batches = math.ceil(N / batch_size)
    history = History()
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        order = torch.randperm(N, generator=generator)  # Keras shuffles every epoch
        loss_sum, right, seen = 0.0, 0.0, 0
        for b in range(batches):
            index = order[b * batch_size : (b + 1) * batch_size]
            xb, yb = x[index], y[index]
            p, _ = model(xb)
            loss = binary_crossentropy(p, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            n = len(index)
            loss_sum += loss.item() * n
            right += binary_accuracy(p.detach(), yb).item() * n
            seen += n
            logs = {"accuracy": right / seen, "loss": loss_sum / seen}
            done = b == batches - 1
            if done:
                if validation is not None:
                    val_loss, val_acc = evaluate(model, validation[0], validation[1],
                                                 batch_size=batch_size)  # fmt: skip
                    logs |= {"val_accuracy": val_acc, "val_loss": val_loss}
                for key, value in logs.items():
                    getattr(history, key).append(value)
                history.seconds.append(time.perf_counter() - started)
            if callback is not None:
                copy = history.copy() if done else None
                go_on = callback(Progress(epoch, epochs, b + 1, batches, logs, done, copy))
            else:
                go_on = None
            if done and epoch == epochs:
                break  # every epoch ran: nothing is left to stop
            if go_on is False:
                history.stopped = "stop"
            elif deadline is not None and time.monotonic() > deadline:
                history.stopped = "time"
            if history.stopped:
                return history
    return history


def overfitting_epoch(
    loss: Sequence[float], val_loss: Sequence[float], *, patience: int = 2
) -> int | None:
    """The epoch (1-based) after which the model overfits, or None.

    That is the epoch of the lowest val_loss when at least `patience` epochs followed it, the
    last val_loss is higher than that low, and the training loss kept falling meanwhile.
    """
    if len(val_loss) < patience + 1 or len(loss) < len(val_loss):
        return None
    values = np.asarray(val_loss, dtype=np.float64)
    if not np.isfinite(values).all():
        return None
    best = int(np.argmin(values))
    later = len(values) - 1 - best
    if later < patience or values[-1] <= values[best]:
        return None
    if not loss[len(values) - 1] < loss[best]:
        return None
    return best + 1
