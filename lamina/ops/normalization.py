"""Normalisation layers' maths: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``, and
``normalize`` (vectors to unit p-norm).

Both compute  y = (x - mean) / sqrt(var + eps) * w + b  with the biased variance; batch norm takes
the statistics per channel over (N, *spatial), layer norm per sample over the trailing
``normalized_shape``. With x^ = (x - mean) / sigma and g^ = g w, the gradient of the input is the
compact form (sums over the normalised axes, n elements each)

    dx = (g^ - mean(g^) - x^ mean(g^ x^)) / sigma,    dw = sum(g x^),    db = sum(g)

computed with plain array maths. When the backward is recorded (``create_graph=True``) the same
formula is rebuilt from differentiable ops on x, so second derivatives are exact.
"""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, constant, normalize_axis, recording
from .arithmetic import where
from .shape import pad
from ..errors import ArgumentError, DtypeError
from .activation import _half_in_float


def _recorded_backward(fn, g, axes, param_axes, view, batch_stats):
    """The normalisation's gradients rebuilt from ops (differentiable again).

    ``axes``: the normalised axes; ``param_axes``: the axes w and b are broadcast over;
    ``view``: the broadcast shape of w and b. ``batch_stats`` False means mean and sigma are the
    fixed running statistics (eval-mode batch norm), saved as ``fn.mean`` / ``fn.invstd``."""
    x, affine = fn.inputs[0], list(fn.inputs[1:])
    weight = affine.pop(0) if fn.has_weight else None
    bias = affine.pop(0) if fn.has_bias else None
    if batch_stats:
        centered = x - x.mean(axes, keepdim=True)
        invstd = ((centered * centered).mean(axes, keepdim=True) + fn.eps) ** -0.5
    else:
        centered = x - constant(fn.mean.reshape(view))
        invstd = constant(fn.invstd.reshape(view))
    x_hat = centered * invstd
    g_hat = g * weight.reshape(view) if weight is not None else g
    gx = None
    if x.requires_grad:
        if batch_stats:
            gx = invstd * (g_hat - g_hat.mean(axes, keepdim=True) - x_hat * (g_hat * x_hat).mean(axes, keepdim=True))
        else:
            gx = g_hat * invstd
    grads = [gx]
    if weight is not None:
        grads.append((g * x_hat).sum(param_axes).reshape(weight.shape) if weight.requires_grad else None)
    if bias is not None:
        grads.append(g.sum(param_axes).reshape(bias.shape) if bias.requires_grad else None)
    return tuple(grads)


def _per_channel(values, length):
    """(C,) values repeated over each channel's L positions: a (C*L,) row that broadcasts over N
    faster than a (C, 1) column broadcasts over (N, C, L)."""
    return xp.repeat(values, length)


def _times_channel(a3, values):
    """(N, C, L) array times a per-channel (C,) factor, as a new (N, C*L) array."""
    n, c, length = a3.shape
    return a3.reshape(n, c * length) * _per_channel(values, length)


def _plus_channel(a3, values):
    """(N, C, L) array plus a per-channel (C,) term, as a new (N, C*L) array."""
    n, c, length = a3.shape
    return a3.reshape(n, c * length) + _per_channel(values, length)


