"""Pooling and resizing layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, ``Upsample``."""
from __future__ import annotations

import math

from .. import functional as F
from .module import Module, count


def _kernel_elements(kernel_size) -> int:
    return math.prod(kernel_size) if isinstance(kernel_size, (tuple, list)) else kernel_size ** 2


class MaxPool2d(Module):
    """Maximum over each kernel window (stride defaults to the kernel size)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def flops(self, input_shape, output_shape) -> int:
        """One comparison per window element per output."""
        return _kernel_elements(self.kernel_size) * count(output_shape)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over each kernel window."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def flops(self, input_shape, output_shape) -> int:
        """One addition per window element per output."""
        return _kernel_elements(self.kernel_size) * count(output_shape)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)

    def flops(self, input_shape, output_shape) -> int:
        """Every input element is added once."""
        return count(input_shape)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        return f"size={self.size}, scale_factor={self.scale_factor}, mode={self.mode!r}"
