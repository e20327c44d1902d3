"""A segmentation task without a download of its own: MNIST digits scattered on noisy canvases, with a mask
that gives every pixel its class (course seed 002's U-Net needs one).

    train = digit_canvases(train=True, n=8000, seed=0)    # canvases built from the MNIST training digits
    test = digit_canvases(train=False, n=1000, seed=1)    # ... from the MNIST test digits
    train.images, train.masks      # uint8 (N, 64, 64) grey levels, uint8 (N, 64, 64) classes 0..10
    x, y = train.as_tensors()      # float32 (N, 1, 64, 64) in [0, 1], int64 (N, 64, 64)
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True): ...   # the same, a batch at a time

Each canvas holds two to four digits, each scaled by a random factor and shifted to a random place near the
centre of its own quarter of the canvas (neighbours may overlap: a later digit is drawn over an earlier one), on a
background of random grey level with Gaussian noise. Class 0 is the background, class 1 + d the digit d: a pixel
belongs to a digit where that digit's (scaled) ink is above ``threshold``, the last digit drawn winning where inks
overlap.

The drawing is vectorised: scaling and shifting a 28x28 digit D onto the canvas is bilinear interpolation,
which is separable, so the drawn digit is ``Ry @ D @ Rx^T`` with (size, 28) interpolation matrices Ry, Rx of
hat-function weights (one batched matrix product per digit slot; 10,000 canvases take about a second).

Host-side: generated with NumPy in host memory (seeded by ``seed``, independent of Lamina's generator).
"""
from __future__ import annotations

import numpy as np

from ..backend import xp
from ..data.dataset import Dataset
from ..errors import ArgumentError
from ..tensor import Tensor
from .mnist import mnist

CANVAS_CLASSES = ("background",) + tuple(f"digit {d}" for d in range(10))


class SegmentationDataset(Dataset):
    """Images with a class per pixel: ``images`` uint8 (N, H, W), ``masks`` uint8 (N, H, W) of class indices.

    ``ds[i]`` is ``(float32 (1, H, W) in [0, 1], int64 (H, W))``; a ``DataLoader`` fetches whole batches
    ``(float32 (B, 1, H, W), int64 (B, H, W))`` with one gather. ``digits`` (N, K) and ``sources`` (N, K) are
    the label and the index in the source set of each canvas's digits, in drawing order (-1: no digit).
    """

    batched = True

    def __init__(self, images, masks, classes=CANVAS_CLASSES, digits=None, sources=None):
        if images.ndim != 3 or masks.shape != images.shape:
            raise ArgumentError(f"SegmentationDataset: expected images (N, H, W) and masks of the same shape, got "
                                f"{tuple(images.shape)} and {tuple(masks.shape)}")
        self.images, self.masks, self.classes = images, masks, tuple(classes)
        self.digits, self.sources = digits, sources

    def __len__(self) -> int:
        return self.images.shape[0]

    @staticmethod
    def _pair(images, masks):
        x = xp.asarray(images[..., None, :, :].astype(np.float32) * np.float32(1 / 255))
        return Tensor._wrap(x), Tensor._wrap(xp.asarray(masks.astype(np.int64)))

    def get_batch(self, index):
        return self._pair(self.images[index], self.masks[index])

    def __getitem__(self, index):
        index = int(index)
        return self._pair(self.images[index], self.masks[index])

    def as_tensors(self) -> tuple[Tensor, Tensor]:
        """The whole set: ``(float32 (N, 1, H, W) in [0, 1], int64 (N, H, W))``."""
        return self._pair(self.images, self.masks)

    def __repr__(self) -> str:
        return f"SegmentationDataset({len(self)} images of {self.images.shape[1:]}, {len(self.classes)} classes)"


def _interpolation_matrices(start, scale, size: int, source: int = 28):
    """(N, size, source) bilinear weights: output pixel r samples the source at u = (r + 0.5 - start) / scale - 0.5,
    weight max(0, 1 - |u - j|) on source pixel j (zero outside the source: the digit's surroundings are empty)."""
    u = (np.arange(size, dtype=np.float32)[None, :] + 0.5 - start[:, None]) / scale[:, None] - 0.5
    return np.maximum(0, 1 - np.abs(u[:, :, None] - np.arange(source, dtype=np.float32)[None, None, :]))


