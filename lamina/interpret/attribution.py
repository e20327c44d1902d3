"""Attribution: which input values make the model give its target score (seed 002's saliency maps).

Every function takes a model, an input batch (N, ...) and the target classes, and returns an attribution of
the input's shape (Grad-CAM: of the layer's spatial shape), with the definitions and defaults of Captum,
PyTorch's attribution library (``tests/interpret/test_attribution.py`` compares them on the same weights):

    saliency(x)             = |d S_t / d x|                         (Captum ``Saliency``, abs=True)
    input_x_gradient(x)     = x * d S_t / d x                       (``InputXGradient``)
    smooth_grad(x)          = 1/n sum_k A(x + eps_k), eps_k ~ N(0, stdevs^2)   (``NoiseTunnel``, smoothgrad)
    integrated_gradients(x) = (x - x') * int_0^1 d S_t / d x (x' + a (x - x')) da   (``IntegratedGradients``)
    occlusion(x)_i          = mean over windows w that cover i of S_t(x) - S_t(x with w set to the baseline)
    grad_cam(x)             = sum_c mean_hw(d S_t / d A_c) A_c      (``LayerGradCam``, A a layer's output)

S_t is the model's score for the target class (the output before the softmax). Put the model in ``eval()``
mode first, as with Captum (dropout off, batch norm on its running statistics): the functions run the model
as it is, and leave its parameters, their ``.grad`` and its training flag as they were, with no graph.
"""
from __future__ import annotations

import math

import numpy as np  # host-side only: the quadrature nodes and the occlusion windows

from .. import functional as F
from ..backend import xp
from ..errors import ArgumentError
from ..random import numpy_generator
from ..tensor import Tensor
from ._common import as_array, as_tensor, expand_target, forward, input_gradient, layer_gradient, scores

__all__ = ["saliency", "input_x_gradient", "smooth_grad", "integrated_gradients", "occlusion", "grad_cam",
           "quadrature"]

NOISE_TUNNEL_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")
METHODS = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")


def saliency(model, inputs, target=None, abs: bool = True) -> Tensor:
    """The gradient of the target score with respect to the input, ``|d S_t / d x|`` (Simonyan et al. 2013);
    the signed gradient with ``abs=False``."""
    x = as_array(inputs, "saliency")
    grad, _ = input_gradient(model, x, target, "saliency")
    return as_tensor(xp.abs(grad) if abs else grad)


def input_x_gradient(model, inputs, target=None) -> Tensor:
    """The input times the gradient of the target score, ``x * d S_t / d x`` (the first-order Taylor term)."""
    x = as_array(inputs, "input_x_gradient")
    grad, _ = input_gradient(model, x, target, "input_x_gradient")
    return as_tensor(x * grad)


def smooth_grad(model, inputs, target=None, stdevs: float = 1.0, nt_samples: int = 5, generator=None,
                method=saliency, nt_type: str = "smoothgrad", nt_samples_batch_size: int | None = None,
                **method_args) -> Tensor:
    """SmoothGrad (Smilkov et al. 2017): the attribution ``method`` averaged over ``nt_samples`` noisy copies
    of each input, ``1/n sum_k A(x + eps_k)`` with ``eps_k ~ N(0, stdevs^2)`` (Captum's
    ``NoiseTunnel(method).attribute(..., nt_type='smoothgrad')``; ``'smoothgrad_sq'`` averages A^2,
    ``'vargrad'`` gives the variance mean(A^2) - mean(A)^2).

    The noise is drawn from ``generator`` (a ``lm.Generator``; the default one without) as Captum draws it:
    per batch of ``nt_samples_batch_size`` samples (all at once by default), the array
    ``stdevs * standard_normal((N * k, *x.shape[1:]))`` in float32, where row ``i * k + j`` is example i's
    j-th sample (``x.repeat_interleave(k, 0) + noise``). ``method_args`` go to ``method`` (``abs=False``).
    """
    x = as_array(inputs, "smooth_grad")
    if nt_type not in NOISE_TUNNEL_TYPES:
        raise ArgumentError(f"smooth_grad: nt_type must be one of {NOISE_TUNNEL_TYPES}, got {nt_type!r}")
    if int(nt_samples) < 1:
        raise ArgumentError(f"smooth_grad: nt_samples must be at least 1, got {nt_samples}")
    batch = nt_samples if nt_samples_batch_size is None else min(nt_samples, int(nt_samples_batch_size))
    rng = numpy_generator(generator)
    total = total_sq = 0
    done = 0
    while done < nt_samples:
        k = min(batch, nt_samples - done)
        noise = (float(stdevs) * rng.standard_normal((x.shape[0] * k, *x.shape[1:]))).astype(x.dtype)
        noisy = xp.repeat(x, k, axis=0) + xp.asarray(noise)
        attribution = method(model, noisy, expand_target(target, k, interleave=True), **method_args).data
        attribution = attribution.reshape(x.shape[0], k, *attribution.shape[1:])
        total = total + attribution.sum(axis=1)
        total_sq = total_sq + (attribution ** 2).sum(axis=1)
        done += k
    mean, mean_sq = total / nt_samples, total_sq / nt_samples
    result = {"smoothgrad": mean, "smoothgrad_sq": mean_sq}.get(nt_type)
    return as_tensor(mean_sq - mean * mean if result is None else result)


