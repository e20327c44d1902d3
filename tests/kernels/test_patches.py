"""Convolution kernels against plain loops: patch matrices times weights, weight gradients, col2im and
transposed patches as adjoints (dot-product tests), chunked matrix products, gradient layouts."""
import numpy as np
import pytest

from lamina.kernels.patches import (
    _CHUNK,
    FullPatches,
    Geometry,
    RowPatches,
    channel_sums,
    col2im,
    grad_matrix,
    matmul_chunked,
    matmul_nt_chunked,
    padded_chwn,
    patches_view,
    patch_matrix,
    transposed_patches,
)

# (input shape NCHW, weight shape (O, C/groups, kh, kw), geometry)
CASES = {
    "stride2-pad1": ((2, 3, 7, 8), (4, 3, 3, 3), Geometry((3, 3), (2, 2), (1, 1), (1, 1, 1, 1))),
    "dilated-asymmetric": ((2, 2, 8, 7), (3, 2, 2, 3), Geometry((2, 3), (1, 2), (2, 1), (2, 1, 0, 1))),
    "width-dilation": ((3, 2, 6, 9), (2, 2, 3, 2), Geometry((3, 2), (2, 1), (1, 3), (0, 1, 2, 0))),
    "groups2": ((2, 4, 6, 7), (6, 2, 2, 3), Geometry((2, 3), (1, 1), (1, 1), (1, 0, 0, 1), groups=2)),
    "depthwise": ((2, 3, 7, 7), (3, 1, 3, 3), Geometry((3, 3), (2, 2), (1, 1), (1, 1, 1, 1), groups=3)),
    "1x1-stride2": ((2, 3, 5, 6), (4, 3, 1, 1), Geometry((1, 1), (2, 2))),
    # stride 1: transposed_patches convolves g with the flipped kernel instead of col2im
    "stride1-same": ((2, 3, 7, 8), (4, 3, 3, 3), Geometry((3, 3), (1, 1), (1, 1), (1, 1, 1, 1))),
    "stride1-asymmetric": ((2, 2, 6, 7), (3, 2, 2, 3), Geometry((2, 3), (1, 1), (1, 1), (0, 1, 2, 0))),
    "stride1-long-rows": ((64, 2, 5, 9), (3, 2, 3, 3), Geometry((3, 3), (1, 1), (1, 1), (1, 1, 1, 1))),
}
# row patches take no groups and no vertical dilation
FORMS = {case: (FullPatches, RowPatches) if geo.groups == 1 and geo.dilation[0] == 1 else (FullPatches,)
         for case, (_, _, geo) in CASES.items()}


# ---- references: plain loops ----------------------------------------------------------------------------
def padded(x, geo):
    top, bottom, left, right = geo.padding
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def out_size(shape, geo):
    """Count the window positions that fit in the padded input."""
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    h = shape[2] + geo.padding[0] + geo.padding[1]
    w = shape[3] + geo.padding[2] + geo.padding[3]
    return (len(range(0, h - dh * (kh - 1), sh)), len(range(0, w - dw * (kw - 1), sw)))


def window(xp_, geo, a, b):
    """The (N, C, kh, kw) window that output pixel (a, b) reads."""
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    return xp_[:, :, a * sh:a * sh + dh * (kh - 1) + 1:dh, b * sw:b * sw + dw * (kw - 1) + 1:dw]