def _places(rng, n: int, slots: int, size: int, box):
    """Top-left corners (each (n, slots)) of the digit boxes: the k-th digit of a canvas is centred in its own
    quarter of the canvas (a random order of the four quarters, then again), moved by up to a quarter of the
    canvas's side each way and kept on the canvas; neighbours can overlap, but rarely cover each other."""
    quarters = np.argsort(rng.uniform(size=(n, 4)), axis=1)[:, np.arange(slots) % 4]
    half, jitter = size / 2, size / 4
    centres = [half * (0.5 + (quarters // 2 if axis == 0 else quarters % 2)) + rng.uniform(-jitter, jitter, (n, slots))
               for axis in (0, 1)]
    return [np.clip(c - box / 2, 0, size - box).astype(np.float32) for c in centres]


def render_digit_canvases(digit_images, digit_labels, n: int, size: int = 64, seed: int = 0, digits_per_canvas=(2, 4),
                          scale=(0.8, 1.2), noise: float = 0.1, threshold: float = 0.5) -> SegmentationDataset:
    """``n`` canvases drawn from the digits ``digit_images`` uint8 (M, 28, 28) with labels (M,); see the module
    docstring. ``scale``: the range of the zoom factor (the 28x28 digit box becomes 28 * scale pixels wide)."""
    low, high = digits_per_canvas
    if not 1 <= low <= high:
        raise ArgumentError(f"digit_canvases: digits_per_canvas must be (low, high) with 1 <= low <= high, got "
                            f"{digits_per_canvas}")
    box = int(np.ceil(28 * scale[1]))
    if box > size:
        raise ArgumentError(f"digit_canvases: the largest digit ({box} pixels at scale {scale[1]}) does not fit on a "
                            f"{size}x{size} canvas")
    rng = np.random.default_rng(seed)
    counts = rng.integers(low, high + 1, n)
    sources = rng.integers(0, len(digit_images), (n, high))
    sources[np.arange(high)[None, :] >= counts[:, None]] = -1
    zoom = rng.uniform(*scale, (n, high)).astype(np.float32)
    top, left = _places(rng, n, high, size, 28 * zoom)
    canvas = np.broadcast_to(rng.uniform(0, 0.3, (n, 1, 1)).astype(np.float32), (n, size, size)).copy()
    masks = np.zeros((n, size, size), np.uint8)
    labels = np.where(sources >= 0, np.asarray(digit_labels)[np.maximum(sources, 0)], -1)
    for slot in range(high):
        drawn = sources[:, slot] >= 0
        digit = np.asarray(digit_images)[sources[drawn, slot]].astype(np.float32) * np.float32(1 / 255)
        rows = _interpolation_matrices(top[drawn, slot], zoom[drawn, slot], size)
        cols = _interpolation_matrices(left[drawn, slot], zoom[drawn, slot], size)
        ink = np.clip(rows @ digit @ cols.transpose(0, 2, 1), 0, 1)        # (n drawn, size, size)
        canvas[drawn] = canvas[drawn] * (1 - ink) + ink                     # white ink over what is below
        masks[drawn] = np.where(ink > threshold, (1 + labels[drawn, slot])[:, None, None], masks[drawn])
    canvas += np.float32(noise) * rng.standard_normal(canvas.shape, dtype=np.float32)
    images = np.round(np.clip(canvas, 0, 1) * 255).astype(np.uint8)
    return SegmentationDataset(images, masks, CANVAS_CLASSES, labels.astype(np.int64), sources.astype(np.int64))


def digit_canvases(train: bool = True, n: int = 10000, size: int = 64, seed: int = 0, root=None,
                   download: bool = True, **options) -> SegmentationDataset:
    """``n`` seeded ``size`` x ``size`` canvases of two to four MNIST digits with an 11-class mask per pixel, built
    from the MNIST training digits (``train=True``) or test digits; MNIST is read from ``root``, $LAMINA_DATA or
    the cache (see ``mnist``). ``options``: ``digits_per_canvas``, ``scale``, ``noise``, ``threshold`` of
    ``render_digit_canvases``."""
    if n < 0:
        raise ArgumentError(f"digit_canvases: n must be >= 0, got {n}")
    source = mnist(root=root, train=train, download=download)
    return render_digit_canvases(source.data, source.targets, n, size, seed, **options)
