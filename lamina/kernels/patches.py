"""Convolution kernels: window geometry, patch matrices (im2col and row patches), col2im, chunked GEMMs.

A convolution is one matrix product Y = W cols, where ``cols`` holds the patches of the input that
the output pixels see. Built from activations held as (C, H, W, N), batch innermost, every shifted
window is copied as long contiguous runs. Two forms of the patch matrix, measured on LeNet-5's
training step (2 cores, float32, batch 64):

- ``FullPatches`` (im2col): every patch copied, kh * kw copies of the input; one GEMM per product.
- ``RowPatches``: only the kw horizontal shifts of each input row, kh times less memory traffic.
  Output row ``a`` reads input rows ``a*sh .. a*sh + kh - 1``, which are consecutive in that copy,
  so the forward and the weight gradient become batched GEMMs over output rows. LeNet's first layer
  went from 0.66-0.73 ms to 0.36-0.41 ms (forward + weight gradient); its second layer's saved
  matrix from 3.8 MB to 1.1 MB and the step 4-9 % faster. Used when an output row holds >= 512
  numbers, with no groups and no vertical dilation.

``col2im`` (the adjoint, for the input gradient) adds whole kernel rows, then kernel columns: 11
NumPy calls instead of 35 for 5x5, and never ``np.add.at``. Skinny GEMMs over very long patch
matrices run 2-4x faster in column pieces of 4,096 (``matmul_chunked``).
"""
from __future__ import annotations

import functools
import math
import itertools
from typing import NamedTuple

from ..backend import xp
from .layout import chwn

_CHUNK = 4096  # GEMM columns per call: skinny products over long patch matrices run 2-4x faster in pieces


class Geometry(NamedTuple):
    """Where a kernel of size ``kernel`` reads, along each of its d spatial axes (d = 2: (rows, columns)):
    stride, dilation, and padding as (before, after) per axis ((top, bottom, left, right) in 2-D)."""

    kernel: tuple
    stride: tuple = (1, 1)
    dilation: tuple = (1, 1)
    padding: tuple = (0, 0, 0, 0)
    groups: int = 1

    def output_size(self, *sizes: int) -> tuple:
        """floor((n + padding - d (k - 1) - 1) / s) + 1 along each axis."""
        return tuple((n + self.padding[2 * a] + self.padding[2 * a + 1] - d * (k - 1) - 1) // s + 1
                     for a, (n, k, s, d) in enumerate(zip(sizes, self.kernel, self.stride, self.dilation)))

    def windows(self, size: tuple) -> tuple:
        """(*offsets, *slices): for each kernel offset (row-major), the slices of the padded image it reads
        (``(i, j, rows, cols)`` in 2-D)."""
        return _windows(self, tuple(size))

    def crop(self, shape: tuple) -> tuple:
        """The slices that take the unpadded image of spatial ``shape`` out of the padded one."""
        return tuple(slice(self.padding[2 * a], self.padding[2 * a] + n) for a, n in enumerate(shape))

    def padded(self, shape: tuple) -> tuple:
        """The padded spatial shape."""
        return tuple(n + self.padding[2 * a] + self.padding[2 * a + 1] for a, n in enumerate(shape))


def _axis_slice(offset: int, dilation: int, stride: int, length: int) -> slice:
    """The positions kernel offset ``offset`` reads along one axis for ``length`` outputs."""
    return slice(offset * dilation, offset * dilation + stride * (length - 1) + 1, stride)


@functools.lru_cache(maxsize=256)
def _windows(geo: Geometry, size: tuple) -> tuple:
    """Geometry.windows, computed once per geometry and output size (every step asks again)."""
    return tuple(offsets + tuple(_axis_slice(i, d, s, o) for i, d, s, o in zip(offsets, geo.dilation, geo.stride, size))
                 for offsets in itertools.product(*(range(k) for k in geo.kernel)))


