"""Convolution layers: ``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d`` (PyTorch's arguments and init), and the
sliding-block layers ``Unfold`` and ``Fold``."""
from __future__ import annotations

import math

from .. import functional as F
from ..creation import empty
from . import init
from .module import Module, Parameter, count
from ..errors import ArgumentError


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _per_axis(value, n: int) -> tuple:
    """An int or a tuple argument as one value per spatial axis."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 weight_shape, dtype=None, generator=None, padding_mode="zeros"):
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ArgumentError(f"{type(self).__name__}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ArgumentError(f"{type(self).__name__}: padding_mode must be one of {_PADDING_MODES}, "
                                f"got {padding_mode!r}")
        axes = len(weight_shape) - 2
        stride, dilation = _per_axis(stride, axes), _per_axis(dilation, axes)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ArgumentError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ArgumentError("padding='same' is not supported for strided convolutions")
        else:
            padding = _per_axis(padding, axes)
        self.padding_mode = padding_mode
        self.in_channels, self.out_channels = in_channels, out_channels
        # one value per spatial axis, as PyTorch stores them (and prints them)
        self.kernel_size, self.stride, self.padding = _per_axis(kernel_size, axes), stride, padding
        self.dilation, self.groups = dilation, groups
        self.weight = Parameter(empty(*weight_shape, dtype=dtype))
        self.register_parameter("bias", Parameter(empty(out_channels, dtype=dtype)) if bias else None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        fan_in = self.weight.shape[1] * math.prod(self.weight.shape[2:])
        init.default_uniform_(self.weight, self.bias, fan_in=fan_in, generator=generator)

    def _check_input(self, x, ndim: int):
        """A batched (ndim) or unbatched (ndim - 1) input with in_channels channels."""
        batched = x.ndim == ndim
        if x.ndim not in (ndim, ndim - 1) or x.shape[1 if batched else 0] != self.in_channels:
            raise ArgumentError(f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, ...) with "
                             f"{ndim} dimensions, got {tuple(x.shape)}")

    def _conv(self, x, fn):
        """``fn`` (F.conv1d/2d/3d) on x; a padding_mode other than 'zeros' pads x first with F.pad, as PyTorch."""
        if self.padding_mode == "zeros":
            return fn(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        axes = self.weight.ndim - 2
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(_per_axis(self.dilation, axes), self.weight.shape[2:])]
            pairs = [(t // 2, t - t // 2) for t in totals]
        elif self.padding == "valid":
            pairs = [(0, 0)] * axes
        else:
            pairs = [(p, p) for p in _per_axis(self.padding, axes)]
        widths = [w for pair in reversed(pairs) for w in pair]
        return fn(F.pad(x, widths, mode=self.padding_mode), self.weight, self.bias, self.stride, 0, self.dilation,
                  self.groups)

    def compute_output_shape(self, input_shape) -> tuple:
        """out = floor((n + 2 padding - dilation (k - 1) - 1) / stride) + 1 per axis ('same': n)."""
        spatial = tuple(input_shape[2:])
        kernel, axes = self.weight.shape[2:], len(spatial)
        if self.padding == "same":
            return (input_shape[0], self.out_channels) + spatial
        padding = (0,) * axes if self.padding == "valid" else _per_axis(self.padding, axes)
        sizes = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, p, d, s in
                      zip(spatial, kernel, padding, _per_axis(self.dilation, axes), _per_axis(self.stride, axes)))
        return (input_shape[0], self.out_channels) + sizes

    def flops(self, input_shape, output_shape) -> int:
        """2 (C/groups) kh kw per output element: one multiply-add per weight that feeds it."""
        return 2 * math.prod(self.weight.shape[1:]) * count(output_shape)

    def macs(self, input_shape, output_shape) -> int:
        """Multiply-adds of one call (torchvision's GFLOPS column): half the FLOPs."""
        return self.flops(input_shape, output_shape) // 2

    def extra_repr(self) -> str:
        """PyTorch's: the arguments that differ from their defaults (padding as given)."""
        axes = len(self.kernel_size)
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * axes:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * axes:
            text += f", dilation={self.dilation}"
        if getattr(self, "output_padding", (0,) * axes) != (0,) * axes:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, generator=None):
        k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
        super().__init__(in_channels, out_channels, k, stride, padding, dilation, groups, bias,
                         (out_channels, in_channels // groups, k), dtype, generator, padding_mode)

    def forward(self, x):
        self._check_input(x, 3)
        return self._conv(x, F.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W): out = floor((H + 2 pad - dilation (k - 1) - 1) / stride) + 1."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, generator=None):
        kernel_size = _pair(kernel_size)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (out_channels, in_channels // groups) + kernel_size, dtype, generator, padding_mode)

    def forward(self, x):
        self._check_input(x, 4)
        return self._conv(x, F.conv2d)


class Conv3d(_ConvNd):
    """3-D convolution over (N, C, D, H, W): each out = floor((n + 2 pad - dilation (k - 1) - 1) / stride) + 1."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, generator=None):
        kernel_size = _per_axis(kernel_size, 3)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (out_channels, in_channels // groups) + kernel_size, dtype, generator, padding_mode)

    def forward(self, x):
        self._check_input(x, 5)
        return self._conv(x, F.conv3d)


class _ConvTransposeNd(_ConvNd):
    """Transposed convolution (the adjoint of ConvNd), for upsampling in decoders and U-Nets."""

    axes = 2
    fn = staticmethod(F.conv_transpose2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None, generator=None):
        if padding_mode != "zeros":
            raise ArgumentError(f'{type(self).__name__}: only "zeros" padding mode is supported, got {padding_mode!r}')
        kernel_size = _per_axis(kernel_size, self.axes)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         (in_channels, out_channels // groups) + kernel_size, dtype, generator)
        self.output_padding = _per_axis(output_padding, self.axes)

    def forward(self, x, output_size=None):
        self._check_input(x, self.axes + 2)
        extra = self.output_padding if output_size is None else self._output_padding(x, output_size)
        return self.fn(x, self.weight, self.bias, self.stride, self.padding, extra, self.groups, self.dilation)

    def _output_padding(self, x, output_size):
        """The output_padding that gives ``output_size`` (its last entries), which must lie within a stride of
        the smallest output, as PyTorch."""
        axes = self.axes
        sizes = tuple(output_size)[-axes:] if len(output_size) in (axes + 1, axes + 2) else tuple(output_size)
        if len(sizes) != axes:
            raise ArgumentError(f"{type(self).__name__}: output_size must have {axes} or {axes + 2} elements, "
                                f"got {tuple(output_size)}")
        extra = []
        for n, size, k, s, p, d in zip(x.shape[-axes:], sizes, self.weight.shape[2:], _per_axis(self.stride, axes),
                                       _per_axis(self.padding, axes), _per_axis(self.dilation, axes)):
            smallest = (n - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= size <= smallest + s - 1:
                raise ArgumentError(f"{type(self).__name__}: requested an output size of {tuple(sizes)}, but each "
                                    f"size must lie in [{smallest}, {smallest + s - 1}] here")
            extra.append(size - smallest)
        return tuple(extra)

    def compute_output_shape(self, input_shape) -> tuple:
        """out = (n - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1 per axis."""
        axes = self.axes
        sizes = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, k, s, p, d, e in
                      zip(input_shape[2:], self.weight.shape[2:], _per_axis(self.stride, axes),
                          _per_axis(self.padding, axes), _per_axis(self.dilation, axes),
                          _per_axis(self.output_padding, axes)))
        return (input_shape[0], self.out_channels) + sizes

    def flops(self, input_shape, output_shape) -> int:
        """Each input element spreads over (out/groups) prod(kernel) outputs: a multiply-add each."""
        return 2 * math.prod(self.weight.shape[1:]) * count(input_shape)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed convolution over (N, C, L)."""

    axes = 1
    fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed convolution over (N, C, H, W) (the adjoint of Conv2d)."""


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed convolution over (N, C, D, H, W) (the adjoint of Conv3d)."""

    axes = 3
    fn = staticmethod(F.conv_transpose3d)


class Unfold(Module):
    """The sliding blocks of (N, C, H, W) input as (N, C kh kw, L) columns (``F.unfold``, im2col)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x):
        return F.unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def flops(self, input_shape, output_shape) -> int:
        """A copy: no arithmetic."""
        return 0

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """(N, C kh kw, L) blocks summed into an (N, C, *output_size) image (``F.fold``, col2im)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x):
        return F.fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def flops(self, input_shape, output_shape) -> int:
        """One addition per block cell."""
        return count(input_shape)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
