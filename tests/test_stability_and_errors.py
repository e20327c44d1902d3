"""Numerical stability at |x| = 1e4 in float32, and clear errors for bad input."""
import numpy as np
import pytest

import lamina as lm
import lamina.functional as F

EXTREME = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=np.float32)


@pytest.mark.parametrize("fn", [
    lambda x: F.log_softmax(x, 1), lambda x: F.softmax(x, 1), lambda x: x.logsumexp(1), F.sigmoid, F.softplus,
    F.tanh, lambda x: F.softplus(x, beta=3.0),
], ids=["log_softmax", "softmax", "logsumexp", "sigmoid", "softplus", "tanh", "softplus_beta"])
def test_finite_values_and_gradients_for_huge_inputs(fn):
    x = lm.tensor(EXTREME, requires_grad=True)
    y = fn(x)
    assert np.isfinite(y.detach().numpy()).all()
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_log_softmax_and_logsumexp_values_at_extremes():
    x = lm.tensor(EXTREME)
    np.testing.assert_allclose(x.logsumexp(1).numpy(), [1e4, 1e4 + np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy()[0], [-2e4, -1e4, 0.0], rtol=1e-6)
    np.testing.assert_allclose(F.sigmoid(x).numpy()[0], [0.0, 0.5, 1.0])


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\).*3 != 4"):
        lm.ones(2, 3) @ lm.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul.*\(3,\)"):
        lm.ones(2, 2) @ lm.ones(3)


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\) do not broadcast"):
        lm.ones(2, 3) + lm.ones(4)
    with pytest.raises(ValueError, match=r"mul: shapes"):
        lm.ones(2, 3) * lm.ones(3, 2)


def test_shape_op_errors_are_clear():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
        lm.ones(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3\) and \(2, 4\) differ outside dim 0"):
        lm.cat([lm.ones(2, 3), lm.ones(2, 4)])
    with pytest.raises(ValueError, match="permute"):
        lm.ones(2, 3).permute(0, 0)
    with pytest.raises(ValueError, match="dim 3 is out of range"):
        lm.ones(2, 3).sum(3)
    with pytest.raises(ValueError, match=r"linear: input has 3 features.*weight expects 4"):
        F.linear(lm.ones(2, 3), lm.ones(5, 4))
