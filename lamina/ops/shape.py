"""Shape ops: reshape, permute, broadcast, concatenate, split, pad, flip, roll, repeat, diagonals, windows.

Each backward is the inverse rearrangement of the gradient (and ``sum_to``, which undoes broadcasting in the
gradients of every broadcasting op, is ``broadcast_to``'s adjoint). Ops that copy a cell to several places
add the copies' gradients back with whole-array operations: ``repeat``/``expand`` through a broadcast's
``sum_to``, reflect/replicate/circular padding by a scatter-add over an index map, ``unfold`` by one strided
add per offset in the window.

Arguments follow PyTorch: sizes and dims are ints (Python or NumPy integers, or 0-d integer tensors; a float is
a ``TypeError``), a dim out of range is a ``DimensionError`` (an ``IndexError``), a shape that does not fit is an
``ArgumentError`` (a ``RuntimeError``).
"""
from __future__ import annotations

import itertools
import math
import numbers
import warnings

from .. import dtypes
from ..autograd import Function
from ..backend import xp
from ..kernels.scatter import scatter_add
from ..tensor import Tensor
from ._util import as_tensor, broadcast_shapes, tensor_method
from .conversion import _view_dtype, cast
from ..errors import ArgumentError, DimensionError, DtypeError


class _NotSupported(ArgumentError, NotImplementedError):
    """A combination PyTorch does not implement either (it raises ``NotImplementedError``)."""


# ---- the Functions ----------------------------------------------------------------------------------
class Reshape(Function):
    name = "reshape"

    def forward(self, x, shape):
        try:
            return x.reshape(shape)
        except ValueError:
            raise ArgumentError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.size} elements) "
                                f"into {tuple(shape)}") from None

    def backward(self, g):
        return (g.reshape(self.inputs[0].shape),)


class Permute(Function):
    name = "permute"

    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        inverse = tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__))
        return (g.permute(inverse),)


class BroadcastTo(Function):
    name = "broadcast_to"

    def forward(self, x, shape):
        return xp.broadcast_to(x, shape)

    def backward(self, g):
        return (sum_to(g, self.inputs[0].shape),)


class SumTo(Function):
    """Sum leading and size-1 axes so that the result has ``shape`` (undoes a broadcast)."""

    name = "sum_to"

    def forward(self, x, shape):
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
        return x.sum(axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)

    def backward(self, g):
        return (broadcast_to(g, self.inputs[0].shape),)


class Cat(Function):
    name = "cat"

    def forward(self, *arrays, axis):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return xp.concatenate(arrays, axis=axis)

    def backward(self, g):
        out, start = [], 0
        index = [slice(None)] * g.ndim
        for n in self.sizes:
            index[self.axis] = slice(start, start + n)
            out.append(g[tuple(index)])
            start += n
        return tuple(out)


class Pad(Function):
    """Constant padding; a negative width crops. Its adjoint is the opposite padding (crop <-> pad with 0)."""

    name = "pad"

    def forward(self, x, widths, value):
        self.widths = widths
        crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, widths))
        grow = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
        return xp.pad(x[crop], grow, mode="constant", constant_values=value)

    def backward(self, g):
        return (Pad.apply(g, widths=tuple((-lo, -hi) for lo, hi in self.widths), value=0),)


class _PadByIndex(Function):
    """out = x gathered along each padded axis by an index map (``maps``: (axis, source index) pairs).
    Reflect, replicate and circular padding are such gathers; the backward adds every output cell's gradient
    to its source in one scatter-add."""

    name = "pad_gather"

    def forward(self, x, maps):
        self.maps = maps
        for axis, index in maps:
            x = xp.take(x, index, axis=axis)
        return x

    def backward(self, g):
        return (PadBackward.apply(g, shape=self.inputs[0].shape, maps=self.maps, pad_op=type(self)),)


class ReflectionPad(_PadByIndex):
    """Mirror at the edges, the edge itself not repeated: index -i maps to i, n - 1 + i to n - 1 - i."""

    name = "reflection_pad"


class ReplicationPad(_PadByIndex):
    """Repeat the edge: index i maps to clip(i, 0, n - 1)."""

    name = "replication_pad"


class CircularPad(_PadByIndex):
    """Wrap around: the left padding is the end of the (cropped) input, the right padding its start."""

    name = "circular_pad"


class PadBackward(Function):
    """The adjoint of a gather padding: each input cell receives the sum of the gradients of its copies."""

    name = "pad_backward"

    def forward(self, g, shape, maps, pad_op):
        self.maps, self.pad_op = maps, pad_op
        positions = xp.arange(math.prod(shape)).reshape(shape)
        for axis, index in maps:
            positions = xp.take(positions, index, axis=axis)
        return scatter_add(shape, positions, g)

    def backward(self, gg):
        return (self.pad_op.apply(gg, maps=self.maps),)


class Flip(Function):
    name = "flip"

    def forward(self, x, axes):
        self.axes = axes
        return xp.flip(x, axes)

    def backward(self, g):
        return (Flip.apply(g, axes=self.axes),)


class Roll(Function):
    name = "roll"

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return xp.roll(x, shifts, axes)

    def backward(self, g):
        return (Roll.apply(g, shifts=tuple(-s for s in self.shifts), axes=self.axes),)


class Tril(Function):
    """Keep x[..., i, j] where j - i <= diagonal, zero elsewhere (NaN included); the gradient is masked alike."""

    name = "tril"

    def forward(self, x, diagonal):
        self.diagonal = diagonal
        return xp.tril(x, diagonal)

    def backward(self, g):
        return (Tril.apply(g, diagonal=self.diagonal),)


class Triu(Function):
    """Keep x[..., i, j] where j - i >= diagonal, zero elsewhere."""

    name = "triu"

    def forward(self, x, diagonal):
        self.diagonal = diagonal
        return xp.triu(x, diagonal)

    def backward(self, g):
        return (Triu.apply(g, diagonal=self.diagonal),)


def _diagonal_cells(shape, offset, dim1, dim2):
    """Row and column indices (along dim1, dim2) of the ``offset`` diagonal."""
    length = max(0, min(shape[dim1] - max(-offset, 0), shape[dim2] - max(offset, 0)))
    steps = xp.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


class Diagonal(Function):
    """out[..., k] = x[.., i0 + k, .., j0 + k, ..] along (dim1, dim2), the diagonal as the last dim."""

    name = "diagonal"

    def forward(self, x, offset, dim1, dim2):
        self.params = {"offset": offset, "dim1": dim1, "dim2": dim2}
        return xp.diagonal(x, offset, dim1, dim2).copy()

    def backward(self, g):
        return (DiagonalScatter.apply(g, shape=self.inputs[0].shape, **self.params),)


