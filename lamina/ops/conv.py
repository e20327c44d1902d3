"""Convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d (PyTorch's signatures, NCHW).

    y[n, o, a, b] = bias[o] + sum_{c,i,j} W[o, c, i, j] x_pad[n, c, a*s + i*d, b*s + j*d]

(a cross-correlation, as in every framework). It is computed as one matrix product: the patches of
x that the output pixels see are copied into a patch matrix ``cols`` (im2col: one row per (c, i, j),
one column per output pixel), and Y = W cols. The two gradients are the two other products:

    dL/dx = col2im(W^T dY)   the adjoint of the convolution in x: ``conv_transpose2d(dY, W)``
    dL/dW = dY cols^T        the correlation of x with dY

The three maps (convolution, its adjoint in x, its adjoint in W) are bilinear, and the gradients of
each are the other two; so each backward calls the others and all three can be differentiated again.
The 1-D ops are the 2-D ones on a height of 1.

The array work (patch matrices in batch-innermost layout, col2im, chunked GEMMs) is in
``lamina/kernels/patches.py``; outputs are NCHW views of (C, H, W, N) memory, which the next
convolution or pooling reads without a copy.
"""
from __future__ import annotations

from ..autograd import Function
from ..kernels.layout import nchw_view
from ..kernels.patches import Geometry, channel_sums, patch_matrix, transposed_patches
from ..tensor import Tensor
from ._util import as_tensor, constant, memoised, recording
from ..errors import ArgumentError, DtypeError


def _bias_grad(g: Tensor) -> Tensor:
    """dL/dbias = dY summed over N, H, W."""
    return g.sum((0, 2, 3)) if recording() else constant(channel_sums(g.data))


# ---- the three bilinear maps -------------------------------------------------------------------
class Conv2dOp(Function):
    """Y = W cols(x) (+ bias);  dL/dx = conv_transpose2d(dY, W),  dL/dW = dY cols(x)^T,  dL/db = sum dY."""

    name = "conv2d"

    def forward(self, x, w, b=None, *, geo, size=None, cols=None):
        size = size or geo.output_size(x.shape[2], x.shape[3])
        self.geo, self.cols = geo, (patch_matrix(x, geo, size) if cols is None else cols)
        y = self.cols.project(w)
        if b is not None:
            y += b[:, None]
        return nchw_view(y, w.shape[0], size, x.shape[0])

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        gx = ConvTranspose2dOp.apply(g, w, geo=self.geo, size=x.shape[2:]) if x.requires_grad else None
        gw = Conv2dWeight.apply(x, g, geo=self.geo, cols=self.cols) if w.requires_grad else None
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
        x = transposed_patches(g, w, geo, size)
        if b is not None:
            x += b[:, None, None, None]
        return x.transpose(3, 0, 1, 2)

    def backward(self, h):
        g, w = self.inputs[0], self.inputs[1]
        cols = patch_matrix(h.data, self.geo, g.shape[2:]) if (g.requires_grad or w.requires_grad) else None
        gg = Conv2dOp.apply(h, w, geo=self.geo, size=g.shape[2:], cols=cols) if g.requires_grad else None
        gw = Conv2dWeight.apply(h, g, geo=self.geo, cols=cols) if w.requires_grad else None
        if len(self.inputs) == 2:
            return gg, gw
        return gg, gw, (_bias_grad(h) if self.inputs[2].requires_grad else None)


