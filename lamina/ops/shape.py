"""Shape ops: reshape, permute, broadcast, concatenate, pad, flip, roll. Each backward is the
inverse rearrangement of the gradient (and ``sum_to``, which undoes broadcasting in the gradients
of every broadcasting op, is ``broadcast_to``'s adjoint)."""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, broadcast_shapes, normalize_axis, tensor_method
from ..errors import ArgumentError, DimensionError


class Reshape(Function):
    name = "reshape"

    def forward(self, x, shape):
        try:
            return x.reshape(shape)
        except ValueError:
            raise ArgumentError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
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
        try:
            return xp.broadcast_to(x, shape)
        except ValueError:
            raise ArgumentError(f"expand: a tensor of shape {x.shape} cannot be broadcast to {tuple(shape)}") from None

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
    name = "pad"

    def forward(self, x, widths, value):
        self.widths = widths
        return xp.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g):
        index = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.widths))
        return (g[index],)


class Flip(Function):
    name = "flip"

    def forward(self, x, axes):
        self.axes = axes
        return xp.flip(x, axes)

    def backward(self, g):
        return (flip(g, self.axes),)


class Roll(Function):
    name = "roll"

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return xp.roll(x, shifts, axes)

    def backward(self, g):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (roll(g, back, self.axes),)


def sum_to(grad: Tensor, shape: tuple) -> Tensor:
    """Undo broadcasting: sum ``grad`` down to ``shape`` (the adjoint of ``broadcast_to``)."""
    if grad.shape == shape:
        return grad
    return SumTo.apply(grad, shape=shape)


# ---- public functions ------------------------------------------------------------------------
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


@tensor_method("reshape", "view")
def reshape(x: Tensor, *shape) -> Tensor:
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


view = reshape


@tensor_method()
def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    shape = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
    return reshape(x, shape)


@tensor_method()
def permute(x: Tensor, *axes) -> Tensor:
    axes = _shape_arg(axes)
    if len(axes) != x.ndim or sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ArgumentError(f"permute: {axes} is not a permutation of the {x.ndim} dimensions of shape {x.shape}")
    axes = tuple(a % x.ndim for a in axes)
    if axes == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, axes=axes)


@tensor_method("transpose", "swapaxes")
def transpose(x: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    axes = list(range(x.ndim))
    dim0, dim1 = normalize_axis((dim0, dim1), x.ndim, "transpose")
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, axes)


swapaxes = transpose


@tensor_method("T", is_property=True)
def _reversed_axes(x: Tensor) -> Tensor:
    """x.T: all axes reversed."""
    return permute(x, tuple(reversed(range(x.ndim))))


@tensor_method("mT", is_property=True)
def _matrix_transpose(x: Tensor) -> Tensor:
    """x.mT: the last two axes swapped (a batch of matrices transposed)."""
    return transpose(x, -2, -1)


@tensor_method("t")
def _t(x: Tensor) -> Tensor:
    return _reversed_axes(x)


@tensor_method()
def squeeze(x: Tensor, dim=None) -> Tensor:
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axes = normalize_axis(dim, x.ndim, "squeeze")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1)))


@tensor_method()
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise DimensionError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} dimensions")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


@tensor_method()
def broadcast_to(x: Tensor, *shape) -> Tensor:
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


@tensor_method()
def expand(x: Tensor, *shape) -> Tensor:
    """Like PyTorch: -1 keeps that dimension's size."""
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return broadcast_to(x, shape)


@tensor_method()
def expand_as(x: Tensor, other: Tensor) -> Tensor:
    return broadcast_to(x, other.shape)


def cat(tensors, dim: int = 0, axis=None) -> Tensor:
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ArgumentError("cat: expected a non-empty list of tensors")
    dim = axis if axis is not None else dim
    ref = tensors[0]
    (dim,) = normalize_axis(dim, ref.ndim, "cat")
    for t in tensors[1:]:
        if t.ndim != ref.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref.shape)) if i != dim):
            raise ArgumentError(f"cat: shapes {ref.shape} and {t.shape} differ outside dim {dim}")
    return Cat.apply(*tensors, axis=dim)


concat = concatenate = cat


def stack(tensors, dim: int = 0, axis=None) -> Tensor:
    dim = axis if axis is not None else dim
    tensors = [as_tensor(t) for t in tensors]
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ArgumentError(f"stack: all tensors must have one shape, got {sorted(shapes)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


@tensor_method()
def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Like PyTorch: an int gives pieces of that size (the last may be smaller); a list gives sizes."""
    (dim,) = normalize_axis(dim, x.ndim, "split")
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [min(step, n - s) for s in range(0, n, step)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ArgumentError(f"split: sizes {sizes} do not add up to {n}, the length of dim {dim}")
    out, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        out.append(x[index])
        start += size
    return tuple(out)


@tensor_method()
def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    n = x.shape[dim]
    return split(x, max(1, -(-n // chunks)), dim)


def pad(x: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """PyTorch's order: ``pad = (last_left, last_right, second_last_left, second_last_right, ...)``."""
    if mode != "constant":
        raise ArgumentError(f"pad: mode {mode!r} is not supported; use 'constant'")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ArgumentError(f"pad: {pad} must hold a (left, right) pair for at most {x.ndim} dimensions")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ArgumentError(f"pad: negative padding {pad} is not supported")
    return Pad.apply(x, widths=tuple(widths), value=value)


@tensor_method()
def flip(x: Tensor, dims) -> Tensor:
    return Flip.apply(x, axes=normalize_axis(dims, x.ndim, "flip"))


@tensor_method()
def roll(x: Tensor, shifts, dims=None) -> Tensor:
    if dims is None:
        return reshape(Roll.apply(flatten(x), shifts=shifts, axes=0), x.shape)
    return Roll.apply(x, shifts=shifts, axes=dims)


def broadcast_tensors(*tensors):
    shape = broadcast_shapes("broadcast_tensors", *(t.shape for t in tensors))
    return tuple(broadcast_to(t, shape) for t in tensors)
