"""Pooling and resizing layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``,
``AdaptiveMaxPool1d/2d/3d``, ``MaxUnpool1d/2d/3d``, ``LPPool1d/2d/3d``, ``Upsample``, ``UpsamplingNearest2d``,
``UpsamplingBilinear2d``."""
from __future__ import annotations

import math

from .. import functional as F
from .module import Module, count


def _kernel_elements(kernel_size, axes: int = 2) -> int:
    return math.prod(kernel_size) if isinstance(kernel_size, (tuple, list)) else kernel_size ** axes


class _MaxPoolNd(Module):
    """Maximum over each kernel window (stride defaults to the kernel size)."""

    axes = 2
    fn = staticmethod(F.max_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode
        self.return_indices = return_indices

    def forward(self, x):
        return self.fn(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                       self.return_indices)

    def flops(self, input_shape, output_shape) -> int:
        """One comparison per window element per output."""
        return _kernel_elements(self.kernel_size, self.axes) * count(output_shape)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    axes = 1
    fn = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Maximum over each kernel window (stride defaults to the kernel size)."""


class MaxPool3d(_MaxPoolNd):
    axes = 3
    fn = staticmethod(F.max_pool3d)


class _AvgPoolNd(Module):
    """Mean over each kernel window."""

    axes = 2
    fn = staticmethod(F.avg_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x):
        return self.fn(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                       self.divisor_override)

    def flops(self, input_shape, output_shape) -> int:
        """One addition per window element per output."""
        return _kernel_elements(self.kernel_size, self.axes) * count(output_shape)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    axes = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        """The sizes stored as 1-tuples, as PyTorch's AvgPool1d."""
        single = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)  # noqa: E731
        super().__init__(single(kernel_size), single(stride if stride is not None else kernel_size), single(padding),
                         ceil_mode, count_include_pad)

    def forward(self, x):
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over each kernel window."""


class AvgPool3d(_AvgPoolNd):
    axes = 3
    fn = staticmethod(F.avg_pool3d)


class _AdaptiveAvgPoolNd(Module):
    fn = staticmethod(F.adaptive_avg_pool2d)

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return self.fn(x, self.output_size)

    def flops(self, input_shape, output_shape) -> int:
        """Every input element is added once."""
        return count(input_shape)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    pass


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    fn = staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(_AdaptiveAvgPoolNd):
    fn = staticmethod(F.adaptive_max_pool2d)

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x):
        return self.fn(x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    pass


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    fn = staticmethod(F.adaptive_max_pool3d)


class _MaxUnpoolNd(Module):
    """The inverse of max pooling: values put back at the indices max pooling returned, zeros elsewhere."""

    fn = staticmethod(F.max_unpool2d)
    axes = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        """The sizes stored as one value per axis, as PyTorch."""
        super().__init__()
        per_axis = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * self.axes  # noqa: E731
        self.kernel_size = per_axis(kernel_size)
        self.stride = per_axis(stride if stride is not None else kernel_size)
        self.padding = per_axis(padding)

    def forward(self, input, indices, output_size=None):
        return self.fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def flops(self, input_shape, output_shape) -> int:
        """A copy: no arithmetic."""
        return 0

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    fn = staticmethod(F.max_unpool1d)
    axes = 1


class MaxUnpool2d(_MaxUnpoolNd):
    pass


class MaxUnpool3d(_MaxUnpoolNd):
    fn = staticmethod(F.max_unpool3d)
    axes = 3


class _LPPoolNd(Module):
    """(sum over each window of x^p)^(1/p)."""

    fn = staticmethod(F.lp_pool2d)

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, x):
        return self.fn(x, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    pass


class LPPool3d(_LPPoolNd):
    fn = staticmethod(F.lp_pool3d)


class Upsample(Module):
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        """PyTorch's: the scale factor (as floats) when given, else the size; then the mode."""
        if self.scale_factor is not None:
            scale = self.scale_factor
            scale = tuple(float(s) for s in scale) if isinstance(scale, (tuple, list)) else float(scale)
            return f"scale_factor={scale!r}, mode={self.mode!r}"
        return f"size={self.size!r}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample`` with mode 'nearest' (PyTorch's older layer)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample`` with mode 'bilinear' and align_corners=True (PyTorch's older layer)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