def conv_loop(x, w, geo):
    """Cross-correlation, output pixel by output pixel and group by group: (N, O, Ho, Wo)."""
    xp_, (ho, wo), g = padded(x, geo), out_size(x.shape, geo), geo.groups
    o, cpg = w.shape[0], w.shape[1]
    y = np.zeros((x.shape[0], o, ho, wo))
    for a in range(ho):
        for b in range(wo):
            win = window(xp_, geo, a, b)
            for grp in range(g):
                part = win[:, grp * cpg:(grp + 1) * cpg]
                ws = w[grp * o // g:(grp + 1) * o // g]
                y[:, grp * o // g:(grp + 1) * o // g, a, b] = np.einsum("ncij,ocij->no", part, ws)
    return y


def weight_grad_loop(x, gy, w_shape, geo):
    """dW[o, c, i, j] = sum over n, a, b of gy[n, o, a, b] * window(a, b)[n, group(o) c, i, j]."""
    xp_, g = padded(x, geo), geo.groups
    o, cpg = w_shape[0], w_shape[1]
    dw = np.zeros(w_shape)
    for a in range(gy.shape[2]):
        for b in range(gy.shape[3]):
            win = window(xp_, geo, a, b)
            for grp in range(g):
                outs = slice(grp * o // g, (grp + 1) * o // g)
                dw[outs] += np.einsum("no,ncij->ocij", gy[:, outs, a, b], win[:, grp * cpg:(grp + 1) * cpg])
    return dw


def patches_loop(x, geo):
    """P[c, i, j, a, b, n] = x_pad[n, c, a sh + i dh, b sw + j dw]."""
    xp_, (ho, wo) = padded(x, geo), out_size(x.shape, geo)
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    p = np.empty((x.shape[1], kh, kw, ho, wo, x.shape[0]))
    for i in range(kh):
        for j in range(kw):
            for a in range(ho):
                for b in range(wo):
                    p[:, i, j, a, b] = xp_[:, :, a * sh + i * dh, b * sw + j * dw].T
    return p


def as_nchw(y_rows, n, size):
    """(O, Ho * Wo * N) in (O, Ho, Wo, N) memory as NCHW."""
    return y_rows.reshape(y_rows.shape[0], size[0], size[1], n).transpose(3, 0, 1, 2)


def case_arrays(rng, case, dtype=np.float64):
    x_shape, w_shape, geo = CASES[case]
    return rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype), geo


# ---- geometry -----------------------------------------------------------------------------------------------
def test_output_size_counts_the_windows_that_fit():
    for x_shape, _, geo in CASES.values():
        assert geo.output_size(*x_shape[2:]) == out_size(x_shape, geo)


@pytest.mark.parametrize("case", ["1x1-stride2", "dilated-asymmetric"])
def test_padded_chwn_is_zero_padding_in_chwn_order(case, rng):
    x, _, geo = case_arrays(rng, case)
    out = padded_chwn(x, geo)
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, padded(x, geo).transpose(1, 2, 3, 0))


# ---- patch matrices -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_project_equals_a_loop_convolution(case, rng):
    x, w, geo = case_arrays(rng, case, np.float32)
    size = geo.output_size(*x.shape[2:])
    for form in FORMS[case]:
        y = form(x, geo, size).project(w)
        assert y.dtype == np.float32 and y.shape == (w.shape[0], size[0] * size[1] * x.shape[0])
        np.testing.assert_allclose(as_nchw(y, x.shape[0], size), conv_loop(x, w, geo), rtol=1e-5, atol=1e-5,
                                   err_msg=form.__name__)


@pytest.mark.parametrize("case", CASES)
def test_correlate_equals_a_loop_weight_gradient(case, rng):
    x, w, geo = case_arrays(rng, case)
    size = geo.output_size(*x.shape[2:])
    gy = rng.standard_normal((x.shape[0], w.shape[0]) + size)
    for form in FORMS[case]:
        dw = form(x, geo, size).correlate(gy, w.shape[1])
        assert dw.shape == w.shape
        np.testing.assert_allclose(dw, weight_grad_loop(x, gy, w.shape, geo), rtol=1e-10, atol=1e-10,
                                   err_msg=form.__name__)


@pytest.mark.parametrize("case", ["stride2-pad1", "groups2"])
def test_full_patches_hold_every_patch(case, rng):
    x, _, geo = case_arrays(rng, case)
    cols = FullPatches(x, geo, geo.output_size(*x.shape[2:])).cols
    ref = patches_loop(x, geo)
    assert cols.shape == (geo.groups, ref.shape[0] // geo.groups * ref.shape[1] * ref.shape[2], np.prod(ref.shape[3:]))
    np.testing.assert_array_equal(cols.reshape(ref.shape), ref)


def test_row_patches_suit_long_rows_without_groups_or_vertical_dilation():
    assert RowPatches.suits(Geometry((3, 3)), (10, 32), 16)                 # Wo N = 512
    assert not RowPatches.suits(Geometry((3, 3)), (10, 31), 16)             # 496
    assert RowPatches.suits(Geometry((3, 3), dilation=(1, 2)), (10, 64), 8)
    assert not RowPatches.suits(Geometry((3, 3), dilation=(2, 1)), (10, 64), 8)
    assert not RowPatches.suits(Geometry((3, 3), groups=2), (10, 64), 8)


def test_patch_matrix_picks_the_form_that_suits(rng):
    geo = Geometry((3, 3), padding=(1, 1, 1, 1))
    assert isinstance(patch_matrix(rng.standard_normal((32, 1, 4, 16)), geo, (4, 16)), RowPatches)
    assert isinstance(patch_matrix(rng.standard_normal((2, 1, 4, 16)), geo, (4, 16)), FullPatches)
    grouped = Geometry((3, 3), padding=(1, 1, 1, 1), groups=2)
    assert isinstance(patch_matrix(rng.standard_normal((32, 2, 4, 16)), grouped, (4, 16)), FullPatches)


# ---- adjoints -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_col2im_is_the_adjoint_of_patch_extraction(case, rng):
    """<P(x), D> == <x, col2im(D)> for the patches P(x) of a plain loop."""
    x, _, geo = case_arrays(rng, case)
    p = patches_loop(x, geo)
    d = rng.standard_normal(p.shape)
    back = col2im(d, geo, x.shape[2:])                                  # (C, H, W, N)
    assert back.shape == (x.shape[1],) + x.shape[2:] + (x.shape[0],)
    np.testing.assert_allclose(np.vdot(p, d), np.vdot(x, back.transpose(3, 0, 1, 2)), rtol=1e-10)


def test_col2im_adds_overlapping_patches_by_hand():
    # a 1x4 image, kernel 1x2, stride 1: pixels 1 and 2 are in two patches each
    d = np.array([1.0, 10.0, 100.0, 2.0, 20.0, 200.0]).reshape(1, 1, 2, 1, 3, 1)  # (C, kh, kw, Ho, Wo, N)
    out = col2im(d, Geometry((1, 2)), (1, 4))
    np.testing.assert_array_equal(out[0, 0, :, 0], [1, 10 + 2, 100 + 20, 200])


@pytest.mark.parametrize("case", CASES)
def test_transposed_patches_is_the_adjoint_of_convolution_in_x(case, rng):
    """<conv(x, W), g> == <x, transposed_patches(g, W)>; the result is (C, H, W, N) memory."""
    x, w, geo = case_arrays(rng, case)
    y = conv_loop(x, w, geo)
    g = rng.standard_normal(y.shape)
    back = transposed_patches(g, w, geo, x.shape[2:])
    assert back.shape == (x.shape[1],) + x.shape[2:] + (x.shape[0],)
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(x, back.transpose(3, 0, 1, 2)), rtol=1e-10)


@pytest.mark.parametrize("geo", [Geometry((3, 3), padding=(1, 1, 1, 1)), Geometry((2, 3), padding=(0, 1, 2, 0)),
                                 Geometry((5, 5)), Geometry((1, 3), padding=(0, 0, 1, 1)),
                                 Geometry((3, 3), padding=(2, 2, 1, 0))])
@pytest.mark.parametrize("batch", [2, 64])  # im2col, and row patches for the flipped convolution
def test_stride1_transposed_patches_equal_col2im_of_w_transpose_g(geo, batch, rng):
    x_shape, w = (batch, 3, 6, 9), rng.standard_normal((4, 3) + geo.kernel)
    size = geo.output_size(*x_shape[2:])
    g = rng.standard_normal((batch, 4) + size)
    dcols = np.einsum("ocij,oabn->cijabn", w, g.transpose(1, 2, 3, 0))     # W^T g, then added back
    np.testing.assert_allclose(transposed_patches(g, w, geo, x_shape[2:]), col2im(dcols, geo, x_shape[2:]),
                               rtol=1e-12, atol=1e-12)


def test_transposed_patches_by_hand():
    # output pixel (1, 0) of a 2x2 kernel read x[1 + i, j] with weight w[i, j]: its gradient goes back there
    g = np.zeros((1, 1, 2, 2))
    g[0, 0, 1, 0] = 1.0
    w = np.arange(4.0).reshape(1, 1, 2, 2)
    out = transposed_patches(g, w, Geometry((2, 2)), (3, 3))[0, :, :, 0]
    np.testing.assert_array_equal(out, [[0, 0, 0], [0, 1, 0], [2, 3, 0]])


# ---- matrix products ------------------------------------------------------------------------------------------
LENGTHS = [100, 2 * _CHUNK + 1, 3 * _CHUNK + 17]


@pytest.mark.parametrize("length", LENGTHS)
def test_matmul_chunked_equals_matmul(length, rng):
    for dtype, tol in [(np.float32, 1e-5), (np.float64, 1e-12)]:
        a, b = rng.standard_normal((1, 3, 5)).astype(dtype), rng.standard_normal((1, 5, length)).astype(dtype)
        out = matmul_chunked(a, b)
        assert out.shape == (1, 3, length) and out.dtype == dtype
        np.testing.assert_allclose(out, np.einsum("gmk,gkl->gml", a, b), rtol=tol, atol=tol)


@pytest.mark.parametrize("length", LENGTHS)
def test_matmul_nt_chunked_equals_matmul(length, rng):
    for dtype, tol in [(np.float32, 1e-4), (np.float64, 1e-10)]:
        a, b = rng.standard_normal((1, 3, length)).astype(dtype), rng.standard_normal((1, 4, length)).astype(dtype)
        out = matmul_nt_chunked(a, b)
        assert out.shape == (1, 3, 4) and out.dtype == dtype
        ref = np.einsum("gml,gpl->gmp", a.astype(np.float64), b.astype(np.float64))
        np.testing.assert_allclose(out, ref, rtol=tol, atol=tol * np.sqrt(length))


def test_chunked_products_with_groups(rng):
    a, b = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 5, 3 * _CHUNK))
    np.testing.assert_allclose(matmul_chunked(a, b), np.einsum("gmk,gkl->gml", a, b), rtol=1e-12, atol=1e-12)
    c = rng.standard_normal((2, 4, 3 * _CHUNK))
    np.testing.assert_allclose(matmul_nt_chunked(b, c), np.einsum("gml,gpl->gmp", b, c), rtol=1e-10, atol=1e-10)


