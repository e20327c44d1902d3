"""Small data sets for first experiments; each function returns Tensors ``(x, y)``.

    x, y = regression_table()          # the 10 observations of course seed 000
    x, y = truth_table("xor")          # the four rows of a logic gate
    x, y = spiral(500, noise=0.1, generator=lm.Generator(0))   # playground.tensorflow.org's sets
    x, y = digits()                    # scikit-learn's 8x8 digits (needs scikit-learn)

Wrap them for mini-batches with ``DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)``.
"""
from __future__ import annotations

import numpy as np

from ..backend import xp
from ..random import Generator, numpy_generator
from ..tensor import Tensor

# Course seed 000 ("Part 1: Gradient descent"): y = w1 x1 + w2 x2 + w0 + noise, w1 = 0.38, w2 = -0.73, w0 = 0.92
REGRESSION_TABLE = (
    (4, 7, -2.669), (-4, 0, -0.600), (7, -5, 7.230), (5, 7, -2.389), (2, -1, 2.410),
    (-2, 5, -3.490), (-5, -1, -0.249), (-6, 2, -2.820), (-1, 1, -0.189), (-4, -9, 5.970),
)
REGRESSION_WEIGHTS = {"w1": 0.38, "w2": -0.73, "w0": 0.92}

GATES = {
    "and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0), "nor": (1, 0, 0, 0), "xnor": (1, 0, 0, 1),
}


def regression_table(dtype=np.float32) -> tuple[Tensor, Tensor]:
    """The 10-observation data set of course seed 000: ``x`` (10, 2) = (x1, x2), ``y`` (10,).

    It was made with ``y = 0.38 x1 - 0.73 x2 + 0.92`` plus a little noise (``REGRESSION_WEIGHTS``).
    """
    table = xp.asarray(REGRESSION_TABLE, dtype=dtype)
    return Tensor._wrap(table[:, :2].copy()), Tensor._wrap(table[:, 2].copy())


def truth_table(gate: str, dtype=np.float32) -> tuple[Tensor, Tensor]:
    """The truth table of ``gate`` (and, or, xor, nand, nor, xnor): ``x`` (4, 2) rows 00, 01, 10, 11; ``y`` (4,)."""
    key = gate.lower()
    if key not in GATES:
        raise ValueError(f"truth_table: unknown gate {gate!r}, expected one of {', '.join(GATES)}")
    x = xp.asarray([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    return Tensor._wrap(x), Tensor._wrap(xp.asarray(GATES[key], dtype=dtype))


def digits(as_images: bool = False, scale: bool = True) -> tuple[Tensor, Tensor]:
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images, labels 0-9).

    ``x``: float32 (1797, 64), or (1797, 1, 8, 8) with ``as_images``; pixel values 0..16, divided
    by 16 into [0, 1] when ``scale``. ``y``: int64 (1797,).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("digits() reads the 8x8 digits bundled with scikit-learn, which is not installed: "
                          "pip install scikit-learn") from None
    bunch = load_digits()
    x = xp.asarray(bunch.data, dtype=np.float32)
    if scale:
        x *= np.float32(1 / 16)
    if as_images:
        x = x.reshape(-1, 1, 8, 8)
    return Tensor._wrap(x), Tensor._wrap(xp.asarray(bunch.target, dtype=np.int64))


# ---- the 2-D classification sets of playground.tensorflow.org ---------------------------------------
def _finish(points, labels, shuffle: bool, rng) -> tuple[Tensor, Tensor]:
    x, y = xp.asarray(points, dtype=np.float32), xp.asarray(labels, dtype=np.int64)
    if shuffle:
        order = rng.permutation(len(y))
        x, y = x[order], y[order]
    return Tensor._wrap(x), Tensor._wrap(y)


def _halves(n_samples: int, name: str) -> tuple[int, int]:
    if n_samples < 2:
        raise ValueError(f"{name}: n_samples must be at least 2, got {n_samples}")
    return n_samples // 2, n_samples - n_samples // 2


def circle(n_samples: int = 500, noise: float = 0.0, generator: Generator | None = None, shuffle: bool = True):
    """A disc of class 1 (radius < 2.5) inside a ring of class 0 (radius 3.5 to 5).

    As in the playground, the label is decided on the point moved by uniform noise of
    ``+-5 noise``, while the clean point is returned: noise puts points in the other class.
    """
    rng = numpy_generator(generator)
    n_in, n_out = _halves(n_samples, "circle")
    radius = 5.0
    r = xp.concatenate([rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)])
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    points = xp.stack([r * xp.sin(angle), r * xp.cos(angle)], axis=1)
    noisy = points + rng.uniform(-radius, radius, (n_samples, 2)) * noise
    labels = (xp.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5).astype(np.int64)
    return _finish(points, labels, shuffle, rng)


def xor(n_samples: int = 500, noise: float = 0.0, generator: Generator | None = None, shuffle: bool = True):
    """Points in [-5, 5]^2 (kept 0.3 off the axes); class 1 where x1 x2 >= 0 (quadrants 1 and 3),
    decided on the point moved by uniform noise of ``+-5 noise``."""
    rng = numpy_generator(generator)
    _halves(n_samples, "xor")
    points = rng.uniform(-5, 5, (n_samples, 2))
    points += xp.copysign(0.3, points)
    noisy = points + rng.uniform(-5, 5, (n_samples, 2)) * noise
    labels = (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64)
    return _finish(points, labels, shuffle, rng)


def gaussians(n_samples: int = 500, noise: float = 0.0, generator: Generator | None = None, shuffle: bool = True):
    """Two Gaussian blobs: class 1 around (2, 2), class 0 around (-2, -2); the variance grows
    with ``noise`` from 0.5 (noise 0) to 4 (noise 0.5), as in the playground."""
    rng = numpy_generator(generator)
    n_pos, n_neg = _halves(n_samples, "gaussians")
    std = np.sqrt(0.5 + 7.0 * noise)
    centres = xp.concatenate([xp.full((n_pos, 2), 2.0), xp.full((n_neg, 2), -2.0)])
    points = centres + rng.standard_normal((n_samples, 2)) * std
    labels = xp.concatenate([xp.ones(n_pos, np.int64), xp.zeros(n_neg, np.int64)])
    return _finish(points, labels, shuffle, rng)


def spiral(n_samples: int = 500, noise: float = 0.0, generator: Generator | None = None, shuffle: bool = True):
    """Two interleaved spirals of 1.75 turns out to radius 5 (class 1, and class 0 turned by pi),
    each point moved by uniform noise of ``+-noise``."""
    rng = numpy_generator(generator)
    n_pos, n_neg = _halves(n_samples, "spiral")

    def arm(count, turn):
        i = xp.arange(count) / count
        r, t = i * 5, 1.75 * i * 2 * np.pi + turn
        return xp.stack([r * xp.sin(t), r * xp.cos(t)], axis=1) + rng.uniform(-1, 1, (count, 2)) * noise

    points = xp.concatenate([arm(n_pos, 0.0), arm(n_neg, np.pi)])
    labels = xp.concatenate([xp.ones(n_pos, np.int64), xp.zeros(n_neg, np.int64)])
    return _finish(points, labels, shuffle, rng)
