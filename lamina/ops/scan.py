"""Cumulative ops along a dim (``cumsum``, ``cumprod``, ``cummax``, ``cummin``, ``logcumsumexp``) and ``diff``.

Each is one vectorised array routine (``cumsum``, ``maximum.accumulate``, ``logaddexp.accumulate``) and so is its
gradient: the adjoint of a cumulative sum is the reversed cumulative sum. Dtypes as PyTorch: ``cumsum`` and
``cumprod`` of integers or bools give int64, ``dtype=`` casts the input first; floats accumulate in a wider
type as PyTorch's CPU kernels do (float16 in float32, float32 in float64). ``dim`` is required and may be
negative; a 0-d tensor takes dim 0 or -1.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import as_dtype, xp
from ..errors import ArgumentError, DimensionError
from ..tensor import Tensor
from ._util import constant, recording, tensor_method
from .arithmetic import where
from .conversion import cast
from .indexing import gather
from .maths import _DtypeNotImplemented
from .reduction import ValuesIndices
from .shape import cat, flip


def _accumulate(fn, x, axis):
    """``fn(x, axis)`` for an accumulating array routine, the result in x's dtype (NumPy would widen int32 to int64),
    on a 0-d array too. Floats accumulate as in PyTorch's CPU kernels: float16 in float32, float32 in float64 (a
    million-term float32 cumsum then agrees with PyTorch's to the last bit)."""
    a = x.reshape(1) if x.ndim == 0 else x
    if a.dtype.kind == "f" and a.dtype in _ACCUMULATOR:
        a = a.astype(_ACCUMULATOR[a.dtype])
    return fn(a, axis=axis).astype(x.dtype, copy=False).reshape(x.shape)


_ACCUMULATOR = {xp.dtype(xp.float16): xp.dtype(xp.float32), xp.dtype(xp.float32): xp.dtype(xp.float64)}


def _reversed_cumsum(g, axis):
    """sum_{i >= j} g_i along ``axis``: the cumulative sum from the end."""
    return _accumulate(lambda a, axis: xp.flip(xp.cumsum(xp.flip(a, axis), axis=axis), axis), g, axis)


class Cumsum(Function):
    """y_i = sum_{j <= i} x_j;  dL/dx_j = sum_{i >= j} g_i (the reversed cumulative sum)."""

    name = "cumsum"

    def forward(self, x, axis):
        self.axis = axis
        return _accumulate(xp.cumsum, x, axis)

    def backward(self, g):
        return (ReversedCumsum.apply(g, axis=self.axis),)


class ReversedCumsum(Function):
    """y_j = sum_{i >= j} x_i, the adjoint of cumsum (its backward is cumsum)."""

    name = "reversed_cumsum"

    def forward(self, x, axis):
        self.axis = axis
        return _reversed_cumsum(x, axis)

    def backward(self, g):
        return (Cumsum.apply(g, axis=self.axis),)


class Cumprod(Function):
    """y_i = prod_{j <= i} x_j;  dL/dx_k = sum_{i >= k} g_i prod_{j <= i, j != k} x_j, which is
    reversed_cumsum(g y)_k / x_k before the first zero z of x, sum_{i >= z} g_i prod_{j <= i, j != z} x_j at z,
    and 0 after it (PyTorch's exact gradient with zeros; no division by 0)."""

    name = "cumprod"

    def forward(self, x, axis):
        self.axis = axis
        self.y = _accumulate(xp.cumprod, x, axis)
        return self.y

    def backward(self, g):
        x, axis = self.inputs[0], self.axis
        y = Cumprod.apply(x, axis=axis) if recording() else constant(self.y)
        zero = x.data == 0
        if not zero.any():
            return (ReversedCumsum.apply(g * y, axis=axis) / x,)
        zeros_so_far = _accumulate(xp.cumsum, zero.astype(xp.int64), axis)
        before, first = zeros_so_far == 0, zero & (zeros_so_far == 1)
        before_t, first_t = constant(before), constant(first)
        one, nought = constant(xp.ones((), x.dtype)), constant(xp.zeros((), x.dtype))
        up_to_zero = ReversedCumsum.apply(g * y, axis=axis) / where(before_t, x, one)
        without_first_zero = Cumprod.apply(where(first_t, one, x), axis=axis)
        at_zero = ReversedCumsum.apply(g * without_first_zero, axis=axis)
        return (where(before_t, up_to_zero, nought) + where(first_t, at_zero, nought),)


