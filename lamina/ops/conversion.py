"""Conversions: a tensor in another dtype (``astype``, ``to``, ``type``, ``float``, ``double``, ``half``, ...),
copies (``clone``), the bits in another dtype (``view(dtype)``), new tensors of the same dtype (``new_zeros``...)
and facts about the storage (``element_size``, ``nbytes``, ``stride``, ``is_contiguous``, ``device``).

A cast to a floating dtype is differentiable (the gradient is cast back to the input's dtype); a
cast to integers or booleans leaves the graph, as nothing can be differentiated there. Lamina runs on the
CPU: ``to("cpu")`` and ``device="cpu"`` are accepted, another device is a DeviceError (lamina/device.py).
"""
from __future__ import annotations

import numbers

from .. import dtypes
from ..autograd import Function
from ..backend import DEFAULT_FLOAT, as_dtype, xp
from ..device import CPU, KNOWN_TYPES, as_device
from ..device import device as Device
from ..errors import ArgumentError, DimensionError, DtypeError
from ..tensor import Tensor, _SCALAR_NAMES, type_string
from . import _util
from ._util import tensor_method


class Cast(Function):
    """y = x in another floating dtype;  dL/dx = dL/dy cast back to x's dtype."""

    name = "astype"

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return (g.astype(self.inputs[0].dtype),)


class Clone(Function):
    """A copy of x in new memory; its gradient passes unchanged."""

    name = "clone"

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)


def cast(x: Tensor, dtype) -> Tensor:
    """x in ``dtype`` (the same tensor when it already has it)."""
    dtype = _dtype(dtype)
    if dtype == x.data.dtype:
        return x
    if x.requires_grad and dtype.kind != "f":
        return Tensor._wrap(x.data.astype(dtype))  # integers are never differentiated
    return Cast.apply(x, dtype=dtype)


_TYPE_STRINGS = {f"torch.{name}Tensor": dtype for dtype, name in _SCALAR_NAMES.items()}


def _dtype(dtype):
    """A NumPy dtype from what names one: a dtype, a type, a NumPy name ('float32') or a PyTorch type string
    ('torch.FloatTensor'); bfloat16 is refused (NumPy has no such type)."""
    if isinstance(dtype, str):
        if dtype in _TYPE_STRINGS:
            dtype = _TYPE_STRINGS[dtype]
        elif "bfloat16" in dtype.lower():
            raise DtypeError(_NO_BFLOAT16)
    try:
        return as_dtype(dtype)
    except TypeError:
        raise DtypeError(f"not a dtype: {dtype!r} (expected e.g. lm.float32, 'float64' or 'torch.LongTensor')") from None


_NO_BFLOAT16 = "bfloat16: NumPy, Lamina's array library, has no bfloat16 type; use half() (float16) or float()"


def _device(value, what: str = "to") -> None:
    """Accept the CPU in any of PyTorch's spellings; an absent device raises DeviceError (lamina/device.py)."""
    as_device(value, what)


@tensor_method("astype")
def _astype(x: Tensor, dtype) -> Tensor:
    return cast(x, dtype)


@tensor_method("to")
def _to(x: Tensor, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None) -> Tensor:
    """PyTorch's three forms: ``to(dtype)``, ``to(device, dtype=None)`` (only "cpu") and ``to(other)`` (other's
    dtype); ``copy=True`` always returns a new tensor. Differentiable as ``astype``."""
    if len(args) > 2:
        raise TypeError(f"to() takes at most 2 positional arguments (dtype or device or tensor), got {len(args)}")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.data.dtype if dtype is None else dtype
        elif isinstance(arg, bool):  # to(dtype, non_blocking)
            continue
        elif (isinstance(arg, (str, Device, int)) or type(arg).__name__ == "device") and not isinstance(arg, bool) \
                and _names_device(arg):
            _device(arg)
        else:
            dtype = arg
    if device is not None:
        _device(device)
    result = x if dtype is None else cast(x, dtype)
    return clone(result) if copy and result is x else result


