"""Pooling kernels: windows as strided views, the max tournament, first-maximum masks, gather/scatter.

A k x k window with stride s reads, for each kernel offset (i, j), one strided view of the padded
input: view_ij[.., a, b] = x_pad[.., a s + i d, b s + j d]. Max pooling is the elementwise maximum of
the views, average pooling their sum; both backward passes put the gradient back through the same
views. Measured on the development machine (``shared/PERFORMANCE.md``):

- 2x2 max pooling as the max of 4 strided views: 95 us against 440 us for a reshape and a max over
  axes; played as a tournament of pairs, whose two semi-final winners the backward reuses to find
  each window's first maximum with three comparisons;
- results and gradients are made in the memory order of the input (the batch-innermost layout that
  convolutions produce), so no view is walked across its strides;
- windows that tile the input (2x2 stride 2 on an even image) are scattered by assignment into an
  uninitialised array, never onto zeros.
"""
from __future__ import annotations

from ..backend import xp
from .layout import in_order, memory_order, new_in_order
from .patches import Geometry


def pad(x, geo: Geometry, fill):
    """NCHW ``x`` with the geometry's padding filled with ``fill``, in x's memory order."""
    top, bottom, left, right = geo.padding
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = new_in_order((n, c, h + top + bottom, w + left + right), fill, x.dtype, memory_order(x))
    out[:, :, top:top + h, left:left + w] = x
    return out


def _views(xpad, geo: Geometry, size):
    return [xpad[:, :, rows, cols] for _, _, rows, cols in geo.windows(size)]


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
    top, bottom, left, right = geo.padding
    n, c, h, w = shape
    padded = (h + top + bottom, w + left + right)
    assign = _disjoint(geo)
    dx = new_in_order((n, c) + padded, None if _tiling(geo, g.shape[2:], padded) else 0, g.dtype, order)
    for k, (_, _, rows, cols) in enumerate(geo.windows(g.shape[2:])):
        view = dx[:, :, rows, cols]
        if masks is None and assign:
            xp.copyto(view, g)
        elif masks is None:
            view += g
        elif assign:
            xp.multiply(g, masks[k], out=view)
        else:
            view += g * masks[k]
    return dx[:, :, top:top + h, left:left + w]


def _disjoint(geo: Geometry) -> bool:
    """True when no input pixel belongs to two windows (then the scatter can assign, not add)."""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(geo.kernel, geo.stride, geo.dilation))


def _tiling(geo: Geometry, size, padded) -> bool:
    """True when the windows cover every (padded) pixel exactly once, as 2x2 stride 2 on an even image."""
    return all(d == 1 and s == k and o * s == n
               for k, s, d, o, n in zip(geo.kernel, geo.stride, geo.dilation, size, padded))


def max_indices(xpad, y, geo: Geometry, shape):
    """Flat positions h * W + w (in the unpadded input of ``shape``) of the first maximum of each window."""
    index = xp.zeros(y.shape, dtype=xp.int64)
    kw = geo.kernel[1]
    for k, mask in enumerate(first_max_masks(xpad, y, geo)):
        index += k * mask
    ho, wo = y.shape[2:]
    i, j = index // kw, index % kw
    rows = xp.arange(ho)[:, None] * geo.stride[0] - geo.padding[0] + i * geo.dilation[0]
    cols = xp.arange(wo)[None, :] * geo.stride[1] - geo.padding[2] + j * geo.dilation[1]
    return rows * shape[3] + cols


def adaptive_bounds(n, o):
    """PyTorch's adaptive windows: [floor(a n / o), ceil((a + 1) n / o)) for a in range(o)."""
    return [((a * n) // o, -((-(a + 1) * n) // o)) for a in range(o)]


def adaptive_argmax(x, ho, wo):
    """Flat index of the (row-major first) maximum of each adaptive window: along W, then along H.
    A window with several NaNs points at its first NaN (PyTorch's adaptive pooling at its last)."""
    n, c, h, w = x.shape
    col_best = xp.empty((n, c, h, wo), dtype=x.dtype)
    col_index = xp.empty((n, c, h, wo), dtype=xp.int64)
    for b, (start, end) in enumerate(adaptive_bounds(w, wo)):
        col_index[..., b] = start + xp.argmax(x[..., start:end], axis=-1)
        col_best[..., b] = xp.max(x[..., start:end], axis=-1)
    index = xp.empty((n, c, ho, wo), dtype=xp.int64)
    for a, (start, end) in enumerate(adaptive_bounds(h, ho)):
        row = start + xp.argmax(col_best[:, :, start:end], axis=2)              # (n, c, wo)
        col = xp.take_along_axis(col_index, row[:, :, None, :], axis=2)[:, :, 0]
        index[:, :, a] = row * w + col
    return index
