"""Gradient clipping (as ``torch.nn.utils``): call between ``loss.backward()`` and ``optimizer.step()``.

    total = clip_grad_norm_(model.parameters(), max_norm=1.0)

``clip_grad_norm_`` rescales all gradients together, keeping their direction:
    total = || (||g_1||_p, ||g_2||_p, ...) ||_p        (the p-norm of all gradients as one vector)
    g_i  *= min(max_norm / (total + 1e-6), 1)
``clip_grad_value_`` clamps every gradient element into ``[-clip_value, clip_value]``.
"""
from __future__ import annotations

import math

from ...backend import DEFAULT_FLOAT, xp
from ...tensor import Tensor


def _grads(parameters) -> list:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad.data for p in params if p.grad is not None]


def _vector_norm(array, p: float):
    """The p-norm of all elements of ``array`` (p may be inf, -inf or 0), in its dtype."""
    flat = array.ravel()
    if p == 2.0:
        return xp.sqrt(xp.dot(flat, flat))
    magnitude = xp.abs(flat)
    if p == math.inf:
        return magnitude.max() if flat.size else array.dtype.type(0)
    if p == -math.inf:
        return magnitude.min() if flat.size else array.dtype.type(math.inf)
    if p == 0.0:
        return array.dtype.type(xp.count_nonzero(flat))
    if p == 1.0:
        return magnitude.sum()
    return (magnitude ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """The p-norm of the tensors (arrays or Tensors) viewed as one vector, as a 0-d Tensor."""
    arrays = [tensors.data] if isinstance(tensors, Tensor) else [t.data if isinstance(t, Tensor) else t
                                                                  for t in tensors]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(0.0)
    dtype = xp.result_type(*arrays)
    norms = xp.asarray([_vector_norm(a, norm_type) for a in arrays], dtype=dtype)
    total = xp.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {float(total)}, "
                           "so it cannot be clipped; pass error_if_nonfinite=False to scale by it anyway")
    return Tensor._wrap(total)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm) -> None:
    """Scale every ``p.grad`` in place by ``min(max_norm / (total_norm + 1e-6), 1)``."""
    grads = _grads(parameters)
    if not grads:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else xp.asarray(total_norm)
    kind = total.dtype if total.dtype.kind == "f" else DEFAULT_FLOAT
    coef = kind.type(float(max_norm)) / (total.astype(kind) + kind.type(1e-6))
    coef = min(coef, kind.type(1.0))
    for g in grads:
        g *= coef


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Rescale the gradients so that their joint ``norm_type``-norm is at most ``max_norm``; returns the
    norm before clipping (a 0-d Tensor)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = get_total_norm(_grads(params), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        xp.clip(g, -clip_value, clip_value, out=g)
