"""The stack runner: tokenizing a batch, running blocks, and explaining impossible stacks."""

import pytest
import torch

from layers.stack import (
    MAX_TOKENS,
    PAD,
    BlockSpec,
    attention_widths,
    parse_stack,
    run_stack,
    tokenize_batch,
)

SETTINGS = dict(
    d_model=8, heads=2, units=6, p=0.2, training=True, gamma=1.0, beta=0.0, eps=1e-5, seed=0
)


def run(text, stack, **overrides):
    return run_stack(tokenize_batch(text), parse_stack(stack), **{**SETTINGS, **overrides})


def test_block_names_round_trip():
    for name in ("embed", "lstm", "bigru", "rnn-last", "bilstm-last", "encoder", "addnorm"):
        assert BlockSpec.parse(name).name == name
    assert BlockSpec.parse("bigru-last") == BlockSpec("gru", True, False)
    for bad in ("bilayernorm", "dropout-last", "lstm2", ""):
        with pytest.raises(ValueError):
            BlockSpec.parse(bad)


def test_batch_is_pre_padded_and_masked():
    batch = tokenize_batch("the cat sat\n\n!!!\na dog")
    assert batch.tokens == [["the", "cat", "sat"], [PAD, "a", "dog"]]
    assert batch.padding_mask.tolist() == [[False] * 3, [True, False, False]]
    assert batch.skipped_lines == [2]  # the blank line is not a sentence; "!!!" has no words


def test_long_lines_are_truncated_and_noted():
    batch = tokenize_batch(" ".join(f"w{i}" for i in range(MAX_TOKENS + 10)))
    assert batch.ids.shape == (1, MAX_TOKENS)
    assert batch.truncated_lines == [1]


def test_a_full_stack_runs_with_shapes_and_counts():
    result = run(
        "the cat sat on the mat\na dog",
        "embed,bilstm,layernorm,dropout,attention,addnorm,ffn,encoder,batchnorm",
    )
    assert result.problem is None
    shapes = [tuple(b.output.shape) for b in result.blocks]
    assert shapes[0] == (2, 6, 8)
    assert all(shape == (2, 6, 12) for shape in shapes[1:])  # bidirectional: 2 × 6 units
    lstm = result.blocks[1]
    assert lstm.params - lstm.keras_params == 2 * 4 * 6  # one bias fewer per direction
    bn = result.blocks[-1]
    assert bn.keras_params == 4 * 12 and bn.params == 2 * 12


def test_the_same_seed_gives_the_same_numbers():
    a = run("one two three", "embed,lstm,dropout,attention")
    b = run("one two three", "embed,lstm,dropout,attention")
    c = run("one two three", "embed,lstm,dropout,attention", seed=1)
    torch.testing.assert_close(a.blocks[-1].output, b.blocks[-1].output, rtol=0, atol=0)
    assert not torch.equal(a.blocks[-1].output, c.blocks[-1].output)


@pytest.mark.parametrize(
    ("stack", "code", "index"),
    [
        ("lstm", "embed_first", 0),
        ("embed,lstm,embed", "embed_again", 2),
        ("embed,lstm-last,attention", "needs_sequence", 2),
        ("embed,gru-last,rnn", "needs_sequence", 2),
        ("embed,bilstm,addnorm", "add_shapes", 2),
        ("embed,addnorm", "add_shapes", 1),
    ],
)
def test_impossible_stacks_stop_with_a_problem(stack, code, index):
    result = run("a b c", stack)
    assert result.problem.code == code and result.problem.index == index
    assert len(result.blocks) == index  # the blocks before it ran


def test_heads_that_do_not_divide_the_width_are_a_problem_not_a_crash():
    result = run("a b c", "embed,lstm,attention", units=5, heads=2)
    assert result.problem.code == "heads_divide"
    assert result.problem.values["options"] == "1, 5"


def test_batchnorm_on_a_single_value_is_a_problem_in_training_only():
    assert run("word", "embed,batchnorm").problem.code == "batch_too_small"
    assert run("word", "embed,batchnorm", training=False).problem is None


def test_no_words_is_a_problem():
    assert run("  ?! ", "embed").problem.code == "no_words"
    assert run("", "embed").problem.code == "no_words"


def test_attention_widths():
    specs = parse_stack("embed,attention,bigru,encoder,lstm-last")
    assert attention_widths(specs, 16, 5) == [16, 10]
