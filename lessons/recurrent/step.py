"""Step through time: a scrubber over the sentence (and a play button that moves it), and at
step t, for the chosen unit j, every gate's equation written with the layer's own numbers.

At step t the layer reads xₜ and the state hₜ₋₁ (and cₜ₋₁) the step before left; every gate is
act(W[j]·xₜ + U[j]·hₜ₋₁ + b[j]) with unit j's rows of the gate's weights. `unit_step` reads those
numbers from the layer's weights (in float64) and the run's trace; the figures show the same step
over all U units, and a map of h over the whole sentence shows where t is.

The panel under the cell, width and units controls is a fragment of its own, so moving the
scrubber or the unit reruns it alone. Play swaps it for a twin fragment with `run_every`, which
steps t on at each tick; Pause (or the last step) swaps it back, which stops the browser's timer:
a keyed rerun of the host fragment drops the twin, and at the end a full rerun clears it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import viz
from layers.stack import PAD
from ui.blocks import chart, f32
from ui.downloads import downloads
from ui.i18n import t as tr
from ui.safe import md_escape
from ui.settings import Settings
from ui.shell import explain
from ui.state import current, hidden, sync_url, update, widget
from ui.tex import tex_number

from . import step_code
from .common import (
    RecurrentRun,
    fits_budget,
    has_words,
    line_control,
    recurrent_run,
    show_code,
    size_controls,
)

TICK = 0.8  # seconds between two steps while playing
STEP_AFTER = 0.7 * TICK  # a rerun this long after the last step moves on (timer jitter)
STALE = 5 * TICK  # no step for this long: the panel was away (another part); not playing
SHOWN = 128  # units, features or steps one figure draws; the downloads have all
DIGITS = 3  # significant digits of the numbers in the equations
HOST = "recurrent_step_panel"  # the fragment key that Play and Pause rerun
PLAY = "_recurrent_step_play"  # session state: {"on", "tick" (monotonic), "t" (last step set)}

# Each cell's gates in PyTorch's order: (trace field, activation); SimpleRNN's one is h itself.
GATES = {
    "simplernn": (("h", "tanh"),),
    "lstm": (("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid")),
    "gru": (("r", "sigmoid"), ("z", "sigmoid"), ("n", "tanh")),
}
RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}

IDEA = {
    "simplernn": r"h_t = \tanh\big(W x_t + U h_{t-1} + b\big)",
    "lstm": (
        r"\begin{aligned}"
        r"i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i) & f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f)"
        r"\\ g_t &= \tanh(W_g x_t + U_g h_{t-1} + b_g) & o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o)"
        r"\\ c_t &= f_t \odot c_{t-1} + i_t \odot g_t & h_t &= o_t \odot \tanh(c_t)"
        r"\end{aligned}"
    ),
    "gru": (
        r"\begin{aligned}"
        r"r_t &= \sigma(W_r x_t + U_r h_{t-1} + b_r) & z_t &= \sigma(W_z x_t + U_z h_{t-1} + b_z)"
        r"\\ n_t &= \tanh\big(W_n x_t + b_{in} + r_t \odot (U_n h_{t-1} + b_{hn})\big)"
        r" & h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}"
        r"\end{aligned}"
    ),
}

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(n: int) -> str:
    """A step number as subscript digits, for figure titles: 12 -> ₁₂."""
    return str(int(n)).translate(_SUBSCRIPTS)


# --- the numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """One gate of unit j at step t, as its equation writes it (float64)."""

    name: str  # PyTorch's: i, f, g, o; r, z, n; h for SimpleRNN
    activation: str  # "sigmoid" or "tanh"
    wx: float  # W[j]·xₜ, the gate's input-weight row j with the token vector
    uh: float  # U[j]·hₜ₋₁, its recurrent-weight row j with the state carried in
    bias: float  # b_ih[j] + b_hh[j]; the GRU's n: b_in[j] alone
    bias_h: float | None  # the GRU's n: b_hn[j], inside r ⊙ (…); else None
    reset: float | None  # the GRU's n: rₜ[j] (the trace's); else None
    pre: float  # the sum the activation squashes
    value: float  # the trace's gate value


@dataclass(frozen=True)
class UnitStep:
    """Step t (1..T) of sentence b for unit j (1..U): what goes in, every gate, what comes out."""

    cell: str
    b: int
    t: int
    j: int
    x: np.ndarray  # (D,) xₜ
    h_prev: np.ndarray  # (U,) hₜ₋₁, zeros at t = 1
    c_prev: np.ndarray | None  # (U,) cₜ₋₁ for LSTM, zeros at t = 1
    gates: tuple[Gate, ...]
    c: float | None  # cₜ[j] (LSTM), the trace's
    h: float  # hₜ[j], the trace's


def _previous(trace_field: torch.Tensor, b: int, t: int) -> np.ndarray:
    """The state the step before left: row t − 1 of (B, T, U), zeros at t = 1."""
    U = trace_field.shape[-1]
    return trace_field[b, t - 2].double().numpy() if t > 1 else np.zeros(U)


def unit_step(run: RecurrentRun, b: int, t: int, j: int) -> UnitStep:
    """Unit j's numbers at step t of sentence b, from the layer's weights and the run's trace."""
    layer, trace, cell = run.layer, run.trace, run.cell
    U = layer.units
    x = run.x[b, t - 1].double().numpy()
    h_prev = _previous(trace.h, b, t)
    with torch.no_grad():
        w_ih = layer.weight_ih.double().numpy()
        w_hh = layer.weight_hh.double().numpy()
        b_ih = layer.bias_ih.double().numpy()
        b_hh = layer.bias_hh.double().numpy()
    gates = []
    for k, (name, activation) in enumerate(GATES[cell]):
        row = k * U + (j - 1)
        wx, uh = float(w_ih[row] @ x), float(w_hh[row] @ h_prev)
        value = float(getattr(trace, name)[b, t - 1, j - 1])
        if cell == "gru" and name == "n":
            reset = float(trace.r[b, t - 1, j - 1])
            bias, bias_h = float(b_ih[row]), float(b_hh[row])
            pre = wx + bias + reset * (uh + bias_h)
        else:
            reset, bias_h = None, None
            bias = float(b_ih[row] + b_hh[row])
            pre = wx + uh + bias
        gates.append(Gate(name, activation, wx, uh, bias, bias_h, reset, pre, value))
    return UnitStep(
        cell=cell,
        b=b,
        t=t,
        j=j,
        x=x,
        h_prev=h_prev,
        c_prev=_previous(trace.c, b, t) if cell == "lstm" else None,
        gates=tuple(gates),
        c=float(trace.c[b, t - 1, j - 1]) if cell == "lstm" else None,
        h=float(trace.h[b, t - 1, j - 1]),
    )


