"""``Dropout``: zero each activation with probability p in training, scale the rest by 1/(1-p)."""
from __future__ import annotations

from .. import functional as F
from .module import Module
from ..errors import ArgumentError


class Dropout(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False, generator=None):
        """``inplace`` is PyTorch's argument, accepted so PyTorch code runs; the result is a new array."""
        super().__init__()
        if not 0 <= p < 1:
            raise ArgumentError(f"Dropout: p must be in [0, 1), got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, x):
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def flops(self, input_shape, output_shape) -> int:
        """0: an identity at inference, when models are counted."""
        return 0

    def extra_repr(self) -> str:
        return f"p={self.p}"
