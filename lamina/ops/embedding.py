"""Embedding lookup (rows of a weight matrix picked by integer indices) and ``one_hot``.

embedding(i, W)[...] = W[i[...]]. The gradient of W adds up the output gradients of every position
that picked a row; repeated indices are accumulated by sorting the indices and summing each run
with ``add.reduceat`` (``kernels.scatter``, no ``add.at``). The ``padding_idx`` row gets no gradient.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ..kernels.scatter import row_sums_by_index
from ..tensor import Tensor
from ._util import as_tensor, constant
from ..errors import ArgumentError, DimensionError, DtypeError


class _PaddingIndexError(ArgumentError, AssertionError):
    """padding_idx outside [-num_embeddings, num_embeddings): PyTorch asserts (AssertionError)."""


class EmbeddingOp(Function):
    """out = W[indices];  dW[r] = sum of g over the positions whose index is r (0 for padding_idx)."""

    name = "embedding"

    def forward(self, weight, indices, padding_idx, scale_grad_by_freq=False):
        self.indices, self.padding_idx, self.by_freq = indices, padding_idx, scale_grad_by_freq
        return xp.take(weight, indices, axis=0)

    def backward(self, g):
        weight = self.inputs[0]
        return (EmbeddingBackward.apply(g, indices=self.indices, num_embeddings=weight.shape[0],
                                        padding_idx=self.padding_idx, scale_grad_by_freq=self.by_freq),)


class EmbeddingBackward(Function):
    """Row sums of g by index (the adjoint of the lookup); its own adjoint is the lookup again."""

    name = "embedding_backward"

    def forward(self, g, indices, num_embeddings, padding_idx, scale_grad_by_freq=False):
        self.indices, self.padding_idx, self.by_freq = indices, padding_idx, scale_grad_by_freq
        grad = row_sums_by_index(g, indices, num_embeddings)
        self.keep = None
        if padding_idx is not None or scale_grad_by_freq:
            self.keep = xp.ones((num_embeddings, 1), dtype=grad.dtype)
            if scale_grad_by_freq:  # each row's gradient divided by how often it was picked
                counts = xp.bincount(indices.reshape(-1), minlength=num_embeddings)
                self.keep /= xp.maximum(counts, 1).reshape(-1, 1)
            if padding_idx is not None:
                self.keep[padding_idx] = 0
            grad *= self.keep
        return grad

    def backward(self, gg):
        if self.keep is not None:
            gg = gg * constant(self.keep)
        return (EmbeddingOp.apply(gg, indices=self.indices, padding_idx=self.padding_idx,
                                  scale_grad_by_freq=self.by_freq),)


def _indices(op, indices, limit, what, error=ArgumentError):
    """Integer indices as an array, checked to lie in [0, limit) (else ``error``)."""
    data = as_tensor(indices).data
    allowed = (xp.int64,) if op == "one_hot" else (xp.int32, xp.int64)  # PyTorch's index dtypes (Long, Int)
    if data.dtype not in allowed:
        raise DtypeError(f"{op}: indices must be {' or '.join(xp.dtype(t).name for t in allowed)}, got dtype {data.dtype}")
    if data.size:
        low, high = int(data.min()), int(data.max())
        if low < 0 or high >= limit:
            bad = low if low < 0 else high
            raise error(f"{op}: index {bad} is out of range for {what}")
    return data


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0, scale_grad_by_freq=False,
              sparse=False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer tensor ``input``
    (any shape); the result has shape input.shape + (embedding_dim,); an index out of range raises IndexError.
    ``scale_grad_by_freq`` divides each row's gradient by the number of times it was picked; ``sparse`` is
    accepted and gives the same, dense, gradient. With ``max_norm``, the picked rows whose
    ``norm_type``-norm exceeds it are first scaled in place to max_norm / (norm + 1e-7), as PyTorch."""
    weight = as_tensor(weight)
    if weight.ndim != 2:
        raise ArgumentError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                            f"{tuple(weight.shape)}")
    num = weight.shape[0]
    indices = _indices("embedding", input, num, f"{num} embeddings (weight shape "
                                                f"{tuple(weight.shape)})", DimensionError)
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise _PaddingIndexError(f"embedding: padding_idx {padding_idx} is out of range for {num} embeddings")
        padding_idx %= num
    if max_norm is not None:
        _renorm_rows(weight.data, xp.unique(indices), float(max_norm), float(norm_type))
    return EmbeddingOp.apply(weight, indices=indices, padding_idx=padding_idx,
                             scale_grad_by_freq=bool(scale_grad_by_freq))


def _renorm_rows(weight, rows, max_norm: float, norm_type: float) -> None:
    """weight[rows] scaled in place so that no row's norm exceeds max_norm (PyTorch's embedding_renorm_)."""
    norms = xp.linalg.norm(weight[rows].astype(xp.float64), ord=norm_type, axis=1)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    weight[rows] *= scale[:, None]