# --- the equations ----------------------------------------------------------------------------


def num(value: float) -> str:
    return tex_number(value, DIGITS)


def term(value: float) -> str:
    """A number inside a sum or product: negative ones in parentheses."""
    text = num(value)
    return f"({text})" if value < 0 or r"\times" in text else text


ACT = {"sigmoid": r"\sigma", "tanh": r"\tanh"}


def gate_tex(gate: Gate, t: int, j: int, cell: str) -> str:
    """gₜ[j] = act(W[j]·xₜ + U[j]·hₜ₋₁ + b[j]) = act(numbers) = act(sum) = value (boxed)."""
    act = ACT[gate.activation]
    sub = "" if cell == "simplernn" else f"_{gate.name}"
    x, h = f"x_{{{t}}}", f"h_{{{t - 1}}}"
    if gate.reset is None:
        symbols = rf"W{sub}[{j}]\cdot {x} + U{sub}[{j}]\cdot {h} + b{sub}[{j}]"
        numbers = f"{num(gate.wx)} + {term(gate.uh)} + {term(gate.bias)}"
    else:  # the GRU's candidate: the reset gate scales the recurrent part and its bias
        symbols = (
            rf"W_n[{j}]\cdot {x} + b_{{in}}[{j}] + r_{{{t}}}[{j}]\,"
            rf"\big(U_n[{j}]\cdot {h} + b_{{hn}}[{j}]\big)"
        )
        numbers = (
            f"{num(gate.wx)} + {term(gate.bias)} + {term(gate.reset)}\\cdot"
            f"\\big({num(gate.uh)} + {term(gate.bias_h)}\\big)"
        )
    return (
        r"\begin{aligned}"
        rf"{gate.name}_{{{t}}}[{j}] &= {act}\Big({symbols}\Big) \\"
        rf"&= {act}\big({numbers}\big) = {act}({num(gate.pre)}) = \boxed{{{num(gate.value)}}}"
        r"\end{aligned}"
    )


