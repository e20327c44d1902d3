"""Indexing: ``x[index]``, ``gather``/``scatter`` and their reductions, ``index_*``, masks, ``take``, ``nonzero``.

Every backward scatters the gradient back. Repeated indices must add up, so the advanced-index paths
accumulate with ``bincount`` on flat positions (``kernels.scatter``) or with a sort followed by
``ufunc.reduceat`` over each run of equal positions, never ``np.add.at``.

``x[index]`` follows PyTorch, not NumPy, where the two differ: an integer (or a 0-d integer tensor) is a
plain selection applied first, so ``x[1, :, d]`` keeps the indexed dimension in place (NumPy counts the
integer as an advanced index and moves the result to the front); a 0-d bool (or Python bool) adds a
dimension of length 1 or 0; a list holding sequences, slices or tensors is read as a tuple; negative
slice steps are refused; a later ``...`` than the first one stands for no dimension.
"""
from __future__ import annotations

import numbers

import operator

from ..autograd import Function
from ..backend import xp
from ..kernels.scatter import scatter_add as _bincount_add
from ..tensor import Tensor
from ._util import constant, normalize_axis, tensor_method
from .arithmetic import where
from .shape import broadcast_to, sum_to
from ..errors import ArgumentError, DimensionError, DtypeError


# ---- accumulation on flat positions ------------------------------------------------------------
def _runs(positions):
    """Sort flat positions: (order, start of each run of equal positions, the position of each run)."""
    flat = positions.reshape(-1)
    order = xp.argsort(flat, kind="stable")
    ordered = flat[order]
    starts = xp.flatnonzero(xp.concatenate((xp.ones(min(ordered.size, 1), dtype=bool), ordered[1:] != ordered[:-1])))
    return order, starts, ordered[starts]


def _accumulate(shape, positions, values):
    """Zeros of ``shape`` (values' dtype) plus ``values`` added at flat ``positions`` (repeats add up).

    Floats go through ``bincount`` (float64 sums); integers through sorted runs, exactly."""
    values = xp.broadcast_to(values, positions.shape)
    if values.dtype.kind == "f":
        return _bincount_add(shape, positions, values)
    out = xp.zeros(int(xp.prod(shape)), dtype=values.dtype)
    if positions.size:
        order, starts, cells = _runs(positions)
        out[cells] = xp.add.reduceat(values.reshape(-1)[order], starts)
    return out.reshape(shape)


def _reduce_runs(ufunc, positions, values):
    """(cells, reduced values, counts): ``ufunc`` over the values that share each flat position."""
    order, starts, cells = _runs(positions)
    reduced = ufunc.reduceat(values.reshape(-1)[order], starts) if cells.size else values.reshape(-1)[:0]
    counts = xp.diff(xp.append(starts, positions.size))
    return cells, reduced, counts


def _strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return strides[::-1]


def _flat_positions(shape, dim, index):
    """C-order positions in an array of ``shape`` of the cells that ``index`` names along ``dim``:
    index's cell (i_0, .., i_k) names (i_0, .., index[i_0, .., i_k], .., i_k) (index.ndim == len(shape))."""
    strides = _strides(shape)
    positions = index.astype(xp.int64) * strides[dim]
    for d, n in enumerate(index.shape):
        if d != dim and n > 1:
            positions = positions + (xp.arange(n) * strides[d]).reshape((n,) + (1,) * (index.ndim - d - 1))
    return positions


def _block(shape, dim=None):
    """The slices that cut the leading block of ``shape`` (every dim but ``dim``) out of a larger array."""
    return tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(shape))


# ---- argument checks -----------------------------------------------------------------------------
def _index_array(index, op, what="index", dtypes=("int64", "int32"), error=ArgumentError):
    """The array of an integer index argument: a Tensor (or a backend array), as PyTorch, not a list;
    ``dtypes=None`` leaves the dtype unchecked (checked later, in PyTorch's order)."""
    if isinstance(index, Tensor):
        array = index.data
    elif isinstance(index, xp.ndarray):
        array = index
    else:
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(index).__name__}")
    if dtypes is not None:
        _check_index_dtype(array, op, what, dtypes, error)
    return array


def _check_index_dtype(array, op, what="index", dtypes=("int64", "int32"), error=ArgumentError):
    if array.dtype.name not in dtypes:
        raise error(f"{op}(): expected dtype {'/'.join(dtypes)} for {what}, got {array.dtype}")


def _tensor_arg(value, op, what):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(value).__name__}")
    return value


def _check_range(index, size, op, dim, error=ArgumentError, negative=False):
    """Raise ``error`` when an index lies outside [0, size) ([-size, size) when ``negative``)."""
    if index.size:
        low, high = int(index.min()), int(index.max())
        bad = low if low < (-size if negative else 0) else high if high >= size else None
        if bad is not None:
            raise error(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}")


def _dim_and_index(op, x, dim, index):
    """The first checks of gather/scatter (PyTorch's order): input and index tensors, then ``dim``."""
    x = _tensor_arg(x, op, "input")
    index = _index_array(index, op, dtypes=None)
    dim = _one_dim(dim, x.ndim, op)
    return dim, index


def _check_scatter_index(op, x, dim, index, src_shape=None):
    """The index checks of gather/scatter, after the dtype ones: dim for src, dtype, dims, sizes, range."""
    if src_shape is not None:
        normalize_axis(dim, len(src_shape), op)
    _check_index_dtype(index, op)
    if src_shape is not None and max(len(src_shape), 1) != max(index.ndim, 1):
        error = DimensionError if len(src_shape) < x.ndim else ArgumentError  # PyTorch asks src for each dim
        raise error(f"{op}(): index tensor must have the same number of dimensions as src tensor, got "
                            f"index of shape {tuple(index.shape)} and src of shape {tuple(src_shape)}")
    if max(index.ndim, 1) != max(x.ndim, 1):
        raise ArgumentError(f"{op}(): index tensor must have the same number of dimensions as input tensor, "
                            f"got index of shape {tuple(index.shape)} and input of shape {tuple(x.shape)}")
    if x.ndim == 0:
        _check_range(index, 1, op, 0)
        if index.size > 1:
            raise ArgumentError(f"{op}(): a 0-d input takes an index of at most one element, got shape "
                                f"{tuple(index.shape)}")
        return
    index_shape, src_shape = index.shape or (1,), None if src_shape is None else tuple(src_shape) or (1,)
    for d in range(x.ndim):
        too_big = (d != dim and index_shape[d] > x.shape[d]) or (src_shape is not None
                                                                  and index_shape[d] > src_shape[d])
        if too_big:
            against = "" if src_shape is None else f" and to be no larger than src {list(src_shape)}"
            raise ArgumentError(f"{op}(): size does not match at dimension {d}: expected index {list(index.shape)} to "
                                f"be no larger than input {list(x.shape)} apart from dimension {dim}{against}")
    _check_range(index, x.shape[dim], op, dim)


