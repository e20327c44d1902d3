"""Lamina's exception types: each is also the built-in type PyTorch raises in the same situation.

Code written for PyTorch catches ``RuntimeError`` (shapes that do not fit, values an op cannot take),
``IndexError`` (a dimension out of range) and ``NotImplementedError`` (a dtype an op has no kernel for). Lamina
raises classes that are those types and ``ValueError`` (or ``TypeError``) at once, so both ``except RuntimeError`` (PyTorch
code) and ``except ValueError`` (Python convention) catch them; the message names the op, what it
expected and what it got.
"""


class ArgumentError(ValueError, RuntimeError):
    """An op was given a shape or a value it cannot work with (PyTorch: ``RuntimeError``)."""


class DimensionError(ArgumentError, IndexError):
    """A dimension index out of range for the tensor (PyTorch: ``IndexError``)."""


class DtypeError(TypeError, NotImplementedError):
    """A dtype the op cannot compute in, or two dtypes that do not go together. PyTorch raises
    ``NotImplementedError`` ("... not implemented for 'Long'"), a ``RuntimeError``, and so does this."""


class ScalarOverflowError(ArgumentError, OverflowError):
    """A Python int beyond int64 as an operand (PyTorch: ``OverflowError``, "int too big to convert")."""


class DeviceError(ArgumentError):
    """A device that this machine (or Lamina) does not have was asked for (PyTorch: ``RuntimeError``)."""
