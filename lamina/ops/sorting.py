"""Sorting and selecting by rank: sort, argsort, msort, topk, kthvalue, unique, searchsorted, bucketize.

As PyTorch: NaN sorts as the largest value (last ascending, first descending); the order is stable (equal
values keep their order, in both directions); indices are int64. The values of sort, topk and kthvalue are
differentiable: the gradient goes back to the element each value was taken from (a scatter by index).
"""
from __future__ import annotations

import operator

from ..backend import xp
from ..tensor import Tensor
from ..errors import ArgumentError, DimensionError, DtypeError
from ._util import as_tensor, tensor_method
from .reduction import ValuesIndices, _check_keepdim, _dims, _input, _select_at, _stable_order, _take

_INT64 = xp.int64


def _axis(op, dim, x):
    (axis,) = _dims(op, dim, x.ndim, many=False)
    return axis


def _as_bool(op, name, value):
    if not isinstance(value, (bool, xp.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")
    return bool(value)


def _sorted_along(x, axis, order):
    """(values, indices) of x taken in ``order`` along ``axis``."""
    return ValuesIndices(_take(x, order, axis, order.shape), Tensor._wrap(order.astype(_INT64, copy=False)))


@tensor_method()
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """(values, indices) sorted along ``dim``; NaN is the largest value; always stable (equal values keep their
    order, which PyTorch guarantees for stable=True). The gradient of the values goes back by the indices."""
    x = _input("sort", input)
    descending, _ = _as_bool("sort", "descending", descending), _as_bool("sort", "stable", stable)
    axis = _axis("sort", dim, x)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor._wrap(xp.zeros((), dtype=_INT64)))
    return _sorted_along(x, axis, _stable_order(x.data, axis, descending))


@tensor_method()
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    return sort(input, dim, descending, stable=stable).indices


@tensor_method()
def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dim (values only)."""
    return sort(input, 0).values


def _int_k(op, k):
    if isinstance(k, (bool, xp.bool_)):
        raise TypeError(f"{op}(): argument 'k' must be int, not bool")
    try:
        return operator.index(k)
    except TypeError:
        raise TypeError(f"{op}(): argument 'k' must be int, not {type(k).__name__}") from None


def _check_k(op, k, size, lowest):
    if not lowest <= k <= size:
        raise ArgumentError(f"{op}(): selected number k={k} out of range for a dimension of size {size} "
                            f"(expected {lowest} <= k <= {size})")
    return k


@tensor_method()
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """(values, indices) of the k largest (``largest=False``: smallest) elements along ``dim``, in sorted order
    (also for sorted=False, as PyTorch on CPU for small sizes); NaN counts as the largest. Ties keep their
    order. k must be in [0, size]."""
    x, k = _input("topk", input), _int_k("topk", k)
    largest, _ = _as_bool("topk", "largest", largest), _as_bool("topk", "sorted", sorted)
    axis = _axis("topk", dim, x)
    if x.data.dtype.kind == "b":
        raise DtypeError("topk(): does not support bool tensors")
    k = _check_k("topk", k, x.shape[axis] if x.ndim else 1, 0)
    if x.ndim == 0:  # PyTorch returns the element itself, for k = 0 too
        return sort(x)
    order = _stable_order(x.data, axis, descending=largest)
    order = xp.take(order, xp.arange(k), axis=axis)
    return _sorted_along(x, axis, order)


@tensor_method()
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """(values, indices): the k-th smallest element (k from 1) along ``dim``, its index in a stable sort."""
    x, k = _input("kthvalue", input), _int_k("kthvalue", k)
    keepdim = _check_keepdim("kthvalue", keepdim)
    axis = _axis("kthvalue", dim, x)
    if x.ndim and x.shape[axis] == 0:
        raise DimensionError(f"kthvalue(): Expected reduction dim {axis} to have non-zero size")
    if x.data.dtype.kind == "b":
        raise NotImplementedError("kthvalue(): not implemented for bool tensors")
    k = _check_k("kthvalue", k, x.shape[axis] if x.ndim else 1, 1)

    def positions_of(data, a):
        order = _stable_order(data, a)
        return xp.take(order, [k - 1], axis=a)

    return _select_at(x, positions_of, axis, keepdim, "kthvalue")


@tensor_method()
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim=None):
    """The distinct values of ``input`` (flattened, or the distinct slices along ``dim``), in ascending order
    (also for sorted=False, as PyTorch on CPU); NaNs are all distinct. With ``return_inverse`` the index of
    each element's value, with ``return_counts`` how often each occurs. No gradient."""
    x = _input("unique", input)
    for name, flag in (("sorted", sorted), ("return_inverse", return_inverse), ("return_counts", return_counts)):
        _as_bool("unique", name, flag)
    if dim is None:
        values, inverse, counts = xp.unique(x.data.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        if x.ndim == 0:
            raise DimensionError(f"unique(): Dimension out of range (a 0-d tensor has no dim {dim})")
        axis = _axis("unique", dim, x)
        if x.data.size == 0 and x.shape[axis] != 0:
            raise ArgumentError(f"unique(): there are 0-sized dims other than dim {axis} (shape {tuple(x.shape)}), so "
                                "unique cannot be applied")
        values, inverse, counts = xp.unique(x.data, return_inverse=True, return_counts=True, axis=axis,
                                            equal_nan=False)
        inverse = inverse.reshape(-1)
    out = [Tensor._wrap(values)]
    if return_inverse:
        out.append(Tensor._wrap(inverse.astype(_INT64, copy=False)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(_INT64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


@tensor_method()
def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) kept once, in order (NaNs
    are all distinct); ``return_inverse``: the run of each element, ``return_counts``: each run's length."""
    x = _input("unique_consecutive", input)
    for name, flag in (("return_inverse", return_inverse), ("return_counts", return_counts)):
        _as_bool("unique_consecutive", name, flag)
    if dim is None:
        data, inverse_shape, axis = x.data.reshape(-1), x.shape, 0
        rows = data.reshape(-1, 1)
    else:
        if x.ndim == 0:
            raise DimensionError(f"unique_consecutive(): Dimension specified as {dim} but tensor has no dimensions")
        axis = _axis("unique_consecutive", dim, x)
        if x.data.size == 0 and x.shape[axis] != 0:
            raise ArgumentError(f"unique_consecutive(): there are 0-sized dims other than dim {axis} (shape "
                                f"{tuple(x.shape)}), so unique cannot be applied")
        data, inverse_shape = x.data, (x.shape[axis],)
        rows = xp.moveaxis(data, axis, 0).reshape(x.shape[axis], x.data.size // max(x.shape[axis], 1))
    starts = xp.ones(rows.shape[0], dtype=bool)
    starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)  # NaN != NaN: each NaN starts a run
    first = xp.flatnonzero(starts)
    out = [Tensor._wrap(xp.take(data, first, axis=axis))]
    if return_inverse:
        out.append(Tensor._wrap((xp.cumsum(starts) - 1).astype(_INT64).reshape(inverse_shape)))
    if return_counts:
        out.append(Tensor._wrap(xp.diff(xp.append(first, rows.shape[0])).astype(_INT64)))
    return out[0] if len(out) == 1 else tuple(out)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of ``elements`` is among ``test_elements`` (either may be a number; ``invert``:
    where it is not); the result has ``elements``' shape."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): at least one of elements and test_elements must be a Tensor")
    _as_bool("isin", "invert", invert)
    values, tests = as_tensor(elements).data, as_tensor(test_elements).data
    return Tensor._wrap(xp.asarray(xp.isin(values, tests, assume_unique=bool(assume_unique), invert=bool(invert))))


def _side(op, right, side):
    _as_bool(op, "right", right)
    if side is not None:
        if side not in ("left", "right"):
            raise ArgumentError(f"{op}(): side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ArgumentError(f"{op}(): side='left' and right=True contradict each other")
        return side
    return "right" if right else "left"


def _positions(boundaries, values, side):
    """searchsorted of each row of ``values`` (..., m) in the matching row of ``boundaries`` (..., n), all rows at
    once: a stable sort of each row's boundaries and queries together (queries first for 'left', so that they
    precede equal boundaries; last for 'right') counts the boundaries before each query."""
    if values.size == 0 or boundaries.size == 0:
        return xp.zeros(values.shape, dtype=_INT64)
    rows = boundaries.reshape(-1, boundaries.shape[-1])
    queries = values.reshape(rows.shape[0], -1)
    n, m = rows.shape[-1], queries.shape[-1]
    is_boundary = xp.zeros(n + m, dtype=_INT64)
    if side == "left":
        joint, columns = xp.concatenate([queries, rows], axis=-1), xp.arange(m)
        is_boundary[m:] = 1
    else:
        joint, columns = xp.concatenate([rows, queries], axis=-1), n + xp.arange(m)
        is_boundary[:n] = 1
    order = xp.argsort(joint, axis=-1, kind="stable")
    before = xp.cumsum(is_boundary[order], axis=-1)  # boundaries at or before each sorted position
    counts = xp.empty_like(before)
    xp.put_along_axis(counts, order, before, axis=-1)  # back to the joint (unsorted) positions
    return counts[:, columns].reshape(values.shape)


def _has_nan(array) -> bool:
    return array.dtype.kind == "f" and bool(xp.isnan(array).any())


def _binary_search(boundaries, values, side):
    """PyTorch's binary search, step by step for all values at once: the first place whose boundary is not below
    the value ('left'; 'right': not at or below it), with plain comparisons, so that a NaN value goes past the
    end and a NaN boundary is passed over (used when NaNs make NumPy's NaN-aware order differ)."""
    n = boundaries.shape[-1]
    if boundaries.ndim == 1:
        rows, queries = boundaries.reshape(1, n), values.reshape(1, -1)
    else:
        rows, queries = boundaries.reshape(-1, n), values.reshape(-1, values.shape[-1])
    start = xp.zeros(queries.shape, dtype=_INT64)
    end = xp.full(queries.shape, n, dtype=_INT64)
    with xp.errstate(invalid="ignore"):
        while True:
            active = start < end
            if not active.any():
                break
            mid = start + (end - start) // 2
            at_mid = xp.take_along_axis(rows, xp.minimum(mid, n - 1), axis=-1)
            right_of_mid = ~(at_mid >= queries) if side == "left" else ~(at_mid > queries)
            start = xp.where(active & right_of_mid, mid + 1, start)
            end = xp.where(active & ~right_of_mid, mid, end)
    return start.reshape(values.shape)


def _sortable(op, boundaries, values):
    if (boundaries.dtype.kind == "b" or values.dtype.kind == "b") and values.size:
        raise NotImplementedError(f"{op}(): not implemented for bool tensors")


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None):
    """Indices where ``input`` would be inserted into ``sorted_sequence`` (its last dim) to keep it sorted:
    ``side='left'`` the first such place, 'right' the last. A 1-D sequence serves every value; an N-D one
    pairs its leading dims with ``input``'s."""
    seq, side = _input("searchsorted", sorted_sequence), _side("searchsorted", right, side)
    scalar = isinstance(input, (int, float, xp.integer, xp.floating))
    values = as_tensor(input).data
    data = seq.data
    if data.ndim == 0:
        raise ArgumentError("searchsorted(): the sorted sequence must have at least one dimension")
    if sorter is not None:
        order = as_tensor(sorter).data
        if order.shape != data.shape or order.dtype.kind not in "iu":
            raise ArgumentError(f"searchsorted(): sorter must be an integer tensor of the sequence's shape "
                                f"{tuple(data.shape)}, got {order.dtype} of shape {tuple(order.shape)}")
        if order.size and not bool(((order >= 0) & (order < data.shape[-1])).all()):
            raise ArgumentError(f"searchsorted(): sorter index out of range for a last dim of size {data.shape[-1]}")
        data = xp.take_along_axis(data, order.astype(_INT64), axis=-1)
    _sortable("searchsorted", data, values)
    if data.ndim > 1 and (values.ndim != data.ndim or values.shape[:-1] != data.shape[:-1]):
        raise ArgumentError(f"searchsorted(): the leading dims of the sequence {tuple(data.shape)} and of the input "
                            f"{tuple(values.shape)} must be equal (or the sequence must be 1-D)")
    if data.size and values.size and (_has_nan(data) or _has_nan(xp.asarray(values))):
        out = _binary_search(data, xp.asarray(values), side)
    else:
        out = _positions(data, values, side) if data.ndim > 1 else xp.searchsorted(data, values, side=side)
    out = xp.asarray(out, dtype=xp.int32 if out_int32 else _INT64)
    return Tensor._wrap(out if not scalar else out.reshape(()))


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each element: i with boundaries[i-1] < x <= boundaries[i] (right=True: boundaries[i-1] <= x
    < boundaries[i]); ``boundaries`` is 1-D and sorted."""
    bounds, values = _input("bucketize", boundaries), as_tensor(input).data
    _as_bool("bucketize", "right", right)
    if bounds.ndim != 1:
        raise ArgumentError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim({bounds.ndim})")
    _sortable("bucketize", bounds.data, values)
    side = "right" if right else "left"
    if bounds.data.size and xp.size(values) and (_has_nan(bounds.data) or _has_nan(xp.asarray(values))):
        out = _binary_search(bounds.data, xp.asarray(values), side)
    else:
        out = xp.searchsorted(bounds.data, values, side=side)
    return Tensor._wrap(xp.asarray(out, dtype=xp.int32 if out_int32 else _INT64))
