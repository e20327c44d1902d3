"""The elementwise mathematical functions beyond arithmetic.py's exp/log/sqrt/sin/cos: erf, erfc and erfinv
(float64-exact without SciPy), logarithms and exponentials in other bases, trigonometric and hyperbolic functions
and their inverses (with NumPy's arc* names as aliases), rounding, sinc, logit, nan_to_num, the Bessel i0; each
also a Tensor method and an in-place one (``x.floor_()``). Each forward beside its derivative, both as PyTorch's:
the derivative follows PyTorch's formula op by op, so that even float16 gradients round alike.

Dtypes as PyTorch: a function with real values (``erf``, ``log2``, ``tan``, ...) gives an integer or bool input
the default float dtype (float32); float16/32/64 are kept. The rounding functions (``floor``, ``ceil``,
``round``, ``trunc``) return an integer input's values in its own dtype and refuse bool, as PyTorch does.
Every forward runs with floating-point warnings silenced: NaN and inf outside a domain are the answer,
as in PyTorch (``asin(2)`` is NaN, ``atanh(1)`` is inf).
"""
from __future__ import annotations

import math

from ..autograd import Function
from ..backend import DEFAULT_FLOAT, xp
from ..errors import ArgumentError, DtypeError
from ..tensor import Tensor
from ._util import constant, recording, tensor_method
from .arithmetic import where
from .conversion import cast


class _DtypeNotImplemented(DtypeError, NotImplementedError):
    """PyTorch's NotImplementedError for an op without a kernel for a dtype (``floor`` of bool); Lamina's
    DtypeError too."""


_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2 / _SQRT_PI


# ---- erf, erfc, erfinv on float64 arrays ---------------------------------------------------------------
# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), as in his
# CALERF (netlib specfun): erf on |x| <= 0.46875, erfc = e^(-x^2) R(|x|) on (0.46875, 4] and
# erfc = e^(-x^2) / |x| (1/sqrt(pi) + R(1/x^2) / x^2) beyond; relative error below 1e-16 in float64.
_CODY_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
           1.85777706184603153e-1)
_CODY_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_CODY_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
           8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
           2.15311535474403846e-8)
_CODY_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
           3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_CODY_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
           6.58749161529837803e-4, 1.63153871373020978e-2)
_CODY_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
           2.33520497626869185e-3)
_ERF_SMALL, _ERFC_MIDDLE_END, _ERFC_ZERO_FROM = 0.46875, 4.0, 40.0  # erfc(27.3) already underflows float64


def _cody_ratio(t, num, den, n):
    """(...((num[n] t + num[0]) t + num[1]) t ... + num[n-1]) / (...((t + den[0]) t ...) + den[n-1])."""
    top, bottom = num[n] * t, t
    for i in range(n - 1):
        top = (top + num[i]) * t
        bottom = (bottom + den[i]) * t
    return (top + num[n - 1]) / (bottom + den[n - 1])


def _split(y, where_first, first, second):
    """first(y[where_first]) and second(y elsewhere) put together: each branch evaluated on its own elements only
    (y is 1-D; NaN goes to ``second`` when ``where_first`` is false for it)."""
    out = xp.empty_like(y)
    if where_first.any():
        out[where_first] = first(y[where_first])
    rest = ~where_first
    if rest.any():
        out[rest] = second(y[rest])
    return out


def _erfc_middle(y):
    return _cody_ratio(y, _CODY_C, _CODY_D, 8)


def _erfc_tail(y):
    s = 1 / (y * y)
    return (1 / _SQRT_PI - s * _cody_ratio(s, _CODY_P, _CODY_Q, 5)) / y


