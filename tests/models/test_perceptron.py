"""lamina.models.Perceptron: Rosenblatt's rule against a plain-Python reference, and the detection of
the cycle on XOR."""
import numpy as np
import pytest

import lamina as lm
from lamina.models import Perceptron

TRUTH = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def reference_perceptron(targets, eta=0.1, epochs=50, w=(0.0, 0.0, 0.0)):
    """The rule of seed 002 in plain Python: per-epoch errors and the weights after each epoch."""
    w = list(w)
    errors, trace = [], []
    for _ in range(epochs):
        count = 0
        for (x1, x2), t in zip(X.tolist(), targets):
            out = 1.0 if w[0] + w[1] * x1 + w[2] * x2 > 0 else 0.0
            if out != t:
                for i, xi in enumerate((1.0, x1, x2)):
                    w[i] += eta * (t - out) * xi
                count += 1
        errors.append(count)
        trace.append(list(w))
        if count == 0:
            break
    return errors, trace


@pytest.mark.parametrize("gate", ["and", "or"])
def test_perceptron_learns_separable_gates(gate):
    unit = Perceptron(2)
    history = unit.fit(X, TRUTH[gate], eta=0.1, max_epochs=50)
    assert history.converged and history.cycle is None
    assert history.errors[-1] == 0
    assert unit.predict(X).tolist() == TRUTH[gate]
    errors, trace = reference_perceptron(TRUTH[gate])
    assert history.errors == errors
    np.testing.assert_allclose(np.array(history.weights[1:]), np.array(trace), atol=1e-12)
    assert "converged" in history.message


def test_perceptron_and_by_hand():
    # epoch 1 with w = 0: only (1, 1) is wrong (net 0 -> 0), so w += 0.1 (1, 1, 1)
    history = Perceptron(2).fit(X, TRUTH["and"], eta=0.1, max_epochs=1)
    assert history.errors == [1]
    np.testing.assert_allclose(history.weights[1], [0.1, 0.1, 0.1])
    assert len(history.weights) == 2 and not history.converged


def test_perceptron_xor_cycle_is_detected():
    history = Perceptron(2).fit(X, TRUTH["xor"], eta=0.1, max_epochs=100)
    assert not history.converged
    assert history.cycle is not None
    start, length = history.cycle
    assert length >= 1 and history.errors[start] > 0
    np.testing.assert_allclose(history.weights[start], history.weights[start + length], atol=1e-9)
    assert history.epochs < 100  # stopped at the cycle, not at max_epochs
    assert "CYCLE" in history.message and "never converges" in history.message


def test_perceptron_xor_cycles_from_another_start():
    unit = Perceptron(2, weights=[0.5, -0.3, 0.2])
    history = unit.fit(lm.tensor(X), lm.tensor(TRUTH["xor"]), eta=1.0, max_epochs=200)
    assert history.cycle is not None and not history.converged
    assert unit.predict(X).tolist() != TRUTH["xor"]


def test_perceptron_no_cycle_within_budget_says_so():
    history = Perceptron(2).fit(X, TRUTH["and"], eta=0.1, max_epochs=2)
    assert not history.converged and history.cycle is None
    assert "without converging" in history.message


def test_perceptron_errors():
    with pytest.raises(ValueError, match="expected 3 weights"):
        Perceptron(2, weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        Perceptron(2).predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="targets"):
        Perceptron(2).fit(X, [0, 1])
    with pytest.raises(ValueError, match="eta"):
        Perceptron(2).fit(X, TRUTH["and"], eta=0)


@pytest.mark.parametrize("targets", [[0, 1, 1, 2], [0, 1, 1, -1], [0, 0.5, 1, 1], [0, 1, 1, np.nan]])
def test_perceptron_rejects_targets_other_than_0_and_1(targets):
    with pytest.raises(ValueError, match="0 or 1"):
        Perceptron(2).fit(X, targets)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_perceptron_rejects_non_finite_inputs_instead_of_reporting_convergence(bad):
    x = np.array(X, dtype=float)
    x[2, 1] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        Perceptron(2).fit(x, TRUTH["and"])
    with pytest.raises(ValueError, match="eta"):
        Perceptron(2).fit(X, TRUTH["and"], eta=bad if bad != -np.inf else np.inf)


def _first_repeat_by_brute_force(weights, atol):
    """The documented cycle: the first epoch e whose start weights equal (within atol) an earlier start's."""
    for e in range(1, len(weights)):
        for start in range(e):
            if np.max(np.abs(weights[e] - weights[start])) <= atol:
                return start, e - start
    return None


@pytest.mark.parametrize("seed", range(12))
def test_the_cycle_found_is_the_first_repeat_of_the_definition(seed):
    rng = np.random.default_rng(seed)
    n, samples = int(rng.integers(1, 4)), int(rng.integers(3, 8))
    x = rng.integers(-2, 3, (samples, n)).astype(float) if seed % 2 else rng.standard_normal((samples, n)).round(1)
    y = (rng.random(samples) > 0.5).astype(float)
    history = Perceptron(n).fit(x, y, eta=[0.1, 0.3, 1.0][seed % 3], max_epochs=300)
    if history.converged:
        assert _first_repeat_by_brute_force(history.weights[:-1], 1e-9) is None
    else:
        assert history.cycle == _first_repeat_by_brute_force(history.weights, 1e-9)


def test_the_cycle_search_takes_linear_time_in_the_epochs():
    """4,000 epochs of a problem without a cycle: the old pairwise search took 36 s; the rule itself ~1 s."""
    import time
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 3)), (rng.random(20) > 0.5).astype(float)  # not separable, no exact cycle
    unit = Perceptron(3)
    start = time.process_time()
    history = unit.fit(x, y, eta=0.1, max_epochs=4000)
    elapsed = time.process_time() - start
    assert history.epochs == 4000 and history.cycle is None and not history.converged
    assert elapsed < 8.0


def test_a_cycle_is_found_with_atol_zero_and_with_exact_weights():
    history = Perceptron(2).fit(X, TRUTH["xor"], eta=1.0, max_epochs=100, atol=0.0)
    assert history.cycle is not None
    start, length = history.cycle
    np.testing.assert_array_equal(history.weights[start], history.weights[start + length])
