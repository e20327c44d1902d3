"""Elementwise arithmetic and maths functions, each forward beside its derivative.

Broadcasting follows NumPy; every gradient is summed back to its input's shape with ``sum_to``.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, broadcast_shapes, constant, promote, recording, tensor_method
from .shape import sum_to
from ..errors import ArgumentError


class Add(Function):
    name = "add"
    commutative = True

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
    name = "sub"

    def forward(self, a, b):
        if a.shape != b.shape:
            broadcast_shapes("sub", a.shape, b.shape)
        return a - b

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g, a.shape), sum_to(-g, b.shape)


class Mul(Function):
    name = "mul"
    commutative = True

    def forward(self, a, b):
        if a.shape != b.shape:
            broadcast_shapes("mul", a.shape, b.shape)
        return a * b

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g * b, a.shape), sum_to(g * a, b.shape)


class Div(Function):
    """d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2."""

    name = "div"

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
    name = "neg"

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


class PowScalar(Function):
    """d(x^c)/dx = c x^(c-1)."""

    name = "pow"

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

    name = "pow"

    def forward(self, a, b):
        broadcast_shapes("pow", a.shape, b.shape)
        return a**b

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g * b * a ** (b - 1), a.shape) if a.requires_grad else None
        gb = sum_to(g * a**b * log(a), b.shape) if b.requires_grad else None
        return ga, gb


def _unary(name, forward, derivative, doc):
    """Build a one-input Function (class ``name``, op ``name.lower()``) from its forward array function
    and its derivative written in tensors."""

    def fwd(self, x):
        return forward(x)

    def bwd(self, g):
        (x,) = self.inputs
        return (g * derivative(x),)

    return type(name, (Function,), {"forward": fwd, "backward": bwd, "__doc__": doc, "__slots__": (),
                                    "name": name.lower()})


class Exp(Function):
    """d e^x / dx = e^x (the saved output, or recomputed when the backward is recorded)."""

    name = "exp"

    def forward(self, x):
        self.y = xp.exp(x)
        return self.y

    def backward(self, g):
        y = exp(self.inputs[0]) if recording() else constant(self.y)
        return (g * y,)


class Sqrt(Function):
    """d sqrt(x)/dx = 1 / (2 sqrt(x))."""

    name = "sqrt"

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

    name = "clamp"

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

    name = "maximum"
    commutative = True

    def forward(self, a, b):
        broadcast_shapes("maximum", a.shape, b.shape)
        return xp.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        share = (a.data > b.data) + 0.5 * (a.data == b.data)
        share = constant(share.astype(g.dtype))
        return sum_to(g * share, a.shape), sum_to(g * (1 - share), b.shape)


class Where(Function):
    name = "where"

    def forward(self, a, b, cond):
        broadcast_shapes("where", cond.shape, a.shape, b.shape)
        self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, g):
        a, b = self.inputs
        mask = constant(self.cond.astype(g.dtype))
        return sum_to(g * mask, a.shape), sum_to(g * (1 - mask), b.shape)


# ---- public functions ------------------------------------------------------------------------
@tensor_method("add", "__add__", reflected=("__radd__",))
def add(a, b, alpha=None) -> Tensor:
    if alpha is None and type(a) is Tensor and type(b) is Tensor and a.data.dtype == b.data.dtype:
        return Add.apply(a, b)  # the common case, kept short: this is the hottest op of all
    a, b = promote(a, b)
    if alpha is not None:
        b = b * alpha
    return Add.apply(a, b)


@tensor_method("sub", "__sub__", reflected=("__rsub__",))
def sub(a, b, alpha=None) -> Tensor:
    a, b = promote(a, b)
    if alpha is not None:
        b = b * alpha
    return Sub.apply(a, b)


@tensor_method("mul", "__mul__", reflected=("__rmul__",))
def mul(a, b) -> Tensor:
    return Mul.apply(*promote(a, b))


@tensor_method("div", "__truediv__", reflected=("__rtruediv__",))
def div(a, b) -> Tensor:
    a, b = promote(a, b)
    if a.data.dtype.kind != "f":  # true division of integers gives floats, as in PyTorch
        a = a.float()
        b = b.float() if b.data.dtype.kind != "f" else b
    return Div.apply(a, b)


@tensor_method("neg", "__neg__")
def neg(x) -> Tensor:
    return Neg.apply(as_tensor(x))


@tensor_method("pow", "__pow__", reflected=("__rpow__",))
def pow(a, b) -> Tensor:
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and xp.ndim(b) == 0:
        if b == 1:
            return a
        return PowScalar.apply(a, exponent=b)
    return Pow.apply(*promote(a, b))


@tensor_method()
def exp(x) -> Tensor:
    return Exp.apply(as_tensor(x))


@tensor_method()
def log(x) -> Tensor:
    return Log.apply(as_tensor(x))


@tensor_method()
def log1p(x) -> Tensor:
    return Log1p.apply(as_tensor(x))


@tensor_method()
def sqrt(x) -> Tensor:
    return Sqrt.apply(as_tensor(x))


@tensor_method("abs", "__abs__")
def abs(x) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(as_tensor(x))


@tensor_method()
def sin(x) -> Tensor:
    return Sin.apply(as_tensor(x))


@tensor_method()
def cos(x) -> Tensor:
    return Cos.apply(as_tensor(x))


@tensor_method("clamp", "clip")
def clamp(x, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    if min is None and max is None:
        raise ArgumentError("clamp: at least one of min and max must be given")
    return Clamp.apply(as_tensor(x), lo=min, hi=max)


clip = clamp


@tensor_method()
def maximum(a, b) -> Tensor:
    return Maximum.apply(*promote(a, b))


@tensor_method()
def minimum(a, b) -> Tensor:
    a, b = promote(a, b)
    return -Maximum.apply(-a, -b)


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (gradient flows to the chosen side)."""
    cond = condition.data if isinstance(condition, Tensor) else xp.asarray(condition)
    a, b = promote(a, b)
    return Where.apply(a, b, cond=cond.astype(bool, copy=False))