def _erfc_beyond_small(y):
    """erfc(y) for y > 0.46875 (1-D float64, NaN passes); e^(-y^2) = e^(-s^2) e^(-(y-s)(y+s)) with s = y rounded
    down to 1/16, so that no bits are lost squaring y."""
    y = xp.minimum(y, _ERFC_ZERO_FROM)
    ratio = _split(y, y <= _ERFC_MIDDLE_END, _erfc_middle, _erfc_tail)
    sixteenths = xp.trunc(y * 16) / 16
    return xp.exp(-sixteenths * sixteenths) * xp.exp(-(y - sixteenths) * (y + sixteenths)) * ratio


def _erf_small(x):
    """erf(x) for |x| <= 0.46875."""
    return x * _cody_ratio(x * x, _CODY_A, _CODY_B, 4)


def _erf64(x):
    """erf of a 1-D float64 array (Cody): odd, 1 - erfc(|x|) beyond 0.46875."""
    y = xp.abs(x)
    return xp.copysign(_split(y, y <= _ERF_SMALL, _erf_small, lambda v: 1 - _erfc_beyond_small(v)), x)


def _erfc64(x):
    """erfc of a 1-D float64 array (Cody): 1 - erf(x) near 0, erfc(|x|) or 2 - erfc(|x|) beyond."""
    y = xp.abs(x)
    right = _split(y, y <= _ERF_SMALL, lambda v: 1 - _erf_small(v), _erfc_beyond_small)  # erfc(|x|)
    return xp.where(x < 0, 2 - right, right)


# M. Giles, "Approximating the erfinv function", GPU Computing Gems (2011): single-precision polynomials in
# w = -ln((1 - y)(1 + y)), good to 1e-7 for w < 16; beyond (|y| > 1 - 2e-7) a first guess from the asymptotic
# erfc(x) ~ e^(-x^2) / (x sqrt(pi)). Then float64 precision by Halley steps on erf(x) = |y| near 0, and by
# Newton steps on ln erfc(x) = ln(1 - |y|) for |y| > 1/2 (1 - |y| and erfc are exact there, erf - y is not).
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_GILES_TAIL_END = 16.0


def _horner(t, coefficients):
    total = xp.full_like(t, coefficients[0])
    for c in coefficients[1:]:
        total = total * t + c
    return total


def _erfinv_guess(a, w):
    """erfinv(a) for 0 <= a < 1 to about 1e-7 (1e-3 in the far tail)."""
    central = _horner(xp.minimum(w, 5.0) - 2.5, _GILES_CENTRAL)
    tail = _horner(xp.sqrt(xp.clip(w, 5.0, _GILES_TAIL_END)) - 3, _GILES_TAIL)
    guess = xp.where(w < 5, central, tail) * a
    minus_log_t = -xp.log1p(-a)
    far = xp.sqrt(xp.maximum(minus_log_t, 1.0))
    for _ in range(3):  # x^2 = -ln(1 - a) - ln(x sqrt(pi)) + ln(1 - 1/(2x^2)), a fixed point
        far = xp.sqrt(minus_log_t - xp.log(far * _SQRT_PI) + xp.log1p(-0.5 / (far * far)))
    return xp.where(w < _GILES_TAIL_END, guess, far)


def _erfinv_central(a, x):
    """Halley steps on erf(x) = a from the first guess x (f'' = -2 x f')."""
    for _ in range(2):
        step = (_erf64(x) - a) / (_TWO_OVER_SQRT_PI * xp.exp(-x * x))
        x = x - step / (1 + x * step)
    return x


def _erfinv_tail(a, x):
    """Newton steps on ln erfc(x) = ln(1 - a) from the first guess x (f' = -erf'(x) / erfc(x))."""
    log_t = xp.log1p(-a)
    for _ in range(3):
        erfc = _erfc64(x)
        x = x - (log_t - xp.log(erfc)) * erfc / (_TWO_OVER_SQRT_PI * xp.exp(-x * x))
    return x