class BatchNormOp(Function):
    """Per-channel normalisation of (N, C, *) input; statistics over N and the spatial axes.

    Training: batch mean and biased variance; the running estimates become
    (1 - momentum) running + momentum batch (unbiased variance, as PyTorch). Eval: running stats."""

    name = "batch_norm"

    def forward(self, x, *affine, running_mean, running_var, training, momentum, eps, has_weight, has_bias):
        self.training, self.eps, self.has_weight, self.has_bias = training, eps, has_weight, has_bias
        x3 = x.reshape(x.shape[0], x.shape[1], -1)
        self.count = count = x3.shape[0] * x3.shape[2]
        if training:
            mean = xp.einsum("ncl->c", x3) / count
            self.centered = _plus_channel(x3, -mean).reshape(x3.shape)
            var = xp.einsum("ncl,ncl->c", self.centered, self.centered) / count
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * count / max(count - 1, 1)) * var
        else:  # no need to keep x - mean: y = x scale + (b - mean scale)
            mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        self.mean = mean
        self.invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
        self.weight = affine[0] if has_weight else None
        scale = self.invstd if self.weight is None else self.invstd * self.weight
        y = _times_channel(self.centered if training else x3, scale)
        shift = affine[-1] if has_bias else 0
        if not training:
            shift = shift - mean * scale
        if has_bias or not training:
            y += _per_channel(shift, x3.shape[2])
        return y.reshape(x.shape)

    def backward(self, g):
        x = self.inputs[0]
        axes = (0,) + tuple(range(2, x.ndim))
        if recording():
            view = (1, x.shape[1]) + (1,) * (x.ndim - 2)
            return _recorded_backward(self, g, axes, axes, view, self.training)
        x3 = x.data.reshape(x.shape[0], x.shape[1], -1)
        g3 = g.data.reshape(x3.shape)
        sum_g = xp.einsum("ncl->c", g3)
        sum_g_centered = None
        if self.training or self.has_weight:
            centered = self.centered if self.training else _plus_channel(x3, -self.mean).reshape(x3.shape)
            sum_g_centered = xp.einsum("ncl,ncl->c", g3, centered)
        grads = [None]
        if x.requires_grad:
            scale = self.invstd if self.weight is None else self.invstd * self.weight
            gx = _times_channel(g3, scale)
            if self.training:  # dx = scale (g - mean(g) - x^ mean(g x^)),  x^ = centered * invstd
                gx -= _times_channel(self.centered, scale * self.invstd**2 * sum_g_centered / self.count)
                gx -= _per_channel(scale * sum_g / self.count, x3.shape[2])
            grads[0] = constant(gx.reshape(x.shape))
        if self.has_weight:
            grads.append(constant(sum_g_centered * self.invstd))
        if self.has_bias:
            grads.append(constant(sum_g))
        return tuple(grads)


class LayerNormOp(Function):
    """Normalisation of each sample over its trailing ``normalized_shape`` (K elements):
    statistics per row of the (M, K) view; w and b have the trailing shape."""

    name = "layer_norm"

    def forward(self, x, *affine, normalized_ndim, eps, has_weight, has_bias):
        self.eps, self.has_weight, self.has_bias = eps, has_weight, has_bias
        self.normalized_ndim = normalized_ndim
        k = math.prod(x.shape[x.ndim - normalized_ndim:])
        x2 = x.reshape(-1, k)
        centered = x2 - x2.mean(axis=1, keepdims=True)
        var = xp.einsum("mk,mk->m", centered, centered) / k
        self.invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)[:, None]
        self.x_hat = centered
        self.x_hat *= self.invstd
        self.weight = affine[0].reshape(-1) if has_weight else None
        y = self.x_hat * self.weight if has_weight else self.x_hat.copy()
        if has_bias:
            y += affine[-1].reshape(-1)
        return y.reshape(x.shape)

    def backward(self, g):
        x = self.inputs[0]
        lead = x.ndim - self.normalized_ndim
        if recording():
            view = (1,) * lead + x.shape[lead:]
            return _recorded_backward(self, g, tuple(range(lead, x.ndim)), tuple(range(lead)), view, True)
        g2 = g.data.reshape(self.x_hat.shape)
        k = self.x_hat.shape[1]
        grads = [None]
        if x.requires_grad:
            g_hat = g2 * self.weight if self.weight is not None else g2
            mean_g_hat_x_hat = xp.einsum("mk,mk->m", g_hat, self.x_hat)[:, None] / k
            gx = g_hat - g_hat.mean(axis=1, keepdims=True)
            gx -= self.x_hat * mean_g_hat_x_hat
            gx *= self.invstd
            grads[0] = constant(gx.reshape(x.shape))
        shape = x.shape[lead:]
        if self.has_weight:
            grads.append(constant(xp.einsum("mk,mk->k", g2, self.x_hat).reshape(shape)))
        if self.has_bias:
            grads.append(constant(g2.sum(axis=0).reshape(shape)))
        return tuple(grads)


def _affine(op, weight, bias, shape, dtype):
    """The optional weight and bias as tensors of ``shape`` and the input's dtype (PyTorch refuses mixed
    dtypes), and the flags saying which are there."""
    tensors = []
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        p = as_tensor(p)
        if p.shape != shape:
            raise ArgumentError(f"{op}: {name} must have shape {shape}, got {tuple(p.shape)}")
        if p.dtype != dtype:
            raise DtypeError(f"{op}: mixed dtypes: expected {name} to have the input's dtype {dtype}, got {p.dtype}")
        tensors.append(p)
    return tensors, {"has_weight": weight is not None, "has_bias": bias is not None}


