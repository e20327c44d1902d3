"""Small helpers shared by the ops: declaring Tensor methods, turning operands into tensors, axes."""
from __future__ import annotations

import functools
import numbers

from ..autograd import is_grad_enabled
from ..backend import DEFAULT_FLOAT, xp
from ..errors import ArgumentError, DimensionError, DtypeError, ScalarOverflowError
from ..tensor import Tensor

recording = is_grad_enabled  # inside a backward: True only when create_graph=True asks for a graph


def tensor_method(*names, reflected=(), is_property=False, inplace=False):
    """Declare the decorated op a method of Tensor under ``names`` (default: its own name).

    ``reflected`` names get the two operands swapped (``Tensor.__radd__(self, other)`` is
    ``add(other, self)``); ``is_property`` binds it as a property (``x.T``); ``inplace=True`` adds
    PyTorch's in-place variant of each name (``x.exp_()``: ``x.exp()`` written into x, see
    ``Tensor._update``), ``inplace="reshape"`` one that changes x's shape (``x.unsqueeze_(0)``).
    ``lamina.ops`` does the binding when it loads the family, so each op's method names are written once,
    beside its maths.
    """
    def declare(fn):
        fn.tensor_methods = names or (fn.__name__,)
        fn.reflected_methods = tuple(reflected)
        fn.is_property = is_property
        fn.inplace_methods = (tuple(name for name in fn.tensor_methods if not name.startswith("_")) if inplace
                              else ())
        fn.inplace_reshapes = inplace == "reshape"
        return fn

    return declare


def memoised(fn):
    """``fn``, a pure function of its arguments, computed once per arguments (argument checks that
    every training step repeats). The key includes the arguments' repr, which tells 2 from 2.0 and
    True from 1 (equal as dict keys); calls with unhashable arguments (lists) are not cached."""
    cached = functools.lru_cache(maxsize=256)(lambda text, *args: fn(*args))

    @functools.wraps(fn)
    def call(*args):
        try:
            return cached(repr(args), *args)
        except TypeError:  # unhashable arguments (or fn's own TypeError, which fn raises again)
            return fn(*args)

    return call


def constant(array) -> Tensor:
    """Wrap an array saved by a forward pass as a Tensor outside the graph."""
    return Tensor._wrap(array)


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """A Tensor for an operand. A Python or NumPy scalar takes the dtype of a tensor it meets when PyTorch
    would keep that dtype (``x32 * 2.0`` stays float32, ``i32 + 1`` stays int32); see ``result_type``."""
    if isinstance(value, Tensor):
        return value
    if like is not None and is_scalar(value):
        return Tensor._wrap(scalar_array(value, result_type(like, value)))
    return Tensor(value)


_INT64_MIN, _INT64_END = -2**63, 2**63


# ---- PyTorch's type promotion ------------------------------------------------------------------------
# Categories: bool < integer < floating. An operand decides the result's dtype according to its priority:
# tensors with dimensions first; a 0-d tensor only when its category is higher than theirs; a Python or NumPy
# scalar ("wrapped number") only when its category is higher still, and then as the category's default dtype
# (a float scalar gives float32, an int scalar int64).
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_BOOL, _INT64 = xp.dtype(bool), xp.dtype(xp.int64)


def is_scalar(value) -> bool:
    """A Python number or a NumPy scalar (``np.float32(2.0)``, ``np.int64(1)``, ``np.True_``)."""
    return isinstance(value, (int, float, numbers.Number, xp.bool_)) and not isinstance(value, Tensor)


def scalar_dtype(value):
    """The dtype a scalar stands for in promotion: bool, int64, or the default float. A NumPy bool (``np.True_``)
    counts as a float, as in PyTorch (which reads it through ``__float__``: ``int8_tensor + np.True_`` is float32)."""
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, xp.bool_):
        return DEFAULT_FLOAT
    if isinstance(value, numbers.Integral):
        if type(value) is int and not _INT64_MIN <= value < _INT64_END:
            raise ScalarOverflowError(f"the integer {value} is too big to convert to int64")
        return _INT64
    if isinstance(value, numbers.Real):
        return DEFAULT_FLOAT
    raise DtypeError(f"cannot compute with a scalar of type {type(value).__name__} ({value!r})")


def promote_types(a, b):
    """PyTorch's promotion of two dtypes: the higher category wins whatever its width (int64 with float16
    is float16); within a category the wider type (uint8 with int8 is int16)."""
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return xp.promote_types(a, b)


