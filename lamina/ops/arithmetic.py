"""Elementwise arithmetic (+ - * / // % **), min/max/clamp, comparisons and their relatives, each forward
beside its derivative.

Operands follow PyTorch's type promotion (``_util.promote``: ``x32 * 2.0`` stays float32, an int tensor
with a float scalar gives float32, int32 with int64 gives int64) and NumPy's broadcasting; every gradient
is summed back to its input's shape with ``sum_to``. Integer and bool tensors compute as PyTorch does
(``7 // -2`` is -4, integer division by zero is an error, ``int ** -1`` is an error), and an op that
PyTorch has no kernel for in a dtype raises ``DtypeError`` (a NotImplementedError).
"""
from __future__ import annotations

import numbers

from ..autograd import Function
from ..backend import DEFAULT_FLOAT, xp
from ..errors import ArgumentError, DtypeError
from ..tensor import Tensor
from ._util import (broadcast_shapes, constant, is_scalar, promote, recording, result_type,
                    scalar_array, tensor_method, to_dtype)
from .shape import sum_to

_FLOAT64 = xp.dtype(xp.float64)
_ONE = 1  # add's default alpha: ``alpha is _ONE`` is the fastest test of "no alpha given"


def _quiet():
    """NumPy's floating-point warnings off: inf and NaN are values here, as in PyTorch."""
    return xp.errstate(divide="ignore", invalid="ignore", over="ignore")


def _zeros(t: Tensor) -> Tensor:
    return constant(xp.zeros(t.data.shape, dtype=t.data.dtype))


def _masked(mask, values, fill=0):
    """``values`` with ``fill`` where ``mask`` holds (arrays)."""
    return xp.where(mask, xp.asarray(fill, dtype=values.dtype), values)


def _check_broadcast(op, *arrays):
    """An ArgumentError naming ``op`` when the shapes do not broadcast (cheap for equal shapes and scalars)."""
    shapes = [a.shape for a in arrays if a.shape]
    if any(s != shapes[0] for s in shapes[1:]):
        broadcast_shapes(op, *(a.shape for a in arrays))


def _floating(op, *operands):
    """The operands in their promoted dtype, or float32 (PyTorch's default dtype) where that is an integer or
    bool: each converted from its own values (uint8 200 with int8 stays 200, -3 with uint8 stays -3)."""
    dtype = result_type(*operands)
    ts = tuple(to_dtype(v, dtype if dtype.kind == "f" else DEFAULT_FLOAT) for v in operands)
    _check_broadcast(op, *(t.data for t in ts))
    return ts


def _float_only(op, *operands):
    """Promoted operands, which must be floating point (PyTorch has no integer kernel for ``op``)."""
    ts = promote(*operands)
    dtype = ts[0].data.dtype
    if dtype.kind != "f":
        raise DtypeError(f"{op}: not implemented for dtype {dtype}; it needs floating-point inputs")
    _check_broadcast(op, *(t.data for t in ts))
    return ts


def _tensors(op, **arguments):
    """PyTorch's check on arguments that must be tensors (a number there is a TypeError)."""
    for name, value in arguments.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def _input(op, value) -> Tensor:
    """The input of a one-input op, which must be a tensor (PyTorch: a number there is a TypeError)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(value).__name__}")
    return value


def _float_input(op, value) -> Tensor:
    """The input of a floating-point function: integers and bools computed in float32, as PyTorch."""
    x = _input(op, value)
    return x if x.data.dtype.kind == "f" else to_dtype(x, DEFAULT_FLOAT)


def _one_tensor(op, input, other):
    """Either operand may be a number, not both (PyTorch's overloads)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected a Tensor as input or other, got {type(input).__name__} and "
                        f"{type(other).__name__}")


def _is_bool(value) -> bool:
    return value.data.dtype.kind == "b" if isinstance(value, Tensor) else isinstance(value, bool)  # np.True_ is a float to PyTorch


def _number(value):
    """A NumPy scalar as the Python number it holds (NumPy 2 would let an np.float64 widen float32 arrays)."""
    return value.item() if isinstance(value, xp.generic) else value


# ---- + - * / ----------------------------------------------------------------------------------------
class Add(Function):
    name = "add"
    commutative = True

    def forward(self, a, b):
        try:
            return a + b
        except ValueError:  # shapes that do not broadcast: say so, naming the op
            broadcast_shapes("add", a.shape, b.shape)
            raise

    def backward(self, g):
        a, b = self.inputs
        shape = g.data.shape
        return (g if a.data.shape == shape else sum_to(g, a.data.shape),
                g if b.data.shape == shape else sum_to(g, b.data.shape))


class Sub(Function):
    name = "sub"

    def forward(self, a, b):
        try:
            return a - b
        except ValueError:  # shapes that do not broadcast: say so, naming the op
            broadcast_shapes("sub", a.shape, b.shape)
            raise

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g, a.shape), sum_to(-g, b.shape)


class Mul(Function):
    name = "mul"
    commutative = True

    def forward(self, a, b):
        try:
            return a * b
        except ValueError:  # shapes that do not broadcast: say so, naming the op
            broadcast_shapes("mul", a.shape, b.shape)
            raise

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g * b, a.shape), sum_to(g * a, b.shape)


class Div(Function):
    """d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2."""

    name = "div"

    def forward(self, a, b):
        try:
            return a / b
        except ValueError:  # shapes that do not broadcast: say so, naming the op
            broadcast_shapes("div", a.shape, b.shape)
            raise

    def backward(self, g):
        a, b = self.inputs
        ga = g / b
        gb = -ga * a / b if b.requires_grad else None
        return sum_to(ga, a.shape), (None if gb is None else sum_to(gb, b.shape))


