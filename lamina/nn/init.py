"""Weight initialisation (in place, like ``torch.nn.init``), each with an optional ``generator``.

Glorot/Xavier: Var(w) = gain^2 * 2 / (fan_in + fan_out).  He/Kaiming: Var(w) = gain^2 / fan.

The values are drawn on the host by NumPy's generators (``lamina.random``, one seeded stream for
every backend; the orthogonal init's QR too) and copied into the parameter's array.
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np  # host-side: the QR factorisation of the orthogonal init

from ..autograd import no_grad
from ..backend import xp
from ..random import numpy_generator
from ..errors import ArgumentError


def calculate_gain(nonlinearity: str, param=None) -> float:
    gains = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv_transpose2d": 1.0, "sigmoid": 1.0,
             "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in gains:
        raise ArgumentError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")
    return gains[nonlinearity]


def fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """fan_in = in_features * receptive field, fan_out = out_features * receptive field."""
    if tensor.ndim < 2:
        raise ArgumentError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape "
                            f"{tuple(tensor.shape)}")
    receptive = math.prod(tensor.shape[2:]) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _skip_empty(init):
    """An initialiser that leaves a zero-element tensor as it is, with PyTorch's warning (there is nothing to
    draw, and its fans may be 0: a bound of 1 / sqrt(0) must not be computed)."""
    @functools.wraps(init)
    def checked(tensor, *args, **kwargs):
        if tensor.numel() == 0:
            warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=2)
            return tensor
        return init(tensor, *args, **kwargs)

    return checked


def _fill(tensor, values):
    with no_grad():
        tensor.data[...] = xp.asarray(values)
    return tensor


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    if not a <= b:
        raise ArgumentError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(tensor, numpy_generator(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    if not std >= 0:
        raise ArgumentError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, numpy_generator(generator).normal(mean, std, tensor.shape))


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None):
    """Values from N(mean, std^2) conditioned on a <= value <= b (PyTorch's ``trunc_normal_``; the bounds are
    absolute values, not multiples of std): drawn, and the draws outside [a, b] drawn again until none is left."""
    if not std >= 0:
        raise ArgumentError(f"trunc_normal_ expects std >= 0.0, but found std {std}")
    if not a < b:
        raise ArgumentError(f"trunc_normal_ expects a < b, but found a={a}, b={b}")
    rng = numpy_generator(generator)
    values = rng.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    for _ in range(1000):
        if not outside.any():
            break
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    else:
        raise ArgumentError(f"trunc_normal_: [{a}, {b}] holds almost none of N({mean}, {std}^2); widen the bounds")
    return _fill(tensor, values)


def constant_(tensor, value: float):
    return _fill(tensor, value)


def zeros_(tensor):
    return _fill(tensor, 0.0)


def ones_(tensor):
    return _fill(tensor, 1.0)


@_skip_empty
def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


@_skip_empty
def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


glorot_uniform_, glorot_normal_ = xavier_uniform_, xavier_normal_


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


@_skip_empty
def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


@_skip_empty
def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


he_uniform_, he_normal_ = kaiming_uniform_, kaiming_normal_


def orthogonal_(tensor, gain: float = 1.0, generator=None):
    if tensor.ndim < 2:
        raise ArgumentError(f"Only tensors with 2 or more dimensions are supported, got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:  # nothing to orthogonalise (PyTorch returns it as it is)
        return tensor
    rows = tensor.shape[0]
    cols = math.prod(tensor.shape[1:])
    flat = numpy_generator(generator).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    q = q if rows >= cols else q.T
    return _fill(tensor, gain * q[:rows, :cols].reshape(tensor.shape))


def default_uniform_(weight, bias=None, fan_in=None, generator=None):
    """PyTorch's default for Linear/Conv: W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with
    a = sqrt 5), and the same bound for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in = fan_in if fan_in is not None else fan_in_and_fan_out(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound, generator)
