"""The array-library seam.

Every op reaches its array library through the name ``xp`` defined here (NumPy today), so a GPU
backend (CuPy, which mirrors NumPy's API) can slot in without touching the ops. Modules that use
NumPy directly do host-side work (reading files, preparing data, printing, plotting) and say so
in their docstrings.

This module also sets how freed memory is handled (``retain_freed_memory``): a training step frees
and allocates the same large arrays again and again, and handing them back to the operating system
in between makes every step page-fault on fresh memory.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

import numpy as np

xp = np

DEFAULT_FLOAT = np.dtype(np.float32)


def as_dtype(dtype):
    """A dtype object from anything that names one (``lm.float32``, ``"float64"``, ``float``)."""
    return np.dtype(dtype)


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def to_numpy(array):
    """Host copy of an array of the active backend (identity for NumPy)."""
    return np.asarray(array)


# ---- memory ----------------------------------------------------------------------------------------
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3       # mallopt's parameter numbers (glibc's malloc.h)
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024              # glibc's ceiling on 64-bit systems
_DEFAULT_THRESHOLD = 128 * 1024                     # glibc's initial trim and mmap thresholds
_KEEP_UP_TO = 2**31 - 1                              # largest value mallopt takes (an int)


def retain_freed_memory(enabled: bool = True) -> bool:
    """Keep freed memory in the process for the next allocation instead of returning it to the OS.

    glibc's malloc serves large blocks (from 128 KiB, a threshold it raises as it goes) with a fresh
    ``mmap`` and returns them with ``munmap`` when freed, and trims the top of its heap when more than
    a threshold is free there. A training step frees its activations, patch matrices and gradients and
    allocates the same sizes again in the next step; fresh pages fault on first touch, which measured
    2,250 page faults and 4-5 ms of LeNet-5's 9-10 ms step on the development machine (4-6 ms
    without them), in whichever order ``zero_grad``, forward, backward and step are called. With both
    thresholds raised, blocks up to 32 MiB (glibc's ceiling) are reused from the heap. The peak
    resident memory is unchanged: what is kept is what the step needs again.

    Applied when Lamina is imported; ``retain_freed_memory(False)`` restores glibc's defaults (the
    mmap threshold then stays fixed at 128 KiB). Returns True when the setting took effect, False
    where the C library is not glibc (macOS, Windows, musl), which keep their own policies.
    """
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    mmap, trim = (_MMAP_THRESHOLD_MAX, _KEEP_UP_TO) if enabled else (_DEFAULT_THRESHOLD, _DEFAULT_THRESHOLD)
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap)) and bool(mallopt(_M_TRIM_THRESHOLD, trim))


def _glibc_mallopt():
    """glibc's ``mallopt`` function, or None on another C library."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # only glibc has it
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt
