"""The encoder & decoder part's 'show the code': each program, run, gives what the page computes.

The PyTorch program draws the page's weights into nn.TransformerEncoderLayer and
nn.TransformerDecoderLayer and must print the page's shapes and its cross-attention map; the Keras
program must print the same shapes, and with the page's weights loaded into its layers it must
compute the page's numbers (so it really is the same encoder and decoder)."""

import re

import numpy as np
import pytest
import torch
from program_support import run

from layers import Embedding, MultiHeadAttention, make_generator
from lessons.attention import transformer as part
from lessons.attention import transformer_code as code
from ui.code import LITERAL_LIMIT
from ui.settings import DEFAULT_SOURCE, DEFAULT_TARGET

KERAS = pytest.mark.keras
SHAPE = re.compile(r"^(?P<name>[a-z -]+) \((?P<letters>[A-Z, ]+)\): \((?P<sizes>[\d, ]*)\)$", re.M)
BATCH_SOURCE = "고양이가 매트 위에 앉았다\n개가 짖었다\n나는 오늘 학교에 갔다"
BATCH_TARGET = "the cat sat on the mat\nthe dog barked\ni went to school today"
# source, target, D, H, positions, seed, line and head (0-based, as the page passes them)
CASES = {
    "default": (DEFAULT_SOURCE, DEFAULT_TARGET, 16, 4, True, 0, 0, 0),
    "batch": (BATCH_SOURCE, BATCH_TARGET, 24, 3, True, 5, 1, 2),
    "no positions": (BATCH_SOURCE, BATCH_TARGET, 8, 8, False, 3, 2, 7),
}


@pytest.fixture(autouse=True)
def print_options():
    yield
    torch.set_printoptions(profile="default")  # the program sets 4 decimals for its map


def page(source, target, d, heads, pe, seed, line, head):
    """What the page computes, and its two programs."""
    pairs = part.pair_lines(source, target)
    computed = part.compute(pairs, d, heads, pe, seed)
    kw = dict(d=d, heads=heads, pe=pe, seed=seed, line=line, head=head)
    return computed, code.programs(pairs, **kw)


def page_shapes(r) -> dict[str, tuple[int, ...]]:
    """The shapes of the tensors the page holds, under the names the programs print."""
    tensors = {
        "source ids": r.pairs.source.ids,
        "source vectors": r.source_x,
        "encoder self-attention": r.encoder.self_attention.weights,
        "memory": r.memory,
        "decoder ids": r.pairs.decoder.ids,
        "decoder vectors": r.target_x,
        "masked self-attention": r.decoder.self_attention.weights,
        "cross-attention": r.decoder.cross_attention.weights,
        "decoder output": r.out,
    }
    return {name: tuple(tensor.shape) for name, tensor in tensors.items()}


def printed_shapes(printed: str) -> dict[str, tuple[int, ...]]:
    found = {}
    for match in SHAPE.finditer(printed):
        sizes = tuple(int(v) for v in match["sizes"].split(","))
        assert len(match["letters"].split(",")) == len(sizes), match.group(0)  # (B, S) has 2
        found[match["name"]] = sizes
    return found


def torch_names(r) -> dict[str, torch.Tensor]:
    return {
        "x": r.source_x,
        "enc_w": r.encoder.self_attention.weights,
        "memory": r.memory,
        "y": r.target_x,
        "self_w": r.decoder.self_attention.weights,
        "cross": r.decoder.cross_attention.weights,
        "out": r.out,
    }


@pytest.mark.parametrize("case", CASES)
def test_torch_program_computes_the_pages_numbers_and_shapes(case):
    source, target, d, heads, pe, seed, line, head = CASES[case]
    r, (torch_program, _) = page(*CASES[case])
    namespace, printed = run(torch_program)
    for name, ours in torch_names(r).items():
        torch.testing.assert_close(namespace[name], ours, rtol=1e-5, atol=2e-6, msg=name)
    assert printed_shapes(printed) == page_shapes(r)
    # the map the page draws for its line and head, as printed to 4 decimals
    title = f"cross-attention, line {r.pairs.used[line]}, head {head + 1} "
    assert title in printed
    shown = printed.split("columns: source tokens):\n")[1]
    numbers = np.array([float(v) for v in re.findall(r"-?\d+\.\d+", shown)])
    expected = r.decoder.cross_attention.weights[line, head].numpy().ravel()
    np.testing.assert_allclose(numbers, expected, atol=6e-5)


def test_the_torch_programs_decoder_is_causal_and_blind_to_padding():
    r, (torch_program, _) = page(*CASES["batch"])
    namespace, _ = run(torch_program)
    self_w, cross = namespace["self_w"], namespace["cross"]
    assert (self_w.triu(diagonal=1) == 0).all()
    source_pad = r.pairs.source.padding_mask  # (B, S)
    target_pad = r.pairs.decoder.padding_mask  # (B, T)
    assert source_pad.any() and target_pad.any()  # the batch has padding on both sides
    assert (cross.masked_select(source_pad[:, None, None, :]) == 0).all()
    assert (self_w.masked_select(target_pad[:, None, None, :]) == 0).all()