def _floating_input(op, input):
    x = as_tensor(input)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: not implemented for dtype {x.dtype}: the input must be floating point")
    return x


def _empty_result(x, shape, affine, flags):
    """The normalisation of an input with no elements: an empty result, still connected to x, weight and bias."""
    y = x * 0.0
    for p in affine:
        y = y + p.sum() * 0.0
    return y.reshape(shape) if y.shape != shape else y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation of (N, C) or (N, C, *) input, per channel C.

    Training uses the batch's statistics and updates ``running_mean``/``running_var`` in place
    (when given); eval uses the running statistics. eps must be positive in training and non-negative in
    evaluation (PyTorch's checks)."""
    if training and not eps > 0:
        raise ArgumentError(f"batch_norm: eps must be positive during training, but got {eps}")
    if not training and not eps >= 0:
        raise ArgumentError(f"batch_norm: eps must be non-negative, but got {eps}")
    return _batch_norm("batch_norm", input, running_mean, running_var, weight, bias, training, momentum, eps)


def _batch_norm(op, input, running_mean, running_var, weight, bias, training, momentum, eps):
    x = as_tensor(input)
    if x.data.size == 0 and (x.ndim < 2 or x.dtype.kind != "f"):  # nothing to normalise: PyTorch returns it
        return constant(x.data.copy())
    x = _floating_input(op, x)
    if x.data.dtype == xp.float16:  # computed in float32 and rounded back, as PyTorch's kernels accumulate
        weight, bias = (None if p is None else as_tensor(p).astype(xp.float32) for p in (weight, bias))
        return _batch_norm(op, x.astype(xp.float32), running_mean, running_var, weight, bias, training, momentum,
                           eps).astype(xp.float16)
    if x.ndim < 2:
        raise ArgumentError(f"{op}: input must have shape (N, C) or (N, C, *), got {tuple(x.shape)}")
    channels = x.shape[1]
    running = []
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and tuple(stat.shape) != (channels,):
            raise ArgumentError(f"{op}: {name} must have shape ({channels},) for input {tuple(x.shape)}, "
                             f"got {tuple(stat.shape)}")
        running.append(stat.data if isinstance(stat, Tensor) else stat)  # another float dtype is cast
    if training and x.data.size // max(channels, 1) == 1:
        raise ArgumentError(f"{op}: expected more than 1 value per channel when training, got input {tuple(x.shape)}")
    if not training and (running_mean is None or running_var is None):
        raise ArgumentError(f"{op}: running_mean and running_var are required when training=False")
    affine, flags = _affine(op, weight, bias, (channels,), x.dtype)
    if x.data.size == 0:
        return _empty_result(x, x.shape, affine, flags)
    return BatchNormOp.apply(x, *affine, running_mean=running[0], running_var=running[1], training=bool(training),
                           momentum=momentum, eps=eps, **flags)


@_half_in_float
def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Layer normalisation over the trailing ``normalized_shape`` (a tuple or list of ints: an int is PyTorch's
    TypeError here, though nn.LayerNorm takes one) of each sample, w and b of that shape."""
    x = _floating_input("layer_norm", input)
    if not isinstance(normalized_shape, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in normalized_shape):
        raise TypeError(f"layer_norm(): argument 'normalized_shape' must be a tuple of ints, got {normalized_shape!r}")
    shape = tuple(normalized_shape)
    if len(shape) == 0 or len(shape) > x.ndim or x.shape[x.ndim - len(shape):] != shape:
        raise ArgumentError(f"layer_norm: normalized_shape {shape} must match the trailing dimensions of the "
                         f"input, got input of shape {tuple(x.shape)}")
    affine, flags = _affine("layer_norm", weight, bias, shape, x.dtype)
    if x.data.size == 0:
        return _empty_result(x, x.shape, affine, flags)
    return LayerNormOp.apply(x, *affine, normalized_ndim=len(shape), eps=eps, **flags)


@_half_in_float
def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Group normalisation of (N, C, *) input: the C channels in ``num_groups`` groups, each sample's group
    normalised over its channels and positions (biased variance); w, b per channel."""
    x = _floating_input("group_norm", input)
    if x.ndim < 2:
        raise ArgumentError(f"group_norm: expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, channels = x.shape[0], x.shape[1]
    if not isinstance(num_groups, int) or num_groups <= 0 or channels % num_groups:
        raise ArgumentError(f"group_norm: expected number of channels in input to be divisible by num_groups, but "
                            f"got input of shape {tuple(x.shape)} and num_groups={num_groups}")
    affine, flags = _affine("group_norm", weight, bias, (channels,), x.dtype)
    if x.data.size == 0:
        return _empty_result(x, x.shape, affine, flags)
    groups = x.reshape(n, num_groups, x.data.size // (n * num_groups))
    centered = groups - groups.mean(2, keepdim=True)
    y = (centered * ((centered * centered).mean(2, keepdim=True) + eps) ** -0.5).reshape(x.shape)
    view = (1, channels) + (1,) * (x.ndim - 2)
    if flags["has_weight"]:
        y = y * affine[0].reshape(view)
    if flags["has_bias"]:
        y = y + affine[-1].reshape(view)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalisation of (N, C, *) input: each sample's channel over its positions (PyTorch: batch norm
    of the (1, N*C, *) view; the running statistics, when given, become the mean over the batch)."""
    x = _floating_input("instance_norm", input)
    if x.ndim < 2:
        raise ArgumentError(f"instance_norm: input must have shape (N, C, *), got {tuple(x.shape)}")
    n, channels = x.shape[0], x.shape[1]
    if use_input_stats and x.data.size // max(n * channels, 1) == 1:
        raise ArgumentError(f"instance_norm: expected more than 1 spatial element when training, got input "
                            f"{tuple(x.shape)}")
    stats = []
    for stat in (running_mean, running_var):
        array = stat.data if isinstance(stat, Tensor) else stat
        stats.append(None if array is None else xp.tile(array, n))
    affine = []
    for p in (weight, bias):
        p = None if p is None else as_tensor(p)
        if p is not None and p.shape != (channels,):
            raise ArgumentError(f"instance_norm: weight and bias must have shape ({channels},), got {tuple(p.shape)}")
        affine.append(None if p is None else p.reshape(1, channels).expand(n, channels).reshape(n * channels))
    view = x.reshape(1, n * channels, *x.shape[2:])
    y = _batch_norm("instance_norm", view, stats[0], stats[1], affine[0], affine[1], use_input_stats, momentum, eps)
    for stat, tiled in zip((running_mean, running_var), stats):
        if stat is not None and use_input_stats and n:
            target = stat.data if isinstance(stat, Tensor) else stat
            target[...] = tiled.reshape(n, channels).mean(axis=0)
    return y.reshape(x.shape)


def _p_norm(x, p, axes):
    """||x||_p over ``axes`` (keepdims), as an array; p = inf the largest |x|, p = 0 the count of non-zeros."""
    a = xp.abs(x)
    if p == float("inf"):
        return a.max(axis=axes, keepdims=True) if x.size else xp.zeros_like(a.sum(axis=axes, keepdims=True))
    if p == float("-inf"):
        return a.min(axis=axes, keepdims=True)
    if p == 0:
        return (x != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
    if p == 2:
        return xp.sqrt((x * x).sum(axis=axes, keepdims=True))
    if p == 1:
        return a.sum(axis=axes, keepdims=True)
    with xp.errstate(divide="ignore"):
        return (a ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)


class VectorNormOp(Function):
    """||x||_p over ``axes`` (keepdims);  d/dx = sign(x) |x|^(p-1) / ||x||^(p-1), 0 where the norm is 0 (PyTorch's
    subgradient); p = inf: split between the entries of largest |x|; p = 0: no gradient."""

    name = "normalize_norm"  # the norm inside normalize (not a public op: reduction.py owns the norms)

    def forward(self, x, p, axes):
        self.p, self.axes = p, axes
        self.norm = _p_norm(x, p, axes)
        return self.norm

    def backward(self, g):
        x = self.inputs[0]
        p, norm = self.p, self.norm
        if p == 0:
            return (g * constant(xp.zeros(x.shape, x.dtype)),)
        if p in (float("inf"), float("-inf")):
            hits = (xp.abs(x.data) == norm).astype(x.dtype)
            hits /= xp.maximum(hits.sum(axis=self.axes, keepdims=True), 1)
            return (g * constant(xp.sign(x.data) * hits),)
        nonzero = norm != 0
        safe = xp.where(nonzero, norm, 1)
        if recording():
            n = VectorNormOp.apply(x, p=p, axes=self.axes)
            n_safe = where(constant(nonzero), n, constant(xp.ones((), x.dtype)))
            if p == 2:
                return (g * x / n_safe * constant(nonzero.astype(x.dtype)),)
            slope = constant(xp.sign(x.data)) * x.abs() ** (p - 1) / n_safe ** (p - 1)
            return (g * slope * constant(nonzero.astype(x.dtype)),)
        if p == 2:
            slope = x.data / safe
        else:
            with xp.errstate(divide="ignore", invalid="ignore"):
                slope = xp.sign(x.data) * xp.abs(x.data) ** (p - 1) / safe ** (p - 1)
        return (g * constant((slope * nonzero).astype(x.dtype, copy=False)),)


def normalize(input, p: float = 2.0, dim=1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p, eps) along ``dim`` (an int or a tuple): unit vectors, and 0 for a zero vector (whose
    gradient is then 1/eps, as PyTorch's)."""
    x = _floating_input("normalize", input)
    if dim is None:
        dim = tuple(range(x.ndim))
    elif isinstance(dim, bool) or not isinstance(dim, (int, tuple, list)) or (
            not isinstance(dim, int) and not all(isinstance(d, int) and not isinstance(d, bool) for d in dim)):
        raise TypeError(f"normalize(): argument 'dim' must be an int or a tuple of ints, got {dim!r}")
    axes = normalize_axis(dim, x.ndim, "normalize") if x.ndim else (0,)
    if x.ndim == 0:
        norm = VectorNormOp.apply(x.reshape(1), p=p, axes=(0,)).reshape(())
    else:
        norm = VectorNormOp.apply(x, p=p, axes=axes)
    return x / norm.clamp(min=eps)


def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing ``normalized_shape`` (a tuple or list of ints), times
    ``weight``; ``eps=None`` is the machine epsilon of the input's dtype, as PyTorch. Half precision is computed
    in float32 and rounded back; the result has the input's dtype."""
    x = _floating_input("rms_norm", input)
    if not isinstance(normalized_shape, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in normalized_shape):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' must be a tuple of ints, got {normalized_shape!r}")
    shape = tuple(normalized_shape)
    if not shape or len(shape) > x.ndim or x.shape[x.ndim - len(shape):] != shape:
        raise ArgumentError(f"rms_norm: normalized_shape {list(shape)} must match the trailing dimensions of the "
                            f"input, got input of shape {tuple(x.shape)}")
    if weight is not None:
        weight = as_tensor(weight)
        if weight.shape != shape:
            raise ArgumentError(f"rms_norm: weight must have the shape of normalized_shape {shape}, got "
                                f"{tuple(weight.shape)}")
    compute = x.astype(xp.float32) if x.dtype == xp.float16 else x
    eps = float(xp.finfo(compute.dtype).eps) if eps is None else float(eps)  # float32's for half, as PyTorch
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    y = compute * ((compute * compute).mean(dim=dims, keepdim=True) + eps) ** -0.5
    if weight is not None:
        y = y * weight.astype(y.dtype)
    return y if y.dtype == x.dtype else y.astype(x.dtype)


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha / size * sum of x^2 over the ``size`` neighbouring channels)^beta, the window
    [c - size // 2, c + (size - 1) // 2] zero-padded at the ends (PyTorch's and AlexNet's LRN) on (N, C, *)."""
    x = as_tensor(input)
    if x.ndim < 3:
        raise ArgumentError(f"local_response_norm: expected 3D or higher dimensional input, got shape {tuple(x.shape)}")
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"local_response_norm: size must be an int, got {size!r}")
    if size <= 0:
        raise ArgumentError(f"local_response_norm: size must be greater than zero, got {size}")
    if x.numel() == 0:
        return x  # returned as it is, dtype included (PyTorch)
    channels = x.shape[1]
    square = x * x
    padding = [0, 0] * (x.ndim - 2) + [size // 2, (size - 1) // 2]
    padded = pad(square, tuple(padding))
    window = padded[:, 0:channels]
    for offset in range(1, size):
        window = window + padded[:, offset:offset + channels]
    if x.dtype.kind != "f":  # PyTorch averages integer squares in integers (truncating), then computes in float32
        return x.astype(xp.float32) / ((window // size).astype(xp.float32) * alpha + k) ** beta
    window = window * (1.0 / size)
    return x / (window * alpha + k) ** beta
