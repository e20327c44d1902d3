"""Convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d (PyTorch's signatures, NCHW).

    y[n, o, a, b] = bias[o] + sum_{c,i,j} W[o, c, i, j] x_pad[n, c, a*s + i*d, b*s + j*d]

(a cross-correlation, as in every framework). It is computed as one matrix product: the patches of
x that the output pixels see are copied into a patch matrix ``cols`` (im2col: one row per (c, i, j),
one column per output pixel), and Y = W cols. The two gradients are the two other products:

    dL/dx = col2im(W^T dY)   the adjoint of the convolution in x: ``conv_transpose2d(dY, W)``
    dL/dW = dY cols^T        the correlation of x with dY

The three maps (convolution, its adjoint in x, its adjoint in W) are bilinear, and the gradients of
each are the other two; so each backward calls the others and all three can be differentiated again.

Internal layout: the patches are built from activations held as (C, H, W, N), batch innermost, so that
every shifted window moves contiguous runs of W*N numbers (several times faster than NCHW). Outputs
are NCHW *views* of that memory: the next convolution or pooling reads them without a copy.

The patch matrix comes in two forms (``patch_matrix`` picks one): ``FullPatches`` copies every patch
(kh*kw copies of the input), ``RowPatches`` only the kw horizontal shifts of each input row and lets
each output row read kh consecutive rows of that copy as one matrix (kh times less memory traffic;
faster when an output row holds >= 512 numbers, such as both of LeNet-5's layers at batch 64).
"""
from __future__ import annotations

import functools
from typing import NamedTuple

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, constant, memoised, recording

_CHUNK = 4096  # GEMM columns per call: skinny products over long patch matrices run 2-4x faster in pieces


