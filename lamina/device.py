"""Devices: where a tensor's array lives, and so which array library computes on it. The seam of the GPU backend.

    lm.device("cpu")                 # NumPy (Lamina's array library today)
    lm.device("cuda:0")              # CuPy on GPU 0, once the CuPy backend is there and a GPU is present
    lm.cuda.is_available()           # True only when CuPy imports and sees a GPU: answered truthfully
    lm.set_default_device("cpu")     # where creation functions put new tensors

A device names an array library: ``cpu`` is NumPy; ``cuda`` will be CuPy (which mirrors NumPy's API, so the ops
do not change). Asking for a device that is absent, on any path (``device=`` of a creation function,
``Tensor.to``, ``Module.to``, ``set_default_device``), raises ``DeviceError`` saying what is missing. Today every
tensor is on the CPU.
"""
from __future__ import annotations

from .errors import ArgumentError, DeviceError

KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "mtia", "hpu")


class device:
    """``device("cpu")``, ``device("cuda", 1)``, ``device("cuda:1")``, ``device(0)`` (CUDA device 0), as PyTorch.
    Equal to another device of the same type and index, and to its string (``device("cpu") == "cpu"``)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None):
        if isinstance(type, device) or _foreign_device(type):   # also PyTorch's own torch.device
            type, index = str(type.type), type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif isinstance(type, str):
            name, _, number = type.partition(":")
            if number:
                if index is not None:
                    raise ArgumentError(f"device: type (string) must not include an index because index was "
                                        f"passed explicitly: {type}")
                if not number.isdigit():
                    raise ArgumentError(f"Invalid device string: '{type}'")
                index = int(number)
            type = name
        else:
            raise TypeError(f"device() received an invalid argument: {type!r}")
        if type not in KNOWN_TYPES:
            raise ArgumentError(f"Expected one of {', '.join(KNOWN_TYPES)} device type at start of device string: "
                                f"{type}")
        if index is not None and index < 0:
            raise ArgumentError(f"Device index must not be negative, got {index}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("device is immutable")

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (ArgumentError, TypeError):
                return False
        if _foreign_device(other):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and _index(self) == _index(other)

    def __hash__(self):
        return hash((self.type, _index(self)))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return device, (self.type, self.index)


def _foreign_device(value) -> bool:
    """A device object of another library with PyTorch's ``type`` and ``index`` (``torch.device``)."""
    return type(value).__name__ == "device" and hasattr(value, "type") and hasattr(value, "index")


def _index(d: device):
    """cpu and cpu:0 are the same device; cuda means the current CUDA device (0)."""
    return 0 if d.index is None else d.index


CPU = device("cpu")
_default = [CPU]


def as_device(value, what: str = "device") -> device:
    """A ``device`` from a device, a string or a CUDA index, checked to be present; None means the default."""
    if value is None:
        return _default[0]
    found = value if isinstance(value, device) else device(value)
    return check_available(found, what)


def check_available(found: device, what: str = "device") -> device:
    if found.type == "cpu" and _index(found) == 0:
        return found
    if found.type == "cuda":
        from . import cuda
        reason = cuda.unavailable_reason()
        if reason is None:
            raise DeviceError(f"{what}: {found} is present, but Lamina's CuPy backend is not built yet; tensors "
                              "stay on the CPU for now")
        raise DeviceError(f"{what}: device {str(found)!r} is not available: {reason}. Compute on the CPU, "
                          "device='cpu' (or pick it with: 'cuda' if lm.cuda.is_available() else 'cpu')")
    raise DeviceError(f"{what}: device {str(found)!r} is not available: Lamina computes with NumPy on the CPU "
                      "(and with CuPy on CUDA GPUs when the gpu extra is installed); it has no "
                      f"{found.type} backend")


def set_default_device(value) -> None:
    """Where creation functions put new tensors when they are given no ``device=`` (checked to be present)."""
    _default[0] = CPU if value is None else as_device(value, "set_default_device")


def get_default_device() -> device:
    return _default[0]
