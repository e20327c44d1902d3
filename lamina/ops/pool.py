"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d (NCHW), and
``relu_max_pool2d``, max pooling of a ReLU computed in one node.

A k x k pooling window with stride s reads, for each kernel offset (i, j), one strided view of the
(padded) input: view_ij[.., a, b] = x_pad[.., a s + i d, b s + j d]. So

    max_pool2d(x) = max_ij view_ij           (2x2 stride 2: the max of 4 strided views)
    avg_pool2d(x) = sum_ij view_ij / divisor

and both backward passes put the gradient back through the same views (``ScatterWindows``):
average pooling spreads dY / divisor to every view, max pooling sends dY only where the view held the
maximum (a mask; on ties the first offset in row-major order wins, as in PyTorch). Gathering through
the views with fixed weights (``GatherWindows``) and scattering back are adjoint linear maps, so each
is the other's backward and pooling can be differentiated twice.

The array work (views, the max tournament, masks, scatter in the input's memory order) is in
``lamina/kernels/pooling.py``.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ..kernels.elementwise import passes_relu, positive_part, times_mask
from ..kernels.layout import memory_order
from ..kernels.patches import Geometry
from ..kernels.pooling import (adaptive_argmax, adaptive_bounds, first_max_masks, gather_windows, max_indices, pad,
                               scatter_windows, window_max)
from ..tensor import Tensor
from ._util import as_tensor, constant, memoised, recording
from ..errors import ArgumentError, DtypeError


class MaxPool2dOp(Function):
    """y = max over each window (padding counts as -inf); dL/dx = dY routed to the first maximum."""

    name = "max_pool2d"

    def forward(self, x, *, geo, size):
        self.geo, self.order = geo, memory_order(x)
        self.xpad = pad(x, geo, -xp.inf)
        self.y, self.semifinals = window_max(self.xpad, geo, size)
        return self.y

    def backward(self, g):
        masks = first_max_masks(self.xpad, self.y, self.geo, self.semifinals)
        return (ScatterWindows.apply(g, geo=self.geo, shape=self.inputs[0].shape, order=self.order, masks=masks),)


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


class ScatterWindows(Function):
    """The adjoint of GatherWindows: dx[view_ij] += scale * mask_ij * g, cropped to the input ``shape``."""

    name = "scatter_windows"

    def forward(self, g, *, geo, shape, order, masks=None, scale=1.0):
        self.geo, self.masks, self.scale = geo, masks, scale
        return scatter_windows(g, geo, shape, order, masks, scale)

    def backward(self, h):
        return (GatherWindows.apply(h, geo=self.geo, size=self.inputs[0].shape[2:], masks=self.masks,
                                    scale=self.scale),)


# ---- argument handling ---------------------------------------------------------------------------
def _pair(value, name, op, minimum):
    values = (value, value) if isinstance(value, int) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(values) != 2 or not all(isinstance(v, int) for v in values):
        raise ArgumentError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(values) < minimum:
        raise ArgumentError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return values


def _output_length(op, n, k, s, p, d, ceil_mode):
    """PyTorch's pooling size: floor or ceil of (n + 2p - d(k-1) - 1)/s + 1; the last window must start
    inside the input or its left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


@memoised
def _window_geometry(op, shape, kernel_size, stride, padding, dilation, ceil_mode):
    """The Geometry (with the extra bottom/right padding ceil_mode needs) and the output size for an
    input of ``shape``."""
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    no_stride = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    stride = kernel if no_stride else _pair(stride, "stride", op, 1)
    pad = _pair(padding, "padding", op, 0)
    dilation = _pair(dilation, "dilation", op, 1)
    for k, p in zip(kernel, pad):
        if 2 * p > k:  # PyTorch's rule (on the undilated kernel)
            raise ArgumentError(f"{op}: padding {padding!r} must be at most half of the kernel size {kernel_size!r}")
    size = tuple(_output_length(op, n, k, s, p, d, ceil_mode)
                 for n, k, s, p, d in zip(shape[2:], kernel, stride, pad, dilation))
    if min(size) < 1:
        raise ArgumentError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than the padded input "
                         f"{shape[2] + 2 * pad[0]}x{shape[3] + 2 * pad[1]} (input shape {tuple(shape)})")
    extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
             for o, n, k, s, p, d in zip(size, shape[2:], kernel, stride, pad, dilation)]
    geo = Geometry(kernel, stride, dilation, (pad[0], pad[0] + extra[0], pad[1], pad[1] + extra[1]))
    return geo, size


def _input(op, x, spatial):
    x = as_tensor(x)
    if x.ndim not in (spatial + 1, spatial + 2):
        layout = "(N, C, H, W)" if spatial == 2 else "(N, C, L)"
        raise ArgumentError(f"{op}: expected a {spatial + 2}-D input {layout} or an unbatched {spatial + 1}-D one, "
                         f"got shape {x.shape}")
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: input dtype must be floating point, got {x.dtype}")
    return x


def _batched(op, x, spatial, fn):
    """Run ``fn`` on a batched input (adding and removing the batch axis of an unbatched one)."""
    x = _input(op, x, spatial)
    if x.ndim == spatial + 2:
        return fn(x)
    out = fn(x.unsqueeze(0))
    return tuple(t.squeeze(0) for t in out) if isinstance(out, tuple) else out.squeeze(0)


def _as_line(value, fill):
    """A 1-D pooling argument as the (height, width) pair of the 2-D op run on a height of 1."""
    if value is None:
        return None
    v = value if isinstance(value, int) else tuple(value)
    if isinstance(v, tuple):
        if len(v) != 1:
            return v  # rejected with a clear message by the 2-D checks
        v = v[0]
    return (fill, v)


# ---- public functions ----------------------------------------------------------------------------
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each kernel_size window, moved by ``stride`` (default: kernel_size).

    With return_indices, also the flat index h * W + w of each maximum in its (unpadded) input plane.
    """
    def run(x):
        geo, size = _window_geometry("max_pool2d", tuple(x.shape), kernel_size, stride, padding, dilation, ceil_mode)
        y = MaxPool2dOp.apply(x, geo=geo, size=size)
        if not return_indices:
            return y
        xpad = pad(x.data, geo, -xp.inf)
        return y, Tensor._wrap(max_indices(xpad, y.data, geo, x.shape))

    return _batched("max_pool2d", input, 2, run)


def relu_max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """max_pool2d(relu(input)) in one op, computed as relu(max_pool2d(input)): the same values and
    gradients (ties included), with the ReLU on the pooled output (see ``ReLUMaxPool2d``)."""
    def run(x):
        geo, size = _window_geometry("max_pool2d", tuple(x.shape), kernel_size, stride, padding, dilation, ceil_mode)
        return ReLUMaxPool2d.apply(x, geo=geo, size=size)

    return _batched("relu_max_pool2d", input, 2, run)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each window. The divisor is the window size (padding included when
    count_include_pad, as PyTorch; a window that ceil_mode lets run past the padding is clipped)."""
    def run(x):
        geo, size = _window_geometry("avg_pool2d", tuple(x.shape), kernel_size, stride, padding, 1, ceil_mode)
        scale = 1.0 / divisor_override if divisor_override else _inverse_divisor(x, geo, size, padding,
                                                                                 count_include_pad)
        return GatherWindows.apply(x, geo=geo, size=size, scale=scale)

    return _batched("avg_pool2d", input, 2, run)


def _inverse_divisor(x, geo: Geometry, size, padding, count_include_pad):
    """1 / (number of pixels each window averages): a float, or an (Ho, Wo) array near the borders."""
    pad = _pair(padding, "padding", "avg_pool2d", 0)
    counts = []
    for n, o, k, s, p in zip(x.shape[2:], size, geo.kernel, geo.stride, pad):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        counts.append(end - start)
    count = counts[0][:, None] * counts[1][None, :]
    if (count == count.flat[0]).all():
        return 1.0 / float(count.flat[0])
    return (1.0 / count).astype(x.dtype)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """max_pool2d on a height of 1: (N, C, L) -> (N, C, Lo)."""
    def run(x):
        out = max_pool2d(x.unsqueeze(2), _as_line(kernel_size, 1), _as_line(stride, 1), _as_line(padding, 0),
                         _as_line(dilation, 1), ceil_mode, return_indices)
        return tuple(t.squeeze(2) for t in out) if return_indices else out.squeeze(2)

    return _batched("max_pool1d", input, 1, run)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """avg_pool2d on a height of 1: (N, C, L) -> (N, C, Lo)."""
    def run(x):
        return avg_pool2d(x.unsqueeze(2), _as_line(kernel_size, 1), _as_line(stride, 1), _as_line(padding, 0),
                          ceil_mode, count_include_pad).squeeze(2)

    return _batched("avg_pool1d", input, 1, run)


# ---- adaptive pooling ----------------------------------------------------------------------------
def _adaptive_size(op, x, output_size):
    sizes = (output_size, output_size) if output_size is None or isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2:
        raise ArgumentError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:]))
    if min(sizes) < 1:
        raise ArgumentError(f"{op}: output_size must be positive, got {output_size!r}")
    return sizes


def _averaging_matrix(n, o, dtype):
    """(o, n) matrix whose row a averages the adaptive window a."""
    m = xp.zeros((o, n), dtype=dtype)
    for a, (start, end) in enumerate(adaptive_bounds(n, o)):
        m[a, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive windows. When they tile the input it is avg_pool2d; otherwise the
    pooling is separable: Y = A_h X A_w^T with averaging matrices (two matmuls, differentiable twice)."""
    def run(x):
        ho, wo = _adaptive_size("adaptive_avg_pool2d", x, output_size)
        h, w = x.shape[2:]
        if h % ho == 0 and w % wo == 0:
            return avg_pool2d(x, (h // ho, w // wo))
        rows = constant(_averaging_matrix(h, ho, x.dtype))
        cols = constant(_averaging_matrix(w, wo, x.dtype).T)
        return rows @ (x @ cols)

    return _batched("adaptive_avg_pool2d", input, 2, run)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive windows (with return_indices, the flat h * W + w of each)."""
    def run(x):
        ho, wo = _adaptive_size("adaptive_max_pool2d", x, output_size)
        n, c, h, w = x.shape
        if h % ho == 0 and w % wo == 0:
            return max_pool2d(x, (h // ho, w // wo), return_indices=return_indices)
        index = adaptive_argmax(x.data, ho, wo)
        y = x.reshape(n, c, h * w).gather(2, index.reshape(n, c, ho * wo)).reshape(n, c, ho, wo)
        return (y, Tensor._wrap(index)) if return_indices else y

    return _batched("adaptive_max_pool2d", input, 2, run)


def adaptive_avg_pool1d(input, output_size):
    """adaptive_avg_pool2d on a height of 1."""
    size = output_size if isinstance(output_size, int) else next(iter(output_size))
    return _batched("adaptive_avg_pool1d", input, 1,
                    lambda x: adaptive_avg_pool2d(x.unsqueeze(2), (1, size)).squeeze(2))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """adaptive_max_pool2d on a height of 1."""
    size = output_size if isinstance(output_size, int) else next(iter(output_size))

    def run(x):
        out = adaptive_max_pool2d(x.unsqueeze(2), (1, size), return_indices)
        return tuple(t.squeeze(2) for t in out) if return_indices else out.squeeze(2)

    return _batched("adaptive_max_pool1d", input, 1, run)

