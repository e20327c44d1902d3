"""Resizing: ``interpolate`` (alias ``upsample``) with PyTorch's index conventions.

Both modes are separable: the image is resampled along H, then along W, each time as

    y[.., a, ..] = sum_t w_t[a] x[.., i_t[a], ..]

nearest:  one term, i[a] = min(floor(a * scale), n - 1), weight 1 ('nearest-exact': floor((a + 0.5) scale))
linear:   two terms; source s = (a + 1/2) scale - 1/2 (clamped at 0), or s = a (n - 1)/(m - 1) with
          align_corners; i0 = floor(s), i1 = min(i0 + 1, n - 1), weights 1 - (s - i0) and s - i0

where scale = 1 / scale_factor when one is given, else n / m (n input, m output pixels), computed in
the input's float precision like PyTorch. The map is linear in x; its adjoint (the backward) adds
every output's weighted gradient back to its source pixels. The indices never decrease, so those
sums are contiguous runs (``add.reduceat``), never ``add.at``.
"""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor
from ..errors import ArgumentError, DtypeError


def _along(weight, axis, ndim):
    """A per-position weight shaped to broadcast along ``axis`` of an ndim array."""
    return weight.reshape((-1,) + (1,) * (ndim - axis - 1))


class Resample(Function):
    """y = sum_t w_t take(x, i_t, axis); dL/dx = ResampleAdjoint(dL/dy)."""

    name = "interpolate"

    def forward(self, x, *, axis, terms):
        self.axis, self.terms = axis, terms
        y = None
        for index, weight in terms:
            part = xp.take(x, index, axis=axis)
            if weight is not None:
                part *= _along(weight, axis, x.ndim)
            y = part if y is None else xp.add(y, part, out=y)
        return y

    def backward(self, g):
        return (ResampleAdjoint.apply(g, axis=self.axis, terms=self.terms, length=self.inputs[0].shape[self.axis]),)


class ResampleAdjoint(Function):
    """dx[.., s, ..] = sum over the outputs a with i_t[a] = s of w_t[a] g[.., a, ..]; its backward is Resample."""

    name = "interpolate_backward"

    def forward(self, g, *, axis, terms, length):
        self.axis, self.terms = axis, terms
        shape = g.shape[:axis] + (length,) + g.shape[axis + 1:]
        dx = xp.zeros(shape, dtype=g.dtype)
        for index, weight in terms:
            part = g if weight is None else g * _along(weight, axis, g.ndim)
            sources, first = xp.unique(index, return_index=True)
            dx[(slice(None),) * axis + (sources,)] += xp.add.reduceat(part, first, axis=axis)
        return dx

    def backward(self, h):
        return (Resample.apply(h, axis=self.axis, terms=self.terms),)


# ---- source indices ------------------------------------------------------------------------------
def _nearest_terms(n, m, scale_factor, exact):
    """PyTorch's nearest (and nearest-exact) source index, in float32 as its kernels compute it."""
    if not exact and m == n:
        return [(xp.arange(m), None)]
    if not exact and m == 2 * n:
        return [(xp.arange(m) // 2, None)]
    scale = xp.float32(1.0 / scale_factor) if scale_factor else xp.float32(n) / xp.float32(m)
    position = xp.arange(m, dtype=xp.float32) + (xp.float32(0.5) if exact else xp.float32(0))
    return [(xp.minimum(xp.floor(position * scale).astype(xp.int64), n - 1), None)]


def _linear_terms(n, m, scale_factor, align_corners, dtype):
    """Two (index, weight) terms of linear interpolation, computed in ``dtype`` as PyTorch does."""
    one, half = dtype.type(1), dtype.type(0.5)
    position = xp.arange(m, dtype=dtype)
    if align_corners:
        scale = dtype.type(n - 1) / dtype.type(m - 1) if m > 1 else dtype.type(0)
        source = position * scale
    else:
        scale = dtype.type(1.0 / scale_factor) if scale_factor else dtype.type(n) / dtype.type(m)
        source = xp.maximum(scale * (position + half) - half, dtype.type(0))
    low = xp.minimum(xp.floor(source).astype(xp.int64), n - 1)
    lam = xp.clip(source - low, 0, 1).astype(dtype)
    high = low + (low < n - 1)
    return [(low, (one - lam).astype(dtype)), (high, lam)]


# ---- public functions ----------------------------------------------------------------------------
_MODES = {"nearest": None, "nearest-exact": None, "linear": 3, "bilinear": 4}


def _output_sizes(x, size, scale_factor, spatial):
    op = "interpolate"
    if (size is None) == (scale_factor is None):
        raise ArgumentError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, int) else tuple(int(s) for s in size)
        if len(sizes) != spatial:
            raise ArgumentError(f"{op}: size {size!r} must have {spatial} entries for input shape {tuple(x.shape)}")
        factors = (None,) * spatial
    else:
        factors = (float(scale_factor),) * spatial if isinstance(scale_factor, (int, float)) else tuple(
            float(f) for f in scale_factor)
        if len(factors) != spatial:
            raise ArgumentError(f"{op}: scale_factor {scale_factor!r} must have {spatial} entries "
                             f"for input shape {tuple(x.shape)}")
        sizes = tuple(math.floor(n * f) for n, f in zip(x.shape[2:], factors))
    if min(sizes) < 1:
        raise ArgumentError(f"{op}: the output size {sizes} would be empty (input shape {tuple(x.shape)})")
    return sizes, factors


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False) -> Tensor:
    """Resize the spatial axes of (N, C, L) or (N, C, H, W) input to ``size`` or by ``scale_factor``.

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D) and 'bilinear' (4-D), as torch.nn.functional.
    """
    x = as_tensor(input)
    if mode not in _MODES:
        raise ArgumentError(f"interpolate: mode must be one of {sorted(_MODES)}, got {mode!r}")
    if x.ndim not in (3, 4) or (_MODES[mode] is not None and x.ndim != _MODES[mode]):
        raise ArgumentError(f"interpolate: mode {mode!r} takes a "
                         f"{'3-D (N, C, L) or 4-D (N, C, H, W)' if _MODES[mode] is None else f'{_MODES[mode]}-D'} "
                         f"input, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise DtypeError(f"interpolate: input dtype must be floating point, got {x.dtype}")
    if antialias:
        raise ArgumentError("interpolate: antialias=True is not supported")
    if mode.startswith("nearest") and align_corners is not None:
        raise ArgumentError("interpolate: align_corners can only be set with the linear modes")
    sizes, factors = _output_sizes(x, size, scale_factor, x.ndim - 2)
    if recompute_scale_factor:
        factors = (None,) * len(factors)
    y = x
    for axis, (n, m, factor) in enumerate(zip(x.shape[2:], sizes, factors), start=2):
        if mode.startswith("nearest"):
            terms = _nearest_terms(n, m, factor, exact=mode == "nearest-exact")
        else:
            terms = _linear_terms(n, m, factor, bool(align_corners), x.dtype)
        if n != m or len(terms) > 1 or not (terms[0][0] == xp.arange(m)).all():
            y = Resample.apply(y, axis=axis, terms=terms)
    return x.clone() if y is x else y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None) -> Tensor:
    """The old name of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)
