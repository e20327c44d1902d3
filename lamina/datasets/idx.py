"""IDX files, the format of MNIST and Fashion-MNIST: read and write, with strict checks.

Layout (big-endian): two zero bytes, a type code (0x08 = uint8), the number of dimensions d,
then d 32-bit sizes, then the values in row-major order. So the magic number of an image file
is 0x00000803 = 2051 (uint8, 3 dimensions: count, rows, columns) and that of a label file is
0x00000801 = 2049 (uint8, 1 dimension). Files ending in ``.gz`` (or starting with gzip's magic
bytes) are gzip-compressed. A file that is truncated, corrupted or of the wrong kind raises an
``IDXError`` that names the file and what is wrong.
"""
from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from ..io import atomic_write

IMAGES_MAGIC = 2051  # 0x00000803
LABELS_MAGIC = 2049  # 0x00000801
TYPE_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODE_OF = {np.dtype(v).newbyteorder("="): k for k, v in TYPE_CODES.items()}


class IDXError(ValueError):
    """An IDX file is malformed (bad magic number, wrong dimensions, truncated, corrupted)."""


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"IDX file not found: {path}") from None
    if raw[:2] != b"\x1f\x8b":
        if path.suffix == ".gz":
            raise IDXError(f"{path}: not a gzip file (it starts with {raw[:4]!r}); it may be an HTML error "
                           f"page or a partial download")
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise IDXError(f"{path}: the gzip data is truncated or corrupted ({err})") from None


def parse_idx(raw: bytes, source="<bytes>") -> np.ndarray:
    """The array held by the uncompressed IDX bytes ``raw`` (``source`` names them in errors)."""
    if len(raw) < 4:
        raise IDXError(f"{source}: only {len(raw)} bytes, too short for an IDX header")
    zero0, zero1, code, ndim = raw[:4]
    magic = int.from_bytes(raw[:4], "big")
    if zero0 or zero1 or code not in TYPE_CODES:
        raise IDXError(f"{source}: bad magic number {magic} (0x{magic:08x}); an IDX file starts with two zero "
                       f"bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, "
                       f"0x0E float64) and the number of dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{source}: truncated header: {ndim} dimensions need {header} bytes, the file has {len(raw)}")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(TYPE_CODES[code])
    count = math.prod(dims)
    expected, found = count * dtype.itemsize, len(raw) - header
    if found < expected:
        raise IDXError(f"{source}: truncated: dimensions {dims} need {expected} bytes of data, the file has {found}")
    if found > expected:
        raise IDXError(f"{source}: {found - expected} unexpected bytes after the {expected} bytes of data "
                       f"of dimensions {dims}")
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(dims)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def read_idx(path, magic: int | None = None) -> np.ndarray:
    """Read an IDX file (gzipped or not); with ``magic``, insist on that magic number.

    uint8 data is returned as a read-only view of the file's bytes (``.copy()`` to modify it).
    """
    path = Path(path)
    raw = _read_bytes(path)
    if magic is not None and len(raw) >= 4 and int.from_bytes(raw[:4], "big") != magic:
        found = int.from_bytes(raw[:4], "big")
        kind = {IMAGES_MAGIC: "an image file", LABELS_MAGIC: "a label file"}.get(magic, "this IDX kind")
        raise IDXError(f"{path}: magic number is {found} (0x{found:08x}), expected {magic} (0x{magic:08x}) for {kind}")
    return parse_idx(raw, path)


def read_idx_images(path) -> np.ndarray:
    """uint8 images ``(N, rows, columns)`` from an IDX image file (magic 2051)."""
    return read_idx(path, IMAGES_MAGIC)


def read_idx_labels(path) -> np.ndarray:
    """uint8 labels ``(N,)`` from an IDX label file (magic 2049)."""
    return read_idx(path, LABELS_MAGIC)


def idx_bytes(array) -> bytes:
    """The IDX encoding of ``array`` (uint8, int8, int16, int32, float32 or float64)."""
    array = np.asarray(array)
    code = _CODE_OF.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"write_idx: dtype {array.dtype} has no IDX type code (use uint8, int8, int16, int32, "
                        f"float32 or float64)")
    if array.ndim > 255:
        raise ValueError(f"write_idx: at most 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()


def write_idx(path, array) -> Path:
    """Write ``array`` as an IDX file, gzipped when ``path`` ends in ``.gz``; the write is atomic."""
    path = Path(path)
    data = idx_bytes(array)
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    with atomic_write(path) as f:
        f.write(data)
    return path
