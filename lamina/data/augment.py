"""Data augmentation: the image transformations of the courses (seed 004: grey scale, edge enhanced,
flip/rotate; a shift of a digit's pixels), written in NumPy and vectorised over the batch.

Every class takes ``generator=`` (an ``lm.Generator``; without one the default generator, so
``lm.manual_seed`` makes it reproducible) and works on an image ``H x W``, ``C x H x W`` or a batch
``N x C x H x W``, as a Tensor or an array; it returns the same kind, shape layout and dtype (uint8
results are rounded and clipped to 0..255). Each image of a batch draws its own random parameters.

    augment = Compose([RandomRotation(10, generator=g), RandomTranslation(0.1, generator=g)])
    xb = augment(xb)                                  # xb: (64, 1, 28, 28)

The deterministic functions (``hflip``, ``vflip``, ``rotate``, ``translate``, ``grayscale``,
``edge_enhance``) do the work and take one parameter per image or one for all.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..backend import xp
from ..random import Generator, numpy_generator
from .transforms import float_dtype, rewrap, unwrap

LUMA_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601-2: L = 0.299 R + 0.587 G + 0.114 B


# ---- plumbing: any image layout in, a batch (N, C, H, W) inside ---------------------------------
def _on_batch(x, op: str, fn):
    """Apply ``fn(batch) -> batch`` to ``x`` (H x W, C x H x W or N x C x H x W) and restore its layout."""
    array, was_tensor = unwrap(x)
    if array.ndim not in (2, 3, 4):
        raise ValueError(f"{op}: expected an image H x W, C x H x W or a batch N x C x H x W, got shape "
                         f"{tuple(array.shape)}")
    lead = 4 - array.ndim
    out = fn(array.reshape((1,) * lead + array.shape))
    if lead == 2 and out.shape[1] != 1:  # an H x W image made into several channels
        return rewrap(out[0], was_tensor)
    return rewrap(out.reshape(out.shape[lead:]), was_tensor)


def _finish(out, dtype):
    """Back to the input dtype; integers are rounded half up (as PIL) and clipped to their range."""
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return xp.clip(xp.floor(out + 0.5), info.min, info.max).astype(dtype)
    return out.astype(dtype, copy=False)


def _per_image(value, n: int, name: str, dtype=np.float64):
    value = xp.asarray(value, dtype=dtype).reshape(-1)
    if value.size == 1:
        return xp.broadcast_to(value, (n,))
    if value.size != n:
        raise ValueError(f"{name}: got {value.size} values for a batch of {n} images")
    return value


def _some(batch, p: float, rng, fn):
    """``fn`` applied to each image with probability p (one draw per image)."""
    if p >= 1:
        return fn(batch)
    chosen = rng.random(batch.shape[0]) < p
    out = batch.copy()
    if chosen.any():
        out[chosen] = fn(batch[chosen])
    return out


def _crop(batch, top, left, height: int, width: int):
    """One gather: image n's window [top[n]:top[n]+height, left[n]:left[n]+width]."""
    windows = sliding_window_view(batch, (height, width), axis=(2, 3))  # (N, C, H', W', h, w), a view
    return windows[xp.arange(batch.shape[0]), :, top, left]  # (N, C, h, w)


def _pad(batch, pad_y: int, pad_x: int, fill):
    if pad_y == 0 and pad_x == 0:
        return batch
    return xp.pad(batch, ((0, 0), (0, 0), (pad_y, pad_y), (pad_x, pad_x)), constant_values=fill)