def _check_divisor(op, a, b):
    """Integer division by zero is an error, as in PyTorch (whose message is "ZeroDivisionError"); an empty
    result divides nothing."""
    if b.dtype.kind in "iu" and a.size and not b.all():
        raise ArgumentError(f"{op}: integer division by zero (ZeroDivisionError)")


def _floor_divide(a, b):
    with _quiet():
        return xp.floor_divide(a, b)


def _trunc_divide(a, b):
    """a / b rounded toward zero; integers stay exact (the floor quotient, plus one where it was rounded down
    below zero)."""
    if a.dtype.kind == "f":
        with _quiet():
            return xp.trunc(a / b)
    q = _floor_divide(a, b)
    q += ((q * b) != a) & ((a < 0) != (b < 0))
    return q


_ROUNDED = {"trunc": _trunc_divide, "floor": _floor_divide}


class RoundedDiv(Function):
    """div with rounding_mode 'trunc' or 'floor': a step function of both inputs, so both gradients are 0
    (PyTorch's convention)."""

    name = "div"

    def forward(self, a, b, mode):
        _check_broadcast("div", a, b)
        _check_divisor("div", a, b)
        return _ROUNDED[mode](a, b)

    def backward(self, g):
        return tuple(_zeros(t) for t in self.inputs)


class FloorDivide(Function):
    """a // b, rounded toward -inf. PyTorch defines no derivative: the backward is an error, as there."""

    name = "floor_divide"

    def forward(self, a, b):
        _check_broadcast("floor_divide", a, b)
        _check_divisor("floor_divide", a, b)
        return _floor_divide(a, b)

    def backward(self, g):
        raise ArgumentError("floor_divide: the derivative is not implemented (as in PyTorch); "
                            "use div(a, b, rounding_mode='floor'), whose gradient is 0")


class Remainder(Function):
    """a - b floor(a/b), the sign of b (Python's %):  d/da = 1,  d/db = -floor(a/b)."""

    name = "remainder"

    def forward(self, a, b):
        _check_broadcast("remainder", a, b)
        _check_divisor("remainder", a, b)
        with _quiet():
            return xp.remainder(a, b)

    def backward(self, g):
        a, b = self.inputs
        gb = None
        if b.requires_grad:
            gb = sum_to(g * constant(-_floor_divide(a.data, b.data)), b.shape)
        return sum_to(g, a.shape), gb


class Fmod(Function):
    """a - b trunc(a/b), the sign of a (C's fmod):  d/da = 1,  d/db = -trunc(a/b)."""

    name = "fmod"

    def forward(self, a, b):
        _check_broadcast("fmod", a, b)
        _check_divisor("fmod", a, b)
        with _quiet():
            return xp.fmod(a, b)

    def backward(self, g):
        a, b = self.inputs
        gb = None
        if b.requires_grad:
            gb = sum_to(g * constant(-_trunc_divide(a.data, b.data)), b.shape)
        return sum_to(g, a.shape), gb


class Neg(Function):
    name = "neg"

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


class Reciprocal(Function):
    """1/x;  d/dx = -1/x^2 (-inf at 0, as PyTorch)."""

    name = "reciprocal"

    def forward(self, x):
        with _quiet():
            self.y = xp.reciprocal(x)
        return self.y

    def backward(self, g):
        if recording():
            y = reciprocal(self.inputs[0])
            return (-g * y * y,)
        with _quiet():
            return (g * constant(-(self.y * self.y)),)


# ---- powers ------------------------------------------------------------------------------------------
_SPECIAL_POWERS = {  # PyTorch's kernels for these exponents (they differ from pow at -0 and -inf)
    0.5: xp.sqrt, 2.0: lambda x: x * x, 3.0: lambda x: x * x * x, -0.5: lambda x: 1 / xp.sqrt(x),
    -1.0: xp.reciprocal, -2.0: lambda x: 1 / (x * x),
}


def _power(x, c):
    """x ** c for an array and a number, as PyTorch computes it (float16 through float32, rounded once)."""
    if x.dtype == xp.float16:
        return _power(x.astype(xp.float32), c).astype(xp.float16)
    if x.dtype.kind == "f":
        special = _SPECIAL_POWERS.get(c)
        with _quiet():
            return special(x) if special is not None else x**c
    return x * x if c == 2 else x**c


class PowScalar(Function):
    """x^c for a number c:  d/dx = c x^(c-1), and 0 everywhere when c = 0 (PyTorch; 0 * 0^-1 would be NaN).
    Exponents 0.5, -0.5, -1, -2 go through sqrt and reciprocals, as PyTorch's kernels (1/sqrt(-0) is -inf)."""

    name = "pow"

    def forward(self, x, exponent):
        self.exponent = exponent
        return _power(x, exponent)

    def backward(self, g):
        (x,) = self.inputs
        c = self.exponent
        if c == 0:
            return (_zeros(x),)
        if c == 2:
            return (g * (2 * x),)
        return (g * (c * x ** (c - 1)),)


def _integer_power(a, b):
    """a^b for integer arrays, negative exponents included (PyTorch: 1 and -1 keep their powers, every other
    base gives 0)."""
    negative = b < 0
    if not negative.any():
        return a**b
    out = a ** xp.where(negative, 0, b)
    special = xp.where(a == 1, 1, xp.where((a == -1) & (b % 2 == 0), 1, xp.where(a == -1, -1, 0)))
    return xp.where(negative, special.astype(out.dtype), out)