def state_tex(step: UnitStep) -> list[str]:
    """The new state from the gates: LSTM's c and h, GRU's h (SimpleRNN's h is its gate)."""
    t, j = step.t, step.j
    g = {gate.name: gate.value for gate in step.gates}
    jj = j - 1
    if step.cell == "lstm":
        c_prev = float(step.c_prev[jj])
        return [
            r"\begin{aligned}"
            rf"c_{{{t}}}[{j}] &= f_{{{t}}}[{j}]\, c_{{{t - 1}}}[{j}]"
            rf" + i_{{{t}}}[{j}]\, g_{{{t}}}[{j}]"
            rf" \\ &= {term(g['f'])} \cdot {term(c_prev)} + {term(g['i'])} \cdot {term(g['g'])}"
            rf" = \boxed{{{num(step.c)}}}"
            r"\end{aligned}",
            r"\begin{aligned}"
            rf"h_{{{t}}}[{j}] &= o_{{{t}}}[{j}]\, \tanh\big(c_{{{t}}}[{j}]\big)"
            rf" \\ &= {term(g['o'])} \cdot \tanh({num(step.c)}) = {term(g['o'])} \cdot"
            rf" {term(math.tanh(step.c))} = \boxed{{{num(step.h)}}}"
            r"\end{aligned}",
        ]
    if step.cell == "gru":
        h_prev = float(step.h_prev[jj])
        return [
            r"\begin{aligned}"
            rf"h_{{{t}}}[{j}] &= \big(1 - z_{{{t}}}[{j}]\big)\, n_{{{t}}}[{j}]"
            rf" + z_{{{t}}}[{j}]\, h_{{{t - 1}}}[{j}]"
            rf" \\ &= (1 - {term(g['z'])}) \cdot {term(g['n'])} + {term(g['z'])} \cdot"
            rf" {term(h_prev)} = \boxed{{{num(step.h)}}}"
            r"\end{aligned}"
        ]
    return []


# --- playing ----------------------------------------------------------------------------------


def _play() -> dict:
    return st.session_state.setdefault(PLAY, {"on": False, "tick": 0.0, "t": 0})


def stop_playing() -> None:
    _play()["on"] = False


def _start(T: int) -> None:
    """Play's callback: from the last step, start again at 1; the host swaps in the ticking
    twin."""
    t = min(max(current().rnn_t, 1), T)
    if t >= T:
        t = 1
        update(rnn_t=1)
    st.session_state[PLAY] = {"on": True, "tick": time.monotonic(), "t": t}
    st.rerun(HOST)


def _pause() -> None:
    stop_playing()
    st.rerun(HOST)


def _advance(T: int) -> int:
    """While playing: the step to show now. A tick long enough after the last step moves t on
    by one; a step set by someone else (the scrubber, a shorter text) plays on from there."""
    state, s = _play(), current()
    now = time.monotonic()
    t = min(max(s.rnn_t, 1), T)
    if t != state["t"]:
        state.update(t=t, tick=now)
    elif t < T and now - state["tick"] >= STEP_AFTER:
        t += 1
        state.update(t=t, tick=now)
        update(rnn_t=t)  # before the scrubber is drawn: it shows the new step
    if t >= T:
        state["on"] = False
    return t


# --- the part ---------------------------------------------------------------------------------


def step_part(s: Settings) -> None:
    explain(tr("recurrent.step.idea"), IDEA[s.rnn_cell])
    if not has_words(s) or not fits_budget(s):
        stop_playing()
        return
    size_controls()
    run = recurrent_run(current())
    b = line_control(run.batch)
    _host(run, b)


@st.fragment(key=HOST)
def _host(run: RecurrentRun, b: int) -> None:
    """The panel, still or ticking; Play and Pause rerun this to swap one for the other."""
    state = _play()
    if state["on"] and time.monotonic() - state["tick"] > STALE:
        state["on"] = False  # the panel was away: playing ended with it
    if state["on"]:
        _ticking(run, b)
    else:
        _still(run, b)


@st.fragment
def _still(run: RecurrentRun, b: int) -> None:
    _panel(run, b, playing=False)


@st.fragment(run_every=TICK)
def _ticking(run: RecurrentRun, b: int) -> None:
    _panel(run, b, playing=True)
    if not _play()["on"]:  # the last step is on screen: a full rerun stops the timer
        st.rerun()


