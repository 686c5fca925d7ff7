"""What a request will cost, known before it runs: server seconds and memory, from shapes alone.

Streamlit runs every session's script in one Python process, and a run holds it (the GIL, and
both cores for torch) until it ends: one lesson link that computes for 5 s stalls a class of
thirty for 5 s. So a page asks this module first and answers a request over the budget with
what to lower, instead of computing it. Nothing here imports torch; it counts the work a
request implies and prices it:

    seconds = MARGIN · Σ_k count_k · SECONDS[k]

    count              what is counted                       how many
    mac                multiply-adds in matrix products      B·T·In·G·U + B·T·U·G·U (recurrent,
                                                             G gates), 4·B·T·D² + 2·B·T²·D
                                                             (attention), 8·B·T·D² (F = 4·D)
    step.<cell>        recurrent steps run from Python       T per direction, per block
    value.<kind>       values a layer reads and writes       B·T·D (norms, dropout, …),
                                                             B·T·G·U (recurrent), B·T·F (ffn)
    value.lab.<part>   values a lab section goes through     B·T·D
    score              attention scores                      B·H·T²: scaled, masked, softmaxed
    rand               random numbers                        weights drawn, V·D for the embedding
    block              layers built                          one per block
    draw               a block's panels                      one: figures are sliced to 128 × 128
    page.<page>        the rest of a page                    one: header, controls, summary
    token              labels and id literals                B·T

`value.<kind>` is the price of one value through every elementwise pass a layer makes, so it
is fitted, not counted pass by pass. Memory is the bytes a cached result keeps (float32
outputs and traces): a result that fits the time budget can still hold gigabytes of
attention maps, and the cache keeps up to 64 of them.

The prices were measured on this machine by `python -m bench.cost` (bench/cost.py), which
times a grid of stacks, lab sections and whole pages, fits SECONDS to them and prints
predicted against measured.

Shape letters as everywhere: B lines, T tokens, D width, U units, H heads, V vocabulary,
G gates of a recurrent cell (SimpleRNN 1, LSTM 4, GRU 3), F = 4·D feed-forward width.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

# What one request's estimate may come to. A run must not hold the server for more than about
# a second (a class of thirty needs p95 ≤ 1 s, DESIGN §7); the estimate is of a run on a quiet
# server, and the bench measured the same request up to twice as slow in a busy process whose
# caches hold dozens of results while other work runs (bench/worst.py: the lab's attention link
# lowered to an estimate of 1 s took 0.66–1.6 s). Half a second leaves that factor of two, and
# lessons stay far below it (the stress settings, 512 tokens at width 512 with 8 heads: 0.12 s).
BUDGET_S = 0.5
# What one cached result may keep. The Follow page's cache holds up to 64 results (every new
# γ is a new result), so 64 × 64 MB ≈ 4 GB is the most it can pin on this 24 GB machine, which
# may run two replicas. Lessons keep far less (the stress settings: 20 MB); one session pasting
# links kept just under 128 MB each took a server to 6 GB in the bench (section 4b).
BUDGET_BYTES = 64 * 10**6

# Measured on this machine (2 cores, torch 2.13.0 CPU with 2 threads, Python 3.11) on
# 2026-11-22: `python -m bench.cost --reps 4 --save runN.json`, three runs of the grid and one
# of its lab pages (122 requests, from a lesson's size to several seconds, and whole pages),
# then `python -m bench.cost --load run*.json --fit`: non-negative least squares of SECONDS on
# the fastest run of each request (the machine was shared, load 1.5–5; a slower run says more
# about the neighbours than about the request). Seconds per unit of each count; a 0 means the
# block's other counts already explain its time.
SECONDS: dict[str, float] = {
    "mac": 1.1e-11,
    "rand": 5.8e-09,
    "block": 0.0,
    "score": 6.4e-09,
    "token": 3.8e-06,
    "step.rnn": 4.6e-06,
    "step.lstm": 1.9e-05,
    "step.gru": 2.2e-05,
    "value.embed": 1.5e-09,
    "value.rnn": 8.6e-09,
    "value.lstm": 5.8e-09,
    "value.gru": 6.4e-09,
    "value.layernorm": 4.6e-09,
    "value.batchnorm": 4.1e-09,
    "value.dropout": 4.3e-09,
    "value.attention": 0.0,
    "value.addnorm": 4.4e-09,
    "value.ffn": 5.8e-10,
    "value.lab.layernorm": 0.0,
    "value.lab.compare": 3.7e-08,
    "value.lab.dropout": 1.9e-08,
    "value.lab.residual": 0.0,
    "draw": 0.0028,  # measured apart: a page of eleven blocks against a page of one
    "page.follow": 0.018,
    "page.lab.layernorm": 0.0093,
    "page.lab.compare": 0.0023,
    "page.lab.dropout": 0.003,
    "page.lab.residual": 0.013,
}
# The fit errs both ways; this makes it err high where it matters. On the same grid, every
# request that took 0.1–2 s is estimated at least at its time, and every request that took
# over BUDGET_S is estimated over it — with 20 % more for a quiet machine's run-to-run spread.
MARGIN = 1.9

GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # G: weight blocks of a recurrent cell
KEPT = {"rnn": 1, "lstm": 6, "gru": 4}  # (B, T, U) tensors its trace keeps: h; i f g o c h; r z n h
SEQUENCE_ONLY = {"rnn", "lstm", "gru", "attention", "encoder", "ffn"}  # as layers.stack
MANY_MASKS = 2000  # the lab's dropout sums (lessons/lab/compute.MANY_MASKS)
RUNNING_STEPS = 30  # the lab's BatchNorm running statistics (lessons/lab/compute.running_stats)
LAB_SECTIONS = ("layernorm", "compare", "dropout", "residual")
F32 = 4  # bytes


class Spec(Protocol):
    """A block of a stack as `layers.stack.BlockSpec` has it (no torch needed to read one)."""

    kind: str
    bidirectional: bool
    return_sequences: bool

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Part:
    """One block (or page part): the work it implies and the bytes it keeps."""

    name: str  # a block's name as in links (`bilstm`), or `page`, or a lab part
    work: Counter[str]
    bytes: int = 0

    @property
    def seconds(self) -> float:
        return price(self.work)


@dataclass(frozen=True)
class Estimate:
    parts: tuple[Part, ...]

    @property
    def seconds(self) -> float:
        return sum(part.seconds for part in self.parts)

    @property
    def bytes(self) -> int:
        return sum(part.bytes for part in self.parts)

    @property
    def fits(self) -> bool:
        return self.seconds <= BUDGET_S and self.bytes <= BUDGET_BYTES

    def heaviest(self) -> tuple[str, int, float]:
        """The block name that costs most in all (name, how many, seconds), page excluded."""
        totals: dict[str, list] = {}
        for part in self.parts:
            if part.name != "page":
                entry = totals.setdefault(part.name, [0, 0.0])
                entry[0] += 1
                entry[1] += part.seconds
        if not totals:
            return "page", 1, self.seconds
        name, (count, seconds) = max(totals.items(), key=lambda item: item[1][1])
        return name, count, seconds


def price(work: Counter[str]) -> float:
    """Seconds of server time for this work, with the margin."""
    return MARGIN * sum(count * SECONDS[name] for name, count in work.items())


# ----------------------------------------------------------------------------- the layers
def embed_work(B: int, T: int, D: int, V: int) -> tuple[Counter[str], int]:
    work = Counter({"block": 1, "rand": V * D, "value.embed": B * T * D})
    return work, F32 * (V * D + B * T * D) + 8 * B * T  # the table, the output, the ids


def recurrent_work(
    kind: str, B: int, T: int, In: int, U: int, directions: int, sequences: bool
) -> tuple[Counter[str], int]:
    G, n = GATES[kind], directions
    work = Counter(
        {
            "block": 1,
            "rand": n * G * U * (In + U + 2),
            "mac": n * B * T * G * U * (In + U),  # all inputs at once, then h·W_hh every step
            f"step.{kind}": n * T,  # one Python iteration of small torch calls per token
            f"value.{kind}": n * B * T * G * U,
        }
    )
    out = B * T * n * U if sequences else B * n * U
    kept = n * KEPT[kind] * B * T * U + out + n * G * U * (In + U + 2)
    return work, F32 * kept


def norm_work(kind: str, rows: int, W: int) -> tuple[Counter[str], int]:
    """LayerNorm, BatchNorm, GroupNorm, InstanceNorm, Add & Norm: x̂, γx̂ and out are kept,
    with μ, σ², σ (per row at most) and γ, β and BatchNorm's running statistics."""
    extra = rows * W if kind == "addnorm" else 0  # the residual sum
    kept = 3 * rows * W + extra + 3 * rows + 9 * W
    return Counter({"block": 1, f"value.{kind}": rows * W}), F32 * kept


