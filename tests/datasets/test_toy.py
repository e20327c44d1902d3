"""lamina.datasets.toy: the course's regression table (seed 000), truth tables, the playground sets and
scikit-learn's digits."""
import re
import sys

import numpy as np
import pytest

import lamina as lm
from lamina.datasets import circle, digits, gaussians, regression_table, spiral, truth_table, xor


def seed_000_table(folder):
    files = sorted(folder.glob("000_*.txt"))
    if not files:
        pytest.fail(f"course seed 000 not found: no 000_*.txt in {folder}", pytrace=False)
    rows = {}
    for line in files[0].read_text().splitlines():
        m = re.fullmatch(r"(\d+)\t(-?\d+)\t(-?\d+)\t(-?\d+\.\d+)", line.strip())
        if m:
            rows.setdefault(int(m[1]), [float(v) for v in m.groups()[1:]])
    return np.array([rows[i] for i in range(1, 11)])


def test_regression_table_is_the_one_of_seed_000(repo_root):
    x, y = regression_table()
    assert x.shape == (10, 2) and y.shape == (10,) and x.dtype == np.float32
    table = seed_000_table(repo_root.parent / "shared" / "seeds")
    assert np.allclose(x.numpy(), table[:, :2]) and np.allclose(y.numpy(), table[:, 2])
    plane = 0.38 * table[:, 0] - 0.73 * table[:, 1] + 0.92
    assert np.abs(table[:, 2] - plane).max() < 0.1


@pytest.mark.parametrize("gate,op", [("and", lambda a, b: a & b), ("or", lambda a, b: a | b),
                                     ("xor", lambda a, b: a ^ b), ("nand", lambda a, b: 1 - (a & b))])
def test_truth_tables(gate, op):
    x, y = truth_table(gate)
    a, b = x.numpy().astype(int).T
    assert x.shape == (4, 2) and np.array_equal(y.numpy(), op(a, b))
    with pytest.raises(ValueError, match="unknown gate"):
        truth_table("implies")


def test_playground_sets_without_noise_follow_their_rules():
    x, y = circle(200, generator=lm.Generator(0))
    r = np.hypot(*x.numpy().T)
    assert x.shape == (200, 2) and y.dtype == np.int64 and y.numpy().sum() == 100
    assert r[y.numpy() == 1].max() < 2.5 and r[y.numpy() == 0].min() >= 3.5
    x, y = xor(200, generator=lm.Generator(0))
    assert np.array_equal(y.numpy(), (x.numpy()[:, 0] * x.numpy()[:, 1] >= 0).astype(int))
    assert np.abs(x.numpy()).min() >= 0.3
    x, y = gaussians(400, generator=lm.Generator(0))
    assert np.allclose(x.numpy()[y.numpy() == 1].mean(0), 2, atol=0.2)
    assert np.allclose(x.numpy()[y.numpy() == 0].mean(0), -2, atol=0.2)
    x, y = spiral(101, generator=lm.Generator(0))
    assert x.shape == (101, 2) and np.hypot(*x.numpy().T).max() <= 5 and y.numpy().sum() == 50


def test_playground_sets_are_seeded_and_noise_moves_labels():
    a = spiral(100, noise=0.3, generator=lm.Generator(1))
    b = spiral(100, noise=0.3, generator=lm.Generator(1))
    assert np.array_equal(a[0].numpy(), b[0].numpy()) and np.array_equal(a[1].numpy(), b[1].numpy())
    x, y = circle(500, noise=0.5, generator=lm.Generator(0))
    r = np.hypot(*x.numpy().T)
    assert (r[y.numpy() == 1] > 2.5).any()  # noise flipped some labels
    x, y = circle(10, generator=lm.Generator(0), shuffle=False)
    assert y.tolist() == [1] * 5 + [0] * 5


def test_digits_from_scikit_learn():
    import sklearn  # noqa: F401  (digits() loads its data set)

    x, y = digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32 and 0 <= x.numpy().min() and x.numpy().max() == 1
    assert set(np.unique(y.numpy()).tolist()) == set(range(10))
    images, _ = digits(as_images=True, scale=False)
    assert images.shape == (1797, 1, 8, 8) and images.numpy().max() == 16


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        digits()
