"""lamina.course.seed002_perceptron: the perceptron on AND, OR and XOR (its cycle), and an MLP that
learns XOR."""
import numpy as np
import pytest

from lamina.course import seed002_perceptron


@pytest.fixture(scope="module")
def seed002(quiet):
    return seed002_perceptron.run(quick=True, print_fn=quiet)


def test_seed002_perceptron_and_or_xor(seed002):
    assert seed002["and"]["converged"] and seed002["and"]["predictions"] == [0, 0, 0, 1]
    assert seed002["or"]["converged"] and seed002["or"]["predictions"] == [0, 1, 1, 1]
    assert seed002["and"]["errors"][-1] == 0 and seed002["or"]["errors"][-1] == 0
    assert len(seed002["and"]["weights"]) == len(seed002["and"]["errors"]) + 1  # per-epoch weights, from the start
    np.testing.assert_allclose(seed002["and"]["weights"][1], [0.1, 0.1, 0.1])  # epoch 1: only (1, 1) was wrong
    xor = seed002["xor"]
    assert not xor["converged"] and xor["cycle"] is not None and "CYCLE" in xor["message"]
    start, length = xor["cycle"]
    np.testing.assert_allclose(xor["weights"][start], xor["weights"][start + length], atol=1e-9)
    assert xor["predictions"] != [0, 1, 1, 0]


def test_seed002_mlp_learns_xor(seed002):
    mlp = seed002["mlp_xor"]
    assert mlp["learned"] and mlp["predictions"] == [0, 1, 1, 0]
    probabilities = np.array(mlp["probabilities"])
    assert np.all(np.abs(probabilities - [0, 1, 1, 0]) < 0.1)
    assert mlp["losses"][-1] < 0.1 * mlp["losses"][0]