class Geometry(NamedTuple):
    """Where a kernel of size ``kernel`` reads: (rows, columns) pairs, padding (top, bottom, left, right)."""

    kernel: tuple
    stride: tuple = (1, 1)
    dilation: tuple = (1, 1)
    padding: tuple = (0, 0, 0, 0)
    groups: int = 1

    def output_size(self, h: int, w: int) -> tuple:
        """floor((H + padding - d (k - 1) - 1) / s) + 1 along each axis."""
        (kh, kw), (sh, sw), (dh, dw), (top, bottom, left, right) = (
            self.kernel, self.stride, self.dilation, self.padding)
        return ((h + top + bottom - dh * (kh - 1) - 1) // sh + 1,
                (w + left + right - dw * (kw - 1) - 1) // sw + 1)

    def windows(self, size: tuple) -> tuple:
        """(i, j, rows, cols): for each kernel offset, the slices of the padded image it reads."""
        return _windows(self, tuple(size))


@functools.lru_cache(maxsize=256)
def _windows(geo: Geometry, size: tuple) -> tuple:
    """Geometry.windows, computed once per geometry and output size (every step asks again)."""
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    ho, wo = size
    return tuple((i, j, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
                 for i in range(kh) for j in range(kw))


# ---- array kernels (CHWN layout) ---------------------------------------------------------------
def _chwn(a):
    """An NCHW array as a C-contiguous (C, H, W, N) array (no copy when its memory is already that)."""
    return xp.ascontiguousarray(a.transpose(1, 2, 3, 0))


def _padded_chwn(x, geo: Geometry):
    top, bottom, left, right = geo.padding
    if not (top or bottom or left or right):
        return _chwn(x)
    n, c, h, w = x.shape
    out = xp.zeros((c, h + top + bottom, w + left + right, n), dtype=x.dtype)
    out[:, top:top + h, left:left + w] = x.transpose(1, 2, 3, 0)
    return out


def _im2col(x, geo: Geometry, size: tuple):
    """The patch matrix of NCHW ``x`` as (groups, C/groups * kh * kw, Ho * Wo * N), one strided copy."""
    xpad = _padded_chwn(x, geo)
    c, _, _, n = xpad.shape
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    sc, sy, sx, sn = xpad.strides
    patches = xp.lib.stride_tricks.as_strided(
        xpad, (c, kh, kw, size[0], size[1], n), (sc, dh * sy, dw * sx, sh * sy, sw * sx, sn), writeable=False)
    return xp.ascontiguousarray(patches).reshape(geo.groups, c // geo.groups * kh * kw, -1)


class FullPatches:
    """The whole patch matrix (im2col): Y = W cols and dW = g cols^T are one matrix product each."""

    def __init__(self, x, geo: Geometry, size: tuple):
        self.geo, self.cols = geo, _im2col(x, geo, size)

    def project(self, w):
        """W cols: (O, Ho * Wo * N)."""
        o, groups = w.shape[0], self.geo.groups
        return _matmul(w.reshape(groups, o // groups, -1), self.cols).reshape(o, -1)

    def correlate(self, g, c_per_group: int):
        """g cols^T as a weight gradient (O, C/groups, kh, kw); g is NCHW."""
        o, groups = g.shape[1], self.geo.groups
        gw_t = _matmul_nt(self.cols, _grad_matrix(g, groups))          # (G, C/G kh kw, O/G)
        return xp.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(o, c_per_group, *self.geo.kernel)


class RowPatches:
    """Patches shared between output rows, a kh-times smaller copy than im2col.

    P[r, c, j, b, n] = x_pad[c, r, b sw + j dw, n] holds the kw shifted copies of each padded input row
    once. Output row a reads input rows a sh .. a sh + kh - 1, which are consecutive in P: the view
    V[a] = P[a sh : a sh + kh] is a plain (kh C kw, Wo N) matrix, and

        Y[:, a] = W' V[a]          dW' = sum_a g[:, a] V[a]^T      (W' = W with axes (O, kh, C, kw))

    are batched matrix products over the Ho output rows (no groups, no vertical dilation).
    """

    def __init__(self, x, geo: Geometry, size: tuple):
        xpad = _padded_chwn(x, geo)
        c, _, _, n = xpad.shape
        (kh, kw), (sh, sw), dw = geo.kernel, geo.stride, geo.dilation[1]
        ho, wo = size
        sc, sy, sx, sn = xpad.strides
        rows = xp.lib.stride_tricks.as_strided(
            xpad, ((ho - 1) * sh + kh, c, kw, wo, n), (sy, sc, dw * sx, sw * sx, sn), writeable=False)
        self.geo, self.rows = geo, xp.ascontiguousarray(rows)
        length, item = wo * n, self.rows.itemsize
        self.views = xp.lib.stride_tricks.as_strided(
            self.rows, (ho, kh * c * kw, length), (sh * self.rows.strides[0], length * item, item), writeable=False)

    @staticmethod
    def suits(geo: Geometry, size: tuple, batch: int) -> bool:
        """Row patches pay off when each output row is a long matrix (measured in LeNet-5's training
        step: Wo N >= 512; alone, a layer gains from about 1024, but the smaller copy also leaves more
        of the cache to the layers around it)."""
        return geo.groups == 1 and geo.dilation[0] == 1 and size[1] * batch >= 512

    def project(self, w):
        o, c, kh, kw = w.shape
        ho, _, length = self.views.shape
        w_rows = xp.ascontiguousarray(w.transpose(0, 2, 1, 3)).reshape(o, kh * c * kw)
        y = xp.empty((o, ho, length), dtype=xp.result_type(w, self.views))
        xp.matmul(w_rows, self.views, out=y.transpose(1, 0, 2))
        return y.reshape(o, -1)

    def correlate(self, g, c_per_group: int):
        o = g.shape[1]
        ho, _, length = self.views.shape
        kh, kw = self.geo.kernel
        g_rows = _chwn(g).reshape(o, ho, length).transpose(1, 2, 0)       # (Ho, Wo N, O)
        gw = xp.matmul(self.views, g_rows).sum(0)                         # (kh C kw, O)
        return xp.ascontiguousarray(gw.reshape(kh, c_per_group, kw, o).transpose(3, 1, 0, 2))


def patch_matrix(x, geo: Geometry, size: tuple):
    """The patch matrix of ``x`` in the cheaper of the two forms for this geometry."""
    cls = RowPatches if RowPatches.suits(geo, size, x.shape[0]) else FullPatches
    return cls(x, geo, size)


def _col2im(dcols, geo: Geometry, shape: tuple):
    """The adjoint of ``_im2col``: add every patch (C, kh, kw, Ho, Wo, N) back onto a (C, H, W, N) image.

    First the kh kernel rows are added at their row offsets for all kernel columns at once (kh large
    contiguous adds), then each kernel column at its column offset (kw strided adds).
    """
    c, kh, kw, ho, wo, n = dcols.shape
    h, w = shape
    top, bottom, left, right = geo.padding
    windows = geo.windows((ho, wo))
    columns = _shifted_sum([dcols[:, i] for i in range(kh)], [windows[i * kw][2] for i in range(kh)],
                           h + top + bottom, axis=2)                          # (C, kw, H_pad, Wo, N)
    image = _shifted_sum([columns[:, j] for j in range(kw)], [windows[j][3] for j in range(kw)],
                         w + left + right, axis=2)                            # (C, H_pad, W_pad, N)
    return image[:, top:top + h, left:left + w]


def _shifted_sum(parts, slices, length: int, axis: int):
    """sum_k parts[k] placed at ``slices[k]`` along ``axis`` of a new array ``length`` long there.

    With a step-1 first slice the first part is copied in and only the rest zeroed (no add onto zeros).
    """
    shape = list(parts[0].shape)
    shape[axis] = length
    at = [slice(None)] * len(shape)
    first = slices[0]
    if first.step not in (None, 1):
        out = xp.zeros(shape, dtype=parts[0].dtype)
        rest = range(len(parts))
    else:
        out = xp.empty(shape, dtype=parts[0].dtype)
        for uncovered in (slice(0, first.start), slice(first.stop, None)):
            at[axis] = uncovered
            out[tuple(at)] = 0
        at[axis] = first
        out[tuple(at)] = parts[0]
        rest = range(1, len(parts))
    for k in rest:
        at[axis] = slices[k]
        out[tuple(at)] += parts[k]
    return out


def _matmul(a, b):
    """(G, M, K) @ (G, K, L) -> (G, M, L); long L in column pieces."""
    groups, m, _ = a.shape
    length = b.shape[2]
    if groups > 1 or length <= 2 * _CHUNK:
        return xp.matmul(a, b)
    out = xp.empty((1, m, length), dtype=xp.result_type(a, b))
    for s in range(0, length, _CHUNK):
        xp.matmul(a[0], b[0, :, s:s + _CHUNK], out=out[0, :, s:s + _CHUNK])
    return out


def _matmul_nt(a, b):
    """(G, M, L) @ (G, P, L)^T -> (G, M, P): a sum over the long axis L, in pieces."""
    length = a.shape[2]
    if a.shape[0] > 1 or length <= 2 * _CHUNK:
        return xp.matmul(a, b.transpose(0, 2, 1))
    out = a[0, :, :_CHUNK] @ b[0, :, :_CHUNK].T
    for s in range(_CHUNK, length, _CHUNK):
        out += a[0, :, s:s + _CHUNK] @ b[0, :, s:s + _CHUNK].T
    return out[None]


def _grad_matrix(g, groups: int):
    """dY (N, O, Ho, Wo) as (groups, O/groups, Ho * Wo * N)."""
    return _chwn(g).reshape(groups, g.shape[1] // groups, -1)


def _bias_grad(g: Tensor) -> Tensor:
    """dL/dbias = dY summed over N, H, W (a matrix-vector product when no graph is recorded)."""
    if recording():
        return g.sum((0, 2, 3))
    rows = _grad_matrix(g.data, 1)[0]
    return constant(rows @ xp.ones(rows.shape[1], dtype=rows.dtype))


# ---- the three bilinear maps -------------------------------------------------------------------
class Conv2d(Function):
    """Y = W cols(x) (+ bias);  dL/dx = conv_transpose2d(dY, W),  dL/dW = dY cols(x)^T,  dL/db = sum dY."""

    def forward(self, x, w, b=None, *, geo, size=None, cols=None):
        n, o = x.shape[0], w.shape[0]
        size = size or geo.output_size(x.shape[2], x.shape[3])
        self.geo, self.cols = geo, (patch_matrix(x, geo, size) if cols is None else cols)
        y = self.cols.project(w)
        if b is not None:
            y += b[:, None]
        return y.reshape(o, size[0], size[1], n).transpose(3, 0, 1, 2)

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        gx = ConvTranspose2d.apply(g, w, geo=self.geo, size=x.shape[2:]) if x.requires_grad else None
        gw = Conv2dWeight.apply(x, g, geo=self.geo, cols=self.cols) if w.requires_grad else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (_bias_grad(g) if self.inputs[2].requires_grad else None)


class ConvTranspose2d(Function):
    """The adjoint of Conv2d in x: X = col2im(W^T g) (+ bias), X of spatial ``size``.

    For an upstream gradient h of X:  dL/dg = conv2d(h, W),  dL/dW = correlation of h with g.
    """

    def forward(self, g, w, b=None, *, geo, size):
        self.geo = geo
        o, c_per_group = w.shape[0], w.shape[1]
        kh, kw = geo.kernel
        wt = w.reshape(geo.groups, o // geo.groups, -1).transpose(0, 2, 1)
        dcols = _matmul(wt, _grad_matrix(g, geo.groups))
        dcols = dcols.reshape(c_per_group * geo.groups, kh, kw, g.shape[2], g.shape[3], g.shape[0])
        x = _col2im(dcols, geo, size)
        if b is not None:
            x += b[:, None, None, None]
        return x.transpose(3, 0, 1, 2)

    def backward(self, h):
        g, w = self.inputs[0], self.inputs[1]
        cols = patch_matrix(h.data, self.geo, g.shape[2:]) if (g.requires_grad or w.requires_grad) else None
        gg = Conv2d.apply(h, w, geo=self.geo, size=g.shape[2:], cols=cols) if g.requires_grad else None
        gw = Conv2dWeight.apply(h, g, geo=self.geo, cols=cols) if w.requires_grad else None
        if len(self.inputs) == 2:
            return gg, gw
        return gg, gw, (_bias_grad(h) if self.inputs[2].requires_grad else None)


class Conv2dWeight(Function):
    """The adjoint of Conv2d in W: dW = g cols(x)^T, shape (O, C/groups, kh, kw).

    For an upstream gradient H of dW:  dL/dx = conv_transpose2d(g, H),  dL/dg = conv2d(x, H).
    """

    def forward(self, x, g, *, geo, cols=None):
        self.geo = geo
        self.cols = patch_matrix(x, geo, g.shape[2:]) if cols is None else cols
        return self.cols.correlate(g, x.shape[1] // geo.groups)

    def backward(self, hw):
        x, g = self.inputs
        gx = ConvTranspose2d.apply(g, hw, geo=self.geo, size=x.shape[2:]) if x.requires_grad else None
        gg = Conv2d.apply(x, hw, geo=self.geo, size=g.shape[2:], cols=self.cols) if g.requires_grad else None
        return gx, gg


# ---- argument checks -----------------------------------------------------------------------------
def _tuple(value, n: int, name: str, op: str, minimum: int) -> tuple:
    values = (value,) * n if isinstance(value, int) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(values) != n or not all(isinstance(v, int) for v in values):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return values


def _operands(op, x, weight, bias, ndim):
    """Tensors of one floating dtype, of the ranks the op takes."""
    x, weight = as_tensor(x), as_tensor(weight)
    if x.ndim not in (ndim - 1, ndim):
        layout = "(N, C, H, W)" if ndim == 4 else "(N, C, L)"
        raise ValueError(f"{op}: expected a {ndim}-D input {layout} or an unbatched {ndim - 1}-D one, "
                         f"got shape {x.shape}")
    if weight.ndim != ndim:
        raise ValueError(f"{op}: expected a {ndim}-D weight, got shape {weight.shape}")
    if x.dtype.kind != "f" or x.dtype != weight.dtype:
        raise TypeError(f"{op}: input and weight must have the same floating dtype, got {x.dtype} and {weight.dtype}")
    if bias is not None:
        bias = as_tensor(bias)
        if bias.dtype != x.dtype:
            raise TypeError(f"{op}: bias dtype {bias.dtype} differs from the input dtype {x.dtype}")
    return x, weight, bias


def _check_bias(op, shape, channels):
    if shape is not None and tuple(shape) != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {tuple(shape)}")


def _line(value, name: str, op: str, height_value: int) -> tuple:
    """A 1-D argument as the (height, width) pair of the 2-D op that runs it on a height of 1."""
    return (height_value, _tuple(value, 1, name, op, 0)[0])


def _check_groups(op, channels, weight_shape, groups, transposed):
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if transposed:
        expected, per_group = weight_shape[0], weight_shape[0]
    else:
        expected, per_group = weight_shape[1] * groups, weight_shape[1]
    if channels % groups or weight_shape[0] % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels ({channels}) and the "
                         f"{'input' if transposed else 'output'} channels of the weight (weight shape "
                         f"{tuple(weight_shape)})")
    if channels != expected:
        detail = "" if groups == 1 or transposed else f" = {per_group} x groups {groups}"
        raise ValueError(f"{op}: input has {channels} channels, weight expects {expected}{detail} "
                         f"(weight shape {tuple(weight_shape)})")


def _same_padding(op, kernel, stride, dilation):
    if any(s != 1 for s in stride):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride})")
    out = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out += [total // 2, total - total // 2]  # the odd extra pixel goes after, as in PyTorch
    return tuple(out)


def _padding(op, padding, kernel, stride, dilation) -> tuple:
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            return _same_padding(op, kernel, stride, dilation)
        raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    ph, pw = _tuple(padding, 2, "padding", op, 0)
    return (ph, ph, pw, pw)


def _check_fits(op, geo, x_shape, w_shape):
    ho, wo = geo.output_size(x_shape[-2], x_shape[-1])
    if ho < 1 or wo < 1:
        (kh, kw), (dh, dw), (top, bottom, left, right) = geo.kernel, geo.dilation, geo.padding
        raise ValueError(
            f"{op}: kernel of size {dh * (kh - 1) + 1}x{dw * (kw - 1) + 1} (dilated; weight shape {tuple(w_shape)}) "
            f"is larger than the padded input {x_shape[-2] + top + bottom}x{x_shape[-1] + left + right} "
            f"(input shape {tuple(x_shape)})")


@memoised
def _conv_geometry(op, channels, w_shape, b_shape, shapes, stride, padding, dilation, groups) -> Geometry:
    """The checked Geometry of a convolution of ``channels`` input channels with weight ``w_shape``."""
    stride = _tuple(stride, 2, "stride", op, 1)
    dilation = _tuple(dilation, 2, "dilation", op, 1)
    _check_groups(op, channels, shapes[1], groups, transposed=False)
    geo = Geometry(w_shape[2:], stride, dilation, _padding(op, padding, w_shape[2:], stride, dilation), groups)
    _check_fits(op, geo, *shapes)
    _check_bias(op, b_shape, w_shape[0])
    return geo


# ---- public functions ----------------------------------------------------------------------------
def _conv2d(op, x, weight, bias, stride, padding, dilation, groups, shapes) -> Tensor:
    geo = _conv_geometry(op, x.shape[1], tuple(weight.shape), None if bias is None else tuple(bias.shape),
                         tuple(map(tuple, shapes)), stride, padding, dilation, groups)
    if bias is None:
        return Conv2d.apply(x, weight, geo=geo)
    return Conv2d.apply(x, weight, bias, geo=geo)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) weight -> (N, O, Ho, Wo).

    Ho = floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1; ``padding`` may be 'same' or 'valid'.
    """
    x, weight, bias = _operands("conv2d", input, weight, bias, 4)
    if x.ndim == 3:
        return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    return _conv2d("conv2d", x, weight, bias, stride, padding, dilation, groups, (x.shape, weight.shape))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D cross-correlation of (N, C, L) input with (O, C/groups, k) weight: conv2d on a height of 1."""
    x, weight, bias = _operands("conv1d", input, weight, bias, 3)
    if x.ndim == 2:
        return conv1d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    op = "conv1d"
    padding = padding if isinstance(padding, str) else _line(padding, "padding", op, 0)
    y = _conv2d(op, x.unsqueeze(2), weight.unsqueeze(2), bias, _line(stride, "stride", op, 1), padding,
                _line(dilation, "dilation", op, 1), groups, (x.shape, weight.shape))
    return y.squeeze(2)


def _conv_transpose2d(op, x, weight, bias, stride, padding, output_padding, groups, dilation, shapes):
    stride = _tuple(stride, 2, "stride", op, 1)
    dilation = _tuple(dilation, 2, "dilation", op, 1)
    ph, pw = _tuple(padding, 2, "padding", op, 0)
    extra = _tuple(output_padding, 2, "output_padding", op, 0)
    _check_groups(op, x.shape[1], shapes[1], groups, transposed=True)
    _check_bias(op, None if bias is None else bias.shape, weight.shape[1] * groups)
    for e, s, d in zip(extra, stride, dilation):
        if e >= max(s, d):
            raise ValueError(f"{op}: output_padding {output_padding!r} must be smaller than the stride "
                             f"{stride} or the dilation {dilation}")
    kernel = tuple(weight.shape[2:])
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                 for n, s, p, d, k, e in zip(x.shape[2:], stride, (ph, pw), dilation, kernel, extra))
    if min(size) < 1:
        raise ValueError(f"{op}: the output would be empty ({size[0]}x{size[1]}) for input shape {tuple(shapes[0])}, "
                         f"weight shape {tuple(shapes[1])}, stride {stride}, padding {(ph, pw)}")
    geo = Geometry(kernel, stride, dilation, (ph, ph, pw, pw), groups)
    if bias is None:
        return ConvTranspose2d.apply(x, weight, geo=geo, size=size)
    return ConvTranspose2d.apply(x, weight, bias, geo=geo, size=size)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """The adjoint (gradient) of conv2d in its input: (N, C, H, W) with (C, O/groups, kh, kw) weight
    -> (N, O, Ho, Wo), Ho = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1."""
    x, weight, bias = _operands("conv_transpose2d", input, weight, bias, 4)
    if x.ndim == 3:
        return conv_transpose2d(x.unsqueeze(0), weight, bias, stride, padding, output_padding, groups,
                                dilation).squeeze(0)
    return _conv_transpose2d("conv_transpose2d", x, weight, bias, stride, padding, output_padding, groups,
                             dilation, (x.shape, weight.shape))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """conv_transpose2d on a height of 1: (N, C, L) with (C, O/groups, k) weight -> (N, O, Lo)."""
    x, weight, bias = _operands("conv_transpose1d", input, weight, bias, 3)
    if x.ndim == 2:
        return conv_transpose1d(x.unsqueeze(0), weight, bias, stride, padding, output_padding, groups,
                                dilation).squeeze(0)
    op = "conv_transpose1d"
    y = _conv_transpose2d(op, x.unsqueeze(2), weight.unsqueeze(2), bias, _line(stride, "stride", op, 1),
                          _line(padding, "padding", op, 0), _line(output_padding, "output_padding", op, 0), groups,
                          _line(dilation, "dilation", op, 1), (x.shape, weight.shape))
    return y.squeeze(2)