# ---- gather ---------------------------------------------------------------------------------------
class Gather(Function):
    """out[i][j] = x[i][index[i][j]] for dim=1 (``torch.gather``); index may be smaller than x off ``dim``."""

    name = "gather"

    def forward(self, x, dim, index):
        self.dim, self.index = dim, index
        if index.size == 0:
            return xp.zeros(index.shape, dtype=x.dtype)
        return xp.take_along_axis(x[_block(index.shape, dim)], index, axis=dim)

    def backward(self, g):
        return (GatherBackward.apply(g, shape=self.inputs[0].shape, dim=self.dim, index=self.index),)


class GatherBackward(Function):
    """gather's adjoint: zeros of the input's shape with ``g`` added at the gathered cells."""

    name = "gather_backward"

    def forward(self, g, shape, dim, index):
        self.dim, self.index = dim, index
        if index.size == 0:
            return xp.zeros(shape, dtype=g.dtype)
        return _accumulate(shape, _flat_positions(shape, dim, index), g)

    def backward(self, gg):
        return (Gather.apply(gg, dim=self.dim, index=self.index),)


class PadTo(Function):
    """``x`` in the leading corner of zeros of ``shape`` (the gradient of a src larger than its index)."""

    name = "pad_to"

    def forward(self, x, shape):
        out = xp.zeros(shape, dtype=x.dtype)
        out[_block(x.shape)] = x
        return out

    def backward(self, g):
        return (g[_block(self.inputs[0].shape)],)


