"""Convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d (PyTorch's signatures, N C *S layout).

    y[n, o, a..] = bias[o] + sum_{c,i..} W[o, c, i..] x_pad[n, c, a*s + i*d ..]

(a cross-correlation, as in every framework). It is computed as one matrix product: the patches of
x that the output pixels see are copied into a patch matrix ``cols`` (im2col: one row per (c, i..),
one column per output pixel), and Y = W cols. The two gradients are the two other products:

    dL/dx = col2im(W^T dY)   the adjoint of the convolution in x: ``conv_transpose2d(dY, W)``
    dL/dW = dY cols^T        the correlation of x with dY

The three maps (convolution, its adjoint in x, its adjoint in W) are bilinear, and the gradients of
each are the other two; so each backward calls the others and all three can be differentiated again.
The 1-D ops are the 2-D ones on a height of 1; the 3-D ones run the same classes on three spatial axes.

The array work (patch matrices in batch-innermost layout, col2im, chunked GEMMs) is in
``lamina/kernels/patches.py``; outputs are N C *S views of (C, *S, N) memory, which the next
convolution or pooling reads without a copy.
"""
from __future__ import annotations

import numbers

from ..autograd import Function
from ..kernels.layout import nchw_view
from ..kernels.patches import Geometry, channel_sums, patch_matrix, transposed_patches
from ..tensor import Tensor
from ._util import as_tensor, constant, memoised, recording
from ..errors import ArgumentError, DtypeError


def _bias_grad(g: Tensor) -> Tensor:
    """dL/dbias = dY summed over N and the spatial axes."""
    return g.sum((0,) + tuple(range(2, g.ndim))) if recording() else constant(channel_sums(g.data))


def _family(geo: Geometry):
    """(convolution, transposed convolution, weight correlation) Function classes for the geometry's rank."""
    return _FAMILIES[len(geo.kernel)]


# ---- the three bilinear maps -------------------------------------------------------------------
class Conv2dOp(Function):
    """Y = W cols(x) (+ bias);  dL/dx = conv_transpose2d(dY, W),  dL/dW = dY cols(x)^T,  dL/db = sum dY."""

    name = "conv2d"

    def forward(self, x, w, b=None, *, geo, size=None, cols=None):
        size = size or geo.output_size(*x.shape[2:])
        self.geo, self.cols = geo, (patch_matrix(x, geo, size) if cols is None else cols)
        y = self.cols.project(w)
        if b is not None:
            y += b[:, None]
        return nchw_view(y, w.shape[0], size, x.shape[0])

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        _, transpose, weight = _family(self.geo)
        gx = transpose.apply(g, w, geo=self.geo, size=x.shape[2:]) if x.requires_grad else None
        gw = weight.apply(x, g, geo=self.geo, cols=self.cols) if w.requires_grad else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, (_bias_grad(g) if self.inputs[2].requires_grad else None)


class ConvTranspose2dOp(Function):
    """The adjoint of Conv2d in x: X = col2im(W^T g) (+ bias), X of spatial ``size``.

    For an upstream gradient h of X:  dL/dg = conv2d(h, W),  dL/dW = correlation of h with g.
    """

    name = "conv_transpose2d"

    def forward(self, g, w, b=None, *, geo, size):
        self.geo = geo
        x = transposed_patches(g, w, geo, size)                    # (C, *S, N)
        if b is not None:
            x += b.reshape((-1,) + (1,) * (x.ndim - 1))
        return x.transpose((x.ndim - 1,) + tuple(range(x.ndim - 1)))

    def backward(self, h):
        g, w = self.inputs[0], self.inputs[1]
        conv, _, weight = _family(self.geo)
        cols = patch_matrix(h.data, self.geo, g.shape[2:]) if (g.requires_grad or w.requires_grad) else None
        gg = conv.apply(h, w, geo=self.geo, size=g.shape[2:], cols=cols) if g.requires_grad else None
        gw = weight.apply(h, g, geo=self.geo, cols=cols) if w.requires_grad else None
        if len(self.inputs) == 2:
            return gg, gw
        return gg, gw, (_bias_grad(h) if self.inputs[2].requires_grad else None)