def dropout_work(rows: int, W: int) -> tuple[Counter[str], int]:
    return Counter({"block": 1, "value.dropout": rows * W}), (F32 + 1) * rows * W  # out, mask


def attention_work(B: int, T: int, W: int, H: int) -> tuple[Counter[str], int]:
    work = Counter(
        {
            "block": 1,
            "rand": 4 * W * W,
            "mac": 4 * B * T * W * W + 2 * B * T * T * W,  # projections; QKᵀ and weights·V
            "score": B * H * T * T,
            "value.attention": B * T * W,
        }
    )
    # q, k, v, context, out; scores and weights; the mask (bool); the weights and biases
    return work, F32 * (5 * B * T * W + 2 * B * H * T * T + 4 * W * W + 4 * W) + B * T * T


def ffn_work(B: int, T: int, W: int) -> tuple[Counter[str], int]:
    F = 4 * W
    work = Counter({"block": 1, "rand": 2 * W * F + F + W, "mac": 2 * B * T * W * F})
    work["value.ffn"] = B * T * F
    # hidden, activated, out; the weights and biases
    return work, F32 * (2 * B * T * F + B * T * W + 2 * W * F + F + W)


def encoder_work(B: int, T: int, W: int, H: int) -> tuple[Counter[str], int]:
    """Attention, Add & Norm, feed-forward, Add & Norm, with dropout after each sublayer."""
    work, kept = attention_work(B, T, W, H)
    for extra, size in (
        norm_work("addnorm", B * T, W),
        ffn_work(B, T, W),
        norm_work("addnorm", B * T, W),
    ):
        work += extra
        kept += size
    work["value.dropout"] += 2 * B * T * W + B * T * 4 * W  # two Add & Norms, the hidden layer
    return work, kept + 6 * B * T * W + F32 * 2 * B * T * W  # masks; sublayers after dropout


