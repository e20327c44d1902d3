"""lamina.explain.step: one training step, every number checked by hand."""
import numpy as np
import pytest

import lamina as lm
from lamina.explain import step


def linear_problem():
    """y_hat = w x + b on four points, L = mean((y_hat - y)^2): dL/dw = mean(2 (y_hat - y) x), dL/db = mean(2 (y_hat - y))."""
    model = lm.nn.Linear(1, 1)
    with lm.no_grad():
        model.weight.copy_([[0.5]])
        model.bias.copy_([0.25])
    x = lm.tensor([[1.0], [2.0], [-1.0], [0.5]])
    y = lm.tensor([[2.0], [3.0], [0.0], [1.0]])
    return model, x, y


def test_sgd_step_is_before_minus_lr_times_grad():
    model, x, y = linear_problem()
    before_w, before_b = model.weight.data.copy(), model.bias.data.copy()
    report = step(model, lm.optim.SGD(model.parameters(), lr=0.1), x, y, lm.nn.MSELoss())
    xs, ys = x.data[:, 0].astype(np.float64), y.data[:, 0].astype(np.float64)
    residual = 0.5 * xs + 0.25 - ys
    assert report.loss == pytest.approx(np.mean(residual**2), rel=1e-6)
    w, b = report.param("weight"), report.param("bias")
    assert float(w.grad.item()) == pytest.approx(np.mean(2 * residual * xs), rel=1e-6)
    assert float(b.grad.item()) == pytest.approx(np.mean(2 * residual), rel=1e-6)
    np.testing.assert_array_equal(w.before, before_w)
    np.testing.assert_array_equal(b.before, before_b)
    for record, param in ((w, model.weight), (b, model.bias)):
        np.testing.assert_array_equal(record.after, param.data)           # the report saw the real update
        np.testing.assert_array_equal(record.after, record.before - 0.1 * record.grad)  # exactly SGD
        np.testing.assert_array_equal(record.update, record.after - record.before)
        np.testing.assert_allclose(record.update, -0.1 * record.grad, rtol=1e-6)
        assert record.sgd_rule and record.sgd_max_error == 0.0 and record.lr == 0.1


def test_forward_layers_are_recorded_in_call_order_and_hooks_removed():
    lm.manual_seed(0)
    model = lm.nn.Sequential(lm.nn.Linear(2, 4), lm.nn.Tanh(), lm.nn.Linear(4, 1))
    x, y = lm.randn(5, 2), lm.randn(5, 1)
    with lm.no_grad():
        hidden = lm.tanh(model[0](x))
    report = step(model, lm.optim.SGD(model.parameters(), lr=0.01), x, y, lm.nn.MSELoss())
    assert [(l.name, l.type, l.shape) for l in report.layers] == [
        ("0", "Linear", (5, 4)), ("1", "Tanh", (5, 4)), ("2", "Linear", (5, 1))]
    np.testing.assert_allclose(report.layers[1].output, hidden.data, rtol=1e-6)
    assert all(not m._forward_hooks for m in model.modules())
    text = str(report)
    assert "1 (Tanh) -> shape (5, 4) mean" in text and "loss = " in text
    assert "after = before - lr*grad (lr=0.0100): max difference 0" in text
    page = report._repr_html_()
    assert page.count("<table") == 2 and "0.weight" in page


def test_other_optimisers_report_the_update_without_the_sgd_rule():
    model, x, y = linear_problem()
    report = step(model, lm.optim.Adam(model.parameters(), lr=0.01), x, y, lm.nn.MSELoss())
    w = report.param("weight")
    assert not w.sgd_rule and w.sgd_max_error is None
    # Adam's first step moves every weight by lr against the sign of its gradient
    np.testing.assert_allclose(w.update, -0.01 * np.sign(w.grad), rtol=1e-4)
    assert "max difference" not in str(report)


def test_momentum_sgd_is_not_checked_against_the_plain_rule():
    model, x, y = linear_problem()
    report = step(model, lm.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x, y, lm.nn.MSELoss())
    assert not report.param("bias").sgd_rule


def test_loss_must_be_a_scalar():
    model, x, y = linear_problem()
    with pytest.raises(ValueError, match="one-element Tensor"):
        step(model, lm.optim.SGD(model.parameters(), lr=0.1), x, y, lambda out, target: out - target)
