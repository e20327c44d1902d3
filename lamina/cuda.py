"""``lm.cuda``: PyTorch's ``torch.cuda`` questions, answered truthfully.

CUDA GPUs will be reached through CuPy (the ``gpu`` extra). ``is_available()`` is True only when CuPy imports
and finds a GPU; the rest follows PyTorch: ``device_count()`` is 0 without one, ``manual_seed`` is ignored
without one, and what needs a GPU raises ``DeviceError`` saying why there is none.
"""
from __future__ import annotations

import functools

from .errors import DeviceError


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why CUDA cannot be used here (None when it can)."""
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed (pip install \"lamina[gpu]\")"
    except Exception as err:      # a broken CUDA install makes CuPy's import fail in many ways
        return f"CuPy failed to import ({type(err).__name__}: {err})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:
        return f"CuPy finds no CUDA driver or GPU ({type(err).__name__}: {err})"
    return None if count > 0 else "CuPy finds no CUDA GPU"


def is_available() -> bool:
    return unavailable_reason() is None


def device_count() -> int:
    if not is_available():
        return 0
    import cupy
    return int(cupy.cuda.runtime.getDeviceCount())


def _require(what: str) -> None:
    reason = unavailable_reason()
    if reason is not None:
        raise DeviceError(f"cuda.{what}: CUDA is not available: {reason}")


def current_device() -> int:
    _require("current_device")
    import cupy
    return int(cupy.cuda.runtime.getDevice())


def get_device_name(device=None) -> str:
    _require("get_device_name")
    import cupy
    index = 0 if device is None else int(getattr(device, "index", device) or 0)
    return cupy.cuda.runtime.getDeviceProperties(index)["name"].decode()


def synchronize(device=None) -> None:
    _require("synchronize")
    import cupy
    cupy.cuda.runtime.deviceSynchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator; silently ignored when there is no GPU, as PyTorch does."""


manual_seed_all = manual_seed


def is_initialized() -> bool:
    return False


def empty_cache() -> None:
    """Nothing to free: there is no GPU memory pool yet."""
