"""Reductions over all axes or over ``dim`` (alias ``axis``), with ``keepdim``, as PyTorch computes them:
sum, nansum, mean, nanmean, prod, max, min, amax, amin, aminmax, argmax, argmin, var, std, var_mean, std_mean,
logsumexp, norm, all, any, count_nonzero, and the order statistics median, nanmedian, mode, quantile,
nanquantile (sorting itself is in ``sorting.py``).

The backward of a sum broadcasts the gradient back; ``max()``/``amax``/``median()`` send it to the elements
equal to the result (shared equally among ties), ``max(x, dim)``/``median(x, dim)``/... to the one element
their index names; logsumexp's derivative is the softmax. PyTorch's conventions, checked against it:
- ``dim``: an int (NumPy integers too) or, where PyTorch allows, a tuple of them; ``()`` means every dim; a
  0-d tensor takes dim 0 and -1; out of range raises ``DimensionError`` (an IndexError), a repeated dim
  ``ArgumentError``; ``keepdim`` must be a bool (TypeError).
- empty reductions: sum 0, prod 1, mean/var nan, logsumexp -inf; max/min/argmax of an empty dim raise.
- integer and bool inputs: sum/prod give int64, mean/var/std/norm need floating point (``DtypeError``).
- NaN propagates through max/min/median; argmax/argmin and the indices point at the first NaN.
"""
from __future__ import annotations

import builtins
import operator
from collections import namedtuple

from ..autograd import Function
from ..backend import as_dtype, xp
from ..tensor import Tensor
from ._util import constant, pick_axis, recording, tensor_method
from .arithmetic import lerp, maximum, minimum, where
from .conversion import cast
from ..errors import ArgumentError, DimensionError, DtypeError

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
MinMax = namedtuple("MinMax", ["min", "max"])

_INT64 = xp.int64


# ---- argument checks ----------------------------------------------------------------------------
def _input(op, value):
    """The input tensor; PyTorch's reductions take no lists or numbers (TypeError)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(value).__name__}")
    return value


def _check_keepdim(op, keepdim):
    if not isinstance(keepdim, (bool, xp.bool_)):
        raise TypeError(f"{op}(): argument 'keepdim' must be bool, not {type(keepdim).__name__}")
    return bool(keepdim)


def _one_dim(op, d, ndim):
    """One dim as a non-negative int, checked against PyTorch's range [-max(ndim, 1), max(ndim, 1) - 1]."""
    try:
        if isinstance(d, (bool, xp.bool_)):
            raise TypeError
        d = operator.index(d)
    except TypeError:
        raise TypeError(f"{op}(): argument 'dim' must be an int or a tuple of ints, not {type(d).__name__}") from None
    bound = builtins.max(ndim, 1)
    if not -bound <= d < bound:
        raise DimensionError(f"{op}(): dim {d} is out of range for a tensor with {ndim} dimensions (Dimension out of "
                             f"range: expected to be in range of [{-bound}, {bound - 1}])")
    return d % bound


def _dims(op, dim, ndim, many=True, empty_is_all=True):
    """``dim`` as a tuple of distinct non-negative dims, or None for every dim (``dim=None``, and ``()`` unless
    ``empty_is_all=False``: all/any reduce nothing over ``()``).

    ``many=False``: only a single int is accepted (PyTorch's max, prod, argmax, sort, ...)."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if not many:
            raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
        out = []
        for d in dim:
            d = _one_dim(op, d, ndim)
            if d in out:
                raise ArgumentError(f"{op}(): dim {d} appears multiple times in the list of dims")
            out.append(d)
        return tuple(out) or (None if empty_is_all else ())
    return (_one_dim(op, dim, ndim),)


def _np_axes(axes, ndim):
    """The ``axis`` NumPy takes for ``axes``: () on a 0-d array (dim 0 of a scalar reduces nothing)."""
    return () if ndim == 0 else axes


def _count(shape, axes):
    """How many elements each reduction over ``axes`` (None: all) combines."""
    n = 1
    for i, size in enumerate(shape):
        if axes is None or i in axes:
            n *= size
    return n


def _reduced_shape(shape, axes, keepdim):
    if keepdim:
        return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if not (axes is None or i in axes))


def _kept_shape(shape, axes):
    return _reduced_shape(shape, axes, True)


def _floating(op, x, what="input dtype must be floating point"):
    if x.data.dtype.kind != "f":
        raise DtypeError(f"{op}(): {what}, got {x.dtype}")


def _with_dtype(op, x, dtype):
    """x cast to ``dtype=`` (PyTorch casts the input before reducing)."""
    return x if dtype is None else cast(x, as_dtype(dtype))


def _half_in_float(reduce):
    """``reduce(x, ...)`` computed in float32 for a float16 x and cast back, as PyTorch accumulates half sums in
    float (so that 300 ** 2 or 60000 + 60000 inside the reduction do not overflow)."""
    def run(x, *args, **kwargs):
        if x.data.dtype != xp.float16:
            return reduce(x, *args, **kwargs)
        out = reduce(cast(x, xp.float32), *args, **kwargs)
        with xp.errstate(over="ignore"):  # beyond float16's range: inf, as PyTorch
            return tuple(cast(o, xp.float16) for o in out) if isinstance(out, tuple) else cast(out, xp.float16)

    return run


class _EveryDim:
    """The default ``dim`` of ops where PyTorch refuses an explicit ``dim=None`` (max, min, prod, median)."""

    def __repr__(self):
        return "<every dim>"


_EVERY_DIM = _EveryDim()


def _dim_or_every(op, dim, axis=None):
    """``dim`` as the reductions take it (None: every dim); an explicit None is PyTorch's TypeError here."""
    if dim is None:
        raise TypeError(f"{op}(): argument 'dim' must be int, not NoneType (leave dim out to reduce every element)")
    return axis if dim is _EVERY_DIM else dim