def test_torch_program_loads_the_ids_it_cannot_write_out(tmp_path, monkeypatch):
    source = "\n".join(" ".join(f"w{i}" for i in range(300)) for _ in range(15))  # 4,500 ids
    target = "\n".join(f"a b{n}" for n in range(15))
    r, (torch_program, keras_program) = page(source, target, 8, 2, True, 1, 0, 0)
    assert r.pairs.source.ids.numel() > LITERAL_LIMIT >= r.pairs.decoder.ids.numel()
    assert "np.load('source_ids.npy')" in torch_program and "decoder_ids" not in torch_program
    assert "np.load('source_ids.npy')" in keras_program
    (tmp_path / "source_ids.npy").write_bytes(part._ids_file(r.pairs.source.ids))
    monkeypatch.chdir(tmp_path)
    namespace, _ = run(torch_program)
    torch.testing.assert_close(namespace["memory"], r.memory, rtol=1e-5, atol=2e-6)
    torch.testing.assert_close(namespace["out"], r.out, rtol=1e-5, atol=2e-6)


def test_the_programs_name_the_pairs_they_hold():
    r, (torch_program, keras_program) = page(*CASES["batch"])
    for program in (torch_program, keras_program):
        assert "#   line 2: 개가 짖었다" in program
        assert "-> [start] the dog" in program
        assert f"D, H, F = 24, 3, {4 * 24}" in program


# ----------------------------------------------------------------------------------- Keras
def numpy(keras, value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value))


@KERAS
@pytest.mark.parametrize("case", CASES)
def test_keras_program_prints_the_pages_shapes(keras, case):
    _, _, d, heads, *_ = CASES[case]
    r, (torch_program, keras_program) = page(*CASES[case])
    namespace, printed = run(keras_program)
    assert printed_shapes(printed) == page_shapes(r)
    # Keras' attention weights: causal, and blind to padded keys, as the page's
    self_w = numpy(keras, namespace["self_w"])
    assert (np.triu(self_w, 1) == 0).all()
    padded = r.pairs.source.padding_mask.numpy()[:, None, None, :]
    cross = numpy(keras, namespace["cross"])
    assert (cross[np.broadcast_to(padded, cross.shape)] == 0).all()
    np.testing.assert_allclose(cross.sum(-1), 1.0, rtol=1e-5)
    count = MultiHeadAttention(d, heads).keras_param_count()
    assert f"weights of one attention layer: {count}" in printed


def _load_page_weights(keras, namespace, r, d, heads, seed):
    """The page's embeddings and blocks, into the Keras program's layers."""
    for name, side, purpose in (
        ("src_embed", r.pairs.source, part.SOURCE_PURPOSE),
        ("tgt_embed", r.pairs.decoder, part.TARGET_PURPOSE),
    ):
        table = Embedding(side.vocab_size, d, generator=make_generator(seed, purpose)).weight
        namespace[name].set_weights([table.detach().numpy()])
    encoder, decoder = part.blocks(d, heads, seed)

    def attention(layer, ours):
        layer.set_weights([w.numpy() for w in ours.keras_weights().values()])

    def norm(layer, ours):
        layer.set_weights([ours.norm.gamma.detach().numpy(), ours.norm.beta.detach().numpy()])

    def ffn(layer, ours):
        weights = [ours.w1.T, ours.b1, ours.w2.T, ours.b2]  # Dense kernels are (in, out)
        layer.set_weights([w.detach().numpy() for w in weights])

    attention(namespace["enc_attention"], encoder.self_attention)
    norm(namespace["enc_norm1"], encoder.add_norm1)
    ffn(namespace["enc_ffn"], encoder.feed_forward)
    norm(namespace["enc_norm2"], encoder.add_norm2)
    attention(namespace["dec_self"], decoder.self_attention)
    norm(namespace["dec_norm1"], decoder.add_norm1)
    attention(namespace["dec_cross"], decoder.cross_attention)
    norm(namespace["dec_norm2"], decoder.add_norm2)
    ffn(namespace["dec_ffn"], decoder.feed_forward)
    norm(namespace["dec_norm3"], decoder.add_norm3)


@KERAS
@pytest.mark.parametrize("case", ["batch", "no positions"])
def test_keras_program_with_the_pages_weights_computes_the_pages_numbers(keras, case):
    _, _, d, heads, _, seed, *_ = CASES[case]
    r, (_, keras_program) = page(*CASES[case])
    namespace, _ = run(keras_program)
    _load_page_weights(keras, namespace, r, d, heads, seed)
    x, enc_w, memory = namespace["encode"](namespace["src_ids"])
    y, self_w, cross, out = namespace["decode"](namespace["tgt_ids"], memory)
    theirs = {"x": x, "enc_w": enc_w, "memory": memory, "y": y, "self_w": self_w}
    theirs |= {"cross": cross, "out": out}
    for name, ours in torch_names(r).items():
        np.testing.assert_allclose(
            numpy(keras, theirs[name]), ours.numpy(), rtol=1e-4, atol=2e-5, err_msg=name
        )
