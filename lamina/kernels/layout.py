"""Memory layouts: which axis of an array is innermost, and arrays made in another array's order.

Convolutions hand their outputs on as NCHW *views* of batch-innermost (C, H, W, N) memory, so every
shifted window that the next convolution or pooling copies is a long contiguous run (2.6x faster
than NHWC and 5x faster than NCHW on the development machine, ``shared/PERFORMANCE.md``). Elementwise
work between two arrays is fastest when both are walked in one memory order; these helpers find
that order and make new arrays in it.
"""
from __future__ import annotations

import functools

from ..backend import xp


def memory_order(a) -> tuple:
    """Axes of array ``a`` from outermost to innermost in memory."""
    return _order_of_strides(a.strides)


@functools.lru_cache(maxsize=256)
def _order_of_strides(strides: tuple) -> tuple:
    return tuple(sorted(range(len(strides)), key=lambda axis: -abs(strides[axis])))


def new_in_order(shape, fill, dtype, order):
    """An array of ``shape`` whose memory follows the axis ``order`` of another array (left
    uninitialised when ``fill`` is None)."""
    sizes = [shape[axis] for axis in order]
    buffer = xp.empty(sizes, dtype=dtype) if fill is None else xp.full(sizes, fill, dtype=dtype)
    return buffer.transpose(sorted(range(len(order)), key=order.__getitem__))


def in_order(a, order):
    """``a`` with its memory following the axis ``order`` (a copy only when it does not already)."""
    if a.transpose(order).flags.c_contiguous:
        return a
    out = new_in_order(a.shape, None, a.dtype, order)
    out[...] = a
    return out


def dense_flat(a):
    """``a`` as a 1-D view in its own memory order, or None when its memory has gaps."""
    t = a.transpose(memory_order(a))
    return t.reshape(-1) if t.flags.c_contiguous else None


def chwn(a):
    """An NCHW (or N C *S) array as a C-contiguous (C, H, W, N) (or (C, *S, N)) array (no copy when its
    memory is already that)."""
    return xp.ascontiguousarray(a.transpose(tuple(range(1, a.ndim)) + (0,)))


def nchw_view(chwn_rows, channels: int, size: tuple, batch: int):
    """A (C, H * W * N) result of a matrix product, as an NCHW view of its (C, H, W, N) memory (any number
    of spatial axes in ``size``)."""
    rows = chwn_rows.reshape((channels,) + tuple(size) + (batch,))
    return rows.transpose((rows.ndim - 1,) + tuple(range(rows.ndim - 1)))
