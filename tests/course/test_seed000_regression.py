"""lamina.course.seed000_regression: the first step, the raw inputs' divergence, standardisation and the
stopping rules, each number checked against gradient descent in plain NumPy or the seed's values."""
import numpy as np
import pytest

from lamina.course import seed000_regression

TABLE = np.array([(4, 7, -2.669), (-4, 0, -0.600), (7, -5, 7.230), (5, 7, -2.389), (2, -1, 2.410),
                  (-2, 5, -3.490), (-5, -1, -0.249), (-6, 2, -2.820), (-1, 1, -0.189), (-4, -9, 5.970)])


def gd_reference(design, y, eta, epochs, batch_size, threshold=None):
    """Gradient descent on mean((design w - y)^2) in table order; returns (w, losses)."""
    w, losses = np.zeros(design.shape[1]), []
    for _ in range(epochs):
        for s in range(0, len(y), batch_size):
            a, t = design[s:s + batch_size], y[s:s + batch_size]
            w = w - eta * 2 * a.T @ (a @ w - t) / len(t)
        losses.append(np.mean((design @ w - y) ** 2))
        if threshold is not None and losses[-1] < threshold:
            break
    return w, losses


@pytest.fixture(scope="module")
def seed000(quiet):
    return seed000_regression.run(quick=True, print_fn=quiet)


def test_seed000_first_step(seed000):
    first = seed000["first_step"]
    assert first["sample"] == 0  # observation 1 alone: the slides' step is an SGD step
    np.testing.assert_allclose(first["gradient"], [5.338, 21.352, 37.366], rtol=1e-12)
    np.testing.assert_allclose(first["closed_form_gradient"], [5.338, 21.352, 37.366], rtol=1e-12)
    np.testing.assert_allclose(first["new_weights"], [-0.5338, -2.1352, -3.7366], rtol=1e-12)
    assert first["loss"] == pytest.approx(2.669 ** 2)
    rows = {r["quantity"]: r for r in seed000["comparison"]}
    for name in ("dL/dw0", "dL/dw1", "dL/dw2"):
        assert not rows[f"{name} (observation 1)"]["agrees"]
    for name in ("w0'", "w1'", "w2'"):
        assert not rows[f"{name} after step 1"]["agrees"]


def test_seed000_raw_inputs_diverge(seed000):
    design, y = np.column_stack([np.ones(10), TABLE[:, :2]]), TABLE[:, 2]
    raw = seed000["raw"]
    w, expected = np.zeros(3), []
    for i in range(10):
        w = w - 0.1 * 2 * design[i] * (design[i] @ w - y[i])
        expected.append(np.mean((design @ w - y) ** 2))
    np.testing.assert_allclose(raw["sgd_step_losses"], expected, rtol=1e-9)
    _, batch = gd_reference(design, y, 0.1, 6, 10)
    np.testing.assert_allclose(raw["batch_epoch_losses"], batch, rtol=1e-9)
    assert raw["diverged"] and batch[-1] > 1e6 and np.all(np.diff(batch) > 0)
    lam = np.linalg.eigvalsh(2 * design.T @ design / 10)
    assert raw["eta_limit"] == pytest.approx(2 / lam[-1]) and raw["eta_limit"] < 0.1
    w_small, _ = gd_reference(design, y, raw["small_eta"], raw["small_eta_epochs"], 10)
    np.testing.assert_allclose(raw["small_eta_weights"], w_small, rtol=1e-9)


def test_seed000_standardisation_and_recovered_weights(seed000):
    x, y = TABLE[:, :2], TABLE[:, 2]
    np.testing.assert_allclose(seed000["standardize"]["mu"], x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(seed000["standardize"]["sigma"], x.std(0), rtol=1e-6)  # divides by N
    np.testing.assert_allclose(seed000["least_squares"], [0.9108, 0.3777, -0.7323], atol=5e-5)
    generating = [0.92, 0.38, -0.73]
    for method, tol in (("batch", 1e-3), ("minibatch", 5e-3), ("sgd", 2e-2)):
        np.testing.assert_allclose(seed000[method]["weights"], seed000["least_squares"], atol=tol)
        np.testing.assert_allclose(seed000[method]["weights"], generating, atol=0.025)
    # the weights learnt on x' map back to raw units: w_i = v_i / sigma_i, w0 = v0 - sum v_i mu_i / sigma_i
    z = (x - x.mean(0)) / x.std(0)
    v, _ = gd_reference(np.column_stack([np.ones(10), z]), y, 0.1, seed000["batch"]["epochs"], 10)
    np.testing.assert_allclose(seed000["batch"]["weights_standardized"], v, rtol=1e-6, atol=1e-9)
    raw = np.r_[v[0] - np.sum(v[1:] / x.std(0) * x.mean(0)), v[1:] / x.std(0)]
    np.testing.assert_allclose(seed000["batch"]["weights"], raw, rtol=1e-6, atol=1e-9)
    assert seed000["max_gradient_error"] < 1e-10  # autograd == closed form at every step


def test_seed000_stopping_rules(seed000):
    x, y = TABLE[:, :2], TABLE[:, 2]
    design = np.column_stack([np.ones(10), (x - x.mean(0)) / x.std(0)])
    for method, batch_size in (("sgd", 1), ("minibatch", 5), ("batch", 10)):
        stop = seed000["stopping"][method]
        _, fixed = gd_reference(design, y, 0.1, 20, batch_size)
        assert stop["after_20_epochs_loss"] == pytest.approx(fixed[-1], rel=1e-6)
        _, until = gd_reference(design, y, 0.1, 1000, batch_size, threshold=stop["threshold"])
        assert stop["epochs_to_threshold"] == len(until)
        assert stop["reached"] and stop["loss_at_stop"] < stop["threshold"]