@tensor_method()
def gather(input, dim, index, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim=1; index.size(d) <= input.size(d) off ``dim``,
    the output has index's shape. Indices must lie in [0, input.size(dim)) (RuntimeError otherwise)."""
    dim, index = _dim_and_index("gather", input, dim, index)
    if index.size == 0:  # PyTorch checks nothing more
        return Gather.apply(input, dim=dim, index=index)
    _check_scatter_index("gather", input, dim, index)
    if min(input.ndim, index.ndim) == 0:  # PyTorch treats a scalar as a vector of one
        return Gather.apply(input.reshape(-1), dim=0, index=index.reshape(-1)).reshape(index.shape)
    return Gather.apply(input, dim=dim, index=index)


def _gather_grad(g, dim, index, shape):
    """gather(g, dim, index), padded with zeros to ``shape`` (a src larger than index)."""
    out = Gather.apply(g, dim=dim, index=index)
    return out if tuple(out.shape) == tuple(shape) else PadTo.apply(out, shape=tuple(shape))


# ---- scatter --------------------------------------------------------------------------------------
class Scatter(Function):
    """out = x, then out[i][index[i][j]] = src[i][j] for dim=1 (a repeated index keeps its last value)."""

    name = "scatter"

    def forward(self, x, src, dim, index):
        self.dim, self.index = dim, index
        out = x.copy()
        if index.size:
            out.reshape(-1)[_flat_positions(x.shape, dim, index).reshape(-1)] = src[_block(index.shape)].reshape(-1)
        return out

    def backward(self, g):
        x, src = self.inputs
        if self.index.size == 0:
            return g, None
        zeros = constant(xp.zeros(self.index.shape, dtype=g.dtype))
        grad_x = Scatter.apply(g, zeros, dim=self.dim, index=self.index)
        return grad_x, _gather_grad(g, self.dim, self.index, src.shape)


def _value_src(value, x, index, op):
    """A scalar ``value`` as a src of index's shape in x's dtype (a 0-d tensor of x's dtype keeps its gradient:
    the sum of the gradient over the cells it fills)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ArgumentError(f"{op}(): value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
        if value.requires_grad and value.dtype == x.dtype:
            return broadcast_to(value, index.shape)
        value = value.item()
    if not isinstance(value, (bool, int, float)) and not (hasattr(value, "dtype") and xp.ndim(value) == 0):
        raise TypeError(f"{op}(): value must be a number, got {type(value).__name__}")
    return constant(xp.full(index.shape, value).astype(x.dtype))


def _same_dtype(x, src, op):
    if src.dtype != x.dtype:
        raise DtypeError(f"{op}(): expected input and src to have the same dtype, got {x.dtype} and {src.dtype}")


@tensor_method()
def scatter(input, dim, index, src=None, value=None, *, reduce=None) -> Tensor:
    """input with src[i][j] written at [i][index[i][j]] (dim=1); ``src`` may be a number (``value``).

    ``reduce="add"``/``"multiply"`` combine with what is there instead (scatter_reduce's sum / prod)."""
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter(): pass exactly one of src (a tensor) and value (a number)")
    dim, index = _dim_and_index("scatter", input, dim, index)
    x = input
    if src is not None:
        _same_dtype(x, src, "scatter")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise ArgumentError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
    src = _value_src(value, x, index, "scatter") if src is None else src
    if index.size == 0:
        return Scatter.apply(x, src, dim=dim, index=index)
    _check_scatter_index("scatter", x, dim, index, None if value is not None else src.shape)
    if min(x.ndim, index.ndim, src.ndim) == 0:  # PyTorch treats a scalar as a vector of one
        flat_index = Tensor._wrap(index.reshape(-1))
        return scatter(x.reshape(-1), 0, flat_index, src.reshape(-1), reduce=reduce).reshape(x.shape)
    if reduce is not None:
        return ScatterReduce.apply(x, src, dim=dim, index=index, reduce="sum" if reduce == "add" else "prod",
                                   include_self=True)
    return Scatter.apply(x, src, dim=dim, index=index)


_REDUCTIONS = {"sum": xp.add, "prod": xp.multiply, "mean": xp.add, "amax": xp.maximum, "amin": xp.minimum}


class ScatterReduce(Function):
    """out = x, then every out cell named by index combines the src values sent to it with ``reduce``
    (sum, prod, mean, amax, amin), and with its own value when ``include_self``.

    Gradients as PyTorch: prod divides the output by the factor (zeros are handled by recomputing the
    product without them); amax/amin share the gradient equally among every value equal to the result
    (x's cell counted even when include_self is False, as PyTorch does); mean divides by the count."""

    name = "scatter_reduce"

    def forward(self, x, src, dim, index, reduce, include_self):
        self.dim, self.index, self.reduce, self.include_self = dim, index, reduce, include_self
        out = x.copy()
        if not index.size:
            return out
        positions = _flat_positions(x.shape, dim, index)
        values = src[_block(index.shape)]
        cells, reduced, counts = _reduce_runs(_REDUCTIONS[reduce], positions, values)
        flat = out.reshape(-1)
        if include_self:
            reduced = _REDUCTIONS[reduce](flat[cells], reduced)
            counts = counts + 1
        if reduce == "mean":
            reduced = reduced / counts if x.dtype.kind == "f" else reduced // counts
        flat[cells] = reduced
        return out

    def _counts(self, shape, dtype):
        """How many values (src, plus x's own when include_self) each cell of the output reduced."""
        ones = xp.ones(self.index.shape, dtype=dtype)
        counts = _accumulate(shape, _flat_positions(shape, self.dim, self.index), ones)
        return counts + 1 if self.include_self else xp.maximum(counts, 1)

    def _without_self(self, grad_x):
        """Zero the gradient of the cells of x that the reduction left out (include_self=False)."""
        if self.include_self:
            return grad_x
        return Scatter.apply(grad_x, constant(xp.zeros(self.index.shape, dtype=grad_x.dtype)), dim=self.dim,
                             index=self.index)

    def backward(self, g):
        x, src = self.inputs
        dim, index, reduce = self.dim, self.index, self.reduce
        if reduce == "sum":
            return self._without_self(g), _gather_grad(g, dim, index, src.shape)
        if reduce == "mean":
            g = g / constant(self._counts(x.shape, g.dtype))
            return self._without_self(g), _gather_grad(g, dim, index, src.shape)
        if reduce in ("amax", "amin"):
            return self._extremum_grads(g, x, src)
        return self._prod_grads(g, x, src)

    def _extremum_grads(self, g, x, src):
        dim, index = self.dim, self.index
        result = ScatterReduce.apply(x.detach(), src.detach(), dim=dim, index=index, reduce=self.reduce,
                                     include_self=self.include_self).data
        value = Gather.apply(Tensor._wrap(result), dim=dim, index=index).data
        self_is_result = (x.data == result).astype(g.dtype)
        src_is_result = (src.data[_block(index.shape)] == value).astype(g.dtype)
        ties = _accumulate(result.shape, _flat_positions(result.shape, dim, index), src_is_result) + self_is_result
        shared = g / constant(ties)
        grad_x = self._without_self(shared * constant(self_is_result))
        return grad_x, _gather_grad(shared, dim, index, src.shape) * constant(_pad(src_is_result, src.shape))

    def _prod_grads(self, g, x, src):
        """PyTorch's rule: d/dx = g * prod(x with its zeros as ones) / x; for src, the product without the
        value when it is the only zero sent to its cell, else g * out / src (zero where src is zero)."""
        dim, index = self.dim, self.index
        reduce = dict(dim=dim, index=index, reduce="prod", include_self=self.include_self)
        masked_x = where(constant(x.data == 0), constant(xp.ones((), dtype=x.dtype)), x)
        grad_x = self._without_self(g * ScatterReduce.apply(masked_x, src, **reduce) / masked_x)
        used = src[_block(index.shape)]
        zero = used.data == 0
        zeros_per_cell = _accumulate(x.shape, _flat_positions(x.shape, dim, index), zero.astype(xp.int64))
        single_zero = zero & (Gather.apply(Tensor._wrap(zeros_per_cell), dim=dim, index=index).data == 1)
        one = constant(xp.ones((), dtype=src.dtype))
        masked_src = where(constant(_pad(single_zero, src.shape)), one, src)
        out = ScatterReduce.apply(x, src, **reduce)
        without = Gather.apply(g * ScatterReduce.apply(x, masked_src, **reduce), dim=dim, index=index)
        divided = Gather.apply(g * out, dim=dim, index=index) / where(constant(zero), one, used)
        grad_src = where(constant(single_zero), without, divided)
        return grad_x, grad_src if tuple(grad_src.shape) == tuple(src.shape) else PadTo.apply(grad_src, shape=src.shape)


def _pad(array, shape):
    """``array`` in the leading corner of zeros of ``shape``."""
    if array.shape == tuple(shape):
        return array
    out = xp.zeros(shape, dtype=array.dtype)
    out[_block(array.shape)] = array
    return out


@tensor_method()
def scatter_reduce(input, dim, index, src, reduce, *, include_self: bool = True) -> Tensor:
    """input with the src values sent to each cell (index along ``dim``) reduced into it by ``reduce``:
    "sum", "prod", "mean" (integer inputs: floor division), "amax" or "amin"; with ``include_self`` the
    cell's own value takes part. Cells no index names keep input's value."""
    src = _tensor_arg(src, "scatter_reduce", "src")
    dim, index = _dim_and_index("scatter_reduce", input, dim, index)
    x = input
    _same_dtype(x, src, "scatter_reduce")
    if reduce not in _REDUCTIONS:
        raise ArgumentError(f"scatter_reduce(): reduce argument must be either sum, prod, mean, amax or amin, "
                            f"got {reduce}")
    if index.size == 0:
        return Scatter.apply(x, src, dim=dim, index=index)
    _check_scatter_index("scatter_reduce", x, dim, index, src.shape)
    if min(x.ndim, index.ndim, src.ndim) == 0:  # PyTorch treats a scalar as a vector of one
        return scatter_reduce(x.reshape(-1), 0, Tensor._wrap(index.reshape(-1)), src.reshape(-1), reduce,
                              include_self=include_self).reshape(x.shape)
    return ScatterReduce.apply(x, src, dim=dim, index=index, reduce=reduce, include_self=bool(include_self))


@tensor_method()
def scatter_add(input, dim, index, src) -> Tensor:
    """input plus src[i][j] added at [i][index[i][j]] for dim=1 (repeated indices add up)."""
    return scatter_reduce(input, dim, index, _tensor_arg(src, "scatter_add", "src"), "sum")


# ---- index_add, index_copy, index_fill -------------------------------------------------------------
def _spread(index, shape, dim):
    """A 1-d ``index`` along ``dim`` broadcast over ``shape`` (its size along dim is the index's)."""
    shape = list(shape or (1,))
    shape[dim] = index.size
    return xp.broadcast_to(index.reshape((-1,) + (1,) * (len(shape) - dim - 1)), shape)


def _check_source(op, x, dim, index, source, count_error=ArgumentError):
    """index_add/index_copy: source's shape is input's with ``index.size`` slices along ``dim``."""
    shape, given = list(x.shape or (1,)), list(source.shape or (1,))
    if len(given) != len(shape) or any(a != b for d, (a, b) in enumerate(zip(given, shape)) if d != dim):
        raise ArgumentError(f"{op}(): source tensor shape must match input tensor shape, excluding the specified "
                            f"dimension. Got input.shape = {list(x.shape)} source.shape = {list(source.shape)}")
    if given[dim] != index.size:
        raise count_error(f"{op}(): number of indices ({index.size}) should be equal to source.size(dim) "
                          f"({given[dim]}), for dim: {dim}")


def _at_least_1d(x):
    return x if x.ndim else x.reshape(1)


@tensor_method()
def index_add(input, dim, index, source, *, alpha=1) -> Tensor:
    """input with alpha * source's slices added at the positions ``index`` (1-d) names along ``dim``."""
    x, source = _tensor_arg(input, "index_add", "input"), _tensor_arg(source, "index_add", "source")
    index = _index_array(index, "index_add", dtypes=None)
    dim = _one_dim(dim, x.ndim, "index_add")
    if index.ndim > 1:
        raise DimensionError(f"index_add(): index is supposed to be a vector, got shape {tuple(index.shape)}")
    _check_index_dtype(index, "index_add")
    if source.dtype != x.dtype:
        raise DtypeError(f"index_add(): input ({x.dtype}) and source ({source.dtype}) must have the same dtype")
    if source.ndim != x.ndim:
        raise ArgumentError(f"index_add(): source tensor shape must match input tensor shape, excluding the specified "
                            f"dimension. Got input.shape = {list(x.shape)} source.shape = {list(source.shape)}")
    index = index.reshape(-1)
    _check_source("index_add", x, dim, index, source)
    _check_range(index, (x.shape or (1,))[dim], "index_add", dim)
    spread = _spread(index, x.shape, dim)
    if alpha != 1:
        source = source * alpha
    return ScatterReduce.apply(_at_least_1d(x), source.reshape(spread.shape), dim=dim, index=spread, reduce="sum",
                               include_self=True).reshape(x.shape)


@tensor_method()
def index_copy(input, dim, index, source) -> Tensor:
    """input with source's slices copied to the positions ``index`` (1-d, int64) names along ``dim``."""
    x, source = _tensor_arg(input, "index_copy", "input"), _tensor_arg(source, "index_copy", "source")
    index = _index_array(index, "index_copy", dtypes=None)
    dim = _one_dim(dim, x.ndim, "index_copy")
    if index.ndim > 1:
        raise DimensionError(f"index_copy(): index should have dimension 1 or 0, got {index.ndim}")
    if source.ndim == 0 and index.size != 1:
        raise DimensionError(f"index_copy(): when source is a scalar, index should have one element, got {index.size}")
    if x.ndim and source.ndim and x.ndim != source.ndim:
        raise DimensionError(f"index_copy(): source and input must have the same number of dimensions, got "
                             f"{source.ndim} and {x.ndim}")
    _check_index_dtype(index, "index_copy", dtypes=("int64",))
    if source.dtype != x.dtype:
        raise DtypeError(f"index_copy(): input ({x.dtype}) and source ({source.dtype}) must have the same dtype")
    index = index.reshape(-1)
    _check_source("index_copy", x, dim, index, source, count_error=DimensionError)
    _check_range(index, (x.shape or (1,))[dim], "index_copy", dim, DimensionError)
    spread = _spread(index, x.shape, dim)
    return Scatter.apply(_at_least_1d(x), source.reshape(spread.shape), dim=dim, index=spread).reshape(x.shape)


@tensor_method()
def index_fill(input, dim, index, value) -> Tensor:
    """input with ``value`` in the slices ``index`` (1-d int64, negative counts from the end) names along ``dim``."""
    x = _tensor_arg(input, "index_fill", "input")
    index = _index_array(index, "index_fill", dtypes=None)
    dim = _one_dim(dim, x.ndim, "index_fill")
    _check_index_dtype(index, "index_fill", dtypes=("int64",), error=DimensionError)
    if index.ndim > 1:
        raise ArgumentError(f"index_fill(): index has to be a vector or a scalar, got shape {tuple(index.shape)}")
    size = (x.shape or (1,))[dim]
    index = index.reshape(-1)
    if size == 0 and index.size:
        raise ArgumentError(f"index_fill(): cannot fill along dimension {dim} of size 0")
    if x.data.size:  # PyTorch checks the indices only when there is something to fill
        _check_range(index, size, "index_fill", dim, DimensionError, negative=True)
    spread = _spread(index % max(size, 1), x.shape, dim)
    src = _value_src(value, x, spread, "index_fill")
    return Scatter.apply(_at_least_1d(x), src, dim=dim, index=spread).reshape(x.shape)


# ---- masks ----------------------------------------------------------------------------------------
def _bool_mask(mask, op):
    mask = Tensor._wrap(mask) if isinstance(mask, xp.ndarray) else _tensor_arg(mask, op, "mask")
    if mask.dtype != xp.bool_:
        raise DtypeError(f"{op}: expected a bool tensor for mask, got {mask.dtype}")
    return mask


@tensor_method()
def masked_fill(input, mask, value) -> Tensor:
    """input with ``value`` (a number or a 0-d tensor) where the bool ``mask`` (broadcast) is true; no gradient
    flows to input there (a 0-d tensor value gets their sum)."""
    x = _tensor_arg(input, "masked_fill", "input")
    mask = _bool_mask(mask, "masked_fill")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ArgumentError(f"masked_fill(): only a 0-d value tensor is supported, got shape {tuple(value.shape)}")
        if not (value.requires_grad and value.dtype == x.dtype):  # else it keeps its gradient
            value = value.item()
    try:
        xp.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise ArgumentError(f"masked_fill(): the shapes of input {list(x.shape)} and mask {list(mask.shape)} do "
                            "not broadcast") from None
    fill = value if isinstance(value, Tensor) else constant(xp.asarray(value).astype(x.dtype))
    return where(mask, fill, x)


@tensor_method()
def masked_select(input, mask) -> Tensor:
    """The 1-d tensor of input's values where the bool ``mask`` is true (the two broadcast together)."""
    x = _tensor_arg(input, "masked_select", "input")
    mask = _bool_mask(mask, "masked_select")
    try:
        shape = xp.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise ArgumentError(f"masked_select(): the shapes of input {list(x.shape)} and mask {list(mask.shape)} "
                            "do not broadcast") from None
    if x.shape != shape:
        x = broadcast_to(x, shape)
    return GetItem.apply(x, index=(xp.broadcast_to(mask.data, shape), None)).reshape(-1)


class MaskedScatter(Function):
    """input with source's first values (in order) written where ``mask`` is true."""

    name = "masked_scatter"

    def forward(self, x, source, mask):
        self.mask = mask
        out = x.copy()
        out[mask] = source.reshape(-1)[:int(mask.sum())]
        return out

    def backward(self, g):
        x, source = self.inputs
        mask = self.mask
        grad_x = where(constant(mask), constant(xp.zeros((), dtype=g.dtype)), g)
        picked = GetItem.apply(g, index=(mask, None)).reshape(-1)
        grad_source = PadTo.apply(picked, shape=(source.data.size,)).reshape(source.shape)
        return grad_x, grad_source


@tensor_method()
def masked_scatter(input, mask, source) -> Tensor:
    """input with the first values of ``source`` written, in order, where ``mask`` (broadcast) is true."""
    x = _tensor_arg(input, "masked_scatter", "input")
    source = _tensor_arg(source, "masked_scatter", "source")
    mask = _bool_mask(mask, "masked_scatter")
    if source.dtype != x.dtype:
        raise DtypeError(f"masked_scatter(): expected input and source to have the same dtype, got {x.dtype} and "
                         f"{source.dtype}")
    try:
        shape = xp.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise ArgumentError(f"masked_scatter(): the shapes of input {list(x.shape)} and mask {list(mask.shape)} "
                            "do not broadcast") from None
    if shape != x.shape:
        x = broadcast_to(x, shape)
    mask = xp.broadcast_to(mask.data, shape)
    if int(mask.sum()) > source.data.size:
        raise ArgumentError("masked_scatter(): number of elements of source < number of ones in mask")
    return MaskedScatter.apply(x, source, mask=mask)


# ---- nonzero, take ----------------------------------------------------------------------------------
@tensor_method()
def nonzero(input, *, as_tuple: bool = False):
    """The int64 (n, ndim) indices of input's nonzero values, in C order (NaN counts as nonzero);
    ``as_tuple`` gives one 1-d tensor per dimension instead (a 0-d input counts as 1-d)."""
    x = _tensor_arg(input, "nonzero", "input")
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(xp.int64)) for i in xp.nonzero(x.data.reshape(x.shape or (1,))))
    return Tensor._wrap(xp.argwhere(x.data).astype(xp.int64, copy=False))