def _largest_divisor(width: int, most: int) -> int:
    return max(k for k in range(1, min(width, most) + 1) if width % k == 0)


# ----------------------------------------------------------------------------- a stack
def stack_estimate(
    B: int,
    T: int,
    specs: Sequence[Spec],
    *,
    d_model: int,
    units: int,
    heads: int,
    vocab: int,
) -> Estimate:
    """Computing the stack on (B, T) token ids and drawing the Follow page.

    Counting stops where `layers.stack.run_stack` would stop (no Embedding first, a block that
    needs a sequence after one that returns a vector, Add & Norm of two shapes), because
    nothing after it runs. Heads are taken as the app fits them: the largest count up to
    `heads` that divides the width.
    """
    parts = [Part("page", Counter({"page.follow": 1, "token": B * T}))]
    if B * T == 0 or not specs or specs[0].kind != "embed":
        return Estimate(tuple(parts))
    sequence, width = True, d_model
    before: tuple[bool, int] | None = None  # (sequence, width) of the previous block's input
    for index, spec in enumerate(specs):
        kind = spec.kind
        rows = B * T if sequence else B
        if kind == "embed":
            if index:
                break
            work, kept = embed_work(B, T, d_model, vocab)
            after = (True, d_model)
        elif kind in SEQUENCE_ONLY and not sequence:
            break
        elif kind in GATES:
            n = 2 if spec.bidirectional else 1
            work, kept = recurrent_work(kind, B, T, width, units, n, spec.return_sequences)
            after = (spec.return_sequences, n * units)
        elif kind == "attention":
            work, kept = attention_work(B, T, width, _largest_divisor(width, heads))
            after = (sequence, width)
        elif kind == "encoder":
            work, kept = encoder_work(B, T, width, _largest_divisor(width, heads))
            after = (sequence, width)
        elif kind == "ffn":
            work, kept = ffn_work(B, T, width)
            after = (sequence, width)
        elif kind == "dropout":
            work, kept = dropout_work(rows, width)
            after = (sequence, width)
        elif kind == "addnorm" and before != (sequence, width):
            break
        else:  # layernorm, batchnorm, addnorm
            work, kept = norm_work(kind, rows, width)
            after = (sequence, width)
        work["draw"] += 1
        parts.append(Part(spec.name, work, kept))
        before = (sequence, width)
        sequence, width = after
    return Estimate(tuple(parts))


# ----------------------------------------------------------------------------- the lab
def lab_estimate(
    section: str, B: int, T: int, D: int, *, vocab: int, sublayer: str = "ffn"
) -> Estimate:
    """One section of the normalization and dropout lab, on the sentences' (B, T, D) vectors.

    What each section computes is in lessons/lab/compute.py; every section starts from the token
    vectors (an embedding of the text), which the page keeps in its cache.
    """
    if section not in LAB_SECTIONS:
        raise ValueError(f"unknown lab section {section!r}; one of {', '.join(LAB_SECTIONS)}")
    n = B * T * D  # values in the batch
    page = Counter({f"page.lab.{section}": 1, "token": B * T})
    vectors, _ = embed_work(B, T, D, vocab)
    parts = [Part("page", page), Part("vectors", vectors, F32 * n)]
    work: Counter[str] = Counter({"block": 4, f"value.lab.{section}": n})
    if section == "layernorm":  # one row four ways, then every token of one sentence
        work[f"value.lab.{section}"] = T * D
    elif section == "compare":  # four norms, BatchNorm train and eval, one sentence at a time
        work.update({"block": RUNNING_STEPS, "value.batchnorm": RUNNING_STEPS * T * D})
    elif section == "dropout":  # the sums of one token's outputs under many masks
        work.update({"value.dropout": MANY_MASKS * D})
    elif sublayer == "attention":
        work += attention_work(B, T, D, _largest_divisor(D, 4))[0]
    elif sublayer == "ffn":
        work += ffn_work(B, T, D)[0]
    else:  # "wider": a dense map to 2·D features that cannot be added
        work.update({"rand": 2 * D * D, "mac": 2 * n * D})
    parts.append(Part(section, work))
    return Estimate(tuple(parts))