def quadrature(method: str, n_steps: int):
    """``(step_sizes, alphas)`` of the path integral over a in [0, 1], as Captum's ``approximation_parameters``:
    Gauss-Legendre nodes and weights mapped from [-1, 1], or the Riemann sums (the trapezoid rule halves the
    two end weights of 1/n)."""
    if method not in METHODS:
        raise ArgumentError(f"integrated_gradients: method must be one of {METHODS}, got {method!r}")
    n = int(n_steps)
    if n < (1 if method == "gausslegendre" else 2):
        raise ArgumentError(f"integrated_gradients: n_steps must be at least {1 if method == 'gausslegendre' else 2}"
                            f" for {method}, got {n_steps}")
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n)
        return 0.5 * weights, 0.5 * (1 + nodes)
    steps = np.full(n, 1 / n)
    if method == "riemann_trapezoid":
        steps[[0, -1]] /= 2
        return steps, np.linspace(0, 1, n, dtype=np.float32).astype(np.float64)
    low, high = {"riemann_left": (0, 1 - 1 / n), "riemann_right": (1 / n, 1),
                 "riemann_middle": (1 / (2 * n), 1 - 1 / (2 * n))}[method]
    return steps, np.linspace(low, high, n, dtype=np.float32).astype(np.float64)


def _baseline(baselines, x, name):
    if baselines is None:
        return xp.zeros_like(x)
    b = baselines.data if isinstance(baselines, Tensor) else xp.asarray(baselines, dtype=x.dtype)
    try:
        return xp.broadcast_to(b.astype(x.dtype, copy=False), x.shape)
    except ValueError:
        raise ArgumentError(f"{name}: baselines of shape {tuple(b.shape)} do not fit inputs of shape {tuple(x.shape)} "
                            "(a number, the input's shape, or (1, ...))") from None


def integrated_gradients(model, inputs, target=None, baselines=None, n_steps: int = 50,
                         method: str = "gausslegendre", internal_batch_size: int | None = None,
                         return_convergence_delta: bool = False):
    """Integrated gradients (Sundararajan et al. 2017): ``(x - x') * sum_k w_k dS_t/dx (x' + a_k (x - x'))``,
    the path integral of the gradient from the baseline x' (zeros by default) to x by the quadrature
    ``method`` with ``n_steps`` nodes a_k and weights w_k (Captum's ``IntegratedGradients``).

    ``internal_batch_size``: evaluate at most that many scaled inputs at a time (memory; same result).
    ``return_convergence_delta``: also return ``sum(attribution) - (S_t(x) - S_t(x'))`` per example (its error
    as a decomposition of the score: completeness).
    """
    x = as_array(inputs, "integrated_gradients")
    base = _baseline(baselines, x, "integrated_gradients")
    step_sizes, alphas = quadrature(method, n_steps)
    n = len(alphas)
    path = xp.concatenate([base + xp.asarray(a, dtype=x.dtype) * (x - base) for a in alphas.tolist()])
    targets = expand_target(target, n, interleave=False)
    chunk = path.shape[0] if internal_batch_size is None else max(1, int(internal_batch_size))
    grads = []
    for start in range(0, path.shape[0], chunk):
        part = slice(start, start + chunk)
        part_target = targets if not isinstance(targets, list) else targets[part]
        grads.append(input_gradient(model, path[part], part_target, "integrated_gradients")[0])
    grads = xp.concatenate(grads).reshape(n, -1) * xp.asarray(step_sizes, dtype=xp.float32).reshape(n, 1)
    total = grads.reshape(n, *x.shape).sum(axis=0)
    attribution = as_tensor((total * (x - base)).astype(x.dtype, copy=False))
    if not return_convergence_delta:
        return attribution
    end_points = scores(forward(model, xp.concatenate([x, base])), expand_target(target, 2, False),
                        "integrated_gradients")
    delta = attribution.data.reshape(x.shape[0], -1).sum(axis=1) - (end_points[:len(x)] - end_points[len(x):])
    return attribution, as_tensor(delta)


def _as_tuple(value, length, name, what):
    if isinstance(value, int):
        return (value,) * length
    value = tuple(int(v) for v in value)
    if len(value) != length:
        raise ArgumentError(f"{name}: {what} must have {length} entries (one per non-batch axis), got {value}")
    return value


