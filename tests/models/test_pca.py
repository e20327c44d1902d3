"""lamina.models.PCA against scikit-learn's PCA (svd_solver='full'), on small correlated data."""
import numpy as np
import pytest
from sklearn.decomposition import PCA as SklearnPCA

import lamina as lm
from lamina.errors import ArgumentError
from lamina.models import PCA

ATTRIBUTES = ("components_", "explained_variance_", "explained_variance_ratio_", "singular_values_", "mean_")


@pytest.fixture
def data(rng):
    """60 samples of 7 correlated features with a non-zero mean."""
    return rng.standard_normal((60, 7)) @ rng.standard_normal((7, 7)) + rng.uniform(-3, 3, 7)


@pytest.mark.parametrize("n_components", [3, 0.9, None, 7])
@pytest.mark.parametrize("whiten", [False, True])
def test_fit_transform_inverse_match_sklearn(data, rng, n_components, whiten):
    ours = PCA(n_components, whiten=whiten).fit(data)
    theirs = SklearnPCA(n_components, whiten=whiten, svd_solver="full").fit(data)
    assert ours.n_components_ == theirs.n_components_ and ours.n_samples_ == 60 and ours.n_features_in_ == 7
    for name in ATTRIBUTES:
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(ours.noise_variance_, theirs.noise_variance_, rtol=1e-10, atol=1e-14)
    new = rng.standard_normal((5, 7))
    codes = ours.transform(new)
    np.testing.assert_allclose(codes, theirs.transform(new), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(codes), theirs.inverse_transform(codes), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(PCA(n_components, whiten=whiten).fit_transform(data),
                               SklearnPCA(n_components, whiten=whiten, svd_solver="full").fit_transform(data),
                               rtol=1e-9, atol=1e-12)


def test_the_float_picks_the_fewest_components_that_explain_more_than_it(data):
    full = PCA().fit(data)
    cumulative = np.cumsum(full.explained_variance_ratio_)
    k = PCA(0.8).fit(data).n_components_
    assert cumulative[k - 1] > 0.8 and (k == 1 or cumulative[k - 2] <= 0.8)
    assert full.n_components_ == 7 and cumulative[-1] == pytest.approx(1.0)


def test_signs_follow_svd_flip_the_largest_entry_of_each_component_is_positive(data):
    components = PCA(5).fit(data).components_
    largest = components[np.arange(5), np.abs(components).argmax(axis=1)]
    assert (largest > 0).all()
    np.testing.assert_allclose(components @ components.T, np.eye(5), atol=1e-12)  # orthonormal rows


def test_reconstruction_error_is_the_discarded_variance(data):
    """Eckart-Young: the mean squared residual of the rank-k reconstruction is sum_{j > k} S_j^2 / (n * features)."""
    full = PCA().fit(data)
    pca = PCA(3).fit(data)
    residual = ((data - pca.inverse_transform(pca.transform(data))) ** 2).mean()
    assert residual == pytest.approx((full.singular_values_[3:] ** 2).sum() / data.size, rel=1e-10)
    np.testing.assert_allclose(full.inverse_transform(full.transform(data)), data, atol=1e-10)  # all kept: exact
    np.testing.assert_allclose(pca.transform(data).var(axis=0, ddof=1), pca.explained_variance_, rtol=1e-10)


def test_tensors_and_float32_are_accepted(data):
    x32 = data.astype(np.float32)
    pca = PCA(2).fit(lm.tensor(x32))
    codes = pca.transform(lm.tensor(x32))
    assert pca.components_.dtype == np.float32 and codes.dtype == np.float32 and codes.shape == (60, 2)
    np.testing.assert_allclose(np.abs(codes), np.abs(PCA(2).fit_transform(data)), rtol=1e-3, atol=1e-3)


def test_errors(data):
    with pytest.raises(RuntimeError, match="not fitted"):
        PCA(2).transform(data)
    with pytest.raises(ArgumentError, match="n_components=8 must be <= min"):
        PCA(8).fit(data)
    for bad in (0, 1.5, "mle", -1):
        with pytest.raises(ArgumentError, match="n_components must be"):
            PCA(bad)
    pca = PCA(2).fit(data)
    with pytest.raises(ArgumentError, match="X has 6 features, the PCA was fitted on 7"):
        pca.transform(data[:, :6])
    with pytest.raises(ArgumentError, match="Z has 3 columns, expected n_components_ = 2"):
        pca.inverse_transform(np.zeros((4, 3)))
    with pytest.raises(ArgumentError, match=r"must be 2-D .* got shape \(60, 7, 1\)"):
        pca.transform(data[:, :, None])
