"""``Tensor``: an n-dimensional array that remembers how it was made.

A Tensor holds ``data`` (an array of the backend, NumPy by default), an optional ``grad`` and, when
it was computed from tensors that require gradients, ``_ctx``: the ``Function`` that made it.

This file holds what a tensor is (its array, its gradient, its place in the graph, its version counter,
conversions to Python and NumPy, in-place updates); it defines no op: the in-place methods (``add_``,
``x[i] = v``, ``relu_``, ...) call the ops by name when they run. The operators and op methods
(``x + y``, ``x @ w``, ``x.sum()``, ``x.relu()``) are bound to the class by ``lamina.ops``: each op
declares its method names beside its maths (see ``lamina/ops/__init__.py``). Array work goes
through the backend's ``xp``; NumPy itself is used only to print.

In-place methods follow PyTorch: each bumps the tensor's ``_version`` (shared with ``detach()``), and a
backward through a node whose saved tensors changed since the forward pass raises PyTorch's "modified by
an inplace operation" error. ``.data`` stays outside the count (optimisers update it, as PyTorch's ``.data``).
"""
from __future__ import annotations

import numbers

import numpy as np  # host-side only: printing; the scalar types fill_ takes

from . import autograd
from . import dtypes
from .backend import DEFAULT_FLOAT, as_dtype, is_floating, to_numpy, xp
from .errors import ArgumentError, DtypeError

_ndarray = xp.ndarray  # the backend's array type


class Size(tuple):
    """A tensor's shape, as PyTorch's ``torch.Size``: a tuple of ints (so it compares, unpacks and indexes as one)
    that prints as ``lamina.Size([3, 4])`` and counts its elements with ``numel()``."""

    __slots__ = ()

    def __repr__(self):
        return f"lamina.Size({list(self)})"

    def numel(self) -> int:
        count = 1
        for n in self:
            count *= n
        return count


