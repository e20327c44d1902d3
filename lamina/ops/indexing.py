"""Indexing: ``x[index]``, ``index_select``, ``gather``, ``masked_fill``.

Their backward scatters the gradient back. Repeated indices must add up, so the advanced-index
paths accumulate with ``bincount`` on flat positions (``kernels.scatter``), never ``np.add.at``.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ..kernels.scatter import scatter_add
from ..tensor import Tensor
from ._util import as_tensor, constant, normalize_axis, tensor_method
from .arithmetic import where
from ..errors import ArgumentError


def _array_index(index):
    """Tensors and lists inside an index become arrays; the result says whether it is advanced."""
    items = index if isinstance(index, tuple) else (index,)
    out, advanced = [], False
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        elif isinstance(item, list):
            item = xp.asarray(item)
        if isinstance(item, xp.ndarray) and (item.ndim > 0 or item.dtype == bool):
            advanced = True
        out.append(item)
    return (tuple(out) if isinstance(index, tuple) else out[0]), advanced


class GetItem(Function):
    name = "getitem"

    def forward(self, x, index, advanced):
        self.index, self.advanced = index, advanced
        try:
            return x[index]
        except IndexError as err:
            raise IndexError(f"getitem: {err} (tensor shape {x.shape})") from None

    def backward(self, g):
        x = self.inputs[0]
        return (IndexBackward.apply(g, shape=x.shape, index=self.index, advanced=self.advanced),)


class IndexBackward(Function):
    """The adjoint of ``x[index]``: put ``g`` at ``index`` inside zeros of x's shape."""

    name = "index_backward"

    def forward(self, g, shape, index, advanced):
        self.index, self.advanced = index, advanced
        if not advanced:
            out = xp.zeros(shape, dtype=g.dtype)
            out[index] = g
            return out
        positions = xp.arange(int(xp.prod(shape))).reshape(shape)[index]
        return scatter_add(shape, positions, xp.broadcast_to(g, positions.shape))

    def backward(self, gg):
        return (GetItem.apply(gg, index=self.index, advanced=self.advanced),)


@tensor_method("__getitem__")
def getitem(x: Tensor, index) -> Tensor:
    index, advanced = _array_index(index)
    return GetItem.apply(x, index=index, advanced=advanced)


@tensor_method()
def index_select(x: Tensor, dim: int, index) -> Tensor:
    """Rows (along ``dim``) of x picked by a 1-D integer ``index``."""
    index = as_tensor(index).data
    if index.ndim != 1 or index.dtype.kind not in "iu":
        raise ArgumentError(f"index_select: index must be a 1-D integer tensor, got shape {index.shape} dtype {index.dtype}")
    (dim,) = normalize_axis(dim, x.ndim, "index_select")
    return getitem(x, (slice(None),) * dim + (index,))


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] for dim=1 (``torch.gather``)."""

    name = "gather"

    def forward(self, x, index, axis):
        self.index, self.axis = index, axis
        return xp.take_along_axis(x, index, axis=axis)

    def backward(self, g):
        x = self.inputs[0]
        return (GatherBackward.apply(g, shape=x.shape, index=self.index, axis=self.axis),)


class GatherBackward(Function):
    name = "gather_backward"

    def forward(self, g, shape, index, axis):
        self.index, self.axis = index, axis
        positions = xp.take_along_axis(xp.arange(int(xp.prod(shape))).reshape(shape), index, axis=axis)
        return scatter_add(shape, positions, g)

    def backward(self, gg):
        return (Gather.apply(gg, index=self.index, axis=self.axis),)


@tensor_method()
def gather(x: Tensor, dim: int, index) -> Tensor:
    index = as_tensor(index).data
    if index.ndim != x.ndim:
        raise ArgumentError(f"gather: index has {index.ndim} dimensions, input has {x.ndim} (shape {x.shape})")
    (dim,) = normalize_axis(dim, x.ndim, "gather")
    return Gather.apply(x, index=index.astype(xp.intp, copy=False), axis=dim)


@tensor_method()
def masked_fill(x: Tensor, mask, value) -> Tensor:
    """x with ``value`` where ``mask`` is true (no gradient flows there)."""
    mask = as_tensor(mask)
    return where(mask, constant(xp.asarray(value, dtype=x.dtype)), x)