def _erfinv64(y):
    """erfinv of a 1-D float64 array: +-inf at +-1, NaN beyond and at NaN."""
    a = xp.abs(y)
    out = xp.where(a == 1, xp.inf, xp.nan)
    for part, refine in ((a <= 0.5, _erfinv_central), ((a > 0.5) & (a < 1), _erfinv_tail)):
        if part.any():
            ap = a[part]
            out[part] = refine(ap, _erfinv_guess(ap, -xp.log((1 - ap) * (1 + ap))))
    return xp.copysign(out, y)


# Modified Bessel functions of the first kind, orders 0 and 1 (Cephes, S. L. Moshier, as PyTorch's calc_i0 and
# calc_i1): Chebyshev series for e^-x I(x) on [0, 8] and for e^-x sqrt(x) I(x) on [8, inf) in 32/x - 2.
_I0E_A = (-4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
          1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
          -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
          9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
          -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
          1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
          -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
          1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
          -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
          1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1)
_I0E_B = (-7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
          3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
          1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
          -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
          7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
          -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
          3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
          2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
          8.04490411014108831608E-1)
_I1E_A = (2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
          -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
          3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
          -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
          9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
          -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
          4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
          -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
          2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
          -1.76416518357834055153E-1, 2.52587186443633654823E-1)
_I1E_B = (7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
          -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
          -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
          4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
          -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
          3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
          -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
          -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
          7.78576235018280120474E-1)


def _chebyshev(t, coefficients):
    """Cephes' chbevl: sum of c_k T_k(t/2), coefficients from the highest order down."""
    b0, b1, b2 = xp.full_like(t, coefficients[0]), xp.zeros_like(t), xp.zeros_like(t)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = t * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel_i(x, near, far, odd):
    """I_0 (even) or I_1 (odd) of a 1-D float64 array from its two Chebyshev series."""
    a = xp.abs(x)
    near_part = (lambda v: _chebyshev(v / 2 - 2, near) * v) if odd else (lambda v: _chebyshev(v / 2 - 2, near))
    scaled = _split(a, a <= 8, near_part, lambda v: _chebyshev(32 / v - 2, far) / xp.sqrt(v))
    out = xp.exp(a) * scaled
    return xp.copysign(out, x) if odd else out


def _i0_64(x):
    return _bessel_i(x, _I0E_A, _I0E_B, odd=False)


def _i1_64(x):
    return _bessel_i(x, _I1E_A, _I1E_B, odd=True)


def _in_float64(fn):
    """``fn`` (a routine on 1-D float64 arrays) on an array of any float dtype and shape, the result in its dtype."""
    def run(x):
        return fn(x.astype(xp.float64, copy=False).reshape(-1)).astype(x.dtype, copy=False).reshape(x.shape)

    return run


def _opmath(x):
    """x in the precision PyTorch computes it in: float16 in float32, the others as they are."""
    return x.astype(xp.float32) if x.dtype == xp.float16 else x


def _scaled_array(x, c):
    """x * c for a float array, the scalar applied in float32 for float16 (PyTorch's opmath): one rounding."""
    return (_opmath(x) * xp.float32(c)).astype(xp.float16) if x.dtype == xp.float16 else x * x.dtype.type(c)


def _scaled(t: Tensor, c: float) -> Tensor:
    """The Tensor t * c, differentiable, rounded as PyTorch rounds a float16 tensor times a Python scalar."""
    if t.dtype != xp.float16:
        return t * c
    return cast(cast(t, xp.float32) * c, xp.float16)


# ---- the Functions -------------------------------------------------------------------------------------
class _Elementwise(Function):
    """y = f(x) elementwise: ``compute`` on arrays; ``gradient(g, x, y)`` dL/dx written in Tensors, in the order
    of PyTorch's formula (so that float16 rounds alike), of x and of y: the saved output, or y recomputed as a
    graph node when the backward is recorded (then the gradient can be differentiated again)."""

    name = "elementwise"  # each subclass names its op
    compute = staticmethod(lambda x: x)
    gradient = staticmethod(lambda g, x, y: g)

    def forward(self, x):
        with xp.errstate(all="ignore"):
            self.y = self.compute(x)
        return self.y

    def backward(self, g):
        x = self.inputs[0]
        y = type(self).apply(x) if recording() else constant(self.y)
        with xp.errstate(all="ignore"):
            return (self.gradient(g, x, y),)


