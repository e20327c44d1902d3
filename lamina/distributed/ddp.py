"""``DistributedDataParallel``: data-parallel training, one model replica per rank, gradients averaged.

    model = DistributedDataParallel(net)        # every rank now holds rank 0's parameters and buffers
    for x, y in loader:                          # each rank its own shard (DistributedSampler)
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()          # gradients averaged over the ranks during the backward
        optimizer.step()                         # so every rank takes the same step

Each rank computes the gradient of its own batch's mean loss; the mean of those over N ranks is the gradient of
the mean loss over the N batches together, so N ranks with batch B step exactly as one process with batch N B
(up to the order of float additions).

The averaging is bucketed and overlapped, as PyTorch's: the parameters are grouped, in reverse order of
registration (roughly the order the backward finishes them), into buckets of about ``bucket_cap_mb``; a
post-accumulate-grad hook marks each parameter's gradient ready, and when a bucket's last gradient is ready the
bucket is copied into one flat buffer and its all-reduce started (``MPI_Iallreduce``) while the backward goes on
with the layers below. At the end of the backward every all-reduce is waited for and the averaged gradients
are written back into ``.grad``. A parameter that got no gradient in this backward takes part with zeros (all
ranks must reduce the same buffers). ``no_sync()``: backwards inside it only accumulate locally (gradient
accumulation); the first backward outside averages the accumulated sum.
"""
from __future__ import annotations

import contextlib
import time

import numpy as np  # host-side: the flat buckets MPI reduces

from .. import autograd
from ..nn.module import Module
from . import process_group as pg


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training on the process group (``lamina.distributed.init()`` first)."""

    def __init__(self, module: Module, device_ids=None, output_device=None, broadcast_buffers: bool = True,
                 bucket_cap_mb: float = 25.0, find_unused_parameters: bool = False, process_group=None, **kwargs):
        super().__init__()
        if not pg.is_initialized():
            pg.init()
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        self._world = pg.get_world_size()
        self._sync_module_states()
        self._buckets = _make_buckets([p for p in module.parameters() if p.requires_grad], bucket_cap_mb)
        self._handles = [p.register_post_accumulate_grad_hook(self._gradient_ready)
                         for bucket in self._buckets for p in bucket.params] if self._world > 1 else []
        self._bucket_of = {id(p): bucket for bucket in self._buckets for p in bucket.params}
        self._pass_started = False
        self.reduction_seconds, self.reductions = 0.0, 0   # time at the end of backwards spent finishing all-reduces

    # ---- wrapping ---------------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        if self.broadcast_buffers and self._world > 1 and self.training:
            self._broadcast(dict(self.module.named_buffers()).values())
        return self.module(*args, **kwargs)

    def _sync_module_states(self) -> None:
        """Every rank starts from rank 0's parameters and buffers."""
        if self._world > 1:
            self._broadcast(list(self.module.parameters()) + list(dict(self.module.named_buffers()).values()))

    @staticmethod
    def _broadcast(tensors) -> None:
        works = [pg.broadcast(t, src=0, async_op=True) for t in tensors if t is not None and t.data.size]
        for work in works:
            work.wait()

    def state_dict(self, *args, **kwargs):
        """The wrapped module's state_dict (no ``module.`` prefix), so a checkpoint loads into the plain model."""
        return self.module.state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict, strict: bool = True, **kwargs):
        return self.module.load_state_dict(state_dict, strict=strict, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backwards inside only accumulate gradients locally; the next one outside averages the sum."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ---- the gradient all-reduce -------------------------------------------------------------------------
    def _gradient_ready(self, parameter) -> None:
        if not self.require_backward_grad_sync:
            return
        if not self._pass_started:
            self._pass_started = True
            for bucket in self._buckets:
                bucket.reset()
            autograd.queue_callback(self._finish_reduction)
        bucket = self._bucket_of[id(parameter)]
        bucket.ready.add(id(parameter))
        if len(bucket.ready) == len(bucket.params):
            bucket.start()

    def _finish_reduction(self) -> None:
        """End of the backward: start what a missing gradient held back, wait, write the means into .grad."""
        start = time.perf_counter()
        self._pass_started = False
        for bucket in self._buckets:
            if bucket.work is None:
                bucket.start()
        for bucket in self._buckets:
            bucket.finish(self._world)
        self.reduction_seconds += time.perf_counter() - start
        self.reductions += 1


class _Bucket:
    """Parameters whose gradients are reduced together, through one flat buffer."""

    def __init__(self, params: list):
        self.params = params
        sizes = [p.data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        dtype = np.result_type(*[p.data.dtype for p in params])
        self.buffer = np.zeros(int(self.offsets[-1]), dtype=dtype)
        self.ready: set = set()
        self.work = None

    def reset(self) -> None:
        self.ready, self.work = set(), None

    def start(self) -> None:
        for p, start, end in zip(self.params, self.offsets[:-1], self.offsets[1:]):
            if p.grad is None:
                self.buffer[start:end] = 0
            else:
                self.buffer[start:end] = p.grad.data.reshape(-1)
        self.work = pg.all_reduce_array(self.buffer, "DistributedDataParallel gradient all_reduce")

    def finish(self, world: int) -> None:
        self.work.wait()
        self.buffer /= world
        for p, start, end in zip(self.params, self.offsets[:-1], self.offsets[1:]):
            mean = self.buffer[start:end].reshape(p.data.shape)
            if p.grad is None or not p.grad.data.flags.writeable:
                p.grad = p._wrap(mean.astype(p.data.dtype, copy=True))
            else:
                p.grad.data[...] = mean
        self.work = None


def _make_buckets(params: list, cap_mb: float) -> list:
    """Buckets of about ``cap_mb`` MB, filled from the last parameter to the first (the backward's order), one
    dtype per bucket."""
    buckets, current, size, cap = [], [], 0, cap_mb * 2 ** 20
    for p in reversed(params):
        if current and (size + p.data.nbytes > cap or p.data.dtype != current[0].data.dtype):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(p)
        size += p.data.nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets
