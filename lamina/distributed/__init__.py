"""Data-parallel training on several processes or machines, over MPI, with PyTorch's vocabulary.

    mpiexec -n 4 python train.py

    import lamina.distributed as dist
    dist.init()
    model = dist.DistributedDataParallel(net)                  # rank 0's weights everywhere
    sampler = dist.DistributedSampler(dataset)                 # each rank its own shard
    loader = lm.data.DataLoader(dataset, batch_size=64, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()

    process_group.py  init, get_rank, get_world_size, all_reduce, broadcast, barrier, ReduceOp; failure guards
    ddp.py            DistributedDataParallel: bucketed gradient all-reduce overlapped with the backward, no_sync
    sampler.py        DistributedSampler: each rank its own shard of the dataset

``Model.fit`` works under MPI too (wrap the network in DistributedDataParallel, or let fit do it): it shards the
arrays it is given, prints and writes files from rank 0 only, and reduces the epoch's metrics over the ranks.
The cost model of multi-node training, and the speed measured here, are in docs/distributed.md.
"""
from .ddp import DistributedDataParallel
from .sampler import DistributedSampler
from .process_group import (DistributedError, ReduceOp, Work, all_gather_object, all_reduce, barrier, broadcast,
                            broadcast_object, destroy_process_group, get_rank, get_world_size, init,
                            init_process_group, is_available, is_initialized)

__all__ = ["DistributedDataParallel", "DistributedSampler", "DistributedError", "ReduceOp", "Work",
           "all_gather_object", "all_reduce", "barrier", "broadcast", "broadcast_object", "destroy_process_group",
           "get_rank", "get_world_size", "init", "init_process_group", "is_available", "is_initialized"]
