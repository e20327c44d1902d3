"""Dropout: zero random elements (or whole channels) while training, scaling the rest by 1/(1 - p).

Inverted dropout keeps the expected value: E[mask] = (1 - p) * 1/(1 - p) = 1, so at evaluation the
input passes through unchanged. The backward multiplies by the same mask.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ..random import numpy_generator
from ..tensor import Tensor
from ._util import as_tensor, constant
from .shape import sum_to
from ..errors import ArgumentError, DtypeError


class DropoutOp(Function):
    """y = x * mask, mask = keep / (1 - p) (broadcast over the kept axes for channel dropout)."""

    name = "dropout"

    def forward(self, x, mask):
        self.mask = mask
        return x * mask

    def backward(self, g):
        return (sum_to(g * constant(self.mask), self.inputs[0].shape),)


def _mask(shape, p, dtype, generator):
    """keep / (1 - p), keep ~ Bernoulli(1 - p) drawn from ``generator`` (the default one if None)."""
    uniform = numpy_generator(generator).random(shape, dtype=xp.float32)
    mask = (uniform >= p).astype(dtype)
    mask *= 1.0 / (1.0 - p)
    return mask


def _check_p(op, p, x):
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"{op}: dropout probability p must be in [0, 1], got {p}")
    if x.dtype.kind != "f" and 0.0 < p < 1.0:  # as PyTorch: the 1/(1-p) scale has no integer result
        raise DtypeError(f"{op}: input dtype must be floating point for 0 < p < 1, got {x.dtype}")


def _dropped(x):
    """Every element dropped (p = 1): zeros of x's dtype, in the graph."""
    return x * (0.0 if x.dtype.kind == "f" else 0)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None) -> Tensor:
    """Zero each element with probability p and scale the others by 1/(1 - p); identity when
    ``training`` is False or p = 0. ``generator`` (an ``lm.Generator``) makes the mask reproducible."""
    x = as_tensor(input)
    _check_p("dropout", p, x)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return _dropped(x)
    return DropoutOp.apply(x, mask=_mask(x.shape, p, x.dtype, generator))


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None) -> Tensor:
    """Channel dropout of (N, C, H, W) input: each whole feature map x[n, c] is zeroed with
    probability p, the others scaled by 1/(1 - p). A 3-D input is read as (N, C, L), as PyTorch."""
    x = as_tensor(input)
    _check_p("dropout2d", p, x)
    if x.ndim not in (3, 4):
        raise ArgumentError(f"dropout2d: input must have shape (N, C, H, W) or (N, C, L), got {x.shape}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return _dropped(x)
    shape = x.shape[:2] + (1,) * (x.ndim - 2)
    return DropoutOp.apply(x, mask=_mask(shape, p, x.dtype, generator))
