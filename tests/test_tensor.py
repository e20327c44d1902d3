"""Tensor creation, dtypes, conversions and random reproducibility."""
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


def test_attributes_and_conversions():
    t = lm.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert (t.shape, t.ndim, t.size(), t.size(1), t.numel()) == ((2, 3), 2, (2, 3), 3, 6)
    assert t.T.shape == (3, 2) and t.T.tolist() == [[1, 4], [2, 5], [3, 6]]
    assert t.sum().item() == 21.0
    assert t.astype(np.int32).dtype == np.int32 and t.long().dtype == np.int64
    assert t.double().dtype == np.float64
    assert isinstance(t.numpy(), np.ndarray)
    with pytest.raises(ValueError, match="one-element"):
        t.item()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        lm.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        lm.arange(3).requires_grad_()


def test_manual_seed_makes_every_random_function_reproducible():
    def draw():
        return [lm.rand(3).numpy(), lm.randn(3).numpy(), lm.randint(0, 100, (3,)).numpy(), lm.randperm(5).numpy()]

    lm.manual_seed(123)
    first = draw()
    lm.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    g1, g2 = lm.Generator(7), lm.Generator(7)
    np.testing.assert_array_equal(lm.randn(4, generator=g1).numpy(), lm.randn(4, generator=g2).numpy())
    state = lm.get_rng_state()
    a = lm.rand(2).numpy()
    lm.set_rng_state(state)
    np.testing.assert_array_equal(a, lm.rand(2).numpy())


def test_python_scalars_keep_the_tensor_dtype():
    x = lm.ones(2)
    assert (x * 2.5).dtype == np.float32 and (2 - x).dtype == np.float32
    assert (lm.arange(3) * 2).dtype == np.int64
    assert (lm.arange(3) * 0.5).dtype == np.float32
    assert (lm.arange(3) + x.reshape(1, 2)[:, :1]).dtype == np.float32
    assert (lm.ones(2, dtype=np.float64) + x).dtype == np.float64


def test_repr_shows_values_and_grad_state():
    t = lm.tensor([1.0, 2.0], requires_grad=True)
    assert "requires_grad=True" in repr(t)
    assert "grad_fn=<mul>" in repr(t * 2)


def test_inplace_change_of_a_tensor_that_requires_grad_is_refused_outside_no_grad():
    w = lm.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 5.0
    with lm.no_grad():
        w[0] = 5.0
        w.add_(lm.ones(3), alpha=-1)
    assert w.tolist() == [4.0, 0.0, 0.0]
