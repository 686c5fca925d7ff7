"""The cost model: estimates grow with every setting, the worst links are refused, lessons fit.

Whether the prices match this machine's clock is measured by the bench (`python -m bench.cost`),
never here (DESIGN.md §7). What a test can check without a clock: the shape of the model, the
verdicts it gives, that its suggestions really fit, and its memory against the bytes a real
result keeps.
"""

import ast
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bench.cost import kept_bytes  # what a result really keeps, as the bench measures it
from layers import cost
from layers.stack import (
    MAX_BLOCKS,
    NEEDS_SEQUENCE,
    RECURRENT,
    parse_stack,
    run_stack,
    tokenize_batch,
)

WIDTHS = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)  # ui.settings.WIDTHS
DEFAULT_STACK = "embed,lstm,layernorm,dropout,attention"
BLOCKS = ["lstm", "bigru", "rnn", "layernorm", "batchnorm", "dropout", "attention", "addnorm"]
BLOCKS += ["ffn", "encoder", "gru-last"]


def stack(names: str, B: int, T: int, *, d=16, units=16, heads=4, vocab=None) -> cost.Estimate:
    return cost.stack_estimate(
        B,
        T,
        parse_stack(names),
        d_model=d,
        units=units,
        heads=heads,
        vocab=T + B if vocab is None else vocab,
    )


def twelve(kind: str) -> str:
    return ",".join(["embed"] + [kind] * (MAX_BLOCKS - 1))