class Logcumsumexp(Function):
    """y_i = ln sum_{j <= i} e^(x_j), one log-add-exp at a time (stable; -inf terms add nothing);
    dL/dx_j = e^(x_j) sum_{i >= j} g_i e^(-y_i), summed in log space separately for the positive and the
    negative g (PyTorch's formula, which stays finite where e^(-y) would overflow)."""

    name = "logcumsumexp"

    def forward(self, x, axis):
        self.axis = axis
        with xp.errstate(all="ignore"):
            self.y = _accumulate(xp.logaddexp.accumulate, x, axis)
        return self.y

    def backward(self, g):
        x, axis = self.inputs[0], self.axis
        y = Logcumsumexp.apply(x, axis=axis) if recording() else constant(self.y)
        lowest = constant(xp.asarray(xp.finfo(g.dtype).min, dtype=g.dtype))
        with xp.errstate(all="ignore"):
            log_abs_g = g.abs().log()
            parts = []
            for sign in (g > 0, g < 0):
                log_g = where(sign, log_abs_g, lowest)
                reverse = flip(Logcumsumexp.apply(flip(log_g - y, (axis,)), axis=axis), (axis,))
                parts.append((reverse + x).exp())
            return (parts[0] - parts[1],)


class Diff(Function):
    """The n-th forward difference x_{i+1} - x_i along the axis (xor for bools);  its adjoint scatters each g_i
    as +g_i to x_{i+1} and -g_i to x_i, n times."""

    name = "diff"

    def forward(self, x, n, axis):
        self.n, self.axis, self.length = n, axis, x.shape[axis]
        return xp.diff(x, n=n, axis=axis) if n else x.copy()

    def backward(self, g):
        return (DiffAdjoint.apply(g, n=self.n, axis=self.axis, length=self.length),)


class DiffAdjoint(Function):
    """The adjoint of ``diff``: from the differences back to the ``length`` entries they came from."""

    name = "diff_backward"

    def forward(self, g, n, axis, length):
        self.n, self.axis = n, axis
        shape = list(g.shape)
        if length <= n:
            shape[axis] = length
            return xp.zeros(shape, dtype=g.dtype)
        for _ in range(n):
            shape[axis] += 1
            out = xp.zeros(shape, dtype=g.dtype)
            upper = [slice(None)] * g.ndim
            upper[axis] = slice(1, None)
            lower = [slice(None)] * g.ndim
            lower[axis] = slice(None, -1)
            out[tuple(upper)] += g
            out[tuple(lower)] -= g
            g = out
        return g

    def backward(self, gg):
        return (Diff.apply(gg, n=self.n, axis=self.axis),)


# ---- argument checks -----------------------------------------------------------------------------------
def _tensor(input, op: str, name: str = "input") -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(input).__name__}")
    return input


def _int(value, op: str, name: str) -> int:
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, xp.integer)):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}")
    return int(value)


def _axis(dim, x: Tensor, op: str) -> int:
    """``dim`` as a non-negative axis; a 0-d tensor takes 0 and -1, as in PyTorch."""
    dim = _int(dim, op, "dim")
    n = max(x.ndim, 1)
    if not -n <= dim < n:
        raise DimensionError(f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {dim})")
    return dim % n


def _dtype(dtype, op: str):
    """``dtype=`` as a NumPy dtype of numbers (PyTorch's TypeError for anything else)."""
    if dtype is None:
        return None
    try:
        dtype = None if isinstance(dtype, Tensor) else as_dtype(dtype)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in "biuf":
        raise TypeError(f"{op}(): argument 'dtype' must be a dtype of numbers, not {dtype!r}")
    return dtype


def _accumulating_input(input, dim, dtype, op: str):
    """(input in the dtype it is accumulated in, axis): dtype= first; else integers and bools in int64.
    Argument types are checked before values, as PyTorch does."""
    x = _tensor(input, op)
    dtype = _dtype(dtype, op)
    axis = _axis(dim, x, op)
    if dtype is not None:
        x = cast(x, dtype)
    elif x.dtype.kind in "biu":
        x = Tensor._wrap(x.data.astype(xp.int64, copy=False))
    if x.dtype.kind == "b":
        raise _DtypeNotImplemented(f"{op}: not implemented for bool results (dtype=bool)")
    return x, axis


# ---- public functions ----------------------------------------------------------------------------------
@tensor_method(inplace=True)
def cumsum(input, dim, *, dtype=None) -> Tensor:
    """Running sums along ``dim``: y_i = x_0 + ... + x_i (int64 for integer and bool inputs)."""
    x, axis = _accumulating_input(input, dim, dtype, "cumsum")
    return Cumsum.apply(x, axis=axis)


@tensor_method(inplace=True)
def cumprod(input, dim, *, dtype=None) -> Tensor:
    """Running products along ``dim``: y_i = x_0 ... x_i (int64 for integer and bool inputs); the gradient is
    exact also where x holds zeros."""
    x, axis = _accumulating_input(input, dim, dtype, "cumprod")
    return Cumprod.apply(x, axis=axis)


def _running_extreme_indices(x, axis, accumulate, better_or_equal):
    """The index of the running extreme at every position: the last position i <= k holding it (PyTorch's
    choice among ties), and the last NaN once a NaN has been met."""
    a = x.reshape(1) if x.ndim == 0 else x
    extreme = accumulate(a, axis=axis)
    holds = better_or_equal(a, extreme)
    if a.dtype.kind == "f":
        holds |= xp.isnan(a)
    shape = [1] * a.ndim
    shape[axis] = a.shape[axis]
    positions = xp.where(holds, xp.arange(a.shape[axis]).reshape(shape), 0)
    return xp.maximum.accumulate(positions, axis=axis).astype(xp.int64, copy=False)


