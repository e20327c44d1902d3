"""Activation layers, one per function of ``lamina.ops.activation`` (formulas there).

``inplace=True`` (ReLU, ReLU6, SELU, LeakyReLU, ELU, CELU, Hardtanh, Hardswish, SiLU, Mish, ..., as in PyTorch) is accepted so that PyTorch
model code runs unchanged; Lamina still returns a new array, with the same values and gradients.
"""
from __future__ import annotations

import warnings

from .. import functional as F
from ..errors import ArgumentError
from ..creation import full
from .module import Module, Parameter


class _Activation(Module):
    """A layer with no parameters that applies ``fn`` elementwise (extra arguments accepted and ignored, as
    PyTorch's Sigmoid, Tanh, ... take ``*args, **kwargs``)."""

    fn = None

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return type(self).fn(x)


class Step(_Activation):
    """Heaviside step (Rosenblatt's perceptron): 1 if x > 0 else 0."""

    fn = staticmethod(F.step)


class Sigmoid(_Activation):
    fn = staticmethod(F.sigmoid)


class Tanh(_Activation):
    fn = staticmethod(F.tanh)


class _InplaceActivation(_Activation):
    """An activation whose PyTorch module takes ``inplace`` (accepted; the result is a new array)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_InplaceActivation):
    fn = staticmethod(F.relu)


class SELU(_InplaceActivation):
    fn = staticmethod(F.selu)


class Hardswish(_InplaceActivation):
    """x * relu6(x + 3) / 6 (MobileNetV3); one FLOP per element, the elementwise default of ``Module.flops``."""

    fn = staticmethod(F.hardswish)


class Softsign(_Activation):
    fn = staticmethod(F.softsign)


class LinearActivation(_Activation):
    """f(x) = x, the 'linear' activation of the courses."""

    fn = staticmethod(F.linear_activation)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None):
        """``min_value`` / ``max_value``: PyTorch's deprecated names, which replace min_val / max_val."""
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        if max_val <= min_val:
            raise AssertionError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Softmax(Module):
    """Softmax along ``dim`` (PyTorch's default None picks dim 0 for 0-, 1- and 3-d input, else 1)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of (N, C, H, W) or (C, H, W) input, at each position."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        if x.ndim not in (3, 4):
            raise ArgumentError(f"Softmax2d: expected input to be 3D or 4D, got {x.ndim}D instead")
        return F.softmax(x, -3)


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)


class ReLU6(_InplaceActivation):
    """min(max(x, 0), 6)."""

    fn = staticmethod(F.relu6)


class Hardsigmoid(_InplaceActivation):
    fn = staticmethod(F.hardsigmoid)


class SiLU(_InplaceActivation):
    fn = staticmethod(F.silu)


class Mish(_InplaceActivation):
    fn = staticmethod(F.mish)


class LogSigmoid(_Activation):
    fn = staticmethod(F.logsigmoid)


class Tanhshrink(_Activation):
    fn = staticmethod(F.tanhshrink)


class CELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return F.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softmin(Softmax):
    def forward(self, x):
        return F.softmin(x, self.dim)


class Threshold(Module):
    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, x):
        return F.threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}"


class GLU(Module):
    """a * sigmoid(b), the halves of the input along ``dim``: the output has half the size there."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardshrink(Module):
    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, x):
        return F.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    def forward(self, x):
        return F.softshrink(x, self.lambd)


class PReLU(Module):
    """x if x > 0 else a x, with ``num_parameters`` learnable slopes (1, or one per channel), all ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(full((num_parameters,), init, dtype=dtype))

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: a random slope in [lower, upper] per negative element while training, their
    mean in evaluation."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, x):
        return F.rrelu(x, self.lower, self.upper, training=self.training)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}"