class Pow(Function):
    """a^b:  d/da = b a^(b-1),  d/db = a^b ln a. PyTorch's zeros: d/da = 0 where b = 0 (also at a = 0),
    d/db = 0 where a = 0 and b >= 0 (0 * ln 0 would be NaN)."""

    name = "pow"

    def forward(self, a, b):
        _check_broadcast("pow", a, b)
        if a.dtype.kind in "iu":
            return _integer_power(a, b)
        with _quiet():
            self.y = a**b
        return self.y

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            at_zero_exponent = b.data == 0
            if recording():
                slope = where(at_zero_exponent, 0.0, b * a ** (b - 1))
            else:
                with _quiet():
                    slope = constant(_masked(at_zero_exponent, b.data * a.data ** (b.data - 1)))
            ga = sum_to(g * slope, a.shape)
        if b.requires_grad:
            at_zero_base = (a.data == 0) & (b.data >= 0)
            if recording():
                slope = where(at_zero_base, 0.0, a**b * log(a))
            else:
                with _quiet():
                    slope = constant(_masked(at_zero_base, self.y * xp.log(a.data)))
            gb = sum_to(g * slope, b.shape)
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
Abs = _unary("Abs", xp.abs, lambda x: constant(_sign(x.data)), "d|x|/dx = sign(x) (0 at 0 and at NaN, as PyTorch)")


# ---- min, max, clamp -------------------------------------------------------------------------------
def _shares(g, a, b, to_a, to_b, ties=None):
    """The gradient ``g`` sent to ``a`` where ``to_a`` holds and to ``b`` where ``to_b`` holds (half each on
    ``ties``), summed back to each input's shape."""
    dtype = g.data.dtype
    out = []
    for t, mask in ((a, to_a), (b, to_b)):
        if not t.requires_grad:
            out.append(None)
            continue
        share = mask.astype(dtype)
        if ties is not None:
            share[ties] = 0.5
        out.append(sum_to(g * constant(share), t.shape))
    return tuple(out)


class Maximum(Function):
    """The larger input gets the gradient, half each on ties; where one is NaN (so is the result) both get it
    (PyTorch)."""

    name = "maximum"
    commutative = True

    def forward(self, a, b):
        _check_broadcast("maximum", a, b)
        return xp.maximum(a, b)

    def backward(self, g):
        a, b = self.inputs
        x, y = a.data, b.data
        return _shares(g, a, b, ~(x < y), ~(x > y), x == y)


class Minimum(Function):
    """The smaller input gets the gradient, half each on ties; both where one is NaN (PyTorch)."""

    name = "minimum"
    commutative = True

    def forward(self, a, b):
        _check_broadcast("minimum", a, b)
        return xp.minimum(a, b)

    def backward(self, g):
        a, b = self.inputs
        x, y = a.data, b.data
        return _shares(g, a, b, ~(x > y), ~(x < y), x == y)


class Fmax(Function):
    """max ignoring NaN (NaN only where both are). Gradient to a where a >= b or b is NaN, else to b."""

    name = "fmax"

    def forward(self, a, b):
        _check_broadcast("fmax", a, b)
        return xp.fmax(a, b)

    def backward(self, g):
        a, b = self.inputs
        to_a = (a.data >= b.data) | xp.isnan(b.data)
        return _shares(g, a, b, to_a, ~to_a)


class Fmin(Function):
    """min ignoring NaN. Gradient to a where a <= b or b is NaN, else to b."""

    name = "fmin"

    def forward(self, a, b):
        _check_broadcast("fmin", a, b)
        return xp.fmin(a, b)

    def backward(self, g):
        a, b = self.inputs
        to_a = (a.data <= b.data) | xp.isnan(b.data)
        return _shares(g, a, b, to_a, ~to_a)


class Clamp(Function):
    """min(max(x, lo), hi) for number bounds. The gradient passes where lo <= x <= hi (so nowhere when
    lo > hi, and not at NaN), as PyTorch."""

    name = "clamp"

    def forward(self, x, lo, hi):
        self.lo, self.hi = lo, hi
        return xp.clip(x, lo, hi)

    def backward(self, g):
        x = self.inputs[0].data
        if self.lo is None:
            mask = x <= self.hi
        else:
            mask = x >= self.lo
            if self.hi is not None:
                mask &= x <= self.hi
        return (g * constant(mask.astype(g.data.dtype)),)


class ClampTensor(Function):
    """min(max(x, lo), hi) with tensor bounds (either may be absent). Gradients as PyTorch: to x where
    lo <= x <= hi; to lo where x < lo and lo < hi; to hi where x > hi or hi < lo (hi wins a crossed pair)."""

    name = "clamp"

    def forward(self, x, *bounds, has_lo, has_hi):
        _check_broadcast("clamp", x, *bounds)
        self.has_lo, self.has_hi = has_lo, has_hi
        out = xp.maximum(x, bounds[0]) if has_lo else x
        return xp.minimum(out, bounds[-1]) if has_hi else out

    def backward(self, g):
        x, *bounds = self.inputs
        lo = bounds[0].data if self.has_lo else None
        hi = bounds[-1].data if self.has_hi else None
        xd = x.data
        if lo is None:
            masks = [xd <= hi, xd > hi]
        elif hi is None:
            masks = [xd >= lo, xd < lo]
        else:
            masks = [(xd >= lo) & (xd <= hi), (xd < lo) & (lo < hi), (xd > hi) | (hi < lo)]
        dtype = g.data.dtype
        return tuple(sum_to(g * constant(m.astype(dtype)), t.shape) if t.requires_grad else None
                     for t, m in zip(self.inputs, masks))


class Where(Function):
    name = "where"

    def forward(self, a, b, cond):
        _check_broadcast("where", cond, a, b)
        self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, g):
        a, b = self.inputs
        mask = constant(self.cond.astype(g.dtype))
        return sum_to(g * mask, a.shape), sum_to(g * (1 - mask), b.shape)


