"""Dropout layers: ``Dropout`` (each element), ``Dropout1d/2d/3d`` (whole channels), ``AlphaDropout`` and
``FeatureAlphaDropout`` (SELU's self-normalising dropout). In training an element (or channel) is zeroed with
probability p and the rest scaled by 1/(1-p); in eval each is the identity."""
from __future__ import annotations

import math
import warnings

from .. import functional as F
from ..creation import ones
from .module import Module
from ..errors import ArgumentError

_SELU_ALPHA = 1.7580993408473766  # -SELU's negative saturation: scale * alpha


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False, generator=None):
        """``inplace`` is PyTorch's argument, accepted so PyTorch code runs; the result is a new array."""
        super().__init__()
        if not 0 <= p <= 1:
            raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def flops(self, input_shape, output_shape) -> int:
        """0: an identity at inference, when models are counted."""
        return 0

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    def forward(self, x):
        return F.dropout(x, self.p, self.training, generator=self.generator)


def _keep_mask(x, shape, p, generator):
    """keep / (1 - p) of ``shape`` (broadcasting against x), keep ~ Bernoulli(1 - p); a constant."""
    return F.dropout(ones(*shape, dtype=x.dtype), p, True, generator=generator)


class _ChannelDropout(_DropoutNd):
    """Each channel (all of its ``spatial`` positions) zeroed together; (N, C, *spatial) or unbatched (C, *spatial)."""

    spatial = 1

    def _channel_shape(self, x) -> tuple:
        """The mask's shape, as PyTorch: Dropout1d takes only (N, C, L) / (C, L); Dropout2d reads any input as
        (N, C, *) (a 3-D one as (N, C, L)); Dropout3d reads all but 5-D input as unbatched (C, *); other ranks
        than the usual warn."""
        name, batched = type(self).__name__, self.spatial + 2
        if x.ndim not in (batched - 1, batched):
            if self.spatial == 1:
                raise ArgumentError(f"{name}: Expected {batched - 1}D or {batched}D input, but received a "
                                    f"{x.ndim}D input of shape {tuple(x.shape)}")
            warnings.warn(f"{name}: Received a {x.ndim}-D input, expected {batched - 1}-D (unbatched) or "
                          f"{batched}-D input", UserWarning, stacklevel=3)
        unbatched = x.ndim != batched and self.spatial != 2
        channel_dims = 1 if unbatched else 2
        if x.ndim == 0 or (not unbatched and x.ndim < 2):
            raise ArgumentError(f"{name}: Feature dropout requires at least 2 dimensions in the input, got shape "
                                f"{tuple(x.shape)}")
        return tuple(x.shape[:channel_dims]) + (1,) * (x.ndim - channel_dims)

    def forward(self, x):
        shape = self._channel_shape(x)
        if not self.training or self.p == 0:
            return x
        return x * _keep_mask(x, shape, self.p, self.generator)


class Dropout1d(_ChannelDropout):
    """Channel dropout of (N, C, L) or (C, L)."""

    spatial = 1


class Dropout2d(_ChannelDropout):
    """Channel dropout of (N, C, H, W) (a 3-D input is read as (N, C, L), as PyTorch, with its warning)."""

    spatial = 2


class Dropout3d(_ChannelDropout):
    """Channel dropout of (N, C, D, H, W) or (C, D, H, W)."""

    spatial = 3


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's zero mean and unit variance: a dropped element becomes -alpha' (SELU's
    saturation, alpha' = 1.7581), then y = a (x keep + alpha' (1 - keep)) + b with
    a = ((1 - p)(1 + p alpha'^2))^(-1/2) and b = -a alpha' p... as PyTorch: y = a x keep + a alpha' (keep - 1 + p)."""

    def _noise_shape(self, x) -> tuple:
        return tuple(x.shape)

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0.0
        keep = _keep_mask(x, self._noise_shape(x), self.p, self.generator) * (1 - self.p)  # 0 or 1
        a = 1.0 / math.sqrt((_SELU_ALPHA ** 2 * self.p + 1) * (1 - self.p))
        return x * (keep * a) + (keep - 1) * (_SELU_ALPHA * a) + _SELU_ALPHA * a * self.p


class FeatureAlphaDropout(AlphaDropout):
    """Alpha dropout of whole channels of (N, C, *) input."""

    def _noise_shape(self, x) -> tuple:
        if x.ndim < 2:
            raise ArgumentError(f"FeatureAlphaDropout: Feature dropout requires at least 2 dimensions in the "
                                f"input, got shape {tuple(x.shape)}")
        return tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