def _sample(batch, src_y, src_x, interpolation: str, fill):
    """out[n, c, i, j] = batch[n, c] read at (src_y[n, i, j], src_x[n, i, j]); outside reads ``fill``.

    The batch gets a two-pixel frame of ``fill`` and every read is clamped into the frame, so a read
    from outside (and a bilinear blend across the edge) meets ``fill`` without any mask. Indices
    are int32 flat positions for ``np.take``, cheaper here than ``take_along_axis`` with int64.
    """
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
    n, c, h, w = batch.shape
    dtype, size = float_dtype(batch), src_y.shape[1:]
    framed = _pad(batch.astype(dtype, copy=False), 2, 2, fill).ravel()
    stride, area = w + 4, (h + 4) * (w + 4)  # a row, and an image, of the framed batch
    index_type = np.int32 if framed.size < 2**31 else np.int64  # int32 indices: half the memory traffic
    images = (xp.arange(n * c, dtype=index_type) * area).reshape(n, c, 1)  # where each (n, c) image starts
    if interpolation == "nearest":
        rows = xp.clip(xp.floor(src_y + 0.5), -2, h + 1) + 2
        cols = xp.clip(xp.floor(src_x + 0.5), -2, w + 1) + 2
        out = xp.take(framed, (rows * stride + cols).astype(index_type).reshape(n, 1, -1) + images)
        return _finish(out.reshape(n, c, *size), batch.dtype)
    y0, x0 = xp.floor(src_y), xp.floor(src_x)
    wy, wx = (src_y - y0).reshape(n, 1, -1), (src_x - x0).reshape(n, 1, -1)
    corner = ((xp.clip(y0, -2, h) + 2) * stride + xp.clip(x0, -2, w) + 2).astype(index_type)  # exact integers
    corner = corner.reshape(n, 1, -1) + images  # the top-left neighbour of each read, (n, c, pixels)
    v00, v01 = xp.take(framed, corner), xp.take(framed, corner + 1)
    v10, v11 = xp.take(framed, corner + stride), xp.take(framed, corner + (stride + 1))
    top = v00 + (v01 - v00) * wx
    out = top + (v10 + (v11 - v10) * wx - top) * wy
    return _finish(out.reshape(n, c, *size), batch.dtype)


# ---- the transformations themselves -------------------------------------------------------------
def hflip(x):
    """Mirror left-right: ``[[1, 2], [3, 4]] -> [[2, 1], [4, 3]]``."""
    return _on_batch(x, "hflip", lambda b: b[..., ::-1].copy())


def vflip(x):
    """Mirror top-bottom: ``[[1, 2], [3, 4]] -> [[3, 4], [1, 2]]``."""
    return _on_batch(x, "vflip", lambda b: b[..., ::-1, :].copy())


def _rotate(batch, degrees, interpolation, fill):
    n, _, h, w = batch.shape
    dtype = float_dtype(batch)
    theta = xp.deg2rad(_per_image(degrees, n, "rotate")).reshape(n, 1, 1)
    cos, sin = xp.cos(theta).astype(dtype), xp.sin(theta).astype(dtype)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    u = (xp.arange(w, dtype=dtype) - dtype.type(cx)).reshape(1, 1, w)  # coordinates about the centre,
    v = (dtype.type(cy) - xp.arange(h, dtype=dtype)).reshape(1, h, 1)  # v pointing up
    # output (u, v) comes from the input point rotated back by -theta
    return _sample(batch, dtype.type(cy) - (v * cos - u * sin), dtype.type(cx) + (u * cos + v * sin), interpolation,
                   fill)


def rotate(x, degrees, interpolation: str = "bilinear", fill=0.0):
    """Rotate counter-clockwise by ``degrees`` about the image centre (``np.rot90`` for 90).

    Each output pixel reads the input at its position rotated back by -theta, interpolated
    (``'bilinear'`` or ``'nearest'``); pixels from outside the image get ``fill``.
    """
    return _on_batch(x, "rotate", lambda b: _rotate(b, degrees, interpolation, fill))


def _translate(batch, dy, dx, fill):
    n, _, h, w = batch.shape
    dy = _per_image(dy, n, "translate", np.int64)
    dx = _per_image(dx, n, "translate", np.int64)
    pad_y, pad_x = int(xp.abs(dy).max(initial=0)), int(xp.abs(dx).max(initial=0))
    return _crop(_pad(batch, pad_y, pad_x, fill), pad_y - dy, pad_x - dx, h, w)


def translate(x, dy, dx, fill=0.0):
    """Shift by whole pixels: ``out[y, x] = in[y - dy, x - dx]`` (dx > 0 moves the content right);
    uncovered pixels get ``fill``."""
    return _on_batch(x, "translate", lambda b: _translate(b, dy, dx, fill))