def _nonempty(op, x, axes):
    """PyTorch's errors for a max-like reduction with no identity over an empty tensor or dim."""
    if x.data.size == 0:
        if axes is None:
            raise ArgumentError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0")
        for a in axes:
            if x.shape[a] == 0:
                raise DimensionError(f"{op}(): Expected reduction dim {a} to have non-zero size")


# ---- selecting along a dim: the gradient of indices ---------------------------------------------
class TakeAlong(Function):
    """y = take_along_axis(x, index, axis);  dL/dx puts dL/dy back at the indices (zeros elsewhere)."""

    name = "take_along_dim"

    def forward(self, x, index, axis, shape):
        self.index, self.axis = index, axis
        return xp.take_along_axis(x, index, axis=axis).reshape(shape)

    def backward(self, g):
        x = self.inputs[0]
        return (PutAlong.apply(g, index=self.index, axis=self.axis, shape=x.shape),)


class PutAlong(Function):
    """The adjoint of TakeAlong: g placed at ``index`` along ``axis`` in zeros of ``shape`` (indices distinct)."""

    name = "put_along_dim"

    def forward(self, g, index, axis, shape):
        self.index, self.axis, self.g_shape = index, axis, g.shape
        out = xp.zeros(shape, dtype=g.dtype)
        xp.put_along_axis(out, index, g.reshape(index.shape), axis=axis)
        return out

    def backward(self, gg):
        return (TakeAlong.apply(gg, index=self.index, axis=self.axis, shape=self.g_shape),)


def _take(x, index, axis, shape):
    """x's elements at ``index`` (an array of x's ndim) along ``axis``, reshaped; differentiable in x."""
    if x.data.dtype.kind != "f":
        return Tensor._wrap(xp.take_along_axis(x.data, index, axis=axis).reshape(shape))
    return TakeAlong.apply(x, index=index, axis=axis, shape=shape)


def _select_at(x, positions_of, axis, keepdim, op):
    """(values, indices) of the element each slice along ``axis`` picks: ``positions_of(array, axis)`` returns
    the index (keepdims) of the chosen element; the gradient goes to that element only."""
    data = x.data
    if x.ndim == 0:
        index = xp.zeros((), dtype=_INT64)
        return ValuesIndices(_take(x.reshape(1), index.reshape(1), 0, ()), Tensor._wrap(index))
    _nonempty(op, x, (axis,))
    index = positions_of(data, axis).astype(_INT64, copy=False)
    shape = _reduced_shape(x.shape, (axis,), keepdim)
    return ValuesIndices(_take(x, index, axis, shape), Tensor._wrap(index.reshape(shape)))


def _stable_order(data, axis, descending=False):
    """argsort along ``axis``, stable, NaN as the largest value (PyTorch's order); descending keeps ties in
    their original order too."""
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    flipped = xp.flip(data, axis=axis)
    order = xp.flip(xp.argsort(flipped, axis=axis, kind="stable"), axis=axis)
    return (n - 1) - order


# ---- the differentiable reductions ------------------------------------------------------------
class Sum(Function):
    name = "sum"

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        if x.dtype == xp.float16:  # accumulate in float32 and round once, as PyTorch (float16 sums drift)
            return x.sum(axis=_np_axes(axes, x.ndim), keepdims=keepdim, dtype=xp.float32).astype(xp.float16)
        return x.sum(axis=_np_axes(axes, x.ndim), keepdims=keepdim)

    def backward(self, g):
        shape = self.inputs[0].shape
        kept = _kept_shape(shape, self.axes)
        if not recording():  # a fresh, writable array (NumPy's broadcast_to costs more on small tensors)
            out = xp.empty(shape, dtype=g.data.dtype)
            out[...] = g.data.reshape(kept)
            return (constant(out),)
        return (g.reshape(kept).expand(shape),)


class Max(Function):
    """The maximum; the gradient goes to the elements equal to it, shared equally among ties.

    ``nan_ties``: NaN counts as equal to a NaN result (PyTorch's ``max()``/``min()``); ``amax``/``amin``
    compare with ``==`` only, so a NaN result gives NaN gradients, as PyTorch's do."""

    name = "max"
    reduce = staticmethod(xp.max)

    def forward(self, x, axes, keepdim, nan_ties=True):
        self.axes, self.keepdim, self.nan_ties = axes, keepdim, nan_ties
        self.y = self.reduce(x, axis=_np_axes(axes, x.ndim), keepdims=True)
        return self.y if keepdim else self.y.reshape(_reduced_shape(x.shape, axes, False))

    def backward(self, g):
        x = self.inputs[0]
        mask = x.data == self.y
        if self.nan_ties and x.data.dtype.kind == "f":
            mask |= xp.isnan(x.data) & xp.isnan(self.y)
        with xp.errstate(invalid="ignore", divide="ignore"):
            share = mask / mask.sum(axis=_np_axes(self.axes, x.ndim), keepdims=True)
        if not self.keepdim:
            g = g.reshape(self.y.shape)
        return (g * constant(share.astype(x.dtype)),)


class Min(Max):
    """The minimum; the gradient goes to the elements equal to it (shared equally among ties)."""

    name = "min"
    reduce = staticmethod(xp.min)


