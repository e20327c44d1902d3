"""Pooling: max_pool1d/2d/3d, avg_pool1d/2d/3d, adaptive_avg/max_pool1d/2d/3d, max_unpool1d/2d/3d, lp_pool1d/2d
(N C *S), and ``relu_max_pool2d``, max pooling of a ReLU computed in one node.

A k x k pooling window with stride s reads, for each kernel offset (i, j), one strided view of the
(padded) input: view_ij[.., a, b] = x_pad[.., a s + i d, b s + j d] (three offsets in 3-D). So

    max_pool2d(x) = max_ij view_ij           (2x2 stride 2: the max of 4 strided views)
    avg_pool2d(x) = sum_ij view_ij / divisor

and both backward passes put the gradient back through the same views (``ScatterWindows``):
average pooling spreads dY / divisor to every view, max pooling sends dY only where the view held the
maximum (a mask; on ties the first offset in row-major order wins, as in PyTorch; in a window holding
NaN, its last NaN). Gathering through the views with fixed weights (``GatherWindows``) and scattering
back are adjoint linear maps, so each is the other's backward and pooling can be differentiated twice.

The array work (views, the max tournament, masks, scatter in the input's memory order) is in
``lamina/kernels/pooling.py``.
"""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ..kernels.elementwise import passes_relu, positive_part, times_mask
from ..kernels.layout import memory_order
from ..kernels.patches import Geometry
from ..kernels.pooling import (adaptive_argmax, adaptive_matrix, first_max_masks, gather_windows, max_indices,
                               nonnegative_map, pad, scatter_windows, window_max)
from ..tensor import Tensor
from ._util import as_tensor, constant, memoised, recording
from ..errors import ArgumentError, DtypeError
from .conv import _is_int, _tuple
from .activation import _half_in_float


class _ZeroNorm(ArgumentError, ZeroDivisionError):
    """lp pooling with norm_type 0: PyTorch's 1 / norm_type raises ZeroDivisionError."""


def _lowest(dtype):
    """The padding of max pooling: -inf, or the smallest integer of an integer dtype."""
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


class MaxPool2dOp(Function):
    """y = max over each window (padding counts as -inf); dL/dx = dY routed to the first maximum."""

    name = "max_pool2d"

    def forward(self, x, *, geo, size):
        self.geo, self.order = geo, memory_order(x)
        self.xpad = pad(x, geo, _lowest(x.dtype))
        self.y, self.semifinals = window_max(self.xpad, geo, size)
        return self.y

    def backward(self, g):
        masks = first_max_masks(self.xpad, self.y, self.geo, self.semifinals)
        return (ScatterWindows.apply(g, geo=self.geo, shape=self.inputs[0].shape, order=self.order, masks=masks),)


class MaxPool3dOp(MaxPool2dOp):
    """MaxPool2dOp on three spatial axes."""

    name = "max_pool3d"


class ReLUMaxPool2d(Function):
    """max_pool2d(relu(x)), computed as relu(max_pool2d(x)): one graph node for the pair.

    Max commutes with the nondecreasing ReLU, max_w relu(x) = relu(max_w x), and so do the gradients:
    a positive maximum is routed to the same first maximum, which passes ReLU; a window with no
    positive number gets 0 either way (ties included). ReLU then touches the pooled output, 4x fewer
    numbers after 2x2 pooling (5-7 % of LeNet-5's training step). ``nn.Sequential`` runs a ReLU
    followed by a MaxPool2d through this op.

        y = relu(m),  m = max_w x;   dL/dm = dY (m > 0 or NaN);   dL/dx = dL/dm routed to the first maxima
    """

    name = "relu_max_pool2d"

    def forward(self, x, *, geo, size):
        self.geo, self.order = geo, memory_order(x)
        self.xpad = pad(x, geo, -xp.inf)
        self.m, self.semifinals = window_max(self.xpad, geo, size)
        return positive_part(self.m)

    def backward(self, g):
        positive = passes_relu(self.m)
        gm = g * constant(positive) if recording() else constant(times_mask(g.data, positive))
        masks = first_max_masks(self.xpad, self.m, self.geo, self.semifinals)
        return (ScatterWindows.apply(gm, geo=self.geo, shape=self.inputs[0].shape, order=self.order, masks=masks),)


