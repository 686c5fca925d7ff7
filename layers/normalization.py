"""Normalization: subtract a mean, divide by a standard deviation, then scale by γ and shift by β.

    x̂ = (x − μ) / √(σ² + ε)        out = γ ⊙ x̂ + β

The four layers differ only in which values share one μ and σ² (x is (B, T, D)):

    LayerNorm      each token on its own, over its D features          μ: (B, T)
    BatchNorm1d    each feature, over every token of every sentence    μ: (D,)
    GroupNorm      each sentence and group of D/G features, over T     μ: (B, G)
    InstanceNorm1d each sentence and feature, over its T tokens        μ: (B, D)

On a batch of images (B, C, H, W), channels first as in torch (C channels on an H × W grid of
pixels; H is the height here, not heads), the same question has these answers:

    LayerNorm((C, H, W))  each image on its own, over all its C·H·W values     μ: (B,)
    BatchNorm2d           each channel, over every pixel of every image        μ: (C,)
    GroupNorm             each image and group of C/G channels, over H and W   μ: (B, G)
    InstanceNorm2d        each image and channel, over its H·W pixels          μ: (B, C)

σ² is the biased variance (divide by n). BatchNorm also keeps running averages of μ and the
unbiased σ² while training and uses them in eval, exactly as PyTorch does.

References: Ba et al. (2016) Layer Normalization; Ioffe & Szegedy (2015) Batch Normalization;
Wu & He (2018) Group Normalization; Ulyanov et al. (2016) Instance Normalization;
torch.nn.LayerNorm / BatchNorm1d / BatchNorm2d / GroupNorm / InstanceNorm1d / InstanceNorm2d.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ._core import Layer, check_shape, divisors, or_list, positive_int


@dataclass(frozen=True)
class NormTrace:
    mean: torch.Tensor  # μ, one per group of values that were normalized together
    var: torch.Tensor  # σ², biased, same shape as mean
    std: torch.Tensor  # √(σ² + ε), what x − μ is divided by
    x_hat: torch.Tensor  # (x − μ) / √(σ² + ε), same shape as x
    scaled: torch.Tensor  # γ ⊙ x̂
    out: torch.Tensor  # γ ⊙ x̂ + β


@dataclass(frozen=True)
class BatchNormTrace(NormTrace):
    training: bool  # True: batch statistics used and running ones updated
    running_mean: torch.Tensor  # (D,) or (C,) after this call
    running_var: torch.Tensor  # (D,) or (C,) after this call


def _check_eps(eps: float) -> float:
    eps = float(eps)
    if not math.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number ≥ 0, got {eps!r}")
    return eps


def _affine(layer: nn.Module, features: int | tuple[int, ...]) -> None:
    """γ = 1 and β = 0: the layer starts as plain standardisation."""
    layer.gamma = nn.Parameter(torch.ones(features))
    layer.beta = nn.Parameter(torch.zeros(features))


def _copy_affine(layer: nn.Module, module: nn.Module) -> None:
    with torch.no_grad():
        if module.weight is not None:
            layer.gamma.copy_(module.weight)
        if module.bias is not None:
            layer.beta.copy_(module.bias)


def _normalize(x, mean, var, eps, gamma, beta, stat_shape):
    """The shared four lines; mean/var broadcast against x, then are reported as `stat_shape`."""
    std = torch.sqrt(var + eps)
    x_hat = (x - mean) / std
    scaled = x_hat if gamma is None else x_hat * gamma
    out = scaled if beta is None else scaled + beta
    return out, (
        mean.reshape(stat_shape),
        var.reshape(stat_shape),
        std.reshape(stat_shape),
        x_hat,
        scaled,
        out,
    )


class LayerNorm(Layer):
    """Normalizes each token over its features; γ (`gamma`) and β (`beta`) per feature."""

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(positive_int(s, "normalized_shape") for s in shape)
        self.eps = _check_eps(eps)
        _affine(self, self.normalized_shape)

    @classmethod
    def from_torch(cls, module: nn.LayerNorm) -> LayerNorm:
        layer = cls(tuple(module.normalized_shape), eps=module.eps)
        _copy_affine(layer, module)
        return layer

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, NormTrace]:
        k = len(self.normalized_shape)
        if x.dim() < k or tuple(x.shape[-k:]) != self.normalized_shape:
            hint = (
                f"; to normalize over its last {k} axes build LayerNorm({tuple(x.shape[-k:])})"
                if x.dim() >= k
                else ""
            )
            raise ValueError(
                f"LayerNorm{self.normalized_shape} expects the last axes of its input to be "
                f"{self.normalized_shape}, got {tuple(x.shape)}{hint}"
            )
        dims = tuple(range(-k, 0))  # the trailing axes, as in torch: (D,) or (C, H, W)
        # (B, T, D) -> (B, T, 1); with (C, H, W): (B, C, H, W) -> (B, 1, 1, 1)
        mean = x.mean(dim=dims, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)  # biased, same shape as mean
        out, stats = _normalize(x, mean, var, self.eps, self.gamma, self.beta, x.shape[:-k])
        return out, NormTrace(*stats)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class _BatchNorm(Layer):
    """What BatchNorm1d and BatchNorm2d share: γ, β, running statistics and their update."""

    _letter = "D"  # what the features are called in messages: D per token, C per pixel

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1) -> None:
        super().__init__()
        self.num_features = positive_int(num_features, f"num_features ({self._letter})")
        self.eps = _check_eps(eps)
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"momentum must lie in [0, 1] (or be None), got {momentum!r}")
        self.momentum = momentum
        _affine(self, num_features)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    @classmethod
    def from_torch(cls, module: nn.BatchNorm1d | nn.BatchNorm2d) -> _BatchNorm:
        if not module.track_running_stats:
            raise ValueError(f"{cls.__name__} mirrors a module that tracks running statistics")
        layer = cls(module.num_features, eps=module.eps, momentum=module.momentum)
        _copy_affine(layer, module)
        with torch.no_grad():
            layer.running_mean.copy_(module.running_mean)
            layer.running_var.copy_(module.running_var)
            layer.num_batches_tracked.copy_(module.num_batches_tracked)
        return layer.train(module.training)

    def _statistics(self, x: torch.Tensor, dims: tuple[int, ...], too_few: str):
        """Batch μ and biased σ² over `dims` in training (updating the running ones), else those."""
        n = x.numel() // self.num_features
        if not self.training:
            return self.running_mean, self.running_var
        if n < 2:
            raise ValueError(too_few)
        mean = x.mean(dim=dims)  # -> (D,) or (C,)
        shape = [1] * x.dim()
        shape[self._feature_axis(x)] = self.num_features
        var = ((x - mean.reshape(shape)) ** 2).mean(dim=dims)  # biased: used to normalize
        with torch.no_grad():
            # PyTorch's update: an exponential average of μ and of the *unbiased* σ².
            self.num_batches_tracked += 1
            m = self.momentum
            if m is None:  # a plain cumulative average
                m = 1.0 / float(self.num_batches_tracked)
            unbiased = var * n / (n - 1)
            self.running_mean.mul_(1 - m).add_(m * mean)
            self.running_var.mul_(1 - m).add_(m * unbiased)
        return mean, var

    def _feature_axis(self, x: torch.Tensor) -> int:
        return x.dim() - 1

    def _trace(self, stats) -> BatchNormTrace:
        return BatchNormTrace(
            *stats,
            training=self.training,
            running_mean=self.running_mean.clone(),
            running_var=self.running_var.clone(),
        )

    def extra_repr(self) -> str:
        return f"{self._letter}={self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """Normalizes each feature over the batch (and tokens); running statistics for eval."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, BatchNormTrace]:
        D = self.num_features
        if x.dim() == 2:
            check_shape(x, ("B", D), "BatchNorm1d")
        else:
            check_shape(x, ("B", "T", D), "BatchNorm1d")
        dims = tuple(range(x.dim() - 1))  # every axis but the features
        mean, var = self._statistics(
            x,
            dims,  # (B, T, D) -> (D,)
            "BatchNorm1d in training needs more than one value per feature (B·T ≥ 2): "
            "with a single value the variance is 0. Add a sentence or a token, or switch to eval.",
        )
        out, stats = _normalize(x, mean, var, self.eps, self.gamma, self.beta, (D,))
        return out, self._trace(stats)


