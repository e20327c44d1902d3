"""Elementwise kernels: ReLU against a broadcast zero row, and mask products, in the memory layout asked."""
import numpy as np
import pytest

from lamina.kernels.elementwise import _ZERO_ROW, passes_relu, positive_part, times_mask

SIZES = [7, _ZERO_ROW, _ZERO_ROW + 5, 3 * _ZERO_ROW + 100]


def stride_order(a):
    return tuple(int(k) for k in np.argsort([-abs(s) for s in a.strides], kind="stable"))


@pytest.mark.parametrize("size", SIZES)
def test_positive_part_equals_maximum_with_zero(size, rng):
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal(size).astype(dtype)
        out = positive_part(x)
        assert out.dtype == dtype and out.shape == x.shape and not np.shares_memory(out, x)
        np.testing.assert_array_equal(out, np.where(x > 0, x, 0))


@pytest.mark.parametrize("size", [10, 2 * _ZERO_ROW + 3])
def test_positive_part_keeps_nan_and_infinities(size, rng):
    x = rng.standard_normal(size).astype(np.float32)
    x[[0, 3, -1]], x[1], x[2] = np.nan, np.inf, -np.inf
    out = positive_part(x)
    assert np.isnan(out[[0, 3, -1]]).all()
    assert out[1] == np.inf and out[2] == 0
    rest = ~np.isnan(x)
    np.testing.assert_array_equal(out[rest], np.where(x[rest] > 0, x[rest], 0))


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (16, 8, 12, 10)], ids=["small", "above-zero-row"])
def test_positive_part_keeps_the_layout_of_a_transposed_input(shape, rng):
    x = rng.standard_normal(shape).astype(np.float32).transpose(3, 0, 1, 2)
    assert not x.flags.c_contiguous
    out = positive_part(x)
    assert out.strides == x.strides
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0))


@pytest.mark.parametrize("view", [lambda a: a[:, ::2], lambda a: a[::-1]], ids=["strided", "reversed"])
def test_positive_part_of_arrays_with_gaps_or_negative_strides(view, rng):
    x = view(rng.standard_normal((3 * _ZERO_ROW // 64, 128)))
    np.testing.assert_array_equal(positive_part(x), np.where(x > 0, x, 0))


@pytest.mark.parametrize("mask_dtype", [bool, np.float32])
def test_times_mask_equals_the_product(mask_dtype, rng):
    g = rng.standard_normal((3, 4, 5)).astype(np.float32)
    mask = (rng.random((3, 4, 5)) < 0.5).astype(mask_dtype)
    out = times_mask(g, mask)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.where(mask.astype(bool), g, 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_times_mask_follows_the_layout_of_the_mask(dtype, rng):
    g = rng.standard_normal((2, 3, 4, 5)).astype(dtype)                     # C-contiguous
    mask = (rng.random((3, 4, 5, 2)) < 0.5).transpose(3, 0, 1, 2)           # (C, H, W, N) memory
    out = times_mask(g, mask)
    assert out.dtype == dtype and stride_order(out) == stride_order(mask) == (1, 2, 3, 0)
    np.testing.assert_array_equal(out, g * mask)


def test_passes_relu_blocks_only_what_is_not_above_zero():
    """PyTorch's ReLU gradient rule: blocked where x <= 0 (both zeros, -inf), passed where x > 0 and at NaN."""
    x = np.array([-np.inf, -1.0, -0.0, 0.0, 1e-30, 2.0, np.inf, np.nan], dtype=np.float32)
    mask = passes_relu(x)
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, [False, False, False, False, True, True, True, True])