def _lower_median(x, axis=None, keepdims=True):
    """PyTorch's median of all elements: the lower of the two middle values; NaN if any is NaN."""
    flat = xp.sort(x.reshape(-1))
    if flat.size == 0:  # nan; an integer tensor has none, PyTorch returns the lowest integer
        empty = xp.nan if x.dtype.kind == "f" else xp.iinfo(x.dtype).min if x.dtype.kind in "iu" else False
        return xp.full((1,) * x.ndim, empty, dtype=x.dtype)
    value = flat[-1] if flat.dtype.kind == "f" and xp.isnan(flat[-1]) else flat[(flat.size - 1) // 2]
    return xp.full((1,) * x.ndim, value, dtype=x.dtype)


class Median(Max):
    """The lower median of all elements; the gradient is shared among the elements equal to it."""

    name = "median"
    reduce = staticmethod(_lower_median)


class Prod(Function):
    """d prod(x) / dx_i = product of the other elements (exclusive cumulative products, safe at 0)."""

    name = "prod"

    def forward(self, x, axis, keepdim):
        self.axis, self.keepdim = axis, keepdim
        return x.prod(axis=axis, keepdims=keepdim)

    def backward(self, g):
        x = self.inputs[0]
        if x.data.size == 0:
            return (constant(xp.zeros(x.shape, dtype=x.data.dtype)),)
        no_zeros = bool((x.data != 0).all())
        if recording() and no_zeros:
            return (_g_kept(g, x.shape, self.axis, self.keepdim) * x.prod(self.axis, keepdim=True) / x,)
        if no_zeros and bool(xp.isnan(x.data).any()):  # PyTorch's prod / x: NaN reaches every element
            y = x.data.prod(axis=self.axis, keepdims=True)
            return (_g_kept(g, x.shape, self.axis, self.keepdim) * constant(y / x.data),)
        data = x.data.reshape(-1) if self.axis is None else xp.moveaxis(x.data, self.axis, -1)
        ones = xp.ones(data.shape[:-1] + (1,), dtype=data.dtype)
        left = xp.cumprod(xp.concatenate([ones, data[..., :-1]], -1), -1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(data, -1)[..., :-1]], -1), -1), -1)
        others = left * right
        others = others.reshape(x.shape) if self.axis is None else xp.moveaxis(others, -1, self.axis)
        return (_g_kept(g, x.shape, self.axis, self.keepdim) * constant(others),)


def _g_kept(g, shape, axis, keepdim):
    return g if keepdim else g.reshape(_kept_shape(shape, None if axis is None else (axis,)))


class LogSumExp(Function):
    """logsumexp(x) = m + ln sum exp(x - m), m = max x;  derivative softmax(x). Empty: -inf."""

    name = "logsumexp"

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        axis = _np_axes(axes, x.ndim)
        if x.size == 0:
            y = xp.full(_kept_shape(x.shape, axes), -xp.inf, dtype=x.dtype)
        else:
            m = x.max(axis=axis, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            with xp.errstate(divide="ignore"):
                y = xp.log(xp.exp(x - m).sum(axis=axis, keepdims=True)) + m
        self.y = y
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes, False))

    def backward(self, g):
        x = self.inputs[0]
        if not self.keepdim:
            g = g.reshape(self.y.shape)
        if recording():
            return (g * (x - logsumexp(x, self.axes, keepdim=True)).exp(),)
        return (g * constant(xp.exp(x.data - self.y)),)


class SafeSqrt(Function):
    """y = sqrt(x) with the derivative 1 / (2 y) taken as 0 where y = 0 (PyTorch's std and norm at a constant
    or zero input give a zero gradient, not NaN)."""

    name = "safe_sqrt"

    def forward(self, x):
        self.y = xp.sqrt(x)
        return self.y

    def backward(self, g):
        zero = self.y == 0
        if recording():
            y = SafeSqrt.apply(self.inputs[0])
            return (g * constant((~zero).astype(g.dtype)) / (y + constant(zero.astype(g.dtype))),)
        with xp.errstate(divide="ignore"):
            slope = xp.where(zero, 0, 0.5 / self.y).astype(g.dtype, copy=False)
        return (g * constant(slope),)


class ZeroNan(Function):
    """x with NaN replaced by 0; no gradient flows to the NaN (nansum, nanmean)."""

    name = "nan_to_zero"

    def forward(self, x):
        self.keep = ~xp.isnan(x)
        return xp.where(self.keep, x, 0)

    def backward(self, g):
        return (g * constant(self.keep.astype(g.dtype)),)


