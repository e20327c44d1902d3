"""Judging a generative model with a classifier (here LeNet-5 trained on MNIST) instead of by eye.

    classifier_outputs(model, images)   the classifier's penultimate features and class probabilities
    classifier_score(probs)             exp(E_x KL(p(y|x) || p(y))): the inception score's formula
    classifier_scores(probs, splits)    the same score on each of ``splits`` chunks
    frechet_distance(feats_a, feats_b)  the Frechet distance of two Gaussians fitted to the features

The *inception score* (Salimans et al. 2016) asks two things of generated images: each should be
recognised with confidence (p(y|x) peaked: low entropy) and together they should cover every class
(the marginal p(y) = E_x p(y|x) flat: high entropy). Both are in one number,

    score = exp(E_x KL(p(y|x) || p(y))) = exp(H(y) - E_x H(y|x)),

which goes from 1 (every image gets the same distribution) to the number of classes (each image is
one class for certain and the classes are equally frequent). With Inception v3 on ImageNet it is the
inception score; with LeNet on MNIST, the "LeNet score" (maximum 10; the real test digits score about 9.9).

The *Frechet distance* (FID, Heusel et al. 2017, with Inception's pool features) compares the
distributions of the classifier's penultimate features of real and generated images, as Gaussians
N(mu_a, S_a) and N(mu_b, S_b):

    d^2 = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)).

Tr((S_a S_b)^(1/2)) is the sum of the square roots of the eigenvalues of S_a S_b, which are those of the
symmetric positive semi-definite matrix sqrt(S_a) S_b sqrt(S_a): two symmetric eigendecompositions, no
complex numbers, no scipy. Lower is better; 0 for identical statistics.

Host-side NumPy (float64), like ``metrics.py``: the inputs are copied to the host.
"""
from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor


def _host(value, name: str, ndim: int) -> np.ndarray:
    array = np.asarray(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {tuple(array.shape)}")
    return array


def classifier_scores(probs, splits: int = 1) -> np.ndarray:
    """exp(E_x KL(p(y|x) || p(y))) on each of ``splits`` consecutive chunks of ``probs`` (N, C), rows
    summing to 1; p(y) is the mean row of the chunk. Returns an array of ``splits`` scores."""
    p = _host(probs, "classifier_score", 2)
    if not 1 <= splits <= p.shape[0]:
        raise ValueError(f"classifier_score: splits must be between 1 and the number of rows {p.shape[0]}, "
                         f"got {splits}")
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("classifier_score: probs must be non-negative rows summing to 1 (softmax outputs)")
    scores = []
    for chunk in np.array_split(p, splits):
        marginal = chunk.mean(axis=0, keepdims=True)
        kl = np.sum(chunk * (np.log(np.maximum(chunk, 1e-30)) - np.log(np.maximum(marginal, 1e-30))), axis=1)
        scores.append(np.exp(kl.mean()))
    return np.array(scores)


def classifier_score(probs, splits: int = 1) -> float:
    """The inception score's formula exp(E_x KL(p(y|x) || p(y))) of class probabilities ``probs`` (N, C);
    with ``splits`` > 1, the mean of the scores of that many chunks (the inception score uses 10)."""
    return float(classifier_scores(probs, splits).mean())


def _statistics(features, name: str) -> tuple[np.ndarray, np.ndarray]:
    f = _host(features, name, 2)
    if f.shape[0] < 2:
        raise ValueError(f"frechet_distance: {name} needs at least 2 rows to estimate a covariance, "
                         f"got {f.shape[0]}")
    return f.mean(axis=0), np.atleast_2d(np.cov(f, rowvar=False))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The symmetric square root V diag(sqrt(max(w, 0))) V^T of a symmetric PSD matrix."""
    w, v = np.linalg.eigh((matrix + matrix.T) / 2)
    return (v * np.sqrt(np.maximum(w, 0.0))) @ v.T


def frechet_distance(features_a, features_b) -> float:
    """|mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) for features (N_a, D) and (N_b, D): the squared
    Frechet (2-Wasserstein) distance between the Gaussians with their means and covariances."""
    mu_a, cov_a = _statistics(features_a, "features_a")
    mu_b, cov_b = _statistics(features_b, "features_b")
    if mu_a.shape != mu_b.shape:
        raise ValueError(f"frechet_distance: features of different widths, {mu_a.shape[0]} and {mu_b.shape[0]}")
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    trace_sqrt = np.sqrt(np.maximum(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0)).sum()
    distance = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt
    return max(float(distance), 0.0)  # rounding can leave -1e-12 for identical statistics


def _last_layer(model):
    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    if not leaves:
        raise ValueError(f"classifier_outputs: {type(model).__name__} has no layers")
    return leaves[-1]


def classifier_outputs(model, images, batch_size: int = 500, layer=None) -> tuple[np.ndarray, np.ndarray]:
    """``(features, probs)`` of a classifier on ``images`` (N, ...), in eval mode and without a graph:
    ``features`` are the input of ``layer`` (by default the model's last leaf module, so for LeNet-5 the 84
    outputs of F6 after its activation, the penultimate features), ``probs`` the softmax of the logits."""
    layer = _last_layer(model) if layer is None else layer
    captured = []
    handle = layer.register_forward_hook(lambda module, inputs, output: captured.append(inputs[0].numpy().copy()))
    was_training = model.training
    model.eval()
    logits = []
    try:
        with no_grad():
            for start in range(0, images.shape[0], batch_size):
                batch = images[start:start + batch_size]
                logits.append(model(batch if isinstance(batch, Tensor) else Tensor._wrap(batch)).numpy())
    finally:
        handle.remove()
        model.train(was_training)
    logits = np.concatenate(logits).astype(np.float64)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    features = np.concatenate(captured).reshape(logits.shape[0], -1)
    return features, probs / probs.sum(axis=1, keepdims=True)
