"""Activation functions, each with its derivative (the formulas of the courses).

Stable forms: sigmoid and softplus never exponentiate a large positive number; softmax and
log_softmax subtract the row maximum first.
"""
from __future__ import annotations

import functools
import inspect
import math
import operator

from ..autograd import Function
from ..backend import xp
from ..backend import DEFAULT_FLOAT, as_dtype
from ..kernels.elementwise import passes_relu, positive_part, times_mask
from ..random import numpy_generator
from ..tensor import Tensor
from ._util import as_tensor, constant, normalize_axis, recording, tensor_method
from .arithmetic import where
from ..errors import ArgumentError, DtypeError


class StepOp(Function):
    """Heaviside step: 1 if x > 0 else 0 (``value`` at 0). Its derivative is 0 everywhere it exists."""

    name = "step"
    activation = True

    def forward(self, x, value):
        return (x > 0).astype(x.dtype) + (x == 0) * x.dtype.type(value)

    def backward(self, g):
        return (g * 0,)


class HeavisideOp(StepOp):
    """torch.heaviside: the step, whose derivative PyTorch does not implement (a RuntimeError at backward)."""

    name = "heaviside"

    def backward(self, g):
        raise ArgumentError("heaviside: the derivative for heaviside is not implemented (PyTorch's rule); detach "
                            "its input or use a differentiable surrogate such as sigmoid(k x)")


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
        passes = passes_relu(x.reshape(1)).reshape(()) if x.ndim == 0 else passes_relu(x)  # the kernel needs an array
        if recording() or x.ndim == 0:
            return (g * constant(passes.astype(g.dtype, copy=False)),)
        return (constant(times_mask(g.data, passes)),)


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
        if x.size == 0:
            self.y = x.copy()
            return self.y
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
        if x.size == 0:
            self.y = x.copy()
            return self.y
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


class HardtanhOp(Function):
    """clamp(x, min_val, max_val);  derivative 1 strictly between the bounds, 0 at and beyond them (PyTorch's
    value at the kinks; NaN passes its gradient). relu6 is hardtanh(x, 0, 6)."""

    name = "hardtanh"
    activation = True

    def forward(self, x, min_val, max_val):
        self.min_val, self.max_val = min_val, max_val
        return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    def backward(self, g):
        x = self.inputs[0].data
        outside = (x <= self.min_val) | (x >= self.max_val)
        return (g * constant((~outside).astype(g.dtype)),)


class HardsigmoidOp(Function):
    """relu6(x + 3) / 6;  derivative 1/6 strictly between -3 and 3, 0 elsewhere (0 at the kinks, as PyTorch)."""

    name = "hardsigmoid"
    activation = True

    def forward(self, x):
        return xp.clip(x + 3, 0, 6) / x.dtype.type(6)

    def backward(self, g):
        x = self.inputs[0].data  # PyTorch's slope is 1/6 rounded to float32, in every dtype
        return (g * constant((((x > -3) & (x < 3)) * float(xp.float32(1 / 6))).astype(g.dtype)),)


def _floating(op, x, dtype=None):
    """``x`` as a float tensor for an op PyTorch computes only in floating point: integers and bools raise
    (PyTorch: 'not implemented for Long') unless ``dtype`` asks for a floating dtype to compute in."""
    if dtype is not None:
        dtype = as_dtype(dtype)
        if dtype.kind != "f":
            raise DtypeError(f"{op}: dtype must be a floating-point dtype, got {dtype}")
        return x.astype(dtype) if x.dtype != dtype else x
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: input dtype must be floating point, got {x.dtype}")
    return x


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
    """SciPy's erf when it is installed (3x faster), else maths.py's (Cody's approximations, exact in float64)."""
    try:
        from scipy.special import erf
    except ImportError:
        from .maths import Erf
        return Erf.compute(x).astype(x.dtype, copy=False)
    return erf(x).astype(x.dtype, copy=False)


def _normal_cdf(x):
    return 0.5 * (1 + _erf(x / math.sqrt(2)))