# ---- two-input maths -------------------------------------------------------------------------------
class Lerp(Function):
    """a + w (b - a) (computed as b - (b - a)(1 - w) where |w| >= 1/2, as PyTorch, so that w = 1 gives b):
    d/da = 1 - w,  d/db = w,  d/dw = b - a. ``w`` is the third input, or the number ``weight``."""

    name = "lerp"

    def forward(self, a, b, *w, weight=None):
        self.weight = weight
        w = w[0] if w else weight
        _check_broadcast("lerp", a, b, *([w] if not is_scalar(w) else []))
        diff = b - a
        if is_scalar(w):
            return a + w * diff if -0.5 < w < 0.5 else b - diff * (1 - w)
        return xp.where(xp.abs(w) < 0.5, a + w * diff, b - diff * (1 - w))

    def backward(self, g):
        a, b, *rest = self.inputs
        w = rest[0] if rest else self.weight
        grads = [sum_to(g * (1 - w), a.shape) if a.requires_grad else None,
                 sum_to(g * w, b.shape) if b.requires_grad else None]
        if rest:
            grads.append(sum_to(g * (b - a), w.shape) if w.requires_grad else None)
        return tuple(grads)


class Copysign(Function):
    """|a| with the sign of b:  d/da = +-1 (copysign(a, b) / a; 0 at a = 0, as PyTorch),  d/db = 0."""

    name = "copysign"

    def forward(self, a, b):
        _check_broadcast("copysign", a, b)
        self.y = xp.copysign(a, b)
        return self.y

    def backward(self, g):
        a, b = self.inputs
        with _quiet():
            ratio = _masked(a.data == 0, self.y / a.data)
        ga = sum_to(g * constant(ratio), a.shape) if a.requires_grad else None
        return ga, (_zeros(b) if b.requires_grad else None)


class LogAddExp(Function):
    """ln(e^a + e^b):  d/da = 1 / (1 + e^(b-a)),  d/db = 1 / (1 + e^(a-b)) (NaN where both are -inf or +inf,
    as PyTorch). ``base`` 2 gives logaddexp2 (log2(2^a + 2^b), the same weights with 2^)."""

    name = "logaddexp"

    def forward(self, a, b, base):
        _check_broadcast(self.name, a, b)
        self.base = base
        with _quiet():
            return xp.logaddexp(a, b) if base is None else xp.logaddexp2(a, b)

    def backward(self, g):
        a, b = self.inputs
        power = exp if self.base is None else (lambda t: 2.0**t)
        return (sum_to(g / (1 + power(b - a)), a.shape) if a.requires_grad else None,
                sum_to(g / (1 + power(a - b)), b.shape) if b.requires_grad else None)


class LogAddExp2(LogAddExp):
    name = "logaddexp2"


class Atan2(Function):
    """The angle of (b, a):  d/da = b / (a^2 + b^2),  d/db = -a / (a^2 + b^2), both 0 at the origin (PyTorch)."""

    name = "atan2"

    def forward(self, a, b):
        _check_broadcast("atan2", a, b)
        return xp.arctan2(a, b)

    def backward(self, g):
        a, b = self.inputs
        origin = (a.data == 0) & (b.data == 0)
        if recording():
            inverse = where(origin, 0.0, 1 / (a * a + b * b))
        else:
            with _quiet():
                inverse = constant(_masked(origin, 1 / (a.data * a.data + b.data * b.data)))
        return (sum_to(g * b * inverse, a.shape) if a.requires_grad else None,
                sum_to(-g * a * inverse, b.shape) if b.requires_grad else None)


class Hypot(Function):
    """sqrt(a^2 + b^2):  d/da = a / hypot,  d/db = b / hypot (NaN at the origin, as PyTorch)."""

    name = "hypot"

    def forward(self, a, b):
        _check_broadcast("hypot", a, b)
        self.y = xp.hypot(a, b)
        return self.y

    def backward(self, g):
        a, b = self.inputs
        y = hypot(a, b) if recording() else constant(self.y)
        return (sum_to(g * a / y, a.shape) if a.requires_grad else None,
                sum_to(g * b / y, b.shape) if b.requires_grad else None)


class Xlogy(Function):
    """a ln b, 0 where a = 0 unless b is NaN:  d/da = ln b (0 where a = 0 and b <= 0),  d/db = a / b
    (PyTorch's conventions)."""

    name = "xlogy"

    def forward(self, a, b):
        _check_broadcast("xlogy", a, b)
        with _quiet():
            return _masked((a == 0) & ~xp.isnan(b), a * xp.log(b))

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            masked = (a.data == 0) & (b.data <= 0)
            if recording():
                slope = where(masked, 0.0, log(b))
            else:
                with _quiet():
                    slope = constant(_masked(masked, xp.log(b.data)))
            ga = sum_to(g * slope, a.shape)
        if b.requires_grad:
            gb = sum_to(g * a / b, b.shape)
        return ga, gb


def _sign(x):
    """-1, 0 or 1 in x's dtype; 0 at NaN (PyTorch), True/False kept for bools."""
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind == "f":
        return _masked(xp.isnan(x), xp.sign(x))
    return xp.sign(x)


class SignOp(Function):
    """-1, 0 or 1 (0 at NaN, as PyTorch); the derivative is 0 everywhere."""

    name = "sign"

    def forward(self, x):
        return _sign(x)

    def backward(self, g):
        return (_zeros(self.inputs[0]),)


# ---- public functions: + - * / ---------------------------------------------------------------------
def _scaled(op, other: Tensor, alpha, dtype) -> Tensor:
    """alpha * other for add/sub, with PyTorch's checks on alpha."""
    if not is_scalar(alpha):
        raise TypeError(f"{op}: alpha must be a number, not {type(alpha).__name__}")
    if dtype.kind in "iub" and isinstance(alpha, (float, xp.floating)):
        raise ArgumentError(f"{op}: for integral input tensors, alpha must not be a floating point number "
                            f"(got {alpha})")
    if isinstance(alpha, (bool, xp.bool_)) and dtype.kind != "b":
        raise ArgumentError(f"{op}: a bool alpha is only supported for bool results (the result is {dtype})")
    if dtype.kind == "b":
        alpha = bool(alpha)  # bool results compute in bool: True + 2 * True is True
    return other if alpha == 1 else mul(other, _number(alpha))