def padded_chwn(x, geo: Geometry):
    """N C *S ``x`` as a (C, *S_pad, N) array with the geometry's zero padding."""
    if not any(geo.padding):
        return chwn(x)
    out = xp.zeros((x.shape[1],) + geo.padded(x.shape[2:]) + (x.shape[0],), dtype=x.dtype)
    out[(slice(None),) + geo.crop(x.shape[2:])] = x.transpose(tuple(range(1, x.ndim)) + (0,))
    return out


def patches_view(x, geo: Geometry, size: tuple):
    """Every patch of N C *S ``x`` as a read-only (C, *kernel, *size, N) strided view of its padded copy:
    P[c, i.., a.., n] = x_pad[n, c, a s + i d ..] (no copy beyond the padding)."""
    xpad = padded_chwn(x, geo)
    spatial = xpad.strides[1:-1]
    strides = ((xpad.strides[0],) + tuple(d * t for d, t in zip(geo.dilation, spatial))
               + tuple(s * t for s, t in zip(geo.stride, spatial)) + (xpad.strides[-1],))
    shape = (xpad.shape[0],) + tuple(geo.kernel) + tuple(size) + (xpad.shape[-1],)
    return xp.lib.stride_tricks.as_strided(xpad, shape, strides, writeable=False)


def _im2col(x, geo: Geometry, size: tuple):
    """The patch matrix of N C *S ``x`` as (groups, C/groups * prod(kernel), prod(size) * N), one strided copy."""
    patches = patches_view(x, geo, size)
    return xp.ascontiguousarray(patches).reshape(geo.groups, x.shape[1] // geo.groups * math.prod(geo.kernel), -1)


class FullPatches:
    """The whole patch matrix (im2col): Y = W cols and dW = g cols^T are one matrix product each."""

    def __init__(self, x, geo: Geometry, size: tuple):
        self.geo, self.cols = geo, _im2col(x, geo, size)

    def project(self, w):
        """W cols: (O, Ho * Wo * N)."""
        o, groups = w.shape[0], self.geo.groups
        return matmul_chunked(w.reshape(groups, o // groups, -1), self.cols).reshape(o, -1)

    def correlate(self, g, c_per_group: int):
        """g cols^T as a weight gradient (O, C/groups, kh, kw); g is NCHW."""
        o, groups = g.shape[1], self.geo.groups
        gw_t = matmul_nt_chunked(self.cols, grad_matrix(g, groups))      # (G, C/G kh kw, O/G)
        return xp.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(o, c_per_group, *self.geo.kernel)


class RowPatches:
    """Patches shared between output rows, a kh-times smaller copy than im2col.

    P[r, c, j, b, n] = x_pad[c, r, b sw + j dw, n] holds the kw shifted copies of each padded input row
    once. Output row a reads input rows a sh .. a sh + kh - 1, which are consecutive in P: the view
    V[a] = P[a sh : a sh + kh] is a plain (kh C kw, Wo N) matrix, and

        Y[:, a] = W' V[a]          dW' = sum_a g[:, a] V[a]^T      (W' = W with axes (O, kh, C, kw))

    are batched matrix products over the Ho output rows (no groups, no vertical dilation).
    """

    def __init__(self, x, geo: Geometry, size: tuple):
        xpad = padded_chwn(x, geo)
        c, _, _, n = xpad.shape
        (kh, kw), (sh, sw), dw = geo.kernel, geo.stride, geo.dilation[1]
        ho, wo = size
        sc, sy, sx, sn = xpad.strides
        rows = xp.lib.stride_tricks.as_strided(
            xpad, ((ho - 1) * sh + kh, c, kw, wo, n), (sy, sc, dw * sx, sw * sx, sn), writeable=False)
        self.geo, self.rows = geo, xp.ascontiguousarray(rows)
        length, item = wo * n, self.rows.itemsize
        self.views = xp.lib.stride_tricks.as_strided(
            self.rows, (ho, kh * c * kw, length), (sh * self.rows.strides[0], length * item, item), writeable=False)

    @staticmethod
    def suits(geo: Geometry, size: tuple, batch: int) -> bool:
        """Row patches pay off when each output row is a long matrix (measured in LeNet-5's training
        step: Wo N >= 512; alone, a layer gains from about 1024, but the smaller copy also leaves more
        of the cache to the layers around it)."""
        return len(geo.kernel) == 2 and geo.groups == 1 and geo.dilation[0] == 1 and size[1] * batch >= 512

    def project(self, w):
        o, c, kh, kw = w.shape
        ho, _, length = self.views.shape
        w_rows = xp.ascontiguousarray(w.transpose(0, 2, 1, 3)).reshape(o, kh * c * kw)
        y = xp.empty((o, ho, length), dtype=xp.result_type(w, self.views))
        xp.matmul(w_rows, self.views, out=y.transpose(1, 0, 2))
        return y.reshape(o, -1)

    def correlate(self, g, c_per_group: int):
        o = g.shape[1]
        ho, _, length = self.views.shape
        kh, kw = self.geo.kernel
        g_rows = chwn(g).reshape(o, ho, length).transpose(1, 2, 0)         # (Ho, Wo N, O)
        gw = xp.matmul(self.views, g_rows).sum(0)                           # (kh C kw, O)
        return xp.ascontiguousarray(gw.reshape(kh, c_per_group, kw, o).transpose(3, 1, 0, 2))


def patch_matrix(x, geo: Geometry, size: tuple):
    """The patch matrix of N C *S ``x`` for an output of ``size``, in the cheaper form for this geometry."""
    cls = RowPatches if RowPatches.suits(geo, size, x.shape[0]) else FullPatches
    return cls(x, geo, size)


def col2im(dcols, geo: Geometry, shape: tuple):
    """The adjoint of the patch matrix: add every patch (C, *kernel, *out, N) back onto a (C, *S, N)
    image of spatial ``shape``.

    One axis at a time: the k kernel offsets of the first remaining kernel axis are added at their offsets
    along its spatial axis for all other offsets at once (k large contiguous adds in 2-D for the rows,
    then kw strided adds for the columns).
    """
    d = len(geo.kernel)
    out = dcols.shape[1 + d:1 + 2 * d]
    padded = geo.padded(shape)
    image = dcols
    for a in range(d):  # image: (C, k_a .. k_{d-1}, S_0 .. S_{a-1} padded, o_a .. o_{d-1}, N)
        k, dil, s = geo.kernel[a], geo.dilation[a], geo.stride[a]
        image = _shifted_sum([image[:, i] for i in range(k)], [_axis_slice(i, dil, s, out[a]) for i in range(k)],
                             padded[a], axis=d)
    return image[(slice(None),) + geo.crop(shape)]


def _shifted_sum(parts, slices, length: int, axis: int):
    """sum_k parts[k] placed at ``slices[k]`` along ``axis`` of a new array ``length`` long there.

    With a step-1 first slice the first part is copied in and only the rest zeroed (no add onto zeros).
    """
    shape = list(parts[0].shape)
    shape[axis] = length
    at = [slice(None)] * len(shape)
    first = slices[0]
    if first.step not in (None, 1):
        out = xp.zeros(shape, dtype=parts[0].dtype)
        rest = range(len(parts))
    else:
        out = xp.empty(shape, dtype=parts[0].dtype)
        for uncovered in (slice(0, first.start), slice(first.stop, None)):
            at[axis] = uncovered
            out[tuple(at)] = 0
        at[axis] = first
        out[tuple(at)] = parts[0]
        rest = range(1, len(parts))
    for k in rest:
        at[axis] = slices[k]
        out[tuple(at)] += parts[k]
    return out


def transposed_patches(g, w, geo: Geometry, size: tuple):
    """W^T g scattered back onto the image: the adjoint of ``W cols`` in the input, as a (C, *S, N)
    array of spatial ``size`` (the caller views it as N C *S). ``g`` is (N, O, *out), ``w`` is
    (O, C/groups, *kernel)."""
    if _is_full_correlation(geo) and tuple(g.shape[2:]) == geo.output_size(*size) == tuple(size):
        return _flipped_convolution(g, w, geo, size)
    o, c_per_group = w.shape[0], w.shape[1]
    wt = w.reshape(geo.groups, o // geo.groups, -1).transpose(0, 2, 1)
    dcols = matmul_chunked(wt, grad_matrix(g, geo.groups))
    dcols = dcols.reshape((c_per_group * geo.groups,) + tuple(geo.kernel) + tuple(g.shape[2:]) + (g.shape[0],))
    return col2im(dcols, geo, size)


def _is_full_correlation(geo: Geometry) -> bool:
    """Stride 1, no dilation, no groups and padding p <= k - 1 on every side: the adjoint is a convolution.

    ``transposed_patches`` takes that route only for "same" convolutions (output size = input size): with a
    smaller output the flipped kernel slides over k - 1 - p zeros of padding on each side, prod(S) / prod(out)
    times the multiply-adds of W^T g (49 times for a 7x7 kernel on a 7x7 map, as a DCGAN generator's first
    transposed convolution from 1x1 to 7x7), and col2im was faster in every such case measured (1.2-12x)."""
    return (geo.groups == 1 and all(s == 1 for s in geo.stride) and all(d == 1 for d in geo.dilation)
            and all(p <= geo.kernel[i // 2] - 1 for i, p in enumerate(geo.padding)))


def _flipped_convolution(g, w, geo: Geometry, size: tuple):
    """The adjoint of a stride-1 convolution as a convolution of g with the flipped, transposed kernel:

        X[c, b..] = sum_{o,i..} W[o, c, k-1-i ..] g_pad[o, b + i ..]    with padding k - 1 - p on each side

    (X[b] = sum_i W[i] g[b + p - i]). Its patch matrix copies the O channels of g kw times (row patches)
    where col2im's matrix W^T g would hold C kh kw rows and be added back kh + kw times: the input gradient of
    a 3x3 convolution in a small ResNet's training step became about 1.6x faster (see the commit message)."""
    d = len(geo.kernel)
    flipped = xp.ascontiguousarray(xp.flip(w, axis=tuple(range(2, 2 + d))).swapaxes(0, 1))   # (C, O, *kernel)
    padding = tuple(geo.kernel[i // 2] - 1 - p for i, p in enumerate(geo.padding))
    adjoint = Geometry(tuple(geo.kernel), (1,) * d, (1,) * d, padding, 1)
    x = patch_matrix(g, adjoint, tuple(size)).project(flipped)               # (C, prod(S) N)
    return x.reshape((w.shape[1],) + tuple(size) + (g.shape[0],))


def matmul_chunked(a, b):
    """(G, M, K) @ (G, K, L) -> (G, M, L); long L in column pieces."""
    groups, m, _ = a.shape
    length = b.shape[2]
    if groups > 1 or length <= 2 * _CHUNK:
        return xp.matmul(a, b)
    out = xp.empty((1, m, length), dtype=xp.result_type(a, b))
    for s in range(0, length, _CHUNK):
        xp.matmul(a[0], b[0, :, s:s + _CHUNK], out=out[0, :, s:s + _CHUNK])
    return out


def matmul_nt_chunked(a, b):
    """(G, M, L) @ (G, P, L)^T -> (G, M, P): a sum over the long axis L, in pieces."""
    length = a.shape[2]
    if a.shape[0] > 1 or length <= 2 * _CHUNK:
        return xp.matmul(a, b.transpose(0, 2, 1))
    out = a[0, :, :_CHUNK] @ b[0, :, :_CHUNK].T
    for s in range(_CHUNK, length, _CHUNK):
        out += a[0, :, s:s + _CHUNK] @ b[0, :, s:s + _CHUNK].T
    return out[None]


def grad_matrix(g, groups: int):
    """dY (N, O, *out) as (groups, O/groups, prod(out) * N)."""
    return chwn(g).reshape(groups, g.shape[1] // groups, -1)


def channel_sums(g):
    """sum of N C *S ``g`` over N and S: a matrix-vector product over its (C, H W N) rows."""
    rows = grad_matrix(g, 1)[0]
    return rows @ xp.ones(rows.shape[1], dtype=rows.dtype)
