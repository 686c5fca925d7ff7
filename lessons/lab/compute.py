"""The computations behind the normalization and dropout lab (torch only, no Streamlit).

Each function takes plain values, calls the teaching layers in `layers/`, and returns tensors
the page draws; `lessons/lab/` caches them per setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from layers import (
    BatchNorm1d,
    BatchNorm2d,
    Dropout,
    Embedding,
    FeedForward,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    LayerNorm,
    MultiHeadAttention,
    make_generator,
)
from layers.normalization import NormTrace
from layers.stack import Batch, tokenize_batch

EXAMPLE_ROW = (1.0, 2.0, 3.0)  # the tutorial's worked example
FLAT_LEVEL, FLAT_WIGGLE = 5.0, 1e-3  # a nearly constant row: 5 ± 0.001
MANY_MASKS = 2000  # masks drawn to show that dropout keeps the expected sum


@dataclass(frozen=True)
class Vectors:
    batch: Batch
    x: torch.Tensor  # (B, T, D)


def token_vectors(text: str, d: int, seed: int) -> Vectors | None:
    """The sentences' token vectors (a seeded embedding); None without any word."""
    batch = tokenize_batch(text)
    if batch.ids.numel() == 0:
        return None
    embedding = Embedding(batch.vocab_size, d, generator=make_generator(seed, "lab:embed"))
    with torch.no_grad():
        x, _ = embedding(batch.ids)  # (B, T, D)
    return Vectors(batch, x)


def flat_row(d: int, seed: int) -> torch.Tensor:
    """A row whose values differ by about a thousandth: its variance is far below ε's usual size."""
    wiggle = torch.rand(d, generator=make_generator(seed, "lab:flat")) * 2 - 1  # U(-1, 1)
    return FLAT_LEVEL + FLAT_WIGGLE * wiggle


def affine(
    gammas: tuple[float, ...], betas: tuple[float, ...], gamma: float, beta: float, d: int
) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """γ and β per feature: the lists when they have one value or D values, else the sliders.

    The flag says whether a list was ignored because its length fitted neither.
    """
    ignored = False

    def vector(values: tuple[float, ...], default: float) -> torch.Tensor:
        nonlocal ignored
        if len(values) == d:
            return torch.tensor(values, dtype=torch.float32)
        if len(values) == 1:
            return torch.full((d,), values[0])
        ignored = ignored or bool(values)
        return torch.full((d,), float(default))

    return vector(gammas, gamma), vector(betas, beta), ignored


def layer_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float) -> NormTrace:
    """LayerNorm over the last axis with these γ and β."""
    layer = LayerNorm(x.shape[-1], eps=eps)
    with torch.no_grad():
        layer.gamma.copy_(gamma)
        layer.beta.copy_(beta)
        _, trace = layer(x)
    return trace


@dataclass(frozen=True)
class Compared:
    outputs: dict[str, torch.Tensor]  # name -> (B, T, D)
    means: dict[str, torch.Tensor]  # name -> the shape of its statistics
    problems: dict[str, str]  # name -> why it could not run here (a message code)


def compare_norms(
    x: torch.Tensor, groups: int, eps: float, gamma: torch.Tensor, beta: torch.Tensor
) -> Compared:
    """LayerNorm, BatchNorm (training), GroupNorm and InstanceNorm on the same batch."""
    B, T, D = x.shape
    layers = {
        "layernorm": LayerNorm(D, eps=eps),
        "batchnorm": BatchNorm1d(D, eps=eps),
        "groupnorm": GroupNorm(groups, D, eps=eps),
        "instancenorm": InstanceNorm1d(D, eps=eps, affine=True),
    }
    outputs, means, problems = {}, {}, {}
    with torch.no_grad():
        for name, layer in layers.items():
            layer.gamma.copy_(gamma)
            layer.beta.copy_(beta)
            if name == "batchnorm" and B * T < 2:
                problems[name] = "one_value"
                continue
            if name == "instancenorm" and T < 2:
                problems[name] = "one_token"
                continue
            out, trace = layer(x)
            outputs[name] = out
            means[name] = trace.mean
    return Compared(outputs, means, problems)


