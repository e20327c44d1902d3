"""Padding layers (``F.pad`` with one mode each): ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``,
``ReflectionPad1d/2d/3d``, ``ReplicationPad1d/2d/3d``, ``CircularPad1d/2d/3d``.

``padding`` is an int (every side) or a tuple (left, right[, top, bottom[, front, back]]), the last dimension
first, as F.pad. The input is (N, C, *spatial) or unbatched (C, *spatial).
"""
from __future__ import annotations

import numbers

from .. import functional as F
from .module import Module
from ..errors import ArgumentError


class _PadNd(Module):
    mode = "constant"
    spatial = 1

    def __init__(self, padding, value: float = 0.0):
        super().__init__()
        if isinstance(padding, numbers.Number):  # any number repeated, as PyTorch's _ntuple (F.pad checks it)
            padding = (padding,) * (2 * self.spatial)
        self.padding, self.value = tuple(padding), value  # a tuple is taken as F.pad takes it (any even length)

    def forward(self, x):
        if self.mode != "constant" and x.ndim not in (self.spatial + 1, self.spatial + 2):
            self._rank_error(x)
        if self.mode == "constant":
            return F.pad(x, self.padding, mode="constant", value=self.value)
        return F.pad(x, self.padding, mode=self.mode)

    def _rank_error(self, x):
        """PyTorch's types: circular padding a ValueError; reflect / replicate a RuntimeError when the padding is
        longer than twice the rank, else NotImplementedError (that padding size is not supported for the rank)."""
        message = (f"{type(self).__name__}: expected {self.spatial + 1}D or {self.spatial + 2}D input, but got input "
                   f"of size: {tuple(x.shape)}")
        if self.mode == "circular" or len(self.padding) > 2 * x.ndim:
            raise ArgumentError(message)
        raise NotImplementedError(message)

    def compute_output_shape(self, input_shape) -> tuple:
        shape = list(input_shape)
        for i in range(len(self.padding) // 2):
            shape[-1 - i] += self.padding[2 * i] + self.padding[2 * i + 1]
        return tuple(shape)

    def flops(self, input_shape, output_shape) -> int:
        return 0

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float):
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    spatial = 1


class ConstantPad2d(_ConstantPadNd):
    spatial = 2


class ConstantPad3d(_ConstantPadNd):
    spatial = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    spatial = 1


class ZeroPad2d(_ZeroPadNd):
    spatial = 2


class ZeroPad3d(_ZeroPadNd):
    spatial = 3


class _ModePadNd(_PadNd):
    def __init__(self, padding):
        super().__init__(padding)


class ReflectionPad1d(_ModePadNd):
    mode, spatial = "reflect", 1


class ReflectionPad2d(_ModePadNd):
    mode, spatial = "reflect", 2


class ReflectionPad3d(_ModePadNd):
    mode, spatial = "reflect", 3


class ReplicationPad1d(_ModePadNd):
    mode, spatial = "replicate", 1


class ReplicationPad2d(_ModePadNd):
    mode, spatial = "replicate", 2


class ReplicationPad3d(_ModePadNd):
    mode, spatial = "replicate", 3


class CircularPad1d(_ModePadNd):
    mode, spatial = "circular", 1


class CircularPad2d(_ModePadNd):
    mode, spatial = "circular", 2


class CircularPad3d(_ModePadNd):
    mode, spatial = "circular", 3
