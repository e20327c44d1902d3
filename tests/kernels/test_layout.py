"""Memory layouts: axis orders read from strides, arrays made in an order, dense flat views, CHWN <-> NCHW."""
import numpy as np
import pytest

from lamina.kernels.layout import (
    chwn,
    dense_flat,
    in_order,
    memory_order,
    nchw_view,
    new_in_order,
)

PERMS = [(0, 1, 2, 3), (1, 2, 3, 0), (0, 2, 3, 1), (3, 2, 1, 0)]


def outer_to_inner(a):
    """Axes of ``a`` sorted by decreasing stride: the reference for memory order (all sizes > 1)."""
    return tuple(int(k) for k in np.argsort([-abs(s) for s in a.strides], kind="stable"))


@pytest.mark.parametrize("perm", PERMS, ids=str)
def test_memory_order_of_a_transposed_array(perm):
    base = np.zeros((2, 3, 4, 5))
    a = base.transpose(perm)
    # axis k of a is axis perm[k] of the C-contiguous base, so base axis 0 (outermost) is axis perm.index(0)
    assert memory_order(a) == tuple(perm.index(axis) for axis in range(4))


def test_memory_order_of_c_and_fortran_arrays():
    assert memory_order(np.zeros((2, 3, 4))) == (0, 1, 2)
    assert memory_order(np.zeros((2, 3, 4), order="F")) == (2, 1, 0)
    assert memory_order(np.zeros((6, 5))[:, ::-1]) == (0, 1)  # a negative stride counts by its size


@pytest.mark.parametrize("order", PERMS, ids=str)
def test_new_in_order_has_the_shape_and_memory_order(order):
    a = new_in_order((2, 3, 4, 5), 1.5, np.float32, order)
    assert a.shape == (2, 3, 4, 5) and a.dtype == np.float32
    assert a.transpose(order).flags.c_contiguous
    assert outer_to_inner(a) == order
    np.testing.assert_array_equal(a, np.full((2, 3, 4, 5), 1.5, dtype=np.float32))


def test_new_in_order_without_fill_is_uninitialised_but_shaped():
    a = new_in_order((3, 4), None, np.int64, (1, 0))
    assert a.shape == (3, 4) and a.dtype == np.int64 and a.flags.f_contiguous


def test_in_order_returns_the_same_array_when_already_in_order():
    base = np.arange(120.0).reshape(2, 3, 4, 5)
    assert in_order(base, (0, 1, 2, 3)) is base
    t = base.transpose(3, 0, 1, 2)  # memory order of t: (1, 2, 3, 0)
    assert in_order(t, (1, 2, 3, 0)) is t


@pytest.mark.parametrize("order", PERMS[1:], ids=str)
def test_in_order_copies_into_the_order(order):
    a = np.arange(120.0).reshape(2, 3, 4, 5)
    b = in_order(a, order)
    assert b is not a and not np.shares_memory(a, b)
    assert b.transpose(order).flags.c_contiguous
    np.testing.assert_array_equal(b, a)


def test_dense_flat_is_none_when_memory_has_gaps():
    a = np.zeros((4, 6, 5))
    for view in [a[:, ::2], a[::2], a[..., 1:], a.transpose(2, 0, 1)[:, :, :3]]:
        assert dense_flat(view) is None


@pytest.mark.parametrize("perm", PERMS[1:], ids=str)
def test_dense_flat_is_a_view_of_memory_in_order(perm):
    base = np.arange(120.0).reshape(2, 3, 4, 5)
    flat = dense_flat(base.transpose(perm))
    assert flat.ndim == 1 and np.shares_memory(flat, base)
    np.testing.assert_array_equal(flat, np.arange(120.0))  # memory order: the base's C order


def test_dense_flat_of_a_fortran_array_and_a_one_row_slice():
    f = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(dense_flat(f), f.ravel(order="F"))
    row = np.arange(12.0).reshape(3, 4)[1:2]  # contiguous, though not the whole buffer
    np.testing.assert_array_equal(dense_flat(row), [4, 5, 6, 7])


def test_chwn_reorders_values_and_is_c_contiguous(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    y = chwn(x)
    assert y.shape == (3, 4, 5, 2) and y.flags.c_contiguous
    for n in range(2):
        for c in range(3):
            np.testing.assert_array_equal(y[c, :, :, n], x[n, c])


def test_chwn_of_a_chwn_view_does_not_copy(rng):
    memory = rng.standard_normal((3, 4, 5, 2))
    assert np.shares_memory(chwn(memory.transpose(3, 0, 1, 2)), memory)


def test_nchw_view_reads_chwn_rows_and_round_trips(rng):
    c, h, w, n = 3, 4, 5, 2
    rows = rng.standard_normal((c, h * w * n))
    x = nchw_view(rows, c, (h, w), n)
    assert x.shape == (n, c, h, w) and np.shares_memory(x, rows)
    for b in range(n):
        for ch in range(c):
            for i in range(h):
                for j in range(w):
                    assert x[b, ch, i, j] == rows[ch, (i * w + j) * n + b]
    np.testing.assert_array_equal(chwn(x).reshape(c, -1), rows)