class Conv2dWeight(Function):
    """The adjoint of Conv2d in W: dW = g cols(x)^T, shape (O, C/groups, *kernel).

    For an upstream gradient H of dW:  dL/dx = conv_transpose2d(g, H),  dL/dg = conv2d(x, H).
    """

    name = "conv2d_weight"

    def forward(self, x, g, *, geo, cols=None):
        self.geo = geo
        self.cols = patch_matrix(x, geo, g.shape[2:]) if cols is None else cols
        return self.cols.correlate(g, x.shape[1] // geo.groups)

    def backward(self, hw):
        x, g = self.inputs
        conv, transpose, _ = _family(self.geo)
        gx = transpose.apply(g, hw, geo=self.geo, size=x.shape[2:]) if x.requires_grad else None
        gg = conv.apply(x, hw, geo=self.geo, size=g.shape[2:], cols=self.cols) if g.requires_grad else None
        return gx, gg


class Conv3dOp(Conv2dOp):
    """Conv2dOp on three spatial axes (N, C, D, H, W)."""

    name = "conv3d"


class ConvTranspose3dOp(ConvTranspose2dOp):
    """ConvTranspose2dOp on three spatial axes."""

    name = "conv_transpose3d"


class Conv3dWeight(Conv2dWeight):
    """Conv2dWeight on three spatial axes."""

    name = "conv3d_weight"


_FAMILIES = {2: (Conv2dOp, ConvTranspose2dOp, Conv2dWeight), 3: (Conv3dOp, ConvTranspose3dOp, Conv3dWeight)}


# ---- argument checks -----------------------------------------------------------------------------
_LAYOUTS = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _tuple(value, n: int, name: str, op: str, minimum: int) -> tuple:
    """An int (NumPy's too) or a sequence of n ints as n Python ints. A float or another type is a
    TypeError, as in PyTorch; a sequence of the wrong length or a value below ``minimum`` is a RuntimeError."""
    if _is_int(value):
        values = (int(value),) * n
    elif isinstance(value, (tuple, list)) and all(_is_int(v) for v in value):
        values = tuple(int(v) for v in value)
        if len(values) == 1 and n > 1:
            values = values * n
    else:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if len(values) != n:
        raise ArgumentError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if min(values) < minimum:
        raise ArgumentError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return values


def _operands(op, x, weight, bias, ndim):
    """Tensors of one dtype (floating, or integer as PyTorch computes it too), of the ranks the op takes."""
    x, weight = as_tensor(x), as_tensor(weight)
    if x.ndim not in (ndim - 1, ndim):
        raise ArgumentError(f"{op}: expected a {ndim}-D input {_LAYOUTS[ndim]} or an unbatched {ndim - 1}-D one, "
                            f"got shape {tuple(x.shape)}")
    if weight.ndim != ndim:
        raise ArgumentError(f"{op}: expected a {ndim}-D weight, got shape {tuple(weight.shape)}")
    if x.dtype != weight.dtype:
        raise DtypeError(f"{op}: input and weight must have the same dtype, got {x.dtype} and {weight.dtype}")
    integers = ("int64",) if "transpose" in op else ("uint8", "int8", "int16", "int32", "int64")
    if x.dtype.kind != "f" and x.dtype.name not in integers:
        raise DtypeError(f"{op}: input dtype must be floating point or one of {', '.join(integers)}, "
                                f"got {x.dtype}")
    if bias is not None:
        bias = as_tensor(bias)
        if bias.dtype != x.dtype:
            raise DtypeError(f"{op}: bias dtype {bias.dtype} differs from the input dtype {x.dtype}")
    if min(weight.shape) < 1:
        raise ArgumentError(f"{op}: weight must have no empty dimension, got shape {tuple(weight.shape)}")
    return x, weight, bias


def _check_bias(op, shape, channels):
    if shape is not None and tuple(shape) != (channels,):
        raise ArgumentError(f"{op}: bias must have shape ({channels},), got {tuple(shape)}")


def _line(value, name: str, op: str, height_value: int) -> tuple:
    """A 1-D argument as the (height, width) pair of the 2-D op that runs it on a height of 1."""
    return (height_value, _tuple(value, 1, name, op, 0)[0])


def _check_groups(op, channels, weight_shape, groups, transposed):
    if not _is_int(groups):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    if groups < 1:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")
    if transposed:
        expected, per_group = weight_shape[0], weight_shape[0]
    else:
        expected, per_group = weight_shape[1] * groups, weight_shape[1]
    if channels % groups or weight_shape[0] % groups:
        raise ArgumentError(f"{op}: groups={groups} must divide the input channels ({channels}) and the "
                            f"{'input' if transposed else 'output'} channels of the weight (weight shape "
                            f"{tuple(weight_shape)})")
    if channels != expected:
        detail = "" if groups == 1 or transposed else f" = {per_group} x groups {groups}"
        raise ArgumentError(f"{op}: input has {channels} channels, weight expects {expected}{detail} "
                            f"(weight shape {tuple(weight_shape)})")


def _same_padding(op, kernel, stride, dilation):
    if any(s != 1 for s in stride):
        raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride})")
    out = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out += [total // 2, total - total // 2]  # the odd extra pixel goes after, as in PyTorch
    return tuple(out)


def _padding(op, padding, kernel, stride, dilation) -> tuple:
    """(before, after) per spatial axis from an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * len(kernel))
        if padding == "same":
            return _same_padding(op, kernel, stride, dilation)
        raise ArgumentError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    return tuple(p for p in _tuple(padding, len(kernel), "padding", op, 0) for _ in range(2))


def _check_fits(op, geo, spatial, x_shape, w_shape):
    """The dilated kernel must fit in the padded input (``spatial``: the input's sizes as the op runs it)."""
    if min(geo.output_size(*spatial)) < 1:
        span = "x".join(str(d * (k - 1) + 1) for k, d in zip(geo.kernel, geo.dilation))
        padded = "x".join(map(str, geo.padded(spatial)))
        raise ArgumentError(f"{op}: kernel of size {span} (dilated; weight shape {tuple(w_shape)}) "
                            f"is larger than the padded input {padded} (input shape {tuple(x_shape)})")


@memoised
def _conv_geometry(op, spatial, channels, w_shape, b_shape, shapes, stride, padding, dilation, groups) -> Geometry:
    """The checked Geometry of a convolution of ``channels`` input channels with weight ``w_shape``."""
    axes = len(w_shape) - 2
    stride = _tuple(stride, axes, "stride", op, 1)
    dilation = _tuple(dilation, axes, "dilation", op, 1)
    _check_groups(op, channels, shapes[1], groups, transposed=False)
    geo = Geometry(w_shape[2:], stride, dilation, _padding(op, padding, w_shape[2:], stride, dilation), groups)
    _check_fits(op, geo, spatial, *shapes)
    _check_bias(op, b_shape, w_shape[0])
    return geo


# ---- public functions ----------------------------------------------------------------------------
def _conv(op, x, weight, bias, stride, padding, dilation, groups, shapes) -> Tensor:
    """A batched convolution with 2 or 3 spatial axes (the 1-D one arrives as 2-D)."""
    b_shape = None if bias is None else tuple(bias.shape)
    geo = _conv_geometry(op, tuple(x.shape[2:]), x.shape[1], tuple(weight.shape), b_shape,
                         tuple(map(tuple, shapes)), stride, padding, dilation, groups)
    conv = _family(geo)[0]
    if x.shape[0] == 0:
        return _empty_batch(x, weight, bias, geo.output_size(*x.shape[2:]), weight.shape[0])
    if bias is None:
        return conv.apply(x, weight, geo=geo)
    return conv.apply(x, weight, bias, geo=geo)


def _empty_batch(x, weight, bias, size, channels) -> Tensor:
    """The empty (N, channels, *size) output of a batch of none (or of an empty image): zeros that still
    depend on every operand."""
    zero = (x.sum() + weight.sum() * 0 + (0 if bias is None else bias.sum() * 0)) * 0
    return zero.expand(x.shape[0], channels, *size)


def _unbatched(fn, x, *args):
    """``fn`` on an unbatched input: add the batch axis, run, take it off."""
    return fn(x.unsqueeze(0), *args).squeeze(0)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D cross-correlation of (N, C, D, H, W) input with (O, C/groups, kd, kh, kw) weight -> (N, O, Do, Ho, Wo).

    Each output size is floor((n + 2 padding - dilation (k - 1) - 1) / stride) + 1; ``padding`` may be
    'same' or 'valid'.
    """
    x, weight, bias = _operands("conv3d", input, weight, bias, 5)
    if x.ndim == 4:
        return _unbatched(conv3d, x, weight, bias, stride, padding, dilation, groups)
    return _conv("conv3d", x, weight, bias, stride, padding, dilation, groups, (x.shape, weight.shape))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) weight -> (N, O, Ho, Wo).

    Ho = floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1; ``padding`` may be 'same' or 'valid'.
    """
    x, weight, bias = _operands("conv2d", input, weight, bias, 4)
    if x.ndim == 3:
        return _unbatched(conv2d, x, weight, bias, stride, padding, dilation, groups)
    return _conv("conv2d", x, weight, bias, stride, padding, dilation, groups, (x.shape, weight.shape))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D cross-correlation of (N, C, L) input with (O, C/groups, k) weight: conv2d on a height of 1."""
    x, weight, bias = _operands("conv1d", input, weight, bias, 3)
    if x.ndim == 2:
        return _unbatched(conv1d, x, weight, bias, stride, padding, dilation, groups)
    op = "conv1d"
    padding = padding if isinstance(padding, str) else _line(padding, "padding", op, 0)
    y = _conv(op, x.unsqueeze(2), weight.unsqueeze(2), bias, _line(stride, "stride", op, 1), padding,
              _line(dilation, "dilation", op, 1), groups, (x.shape, weight.shape))
    return y.squeeze(2)


def _conv_transpose(op, x, weight, bias, stride, padding, output_padding, groups, dilation, shapes):
    """A batched transposed convolution with 2 or 3 spatial axes."""
    axes = weight.ndim - 2
    stride = _tuple(stride, axes, "stride", op, 1)
    dilation = _tuple(dilation, axes, "dilation", op, 1)
    pad = _tuple(padding, axes, "padding", op, 0)
    extra = _tuple(output_padding, axes, "output_padding", op, 0)
    _check_groups(op, x.shape[1], shapes[1], groups, transposed=True)
    _check_bias(op, None if bias is None else bias.shape, weight.shape[1] * groups)
    for e, s, d in zip(extra, stride, dilation):
        if e >= max(s, d):
            raise ArgumentError(f"{op}: output_padding {output_padding!r} must be smaller than the stride "
                                f"{stride} or the dilation {dilation}")
    kernel = tuple(weight.shape[2:])
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                 for n, s, p, d, k, e in zip(x.shape[2:], stride, pad, dilation, kernel, extra))
    empty_allowed = axes == 3 and x.dtype == "float32"  # PyTorch's float32 3-D kernel returns empty outputs
    if min(size) < (0 if empty_allowed else 1) or min(x.shape[2:]) < 1:
        raise ArgumentError(f"{op}: the output would be empty ({'x'.join(map(str, size))}) for input shape "
                            f"{tuple(shapes[0])}, weight shape {tuple(shapes[1])}, stride {stride}, padding {pad}")
    geo = Geometry(kernel, stride, dilation, tuple(p for p in pad for _ in range(2)), groups)
    if x.shape[0] == 0 or min(size) == 0:
        return _empty_batch(x, weight, bias, size, weight.shape[1] * groups)
    transpose = _family(geo)[1]
    if bias is None:
        return transpose.apply(x, weight, geo=geo, size=size)
    return transpose.apply(x, weight, bias, geo=geo, size=size)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """The adjoint (gradient) of conv3d in its input: (N, C, D, H, W) with (C, O/groups, kd, kh, kw) weight
    -> (N, O, Do, Ho, Wo), each size (n - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""
    x, weight, bias = _operands("conv_transpose3d", input, weight, bias, 5)
    if x.ndim == 4:
        return _unbatched(conv_transpose3d, x, weight, bias, stride, padding, output_padding, groups, dilation)
    return _conv_transpose("conv_transpose3d", x, weight, bias, stride, padding, output_padding, groups,
                           dilation, (x.shape, weight.shape))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """The adjoint (gradient) of conv2d in its input: (N, C, H, W) with (C, O/groups, kh, kw) weight
    -> (N, O, Ho, Wo), Ho = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1."""
    x, weight, bias = _operands("conv_transpose2d", input, weight, bias, 4)
    if x.ndim == 3:
        return _unbatched(conv_transpose2d, x, weight, bias, stride, padding, output_padding, groups, dilation)
    return _conv_transpose("conv_transpose2d", x, weight, bias, stride, padding, output_padding, groups,
                           dilation, (x.shape, weight.shape))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """conv_transpose2d on a height of 1: (N, C, L) with (C, O/groups, k) weight -> (N, O, Lo)."""
    x, weight, bias = _operands("conv_transpose1d", input, weight, bias, 3)
    if x.ndim == 2:
        return _unbatched(conv_transpose1d, x, weight, bias, stride, padding, output_padding, groups, dilation)
    op = "conv_transpose1d"
    y = _conv_transpose(op, x.unsqueeze(2), weight.unsqueeze(2), bias, _line(stride, "stride", op, 1),
                        _line(padding, "padding", op, 0), _line(output_padding, "output_padding", op, 0), groups,
                        _line(dilation, "dilation", op, 1), (x.shape, weight.shape))
    return y.squeeze(2)
