"""The exporter's error type (a module of its own: importing it needs no ``onnx`` package)."""
from __future__ import annotations

from ..errors import ArgumentError


class ExportError(ArgumentError, NotImplementedError):
    """The model holds an op (or a use of one) that the ONNX exporter cannot write; the message names the op and
    the layer (module path) that called it."""
