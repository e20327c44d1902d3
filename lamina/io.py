"""Saving and loading: ``lm.save(obj, path)`` / ``lm.load(path)``, with no pickle anywhere.

A file is a NumPy ``.npz`` archive: every array is stored as an ``.npy`` member, and the structure
that holds them (dicts, lists, numbers, strings) is JSON in the member ``__structure__``. Only numeric
and boolean arrays are saved (an object array would be pickled by NumPy, so it is refused, and so are
string arrays). Loading reads the zip members itself and parses each ``.npy`` header before allocating:
a header whose shape needs more bytes than its member holds, an object or string dtype, a truncated or
corrupted archive, a structure nested too deep or naming missing arrays all raise ``CorruptFileError``
(a ``ValueError``) naming the file and the problem; nothing is unpickled, so a crafted file cannot run code.

Writes are atomic: the archive is written to a temporary file beside the target, flushed to disk,
then renamed over it; a process killed mid-save leaves the previous file intact.

What can be saved: tensors, NumPy arrays, numbers, strings, None, and dicts / lists / tuples of
them; a ``Module`` is saved as its ``state_dict()``, an optimiser or scheduler as its state_dict.

A path ending in ``.safetensors`` reads and writes the safetensors format instead (``lamina/io_safetensors.py``),
to exchange weights with PyTorch and Hugging Face.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np  # host-side: files are NumPy archives

from . import io_safetensors
from .tensor import Tensor

FORMAT = "lamina-npz-1"
_SAVABLE_KINDS = "biufc"  # bool, integers, floats, complex: arrays that NumPy writes without pickling
_DEFLATE_MAX_RATIO = 1032  # deflate expands at most ~1032x: a member claiming more is a zip bomb
_MAX_NESTING = 200  # dicts/lists inside each other in the structure (json and the decoder recurse)


class CorruptFileError(ValueError):
    """``load`` was given a file that is not a valid Lamina archive (truncated, corrupted, or crafted)."""


def _check_savable(array: np.ndarray, what: str) -> np.ndarray:
    if array.dtype.kind not in _SAVABLE_KINDS or array.dtype.hasobject:
        raise TypeError(f"save: cannot save {what} of dtype {array.dtype}: only numeric and boolean arrays are "
                        "saved (an object array would need pickle; save strings as Python str)")
    return array


def _encode(obj, arrays: dict):
    """Turn ``obj`` into JSON-able data, moving arrays into ``arrays`` (name -> ndarray)."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        return {"__state_of__": type(obj).__name__, "state": _encode(obj.state_dict(), arrays)}
    if isinstance(obj, Tensor):
        name = f"a{len(arrays)}"
        arrays[name] = _check_savable(np.asarray(obj.data), "a tensor")
        return {"__tensor__": name, "requires_grad": bool(obj.requires_grad)}
    if isinstance(obj, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = _check_savable(obj, "an array")
        return {"__ndarray__": name}
    if isinstance(obj, np.generic):
        if obj.dtype.kind not in _SAVABLE_KINDS:
            return _encode(obj.item(), arrays)  # np.str_ -> str
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


def _decode(data, arrays, depth=0):
    if depth > _MAX_NESTING:
        raise CorruptFileError(f"the structure is nested more than {_MAX_NESTING} levels deep")
    if isinstance(data, list):
        return [_decode(v, arrays, depth + 1) for v in data]
    if not isinstance(data, dict):
        return data
    if "__tensor__" in data:
        t = Tensor._wrap(_array(arrays, data["__tensor__"]))
        if data.get("requires_grad") and t.data.dtype.kind == "f":
            t.requires_grad = True
        return t
    if "__ndarray__" in data:
        return _array(arrays, data["__ndarray__"])
    if "__scalar__" in data:
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in _SAVABLE_KINDS:
            raise CorruptFileError(f"a scalar of dtype {dtype}")
        return dtype.type(data["__scalar__"])
    if "__tuple__" in data:
        return tuple(_decode(v, arrays, depth + 1) for v in data["__tuple__"])
    if "__dict__" in data:
        return OrderedDict((_decode(k, arrays, depth + 1), _decode(v, arrays, depth + 1)) for k, v in data["__dict__"])
    if "__state_of__" in data:
        return _decode(data["state"], arrays, depth + 1)
    raise CorruptFileError(f"unknown entry {sorted(data)} in the file's structure")


def _array(arrays, name):
    if not isinstance(name, str) or name not in arrays:
        raise CorruptFileError(f"the structure names an array {name!r} that the archive does not hold")
    return arrays[name]


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


def save(obj, path, pickle_module=None, pickle_protocol=None, **kwargs) -> None:
    """Save ``obj`` to ``path`` atomically, or into a writable binary file object (see the module docstring
    for what can be saved). ``pickle_module``/``pickle_protocol`` are accepted for PyTorch's signature: Lamina
    never pickles. A path ending in ``.safetensors`` writes a safetensors file (``lamina.io_safetensors``)."""
    if io_safetensors.is_safetensors_path(path):
        return _write_bytes(io_safetensors.encode(obj, metadata=kwargs.get("metadata")), path)
    arrays: dict = {}
    structure = json.dumps({"format": FORMAT, "object": _encode(obj, arrays)})
    members = dict(__structure__=np.frombuffer(structure.encode("utf-8"), dtype=np.uint8), **arrays)
    if hasattr(path, "write"):
        np.savez(path, **members)
        return
    with atomic_write(os.fspath(path)) as handle:
        np.savez(handle, **members)


def load(path, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **kwargs):
    """Read what ``save`` wrote, from a path or a readable binary file object. Arrays come back as tensors
    where tensors were saved. ``map_location`` (Lamina has only the CPU), ``weights_only`` and ``mmap`` are
    accepted for PyTorch's signature: nothing is ever unpickled, so every load is weights-only.

    Raises FileNotFoundError for a missing path and ``CorruptFileError`` (a ValueError) for anything that is
    not a valid Lamina archive."""
    if isinstance(map_location, str) and not map_location.startswith("cpu"):
        raise ValueError(f"load: map_location={map_location!r}: Lamina loads onto the CPU only")
    source = path if hasattr(path, "read") else os.fspath(path)
    where = repr(path) if hasattr(path, "read") else source
    if not hasattr(path, "read") and not os.path.exists(source):
        raise FileNotFoundError(f"load: no such file: {source!r}")
    if _is_safetensors(source):
        return _read_safetensors(path, source, where)
    try:
        header, arrays = _read_archive(source)
        if not isinstance(header, dict) or header.get("format") != FORMAT or "object" not in header:
            found = header.get("format") if isinstance(header, dict) else type(header).__name__
            raise CorruptFileError(f"format {found!r}, expected {FORMAT!r}")
        return _decode(header["object"], arrays)
    except CorruptFileError as err:
        raise CorruptFileError(f"load: {where} is not a Lamina file or is damaged: {err}") from None
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, TypeError, KeyError,
            IndexError, AttributeError, RecursionError, MemoryError, OverflowError, UnicodeDecodeError,
            NotImplementedError, SyntaxError) as err:
        raise CorruptFileError(f"load: {where} is not a Lamina file or is damaged: "
                               f"{type(err).__name__}: {err}"[:500]) from None