class Rsqrt(_Elementwise):
    """1 / sqrt(x);  derivative -y^3 / 2 (inf at 0 with slope -inf, NaN below 0)."""

    name = "rsqrt"
    compute = staticmethod(lambda x: (1 / xp.sqrt(_opmath(x))).astype(x.dtype, copy=False))
    gradient = staticmethod(lambda g, x, y: g * -0.5 * y**3)


class Erf(_Elementwise):
    """erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt (Cody's approximations);  derivative 2/sqrt(pi) e^(-x^2)."""

    name = "erf"
    compute = staticmethod(_in_float64(_erf64))
    gradient = staticmethod(lambda g, x, y: _scaled((x**2 * -1).exp(), _TWO_OVER_SQRT_PI) * g)


class Erfc(_Elementwise):
    """erfc(x) = 1 - erf(x), accurate where it is tiny;  derivative -2/sqrt(pi) e^(-x^2)."""

    name = "erfc"
    compute = staticmethod(_in_float64(_erfc64))
    gradient = staticmethod(lambda g, x, y: _scaled((x**2 * -1).exp(), -_TWO_OVER_SQRT_PI) * g)


class Erfinv(_Elementwise):
    """erf^-1(y) on (-1, 1), +-inf at +-1, NaN beyond;  derivative sqrt(pi)/2 e^(erfinv(x)^2) (inf at +-1)."""

    name = "erfinv"
    compute = staticmethod(_in_float64(_erfinv64))
    gradient = staticmethod(lambda g, x, y: _scaled((y**2).exp(), _SQRT_PI / 2) * g)


class Log2(_Elementwise):
    """log2 x;  derivative 1 / (x ln 2) (inf at 0; PyTorch's formula, finite below 0 where y is NaN)."""

    name = "log2"
    compute = staticmethod(xp.log2)
    gradient = staticmethod(lambda g, x, y: g / _scaled(x, math.log(2)))


class Log10(_Elementwise):
    """log10 x;  derivative 1 / (x ln 10)."""

    name = "log10"
    compute = staticmethod(xp.log10)
    gradient = staticmethod(lambda g, x, y: g / _scaled(x, math.log(10)))


class Exp2(_Elementwise):
    """2^x;  derivative 2^x ln 2."""

    name = "exp2"
    compute = staticmethod(xp.exp2)
    gradient = staticmethod(lambda g, x, y: _scaled(g * y, math.log(2)))


class Expm1(_Elementwise):
    """e^x - 1, exact near 0;  derivative e^x = y + 1."""

    name = "expm1"
    compute = staticmethod(xp.expm1)
    gradient = staticmethod(lambda g, x, y: g * (y + 1))


class Tan(_Elementwise):
    """tan x;  derivative 1 + tan^2 x."""

    name = "tan"
    compute = staticmethod(xp.tan)
    gradient = staticmethod(lambda g, x, y: g * (y**2 + 1))


class Asin(_Elementwise):
    """arcsin x on [-1, 1] (NaN beyond);  derivative 1 / sqrt(1 - x^2): inf at +-1, NaN beyond."""

    name = "asin"
    compute = staticmethod(xp.arcsin)
    gradient = staticmethod(lambda g, x, y: g * rsqrt(x * x * -1 + 1))


class Acos(_Elementwise):
    """arccos x on [-1, 1] (NaN beyond);  derivative -1 / sqrt(1 - x^2): -inf at +-1, NaN beyond."""

    name = "acos"
    compute = staticmethod(xp.arccos)
    gradient = staticmethod(lambda g, x, y: g * (-rsqrt(x * x * -1 + 1)))


