"""Resizing: ``interpolate`` (alias ``upsample``) with PyTorch's index conventions.

Every mode is separable: the image is resampled along each spatial axis in turn (D, H, W), each time as

    y[.., a, ..] = sum_t w_t[a] x[.., i_t[a], ..]

nearest:  one term, i[a] = min(floor(a * scale), n - 1), weight 1 ('nearest-exact': floor((a + 0.5) scale))
linear:   two terms; source s = (a + 1/2) scale - 1/2 (clamped at 0), or s = a (n - 1)/(m - 1) with
          align_corners; i0 = floor(s), i1 = min(i0 + 1, n - 1), weights 1 - (s - i0) and s - i0
          (bilinear and trilinear: linear along each axis)
bicubic:  four terms, taps floor(s) - 1 .. floor(s) + 2 clamped, Keys' cubic weights with a = -0.75;
          s not clamped at 0
area:     adaptive average pooling

where scale = 1 / scale_factor when one is given, else n / m (n input, m output pixels), computed in
the input's float precision like PyTorch. The map is linear in x; its adjoint (the backward) adds
every output's weighted gradient back to its source pixels. The indices never decrease, so those
sums are contiguous runs (``add.reduceat``), never ``add.at``.
"""
from __future__ import annotations

import math
import numbers

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor
from ..errors import ArgumentError
from .activation import _half_in_float


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


def _cubic_terms(n, m, scale_factor, align_corners, dtype):
    """Four (index, weight) terms of bicubic interpolation (Keys' kernel, a = -0.75, as PyTorch): source
    s = a scale or (a + 1/2) scale - 1/2 (not clamped), t = s - floor(s), taps floor(s) - 1 .. floor(s) + 2
    clamped to the image."""
    one, a = dtype.type(1), dtype.type(-0.75)
    position = xp.arange(m, dtype=dtype)
    if align_corners:
        scale = dtype.type(n - 1) / dtype.type(m - 1) if m > 1 else dtype.type(0)
        source = position * scale
    else:
        scale = dtype.type(1.0 / scale_factor) if scale_factor else dtype.type(n) / dtype.type(m)
        source = scale * (position + dtype.type(0.5)) - dtype.type(0.5)
    floor = xp.floor(source)
    t = (source - floor).astype(dtype)

    def near(x):   # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + one

    def far(x):    # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = [far(t + one), near(t), near(one - t), far(one - t + one)]
    start = floor.astype(xp.int64) - 1
    return [(xp.clip(start + k, 0, n - 1), w.astype(dtype)) for k, w in enumerate(weights)]


# ---- public functions ----------------------------------------------------------------------------
class _UnsupportedMode(ArgumentError, NotImplementedError):
    """A mode or rank PyTorch's interpolate has no kernel for (it raises NotImplementedError)."""


_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4, "bicubic": 4,
          "trilinear": 5}
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _output_sizes(x, size, scale_factor, spatial):
    op = "interpolate"
    if size is not None and scale_factor is not None:
        raise ArgumentError(f"{op}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ArgumentError(f"{op}: either size or scale_factor should be defined")
    if size is not None:
        sizes = _sizes(size, spatial, "size", x)
        factors = (None,) * spatial
    else:
        factors = _factors(scale_factor, spatial, x)
        sizes = tuple(math.floor(n * f) for n, f in zip(x.shape[2:], factors))
    if min(sizes) < 1 or min(x.shape[2:]) < 1:
        raise ArgumentError(f"{op}: input and output sizes should be greater than 0, got input "
                            f"{tuple(x.shape[2:])} and output {sizes}")
    return sizes, factors


def _sizes(size, spatial, name, x):
    if isinstance(size, (tuple, list)):
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in size):
            raise TypeError(f"interpolate: {name} must be an int or a tuple of ints, got {size!r}")
        sizes = tuple(int(s) for s in size)
    elif isinstance(size, numbers.Integral) and not isinstance(size, bool):
        sizes = (int(size),) * spatial
    else:
        raise TypeError(f"interpolate: {name} must be an int or a tuple of ints, got {size!r}")
    if len(sizes) != spatial:
        raise ArgumentError(f"interpolate: size {size!r} must have {spatial} entries for input shape "
                            f"{tuple(x.shape)}")
    return sizes