def _fold(dtype, other):
    return other if dtype is None else promote_types(dtype, other)


def _combine(higher, lower):
    """A lower-priority operand's dtype counts only when its category is higher."""
    if higher is None:
        return lower
    if lower is None or _CATEGORY[lower.kind] <= _CATEGORY[higher.kind]:
        return higher
    return lower


def result_type(*operands):
    """The dtype PyTorch gives an elementwise op of ``operands`` (tensors, Python or NumPy scalars, arrays)."""
    dims = zero = wrapped = None
    for value in operands:
        if isinstance(value, Tensor):
            if value.data.ndim:
                dims = _fold(dims, value.data.dtype)
            else:
                zero = _fold(zero, value.data.dtype)
        elif is_scalar(value):
            wrapped = _fold(wrapped, scalar_dtype(value))
        elif value is not None:
            t = _array_operand(value)
            dims = _fold(dims, t.data.dtype) if t.data.ndim else _fold(zero, t.data.dtype)
    return _combine(dims, _combine(zero, wrapped))


def scalar_array(value, dtype):
    """A 0-d array of ``dtype`` holding a scalar; integers wrap around as in PyTorch (int8 + 1000)."""
    if type(value) is int and not _INT64_MIN <= value < _INT64_END:
        raise ScalarOverflowError(f"the integer {value} is too big to convert to int64")
    try:
        return xp.asarray(value, dtype=dtype)
    except OverflowError:
        try:
            return xp.asarray(value).astype(dtype)
        except (OverflowError, TypeError):
            raise ArgumentError(f"value {value} cannot be converted to {dtype} without overflow") from None


def to_dtype(value, dtype) -> Tensor:
    """An operand as a Tensor of ``dtype``: scalars and arrays converted, tensors cast (differentiably)."""
    if isinstance(value, Tensor):
        if value.data.dtype == dtype:
            return value
        with xp.errstate(over="ignore", invalid="ignore"):  # int32 max to float16 is inf, as in PyTorch
            return value.astype(dtype)  # conversion.py's differentiable cast, bound as a Tensor method
    if is_scalar(value):
        return Tensor._wrap(scalar_array(value, dtype))
    with xp.errstate(over="ignore", invalid="ignore"):
        return Tensor._wrap(_array_operand(value).data.astype(dtype, copy=False))


_KEEPS = {float: "f", int: "fiu", bool: "fiub"}  # a Python scalar of this type keeps tensors of these kinds


def _array_operand(value) -> Tensor:
    """An array operand as a Tensor (float64 arrays become float32); Python lists and tuples are refused, as
    PyTorch's operators refuse them."""
    if isinstance(value, (list, tuple)):
        raise TypeError(f"unsupported operand type: {type(value).__name__} (make it a tensor with lm.tensor)")
    return Tensor(value)


def promote(*operands):
    """The operands as tensors of one dtype, PyTorch's ``result_type`` (see above): ``x32 * 2.0`` stays
    float32, an int tensor with a float scalar becomes float32, int32 with int64 tensors int64."""
    if len(operands) == 2:
        a, b = operands
        if isinstance(a, Tensor):
            if isinstance(b, Tensor):
                if a.data.dtype == b.data.dtype:  # the hot path: one dtype already
                    return a, b
            elif type(b) in _KEEPS and a.data.dtype.kind in _KEEPS[type(b)]:  # x * 0.5, i + 1
                return a, Tensor._wrap(scalar_array(b, a.data.dtype))
        elif type(a) in _KEEPS and isinstance(b, Tensor) and b.data.dtype.kind in _KEEPS[type(a)]:
            return Tensor._wrap(scalar_array(a, b.data.dtype)), b
    operands = [v if isinstance(v, Tensor) or is_scalar(v) else _array_operand(v) for v in operands]
    dtype = result_type(*operands)
    return tuple(to_dtype(v, dtype) for v in operands)


def broadcast_shapes(op: str, *shapes) -> tuple:
    try:
        return xp.broadcast_shapes(*shapes)
    except ValueError:
        raise ArgumentError(f"{op}: shapes {' and '.join(str(tuple(s)) for s in shapes)} do not broadcast") from None


def normalize_axis(axis, ndim: int, op: str = "op"):
    """``dim``/``axis`` as a tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise DimensionError(f"{op}: dim {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % max(ndim, 1))
    return tuple(out)


def pick_axis(dim, axis):
    """PyTorch says ``dim``, NumPy says ``axis``: accept either."""
    return axis if dim is None else dim