@tensor_method("add", "__add__", reflected=("__radd__",))
def add(input, other, *, alpha=_ONE) -> Tensor:
    """input + alpha * other."""
    if type(input) is Tensor and type(other) is Tensor and input.data.dtype == other.data.dtype and alpha is _ONE:
        return Add.apply(input, other)  # the common case, kept short: this is the hottest op of all
    a, b = promote(input, other)
    if type(alpha) is not int or alpha != 1:
        b = _scaled("add", b, alpha, b.data.dtype)
    return Add.apply(a, b)


@tensor_method("sub", "subtract", "__sub__", reflected=("__rsub__",), inplace=True)
def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other (not with a bool operand: use ^ or logical_xor, as PyTorch says)."""
    a, b = promote(input, other)
    if _is_bool(input) or _is_bool(other):
        raise ArgumentError("sub: subtraction with a bool tensor is not supported; use the ^ operator or "
                            "logical_xor() for two bools, or ~ / logical_not() to invert a mask")
    if type(alpha) is not int or alpha != 1:
        b = _scaled("sub", b, alpha, b.data.dtype)
    return Sub.apply(a, b)


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    _tensors("rsub", input=input)
    return sub(other, input, alpha=alpha)


@tensor_method("mul", "multiply", "__mul__", reflected=("__rmul__",), inplace=True)
def mul(input, other) -> Tensor:
    return Mul.apply(*promote(input, other))


multiply = mul


@tensor_method("div", "divide", "__truediv__", reflected=("__rtruediv__",), inplace=True)
def div(input, other, *, rounding_mode=None) -> Tensor:
    """input / other. Without ``rounding_mode`` true division (integers give float32); 'trunc' rounds toward
    0 and 'floor' toward -inf, keeping integer dtypes (integer division by zero is then an error)."""
    if rounding_mode is not None:
        return _rounded_division("div", input, other, rounding_mode)
    a, b = promote(input, other)
    if a.data.dtype.kind != "f":  # true division of integers gives floats, as in PyTorch
        a, b = to_dtype(input, DEFAULT_FLOAT), to_dtype(other, DEFAULT_FLOAT)
    return Div.apply(a, b)


divide = div


def _rounded_division(op, input, other, rounding_mode):
    if not isinstance(rounding_mode, str):
        raise TypeError(f"{op}(): rounding_mode must be None or a string, not {type(rounding_mode).__name__}")
    if rounding_mode not in _ROUNDED:
        raise ArgumentError(f"{op}: expected rounding_mode to be one of None, 'trunc' or 'floor', "
                            f"got {rounding_mode!r}")
    a, b = _integer_or_float(f"{op} (rounding_mode={rounding_mode!r})", input, other)
    return RoundedDiv.apply(a, b, mode=rounding_mode)


def _integer_or_float(op, *operands):
    ts = promote(*operands)
    if ts[0].data.dtype.kind == "b":
        raise DtypeError(f"{op}: not implemented for bool tensors")
    return ts


@tensor_method(inplace=True)
def true_divide(input, other) -> Tensor:
    """input / other, always true division (as div without rounding_mode)."""
    return div(input, other)


@tensor_method("floor_divide", "__floordiv__", reflected=("__rfloordiv__",), inplace=True)
def floor_divide(input, other) -> Tensor:
    """input // other, rounded toward -inf (PyTorch defines no gradient for it)."""
    return FloorDivide.apply(*_integer_or_float("floor_divide", input, other))


@tensor_method("remainder", "__mod__", reflected=("__rmod__",), inplace=True)
def remainder(input, other) -> Tensor:
    """input - other * floor(input / other): the sign of other, as Python's %."""
    _one_tensor("remainder", input, other)
    return Remainder.apply(*_integer_or_float("remainder", input, other))


@tensor_method(inplace=True)
def fmod(input, other) -> Tensor:
    """input - other * trunc(input / other): the sign of input, as C's fmod."""
    _tensors("fmod", input=input)
    return Fmod.apply(*_integer_or_float("fmod", input, other))


@tensor_method("neg", "negative", "__neg__", inplace=True)
def neg(input) -> Tensor:
    x = _input("neg", input)
    if x.data.dtype.kind == "b":
        raise ArgumentError("neg: negation of a bool tensor is not supported; to invert a mask use ~ or "
                            "logical_not()")
    return Neg.apply(x)


negative = neg


@tensor_method("positive", "__pos__")
def positive(input) -> Tensor:
    """The input itself (not for bool tensors, as PyTorch)."""
    x = _input("positive", input)
    if x.data.dtype.kind == "b":
        raise ArgumentError("positive: the + operator is not supported on a bool tensor")
    return x


@tensor_method(inplace=True)
def reciprocal(input) -> Tensor:
    """1 / input (integers give float32)."""
    return Reciprocal.apply(_float_input("reciprocal", input))