def _names_device(arg) -> bool:
    """A str, int or device that names a device (``"cpu"``, ``"cuda:0"``, ``0``), not a dtype (``"float32"``)."""
    if isinstance(arg, Device) or type(arg).__name__ == "device":
        return True
    if isinstance(arg, int):
        return True
    return arg.split(":")[0] in KNOWN_TYPES


@tensor_method("type")
def _type(x: Tensor, dtype=None, non_blocking=False, **kwargs):
    """``x.type()``: PyTorch's type string ('torch.FloatTensor'); ``x.type(dtype)``: x cast to dtype (a dtype or
    such a string), differentiable as ``to``."""
    if dtype is None:
        return type_string(x.data.dtype)
    if isinstance(dtype, str) and dtype.startswith("torch.") and dtype not in _TYPE_STRINGS:
        if "BFloat16" in dtype:
            raise DtypeError(_NO_BFLOAT16)
        if "cuda" in dtype:
            raise ArgumentError(f"type: Lamina computes on the CPU only; {dtype!r} is not available")
        raise ArgumentError(f"invalid type: {dtype!r}")
    if not isinstance(dtype, (str, type)) and not hasattr(dtype, "kind"):
        raise TypeError(f"type: dtype must be a type, str, or dtype object, got {type(dtype).__name__}")
    return cast(x, dtype)


@tensor_method("type_as")
def _type_as(x: Tensor, other: Tensor) -> Tensor:
    """x in ``other``'s dtype."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' must be Tensor, not {type(other).__name__}")
    return cast(x, other.data.dtype)


def _cast_to(dtype, method: str):
    """The Tensor method ``x.<method>()``: x cast to ``dtype`` (``x.float()`` is float32, as PyTorch)."""
    def convert(x: Tensor, memory_format=None) -> Tensor:
        return cast(x, dtype)

    convert.__name__ = convert.__qualname__ = f"_{method}"
    return tensor_method(method)(convert)


_float = _cast_to(xp.float32, "float")
_double = _cast_to(xp.float64, "double")
_half = _cast_to(xp.float16, "half")
_long = _cast_to(xp.int64, "long")
_int = _cast_to(xp.int32, "int")
_short = _cast_to(xp.int16, "short")
_char = _cast_to(xp.int8, "char")
_byte = _cast_to(xp.uint8, "byte")
_bool = _cast_to(xp.bool_, "bool")


@tensor_method("bfloat16")
def _bfloat16(x: Tensor, memory_format=None) -> Tensor:
    raise DtypeError(_NO_BFLOAT16)


@tensor_method("cpu")
def _cpu(x: Tensor, memory_format=None) -> Tensor:
    """x itself: it is on the CPU already."""
    return x


@tensor_method("cuda")
def _cuda(x: Tensor, device=None, non_blocking=False, memory_format=None) -> Tensor:
    """x on a CUDA GPU: DeviceError while there is none (or no CuPy backend), saying which."""
    as_device("cuda" if device is None else device, "cuda")
    return x


@tensor_method("device", is_property=True)
def _device_of(x: Tensor) -> Device:
    """Where x's array lives: the CPU (``device(type='cpu')``, equal to "cpu")."""
    return CPU


@tensor_method("is_cuda", "is_sparse", "is_quantized", "is_meta", "is_mkldnn", "is_nested", is_property=True)
def _is_cuda(x: Tensor) -> bool:
    """x.is_cuda, x.is_sparse, ...: False (a dense tensor in the CPU's memory)."""
    return False


@tensor_method("is_cpu", is_property=True)
def _is_cpu(x: Tensor) -> bool:
    return True


@tensor_method("get_device")
def _get_device(x: Tensor) -> int:
    """-1: the CPU, as PyTorch numbers it."""
    return -1