class BatchNorm2d(_BatchNorm):
    """Normalizes each channel over every pixel of every image; running statistics for eval."""

    _letter = "C"

    def _feature_axis(self, x: torch.Tensor) -> int:
        return 1  # channels first, as in torch

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, BatchNormTrace]:
        C = self.num_features
        check_shape(x, ("B", C, "H", "W"), "BatchNorm2d")
        mean, var = self._statistics(
            x,
            (0, 2, 3),  # (B, C, H, W) -> (C,): images, rows and columns share one μ
            "BatchNorm2d in training needs more than one value per channel (B·H·W ≥ 2): "
            "with a single value the variance is 0. Add an image or pixels, or switch to eval.",
        )
        per_channel = (1, C, 1, 1)  # so that μ, σ², γ and β broadcast over (B, C, H, W)
        out, stats = _normalize(
            x,
            mean.reshape(per_channel),  # (C,) -> (1, C, 1, 1)
            var.reshape(per_channel),  # (C,) -> (1, C, 1, 1)
            self.eps,
            self.gamma.reshape(per_channel),  # (C,) -> (1, C, 1, 1)
            self.beta.reshape(per_channel),  # (C,) -> (1, C, 1, 1)
            (C,),
        )
        return out, self._trace(stats)


class GroupNorm(Layer):
    """Splits the D features into G groups; normalizes each sentence's group over T and D/G.

    Also takes images (B, C, H, W), channels first: each image's group over C/G, H and W.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_groups = positive_int(num_groups, "num_groups (G)")
        self.num_channels = positive_int(num_channels, "num_channels (D)")
        if num_channels % num_groups:
            raise ValueError(
                f"width {num_channels} is not divisible by {num_groups} groups; "
                f"try {or_list(divisors(num_channels))}"
            )
        self.eps = _check_eps(eps)
        _affine(self, num_channels)

    @classmethod
    def from_torch(cls, module: nn.GroupNorm) -> GroupNorm:
        layer = cls(module.num_groups, module.num_channels, eps=module.eps)
        if module.affine:
            _copy_affine(layer, module)
        return layer

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, NormTrace]:
        if isinstance(x, torch.Tensor) and x.dim() == 4:
            return self._forward_images(x)
        if isinstance(x, torch.Tensor) and x.dim() != 3:
            raise ValueError(
                f"GroupNorm expects sentences (B, T, {self.num_channels}) or images "
                f"(B, {self.num_channels}, H, W), got {x.dim()}-D {tuple(x.shape)}; "
                "add a batch axis of size 1 for a single sentence or image"
            )
        check_shape(x, ("B", "T", self.num_channels), "GroupNorm")
        B, T, D = x.shape
        G = self.num_groups
        grouped = x.reshape(B, T, G, D // G)  # (B, T, D) -> (B, T, G, D/G)
        mean = grouped.mean(dim=(1, 3), keepdim=True)  # (B, 1, G, 1)
        var = ((grouped - mean) ** 2).mean(dim=(1, 3), keepdim=True)  # (B, 1, G, 1)
        gamma, beta = self.gamma.reshape(G, D // G), self.beta.reshape(G, D // G)
        _, stats = _normalize(grouped, mean, var, self.eps, gamma, beta, (B, G))
        mean, var, std, *per_value = stats
        x_hat, scaled, out = (v.reshape(B, T, D) for v in per_value)  # back to (B, T, D)
        return out, NormTrace(mean, var, std, x_hat, scaled, out)

    def _forward_images(self, x: torch.Tensor) -> tuple[torch.Tensor, NormTrace]:
        """Channels first, as torch: each image's group of C/G channels over all its pixels."""
        check_shape(x, ("B", self.num_channels, "H", "W"), "GroupNorm")
        B, C, H, W = x.shape
        G = self.num_groups
        grouped = x.reshape(B, G, C // G, H, W)  # (B, C, H, W) -> (B, G, C/G, H, W)
        mean = grouped.mean(dim=(2, 3, 4), keepdim=True)  # (B, G, 1, 1, 1)
        var = ((grouped - mean) ** 2).mean(dim=(2, 3, 4), keepdim=True)  # (B, G, 1, 1, 1)
        gamma = self.gamma.reshape(G, C // G, 1, 1)  # (C,) -> (G, C/G, 1, 1)
        beta = self.beta.reshape(G, C // G, 1, 1)  # (C,) -> (G, C/G, 1, 1)
        _, stats = _normalize(grouped, mean, var, self.eps, gamma, beta, (B, G))
        mean, var, std, *per_value = stats
        x_hat, scaled, out = (v.reshape(B, C, H, W) for v in per_value)  # back to (B, C, H, W)
        return out, NormTrace(mean, var, std, x_hat, scaled, out)

    def extra_repr(self) -> str:
        return f"G={self.num_groups}, D={self.num_channels}, eps={self.eps}"


class _InstanceNorm(Layer):
    """What both instance norms share: features, ε, the optional γ and β, `from_torch`."""

    LETTER = "D"  # the shape letter of the normalized features: D for text, C for images

    def __init__(self, num_features: int, eps: float = 1e-5, affine: bool = False) -> None:
        super().__init__()
        self.num_features = positive_int(num_features, f"num_features ({self.LETTER})")
        self.eps = _check_eps(eps)
        self.affine = bool(affine)
        if self.affine:
            _affine(self, num_features)
        else:
            self.gamma = self.beta = None

    @classmethod
    def from_torch(cls, module: nn.Module) -> _InstanceNorm:
        if module.track_running_stats:
            raise ValueError(f"{cls.__name__} mirrors a module without running statistics")
        layer = cls(module.num_features, eps=module.eps, affine=module.affine)
        if module.affine:
            _copy_affine(layer, module)
        return layer


class InstanceNorm1d(_InstanceNorm):
    """Normalizes each sentence's feature over its tokens; γ and β only with `affine=True`."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, NormTrace]:
        check_shape(x, ("B", "T", self.num_features), "InstanceNorm1d")
        B, T, D = x.shape
        if T < 2:
            raise ValueError(
                "InstanceNorm1d needs at least two tokens (T ≥ 2): it normalizes each feature "
                "over the tokens, and one token leaves nothing to compare. Use a longer sentence."
            )
        mean = x.mean(dim=1, keepdim=True)  # (B, T, D) -> (B, 1, D)
        var = ((x - mean) ** 2).mean(dim=1, keepdim=True)  # (B, 1, D)
        out, stats = _normalize(x, mean, var, self.eps, self.gamma, self.beta, (B, D))
        return out, NormTrace(*stats)

    def extra_repr(self) -> str:
        return f"D={self.num_features}, eps={self.eps}, affine={self.affine}"


class InstanceNorm2d(_InstanceNorm):
    """Normalizes each image's channel over its H·W pixels; γ and β only with `affine=True`."""

    LETTER = "C"

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, NormTrace]:
        check_shape(x, ("B", self.num_features, "H", "W"), "InstanceNorm2d")
        B, C, H, W = x.shape
        if H * W < 2:
            raise ValueError(
                "InstanceNorm2d needs at least two pixels (H·W ≥ 2): it normalizes each channel "
                "over the pixels, and one pixel leaves nothing to compare. Use a larger image."
            )
        mean = x.mean(dim=(2, 3), keepdim=True)  # (B, C, H, W) -> (B, C, 1, 1)
        var = ((x - mean) ** 2).mean(dim=(2, 3), keepdim=True)  # (B, C, 1, 1)
        gamma = beta = None
        if self.affine:
            gamma = self.gamma.reshape(C, 1, 1)  # (C,) -> (C, 1, 1)
            beta = self.beta.reshape(C, 1, 1)  # (C,) -> (C, 1, 1)
        out, stats = _normalize(x, mean, var, self.eps, gamma, beta, (B, C))
        return out, NormTrace(*stats)

    def extra_repr(self) -> str:
        return f"C={self.num_features}, eps={self.eps}, affine={self.affine}"