@tensor_method()
def argwhere(input) -> Tensor:
    """The int64 (n, ndim) indices of input's nonzero values (``nonzero``)."""
    return nonzero(input)


@tensor_method()
def take(input, index) -> Tensor:
    """input seen as 1-d, read at ``index`` (any shape, negative counts from the end); index's shape."""
    x = _tensor_arg(input, "take", "input")
    array = _index_array(index, "take", dtypes=("int64",))
    size = x.data.size
    if array.size and (int(array.min()) < -size or int(array.max()) >= size):
        bad = int(array.min()) if int(array.min()) < -size else int(array.max())
        raise DimensionError(f"take(): out of range: tried to access index {bad} on a tensor of {size} elements")
    flat = x.reshape(-1)
    return Gather.apply(flat, dim=0, index=(array % max(size, 1)).reshape(-1)).reshape(array.shape)


@tensor_method()
def take_along_dim(input, indices, dim=None) -> Tensor:
    """gather along ``dim`` with input and indices broadcast together off ``dim``; the indices are taken modulo
    input.size(dim) as PyTorch's CPU kernel does (-1 is the last). Without ``dim``, both are flattened first and
    the indices must lie in [0, input.numel())."""
    x = _tensor_arg(input, "take_along_dim", "input")
    array = _index_array(indices, "take_along_dim", "indices", dtypes=None)
    if dim is None:  # gather's rules on the flattened tensors
        flat, index = x.reshape(-1), array.reshape(-1)
        if index.size:
            _check_scatter_index("take_along_dim", flat, 0, index)
        return Gather.apply(flat, dim=0, index=index)
    if x.ndim == 0:
        raise DimensionError(f"take_along_dim(): dimension specified as {dim} but the tensor has no dimensions")
    dim = _one_dim(dim, x.ndim, "take_along_dim")
    _check_index_dtype(array, "take_along_dim", "indices", dtypes=("int64",))
    if array.ndim != x.ndim:
        raise ArgumentError(f"take_along_dim(): input and indices should have the same number of dimensions, "
                            f"got {x.ndim} dimensions for input and {array.ndim} for indices")
    try:
        shape = xp.broadcast_shapes(tuple(1 if d == dim else n for d, n in enumerate(x.shape)),
                                    tuple(1 if d == dim else n for d, n in enumerate(array.shape)))
    except ValueError:
        raise ArgumentError(f"take_along_dim(): input of shape {list(x.shape)} and indices of shape "
                            f"{list(array.shape)} do not broadcast off dim {dim}") from None
    size = x.shape[dim]
    if size == 0 and array.size:
        raise ArgumentError(f"take_along_dim(): cannot take indices from dimension {dim} of size 0")
    x_shape = tuple(x.shape[d] if d == dim else n for d, n in enumerate(shape))
    index_shape = tuple(array.shape[d] if d == dim else n for d, n in enumerate(shape))
    if tuple(x.shape) != x_shape:
        x = broadcast_to(x, x_shape)
    return Gather.apply(x, dim=dim, index=xp.broadcast_to(array % max(size, 1), index_shape))


