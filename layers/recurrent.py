"""Recurrent layers: SimpleRNN, LSTM and GRU, one time step at a time, and Bidirectional.

Each reads a sequence x (B, T, In) left to right, carrying a hidden state h (B, U):

    SimpleRNN   h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)
    LSTM        i, f, o = σ(·), g = tanh(·)        (four gates from x_t and h_{t-1})
                c_t = f ⊙ c_{t-1} + i ⊙ g          h_t = o ⊙ tanh(c_t)
    GRU         r, z = σ(·)
                n_t = tanh(x_t W_inᵀ + b_in + r ⊙ (h_{t-1} W_hnᵀ + b_hn))
                h_t = (1 − z) ⊙ n_t + z ⊙ h_{t-1}

Weights are kept in PyTorch's layout, W_ih (G·U, In) and W_hh (G·U, U) with gates stacked
(LSTM i, f, g, o; GRU r, z, n) and two biases. `keras_weights()` gives Keras' layout: kernels
transposed to (In, G·U), LSTM and SimpleRNN with one bias (b_ih + b_hh), and GRU
(reset_after=True) with gates reordered to z, r, h and both biases as a (2, 3U) array.

The output is the last hidden state (B, U), or every step's (B, T, U) with
`return_sequences=True`, as in Keras.

`layer(x)` runs the equations above, written out step by step, and returns every step's gates
in its trace. `layer(x, trace=False)` is for callers that show no step (training a model, the
shapes a lesson prints): it hands the same weights to PyTorch's fused sequence kernel
(`torch.lstm` and friends, the kernel behind `nn.LSTM`) and returns `(output, None)`. A Python
loop over time costs ~10 small torch calls per token, which no written-out loop can bring near
one fused call (measured: LSTM at T=64 is 7× nn.LSTM even with one sigmoid over all four gates);
the tests prove both paths equal the torch.nn twin, and each other.

References: Elman (1990); Hochreiter & Schmidhuber (1997); Cho et al. (2014);
torch.nn.RNN / LSTM / GRU; Keras `layers.SimpleRNN` / `LSTM` / `GRU` / `Bidirectional`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from ._core import Layer, check_shape, default_generator, fan_in_bound, positive_int, uniform_


@dataclass(frozen=True)
class SimpleRNNTrace:
    h: torch.Tensor  # (B, T, U) hidden state after each step


@dataclass(frozen=True)
class LSTMTrace:
    i: torch.Tensor  # (B, T, U) input gate
    f: torch.Tensor  # (B, T, U) forget gate
    g: torch.Tensor  # (B, T, U) candidate cell values
    o: torch.Tensor  # (B, T, U) output gate
    c: torch.Tensor  # (B, T, U) cell state after each step
    h: torch.Tensor  # (B, T, U) hidden state after each step


@dataclass(frozen=True)
class GRUTrace:
    r: torch.Tensor  # (B, T, U) reset gate
    z: torch.Tensor  # (B, T, U) update gate
    n: torch.Tensor  # (B, T, U) candidate state
    h: torch.Tensor  # (B, T, U) hidden state after each step


@dataclass(frozen=True)
class BidirectionalTrace:
    forward: SimpleRNNTrace | LSTMTrace | GRUTrace
    backward: SimpleRNNTrace | LSTMTrace | GRUTrace  # re-ordered so index t is token t


class _Recurrent(Layer):
    """Parameters, conversion and checks shared by the three cells; forward is per cell."""

    gates: ClassVar[int]
    torch_class: ClassVar[type[nn.RNNBase]]

    def __init__(
        self,
        input_size: int,
        units: int,
        return_sequences: bool = False,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.input_size = positive_int(input_size, "input_size")
        self.units = positive_int(units, "units (U)")
        self.return_sequences = bool(return_sequences)
        G, U = self.gates, units
        self.weight_ih = nn.Parameter(torch.empty(G * U, input_size))
        self.weight_hh = nn.Parameter(torch.empty(G * U, U))
        self.bias_ih = nn.Parameter(torch.empty(G * U))
        self.bias_hh = nn.Parameter(torch.empty(G * U))
        generator = default_generator(generator, type(self).__name__)
        for parameter in self.parameters():  # PyTorch's init: U(-1/√U, 1/√U) for all
            uniform_(parameter, fan_in_bound(U), generator)

    def _settings(self) -> dict:
        return {}

    @classmethod
    def from_torch(
        cls, module: nn.RNNBase, *, return_sequences: bool = False, reverse: bool = False
    ):
        """Copy a one-layer torch.nn twin; `reverse=True` takes its backward direction."""
        if not isinstance(module, cls.torch_class):
            raise ValueError(f"{cls.__name__}.from_torch takes torch.nn.{cls.torch_class.__name__}")
        if module.num_layers != 1 or not module.bias or getattr(module, "proj_size", 0):
            raise ValueError(f"{cls.__name__} mirrors one layer with biases and no projection")
        if reverse and not module.bidirectional:
            raise ValueError("reverse=True needs a bidirectional module")
        layer = cls(
            module.input_size, module.hidden_size, return_sequences, **cls._torch_settings(module)
        )
        suffix = "_l0_reverse" if reverse else "_l0"
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(layer, name).copy_(getattr(module, name + suffix))
        return layer

    @classmethod
    def _torch_settings(cls, module: nn.RNNBase) -> dict:
        return {}

    def _check(self, x: torch.Tensor) -> None:
        check_shape(x, ("B", "T", self.input_size), type(self).__name__)
        if x.shape[1] == 0:
            raise ValueError(f"{type(self).__name__} needs at least one time step (T ≥ 1)")

    def _output(self, h: torch.Tensor) -> torch.Tensor:
        return h if self.return_sequences else h[:, -1]  # (B, T, U) or (B, U)

    def _fused(self, kernel, x: torch.Tensor, hx) -> tuple[torch.Tensor, None]:
        """No trace: the whole sequence in PyTorch's fused kernel, with this layer's weights."""
        weights = [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]
        if not torch.is_grad_enabled():  # torch picks its kernel by the weights' requires_grad,
            weights = [w.detach() for w in weights]  # so one model always gives the same bits
        # one layer, no dropout, one direction, batch first: (B, T, In) -> (B, T, U)
        h_all = kernel(x, hx, weights, True, 1, 0.0, self.training, False, True)[0]
        return self._output(h_all), None

    @staticmethod
    def _state(state: torch.Tensor) -> torch.Tensor:
        return state.unsqueeze(0)  # (B, U) -> (1, B, U): the kernel's (layers, B, U)

    def keras_param_count(self) -> int:
        """Parameters as Keras' model.summary() counts them."""
        return sum(w.size for w in self.keras_weights().values())

    def keras_weights(self) -> dict[str, np.ndarray]:
        """kernel (In, G·U), recurrent_kernel (U, G·U), bias (G·U,): Keras' layout and order."""
        with torch.no_grad():
            return {
                "kernel": self.weight_ih.T.numpy().copy(),
                "recurrent_kernel": self.weight_hh.T.numpy().copy(),
                "bias": (self.bias_ih + self.bias_hh).numpy().copy(),
            }

    def output_shape(self, batch: int, steps: int) -> tuple[int, ...]:
        return (batch, steps, self.units) if self.return_sequences else (batch, self.units)

    def extra_repr(self) -> str:
        return (
            f"input_size={self.input_size}, units={self.units}, "
            f"return_sequences={self.return_sequences}"
        )


