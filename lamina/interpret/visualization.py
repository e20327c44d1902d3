"""Class visualisation: the input the network finds most typical of a class (seed 002).

Gradient ascent on the input image I, from a faint random image, to maximise the class score (before the
softmax) minus penalties:

    plain (Simonyan et al. 2013):  maximise  S_c(I) - l2 ||I||^2
    with a prior (Yosinski et al. 2015, Mahendran and Vedaldi 2015):  the same, plus a total-variation penalty
        - tv * sum((I[y+1, x] - I[y, x])^2 + (I[y, x+1] - I[y, x])^2), a random shift of the image by up to
        ``jitter`` pixels before each gradient (a roll, undone after), a Gaussian blur every ``blur_every`` steps and
        clipping to the data range after each step: images that look more like natural ones.

Each step is ``I <- I + lr * dObjective/dI``. The model runs as it is (call ``model.eval()``), its parameters
and their ``.grad`` are left untouched, and everything random comes from ``generator``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .. import autograd
from ..backend import xp
from ..errors import ArgumentError
from ..random import numpy_generator
from ..tensor import Tensor
from ._common import as_tensor, frozen, target_mask

__all__ = ["class_visualization", "ClassVisualization", "gaussian_blur", "total_variation"]

PRIOR = dict(jitter=2, blur_every=10, blur_sigma=0.5, tv=0.02)


@dataclass
class ClassVisualization:
    """What ``class_visualization`` returns: the images (N, *input_shape) and the target scores at the start and
    after each step, an array (steps + 1, N). Unpacks as ``image, scores = class_visualization(...)``."""

    image: Tensor
    scores: object

    def __iter__(self):
        return iter((self.image, self.scores))


def total_variation(x: Tensor) -> Tensor:
    """Squared total variation of (N, C, H, W) images: ``sum (x[y+1,x] - x[y,x])^2 + (x[y,x+1] - x[y,x])^2``."""
    down = x[:, :, 1:, :] - x[:, :, :-1, :]
    right = x[:, :, :, 1:] - x[:, :, :, :-1]
    return (down * down).sum() + (right * right).sum()


def gaussian_blur(images, sigma: float):
    """Blur the last two axes of an array with a Gaussian of standard deviation ``sigma`` pixels (separable
    kernel of radius ceil(3 sigma), edges reflected). Returns a new array."""
    if sigma <= 0:
        return images.copy()
    radius = max(1, math.ceil(3 * sigma))
    offsets = xp.arange(-radius, radius + 1, dtype=xp.float64)
    kernel = xp.exp(-offsets ** 2 / (2 * sigma ** 2))
    kernel = (kernel / kernel.sum()).astype(images.dtype)
    for axis in (-2, -1):
        width = [(0, 0)] * images.ndim
        width[axis] = (radius, radius)
        padded = xp.pad(images, width, mode="reflect" if images.shape[axis] > radius else "edge")
        size = images.shape[axis]
        images = sum(kernel[k] * xp.take(padded, xp.arange(k, k + size), axis=axis) for k in range(len(kernel)))
    return images


def _options(prior, jitter, blur_every, blur_sigma, tv):
    chosen = dict(jitter=jitter, blur_every=blur_every, blur_sigma=blur_sigma, tv=tv)
    defaults = PRIOR if prior else dict(jitter=0, blur_every=0, blur_sigma=PRIOR["blur_sigma"], tv=0.0)
    return {k: defaults[k] if v is None else v for k, v in chosen.items()}


def class_visualization(model, target, input_shape, steps: int = 200, lr: float = 0.1, l2: float = 1e-3,
                        prior: bool = False, jitter: int | None = None, blur_every: int | None = None,
                        blur_sigma: float | None = None, tv: float | None = None, data_range=(0.0, 1.0),
                        init_std: float = 0.01, generator=None) -> ClassVisualization:
    """Images that maximise the score of class ``target`` (an int, or a list / array: one image per class).

    ``input_shape``: one example's shape, e.g. (1, 28, 28). ``prior=True`` switches on the prior's defaults
    (jitter 2 pixels, blur of 0.5 pixels every 10 steps, tv 0.02, clipping to ``data_range``); any of them can be
    set on its own. The start is ``init_std * N(0, 1)`` noise around the zero image (clipped to ``data_range``
    with a prior).
    Returns ``ClassVisualization(image, scores)``.
    """
    targets = [int(t) for t in xp.asarray(target.data if isinstance(target, Tensor) else target).reshape(-1)]
    shape = tuple(int(s) for s in input_shape)
    if int(steps) < 0 or len(targets) == 0:
        raise ArgumentError(f"class_visualization: need steps >= 0 and at least one target, got steps={steps}, "
                            f"target={target}")
    options = _options(prior, jitter, blur_every, blur_sigma, tv)
    rng = numpy_generator(generator)
    low, high = (float(v) for v in data_range) if data_range is not None else (-math.inf, math.inf)
    image = xp.asarray(init_std * rng.standard_normal((len(targets), *shape)), dtype=xp.float32)
    if prior and data_range is not None:
        image = xp.clip(image, low, high)
    scores = []
    for step in range(int(steps)):
        shift = tuple(int(s) for s in rng.integers(-options["jitter"], options["jitter"] + 1, 2)) \
            if options["jitter"] else (0, 0)
        rolled = xp.roll(image, shift, axis=(-2, -1))
        score, grad = _ascent_direction(model, rolled, targets, l2, options["tv"])
        scores.append(score)
        image = image + lr * xp.roll(grad, (-shift[0], -shift[1]), axis=(-2, -1))
        if options["blur_every"] and (step + 1) % options["blur_every"] == 0:
            image = gaussian_blur(image, options["blur_sigma"])
        if prior and data_range is not None:
            image = xp.clip(image, low, high)
    scores.append(_ascent_direction(model, image, targets, 0.0, 0.0, gradient=False)[0])
    return ClassVisualization(as_tensor(image), xp.stack(scores))


def _ascent_direction(model, image, targets, l2, tv, gradient=True):
    """``(scores (N,), dObjective/dImage)``, objective = sum_n S_target(n)(I_n) - l2 ||I||^2 - tv TV(I)."""
    with frozen(model):
        x = Tensor(image, dtype=image.dtype, requires_grad=gradient)
        output = model(x)
        if not isinstance(output, Tensor) or output.ndim != 2:
            raise ArgumentError(f"class_visualization: the model must return class scores (N, classes), got "
                                f"{getattr(output, 'shape', type(output).__name__)}")
        mask = target_mask(output.shape, targets, "class_visualization")
        score = (output.data * mask).sum(axis=1)
        if not gradient:
            return score, None
        objective = (output * Tensor(mask.astype(output.dtype))).sum() - l2 * (x * x).sum()
        if tv:
            objective = objective - tv * total_variation(x)
        (grad,) = autograd.grad([objective], [x])
    return score, grad.data
