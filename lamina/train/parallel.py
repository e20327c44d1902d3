"""``Model.fit`` under MPI (``mpiexec -n N python train.py`` after ``lamina.distributed.init()``).

What fit does differently when the process group has more than one rank:

- the training arrays are sharded with a ``DistributedSampler`` (the same permutation on every rank, a new one
  per epoch, equal shard sizes), the validation arrays cut in ``world`` disjoint slices;
- if the network is not wrapped in ``DistributedDataParallel``, rank 0's weights are broadcast at the start and
  the gradients averaged after each backward, in one flat all-reduce (wrap it yourself to overlap that
  all-reduce with the backward);
- the epoch's logs (loss, metrics, validation) are averaged over the ranks, weighted by their sample counts, so
  that every rank sees the same numbers and callbacks such as EarlyStopping decide the same way on all of them;
- callbacks marked ``rank_zero_only`` (the progress bar, ModelCheckpoint, CSVLogger, TensorBoard) run on rank 0
  only: one progress bar, one set of files.
"""
from __future__ import annotations

import numpy as np

from ..data.dataloader import DataLoader
from ..data.dataset import TensorDataset
from ..distributed.sampler import DistributedSampler


def process_group():
    """The ``lamina.distributed`` module when this process is one of several ranks, else None."""
    from .. import distributed
    if distributed.is_initialized() and distributed.get_world_size() > 1:
        return distributed
    return None


def _seed_of(generator) -> int:
    seed = generator.initial_seed
    return int(seed() if callable(seed) else seed)


class ParallelFit:
    """The distributed parts of one ``fit`` call."""

    def __init__(self, dist, model):
        self.dist, self.rank, self.world = dist, dist.get_rank(), dist.get_world_size()
        self.sampler = None
        self.averaging = not isinstance(model.module, dist.DistributedDataParallel)
        if self.averaging:
            dist.DistributedDataParallel._broadcast(list(model.parameters()) +
                                                    list(dict(model.named_buffers()).values()))

    def training_batches(self, data, batch_size: int, shuffle: bool, generator):
        """A tuple of arrays becomes this rank's shard; a loader the user passed is used as it is (give it a
        DistributedSampler)."""
        if not isinstance(data, tuple):
            return data, 1
        seed = 0 if generator is None else _seed_of(generator)
        self.sampler = DistributedSampler(data[0], self.world, self.rank, shuffle=shuffle, seed=seed)
        return DataLoader(TensorDataset(*data), batch_size=batch_size, sampler=self.sampler), len(self.sampler)

    def validation_arrays(self, data):
        if not isinstance(data, tuple):
            return data, 1
        shard = tuple(array[self.rank::self.world] for array in data)
        return shard, len(shard[0])

    def start_epoch(self, epoch: int) -> None:
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)

    def average_gradients(self, model) -> None:
        """The Model's gradient hook when the network is not a DistributedDataParallel: one flat all-reduce."""
        params = [p for p in model.parameters() if p.requires_grad]
        if not self.averaging or not params:
            return
        flat = np.concatenate([np.zeros(p.data.size, p.data.dtype) if p.grad is None
                               else np.asarray(p.grad.data).reshape(-1) for p in params])
        self.dist.process_group.all_reduce_array(flat, "fit gradient all_reduce").wait()
        flat /= self.world
        offset = 0
        for p in params:
            mean = flat[offset:offset + p.data.size].reshape(p.data.shape).astype(p.data.dtype)
            offset += p.data.size
            p.grad = p._wrap(mean)

    def reduce_logs(self, logs: dict, weight: int) -> dict:
        """Each value averaged over the ranks, weighted by their sample counts."""
        gathered = self.dist.all_gather_object((logs, weight))
        total = sum(w for _, w in gathered)
        return {key: sum(entry[key] * w for entry, w in gathered) / total for key in logs}

    def callbacks_of_this_rank(self, callbacks: list) -> list:
        return callbacks if self.rank == 0 else [c for c in callbacks if not getattr(c, "rank_zero_only", False)]