def _write_bytes(payload: bytes, path) -> None:
    if hasattr(path, "write"):
        path.write(payload)
        return
    with atomic_write(os.fspath(path)) as handle:
        handle.write(payload)


def _read_safetensors(path, source, where):
    if hasattr(path, "read"):
        data = path.read()
    else:
        with open(source, "rb") as handle:
            data = handle.read()
    try:
        return io_safetensors.decode(data)
    except ValueError as err:
        raise CorruptFileError(f"load: {where} is not a Lamina file or is damaged: {err}") from None


def _is_safetensors(source) -> bool:
    """A ``.safetensors`` path, or a file whose first bytes are a safetensors header's (never a zip's)."""
    if io_safetensors.is_safetensors_path(source):
        return True
    if hasattr(source, "read"):
        position = source.tell()
        head = source.read(9)
        source.seek(position)
    else:
        with open(source, "rb") as handle:
            head = handle.read(9)
    return io_safetensors.looks_like_safetensors(head)


def _read_archive(source):
    """The JSON header and the arrays of an archive, each member checked before anything is allocated."""
    if not zipfile.is_zipfile(source):
        raise CorruptFileError("not a zip archive (a Lamina file is a NumPy .npz archive)")
    if hasattr(source, "seek"):
        source.seek(0)
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: info for info in archive.infolist()}
        if "__structure__.npy" not in members:
            raise CorruptFileError("it has no __structure__ entry; it was not written by lamina.save")
        arrays = {}
        for filename, info in members.items():
            if not filename.endswith(".npy"):
                raise CorruptFileError(f"unexpected member {filename!r}")
            arrays[filename[:-4]] = _read_member(archive, info)
    structure = arrays.pop("__structure__")
    if structure.dtype != np.uint8 or structure.ndim != 1:
        raise CorruptFileError(f"the structure entry is {structure.dtype} of shape {tuple(structure.shape)}, not bytes")
    try:
        header = json.loads(structure.tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise CorruptFileError(f"the structure entry is not valid JSON ({type(err).__name__}: {err})"[:300]) from None
    return header, arrays


def _read_member(archive, info) -> np.ndarray:
    """One ``.npy`` member: its header parsed and checked (numeric dtype, a shape that fits in the member)
    before the array is allocated and read."""
    name = info.filename
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > _DEFLATE_MAX_RATIO * info.compress_size + 1024:
        raise CorruptFileError(f"member {name!r} claims {info.file_size} bytes from {info.compress_size} compressed")
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise CorruptFileError(f"member {name!r} has .npy version {version}")
        if dtype.kind not in _SAVABLE_KINDS or dtype.hasobject:
            raise CorruptFileError(f"member {name!r} holds dtype {dtype}; Lamina files hold numeric arrays only")
        if not all(isinstance(n, int) and n >= 0 for n in shape):
            raise CorruptFileError(f"member {name!r} has an invalid shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > info.file_size:
            raise CorruptFileError(f"member {name!r} claims shape {shape} of {dtype} ({nbytes} bytes) but holds "
                                   f"{info.file_size} bytes")
        array = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
        view = memoryview(array.reshape(-1).view(np.uint8)) if nbytes else None
        if view is not None and handle.readinto(view) != nbytes:
            raise CorruptFileError(f"member {name!r} is truncated: fewer than the {nbytes} bytes of shape {shape}")
    return array.T if fortran else array