IMAGE_SHAPE = (4, 8, 6, 6)  # (B, C, H, W): four small images of eight channels


def image_batch(seed: int, shape: tuple[int, int, int, int] = IMAGE_SHAPE) -> torch.Tensor:
    """A seeded image batch (B, C, H, W) whose channels have their own scale and offset, so
    there is something for each normalization to remove."""
    B, C, H, W = shape
    g = make_generator(seed, "lab-image")
    scale = torch.rand(C, generator=g) * 3 + 0.5  # (C,)
    shift = torch.randn(C, generator=g) * 2  # (C,)
    x = torch.randn(B, C, H, W, generator=g)  # (B, C, H, W)
    return x * scale[:, None, None] + shift[:, None, None]


def compare_image_norms(
    x: torch.Tensor, groups: int, eps: float, gamma: torch.Tensor, beta: torch.Tensor
) -> Compared:
    """BatchNorm2d (training), LayerNorm([C, H, W]), GroupNorm and InstanceNorm2d on images.

    γ and β are per channel (C,); LayerNorm([C, H, W]) has one per cell, given each channel's.
    """
    B, C, H, W = x.shape
    layers = {
        "layernorm": LayerNorm((C, H, W), eps=eps),
        "batchnorm": BatchNorm2d(C, eps=eps),
        "groupnorm": GroupNorm(groups, C, eps=eps),
        "instancenorm": InstanceNorm2d(C, eps=eps, affine=True),
    }
    outputs, means = {}, {}
    with torch.no_grad():
        for name, layer in layers.items():
            if name == "layernorm":
                layer.gamma.copy_(gamma[:, None, None].expand(C, H, W))  # (C,) -> (C, H, W)
                layer.beta.copy_(beta[:, None, None].expand(C, H, W))
            else:
                layer.gamma.copy_(gamma)
                layer.beta.copy_(beta)
            out, trace = layer(x)  # (B, C, H, W)
            outputs[name] = out
            means[name] = trace.mean
    return Compared(outputs, means, {})


@dataclass(frozen=True)
class Running:
    mean: torch.Tensor  # (S, D) running mean after each step
    var: torch.Tensor  # (S, D) running variance after each step
    target_mean: torch.Tensor  # (D,) mean over every token of every sentence
    target_var: torch.Tensor  # (D,) unbiased variance over them, what running_var estimates
    train_out: torch.Tensor  # (B, T, D) the whole batch in training mode
    eval_out: torch.Tensor  # (B, T, D) the same batch in eval mode after the steps


def running_stats(x: torch.Tensor, momentum: float, eps: float, steps: int = 30) -> Running:
    """Feed the sentences one at a time, round and round, and record the running statistics."""
    B, T, D = x.shape
    layer = BatchNorm1d(D, eps=eps, momentum=momentum)
    means, variances = [], []
    with torch.no_grad():
        for step in range(steps):
            sentence = x[step % B : step % B + 1]  # (1, T, D): a batch of one sentence
            if T > 1:
                layer(sentence)
            means.append(layer.running_mean.clone())
            variances.append(layer.running_var.clone())
        train_out, _ = BatchNorm1d(D, eps=eps)(x) if B * T > 1 else (x, None)
        eval_out, _ = layer.eval()(x)
    flat = x.reshape(-1, D)  # (B·T, D)
    target_var = flat.var(dim=0) if flat.shape[0] > 1 else torch.ones(D)
    return Running(
        torch.stack(means),
        torch.stack(variances),
        flat.mean(dim=0),
        target_var,
        train_out,
        eval_out,
    )


@dataclass(frozen=True)
class TinyBatch:
    batchnorm_gap: float  # max |BN(sentence alone) − BN(sentence in the batch)|
    layernorm_gap: float  # the same for LayerNorm: 0, it never looks at other sentences