class SimpleRNN(_Recurrent):
    """Elman RNN: h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), act tanh (or relu)."""

    gates = 1
    torch_class = nn.RNN

    def __init__(
        self,
        input_size: int,
        units: int,
        return_sequences: bool = False,
        *,
        activation: str = "tanh",
        generator: torch.Generator | None = None,
    ) -> None:
        if activation not in ("tanh", "relu"):
            raise ValueError(f'activation must be "tanh" or "relu", got {activation!r}')
        super().__init__(input_size, units, return_sequences, generator=generator)
        self.activation = activation

    def _settings(self) -> dict:
        return {"activation": self.activation}

    @classmethod
    def _torch_settings(cls, module: nn.RNN) -> dict:
        return {"activation": module.nonlinearity}

    def forward(
        self, x: torch.Tensor, initial_state: torch.Tensor | None = None, *, trace: bool = True
    ) -> tuple[torch.Tensor, SimpleRNNTrace | None]:
        self._check(x)
        B, T, In = x.shape
        U = self.units
        h = x.new_zeros(B, U) if initial_state is None else initial_state  # (B, U)
        if not trace:
            kernel = torch.rnn_tanh if self.activation == "tanh" else torch.rnn_relu
            return self._fused(kernel, x, self._state(h))
        act = torch.tanh if self.activation == "tanh" else torch.relu
        x_part = x @ self.weight_ih.T + self.bias_ih  # (B, T, In) -> (B, T, U), all steps at once
        hs = []
        for t in range(T):
            h = act(x_part[:, t] + h @ self.weight_hh.T + self.bias_hh)  # (B, U)
            hs.append(h)
        h_all = torch.stack(hs, dim=1)  # T × (B, U) -> (B, T, U)
        return self._output(h_all), SimpleRNNTrace(h=h_all)


