"""Independent pieces of array work run at once, one per core, each with single-threaded BLAS.

A recurrent layer's time loop is a chain of small products ((32, 256) x (256, 1024) per step) and elementwise
passes: BLAS gains little from a second thread on a product that small, and NumPy's elementwise passes use one
core. The sequences of a batch are independent, though, so the loop can run on the two halves of the batch at
once, on two Python threads (NumPy and BLAS release the GIL while they compute), each half's products on one
BLAS thread. ``row_blocks`` cuts the batch; ``run_parallel`` runs the halves.

Threads are used only where they can help: with ``threadpoolctl`` installed (it sets the BLAS library's thread
count for the duration; the ``fast`` extra brings it), when BLAS was allowed more than one thread (the user's
``OPENBLAS_NUM_THREADS=1`` or ``threadpoolctl`` limit is respected: the work then runs in order on this thread),
and when each block has enough rows.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

MIN_ROWS = 8  # rows per block below which splitting costs more than it saves

_blas = None
_pool: tuple[int, ThreadPoolExecutor] | None = None   # (the process that made it, the pool)


def _blas_controller():
    """threadpoolctl's controller of the loaded BLAS libraries, or False without threadpoolctl."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas = False
        else:
            _blas = ThreadpoolController().select(user_api="blas")
            _blas = _blas if _blas.lib_controllers else False
    return _blas


def cores_for(rows: int) -> int:
    """How many blocks a batch of ``rows`` independent rows should be cut into (1: do not split)."""
    blas = _blas_controller()
    if not blas or rows < 2 * MIN_ROWS:
        return 1
    return min(2, blas.lib_controllers[0].get_num_threads())


def row_blocks(rows: int, parts: int):
    """``parts`` contiguous slices covering range(rows), as equal as possible."""
    edges = [rows * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


def run_parallel(tasks):
    """The results of the callables ``tasks``, run at once on threads with single-threaded BLAS (in order on
    this thread when there is one task)."""
    global _pool
    if len(tasks) == 1:
        return [tasks[0]()]
    if _pool is None or _pool[0] != os.getpid():   # a forked child (a DataLoader worker) has no pool threads
        _pool = os.getpid(), ThreadPoolExecutor(max_workers=2, thread_name_prefix="lamina-rows")
    with _blas_controller().limit(limits=1):
        futures = [_pool[1].submit(task) for task in tasks]
        return [future.result() for future in futures]
