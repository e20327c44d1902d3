"""``lm.accelerator``: PyTorch's device-neutral questions (``torch.accelerator``), which PyTorch's tutorials ask:

    device = lm.accelerator.current_accelerator().type if lm.accelerator.is_available() else "cpu"

An accelerator here is a CUDA GPU reached through CuPy; without one, ``current_accelerator()`` is None.
"""
from __future__ import annotations

from . import cuda
from .device import device


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """``device('cuda')`` when a CUDA GPU can be used, else None."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()
