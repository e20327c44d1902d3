"""The playground's data sets, generated as TensorFlow Playground generates them (its ``dataset.ts``), seeded.

Points lie in [-6, 6]^2. Classification labels are +1 / -1 (two classes, as the Playground's tanh output
expects) or 0..K-1 (the multi-class spiral with K arms); regression targets lie in [-1, 1]. ``noise`` is the
Playground's slider divided by 100 (0 to 0.5).

    circle    500 points: inside radius 2.5 -> +1, ring 3.5..5 -> -1, label read at the noisy position
    xor       500 points: sign(x * y), a 0.3 gap about the axes
    gauss     500 points: two Gaussians at (2, 2) and (-2, -2), variance 0.5 + 7 * noise
    spiral    500 points: arms r = 5 i / n, t = 1.75 * 2 pi i / n + 2 pi k / K, K = classes (2 to 5)
    plane     1200 points: target (x + y) / 10
    multigauss 1200 points: six signed Gaussian bumps, target the strongest one
"""
from __future__ import annotations

import math

import numpy as np  # host-side data generation, as the Playground does it in the browser

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION
NUM_CLASSIFY, NUM_REGRESS = 500, 1200
DOMAIN = 6.0


def _uniform(rng, low, high, n=None):
    return rng.uniform(low, high, n)


def circle(rng, n: int, noise: float):
    radius = 5.0
    inner = n // 2
    r = np.concatenate([_uniform(rng, 0, radius * 0.5, inner), _uniform(rng, radius * 0.7, radius, n - inner)])
    angle = _uniform(rng, 0, 2 * math.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx, ny = _uniform(rng, -radius, radius, n) * noise, _uniform(rng, -radius, radius, n) * noise
    label = np.where(np.hypot(x + nx, y + ny) < radius * 0.5, 1.0, -1.0)
    return np.stack([x, y], 1), label


def xor(rng, n: int, noise: float):
    xy = _uniform(rng, -5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)
    noisy = xy + _uniform(rng, -5, 5, (n, 2)) * noise
    label = np.where(noisy[:, 0] * noisy[:, 1] >= 0, 1.0, -1.0)
    return xy, label


def gauss(rng, n: int, noise: float):
    variance = 0.5 + (4 - 0.5) * noise / 0.5  # the Playground's d3 scale [0, .5] -> [0.5, 4]
    half = n // 2
    pos = rng.normal(2, math.sqrt(variance), (half, 2))
    neg = rng.normal(-2, math.sqrt(variance), (n - half, 2))
    return np.concatenate([pos, neg]), np.concatenate([np.ones(half), -np.ones(n - half)])


def spiral(rng, n: int, noise: float, classes: int = 2):
    """``classes`` arms of n / classes points; two arms are labelled +1 / -1, more are labelled 0..K-1."""
    per = n // classes
    points, labels = [], []
    for k in range(classes):
        i = np.arange(per)
        r = i / per * 5
        t = 1.75 * i / per * 2 * math.pi + 2 * math.pi * k / classes
        x = r * np.sin(t) + _uniform(rng, -1, 1, per) * noise
        y = r * np.cos(t) + _uniform(rng, -1, 1, per) * noise
        points.append(np.stack([x, y], 1))
        labels.append(np.full(per, (1.0 if k == 0 else -1.0) if classes == 2 else float(k)))
    return np.concatenate(points), np.concatenate(labels)


def plane(rng, n: int, noise: float):
    xy = _uniform(rng, -DOMAIN, DOMAIN, (n, 2))
    noisy = xy + _uniform(rng, -DOMAIN, DOMAIN, (n, 2)) * noise
    return xy, (noisy[:, 0] + noisy[:, 1]) / 10


GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multigauss(rng, n: int, noise: float):
    xy = _uniform(rng, -DOMAIN, DOMAIN, (n, 2))
    noisy = xy + _uniform(rng, -DOMAIN, DOMAIN, (n, 2)) * noise
    bumps = np.stack([sign * np.clip(1 - np.hypot(noisy[:, 0] - cx, noisy[:, 1] - cy) / 2, 0, 1)
                      for cx, cy, sign in GAUSSIANS], 1)
    strongest = np.argmax(np.abs(bumps), 1)  # first of equals, as the Playground's strict '>'
    return xy, bumps[np.arange(n), strongest]


GENERATORS = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral, "plane": plane,
              "multigauss": multigauss}


def make_dataset(name: str, noise: float = 0.0, seed: int = 0, classes: int = 2):
    """``(points (n, 2), labels (n,))`` of data set ``name`` with ``noise`` in [0, 0.5], reproducible from ``seed``."""
    if name not in GENERATORS:
        raise ValueError(f"make_dataset: unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    rng = np.random.default_rng(seed)
    n = NUM_REGRESS if name in REGRESSION else NUM_CLASSIFY
    if name == "spiral":
        return spiral(rng, n, noise, classes)
    return GENERATORS[name](rng, n, noise)


def split(points, labels, train_ratio: float, seed: int = 0):
    """Shuffle with ``seed`` and cut: the first ``train_ratio`` of the points train, the rest test."""
    order = np.random.default_rng(seed + 1).permutation(len(points))
    cut = int(len(points) * train_ratio)
    return (points[order[:cut]], labels[order[:cut]]), (points[order[cut:]], labels[order[cut:]])


FEATURES = {
    "x1": lambda x, y: x, "x2": lambda x, y: y, "x1sq": lambda x, y: x * x, "x2sq": lambda x, y: y * y,
    "x1x2": lambda x, y: x * y, "sinx1": lambda x, y: np.sin(x), "sinx2": lambda x, y: np.sin(y),
}
FEATURE_LABELS = {"x1": "X1", "x2": "X2", "x1sq": "X1²", "x2sq": "X2²", "x1x2": "X1X2", "sinx1": "sin(X1)",
                  "sinx2": "sin(X2)"}


def features(points, names) -> np.ndarray:
    """The network's input columns: one per feature name, computed from the points (n, 2), float32."""
    x, y = points[:, 0], points[:, 1]
    return np.stack([FEATURES[name](x, y) for name in names], 1).astype(np.float32)