@tensor_method("where")
def _where_method(x, condition, other) -> Tensor:
    """``x.where(condition, other)``: x where condition holds, else other (as PyTorch)."""
    return where(condition, x, other)


# ---- comparisons and logic: no gradient ------------------------------------------------------
def _compare(np_op, *methods):
    def compare(a, b) -> Tensor:
        a, b = promote(a, b)
        return Tensor._wrap(np_op(a.data, b.data))

    compare.__name__ = np_op.__name__
    compare.__qualname__ = np_op.__name__
    return tensor_method(*methods)(compare)


lt = _compare(xp.less, "lt", "__lt__")
le = _compare(xp.less_equal, "le", "__le__")
gt = _compare(xp.greater, "gt", "__gt__")
ge = _compare(xp.greater_equal, "ge", "__ge__")
eq = _compare(xp.equal, "eq", "__eq__")
ne = _compare(xp.not_equal, "ne", "__ne__")
logical_and = _compare(xp.logical_and, "logical_and", "__and__")
logical_or = _compare(xp.logical_or, "logical_or", "__or__")


@tensor_method("logical_not", "__invert__")
def logical_not(x) -> Tensor:
    return Tensor._wrap(xp.logical_not(as_tensor(x).data))


@tensor_method()
def sign(x) -> Tensor:
    return Tensor._wrap(xp.sign(as_tensor(x).data))


@tensor_method()
def isnan(x) -> Tensor:
    return Tensor._wrap(xp.isnan(as_tensor(x).data))


@tensor_method()
def isfinite(x) -> Tensor:
    return Tensor._wrap(xp.isfinite(as_tensor(x).data))


def allclose(a, b, rtol=1e-5, atol=1e-8) -> bool:
    return bool(xp.allclose(as_tensor(a).data, as_tensor(b).data, rtol=rtol, atol=atol))