class GatherWindows(Function):
    """y = scale * sum_ij mask_ij * view_ij(x padded with zeros): average pooling (no masks), or max
    pooling with the routing held fixed. Linear in x; its backward is ``ScatterWindows``."""

    name = "avg_pool2d"

    def forward(self, x, *, geo, size, masks=None, scale=1.0):
        self.geo, self.masks, self.scale, self.order = geo, masks, scale, memory_order(x)
        return gather_windows(x, geo, size, masks, scale)

    def backward(self, g):
        return (ScatterWindows.apply(g, geo=self.geo, shape=self.inputs[0].shape, order=self.order,
                                     masks=self.masks, scale=self.scale),)


class AvgPool3dOp(GatherWindows):
    """GatherWindows on three spatial axes."""

    name = "avg_pool3d"


class ScatterWindows(Function):
    """The adjoint of GatherWindows: dx[view_ij] += scale * mask_ij * g, cropped to the input ``shape``."""

    name = "scatter_windows"

    def forward(self, g, *, geo, shape, order, masks=None, scale=1.0):
        self.geo, self.masks, self.scale = geo, masks, scale
        return scatter_windows(g, geo, shape, order, masks, scale)

    def backward(self, h):
        return (GatherWindows.apply(h, geo=self.geo, size=self.inputs[0].shape[2:], masks=self.masks,
                                    scale=self.scale),)


class AdaptiveAverage(Function):
    """y = x averaged along each spatial axis k by the (o_k, n_k) matrix A_k of PyTorch's adaptive windows
    (separable: two matrix products in 2-D). A NaN or inf reaches only the windows that hold it, as in
    PyTorch's sums. Linear in x: dL/dx applies the transposed matrices (its own Function again)."""

    name = "adaptive_avg_pool2d"

    def forward(self, x, *, mats):
        self.mats = mats
        return nonnegative_map(x, mats)

    def backward(self, g):
        return (AdaptiveAverage.apply(g, mats=[m.T for m in self.mats]),)


class MaxUnpoolOp(Function):
    """y = zeros of (N, C, *output_size) with y.flat_plane[indices] = x (the last write wins on repeats, as
    PyTorch's CPU loop); dL/dx = dY gathered at the indices."""

    name = "max_unpool2d"

    def forward(self, x, *, index, shape):
        self.index = index
        n, c = x.shape[:2]
        plane, cells = math.prod(shape), math.prod(x.shape[2:])
        out = xp.zeros((n, c, plane), dtype=x.dtype)
        xp.put_along_axis(out, index.reshape(n, c, cells), x.reshape(n, c, cells), axis=2)
        return out.reshape((n, c) + tuple(shape))

    def backward(self, g):
        x = self.inputs[0]
        n, c = x.shape[:2]
        flat_index = constant(self.index.reshape(n, c, math.prod(x.shape[2:])))
        return (g.reshape(n, c, math.prod(g.shape[2:])).gather(2, flat_index).reshape(x.shape),)