def _factors(scale_factor, spatial, x):
    def number(f):
        return isinstance(f, numbers.Real) and not isinstance(f, bool)

    if isinstance(scale_factor, (tuple, list)):
        if not all(number(f) for f in scale_factor):
            raise TypeError(f"interpolate: scale_factor must be a number or a tuple of numbers, got {scale_factor!r}")
        factors = tuple(float(f) for f in scale_factor)
    elif number(scale_factor):
        factors = (float(scale_factor),) * spatial
    else:
        raise TypeError(f"interpolate: scale_factor must be a number or a tuple of numbers, got {scale_factor!r}")
    if len(factors) != spatial:
        raise ArgumentError(f"interpolate: scale_factor {scale_factor!r} must have {spatial} entries "
                            f"for input shape {tuple(x.shape)}")
    return factors


def _check(x, mode, align_corners, antialias, size, recompute_scale_factor):
    if mode not in _MODES:
        raise _UnsupportedMode(f"interpolate: mode must be one of {sorted(_MODES)}, got {mode!r}")
    if mode not in _INTERPOLATING and align_corners is not None:
        raise ArgumentError(f"interpolate: align_corners can only be set with the interpolating modes "
                            f"{' | '.join(_INTERPOLATING)}, not {mode!r}")
    if recompute_scale_factor and size is not None:
        raise ArgumentError("interpolate: recompute_scale_factor is not meaningful with an explicit size")
    if x.ndim not in (3, 4, 5) or (_MODES[mode] is not None and x.ndim != _MODES[mode]):
        wanted = "a 3-D, 4-D or 5-D" if _MODES[mode] is None else f"a {_MODES[mode]}-D"
        raise _UnsupportedMode(f"interpolate: mode {mode!r} takes {wanted} input, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f" and not (x.dtype == xp.uint8 and mode.startswith("nearest")):
        raise _UnsupportedMode(f"interpolate: input dtype must be floating point (or uint8 for the nearest modes), "
                               f"got {x.dtype}")
    if x.shape[1] == 0:
        raise ArgumentError(f"interpolate: expected a non-empty channel dimension, got shape {tuple(x.shape)}")
    if antialias:
        raise ArgumentError("interpolate: antialias=True is not supported")


@_half_in_float
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False) -> Tensor:
    """Resize the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor`` (output floor(n * scale_factor); the kernels then use 1 / scale_factor unless
    ``recompute_scale_factor``).

    Modes: 'nearest', 'nearest-exact' and 'area' (any rank), 'linear' (3-D), 'bilinear' and 'bicubic' (4-D),
    'trilinear' (5-D), as torch.nn.functional.
    """
    x = as_tensor(input)
    _check(x, mode, align_corners, antialias, size, recompute_scale_factor)
    sizes, factors = _output_sizes(x, size, scale_factor, x.ndim - 2)
    if mode == "area":
        from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[x.ndim - 3](x, sizes)
    if recompute_scale_factor:
        factors = (None,) * len(factors)
    y = x
    for axis, (n, m, factor) in enumerate(zip(x.shape[2:], sizes, factors), start=2):
        if mode.startswith("nearest"):
            terms = _nearest_terms(n, m, factor, exact=mode == "nearest-exact")
        elif mode == "bicubic":
            terms = _cubic_terms(n, m, factor, bool(align_corners), x.dtype)
        else:
            terms = _linear_terms(n, m, factor, bool(align_corners), x.dtype)
        if n != m or len(terms) > 1 or not (terms[0][0] == xp.arange(m)).all():
            y = Resample.apply(y, axis=axis, terms=terms)
    return x.clone() if y is x else y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None) -> Tensor:
    """The old name of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None) -> Tensor:
    """PyTorch's deprecated name for ``interpolate(input, size, scale_factor, mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None) -> Tensor:
    """PyTorch's deprecated name for ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- spatial transformers: affine_grid and grid_sample ------------------------------------------------------
def _base_coordinates(n, align_corners, dtype):
    """The normalised pixel centres -1 .. 1 along an axis of n pixels (PyTorch's linspace_from_neg_one)."""
    if n <= 1:
        return xp.zeros(n, dtype=dtype)
    points = xp.linspace(-1, 1, n, dtype=xp.float64)
    return (points if align_corners else points * ((n - 1) / n)).astype(dtype)


def affine_grid(theta, size, align_corners=None) -> Tensor:
    """Sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps ``theta`` (N, 2, 3) (or (N, 3, 4))
    applied to the normalised output coordinates (x, y[, z], 1); align_corners=None is False, as PyTorch."""
    from .linear import matmul
    from .shape import transpose

    theta = as_tensor(theta)
    if theta.dtype.kind != "f":
        raise ArgumentError(f"affine_grid: expected theta to have floating point type, got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise _NotImplemented(f"affine_grid: only supports 4D and 5D sizes (2D and 3D affine transforms), got "
                              f"size {list(size)}")
    spatial = size[2:]
    k = len(spatial)
    if theta.ndim != 3 or theta.shape[1:] != (k, k + 1):
        raise ArgumentError(f"affine_grid: expected a batch of {k}D affine matrices of shape Nx{k}x{k + 1} for size "
                            f"{list(size)}, got {tuple(theta.shape)}")
    if theta.shape[0] != size[0]:
        raise ArgumentError(f"affine_grid: theta has {theta.shape[0]} matrices for a batch of size {size[0]}")
    if min(spatial) <= 0:
        raise ArgumentError(f"affine_grid: expected non-zero, positive output size, got {list(size)}")
    axes = [_base_coordinates(n, bool(align_corners), theta.dtype) for n in reversed(spatial)]  # x, y[, z]
    mesh = xp.meshgrid(*[axes[i] for i in reversed(range(k))], indexing="ij")  # (D,) H, W order
    base = xp.stack([mesh[k - 1 - i] for i in range(k)] + [xp.ones(spatial, dtype=theta.dtype)], axis=-1)
    points = Tensor._wrap(base.reshape(1, -1, k + 1))
    grid = matmul(points, transpose(theta, 1, 2))
    return grid.reshape((size[0],) + spatial + (k,))


class _NotImplemented(ArgumentError, NotImplementedError):
    """PyTorch's NotImplementedError for a size affine_grid has no transform for."""


_GRID_MODES = ("bilinear", "nearest", "bicubic")
_GRID_PADDINGS = ("zeros", "border", "reflection")


def _unnormalize(coord, n, align_corners):
    """Normalised [-1, 1] -> pixel index: corners of the edge pixels (align_corners) or their outer edges."""
    return (coord + 1) * ((n - 1) / 2) if align_corners else ((coord + 1) * n - 1) / 2


def _reflect(coord, low2, high2):
    """Reflect a coordinate into [low2 / 2, high2 / 2] (PyTorch's reflect_coordinates)."""
    from .arithmetic import remainder

    if low2 == high2:
        return coord * 0.0
    low, span = low2 / 2, (high2 - low2) / 2
    distance = (coord - low).abs()
    extra = remainder(distance, span)
    flips = xp.floor(distance.data / span)
    even = Tensor._wrap((flips % 2 == 0).astype(coord.dtype))
    return even * (extra + low) + (1 - even) * (span - extra + low)


def _source(coord, n, padding_mode, align_corners):
    coord = _unnormalize(coord, n, align_corners)
    if padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (n - 1)) if align_corners else _reflect(coord, -1, 2 * n - 1)
    if padding_mode in ("border", "reflection"):
        coord = coord.clamp(0, n - 1)
    return coord


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros", align_corners=None) -> Tensor:
    """out[n, c, h, w] = input[n, c] sampled at grid[n, h, w] = (x, y) in [-1, 1] (x along the width):
    bilinear (four taps) or nearest (rounded half to even) interpolation; taps outside the image read 0
    ('zeros'), the edge ('border') or the mirror image ('reflection'). Gradients for input and grid."""
    from .indexing import gather

    if mode not in _GRID_MODES:
        raise ArgumentError(f"grid_sample: expected mode to be 'bilinear', 'nearest' or 'bicubic', got {mode!r}")
    if padding_mode not in _GRID_PADDINGS:
        raise ArgumentError(f"grid_sample: expected padding_mode to be 'zeros', 'border', or 'reflection', got "
                            f"{padding_mode!r}")
    x, grid = as_tensor(input), as_tensor(grid)
    if x.ndim != 4 or grid.ndim != 4:
        if x.ndim == 5 and grid.ndim == 5:
            raise _NotImplemented("grid_sample: volumetric (5-D) sampling is not implemented in Lamina")
        raise ArgumentError(f"grid_sample: expected 4-D input and grid, got shapes {tuple(x.shape)} and "
                            f"{tuple(grid.shape)}")
    if grid.shape[0] != x.shape[0]:
        raise ArgumentError(f"grid_sample: expected grid and input to have same batch size, got input with sizes "
                            f"{list(x.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != 2:
        raise ArgumentError(f"grid_sample: expected grid to have size 2 in last dimension, got {list(grid.shape)}")
    if x.dtype.kind != "f" or grid.dtype != x.dtype:
        raise ArgumentError(f"grid_sample: expected input and grid of one floating dtype, got {x.dtype} and "
                            f"{grid.dtype}")
    if mode == "bicubic":
        raise _NotImplemented("grid_sample: mode='bicubic' is not implemented in Lamina")
    n, c, h, w = x.shape
    out_h, out_w = grid.shape[1:3]
    ix = _source(grid[..., 0], w, padding_mode, bool(align_corners))
    iy = _source(grid[..., 1], h, padding_mode, bool(align_corners))
    flat = x.reshape(n, c, h * w)

    def tap(col, row, weight):
        """weight * input at integer (row, col) arrays, 0 outside the image."""
        inside = (col >= 0) & (col <= w - 1) & (row >= 0) & (row <= h - 1)
        index = (xp.clip(row, 0, max(h - 1, 0)) * w + xp.clip(col, 0, max(w - 1, 0))).astype(xp.int64)
        index = xp.broadcast_to(index.reshape(n, 1, -1), (n, c, out_h * out_w))
        values = gather(flat, 2, Tensor._wrap(xp.ascontiguousarray(index))).reshape(n, c, out_h, out_w)
        weight = weight * Tensor._wrap(inside.astype(x.dtype))
        return values * weight.unsqueeze(1)

    if h * w == 0 or n * out_h * out_w == 0:
        return (x.sum() * 0).reshape(()).expand(n, c, out_h, out_w) + grid.sum() * 0
    if mode == "nearest":
        col, row = xp.rint(ix.data), xp.rint(iy.data)  # half to even, as nearbyint
        return tap(col, row, Tensor._wrap(xp.ones(col.shape, dtype=x.dtype)))
    col0, row0 = xp.floor(ix.data), xp.floor(iy.data)
    east = ix - Tensor._wrap(col0)  # fractional parts, differentiable in the grid
    south = iy - Tensor._wrap(row0)
    west, north = 1 - east, 1 - south
    return (tap(col0, row0, west * north) + tap(col0 + 1, row0, east * north)
            + tap(col0, row0 + 1, west * south) + tap(col0 + 1, row0 + 1, east * south))
