"""L1 and L2 penalties to add to a loss, for chosen parameters (e.g. only the weights, not the biases).

    loss = criterion(model(x), y) + l2_penalty(weights, 1e-4)

``l2_penalty`` with weight ``lambda`` adds ``lambda * sum w^2`` (gradient ``2 lambda w``): the same update
as SGD's ``weight_decay = 2 lambda``. ``l1_penalty`` adds ``lambda * sum |w|`` (gradient ``lambda sign(w)``),
which pushes small weights to exactly zero (sparsity).
"""
from __future__ import annotations

from ..ops import abs as _abs
from ..ops import sum as _sum
from ..tensor import Tensor


def _parameters(name, parameters) -> list:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected Tensors, got {type(p).__name__}")
    return params


def _total(terms, weight) -> Tensor:
    if not terms:
        return Tensor(0.0)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total * weight


def l1_penalty(parameters, weight: float) -> Tensor:
    """``weight * sum_p sum |p|``, differentiable: add it to the loss."""
    params = _parameters("l1_penalty", parameters)
    return _total([_sum(_abs(p)) for p in params], weight)


def l2_penalty(parameters, weight: float) -> Tensor:
    """``weight * sum_p sum p^2``, differentiable: add it to the loss."""
    params = _parameters("l2_penalty", parameters)
    return _total([_sum(p * p) for p in params], weight)
