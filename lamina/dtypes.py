"""Lamina's dtypes (``lamina.float32``, ``lamina.int64``, ...), printed as PyTorch prints its own.

A ``dtype`` stands for one NumPy dtype (``.numpy``) and goes wherever NumPy wants a dtype (NumPy reads its
``.dtype`` attribute): ``np.zeros(3, lm.float32)``, ``array.astype(x.dtype)``. It equals the NumPy dtype, scalar
type or name it stands for (``lm.float32 == np.float32 == np.dtype("float32")``), hashes as that NumPy dtype,
and answers NumPy's attributes (``kind``, ``itemsize``, ``name``, ``type``) and PyTorch's (``is_floating_point``,
``is_complex``, ``is_signed``). ``Tensor.dtype`` returns one; the ops work on the NumPy dtypes underneath.
"""
import numpy as np


class dtype:  # noqa: N801 - PyTorch's name (torch.dtype)
    """One of Lamina's dtypes: ``repr`` ``lamina.float32``; equal to ``np.float32`` and ``"float32"``."""

    __slots__ = ("numpy",)

    def __init__(self, numpy_dtype):
        self.numpy = np.dtype(numpy_dtype)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (NumPy's protocol: any object with a ``.dtype`` is accepted as that dtype)."""
        return self.numpy

    @property
    def is_floating_point(self) -> bool:
        return self.numpy.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.numpy.kind == "c"

    @property
    def is_signed(self) -> bool:
        return self.numpy.kind in "fic"

    def __getattr__(self, name):
        if name == "numpy":                      # not set yet (while unpickling)
            raise AttributeError(name)
        return getattr(self.numpy, name)         # kind, itemsize, name, type, char, str, ...

    def __repr__(self) -> str:
        return f"lamina.{self.numpy.name}"

    __str__ = __repr__

    def __eq__(self, other):
        if isinstance(other, dtype):
            return self.numpy == other.numpy
        if isinstance(other, type) and issubclass(other, np.generic):   # np.float32: the ops' common question
            return self.numpy.type is other
        if other is None:                        # np.dtype(None) would be float64
            return False
        try:
            return self.numpy == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.numpy)

    def __reduce__(self):
        return from_numpy, (self.numpy.str,)


_BY_NUMPY: dict = {}


def from_numpy(numpy_dtype) -> dtype:
    """Lamina's dtype for a NumPy dtype (or anything ``np.dtype`` accepts); one object per dtype."""
    found = _BY_NUMPY.get(numpy_dtype)
    if found is None:
        key = np.dtype(numpy_dtype)
        found = _BY_NUMPY.get(key)
        if found is None:
            found = _BY_NUMPY[key] = dtype(key)
    return found


float16, float32, float64 = from_numpy(np.float16), from_numpy(np.float32), from_numpy(np.float64)
int8, int16, int32, int64 = from_numpy(np.int8), from_numpy(np.int16), from_numpy(np.int32), from_numpy(np.int64)
uint8, bool_ = from_numpy(np.uint8), from_numpy(np.bool_)
