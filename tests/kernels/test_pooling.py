"""Pooling kernels against plain loops and PyTorch: window maxima, first-maximum masks (ties included),
gather/scatter as adjoints, memory orders, max indices and adaptive windows."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from lamina.kernels.patches import Geometry
from lamina.kernels.pooling import (
    adaptive_argmax,
    adaptive_bounds,
    adaptive_matrix,
    along_axes,
    nonnegative_map,
    first_max_masks,
    gather_windows,
    max_indices,
    pad,
    scatter_windows,
    window_max,
)

# name: (input shape NCHW, geometry)
CASES = {
    "2x2-s2": ((2, 3, 6, 8), Geometry((2, 2), (2, 2))),
    "3x3-s2-pad1": ((2, 3, 7, 9), Geometry((3, 3), (2, 2), (1, 1), (1, 1, 1, 1))),
    "2x2-dilation2": ((2, 2, 7, 6), Geometry((2, 2), (1, 1), (2, 2))),
    "1x4": ((2, 2, 5, 9), Geometry((1, 4), (1, 2))),
    "4x1-s(2,1)": ((2, 2, 9, 5), Geometry((4, 1), (2, 1))),
    "2x2-s1-pad1": ((1, 2, 5, 5), Geometry((2, 2), (1, 1), (1, 1), (1, 1, 1, 1))),
    "3x2-s3": ((2, 2, 8, 7), Geometry((3, 2), (3, 3))),
}
FOUR = [k for k, (_, geo) in CASES.items() if geo.kernel[0] * geo.kernel[1] == 4]


# ---- references -----------------------------------------------------------------------------------------
def np_pad(x, geo, fill):
    top, bottom, left, right = geo.padding
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)


def windows_of(xpad, geo, size):
    """{(a, b): the (N, C, kh, kw) window of output pixel (a, b)} of a padded input."""
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    return {(a, b): xpad[:, :, a * sh:a * sh + dh * (kh - 1) + 1:dh, b * sw:b * sw + dw * (kw - 1) + 1:dw]
            for a in range(size[0]) for b in range(size[1])}


def loop_max(xpad, geo, size):
    y = np.empty(xpad.shape[:2] + tuple(size))
    for (a, b), win in windows_of(xpad, geo, size).items():
        y[:, :, a, b] = win.max((2, 3))
    return y


def first_max_offset(xpad, geo, size):
    """For each window, the row-major offset k = i kw + j of its first maximum (a loop over the cells)."""
    n, c = xpad.shape[:2]
    k = np.empty((n, c) + tuple(size), dtype=int)
    for (a, b), win in windows_of(xpad, geo, size).items():
        for s in range(n):
            for ch in range(c):
                cells = win[s, ch].ravel()
                k[s, ch, a, b] = next(t for t, v in enumerate(cells) if v == cells.max())
    return k


def size_of(shape, geo):
    return geo.output_size(*shape[2:])


def tied(rng, shape):
    """Small integers: most windows hold their maximum more than once."""
    return rng.integers(0, 3, shape).astype(np.float64)


def stride_order(a):
    return tuple(int(k) for k in np.argsort([-s for s in a.strides], kind="stable"))


# ---- padding and window maxima ------------------------------------------------------------------------------
@pytest.mark.parametrize("perm", [(0, 1, 2, 3), (3, 0, 1, 2)], ids=["nchw", "chwn-memory"])
def test_pad_fills_the_border_in_the_memory_order_of_x(perm, rng):
    x = rng.standard_normal((2, 3, 4, 5)).transpose(perm)
    geo = Geometry((3, 3), padding=(1, 2, 0, 1))
    out = pad(x, geo, -np.inf)
    np.testing.assert_array_equal(out, np_pad(x, geo, -np.inf))
    assert stride_order(out) == stride_order(x)
    assert pad(x, Geometry((2, 2)), 0) is x


@pytest.mark.parametrize("case", CASES)
def test_window_max_equals_a_loop_max(case, rng):
    """The maxima, and for four-offset windows the semi-final winners (offsets 0-1 and 2-3)."""
    shape, geo = CASES[case]
    size = size_of(shape, geo)
    xpad = np_pad(rng.standard_normal(shape), geo, -np.inf)
    y, semifinals = window_max(xpad, geo, size)
    np.testing.assert_array_equal(y, loop_max(xpad, geo, size))
    assert (semifinals is not None) == (case in FOUR)
    if semifinals is not None:
        for (a, b), win in windows_of(xpad, geo, size).items():
            cells = win.reshape(win.shape[:2] + (4,))   # row-major offsets 0..3
            np.testing.assert_array_equal(semifinals[0][:, :, a, b], cells[..., :2].max(-1))
            np.testing.assert_array_equal(semifinals[1][:, :, a, b], cells[..., 2:].max(-1))


# ---- first-maximum masks --------------------------------------------------------------------------------------
def masks_for(xpad, geo, size, tournament):
    y = loop_max(xpad, geo, size)
    if not tournament:
        return first_max_masks(xpad, y, geo)
    (kh, kw), cells = geo.kernel, windows_of(xpad, geo, size)
    top, bottom = np.empty_like(y), np.empty_like(y)
    for (a, b), win in cells.items():
        flat = win.reshape(win.shape[:2] + (kh * kw,))
        top[:, :, a, b], bottom[:, :, a, b] = flat[..., :2].max(-1), flat[..., 2:].max(-1)
    return first_max_masks(xpad, y, geo, (top, bottom))


@pytest.mark.parametrize("case", CASES)
def test_first_max_masks_mark_the_first_maximum_once(case, rng):
    """Exactly one mask per window, at the first maximum in row-major order (the general path, and the
    tournament path for four-offset windows), on inputs full of ties."""
    shape, geo = CASES[case]
    xpad = np_pad(tied(rng, shape), geo, -np.inf)
    size = size_of(shape, geo)
    expected = first_max_offset(xpad, geo, size)
    for tournament in (False, True) if case in FOUR else (False,):
        masks = np.stack(masks_for(xpad, geo, size, tournament))
        assert masks.dtype == bool and masks.shape == (geo.kernel[0] * geo.kernel[1],) + xpad.shape[:2] + size
        np.testing.assert_array_equal(masks.sum(0), 1)
        np.testing.assert_array_equal(masks.argmax(0), expected)


@pytest.mark.parametrize("window, first", [
    ([[1, 1], [1, 1]], 0), ([[0, 1], [1, 1]], 1), ([[0, 0], [1, 1]], 2), ([[0, 0], [0, 1]], 3),
    ([[1, 0], [1, 1]], 0), ([[0, 1], [0, 1]], 1), ([[0, 0], [1, 0]], 2),
], ids=str)
def test_first_max_masks_break_ties_in_row_major_order(window, first):
    xpad = np.array([[window]], dtype=np.float64)
    for tournament in (False, True):
        masks = masks_for(xpad, Geometry((2, 2), (2, 2)), (1, 1), tournament)
        assert [bool(m.item()) for m in masks] == [k == first for k in range(4)], f"tournament={tournament}"


def test_first_max_masks_route_a_nan_window_to_the_nan():
    """PyTorch's max pooling takes NaN as the maximum (value and index): the window's mask must mark the
    NaN, not be empty (an empty mask drops the window's gradient)."""
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    x[0, 0, 1, 1] = np.nan                              # offset (1, 1) = 4 of the first 3x3 window
    geo = Geometry((3, 3), (3, 3))
    masks = np.stack(first_max_masks(x, loop_max(x, geo, (2, 2)), geo))
    np.testing.assert_array_equal(masks.sum(0), 1)
    assert masks[4, 0, 0, 0, 0]


# ---- gather / scatter -------------------------------------------------------------------------------------------
ADJOINT_CASES = {
    "2x2-s2 (tiles)": ((2, 3, 6, 8), Geometry((2, 2), (2, 2))),
    "2x2-s3 (disjoint, gaps)": ((2, 2, 8, 7), Geometry((2, 2), (3, 3))),
    "3x3-s2-pad1 (overlap)": ((2, 3, 7, 9), Geometry((3, 3), (2, 2), (1, 1), (1, 1, 1, 1))),
    "2x2-dilation2": ((2, 2, 7, 6), Geometry((2, 2), (1, 1), (2, 2))),
    "2x2-s2-pad1 (tiles padded)": ((2, 2, 6, 4), Geometry((2, 2), (2, 2), (1, 1), (1, 1, 1, 1))),
}


def random_masks(rng, geo, shape):
    size = (shape[0], shape[1]) + geo.output_size(*shape[2:])
    return [rng.random(size) < 0.5 for _ in range(geo.kernel[0] * geo.kernel[1])]


@pytest.mark.parametrize("case", ADJOINT_CASES)
def test_gather_and_scatter_windows_are_adjoint(case, rng):
    """<gather(x), g> == <x, scatter(g)>, plain sums and masked, with and without a scale."""
    shape, geo = ADJOINT_CASES[case]
    size = size_of(shape, geo)
    for with_masks, scale in [(False, 1.0), (True, 1.0), (False, 0.25), (True, 1 / 3)]:
        masks = random_masks(rng, geo, shape) if with_masks else None
        x = rng.standard_normal(shape)
        g = rng.standard_normal(shape[:2] + size)
        y = gather_windows(x, geo, size, masks, scale)
        dx = scatter_windows(g, geo, shape, (0, 1, 2, 3), masks, scale)
        assert y.shape == g.shape and dx.shape == x.shape
        np.testing.assert_allclose(np.vdot(y, g), np.vdot(x, dx), rtol=1e-10, err_msg=f"masks={with_masks}")


@pytest.mark.parametrize("case, with_masks", [("3x3-s2-pad1 (overlap)", False), ("2x2-s2 (tiles)", True)])
def test_gather_windows_equals_a_loop_sum(case, with_masks, rng):
    shape, geo = ADJOINT_CASES[case]
    size = size_of(shape, geo)
    masks = random_masks(rng, geo, shape) if with_masks else None
    x = rng.standard_normal(shape)
    ref = np.empty(shape[:2] + size)
    for (a, b), win in windows_of(np_pad(x, geo, 0), geo, size).items():
        cells = win.reshape(win.shape[:2] + (-1,))
        if masks is not None:
            cells = cells * np.stack([m[:, :, a, b] for m in masks], -1)
        ref[:, :, a, b] = 0.5 * cells.sum(-1)
    np.testing.assert_allclose(gather_windows(x, geo, size, masks, 0.5), ref, rtol=1e-12)


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (1, 2, 3, 0), (0, 2, 3, 1)], ids=str)
def test_scatter_windows_follows_the_memory_order(order, rng):
    for case in ["2x2-s2-pad1 (tiles padded)", "3x3-s2-pad1 (overlap)"]:
        shape, geo = ADJOINT_CASES[case]
        top, bottom, left, right = geo.padding
        g = rng.standard_normal(shape[:2] + size_of(shape, geo))  # C-contiguous, whatever the order asked
        dx = scatter_windows(g, geo, shape, order)
        assert stride_order(dx) == order, case
        ref = np.zeros(shape[:2] + (shape[2] + top + bottom, shape[3] + left + right))
        for (a, b), win in windows_of(ref, geo, g.shape[2:]).items():
            win += g[:, :, a, b, None, None]
        np.testing.assert_allclose(dx, ref[:, :, top:top + shape[2], left:left + shape[3]], rtol=1e-12, err_msg=case)


