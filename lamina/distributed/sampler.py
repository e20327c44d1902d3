"""``DistributedSampler``: each rank of a data-parallel job its own shard of the dataset, as PyTorch's.

    sampler = DistributedSampler(dataset, shuffle=True, seed=0)   # rank and world size from lamina.distributed
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)                                    # a new order every epoch, the same on all ranks

Every rank draws the same permutation (``Generator(seed + epoch)``), pads it by repeating its start until it
divides by the number of ranks (or, with ``drop_last``, cuts the tail), and takes every ``num_replicas``-th index
from its rank: the shards are disjoint, together they cover the dataset, and they have equal lengths so that
every rank runs the same number of steps (an all-reduce per step).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import ArgumentError
from ..random import Generator, numpy_generator
from . import process_group
from ..data.sampler import Sampler


class DistributedSampler(Sampler):
    """Indices of rank ``rank``'s shard (defaults: this process's rank and the job's world size)."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            num_replicas = process_group.get_world_size() if num_replicas is None else num_replicas
            rank = process_group.get_rank() if rank is None else rank
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ArgumentError(f"DistributedSampler: invalid rank {rank}, rank should be in the interval "
                                f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, int(seed), drop_last, 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = numpy_generator(Generator(self.seed + self.epoch)).permutation(n)
        else:
            indices = np.arange(n)
        if self.drop_last:
            indices = indices[:self.total_size]
        elif self.total_size > n:
            indices = np.resize(indices, self.total_size)     # repeats from the start, as PyTorch's padding
        return iter(indices[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use a different order in this epoch (the same on every rank); call it before each epoch."""
        self.epoch = int(epoch)
