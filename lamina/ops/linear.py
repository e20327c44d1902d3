"""Matrix products: ``matmul`` (batched, NumPy/PyTorch rules for 1-D operands) and ``linear``.

For C = A B:  dL/dA = dL/dC B^T,  dL/dB = A^T dL/dC  (batch dimensions summed back if broadcast).
"""
from __future__ import annotations

from ..autograd import Function
from ..tensor import Tensor
from ._util import constant, promote, recording, tensor_method
from .shape import sum_to
from ..errors import ArgumentError


class MatMul(Function):
    """Both operands have >= 2 dimensions; leading (batch) dimensions broadcast."""

    name = "matmul"

    def forward(self, a, b):
        if a.shape[-1] != b.shape[-2]:
            raise ArgumentError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                             f"({a.shape[-1]} != {b.shape[-2]})")
        try:
            return a @ b
        except ValueError:
            raise ArgumentError(f"matmul: batch dimensions of {a.shape} and {b.shape} do not broadcast") from None

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g @ b.mT, a.shape) if a.requires_grad else None
        gb = sum_to(a.mT @ g, b.shape) if b.requires_grad else None
        return ga, gb


class LinearOp(Function):
    """y = x W^T + b for 2-D x (N, in), W (out, in), b (out,): one GEMM forward, two backward."""

    name = "linear"

    def forward(self, x, w, b=None):
        if x.shape[-1] != w.shape[1]:
            raise ArgumentError(f"linear: input has {x.shape[-1]} features (shape {x.shape}), "
                             f"weight expects {w.shape[1]} (weight shape {w.shape})")
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        if recording():  # differentiable again: built from Lamina ops
            gx = g @ w if x.requires_grad else None
            gw = g.mT @ x if w.requires_grad else None
            gb = g.sum(0)
        else:  # plain arrays: no graph nodes for the three products
            gx = constant(g.data @ w.data) if x.requires_grad else None
            gw = constant(g.data.T @ x.data) if w.requires_grad else None
            gb = constant(g.data.sum(0))
        return (gx, gw) if len(self.inputs) == 2 else (gx, gw, gb)


@tensor_method("matmul", "__matmul__", reflected=("__rmatmul__",))
def matmul(a, b) -> Tensor:
    a, b = promote(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ArgumentError(f"matmul: both operands need at least one dimension, got shapes {a.shape} and {b.shape}")
    if a.ndim >= 2 and b.ndim >= 2:
        return MatMul.apply(a, b)
    # 1-D operands: promote to a matrix, multiply, then drop the added dimension (NumPy's rule)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ArgumentError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                         f"({a.shape[-1]} != {b.shape[0] if b.ndim == 1 else b.shape[-2]})")
    out = MatMul.apply(a2, b2)
    if a.ndim == 1:
        out = out.squeeze(-2)
    if b.ndim == 1:
        out = out.squeeze(-1)
    return out


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b (PyTorch's layout: W has shape (out_features, in_features))."""
    if x.ndim == 2 and weight.ndim == 2 and x.dtype == weight.dtype:
        if bias is None:
            return LinearOp.apply(x, weight)
        return LinearOp.apply(x, weight, bias)
    if x.ndim >= 1 and x.shape[-1] != weight.shape[-1]:
        raise ArgumentError(f"linear: input has {x.shape[-1]} features (shape {x.shape}), "
                         f"weight expects {weight.shape[-1]} (weight shape {weight.shape})")
    y = matmul(x, weight.mT)
    return y if bias is None else y + bias