class VectorNorm(Function):
    """||x||_p = (sum |x|^p)^(1/p); inf: max |x|, -inf: min |x|, 0: the count of non-zeros.

    Gradient sign(x) |x|^(p-1) / ||x||^(p-1): x / ||x|| for p = 2, sign(x) for p = 1, sign(x) shared among the
    extreme elements for +-inf, zero for p = 0. PyTorch's subgradient 0 where x = 0 or ||x|| = 0."""

    name = "norm"

    def forward(self, x, p, axes, keepdim):
        self.p, self.axes, self.keepdim = p, axes, keepdim
        axis, a = _np_axes(axes, x.ndim), xp.abs(x)
        if p == 2:
            y = xp.sqrt((x * x).sum(axis=axis, keepdims=True))
        elif p == 1:
            y = a.sum(axis=axis, keepdims=True)
        elif p == xp.inf:
            y = a.max(axis=axis, keepdims=True)
        elif p == -xp.inf:
            y = a.min(axis=axis, keepdims=True)
        elif p == 0:
            y = (x != 0).sum(axis=axis, keepdims=True).astype(x.dtype)
        else:
            with xp.errstate(divide="ignore"):
                y = ((a ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)).astype(x.dtype, copy=False)
        self.y = y
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes, False))

    def backward(self, g):
        x, p = self.inputs[0], self.p
        if not self.keepdim:
            g = g.reshape(self.y.shape)
        zero = self.y == 0
        if recording() and p not in (0, xp.inf, -xp.inf):  # (+-inf and 0 have piecewise constant slopes)
            return (g * self._slope_tensor(x, zero),)
        return (g * constant(self._slope(x.data, zero).astype(x.dtype, copy=False)),)

    def _slope_tensor(self, x, zero):
        """The slope as Tensor ops of x, so that the gradient can be differentiated again."""
        p, dtype = self.p, x.data.dtype
        if p == 1:
            return x.sign()
        y = norm(x, p, self.axes, keepdim=True) + constant(zero.astype(dtype))  # 1 where the norm is 0
        if p == 2:
            return x / y
        at_zero = (x.data == 0) | zero
        ratio = x.abs() / y + constant(at_zero.astype(dtype))  # 1 where the slope is 0, so that the power is finite
        return x.sign() * ratio ** (p - 1) * constant((~at_zero).astype(dtype))

    def _slope(self, x, zero):
        p, y = self.p, self.y
        if p == 2:
            return x / xp.where(zero, 1, y)
        if p == 1:
            return xp.nan_to_num(xp.sign(x), nan=0.0)  # PyTorch's sign of NaN is 0
        if p == 0:
            return xp.zeros_like(x)
        if p in (xp.inf, -xp.inf):  # shared among the extreme elements; none (a NaN result): 0
            mask = xp.abs(x) == y
            count = mask.sum(axis=_np_axes(self.axes, x.ndim), keepdims=True)
            return xp.nan_to_num(xp.sign(x), nan=0.0) * mask / xp.maximum(count, 1)
        with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = xp.abs(x) / xp.where(zero, 1, y)
            return xp.where((x == 0) | zero, 0, xp.sign(x) * ratio ** (p - 1))


class NuclearNorm(Function):
    """||X||_* = the sum of the singular values of each matrix over ``dims``;  derivative U V^T (reduced SVD
    X = U S V^T; at a rank-deficient X one subgradient, the one PyTorch gives)."""

    name = "norm"

    def forward(self, x, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim
        if not bool(xp.isfinite(x).all()):
            raise ArgumentError("norm(): the SVD of the 'nuc' norm failed to converge: the input holds inf or NaN")
        u, singular, vh = xp.linalg.svd(xp.moveaxis(x, dims, (-2, -1)), full_matrices=False)
        self.uv = u @ vh
        y = singular.sum(axis=-1).astype(x.dtype, copy=False)
        return xp.expand_dims(y, tuple(sorted(dims))) if keepdim else y

    def backward(self, g):
        g = g.data if self.keepdim else xp.expand_dims(g.data, tuple(sorted(self.dims)))
        grad = xp.moveaxis(xp.moveaxis(g, self.dims, (-2, -1)) * self.uv, (-2, -1), self.dims)
        return (constant(grad.astype(g.dtype, copy=False)),)


# ---- public functions ------------------------------------------------------------------------
@tensor_method()
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dims by default); integer and bool inputs sum in int64, as PyTorch."""
    if dim is None and axis is None and keepdim is False and dtype is None and isinstance(input, Tensor) \
            and input.data.dtype.kind == "f":  # the common case (a loss), with nothing to check
        return Sum.apply(input, axes=None, keepdim=False)
    x = _with_dtype("sum", _input("sum", input), dtype)
    keepdim, axes = _check_keepdim("sum", keepdim), _dims("sum", pick_axis(dim, axis), x.ndim)
    if x.data.dtype.kind in "biu":
        out_dtype = x.data.dtype if dtype is not None else _INT64
        return Tensor._wrap(xp.asarray(x.data.sum(axis=_np_axes(axes, x.ndim), keepdims=keepdim, dtype=out_dtype)))
    return Sum.apply(x, axes=axes, keepdim=keepdim)


@tensor_method()
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as 0 (no gradient flows to a NaN)."""
    x = _input("nansum", input)
    if x.data.dtype.kind == "f":
        x = ZeroNan.apply(x)
    return sum(x, dim, keepdim, dtype=dtype)


@tensor_method()
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Mean over ``dim``; floating point only (or ``dtype=`` a floating dtype); empty: nan."""
    x = _input("mean", input)
    if dtype is not None and as_dtype(dtype).kind != "f":
        raise DtypeError(f"mean(): could not infer output dtype. Optional dtype must be floating point, got {dtype}")
    x = _with_dtype("mean", x, dtype)
    _floating("mean", x, "could not infer output dtype. Input dtype must be floating point")
    keepdim, axes = _check_keepdim("mean", keepdim), _dims("mean", pick_axis(dim, axis), x.ndim)
    if x.data.dtype == xp.float16:  # (tested here, not by a wrapper: mean is on every training step's path)
        return _half_in_float(_mean_over)(x, axes, keepdim)
    count = _count(x.shape, axes) if x.ndim else 1
    return Sum.apply(x, axes=axes, keepdim=keepdim) * (1.0 / count if count else float("nan"))


def _mean_over(x, axes, keepdim):
    count = _count(x.shape, axes) if x.ndim else 1
    return Sum.apply(x, axes=axes, keepdim=keepdim) * (1.0 / count if count else float("nan"))


@tensor_method()
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the non-NaN elements (NaN where there are none)."""
    x = _input("nanmean", input)
    _floating("nanmean", x, "expected input to have floating point dtype")
    if dtype is not None and as_dtype(dtype).kind != "f":
        raise DtypeError(f"nanmean(): dtype must be floating point, got {dtype}")
    x = _with_dtype("nanmean", x, dtype)
    keepdim, axes = _check_keepdim("nanmean", keepdim), _dims("nanmean", dim, x.ndim)
    count = (~xp.isnan(x.data)).sum(axis=_np_axes(axes, x.ndim), keepdims=keepdim)
    return nansum(x, dim, keepdim) / constant(xp.asarray(count, dtype=x.data.dtype))