def _half_in_float(fn):
    """Run ``fn`` on a float16 ``input`` (its first argument) in float32 and round the float32 results back, as
    PyTorch's CPU kernels do (their "opmath" type): computing in half itself leaves results an ulp or more off
    PyTorch's. Other float16 tensor arguments (weights, masks) are widened too; the gradient takes the same path
    back (float16 -> float32 -> float16). Other dtypes pass straight through."""
    first = next(iter(inspect.signature(fn).parameters))  # "input", "query", ... (passed by keyword too)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        input = args[0] if args else kwargs.get(first)
        if not (isinstance(input, Tensor) and input.dtype == xp.float16):
            return fn(*args, **kwargs)
        args = [_widened(a) for a in args]
        kwargs = {k: _widened(v) for k, v in kwargs.items()}
        return _narrowed(fn(*args, **kwargs))

    return wrapper


def _widened(value):
    return value.astype(xp.float32) if isinstance(value, Tensor) and value.dtype == xp.float16 else value


def _narrowed(value):
    if isinstance(value, Tensor):
        return value.astype(xp.float16) if value.dtype == xp.float32 else value
    if isinstance(value, tuple):
        return tuple(_narrowed(v) for v in value)
    return value


# ---- public functions ------------------------------------------------------------------------
def step(x, value: float = 0.0) -> Tensor:
    return StepOp.apply(as_tensor(x), value=value)


@tensor_method(inplace=True)
def heaviside(input, values=0.0) -> Tensor:
    """1 where input > 0, 0 where input < 0, ``values`` where input = 0 (the perceptron's step)."""
    return HeavisideOp.apply(as_tensor(input), value=float(values.item() if isinstance(values, Tensor) else values))


def _to_float(x):
    """Integer and bool input of an op PyTorch computes in floating point (sigmoid, tanh): the default float."""
    return x if x.dtype.kind == "f" else x.astype(DEFAULT_FLOAT)


@tensor_method(inplace=True)
@_half_in_float
def sigmoid(input) -> Tensor:
    return SigmoidOp.apply(_to_float(as_tensor(input)))


@tensor_method(inplace=True)
def tanh(input) -> Tensor:
    return TanhOp.apply(_to_float(as_tensor(input)))


@tensor_method(inplace=True)
def relu(input, inplace: bool = False) -> Tensor:
    """max(0, x); integer input stays integer, bool input raises (as PyTorch)."""
    x = as_tensor(input)
    if x.data.dtype == xp.bool_:
        raise DtypeError("relu: boolean inputs are not supported")
    return ReLUOp.apply(x)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return LeakyReLUOp.apply(_floating("leaky_relu", as_tensor(input)), slope=negative_slope)


@_half_in_float
def elu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return ELUOp.apply(_floating("elu", as_tensor(input)), alpha=alpha, scale=1.0)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


