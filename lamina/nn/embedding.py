"""``Embedding``: a lookup table of learned vectors, one row per token (word2vec's input matrix);
``EmbeddingBag``: the sum, mean or max of bags of them."""
from __future__ import annotations

from .. import functional as F
from ..autograd import no_grad
from ..backend import to_numpy, xp
from ..creation import as_tensor, empty, zeros
from ..functional import stack
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

    def _bags(self, input, offsets):
        """The bags as (start, stop) pairs into the flattened input."""
        if input.ndim == 2:
            if offsets is not None:
                raise ArgumentError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                                    f"of fixed length sequences. However, found offsets of type {type(offsets)}")
            n, length = input.shape
            return [(i * length, (i + 1) * length) for i in range(n)]
        if input.ndim != 1:
            raise ArgumentError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
        if offsets is None or offsets.ndim != 1:
            raise ArgumentError(f"offsets has to be a 1D Tensor but got {None if offsets is None else offsets.ndim}")
        starts = [int(v) for v in to_numpy(offsets.data)]
        if starts and starts[0] != 0:
            raise ArgumentError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                                f"position 0. However, got {starts[0]}")
        if any(b < a for a, b in zip(starts, starts[1:])) or (starts and starts[-1] > input.shape[0]):
            raise ArgumentError(f"EmbeddingBag: offsets must be non-decreasing and at most the input length "
                                f"{input.shape[0]}, got {starts}")
        ends = starts[1:] if self.include_last_offset else starts[1:] + [input.shape[0]]
        return list(zip(starts, ends))

    def forward(self, input, offsets=None, per_sample_weights=None):
        if per_sample_weights is not None and self.mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{self.mode}').")
        if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ArgumentError(f"EmbeddingBag: per_sample_weights of shape {tuple(per_sample_weights.shape)} must "
                                f"have the input's shape {tuple(input.shape)}")
        bags = self._bags(input, offsets)
        flat = input.reshape(-1)
        rows = F.embedding(flat, self.weight, None, self.max_norm, self.norm_type, self.scale_grad_by_freq)
        keep = xp.ones(flat.shape[0], dtype=bool) if self.padding_idx is None else \
            to_numpy(flat.data) != self.padding_idx
        if per_sample_weights is not None:
            rows = rows * per_sample_weights.reshape(-1, 1)
        rows = rows * as_tensor(keep.astype(rows.dtype)[:, None])
        outputs = []
        for start, stop in bags:
            count = int(keep[start:stop].sum())
            if count == 0:
                outputs.append(zeros(self.embedding_dim, dtype=self.weight.dtype))
            elif self.mode == "max":
                chosen = xp.nonzero(keep[start:stop])[0] + start
                outputs.append(rows[as_tensor(chosen)].max(0)[0])
            else:
                total = rows[start:stop].sum(0)
                outputs.append(total / count if self.mode == "mean" else total)
        return stack(outputs) if outputs else zeros(0, self.embedding_dim, dtype=self.weight.dtype)

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