class DiagonalScatter(Function):
    """Zeros of ``shape`` with the last dim of the input on a diagonal (``diagonal``'s adjoint, ``diag_embed``)."""

    name = "diagonal_scatter"

    def forward(self, values, shape, offset, dim1, dim2):
        self.params = {"offset": offset, "dim1": dim1, "dim2": dim2}
        out = xp.zeros(shape, dtype=values.dtype)
        rows, cols = _diagonal_cells(shape, offset, dim1, dim2)
        xp.moveaxis(out, (dim1, dim2), (-2, -1))[..., rows, cols] = values
        return out

    def backward(self, g):
        return (Diagonal.apply(g, **self.params),)


class TensorUnfold(Function):
    """x.unfold(dim, size, step): out[..., i, ..., k] = x[..., i * step + k, ...], a strided view copied out."""

    name = "tensor_unfold"

    def forward(self, x, dim, size, step):
        self.params = {"dim": dim, "size": size, "step": step}
        windows = xp.lib.stride_tricks.sliding_window_view(x, size, axis=dim)
        return xp.ascontiguousarray(windows[(slice(None),) * dim + (slice(None, None, step),)])

    def backward(self, g):
        return (TensorUnfoldBackward.apply(g, shape=self.inputs[0].shape, **self.params),)


class TensorUnfoldBackward(Function):
    """The adjoint of ``unfold``: cell j of x receives the gradients of every window position that copied it,
    one strided add per offset k in the window (cells i * step + k), whole arrays at a time."""

    name = "tensor_unfold_backward"

    def forward(self, g, shape, dim, size, step):
        self.params = {"dim": dim, "size": size, "step": step}
        out = xp.zeros(shape, dtype=g.dtype)
        target, windows = xp.moveaxis(out, dim, -1), xp.moveaxis(g, dim, -2)  # (..., n) and (..., count, size)
        count = windows.shape[-2]
        for k in range(size):
            target[..., k:k + step * (count - 1) + 1:step] += windows[..., k]
        return out

    def backward(self, gg):
        return (TensorUnfold.apply(gg, **self.params),)


def sum_to(grad: Tensor, shape: tuple) -> Tensor:
    """Undo broadcasting: sum ``grad`` down to ``shape`` (the adjoint of ``broadcast_to``)."""
    if grad.shape == shape:
        return grad
    return SumTo.apply(grad, shape=shape)


# ---- argument checks --------------------------------------------------------------------------------
def _int(value, op: str, what: str = "argument", allow_bool: bool = False) -> int:
    """An int argument: a Python or NumPy integer, or a one-element integer tensor; else TypeError (a bool
    too, as PyTorch, except where it takes one: ``allow_bool``)."""
    if isinstance(value, numbers.Integral) and (allow_bool or not isinstance(value, bool)):
        return int(value)
    if isinstance(value, Tensor) and value.data.size == 1 and value.dtype.kind in "iu":
        return int(value.item())
    raise TypeError(f"{op}: {what} must be an int, not {type(value).__name__} ({value!r})")


def _int_list(values, op: str, what: str = "size") -> tuple:
    """A tuple/list (or torch.Size-like) of ints as a tuple; a float anywhere is a TypeError."""
    if isinstance(values, Tensor) and values.ndim == 1:
        values = values.tolist()
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{op}: {what} must be a tuple of ints, not {type(values).__name__}")
    # PyTorch's parser takes bools in a list of ints, except in the first place
    return tuple(_int(v, op, f"each {what} entry", allow_bool=i > 0) for i, v in enumerate(values))


def _keyword_sizes(op: str, args: tuple, *keywords) -> tuple:
    """Sizes given positionally or by keyword (``x.expand(size=(2, 3))``), as the argument tuple; none at all
    is a TypeError, as PyTorch (``x.reshape(())`` is the way to a 0-d shape)."""
    given = [k for k in keywords if k is not None]
    if not args and not given:
        raise TypeError(f"{op}: missing the required sizes/dims argument")
    return (given[0],) if given and not args else args


def _sizes(args: tuple, op: str) -> tuple:
    """Sizes given PyTorch's two ways: ``f(2, 3)`` or ``f((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Tensor)) and not (
            isinstance(args[0], Tensor) and args[0].ndim == 0):
        return _int_list(args[0], op)
    return _int_list(args, op)


def _dim(dim, ndim: int, op: str) -> int:
    """One dim in [-ndim, ndim) (a 0-d tensor takes -1 and 0), made non-negative."""
    dim = _int(dim, op, "dim")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise DimensionError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimensions "
                             f"(expected in [{-bound}, {bound - 1}])")
    return dim % bound


def _dim_list(dims, op: str) -> tuple:
    """An int or a sequence of ints, as a tuple (types checked before any range, as PyTorch's parser does)."""
    return _int_list(dims, op, "dims") if isinstance(dims, (tuple, list)) else (_int(dims, op, "dim"),)


def _dims(dims, ndim: int, op: str) -> tuple:
    """An int or a sequence of distinct dims, made non-negative."""
    items = _dim_list(dims, op)
    out = tuple(_dim(d, ndim, op) for d in items)
    if len(set(out)) != len(out):
        raise ArgumentError(f"{op}: dims {tuple(items)} name a dimension more than once")
    return out


def _tensor_list(tensors, op: str) -> list:
    """The tensors of a list or tuple argument (a single tensor is a TypeError, as in PyTorch)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    out = []
    for i, t in enumerate(tensors):
        if isinstance(t, xp.ndarray):
            t = Tensor._wrap(t)
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a tensor at position {i}, got {type(t).__name__}")
        out.append(t)
    return out


def _result_dtype(dtypes):
    """PyTorch's promotion across tensors: the widest float when there is one (int64 + float32 is float32),
    else the integer/bool promotion."""
    floats = [d for d in dtypes if d.kind == "f"]
    return xp.result_type(*floats) if floats else xp.result_type(*dtypes)


def _infer_shape(shape: tuple, numel: int, op: str, source: str) -> tuple:
    """``shape`` with its one -1 replaced by the size that keeps ``numel`` elements (``source`` says what holds
    them, for the message)."""
    if any(n < -1 for n in shape):
        raise ArgumentError(f"{op}: invalid shape dimension {min(shape)} in {shape}")
    if shape.count(-1) > 1:
        raise ArgumentError(f"{op}: only one dimension can be inferred (-1), got {shape}")
    if -1 in shape:
        known = math.prod(n for n in shape if n != -1)
        if known == 0 or numel % known:
            raise ArgumentError(f"{op}: cannot reshape {source} ({numel} elements) into {shape}")
        shape = tuple(numel // known if n == -1 else n for n in shape)
    if math.prod(shape) != numel:
        raise ArgumentError(f"{op}: cannot reshape {source} ({numel} elements) into {shape}")
    return shape


# ---- reshaping --------------------------------------------------------------------------------------
@tensor_method("reshape")
def reshape(input: Tensor, *args, shape=None, size=None) -> Tensor:
    """The shape as ints or one tuple (or ``shape=``/``size=``, torch.reshape's and Tensor.view's keywords);
    one -1 is inferred."""
    x = as_tensor(input)
    shape = _sizes(_keyword_sizes("reshape", args, shape, size), "reshape")
    shape = _infer_shape(shape, x.data.size, "reshape", f"a tensor of shape {tuple(x.shape)}")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


@tensor_method()
def view(input: Tensor, *args, shape=None, size=None, dtype=None) -> Tensor:
    """``x.view(*shape)`` is ``reshape`` (Lamina's arrays need no contiguity); ``x.view(dtype)`` reads the same
    bytes as another dtype, as PyTorch (``conversion._view_dtype``; not differentiable)."""
    if dtype is None and len(args) == 1 and _is_dtype(args[0]):
        dtype = args[0]
    if dtype is not None:
        return _view_dtype(as_tensor(input), dtype)
    return reshape(input, *args, shape=shape, size=size)


def _is_dtype(value) -> bool:
    return (isinstance(value, (xp.dtype, dtypes.dtype, str))
            or (isinstance(value, type) and issubclass(value, xp.generic)))


@tensor_method()
def view_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, as_tensor(other).shape)


@tensor_method()
def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, as_tensor(other).shape)


@tensor_method()
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims start_dim..end_dim merged into one; a 0-d tensor becomes shape (1,)."""
    x = as_tensor(input)
    start, end = _int(start_dim, "flatten", "start_dim"), _int(end_dim, "flatten", "end_dim")
    start, end = _dim(start, x.ndim, "flatten"), _dim(end, x.ndim, "flatten")
    if x.ndim == 0:
        return reshape(x, 1)
    if start > end:
        raise ArgumentError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:])


