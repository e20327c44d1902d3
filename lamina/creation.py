"""Making tensors: from data, filled, ranges and random draws (float32 unless ``dtype`` says).

Random draws are made on the host by NumPy's generators (``lamina.random``: one seeded stream for
every backend) and become backend arrays when wrapped in a Tensor.
"""
from __future__ import annotations

import numbers

import numpy as np  # host-side: from_numpy's argument type, the random draws

from .backend import DEFAULT_FLOAT, as_dtype, xp
from .random import numpy_generator
from .tensor import Tensor


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _made(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad = True
    return t


def _float(dtype):
    return DEFAULT_FLOAT if dtype is None else as_dtype(dtype)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``. Floats become float32 unless ``dtype`` is given.

    NumPy float64 arrays become float32 too, where ``torch.tensor`` would keep float64: NumPy makes
    float64 by default, and a scientist's data should meet float32 weights without a dtype error.
    ``lm.from_numpy(array)`` (no copy) or ``dtype=lm.float64`` keep float64.
    """
    if isinstance(data, Tensor):
        data, dtype = data.data, data.dtype if dtype is None else dtype
    t = Tensor(xp.array(data, copy=True) if dtype is None else xp.array(data, dtype=dtype), dtype=dtype)
    return t.requires_grad_(True) if requires_grad else t


def as_tensor(data, dtype=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype == as_dtype(dtype)):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (no copy, dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return _made(xp.zeros(_shape(size), dtype=_float(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return _made(xp.ones(_shape(size), dtype=_float(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False) -> Tensor:
    return _made(xp.empty(_shape(size), dtype=_float(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    if dtype is None and isinstance(fill_value, bool):
        dtype = xp.bool_
    elif dtype is None and isinstance(fill_value, int):
        dtype = xp.int64
    return _made(xp.full(tuple(size), fill_value, dtype=_float(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    return _made(xp.eye(n, m, dtype=_float(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    """Integers give int64 (as PyTorch), any float argument gives float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = xp.int64 if is_int else DEFAULT_FLOAT
    return _made(xp.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    return _made(xp.linspace(start, end, steps, dtype=_float(dtype)), requires_grad)


def _like(fn, x, dtype, requires_grad, *args):
    return fn(*args, *x.shape, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad=False) -> Tensor:
    return _like(zeros, x, dtype, requires_grad)


def ones_like(x, dtype=None, requires_grad=False) -> Tensor:
    return _like(ones, x, dtype, requires_grad)


def empty_like(x, dtype=None, requires_grad=False) -> Tensor:
    return _like(empty, x, dtype, requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return full(x.shape, fill_value, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


# ---- random ----------------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Uniform on [0, 1)."""
    array = numpy_generator(generator).random(_shape(size), dtype=np.float64)
    return _made(array.astype(_float(dtype), copy=False), requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal N(0, 1)."""
    array = numpy_generator(generator).standard_normal(_shape(size))
    return _made(array.astype(_float(dtype), copy=False), requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=np.int64) -> Tensor:
    """Integers in [low, high) (``randint(high, size)`` also works, as in PyTorch)."""
    if high is None:
        low, high = 0, low
    return Tensor._wrap(numpy_generator(generator).integers(low, high, size=tuple(size), dtype=dtype))


def randperm(n, generator=None) -> Tensor:
    return Tensor._wrap(numpy_generator(generator).permutation(n).astype(np.int64))


def normal(mean=0.0, std=1.0, size=(), generator=None, dtype=None) -> Tensor:
    array = numpy_generator(generator).normal(mean, std, size=tuple(size))
    return Tensor._wrap(array.astype(_float(dtype), copy=False))


def uniform(low=0.0, high=1.0, size=(), generator=None, dtype=None) -> Tensor:
    array = numpy_generator(generator).uniform(low, high, size=tuple(size))
    return Tensor._wrap(array.astype(_float(dtype), copy=False))


def rand_like(x, generator=None, dtype=None, requires_grad=False) -> Tensor:
    return rand(*x.shape, generator=generator, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randn_like(x, generator=None, dtype=None, requires_grad=False) -> Tensor:
    return randn(*x.shape, generator=generator, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randint_like(x, low, high=None, generator=None) -> Tensor:
    return randint(low, high, x.shape, generator=generator, dtype=x.dtype)