def one_hot(input, num_classes: int = -1) -> Tensor:
    """Integer class indices of any shape -> int64 one-hot vectors, shape input.shape + (num_classes,).
    ``num_classes=-1`` takes max(input) + 1 (an error for an empty input, as PyTorch). No gradient."""
    data = as_tensor(input).data
    if data.dtype != xp.int64:
        raise DtypeError(f"one_hot: class indices must be an int64 tensor, got dtype {data.dtype}")
    if num_classes == -1:
        if not data.size:
            raise ArgumentError("one_hot: can not infer the number of classes from an empty tensor (pass num_classes)")
        num_classes = int(data.max()) + 1
    if num_classes < 0:
        raise ArgumentError(f"one_hot: num_classes must be -1 or non-negative, got {num_classes}")
    data = _indices("one_hot", data, num_classes, f"{num_classes} classes")
    out = xp.zeros(data.shape + (num_classes,), dtype=xp.int64)
    xp.put_along_axis(out, data[..., None].astype(xp.intp, copy=False), 1, axis=-1)
    return Tensor._wrap(out)


class _NotImplementedArgument(ArgumentError, NotImplementedError):
    """An argument combination PyTorch has no kernel for (NotImplementedError)."""


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq=False,
                  mode: str = "mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows without materialising the (L, D) lookups per bag twice:
    a 2-D ``input`` (B, N) is B bags of N indices; a 1-D ``input`` is cut into bags at ``offsets`` (the last
    offset closing the last bag with ``include_last_offset``). ``per_sample_weights`` scale the rows (mode='sum'
    only); indices equal to ``padding_idx`` are left out (not counted by the mean); an empty bag gives zeros."""
    from .indexing import index_add, scatter_reduce

    if mode not in ("sum", "mean", "max"):
        raise ArgumentError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    indices, weight = as_tensor(input), as_tensor(weight)
    if indices.ndim not in (1, 2):
        raise ArgumentError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of dimension {indices.ndim}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise _NotImplementedArgument(f"embedding_bag: per_sample_weights is only supported for mode='sum' "
                                          f"(got mode={mode!r})")
        per_sample_weights = as_tensor(per_sample_weights)
        if per_sample_weights.shape != indices.shape:
            raise ArgumentError(f"embedding_bag: per_sample_weights of shape {tuple(per_sample_weights.shape)} must "
                                f"have "
                                f"the input's shape {tuple(indices.shape)}")
    if indices.ndim == 2:
        if offsets is not None:
            raise ArgumentError("embedding_bag: if input is 2D, then offsets has to be None (each row is a bag)")
        bags, length = indices.shape
        bag_of = xp.repeat(xp.arange(bags), length)
    else:
        if offsets is None:
            raise ArgumentError("embedding_bag: offsets has to be a 1D Tensor but got None")
        starts = _offsets(as_tensor(offsets), indices.shape[0], include_last_offset)
        if include_last_offset and as_tensor(offsets).shape[0]:  # CSR: entries after the last offset are in no bag
            end = int(as_tensor(offsets).data[-1])
            indices = indices[:end]
            per_sample_weights = None if per_sample_weights is None else per_sample_weights[:end]
        bags = starts.shape[0]
        bag_of = xp.searchsorted(starts, xp.arange(indices.shape[0]), side="right") - 1
    flat = indices.reshape(-1)
    scale = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    rows = embedding(flat, weight, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq)
    kept = None
    if padding_idx is not None:
        num = weight.shape[0]
        if not -num <= padding_idx < num:
            raise _PaddingIndexError(f"embedding_bag: padding_idx {padding_idx} is out of range for {num} embeddings")
        kept = xp.nonzero(flat.data != padding_idx % num)[0]
        rows, bag_of = rows[Tensor._wrap(kept)], bag_of[kept]
        scale = None if scale is None else scale[Tensor._wrap(kept)]
    if scale is not None:
        rows = rows * scale.unsqueeze(1)
    out = Tensor._wrap(xp.zeros((bags, weight.shape[1]), dtype=rows.dtype))
    bag_index = Tensor._wrap(bag_of.astype(xp.int64))
    if mode == "max":
        spread = Tensor._wrap(xp.broadcast_to(bag_of.astype(xp.int64)[:, None], rows.shape).copy())
        return scatter_reduce(out, 0, spread, rows, "amax", include_self=False)
    total = index_add(out, 0, bag_index, rows)
    if mode == "sum":
        return total
    counts = xp.bincount(bag_of, minlength=bags).astype(rows.dtype)
    return total / constant(xp.maximum(counts, 1)[:, None])


def _offsets(offsets, count, include_last_offset):
    """Bag starts from ``offsets`` (1-D integers from 0, non-decreasing, at most ``count``)."""
    if offsets.ndim != 1:
        raise ArgumentError(f"embedding_bag: offsets has to be a 1D Tensor, got shape {tuple(offsets.shape)}")
    if offsets.dtype not in (xp.int32, xp.int64):
        raise DtypeError(f"embedding_bag: offsets must be int64 or int32, got {offsets.dtype}")
    starts = offsets.data.astype(xp.int64)
    if starts.size and starts[0] != 0:
        raise ArgumentError(f"embedding_bag: offsets[0] has to be 0 (the first bag starts at position 0), got "
                            f"{int(starts[0])}")
    if starts.size and ((xp.diff(starts) < 0).any() or starts[-1] > count):
        raise ArgumentError(f"embedding_bag: offsets must be non-decreasing and at most {count}, got {starts.tolist()}")
    return starts[:-1] if include_last_offset and starts.size else starts
