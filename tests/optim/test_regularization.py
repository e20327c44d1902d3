"""lamina.optim.l1_penalty and l2_penalty: values, gradients, and l2 as SGD's weight decay."""
import numpy as np

import lamina as lm
from lamina import optim


def test_l1_and_l2_penalties():
    a = lm.tensor([[1.0, -2.0], [0.5, 0.0]], dtype=np.float64, requires_grad=True)
    b = lm.tensor([-3.0], dtype=np.float64, requires_grad=True)
    l1 = optim.l1_penalty([a, b], 0.1)
    l2 = optim.l2_penalty([a, b], 0.01)
    assert abs(l1.item() - 0.1 * (1 + 2 + 0.5 + 0 + 3)) < 1e-12
    assert abs(l2.item() - 0.01 * (1 + 4 + 0.25 + 0 + 9)) < 1e-12
    (l1 + l2).backward()
    np.testing.assert_allclose(a.grad.data, 0.1 * np.sign(a.data) + 0.02 * a.data)
    np.testing.assert_allclose(b.grad.data, 0.1 * np.sign(b.data) + 0.02 * b.data)


def test_l2_penalty_equals_sgd_weight_decay():
    """SGD on loss + l2_penalty(w, lam) takes the same steps as SGD(weight_decay=2 lam) on the loss."""
    w0 = np.array([1.0, -2.0, 0.5])
    w1 = lm.tensor(w0, dtype=np.float64, requires_grad=True)
    w2 = lm.tensor(w0, dtype=np.float64, requires_grad=True)
    opt1 = optim.SGD([w1], lr=0.1)
    opt2 = optim.SGD([w2], lr=0.1, weight_decay=0.2)
    for _ in range(5):
        opt1.zero_grad(), opt2.zero_grad()
        ((w1 * 3.0).sum() + optim.l2_penalty([w1], 0.1)).backward()
        (w2 * 3.0).sum().backward()
        opt1.step(), opt2.step()
    np.testing.assert_allclose(w1.data, w2.data, rtol=1e-12)