@tensor_method()
def index_put(input, indices, values, accumulate: bool = False) -> Tensor:
    """input with ``values`` (broadcast) written at input[indices] (``indices`` a tuple of tensors, as
    ``x[indices] = values``); with ``accumulate`` they are added, repeated indices adding up."""
    x = _tensor_arg(input, "index_put", "input")
    values = _tensor_arg(values, "index_put", "values")
    if not isinstance(indices, (tuple, list)) or not all(isinstance(i, Tensor) or i is None for i in indices):
        raise TypeError("index_put(): indices must be a tuple of tensors")
    if values.dtype != x.dtype:
        raise DtypeError(f"index_put(): values ({values.dtype}) must have the input's dtype ({x.dtype})")
    index = _torch_index(tuple(slice(None) if i is None else i for i in indices), x.shape)
    positions = _select(xp.arange(x.data.size).reshape(x.shape), index)
    try:
        spread = broadcast_to(values, positions.shape) if tuple(values.shape) != positions.shape else values
    except ArgumentError:
        raise ArgumentError(f"index_put(): values of shape {list(values.shape)} cannot be broadcast to the "
                            f"indexed shape {list(positions.shape)}") from None
    flat_index = Tensor._wrap(positions.reshape(-1))
    flat = x.reshape(-1)
    spread = spread.reshape(-1)
    out = scatter_add(flat, 0, flat_index, spread) if accumulate else Scatter.apply(flat, spread, dim=0,
                                                                                  index=flat_index.data)
    return out.reshape(x.shape)


