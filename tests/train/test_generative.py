"""lamina/train/generative.py: the LeNet (inception) score, the Frechet distance, and the classifier's outputs."""
import numpy as np
import pytest
import scipy.linalg
import scipy.stats
import torch

import lamina as lm
from lamina import nn
from lamina.train.generative import classifier_outputs, classifier_score, classifier_scores, frechet_distance


def _random_probs(rng, n=60, classes=10):
    logits = rng.standard_normal((n, classes)) * 2
    return torch.softmax(torch.tensor(logits), dim=1).numpy()


# ---- the score ----------------------------------------------------------------------------------------
def test_confident_and_balanced_predictions_score_the_number_of_classes():
    probs = np.tile(np.eye(10), (7, 1))                                 # each class 7 times, with certainty
    assert classifier_score(probs) == pytest.approx(10.0)
    assert classifier_score(np.eye(4)) == pytest.approx(4.0)


def test_identical_predictions_score_one_whatever_they_are(rng):
    assert classifier_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)
    row = _random_probs(rng, 1)[0]
    assert classifier_score(np.tile(row, (20, 1))) == pytest.approx(1.0)
    assert classifier_score(np.tile(np.eye(10)[3], (20, 1))) == pytest.approx(1.0)   # one class only


def test_a_single_class_half_the_time_scores_between(rng):
    # half the images are certain 0s, half certain 1s: H(y) = ln 2, H(y|x) = 0, score 2
    probs = np.repeat(np.eye(10)[:2], 5, axis=0)
    assert classifier_score(probs) == pytest.approx(2.0)


def test_score_is_exp_of_the_mean_kl_to_the_marginal_as_scipy_computes_it(rng):
    probs = _random_probs(rng)
    marginal = probs.mean(axis=0)
    kl = [scipy.stats.entropy(row, marginal) for row in probs]
    assert classifier_score(probs) == pytest.approx(np.exp(np.mean(kl)), rel=1e-10)
    # the same as exp(H(y) - E H(y|x))
    conditional_entropy = np.mean([scipy.stats.entropy(row) for row in probs])
    assert classifier_score(probs) == pytest.approx(np.exp(scipy.stats.entropy(marginal) - conditional_entropy))


def test_splits_score_consecutive_chunks_each_with_its_own_marginal(rng):
    probs = _random_probs(rng, 25)
    scores = classifier_scores(probs, splits=3)                          # chunks of 9, 8, 8 rows (np.array_split)
    expected = [classifier_score(chunk) for chunk in (probs[:9], probs[9:17], probs[17:])]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
    assert classifier_score(probs, splits=3) == pytest.approx(np.mean(expected))
    assert classifier_score(lm.tensor(probs.astype(np.float32))) == pytest.approx(classifier_score(probs), rel=1e-5)


def test_zero_probabilities_are_allowed(rng):
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    # p(y) = (.5, .25, .25): KL(row 1) = ln 2, KL(row 2) = ln 2; score 2
    assert classifier_score(probs) == pytest.approx(2.0)


@pytest.mark.parametrize("probs, splits, message", [
    (np.full((4, 3), 0.5), 1, "summing to 1"),
    (np.array([[1.5, -0.5]]), 1, "non-negative"),
    (np.full(3, 1 / 3), 1, "2-D"),
    (np.full((4, 2), 0.5), 5, "splits must be between 1 and the number of rows 4, got 5"),
    (np.full((4, 2), 0.5), 0, "got 0"),
])
def test_score_errors(probs, splits, message):
    with pytest.raises(ValueError, match=message):
        classifier_score(probs, splits)


# ---- the Frechet distance --------------------------------------------------------------------------------
def _scipy_frechet(a, b):
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * root)


def test_frechet_distance_matches_the_scipy_sqrtm_formula(rng):
    a = rng.standard_normal((400, 6)) @ rng.standard_normal((6, 6))
    b = rng.standard_normal((300, 6)) @ rng.standard_normal((6, 6)) + 0.5
    assert frechet_distance(a, b) == pytest.approx(_scipy_frechet(a, b), rel=1e-8)
    assert frechet_distance(b, a) == pytest.approx(frechet_distance(a, b), rel=1e-10)   # symmetric


def test_frechet_distance_with_singular_covariances_matches_scipy(rng):
    a = rng.standard_normal((5, 12))                                     # 5 samples in 12-D: covariance rank 4
    b = rng.standard_normal((8, 12)) * 2
    assert frechet_distance(a, b) == pytest.approx(_scipy_frechet(a, b), rel=1e-6)


def test_frechet_distance_hand_cases(rng):
    a = rng.standard_normal((200, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    shift = np.array([1.0, -2.0, 0.0, 2.0])                             # same covariance, means apart by |shift|^2 = 9
    assert frechet_distance(a, a + shift) == pytest.approx(9.0)
    # 1-D Gaussians: (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2; here samples whose std is exactly 1 and 3
    x = np.array([-1.0, 1.0, -1.0, 1.0])[:, None] * np.sqrt(3 / 4)
    assert np.std(x, ddof=1) == pytest.approx(1.0)
    assert frechet_distance(x, 3 * x + 5) == pytest.approx(25 + (3 - 1) ** 2)
    # independent coordinates: the sum over coordinates of the 1-D distances
    scales = np.array([1.0, 2.0, 0.5])
    signs = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float) * np.sqrt(3 / 4)
    assert frechet_distance(signs, signs * scales) == pytest.approx(np.sum((scales - 1) ** 2))


def test_frechet_distance_errors(rng):
    with pytest.raises(ValueError, match="different widths, 3 and 4"):
        frechet_distance(rng.standard_normal((5, 3)), rng.standard_normal((5, 4)))
    with pytest.raises(ValueError, match="features_b needs at least 2 rows"):
        frechet_distance(rng.standard_normal((5, 3)), rng.standard_normal((1, 3)))
    with pytest.raises(ValueError, match="2-D array, got shape"):
        frechet_distance(rng.standard_normal(5), rng.standard_normal((5, 1)))


# ---- the classifier's features and probabilities ---------------------------------------------------------
def test_classifier_outputs_are_the_last_layers_input_and_the_softmax(rng):
    lm.manual_seed(0)
    model = lm.models.LeNet5(activation="relu", pooling="max", input_size=28)
    images = rng.random((7, 1, 28, 28), dtype=np.float32)
    model.train()
    features, probs = classifier_outputs(model, images, batch_size=3)   # three batches: 3, 3, 1
    assert features.shape == (7, 84) and probs.shape == (7, 10)
    assert model.training and not model.output._forward_hooks             # mode restored, hook removed
    with lm.no_grad():
        model.eval()
        hidden = lm.tensor(images)
        for layer in list(model.children())[:-1]:
            hidden = layer(hidden)
        logits = model.output(hidden)
    np.testing.assert_allclose(features, hidden.numpy(), rtol=1e-5, atol=1e-7)   # float32, other batch sizes
    np.testing.assert_allclose(probs, torch.softmax(torch.tensor(logits.numpy(), dtype=torch.float64), 1).numpy(),
                               rtol=1e-5)
    features_of_tensor, _ = classifier_outputs(model, lm.tensor(images))  # in eval mode: stays in eval mode
    assert not model.training
    np.testing.assert_allclose(features_of_tensor, features, rtol=1e-5, atol=1e-7)


def test_classifier_outputs_can_read_another_layer(rng):
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    images = rng.standard_normal((5, 1, 2, 2)).astype(np.float32)
    features, _ = classifier_outputs(model, images, layer=model[1])
    np.testing.assert_array_equal(features, images.reshape(5, 4))
