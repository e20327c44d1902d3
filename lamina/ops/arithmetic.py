"""Elementwise arithmetic and maths functions, each forward beside its derivative.

Broadcasting follows NumPy; every gradient is summed back to its input's shape with ``sum_to``.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, broadcast_shapes, constant, promote, recording, sum_to


class Add(Function):
    def forward(self, a, b):
        if a.shape != b.shape:
            broadcast_shapes("add", a.shape, b.shape)
        return a + b

    def backward(self, g):
        a, b = self.inputs
        shape = g.data.shape
        return (g if a.data.shape == shape else sum_to(g, a.data.shape),
                g if b.data.shape == shape else sum_to(g, b.data.shape))


class Sub(Function):
    def forward(self, a, b):
        if a.shape != b.shape:
            broadcast_shapes("sub", a.shape, b.shape)
        return a - b

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g, a.shape), sum_to(-g, b.shape)


class Mul(Function):
    def forward(self, a, b):
        if a.shape != b.shape:
            broadcast_shapes("mul", a.shape, b.shape)
        return a * b

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g * b, a.shape), sum_to(g * a, b.shape)


class Div(Function):
    """d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2."""

    def forward(self, a, b):
        if a.shape != b.shape:
            broadcast_shapes("div", a.shape, b.shape)
        return a / b

    def backward(self, g):
        a, b = self.inputs
        ga = g / b
        gb = -ga * a / b if b.requires_grad else None
        return sum_to(ga, a.shape), (None if gb is None else sum_to(gb, b.shape))


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


class PowScalar(Function):
    """d(x^c)/dx = c x^(c-1)."""

    def forward(self, x, exponent):
        self.exponent = exponent
        return x**exponent

    def backward(self, g):
        (x,) = self.inputs
        c = self.exponent
        if c == 2:
            return (g * (2 * x),)
        return (g * (c * x ** (c - 1)),)


class Pow(Function):
    """d(a^b)/da = b a^(b-1),  d(a^b)/db = a^b ln a."""

    def forward(self, a, b):
        broadcast_shapes("pow", a.shape, b.shape)
        return a**b

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g * b * a ** (b - 1), a.shape) if a.requires_grad else None
        gb = sum_to(g * a**b * log(a), b.shape) if b.requires_grad else None
        return ga, gb


def _unary(name, forward, derivative, doc):
    """Build a one-input Function from its forward array function and its derivative in tensors."""

    def fwd(self, x):
        return forward(x)

    def bwd(self, g):
        (x,) = self.inputs
        return (g * derivative(x),)

    return type(name, (Function,), {"forward": fwd, "backward": bwd, "__doc__": doc, "__slots__": ()})


class Exp(Function):
    """d e^x / dx = e^x (the saved output, or recomputed when the backward is recorded)."""

    def forward(self, x):
        self.y = xp.exp(x)
        return self.y

    def backward(self, g):
        y = exp(self.inputs[0]) if recording() else constant(self.y)
        return (g * y,)


class Sqrt(Function):
    """d sqrt(x)/dx = 1 / (2 sqrt(x))."""

    def forward(self, x):
        self.y = xp.sqrt(x)
        return self.y

    def backward(self, g):
        y = sqrt(self.inputs[0]) if recording() else constant(self.y)
        return (g / (2 * y),)


Log = _unary("Log", xp.log, lambda x: 1 / x, "d ln x / dx = 1/x")
Log1p = _unary("Log1p", xp.log1p, lambda x: 1 / (1 + x), "d ln(1+x) / dx = 1/(1+x)")
Sin = _unary("Sin", xp.sin, lambda x: cos(x), "d sin x / dx = cos x")
Cos = _unary("Cos", xp.cos, lambda x: -sin(x), "d cos x / dx = -sin x")
Abs = _unary("Abs", xp.abs, lambda x: constant(xp.sign(x.data)), "d|x|/dx = sign(x) (0 at 0)")


class Clamp(Function):
    """Gradient passes where min <= x <= max (as PyTorch), zero elsewhere."""

    def forward(self, x, lo, hi):
        self.lo, self.hi = lo, hi
        return xp.clip(x, lo, hi)

    def backward(self, g):
        x = self.inputs[0].data
        mask = xp.ones(x.shape, dtype=bool)
        if self.lo is not None:
            mask &= x >= self.lo
        if self.hi is not None:
            mask &= x <= self.hi
        return (g * constant(mask.astype(x.dtype)),)


class Maximum(Function):
    """Gradient to the larger input; split in half on ties (as PyTorch)."""

    def forward(self, a, b):
        broadcast_shapes("maximum", a.shape, b.shape)
        return xp.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        share = (a.data > b.data) + 0.5 * (a.data == b.data)
        share = constant(share.astype(g.dtype))
        return sum_to(g * share, a.shape), sum_to(g * (1 - share), b.shape)


class Where(Function):
    def forward(self, a, b, cond):
        broadcast_shapes("where", cond.shape, a.shape, b.shape)
        self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, g):
        a, b = self.inputs
        mask = constant(self.cond.astype(g.dtype))
        return sum_to(g * mask, a.shape), sum_to(g * (1 - mask), b.shape)


class Cast(Function):
    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return (g.astype(self.inputs[0].dtype),)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)


# ---- public functions ------------------------------------------------------------------------
def add(a, b, alpha=None) -> Tensor:
    if alpha is None and type(a) is Tensor and type(b) is Tensor and a.data.dtype == b.data.dtype:
        return Add.apply(a, b)  # the common case, kept short: this is the hottest op of all
    a, b = promote(a, b)
    if alpha is not None:
        b = b * alpha
    return Add.apply(a, b)


def sub(a, b, alpha=None) -> Tensor:
    a, b = promote(a, b)
    if alpha is not None:
        b = b * alpha
    return Sub.apply(a, b)


def mul(a, b) -> Tensor:
    return Mul.apply(*promote(a, b))


def div(a, b) -> Tensor:
    a, b = promote(a, b)
    if a.data.dtype.kind != "f":  # true division of integers gives floats, as in PyTorch
        a = a.float()
        b = b.float() if b.data.dtype.kind != "f" else b
    return Div.apply(a, b)


def neg(x) -> Tensor:
    return Neg.apply(as_tensor(x))


def pow(a, b) -> Tensor:
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and xp.ndim(b) == 0:
        if b == 1:
            return a
        return PowScalar.apply(a, exponent=b)
    return Pow.apply(*promote(a, b))


def exp(x) -> Tensor:
    return Exp.apply(as_tensor(x))


def log(x) -> Tensor:
    return Log.apply(as_tensor(x))


def log1p(x) -> Tensor:
    return Log1p.apply(as_tensor(x))


def sqrt(x) -> Tensor:
    return Sqrt.apply(as_tensor(x))


def abs(x) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(as_tensor(x))


def sin(x) -> Tensor:
    return Sin.apply(as_tensor(x))


def cos(x) -> Tensor:
    return Cos.apply(as_tensor(x))


def clamp(x, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(as_tensor(x), lo=min, hi=max)


clip = clamp


def maximum(a, b) -> Tensor:
    return Maximum.apply(*promote(a, b))


def minimum(a, b) -> Tensor:
    a, b = promote(a, b)
    return -Maximum.apply(-a, -b)


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (gradient flows to the chosen side)."""
    cond = condition.data if isinstance(condition, Tensor) else xp.asarray(condition)
    a, b = promote(a, b)
    return Where.apply(a, b, cond=cond.astype(bool, copy=False))


