"""Activation functions, each with its derivative (the formulas of the courses).

Stable forms: sigmoid and softplus never exponentiate a large positive number; softmax and
log_softmax subtract the row maximum first.
"""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, constant, memory_order, normalize_axis, recording


class Step(Function):
    """Heaviside step: 1 if x > 0 else 0 (``value`` at 0). Its derivative is 0 everywhere it exists."""

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


class Sigmoid(Function):
    """s(x) = 1 / (1 + e^-x);  s'(x) = s(x) (1 - s(x))."""

    def forward(self, x):
        self.y = _stable_sigmoid(x)
        return self.y

    def backward(self, g):
        y = sigmoid(self.inputs[0]) if recording() else constant(self.y)
        return (g * y * (1 - y),)


class Tanh(Function):
    """tanh'(x) = 1 - tanh(x)^2."""

    def forward(self, x):
        self.y = xp.tanh(x)
        return self.y

    def backward(self, g):
        y = tanh(self.inputs[0]) if recording() else constant(self.y)
        return (g * (1 - y * y),)


_ZERO_ROW = 8192  # length of the zero row ``positive_part`` broadcasts


def _dense_flat(a):
    """``a`` as a 1-D view in its own memory order, or None when its memory has gaps."""
    t = a.transpose(memory_order(a))
    return t.reshape(-1) if t.flags.c_contiguous else None


def positive_part(x):
    """max(x, 0), NaN kept, in the memory layout of x.

    NumPy's maximum against a scalar is not vectorised (measured 4x slower than against an array of
    the same size), so x is viewed as rows of a few thousand numbers and the 0 is one broadcast row.
    """
    out = xp.empty_like(x)
    flat_x, flat_out = _dense_flat(x), _dense_flat(out)
    if flat_x is None or flat_out is None or x.size < _ZERO_ROW:
        return xp.maximum(x, 0, out=out)
    zeros = xp.zeros(_ZERO_ROW, dtype=x.dtype)
    whole = x.size - x.size % _ZERO_ROW
    xp.maximum(flat_x[:whole].reshape(-1, _ZERO_ROW), zeros, out=flat_out[:whole].reshape(-1, _ZERO_ROW))
    xp.maximum(flat_x[whole:], zeros[:x.size - whole], out=flat_out[whole:])
    return out


class ReLU(Function):
    """max(0, x); derivative 1 for x > 0, else 0."""

    def forward(self, x):
        return positive_part(x)

    def backward(self, g):
        x = self.inputs[0].data
        if recording():
            return (g * constant(x > 0),)
        return (constant(_times_mask(g.data, x > 0)),)


def _times_mask(g, mask):
    """g * mask in the memory layout of ``mask`` (a gradient may arrive in another layout than
    the activation it belongs to; walking both in one order keeps the pass cache-friendly)."""
    out = xp.empty_like(mask, dtype=g.dtype)
    return xp.multiply(g, mask, out=out)


class LeakyReLU(Function):
    """x if x > 0 else slope x;  derivative 1 or slope (mask products: np.where is far slower here)."""

    def forward(self, x, slope):
        positive = x > 0
        self.slope_mask = positive.astype(x.dtype)
        self.slope_mask += ~positive * x.dtype.type(slope)
        return x * self.slope_mask

    def backward(self, g):
        return (g * constant(self.slope_mask),)


class ELU(Function):
    """x if x > 0 else alpha (e^x - 1);  derivative 1 or alpha e^x."""

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


class Softplus(Function):
    """ln(1 + e^(beta x)) / beta, linear past ``threshold`` (as PyTorch); derivative sigmoid(beta x)."""

    def forward(self, x, beta, threshold):
        self.beta, self.threshold = beta, threshold
        z = beta * x
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, soft)

    def backward(self, g):
        x = self.inputs[0]
        linear = constant((self.beta * x.data > self.threshold).astype(x.dtype))
        return (g * (linear + (1 - linear) * sigmoid(x * self.beta)),)


class Softmax(Function):
    """softmax(x)_i = e^(x_i - m) / sum_j e^(x_j - m);  backward y (g - sum(g y))."""

    def forward(self, x, axis):
        self.axis = axis
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        self.y = e / e.sum(axis=axis, keepdims=True)
        return self.y

    def backward(self, g):
        y = softmax(self.inputs[0], self.axis) if recording() else constant(self.y)
        return (y * (g - (g * y).sum(self.axis, keepdim=True)),)


class LogSoftmax(Function):
    """log_softmax(x) = x - logsumexp(x);  backward g - softmax(x) sum(g)."""

    def forward(self, x, axis):
        self.axis = axis
        shifted = x - x.max(axis=axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        return self.y

    def backward(self, g):
        y = log_softmax(self.inputs[0], self.axis) if recording() else constant(self.y)
        return (g - y.exp() * g.sum(self.axis, keepdim=True),)


class GELU(Function):
    """x Phi(x) with Phi the standard normal CDF (or PyTorch's tanh approximation)."""

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


class NormalCDF(Function):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2;  Phi'(x) = e^(-x^2/2) / sqrt(2 pi)."""

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
    return Step.apply(as_tensor(x), value=value)


def heaviside(x, values=0.0) -> Tensor:
    return step(x, float(values.item() if isinstance(values, Tensor) else values))


def sigmoid(x) -> Tensor:
    return Sigmoid.apply(as_tensor(x))


def tanh(x) -> Tensor:
    return Tanh.apply(as_tensor(x))


def relu(x) -> Tensor:
    return ReLU.apply(as_tensor(x))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(as_tensor(x), slope=negative_slope)


def elu(x, alpha: float = 1.0) -> Tensor:
    return ELU.apply(as_tensor(x), alpha=alpha, scale=1.0)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def selu(x) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return ELU.apply(as_tensor(x), alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def gelu(x, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(as_tensor(x), approximate=approximate)


def softplus(x, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(as_tensor(x), beta=beta, threshold=threshold)


def softsign(x) -> Tensor:
    """x / (1 + |x|)."""
    x = as_tensor(x)
    return x / (1 + x.abs())


def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return as_tensor(x).clamp(min_val, max_val)


def linear_activation(x) -> Tensor:
    """The identity f(x) = x (the 'linear' activation of the courses)."""
    return as_tensor(x)


def _softmax_axis(x, dim, op):
    if dim is None:
        dim = -1
    return normalize_axis(dim, x.ndim, op)[0] if x.ndim else 0


def softmax(x, dim: int | None = -1, axis=None) -> Tensor:
    x = as_tensor(x)
    return Softmax.apply(x, axis=_softmax_axis(x, dim if axis is None else axis, "softmax"))


def log_softmax(x, dim: int | None = -1, axis=None) -> Tensor:
    x = as_tensor(x)
    return LogSoftmax.apply(x, axis=_softmax_axis(x, dim if axis is None else axis, "log_softmax"))
