"""``DataLoader``: mini-batches over a dataset, optionally shuffled, one epoch per ``iter()``.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=lm.Generator(0))
    for xb, yb in loader:          # len(loader) batches; every sample exactly once per epoch
        ...

Fast path: for a batched dataset (``TensorDataset``, ``Subset`` of one, MNIST) each batch is ONE
gather ``x[perm[i:i + B]]`` of the underlying arrays, or a view ``x[i:i + B]`` when not shuffled.
Nothing copies the whole set per epoch and no Python loop runs over samples. Other datasets take
the generic path: ``collate_fn([ds[i] for i in batch_indices])``.

``sampler=`` (an iterable of indices) or ``batch_sampler=`` (an iterable of index lists, e.g. a
``BatchSampler`` or batches of similar lengths) set the order instead, as in PyTorch; the fast path
then gathers each batch's index list in one go.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from ..backend import xp
from ..random import Generator, numpy_generator
from ..tensor import Tensor
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(samples: list):
    """Stack a list of samples into a batch, keeping the samples' structure.

    Tensors and arrays are stacked on a new first axis; Python floats become a float32 tensor,
    ints int64, bools bool; NumPy scalars keep their dtype; tuples and lists are collated field by
    field, dicts key by key; strings stay a list.
    """
    if not samples:
        raise ValueError("default_collate: got an empty batch")
    first = samples[0]
    if isinstance(first, Tensor):
        return Tensor._wrap(xp.stack([s.data for s in samples]))
    if isinstance(first, (np.ndarray, np.generic)):
        return Tensor._wrap(xp.stack([xp.asarray(s) for s in samples]))
    if isinstance(first, bool):
        return Tensor._wrap(xp.asarray(samples, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor._wrap(xp.asarray(samples, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._wrap(xp.asarray(samples, dtype=np.float32))
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if len({len(s) for s in samples}) != 1:
            raise ValueError(f"default_collate: samples have different lengths {sorted({len(s) for s in samples})}")
        fields = [default_collate(list(column)) for column in zip(*samples)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # namedtuple
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}; pass collate_fn=")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    ``shuffle``: a new permutation each epoch, drawn from ``generator`` (or the default generator,
    so ``lm.manual_seed`` makes it reproducible); the same seed gives the same sequence of epochs.
    ``drop_last``: skip the last batch when it is smaller than ``batch_size``.
    ``sampler``: any iterable of indices, batched ``batch_size`` at a time (not with ``shuffle``).
    ``batch_sampler``: any iterable of index lists, one per batch (not with ``batch_size``,
    ``shuffle``, ``sampler`` or ``drop_last``; ``batch_size`` is then None, as in PyTorch).
    ``collate_fn``: turns a list of samples into a batch (default ``default_collate``); giving one
    uses the generic path.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, sampler=None, batch_sampler=None,
                 drop_last: bool = False, collate_fn=None, generator: Generator | None = None):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                             "drop_last")
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.collate_fn = collate_fn
        self.generator = generator
        self._own_order = sampler is None and batch_sampler is None  # the built-in order: slices or one permutation
        if batch_sampler is not None:
            self.batch_size, self.drop_last = None, False
        else:
            self.batch_size, self.drop_last = int(batch_size), bool(drop_last)
        if sampler is None:  # PyTorch's defaults, for code that reads them (the built-in order does not use them)
            shuffled = shuffle and len(dataset) > 0  # an empty set has no permutation for RandomSampler to draw
            sampler = RandomSampler(dataset, generator=generator) if shuffled else SequentialSampler(dataset)
        self.sampler = sampler
        self.batch_sampler = batch_sampler if batch_sampler is not None else \
            BatchSampler(sampler, self.batch_size, self.drop_last)

    def __len__(self) -> int:
        if not self._own_order:
            return len(self.batch_sampler)
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _fast(self) -> bool:
        return self.collate_fn is None and bool(getattr(self.dataset, "batched", False))

    def __iter__(self):
        if not self._own_order:
            yield from self._sampled_batches()
            return
        n, size = len(self.dataset), self.batch_size
        order = numpy_generator(self.generator).permutation(n) if self.shuffle else None
        stop = n - n % size if self.drop_last else n
        fast, collate = self._fast(), self.collate_fn or default_collate
        for start in range(0, stop, size):
            end = min(start + size, n)
            index = slice(start, end) if order is None else order[start:end]
            if fast:
                yield self.dataset.get_batch(index)
            else:
                positions = range(start, end) if order is None else index.tolist()
                yield collate([self.dataset[i] for i in positions])

    def _sampled_batches(self):
        """Batches in the order of ``batch_sampler`` (the given one, or ``sampler`` cut into batches)."""
        fast, collate = self._fast(), self.collate_fn or default_collate
        for batch in self.batch_sampler:
            if fast:
                yield self.dataset.get_batch(np.asarray(batch, dtype=np.int64).reshape(-1))
            else:
                yield collate([self.dataset[i] for i in batch])

    def __repr__(self) -> str:
        order = "" if self._own_order else f", batch_sampler={type(self.batch_sampler).__name__}"
        batches = f"{len(self)} batches" if self._own_order or hasattr(self.batch_sampler, "__len__") else "unsized"
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}{order}, {batches})")
