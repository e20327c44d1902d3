"""Dropout: zero random elements (or whole channels) while training, scaling the rest by 1/(1 - p).

Inverted dropout keeps the expected value: E[mask] = (1 - p) * 1/(1 - p) = 1, so at evaluation the
input passes through unchanged. The backward multiplies by the same mask.
"""
from __future__ import annotations

import warnings

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


def _feature_dropout(op, x, p, training, generator, batched=True):
    """Whole channels x[n, c] zeroed with probability p, the others scaled by 1/(1 - p) (PyTorch's
    feature_dropout; an unbatched input (C, *) is read as one sample)."""
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return _dropped(x)
    shape = (x.shape[:2] if batched else x.shape[:1]) + (1,) * (x.ndim - (2 if batched else 1))
    return DropoutOp.apply(x, mask=_mask(shape, p, x.dtype, generator))


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None) -> Tensor:
    """Channel dropout of (N, C, H, W) input: each whole feature map x[n, c] is zeroed with
    probability p, the others scaled by 1/(1 - p). A 3-D input is read as (N, C, L), as PyTorch; other ranks
    are accepted with PyTorch's deprecation warning (dims 0 and 1 as N and C)."""
    x = as_tensor(input)
    _check_p("dropout2d", p, x)
    if x.ndim < 2:
        raise ArgumentError(f"dropout2d: input must have shape (N, C, H, W) or (N, C, L), got {tuple(x.shape)}")
    if x.ndim not in (3, 4):
        warnings.warn(f"dropout2d: received a {x.ndim}-D input, which is deprecated (expected 3-D or 4-D)",
                      UserWarning, stacklevel=2)
    return _feature_dropout("dropout2d", x, p, training, generator)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None) -> Tensor:
    """Channel dropout of (N, C, L) or unbatched (C, L) input: each x[n, c] zeroed with probability p."""
    x = as_tensor(input)
    _check_p("dropout1d", p, x)
    if x.ndim not in (2, 3):
        raise ArgumentError(f"dropout1d: expected 2D or 3D input, but received a {x.ndim}D input of shape "
                            f"{tuple(x.shape)}")
    return _feature_dropout("dropout1d", x, p, training, generator, batched=x.ndim == 3)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None) -> Tensor:
    """Channel dropout of (N, C, D, H, W) or unbatched (C, D, H, W) input; other ranks are read as unbatched
    with PyTorch's deprecation warning."""
    x = as_tensor(input)
    _check_p("dropout3d", p, x)
    if x.ndim not in (4, 5):
        warnings.warn(f"dropout3d: received a {x.ndim}-D input, which is deprecated (expected 4-D or 5-D)",
                      UserWarning, stacklevel=2)
    if x.ndim < 1:
        raise ArgumentError("dropout3d: input must have at least one dimension")
    return _feature_dropout("dropout3d", x, p, training, generator, batched=x.ndim == 5)


_SELU_ALPHA_PRIME = 1.7580993408473766  # -selu(-inf) = scale * alpha


def _alpha_dropout(op, input, p, training, feature, generator):
    """SELU's dropout: dropped units set to -alpha', then an affine map a x + b that keeps zero mean and unit
    variance: a = ((1 - p)(1 + p alpha'^2))^-1/2, b = a alpha' p. ``feature`` drops whole channels (N, C, *)."""
    x = as_tensor(input)
    _check_p(op, p, x)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if p == 1.0:
        return _dropped(x)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: input dtype must be floating point, got {x.dtype}")
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = (numpy_generator(generator).random(shape, dtype=xp.float32) >= p).astype(x.dtype)
    a = 1.0 / ((_SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p)) ** 0.5
    shift = (keep - 1) * (_SELU_ALPHA_PRIME * a) + _SELU_ALPHA_PRIME * a * p
    return DropoutOp.apply(x, mask=keep * x.dtype.type(a)) + constant(shift.astype(x.dtype))


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False, generator=None) -> Tensor:
    """Alpha dropout (for SELU networks) of each element; identity unless ``training`` (default False, as
    PyTorch's functional form)."""
    return _alpha_dropout("alpha_dropout", input, p, training, False, generator)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False,
                          generator=None) -> Tensor:
    """Alpha dropout of whole channels x[n, c] of (N, C, *) input."""
    return _alpha_dropout("feature_alpha_dropout", input, p, training, True, generator)
