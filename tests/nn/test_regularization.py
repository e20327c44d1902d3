"""nn.ActivityRegularization and nn.activity_penalty: the Keras penalty and its gradient."""
import numpy as np

import lamina as lm
import lamina.nn as nn


def test_activity_regularization_adds_the_keras_penalty_and_its_gradient():
    layer = nn.ActivityRegularization(l1=0.1, l2=0.01)
    x = lm.tensor([[1.0, -2.0], [0.0, 3.0]], dtype=np.float64, requires_grad=True)
    model = nn.Sequential(layer)
    out = model(x)
    assert out is x
    penalty = nn.activity_penalty(model)
    assert np.isclose(penalty.item(), (0.1 * 6 + 0.01 * 14) / 2)    # divided by the batch size, as Keras
    penalty.backward()
    np.testing.assert_allclose(x.grad.numpy(), (0.1 * np.sign(x.detach().numpy()) + 0.02 * x.detach().numpy()) / 2)
    assert nn.activity_penalty(model) == 0.0                         # consumed
    model.eval()
    model(x)
    assert nn.activity_penalty(model) == 0.0                         # no penalty at inference
