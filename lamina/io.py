"""Saving and loading: ``lm.save(obj, path)`` / ``lm.load(path)``, with no pickle anywhere.

A file is a NumPy ``.npz`` archive: every array is stored as an ``.npy`` member, and the structure
that holds them (dicts, lists, numbers, strings) is JSON in the member ``__structure__``. Loading
uses ``np.load(allow_pickle=False)`` and ``json``, so a crafted file cannot run code.

Writes are atomic: the archive is written to a temporary file beside the target, flushed to disk,
then renamed over it; a process killed mid-save leaves the previous file intact.

What can be saved: tensors, NumPy arrays, numbers, strings, None, and dicts / lists / tuples of
them; a ``Module`` is saved as its ``state_dict()``, an optimiser or scheduler as its state_dict.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .tensor import Tensor

FORMAT = "lamina-npz-1"


def _encode(obj, arrays: dict):
    """Turn ``obj`` into JSON-able data, moving arrays into ``arrays`` (name -> ndarray)."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        return {"__state_of__": type(obj).__name__, "state": _encode(obj.state_dict(), arrays)}
    if isinstance(obj, Tensor):
        name = f"a{len(arrays)}"
        arrays[name] = np.asarray(obj.data)
        return {"__tensor__": name, "requires_grad": bool(obj.requires_grad)}
    if isinstance(obj, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = obj
        return {"__ndarray__": name}
    if isinstance(obj, np.generic):
        return {"__scalar__": obj.item(), "dtype": str(obj.dtype)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    raise TypeError(f"save: cannot save an object of type {type(obj).__name__}; "
                    "save tensors, arrays, numbers, strings and dicts/lists of them (or a state_dict)")


def _decode(data, arrays):
    if isinstance(data, list):
        return [_decode(v, arrays) for v in data]
    if not isinstance(data, dict):
        return data
    if "__tensor__" in data:
        t = Tensor._wrap(arrays[data["__tensor__"]])
        if data.get("requires_grad"):
            t.requires_grad = True
        return t
    if "__ndarray__" in data:
        return arrays[data["__ndarray__"]]
    if "__scalar__" in data:
        return np.dtype(data["dtype"]).type(data["__scalar__"])
    if "__tuple__" in data:
        return tuple(_decode(v, arrays) for v in data["__tuple__"])
    if "__dict__" in data:
        return OrderedDict((_decode(k, arrays), _decode(v, arrays)) for k, v in data["__dict__"])
    if "__state_of__" in data:
        return _decode(data["state"], arrays)
    raise ValueError(f"load: unknown entry {sorted(data)} in the file's structure")


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb"):
    """Write to a temporary file in the same folder, flushed to disk, then moved onto ``path``.

    If the block fails (or the process dies) ``path`` keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        with open(temporary, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def save(obj, path) -> None:
    """Save ``obj`` to ``path`` atomically (see the module docstring for what can be saved)."""
    arrays: dict = {}
    structure = json.dumps({"format": FORMAT, "object": _encode(obj, arrays)})
    with atomic_write(os.fspath(path)) as handle:
        np.savez(handle, __structure__=np.frombuffer(structure.encode("utf-8"), dtype=np.uint8), **arrays)


def load(path):
    """Read what ``save`` wrote. Arrays come back as tensors where tensors were saved."""
    path = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise ValueError(f"load: {path} is not a Lamina file ({err})") from None
    with archive:
        if "__structure__" not in archive.files:
            raise ValueError(f"load: {path} has no __structure__ entry; it was not written by lamina.save")
        try:
            header = json.loads(bytes(archive["__structure__"]).decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as err:
            raise ValueError(f"load: {path} has a corrupted structure entry ({err})") from None
        if header.get("format") != FORMAT:
            raise ValueError(f"load: {path} has format {header.get('format')!r}, expected {FORMAT!r}")
        arrays = {name: archive[name] for name in archive.files if name != "__structure__"}
    return _decode(header["object"], arrays)

