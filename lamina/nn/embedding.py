"""``Embedding``: a lookup table of learned vectors, one row per token (word2vec's input matrix)."""
from __future__ import annotations

from .. import functional as F
from ..autograd import no_grad
from ..creation import as_tensor, empty
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
