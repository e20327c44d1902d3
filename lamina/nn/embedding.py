"""``Embedding``: a lookup table of learned vectors, one row per token (word2vec's input matrix);
``EmbeddingBag``: the sum, mean or max of bags of them."""
from __future__ import annotations

from .. import functional as F
from ..autograd import no_grad
from ..backend import xp
from ..creation import as_tensor, empty, zeros
from ..tensor import Tensor
from . import init
from .module import Module, Parameter
from ..errors import ArgumentError


class Embedding(Module):
    """``weight`` (num_embeddings, embedding_dim) drawn from N(0, 1) (the ``padding_idx`` row zero), or ``_weight``
    as given; ``_freeze=True`` makes it not learned. ``max_norm`` renormalises the looked-up rows in place, as
    PyTorch. ``sparse=True`` is accepted and gives the same (dense) gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight=None, _freeze: bool = False, device=None, dtype=None, generator=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                                     f"({num_embeddings}), or negative from the end")
            padding_idx %= num_embeddings  # -1 is the last row, stored as its index (as PyTorch)
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse = (max_norm, norm_type,
                                                                               scale_grad_by_freq, sparse)
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters(generator)
        else:
            weight = _weight if isinstance(_weight, Tensor) else as_tensor(_weight)
            if tuple(weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError(f"Embedding: shape of weight {tuple(weight.shape)} does not match "
                                     f"num_embeddings and embedding_dim ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(weight.detach(), requires_grad=not _freeze)

    def reset_parameters(self, generator=None) -> None:
        init.normal_(self.weight, generator=generator)  # N(0, 1), as PyTorch
        if self.padding_idx is not None:
            with no_grad():
                self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D), not learned when ``freeze``."""
        embeddings = embeddings if isinstance(embeddings, Tensor) else as_tensor(embeddings)
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional, got shape "
                                 f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)

    def forward(self, indices):
        return F.embedding(indices, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse:
            text += ", sparse=True"
        return text


class EmbeddingBag(Module):
    """The sum, mean or max of each bag of embeddings without the (N, L, D) lookup kept: a 2-D input is one bag
    per row; a 1-D input is cut into bags at ``offsets`` (bag i = input[offsets[i]:offsets[i+1]], the last to the
    end unless ``include_last_offset``). ``padding_idx`` entries are left out of their bag (and of the mean's
    count); an empty bag gives zeros; ``per_sample_weights`` scale the rows (mode 'sum' only), as PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False, _weight=None,
                 include_last_offset: bool = False, padding_idx: int | None = None, device=None, dtype=None,
                 generator=None):
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ArgumentError(f"mode has to be one of sum, mean or max, got {mode!r}")
        lookup = Embedding(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                           _weight, dtype=dtype, generator=generator)
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, lookup.padding_idx
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self.weight = lookup.weight

    def _starts(self, input, offsets):
        """The bag starts into a 1-D input, checked as PyTorch checks ``offsets``."""
        if input.ndim != 1:
            raise ArgumentError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
        if offsets is None or offsets.ndim != 1:
            raise ArgumentError(f"offsets has to be a 1D Tensor but got {None if offsets is None else offsets.ndim}")
        starts = offsets.data.astype(xp.int64)
        if starts.size and starts[0] != 0:
            raise ArgumentError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                                f"position 0. However, got {starts[0]}")
        if starts.size and ((starts[1:] < starts[:-1]).any() or starts[-1] > input.shape[0]):
            raise ArgumentError(f"EmbeddingBag: offsets must be non-decreasing and at most the input length "
                                f"{input.shape[0]}, got {starts.tolist()}")
        return starts

    def forward(self, input, offsets=None, per_sample_weights=None):
        """(B, D): one row per bag, reduced as a (B, L, D) block in one vectorised pass: a 2-D input (B, L) as it
        is, a 1-D one with bags of different lengths padded to the longest (L) and the padding masked out; when
        that padding would more than double the lookups (or with ``scale_grad_by_freq``, which counts every
        looked-up index) through ``F.embedding_bag`` (segment sums by index_add, maxima by scatter_reduce)."""
        if per_sample_weights is not None and self.mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{self.mode}').")
        if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ArgumentError(f"EmbeddingBag: per_sample_weights of shape {tuple(per_sample_weights.shape)} must "
                                f"have the input's shape {tuple(input.shape)}")
        if input.ndim == 2:
            if offsets is not None:
                raise ArgumentError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                                    f"of fixed length sequences. However, found offsets of type {type(offsets)}")
            return self._block(input, per_sample_weights)
        starts = self._starts(input, offsets)
        end = int(starts[-1]) if self.include_last_offset and starts.size else input.shape[0]
        if self.include_last_offset:  # CSR: the last offset closes the last bag, what follows it belongs to no bag
            starts = starts[:-1]
            input = input[:end]
            per_sample_weights = None if per_sample_weights is None else per_sample_weights[:end]
        if starts.size == 0:
            return zeros(0, self.embedding_dim, dtype=self.weight.dtype)
        lengths = xp.diff(xp.append(starts, end))
        longest = int(lengths.max())
        if (lengths == longest).all():  # equal bags: the input is already a block
            psw = None if per_sample_weights is None else per_sample_weights.reshape(starts.size, longest)
            return self._block(input.reshape(starts.size, longest), psw)
        if self.scale_grad_by_freq or starts.size * longest > 2 * end:
            return F.embedding_bag(input, self.weight, as_tensor(starts), self.max_norm, self.norm_type,
                                   self.scale_grad_by_freq, self.mode, per_sample_weights=per_sample_weights,
                                   padding_idx=self.padding_idx)
        valid = xp.arange(longest) < lengths[:, None]  # (B, L): the block's padding is masked out
        positions = as_tensor(xp.minimum(starts[:, None] + xp.arange(longest), end - 1))  # padding repeats a real id
        psw = None if per_sample_weights is None else per_sample_weights[positions]
        return self._block(input[positions], psw, valid)

    def _block(self, input, per_sample_weights, valid=None):
        """The bags of a (B, L) input: the (B, L, D) lookup summed, averaged or maximised over L, the entries that
        are padding_idx or not ``valid`` masked out (a bag with none left gives zeros)."""
        rows = F.embedding(input, self.weight, None, self.max_norm, self.norm_type, self.scale_grad_by_freq)
        if input.shape[1] == 0:  # empty bags: zeros, still connected to the weight (a zero gradient, as torch)
            return rows.sum(1)
        if per_sample_weights is not None:
            rows = rows * per_sample_weights.unsqueeze(-1)
        keep = valid if self.padding_idx is None else input.data != self.padding_idx  # (B, L) or None
        if valid is not None and self.padding_idx is not None:
            keep &= valid
        if keep is None:
            return rows.amax(1) if self.mode == "max" else rows.sum(1) if self.mode == "sum" else rows.mean(1)
        rows = rows * as_tensor(keep.astype(rows.dtype)[..., None])
        if self.mode == "max":  # left-out entries at -inf, or at 0 where the whole bag is left out
            fill = xp.where(keep, 0.0, xp.where(keep.any(axis=1, keepdims=True), -xp.inf, 0.0)).astype(rows.dtype)
            return (rows + as_tensor(fill[..., None])).amax(1)
        total = rows.sum(1)
        if self.mode == "sum":
            return total
        return total / as_tensor(xp.maximum(keep.sum(axis=1), 1).astype(rows.dtype)[:, None])

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
