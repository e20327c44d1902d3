"""Reductions over all axes or over ``dim`` (alias ``axis``), with ``keepdim``.

The backward of a sum broadcasts the gradient back; max/min send it to the extreme elements
(shared equally among ties), logsumexp's derivative is the softmax.
"""
from __future__ import annotations

from collections import namedtuple

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import constant, normalize_axis, pick_axis, recording, tensor_method
from .arithmetic import maximum, minimum
from ..errors import ArgumentError, DtypeError

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _kept_shape(shape, axes):
    return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    name = "sum"

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, g):
        shape = self.inputs[0].shape
        kept = g.shape if self.keepdim or self.axes is None else _kept_shape(shape, self.axes)
        if not recording():  # a fresh, writable array (NumPy's broadcast_to costs more on small tensors)
            out = xp.empty(shape, dtype=g.data.dtype)
            out[...] = g.data if self.axes is None else g.data.reshape(kept)
            return (constant(out),)
        return (g.reshape(_kept_shape(shape, self.axes)).expand(shape),)


class Max(Function):
    """The maximum; the gradient goes to the elements equal to it (shared equally among ties)."""

    name = "max"
    reduce = staticmethod(xp.max)

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        if x.size == 0:
            raise ArgumentError(f"{self.name}: cannot reduce an empty tensor of shape {x.shape}")
        self.y = self.reduce(x, axis=axes, keepdims=True)
        if keepdim:
            return self.y
        return self.y.reshape(tuple(n for i, n in enumerate(x.shape) if not (axes is None or i in axes)))

    def backward(self, g):
        x = self.inputs[0]
        mask = x.data == self.y
        share = mask / mask.sum(axis=self.axes, keepdims=True)
        if not self.keepdim:
            g = g.reshape(self.y.shape)
        return (g * constant(share.astype(x.dtype)),)


class Min(Max):
    """The minimum; the gradient goes to the elements equal to it (shared equally among ties)."""

    name = "min"
    reduce = staticmethod(xp.min)


class Prod(Function):
    """d prod(x) / dx_i = product of the other elements (exclusive cumulative products, safe at 0)."""

    name = "prod"

    def forward(self, x, axis, keepdim):
        self.axis, self.keepdim = axis, keepdim
        return x.prod(axis=axis, keepdims=keepdim)

    def backward(self, g):
        x = self.inputs[0]
        if recording() and bool((x.data != 0).all()):
            return (_g_kept(g, x.shape, self.axis, self.keepdim) * x.prod(self.axis, keepdim=True) / x,)
        data = x.data.reshape(-1) if self.axis is None else xp.moveaxis(x.data, self.axis, -1)
        ones = xp.ones(data.shape[:-1] + (1,), dtype=data.dtype)
        left = xp.cumprod(xp.concatenate([ones, data[..., :-1]], -1), -1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(data, -1)[..., :-1]], -1), -1), -1)
        others = left * right
        others = others.reshape(x.shape) if self.axis is None else xp.moveaxis(others, -1, self.axis)
        return (_g_kept(g, x.shape, self.axis, self.keepdim) * constant(others),)


def _g_kept(g, shape, axis, keepdim):
    axes = None if axis is None else (axis,)
    return g if keepdim else g.reshape(_kept_shape(shape, axes))


class LogSumExp(Function):
    """logsumexp(x) = m + ln sum exp(x - m), m = max x;  derivative softmax(x)."""

    name = "logsumexp"

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        m = x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        y = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        self.y = y
        return y if keepdim else y.reshape(tuple(n for i, n in enumerate(y.shape) if i not in axes))

    def backward(self, g):
        x = self.inputs[0]
        if not self.keepdim:
            g = g.reshape(self.y.shape)
        if recording():
            return (g * (x - logsumexp(x, self.axes, keepdim=True)).exp(),)
        return (g * constant(xp.exp(x.data - self.y)),)


# ---- public functions ------------------------------------------------------------------------
@tensor_method()
def sum(x: Tensor, dim=None, keepdim: bool = False, axis=None, dtype=None) -> Tensor:  # noqa: A001
    axes = normalize_axis(pick_axis(dim, axis), x.ndim, "sum")
    if x.data.dtype.kind in "bi" and dtype is None:
        return Tensor._wrap(x.data.sum(axis=axes, keepdims=keepdim))
    return Sum.apply(x if dtype is None else x.astype(dtype), axes=axes, keepdim=keepdim)