def occlusion_windows(shape: tuple, window: tuple, strides: tuple):
    """The occlusion masks, a boolean array (W, *shape): the window slid by ``strides`` over every axis of
    ``shape``, Captum's positions ``0, s, 2s, ...`` up to ``ceil((n - w) / s) * s``, the last one cut at the
    border."""
    starts = [range(0, math.ceil((n - w) / s) * s + 1, s) for n, w, s in zip(shape, window, strides)]
    corners = np.stack(np.meshgrid(*[np.asarray(r) for r in starts], indexing="ij"), -1).reshape(-1, len(shape))
    masks = np.zeros((len(corners), *shape), dtype=bool)
    for k, corner in enumerate(corners):
        masks[(k, *[slice(c, c + w) for c, w in zip(corner, window)])] = True
    return masks


def occlusion(model, inputs, sliding_window_shapes, strides=1, baselines=None, target=None,
              perturbations_per_eval: int = 1) -> Tensor:
    """Occlusion (Zeiler and Fergus 2014): slide a window over the input, replace what it covers by the
    baseline (0 by default), and credit each input value with the average drop of the target score
    ``S_t(x) - S_t(x occluded)`` over the windows that cover it (Captum's ``Occlusion``).

    The arguments come in Captum's order. ``sliding_window_shapes`` and ``strides`` (an int for every axis) cover
    the non-batch axes, e.g. (1, 3, 3) and (1, 2, 2) for (N, 1, H, W) images. ``perturbations_per_eval``: windows evaluated in one forward pass
    (speed only: the results do not depend on it).
    """
    name = "occlusion"
    x = as_array(inputs, name)
    features = x.shape[1:]
    window = _as_tuple(sliding_window_shapes, len(features), name, "sliding_window_shapes")
    strides = _as_tuple(strides, len(features), name, "strides")
    for n, w, s in zip(features, window, strides):
        if w > n or w < 1 or s < 1:
            raise ArgumentError(f"occlusion: the window {window} (strides {strides}) must fit the input's "
                                f"non-batch shape {features}")
        if w < n and s > w:
            raise ArgumentError(f"occlusion: a stride {strides} larger than the window {window} would skip values")
    base = _baseline(baselines, x, name)
    masks = xp.asarray(occlusion_windows(features, window, strides))
    initial = scores(forward(model, x), target, name)
    per_eval = max(1, int(perturbations_per_eval))
    drops = []
    for start in range(0, len(masks), per_eval):
        m = masks[start:start + per_eval, None]                        # (k, 1, *features)
        occluded = xp.where(m, base[None], x[None]).reshape(-1, *features)
        k = m.shape[0]
        drops.append(initial[None] - scores(forward(model, occluded), expand_target(target, k, False), name)
                     .reshape(k, -1))
    drops = xp.concatenate(drops)                                       # (windows, N)
    flat = masks.reshape(len(masks), -1).astype(x.dtype)
    total = drops.T.astype(x.dtype) @ flat                              # (N, features)
    return as_tensor((total / flat.sum(axis=0)).reshape(x.shape).astype(x.dtype, copy=False))


def grad_cam(model, inputs, target=None, layer=None, relu_attributions: bool = False, upsample: bool = False,
             interpolate_mode: str = "nearest", attribute_to_layer_input: bool = False) -> Tensor:
    """Grad-CAM (Selvaraju et al. 2017) on ``layer`` (usually the last convolution): the layer's output A
    (N, C, H', W') weighted by the spatial mean of the target score's gradient, summed over the channels,
    ``sum_c mean_hw(dS_t / dA_c) A_c`` of shape (N, 1, H', W') (Captum's ``LayerGradCam``); ``relu_attributions``
    keeps the positive part (the paper's ReLU). ``upsample=True`` resizes the map to the input's spatial size
    with ``F.interpolate(mode=interpolate_mode)``, as Captum's ``LayerAttribution.interpolate``.
    """
    if layer is None:
        raise ArgumentError("grad_cam: pass layer=, the module whose output is weighted (e.g. the last Conv2d)")
    x = as_array(inputs, "grad_cam")
    grad, activation = layer_gradient(model, layer, x, target, "grad_cam", attribute_to_layer_input)
    weights = grad.mean(axis=tuple(range(2, grad.ndim)), keepdims=True) if grad.ndim > 2 else grad
    cam = (weights * activation).sum(axis=1, keepdims=True)
    if relu_attributions:
        cam = xp.maximum(cam, 0)
    cam = as_tensor(cam.astype(activation.dtype, copy=False))
    if upsample:
        if cam.ndim < 3:
            raise ArgumentError(f"grad_cam: upsample needs a map with spatial axes, got shape {tuple(cam.shape)}")
        cam = F.interpolate(cam, size=tuple(x.shape[-(cam.ndim - 2):]), mode=interpolate_mode)
    return cam
