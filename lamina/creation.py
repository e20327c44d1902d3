"""Making tensors: from data, filled, ranges and random draws (float32 unless ``dtype`` says).

The factories take PyTorch's arguments: sizes as varargs or one tuple/list (ints, NumPy integers or 0-d
integer tensors; a float size is a TypeError, a negative one a RuntimeError-type ``ArgumentError``),
``dtype``, ``requires_grad`` and ``device`` (checked: the CPU is accepted, an absent device raises DeviceError).
Dtypes follow PyTorch: integers give int64, a bool fill gives bool, any float gives float32.

Random draws are made on the host by NumPy's generators (``lamina.random``: one seeded stream for
every backend) and become backend arrays when wrapped in a Tensor.
"""
from __future__ import annotations

import functools
import math
import numbers

import numpy as np  # host-side: from_numpy's argument type, the random draws, the bit-exact ranges

from .backend import DEFAULT_FLOAT, as_dtype, xp
from .device import as_device
from .errors import ArgumentError, DtypeError
from .random import numpy_generator
from .tensor import Tensor


# ---- arguments ---------------------------------------------------------------------------------
def _is_int(value) -> bool:
    """An integer argument: a Python or NumPy integer (not a bool) or a 0-d integer tensor."""
    if isinstance(value, Tensor):
        return value.ndim == 0 and value.dtype.kind in "iu"
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def _int_arg(value, op, what) -> int:
    if not _is_int(value):
        raise TypeError(f"{op}(): argument '{what}' must be int, not {type(value).__name__}")
    return int(value)


