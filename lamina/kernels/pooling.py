"""Pooling kernels: windows as strided views, the max tournament, first-maximum masks, gather/scatter,
adaptive windows (averaging matrices, argmax).

A k x k window with stride s reads, for each kernel offset (i, j), one strided view of the padded
input: view_ij[.., a, b] = x_pad[.., a s + i d, b s + j d] (one more offset and axis in 3-D). Max pooling
is the elementwise maximum of the views, average pooling their sum; both backward passes put the
gradient back through the same views. Measured on the development machine (``shared/PERFORMANCE.md``):

- 2x2 max pooling as the max of 4 strided views: 95 us against 440 us for a reshape and a max over
  axes; played as a tournament of pairs, whose two semi-final winners the backward reuses to find
  each window's first maximum with three comparisons;
- results and gradients are made in the memory order of the input (the batch-innermost layout that
  convolutions produce), so no view is walked across its strides;
- windows that tile the input (2x2 stride 2 on an even image) are scattered by assignment into an
  uninitialised array, never onto zeros.
"""
from __future__ import annotations

import math

from ..backend import xp
from .layout import in_order, memory_order, new_in_order
from .patches import Geometry


def pad(x, geo: Geometry, fill):
    """N C *S ``x`` with the geometry's padding filled with ``fill``, in x's memory order."""
    if not any(geo.padding):
        return x
    out = new_in_order(x.shape[:2] + geo.padded(x.shape[2:]), fill, x.dtype, memory_order(x))
    out[(slice(None), slice(None)) + geo.crop(x.shape[2:])] = x
    return out


def _slices(geo: Geometry, size):
    """For each kernel offset (row-major), the index of the padded N C *S input its view reads."""
    d = len(geo.kernel)
    return [(slice(None), slice(None)) + window[d:] for window in geo.windows(size)]


def _views(xpad, geo: Geometry, size):
    return [xpad[at] for at in _slices(geo, size)]


def window_max(xpad, geo: Geometry, size):
    """The maximum of each window of the padded input, and the tournament's semi-final winners
    (top, bottom) when the window has four offsets (2x2, 1x4, 4x1), else None."""
    views = _views(xpad, geo, size)
    if len(views) == 4:
        top, bottom = xp.maximum(views[0], views[1]), xp.maximum(views[2], views[3])
        return xp.maximum(top, bottom), (top, bottom)
    y = xp.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy(order="K")
    for view in views[2:]:
        xp.maximum(y, view, out=y)
    return y, None


def first_max_masks(xpad, y, geo: Geometry, semifinals=None):
    """For each kernel offset, where its view holds the window's maximum ``y`` and no earlier offset
    did (ties go to the first offset in row-major order, as in PyTorch). A window holding NaN has the
    maximum NaN, and PyTorch routes it to the window's last NaN: so do these masks."""
    if semifinals is not None:
        masks = _pairwise_first_max_masks(xpad, *semifinals, geo, y.shape[2:])
    else:
        masks, taken = [], None
        for view in _views(xpad, geo, y.shape[2:]):
            mask = view == y
            if taken is None:
                taken = mask.copy(order="K")
            else:
                xp.greater(mask, taken, out=mask)  # mask and not taken
                xp.logical_or(taken, mask, out=taken)
            masks.append(mask)
    if y.size and xp.isnan(y.max()):  # max propagates NaN: one reduction, no mask, when there is none
        _route_to_last_nan(masks, _views(xpad, geo, y.shape[2:]), xp.isnan(y))
    return masks


def _route_to_last_nan(masks, views, nan_windows):
    """Replace the masks of the windows whose maximum is NaN by the window's last NaN (PyTorch's loop
    keeps a value when ``v > best or isnan(v)``, so the last NaN seen wins)."""
    later = xp.zeros(nan_windows.shape, dtype=bool)
    for k in reversed(range(len(views))):
        last = xp.isnan(views[k]) & ~later
        later |= last
        masks[k] = (masks[k] & ~nan_windows) | last


def _pairwise_first_max_masks(xpad, top, bottom, geo: Geometry, size):
    """The masks of a four-offset window from three comparisons: offsets 0 and 1 (the top row of 2x2)
    play first, then 2 and 3, then the two winners; the earlier offset wins every tie."""
    v = _views(xpad, geo, size)
    upper, left_top, left_bottom = top >= bottom, v[0] >= v[1], v[2] >= v[3]
    lower = ~upper
    return [upper & left_top, upper > left_top, lower & left_bottom, lower > left_bottom]


def gather_windows(x, geo: Geometry, size, masks=None, scale=1.0):
    """scale * sum_ij mask_ij * view_ij(x padded with zeros): average pooling (no masks), or max pooling
    with the routing held fixed."""
    xpad = pad(x, geo, 0)
    y = None
    for k, view in enumerate(_views(xpad, geo, size)):
        if masks is not None:
            view = view * masks[k]
        if y is None:
            y = view.copy(order="K") if masks is None else view
        else:
            y += view
    if not (isinstance(scale, float) and scale == 1.0):
        y *= scale
    return y


def scatter_windows(g, geo: Geometry, shape, order, masks=None, scale=1.0):
    """The adjoint of ``gather_windows``: dx[view_ij] += scale * mask_ij * g, cropped to the input
    ``shape``, in the memory ``order`` of the input."""
    g = in_order(g, order)
    if not (isinstance(scale, float) and scale == 1.0):
        g = g * scale
    padded = geo.padded(shape[2:])
    assign = _disjoint(geo)
    dx = new_in_order(tuple(shape[:2]) + padded, None if _tiling(geo, g.shape[2:], padded) else 0, g.dtype, order)
    for k, at in enumerate(_slices(geo, g.shape[2:])):
        view = dx[at]
        if masks is None and assign:
            xp.copyto(view, g)
        elif masks is None:
            view += g
        elif assign:
            xp.multiply(g, masks[k], out=view)
        else:
            view += g * masks[k]
    return dx[(slice(None), slice(None)) + geo.crop(shape[2:])]


