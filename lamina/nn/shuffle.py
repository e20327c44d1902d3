"""Rearranging layers built from reshape and permute: ``PixelShuffle`` / ``PixelUnshuffle`` (sub-pixel
convolution, Shi et al. 2016) and ``ChannelShuffle`` (ShuffleNet)."""
from __future__ import annotations

from .module import Module
from ..errors import ArgumentError


def pixel_shuffle(x, r: int):
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[..., c, h r + i, w r + j] = x[..., c r^2 + i r + j, h, w]."""
    if x.ndim < 3:
        raise ArgumentError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                            f"{x.ndim} dimension(s)")
    if r <= 0:
        raise ArgumentError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = x.shape
    if c % (r * r):
        raise ArgumentError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                            f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(batch)
    y = x.reshape(*batch, c // (r * r), r, r, h, w)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return y.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(x, r: int):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    if x.ndim < 3:
        raise ArgumentError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                            f"{x.ndim} dimension(s)")
    if r <= 0:
        raise ArgumentError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = x.shape
    if h % r:
        raise ArgumentError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                            f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise ArgumentError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                            f"input.size(-1)={w} is not divisible by {r}")
    n = len(batch)
    y = x.reshape(*batch, c, h // r, r, w // r, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return y.reshape(*batch, c * r * r, h // r, w // r)


class PixelShuffle(Module):
    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, x):
        return pixel_shuffle(x, self.upscale_factor)

    def flops(self, input_shape, output_shape) -> int:
        return 0

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, x):
        return pixel_unshuffle(x, self.downscale_factor)

    def flops(self, input_shape, output_shape) -> int:
        return 0

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """(N, C, *) with C = g k: channel i k + j moves to j g + i (the groups interleaved)."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        g = self.groups
        if x.ndim <= 2:
            raise ArgumentError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                                f"{list(x.shape)}")
        if g <= 0:
            raise ArgumentError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
        n, c, *rest = x.shape
        if c % g:
            raise ArgumentError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
        return x.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)

    def flops(self, input_shape, output_shape) -> int:
        return 0

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