def _grayscale(batch, num_output_channels: int):
    channels = batch.shape[1]
    if channels == 1:
        gray = batch
    elif channels == 3:
        weights = xp.asarray(LUMA_WEIGHTS, dtype=float_dtype(batch)).reshape(1, 3, 1, 1)
        gray = _finish((batch * weights).sum(axis=1, keepdims=True), batch.dtype)
    else:
        raise ValueError(f"grayscale: expected 1 or 3 (RGB) channels, got {channels} (shape {tuple(batch.shape)})")
    return xp.repeat(gray, num_output_channels, axis=1) if num_output_channels != 1 else gray.copy()


def grayscale(x, num_output_channels: int = 1):
    """ITU-R 601-2 luma, as PIL's ``convert('L')``: ``L = 0.299 R + 0.587 G + 0.114 B``,
    repeated on ``num_output_channels`` (1 or 3) channels."""
    if num_output_channels not in (1, 3):
        raise ValueError(f"grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
    return _on_batch(x, "grayscale", lambda b: _grayscale(b, num_output_channels))


def _edge_enhance(batch, more: bool):
    center, scale = (9.0, 1.0) if more else (10.0, 2.0)
    x = batch.astype(float_dtype(batch))  # a copy: the border stays as it is
    h, w = x.shape[2:]
    if h >= 3 and w >= 3:
        box = sum(x[:, :, i:h - 2 + i, j:w - 2 + j] for i in range(3) for j in range(3))
        x[:, :, 1:-1, 1:-1] = ((center + 1) * x[:, :, 1:-1, 1:-1] - box) / scale
    return _finish(x, batch.dtype)


def edge_enhance(x, more: bool = False):
    """PIL's ``EDGE_ENHANCE``: the 3x3 kernel [[-1, -1, -1], [-1, 10, -1], [-1, -1, -1]] / 2
    (``more=True``: ``EDGE_ENHANCE_MORE``, centre 9, scale 1). As in PIL, the one-pixel border is
    left as it is and uint8 results are rounded and clipped; float results are not clipped."""
    return _on_batch(x, "edge_enhance", lambda b: _edge_enhance(b, more))


# ---- random augmentations -------------------------------------------------------------------------
class Augmentation:
    """Base class: ``__call__`` turns the input into a batch and calls ``apply(batch, rng)``."""

    def __init__(self, generator: Generator | None = None):
        self.generator = generator

    def apply(self, batch, rng):
        raise NotImplementedError

    def __call__(self, x):
        return _on_batch(x, type(self).__name__, lambda b: self.apply(b, numpy_generator(self.generator)))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "generator")
        return f"{type(self).__name__}({params})"


def _probability(p, name):
    if not 0 <= p <= 1:
        raise ValueError(f"{name}: p must be in [0, 1], got {p}")
    return float(p)


class RandomHorizontalFlip(Augmentation):
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None):
        super().__init__(generator)
        self.p = _probability(p, "RandomHorizontalFlip")

    def apply(self, batch, rng):
        return _some(batch, self.p, rng, lambda b: b[..., ::-1].copy())


