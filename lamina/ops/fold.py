"""Sliding blocks: ``unfold`` (im2col) and ``fold`` (col2im), with PyTorch's (N, C * kh * kw, L) layout.

    unfold(x)[n, (c, i, j), (a, b)] = x_pad[n, c, a sh + i dh, b sw + j dw]      (row c kh kw + i kw + j)
    fold(y)[n, c, h, w] = sum of every y[n, (c, i, j), (a, b)] whose block cell lands on (h, w)

L = Ho Wo blocks in row-major order, Ho = floor((H + 2 ph - dh (kh - 1) - 1) / sh) + 1. The two maps are
linear and adjoint (<unfold(x), y> = <x, fold(y)>), so each is the other's backward and both can be
differentiated again. The array work is the convolution's: the patch view and ``col2im`` in
``lamina/kernels/patches.py``.
"""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ..kernels.patches import Geometry, col2im, patches_view
from ..tensor import Tensor
from ._util import as_tensor
from ..errors import ArgumentError, DtypeError
from .conv import _tuple


class UnfoldOp(Function):
    """(N, C, H, W) -> (N, C kh kw, L): every block, flattened; the backward is ``FoldOp``."""

    name = "unfold"

    def forward(self, x, *, geo, size):
        self.geo = geo
        n, c = x.shape[:2]
        blocks = patches_view(x, geo, size)                            # (C, kh, kw, Ho, Wo, N)
        out = xp.empty((n, c) + tuple(geo.kernel) + tuple(size), dtype=x.dtype)
        out[...] = blocks.transpose((blocks.ndim - 1,) + tuple(range(blocks.ndim - 1)))
        return out.reshape(n, c * math.prod(geo.kernel), math.prod(size))

    def backward(self, g):
        return (FoldOp.apply(g, geo=self.geo, shape=self.inputs[0].shape[2:]),)


class FoldOp(Function):
    """(N, C kh kw, L) -> (N, C, H, W): every block added back at its place; the backward is ``UnfoldOp``."""

    name = "fold"

    def forward(self, y, *, geo, shape):
        self.geo = geo
        n, rows = y.shape[:2]
        size = geo.output_size(*shape)
        blocks = y.reshape((n, rows // math.prod(geo.kernel)) + tuple(geo.kernel) + tuple(size))
        image = col2im(blocks.transpose(tuple(range(1, blocks.ndim)) + (0,)), geo, tuple(shape))   # (C, H, W, N)
        return xp.ascontiguousarray(image.transpose((image.ndim - 1,) + tuple(range(image.ndim - 1))))

    def backward(self, h):
        return (UnfoldOp.apply(h, geo=self.geo, size=self.geo.output_size(*h.shape[2:])),)


def _geometry(op, kernel_size, dilation, padding, stride) -> Geometry:
    kernel = _tuple(kernel_size, 2, "kernel_size", op, 1)
    dilation = _tuple(dilation, 2, "dilation", op, 1)
    pad = _tuple(padding, 2, "padding", op, 0)
    stride = _tuple(stride, 2, "stride", op, 1)
    return Geometry(kernel, stride, dilation, (pad[0], pad[0], pad[1], pad[1]))


def _floating(op, x, bool_too=False):
    """The input as a tensor of a dtype PyTorch's kernel takes (unfold, a copy, also takes bool)."""
    x = as_tensor(x)
    if x.dtype.kind != "f" and not (bool_too and x.dtype.kind == "b"):
        raise DtypeError(f"{op}: input dtype must be floating point, got {x.dtype}")
    return x


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The sliding blocks of (N, C, H, W) (or unbatched (C, H, W)) input as (N, C kh kw, L) columns (im2col)."""
    x = _floating("unfold", input, bool_too=True)
    if x.ndim not in (3, 4) or min(x.shape[-3:] if x.ndim == 4 else x.shape) < 1:
        raise ArgumentError(f"unfold: expected a 4-D (N, C, H, W) or 3-D (C, H, W) input with non-empty C, H and W, "
                            f"got shape {tuple(x.shape)}")
    if x.ndim == 3:
        return unfold(x.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    geo = _geometry("unfold", kernel_size, dilation, padding, stride)
    size = geo.output_size(*x.shape[2:])
    if min(size) < 1:
        raise ArgumentError(f"unfold: kernel_size {geo.kernel} (dilation {geo.dilation}) does not fit in the padded "
                            f"input {'x'.join(map(str, geo.padded(x.shape[2:])))} (input shape {tuple(x.shape)})")
    return UnfoldOp.apply(x, geo=geo, size=size)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """(N, C kh kw, L) (or unbatched (C kh kw, L)) blocks summed into an (N, C, *output_size) image (col2im):
    the adjoint of ``unfold``; overlapping blocks add up."""
    y = _floating("fold", input)
    if y.ndim not in (2, 3) or min(y.shape[-2:]) < 1:
        raise ArgumentError(f"fold: expected a 3-D (N, C * kh * kw, L) or 2-D (C * kh * kw, L) input with non-empty "
                            f"dimensions, got shape {tuple(y.shape)}")
    if y.ndim == 2:
        return fold(y.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    shape = _tuple(output_size, 2, "output_size", "fold", 1)
    geo = _geometry("fold", kernel_size, dilation, padding, stride)
    cells = math.prod(geo.kernel)
    if y.shape[1] % cells:
        raise ArgumentError(f"fold: input dimension 1 ({y.shape[1]}) must be divisible by the kernel's "
                            f"{cells} cells (kernel_size {geo.kernel})")
    size = geo.output_size(*shape)
    if min(size) < 1 or math.prod(size) != y.shape[2]:
        raise ArgumentError(f"fold: output_size {shape} with kernel_size {geo.kernel}, dilation {geo.dilation}, "
                            f"padding {geo.padding[::2]}, stride {geo.stride} has {'x'.join(map(str, size))} blocks, "
                            f"but the input holds L = {y.shape[2]} (shape {tuple(y.shape)})")
    return FoldOp.apply(y, geo=geo, shape=shape)
