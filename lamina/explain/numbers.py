"""Numbers and arrays as the glass box shows them: 4 decimals as in the courses, small arrays whole,
large ones as shape and statistics (host copies, kept after the arrays change)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np  # host-side: what is shown is a host copy

from ..backend import to_numpy
from ..tensor import Tensor

SHOW_ELEMENTS = 6  # arrays with more elements are shown as shape, mean, std, min, max


class Stats(NamedTuple):
    """What is kept of an array too large to keep whole."""

    shape: tuple
    mean: float
    std: float
    min: float
    max: float

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def stats(array) -> Stats:
    a = to_numpy(array).astype(np.float64, copy=False)
    if a.size == 0:
        return Stats(a.shape, float("nan"), float("nan"), float("nan"), float("nan"))
    return Stats(a.shape, float(a.mean()), float(a.std()), float(a.min()), float(a.max()))


def host_copy(array, limit: int):
    """A private host copy of ``array`` if it has at most ``limit`` elements, else its Stats."""
    if array is None:
        return None
    if isinstance(array, Tensor):
        array = array.data
    return np.array(to_numpy(array)) if array.size <= limit else stats(array)


def fmt_number(v) -> str:
    """4 decimals as in the courses (0.4942); scientific notation when that would hide the value."""
    v = float(v) + 0.0  # + 0.0 turns -0.0 (ReLU of a negative number) into 0.0
    if not np.isfinite(v):
        return str(v)
    fixed = f"{v:.4f}"
    return fixed if v == 0 or 1e-3 <= abs(float(fixed)) < 1e5 else f"{v:.3e}"


def fmt_array(a) -> str:
    """A scalar as a number, a small array as nested lists, a large one as shape and statistics."""
    if a is None:
        return "-"
    if not isinstance(a, Stats) and a.size <= SHOW_ELEMENTS:
        if a.ndim == 0 or a.size == 1:
            return fmt_number(a.reshape(-1)[0]) if a.size else "[]"
        return _nested(a.tolist())
    s = a if isinstance(a, Stats) else stats(a)
    return (f"shape {tuple(s.shape)} mean {fmt_number(s.mean)} std {fmt_number(s.std)} "
            f"min {fmt_number(s.min)} max {fmt_number(s.max)}")


def _nested(values) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return fmt_number(values)


def scalar(a):
    """The float in a one-element kept array, else None."""
    if a is None or isinstance(a, Stats) or a.size != 1:
        return None
    return float(a.reshape(-1)[0])