def tiny_batch(x: torch.Tensor, eps: float) -> TinyBatch | None:
    """How much sentence 1's output depends on the other sentences in its batch."""
    B, T, D = x.shape
    if B < 2 or T < 2:
        return None
    with torch.no_grad():
        alone_bn, _ = BatchNorm1d(D, eps=eps)(x[:1])
        batch_bn, _ = BatchNorm1d(D, eps=eps)(x)
        alone_ln, _ = LayerNorm(D, eps=eps)(x[:1])
        batch_ln, _ = LayerNorm(D, eps=eps)(x)
    return TinyBatch(
        float((alone_bn - batch_bn[:1]).abs().max()), float((alone_ln - batch_ln[:1]).abs().max())
    )


@dataclass(frozen=True)
class DropoutViews:
    element_mask: torch.Tensor  # (B, T, D) bool
    element_out: torch.Tensor
    feature_mask: torch.Tensor  # (B, T, D) bool, the same down every token
    feature_out: torch.Tensor
    scale: float
    newly_dropped: int  # values a rate 0.1 lower kept and this rate drops
    revived: int  # values a rate 0.1 lower dropped and this rate keeps (always 0)
    lower_p: float


def dropout_views(x: torch.Tensor, p: float, seed: int, train: bool) -> DropoutViews:
    """Element-wise and whole-feature dropout with the same seed, and the mask's change from
    the rate 0.1 lower."""

    def layer(rate: float, per_feature: bool = False) -> Dropout:
        purpose = "lab:dropout-feature" if per_feature else "lab:dropout"
        return Dropout(
            rate, per_feature=per_feature, generator=make_generator(seed, purpose)
        ).train(train)

    with torch.no_grad():
        element_out, element = layer(p)(x)
        feature_out, feature = layer(p, per_feature=True)(x)
        lower_p = max(0.0, round(p - 0.1, 4))
        _, lower = layer(lower_p)(x)
    return DropoutViews(
        element_mask=element.mask,
        element_out=element_out,
        feature_mask=feature.mask.expand_as(x),
        feature_out=feature_out,
        scale=element.scale,
        newly_dropped=int((lower.mask & ~element.mask).sum()),
        revived=int((~lower.mask & element.mask).sum()),
        lower_p=lower_p,
    )


@dataclass(frozen=True)
class DropoutSums:
    scaled: torch.Tensor  # (N,) the output's sum under N masks, survivors × 1/(1−p)
    unscaled: torch.Tensor  # (N,) the same without the scaling
    input_sum: float


def dropout_sums(row: torch.Tensor, p: float, seed: int, n: int = MANY_MASKS) -> DropoutSums:
    """The sum of one token's outputs under many masks: on average it is the input's sum."""
    many = row.expand(n, *row.shape)  # (N, D): the same token under N masks
    layer = Dropout(p, generator=make_generator(seed, "lab:many"))
    with torch.no_grad():
        out, trace = layer(many, generator=make_generator(seed, "lab:many-masks"))
    return DropoutSums(out.sum(-1), (many * trace.mask).sum(-1), float(row.sum()))


@dataclass(frozen=True)
class Residual:
    x: torch.Tensor  # (B, T, D)
    sublayer: torch.Tensor  # (B, T, D) or (B, T, 2D) for the "wider" sublayer
    total: torch.Tensor | None  # x + sublayer, None when the shapes differ
    norm: NormTrace | None


def residual(
    x: torch.Tensor,
    kind: str,
    seed: int,
    eps: float,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    padding: torch.Tensor,
) -> Residual:
    """LayerNorm(x + sublayer(x)); the "wider" sublayer maps D to 2D and cannot be added."""
    B, T, D = x.shape
    g = make_generator(seed, f"lab:residual:{kind}")
    with torch.no_grad():
        if kind == "attention":
            heads = max(h for h in (1, 2, 4) if D % h == 0)
            sub, _ = MultiHeadAttention(D, heads, generator=g)(x, key_padding_mask=padding)
        elif kind == "ffn":
            sub, _ = FeedForward(D, 4 * D, generator=g)(x)
        else:  # "wider": a Dense layer to 2D features, as when widths do not match
            weight = torch.randn(2 * D, D, generator=g) / D**0.5
            sub = x @ weight.T  # (B, T, D) -> (B, T, 2D)
        if sub.shape != x.shape:
            return Residual(x, sub, None, None)
        total = x + sub
        return Residual(x, sub, total, layer_norm(total, gamma, beta, eps))