def _extreme(x, dim, keepdim, axis, op, arg_reduce, other, binary):
    if other is not None or isinstance(dim, Tensor):
        return binary(x, other if other is not None else dim)
    x, dim, keepdim = _input(op.name, x), _dim_or_every(op.name, dim, axis), _check_keepdim(op.name, keepdim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{op.name}(): keepdim=True needs a dim")
        _nonempty(op.name, x, None)
        return op.apply(x, axes=None, keepdim=False)
    (axis,) = _dims(op.name, dim, x.ndim, many=False)
    return _select_at(x, lambda data, a: arg_reduce(data, axis=a, keepdims=True), axis, keepdim, op.name)


@tensor_method()
def max(input: Tensor, dim=_EVERY_DIM, keepdim: bool = False, axis=None, other=None):  # noqa: A001
    """Like PyTorch: ``max(x)`` a tensor; ``max(x, dim)`` (values, indices); ``max(x, y)`` elementwise.

    NaN is the largest value: it propagates, and the index points at the first NaN."""
    return _extreme(input, dim, keepdim, axis, Max, xp.argmax, other, maximum)


@tensor_method()
def min(input: Tensor, dim=_EVERY_DIM, keepdim: bool = False, axis=None, other=None):  # noqa: A001
    return _extreme(input, dim, keepdim, axis, Min, xp.argmin, other, minimum)


def _amax_like(op, input, dim, keepdim):
    name, x = "a" + op.name, _input("a" + op.name, input)
    keepdim = _check_keepdim(name, keepdim)
    if x.data.size == 0 and isinstance(dim, (tuple, list)) and x.ndim:  # PyTorch checks sizes before repeats
        _nonempty(name, x, [_one_dim(name, d, x.ndim) for d in dim] or None)
    axes = _dims(name, dim, x.ndim)
    _nonempty(name, x, axes if x.ndim else None)
    return op.apply(x, axes=axes, keepdim=keepdim, nan_ties=False)


@tensor_method()
def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (a tuple allowed); the gradient is shared equally among ties."""
    return _amax_like(Max, input, dim, keepdim)


@tensor_method()
def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return _amax_like(Min, input, dim, keepdim)


@tensor_method()
def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """(min, max) over ``dim`` (or all elements), a namedtuple as PyTorch's."""
    x, keepdim = _input("aminmax", input), _check_keepdim("aminmax", keepdim)
    if dim is not None:
        dim = _one_dim("aminmax", dim, x.ndim)
    if x.data.size == 0 and dim is None:
        raise ArgumentError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                            "identity")
    return MinMax(amin(x, () if dim is None else dim, keepdim), amax(x, () if dim is None else dim, keepdim))


def _correction(op, dim, unbiased, correction):
    """(dim, correction) from PyTorch's forms: var(x, unbiased), var(x, dim, unbiased), correction=."""
    if isinstance(dim, (bool, xp.bool_)):  # var(x, False): the old unbiased-only form
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise TypeError(f"{op}(): cannot specify both 'unbiased' and 'correction'")
    if correction is None:
        return dim, 1 if unbiased is None or unbiased else 0
    if isinstance(correction, (bool, xp.bool_)) or not isinstance(correction, (int, float, xp.integer, xp.floating)):
        raise TypeError(f"{op}(): argument 'correction' must be a number, not {type(correction).__name__}")
    return dim, correction


class OverCorrected(Function):
    """s / max(0, n - correction) when n - correction <= 0: inf (nan for s = 0), PyTorch's value; the gradient
    is still g / (n - correction), PyTorch's (finite when the correction exceeds the count)."""

    name = "over_corrected"

    def forward(self, s, dof):
        self.dof = dof
        with xp.errstate(invalid="ignore"):
            return s * s.dtype.type(xp.inf)  # inf; nan for s = 0 or nan

    def backward(self, g):
        with xp.errstate(divide="ignore", invalid="ignore"):
            return (g / self.dof if self.dof else g * float("inf"),)


def _var(op, x, dim, unbiased, keepdim, correction, root=False):
    x = _input(op, x)
    _floating(op, x, "std and var only support floating point dtypes")
    dim, correction = _correction(op, dim, unbiased, correction)
    keepdim, axes = _check_keepdim(op, keepdim), _dims(op, dim, x.ndim)
    return _var_over(x, axes, keepdim, correction, root)


@_half_in_float
def _var_over(x, axes, keepdim, correction, root):
    """(variance, mean), or (std, mean) with ``root``, over ``axes``."""
    count = _count(x.shape, axes) if x.ndim else 1
    mu = mean(x, axes, keepdim=True)
    centered = x - mu
    dof = count - correction
    with xp.errstate(invalid="ignore"):
        squares = Sum.apply(centered * centered, axes=axes, keepdim=keepdim)
        if count == 0:
            variance = squares * float("nan")
        elif dof > 0:
            variance = squares * (1.0 / dof)
        else:
            variance = OverCorrected.apply(squares, dof=dof)
    return SafeSqrt.apply(variance) if root else variance, (mu if keepdim else mu.reshape(variance.shape))


