"""Scatter-adds: gradients of gathers, where repeated indices must add up.

``np.add.at`` does this one element at a time in a slow unbuffered loop; these kernels accumulate
in one vectorised pass instead: ``bincount`` with weights on flat positions, or a stable sort of the
indices followed by ``add.reduceat`` over each run of equal indices (whole rows at a time).
"""
from __future__ import annotations

from ..backend import xp


def scatter_add(shape, flat_positions, values):
    """A zero array of ``shape`` plus ``values`` added at ``flat_positions`` (repeats accumulate)."""
    total = xp.bincount(flat_positions.ravel(), weights=values.ravel(), minlength=int(xp.prod(shape)))
    return total.astype(values.dtype, copy=False).reshape(shape)


def row_sums_by_index(rows, indices, num_rows: int):
    """(num_rows, D) array whose row r is the sum of the ``rows`` (M, D) whose index is r."""
    dim = rows.shape[-1]
    flat = indices.reshape(-1)
    rows = rows.reshape(-1, dim)
    out = xp.zeros((num_rows, dim), dtype=rows.dtype)
    if flat.size:
        order = xp.argsort(flat, kind="stable")
        ordered = flat[order]
        starts = xp.flatnonzero(xp.concatenate(([True], ordered[1:] != ordered[:-1])))
        out[ordered[starts]] = xp.add.reduceat(rows[order], starts, axis=0)
    return out