def cast(x: Tensor, dtype) -> Tensor:
    if x.requires_grad and dtype.kind != "f":
        return Tensor._wrap(x.data.astype(dtype))  # integers are never differentiated
    return Cast.apply(x, dtype=dtype)


def clone(x: Tensor) -> Tensor:
    return Clone.apply(x)


# ---- comparisons and logic: no gradient ------------------------------------------------------
def _compare(np_op):
    def compare(a, b) -> Tensor:
        a, b = promote(a, b)
        return Tensor._wrap(np_op(a.data, b.data))

    compare.__name__ = np_op.__name__
    return compare


lt, le, gt, ge = _compare(xp.less), _compare(xp.less_equal), _compare(xp.greater), _compare(xp.greater_equal)
eq, ne = _compare(xp.equal), _compare(xp.not_equal)
logical_and, logical_or = _compare(xp.logical_and), _compare(xp.logical_or)


def logical_not(x) -> Tensor:
    return Tensor._wrap(xp.logical_not(as_tensor(x).data))


def sign(x) -> Tensor:
    return Tensor._wrap(xp.sign(as_tensor(x).data))


def isnan(x) -> Tensor:
    return Tensor._wrap(xp.isnan(as_tensor(x).data))


def isfinite(x) -> Tensor:
    return Tensor._wrap(xp.isfinite(as_tensor(x).data))


def allclose(a, b, rtol=1e-5, atol=1e-8) -> bool:
    return bool(xp.allclose(as_tensor(a).data, as_tensor(b).data, rtol=rtol, atol=atol))