# ---- powers ------------------------------------------------------------------------------------------
@tensor_method("pow", "__pow__", reflected=("__rpow__",), inplace=True)
def pow(input, exponent) -> Tensor:
    """input ** exponent, in PyTorch's result dtype (int32 ** 2.5 is float32, 2 ** int64 is int64); an
    integer tensor to a negative integer number is an error."""
    if type(exponent) in (float, int) and isinstance(input, Tensor) and input.data.dtype.kind == "f":
        return PowScalar.apply(input, exponent=float(exponent))  # the common case: x ** 2, x ** 0.5
    if isinstance(input, Tensor) and is_scalar(exponent):
        dtype = result_type(input, exponent)
        if dtype.kind == "b":  # a bool to a bool power: x ** True is x, x ** False is all True
            return Tensor._wrap(input.data | (not exponent))
        if dtype.kind in "iu" and isinstance(exponent, numbers.Integral) and exponent < 0:
            raise ArgumentError(f"pow: integers to negative integer powers are not allowed "
                                f"(a {input.dtype} tensor to the power {exponent})")
        c = _number(exponent)
        return PowScalar.apply(to_dtype(input, dtype), exponent=float(c) if dtype.kind == "f" else int(c))
    _one_tensor("pow", input, exponent)
    a, b = promote(input, exponent)
    if a.data.dtype.kind == "b":
        raise DtypeError("pow: not implemented for two bool tensors")
    return Pow.apply(a, b)


@tensor_method(inplace=True)
def float_power(input, exponent) -> Tensor:
    """input ** exponent computed in float64, whatever the dtypes (as PyTorch)."""
    if isinstance(input, Tensor) and is_scalar(exponent):
        return PowScalar.apply(to_dtype(input, _FLOAT64), exponent=float(_number(exponent)))
    _one_tensor("float_power", input, exponent)
    return Pow.apply(to_dtype(input, _FLOAT64), to_dtype(exponent, _FLOAT64))


@tensor_method(inplace=True)
def square(input) -> Tensor:
    """input ** 2 (bool gives int64, as PyTorch)."""
    return pow(_input("square", input), 2)


@tensor_method(inplace=True)
def exp(input) -> Tensor:
    return Exp.apply(_float_input("exp", input))


@tensor_method(inplace=True)
def log(input) -> Tensor:
    return Log.apply(_float_input("log", input))


@tensor_method(inplace=True)
def log1p(input) -> Tensor:
    return Log1p.apply(_float_input("log1p", input))


@tensor_method(inplace=True)
def sqrt(input) -> Tensor:
    return Sqrt.apply(_float_input("sqrt", input))


@tensor_method("abs", "absolute", "__abs__", inplace=True)
def abs(input) -> Tensor:
    x = _input("abs", input)
    if x.data.dtype.kind == "b":
        raise DtypeError("abs: not implemented for bool tensors")
    return Abs.apply(x)


absolute = abs


@tensor_method(inplace=True)
def ldexp(input, other) -> Tensor:
    """input * 2 ** other, in a floating dtype (integers give float32); differentiable in both, as PyTorch."""
    _tensors("ldexp", input=input, other=other)
    x, e = _floating("ldexp", input, other)
    return mul(x, pow(2.0, e))


def _integer_pair(op, input, other):
    _tensors(op, input=input)
    a, b = promote(input, other)
    if a.data.dtype.kind not in "iu":
        raise DtypeError(f"{op}: not implemented for {a.dtype} tensors (integers only)")
    _check_broadcast(op, a.data, b.data)
    return a.data, b.data


@tensor_method(inplace=True)
def gcd(input, other) -> Tensor:
    """The greatest common divisor, elementwise (integer tensors; gcd(0, 0) = 0)."""
    return Tensor._wrap(xp.gcd(*_integer_pair("gcd", input, other)))


@tensor_method(inplace=True)
def lcm(input, other) -> Tensor:
    """The least common multiple, elementwise (integer tensors; 0 where either is 0)."""
    return Tensor._wrap(xp.lcm(*_integer_pair("lcm", input, other)))


@tensor_method()
def isreal(input) -> Tensor:
    """True everywhere (Lamina's tensors are real)."""
    x = _input("isreal", input).data
    return Tensor._wrap(xp.ones(x.shape, dtype=bool))


@tensor_method(inplace=True)
def sin(input) -> Tensor:
    return Sin.apply(_float_input("sin", input))


@tensor_method(inplace=True)
def cos(input) -> Tensor:
    return Cos.apply(_float_input("cos", input))


# ---- min, max, clamp ---------------------------------------------------------------------------------
_PLAIN = (float, int, type(None))  # clamp bounds that keep a float tensor's dtype


@tensor_method("clamp", "clip")
def clamp(input, min=None, max=None) -> Tensor:
    """input limited to [min, max] (numbers or tensors that broadcast with it; either may be None). The
    dtype is PyTorch's result type of the three (an int tensor with int bounds stays int)."""
    _tensors("clamp", input=input)
    if input.data.dtype.kind == "f" and type(min) in _PLAIN and type(max) in _PLAIN:  # the common case
        if min is None and max is None:
            raise ArgumentError("clamp: at least one of min and max must not be None")
        dtype = input.data.dtype
        return Clamp.apply(input, lo=None if min is None else scalar_array(min, dtype),
                           hi=None if max is None else scalar_array(max, dtype))
    if min is None and max is None:
        raise ArgumentError("clamp: at least one of min and max must not be None")
    if isinstance(min, Tensor) != isinstance(max, Tensor) and min is not None and max is not None:
        # PyTorch takes a 0-d tensor for a number here (so min and max are both numbers)
        min, max = (b.item() if isinstance(b, Tensor) and b.ndim == 0 else b for b in (min, max))
    bounds = [b for b in (min, max) if b is not None]
    if len(bounds) == 2 and isinstance(min, Tensor) != isinstance(max, Tensor):
        raise TypeError("clamp(): min and max must both be tensors or both be numbers, got "
                        f"{type(min).__name__} and {type(max).__name__}")
    x, *bounds = promote(input, *bounds)
    if x.data.dtype.kind == "b" and (len(bounds) == 2 or not isinstance(min if max is None else max, Tensor)):
        raise DtypeError("clamp: not implemented for bool tensors with bool bounds (one bool "
                                    "tensor bound is, as in PyTorch)")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        lo = bounds[0].data if min is not None else None
        hi = bounds[-1].data if max is not None else None
        return Clamp.apply(x, lo=lo, hi=hi)
    return ClampTensor.apply(x, *bounds, has_lo=min is not None, has_hi=max is not None)


