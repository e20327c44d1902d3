"""``Embedding``: a lookup table of learned vectors, one row per token (word2vec's input matrix)."""
from __future__ import annotations

from .. import functional as F
from ..creation import empty
from . import init
from .module import Module, Parameter
from ..errors import ArgumentError


class Embedding(Module):
    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, dtype=None,
                 generator=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ArgumentError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                                 f"({num_embeddings}), or negative from the end")
            padding_idx %= num_embeddings  # -1 is the last row, stored as its index (as PyTorch)
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype))
        init.normal_(self.weight, generator=generator)  # N(0, 1), as PyTorch
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0

    def forward(self, indices):
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
