"""Samplers: the order in which a ``DataLoader`` visits a dataset, as ``torch.utils.data``.

    sampler = RandomSampler(dataset, generator=lm.Generator(0))      # indices, one at a time
    batches = BatchSampler(sampler, batch_size=32, drop_last=False)   # lists of indices
    loader = DataLoader(dataset, batch_sampler=batches)

A sampler is any iterable of indices (a batch sampler: of index lists); ``len()`` is optional but
``DataLoader.__len__`` needs it. Randomness comes from a Lamina ``Generator`` (or the default one, so
``lm.manual_seed`` makes every epoch reproducible); each ``iter()`` draws a new order. Host-side: the
indices are NumPy integers turned into Python ints, as PyTorch's are.
"""
from __future__ import annotations

import itertools
import numbers

import numpy as np

from ..errors import ArgumentError
from ..random import Generator, numpy_generator


def _positive_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


class Sampler:
    """Base class: a subclass defines ``__iter__`` (indices or index lists) and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of ``range(len(data_source))``: a new permutation per ``num_samples``-long pass without
    ``replacement`` (``num_samples`` > n chains whole permutations, the last one cut short); uniform draws
    with it. ``num_samples`` defaults to the dataset's length."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None):
        self.data_source, self.replacement, self._num_samples, self.generator = (data_source, replacement,
                                                                                 num_samples, generator)
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not _positive_int(self.num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count, rng = len(self.data_source), int(self.num_samples), numpy_generator(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=count).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        if count % n:
            yield from rng.permutation(n)[:count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new one per ``iter()``), without replacement."""

    def __init__(self, indices, generator: Generator | None = None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for i in numpy_generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices of ``range(len(weights))``, index i drawn with probability weights[i] / sum(weights)
    (weights need not sum to one); without ``replacement`` an index is drawn at most once."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator: Generator | None = None):
        if not _positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights, self.num_samples, self.replacement, self.generator = (weights, int(num_samples), replacement,
                                                                            generator)

    def _probabilities(self) -> np.ndarray:
        """weights / sum(weights), checked as ``torch.multinomial`` checks them (RuntimeError)."""
        w = self.weights
        if not np.isfinite(w).all():
            raise ArgumentError("WeightedRandomSampler: invalid multinomial distribution (encountering probability "
                                "entry = infinity or NaN)")
        if (w < 0).any():
            raise ArgumentError("WeightedRandomSampler: invalid multinomial distribution (encountering probability "
                                "entry < 0)")
        if w.sum() <= 0:
            raise ArgumentError("WeightedRandomSampler: invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > len(w):
            raise ArgumentError(f"WeightedRandomSampler: cannot sample n_sample > prob_dist.size(-1) samples without "
                                f"replacement (num_samples={self.num_samples}, {len(w)} weights)")
        return w / w.sum()

    def __iter__(self):
        p, rng = self._probabilities(), numpy_generator(self.generator)
        if self.replacement:
            yield from rng.choice(len(p), size=self.num_samples, p=p).tolist()
            return
        # without replacement: the indices ordered by Exp(1) / p_i (Efraimidis-Spirakis), which draws them one after
        # another with probability proportional to p among those left; zero weights come last, as in torch
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=len(p)) / p
        yield from np.argsort(keys, kind="stable")[:self.num_samples].tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` consecutive indices from ``sampler`` (any iterable); the last, shorter list is
    dropped when ``drop_last``."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not _positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