# ---- indices --------------------------------------------------------------------------------------------------
TORCH_CASES = {
    "2x2": {"kernel_size": 2},
    "3x3-s2-pad1": {"kernel_size": 3, "stride": 2, "padding": 1},
    "2x2-s1-pad1-dil2": {"kernel_size": 2, "stride": 1, "padding": 1, "dilation": 2},
    "(3,2)-s(1,2)": {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0)},
}


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def torch_geometry(kernel_size, stride=None, padding=0, dilation=1):
    ph, pw = pair(padding)
    return Geometry(pair(kernel_size), pair(stride or kernel_size), pair(dilation), (ph, ph, pw, pw))


@pytest.mark.parametrize("case", TORCH_CASES)
def test_max_indices_match_torch(case, rng):
    shape, geo = (2, 3, 7, 8), torch_geometry(**TORCH_CASES[case])
    for x in (rng.standard_normal(shape), tied(rng, shape)):
        y_t, index_t = TF.max_pool2d(torch.tensor(x), **TORCH_CASES[case], return_indices=True)
        index = max_indices(np_pad(x, geo, -np.inf), y_t.numpy(), geo, shape)
        np.testing.assert_array_equal(index, index_t.numpy())


def test_max_indices_point_at_a_nan_like_torch():
    """A window holding a NaN has the value NaN (as in PyTorch); its index must point at the NaN too."""
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    x[0, 0, 1, 1] = np.nan
    y_t, index_t = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)   # index_t[0, 0, 0, 0] == 7
    geo = Geometry((2, 2), (2, 2))
    np.testing.assert_array_equal(max_indices(x, y_t.numpy(), geo, x.shape), index_t.numpy())