@tensor_method()
def ravel(input: Tensor) -> Tensor:
    """All elements as a 1-D tensor (a 0-d tensor gives shape (1,))."""
    return flatten(input)


@tensor_method()
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Dim ``dim`` split into ``sizes`` (one of which may be -1)."""
    x = as_tensor(input)
    sizes, dim = _int_list(sizes, "unflatten", "sizes"), _int(dim, "unflatten", "dim")
    dim = _dim(dim, x.ndim, "unflatten")
    if x.ndim == 0:
        raise ArgumentError("unflatten: a 0-d tensor has no dimension to unflatten")
    if not sizes:
        raise ArgumentError("unflatten: sizes must be non-empty")
    sizes = _infer_shape(sizes, x.shape[dim], "unflatten", f"dim {dim} of shape {tuple(x.shape)}")
    return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])


_ALL_DIMS = object()  # squeeze's default: PyTorch refuses an explicit dim=None (TypeError)


@tensor_method(inplace="reshape")
def squeeze(input: Tensor, dim=_ALL_DIMS) -> Tensor:
    """Size-1 dims removed: all of them, or those among ``dim`` (an int or a tuple)."""
    x = as_tensor(input)
    if dim is _ALL_DIMS:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    if dim is None:
        raise TypeError("squeeze(): argument 'dim' must be an int or a tuple of ints, not None")
    axes = _dims(dim, x.ndim, "squeeze")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1)))


@tensor_method(inplace="reshape")
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    x = as_tensor(input)
    dim = _int(dim, "unsqueeze", "dim")
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise DimensionError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} dimensions "
                             f"(expected in [{-x.ndim - 1}, {x.ndim}])")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def atleast_1d(*tensors):
    return _at_least(tensors, 1)


def atleast_2d(*tensors):
    return _at_least(tensors, 2)


def atleast_3d(*tensors):
    return _at_least(tensors, 3)


def _at_least(tensors: tuple, ndim: int):
    """PyTorch's atleast_nd: one tensor in, one out; several (or a list), a tuple. 1-D (n,) becomes (1, n)
    and (1, n, 1); 2-D (m, n) becomes (m, n, 1)."""
    single = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    items = tensors[0] if len(tensors) == 1 and not single else tensors
    out = tuple(reshape(t, _at_least_shape(t.shape, ndim)) for t in map(as_tensor, items))
    return out[0] if single else out


def _at_least_shape(shape: tuple, ndim: int) -> tuple:
    if len(shape) >= ndim:
        return shape
    if ndim == 3 and len(shape) == 1:
        return (1,) + shape + (1,)
    if ndim == 3 and len(shape) == 2:
        return shape + (1,)
    return (1,) * (ndim - len(shape)) + shape


# ---- permuting --------------------------------------------------------------------------------------
@tensor_method()
def permute(input: Tensor, *args, dims=None) -> Tensor:
    """``dims`` as ints or one tuple: a permutation of all the dims."""
    x = as_tensor(input)
    dims = _sizes(_keyword_sizes("permute", args, dims), "permute")
    if len(dims) != x.ndim:
        raise ArgumentError(f"permute: {dims} has {len(dims)} dims, the tensor of shape {tuple(x.shape)} has {x.ndim}")
    axes = tuple(_dim(d, x.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise ArgumentError(f"permute: duplicate dims are not allowed, got {dims}")
    if axes == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, axes=axes)


@tensor_method("transpose", "swapaxes", "swapdims", inplace="reshape")
def transpose(input: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    x = as_tensor(input)
    dim0, dim1 = _int(dim0, "transpose", "dim0"), _int(dim1, "transpose", "dim1")
    dim0, dim1 = _dim(dim0, x.ndim, "transpose"), _dim(dim1, x.ndim, "transpose")
    if x.ndim == 0:
        return x
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, axes)


swapaxes = swapdims = transpose


@tensor_method("movedim", "moveaxis")
def movedim(input: Tensor, source, destination) -> Tensor:
    """Dims ``source`` moved to positions ``destination``; the others keep their order."""
    x = as_tensor(input)
    if isinstance(source, (tuple, list)) != isinstance(destination, (tuple, list)):
        raise TypeError(f"movedim: source and destination must both be ints or both be tuples, got "
                        f"{type(source).__name__} and {type(destination).__name__}")
    source, destination = _dim_list(source, "movedim"), _dim_list(destination, "movedim")
    source = tuple(_dim(d, x.ndim, "movedim") for d in source)  # both ranges, then repeats, as PyTorch
    destination = tuple(_dim(d, x.ndim, "movedim") for d in destination)
    source, destination = _dims(source, x.ndim, "movedim"), _dims(destination, x.ndim, "movedim")
    if len(source) != len(destination):
        raise ArgumentError(f"movedim: source {source} and destination {destination} differ in length")
    order = [d for d in range(x.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return permute(x, order) if x.ndim else x


moveaxis = movedim


@tensor_method("T", is_property=True)
def _reversed_axes(x: Tensor) -> Tensor:
    """x.T: all axes reversed."""
    return permute(x, tuple(reversed(range(x.ndim))))


@tensor_method("mT", is_property=True)
def _matrix_transpose(x: Tensor) -> Tensor:
    """x.mT: the last two axes swapped (a batch of matrices transposed); a 0-d tensor is itself (PyTorch warns)."""
    if x.ndim == 0:
        warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
                      UserWarning, stacklevel=2)
        return x
    if x.ndim < 2:
        raise ArgumentError(f"mT: needs a matrix or a batch of matrices, got a {x.ndim}-D tensor")
    return transpose(x, -2, -1)


@tensor_method(inplace="reshape")
def t(input: Tensor) -> Tensor:
    """A matrix transposed; 0-D and 1-D tensors are returned as they are."""
    x = as_tensor(input)
    if x.ndim > 2:
        raise ArgumentError(f"t: expects a tensor with <= 2 dimensions, got {x.ndim}-D; use transpose or mT")
    return _reversed_axes(x)


# ---- broadcasting and repeating ---------------------------------------------------------------------
def _expanded_shape(x: Tensor, shape: tuple, op: str) -> tuple:
    """PyTorch's expand rule: new leading dims, -1 keeps a size, only size-1 dims grow."""
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ArgumentError(f"{op}: {len(shape)} sizes {shape} are fewer than the {x.ndim} dims of {tuple(x.shape)}")
    out = []
    for i, n in enumerate(shape):
        old = x.shape[i - lead] if i >= lead else None
        if n == -1 and old is not None:
            n = old
        elif n < 0:
            raise ArgumentError(f"{op}: size {n} at dim {i} is not allowed in {shape}")
        if old is not None and old != 1 and old != n:
            raise ArgumentError(f"{op}: a tensor of shape {tuple(x.shape)} cannot be expanded to {shape}: "
                                f"size {old} must match {n} at dim {i}")
        out.append(n)
    return tuple(out)