# ---- x[index] ---------------------------------------------------------------------------------------
_BASIC = (int, slice, type(None), type(Ellipsis))


def _is_plain(item):
    return (isinstance(item, _BASIC) and not isinstance(item, bool)) or isinstance(item, xp.integer)


def _check_slice(item):
    if item.step is not None:
        step = operator.index(item.step)
        if step == 0:
            raise ValueError("getitem: slice step cannot be zero")
        if step < 0:
            raise ValueError("getitem: step must be greater than zero (negative steps are not supported; use flip)")


def _sequence_as_tuple(seq):
    """PyTorch reads a short list that holds a tensor, a sequence, a slice, None or ... as a tuple."""
    return len(seq) < 32 and any(isinstance(i, (Tensor, xp.ndarray, list, tuple, slice)) or i is None or i is Ellipsis
                                 for i in seq)


def _parse(item):
    """One index item as (kind, value): int, slice, none, ellipsis, bool (0-d), array, mask."""
    if isinstance(item, (bool, xp.bool_)):
        return "bool", bool(item)
    if isinstance(item, (int, xp.integer)):
        return "int", int(item)
    if isinstance(item, slice):
        _check_slice(item)
        return "slice", item
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, Tensor):
        array = item.data
    elif isinstance(item, (list, tuple, range, xp.ndarray)):
        try:
            array = xp.asarray(item)   # a range is a sequence of ints, as PyTorch reads it (x[range(n), y])
        except ValueError as err:
            raise IndexError(f"getitem: cannot index with {item!r}: {err}") from None
        if array.size == 0 and not isinstance(item, xp.ndarray):
            array = array.astype(xp.int64)
    elif isinstance(item, (str, bytes)):
        raise TypeError(f"getitem: a tensor cannot be indexed by a string ({item!r})")
    else:
        raise IndexError("getitem: only integers, slices (`:`), ellipsis (`...`), None and long or byte tensors are "
                         f"valid indices (got {type(item).__name__})")
    if array.dtype == xp.bool_ or array.dtype == xp.uint8:
        return ("bool", bool(array)) if array.ndim == 0 else ("mask", array.astype(bool, copy=False))
    if array.dtype.kind not in "iu":
        raise IndexError(f"getitem: tensors used as indices must be long, int, byte or bool tensors, got {array.dtype}")
    return ("int", int(array)) if array.ndim == 0 else ("array", array)


