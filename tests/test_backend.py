"""The backend: the array library behind ``xp``, and how freed memory is handled."""
import platform
import subprocess
import sys

import numpy as np

import lamina as lm
from lamina import backend


FAULTS_OF_A_FRESH_ARRAY = """
import resource, sys
import numpy as np
import lamina
if sys.argv[1] == "defaults":
    lamina.backend.retain_freed_memory(False)   # glibc's defaults: big blocks go back to the OS
size = 3 * 2**20 // 4          # 3 MB: below the 4 MB from which NumPy asks for huge pages
np.ones(size, dtype=np.float32)                  # allocated, touched and freed
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(size, dtype=np.float32)                  # the same size again
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults_of_a_fresh_array(setting: str) -> int:
    """Minor page faults taken by allocating and filling a 3 MB array after an equal one was freed, in a
    new process (whose heap has no free blocks yet from earlier work)."""
    result = subprocess.run([sys.executable, "-c", FAULTS_OF_A_FRESH_ARRAY, setting], capture_output=True,
                            text=True, check=True)
    return int(result.stdout)


def test_freed_arrays_are_reused_instead_of_faulting_in_fresh_pages():
    if platform.libc_ver()[0] != "glibc":
        assert backend.retain_freed_memory() is False  # other C libraries keep their own policy
        return
    pages = 3 * 2**20 // 4096
    assert backend.retain_freed_memory() is True       # what importing lamina does
    assert page_faults_of_a_fresh_array("lamina") < pages // 10
    assert page_faults_of_a_fresh_array("defaults") > pages // 2


def test_arrays_come_from_the_backend_and_host_arrays_are_wrapped_without_a_copy():
    host = np.arange(6, dtype=np.float32)
    t = lm.from_numpy(host)
    assert isinstance(t.data, backend.xp.ndarray) and np.shares_memory(t.data, host)
    assert backend.to_numpy(t.data) is not None and backend.as_dtype("float64") == np.float64
    assert backend.is_floating(lm.float32) and not backend.is_floating(lm.int64)