class Atan(_Elementwise):
    """arctan x;  derivative 1 / (1 + x^2)."""

    name = "atan"
    compute = staticmethod(xp.arctan)
    gradient = staticmethod(lambda g, x, y: g / (x * x + 1))


class Sinh(_Elementwise):
    """sinh x;  derivative cosh x."""

    name = "sinh"
    compute = staticmethod(xp.sinh)
    gradient = staticmethod(lambda g, x, y: g * cosh(x))


class Cosh(_Elementwise):
    """cosh x;  derivative sinh x."""

    name = "cosh"
    compute = staticmethod(xp.cosh)
    gradient = staticmethod(lambda g, x, y: g * sinh(x))


class Asinh(_Elementwise):
    """arsinh x;  derivative 1 / sqrt(x^2 + 1) (0 once x^2 overflows, as PyTorch)."""

    name = "asinh"
    compute = staticmethod(xp.arcsinh)
    gradient = staticmethod(lambda g, x, y: g * rsqrt(x**2 + 1))


class Acosh(_Elementwise):
    """arcosh x on [1, inf) (NaN below);  derivative 1 / sqrt(x^2 - 1): inf at 1, NaN below."""

    name = "acosh"
    compute = staticmethod(xp.arccosh)
    gradient = staticmethod(lambda g, x, y: g * rsqrt(x**2 - 1))


class Atanh(_Elementwise):
    """artanh x on (-1, 1), +-inf at +-1, NaN beyond;  derivative 1 / (1 - x^2) (PyTorch's formula
    everywhere: inf at +-1, finite and negative beyond)."""

    name = "atanh"
    compute = staticmethod(xp.arctanh)
    gradient = staticmethod(lambda g, x, y: g / (x**2 * -1 + 1))


class Deg2rad(_Elementwise):
    """x pi / 180."""

    name = "deg2rad"
    compute = staticmethod(lambda x: _scaled_array(x, math.pi / 180))
    gradient = staticmethod(lambda g, x, y: _scaled(g, math.pi / 180))


class Rad2deg(_Elementwise):
    """x 180 / pi."""

    name = "rad2deg"
    compute = staticmethod(lambda x: _scaled_array(x, 180 / math.pi))
    gradient = staticmethod(lambda g, x, y: _scaled(g, 180 / math.pi))


def _sinc(x):
    wide = _opmath(x)
    pix = wide * wide.dtype.type(math.pi)
    return xp.where(x == 0, 1, xp.sin(pix) / pix).astype(x.dtype, copy=False)


def _sinc_gradient(g, x, y):
    """g (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 where pi x^2 is 0 (x = 0, or x^2 underflows), as PyTorch's
    sinc_backward computes it."""
    pix = _scaled(x, math.pi)
    squared = _scaled(x * x, math.pi)
    flat = constant(squared.data == 0)
    out = g * (pix * pix.cos() - pix.sin()) / where(flat, constant(xp.ones((), dtype=x.dtype)), squared)
    return where(flat, constant(xp.zeros((), dtype=g.dtype)), out)


class Sinc(_Elementwise):
    """sin(pi x) / (pi x), 1 at 0;  derivative (cos(pi x) - sinc x) / x, 0 at 0 (NaN at +-inf), as PyTorch."""

    name = "sinc"
    compute = staticmethod(_sinc)
    gradient = staticmethod(_sinc_gradient)


class I0(_Elementwise):
    """The modified Bessel function I_0 (Cephes' series, as PyTorch);  derivative I_1(x)."""

    name = "i0"
    compute = staticmethod(_in_float64(_i0_64))
    gradient = staticmethod(lambda g, x, y: g * BesselI1.apply(x))


class BesselI1(_Elementwise):
    """I_1, the derivative of I_0 (PyTorch's special.i1);  its derivative I_0(x) - I_1(x) / x, 1/2 at 0."""

    name = "i1"
    compute = staticmethod(_in_float64(_i1_64))
    gradient = staticmethod(lambda g, x, y: g * _i1_slope(x, y))


