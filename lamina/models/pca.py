"""Principal component analysis with scikit-learn's API: the linear autoencoder that has a formula.

PCA keeps the k directions along which the (centred) data vary most. With X_c = X - mean = U S V^T
(thin SVD, singular values in decreasing order), the principal axes are the first k rows of V^T:

    code        z = (x - mean) W^T                 W = components_, (k, features), orthonormal rows
    decode      x_hat = z W + mean
    variance    explained_variance_ = S^2 / (n - 1)  (the eigenvalues of the sample covariance)

Among all rank-k linear maps this encoder/decoder pair has the least squared reconstruction error
(Eckart-Young), which is what a linear autoencoder with a k-unit code converges to; a nonlinear
autoencoder can do better on data such as MNIST digits that do not lie near a k-dimensional plane
(course seed 003's question "how does this differ from PCA?").

Signs follow scikit-learn's ``svd_flip(u_based_decision=False)``: each row of ``components_`` has its
largest-magnitude entry positive, so the results match ``sklearn.decomposition.PCA`` (svd_solver='full').
The SVD runs on the backend (``xp.linalg.svd``); inputs are arrays or Tensors, results arrays (as sklearn).
"""
from __future__ import annotations

from ..backend import xp
from ..errors import ArgumentError
from ..tensor import Tensor


def _matrix(X, name: str):
    array = X.data if isinstance(X, Tensor) else xp.asarray(X)
    if array.ndim != 2:
        raise ArgumentError(f"PCA.{name}: X must be 2-D (n_samples, n_features), got shape {tuple(array.shape)}")
    return array if array.dtype.kind == "f" else array.astype(xp.float64)


def svd_flip_rows(U, Vt):
    """Signs as scikit-learn's ``svd_flip(U, Vt, u_based_decision=False)``: the largest |entry| of each row
    of Vt becomes positive (U's columns flip with it, so U S Vt is unchanged)."""
    largest = xp.argmax(xp.abs(Vt), axis=1)
    signs = xp.sign(Vt[xp.arange(Vt.shape[0]), largest])
    signs[signs == 0] = 1
    return U * signs[None, :], Vt * signs[:, None]


class PCA:
    """``PCA(n_components=None, whiten=False)``: fit, transform, inverse_transform, fit_transform.

    ``n_components``: an int k, a float in (0, 1) (the fewest components whose explained variance ratio
    adds up to more than it), or None (all, min(n_samples, n_features)). After ``fit``: ``components_``
    (k, features), ``explained_variance_``, ``explained_variance_ratio_``, ``singular_values_``, ``mean_``,
    ``noise_variance_`` (the mean of the discarded variances), ``n_components_``, ``n_samples_``,
    ``n_features_in_``. ``whiten=True`` divides each code by sqrt(explained_variance_) (unit variance).
    """

    def __init__(self, n_components=None, whiten: bool = False):
        if n_components is not None and not (isinstance(n_components, int) and n_components >= 1
                                             or isinstance(n_components, float) and 0 < n_components < 1):
            raise ArgumentError(f"PCA: n_components must be a positive int, a float in (0, 1) or None, "
                                f"got {n_components!r}")
        self.n_components, self.whiten = n_components, whiten

    def fit(self, X, y=None) -> PCA:
        """Centre X and take its thin SVD; keeps the first n_components axes. ``y`` is ignored (sklearn)."""
        self._fit(_matrix(X, "fit"))
        return self

    def fit_transform(self, X, y=None):
        """fit(X) then the codes of X: U S (the same as transform(X), without a second product)."""
        U, S = self._fit(_matrix(X, "fit_transform"))
        k = self.n_components_
        return U[:, :k] * (xp.sqrt(self.n_samples_ - 1.0) if self.whiten else S[:k])

    def _fit(self, X):
        n_samples, n_features = X.shape
        limit = min(n_samples, n_features)
        if isinstance(self.n_components, int) and self.n_components > limit:
            raise ArgumentError(f"PCA.fit: n_components={self.n_components} must be <= min(n_samples, n_features)"
                                f" = {limit} for X of shape {tuple(X.shape)}")
        self.mean_ = X.mean(axis=0)
        U, S, Vt = xp.linalg.svd(X - self.mean_, full_matrices=False)
        U, Vt = svd_flip_rows(U, Vt)
        variance = S ** 2 / (n_samples - 1)
        ratio = variance / variance.sum()
        if self.n_components is None:
            k = limit
        elif isinstance(self.n_components, float):
            k = int(xp.searchsorted(xp.cumsum(ratio), self.n_components, side="right")) + 1
        else:
            k = self.n_components
        self.n_components_, self.n_samples_, self.n_features_in_ = k, n_samples, n_features
        self.components_ = Vt[:k].copy()
        self.explained_variance_, self.explained_variance_ratio_ = variance[:k].copy(), ratio[:k].copy()
        self.singular_values_ = S[:k].copy()
        self.noise_variance_ = float(variance[k:].mean()) if k < limit else 0.0
        return U, S

    def _check_fitted(self, name: str):
        if not hasattr(self, "components_"):
            raise RuntimeError(f"PCA.{name}: this PCA is not fitted yet; call fit(X) first")

    def transform(self, X):
        """The codes (n_samples, k): (X - mean_) components_^T (divided by sqrt(explained_variance_) if whiten)."""
        self._check_fitted("transform")
        X = _matrix(X, "transform")
        if X.shape[1] != self.n_features_in_:
            raise ArgumentError(f"PCA.transform: X has {X.shape[1]} features, the PCA was fitted on "
                                f"{self.n_features_in_}")
        codes = (X - self.mean_) @ self.components_.T
        return codes / xp.sqrt(self.explained_variance_) if self.whiten else codes

    def inverse_transform(self, Z):
        """Back to the data space: Z components_ + mean_ (Z times sqrt(explained_variance_) first if whiten)."""
        self._check_fitted("inverse_transform")
        Z = _matrix(Z, "inverse_transform")
        if Z.shape[1] != self.n_components_:
            raise ArgumentError(f"PCA.inverse_transform: Z has {Z.shape[1]} columns, expected n_components_ = "
                                f"{self.n_components_}")
        if self.whiten:
            Z = Z * xp.sqrt(self.explained_variance_)
        return Z @ self.components_ + self.mean_

    def __repr__(self) -> str:
        return f"PCA(n_components={self.n_components!r}" + (", whiten=True)" if self.whiten else ")")