class Tensor:
    __slots__ = ("data", "_grad", "_requires_grad", "_ctx", "_retains_grad", "_version_counter", "__weakref__")
    __array_priority__ = 1000  # so that ndarray @ Tensor calls Tensor.__rmatmul__
    _xp = xp

    def __init__(self, data, dtype=None, requires_grad=False):
        self.data = _as_array(data, dtype)
        self._grad = None
        self._ctx = None
        self._retains_grad = False
        self._requires_grad = False
        self._version_counter = None  # a one-element list from the first in-place change on (see _bump_version)
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _wrap(array):
        """A Tensor around ``array`` as it is: no copy, no dtype conversion (used by the ops)."""
        t = object.__new__(Tensor)
        t.data = array if isinstance(array, _ndarray) else xp.asarray(array)
        t._grad = None
        t._requires_grad = False
        t._ctx = None
        t._retains_grad = False
        t._version_counter = None
        return t

    # ---- version counter ---------------------------------------------------------------------
    @property
    def _version(self) -> int:
        """How many in-place changes the data has seen (PyTorch's ``_version``); a graph node records its
        inputs' versions and its backward refuses inputs changed since (their values are stale)."""
        counter = self._version_counter  # made on the first change: most tensors never see one
        return 0 if counter is None else counter[0]

    def _shared_version_counter(self) -> list:
        counter = self._version_counter
        if counter is None:
            counter = self._version_counter = [0]
        return counter

    def _bump_version(self) -> None:
        """Count one in-place change (every in-place method calls it; ``detach()`` shares the count)."""
        self._shared_version_counter()[0] += 1
        autograd.note_inplace_change()

    # ---- gradients ---------------------------------------------------------------------------
    @property
    def grad(self):
        """The accumulated gradient (None until a backward reaches this tensor)."""
        return self._grad

    @grad.setter
    def grad(self, value):
        """PyTorch's checks: None or a tensor of this tensor's shape and dtype."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value.data.shape != self.data.shape:
                raise ArgumentError(f"attempting to assign a gradient of size {list(value.shape)} to a tensor of "
                                    f"size {list(self.shape)}")
            if value.data.dtype != self.data.dtype and self.data.dtype.kind == "f":
                raise ArgumentError(f"attempting to assign a gradient with dtype {value.dtype} to a tensor with "
                                    f"dtype {self.dtype}")
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool):
        if flag and not is_floating(self.data.dtype):
            raise DtypeError(  # a TypeError and, as PyTorch's error, a RuntimeError
                f"only floating-point tensors can require gradients, this one has dtype {self.dtype}")
        if not flag and self._ctx is not None:
            raise RuntimeError("requires_grad can only be switched off on a leaf tensor; use .detach()")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after ``backward``."""
        if not self._requires_grad:
            raise ArgumentError("can't retain_grad on Tensor that has requires_grad=False")
        self._retains_grad = True

    def register_hook(self, hook):
        """``hook(grad)`` is called with this tensor's gradient during backward; a returned tensor replaces it.
        Returns a handle whose ``remove()`` unregisters the hook."""
        return autograd.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(self)`` is called after a backward has accumulated into this leaf's ``.grad``. Returns a handle
        whose ``remove()`` unregisters it."""
        return autograd.register_post_accumulate_grad_hook(self, hook)

    @property
    def retains_grad(self) -> bool:
        """True when ``retain_grad()`` asked this non-leaf tensor to keep its ``.grad`` (False for leaves)."""
        return self._retains_grad and self._ctx is not None

    def backward(self, grad=None, retain_graph=None, create_graph=False, inputs=None, *, gradient=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad`` (PyTorch calls it ``gradient``) is the upstream gradient, required unless self holds
        one element; ``retain_graph`` keeps the graph for another backward (default: as
        ``create_graph``); ``create_graph`` records the backward pass so that gradients can be
        differentiated again; ``inputs`` (a tensor or a list), when given, are the only tensors whose ``.grad``
        receives the gradient.
        """
        if gradient is not None:
            if grad is not None:
                raise TypeError("backward: pass the upstream gradient once, as grad or as gradient")
            grad = gradient
        retain = create_graph if retain_graph is None else retain_graph
        if inputs is None:
            autograd.run_backward([self], [grad], retain or create_graph, create_graph)
            return
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise ArgumentError("backward: 'inputs' argument to backward() cannot be empty")
        grads = autograd.run_backward([self], [grad], retain or create_graph, create_graph, inputs=inputs)
        for tensor, g in zip(inputs, grads):
            if g is not None:
                tensor.grad = g if tensor.grad is None else tensor.grad + g

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and the version counter, as PyTorch)."""
        t = Tensor._wrap(self.data)
        t._version_counter = self._shared_version_counter()
        return t

    def detach_(self) -> Tensor:
        self._ctx = None
        self._requires_grad = False
        return self

    # ---- array facts -------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self.data.shape)

    @property
    def dtype(self) -> dtypes.dtype:
        """``lamina.float32``, ...: Lamina's dtype, equal to the array's NumPy dtype (``self.data.dtype``)."""
        return dtypes.from_numpy(self.data.dtype)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def size(self, dim=None):
        """Shape (PyTorch's ``size()``, a ``Size``), or the length of one dimension."""
        return Size(self.data.shape) if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def item(self):
        if self.data.size != 1:
            raise ArgumentError(f"item(): only one-element tensors can be converted, this one has shape "
                                f"{tuple(self.shape)}")
        return self.data.reshape(()).item()

    def numpy(self, *, force: bool = False):
        """The data as a NumPy array (shared memory on the CPU); ``force=True`` detaches first, as PyTorch."""
        if self.requires_grad and not force:
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
        """PyTorch's layout: 4 decimals (``1.5000``), ``1.`` when every value is whole, ``1.0000e-08`` when the
        magnitudes span more than 1000x (or pass 1e8, or fall under 1e-4); ``size=`` for an empty tensor that
        is not 1-D; the dtype unless float32, int64 or bool."""
        array = to_numpy(self.data)
        extras = []
        if array.size == 0:
            body = "[]"
            if array.shape != (0,):
                extras.append(f"size={tuple(array.shape)}")
        else:
            body = np.array2string(array, separator=", ", prefix="tensor(", formatter={"all": _element_format(array)},
                                   max_line_width=80, threshold=1000, edgeitems=3).replace(", ...,", ",  ...,")
        if array.dtype != DEFAULT_FLOAT and (array.size == 0 or array.dtype not in (xp.int64, xp.bool_)):
            extras.append(f"dtype=lamina.{array.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.torch_name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        text = "tensor(" + body
        for extra in extras:  # PyTorch starts a new line when the suffix would pass 80 characters
            last_line = len(text) - text.rfind("\n") + 1
            text += (",\n" + " " * len("tensor(") if last_line + len(extra) + 2 > 80 else ", ") + extra
        return text + ")"

    # ---- in-place updates ----------------------------------------------------------------------
    # As in PyTorch: the result is computed by the out-of-place op, must keep the tensor's shape and be castable
    # to its dtype, and is written into its array (views of it see the change). Under no_grad (parameter
    # updates, initialisation) that is all; while the graph is recorded, a tensor that is not a leaf
    # requiring grad, or that receives a value requiring grad, takes the op's node as its grad_fn and the
    # result's array (the old array keeps the old values for the nodes that saved it). Each change bumps
    # the version counter, so a backward through a node that read the old values fails.
    def _check_inplace(self, what):
        if self._requires_grad and self._ctx is None and autograd.is_grad_enabled():
            raise ArgumentError(f"{what}: a leaf Variable that requires grad is being used in an in-place operation "
                                "(wrap the update in lm.no_grad() or change .data)")

    def _update(self, what, op, *args, **kwargs):
        """Replace the values by ``op(values, *args, **kwargs)`` (``op``: a function of Tensors or the name of a
        Tensor method), with PyTorch's in-place semantics; ``what`` names the method in errors."""
        self._check_inplace(what)
        op = getattr(Tensor, op) if isinstance(op, str) else op
        graph = autograd.is_grad_enabled() and (self._requires_grad or any(
            isinstance(a, Tensor) and a._requires_grad for a in (*args, *kwargs.values())))
        source = self
        if graph:  # the old values as a node of their own, keeping the old array (see _write)
            source = Tensor._wrap(self.data)
            source._ctx, source._requires_grad = self._ctx, self._requires_grad
            args = tuple(self._before_update(a, source) for a in args)
            kwargs = {k: self._before_update(v, source) for k, v in kwargs.items()}
        result = op(source, *args, **kwargs)
        if not isinstance(result, Tensor):
            result = Tensor._wrap(xp.asarray(result))
        if graph and source._requires_grad and not result._requires_grad and result.shape == self.shape:
            # x.eq_(y), x.floor_() on a tensor in the graph: PyTorch keeps it in the graph with a zero gradient
            result = _fill_like(source, result)
        self._write(what, result, graph)
        return self

    def _before_update(self, operand, source):
        """An operand of an in-place op as the node must see it: ``x.add_(x)`` and ``x.add_(x.detach())`` read
        the values before the update (``source``), not the array the update overwrites."""
        if operand is self:
            return source
        if (isinstance(operand, Tensor) and not operand._requires_grad and operand._version_counter is not None
                and operand._version_counter is self._version_counter):
            return Tensor._wrap(source.data)
        return operand

    def _write(self, what, result, graph=False, reshape=False):
        """Make ``result`` the tensor's values. Outside the graph they are written into its array (views see
        them). In the graph the tensor takes the result's array and node, and the old array stays with the old
        values: the nodes that saved it (exp saves its output) still differentiate at the right point."""
        if not reshape and result.shape != self.shape:
            raise ArgumentError(f"{what}: output with shape {list(self.shape)} doesn't match the broadcast shape "
                                f"{list(result.shape)}")
        dtype = self.data.dtype
        if result.data.dtype != dtype:
            if not _can_cast(result.data.dtype, dtype):
                raise ArgumentError(f"{what}: result type {_scalar_name(result.data.dtype)} can't be cast to the "
                                    f"desired output type {_scalar_name(dtype)}")
            result = result.to(dtype) if result._requires_grad else Tensor._wrap(result.data.astype(dtype))
        in_graph = graph and result._requires_grad
        if reshape or in_graph:
            self.data = result.data if result.data.base is None or reshape else result.data.copy()
        else:
            try:
                self.data[...] = result.data
            except ValueError as err:  # a read-only array (a broadcast view, a read-only NumPy buffer)
                raise ArgumentError(f"{what}: cannot write into this tensor ({err})") from None
        self._bump_version()
        if in_graph and result._ctx is not None:
            self._ctx, self._requires_grad = result._ctx, True
            self._ctx.output_version = self._version  # what its backward expects (see autograd.run_backward)

    def __setitem__(self, index, value):
        """``x[index] = value`` in place; while the graph is recorded and x or value requires grad, the change
        is a node of the graph (PyTorch's ``CopySlices``: the gradient of the overwritten part is zero)."""
        self._check_inplace("__setitem__")
        index = _unwrap_index(index)
        if autograd.is_grad_enabled() and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
            self._update("__setitem__", "_index_put", index, value)
            return
        array = value.data if isinstance(value, Tensor) else value
        if isinstance(array, (str, bytes)) or array is None:
            raise TypeError(f"can't assign a {type(array).__name__} to a {self.type()}")
        if isinstance(index, (str, bytes, float)):
            raise TypeError(f"__setitem__: a tensor cannot be indexed by a {type(index).__name__} ({index!r})") \
                if not isinstance(index, float) else IndexError(
                "__setitem__: only integers, slices (`:`), ellipsis (`...`), None and long or byte tensors are "
                f"valid indices, got the float {index}")
        try:
            self._assign(index, array)  # PyTorch's placement of the indexed dimensions (lamina/ops/indexing.py)
        except IndexError as err:
            raise IndexError(f"__setitem__: {err} (tensor shape {list(self.shape)})") from None
        except (ValueError, TypeError) as err:
            raise ArgumentError(f"__setitem__: cannot assign a value of shape {list(xp.shape(array))} into a tensor "
                                f"of shape {list(self.shape)} at {index!r} ({err})") from None
        self._bump_version()

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def apply_(self, callable) -> Tensor:  # noqa: A002 - PyTorch's name
        """Every element replaced by ``callable(element)`` (a Python function of a number; slow: a loop)."""
        self._refuse_python_loop("apply_")
        values = [callable(v) for v in self.data.reshape(-1).tolist()]
        self.data[...] = xp.asarray(values, dtype=self.data.dtype).reshape(self.shape)
        self._bump_version()
        return self

    def map_(self, tensor, callable) -> Tensor:  # noqa: A002 - PyTorch's name
        """Every element replaced by ``callable(element, other)`` with ``tensor`` broadcast to this shape."""
        self._refuse_python_loop("map_")
        other = tensor.data if isinstance(tensor, Tensor) else xp.asarray(tensor)
        try:
            other = xp.broadcast_to(other, self.shape)
        except ValueError:
            raise ArgumentError(f"map_: the other tensor of shape {list(other.shape)} does not broadcast to "
                                f"{list(self.shape)}") from None
        values = [callable(a, b) for a, b in zip(self.data.reshape(-1).tolist(), other.reshape(-1).tolist())]
        self.data[...] = xp.asarray(values, dtype=self.data.dtype).reshape(self.shape)
        self._bump_version()
        return self

    def _refuse_python_loop(self, what):
        if self._requires_grad:
            raise ArgumentError(f"Can't call {what}() on a tensor that requires grad. Use x.detach().{what}() instead.")

    def share_memory_(self) -> Tensor:
        """A no-op (the tensor's memory is already its process's; PyTorch moves it to shared memory)."""
        return self

    def fill_(self, value) -> Tensor:
        """Every element = value (a number or a one-element tensor), cast to the tensor's dtype."""
        if isinstance(value, Tensor) and value.ndim != 0:
            raise ArgumentError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                f"{value.ndim} dimensions.")
        if not isinstance(value, (Tensor, numbers.Number, np.generic)) or isinstance(value, (np.str_, np.bytes_)):
            raise TypeError(f"fill_(): argument 'value' must be a number or a 0-d tensor, not {type(value).__name__}")
        value_tensor = value if isinstance(value, Tensor) else Tensor._wrap(xp.asarray(value, dtype=self.data.dtype))
        if isinstance(value, Tensor) or _needs_graph(self):
            return self._update("fill_", _fill_like, value_tensor)
        self._check_inplace("fill_")
        self.data[...] = value_tensor.data
        self._bump_version()
        return self

    def copy_(self, other, non_blocking=False) -> Tensor:
        """The values of ``other`` broadcast to this shape and cast to this dtype (any dtype, as PyTorch)."""
        if other is None or isinstance(other, (str, bytes)):
            raise TypeError(f"copy_(): argument 'other' must be Tensor, not {type(other).__name__}")
        if not isinstance(other, Tensor):  # a nested list or an array, as Lamina always took (PyTorch: Tensor only)
            other = Tensor(other, dtype=self.data.dtype)
        try:
            xp.broadcast_to(xp.empty(other.shape, dtype=bool), self.shape)
        except ValueError:
            raise ArgumentError(f"copy_: the source of shape {list(other.shape)} must be broadcastable to the "
                                f"destination's shape {list(self.shape)}") from None
        if other.data.dtype != self.data.dtype:
            other = other.to(self.data.dtype) if self.data.dtype.kind == "f" else Tensor._wrap(
                other.data.astype(self.data.dtype))
        return self._update("copy_", _fill_like, other)

    def add_(self, other, *, alpha=1) -> Tensor:
        if alpha == 1:
            return self._update("add_", "add", other)
        return self._update("add_", "add", other, alpha=alpha)

    def sub_(self, other, *, alpha=1) -> Tensor:
        if alpha == 1:
            return self._update("sub_", "sub", other)
        return self._update("sub_", "sub", other, alpha=alpha)

    def mul_(self, other) -> Tensor:
        return self._update("mul_", "mul", other)

    def div_(self, other, *, rounding_mode=None) -> Tensor:
        if rounding_mode is None:
            return self._update("div_", "div", other)
        return self._update("div_", "div", other, rounding_mode=rounding_mode)

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
        return self._update("clamp_", "clamp", min, max)

    clip_ = clamp_

    def __iadd__(self, other):
        return self._update("__iadd__", "add", other)

    def __isub__(self, other):
        return self._update("__isub__", "sub", other)

    def __imul__(self, other):
        return self._update("__imul__", "mul", other)

    def __itruediv__(self, other):
        return self._update("__itruediv__", "div", other)

    def __ipow__(self, other):
        return self._update("__ipow__", "pow", other)

    def __imatmul__(self, other):
        return self._update("__imatmul__", "matmul", other)

    def __pos__(self):
        return self

    # ---- conjugate transposes: real tensors only, so the transposes themselves (x.mT is bound by the ops)
    @property
    def H(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """x.H: the conjugate transpose of a matrix (a 0-d tensor is returned as it is, as PyTorch)."""
        if self.ndim == 0:
            return self
        if self.ndim != 2:
            raise ArgumentError(f"tensor.H is only supported on matrices (2-D tensors), got a {self.ndim}-D tensor; "
                                "for batches of matrices use tensor.mH")
        return self.mT

    @property
    def mH(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """x.mH: the last two axes swapped and conjugated (x.mT for real tensors; a 0-d tensor as it is)."""
        return self if self.ndim == 0 else self.mT

    def adjoint(self) -> Tensor:
        """x.adjoint(): the same as x.mH."""
        return self.mH


_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                 "complex128": "ComplexDouble", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}


def _scalar_name(dtype) -> str:
    """PyTorch's name of a dtype in messages and type strings (``Float`` for float32, ``Long`` for int64)."""
    name = as_dtype(dtype).name
    return _SCALAR_NAMES.get(name, name)


def type_string(dtype) -> str:
    """``x.type()``'s answer: ``'torch.FloatTensor'`` for float32, ``'torch.LongTensor'`` for int64, ..."""
    return f"torch.{_scalar_name(dtype)}Tensor"


def _kind_rank(dtype) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[dtype.kind]


def _can_cast(source, target) -> bool:
    """PyTorch's rule for writing a result into a tensor: never to a lower kind (float into an integer tensor,
    complex into a real one, anything but bool into a bool one)."""
    return _kind_rank(as_dtype(source)) <= _kind_rank(as_dtype(target))


def _needs_graph(tensor) -> bool:
    return tensor._requires_grad and autograd.is_grad_enabled()


def _element_format(array):
    """A function formatting one element as PyTorch prints it, right-aligned to the widest finite value."""
    if array.dtype.kind != "f":
        width = max(len(str(v)) for v in (array.min(), array.max())) if array.dtype.kind != "b" else \
            5 if not array.all() else 4
        return lambda v: str(v).rjust(width)
    signed = array[np.isfinite(array) & (array != 0)].astype(np.float64)
    if signed.size == 0:
        return lambda v: "{:.0f}.".format(v) if np.isfinite(v) else str(float(v))
    finite = np.abs(signed)
    low, high = finite.min(), finite.max()
    whole = bool(np.all(np.ceil(finite) == finite))
    scientific = high / low > 1000.0 or high > 1.0e8 or (not whole and low < 1.0e-4)
    if scientific:
        text = "{:.4e}"
    elif whole:
        text = "{:.0f}."
    else:
        text = "{:.4f}"
    width = max(len(text.format(v)) for v in (signed.min(), signed.max()))

    def element(v):
        v = float(v)
        shown = text.format(v) if np.isfinite(v) else str(v)
        return shown.rjust(width)

    return element


def _fill_like(source, value):
    """``value`` broadcast to ``source``'s shape, as an op of ``source`` (its gradient is zero there)."""
    keep_none = Tensor._wrap(xp.zeros(source.shape, dtype=bool))
    return source.where(keep_none, value)


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


def inplace_variant(base: str, reshapes: bool = False):
    """``x.<base>_(*args)``: ``x.<base>(*args)`` written into x (see ``Tensor._update``); ``reshapes``: the op
    changes the shape, not the values (``x.t_()``). ``lamina.ops`` binds one for each op that declares it."""
    name = base + "_"

    def method(self, *args, **kwargs):
        op = getattr(Tensor, base, None)
        if not callable(op):
            raise AttributeError(f"'Tensor' object has no attribute '{name}' (Lamina has no {base} op)")
        if reshapes:  # a new view of the same values: the shape changes, the values do not
            self._check_inplace(name)
            source = Tensor._wrap(self.data)  # the tensor as it was, so that its new node does not point to itself
            source._ctx, source._requires_grad = self._ctx, self._requires_grad
            result = op(source, *args, **kwargs)
            self._write(name, result, graph=True, reshape=True)
            return self
        return self._update(name, op, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: x.{base}(...) written into x (PyTorch's {name})."
    return method


