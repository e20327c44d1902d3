"""Scatter-adds against np.add.at, repeated indices included."""
import numpy as np
import pytest

from lamina.kernels.scatter import row_sums_by_index, scatter_add


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, positions", [
    ((5,), [0, 3, 3, 3, 4, 0]),
    ((3, 4), [[11, 0, 5], [5, 5, 11]]),
    ((2, 2, 3), [1]),
])
def test_scatter_add_equals_add_at(shape, positions, dtype, rng):
    positions = np.array(positions)
    values = rng.standard_normal(positions.shape).astype(dtype)
    ref = np.zeros(int(np.prod(shape)), dtype=dtype)
    np.add.at(ref, positions.ravel(), values.ravel())
    out = scatter_add(shape, positions, values)
    assert out.shape == shape and out.dtype == dtype
    np.testing.assert_allclose(out, ref.reshape(shape), rtol=1e-6)


def test_scatter_add_of_broadcast_values_and_no_positions(rng):
    positions = np.array([[2, 2], [0, 2]])
    values = np.broadcast_to(rng.standard_normal(2), positions.shape)       # as a gradient of x[index]
    ref = np.zeros(4)
    np.add.at(ref, positions, values)
    np.testing.assert_allclose(scatter_add((4,), positions, values), ref, rtol=1e-12)
    empty = scatter_add((2, 3), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    assert empty.dtype == np.float32
    np.testing.assert_array_equal(empty, np.zeros((2, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_shape", [(9,), (3, 4), (2, 2, 5)])
def test_row_sums_by_index_equal_add_at(index_shape, dtype, rng):
    num_rows, dim = 6, 3
    indices = rng.integers(0, num_rows - 1, index_shape)  # repeats, and row 5 never hit
    rows = rng.standard_normal(index_shape + (dim,)).astype(dtype)
    ref = np.zeros((num_rows, dim), dtype=dtype)
    np.add.at(ref, indices.ravel(), rows.reshape(-1, dim))
    out = row_sums_by_index(rows, indices, num_rows)
    assert out.shape == (num_rows, dim) and out.dtype == dtype
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out[num_rows - 1], 0)


def test_row_sums_by_index_by_hand_and_empty():
    rows = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])
    np.testing.assert_array_equal(row_sums_by_index(rows, np.array([2, 0, 2]), 3), [[10, 20], [0, 0], [101, 202]])
    empty = row_sums_by_index(np.zeros((0, 4)), np.zeros(0, dtype=np.int64), 2)
    np.testing.assert_array_equal(empty, np.zeros((2, 4)))