class LSTM(_Recurrent):
    """Long short-term memory: input, forget and output gates around a cell state c."""

    gates = 4
    torch_class = nn.LSTM

    def forward(
        self,
        x: torch.Tensor,
        initial_state: tuple[torch.Tensor, torch.Tensor] | None = None,
        *,
        trace: bool = True,
    ) -> tuple[torch.Tensor, LSTMTrace | None]:
        self._check(x)
        B, T, In = x.shape
        U = self.units
        if initial_state is None:
            h, c = x.new_zeros(B, U), x.new_zeros(B, U)  # (B, U) each
        else:
            h, c = initial_state
        if not trace:
            return self._fused(torch.lstm, x, (self._state(h), self._state(c)))
        x_part = x @ self.weight_ih.T + self.bias_ih  # (B, T, In) -> (B, T, 4U)
        steps: dict[str, list[torch.Tensor]] = {k: [] for k in "ifgoch"}
        for t in range(T):
            z = x_part[:, t] + h @ self.weight_hh.T + self.bias_hh  # (B, 4U)
            i, f, g, o = z.chunk(4, dim=1)  # (B, 4U) -> 4 × (B, U)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g  # forget part of the old memory, write part of the new
            h = o * torch.tanh(c)  # expose part of the memory
            for name, value in zip("ifgoch", (i, f, g, o, c, h), strict=True):
                steps[name].append(value)
        trace = LSTMTrace(**{k: torch.stack(v, dim=1) for k, v in steps.items()})  # (B, T, U)
        return self._output(trace.h), trace


class GRU(_Recurrent):
    """Gated recurrent unit: reset and update gates, no separate cell state."""

    gates = 3
    torch_class = nn.GRU

    def forward(
        self, x: torch.Tensor, initial_state: torch.Tensor | None = None, *, trace: bool = True
    ) -> tuple[torch.Tensor, GRUTrace | None]:
        self._check(x)
        B, T, In = x.shape
        U = self.units
        h = x.new_zeros(B, U) if initial_state is None else initial_state  # (B, U)
        if not trace:
            return self._fused(torch.gru, x, self._state(h))
        x_part = x @ self.weight_ih.T + self.bias_ih  # (B, T, In) -> (B, T, 3U)
        steps: dict[str, list[torch.Tensor]] = {k: [] for k in "rznh"}
        for t in range(T):
            x_r, x_z, x_n = x_part[:, t].chunk(3, dim=1)  # 3 × (B, U)
            h_r, h_z, h_n = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=1)  # 3 × (B, U)
            r = torch.sigmoid(x_r + h_r)
            z = torch.sigmoid(x_z + h_z)
            n = torch.tanh(x_n + r * h_n)  # the reset gate scales the old state's contribution
            h = (1 - z) * n + z * h  # z near 1 keeps the old state
            for name, value in zip("rznh", (r, z, n, h), strict=True):
                steps[name].append(value)
        trace = GRUTrace(**{k: torch.stack(v, dim=1) for k, v in steps.items()})  # (B, T, U)
        return self._output(trace.h), trace

    def keras_weights(self) -> dict[str, np.ndarray]:
        """Keras GRU (reset_after=True): gates z, r, h; bias (2, 3U) = [input, recurrent]."""

        def keras_order(tensor: torch.Tensor) -> torch.Tensor:
            r, z, n = tensor.chunk(3, dim=0)
            return torch.cat([z, r, n], dim=0)

        with torch.no_grad():
            return {
                "kernel": keras_order(self.weight_ih).T.numpy().copy(),
                "recurrent_kernel": keras_order(self.weight_hh).T.numpy().copy(),
                "bias": torch.stack([keras_order(self.bias_ih), keras_order(self.bias_hh)])
                .numpy()
                .copy(),
            }