def _i1_slope(x, y):
    at_zero = constant(x.data == 0)
    safe = where(at_zero, constant(xp.ones((), dtype=x.dtype)), x)
    return where(at_zero, constant(xp.asarray(0.5, dtype=x.dtype)), I0.apply(x) - y / safe)


class Logit(Function):
    """ln(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given (>= 0). Derivative 1 / (x (1 - x))
    inside; outside it is NaN without eps (x < 0 or x > 1) and 0 with eps (x < eps or x > 1 - eps), as PyTorch."""

    name = "logit"

    def forward(self, x, eps):
        self.eps = eps  # float16 stays float16 here: PyTorch's logit rounds each step in it too
        if eps is not None:
            lo, hi = x.dtype.type(eps), x.dtype.type(1 - eps)
            x = xp.where(x < lo, lo, xp.where(x > hi, hi, x))  # PyTorch's order when lo > hi
        with xp.errstate(all="ignore"):
            return xp.log(x / (1 - x))

    def backward(self, g):
        x = self.inputs[0]
        if self.eps is None:
            outside, fill = (x.data < 0) | (x.data > 1), xp.nan
        else:
            outside, fill = (x.data < self.eps) | (x.data > 1 - self.eps), 0
        with xp.errstate(all="ignore"):
            inside = g / (x * (1 - x) + 0.0)  # + 0.0: -0.0 becomes +0.0, so g / 0 is +inf at x = -0.0, as PyTorch
        return (where(constant(outside), constant(xp.asarray(fill, dtype=g.dtype)), inside),)


class NanToNum(Function):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf``, ``neginf`` (default 0 and the dtype's largest and
    lowest finite values);  gradient 1 at finite x, 0 at the replaced ones."""

    name = "nan_to_num"

    def forward(self, x, nan, posinf, neginf):
        with xp.errstate(all="ignore"):
            return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g):
        return (g * constant(xp.isfinite(self.inputs[0].data).astype(g.dtype)),)


# ---- rounding: flat pieces, derivative 0 everywhere (PyTorch's choice at the jumps too) ---------------
class _Rounding(Function):
    """A rounding function: ``compute`` on arrays; its derivative is 0 everywhere."""

    name = "rounding"  # each subclass names its op
    compute = staticmethod(lambda x: x)

    def forward(self, x):
        return self.compute(x)

    def backward(self, g):
        return (constant(xp.zeros_like(g.data)),)


class Floor(_Rounding):
    """The largest integer <= x;  derivative 0."""

    name = "floor"
    compute = staticmethod(xp.floor)


class Ceil(_Rounding):
    """The smallest integer >= x;  derivative 0."""

    name = "ceil"
    compute = staticmethod(xp.ceil)


class Trunc(_Rounding):
    """x rounded toward 0;  derivative 0."""

    name = "trunc"
    compute = staticmethod(xp.trunc)


class Round(Function):
    """x rounded to ``decimals`` digits, halves to even: rint(x 10^d) / 10^d (rint(x / 10^-d) 10^-d for d < 0),
    in float32 for float16 as PyTorch;  derivative 0."""

    name = "round"

    def forward(self, x, decimals):
        if decimals == 0:
            return xp.rint(x)
        work = xp.dtype(xp.float32) if x.dtype == xp.float16 else x.dtype
        with xp.errstate(all="ignore"):
            scale = work.type(xp.float64(10.0) ** abs(decimals))
            wide = x.astype(work, copy=False)
            y = xp.rint(wide / scale) * scale if decimals < 0 else xp.rint(wide * scale) / scale
        return y.astype(x.dtype, copy=False)

    def backward(self, g):
        return (constant(xp.zeros_like(g.data)),)


class Frac(Function):
    """x - trunc(x) (sign of x; NaN at +-inf);  derivative 1."""

    name = "frac"

    def forward(self, x):
        with xp.errstate(all="ignore"):
            return x - xp.trunc(x)

    def backward(self, g):
        return (g,)


# ---- argument checks -----------------------------------------------------------------------------------
def _tensor(input, op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def _floating(input, op: str) -> Tensor:
    """``input`` with a floating dtype: integers and bools become the default float dtype, as in PyTorch."""
    x = _tensor(input, op)
    return x if x.dtype.kind == "f" else Tensor._wrap(x.data.astype(DEFAULT_FLOAT))


def _number(value, op: str, name: str):
    """A float argument (None stays None), as PyTorch's ``float?``: a number or a one-element tensor."""
    if value is None:
        return None
    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, (int, float)):  # bool is an int, and PyTorch takes True as 1.0
        raise TypeError(f"{op}(): argument '{name}' must be float, not {type(value).__name__}")
    return float(value)