@tensor_method()
def broadcast_to(input: Tensor, *args, size=None) -> Tensor:
    x = as_tensor(input)
    shape = _expanded_shape(x, _sizes(_keyword_sizes("broadcast_to", args, size), "broadcast_to"), "broadcast_to")
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


@tensor_method()
def expand(input: Tensor, *sizes, size=None) -> Tensor:
    """Like PyTorch: -1 keeps that dimension's size; new dims go in front."""
    x = as_tensor(input)
    return broadcast_to(x, _expanded_shape(x, _sizes(_keyword_sizes("expand", sizes, size), "expand"), "expand"))


@tensor_method()
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return broadcast_to(input, as_tensor(other).shape)


def broadcast_tensors(*tensors):
    tensors = [as_tensor(t) for t in (tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple))
                                       else tensors)]
    shape = broadcast_shapes("broadcast_tensors", *(t.shape for t in tensors))
    return tuple(broadcast_to(t, shape) for t in tensors)


@tensor_method("repeat")
def _repeat(input: Tensor, *sizes, repeats=None) -> Tensor:
    """x.repeat(*sizes): x tiled ``sizes[i]`` times along dim i (more sizes than dims add leading dims).
    A broadcast between reshapes, so the gradient is the sum over the copies."""
    x = as_tensor(input)
    sizes = _sizes(_keyword_sizes("repeat", sizes, repeats), "repeat")
    if len(sizes) < x.ndim:
        raise ArgumentError(f"repeat: {len(sizes)} repeat sizes {sizes} are fewer than the {x.ndim} dims of "
                            f"{tuple(x.shape)}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    if any(r * n < 0 for r, n in zip(sizes, shape)):
        raise ArgumentError(f"repeat: repeat sizes must be non-negative, got {sizes}")
    sizes = tuple(max(r, 0) for r in sizes)  # a negative count of an empty dim gives 0, as PyTorch
    interleaved = tuple(v for n in shape for v in (1, n))
    tiled = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
    y = broadcast_to(reshape(x, interleaved), tiled)
    return reshape(y, tuple(r * n for r, n in zip(sizes, shape)))


def tile(input: Tensor, dims) -> Tensor:
    """``repeat``, with too few ``dims`` (a tuple, as torch.tile; the method also takes ints) padded with
    leading 1s."""
    x = as_tensor(input)
    dims = _int_list(dims, "tile", "dims")
    return _repeat(x, (1,) * (x.ndim - len(dims)) + dims)


@tensor_method("tile")
def _tile_method(x: Tensor, *args, dims=None) -> Tensor:
    """x.tile(2, 3) or x.tile((2, 3))."""
    return tile(x, _sizes(_keyword_sizes("tile", args, dims), "tile"))


@tensor_method()
def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element (each slice along ``dim``) repeated ``repeats`` times in place; ``dim=None`` flattens first.
    ``repeats`` is an int or an integer tensor (one count per slice, or one for all). With ``repeats`` left out,
    ``input`` holds the counts and the result repeats their indices."""
    x = as_tensor(input)
    if dim is not None:
        dim = _int(dim, "repeat_interleave", "dim")
    if not isinstance(repeats, Tensor) and repeats is not None:
        repeats = _int(repeats, "repeat_interleave", "repeats")
    if repeats is None:
        return Tensor._wrap(xp.repeat(xp.arange(x.data.size), _repeat_counts(x, x.data.size)))
    if dim is None:
        x, dim = flatten(x), 0
    elif x.ndim == 0:
        raise DimensionError("repeat_interleave: a 0-d tensor has no dim to repeat along; use dim=None")
    dim = _dim(dim, x.ndim, "repeat_interleave")
    n = x.shape[dim]
    if isinstance(repeats, Tensor):
        counts = _repeat_counts(repeats, n)
        total = int(counts.sum())
    else:
        count = _int(repeats, "repeat_interleave", "repeats")
        if count < 0:
            raise ArgumentError(f"repeat_interleave: repeats must be non-negative, got {count}")
        counts, total = None, count * n
    if output_size is not None and _int(output_size, "repeat_interleave", "output_size") != total:
        raise ArgumentError(f"repeat_interleave: output_size {output_size} does not match the {total} repeats")
    if counts is None:
        y = broadcast_to(unsqueeze(x, dim + 1), x.shape[:dim + 1] + (count,) + x.shape[dim + 1:])
        return reshape(y, x.shape[:dim] + (total,) + x.shape[dim + 1:])
    return x[(slice(None),) * dim + (xp.repeat(xp.arange(n), counts),)]


def _repeat_counts(repeats: Tensor, n: int):
    """Per-slice repeat counts (a 0-d or one-element tensor applies to all ``n``), checked as PyTorch."""
    counts = repeats.data
    if counts.dtype.kind not in "iu":
        raise DtypeError(f"repeat_interleave: repeats must be an integer tensor, got {counts.dtype}")
    if counts.ndim > 1:
        raise ArgumentError(f"repeat_interleave: repeats must be a 0-d or 1-d tensor, got shape {tuple(counts.shape)}")
    if counts.size == 1:
        counts = xp.broadcast_to(counts.reshape(()), (n,))
    if counts.shape != (n,):
        raise ArgumentError(f"repeat_interleave: repeats has {counts.size} counts, the input has {n} slices")
    if (counts < 0).any():
        raise ArgumentError("repeat_interleave: repeats must be non-negative")
    return counts


@tensor_method("unfold")
def _unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """x.unfold(dimension, size, step): the windows x[..., i*step : i*step + size, ...] of ``dimension``,
    window index in its place and the window as a new last dim. Overlapping windows' gradients add."""
    x = as_tensor(input)
    dim, size, step = _int(dimension, "unfold", "dimension"), _int(size, "unfold", "size"), _int(step, "unfold", "step")
    dim = _dim(dim, x.ndim, "unfold")
    if x.ndim == 0:
        return _unfold(reshape(x, 1), 0, size, step)[0]
    length = x.shape[dim]
    if step <= 0:
        raise ArgumentError(f"unfold: step is {step} but must be > 0")
    if not 0 <= size <= length:
        raise ArgumentError(f"unfold: size {size} must be in [0, {length}] (the length of dim {dim})")
    return TensorUnfold.apply(x, dim=dim, size=size, step=step)


# ---- joining ----------------------------------------------------------------------------------------
def cat(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Tensors joined along ``dim``; dtypes promote as PyTorch (int + float -> float). 1-D empty tensors
    are skipped (PyTorch's legacy rule)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ArgumentError("cat: expected a non-empty list of tensors")
    dtype = _result_dtype([t.dtype for t in tensors])
    dim = _int(dim if axis is None else axis, "cat", "dim")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ArgumentError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [t for t in tensors if t.shape != (0,)]
    if not kept:  # only legacy empty vectors: PyTorch checks nothing more
        return cast(tensors[0], dtype)
    ref = kept[0]
    dim = _dim(dim, ref.ndim, "cat")
    for t in kept[1:]:
        if t.ndim != ref.ndim:
            raise ArgumentError(f"cat: tensors must have the same number of dimensions, got {ref.ndim} "
                                f"(shape {tuple(ref.shape)}) and {t.ndim} (shape {tuple(t.shape)})")
        if any(a != b for i, (a, b) in enumerate(zip(t.shape, ref.shape)) if i != dim):
            raise ArgumentError(f"cat: shapes {tuple(ref.shape)} and {tuple(t.shape)} differ outside dim {dim}")
    return Cat.apply(*[cast(t, dtype) for t in kept], axis=dim)  # a new array even for one tensor, as PyTorch


concat = concatenate = cat


def stack(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Tensors of one shape joined along a new dim ``dim``."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise ArgumentError("stack: expected a non-empty list of tensors")
    shapes = [tuple(t.shape) for t in tensors]
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise ArgumentError(f"stack: expects each tensor to be equal size, got {shapes[0]} at entry 0 and "
                                f"{s} at entry {i}")
    dim = dim if axis is None else axis
    dim = _int(dim, "stack", "dim")
    if not -tensors[0].ndim - 1 <= dim <= tensors[0].ndim:
        raise DimensionError(f"stack: dim {dim} is out of range for stacking {tensors[0].ndim}-D tensors "
                             f"(expected in [{-tensors[0].ndim - 1}, {tensors[0].ndim}])")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def hstack(tensors) -> Tensor:
    """Join along dim 1, or dim 0 when the tensors are 1-D (0-d tensors count as 1-D)."""
    tensors = atleast_1d(_non_empty(tensors, "hstack"))
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join along dim 0 after making each tensor at least 2-D ((n,) -> (1, n))."""
    return cat(atleast_2d(_non_empty(tensors, "vstack")), 0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    """Join along dim 2 after making each tensor at least 3-D."""
    return cat(atleast_3d(_non_empty(tensors, "dstack")), 2)


def column_stack(tensors) -> Tensor:
    """Join along dim 1, 0-d and 1-D tensors becoming columns (n, 1)."""
    tensors = _non_empty(tensors, "column_stack")
    return cat([reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors], 1)


def _non_empty(tensors, op: str) -> list:
    tensors = _tensor_list(tensors, op)
    if not tensors:
        raise ArgumentError(f"{op}: expects a non-empty list of tensors")
    return tensors


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids of 0-d/1-D tensors: with "ij" output i varies along dim i; "xy" swaps the first two
    dims (Cartesian). Without ``indexing`` PyTorch warns and uses "ij"."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = _non_empty(list(tensors), "meshgrid")
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the indexing argument; "
                      "using indexing='ij'", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f'meshgrid: indexing must be one of "xy" or "ij", got {indexing!r}')
    for t in tensors:
        if t.ndim > 1:
            raise ArgumentError(f"meshgrid: expected 0-D or 1-D tensors, got shape {tuple(t.shape)}")
        if t.dtype != tensors[0].dtype:
            raise ArgumentError(f"meshgrid: expects all tensors to have the same dtype, got {tensors[0].dtype} "
                                f"and {t.dtype}")
    positions = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        positions[0], positions[1] = 1, 0
    shape = [0] * len(tensors)
    for t, p in zip(tensors, positions):
        shape[p] = t.numel()
    grids = []
    for t, p in zip(tensors, positions):
        column = reshape(t, tuple(-1 if i == p else 1 for i in range(len(tensors))))
        grids.append(broadcast_to(column, tuple(shape)))
    return tuple(grids)


# ---- splitting and slicing --------------------------------------------------------------------------
@tensor_method()
def split(tensor: Tensor, split_size_or_sections=None, dim: int = 0, *, split_size=None) -> tuple:
    """Like PyTorch: an int gives pieces of that size (the last may be smaller); a list gives sizes.
    (``split_size=`` is Tensor.split's keyword.)"""
    x = as_tensor(tensor)
    if split_size_or_sections is None:
        split_size_or_sections = split_size
    dim = _int(dim, "split", "dim")
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(_int_list(split_size_or_sections, "split", "split_sizes"))
    else:
        step = _int(split_size_or_sections, "split", "split_size")
    if x.ndim == 0:
        raise ArgumentError("split: expects at least a 1-dimensional tensor")
    dim = _dim(dim, x.ndim, "split")
    n = x.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        if any(s < 0 for s in sizes):
            raise ArgumentError(f"split: split_sizes must be non-negative, got {sizes}")
        if sum(sizes) != n:
            raise ArgumentError(f"split: sizes {sizes} do not add up to {n}, the length of dim {dim}")
    else:
        if step < 0:
            raise ArgumentError(f"split: split_size must be non-negative, got {step}")
        if step == 0 and n:
            raise ArgumentError(f"split: split_size can only be 0 if the dimension size is 0, got size {n}")
        sizes = [min(step, n - s) for s in range(0, n, step)] if n else [0]
    return _pieces(x, dim, sizes)


def _pieces(x: Tensor, dim: int, sizes) -> tuple:
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + size)
    return tuple(x[(slice(None),) * dim + (slice(a, b),)] for a, b in itertools.pairwise(starts))


@tensor_method()
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Pieces of ceil(n / chunks) along ``dim`` (so possibly fewer than ``chunks``)."""
    x = as_tensor(input)
    chunks, dim = _int(chunks, "chunk", "chunks"), _int(dim, "chunk", "dim")
    if x.ndim == 0:
        raise ArgumentError("chunk: expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise ArgumentError(f"chunk: expects chunks to be greater than 0, got {chunks}")
    dim = _dim(dim, x.ndim, "chunk")
    n = x.shape[dim]
    if n == 0:
        return _pieces(x, dim, [0] * chunks)
    return split(x, -(-n // chunks), dim)


@tensor_method()
def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """NumPy's array_split: an int gives that many pieces (the first n % sections one longer); a list or tensor
    of indices gives the pieces between them (Python slice rules: clamped, negative counts from the end)."""
    x = as_tensor(input)
    dim, spec = _int(dim, "tensor_split", "dim"), indices_or_sections
    if isinstance(spec, Tensor) and spec.ndim == 0 or not isinstance(spec, (list, tuple, Tensor)):
        sections, indices = _int(spec, "tensor_split", "sections"), None
    else:
        indices = _int_list(spec, "tensor_split", "indices")
    if x.ndim == 0:
        raise ArgumentError("tensor_split: expects at least a 1-dimensional tensor, got a 0-d tensor")
    dim = _dim(dim, x.ndim, "tensor_split")
    n = x.shape[dim]
    if indices is None:
        if sections <= 0:
            raise ArgumentError(f"tensor_split: the number of sections must be larger than 0, got {sections}")
        sizes = [n // sections + (i < n % sections) for i in range(sections)]
        return _pieces(x, dim, sizes)
    bounds = (None,) + indices + (None,)
    return tuple(x[(slice(None),) * dim + (slice(a, b),)] for a, b in itertools.pairwise(bounds))


@tensor_method()
def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 1 (dim 0 for a 1-D tensor); a number of sections must divide the length."""
    x = as_tensor(input)
    return _split_along(x, indices_or_sections, 0 if x.ndim == 1 else 1, 1, "hsplit")


@tensor_method()
def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 0 of a tensor of at least 2 dims."""
    return _split_along(as_tensor(input), indices_or_sections, 0, 2, "vsplit")


@tensor_method()
def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 2 of a tensor of at least 3 dims."""
    return _split_along(as_tensor(input), indices_or_sections, 2, 3, "dsplit")


def _split_along(x: Tensor, spec, dim: int, min_ndim: int, op: str) -> tuple:
    if x.ndim < min_ndim:
        raise ArgumentError(f"{op}: requires a tensor with at least {min_ndim} dimensions, got shape {tuple(x.shape)}")
    if not isinstance(spec, (list, tuple, Tensor)) or isinstance(spec, Tensor) and spec.ndim == 0:
        sections = _int(spec, op, "sections")
        if sections <= 0 or x.shape[dim] % sections:
            raise ArgumentError(f"{op}: cannot split dim {dim} of size {x.shape[dim]} into {sections} equal parts")
    return tensor_split(x, spec, dim)


@tensor_method()
def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """x[..., start : start + length, ...] along ``dim`` (``start`` may be negative)."""
    x = as_tensor(input)
    dim, start, length = _int(dim, "narrow", "dim"), _int(start, "narrow", "start"), _int(length, "narrow", "length")
    if x.ndim == 0:
        raise ArgumentError("narrow: cannot be applied to a 0-dim tensor")
    dim = _dim(dim, x.ndim, "narrow")
    n = x.shape[dim]
    if not -n <= start <= n:
        raise DimensionError(f"narrow: start {start} is out of range [{-n}, {n}] for dim {dim} of size {n}")
    start = start + n if start < 0 else start
    if length < 0:
        raise ArgumentError(f"narrow: length must be non-negative, got {length}")
    if start + length > n:
        raise ArgumentError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})")
    return x[(slice(None),) * dim + (slice(start, start + length),)]


@tensor_method()
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """x[..., index, ...] along ``dim``: that dim removed."""
    x = as_tensor(input)
    dim, index = _int(dim, "select", "dim"), _int(index, "select", "index")
    if x.ndim == 0:
        raise DimensionError("select: cannot be applied to a 0-dim tensor")
    dim = _dim(dim, x.ndim, "select")
    n = x.shape[dim]
    if not -n <= index < n:
        raise DimensionError(f"select: index {index} is out of range for dim {dim} of size {n}")
    return x[(slice(None),) * dim + (index % n,)]


@tensor_method()
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, that dim removed."""
    x = as_tensor(input)
    dim = _int(dim, "unbind", "dim")
    if x.ndim == 0:
        raise DimensionError("unbind: a 0-d tensor has no dimension to unbind")
    dim = _dim(dim, x.ndim, "unbind")
    return tuple(x[(slice(None),) * dim + (i,)] for i in range(x.shape[dim]))


# ---- triangles and diagonals ------------------------------------------------------------------------
@tensor_method(inplace=True)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of each matrix (the last two dims): entries with column - row <= diagonal."""
    x = as_tensor(input)
    diagonal = _int(diagonal, "tril", "diagonal")
    if x.ndim < 2:
        raise ArgumentError(f"tril: input tensor must have at least 2 dimensions, got shape {tuple(x.shape)}")
    return Tril.apply(x, diagonal=diagonal)


@tensor_method(inplace=True)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of each matrix (the last two dims): entries with column - row >= diagonal."""
    x = as_tensor(input)
    diagonal = _int(diagonal, "triu", "diagonal")
    if x.ndim < 2:
        raise ArgumentError(f"triu: input tensor must have at least 2 dimensions, got shape {tuple(x.shape)}")
    return Triu.apply(x, diagonal=diagonal)


@tensor_method()
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset`` diagonal of the (dim1, dim2) matrices as the last dim (above the main one for
    offset > 0); an offset past the matrix gives an empty diagonal."""
    x = as_tensor(input)
    offset, dim1, dim2 = (_int(offset, "diagonal", "offset"), _int(dim1, "diagonal", "dim1"),
                          _int(dim2, "diagonal", "dim2"))
    dim1, dim2 = _dim(dim1, x.ndim, "diagonal"), _dim(dim2, x.ndim, "diagonal")
    if x.ndim < 2:
        raise DimensionError(f"diagonal: needs at least 2 dimensions, got shape {tuple(x.shape)}")
    if dim1 == dim2:
        raise ArgumentError(f"diagonal: dimensions cannot be identical, got {dim1} and {dim2}")
    return Diagonal.apply(x, offset=offset, dim1=dim1, dim2=dim2)


@tensor_method()
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The last dim of x placed on the ``offset`` diagonal of new (dim1, dim2) matrices, zeros elsewhere."""
    x = as_tensor(input)
    offset, dim1, dim2 = (_int(offset, "diag_embed", "offset"), _int(dim1, "diag_embed", "dim1"),
                          _int(dim2, "diag_embed", "dim2"))
    ndim = x.ndim + 1
    dim1, dim2 = _dim(dim1, ndim, "diag_embed"), _dim(dim2, ndim, "diag_embed")
    if x.ndim == 0:
        raise DimensionError("diag_embed: needs at least a 1-D input, got a 0-d tensor")
    if dim1 == dim2:
        raise ArgumentError(f"diag_embed: diagonal dimensions cannot be identical, got {dim1} and {dim2}")
    side = x.shape[-1] + abs(offset)
    rest = iter(x.shape[:-1])
    shape = tuple(side if i in (dim1, dim2) else next(rest) for i in range(ndim))
    return DiagonalScatter.apply(x, shape=shape, offset=offset, dim1=dim1, dim2=dim2)


@tensor_method()
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor as the ``diagonal`` of a square matrix, or a 2-D tensor's ``diagonal`` as a 1-D tensor."""
    x = as_tensor(input)
    offset = _int(diagonal, "diag", "diagonal")
    if x.ndim == 1:
        return diag_embed(x, offset, 0, 1)
    if x.ndim == 2:
        return Diagonal.apply(x, offset=offset, dim1=0, dim2=1)
    raise ArgumentError(f"diag: supports 1-D or 2-D tensors, got {x.ndim}-D")


# ---- flipping, rolling, rotating --------------------------------------------------------------------
def flip(input: Tensor, dims) -> Tensor:
    """x reversed along ``dims`` (a tuple or list, as torch.flip; the method also takes ints)."""
    x = as_tensor(input)
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip: dims must be a tuple of ints, not {type(dims).__name__}")
    axes = _dims(dims, x.ndim, "flip")
    if x.ndim == 0 or not axes:
        return Flip.apply(x, axes=()) if x.ndim else x
    return Flip.apply(x, axes=axes)


@tensor_method("flip")
def _flip_method(x: Tensor, *args, dims=None) -> Tensor:
    """x.flip(0, 1) or x.flip((0, 1))."""
    return flip(x, _sizes(_keyword_sizes("flip", args, dims), "flip"))


@tensor_method()
def fliplr(input: Tensor) -> Tensor:
    x = as_tensor(input)
    if x.ndim < 2:
        raise ArgumentError(f"fliplr: input must be >= 2-D, got shape {tuple(x.shape)}")
    return flip(x, (1,))


@tensor_method()
def flipud(input: Tensor) -> Tensor:
    x = as_tensor(input)
    if x.ndim < 1:
        raise ArgumentError("flipud: input must be >= 1-D, got a 0-d tensor")
    return flip(x, (0,))


@tensor_method()
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """x shifted cyclically by ``shifts`` along ``dims`` (an int or a tuple of the same length); with no
    dims, the flattened tensor is rolled and reshaped back."""
    x = as_tensor(input)
    shifts = _int_list(shifts, "roll", "shifts") if isinstance(shifts, (tuple, list)) else (
        _int(shifts, "roll", "shifts"),)
    if not shifts:
        raise ArgumentError("roll: shifts required")
    empty_dims = dims is None or isinstance(dims, (tuple, list)) and not dims
    axes = None if empty_dims else _dim_list(dims, "roll")
    if len(shifts) != (1 if axes is None else len(axes)):
        raise ArgumentError(f"roll: shifts and dims must align: {len(shifts)} shifts and "
                            f"{0 if axes is None else len(axes)} dims")
    if x.data.size == 0:  # PyTorch returns an empty tensor before checking the dims' range
        return Roll.apply(x, shifts=(0,), axes=(0,))
    if axes is None:
        return reshape(Roll.apply(flatten(x), shifts=shifts, axes=(0,)), x.shape)
    if x.ndim == 0:
        raise DimensionError("roll: a dim was given but the tensor has no dimensions")
    axes = tuple(_dim(d, x.ndim, "roll") for d in axes)
    return Roll.apply(x, shifts=shifts, axes=axes)


@tensor_method()
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by k quarter turns in the plane of ``dims``, from the first dim towards the second."""
    x = as_tensor(input)
    k = _int(k, "rot90", "k")
    dims = _int_list(dims, "rot90", "dims")
    if len(dims) != 2:
        raise ArgumentError(f"rot90: expected 2 rotation dims, got {dims}")
    if x.ndim < 2:
        raise ArgumentError(f"rot90: expected a tensor of at least 2 dims, got shape {tuple(x.shape)}")
    d0, d1 = _dim(dims[0], x.ndim, "rot90"), _dim(dims[1], x.ndim, "rot90")
    if d0 == d1:
        raise ArgumentError(f"rot90: expected rotation dims to be different, got {d0} and {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, (d0,)), d0, d1)
    return x


# ---- padding ----------------------------------------------------------------------------------------
_GATHER_PADS = {"reflect": ReflectionPad, "replicate": ReplicationPad, "circular": CircularPad}


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """F.pad. ``pad = (last_left, last_right, second_last_left, second_last_right, ...)``; negative widths crop.

    "constant" fills with ``value`` (0 by default) and pads any number of dims. "reflect" (mirror without
    repeating the edge, each width < the dim's size), "replicate" (repeat the edge) and "circular" (wrap
    around, each width <= the size) pad the last 1, 2 or 3 dims of an input with 1 or 2 more dims (batch
    and channels, as PyTorch's padding modules)."""
    x = as_tensor(input)
    widths = _int_list(pad, "pad", "pad")
    if len(widths) % 2:
        raise ArgumentError(f"pad: padding length must be divisible by 2, got {len(widths)} ({widths})")
    k = len(widths) // 2
    if k > x.ndim:
        raise ArgumentError(f"pad: padding length {len(widths)} is more than two times the input's {x.ndim} dims")
    pairs = [(0, 0)] * (x.ndim - k) + [(widths[2 * i], widths[2 * i + 1]) for i in reversed(range(k))]
    if mode == "constant":
        return _pad_constant(x, pairs, 0 if value is None else value)
    if mode not in _GATHER_PADS:
        raise _NotSupported(f"pad: unrecognised padding mode {mode!r} (constant, reflect, replicate, circular)")
    if value is not None:
        raise ArgumentError(f'pad: padding mode "{mode}" does not take a value argument')
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise _NotSupported(f"pad: {mode} padding of {k} dims needs a {k + 1}-D or {k + 2}-D input, "
                            f"got shape {tuple(x.shape)}")
    if x.dtype == xp.bool_ and mode != "circular":
        raise DtypeError(f"pad: {mode} padding is not implemented for bool tensors (as in PyTorch)")
    if mode != "circular":
        batched = x.ndim == k + 2
        if any(n == 0 for n in x.shape[1 if batched else 0:]):
            raise ArgumentError(f"pad: {mode} padding needs non-empty dims (but for a batch dim), got {tuple(x.shape)}")
        outs = [n + lo + hi for n, (lo, hi) in zip(x.shape[-k:], pairs[-k:])]
        if all(n < 1 for n in outs):  # PyTorch's check: one padded dim may end up empty, not all
            raise ArgumentError(f"pad: input {tuple(x.shape)} is too small for {mode} padding {widths}: the padded "
                                f"dims would have sizes {outs}")
    maps = tuple((axis, _source_index(mode, x.shape[axis], lo, hi, axis))
                 for axis, (lo, hi) in enumerate(pairs) if (lo, hi) != (0, 0))
    if not maps:
        return x
    return _GATHER_PADS[mode].apply(x, maps=maps)


def _pad_constant(x: Tensor, pairs: list, value) -> Tensor:
    for axis, (n, (lo, hi)) in enumerate(zip(x.shape, pairs)):
        kept = n + min(lo, 0)  # PyTorch crops the left, then the right, then pads
        if kept < 0 or kept + min(hi, 0) < 0:
            raise ArgumentError(f"pad: padding ({lo}, {hi}) of dim {axis} (size {n}) crops more than there is")
    if all(p == (0, 0) for p in pairs):
        return x
    return Pad.apply(x, widths=tuple(pairs), value=value)


def _source_index(mode: str, n: int, lo: int, hi: int, axis: int):
    """For each output position along a padded axis, the input index it copies."""
    out = n + lo + hi
    if mode == "circular":
        if lo > n or hi > n:
            raise ArgumentError(f"pad: circular padding ({lo}, {hi}) of dim {axis} (size {n}) wraps around "
                                "more than once")
        if out < 0:
            raise ArgumentError(f"pad: negative circular padding ({lo}, {hi}) empties dim {axis} (size {n})")
        first, core = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)  # the part of the input kept
        if out and (max(lo, 0) > core or max(hi, 0) > core):
            raise ArgumentError(f"pad: circular padding ({lo}, {hi}) of dim {axis} is longer than the "
                                f"{core} cells left after cropping")
        return first + (xp.arange(out) - max(lo, 0)) % max(core, 1)
    if mode == "reflect" and (lo >= n or hi >= n):
        raise ArgumentError(f"pad: reflect padding ({lo}, {hi}) must be less than the size {n} of dim {axis}")
    if out < 0:
        raise ArgumentError(f"pad: input (size {n} along dim {axis}) is too small for padding ({lo}, {hi}): "
                            f"output size {out}")
    index = xp.arange(-lo, n + hi)
    if mode == "replicate":
        return xp.clip(index, 0, n - 1)
    index = xp.abs(index)
    return xp.where(index > n - 1, 2 * (n - 1) - index, index)


# ---- rearrangements of blocks -----------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[..., c, h r + i, w r + j] = in[..., c r^2 + i r + j, h, w]."""
    x, r = as_tensor(input), _int(upscale_factor, "pixel_shuffle", "upscale_factor")
    if x.ndim < 3:
        raise ArgumentError(f"pixel_shuffle: expects input to have at least 3 dimensions, got shape {tuple(x.shape)}")
    if r <= 0:
        raise ArgumentError(f"pixel_shuffle: expects a positive upscale_factor, got {r}")
    *batch, c, h, w = x.shape
    if c % (r * r):
        raise ArgumentError(f"pixel_shuffle: the channel dimension {c} must be divisible by upscale_factor^2 = {r * r}")
    n = len(batch)
    y = reshape(x, (*batch, c // (r * r), r, r, h, w))
    y = permute(y, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return reshape(y, (*batch, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    x, r = as_tensor(input), _int(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if x.ndim < 3:
        raise ArgumentError(f"pixel_unshuffle: expects input to have at least 3 dimensions, got shape {tuple(x.shape)}")
    if r <= 0:
        raise ArgumentError(f"pixel_unshuffle: expects a positive downscale_factor, got {r}")
    *batch, c, h, w = x.shape
    if h % r or w % r:
        raise ArgumentError(f"pixel_unshuffle: height {h} and width {w} must be divisible by downscale_factor {r}")
    n = len(batch)
    y = reshape(x, (*batch, c, h // r, r, w // r, r))
    y = permute(y, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return reshape(y, (*batch, c * r * r, h // r, w // r))


def block_diag(*tensors) -> Tensor:
    """The tensors (0-d: 1 x 1, 1-D: one row, 2-D) as the diagonal blocks of one matrix, zeros elsewhere;
    the dtype PyTorch's promotion gives."""
    blocks = []
    for i, t in enumerate(tensors):
        t = as_tensor(t)
        if t.ndim > 2:
            raise ArgumentError(f"block_diag: input tensors must have 2 or fewer dimensions; input {i} has shape "
                                f"{tuple(t.shape)}")
        blocks.append(reshape(t, (1, -1) if t.ndim < 2 else t.shape))
    if not blocks:
        return Tensor._wrap(xp.zeros((1, 0), dtype=xp.float32))
    dtype = _result_dtype([b.dtype for b in blocks])
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        b = b if b.dtype == dtype else cast(b, dtype)
        rows.append(pad(b, (left, width - left - b.shape[1])))
        left += b.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors) -> Tensor:
    """Every tuple of one element of each 1-D tensor, in lexicographic order, as rows; one tensor is returned
    as it is."""
    tensors = [as_tensor(t) for t in tensors]
    for t in tensors:
        if t.ndim != 1:
            raise ArgumentError(f"cartesian_prod: expects 1-D tensors, got shape {tuple(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-r combinations of a 1-D tensor's elements (itertools.combinations order) as rows; r = 0
    gives an empty 1-D tensor."""
    x, r = as_tensor(input), _int(r, "combinations", "r")
    if x.ndim != 1:
        raise ArgumentError(f"combinations: expects a 1-D tensor, got shape {tuple(x.shape)}")
    if r < 0:
        raise ArgumentError(f"combinations: r must be non-negative, got {r}")
    if r == 0:  # a new empty tensor, outside the graph (as PyTorch)
        return Tensor._wrap(xp.zeros((0,), dtype=x.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = xp.asarray(list(pick(range(x.shape[0]), r)), dtype=xp.int64).reshape(-1, r)
    return x[Tensor._wrap(index)]


def channel_shuffle(input, groups: int) -> Tensor:
    """(N, g k, *) -> the channels regrouped: out[:, i g + j] = in[:, j k + i] (ShuffleNet's shuffle)."""
    x, g = as_tensor(input), _int(groups, "channel_shuffle", "groups")
    if x.ndim <= 2:
        raise ArgumentError(f"channel_shuffle: expects input with > 2 dims, got shape {tuple(x.shape)}")
    if g <= 0:
        raise ArgumentError(f"channel_shuffle: number of groups must be positive, got {g}")
    n, c, *rest = x.shape
    if c % g:
        raise ArgumentError(f"channel_shuffle: number of channels must be divisible by groups, got {c} channels "
                            f"and {g} groups")
    y = transpose(reshape(x, (n, g, c // g, *rest)), 1, 2)
    return reshape(y, x.shape)


@tensor_method()
def narrow_copy(input, dim: int, start: int, length: int) -> Tensor:
    """narrow(input, dim, start, length) as a new tensor (a copy, not a view)."""
    from .conversion import clone

    return clone(narrow(input, dim, start, length))