def test_the_model_imports_no_torch():
    tree = ast.parse(Path(cost.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in getattr(node, "names", [])
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert not imported & {"torch", "numpy", "streamlit"}


def test_the_model_mirrors_the_stack_runner():
    assert cost.SEQUENCE_ONLY == NEEDS_SEQUENCE
    assert set(cost.GATES) == set(RECURRENT)
    assert all(price >= 0 for price in cost.SECONDS.values()) and cost.MARGIN >= 1


# ----------------------------------------------------------------------------- monotone
stacks = st.lists(st.sampled_from(BLOCKS), min_size=0, max_size=MAX_BLOCKS - 1).map(
    lambda blocks: ",".join(["embed", *blocks])
)
shapes = st.fixed_dictionaries(
    {
        "B": st.integers(1, 64),
        "T": st.integers(1, 512),
        "d": st.sampled_from(WIDTHS),
        "units": st.sampled_from(WIDTHS),
        "heads": st.sampled_from([1, 2, 4]),  # divides every width in WIDTHS
        "vocab": st.integers(2, 10_000),
    }
)


@settings(max_examples=200, deadline=None)
@given(names=stacks, shape=shapes, setting=st.sampled_from(["B", "T", "d", "units", "heads"]))
def test_more_of_any_setting_never_costs_less(names, shape, setting):
    lower = stack(names, **shape)
    bigger = dict(shape)
    if setting in ("d", "units"):
        larger = [w for w in WIDTHS if w > shape[setting]]
        bigger[setting] = larger[0] if larger else shape[setting]
    elif setting == "heads":
        bigger["heads"] = {1: 2, 2: 4, 4: 4}[shape["heads"]]
    else:
        bigger[setting] = shape[setting] + 1
    higher = stack(names, **bigger)
    # A wider input can stop a stack early (Add & Norm of two widths), as it stops the app.
    assume(len(higher.parts) == len(lower.parts))
    assert higher.seconds >= lower.seconds
    assert higher.bytes >= lower.bytes


@settings(max_examples=100, deadline=None)
@given(names=stacks, extra=st.sampled_from(BLOCKS), shape=shapes)
def test_another_block_never_costs_less(names, extra, shape):
    assert stack(f"{names},{extra}", **shape).seconds >= stack(names, **shape).seconds


@settings(max_examples=60, deadline=None)
@given(
    section=st.sampled_from(cost.LAB_SECTIONS),
    sublayer=st.sampled_from(["ffn", "attention", "wider"]),
    B=st.integers(1, 64),
    T=st.integers(1, 512),
    d=st.sampled_from([4, 8, 16, 32, 64, 128, 256, 512]),  # heads 1, 2, 4 all divide these
)
def test_the_lab_costs_more_with_more_lines_tokens_and_width(section, sublayer, B, T, d):
    def lab(B, T, d):
        return cost.lab_estimate(section, B, T, d, vocab=T + B, sublayer=sublayer).seconds

    assert lab(B + 1, T, d) >= lab(B, T, d)
    assert lab(B, T + 1, d) >= lab(B, T, d)
    assert lab(B, T, min(2 * d, 512)) >= lab(B, T, d)


# ----------------------------------------------------------------------------- verdicts
def test_the_issues_worst_links_are_over_budget():
    # 12 BiLSTM blocks at width 512 on 512 tokens: 2.9–5.0 s measured in the issue
    assert not stack(twelve("bilstm"), 1, 512, d=512, units=512).fits
    # 64 lines × 512 tokens through 12 attention blocks at width 512: 5.3–8.3 s
    over = stack(twelve("attention"), 64, 512, d=512)
    assert not over.fits and over.seconds > 5 * cost.BUDGET_S


@pytest.mark.parametrize(
    ("names", "B", "T", "d", "units", "heads"),
    [
        (DEFAULT_STACK, 64, 512, 16, 16, 4),  # the default stack on a full batch
        (twelve("encoder"), 1, 512, 512, 16, 8),
        (twelve("bigru"), 1, 512, 16, 512, 4),
        (twelve("lstm"), 64, 512, 16, 512, 4),
    ],
)
def test_other_worst_links_are_over_budget(names, B, T, d, units, heads):
    assert not stack(names, B, T, d=d, units=units, heads=heads).fits


@pytest.mark.parametrize(
    ("section", "sublayer"),
    [("compare", "ffn"), ("dropout", "ffn"), ("residual", "ffn"), ("residual", "attention")],
)
def test_the_labs_worst_settings_are_over_budget(section, sublayer):
    # 64 lines × 512 tokens × width 512: 16 M values through four norms, three dropouts, …
    assert not cost.lab_estimate(section, 64, 512, 512, vocab=600, sublayer=sublayer).fits


def test_lessons_fit():
    # the defaults: the sample sentence (9 tokens) through the default stack
    assert stack(DEFAULT_STACK, 1, 9).fits
    # the bench's stress settings: one line of 512 distinct words, width 512, 8 heads
    assert stack(DEFAULT_STACK, 1, 512, d=512, heads=8, vocab=513).fits
    assert stack("embed,layernorm,dropout,attention", 1, 512, d=512, heads=8).fits
    # a class's batch of sentences, every preset of the stack editor
    for names in (
        DEFAULT_STACK,
        "embed,attention,addnorm,ffn,addnorm",
        "embed,encoder",
        "embed,bilstm-last,dropout",
    ):
        assert stack(names, 30, 20, d=64, units=64).fits, names
    for section in cost.LAB_SECTIONS:
        for sublayer in ("ffn", "attention", "wider"):
            assert cost.lab_estimate(section, 1, 512, 512, vocab=513, sublayer=sublayer).fits
            assert cost.lab_estimate(section, 3, 9, 16, vocab=20, sublayer=sublayer).fits


def test_a_stack_that_stops_early_costs_only_what_runs():
    runs = stack("embed,lstm-last", 64, 512, d=512, units=512)
    stops = stack("embed,lstm-last," + ",".join(["attention"] * 10), 64, 512, d=512, units=512)
    assert stops.seconds == runs.seconds  # attention after a vector per sentence never runs
    assert stack("lstm,attention", 64, 512).seconds == stack("layernorm", 64, 512).seconds


def test_the_heaviest_block_is_named():
    name, count, seconds = stack(twelve("attention"), 64, 512, d=512).heaviest()
    assert (name, count) == ("attention", MAX_BLOCKS - 1)
    assert 0 < seconds <= stack(twelve("attention"), 64, 512, d=512).seconds


# ----------------------------------------------------------------------------- suggestions
WORST_STACKS = [
    (twelve("bilstm"), 1, 512, 512, 512, 4),
    (twelve("attention"), 64, 512, 512, 16, 4),
    (DEFAULT_STACK, 64, 512, 16, 16, 4),
    (twelve("encoder"), 1, 512, 512, 16, 8),
    (twelve("bigru"), 1, 512, 16, 512, 4),
]


@pytest.mark.parametrize(("names", "B", "T", "d", "units", "heads"), WORST_STACKS)
def test_suggested_values_fit_and_are_the_largest_that_do(names, B, T, d, units, heads):
    specs = parse_stack(names)
    heads_options = [h for h in range(1, 17) if d % h == 0]
    found = cost.stack_suggestions(
        B,
        T,
        specs,
        d_model=d,
        units=units,
        heads=heads,
        vocab=T + B,
        widths=WIDTHS,
        head_options=heads_options,
    )
    assert found, "an over-budget stack gets at least one thing to lower"
    for s in found:
        assert s.value < s.now
        for value, fits in ((s.value, True), (s.value + 1, False)):
            shape = dict(B=B, T=T, d=d, units=units, heads=heads)
            names_now = names
            if s.setting == "blocks":
                kept, seen = [], 0
                for spec in specs:
                    seen += spec.name == s.block
                    if spec.name != s.block or seen <= value:
                        kept.append(spec.name)
                names_now = ",".join(kept)
            else:
                key = {"lines": "B", "tokens": "T"}.get(s.setting, s.setting)
                allowed = {"d": WIDTHS, "units": WIDTHS, "heads": heads_options}.get(s.setting)
                if not fits and allowed is not None:  # the next value the control offers
                    value = min((v for v in allowed if v > s.value), default=None)
                    if value is None or value >= s.now:
                        continue
                shape[key] = value
            estimate = stack(names_now, vocab=T + B, **shape)
            assert estimate.fits == fits, (s, value)


@pytest.mark.parametrize("section", ["compare", "dropout", "residual"])
def test_lab_suggestions_fit(section):
    found = cost.lab_suggestions(section, 64, 512, 512, vocab=600, sublayer="ffn", widths=WIDTHS)
    assert {s.setting for s in found} >= {"tokens", "lines"}
    for s in found:
        shape = {"lines": 64, "tokens": 512, "d": 512} | {s.setting: s.value}
        estimate = cost.lab_estimate(
            section, shape["lines"], shape["tokens"], shape["d"], vocab=600, sublayer="ffn"
        )
        assert estimate.fits, s


def test_suggestions_come_least_change_first():
    found = cost.stack_suggestions(
        64,
        512,
        parse_stack(DEFAULT_STACK),
        d_model=16,
        units=16,
        heads=4,
        vocab=600,
        widths=WIDTHS,
    )
    shares = [s.value / s.now for s in found]
    assert shares == sorted(shares, reverse=True)


# ----------------------------------------------------------------------------- memory
@pytest.mark.parametrize(
    "names",
    [
        DEFAULT_STACK,
        "embed,bilstm,layernorm,addnorm,ffn",
        "embed,encoder,batchnorm,dropout",
        "embed,gru-last,dropout,layernorm",
        "embed,rnn,attention,addnorm",
    ],
)
def test_the_memory_estimate_covers_what_a_result_keeps(names):
    text = "\n".join([" ".join(f"w{i}" for i in range(40)), "a short line", "three words here"])
    batch = tokenize_batch(text)
    B, T = batch.ids.shape
    options = dict(d_model=24, heads=4, units=12)
    result = run_stack(
        batch,
        parse_stack(names),
        p=0.2,
        training=True,
        gamma=1.0,
        beta=0.0,
        eps=1e-5,
        seed=0,
        **options,
    )
    assert result.problem is None
    estimated = cost.stack_estimate(
        B, T, parse_stack(names), vocab=batch.vocab_size, **options
    ).bytes
    kept = kept_bytes(result)
    assert kept <= estimated <= 2 * kept  # errs high, by less than twice
