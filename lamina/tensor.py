"""``Tensor``: an n-dimensional array that remembers how it was made.

A Tensor holds ``data`` (an array of the backend, NumPy by default), an optional ``grad`` and, when
it was computed from tensors that require gradients, ``_ctx``: the ``Function`` that made it.

This file holds what a tensor is (its array, its gradient, its place in the graph, conversions to
Python and NumPy, in-place updates outside the graph); it knows no op. The operators and op methods
(``x + y``, ``x @ w``, ``x.sum()``, ``x.relu()``) are bound to the class by ``lamina.ops``: each op
declares its method names beside its maths (see ``lamina/ops/__init__.py``). Array work goes
through the backend's ``xp``; NumPy itself is used only to print.
"""
from __future__ import annotations

import numpy as np  # host-side only: printing

from . import autograd
from .backend import DEFAULT_FLOAT, as_dtype, is_floating, to_numpy, xp
from .errors import ArgumentError, DtypeError

_ndarray = xp.ndarray  # the backend's array type


class Tensor:
    __slots__ = ("data", "grad", "_requires_grad", "_ctx", "_retains_grad", "__weakref__")
    __array_priority__ = 1000  # so that ndarray @ Tensor calls Tensor.__rmatmul__
    _xp = xp

    def __init__(self, data, dtype=None, requires_grad=False):
        self.data = _as_array(data, dtype)
        self.grad = None
        self._ctx = None
        self._retains_grad = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _wrap(array):
        """A Tensor around ``array`` as it is: no copy, no dtype conversion (used by the ops)."""
        t = object.__new__(Tensor)
        t.data = array if isinstance(array, _ndarray) else xp.asarray(array)
        t.grad = None
        t._requires_grad = False
        t._ctx = None
        t._retains_grad = False
        return t

    # ---- gradients ---------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool):
        if flag and not is_floating(self.data.dtype):
            raise TypeError(
                f"only floating-point tensors can require gradients, this one has dtype {self.data.dtype}")
        if not flag and self._ctx is not None:
            raise RuntimeError("requires_grad can only be switched off on a leaf tensor; use .detach()")
        self._requires_grad = bool(flag)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after ``backward``."""
        self._retains_grad = True

    def backward(self, grad=None, retain_graph=None, create_graph=False, *, gradient=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad`` (PyTorch calls it ``gradient``) is the upstream gradient, required unless self holds
        one element; ``retain_graph`` keeps the graph for another backward (default: as
        ``create_graph``); ``create_graph`` records the backward pass so that gradients can be
        differentiated again.
        """
        if gradient is not None:
            if grad is not None:
                raise TypeError("backward: pass the upstream gradient once, as grad or as gradient")
            grad = gradient
        retain = create_graph if retain_graph is None else retain_graph
        autograd.run_backward([self], [grad], retain or create_graph, create_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory)."""
        return Tensor._wrap(self.data)

    def detach_(self) -> Tensor:
        self._ctx = None
        self._requires_grad = False
        return self

    # ---- array facts -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def size(self, dim=None):
        """Shape (PyTorch's ``size()``), or the length of one dimension."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def item(self):
        if self.data.size != 1:
            raise ArgumentError(f"item(): only one-element tensors can be converted, this one has shape {self.shape}")
        return self.data.reshape(()).item()

    def numpy(self):
        """The data as a NumPy array (shared memory on the CPU)."""
        if self.requires_grad:
            raise RuntimeError("numpy(): the tensor requires grad; call .detach().numpy() to leave the graph")
        return to_numpy(self.data)

    def tolist(self):
        return self.data.tolist()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype=None, copy=None):
        array = to_numpy(self.data)
        return array if dtype is None else array.astype(dtype, copy=False)

    def __bool__(self) -> bool:
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iub":
            raise DtypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(to_numpy(self.data), separator=", ", precision=4, prefix="tensor(")
        extras = []
        if self.data.dtype != DEFAULT_FLOAT and self.data.dtype != xp.int64:
            extras.append(f"dtype={self.data.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ---- in-place updates (outside the graph: parameter updates, initialisation) -------------
    def _check_inplace(self, what):
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                f"{what}: in-place change of a tensor that requires grad; wrap it in lm.no_grad() "
                "or change .data")

    def __setitem__(self, index, value):
        self._check_inplace("__setitem__")
        self.data[_unwrap_index(index)] = value.data if isinstance(value, Tensor) else value

    def zero_(self) -> Tensor:
        self._check_inplace("zero_")
        self.data[...] = 0
        return self

    def fill_(self, value) -> Tensor:
        self._check_inplace("fill_")
        self.data[...] = value
        return self

    def copy_(self, other) -> Tensor:
        self._check_inplace("copy_")
        self.data[...] = other.data if isinstance(other, Tensor) else other
        return self

    def add_(self, other, alpha=1.0) -> Tensor:
        self._check_inplace("add_")
        other = other.data if isinstance(other, Tensor) else other
        self.data += other if alpha == 1.0 else alpha * other
        return self

    def sub_(self, other, alpha=1.0) -> Tensor:
        return self.add_(other, -alpha)

    def mul_(self, other) -> Tensor:
        self._check_inplace("mul_")
        self.data *= other.data if isinstance(other, Tensor) else other
        return self

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        self._check_inplace("div_")
        self.data /= other.data if isinstance(other, Tensor) else other
        return self

    def __pos__(self):
        return self


def _as_array(data, dtype=None):
    """Convert user data to an array: Python floats and float64 input become float32 unless asked."""
    if isinstance(data, Tensor):  # a tensor keeps its dtype (Parameter(lm.zeros(2, dtype=float64)))
        return data.data if dtype is None else data.data.astype(as_dtype(dtype), copy=False)
    if dtype is not None:
        return xp.asarray(data, dtype=as_dtype(dtype))
    array = xp.asarray(data)
    if array.dtype == xp.float64:
        array = array.astype(DEFAULT_FLOAT)
    elif array.dtype.kind not in "fiub":
        raise DtypeError(f"tensor: cannot make a tensor from data of dtype {array.dtype}")
    return array


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index
