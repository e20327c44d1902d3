"""Activation functions, each with its derivative (the formulas of the courses).

Stable forms: sigmoid and softplus never exponentiate a large positive number; softmax and
log_softmax subtract the row maximum first.
"""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ..kernels.elementwise import passes_relu, positive_part, times_mask
from ..tensor import Tensor
from ._util import as_tensor, constant, normalize_axis, recording, tensor_method
from ..errors import ArgumentError, DtypeError


class StepOp(Function):
    """Heaviside step: 1 if x > 0 else 0 (``value`` at 0). Its derivative is 0 everywhere it exists."""

    name = "step"
    activation = True

    def forward(self, x, value):
        return (x > 0).astype(x.dtype) + (x == 0) * x.dtype.type(value)

    def backward(self, g):
        return (g * 0,)


def _stable_sigmoid(x):
    """1 / (1 + e^-x) = (1 + tanh(x/2)) / 2: the same value, and no exp can overflow."""
    y = xp.tanh(x * 0.5)
    y *= 0.5
    y += 0.5
    return y


class SigmoidOp(Function):
    """s(x) = 1 / (1 + e^-x);  s'(x) = s(x) (1 - s(x))."""

    name = "sigmoid"
    activation = True

    def forward(self, x):
        self.y = _stable_sigmoid(x)
        return self.y

    def backward(self, g):
        y = sigmoid(self.inputs[0]) if recording() else constant(self.y)
        return (g * y * (1 - y),)


class TanhOp(Function):
    """tanh'(x) = 1 - tanh(x)^2."""

    name = "tanh"
    activation = True

    def forward(self, x):
        self.y = xp.tanh(x)
        return self.y

    def backward(self, g):
        y = tanh(self.inputs[0]) if recording() else constant(self.y)
        return (g * (1 - y * y),)


class ReLUOp(Function):
    """max(0, x); derivative 0 for x <= 0, else 1 (NaN passes its gradient, as in PyTorch)."""

    name = "relu"
    activation = True

    def forward(self, x):
        return positive_part(x)

    def backward(self, g):
        x = self.inputs[0].data
        if recording():
            return (g * constant(passes_relu(x)),)
        return (constant(times_mask(g.data, passes_relu(x))),)


class LeakyReLUOp(Function):
    """x if x > 0 else slope x;  derivative 1 or slope (mask products: np.where is far slower here)."""

    name = "leaky_relu"
    activation = True

    def forward(self, x, slope):
        positive = x > 0
        self.slope_mask = positive.astype(x.dtype)
        self.slope_mask += ~positive * x.dtype.type(slope)
        return x * self.slope_mask

    def backward(self, g):
        return (g * constant(self.slope_mask),)


class ELUOp(Function):
    """x if x > 0 else alpha (e^x - 1);  derivative 1 or alpha e^x."""

    name = "elu"
    activation = True

    def forward(self, x, alpha, scale):
        self.alpha, self.scale = alpha, scale
        self.positive = x > 0
        negative = xp.expm1(xp.minimum(x, 0))  # 0 where x > 0
        negative *= alpha
        negative += positive_part(x)
        return negative * scale if scale != 1 else negative

    def backward(self, g):
        x = self.inputs[0]
        negative_part = constant(1 - self.positive) * (self.alpha * self.scale) * x.clamp(max=0).exp()
        return (g * (constant(self.positive * self.scale) + negative_part),)


class SoftplusOp(Function):
    """ln(1 + e^(beta x)) / beta, linear past ``threshold`` (as PyTorch); derivative sigmoid(beta x)."""

    name = "softplus"
    activation = True

    def forward(self, x, beta, threshold):
        self.beta, self.threshold = beta, threshold
        z = beta * x
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, soft)

    def backward(self, g):
        x = self.inputs[0]
        linear = constant((self.beta * x.data > self.threshold).astype(x.dtype))
        return (g * (linear + (1 - linear) * sigmoid(x * self.beta)),)


class SoftmaxOp(Function):
    """softmax(x)_i = e^(x_i - m) / sum_j e^(x_j - m);  backward y (g - sum(g y))."""

    name = "softmax"
    activation = True

    def forward(self, x, axis):
        self.axis = axis
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        self.y = e / e.sum(axis=axis, keepdims=True)
        return self.y

    def backward(self, g):
        y = softmax(self.inputs[0], self.axis) if recording() else constant(self.y)
        return (y * (g - (g * y).sum(self.axis, keepdim=True)),)


