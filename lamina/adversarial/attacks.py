"""Adversarial examples under the L-infinity norm, and fooling images.

    x_adv = fgsm(model, x, y, eps=0.1)                                   # one signed-gradient step
    x_adv = pgd(model, x, y, eps=0.3, alpha=0.01, steps=20, generator=lm.Generator(0))
    images, confidence = fooling_images(model, target=[0, 1, 2], input_shape=(1, 28, 28))

The loss is the cross-entropy of the model's logits. Untargeted attacks ascend it for the true class ``y``;
targeted ones (``targeted=True``, ``y`` the target class) descend it for the target. Every image stays in the
data range ``clip`` (``None``: no range). The model runs in eval mode (batch norm uses its running statistics,
dropout is off); its training flags, parameters and their ``.grad`` are left as they were, and the results carry
no graph (the input gradients come from ``lm.autograd.grad``).
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..autograd import enable_grad, grad, no_grad
from ..backend import xp
from ..nn.module import Module
from ..ops.activation import softmax
from ..ops.loss import cross_entropy
from ..random import numpy_generator
from ..tensor import Tensor


# ---- checking the arguments ----------------------------------------------------------------------
def _inputs(x, what: str) -> Tensor:
    array = x.data if isinstance(x, Tensor) else xp.asarray(x)
    if array.dtype.kind != "f":
        raise TypeError(f"{what}: x must be a floating-point batch of inputs, got dtype {array.dtype}")
    if array.ndim < 2:
        raise ValueError(f"{what}: x must be a batch (N, ...) of inputs, got shape {tuple(array.shape)}")
    return array


def _labels(y, n: int, what: str):
    array = y.data if isinstance(y, Tensor) else xp.asarray(y)
    if array.ndim == 0:
        array = xp.full((n,), int(array))
    if array.dtype.kind not in "iu" or array.shape != (n,):
        raise ValueError(f"{what}: y must be {n} integer class labels (one per input), got dtype {array.dtype} "
                         f"and shape {tuple(array.shape)}")
    return Tensor._wrap(array.astype(np.int64, copy=False))


def _check_range(clip, what: str):
    if clip is None:
        return None
    low, high = (float(v) for v in clip)
    if not low < high:
        raise ValueError(f"{what}: clip must be (low, high) with low < high, got {tuple(clip)}")
    return low, high


def _non_negative(value, name: str, what: str) -> float:
    value = float(value)
    if not value >= 0:
        raise ValueError(f"{what}: {name} must be >= 0, got {value}")
    return value


def _clipped(array, clip):
    return array if clip is None else xp.clip(array, clip[0], clip[1])


# ---- the model, untouched --------------------------------------------------------------------------
@contextmanager
def attacking(model: Module):
    """Eval mode and frozen parameters inside (``requires_grad`` off, so the backward skips the weight
    gradients); every module's training flag and every parameter's ``requires_grad`` restored after."""
    if not isinstance(model, Module):
        raise TypeError(f"adversarial: model must be an nn.Module, got {type(model).__name__}")
    modes = [(m, m.training) for m in model.modules()]
    trainable = [p for p in model.parameters() if p.requires_grad]
    model.eval()
    for p in trainable:
        p.requires_grad_(False)
    try:
        yield model
    finally:
        for p in trainable:
            p.requires_grad_(True)
        for m, mode in modes:
            object.__setattr__(m, "training", mode)


def _loss_gradient(model, x_array, y: Tensor):
    """``(d loss / d x, logits)`` for the summed cross-entropy; the model must be inside ``attacking``."""
    x = Tensor._wrap(x_array).requires_grad_(True)
    with enable_grad():
        logits = model(x)
        loss = cross_entropy(logits, y, reduction="sum")
        (gradient,) = grad(loss, [x])
    return gradient.data, logits.detach()


def _direction(model, x_array, y: Tensor, targeted: bool):
    """The sign of the gradient that raises the loss (untargeted) or lowers it (targeted)."""
    gradient, _ = _loss_gradient(model, x_array, y)
    return -xp.sign(gradient) if targeted else xp.sign(gradient)


# ---- the attacks ----------------------------------------------------------------------------------
def fgsm(model: Module, x, y, eps: float, targeted: bool = False, clip=(0.0, 1.0)) -> Tensor:
    """Fast gradient sign method (Goodfellow et al. 2015): ``x + eps sign(d loss(model(x), y) / d x)``,
    clipped to the data range; targeted: ``x - eps sign(...)`` with ``y`` the target class."""
    what = "fgsm"
    array, eps, clip = _inputs(x, what), _non_negative(eps, "eps", what), _check_range(clip, what)
    labels = _labels(y, len(array), what)
    with attacking(model):
        step = _direction(model, array, labels, targeted)
    return Tensor._wrap(_clipped(array + eps * step, clip).astype(array.dtype, copy=False))


def pgd(model: Module, x, y, eps: float, alpha: float, steps: int, random_start: bool = True, generator=None,
        targeted: bool = False, clip=(0.0, 1.0)) -> Tensor:
    """Projected gradient descent under the L-infinity norm (Madry et al. 2018).

    Start at ``x`` (``random_start``: ``x + U(-eps, eps)`` drawn from ``generator``), then ``steps`` times
    ``x' <- P(x' + alpha sign(d loss / d x'))``, where P projects back onto the ball ``|x' - x|_inf <= eps``
    and into the data range ``clip``. Returns the last iterate. Targeted: descend the target class's loss.
    """
    what = "pgd"
    array, clip = _inputs(x, what), _check_range(clip, what)
    eps, alpha = _non_negative(eps, "eps", what), _non_negative(alpha, "alpha", what)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"{what}: steps must be an integer >= 0, got {steps!r}")
    labels = _labels(y, len(array), what)
    low, high = array - eps, array + eps
    if clip is not None:
        low, high = xp.maximum(low, clip[0]), xp.minimum(high, clip[1])
    adversarial = array
    if random_start:
        noise = numpy_generator(generator).uniform(-eps, eps, size=array.shape)
        adversarial = xp.clip(array + xp.asarray(noise, dtype=array.dtype), low, high)
    with attacking(model):
        for _ in range(steps):
            adversarial = xp.clip(adversarial + alpha * _direction(model, adversarial, labels, targeted), low, high)
    return Tensor._wrap(adversarial.astype(array.dtype, copy=False))


def fooling_images(model: Module, target, input_shape, confidence: float = 0.99, step_size: float = 0.01,
                   max_steps: int = 500, start=None, generator=None, clip=(0.0, 1.0)):
    """Images the model gives the ``target`` class with at least ``confidence``, grown from noise
    (the gradient-ascent "fooling images" of Nguyen et al. 2015).

    ``target``: a class or a list of classes, one image each. Each image starts as uniform noise over the
    data range ``clip`` (``start``: your own images instead) and takes signed steps up ``log p(target)``,
    ``x <- clip(x + step_size sign(d log softmax(model(x))[target] / d x))``, until its softmax probability
    reaches ``confidence`` (it then stops moving) or ``max_steps`` steps have passed. Returns
    ``(images, confidence_reached)``: a Tensor (N, *input_shape) and a NumPy array (N,) of the probabilities.
    """
    what = "fooling_images"
    targets = np.atleast_1d(np.asarray(target))
    if targets.dtype.kind not in "iu" or targets.ndim != 1 or len(targets) == 0:
        raise ValueError(f"{what}: target must be a class index or a list of them, got {target!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"{what}: confidence must be in (0, 1), got {confidence}")
    clip = _check_range(clip, what)
    shape, dtype = (len(targets), *tuple(input_shape)), _parameter_dtype(model)
    if start is None:
        low, high = clip if clip is not None else (0.0, 1.0)
        images = xp.asarray(numpy_generator(generator).uniform(low, high, size=shape), dtype=dtype)
    else:
        images = _inputs(start, what).astype(dtype)
        if images.shape != shape:
            raise ValueError(f"{what}: start must have shape {shape}, got {tuple(images.shape)}")
    labels = _labels(xp.asarray(targets), len(targets), what)
    with attacking(model):
        for steps in range(max_steps + 1):
            gradient, logits = _loss_gradient(model, images, labels)
            reached = _target_probability(logits, targets)
            moving = reached < confidence
            if steps == max_steps or not moving.any():
                break
            step = -step_size * xp.sign(gradient) * moving.reshape(-1, *[1] * (images.ndim - 1))
            images = _clipped(images + step, clip).astype(dtype, copy=False)
    return Tensor._wrap(images), np.asarray(reached)


def _parameter_dtype(model):
    floats = [p.dtype for p in model.parameters() if p.dtype.kind == "f"]
    return floats[0] if floats else np.dtype(np.float32)


def _target_probability(logits: Tensor, targets):
    with no_grad():
        probabilities = softmax(logits, dim=1).data
    return probabilities[xp.arange(len(targets)), xp.asarray(targets)]