clip = clamp


@tensor_method(inplace=True)
def clamp_min(input, min) -> Tensor:
    if min is None:
        raise TypeError("clamp_min(): min must be a number or a tensor, not None")
    return clamp(input, min=min)


@tensor_method(inplace=True)
def clamp_max(input, max) -> Tensor:
    if max is None:
        raise TypeError("clamp_max(): max must be a number or a tensor, not None")
    return clamp(input, max=max)


@tensor_method(inplace=True)
def maximum(input, other) -> Tensor:
    """The elementwise larger (NaN if either is NaN)."""
    _tensors("maximum", input=input, other=other)
    return Maximum.apply(*promote(input, other))


@tensor_method(inplace=True)
def minimum(input, other) -> Tensor:
    """The elementwise smaller (NaN if either is NaN)."""
    _tensors("minimum", input=input, other=other)
    return Minimum.apply(*promote(input, other))


@tensor_method(inplace=True)
def fmax(input, other) -> Tensor:
    """The elementwise larger, ignoring NaN (NaN only where both are)."""
    _tensors("fmax", input=input, other=other)
    return Fmax.apply(*promote(input, other))


@tensor_method(inplace=True)
def fmin(input, other) -> Tensor:
    """The elementwise smaller, ignoring NaN (NaN only where both are)."""
    _tensors("fmin", input=input, other=other)
    return Fmin.apply(*promote(input, other))


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (gradient flows to the chosen side). With the
    condition alone: the indices where it holds, one tensor per dimension (``nonzero(as_tuple=True)``)."""
    if isinstance(condition, Tensor):
        if condition.data.dtype.kind != "b" and condition.data.dtype != xp.uint8:  # uint8: PyTorch's old masks
            raise DtypeError(f"where: expected the condition to be a bool tensor, got {condition.dtype}")
        cond = condition.data.astype(bool, copy=False)
    elif isinstance(condition, (xp.ndarray, xp.bool_)):  # a mask computed on arrays inside an op (0-d: a NumPy bool)
        cond = xp.asarray(condition).astype(bool, copy=False)
    else:
        raise TypeError(f"where(): argument 'condition' must be Tensor, not {type(condition).__name__}")
    if input is None and other is None:
        return tuple(Tensor._wrap(i.astype(xp.int64, copy=False)) for i in xp.nonzero(cond))
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither")
    a, b = promote(input, other)
    return Where.apply(a, b, cond=cond)


@tensor_method("where")
def _where_method(x, condition, other) -> Tensor:
    """``x.where(condition, other)``: x where condition holds, else other (as PyTorch)."""
    return where(condition, x, other)


# ---- two-input maths -------------------------------------------------------------------------------
@tensor_method(inplace=True)
def lerp(input, end, weight) -> Tensor:
    """input + weight * (end - input); input and end of one floating dtype, weight a number or a tensor."""
    _tensors("lerp", input=input, end=end)
    a, b = input, end
    if a.data.dtype.kind != "f":
        raise DtypeError(f"lerp: not implemented for dtype {a.dtype}; it needs floating-point inputs")
    for what, t in (("end", b), ("weight", weight)):
        if isinstance(t, Tensor) and t.data.dtype != a.data.dtype and (what == "end" or t.ndim):
            raise DtypeError(f"lerp: expected dtype {a.dtype} for {what}, got {t.dtype}")
    if isinstance(weight, Tensor):
        return Lerp.apply(a, b, to_dtype(weight, a.data.dtype))
    if not is_scalar(weight):
        raise TypeError(f"lerp: weight must be a number or a tensor, not {type(weight).__name__}")
    return Lerp.apply(a, b, weight=_number(weight))


@tensor_method(inplace=True)
def copysign(input, other) -> Tensor:
    """|input| with the sign of other (-0.0 counts as negative); integers give float32."""
    _tensors("copysign", input=input)
    return Copysign.apply(*_floating("copysign", input, other))


@tensor_method(inplace=True)
def logaddexp(input, other) -> Tensor:
    """ln(e^input + e^other), without overflow."""
    _tensors("logaddexp", input=input, other=other)
    return LogAddExp.apply(*_float_only("logaddexp", input, other), base=None)


@tensor_method()
def logaddexp2(input, other) -> Tensor:
    """log2(2^input + 2^other), without overflow."""
    _tensors("logaddexp2", input=input, other=other)
    return LogAddExp2.apply(*_float_only("logaddexp2", input, other), base=2)


@tensor_method("atan2", "arctan2", inplace=True)
def atan2(input, other) -> Tensor:
    """The angle of the point (other, input), in (-pi, pi]; integers give float32."""
    _tensors("atan2", input=input, other=other)
    return Atan2.apply(*_floating("atan2", input, other))


arctan2 = atan2


@tensor_method(inplace=True)
def hypot(input, other) -> Tensor:
    """sqrt(input^2 + other^2), without overflow."""
    _tensors("hypot", input=input, other=other)
    return Hypot.apply(*_float_only("hypot", input, other))


@tensor_method(inplace=True)
def xlogy(input, other) -> Tensor:
    """input * ln(other), 0 where input is 0 (unless other is NaN); integers give float32."""
    _one_tensor("xlogy", input, other)
    return Xlogy.apply(*_floating("xlogy", input, other))


@tensor_method(inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    _tensors("addcmul", input=input, tensor1=tensor1, tensor2=tensor2)
    dtype = result_type(input, tensor1, tensor2)
    if dtype.kind == "b":
        raise DtypeError("addcmul: not implemented for 'Bool' (three bool tensors)")
    value = _number(value)
    if dtype.kind in "iu":
        value = int(value)
    input, tensor1, tensor2 = (to_dtype(t, dtype) for t in (input, tensor1, tensor2))
    product = mul(tensor1, tensor2)
    return add(input, product if value == 1 else mul(product, value))


@tensor_method(inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2 (not for integer tensor1 and tensor2, as PyTorch)."""
    _tensors("addcdiv", input=input, tensor1=tensor1, tensor2=tensor2)
    if tensor1.data.dtype.kind in "iub" and tensor2.data.dtype.kind in "iub":
        raise ArgumentError("addcdiv: integer division with addcdiv is not supported; use "
                            "input + value * torch.trunc(tensor1 / tensor2) or true division")
    dtype = result_type(input, tensor1, tensor2)
    input, tensor1, tensor2 = (to_dtype(t, dtype) for t in (input, tensor1, tensor2))
    quotient = div(tensor1, tensor2)
    return add(input, quotient if value == 1 else mul(quotient, _number(value)))


