"""Datasets: anything with ``len(ds)`` and ``ds[i]``; ``TensorDataset``, ``Subset``, ``random_split``.

A dataset that can fetch a whole batch at once sets ``batched = True`` and defines
``get_batch(index)``, where ``index`` is a slice or a 1-D int64 array; it returns the batch already
collated. The ``DataLoader`` then takes each batch with one gather (or one view, when the order is
not shuffled) instead of a Python loop over samples.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..backend import xp
from ..random import Generator, numpy_generator
from ..tensor import Tensor


class Dataset:
    """Base class: subclasses define ``__len__`` and ``__getitem__(i) -> sample``."""

    batched = False  # True when get_batch(index) fetches a collated batch in one go

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def get_batch(self, index):
        raise NotImplementedError(f"{type(self).__name__} cannot fetch batches; use ds[i]")


def _as_data_tensor(value) -> Tensor:
    """A Tensor over ``value`` without copying arrays (dtype kept) and outside any graph."""
    if isinstance(value, Tensor):
        return Tensor._wrap(value.data)
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    return Tensor(value)


class TensorDataset(Dataset):
    """Sample ``i`` is ``(t[i] for t in tensors)``: ``TensorDataset(x, y)[i] == (x[i], y[i])``.

    Tensors and NumPy arrays are kept as they are (no copy, dtype kept); the batches of a
    ``DataLoader`` over this dataset are one slice or one fancy-index gather of each tensor.
    """

    batched = True

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        self.tensors = tuple(_as_data_tensor(t) for t in tensors)
        shapes = [tuple(t.shape) for t in self.tensors]
        if any(len(s) == 0 for s in shapes) or len({s[0] for s in shapes}) != 1:
            raise ValueError(f"TensorDataset: all tensors need the same first dimension, got shapes {shapes}")

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        return tuple(Tensor._wrap(xp.asarray(t.data[index])) for t in self.tensors)

    def get_batch(self, index):
        return tuple(Tensor._wrap(t.data[index]) for t in self.tensors)

    def __repr__(self) -> str:
        return f"TensorDataset({', '.join(str(tuple(t.shape)) for t in self.tensors)})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, idx)[k] == ds[idx[k]]``."""

    def __init__(self, dataset, indices):
        indices = xp.asarray(indices.data if isinstance(indices, Tensor) else indices, dtype=np.int64).reshape(-1)
        n = len(dataset)
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(f"Subset: indices must lie in [0, {n}) for a dataset of {n} samples, "
                             f"got range [{indices.min()}, {indices.max()}]")
        self.dataset = dataset
        self.indices = indices % n if n else indices

    @property
    def batched(self) -> bool:
        return bool(getattr(self.dataset, "batched", False))

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def get_batch(self, index):
        return self.dataset.get_batch(self.indices[index])

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.dataset)} samples)"


def _split_lengths(lengths, n: int) -> list[int]:
    """Integer lengths summing to n, or fractions summing to 1 (floors, then one more each to the first)."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    if all(isinstance(v, numbers.Integral) for v in lengths):
        if any(v < 0 for v in lengths) or sum(lengths) != n:
            raise ValueError(f"random_split: integer lengths {lengths} must be >= 0 and sum to the dataset size {n}")
        return [int(v) for v in lengths]
    if any(not isinstance(v, numbers.Real) or not 0 <= v <= 1 for v in lengths) or not math.isclose(sum(lengths), 1.0):
        raise ValueError(f"random_split: lengths {lengths} must be integers summing to {n} "
                         f"or fractions in [0, 1] summing to 1")
    counts = [math.floor(n * f) for f in lengths]
    for i in range(n - sum(counts)):  # the remainder, one each, round robin
        counts[i % len(counts)] += 1
    return counts


def random_split(dataset, lengths, generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are integers summing to ``len(dataset)`` or fractions summing to 1
    (``random_split(ds, [0.8, 0.2], generator=lm.Generator(0))``). The same seed gives the same split.
    """
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    order = numpy_generator(generator).permutation(n)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