class RandomVerticalFlip(Augmentation):
    """Mirror each image top-bottom with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None):
        super().__init__(generator)
        self.p = _probability(p, "RandomVerticalFlip")

    def apply(self, batch, rng):
        return _some(batch, self.p, rng, lambda b: b[..., ::-1, :].copy())


class RandomRotation(Augmentation):
    """Rotate each image by an angle drawn uniformly from [-degrees, degrees] (or [lo, hi])."""

    def __init__(self, degrees, interpolation: str = "bilinear", fill=0.0, generator: Generator | None = None):
        super().__init__(generator)
        lo, hi = (-abs(degrees), abs(degrees)) if np.isscalar(degrees) else tuple(degrees)
        if lo > hi:
            raise ValueError(f"RandomRotation: degrees range ({lo}, {hi}) is empty")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"RandomRotation: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.degrees, self.interpolation, self.fill = (float(lo), float(hi)), interpolation, fill

    def apply(self, batch, rng):
        angles = rng.uniform(*self.degrees, size=batch.shape[0])
        return _rotate(batch, angles, self.interpolation, self.fill)


class RandomTranslation(Augmentation):
    """Shift each image by whole pixels, at most ``fraction`` of its height and width
    (``fraction`` or ``(fraction_y, fraction_x)``): dy uniform in {-round(f H), ..., round(f H)}."""

    def __init__(self, fraction, fill=0.0, generator: Generator | None = None):
        super().__init__(generator)
        fy, fx = (fraction, fraction) if np.isscalar(fraction) else tuple(fraction)
        if not (0 <= fy <= 1 and 0 <= fx <= 1):
            raise ValueError(f"RandomTranslation: fractions must be in [0, 1], got {fraction}")
        self.fraction, self.fill = (float(fy), float(fx)), fill

    def apply(self, batch, rng):
        n, _, h, w = batch.shape
        max_y, max_x = round(self.fraction[0] * h), round(self.fraction[1] * w)
        dy = rng.integers(-max_y, max_y + 1, size=n)
        dx = rng.integers(-max_x, max_x + 1, size=n)
        return _translate(batch, dy, dx, self.fill)


RandomShift = RandomTranslation


class RandomCrop(Augmentation):
    """Pad each side by ``padding`` (with ``fill``), then cut a random ``size`` window from each image."""

    def __init__(self, size, padding=0, fill=0.0, generator: Generator | None = None):
        super().__init__(generator)
        self.size = (int(size), int(size)) if np.isscalar(size) else tuple(int(s) for s in size)
        self.padding = (int(padding), int(padding)) if np.isscalar(padding) else tuple(int(p) for p in padding)
        self.fill = fill

    def apply(self, batch, rng):
        padded = _pad(batch, *self.padding, self.fill)
        (h, w), (ph, pw) = self.size, padded.shape[2:]
        if h > ph or w > pw:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the padded image {(ph, pw)}")
        n = batch.shape[0]
        return _crop(padded, rng.integers(0, ph - h + 1, size=n), rng.integers(0, pw - w + 1, size=n), h, w)


class Grayscale(Augmentation):
    """ITU-R 601-2 luma (see ``grayscale``). With ``p < 1`` only some images turn grey, so the output
    must keep 3 channels (``num_output_channels=3``)."""

    def __init__(self, num_output_channels: int = 1, p: float = 1.0, generator: Generator | None = None):
        super().__init__(generator)
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
        self.p = _probability(p, "Grayscale")
        if self.p < 1 and num_output_channels != 3:
            raise ValueError("Grayscale: with p < 1 the output keeps its channels; use num_output_channels=3")
        self.num_output_channels = num_output_channels

    def apply(self, batch, rng):
        return _some(batch, self.p, rng, lambda b: _grayscale(b, self.num_output_channels))


class EdgeEnhance(Augmentation):
    """PIL's ``EDGE_ENHANCE`` (``more=True``: ``EDGE_ENHANCE_MORE``) on each image with probability ``p``."""

    def __init__(self, more: bool = False, p: float = 1.0, generator: Generator | None = None):
        super().__init__(generator)
        self.more, self.p = bool(more), _probability(p, "EdgeEnhance")

    def apply(self, batch, rng):
        return _some(batch, self.p, rng, lambda b: _edge_enhance(b, self.more))


class GaussianNoise(Augmentation):
    """Add noise ``N(mean, std^2)`` to every pixel; ``clip=(lo, hi)`` bounds float results
    (uint8 images are always clipped to 0..255; give ``std`` in their units)."""

    def __init__(self, std: float, mean: float = 0.0, clip=None, generator: Generator | None = None):
        super().__init__(generator)
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be >= 0, got {std}")
        self.std, self.mean, self.clip = float(std), float(mean), clip

    def apply(self, batch, rng):
        dtype = float_dtype(batch)
        noise = rng.standard_normal(batch.shape, dtype=np.float64 if dtype == np.float64 else np.float32)
        out = batch.astype(dtype) + (noise * dtype.type(self.std) + dtype.type(self.mean)).astype(dtype, copy=False)
        if self.clip is not None:
            out = xp.clip(out, *self.clip)
        return _finish(out, batch.dtype)