@_half_in_float
def selu(input, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return ELUOp.apply(_floating("selu", as_tensor(input)), alpha=_SELU_ALPHA, scale=_SELU_SCALE)


@_half_in_float
def gelu(input, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELUOp.apply(_floating("gelu", as_tensor(input)), approximate=approximate)


@_half_in_float
def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return SoftplusOp.apply(_floating("softplus", as_tensor(input)), beta=beta, threshold=threshold)


def softsign(input) -> Tensor:
    """x / (1 + |x|); integer input gives the default float dtype, bool input raises (as PyTorch)."""
    x = as_tensor(input)
    if x.data.dtype == xp.bool_:
        raise DtypeError("softsign: boolean inputs are not supported")
    return x / (1 + x.abs())


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val) with derivative 0 at the bounds (PyTorch's); integer input stays integer."""
    x = as_tensor(input)
    if min_val > max_val:
        raise ArgumentError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, "
                            f"max_val={max_val}")
    if x.data.dtype == xp.bool_:
        raise DtypeError("hardtanh: input dtype must be numeric, got bool")
    if x.dtype.kind == "u" and (min_val < 0 or max_val < 0):
        raise ArgumentError(f"hardtanh: cannot do hardtanh on an unsigned type ({x.dtype}) with negative limits")
    return HardtanhOp.apply(x, min_val=min_val, max_val=max_val)


def relu6(input, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) = hardtanh(x, 0, 6): derivative 0 at 0 and at 6 (PyTorch's)."""
    return hardtanh(input, 0.0, 6.0)


@_half_in_float
def hardsigmoid(input, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6, derivative 1/6 on (-3, 3) and 0 elsewhere, the kinks included."""
    return HardsigmoidOp.apply(_floating("hardsigmoid", as_tensor(input)))


@_half_in_float
def silu(input, inplace: bool = False) -> Tensor:
    """x sigmoid(x) (the swish of Ramachandran et al.)."""
    x = _floating("silu", as_tensor(input))
    return x * sigmoid(x)


@_half_in_float
def mish(input, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)) (Misra)."""
    x = _floating("mish", as_tensor(input))
    return x * tanh(softplus(x))


@_half_in_float
def logsigmoid(input) -> Tensor:
    """ln sigmoid(x) = -softplus(-x), computed without overflow for any x; derivative sigmoid(-x)."""
    x = _floating("logsigmoid", as_tensor(input))
    return -SoftplusOp.apply(-x, beta=1.0, threshold=math.inf)


@_half_in_float
def celu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)) = alpha elu(x / alpha); derivative 1 at 0 (PyTorch's)."""
    x = _floating("celu", as_tensor(input))
    if alpha == 0:
        raise ArgumentError("celu: alpha cannot be 0 for CELU (the formula divides by it)")
    return ELUOp.apply(x * (1.0 / alpha), alpha=1.0, scale=1.0) * alpha


def threshold(input, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > threshold, else ``value`` (NaN stays NaN); the gradient passes where x > threshold."""
    x = as_tensor(input)
    replaced = x.data <= threshold
    return where(replaced, constant(xp.asarray(value, dtype=x.dtype)), x)


@tensor_method()
def hardshrink(input, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0 (the gradient 0 on [-lambd, lambd], as PyTorch)."""
    x = _floating("hardshrink", as_tensor(input))
    inside = (x.data >= -lambd) & (x.data <= lambd)
    return where(inside, constant(xp.zeros((), x.dtype)), x)


def softshrink(input, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (gradient 0 on [-lambd, lambd]); lambd >= 0."""
    x = _floating("softshrink", as_tensor(input))
    if not lambd >= 0:
        raise ArgumentError(f"softshrink: lambda must be non-negative, got {lambd}")
    above, below = x.data > lambd, x.data < -lambd
    return where(above, x - lambd, where(below, x + lambd, x * 0))


def tanhshrink(input) -> Tensor:
    """x - tanh(x); integer input is computed in the default float dtype, as PyTorch."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        x = x.astype(DEFAULT_FLOAT)
    return x - tanh(x)


def glu(input, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b), a and b the two halves of ``input`` along ``dim``."""
    x = _floating("glu", as_tensor(input))
    dim = _int_dim("glu", dim)
    if x.ndim == 0:
        raise ArgumentError("glu: glu does not support scalars because halving size must be even")
    axis = normalize_axis(dim, x.ndim, "glu")[0]
    half = x.shape[axis] // 2
    if x.shape[axis] % 2:
        raise ArgumentError(f"glu: halving dimension must be even, but dimension {axis} is size {x.shape[axis]}")
    before = (slice(None),) * axis
    return x[before + (slice(0, half),)] * sigmoid(x[before + (slice(half, 2 * half),)])



@tensor_method()
def prelu(input, weight) -> Tensor:
    """x where x > 0, else w x with one learnable slope, or one per channel (dim 1); derivative w at 0."""
    x, weight = as_tensor(input), as_tensor(weight)
    x = _floating("prelu", x)
    if weight.ndim > 1:
        raise ArgumentError(f"prelu: expected weight to be a scalar or 1-D tensor, got ndim = {weight.ndim}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    count = weight.data.size
    if count != 1 and count != channels:
        raise ArgumentError(f"prelu: mismatch of parameter numbers and input channel size: found {count} "
                            f"parameters and channel size {channels} (input shape {tuple(x.shape)})")
    if weight.dtype != x.dtype:
        raise DtypeError(f"prelu: type promoting not supported: input is {x.dtype}, weight is {weight.dtype}")
    if count == 1:
        slope = weight.reshape(())
    else:
        slope = weight.reshape((channels,) + (1,) * (x.ndim - 2))
    return where(x.data > 0, x, x * slope)


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False,
          generator=None) -> Tensor:
    """Randomised leaky ReLU: in training each x <= 0 is scaled by a slope drawn from U(lower, upper) (the
    gradient is that slope); in evaluation the slope is fixed at (lower + upper) / 2."""
    x = _floating("rrelu", as_tensor(input))
    if lower > upper:
        raise ArgumentError(f"rrelu: lower bound should be less than or equal to the upper bound, got "
                            f"lower={lower}, upper={upper}")
    if not training:
        return LeakyReLUOp.apply(x, slope=(lower + upper) / 2)
    slopes = numpy_generator(generator).uniform(lower, upper, x.shape).astype(x.dtype)
    noise = xp.where(x.data > 0, xp.ones((), x.dtype), slopes)
    return x * constant(noise)


@tensor_method(inplace=True)
@_half_in_float
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
    if dim is None:  # PyTorch's deprecated implicit choice: dim 0 for 0-, 1- and 3-d input, else 1
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return normalize_axis(_int_dim(op, dim), x.ndim, op)[0]


def _int_dim(op, dim):
    """``dim`` as a Python int (NumPy integers too); anything else raises TypeError as PyTorch."""
    if isinstance(dim, bool) or not hasattr(dim, "__index__"):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return operator.index(dim)


def _softmax_like(fn_class, op, input, dim, dtype, negate=False):
    """Softmax-type op of ``input`` (cast to ``dtype`` first when given) along ``dim``; 0-d tensors are one
    row of one element, empty tensors give empty results (of any dtype, as PyTorch); float16 is computed in
    float32 and rounded back, as PyTorch's kernels accumulate."""
    x = as_tensor(input)
    if x.data.size == 0 and dtype is None and x.dtype.kind != "f":
        _softmax_axis(x, dim, op)
        return constant(x.data.copy())
    x = _floating(op, x, dtype)
    axis = _softmax_axis(x, dim, op)
    if negate:
        x = -x
    if x.data.dtype == xp.float16:
        return _softmax_like(fn_class, op, x.astype(xp.float32), axis, None).astype(xp.float16)
    if x.ndim == 0:
        return fn_class.apply(x.reshape(1), axis=0).reshape(())
    return fn_class.apply(x, axis=axis)


@tensor_method()
@_half_in_float
def softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None, axis=None) -> Tensor:
    """e^x / sum e^x along ``dim`` (stable: the row maximum is subtracted first)."""
    return _softmax_like(SoftmaxOp, "softmax", input, dim if axis is None else axis, dtype)


@tensor_method()
@_half_in_float
def log_softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None, axis=None) -> Tensor:
    """x - logsumexp(x) along ``dim``."""
    return _softmax_like(LogSoftmaxOp, "log_softmax", input, dim if axis is None else axis, dtype)


@_half_in_float
def softmin(input, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    return _softmax_like(SoftmaxOp, "softmin", input, dim, dtype, negate=True)


# ---- in-place forms (F.relu_, ...): the same values written into the input, version counted ------------------
def _in_place(name, fn, input, *args, **kwargs):
    x = as_tensor(input)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    return x._update(name, lambda t: fn(t, *args, **kwargs))


def relu_(input) -> Tensor:
    return _in_place("relu_", relu, input)


def leaky_relu_(input, negative_slope: float = 0.01) -> Tensor:
    return _in_place("leaky_relu_", leaky_relu, input, negative_slope)


def elu_(input, alpha: float = 1.0) -> Tensor:
    return _in_place("elu_", elu, input, alpha)


def selu_(input) -> Tensor:
    return _in_place("selu_", selu, input)


def celu_(input, alpha: float = 1.0) -> Tensor:
    return _in_place("celu_", celu, input, alpha)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return _in_place("hardtanh_", hardtanh, input, min_val, max_val)


def threshold_(input, threshold: float, value: float) -> Tensor:  # noqa: A002
    return _in_place("threshold_", globals()["threshold"], input, threshold, value)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, generator=None) -> Tensor:
    return _in_place("rrelu_", rrelu, input, lower, upper, training, generator=generator)


def gumbel_softmax(logits, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1,
                   generator=None) -> Tensor:
    """softmax((logits + g) / tau) with Gumbel noise g = -ln(Exp(1)); ``hard`` returns the one-hot of the
    argmax in the forward pass and the soft sample's gradient (straight-through), as PyTorch."""
    logits = _floating("gumbel_softmax", as_tensor(logits))
    exponential = -xp.log1p(-numpy_generator(generator).random(logits.shape))  # Exp(1) by inversion
    gumbels = constant((-xp.log(exponential)).astype(logits.dtype))
    soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    axis = normalize_axis(dim, soft.ndim, "gumbel_softmax")[0]
    index = xp.expand_dims(xp.argmax(soft.data, axis=axis), axis)
    one_hot = xp.zeros_like(soft.data)
    xp.put_along_axis(one_hot, index, 1, axis=axis)
    return soft - soft.detach() + constant(one_hot)