def window(index: int, count: int, size: int = SHOWN) -> int:
    """Where a window of `size` out of `count` positions starts so that it holds `index`."""
    if count <= size:
        return 0
    return min(max(index - size // 2, 0), count - size)


def _controls(labels: list[str], T: int, U: int, playing: bool) -> None:
    """The scrubber, Play or Pause, and the unit picker."""
    left, middle, right = st.columns([5, 1.3, 2.6], vertical_alignment="bottom")
    steps = list(range(1, T + 1))
    if st.session_state.get("w_rnn_t", 1) not in steps:  # a step of the old, longer text:
        st.session_state["w_rnn_t"] = min(max(current().rnn_t, 1), T)  # show the one used
    with left:
        widget(
            st.select_slider,
            tr("recurrent.step.t"),
            "rnn_t",
            options=list(range(1, T + 1)),
            format_func=lambda v: f"{int(v)} · {labels[min(max(int(v), 1), T) - 1]}",
            to_widget=lambda v: min(max(int(v), 1), T),
            help=tr("recurrent.step.t_help"),
        )
    with middle:
        if not hidden("rnn_t"):
            if playing:
                st.button(
                    tr("recurrent.step.pause"),
                    key="recurrent_step_pause",
                    icon=":material/pause:",
                    on_click=_pause,
                    help=tr("recurrent.step.pause_help"),
                    width="stretch",
                )
            else:
                st.button(
                    tr("recurrent.step.play"),
                    key="recurrent_step_play",
                    icon=":material/play_arrow:",
                    on_click=_start,
                    args=(T,),
                    help=tr("recurrent.step.play_help"),
                    width="stretch",
                )
    with right:
        widget(
            st.select_slider,
            tr("recurrent.step.unit"),
            "unit",
            options=list(range(1, U + 1)),
            format_func=lambda v: str(int(v)),
            to_widget=lambda v: min(max(int(v), 1), U),
            help=tr("recurrent.step.unit_help"),
        )


def _panel(run: RecurrentRun, b: int, *, playing: bool) -> None:
    """Everything that depends on the step t and the unit j."""
    B, T, D = run.x.shape
    U = run.layer.units
    b = min(max(b, 0), B - 1)
    if playing:
        _advance(T)
    s = current()
    labels = [str(token) for token in run.batch.tokens[b]]
    _controls(labels, T, U, playing)
    s = current()
    t = min(max(s.rnn_t, 1), T)
    j = min(max(s.unit, 1), U)
    if s.rnn_t > T:
        st.caption(tr("recurrent.step.clamped", asked=s.rnn_t, T=T))
    step = unit_step(run, b, t, j)
    token = md_escape(labels[t - 1])
    padding = bool(run.batch.padding_mask[b, t - 1])
    if padding:
        st.info(tr("recurrent.step.padding", t=t, pad=md_escape(PAD)), icon=":material/block:")
    if t == 1:
        st.caption(
            tr("recurrent.step.zeros_lstm" if step.cell == "lstm" else "recurrent.step.zeros")
        )

    u0 = window(j - 1, U)
    units = slice(u0, u0 + min(U, SHOWN))
    if U > SHOWN:
        st.caption(tr("recurrent.step.sliced_units", U=U, first=u0 + 1, last=u0 + SHOWN, j=j))
    _timeline(run, b, t, j, labels, units)

    st.markdown(tr("recurrent.step.reads", t=t, token=token))
    _inputs(run, step, labels, units)

    st.markdown(tr("recurrent.step.equations", j=j, t=t))
    for gate in step.gates:
        st.latex(gate_tex(gate, t, j, step.cell))
    for tex in state_tex(step):
        st.latex(tex)
    st.caption(tr("recurrent.step.bias_gru" if step.cell == "gru" else "recurrent.step.bias"))
    _gates(run, step, units)
    st.caption(tr("recurrent.step.naming"))

    _downloads(run, b)
    if show_code(lambda: step_code.step_programs(run, s, b=b, t=t, j=j), "step"):
        files = step_code.program_files(run, b)
        if files:
            st.caption(tr("recurrent.step.program_files"))
            for name, tensor in files.items():
                downloads(name, tensor, f"recurrent_step_file_{name}")
    sync_url()  # a rerun of this panel alone keeps the address bar a lesson link


def _timeline(run: RecurrentRun, b: int, t: int, j: int, labels: list[str], units: slice) -> None:
    """h over the sentence (a window of 128 steps around t when longer), step t framed."""
    T = run.x.shape[1]
    r0 = window(t - 1, T)
    rows = slice(r0, r0 + min(T, SHOWN))
    if T > SHOWN:
        st.caption(tr("recurrent.step.sliced_steps", T=T, first=r0 + 1, last=r0 + SHOWN, t=t))
    chart(
        viz.step_timeline(
            f32(run.trace.h[b, rows, units]),
            labels[rows],
            step=t - 1 - r0,
            unit=j - 1 - units.start,
            row_start=r0 + 1,
            col_start=units.start + 1,
            title=tr("recurrent.step.timeline_title", t=t),
            x_title=tr("axis.unit"),
            y_title=tr("recurrent.step.axis_step"),
            hover_name="h",
            future_name=tr("recurrent.step.future"),
            presentation=current().present,
        ),
        "recurrent_step_timeline",
    )
    st.caption(tr("recurrent.step.timeline_note", t=t, j=j))


def _inputs(run: RecurrentRun, step: UnitStep, labels: list[str], units: slice) -> None:
    """xₜ, hₜ₋₁ (and cₜ₋₁) as bars."""
    t, j = step.t, step.j
    D = len(step.x)
    chosen = j - 1 - units.start
    if D > SHOWN:
        st.caption(tr("recurrent.step.sliced_features", D=D, shown=SHOWN))
    panels = [
        {
            "name": tr("recurrent.step.panel_x", t=subscript(t), token=labels[t - 1]),
            "values": step.x[:SHOWN].astype(np.float32),
            "range": None,
            "chosen": None,
            "start": 1,
            "index_name": tr("axis.feature"),
        },
        {
            "name": tr("recurrent.step.panel_h_prev", t=subscript(t - 1)),
            "values": step.h_prev[units].astype(np.float32),
            "range": RANGES["tanh"],
            "chosen": chosen,
            "start": units.start + 1,
            "index_name": tr("axis.unit"),
        },
    ]
    if step.c_prev is not None:
        panels.append(
            {
                "name": tr("recurrent.step.panel_c_prev", t=subscript(t - 1)),
                "values": step.c_prev[units].astype(np.float32),
                "range": None,
                "chosen": chosen,
                "start": units.start + 1,
                "index_name": tr("axis.unit"),
            }
        )
    chart(
        viz.state_bars(
            panels,
            columns=len(panels),
            value_name=tr("axis.value"),
            presentation=current().present,
        ),
        "recurrent_step_inputs",
    )


def _gates(run: RecurrentRun, step: UnitStep, units: slice) -> None:
    """Every gate of step t and the new state over the units (unit j highlighted)."""
    b, t, j = step.b, step.t, step.j
    trace = run.trace
    chosen = j - 1 - units.start
    common = {"chosen": chosen, "start": units.start + 1, "index_name": tr("axis.unit")}
    panels = []
    if step.cell != "simplernn":
        for name, activation in GATES[step.cell]:
            panels.append(
                {
                    "name": tr(f"recurrent.step.gate_{name}", t=subscript(t)),
                    "values": f32(getattr(trace, name)[b, t - 1, units]),
                    "range": RANGES[activation],
                    **common,
                }
            )
    if step.cell == "lstm":
        panels.append(
            {
                "name": tr("recurrent.step.panel_c", t=subscript(t)),
                "values": f32(trace.c[b, t - 1, units]),
                "range": None,
                **common,
            }
        )
    panels.append(
        {
            "name": tr("recurrent.step.panel_h", t=subscript(t)),
            "values": f32(trace.h[b, t - 1, units]),
            "range": RANGES["tanh"],
            **common,
        }
    )
    chart(
        viz.state_bars(
            panels,
            columns=2 if len(panels) > 1 else 1,
            title=tr(
                "recurrent.step.state_title"
                if step.cell == "simplernn"
                else "recurrent.step.gates_title",
                t=t,
                U=run.layer.units,
            ),
            value_name=tr("axis.value"),
            presentation=current().present,
        ),
        "recurrent_step_gates",
    )
    st.caption(tr("recurrent.step.gates_note", j=j))


def _downloads(run: RecurrentRun, b: int) -> None:
    """Sentence b's token vectors and its trace, every step, as files."""
    names = [field for field in ("i", "f", "g", "o", "r", "z", "n", "c", "h")
             if hasattr(run.trace, field)]  # fmt: skip
    st.caption(tr("recurrent.step.downloads", names=", ".join(names)))
    downloads("x", run.x[b], "recurrent_step_dl_x")
    stacked = torch.stack([getattr(run.trace, name)[b] for name in names])  # (K, T, U)
    downloads(f"{run.cell}_{'_'.join(names)}", stacked, "recurrent_step_dl_trace")