# ---- argument handling ---------------------------------------------------------------------------
def _output_length(op, n, k, s, p, d, ceil_mode):
    """PyTorch's pooling size: floor or ceil of (n + 2p - d(k-1) - 1)/s + 1; the last window must start
    inside the input or its left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _no_stride(stride) -> bool:
    return stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)


@memoised
def _window_geometry(op, shape, kernel_size, stride, padding, dilation, ceil_mode):
    """The Geometry (with the extra bottom/right padding ceil_mode needs) and the output size for an
    input of ``shape``."""
    axes = len(shape) - 2
    kernel = _tuple(kernel_size, axes, "kernel_size", op, 1)
    stride = kernel if _no_stride(stride) else _tuple(stride, axes, "stride", op, 1)
    pad = _tuple(padding, axes, "padding", op, 0)
    dilation = _tuple(dilation, axes, "dilation", op, 1)
    for k, p in zip(kernel, pad):
        if 2 * p > k:  # PyTorch's rule (on the undilated kernel)
            raise ArgumentError(f"{op}: padding {padding!r} must be at most half of the kernel size {kernel_size!r}")
    size = tuple(_output_length(op, n, k, s, p, d, ceil_mode)
                 for n, k, s, p, d in zip(shape[2:], kernel, stride, pad, dilation))
    if min(size) < 1:
        padded = "x".join(str(n + 2 * p) for n, p in zip(shape[2:], pad))
        raise ArgumentError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than the padded input "
                            f"{padded} (input shape {tuple(shape)})")
    extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
             for o, n, k, s, p, d in zip(size, shape[2:], kernel, stride, pad, dilation)]
    geo = Geometry(kernel, stride, dilation, tuple(v for p, e in zip(pad, extra) for v in (p, p + e)))
    return geo, size


_LAYOUTS = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def _input(op, x, spatial, integers=()):
    """The input tensor, checked: rank, dtype (floating, or an integer dtype PyTorch pools too: ``integers``
    names them, or is "all"), non-empty channel and spatial axes."""
    x = as_tensor(x)
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ArgumentError(f"{op}: expected a {spatial + 2}-D input {_LAYOUTS[spatial]} or an unbatched "
                            f"{spatial + 1}-D one, got shape {tuple(x.shape)}")
    integer = x.dtype.kind in "iu" and (integers == "all" or x.dtype.name in integers)
    if x.dtype.kind != "f" and not integer:
        allowed = "" if not integers else " or integer" if integers == "all" else " or " + ", ".join(integers)
        raise DtypeError(f"{op}: input dtype must be floating point{allowed}, got {x.dtype}")
    if 0 in x.shape[-spatial - 1:]:
        raise ArgumentError(f"{op}: expected non-empty channel and spatial dimensions (only the batch may be 0), "
                            f"got shape {tuple(x.shape)}")
    return x


def _batched(op, x, spatial, fn, integers=()):
    """Run ``fn`` on a batched input (adding and removing the batch axis of an unbatched one)."""
    x = _input(op, x, spatial, integers)
    if x.ndim == spatial + 2:
        return fn(x)
    out = fn(x.unsqueeze(0))
    return tuple(t.squeeze(0) for t in out) if isinstance(out, tuple) else out.squeeze(0)


def _as_line(value, fill):
    """A 1-D pooling argument as the (height, width) pair of the 2-D op run on a height of 1."""
    if value is None:
        return None
    v = value if _is_int(value) else tuple(value) if isinstance(value, (tuple, list)) else value
    if isinstance(v, tuple):
        if len(v) != 1:
            return v  # rejected with a clear message by the 2-D checks
        v = v[0]
    return (fill, v)


# ---- max and average pooling ----------------------------------------------------------------------
def _max_pool(op, cls, input, spatial, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    def run(x):
        geo, size = _window_geometry(op, tuple(x.shape), kernel_size, stride, padding, dilation, ceil_mode)
        y = cls.apply(x, geo=geo, size=size)
        if not return_indices:
            return y
        xpad = pad(x.data, geo, _lowest(x.dtype))
        return y, Tensor._wrap(max_indices(xpad, y.data, geo, x.shape))

    return _batched(op, input, spatial, run, integers="all")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each (kd, kh, kw) window of (N, C, D, H, W) input; with return_indices also the flat
    index (d H + h) W + w of each maximum in its input volume (float or integer input)."""
    return _max_pool("max_pool3d", MaxPool3dOp, input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each kernel_size window, moved by ``stride`` (default: kernel_size).

    With return_indices, also the flat index h * W + w of each maximum in its (unpadded) input plane.
    Integer inputs pool too (no gradient), as in PyTorch.
    """
    return _max_pool("max_pool2d", MaxPool2dOp, input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def relu_max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """max_pool2d(relu(input)) in one op, computed as relu(max_pool2d(input)): the same values and
    gradients (ties included), with the ReLU on the pooled output (see ``ReLUMaxPool2d``)."""
    def run(x):
        geo, size = _window_geometry("max_pool2d", tuple(x.shape), kernel_size, stride, padding, dilation, ceil_mode)
        return ReLUMaxPool2d.apply(x, geo=geo, size=size)

    return _batched("relu_max_pool2d", input, 2, run)


def _avg_pool(op, cls, input, spatial, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    if divisor_override is not None and not _is_int(divisor_override):
        raise TypeError(f"{op}: divisor_override must be an int, got {divisor_override!r}")
    if divisor_override is not None and divisor_override == 0:
        raise ArgumentError(f"{op}: divisor must be not zero")

    def run(x):
        geo, size = _window_geometry(op, tuple(x.shape), kernel_size, stride, padding, 1, ceil_mode)
        if spatial == 3 and any(n < k for n, k in zip(x.shape[2:], geo.kernel)):  # PyTorch's 3-D check, unpadded
            raise ArgumentError(f"{op}: input image {tuple(x.shape[2:])} is smaller than the kernel {geo.kernel}")
        count = divisor_override or _window_counts(op, x, geo, size, padding, count_include_pad)
        if x.dtype.kind != "f":
            return Tensor._wrap(_truncated_mean(x.data, geo, size, count))
        if isinstance(count, int):
            scale = 1.0 / count
        else:
            scale = (1.0 / count).astype(x.dtype)
        return cls.apply(x, geo=geo, size=size, scale=scale)

    return _batched(op, input, spatial, run, integers=("int64",))


def _truncated_mean(x, geo, size, count):
    """The window sums of an integer ``x`` divided by ``count`` and rounded toward zero, as PyTorch's integer
    kernels divide."""
    sums = gather_windows(x, geo, size)
    return (xp.abs(sums) // count * xp.sign(sums)).astype(x.dtype, copy=False)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each (kd, kh, kw) window of (N, C, D, H, W) input (divisor as ``avg_pool2d``). PyTorch's CPU
    kernel has no float16 version (NotImplementedError)."""
    if isinstance(input, Tensor) and input.data.dtype == xp.float16:
        raise DtypeError("avg_pool3d: \"avg_pool3d_out_frame\" not implemented for 'Half'")
    return _avg_pool("avg_pool3d", AvgPool3dOp, input, 3, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


@_half_in_float
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each window. The divisor is the window size (padding included when
    count_include_pad, as PyTorch; a window that ceil_mode lets run past the padding is clipped), or
    ``divisor_override``."""
    return _avg_pool("avg_pool2d", GatherWindows, input, 2, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _window_counts(op, x, geo: Geometry, size, padding, count_include_pad):
    """The number of pixels each window averages: an int, or an int array of the output size near the borders."""
    pad = _tuple(padding, len(size), "padding", op, 0)
    count = xp.ones((), dtype=xp.int64)
    for n, o, k, s, p in zip(x.shape[2:], size, geo.kernel, geo.stride, pad):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        count = count[..., None] * (end - start)
    if (count == count.flat[0]).all():
        return int(count.flat[0])
    return count


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """max_pool2d on a height of 1: (N, C, L) -> (N, C, Lo)."""
    def run(x):
        out = max_pool2d(x.unsqueeze(2), _as_line(kernel_size, 1), _as_line(stride, 1), _as_line(padding, 0),
                         _as_line(dilation, 1), ceil_mode, return_indices)
        return tuple(t.squeeze(2) for t in out) if return_indices else out.squeeze(2)

    return _batched("max_pool1d", input, 1, run)


@_half_in_float
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """avg_pool2d on a height of 1: (N, C, L) -> (N, C, Lo)."""
    def run(x):
        return avg_pool2d(x.unsqueeze(2), _as_line(kernel_size, 1), _as_line(stride, 1), _as_line(padding, 0),
                          ceil_mode, count_include_pad).squeeze(2)

    return _batched("avg_pool1d", input, 1, run, integers=("int64",))


# ---- adaptive pooling ----------------------------------------------------------------------------
def _adaptive_size(op, x, output_size, axes):
    if output_size is None or _is_int(output_size):
        sizes = (output_size,) * axes
    elif isinstance(output_size, (tuple, list)) and all(s is None or _is_int(s) for s in output_size):
        sizes = tuple(output_size)
    else:
        raise TypeError(f"{op}: output_size must be an int or a tuple of {axes} ints (or None), got {output_size!r}")
    if len(sizes) != axes:
        raise ArgumentError(f"{op}: output_size must be an int or a tuple of {axes}, got {output_size!r}")
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, x.shape[2:]))
    if min(sizes) < 0:
        raise ArgumentError(f"{op}: output_size must not be negative, got {output_size!r}")
    return sizes


def _adaptive_avg(op, input, output_size, axes):
    def run(x):
        sizes = _adaptive_size(op, x, output_size, axes)
        if min(sizes) > 0 and all(n % o == 0 for n, o in zip(x.shape[2:], sizes)):
            kernel = tuple(n // o for n, o in zip(x.shape[2:], sizes))
            return (avg_pool2d if axes == 2 else avg_pool3d)(x, kernel)
        return AdaptiveAverage.apply(x, mats=[_adaptive_matrix(n, o, x.dtype.str) for n, o in zip(x.shape[2:], sizes)])

    return _batched(op, input, axes, run)


@memoised
def _adaptive_matrix(n, o, dtype):
    matrix = adaptive_matrix(n, o, xp.dtype(dtype))
    matrix.flags.writeable = False
    return matrix


@_half_in_float
def adaptive_avg_pool3d(input, output_size):
    """Average over PyTorch's adaptive windows of (N, C, D, H, W) input (see ``adaptive_avg_pool2d``)."""
    return _adaptive_avg("adaptive_avg_pool3d", input, output_size, 3)


@_half_in_float
def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive windows [floor(a n / o), ceil((a + 1) n / o)). When they tile the input
    it is avg_pool2d; otherwise the pooling is separable: Y = A_h X A_w^T with averaging matrices (differentiable
    twice), with NaN and inf reaching only the windows that hold them."""
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2)


def _adaptive_max(op, input, output_size, return_indices, axes):
    def run(x):
        sizes = _adaptive_size(op, x, output_size, axes)
        n, c = x.shape[:2]
        if min(sizes) > 0 and all(s % o == 0 for s, o in zip(x.shape[2:], sizes)):
            kernel = tuple(s // o for s, o in zip(x.shape[2:], sizes))
            return (max_pool2d if axes == 2 else max_pool3d)(x, kernel, return_indices=return_indices)
        index = adaptive_argmax(x.data, *sizes)
        flat = x.reshape(n, c, math.prod(x.shape[2:]))
        y = flat.gather(2, Tensor._wrap(index.reshape(n, c, math.prod(sizes)))).reshape((n, c) + tuple(sizes))
        return (y, Tensor._wrap(index)) if return_indices else y

    return _batched(op, input, axes, run)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive windows of (N, C, D, H, W) input (indices: flat (d H + h) W + w)."""
    return _adaptive_max("adaptive_max_pool3d", input, output_size, return_indices, 3)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive windows (with return_indices, the flat h * W + w of each). A window
    holding NaN pools to NaN, with its index and gradient at its last NaN, as PyTorch."""
    return _adaptive_max("adaptive_max_pool2d", input, output_size, return_indices, 2)


def _line_size(op, output_size):
    if _is_int(output_size) or output_size is None:
        return output_size
    if isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        return output_size[0]
    raise TypeError(f"{op}: output_size must be an int or a tuple of one int, got {output_size!r}")


@_half_in_float
def adaptive_avg_pool1d(input, output_size):
    """adaptive_avg_pool2d on a height of 1."""
    size = _line_size("adaptive_avg_pool1d", output_size)
    return _batched("adaptive_avg_pool1d", input, 1,
                    lambda x: adaptive_avg_pool2d(x.unsqueeze(2), (1, size)).squeeze(2))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """adaptive_max_pool2d on a height of 1."""
    size = _line_size("adaptive_max_pool1d", output_size)

    def run(x):
        out = adaptive_max_pool2d(x.unsqueeze(2), (1, size), return_indices)
        return tuple(t.squeeze(2) for t in out) if return_indices else out.squeeze(2)

    return _batched("adaptive_max_pool1d", input, 1, run)


# ---- max unpooling ---------------------------------------------------------------------------------
def _unpool_size(op, x, kernel, stride, pad, output_size):
    """PyTorch's output size: (n - 1) stride - 2 padding + kernel, or ``output_size`` (its last entries), which
    must lie strictly within one stride of that."""
    axes = len(kernel)
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], stride, pad, kernel))
    if output_size is None:
        return default
    sizes = tuple(output_size)
    if len(sizes) == axes + 2:
        sizes = sizes[2:]
    if len(sizes) != axes or not all(_is_int(s) for s in sizes):
        raise ArgumentError(f"{op}: output_size should be a sequence of {axes} or {axes + 2} ints, got {output_size!r}")
    for size, d, s in zip(sizes, default, stride):
        if not d - s < size < d + s:
            raise ArgumentError(f"{op}: invalid output_size {output_size!r} (each size must be between "
                                f"{tuple(d - s for d, s in zip(default, stride))} and "
                                f"{tuple(d + s for d, s in zip(default, stride))}, exclusive)")
    return tuple(int(s) for s in sizes)


def _max_unpool(op, input, indices, kernel_size, stride, padding, output_size, axes):
    if as_tensor(input).dtype.kind != "f":  # PyTorch checks the dtype before the rank here
        raise DtypeError(f"{op}: input dtype must be floating point, got {as_tensor(input).dtype}")
    x = _input(op, input, axes)
    index = as_tensor(indices)
    if index.dtype != xp.int64:
        raise ArgumentError(f"{op}: indices must be an int64 tensor, got {index.dtype}")

    def run(x, index):
        kernel = _tuple(kernel_size, axes, "kernel_size", op, 1)
        stride_ = kernel if _no_stride(stride) else _tuple(stride, axes, "stride", op, 1)
        pad = _tuple(padding, axes, "padding", op, 0)
        shape = _unpool_size(op, x, kernel, stride_, pad, output_size)
        if min(shape) < 1:
            raise ArgumentError(f"{op}: the output would be empty ({shape}) for input shape {tuple(x.shape)}")
        plane = math.prod(shape)
        if index.data.size and (index.data.min() < 0 or index.data.max() >= plane):
            bad = index.data.max() if index.data.max() >= plane else index.data.min()
            raise ArgumentError(f"{op}: found an invalid max index {bad} (output planes of size "
                                f"{'x'.join(map(str, shape))})")
        return MaxUnpoolOp.apply(x, index=index.data, shape=shape)

    if tuple(index.shape) != tuple(x.shape):
        raise ArgumentError(f"{op}: indices of shape {tuple(index.shape)} must have the input's shape "
                            f"{tuple(x.shape)}")
    if x.ndim == axes + 2:
        return run(x, index)
    return run(x.unsqueeze(0), Tensor._wrap(index.data[None])).squeeze(0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d: each value put back at its index (the one max_pool1d returned), zeros
    elsewhere; output length (L - 1) stride - 2 padding + kernel_size unless ``output_size`` says."""
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d: each value put at its flat index h * W + w in its output plane (PyTorch's
    convention, as max_pool2d returns them), zeros elsewhere."""
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d: each value put at its flat index (d H + h) W + w in its output volume."""
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding, output_size, 3)


# ---- power-average pooling -------------------------------------------------------------------------
def _lp_pool(op, avg, input, norm_type, kernel_size, stride, ceil_mode, axes):
    x = _input(op, input, axes)
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)):
        raise TypeError(f"{op}: norm_type must be a number, got {norm_type!r}")
    if norm_type == 0:
        raise _ZeroNorm(f"{op}: norm_type must not be 0 (the result is the (1 / norm_type)-th power)")
    kernel = _tuple(kernel_size, axes, "kernel_size", op, 1)
    out = avg(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p), as PyTorch computes it: (sign(s) relu(|s|) k)^(1/p), s the average."""
    return _lp_pool("lp_pool1d", avg_pool1d, input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p), as PyTorch computes it: (sign(s) relu(|s|) kh kw)^(1/p)."""
    return _lp_pool("lp_pool2d", avg_pool2d, input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p), as PyTorch computes it."""
    return _lp_pool("lp_pool3d", avg_pool3d, input, norm_type, kernel_size, stride, ceil_mode, 3)


# ---- the *_with_indices spellings of torch.nn.functional: (values, indices) always ---------------------------
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, return_indices=True)