@tensor_method()
def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None) -> Tensor:
    """sum (x - mean)^2 / max(0, n - correction); correction 1 (unbiased, PyTorch's default) or 0 or any number.

    As PyTorch: n = correction gives nan for equal values (0/0) and inf otherwise; a 0-d tensor gives nan."""
    return _var("var", input, pick_axis(dim, axis), unbiased, keepdim, correction)[0]


@tensor_method()
def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None) -> Tensor:
    """sqrt(var); the gradient at a constant input is 0, as PyTorch's."""
    return _var("std", input, pick_axis(dim, axis), unbiased, keepdim, correction, root=True)[0]


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean), as PyTorch's ``var_mean``."""
    spread, mu = _var("var_mean", input, dim, unbiased, keepdim, correction)
    return spread, _welford_mean(mu, input, _correction("var_mean", dim, unbiased, correction)[0])


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean), as PyTorch's ``std_mean``."""
    spread, mu = _var("std_mean", input, dim, unbiased, keepdim, correction, root=True)
    return spread, _welford_mean(mu, input, _correction("std_mean", dim, unbiased, correction)[0])


def _welford_mean(mu, x, dim):
    """PyTorch computes var_mean's mean with Welford's updates, in which an infinity followed by any other value
    ends as NaN (inf - inf): the mean is NaN there unless the only infinity is the slice's last value."""
    infinite = xp.isinf(mu.data)
    if not infinite.any() or x.ndim == 0:
        return mu
    axes = _dims("var_mean", dim, x.ndim)
    axes = tuple(range(x.ndim)) if axes is None else axes
    rows = xp.moveaxis(x.data, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    rows = rows.reshape(rows.shape[:x.ndim - len(axes)] + (-1,))
    early = xp.isinf(rows[..., :-1]).any(axis=-1).reshape(mu.shape)
    return where(constant(infinite & early), constant(xp.asarray(xp.nan, dtype=mu.data.dtype)), mu)


@tensor_method()
def prod(input: Tensor, dim=_EVERY_DIM, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:
    """Product over one dim (or all); integer and bool inputs multiply in int64; empty: 1."""
    x = _with_dtype("prod", _input("prod", input), dtype)
    keepdim = _check_keepdim("prod", keepdim)
    dims = _dims("prod", _dim_or_every("prod", dim, axis), x.ndim, many=False)
    axis_ = None if dims is None or x.ndim == 0 else dims[0]
    if x.data.dtype.kind in "biu":
        out_dtype = x.data.dtype if dtype is not None else _INT64
        return Tensor._wrap(xp.asarray(x.data.prod(axis=axis_, keepdims=keepdim, dtype=out_dtype)))
    return Prod.apply(x, axis=axis_, keepdim=keepdim)


@tensor_method()
def logsumexp(input: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    """log sum exp over ``dim``, stable; integer inputs give the default float dtype. ``dim`` is required, as in
    PyTorch (``dim=()`` reduces every dim of an empty or 0-d tensor, ``x.logsumexp(tuple(range(x.ndim)))`` all)."""
    x, dim = _input("logsumexp", input), pick_axis(dim, axis)
    if dim is None:
        raise TypeError("logsumexp() missing 1 required positional argument: 'dim'")
    if x.data.dtype.kind != "f":
        x = cast(x, xp.float32)
    if isinstance(dim, (tuple, list)) and not dim and x.ndim and x.data.size and not keepdim:  # as PyTorch
        raise ArgumentError(f"logsumexp(): dim=() on a tensor of shape {tuple(x.shape)}: name the dims to reduce")
    keepdim, axes = _check_keepdim("logsumexp", keepdim), _dims("logsumexp", dim, x.ndim)
    return LogSumExp.apply(x, axes=axes if axes is not None else tuple(range(x.ndim)), keepdim=keepdim)


def _arg_extreme(op, input, dim, keepdim, arg_reduce):
    x = _input(op, input)
    if x.data.dtype.kind == "b":
        raise DtypeError(f"{op}(): does not support bool input")
    keepdim = _check_keepdim(op, keepdim)
    dims = _dims(op, dim, x.ndim, many=False)
    if x.data.size == 0:
        if dims is None:
            raise DimensionError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0")
        _nonempty(op, x, dims if x.ndim else None)
    if dims is None or x.ndim == 0:
        flat = arg_reduce(x.data.reshape(-1))
        return Tensor._wrap(xp.full((1,) * x.ndim if keepdim else (), flat, dtype=_INT64))
    return Tensor._wrap(xp.asarray(arg_reduce(x.data, axis=dims[0], keepdims=keepdim), dtype=_INT64))


@tensor_method()
def argmax(input: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    """Index of the maximum (the first one; the first NaN if any)."""
    return _arg_extreme("argmax", input, pick_axis(dim, axis), keepdim, xp.argmax)


@tensor_method()
def argmin(input: Tensor, dim=None, keepdim: bool = False, axis=None) -> Tensor:
    """Index of the minimum (the first one; the first NaN if any)."""
    return _arg_extreme("argmin", input, pick_axis(dim, axis), keepdim, xp.argmin)


def _bool_reduce(op, input, dim, keepdim, reduce):
    x = _input(op, input)
    keepdim, axes = _check_keepdim(op, keepdim), _dims(op, dim, x.ndim, empty_is_all=False)
    out = reduce(x.data.astype(bool, copy=False), axis=_np_axes(axes, x.ndim), keepdims=keepdim)
    return Tensor._wrap(xp.asarray(out, dtype=xp.uint8 if x.data.dtype == xp.uint8 else bool))


@tensor_method()
def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over ``dim`` is non-zero (uint8 inputs give uint8, as PyTorch)."""
    return _bool_reduce("all", input, dim, keepdim, xp.all)


@tensor_method()
def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element over ``dim`` is non-zero (uint8 inputs give uint8, as PyTorch)."""
    return _bool_reduce("any", input, dim, keepdim, xp.any)


@tensor_method()
def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements over ``dim`` (int64)."""
    x = _input("count_nonzero", input)
    axes = _dims("count_nonzero", dim, x.ndim)
    return Tensor._wrap(xp.asarray((x.data != 0).sum(axis=_np_axes(axes, x.ndim)), dtype=_INT64))


def _norm_order(p):
    if p is None:
        return 2.0
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise ArgumentError(f"norm(): order {p!r} is not supported (use a number, 'fro', 'nuc', inf or -inf)")
        return p
    if isinstance(p, (bool, xp.bool_)) or not isinstance(p, (int, float, xp.integer, xp.floating)):
        raise TypeError(f"norm(): argument 'p' must be a number or 'fro', not {type(p).__name__}")
    return float(p)


@tensor_method()
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The p-norm over all elements or ``dim`` (PyTorch's ``torch.norm``: 'fro' is 2, inf the largest |x|, -inf the
    smallest, 0 the count of non-zeros; 'nuc' the sum of singular values of a matrix). Its gradient at a zero
    input is 0, as PyTorch's."""
    x = _input("norm", input)
    if isinstance(p, str) and p == "fro" and isinstance(dim, xp.integer):  # PyTorch's 'fro' takes len(dim)
        raise TypeError(f"norm(): dim for the 'fro' norm must be an int, a list or a tuple, not {type(dim).__name__}")
    _floating("norm", x, "expected a floating point tensor as input")
    x = _with_dtype("norm", x, dtype)
    p, keepdim = _norm_order(p), _check_keepdim("norm", keepdim)
    axes = _dims("norm", dim, x.ndim)
    if isinstance(p, str):  # a matrix norm: over two dims
        matrix_dims = tuple(range(x.ndim)) if axes is None and p == "nuc" else axes
        if matrix_dims is not None and len(matrix_dims) != 2 and (p == "nuc" or len(matrix_dims) > 2):
            raise ArgumentError(f"norm(): the {p!r} norm needs a 2-D input or dim a 2-tuple, got dims {matrix_dims}")
        if p == "nuc":
            if x.data.dtype.itemsize < 4:
                raise DtypeError(f"norm(): the 'nuc' norm needs float32 or float64, got {x.dtype}")
            return NuclearNorm.apply(x, dims=matrix_dims, keepdim=keepdim)
        p = 2.0
    if (p < 0 or p == xp.inf) and x.data.size == 0:
        if axes is None or builtins.any(x.shape[a] == 0 for a in axes):
            raise ArgumentError(f"norm(): cannot compute the {p} norm on an empty tensor (no identity)")
    return _half_in_float(VectorNorm.apply)(x, p=p, axes=axes, keepdim=keepdim)


# ---- order statistics -------------------------------------------------------------------------
def _median_positions(nan_skipping):
    """positions_of(data, axis) for median/nanmedian: the lower middle of the stably sorted slice (NaN sort
    last). median: the first NaN where a slice has one; nanmedian: the middle of the non-NaN values."""
    def positions_of(data, axis):
        order = _stable_order(data, axis)
        n = data.shape[axis]
        nans = xp.isnan(data).sum(axis=axis, keepdims=True) if data.dtype.kind == "f" else xp.zeros((), _INT64)
        if nan_skipping:
            pos = xp.maximum((n - nans - 1) // 2, 0)
        else:
            pos = xp.where(nans > 0, n - nans, (n - 1) // 2)
        pos = xp.broadcast_to(pos, _kept_shape(data.shape, (axis,))).astype(_INT64)
        return xp.take_along_axis(order, pos, axis=axis)

    return positions_of


def _median(op, input, dim, keepdim, nan_skipping):
    x = _input(op, input)
    keepdim, dims = _check_keepdim(op, keepdim), _dims(op, _dim_or_every(op, dim), x.ndim, many=False)
    if x.data.dtype.kind == "b":
        raise NotImplementedError(f"{op}(): not implemented for bool tensors")
    if dims is None:
        if keepdim:
            raise TypeError(f"{op}(): keepdim=True needs a dim")
        if nan_skipping and x.data.dtype.kind == "f":
            flat = x.reshape(-1)
            valid = xp.flatnonzero(~xp.isnan(flat.data))
            if valid.size == 0:  # all NaN or empty: nan
                return Median.apply(x, axes=None, keepdim=False)
            return median(_take(flat, valid, 0, valid.shape))
        return Median.apply(x, axes=None, keepdim=False)
    return _select_at(x, _median_positions(nan_skipping), dims[0], keepdim, op)


@tensor_method()
def median(input: Tensor, dim=_EVERY_DIM, keepdim: bool = False):
    """The lower median (of two middle values the smaller), as PyTorch. ``median(x)``: a tensor, NaN if any
    element is NaN, nan if empty; ``median(x, dim)``: (values, indices), the index of the median in a stable
    sort (the first NaN where a slice has one); its gradient goes to that element."""
    return _median("median", input, dim, keepdim, nan_skipping=False)


@tensor_method()
def nanmedian(input: Tensor, dim=_EVERY_DIM, keepdim: bool = False):
    """The lower median of the non-NaN values (NaN where a slice is all NaN)."""
    return _median("nanmedian", input, dim, keepdim, nan_skipping=True)


def _mode_positions(data, axis):
    """Index of the most frequent value of each slice: the smallest such value, at its last occurrence."""
    moved = xp.moveaxis(data, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    order = xp.argsort(rows, axis=-1, kind="stable")
    ranked = xp.take_along_axis(rows, order, axis=-1)
    starts = xp.ones(ranked.shape, dtype=bool)
    starts[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    run = xp.cumsum(starts.reshape(-1)).reshape(ranked.shape) - 1  # a global run number for each position
    lengths = xp.bincount(run.reshape(-1))
    count = lengths[run]
    first = xp.argmax(count, axis=-1)  # the first run of the largest count: the smallest most frequent value
    last = first + count[xp.arange(len(rows)), first] - 1  # stable order: the run's last original index
    index = order[xp.arange(len(rows)), last].reshape(moved.shape[:-1] + (1,))
    return xp.moveaxis(index, -1, axis)


@tensor_method()
def mode(input: Tensor, dim=-1, keepdim: bool = False):
    """(values, indices): the most frequent value along ``dim`` (the smallest among equally frequent ones) and
    the index of its last occurrence, as PyTorch on CPU."""
    x = _input("mode", input)
    keepdim, (axis,) = _check_keepdim("mode", keepdim), _dims("mode", dim, x.ndim, many=False)
    return _select_at(x, _mode_positions, axis, keepdim, "mode")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(op, input, q, dim, keepdim, interpolation, nan_skipping):
    x, keepdim = _input(op, input), _check_keepdim(op, keepdim)
    if not isinstance(q, (Tensor, int, float, xp.integer, xp.floating)) or isinstance(q, (bool, xp.bool_)):
        raise TypeError(f"{op}(): q must be a number or a tensor, not {type(q).__name__}")
    dims = _dims(op, dim, x.ndim, many=False)
    if x.data.dtype.kind != "f" or x.data.dtype.itemsize < 4:
        raise DtypeError(f"{op}(): input tensor must be either float or double dtype, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ArgumentError(f"{op}(): interpolation must be one of {', '.join(_INTERPOLATIONS)}, got {interpolation!r}")
    if isinstance(q, Tensor) and q.data.dtype != x.data.dtype:
        raise DtypeError(f"{op}(): q tensor must be of the input's dtype {x.dtype}, got {q.dtype}")
    qs = q.data if isinstance(q, Tensor) else xp.asarray(q, dtype=x.data.dtype)
    if qs.ndim > 1:
        raise ArgumentError(f"{op}(): q must be a scalar or 1D tensor, got {qs.ndim} dimensions")
    if qs.size and not bool(((qs >= 0) & (qs <= 1)).all()):
        raise ArgumentError(f"{op}(): q values must be in the range [0, 1], got {qs.tolist()}")
    if x.data.size == 0:
        raise ArgumentError(f"{op}(): input tensor must be non-empty")
    if dims is None:
        data_x, axis = x.reshape(-1), 0
        out_shape = (1,) * x.ndim if keepdim else ()
    else:
        (axis,) = dims
        data_x = x if x.ndim else x.reshape(1)
        axis = axis if x.ndim else 0
        out_shape = _reduced_shape(x.shape, (axis,), keepdim)
    values = _quantile_along(data_x, qs.reshape(-1).astype(x.data.dtype), axis, interpolation, nan_skipping)
    shape = (qs.size,) + out_shape if qs.ndim else out_shape
    return values.reshape(shape)


def _quantile_along(x, qs, axis, interpolation, nan_skipping):
    """The quantiles ``qs`` of each slice along ``axis``, stacked first: shape (len(qs),) + x.shape without axis."""
    data = xp.moveaxis(x.data, axis, -1)
    x = x.permute(*[i for i in range(x.ndim) if i != axis], axis) if x.ndim > 1 else x
    order = xp.argsort(data, axis=-1, kind="stable")
    n = data.shape[-1]
    nans = xp.isnan(data).sum(axis=-1, keepdims=True)
    valid = n - nans if nan_skipping else xp.full(nans.shape, n)
    rank = qs.reshape((-1,) + (1,) * data.ndim) * (xp.maximum(valid, 1) - 1)  # (Q, ..., 1)
    undefined = (valid == 0) if nan_skipping else (nans > 0)
    rank = xp.where(undefined, n - 1, rank)  # PyTorch: the last sorted value, a NaN (its gradient goes there)
    below, above = xp.floor(rank).astype(_INT64), xp.ceil(rank).astype(_INT64)
    if interpolation == "nearest":
        below = above = xp.round(rank).astype(_INT64)  # round half to even, as PyTorch
    elif interpolation == "lower":
        above = below
    elif interpolation == "higher":
        below = above
    weight = {"linear": rank - below, "midpoint": xp.full(rank.shape, 0.5)}.get(interpolation, xp.zeros(rank.shape))
    order = xp.broadcast_to(order, (len(qs),) + data.shape)
    pick_below = xp.take_along_axis(order, below, axis=-1)
    pick_above = xp.take_along_axis(order, above, axis=-1)
    xs = x.reshape((1,) + data.shape).expand((len(qs),) + data.shape)
    lo = _take(xs, pick_below, -1, pick_below.shape[:-1])
    hi = _take(xs, pick_above, -1, pick_above.shape[:-1])
    with xp.errstate(invalid="ignore"):  # PyTorch's lerp: between -inf and a number, -inf (not nan) near the end
        return lerp(lo, hi, constant(weight[..., 0].astype(data.dtype)))


@tensor_method()
def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """The q-th quantiles (q a number or a 1-D tensor, in [0, 1]) over ``dim`` (all elements when None);
    the rank q (n - 1) between two sorted values is interpolated as ``interpolation`` says; NaN if any is NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, nan_skipping=False)


@tensor_method()
def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """``quantile`` of the non-NaN values (NaN where a slice is all NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, nan_skipping=True)
