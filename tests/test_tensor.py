"""Tensor: attributes and conversions, which dtypes can require gradients, repr, and in-place changes."""
import numpy as np
import pytest

import lamina as lm


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