def _disjoint(geo: Geometry) -> bool:
    """True when no input pixel belongs to two windows (then the scatter can assign, not add)."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(geo.kernel, geo.stride, geo.dilation))


def _tiling(geo: Geometry, size, padded) -> bool:
    """True when the windows cover every (padded) pixel exactly once, as 2x2 stride 2 on an even image."""
    return all(d == 1 and s == k and o * s == n
               for k, s, d, o, n in zip(geo.kernel, geo.stride, geo.dilation, size, padded))


def max_indices(xpad, y, geo: Geometry, shape):
    """Flat positions (h * W + w in 2-D, (d * H + h) * W + w in 3-D) in the unpadded input plane of ``shape``
    of the first maximum of each window (of the last NaN in a window holding NaN, as PyTorch)."""
    index = xp.zeros(y.shape, dtype=xp.int64)
    for k, mask in enumerate(first_max_masks(xpad, y, geo)):
        index += k * mask
    flat = xp.zeros(y.shape, dtype=xp.int64)
    offsets = xp.unravel_index(index, geo.kernel)
    spatial = len(geo.kernel)
    for a, (offset, o, s, d, n) in enumerate(zip(offsets, y.shape[2:], geo.stride, geo.dilation, shape[2:])):
        start = (xp.arange(o) * s - geo.padding[2 * a]).reshape((o,) + (1,) * (spatial - a - 1))
        flat = flat * n + start + offset * d
    return flat


def adaptive_bounds(n, o):
    """PyTorch's adaptive windows: [floor(a n / o), ceil((a + 1) n / o)) for a in range(o)."""
    return [((a * n) // o, -((-(a + 1) * n) // o)) for a in range(o)]


def adaptive_matrix(n, o, dtype):
    """(o, n) matrix whose row a averages the adaptive window a (weights 1 / its length)."""
    m = xp.zeros((o, n), dtype=dtype)
    for a, (start, end) in enumerate(adaptive_bounds(n, o)):
        m[a, start:end] = 1.0 / (end - start)
    return m


def along_axes(x, mats):
    """x with matrix ``mats[k]`` (o_k, n_k) applied along spatial axis k of N C *S ``x``: y = x x_k M_k."""
    y = x
    for k, m in enumerate(mats):
        axis = 2 + k
        before, after = y.shape[:axis], y.shape[axis + 1:]
        rows = y.reshape(math.prod(before), y.shape[axis], math.prod(after))
        y = xp.matmul(m, rows).reshape(before + (m.shape[0],) + after)
    return y


def nonnegative_map(x, mats):
    """``along_axes`` for matrices of non-negative weights, keeping non-finite values where they belong:
    a product with zero weights would spread one NaN or inf to every output (0 * NaN = NaN). The finite part
    goes through the matrices; an output that any +inf (-inf, NaN) reaches becomes +inf (-inf; NaN, also
    for +inf and -inf together), as a sum over its own window would."""
    finite = xp.isfinite(x)
    if finite.all():
        return along_axes(x, mats)
    y = along_axes(xp.where(finite, x, 0), mats)
    reach = {name: along_axes(mask.astype(y.dtype), mats) > 0
             for name, mask in (("nan", xp.isnan(x)), ("pos", x == xp.inf), ("neg", x == -xp.inf))}
    y[reach["pos"]] = xp.inf
    y[reach["neg"]] = -xp.inf
    y[reach["nan"] | (reach["pos"] & reach["neg"])] = xp.nan
    return y


def _argmax_last_nan(a, axis):
    """Index along ``axis`` of the first maximum, or of the last NaN where there is one (PyTorch's adaptive
    max keeps a value when ``v > best or isnan(v)``)."""
    index = xp.argmax(a, axis=axis)
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        if nan.any():
            last = a.shape[axis] - 1 - xp.argmax(xp.flip(nan, axis=axis), axis=axis)
            index = xp.where(nan.any(axis=axis), last, index)
    return index


def adaptive_argmax(x, *sizes):
    """Flat index (h * W + w in 2-D, (d H + h) W + w in 3-D) in the input plane of the maximum of each adaptive
    window of N C *S ``x``: the first in row-major order, or the window's last NaN, as PyTorch. One spatial
    axis at a time, from the last: the best of each window along it and where that best came from."""
    best, index = x, xp.zeros(x.shape, dtype=xp.int64)
    trailing = 1
    for k in reversed(range(len(sizes))):
        axis, n = 2 + k, x.shape[2 + k]
        bests, indices = [], []
        for start, end in adaptive_bounds(n, sizes[k]):
            segment = xp.take(best, xp.arange(start, end), axis=axis)
            at = xp.expand_dims(_argmax_last_nan(segment, axis), axis)
            bests.append(xp.take_along_axis(segment, at, axis=axis))
            inner = xp.take_along_axis(xp.take(index, xp.arange(start, end), axis=axis), at, axis=axis)
            indices.append((start + at) * trailing + inner)
        shape = best.shape[:axis] + (0,) + best.shape[axis + 1:]
        best = xp.concatenate(bests, axis=axis) if bests else xp.empty(shape, dtype=x.dtype)
        index = xp.concatenate(indices, axis=axis) if indices else xp.empty(shape, dtype=xp.int64)
        trailing *= n
    return index
