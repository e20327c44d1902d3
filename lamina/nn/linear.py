"""Dense layers and shape helpers: ``Linear``, ``Identity``, ``Flatten``, ``Unflatten``."""
from __future__ import annotations

import math
import numbers

from .. import functional as F
from ..creation import empty
from . import init
from .module import Module, Parameter, count
from ..errors import ArgumentError, DimensionError


def _check_features(layer: Module, x, expected: int, what: str = "features") -> None:
    if x.ndim == 0 or x.shape[-1] != expected:
        raise ArgumentError(f"{type(layer).__name__}: expected input with {expected} {what} in the last "
                         f"dimension, got shape {tuple(x.shape)}")


def _size(layer: str, name: str, value) -> int:
    """A layer size as PyTorch takes it: any integer (Python, NumPy, bool); a float or other type is a TypeError,
    a negative size an ArgumentError (PyTorch: RuntimeError)."""
    if not isinstance(value, numbers.Integral):
        raise TypeError(f"{layer}: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def _check_shape(shape: tuple) -> tuple:
    if any(n < 0 for n in shape):
        negative = next(n for n in shape if n < 0)
        raise ArgumentError(f"Trying to create tensor with negative dimension {negative}: {list(shape)}")
    return shape


class Linear(Module):
    """y = x W^T + b, W of shape (out_features, in_features) (Keras' Dense)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None,
                 generator=None):
        super().__init__()
        in_features, out_features = _size("Linear", "in_features", in_features), _size("Linear", "out_features",
                                                                                      out_features)
        _check_shape((out_features, in_features))
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        self.register_parameter("bias", Parameter(empty(out_features, dtype=dtype)) if bias else None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        init.default_uniform_(self.weight, self.bias, generator=generator)

    def forward(self, x):
        _check_features(self, x, self.in_features)
        return F.linear(x, self.weight, self.bias)

    def compute_output_shape(self, input_shape) -> tuple:
        return (*input_shape[:-1], self.out_features)

    def flops(self, input_shape, output_shape) -> int:
        """2 in_features per output element (a multiply-add each)."""
        return 2 * self.in_features * count(output_shape)

    def macs(self, input_shape, output_shape) -> int:
        """Multiply-adds of one call (torchvision's GFLOPS column): half the FLOPs."""
        return self.flops(input_shape, output_shape) // 2

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y = x1^T A x2 + b, A of shape (out_features, in1_features, in2_features); A and b ~ U(-1/sqrt(in1),
    1/sqrt(in1)), as PyTorch."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None, generator=None):
        super().__init__()
        sizes = [_size("Bilinear", name, value) for name, value in
                 (("in1_features", in1_features), ("in2_features", in2_features), ("out_features", out_features))]
        if sizes[0] <= 0:  # (the bound 1 / sqrt(in1_features) needs it; PyTorch checks only this one)
            raise ArgumentError(f"Bilinear: in1_features must be > 0, but got (in1_features={sizes[0]})")
        _check_shape((sizes[2], sizes[0], sizes[1]))
        self.in1_features, self.in2_features, self.out_features = sizes
        self.weight = Parameter(empty(sizes[2], sizes[0], sizes[1], dtype=dtype))
        self.register_parameter("bias", Parameter(empty(sizes[2], dtype=dtype)) if bias else None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound, generator=generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def flops(self, input_shape, output_shape) -> int:
        return 2 * self.in1_features * self.in2_features * count(output_shape)

    def macs(self, input_shape, output_shape) -> int:
        """Multiply-adds of one call (torchvision's GFLOPS column): half the FLOPs."""
        return self.flops(input_shape, output_shape) // 2

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Identity(Module):
    """x -> x; any arguments are accepted and ignored, as PyTorch's."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def flops(self, input_shape, output_shape) -> int:
        return 0


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` (by default all but the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def compute_output_shape(self, input_shape) -> tuple:
        shape = tuple(input_shape)
        if not shape:
            return (1,)
        start, end = self.start_dim % len(shape), self.end_dim % len(shape)
        return shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]

    def flops(self, input_shape, output_shape) -> int:
        return 0

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Dim ``dim`` split into ``unflattened_size`` (one entry may be -1); the size is kept as given (list or
    tuple), as PyTorch prints it."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be tuple of ints, but found type {type(unflattened_size).__name__}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, x):
        return x.reshape(self.compute_output_shape(x.shape))

    def compute_output_shape(self, input_shape) -> tuple:
        shape, sizes = tuple(input_shape), tuple(self.unflattened_size)
        if not -len(shape) <= self.dim < len(shape):
            raise DimensionError(f"Unflatten: dim {self.dim} is out of range for an input of shape {shape}")
        dim = self.dim % len(shape)
        known = math.prod(s for s in sizes if s != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[dim]) or (-1 in sizes and (
                known == 0 or shape[dim] % known)):
            raise ArgumentError(f"Unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                                f"{self.dim} ({shape[dim]}) in the input tensor of shape {shape}")
        if -1 in sizes:
            sizes = tuple(shape[dim] // known if s == -1 else s for s in sizes)
        return shape[:dim] + sizes + shape[dim + 1:]

    def flops(self, input_shape, output_shape) -> int:
        return 0

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
