"""lamina.creation: tensor() and the factories, their dtypes and shapes, copying and sharing memory."""
import numpy as np
import pytest

import lamina as lm


def test_python_floats_and_float64_arrays_become_float32():
    assert lm.tensor([1.0, 2.0]).dtype == np.float32
    assert lm.tensor(np.zeros(3, dtype=np.float64)).dtype == np.float32
    assert lm.tensor(np.zeros(3), dtype=np.float64).dtype == np.float64
    assert lm.tensor([1, 2]).dtype == np.int64
    assert lm.tensor([True, False]).dtype == np.bool_


def test_tensor_copies_but_from_numpy_shares_memory():
    a = np.arange(4, dtype=np.float32)
    t, shared = lm.tensor(a), lm.from_numpy(a)
    a[0] = 42
    assert t[0].item() == 0 and shared[0].item() == 42
    assert shared.dtype == np.float32
    d = lm.from_numpy(np.zeros(2))  # from_numpy keeps float64
    assert d.dtype == np.float64


@pytest.mark.parametrize("make,shape", [
    (lambda: lm.zeros(2, 3), (2, 3)), (lambda: lm.ones((4,)), (4,)), (lambda: lm.empty(1, 2), (1, 2)),
    (lambda: lm.full((2, 2), 7.0), (2, 2)), (lambda: lm.eye(3), (3, 3)), (lambda: lm.rand(5, 1), (5, 1)),
    (lambda: lm.randn(2, 2, 2), (2, 2, 2)), (lambda: lm.linspace(0, 1, 11), (11,)),
])
def test_factories_make_float32_of_the_right_shape(make, shape):
    t = make()
    assert t.shape == shape and t.dtype == np.float32


def test_arange_and_randint_and_like_functions():
    assert lm.arange(5).tolist() == [0, 1, 2, 3, 4] and lm.arange(5).dtype == np.int64
    assert np.allclose(lm.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    r = lm.randint(0, 3, (100,))
    assert r.dtype == np.int64 and set(r.tolist()) <= {0, 1, 2}
    x = lm.ones(2, 3, dtype=np.float64)
    assert lm.zeros_like(x).dtype == np.float64 and lm.ones_like(x).shape == (2, 3)
    assert lm.full_like(x, 3).numpy().sum() == 18
    assert lm.randn_like(x).dtype == np.float64 and lm.rand_like(x).shape == (2, 3)
