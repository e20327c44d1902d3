"""safetensors files, the format Hugging Face and PyTorch users exchange weights in:

    lm.save(model.state_dict(), "weights.safetensors")     # PyTorch reads it: safetensors.torch.load_file
    model.load_state_dict(lm.load("weights.safetensors"))  # written by PyTorch: safetensors.torch.save_file

``lm.save`` / ``lm.load`` come here for a path ending in ``.safetensors`` (and ``lm.load`` also for any file
that starts like one); this module turns objects into the file's bytes and back, ``lamina.io`` reads and writes
the files. The encoding is the ``safetensors`` library's (``pip install safetensors``), never a
copy of it: a little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
then the raw bytes. Like Lamina's own files it holds no code, so loading one cannot run anything.

A safetensors file is a flat mapping of names to arrays (a state_dict), plus optional string metadata;
``encode`` refuses anything else with a clear error. ``lm.save`` writes atomically.
"""
from __future__ import annotations

import os
from collections import OrderedDict

import numpy as np  # host-side: the file's bytes

from .tensor import Tensor

SUFFIX = ".safetensors"
_HEADER_LENGTH_BYTES = 8


def _library():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("lm.save / lm.load of a .safetensors file need the safetensors library: "
                          "pip install safetensors") from None
    return safetensors.numpy


def is_safetensors_path(path) -> bool:
    return isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith(SUFFIX)


def looks_like_safetensors(head: bytes) -> bool:
    """True when ``head`` (a file's first bytes) starts as a safetensors file: an 8-byte header length, then '{'."""
    return len(head) > _HEADER_LENGTH_BYTES and head[_HEADER_LENGTH_BYTES:_HEADER_LENGTH_BYTES + 1] == b"{"


def _flat_arrays(obj) -> dict:
    """name -> C-contiguous ndarray from a state_dict (or a module / optimiser: its state_dict)."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise TypeError(f"save: a .safetensors file holds a flat dict of tensors (a state_dict), got "
                        f"{type(obj).__name__}; use a .pt / .npz path for other objects")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise TypeError(f"save: safetensors names must be str, got {name!r}")
        if isinstance(value, Tensor):
            value = value.data
        if not isinstance(value, np.ndarray):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}; a .safetensors file holds tensors only "
                            "(use a .pt / .npz path for nested state such as an optimiser's)")
        arrays[name] = np.require(value, requirements="C")   # (ascontiguousarray would make a 0-d array 1-d)
    return arrays


def encode(obj, metadata: dict | None = None) -> bytes:
    """The bytes of a safetensors file holding ``obj`` (a state_dict, or a module: its state_dict).
    ``metadata``: optional str -> str pairs stored in the header."""
    return _library().save(_flat_arrays(obj), metadata=metadata)


def decode(data: bytes) -> OrderedDict:
    """name -> Tensor from a safetensors file's bytes; ValueError naming the problem for a damaged file."""
    library = _library()
    from safetensors import SafetensorError
    try:
        arrays = library.load(data)
    except (SafetensorError, ValueError) as err:
        raise ValueError(f"not a valid safetensors file: {err}"[:500]) from None
    return OrderedDict((name, Tensor._wrap(np.array(array))) for name, array in arrays.items())


def metadata(path) -> dict:
    """The string metadata stored in a safetensors file's header (empty when there is none)."""
    import json
    with open(os.fspath(path), "rb") as handle:
        length = int.from_bytes(handle.read(_HEADER_LENGTH_BYTES), "little")
        header = json.loads(handle.read(length))
    return dict(header.get("__metadata__", {}))
