"""The Playground's data sets: sizes, the labelling rules at zero noise, seeds, features and the split."""
import numpy as np
import pytest

from lamina.playground.datasets import DATASETS, FEATURES, features, make_dataset, split


@pytest.mark.parametrize("name", DATASETS)
def test_every_set_has_its_size_lies_in_the_plane_and_is_reproducible(name):
    points, labels = make_dataset(name, noise=0.2, seed=3)
    assert points.shape == (1200 if name in ("plane", "multigauss") else 500, 2) and labels.shape == (len(points),)
    assert np.all(np.abs(points) <= 6 + 4 * 0.2 + 1e-9) or name == "gauss"
    again, _ = make_dataset(name, noise=0.2, seed=3)
    other, _ = make_dataset(name, noise=0.2, seed=4)
    np.testing.assert_array_equal(points, again)
    assert not np.array_equal(points, other)


def test_circle_is_labelled_by_the_radius_at_zero_noise():
    points, labels = make_dataset("circle", 0.0, seed=0)
    r = np.hypot(points[:, 0], points[:, 1])
    np.testing.assert_array_equal(labels, np.where(r < 2.5, 1.0, -1.0))
    assert (labels == 1).sum() == 250 and r.max() <= 5


def test_xor_is_the_sign_of_the_product_with_a_gap():
    points, labels = make_dataset("xor", 0.0, seed=0)
    np.testing.assert_array_equal(labels, np.where(points[:, 0] * points[:, 1] >= 0, 1.0, -1.0))
    assert np.abs(points).min() >= 0.3


def test_two_gaussians_sit_at_plus_and_minus_two():
    points, labels = make_dataset("gauss", 0.0, seed=0)
    np.testing.assert_allclose(points[labels == 1].mean(0), [2, 2], atol=0.2)
    np.testing.assert_allclose(points[labels == -1].mean(0), [-2, -2], atol=0.2)


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_spiral_has_one_arm_per_class(classes):
    points, labels = make_dataset("spiral", 0.0, seed=0, classes=classes)
    expected = {1.0, -1.0} if classes == 2 else set(map(float, range(classes)))
    assert set(np.unique(labels)) == expected
    per = 500 // classes
    assert len(points) == per * classes
    np.testing.assert_allclose(np.hypot(*points[:per].T), np.arange(per) / per * 5, atol=1e-12)


def test_regression_targets():
    points, target = make_dataset("plane", 0.0, seed=0)
    np.testing.assert_allclose(target, (points[:, 0] + points[:, 1]) / 10)
    points, target = make_dataset("multigauss", 0.0, seed=0)
    assert np.abs(target).max() <= 1 and target[np.hypot(points[:, 0] + 4, points[:, 1] - 2.5) < 0.2].min() > 0.8


def test_unknown_data_set_is_refused():
    with pytest.raises(ValueError, match="make_dataset: unknown data set 'moons'"):
        make_dataset("moons")


def test_features_and_split():
    points = np.array([[1.0, 2.0], [-3.0, 0.5]])
    x = features(points, list(FEATURES))
    np.testing.assert_allclose(x[0], [1, 2, 1, 4, 2, np.sin(1), np.sin(2)], rtol=1e-6)
    assert x.dtype == np.float32
    pts, labels = make_dataset("circle", 0.0, seed=1)
    (tr_p, tr_l), (te_p, te_l) = split(pts, labels, 0.7, seed=1)
    assert len(tr_p) == 350 and len(te_p) == 150
    both = np.concatenate([tr_p, te_p])
    assert sorted(map(tuple, both)) == sorted(map(tuple, pts))