def _torch_index(index, shape):
    """PyTorch's ``index`` as (basic, advanced): x[index] is x[basic][advanced] in NumPy, where ``basic``
    holds the ints, slices and None (applied first, as PyTorch does) and ``advanced`` (or None) the index
    arrays at their places in x[basic], each other dimension a full slice."""
    if isinstance(index, Tensor) and index.ndim:  # x[indices] or x[mask]: NumPy's meaning is PyTorch's
        array = index.data
        whole = array.dtype == xp.bool_ and array.shape == tuple(shape[:array.ndim])
        if whole or (array.dtype.kind in "iu" and array.dtype != xp.uint8 and 0 not in shape[1:]):
            return (), (array,)
    if isinstance(index, list) and _sequence_as_tuple(index):
        index = tuple(index)
    items = index if isinstance(index, tuple) else (index,)
    if all(_is_plain(i) for i in items) and sum(i is Ellipsis for i in items) <= 1:
        for item in items:
            if isinstance(item, slice):
                _check_slice(item)
        return index, None
    parsed = [_parse(item) for item in items]
    used = sum(1 if kind in ("int", "slice", "array") else value.ndim if kind == "mask" else 0
               for kind, value in parsed)
    ndim = len(shape)
    if used > ndim:
        raise IndexError(f"getitem: too many indices for tensor of dimension {ndim}")
    basic, advanced, sizes, dim, out_of_range = [], [], [], 0, []
    for kind, value in parsed:
        need = 1 if kind in ("int", "slice", "array") else value.ndim if kind == "mask" else 0
        if dim + need > ndim:  # after a second ``...`` (each one stands for the same number of dimensions)
            raise IndexError(f"getitem: too many indices for tensor of dimension {ndim}")
        if kind == "int":
            if not -shape[dim] <= value < shape[dim]:
                raise IndexError(f"getitem: index {value} is out of bounds for dimension {dim} with size {shape[dim]}")
            basic.append(value)
        elif kind == "slice":
            basic.append(value)
            advanced.append(None)
            sizes.append(len(range(*value.indices(shape[dim]))))
        elif kind in ("none", "bool"):
            basic.append(None)
            advanced.append(None if kind == "none" else xp.zeros(int(value), dtype=xp.int64))
            sizes.append(1)
        elif kind == "ellipsis":
            kept = shape[dim:dim + ndim - used]
            basic += [slice(None)] * len(kept)
            advanced += [None] * len(kept)
            sizes += kept
            dim += ndim - used - need
        elif kind == "array":
            if value.size and (value.min() < -shape[dim] or value.max() >= shape[dim]):
                out_of_range.append((len(advanced), dim))
            basic.append(slice(None))
            advanced.append(value)
            sizes.append(shape[dim])
        else:  # a mask over value.ndim dimensions
            if value.shape != tuple(shape[dim:dim + value.ndim]):
                raise IndexError(f"getitem: the shape of the mask {list(value.shape)} at index {dim} does not match "
                                 f"the shape of the indexed tensor {list(shape)}")
            basic += [slice(None)] * value.ndim
            advanced.append(value)  # NumPy reads a mask as its nonzero indices, side by side, as PyTorch
            sizes.append(0)
        dim += need
    arrays = [a for a in advanced if a is not None]
    if not arrays:
        return tuple(basic), None
    try:
        picked = xp.broadcast_shapes(*((int(a.sum()),) if a.dtype == xp.bool_ else a.shape for a in arrays))
    except ValueError:
        raise IndexError("getitem: shape mismatch: indexing tensors could not be broadcast together with shapes "
                         + ", ".join(str(list(a.shape)) for a in arrays)) from None
    kept = [n for n, a in zip(sizes, advanced) if a is None] + list(shape[dim:])
    for place, d in out_of_range:  # PyTorch checks the indices only when the result has elements
        if int(xp.prod(kept)) * int(xp.prod(picked)):
            _check_range(advanced[place], shape[d], "getitem", d, IndexError, negative=True)
        advanced[place] = xp.zeros_like(advanced[place])
    return tuple(basic), tuple(slice(None) if a is None else a for a in advanced)


def _select(array, index):
    """array[basic][advanced] (``index`` from ``_torch_index``)."""
    basic, advanced = index
    out = array[basic]
    return out if advanced is None else out[advanced]


class GetItem(Function):
    name = "getitem"

    def forward(self, x, index):
        self.index = index
        try:
            return _select(x, index)
        except IndexError as err:
            raise IndexError(f"getitem: {err} (tensor shape {tuple(x.shape)})") from None

    def backward(self, g):
        return (IndexBackward.apply(g, shape=self.inputs[0].shape, index=self.index),)


class IndexBackward(Function):
    """The adjoint of ``x[index]``: ``g`` added at ``index`` inside zeros of x's shape."""

    name = "index_backward"

    def forward(self, g, shape, index):
        self.index = index
        basic, advanced = index
        out = xp.zeros(shape, dtype=g.dtype)
        if advanced is None:
            out[basic] = g
            return out
        view = out[basic]
        positions = xp.arange(view.size).reshape(view.shape)[advanced]
        view[...] = _accumulate(view.shape, positions, g)
        return out

    def backward(self, gg):
        return (GetItem.apply(gg, index=self.index),)


@tensor_method("__getitem__")
def getitem(x: Tensor, index) -> Tensor:
    """x[index] with PyTorch's rules (see the module docstring)."""
    return GetItem.apply(x, index=_torch_index(index, x.shape))


def _one_dim(dim, ndim, op):
    """One dim argument: an int (a float, None or a sequence is PyTorch's TypeError), made non-negative."""
    if isinstance(dim, Tensor) and dim.ndim == 0 and dim.dtype.kind in "iu":
        dim = int(dim.item())
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_axis(int(dim), ndim, op)[0]


@tensor_method()
def index_select(input, dim, index) -> Tensor:
    """Slices (along ``dim``) of input picked by a 1-d (or 0-d) integer ``index``."""
    x = _tensor_arg(input, "index_select", "input")
    array = _index_array(index, "index_select", dtypes=None)
    dim = _one_dim(dim, x.ndim, "index_select")
    if array.ndim > 1:
        raise DimensionError(f"index_select(): index is supposed to be a vector, got shape {tuple(array.shape)}")
    _check_index_dtype(array, "index_select")
    if x.ndim == 0 and array.size != 1:
        raise ArgumentError(f"index_select(): index to a 0-d input can have only 1 value, got {array.size}")
    size = x.shape[dim] if x.ndim else 1
    if array.size and (int(array.min()) < 0 or int(array.max()) >= size):
        raise DimensionError(f"index_select(): index out of range in self (dimension {dim} of size {size})")
    if x.ndim == 0:
        return Gather.apply(x.reshape(1), dim=0, index=array.reshape(-1)).reshape(())
    return GetItem.apply(x, index=((slice(None),) * dim, (slice(None),) * dim + (array.reshape(-1),)))


