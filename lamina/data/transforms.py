"""Transforms: callables that turn a sample (or a batch) into what a model eats.

    Compose([ToTensor(), Normalize([0.1307], [0.3081])])    # uint8 HxW -> float32 1xHxW, standardised

They are data preprocessing, not differentiable ops: they work on the arrays and give back the kind
of object they got (a Tensor for a Tensor, an array for an array; ``ToTensor`` always gives a Tensor).
"""
from __future__ import annotations

import numpy as np

from ..backend import xp
from ..tensor import Tensor


def unwrap(x):
    """``(array, was_tensor)`` for a Tensor or anything array-like."""
    if isinstance(x, Tensor):
        return x.data, True
    return xp.asarray(x), False


def rewrap(array, was_tensor: bool):
    return Tensor._wrap(array) if was_tensor else array


def float_dtype(array):
    """The float dtype results of ``array`` are computed in: its own if float, else float32."""
    return array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)


class Compose:
    """Apply transforms one after the other: ``Compose([f, g])(x) == g(f(x))``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"


class Lambda:
    """Wrap any function as a transform: ``Lambda(lambda x: x.reshape(-1))``."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)


class ToTensor:
    """An image as a float32 Tensor in CHW layout.

    uint8 ``H x W`` -> ``1 x H x W`` and ``H x W x C`` -> ``C x H x W``, scaled by 1/255 into [0, 1];
    a batch ``N x H x W x C`` -> ``N x C x H x W``. Other dtypes are moved to CHW and cast to
    float32 without scaling (as torchvision does).
    """

    def __call__(self, image) -> Tensor:
        array, _ = unwrap(image)
        if array.ndim == 2:
            array = array[None]
        elif array.ndim == 3:
            array = array.transpose(2, 0, 1)
        elif array.ndim == 4:
            array = array.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"ToTensor: expected an image H x W or H x W x C (or a batch N x H x W x C), "
                             f"got shape {tuple(array.shape)}")
        out = xp.ascontiguousarray(array, dtype=np.float32)
        if array.dtype == np.uint8:
            out *= np.float32(1 / 255)
        return Tensor._wrap(out)


def _per_channel(values, name: str, channels: int, dtype):
    values = xp.asarray(values, dtype=dtype).reshape(-1)
    if values.size not in (1, channels):
        raise ValueError(f"Normalize: {name} has {values.size} values, the image has {channels} channels")
    return values.reshape(-1, 1, 1)


class Normalize:
    """Per-channel ``x' = (x - mean[c]) / std[c]`` on an image ``C x H x W`` or a batch ``N x C x H x W``."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std
        if np.any(np.asarray(std) == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {std}")

    def __call__(self, x):
        array, was_tensor = unwrap(x)
        if array.ndim < 3:
            raise ValueError(f"Normalize: expected C x H x W or N x C x H x W, got shape {tuple(array.shape)}")
        dtype = float_dtype(array)
        channels = array.shape[-3]
        mean = _per_channel(self.mean, "mean", channels, dtype)
        std = _per_channel(self.std, "std", channels, dtype)
        return rewrap(((array - mean) / std).astype(dtype, copy=False), was_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Standardize:
    """The normalisation of the course (seed 000): ``x' = (x - mu) / sigma``, per feature.

    ``fit(x_train)`` computes ``mu = sum(x_i) / N`` and ``sigma = sqrt(sum((x_i - mu)^2) / N)`` over
    ``axis`` (default 0: one mu, sigma per column; ``axis=(0, 2, 3)`` gives one per image channel).
    Fit on the training data only, then transform training and test data with the same mu, sigma.
    A constant feature (sigma = 0) is only centred. ``inverse`` maps back: ``x = x' sigma + mu``.
    """

    def __init__(self, axis=0):
        self.axis = axis
        self.mean = self.std = None

    def fit(self, x) -> Standardize:
        array, _ = unwrap(x)
        dtype = float_dtype(array)
        mean = array.mean(axis=self.axis, keepdims=True, dtype=np.float64)
        std = array.std(axis=self.axis, keepdims=True, dtype=np.float64)
        std[std == 0] = 1.0
        self.mean, self.std = mean.astype(dtype), std.astype(dtype)
        return self

    def _check(self, array, op):
        if self.mean is None:
            raise RuntimeError(f"Standardize.{op}: call fit(x_train) first")
        try:
            np.broadcast_shapes(array.shape, self.mean.shape)
        except ValueError:
            raise ValueError(f"Standardize.{op}: data of shape {tuple(array.shape)} does not match the fitted "
                             f"statistics of shape {tuple(self.mean.shape)}") from None

    def transform(self, x):
        array, was_tensor = unwrap(x)
        self._check(array, "transform")
        dtype = float_dtype(array)
        return rewrap(((array - self.mean) / self.std).astype(dtype, copy=False), was_tensor)

    __call__ = transform

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse(self, x):
        array, was_tensor = unwrap(x)
        self._check(array, "inverse")
        dtype = float_dtype(array)
        return rewrap((array * self.std + self.mean).astype(dtype, copy=False), was_tensor)

    inverse_transform = inverse

    def __repr__(self) -> str:
        fitted = "fitted" if self.mean is not None else "not fitted"
        return f"Standardize(axis={self.axis}, {fitted})"