# ---- public functions ----------------------------------------------------------------------------------
@tensor_method(inplace=True)
def rsqrt(input) -> Tensor:
    """1 / sqrt(input)."""
    return Rsqrt.apply(_floating(input, "rsqrt"))


@tensor_method(inplace=True)
def erf(input) -> Tensor:
    """The error function, to float64 precision without SciPy (W. J. Cody's rational approximations)."""
    return Erf.apply(_floating(input, "erf"))


@tensor_method(inplace=True)
def erfc(input) -> Tensor:
    """1 - erf(input), accurate in the tail (erfc(10) = 2.1e-45, not 0)."""
    return Erfc.apply(_floating(input, "erfc"))


@tensor_method(inplace=True)
def erfinv(input) -> Tensor:
    """The inverse of erf on [-1, 1] (+-inf at +-1, NaN outside)."""
    return Erfinv.apply(_floating(input, "erfinv"))


@tensor_method(inplace=True)
def log2(input) -> Tensor:
    return Log2.apply(_floating(input, "log2"))


@tensor_method(inplace=True)
def log10(input) -> Tensor:
    return Log10.apply(_floating(input, "log10"))


@tensor_method(inplace=True)
def exp2(input) -> Tensor:
    return Exp2.apply(_floating(input, "exp2"))


@tensor_method(inplace=True)
def expm1(input) -> Tensor:
    return Expm1.apply(_floating(input, "expm1"))


@tensor_method(inplace=True)
def tan(input) -> Tensor:
    return Tan.apply(_floating(input, "tan"))


@tensor_method("asin", "arcsin", inplace=True)
def asin(input) -> Tensor:
    return Asin.apply(_floating(input, "asin"))


@tensor_method("acos", "arccos", inplace=True)
def acos(input) -> Tensor:
    return Acos.apply(_floating(input, "acos"))


@tensor_method("atan", "arctan", inplace=True)
def atan(input) -> Tensor:
    return Atan.apply(_floating(input, "atan"))


@tensor_method(inplace=True)
def sinh(input) -> Tensor:
    return Sinh.apply(_floating(input, "sinh"))


@tensor_method(inplace=True)
def cosh(input) -> Tensor:
    return Cosh.apply(_floating(input, "cosh"))


@tensor_method("asinh", "arcsinh", inplace=True)
def asinh(input) -> Tensor:
    return Asinh.apply(_floating(input, "asinh"))


@tensor_method("acosh", "arccosh", inplace=True)
def acosh(input) -> Tensor:
    return Acosh.apply(_floating(input, "acosh"))


@tensor_method("atanh", "arctanh", inplace=True)
def atanh(input) -> Tensor:
    return Atanh.apply(_floating(input, "atanh"))


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


@tensor_method(inplace=True)
def deg2rad(input) -> Tensor:
    return Deg2rad.apply(_floating(input, "deg2rad"))


@tensor_method(inplace=True)
def rad2deg(input) -> Tensor:
    return Rad2deg.apply(_floating(input, "rad2deg"))


