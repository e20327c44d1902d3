"""Bitwise and logical ops: & | ^ ~ << >> and logical_and/or/xor/not. No gradients (integers and bools).

On integer tensors & | ^ ~ work bit by bit and keep the (promoted) integer dtype; on bool tensors they are
the logical operations; floating tensors are refused, as in PyTorch (``DtypeError``, a
NotImplementedError). Python ints promote as PyTorch's (``int32 & 3`` stays int32). Shifts follow PyTorch
where C leaves them undefined: a left shift by the width or more (or by a negative count) gives 0, a right
shift by as much gives the sign (0 or -1). The ``logical_*`` ops take any dtype (nonzero is true) and give
bool.
"""
from __future__ import annotations

from ..backend import xp
from ..tensor import Tensor
from ..errors import DtypeError
from ._util import broadcast_shapes, promote, tensor_method


def _input(op, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(value).__name__}")
    return value


def _operands(op, input, other, allow_bool=True):
    """The two operands promoted to one integer (or bool) dtype, their shapes checked."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected a Tensor as input or other, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    a, b = promote(input, other)
    x, y = a.data, b.data
    kind = x.dtype.kind
    if kind not in "iub" or (kind == "b" and not allow_bool):
        raise DtypeError(f"{op}: not implemented for dtype {x.dtype}; it needs integer"
                                    f"{' or bool' if allow_bool else ''} tensors")
    if x.shape != y.shape and x.shape and y.shape:
        broadcast_shapes(op, x.shape, y.shape)
    return x, y


def _bitwise(name, array_op, *methods, reflected=()):
    def op(input, other) -> Tensor:
        x, y = _operands(name, input, other)
        return Tensor._wrap(array_op(x, y))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"input {name.split('_')[1]} other, bit by bit for integers, logically for bools."
    return tensor_method(name, *methods, reflected=reflected, inplace=True)(op)


bitwise_and = _bitwise("bitwise_and", xp.bitwise_and, "__and__", reflected=("__rand__",))
bitwise_or = _bitwise("bitwise_or", xp.bitwise_or, "__or__", reflected=("__ror__",))
bitwise_xor = _bitwise("bitwise_xor", xp.bitwise_xor, "__xor__", reflected=("__rxor__",))


@tensor_method("bitwise_not", "__invert__", inplace=True)
def bitwise_not(input) -> Tensor:
    """~input: every bit flipped for integers, logical not for bools."""
    x = _input("bitwise_not", input).data
    if x.dtype.kind not in "iub":
        raise DtypeError(f"bitwise_not: not implemented for dtype {x.dtype}; ~ needs integer or "
                                    "bool tensors")
    return Tensor._wrap(xp.invert(x))


def _bits(dtype) -> int:
    return dtype.itemsize * 8


@tensor_method("bitwise_left_shift", "__lshift__", reflected=("__rlshift__",), inplace=True)
def bitwise_left_shift(input, other) -> Tensor:
    """input << other (input * 2^other, wrapping); 0 where other is negative or at least the bit width."""
    x, y = _operands("bitwise_left_shift", input, other, allow_bool=False)
    out_of_range = (y < 0) | (y >= _bits(x.dtype))
    if not out_of_range.any():
        return Tensor._wrap(xp.left_shift(x, y))
    shifted = xp.left_shift(x, xp.where(out_of_range, 0, y).astype(y.dtype, copy=False))
    return Tensor._wrap(xp.where(out_of_range, xp.zeros((), x.dtype), shifted))


@tensor_method("bitwise_right_shift", "__rshift__", reflected=("__rrshift__",), inplace=True)
def bitwise_right_shift(input, other) -> Tensor:
    """input >> other (arithmetic: the sign is kept). Where other is negative or at least the bit width: the
    sign (0 or -1), and 0 for unsigned integers (PyTorch's rule)."""
    x, y = _operands("bitwise_right_shift", input, other, allow_bool=False)
    width = _bits(x.dtype)
    out_of_range = (y < 0) | (y >= width)
    if not out_of_range.any():
        return Tensor._wrap(xp.right_shift(x, y))
    if x.dtype.kind == "u":
        shifted = xp.right_shift(x, xp.where(out_of_range, 0, y).astype(y.dtype, copy=False))
        return Tensor._wrap(xp.where(out_of_range, xp.zeros((), x.dtype), shifted))
    return Tensor._wrap(xp.right_shift(x, xp.where(out_of_range, width - 1, y).astype(y.dtype, copy=False)))


def _logical(name, array_op):
    def op(input, other) -> Tensor:
        for argument, value in (("input", input), ("other", other)):
            if not isinstance(value, Tensor):
                raise TypeError(f"{name}(): argument '{argument}' must be Tensor, not {type(value).__name__}")
        x, y = input.data, other.data
        if x.shape != y.shape and x.shape and y.shape:
            broadcast_shapes(name, x.shape, y.shape)
        return Tensor._wrap(array_op(x, y))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"input {name.split('_')[1]} other, elementwise, nonzero counting as true (bool result)."
    return tensor_method(name, inplace=True)(op)


logical_and = _logical("logical_and", xp.logical_and)
logical_or = _logical("logical_or", xp.logical_or)
logical_xor = _logical("logical_xor", xp.logical_xor)


@tensor_method(inplace=True)
def logical_not(input) -> Tensor:
    """True where input is zero (bool result, any input dtype)."""
    return Tensor._wrap(xp.logical_not(_input("logical_not", input).data))
