"""Small helpers shared by the ops: declaring Tensor methods, turning operands into tensors, axes."""
from __future__ import annotations

import functools

from ..autograd import is_grad_enabled
from ..backend import xp
from ..tensor import Tensor
from ..errors import ArgumentError, DimensionError

recording = is_grad_enabled  # inside a backward: True only when create_graph=True asks for a graph


def tensor_method(*names, reflected=(), is_property=False):
    """Declare the decorated op a method of Tensor under ``names`` (default: its own name).

    ``reflected`` names get the two operands swapped (``Tensor.__radd__(self, other)`` is
    ``add(other, self)``); ``is_property`` binds it as a property (``x.T``). ``lamina.ops`` does the
    binding when it loads the family, so each op's method names are written once, beside its maths.
    """
    def declare(fn):
        fn.tensor_methods = names or (fn.__name__,)
        fn.reflected_methods = tuple(reflected)
        fn.is_property = is_property
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
    """A Tensor for an operand. A Python scalar takes the dtype of a float (or, if it is an
    integer, of an integer) tensor it meets, as in PyTorch: ``x32 * 2.0`` stays float32."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)):
        kind = like.data.dtype.kind
        if kind == "f" or (kind in "iu" and not isinstance(value, float)):
            return Tensor._wrap(xp.asarray(value, dtype=like.data.dtype))
    return Tensor(value)


def promote(a, b):
    """Operands as tensors of one dtype family: an integer or bool operand joins the float one."""
    a = as_tensor(a, b if isinstance(b, Tensor) else None)
    b = as_tensor(b, a)
    da, db = a.data.dtype, b.data.dtype
    if da is db or da == db:
        return a, b
    if da.kind == "f" and db.kind != "f":
        b = Tensor._wrap(b.data.astype(da))
    elif db.kind == "f" and da.kind != "f":
        a = Tensor._wrap(a.data.astype(db))
    return a, b


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
