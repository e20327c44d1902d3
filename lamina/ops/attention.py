"""Attention: ``scaled_dot_product_attention``, PyTorch's reference formula written with Lamina's ops.

    softmax(q k^T * scale + bias) v,   scale = 1 / sqrt(E) unless given,

where ``bias`` is -inf where a boolean ``attn_mask`` is False (True = take part), a float ``attn_mask`` itself,
or -inf above the diagonal for ``is_causal`` (``tril(diagonal=0)`` of the (L, S) ones, also when L != S). Built
from differentiable ops, so q, k, v and a float mask get their gradients, to any order. A row with every key
masked gives zeros (and zero gradients), as PyTorch's implementation does, not the NaN of a plain softmax.
"""
from __future__ import annotations

import math

from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, broadcast_shapes, constant
from .activation import softmax
from .arithmetic import where
from .regularization import dropout
from ..errors import ArgumentError, DtypeError
from .activation import _half_in_float


def _check_inputs(query, key, value):
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ArgumentError(f"scaled_dot_product_attention: expected query, key and value to all be at least 2-D, "
                            f"got shapes {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
    if not query.dtype == key.dtype == value.dtype:
        raise DtypeError(f"scaled_dot_product_attention: expected query, key and value to have the same dtype, got "
                         f"{query.dtype}, {key.dtype} and {value.dtype}")
    if query.dtype.kind != "f":
        raise DtypeError(f"scaled_dot_product_attention: expected floating-point inputs, got {query.dtype}")


def _repeat_heads(query, tensor, name):
    """Grouped-query attention: each of the H_kv heads of ``tensor`` (dim -3) repeated for H_q / H_kv query heads
    (PyTorch's repeat_interleave)."""
    if query.ndim < 3 or tensor.ndim < 3:
        return tensor
    heads_q, heads = query.shape[-3], tensor.shape[-3]
    if heads == 0 or heads_q % heads:
        raise ArgumentError(f"scaled_dot_product_attention: the number of heads in {name} ({heads}) must divide the "
                            f"number of query heads ({heads_q}) with enable_gqa=True")
    if heads_q == heads:
        return tensor
    lead, (s, e) = tensor.shape[:-3], tensor.shape[-2:]
    repeated = tensor.unsqueeze(-3).expand(*lead, heads, heads_q // heads, s, e)
    return repeated.reshape(*lead, heads_q, s, e)


def _bias(attn_mask, is_causal, length, source, dtype):
    """The additive bias (a Tensor, broadcastable to (..., L, S)) or None."""
    if is_causal:
        if attn_mask is not None:
            raise ArgumentError("scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True")
        allowed = xp.tril(xp.ones((length, source), dtype=bool))
        return constant(xp.where(allowed, xp.zeros((), dtype), xp.asarray(-xp.inf, dtype)))
    if attn_mask is None:
        return None
    mask = as_tensor(attn_mask)
    if mask.dtype == xp.bool_:
        return constant(xp.where(mask.data, xp.zeros((), dtype), xp.asarray(-xp.inf, dtype)))
    if mask.dtype != dtype:
        raise DtypeError(f"scaled_dot_product_attention: expected attn_mask dtype to be bool or to match the query "
                         f"dtype {dtype}, got {mask.dtype}")
    return mask


@_half_in_float
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T * scale + mask) v over query (..., L, E), key (..., S, E), value (..., S, Ev): the batch
    dimensions broadcast, and so does the mask against (..., L, S). ``dropout_p`` > 0 drops attention weights
    with Lamina's generator (always, as PyTorch's function does: pass 0.0 at evaluation)."""
    query, key, value = as_tensor(query), as_tensor(key), as_tensor(value)
    _check_inputs(query, key, value)
    if enable_gqa:
        key, value = _repeat_heads(query, key, "key"), _repeat_heads(query, value, "value")
    length, source = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.mT) * factor
    bias = _bias(attn_mask, is_causal, length, source, query.dtype)
    if bias is not None:
        broadcast_shapes("scaled_dot_product_attention", bias.shape, scores.shape)
        scores = scores + bias
    masked_rows = xp.all(scores.data == -xp.inf, axis=-1, keepdims=True)
    if masked_rows.any():  # every key masked: zeros, not the NaN of softmax over -inf only
        scores = where(masked_rows, constant(xp.zeros((), scores.dtype)), scores)
        weights = softmax(scores, -1) * constant((~masked_rows).astype(scores.dtype))
    else:
        weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value