class Conv2dWeight(Function):
    """The adjoint of Conv2d in W: dW = g cols(x)^T, shape (O, C/groups, kh, kw).

    For an upstream gradient H of dW:  dL/dx = conv_transpose2d(g, H),  dL/dg = conv2d(x, H).
    """

    name = "conv2d_weight"

    def forward(self, x, g, *, geo, cols=None):
        self.geo = geo
        self.cols = patch_matrix(x, geo, g.shape[2:]) if cols is None else cols
        return self.cols.correlate(g, x.shape[1] // geo.groups)

    def backward(self, hw):
        x, g = self.inputs
        gx = ConvTranspose2dOp.apply(g, hw, geo=self.geo, size=x.shape[2:]) if x.requires_grad else None
        gg = Conv2dOp.apply(x, hw, geo=self.geo, size=g.shape[2:], cols=self.cols) if g.requires_grad else None
        return gx, gg


# ---- argument checks -----------------------------------------------------------------------------
def _tuple(value, n: int, name: str, op: str, minimum: int) -> tuple:
    values = (value,) * n if isinstance(value, int) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(values) != n or not all(isinstance(v, int) for v in values):
        raise ArgumentError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if min(values) < minimum:
        raise ArgumentError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return values


def _operands(op, x, weight, bias, ndim):
    """Tensors of one floating dtype, of the ranks the op takes."""
    x, weight = as_tensor(x), as_tensor(weight)
    if x.ndim not in (ndim - 1, ndim):
        layout = "(N, C, H, W)" if ndim == 4 else "(N, C, L)"
        raise ArgumentError(f"{op}: expected a {ndim}-D input {layout} or an unbatched {ndim - 1}-D one, "
                         f"got shape {x.shape}")
    if weight.ndim != ndim:
        raise ArgumentError(f"{op}: expected a {ndim}-D weight, got shape {weight.shape}")
    if x.dtype.kind != "f" or x.dtype != weight.dtype:
        raise DtypeError(f"{op}: input and weight must have the same floating dtype, got {x.dtype} and {weight.dtype}")
    if bias is not None:
        bias = as_tensor(bias)
        if bias.dtype != x.dtype:
            raise DtypeError(f"{op}: bias dtype {bias.dtype} differs from the input dtype {x.dtype}")
    return x, weight, bias


def _check_bias(op, shape, channels):
    if shape is not None and tuple(shape) != (channels,):
        raise ArgumentError(f"{op}: bias must have shape ({channels},), got {tuple(shape)}")


def _line(value, name: str, op: str, height_value: int) -> tuple:
    """A 1-D argument as the (height, width) pair of the 2-D op that runs it on a height of 1."""
    return (height_value, _tuple(value, 1, name, op, 0)[0])


def _check_groups(op, channels, weight_shape, groups, transposed):
    if not isinstance(groups, int) or groups < 1:
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
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            return _same_padding(op, kernel, stride, dilation)
        raise ArgumentError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    ph, pw = _tuple(padding, 2, "padding", op, 0)
    return (ph, ph, pw, pw)


def _check_fits(op, geo, x_shape, w_shape):
    ho, wo = geo.output_size(x_shape[-2], x_shape[-1])
    if ho < 1 or wo < 1:
        (kh, kw), (dh, dw), (top, bottom, left, right) = geo.kernel, geo.dilation, geo.padding
        raise ArgumentError(
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
        return Conv2dOp.apply(x, weight, geo=geo)
    return Conv2dOp.apply(x, weight, bias, geo=geo)


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
            raise ArgumentError(f"{op}: output_padding {output_padding!r} must be smaller than the stride "
                             f"{stride} or the dilation {dilation}")
    kernel = tuple(weight.shape[2:])
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                 for n, s, p, d, k, e in zip(x.shape[2:], stride, (ph, pw), dilation, kernel, extra))
    if min(size) < 1:
        raise ArgumentError(f"{op}: the output would be empty ({size[0]}x{size[1]}) for input shape {tuple(shapes[0])}, "
                         f"weight shape {tuple(shapes[1])}, stride {stride}, padding {(ph, pw)}")
    geo = Geometry(kernel, stride, dilation, (ph, ph, pw, pw), groups)
    if bias is None:
        return ConvTranspose2dOp.apply(x, weight, geo=geo, size=size)
    return ConvTranspose2dOp.apply(x, weight, bias, geo=geo, size=size)


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