@tensor_method(inplace=True)
def sinc(input) -> Tensor:
    """The normalised sinc, sin(pi x) / (pi x), 1 at 0."""
    return Sinc.apply(_floating(input, "sinc"))


@tensor_method(inplace=True)
def i0(input) -> Tensor:
    """The modified Bessel function of the first kind of order 0."""
    return I0.apply(_floating(input, "i0"))


@tensor_method(inplace=True)
def logit(input, eps=None) -> Tensor:
    """ln(p / (1 - p)); with ``eps`` (>= 0) p is clamped to [eps, 1 - eps] first (a negative eps is none)."""
    eps = _number(eps, "logit", "eps")
    x = _floating(input, "logit")
    if eps is not None and math.isfinite(eps) and abs(eps) > float(xp.finfo(x.dtype).max):
        raise ArgumentError(f"logit: eps={eps} cannot be converted to {x.dtype} without overflow")
    return Logit.apply(x, eps=None if eps is None or eps < 0 else eps)


@tensor_method(inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest finite values);
    an integer or bool tensor comes back unchanged (as a copy)."""
    x = _tensor(input, "nan_to_num")
    values = dict(nan=_number(nan, "nan_to_num", "nan") or 0.0, posinf=_number(posinf, "nan_to_num", "posinf"),
                  neginf=_number(neginf, "nan_to_num", "neginf"))
    if x.dtype.kind != "f":
        return Tensor._wrap(x.data.copy())
    return NanToNum.apply(x, **values)


def _rounding_input(input, op: str):
    """None for a float tensor; else the copy PyTorch returns for an integer one (bool has no kernel)."""
    x = _tensor(input, op)
    if x.dtype.kind == "b":
        raise _DtypeNotImplemented(f"{op}: not implemented for bool tensors (PyTorch has no {op} of Bool)")
    return None if x.dtype.kind == "f" else Tensor._wrap(x.data.copy())


@tensor_method(inplace=True)
def floor(input) -> Tensor:
    """The largest integer <= input, in input's dtype (an integer tensor is returned as it is, copied)."""
    same = _rounding_input(input, "floor")
    return Floor.apply(input) if same is None else same


@tensor_method(inplace=True)
def ceil(input) -> Tensor:
    """The smallest integer >= input, in input's dtype."""
    same = _rounding_input(input, "ceil")
    return Ceil.apply(input) if same is None else same


@tensor_method("trunc", "fix", inplace=True)
def trunc(input) -> Tensor:
    """input rounded toward zero, in input's dtype."""
    same = _rounding_input(input, "trunc")
    return Trunc.apply(input) if same is None else same


fix = trunc


_NO_DECIMALS = object()  # round() without decimals: integer tensors pass, as in PyTorch


@tensor_method(inplace=True)
def round(input, *, decimals=_NO_DECIMALS) -> Tensor:  # noqa: A001 - PyTorch's name
    """input rounded to ``decimals`` digits (default 0), halves to even (``round(2.5) = 2``) as PyTorch.
    An integer tensor is returned as it is when ``decimals`` is not given; PyTorch refuses it with decimals."""
    given = decimals is not _NO_DECIMALS
    if given and (isinstance(decimals, bool) or not isinstance(decimals, int)):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    x = _tensor(input, "round")
    if x.dtype.kind != "f" and given:
        raise _DtypeNotImplemented(f"round: decimals is not implemented for {x.dtype} tensors (float only)")
    same = _rounding_input(x, "round")
    return Round.apply(x, decimals=decimals if given else 0) if same is None else same


@tensor_method(inplace=True)
def frac(input) -> Tensor:
    """input - trunc(input), with input's sign (floating tensors only, as PyTorch)."""
    x = _tensor(input, "frac")
    if x.dtype.kind != "f":
        raise _DtypeNotImplemented(f"frac: not implemented for {x.dtype} tensors (floating point only)")
    return Frac.apply(x)