# ---- gradient layouts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("groups", [1, 2])
def test_grad_matrix_holds_chwn_rows_per_group(groups, rng):
    n, o, ho, wo = 2, 4, 3, 5
    g = rng.standard_normal((n, o, ho, wo))
    m = grad_matrix(g, groups)
    assert m.shape == (groups, o // groups, ho * wo * n)
    for grp in range(groups):
        for k in range(o // groups):
            for a in range(ho):
                for b in range(wo):
                    np.testing.assert_array_equal(m[grp, k, (a * wo + b) * n:(a * wo + b + 1) * n],
                                                  g[:, grp * (o // groups) + k, a, b])


@pytest.mark.parametrize("view", [lambda g: g, lambda g: g.transpose(3, 0, 1, 2)], ids=["nchw", "chwn-memory"])
def test_channel_sums_equal_the_sum_over_n_h_w(view, rng):
    g = view(rng.standard_normal((2, 3, 4, 5)))
    np.testing.assert_allclose(channel_sums(g), g.sum((0, 2, 3)), rtol=1e-12)


# ---- three spatial axes -------------------------------------------------------------------------------------
GEO3 = Geometry((2, 3, 2), (1, 2, 2), (2, 1, 1), (1, 0, 0, 1, 2, 1), groups=1)


def test_3d_geometry_output_size_and_windows():
    assert GEO3.output_size(5, 6, 4) == ((5 + 1 - 2 - 1) // 1 + 1, (6 + 1 - 2 - 1) // 2 + 1, (4 + 3 - 1 - 1) // 2 + 1)
    windows = GEO3.windows((2, 3, 2))
    assert len(windows) == 12 and windows[0][:3] == (0, 0, 0) and windows[-1][:3] == (1, 2, 1)
    assert windows[-1][3:] == (slice(2, 4, 1), slice(2, 7, 2), slice(1, 4, 2))


def test_3d_patches_view_holds_every_patch(rng):
    x = rng.standard_normal((2, 3, 5, 6, 4))
    size = GEO3.output_size(*x.shape[2:])
    view = patches_view(x, GEO3, size)
    xpad = np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 1), (2, 1)))
    assert view.shape == (3, 2, 3, 2) + size + (2,)
    for i, j, k in np.ndindex(2, 3, 2):
        for a, b, c in np.ndindex(*size):
            np.testing.assert_array_equal(view[:, i, j, k, a, b, c], xpad[:, :, a + 2 * i, 2 * b + j, 2 * c + k].T)


def test_3d_col2im_is_the_adjoint_of_the_patch_view(rng):
    x = rng.standard_normal((2, 3, 5, 6, 4))
    size = GEO3.output_size(*x.shape[2:])
    dcols = rng.standard_normal((3, 2, 3, 2) + size + (2,))
    image = col2im(dcols, GEO3, x.shape[2:])                      # (C, D, H, W, N)
    left = (patches_view(x, GEO3, size) * dcols).sum()
    np.testing.assert_allclose(left, (x.transpose(1, 2, 3, 4, 0) * image).sum(), rtol=1e-12)


@pytest.mark.parametrize("geo", [Geometry((2, 2, 3), (2, 1, 1), (1, 1, 2), (0, 0, 1, 1, 0, 2), groups=2),
                                 Geometry((2, 2, 3), (1, 1, 1), (1, 1, 1), (0, 1, 1, 0, 1, 1), groups=1)])
def test_3d_transposed_patches_is_the_adjoint_of_project(geo, rng):
    x, w = rng.standard_normal((2, 4, 5, 4, 6)), rng.standard_normal((6, 4 // geo.groups, 2, 2, 3))
    size = geo.output_size(*x.shape[2:])
    y = FullPatches(x, geo, size).project(w).reshape((6,) + size + (2,))
    g = rng.standard_normal(y.shape)
    g_nchw = np.ascontiguousarray(g.transpose(4, 0, 1, 2, 3))
    back = transposed_patches(g_nchw, w, geo, x.shape[2:])
    np.testing.assert_allclose((y * g).sum(), (x.transpose(1, 2, 3, 4, 0) * back).sum(), rtol=1e-12)