def _write(array, index, value) -> None:
    """array[index] = value in place, with PyTorch's placement (``index`` from ``_torch_index``)."""
    basic, advanced = index
    basic = basic if isinstance(basic, tuple) else (basic,)
    if not any(item is Ellipsis for item in basic):
        basic = basic + (Ellipsis,)  # a view even when every dimension is picked by an int
    view = array[basic]
    view[(Ellipsis,) if advanced is None else advanced] = value


class SetItem(Function):
    """y = x with ``value`` (broadcast) written at ``index``;  dL/dx = g with zeros at index,
    dL/dvalue = g[index] summed to value's shape (PyTorch's ``CopySlices``)."""

    name = "setitem"

    def forward(self, x, value, index):
        self.index = index
        out = x.copy()
        _write(out, index, value)
        return out

    def backward(self, g):
        x, value = self.inputs
        keep = xp.ones(x.shape, dtype=g.dtype)
        _write(keep, self.index, 0)
        g_value = None
        if value.requires_grad:
            taken = GetItem.apply(g, index=self.index)
            g_value = sum_to(taken, value.shape) if taken.shape != value.shape else taken
        return g * constant(keep), g_value


def _target_shape(shape, index) -> tuple:
    """The shape x[index] has (``index`` from ``_torch_index``), without allocating x."""
    return _select(xp.broadcast_to(xp.zeros((), dtype=bool), shape), index).shape


@tensor_method("_index_put")
def _index_put(x: Tensor, index, value) -> Tensor:
    """``x[index] = value`` as a new tensor in the graph (``Tensor.__setitem__`` while the graph is recorded)."""
    value = value if isinstance(value, Tensor) else Tensor._wrap(xp.asarray(value, dtype=x.data.dtype))
    if value.data.dtype != x.data.dtype:
        value = value.to(x.data.dtype)
    index = _torch_index(index, x.shape)
    target = _target_shape(x.shape, index)
    try:
        xp.broadcast_shapes(value.shape, target)
    except ValueError:
        raise ArgumentError(f"__setitem__: shape mismatch: value tensor of shape {list(value.shape)} cannot be "
                            f"broadcast to indexing result of shape {list(target)}") from None
    return SetItem.apply(x, value, index=index)


@tensor_method("_assign")
def _assign(x: Tensor, index, value) -> None:
    """``x[index] = value`` (an array or a number) in place, outside the graph, with PyTorch's placement of the
    indexed dimensions (``Tensor.__setitem__`` calls it, then counts the change)."""
    _write(x.data, _torch_index(index, x.shape), value)


# ---- in-place forms (x.scatter_(...)): Tensor._update gives them PyTorch's in-place semantics --------------
def _in_place(fn, method):
    def update(self, *args, **kwargs):
        return self._update(method, fn, *args, **kwargs)

    update.__name__ = method
    return tensor_method(method)(update)


_scatter_ = _in_place(scatter, "scatter_")
_scatter_add_ = _in_place(scatter_add, "scatter_add_")
_scatter_reduce_ = _in_place(scatter_reduce, "scatter_reduce_")
_index_add_ = _in_place(index_add, "index_add_")
_index_copy_ = _in_place(index_copy, "index_copy_")
_index_fill_ = _in_place(index_fill, "index_fill_")
_index_put_ = _in_place(index_put, "index_put_")
_masked_fill_ = _in_place(masked_fill, "masked_fill_")
_masked_scatter_ = _in_place(masked_scatter, "masked_scatter_")


# ---- out-of-place writes of a view: select/slice/diagonal_scatter ----------------------------------------------
def _scatter_into(op, input, src, key_of, view_of):
    """A copy of ``input`` whose view ``view_of(input)`` holds ``src`` (which must have exactly that view's shape,
    as PyTorch requires); gradients flow to both."""
    from .conversion import clone

    x, src = _tensor_arg(input, op, "input"), _tensor_arg(src, op, "src")
    expected = view_of(x).shape
    if src.shape != expected:
        raise ArgumentError(f"{op}: expected src to have a size equal to the slice of self, got src of shape "
                            f"{tuple(src.shape)} for a slice of shape {expected}")
    out = clone(x)
    out[key_of(x)] = src if src.dtype == x.dtype else src.astype(x.dtype)
    return out


@tensor_method()
def select_scatter(input, src, dim: int, index: int) -> Tensor:
    """input with input.select(dim, index) replaced by src."""
    from .shape import select

    def key(x):
        d = _one_dim(dim, x.ndim, "select_scatter")
        return (slice(None),) * d + (index,)

    return _scatter_into("select_scatter", input, src, key, lambda x: select(x, dim, index))


@tensor_method()
def slice_scatter(input, src, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """input with input[..., start:end:step, ...] (along ``dim``) replaced by src."""
    if step <= 0:
        raise ArgumentError(f"slice_scatter: slice step must be positive, got {step}")

    def key(x):
        d = _one_dim(dim, x.ndim, "slice_scatter")
        return (slice(None),) * d + (slice(start, end, step),)

    return _scatter_into("slice_scatter", input, src, key, lambda x: x[key(x)])


@tensor_method()
def diagonal_scatter(input, src, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """input with input.diagonal(offset, dim1, dim2) replaced by src (whose last dim runs along the diagonal)."""
    from .conversion import clone
    from .shape import diagonal, movedim

    x, src = _tensor_arg(input, "diagonal_scatter", "input"), _tensor_arg(src, "diagonal_scatter", "src")
    view = diagonal(x, offset, dim1, dim2)
    if src.shape != view.shape:
        raise ArgumentError(f"diagonal_scatter: expected src to have a size equal to the slice of self, got src of "
                            f"shape {tuple(src.shape)} for a diagonal of shape {tuple(view.shape)}")
    d1, d2 = _one_dim(dim1, x.ndim, "diagonal_scatter"), _one_dim(dim2, x.ndim, "diagonal_scatter")
    moved = clone(movedim(x, (d1, d2), (-2, -1)))
    length = view.shape[-1]
    rows = xp.arange(length) + max(-offset, 0)
    cols = xp.arange(length) + max(offset, 0)
    moved[..., Tensor._wrap(rows), Tensor._wrap(cols)] = src if src.dtype == x.dtype else src.astype(x.dtype)
    return movedim(moved, (-2, -1), (d1, d2))