class LogSoftmaxOp(Function):
    """log_softmax(x) = x - logsumexp(x);  backward g - softmax(x) sum(g)."""

    name = "log_softmax"
    activation = True

    def forward(self, x, axis):
        self.axis = axis
        shifted = x - x.max(axis=axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        return self.y

    def backward(self, g):
        y = log_softmax(self.inputs[0], self.axis) if recording() else constant(self.y)
        return (g - y.exp() * g.sum(self.axis, keepdim=True),)


class GELUOp(Function):
    """x Phi(x) with Phi the standard normal CDF (or PyTorch's tanh approximation)."""

    name = "gelu"
    activation = True

    def forward(self, x, approximate):
        self.approximate = approximate
        if approximate == "tanh":
            return 0.5 * x * (1 + xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))
        return x * _normal_cdf(x)

    def backward(self, g):
        x = self.inputs[0]
        if self.approximate == "tanh":
            inner = (x + 0.044715 * x**3) * _SQRT_2_OVER_PI
            t = inner.tanh()
            d_inner = (1 + 3 * 0.044715 * x * x) * _SQRT_2_OVER_PI
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner),)
        cdf = NormalCDF.apply(x) if recording() else constant(_normal_cdf(x.data))
        return (g * (cdf + x * _normal_pdf(x)),)


class HardswishOp(Function):
    """x * relu6(x + 3) / 6;  derivative 0 up to -3, 1 from 3 on, x/3 + 1/2 strictly between (PyTorch's
    values at the kinks: 0 at -3 and 1 at 3, where the function meets its flat and linear pieces)."""

    name = "hardswish"
    activation = True

    def forward(self, x):
        return x * xp.clip(x + 3, 0, 6) / 6

    def backward(self, g):
        x = self.inputs[0]  # masks multiply: np.where is 15-35x slower (kernels/elementwise.py)
        above, between = x.data >= 3, (x.data > -3) & (x.data < 3)
        if recording():  # the slope as a Tensor of x, so the gradient can be differentiated again
            return (g * (constant(above.astype(x.dtype)) + constant(between.astype(x.dtype)) * (x / 3 + 0.5)),)
        slope = above + between * (x.data / 3 + 0.5)
        return (g * constant(slope.astype(x.dtype, copy=False)),)


class NormalCDF(Function):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2;  Phi'(x) = e^(-x^2/2) / sqrt(2 pi)."""

    name = "normal_cdf"

    def forward(self, x):
        return _normal_cdf(x)

    def backward(self, g):
        return (g * _normal_pdf(self.inputs[0]),)


def _normal_pdf(x):
    return (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _erf(x):
    try:
        from scipy.special import erf
    except ImportError:  # NumPy has no erf: fall back to the exact scalar one
        return xp.frompyfunc(math.erf, 1, 1)(x).astype(x.dtype)
    return erf(x).astype(x.dtype, copy=False)


def _normal_cdf(x):
    return 0.5 * (1 + _erf(x / math.sqrt(2)))


# ---- public functions ------------------------------------------------------------------------
def step(x, value: float = 0.0) -> Tensor:
    return StepOp.apply(as_tensor(x), value=value)


def heaviside(x, values=0.0) -> Tensor:
    return step(x, float(values.item() if isinstance(values, Tensor) else values))


@tensor_method()
def sigmoid(x) -> Tensor:
    return SigmoidOp.apply(as_tensor(x))


@tensor_method()
def tanh(x) -> Tensor:
    return TanhOp.apply(as_tensor(x))


@tensor_method()
def relu(x) -> Tensor:
    return ReLUOp.apply(as_tensor(x))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLUOp.apply(as_tensor(x), slope=negative_slope)


def elu(x, alpha: float = 1.0) -> Tensor:
    return ELUOp.apply(as_tensor(x), alpha=alpha, scale=1.0)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def selu(x) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return ELUOp.apply(as_tensor(x), alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def gelu(x, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELUOp.apply(as_tensor(x), approximate=approximate)


def softplus(x, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return SoftplusOp.apply(as_tensor(x), beta=beta, threshold=threshold)


def softsign(x) -> Tensor:
    """x / (1 + |x|)."""
    x = as_tensor(x)
    return x / (1 + x.abs())


def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return as_tensor(x).clamp(min_val, max_val)


@tensor_method()
def hardswish(input, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6 (Howard et al., MobileNetV3). ``inplace`` is PyTorch's argument, accepted so
    PyTorch code runs; as for the activation layers, the result is a new array and ``input`` is unchanged."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        raise DtypeError(f"hardswish: input dtype must be floating point, got {x.dtype}")
    return HardswishOp.apply(x)


def linear_activation(x) -> Tensor:
    """The identity f(x) = x (the 'linear' activation of the courses)."""
    return as_tensor(x)


def _softmax_axis(x, dim, op):
    if dim is None:
        dim = -1
    return normalize_axis(dim, x.ndim, op)[0] if x.ndim else 0


@tensor_method()
def softmax(x, dim: int | None = -1, axis=None) -> Tensor:
    x = as_tensor(x)
    return SoftmaxOp.apply(x, axis=_softmax_axis(x, dim if axis is None else axis, "softmax"))


@tensor_method()
def log_softmax(x, dim: int | None = -1, axis=None) -> Tensor:
    x = as_tensor(x)
    return LogSoftmaxOp.apply(x, axis=_softmax_axis(x, dim if axis is None else axis, "log_softmax"))