def _cumulative_extreme(input, dim, op, accumulate, better_or_equal):
    x = _tensor(input, op)
    if x.numel() == 0 and x.ndim:  # PyTorch returns an empty tensor as it is, whatever the (int) dim
        _int(dim, op, "dim")
        return ValuesIndices(x * 1 if x.dtype.kind == "f" else Tensor._wrap(x.data.copy()),
                             Tensor._wrap(xp.zeros(x.shape, dtype=xp.int64)))
    axis = _axis(dim, x, op)
    indices = _running_extreme_indices(x.data, axis, accumulate, better_or_equal)
    if x.ndim == 0:
        values = gather(x.reshape(1), 0, Tensor._wrap(indices)).reshape(())
        return ValuesIndices(values, Tensor._wrap(indices.reshape(())))
    return ValuesIndices(gather(x, axis, Tensor._wrap(indices)), Tensor._wrap(indices))


@tensor_method()
def cummax(input, dim):
    """(values, indices): the running maximum along ``dim`` and where it is (the last index among equal values;
    NaN, once met, is the maximum). The gradient flows to the chosen positions."""
    return _cumulative_extreme(input, dim, "cummax", xp.maximum.accumulate, xp.greater_equal)


@tensor_method()
def cummin(input, dim):
    """(values, indices): the running minimum along ``dim`` and where it is (the last index among equal values;
    NaN, once met, is the minimum). The gradient flows to the chosen positions."""
    return _cumulative_extreme(input, dim, "cummin", xp.minimum.accumulate, xp.less_equal)


@tensor_method()
def logcumsumexp(input, dim) -> Tensor:
    """ln(e^x_0 + ... + e^x_i) along ``dim``, computed stably (floating-point tensors only, as PyTorch)."""
    x = _tensor(input, "logcumsumexp")
    axis = _axis(dim, x, "logcumsumexp")
    if x.dtype.kind != "f":
        raise _DtypeNotImplemented(f"logcumsumexp: not implemented for {x.dtype} tensors (floating point only)")
    if x.ndim == 0:
        return Logcumsumexp.apply(x.reshape(1), axis=0).reshape(())
    return Logcumsumexp.apply(x, axis=axis)


def _result_dtype(dtypes):
    """PyTorch's promotion of tensors of several dtypes: the highest category (bool < integer < float) wins,
    the widest type within it."""
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    top = max(rank[d.kind] for d in dtypes)
    return xp.result_type(*[d for d in dtypes if rank[d.kind] == top])


def _with_ends(x: Tensor, axis: int, prepend, append) -> Tensor:
    """x with ``prepend`` and ``append`` joined along ``axis`` (the dtypes promoted as PyTorch)."""
    pieces = []
    for name, end in (("prepend", prepend), ("append", append)):
        if end is None:
            continue
        for i, (a, b) in enumerate(zip(x.shape, end.shape)):
            if i != axis and a != b:
                raise ArgumentError(f"diff expects the shape of tensor to prepend or append to match that of input "
                                    f"except along the differencing dimension; input.size({i}) = {a}, but got "
                                    f"{name}.size({i}) = {b}")
        pieces.append((name, end))
    if not pieces:
        return x
    dtype = _result_dtype([x.dtype] + [end.dtype for _, end in pieces])
    ordered = [end for name, end in pieces if name == "prepend"] + [x] + [end for name, end in pieces
                                                                          if name == "append"]
    return cat([cast(t, dtype) for t in ordered], axis)


@tensor_method()
def diff(input, n=1, dim=-1, prepend=None, append=None) -> Tensor:
    """The n-th forward difference along ``dim`` (out[i] = x[i + 1] - x[i], n times; logical xor for bools),
    after joining ``prepend`` and ``append`` to the input along ``dim``."""
    x = _tensor(input, "diff")
    n, dim = _int(n, "diff", "n"), _int(dim, "diff", "dim")
    for name, end in (("prepend", prepend), ("append", append)):
        if end is not None:
            _tensor(end, "diff", name)
    if n < 0:
        raise ArgumentError(f"diff: order must be non-negative but got {n}")
    if x.ndim == 0:
        raise ArgumentError("diff expects input to be at least one-dimensional")
    for name, end in (("prepend", prepend), ("append", append)):
        if end is not None and end.ndim != x.ndim:
            raise ArgumentError(f"diff expects prepend or append to be the same dimension as input: input has "
                                f"{x.ndim} dimensions, {name} has {end.ndim}")
    if n == 0 and prepend is None and append is None:  # PyTorch returns the input then, whatever dim says
        return Diff.apply(x, n=0, axis=0)
    axis = _axis(dim, x, "diff")
    joined = _with_ends(x, axis, prepend, append)
    return Diff.apply(x if n == 0 else joined, n=n, axis=axis)  # order 0: the input, without its ends, as PyTorch