@tensor_method("dim_order")
def _dim_order(x: Tensor, *, ambiguity_check=False) -> tuple:
    """The dims from the outermost to the innermost in memory (by decreasing stride, ties in dim order)."""
    strides = _stride(x)
    return tuple(sorted(range(x.ndim), key=lambda d: -strides[d]))


# ---- the bits in another dtype ---------------------------------------------------------------------------
def _view_dtype(x: Tensor, dtype) -> Tensor:
    """``x.view(dtype)``: the same bytes read as ``dtype`` (PyTorch's rules). Same item size: the same shape;
    a different one: the last dimension scales by the ratio, which needs a last dimension of stride 1, a size
    divisible by the ratio when the new items are larger, and not a 0-d tensor. Not differentiable."""
    dtype = _dtype(dtype)
    old, new = x.data.dtype.itemsize, dtype.itemsize
    data = x.data
    if old != new:
        if data.ndim == 0:
            raise ArgumentError(f"view: self.dim() cannot be 0 to view {x.data.dtype} as {dtype} "
                                "(different element sizes)")
        if data.strides[-1] != old and data.shape[-1] != 1:
            raise ArgumentError("view: self.stride(-1) must be 1 to view "
                                f"{x.data.dtype} as {dtype} (different element sizes)")
        if new > old and data.shape[-1] % (new // old):
            raise ArgumentError(f"view: self.size(-1) must be divisible by {new // old} to view {x.data.dtype} as "
                                f"{dtype} (different element sizes), but got {data.shape[-1]}")
        if not data.flags.c_contiguous:
            data = xp.ascontiguousarray(data)  # NumPy reinterprets only contiguous rows; the bytes are the same
    return Tensor._wrap(data.view(dtype))


# ---- facts about the storage ----------------------------------------------------------------------------
@tensor_method("element_size")
def _element_size(x: Tensor) -> int:
    """Bytes per element."""
    return x.data.dtype.itemsize


@tensor_method("itemsize", is_property=True)
def _itemsize(x: Tensor) -> int:
    return x.data.dtype.itemsize


@tensor_method("nbytes", is_property=True)
def _nbytes(x: Tensor) -> int:
    return x.data.size * x.data.dtype.itemsize


@tensor_method("is_floating_point")
def _is_floating_point(x: Tensor) -> bool:
    return x.data.dtype.kind == "f"


@tensor_method("is_complex")
def _is_complex(x: Tensor) -> bool:
    return x.data.dtype.kind == "c"


@tensor_method("is_signed")
def _is_signed(x: Tensor) -> bool:
    return x.data.dtype.kind in "fic"


@tensor_method("ndimension")
def _ndimension(x: Tensor) -> int:
    return x.data.ndim


@tensor_method("nelement")
def _nelement(x: Tensor) -> int:
    return int(x.data.size)


def _contiguous_strides(shape) -> tuple:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


@tensor_method("stride")
def _stride(x: Tensor, dim=None):
    """Steps in elements between neighbours along each dimension (PyTorch's ``stride()``)."""
    data = x.data
    if data.flags.c_contiguous:
        strides = _contiguous_strides(data.shape)
    else:
        strides = tuple(s // data.dtype.itemsize for s in data.strides)
    if dim is None:
        return strides
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"stride(): argument 'dim' must be int, not {type(dim).__name__}")
    if not -max(data.ndim, 1) <= dim < max(data.ndim, 1):
        raise DimensionError(f"stride: dim {dim} is out of range for a tensor with {data.ndim} dimensions")
    return strides[dim] if data.ndim else 1


@tensor_method("is_contiguous")
def _is_contiguous(x: Tensor, memory_format=None) -> bool:
    return bool(x.data.flags.c_contiguous)


@tensor_method("data_ptr")
def _data_ptr(x: Tensor) -> int:
    return int(x.data.__array_interface__["data"][0])


@tensor_method("storage_offset")
def _storage_offset(x: Tensor) -> int:
    """Elements between the start of the underlying buffer and the first element."""
    base = x.data
    while isinstance(base.base, xp.ndarray):
        base = base.base
    start = base.__array_interface__["data"][0]
    return (x.data.__array_interface__["data"][0] - start) // x.data.dtype.itemsize


# ---- new tensors like this one ---------------------------------------------------------------------------
def _size_arg(op: str, size) -> tuple:
    if len(size) == 1 and hasattr(size[0], "__len__") and not isinstance(size[0], Tensor):
        size = tuple(size[0])  # new_zeros((2, 3)) as new_zeros(2, 3)
    for n in size:
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, Tensor)):
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(n).__name__}")
    size = tuple(int(n) for n in size)
    if any(n < 0 for n in size):
        raise ArgumentError(f"{op}: trying to create tensor with negative dimension: {list(size)}")
    return size