@tensor_method()
def mean(x: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    axes = normalize_axis(pick_axis(dim, axis), x.ndim, "mean")
    if x.data.dtype.kind != "f":
        raise DtypeError(f"mean: input dtype must be floating point, got {x.dtype}")
    count = x.data.size if axes is None else int(xp.prod([x.shape[a] for a in axes]))
    return Sum.apply(x, axes=axes, keepdim=keepdim) * (1.0 / count if count else float("nan"))


def _extreme(x, dim, keepdim, axis, op, arg_reduce, other, binary):
    if other is not None or (isinstance(dim, Tensor)):
        return binary(x, other if other is not None else dim)
    dim = pick_axis(dim, axis)
    if dim is None:
        return op.apply(x, axes=None, keepdim=False)
    (axis,) = normalize_axis(dim, x.ndim, op.name)
    values = op.apply(x, axes=(axis,), keepdim=keepdim)
    indices = Tensor._wrap(arg_reduce(x.data, axis=axis, keepdims=keepdim))
    return ValuesIndices(values, indices)


@tensor_method()
def max(x: Tensor, dim=None, keepdim: bool = False, axis=None, other=None):  # noqa: A001
    """Like PyTorch: ``max(x)`` a tensor; ``max(x, dim)`` (values, indices); ``max(x, y)`` elementwise."""
    return _extreme(x, dim, keepdim, axis, Max, xp.argmax, other, maximum)


@tensor_method()
def min(x: Tensor, dim=None, keepdim: bool = False, axis=None, other=None):  # noqa: A001
    return _extreme(x, dim, keepdim, axis, Min, xp.argmin, other, minimum)


@tensor_method()
def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return Max.apply(x, axes=normalize_axis(dim, x.ndim, "amax"), keepdim=keepdim)


@tensor_method()
def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return Min.apply(x, axes=normalize_axis(dim, x.ndim, "amin"), keepdim=keepdim)


@tensor_method()
def var(x: Tensor, dim=None, keepdim: bool = False, unbiased=None, correction=None, axis=None) -> Tensor:
    """sum (x - mean)^2 / (n - correction); correction 1 (unbiased, PyTorch's default) or 0."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_axis(pick_axis(dim, axis), x.ndim, "var")
    count = x.data.size if axes is None else int(xp.prod([x.shape[a] for a in axes]))
    centered = x - mean(x, axes, keepdim=True)
    scale = 1.0 / (count - correction) if count > correction else float("nan")
    return sum(centered * centered, axes, keepdim=keepdim) * scale


@tensor_method()
def std(x: Tensor, dim=None, keepdim: bool = False, unbiased=None, correction=None, axis=None) -> Tensor:
    return var(x, dim, keepdim, unbiased, correction, axis).sqrt()


@tensor_method()
def prod(x: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    dim = pick_axis(dim, axis)
    axis_ = None if dim is None else normalize_axis(dim, x.ndim, "prod")[0]
    return Prod.apply(x, axis=axis_, keepdim=keepdim)


@tensor_method()
def logsumexp(x: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    axes = normalize_axis(pick_axis(dim, axis), x.ndim, "logsumexp")
    return LogSumExp.apply(x, axes=axes if axes is not None else tuple(range(x.ndim)), keepdim=keepdim)


@tensor_method()
def argmax(x: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    dim = pick_axis(dim, axis)
    return Tensor._wrap(xp.asarray(xp.argmax(x.data, axis=dim, keepdims=keepdim if dim is not None else False)))


@tensor_method()
def argmin(x: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    dim = pick_axis(dim, axis)
    return Tensor._wrap(xp.asarray(xp.argmin(x.data, axis=dim, keepdims=keepdim if dim is not None else False)))


@tensor_method()
def norm(x: Tensor, p=2, dim=None, keepdim: bool = False) -> Tensor:
    """The p-norm (2 by default) over all elements or ``dim``."""
    if p == 2:
        return sum(x * x, dim, keepdim).sqrt()
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    return sum(x.abs() ** p, dim, keepdim) ** (1.0 / p)
