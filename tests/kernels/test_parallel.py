"""kernels/parallel.py: cutting a batch into row blocks and running them at once with single-threaded BLAS."""
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from lamina.kernels import parallel


@pytest.mark.parametrize("rows, parts", [(32, 2), (33, 2), (5, 1), (7, 3)])
def test_row_blocks_cover_the_rows_once_in_order(rows, parts):
    blocks = parallel.row_blocks(rows, parts)
    assert len(blocks) == parts
    assert np.concatenate([np.arange(rows)[b] for b in blocks]).tolist() == list(range(rows))
    assert max(b.stop - b.start for b in blocks) - min(b.stop - b.start for b in blocks) <= 1


def test_blocks_follow_the_blas_thread_count_and_small_batches_stay_whole():
    with threadpool_limits(limits=1, user_api="blas"):
        assert parallel.cores_for(64) == 1
    with threadpool_limits(limits=2, user_api="blas"):
        assert parallel.cores_for(64) == 2
        assert parallel.cores_for(2 * parallel.MIN_ROWS - 1) == 1


def test_tasks_run_on_other_threads_with_one_blas_thread_and_the_limit_is_restored():
    def task(k):
        blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
        return k, threading.current_thread().name, blas

    with threadpool_limits(limits=2, user_api="blas"):
        results = parallel.run_parallel([lambda k=k: task(k) for k in range(2)])
        after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert [k for k, _, _ in results] == [0, 1]
    assert all(name.startswith("lamina-rows") and blas == [1] * len(blas) for _, name, blas in results)
    assert after == [2] * len(after)
    assert parallel.run_parallel([lambda: threading.current_thread().name]) == [threading.current_thread().name]