def test_adaptive_bounds_follow_pytorch():
    """Window a of PyTorch's adaptive pooling: [floor(a n / o), ceil((a + 1) n / o))."""
    for n, o in [(7, 3), (9, 4), (5, 5), (4, 7), (13, 5), (10, 1)]:
        expected = [(math.floor(a * n / o), math.ceil((a + 1) * n / o)) for a in range(o)]
        assert adaptive_bounds(n, o) == expected, (n, o)


@pytest.mark.parametrize("size", [(3, 4), (5, 3), (1, 1), (4, 6)])
def test_adaptive_argmax_matches_torch(size, rng):
    shape = (2, 3, 7, 9)
    for x in (rng.standard_normal(shape), tied(rng, shape)):
        _, index_t = TF.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
        index = adaptive_argmax(x, *size)
        assert index.dtype == np.int64
        np.testing.assert_array_equal(index, index_t.numpy())


def test_adaptive_argmax_points_at_the_last_nan_like_torch(rng):
    x = rng.standard_normal((2, 3, 7, 9))
    x[rng.random(x.shape) < 0.25] = np.nan
    for size in [(3, 4), (2, 2), (7, 9)]:
        _, index_t = TF.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(adaptive_argmax(x, *size), index_t.numpy())


@pytest.mark.parametrize("size", [(2, 3, 4), (5, 1, 3)])
def test_3d_adaptive_argmax_matches_torch(size, rng):
    shape = (2, 2, 5, 4, 6)
    for x in (rng.standard_normal(shape), tied(rng, shape)):
        _, index_t = TF.adaptive_max_pool3d(torch.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(adaptive_argmax(x, *size), index_t.numpy())


def test_along_axes_equals_the_matrix_products(rng):
    x = rng.standard_normal((2, 3, 5, 4, 6))
    mats = [adaptive_matrix(n, o, np.float64) for n, o in zip(x.shape[2:], (3, 2, 4))]
    expected = np.einsum("ad,be,cf,nkdef->nkabc", *mats, x)
    np.testing.assert_allclose(along_axes(x, mats), expected, rtol=1e-12)


def test_nonnegative_map_keeps_non_finite_values_in_their_windows():
    """Windows [0, 2), [1, 4), [3, 5) on each axis: each output is the mean of its own window only."""
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 0, 0], x[0, 0, 4, 4], x[0, 0, 2, 2], x[0, 0, 2, 3] = np.nan, np.inf, np.inf, -np.inf
    mats = [adaptive_matrix(5, 3, np.float64)] * 2
    bounds = adaptive_bounds(5, 3)
    with np.errstate(invalid="ignore"):  # inf + -inf in the reference
        expected = np.array([[x[0, 0, r0:r1, c0:c1].mean() for c0, c1 in bounds] for r0, r1 in bounds])
    np.testing.assert_array_equal(nonnegative_map(x, mats)[0, 0], expected)
    assert np.isnan(expected[0, 0]) and np.isnan(expected[1, 1]) and expected[1, 2] == -np.inf
    assert expected[2, 2] == np.inf and expected[0, 2] == 0
