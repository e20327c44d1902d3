"""``MultiheadAttention``, PyTorch's layer: the same parameter names (``in_proj_weight``, ``in_proj_bias``,
``out_proj``; ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when kdim or vdim differ), the same
initialisation and the same outputs given the same weights.

    q, k, v = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v, split into ``num_heads`` heads of size D
    weights = softmax(q k^T / sqrt(D) + masks),  output = concat_heads(weights v) W_o^T + b_o

Masks as PyTorch's layer reads them (the opposite of ``scaled_dot_product_attention``'s boolean mask): a
boolean ``attn_mask`` (L, S) or (N * num_heads, L, S) or ``key_padding_mask`` (N, S) is True where attention
is NOT allowed; a float mask is added to the scores.
"""
from __future__ import annotations

import math

from .. import functional as F
from ..backend import xp
from ..creation import empty
from ..tensor import Tensor
from . import init
from .linear import Linear
from .module import Module, Parameter
from ..errors import ArgumentError


def _additive(mask, dtype, name):
    """A mask as a float bias: -inf where a boolean mask is True, a float mask as it is."""
    if mask is None:
        return None
    if mask.dtype == xp.bool_:
        return Tensor._wrap(xp.where(mask.data, xp.asarray(-xp.inf, dtype), xp.zeros((), dtype)))
    if mask.dtype.kind != "f":
        raise ArgumentError(f"MultiheadAttention: only bool and floating types of {name} are supported, got "
                            f"{mask.dtype}")
    return mask if mask.dtype == dtype else mask.astype(dtype)


class ShapeAssertionError(ArgumentError, AssertionError):
    """A bad argument PyTorch's MultiheadAttention rejects with an ``assert`` (an AssertionError there); also an
    ArgumentError (ValueError and RuntimeError)."""


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention's out_proj (so the printed model is PyTorch's)."""


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size embed_dim / num_heads (Vaswani et al.), as torch.nn's."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ArgumentError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                                f"embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ShapeAssertionError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                                      f"({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise ArgumentError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.head_dim = embed_dim // num_heads
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)  # declared and absent, as PyTorch
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", Parameter(empty(3 * embed_dim, dtype=dtype)) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: Xavier-uniform projections, zero biases (out_proj's weight keeps Linear's init)."""
        for weight in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if weight is not None:
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projections(self):
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        return weights, biases

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
                average_attn_weights: bool = True, is_causal: bool = False):
        """``(attn_output, attn_weights)``: output (L, N, E) ((N, L, E) with batch_first; (L, E) unbatched),
        weights (N, L, S) averaged over the heads, (N, num_heads, L, S) otherwise, or None."""
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeAssertionError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D "
                                      f"(unbatched), got shapes {tuple(query.shape)}, {tuple(key.shape)} and "
                                      f"{tuple(value.shape)}")
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        length, n, e = query.shape
        source = key.shape[0]
        if e != self.embed_dim:
            raise ShapeAssertionError(f"MultiheadAttention: expected query with embed_dim {self.embed_dim} "
                                      f"features, got shape {tuple(query.shape)}")
        if key.shape[:2] != value.shape[:2]:
            raise ShapeAssertionError(f"MultiheadAttention: key shape {tuple(key.shape)} does not match value shape "
                                      f"{tuple(value.shape)}")
        if is_causal and attn_mask is None:
            raise ArgumentError("MultiheadAttention: need attn_mask if specifying the is_causal hint")
        weights, biases = self._projections()
        heads, d = self.num_heads, self.head_dim
        q, k, v = (F.linear(t, w, b) for t, w, b in zip((query, key, value), weights, biases))
        q = q.reshape(length, n * heads, d).transpose(0, 1)  # (N*H, L, D), PyTorch's layout
        k = k.reshape(source, n * heads, d).transpose(0, 1)
        v = v.reshape(source, n * heads, d).transpose(0, 1)
        scores = (q * math.sqrt(1.0 / d)) @ k.mT
        bias = self._mask(attn_mask, key_padding_mask, n, length, source, q.dtype)
        if bias is not None:
            scores = scores + bias
        attn = F.softmax(scores, -1)
        if self.training and self.dropout > 0:
            attn = F.dropout(attn, self.dropout)
        out = (attn @ v).transpose(0, 1).reshape(length * n, e)
        out = F.linear(out, self.out_proj.weight, self.out_proj.bias).reshape(length, n, e)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        attn = attn.reshape(n, heads, length, source)
        if average_attn_weights:
            attn = attn.mean(1)
        if not batched:
            attn = attn.squeeze(0)
        return out, attn

    def _mask(self, attn_mask, key_padding_mask, n, length, source, dtype):
        """attn_mask and key_padding_mask merged into one additive bias broadcasting to (N*H, L, S)."""
        bias = _additive(attn_mask, dtype, "attn_mask")
        if bias is not None:
            expected = [(length, source), (n * self.num_heads, length, source)]
            if tuple(bias.shape) not in expected:
                raise ArgumentError(f"MultiheadAttention: attn_mask should have shape {expected[0]} or "
                                    f"{expected[1]}, got {tuple(bias.shape)}")
        padding = _additive(key_padding_mask, dtype, "key_padding_mask")
        if padding is not None:
            if tuple(padding.shape) != (n, source):
                raise ShapeAssertionError(f"MultiheadAttention: expected key_padding_mask of shape {(n, source)}, got "
                                          f"{tuple(padding.shape)}")
            padding = padding.reshape(n, 1, 1, source).expand(n, self.num_heads, 1, source)
            padding = padding.reshape(n * self.num_heads, 1, source)
            bias = padding if bias is None else bias + padding
        return bias