@tensor_method("sign", "sgn", inplace=True)
def sign(input) -> Tensor:
    """-1, 0 or 1 in the input's dtype (0 at NaN); the gradient is 0."""
    return SignOp.apply(_input("sign", input))


sgn = sign


@tensor_method()
def signbit(input) -> Tensor:
    """True where the sign bit is set (-0.0 and -NaN included; never for unsigned or bool)."""
    x = _input("signbit", input).data
    return Tensor._wrap(xp.signbit(x) if x.dtype.kind == "f" else x < 0)


# ---- comparisons and tests: no gradient --------------------------------------------------------------
def _compare(name, array_op, *methods):
    def compare(input, other) -> Tensor:
        if not isinstance(input, Tensor):
            _tensors(name, input=input)
        a, b = promote(input, other)
        try:
            return Tensor._wrap(array_op(a.data, b.data))
        except ValueError:
            broadcast_shapes(name, a.data.shape, b.data.shape)
            raise

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"input {name} other, elementwise (bool), after PyTorch's type promotion."
    return tensor_method(name, *methods, inplace=True)(compare)


lt = _compare("lt", xp.less, "less", "__lt__")
le = _compare("le", xp.less_equal, "less_equal", "__le__")
gt = _compare("gt", xp.greater, "greater", "__gt__")
ge = _compare("ge", xp.greater_equal, "greater_equal", "__ge__")
eq = _compare("eq", xp.equal)
ne = _compare("ne", xp.not_equal, "not_equal")
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def _comparable(other) -> bool:
    return isinstance(other, (Tensor, xp.ndarray)) or is_scalar(other)


@tensor_method("__eq__")
def _eq_operator(x, other):
    """``x == other``; an object that is no number nor array (None, a string, a list) is simply not equal."""
    return eq(x, other) if _comparable(other) else NotImplemented


@tensor_method("__ne__")
def _ne_operator(x, other):
    return ne(x, other) if _comparable(other) else NotImplemented


@tensor_method()
def equal(input, other) -> bool:
    """True when both have the same shape and the same values (NaN is not equal to itself)."""
    _tensors("equal", input=input, other=other)
    a, b = input, other
    return a.data.shape == b.data.shape and bool(xp.array_equal(a.data, b.data))


@tensor_method()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """|input - other| <= atol + rtol * |other| (or equal, or both NaN with ``equal_nan``); both of one dtype."""
    _tensors("isclose", input=input, other=other)
    a, b = input, other
    if a.data.dtype != b.data.dtype:
        raise DtypeError(f"isclose: the dtypes differ: {a.dtype} and {b.dtype}")
    if rtol < 0 or atol < 0:
        raise ArgumentError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    x, y = a.data, b.data
    _check_broadcast("isclose", x, y)
    close = x == y
    if equal_nan and x.dtype.kind == "f":
        close |= xp.isnan(x) & xp.isnan(y)
    if rtol == 0 and atol == 0:
        return Tensor._wrap(close)
    if x.dtype.kind == "b":
        x, y = x.astype(DEFAULT_FLOAT), y.astype(DEFAULT_FLOAT)
    with _quiet():
        allowed = atol + xp.abs(rtol * (y if y.dtype.kind == "f" else y.astype(DEFAULT_FLOAT)))
        actual = xp.abs(x - y)
        close |= xp.isfinite(actual) & (actual <= allowed)
    return Tensor._wrap(close)


@tensor_method()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True when ``isclose`` holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def _float_test(name, test, doc):
    """A test of floating values (NaN, inf): False everywhere for integer and bool tensors."""
    def check(input) -> Tensor:
        x = _input(name, input).data
        return Tensor._wrap(test(x) if x.dtype.kind == "f" else xp.zeros(x.shape, dtype=bool))

    check.__name__ = check.__qualname__ = name
    check.__doc__ = doc
    return tensor_method(name)(check)


isnan = _float_test("isnan", xp.isnan, "True where the value is NaN.")
isinf = _float_test("isinf", xp.isinf, "True where the value is +inf or -inf.")
isposinf = _float_test("isposinf", lambda x: x == xp.inf, "True where the value is +inf.")
isneginf = _float_test("isneginf", lambda x: x == -xp.inf, "True where the value is -inf.")


@tensor_method()
def isfinite(input) -> Tensor:
    """True where the value is neither inf nor NaN (everywhere for integer and bool tensors)."""
    x = _input("isfinite", input).data
    return Tensor._wrap(xp.isfinite(x) if x.dtype.kind == "f" else xp.ones(x.shape, dtype=bool))