def _number(value, op, what):
    """A Python number from a number or a 0-d tensor (bools count as ints)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ArgumentError(f"{op}(): argument '{what}' must be a number or a 0-d tensor, got shape "
                                f"{tuple(value.shape)}")
        return value.item()
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, (numbers.Real, np.floating)):
        return float(value)
    raise TypeError(f"{op}(): argument '{what}' must be a number, not {type(value).__name__}")


def _shape(size, op="zeros", keyword=None):
    """PyTorch's size arguments: ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, a 1-d integer tensor, ``f(())``, or
    the keyword ``size=`` (a tuple or list)."""
    if keyword is not None:
        if size:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        return _size_arg(keyword, op)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and isinstance(size[0], Tensor) and size[0].ndim == 1:
        size = tuple(size[0].tolist())
    elif len(size) == 0:
        raise TypeError(f"{op}() missing 1 required positional argument: 'size'")
    for n in size:
        if not _is_int(n):
            raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, but found an element of type "
                            f"{type(n).__name__}")
    shape = tuple(int(n) for n in size)
    if any(n < 0 for n in shape):
        raise ArgumentError(f"{op}(): trying to create a tensor with negative dimension: {list(shape)}")
    return shape


def _sized(op, size, keywords):
    """The shape from varargs or a ``size=`` keyword (the only other keyword PyTorch's factories take here)."""
    unknown = set(keywords) - {"size", "layout", "pin_memory", "memory_format"}
    if unknown:
        raise TypeError(f"{op}() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    return _shape(size, op, keywords.get("size"))


def _size_arg(size, op):
    """A ``size`` keyword or positional argument that must be a tuple or list (``full``, ``randint``)."""
    if isinstance(size, Tensor) or not isinstance(size, (tuple, list)):
        raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, not {type(size).__name__}")
    return _shape((tuple(size),), op)


def _made(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        if array.dtype.kind not in "fc":
            raise DtypeError(f"only tensors of floating point dtype can require gradients, got {array.dtype}")
        t.requires_grad = True
    return t


def _float(dtype):
    return DEFAULT_FLOAT if dtype is None else as_dtype(dtype)


def _floating_only(dtype, op):
    if dtype.kind != "f":
        raise DtypeError(f"{op}: not implemented for dtype {dtype} (floating point only)")
    return dtype


def _promoted(dtypes):
    """PyTorch's promotion of the dtypes met in nested data: floats win over ints, ints over bools."""
    floats = [d for d in dtypes if d.kind == "f"]
    if floats:
        return max(floats, key=lambda d: d.itemsize)
    ints = [d for d in dtypes if d.kind in "iu"]
    return np.result_type(*ints) if ints else np.dtype(bool)


def _unwrap_nested(data, dtypes):
    """Nested lists with 0-d tensors as plain values, recording the dtype each element brings."""
    if isinstance(data, Tensor):
        if data.ndim != 0:
            raise ArgumentError("tensor(): only one-element tensors can be converted to Python scalars inside a list")
        dtypes.append(data.dtype)
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(item, dtypes) for item in data]
    if isinstance(data, (bool, np.bool_)):
        dtypes.append(np.dtype(bool))
    elif isinstance(data, (numbers.Integral, np.integer)):
        dtypes.append(np.dtype(np.int64))
    elif isinstance(data, (numbers.Real, np.floating)):
        dtypes.append(np.dtype(DEFAULT_FLOAT))
    return data


def _holds_tensor(data) -> bool:
    """Whether nested lists hold a tensor (a scan of the element types: cheap next to the conversion)."""
    if not isinstance(data, (list, tuple)):
        return False
    kinds = set(map(type, data))
    if any(issubclass(kind, Tensor) for kind in kinds):
        return True
    return any(issubclass(kind, (list, tuple)) for kind in kinds) and any(
        _holds_tensor(item) for item in data if isinstance(item, (list, tuple)))


# ---- from data ---------------------------------------------------------------------------------
def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``. Floats become float32 unless ``dtype`` is given; Python ints
    int64, bools bool; 0-d tensors inside nested lists bring their dtype (promoted as PyTorch does).

    NumPy float64 arrays become float32 too, where ``torch.tensor`` would keep float64: NumPy makes
    float64 by default, and a scientist's data should meet float32 weights without a dtype error.
    ``lm.from_numpy(array)`` (no copy) or ``dtype=lm.float64`` keep float64.
    """
    if isinstance(data, Tensor):
        data, dtype = data.data, data.dtype if dtype is None else dtype
    elif _holds_tensor(data):
        found = []
        data = _unwrap_nested(data, found)
        dtype = _promoted(found) if dtype is None else dtype
    t = Tensor(xp.array(data, copy=True) if dtype is None else xp.array(data, dtype=as_dtype(dtype)), dtype=dtype)
    return t.requires_grad_(True) if requires_grad else t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype == as_dtype(dtype)):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (no copy, dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


# ---- filled ------------------------------------------------------------------------------------
def zeros(*size, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    return _made(xp.zeros(_sized("zeros", size, keywords), dtype=_float(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    return _made(xp.ones(_sized("ones", size, keywords), dtype=_float(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    return _made(xp.empty(_sized("empty", size, keywords), dtype=_float(dtype)), requires_grad)


def _fill_dtype(fill_value):
    """PyTorch's dtype for a fill value: bool -> bool, int -> int64, float -> float32, complex -> complex64."""
    if isinstance(fill_value, Tensor):
        kind = fill_value.dtype.kind
        return fill_value.dtype if kind in "bc" else np.dtype(np.int64) if kind in "iu" else DEFAULT_FLOAT
    if isinstance(fill_value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(fill_value, (numbers.Integral, np.integer)):
        return np.dtype(np.int64)
    if isinstance(fill_value, (complex, np.complexfloating)):
        return np.dtype(np.complex64)
    if isinstance(fill_value, (numbers.Real, np.floating)):
        return DEFAULT_FLOAT
    raise TypeError(f"full(): fill_value must be a number, not {type(fill_value).__name__}")


def _filled(shape, fill_value, dtype, op):
    if isinstance(fill_value, Tensor):
        if fill_value.ndim != 0:
            raise ArgumentError(f"{op}(): fill_value must be a number or a 0-d tensor, got shape "
                                f"{tuple(fill_value.shape)}")
        fill_value = fill_value.item()
    if dtype.kind in "iub" and isinstance(fill_value, float) and not math.isfinite(fill_value):
        raise ArgumentError(f"{op}(): value {fill_value} cannot be converted to type {dtype} without overflow")
    return xp.full(shape, fill_value, dtype=dtype)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ``size`` (a tuple or list) filled with ``fill_value``; dtype from the value as PyTorch."""
    dtype = _fill_dtype(fill_value) if dtype is None else as_dtype(dtype)
    return _made(_filled(_size_arg(size, "full"), fill_value, dtype, "full"), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The n x m (default n x n) identity."""
    n = _int_arg(n, "eye", "n")
    m = n if m is None else _int_arg(m, "eye", "m")
    for name, value in (("n", n), ("m", m)):
        if value < 0:
            raise ArgumentError(f"eye(): {name} must be greater or equal to 0, got {value}")
    return _made(xp.eye(n, m, dtype=_float(dtype)), requires_grad)


# ---- ranges ------------------------------------------------------------------------------------
def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """[start, end) by ``step``: integers give int64 (as PyTorch), any float argument float32.

    As PyTorch: the values are start + i * step computed in float64 (or int64 for an integer dtype, from the
    truncated arguments) and then cast; step 0 and a step pointing away from ``end`` raise."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", name) for v, name in ((start, "start"), (end, "end"), (step, "step")))
    if dtype is None:
        dtype = np.dtype(np.int64) if all(isinstance(v, int) for v in (start, end, step)) else DEFAULT_FLOAT
    dtype = as_dtype(dtype)
    if dtype == np.bool_:
        raise DtypeError("arange: not implemented for bool")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ArgumentError(f"arange(): unsupported range: {start} -> {end}")
    integral = dtype.kind in "iu"
    first, last, stride = (int(v) for v in (start, end, step)) if integral else (start, end, step)
    checked = (first, last, stride) if dtype == np.int64 else (start, end, step)  # PyTorch's quirk
    if checked[2] == 0:
        raise ArgumentError("arange(): step must be nonzero")
    if (checked[2] > 0 and checked[1] < checked[0]) or (checked[2] < 0 and checked[1] > checked[0]):
        raise ArgumentError(f"arange(): upper bound and lower bound inconsistent with step sign "
                            f"(start {start}, end {end}, step {step})")
    if dtype == np.int64:
        count = (abs(last - first) + abs(stride) - 1) // abs(stride)
    else:
        count = max(math.ceil((float(end) - float(start)) / float(step)), 0)
    if integral:
        values = np.arange(count, dtype=np.int64) * stride + first
    else:
        values = _float_range(first, stride, count, dtype)
    return _made(xp.asarray(values.astype(dtype, copy=False)), requires_grad)


def _float_range(start, step, count, dtype):
    """PyTorch's CPU arange in a float dtype, to the last bit: start + i * step as one fused multiply-add
    in float64, except in its vectorised blocks (pairs of 256-bit vectors, from the front), where each
    vector starts from its rounded first value b and adds k * step (k = 0 .. lanes - 1)."""
    lanes = max(32 // dtype.itemsize, 1)
    i = np.arange(count, dtype=np.float64)
    blocked = count // (2 * lanes) * (2 * lanes)
    k = np.where(i < blocked, i % lanes, 0.0)
    first = np.where(i < blocked, i - k, i)
    base = _fused_multiply_add(np.full(count, float(step)), first, np.full(count, float(start)))
    base = np.where(i < blocked, base.astype(dtype).astype(np.float64), base)
    return _fused_multiply_add(k, np.full(count, float(step)), base)


def _split(a):
    """Veltkamp's split of float64 ``a`` into a high and a low half whose products are exact."""
    c = a * 134217729.0  # 2**27 + 1
    high = c - (c - a)
    return high, a - high


def _fused_multiply_add(a, b, c):
    """a * b + c rounded once, as a fused multiply-add (float64 arrays): Dekker's exact product and
    Knuth's exact sum, so that PyTorch's compiled ``start + step * i`` is reproduced to the last bit."""
    product = a * b
    (a_high, a_low), (b_high, b_low) = _split(a), _split(b)
    product_error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    total = product + c
    virtual = total - product
    sum_error = (product - (total - virtual)) + (c - virtual)
    return total + (sum_error + product_error)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` values from start to end, computed as PyTorch's CPU kernel does, so that integer dtypes
    round alike: the first half start + i * step, the second end - (steps - 1 - i) * step, each one fused
    multiply-add, then cast (truncation toward zero for integers, whose start and end are truncated first
    and whose step is a float64; float32 works in float32)."""
    steps = _int_arg(steps, "linspace", "steps")
    if steps < 0:
        raise ArgumentError(f"linspace(): number of steps must be non-negative, got {steps}")
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    dtype = _float(dtype)
    if dtype == np.bool_:
        raise DtypeError("linspace: not implemented for bool")
    if dtype.kind in "iu":
        start, end = int(start), int(end)
    if steps <= 1:
        return _made(xp.full(steps, start, dtype=dtype), requires_grad)
    work = np.float64 if dtype.kind in "iu" else dtype.type
    first, last = work(start), work(end)
    stride = (last - first) / work(steps - 1)
    i = np.arange(steps, dtype=np.float64)
    half = i < steps // 2
    a = np.where(half, float(stride), -float(stride))
    b = np.where(half, i, steps - 1 - i)
    c = np.where(half, float(first), float(last))
    values = _fused_multiply_add(a, b, c) if work == np.float64 else a * b + c  # float32: exact in float64
    return _made(xp.asarray(values.astype(dtype)), requires_grad)


def _triangle_indices(op, row, col, offset, dtype, which):
    row, col, offset = _int_arg(row, op, "row"), _int_arg(col, op, "col"), _int_arg(offset, op, "offset")
    for name, value in (("row", row), ("col", col)):
        if value < 0:
            raise ArgumentError(f"{op}(): {name} must be non-negative, got {value}")
    dtype = as_dtype(dtype)
    if dtype.kind not in "iu":
        raise DtypeError(f"{op}: not implemented for dtype {dtype} (integer dtypes only)")
    rows, cols = which(row, offset, col)
    return Tensor._wrap(xp.stack([xp.asarray(rows), xp.asarray(cols)]).astype(dtype).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=np.int64, device=None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a row x col matrix (below ``offset``),
    in row-major order."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, np.tril_indices)


def triu_indices(row, col, offset=0, *, dtype=np.int64, device=None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a row x col matrix (from ``offset``)."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, np.triu_indices)


# ---- like another tensor -----------------------------------------------------------------------
def _like_input(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def _like(fn, x, dtype, requires_grad, op):
    x = _like_input(x, op)
    return fn(x.shape, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _like(zeros, input, dtype, requires_grad, "zeros_like")


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _like(ones, input, dtype, requires_grad, "ones_like")


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _like(empty, input, dtype, requires_grad, "empty_like")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    x = _like_input(input, "full_like")
    dtype = x.dtype if dtype is None else as_dtype(dtype)
    return _made(_filled(x.shape, fill_value, dtype, "full_like"), requires_grad)


# ---- random ----------------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    """Uniform on [0, 1)."""
    dtype = _floating_only(_float(dtype), "rand")
    array = numpy_generator(generator).random(_sized("rand", size, keywords), dtype=np.float64)
    return _made(array.astype(dtype, copy=False), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **keywords) -> Tensor:
    """Standard normal N(0, 1)."""
    dtype = _floating_only(_float(dtype), "randn")
    array = numpy_generator(generator).standard_normal(_sized("randn", size, keywords))
    return _made(array.astype(dtype, copy=False), requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Integers in [low, high) (``randint(high, size)`` also works, as in PyTorch); int64 unless ``dtype``."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint(): missing the required argument 'size' (a tuple of ints)")
    low, high = _int_arg(low, "randint", "low"), _int_arg(high, "randint", "high")
    shape = _size_arg(size, "randint")
    if low >= high:
        raise ArgumentError(f"randint(): expects 'low' to be less than 'high', but got low={low} >= high={high}")
    dtype = np.dtype(np.int64) if dtype is None else as_dtype(dtype)
    array = numpy_generator(generator).integers(low, high, size=shape, dtype=np.int64)
    return _made(array.astype(dtype, copy=False), requires_grad)


def randperm(n, *, generator=None, dtype=np.int64, device=None, requires_grad=False) -> Tensor:
    n = _int_arg(n, "randperm", "n")
    if n < 0:
        raise ArgumentError(f"randperm(): n must be non-negative, got {n}")
    return _made(numpy_generator(generator).permutation(n).astype(as_dtype(dtype)), requires_grad)


def _check_std(std):
    if isinstance(std, Tensor):
        values = std.data
        if values.size and not bool((values >= 0).all()):
            raise ArgumentError("normal(): expects all elements of std >= 0.0")
    elif not std >= 0:  # also catches NaN
        raise ArgumentError(f"normal(): expects std >= 0.0, but found std {std}")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Draws from N(mean, std^2): numbers with a ``size``, or tensors of means and/or stds (broadcast
    together, the result in their dtype). A negative or NaN std raises, as in PyTorch."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    _check_std(std)
    if tensors:
        means = mean.data if isinstance(mean, Tensor) else mean
        stds = std.data if isinstance(std, Tensor) else std
        try:
            shape = np.broadcast_shapes(*(t.shape for t in tensors))
        except ValueError:
            raise ArgumentError(f"normal(): the shapes of mean and std do not broadcast: "
                                f"{' and '.join(str(list(t.shape)) for t in tensors)}") from None
        dtype = _floating_only(tensors[0].dtype if dtype is None else as_dtype(dtype), "normal")
        array = numpy_generator(generator).normal(np.asarray(means, dtype=np.float64),
                                                  np.asarray(stds, dtype=np.float64), size=shape)
    else:
        dtype = _floating_only(_float(dtype), "normal")
        shape = () if size is None else _size_arg(size, "normal")
        array = numpy_generator(generator).normal(_number(mean, "normal", "mean"), _number(std, "normal", "std"),
                                                  size=shape)
    return _made(xp.asarray(array).astype(dtype, copy=False), requires_grad)


def uniform(low=0.0, high=1.0, size=(), generator=None, dtype=None) -> Tensor:
    array = numpy_generator(generator).uniform(low, high, size=_size_arg(size, "uniform"))
    return Tensor._wrap(array.astype(_float(dtype), copy=False))


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    x = _like_input(input, "rand_like")
    return rand(x.shape, generator=generator, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    x = _like_input(input, "randn_like")
    return randn(x.shape, generator=generator, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``randint_like(x, high)`` or ``randint_like(x, low, high)``: x's shape and dtype."""
    x = _like_input(input, "randint_like")
    return randint(low, high, x.shape, generator=generator, dtype=x.dtype if dtype is None else dtype,
                   requires_grad=requires_grad)


def logspace(start, end, steps, base: float = 10.0, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` values base^t for t = linspace(start, end, steps), computed in float64 and cast (an integer
    dtype truncates)."""
    exponents = linspace(start, end, steps, dtype=np.float64).data
    dtype = _float(dtype)
    if dtype == np.bool_:
        raise DtypeError("logspace: not implemented for bool")
    values = np.power(float(_number(base, "logspace", "base")), exponents)
    if dtype.kind == "f" and dtype != np.float64:
        values = np.power(dtype.type(base), linspace(start, end, steps, dtype=dtype).data)
    return _made(xp.asarray(values.astype(dtype)), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype`` says otherwise."""
    value = _number(s, "scalar_tensor", "s")
    dtype = _float(dtype)
    return _made(xp.asarray(value, dtype=dtype), requires_grad)


# ---- device= ------------------------------------------------------------------------------------
def _on_device(function):
    """``function`` with its ``device=`` checked: the CPU (or the default device) is accepted; a device that is not
    present raises DeviceError naming the function (lamina/device.py)."""
    name = function.__name__

    @functools.wraps(function)
    def checked(*args, **kwargs):
        if kwargs.get("device") is not None:
            as_device(kwargs["device"], name)
        return function(*args, **kwargs)
    return checked


for _name in ("tensor", "as_tensor", "zeros", "ones", "empty", "full", "eye", "arange", "linspace", "tril_indices",
              "triu_indices", "zeros_like", "ones_like", "empty_like", "full_like", "rand", "randn", "randint",
              "randperm", "normal", "rand_like", "randn_like", "randint_like", "logspace", "scalar_tensor"):
    globals()[_name] = _on_device(globals()[_name])
del _name