def _flip_time(trace):
    """The same trace with every (B, T, U) tensor reversed along T."""
    return dataclasses.replace(
        trace, **{f.name: getattr(trace, f.name).flip(1) for f in dataclasses.fields(trace)}
    )


class Bidirectional(Layer):
    """Runs a copy of `layer` right to left as well and concatenates both: U -> 2U features."""

    def __init__(self, layer: _Recurrent, *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        if not isinstance(layer, _Recurrent):
            raise ValueError("Bidirectional wraps a SimpleRNN, LSTM or GRU")
        self.forward_layer = layer
        # The backward copy has the same settings and its own weights, as in Keras.
        self.backward_layer = type(layer)(
            layer.input_size,
            layer.units,
            layer.return_sequences,
            generator=default_generator(generator, f"Bidirectional.{type(layer).__name__}"),
            **layer._settings(),
        )

    @property
    def return_sequences(self) -> bool:
        return self.forward_layer.return_sequences

    @property
    def units(self) -> int:
        return self.forward_layer.units

    @classmethod
    def from_torch(cls, module: nn.RNNBase, *, return_sequences: bool = False) -> Bidirectional:
        """Copy both directions of a bidirectional one-layer nn.RNN, nn.LSTM or nn.GRU."""
        if not module.bidirectional:
            raise ValueError("Bidirectional.from_torch needs a module with bidirectional=True")
        by_class = {nn.LSTM: LSTM, nn.GRU: GRU, nn.RNN: SimpleRNN}
        layer_class = by_class.get(type(module))
        if layer_class is None:
            raise ValueError("Bidirectional.from_torch takes torch.nn.RNN, LSTM or GRU")
        forward = layer_class.from_torch(module, return_sequences=return_sequences)
        wrapper = cls(forward)
        backward = layer_class.from_torch(module, return_sequences=return_sequences, reverse=True)
        wrapper.backward_layer.load_state_dict(backward.state_dict())
        return wrapper

    def forward(
        self, x: torch.Tensor, *, trace: bool = True
    ) -> tuple[torch.Tensor, BidirectionalTrace | None]:
        out_f, trace_f = self.forward_layer(x, trace=trace)  # (B, T, U) or (B, U)
        out_b, trace_b = self.backward_layer(x.flip(1), trace=trace)  # tokens last to first
        if self.return_sequences:
            out_b = out_b.flip(1)  # line step t up with token t again
        out = torch.cat([out_f, out_b], dim=-1)  # (..., U) + (..., U) -> (..., 2U)
        if not trace:
            return out, None
        return out, BidirectionalTrace(forward=trace_f, backward=_flip_time(trace_b))

    def keras_param_count(self) -> int:
        return self.forward_layer.keras_param_count() + self.backward_layer.keras_param_count()

    def keras_weights(self) -> dict[str, dict[str, np.ndarray]]:
        return {
            "forward": self.forward_layer.keras_weights(),
            "backward": self.backward_layer.keras_weights(),
        }

    def output_shape(self, batch: int, steps: int) -> tuple[int, ...]:
        shape = self.forward_layer.output_shape(batch, steps)
        return (*shape[:-1], 2 * shape[-1])