# ----------------------------------------------------------------------------- what to lower
# A setting as a suggestion names it -> the argument of stack_estimate it changes.
PARAMETER = {"lines": "B", "tokens": "T", "d": "d_model", "units": "units", "heads": "heads"}


@dataclass(frozen=True)
class Suggestion:
    """Lower `setting` from `now` to `value` (the largest that fits, the others unchanged)."""

    setting: str  # lines, tokens, d, units, heads or blocks
    value: int
    now: int
    block: str = ""  # for `blocks`: which block to keep fewer of


def _largest_fitting(estimate: Callable[[int], Estimate], now: int, options) -> int | None:
    """Bisection over the allowed values below `now`: cost grows with every setting, so the
    values that fit are the small ones (a dozen estimates instead of one per token)."""
    values = sorted({v for v in options if 0 <= v < now})
    low, high, best = 0, len(values) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if estimate(values[middle]).fits:
            best, low = values[middle], middle + 1
        else:
            high = middle - 1
    return best


def suggestions(
    estimate: Callable[..., Estimate], now: dict[str, int], options: dict[str, Sequence[int]]
) -> list[Suggestion]:
    """For each setting, the largest allowed value that alone brings the estimate in budget.

    `estimate(**{setting: value})` estimates with one setting changed. Settings that cannot
    fit by themselves are left out; the rest come in order of how little they must change.
    """
    found = []
    for setting, allowed in options.items():
        value = _largest_fitting(lambda v, s=setting: estimate(**{s: v}), now[setting], allowed)
        if value is not None:
            found.append(Suggestion(setting, value, now[setting]))
    return sorted(found, key=lambda s: s.value / s.now, reverse=True)


def stack_suggestions(
    B: int,
    T: int,
    specs: Sequence[Spec],
    *,
    d_model: int,
    units: int,
    heads: int,
    vocab: int,
    widths: Sequence[int],
    head_options: Sequence[int] = (),
) -> list[Suggestion]:
    """What to lower so that the stack fits: lines, tokens, width, units, heads, or fewer of
    its heaviest block."""
    base = dict(B=B, T=T, specs=tuple(specs), d_model=d_model, units=units, heads=heads)
    heaviest, count, _ = stack_estimate(**base, vocab=vocab).heaviest()

    def fewer(n: int) -> tuple[Spec, ...]:
        """The stack with only the first n blocks named `heaviest` (the embedding stays)."""
        kept, seen = [], 0
        for spec in specs:
            if spec.name == heaviest and spec.kind != "embed":
                seen += 1
                if seen > n:
                    continue
            kept.append(spec)
        return tuple(kept)

    def estimate(**change: int) -> Estimate:
        (setting, value), values = next(iter(change.items())), dict(base)
        if setting == "blocks":
            values["specs"] = fewer(value)
        else:
            values[PARAMETER[setting]] = value
        return stack_estimate(**values, vocab=vocab)

    now = dict(lines=B, tokens=T, d=d_model, units=units, heads=heads, blocks=count)
    options = dict(
        tokens=range(1, T),
        lines=range(1, B),
        d=widths,
        units=widths if any(spec.kind in GATES for spec in specs) else (),
        heads=head_options,
        blocks=range(1, count) if heaviest not in ("page", "embed") else (),
    )
    found = suggestions(estimate, now, options)
    return [replace(s, block=heaviest) if s.setting == "blocks" else s for s in found]


def lab_suggestions(
    section: str, B: int, T: int, D: int, *, vocab: int, sublayer: str, widths: Sequence[int]
) -> list[Suggestion]:
    """What to lower so that a lab section fits: lines, tokens or the width."""

    def estimate(lines: int = B, tokens: int = T, d: int = D) -> Estimate:
        return lab_estimate(section, lines, tokens, d, vocab=vocab, sublayer=sublayer)

    return suggestions(
        estimate,
        dict(lines=B, tokens=T, d=D),
        dict(tokens=range(1, T), lines=range(1, B), d=widths),
    )
