"""Conversions: a tensor in another dtype (``astype``, ``float``, ``double``, ...) and copies (``clone``).

A cast to a floating dtype is differentiable (the gradient is cast back to the input's dtype); a
cast to integers or booleans leaves the graph, as nothing can be differentiated there.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import as_dtype, xp
from ..tensor import Tensor
from ._util import tensor_method


class Cast(Function):
    """y = x in another floating dtype;  dL/dx = dL/dy cast back to x's dtype."""

    name = "astype"

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return (g.astype(self.inputs[0].dtype),)


class Clone(Function):
    """A copy of x in new memory; its gradient passes unchanged."""

    name = "clone"

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)


def cast(x: Tensor, dtype) -> Tensor:
    """x in ``dtype`` (the same tensor when it already has it)."""
    dtype = as_dtype(dtype)
    if dtype == x.data.dtype:
        return x
    if x.requires_grad and dtype.kind != "f":
        return Tensor._wrap(x.data.astype(dtype))  # integers are never differentiated
    return Cast.apply(x, dtype=dtype)


@tensor_method("astype", "to")
def _astype(x: Tensor, dtype) -> Tensor:
    return cast(x, dtype)


def _cast_to(dtype, method: str):
    """The Tensor method ``x.<method>()``: x cast to ``dtype`` (``x.float()`` is float32, as PyTorch)."""
    def convert(x: Tensor) -> Tensor:
        return cast(x, dtype)

    convert.__name__ = convert.__qualname__ = f"_{method}"
    return tensor_method(method)(convert)


_float = _cast_to(xp.float32, "float")
_double = _cast_to(xp.float64, "double")
_long = _cast_to(xp.int64, "long")
_int = _cast_to(xp.int32, "int")
_bool = _cast_to(xp.bool_, "bool")


@tensor_method()
def clone(x: Tensor) -> Tensor:
    return Clone.apply(x)


@tensor_method("contiguous")
def _contiguous(x: Tensor) -> Tensor:
    """x itself: every tensor Lamina hands out can be used as it is (PyTorch's name, for its code)."""
    return x