def _new(x, op, array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad = True
    return t


@tensor_method("new_zeros")
def _new_zeros(x: Tensor, *size, dtype=None, device=None, requires_grad=False, **kwargs) -> Tensor:
    """Zeros of ``size`` in x's dtype (or ``dtype``)."""
    dtype = x.data.dtype if dtype is None else _dtype(dtype)
    return _new(x, "new_zeros", xp.zeros(_size_arg("new_zeros", size), dtype=dtype), requires_grad)


@tensor_method("new_ones")
def _new_ones(x: Tensor, *size, dtype=None, device=None, requires_grad=False, **kwargs) -> Tensor:
    dtype = x.data.dtype if dtype is None else _dtype(dtype)
    return _new(x, "new_ones", xp.ones(_size_arg("new_ones", size), dtype=dtype), requires_grad)


@tensor_method("new_empty")
def _new_empty(x: Tensor, *size, dtype=None, device=None, requires_grad=False, **kwargs) -> Tensor:
    dtype = x.data.dtype if dtype is None else _dtype(dtype)
    return _new(x, "new_empty", xp.empty(_size_arg("new_empty", size), dtype=dtype), requires_grad)


@tensor_method("new_full")
def _new_full(x: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad=False, **kwargs) -> Tensor:
    """``fill_value`` everywhere, cast to x's dtype (or ``dtype``): ``int_tensor.new_full((2,), 3.5)`` is 3."""
    dtype = x.data.dtype if dtype is None else _dtype(dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(size, (tuple, list)) and not (isinstance(size, Tensor) and size.ndim == 1):
        raise TypeError(f"new_full(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    array = xp.empty(_size_arg("new_full", (size,)), dtype=dtype)
    array.fill(fill_value)
    return _new(x, "new_full", array, requires_grad)


@tensor_method("new_tensor")
def _new_tensor(x: Tensor, data, *, dtype=None, device=None, requires_grad=False, **kwargs) -> Tensor:
    """A copy of ``data`` in x's dtype (or ``dtype``), outside any graph."""
    dtype = x.data.dtype if dtype is None else _dtype(dtype)
    source = data.data if isinstance(data, Tensor) else data
    try:
        array = xp.array(source, dtype=dtype, copy=True)
    except (TypeError, ValueError) as err:
        raise TypeError(f"new_tensor: cannot make a {dtype} tensor from {type(data).__name__} ({err})") from None
    return _new(x, "new_tensor", array, requires_grad)

@tensor_method()
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy in the graph (``memory_format`` is accepted: Lamina's copies are contiguous)."""
    return Clone.apply(input)


class Contiguous(Function):
    """x's values in a fresh row-major (C-contiguous) array; its gradient passes unchanged."""

    name = "contiguous"

    def forward(self, x):
        return xp.ascontiguousarray(x)

    def backward(self, g):
        return (g,)


@tensor_method("contiguous")
def _contiguous(x: Tensor, memory_format=None) -> Tensor:
    """x itself when its array is row-major already, else a row-major copy (PyTorch's ``contiguous``)."""
    return x if x.data.flags.c_contiguous else Contiguous.apply(x)


# ---- facts about tensors and dtypes (torch.is_tensor, torch.numel, torch.result_type, ...) --------------------
def _tensor_arg(op: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(value).__name__}")
    return value


def _dtype_arg(op: str, name: str, dtype):
    """A dtype argument (lm.float32, np.dtype, 'float32'); PyTorch raises TypeError for anything else."""
    if isinstance(dtype, (bool, numbers.Number)) or dtype is None:
        raise TypeError(f"{op}(): argument '{name}' must be a dtype, not {type(dtype).__name__}")
    try:
        return as_dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be a dtype, not {dtype!r}") from None


def is_tensor(obj, /) -> bool:
    """True when ``obj`` is a Lamina Tensor (PyTorch's ``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def numel(input) -> int:
    """The number of elements of ``input``."""
    return _tensor_arg("numel", input).numel()


def is_floating_point(input) -> bool:
    """True when ``input`` holds floats (float16/32/64)."""
    return _tensor_arg("is_floating_point", input).data.dtype.kind == "f"


def is_complex(input) -> bool:
    """True when ``input`` holds complex numbers."""
    return _tensor_arg("is_complex", input).data.dtype.kind == "c"


@tensor_method()
def is_nonzero(input) -> bool:
    """``bool(input)`` for a one-element tensor; PyTorch's RuntimeError for none or several elements."""
    return bool(_tensor_arg("is_nonzero", input))


@tensor_method("is_same_size")
def _is_same_size(x: Tensor, other: Tensor) -> bool:
    return x.shape == _tensor_arg("is_same_size", other).shape


@tensor_method("is_inference", "is_neg", "is_conj")
def _is_inference(x: Tensor) -> bool:
    """False: no inference tensors, no lazy negation or conjugation in Lamina."""
    return False


@tensor_method("conj", "resolve_conj", "resolve_neg", "conj_physical")
def _conj(x: Tensor) -> Tensor:
    """The tensor itself: the conjugate of a real tensor (PyTorch returns the same tensor too)."""
    return x


def result_type(tensor, other):
    """The dtype an elementwise op of ``tensor`` and ``other`` (tensors or Python numbers) gives, by PyTorch's
    promotion: tensors with dims before 0-d tensors before numbers, a lower category never wins."""
    for value in (tensor, other):
        if not (isinstance(value, Tensor) or _util.is_scalar(value)):
            raise TypeError(f"result_type(): expected tensors or numbers, got {type(value).__name__}")
    return dtypes.from_numpy(_util.result_type(tensor, other))


def promote_types(type1, type2):
    """The smallest dtype both dtypes convert to without losing their category (int8 with uint8 is int16;
    a float wins over an integer whatever its width)."""
    return dtypes.from_numpy(_util.promote_types(_dtype_arg("promote_types", "type1", type1),
                                                 _dtype_arg("promote_types", "type2", type2)))


def can_cast(from_, to) -> bool:
    """PyTorch's casting rule: never to a lower category (float to integer, integer to bool)."""
    source, target = _dtype_arg("can_cast", "from_", from_), _dtype_arg("can_cast", "to", to)
    return _CATEGORY_RANK[source.kind] <= _CATEGORY_RANK[target.kind]


_CATEGORY_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def get_default_dtype():
    """The dtype of new float tensors (``lm.tensor([1.0])``, ``lm.zeros(2)``): float32."""
    return dtypes.from_numpy(DEFAULT_FLOAT)


def set_default_dtype(d) -> None:
    """Lamina's default float dtype is float32 and cannot change: float32 is accepted, another float dtype is
    refused with an ArgumentError (a RuntimeError), a non-float dtype with PyTorch's TypeError."""
    dtype = _dtype_arg("set_default_dtype", "d", d)
    if dtype.kind != "f":
        raise TypeError("set_default_dtype: only floating-point types are supported as the default type")
    if dtype != DEFAULT_FLOAT:
        raise ArgumentError(f"set_default_dtype: Lamina's default dtype is fixed to float32, cannot set {dtype}")
