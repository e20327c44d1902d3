"""The elementwise mathematical functions (lamina/ops/maths.py) against PyTorch: values, dtypes and gradients on
each function's domain and at its edges (NaN, inf, the ends of the domain), finite-difference first and second
derivatives in float64, erf/erfc/erfinv to float64 precision against SciPy, rounding halves to even, and the
errors PyTorch raises."""
import math
import warnings

import numpy as np
import pytest
import scipy.special
import torch

import lamina as lm
import lamina.functional as F

INF, NAN = np.inf, np.nan

# name -> (low, high) of the random inputs: the function's domain, away from its edges
SMOOTH = {
    "rsqrt": (0.2, 4), "erf": (-3, 3), "erfc": (-3, 3), "erfinv": (-0.95, 0.95), "log2": (0.2, 4),
    "log10": (0.2, 4), "exp2": (-3, 3), "expm1": (-3, 3), "tan": (-1.3, 1.3), "asin": (-0.95, 0.95),
    "acos": (-0.95, 0.95), "atan": (-4, 4), "sinh": (-3, 3), "cosh": (-3, 3), "asinh": (-4, 4),
    "acosh": (1.1, 5), "atanh": (-0.95, 0.95), "deg2rad": (-360, 360), "rad2deg": (-4, 4), "sinc": (-3, 3),
    "logit": (0.05, 0.95), "i0": (-9, 9),
}
# the edges of each domain, where PyTorch's values and derivatives are NaN, inf or a limit
EDGES = {
    "rsqrt": [0.0, -0.0, -1.0, INF, 1e-300],
    "erf": [0.0, -0.0, 0.46875, -0.46875, 4.0, -4.0, 6.0, 27.0, -30.0, INF, -INF],
    "erfc": [0.0, 0.46875, -0.46875, 4.0, -4.0, 10.0, 26.0, 27.5, -30.0, INF, -INF],
    "erfinv": [0.0, 1.0, -1.0, 1.5, -2.0, 0.5, -0.5, 1 - 1e-16, 1e-300],
    "log2": [0.0, -1.0, INF, 1e-300], "log10": [0.0, -1.0, INF, 1e-300], "exp2": [-INF, INF, 1100.0, -1100.0],
    "expm1": [0.0, 1e-10, -INF, INF, 800.0], "tan": [0.0, np.pi / 2, INF],
    "asin": [-1.0, 1.0, 1.5, -INF], "acos": [-1.0, 1.0, 1.5], "atan": [INF, -INF, 1e200],
    "sinh": [1000.0, -1000.0, INF], "cosh": [1000.0, -1000.0, -INF], "asinh": [INF, -INF, 1e200, -1e200],
    "acosh": [0.5, 1.0, INF, 1e200], "atanh": [-1.0, 1.0, 2.0, -INF], "deg2rad": [INF], "rad2deg": [-INF],
    "sinc": [0.0, -0.0, 1.0, -2.0, 0.5, 1e-20, INF],
    "logit": [0.0, 1.0, -1.0, 2.0, INF],
    "i0": [0.0, 8.0, -8.0, 1e-8, 700.0, 710.0, -INF],
}
FUNCTIONS = sorted(SMOOTH)
LINEAR = {"deg2rad", "rad2deg"}  # a constant derivative: no second one to check
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh",
           "arctanh": "atanh", "fix": "trunc"}


def _both(name, array, dtype, **kwargs):
    """Lamina's and PyTorch's function ``name`` on ``array``: (value, gradient) of each, as NumPy arrays, for the
    upstream gradient 1 + position / 10."""
    with np.errstate(over="ignore"):  # 1e20 is inf in float16
        array = np.asarray(array).astype(dtype)
    x = lm.tensor(array, dtype=dtype, requires_grad=True)
    xt = torch.tensor(array, requires_grad=True)
    upstream = 1 + np.arange(x.numel()).reshape(x.shape).astype(dtype) / 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the domain edges give NaN and inf silently, as in PyTorch
        y = getattr(lm, name)(x, **kwargs)
        y.backward(lm.tensor(upstream, dtype=dtype))
    yt = getattr(torch, name)(xt, **kwargs)
    yt.backward(torch.tensor(upstream))
    assert y.dtype == np.dtype(dtype) and y.shape == tuple(yt.shape)
    return (y.detach().numpy(), x.grad.numpy()), (yt.detach().numpy(), xt.grad.numpy())


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype, tol", [("float64", dict(rtol=1e-12, atol=1e-300)),
                                        ("float32", dict(rtol=2e-6, atol=1e-30))])
def test_values_and_gradients_match_pytorch(name, dtype, tol):
    low, high = SMOOTH[name]
    array = np.random.default_rng(len(name)).uniform(low, high, (3, 5))
    (y, g), (yt, gt) = _both(name, array, dtype)
    np.testing.assert_allclose(y, yt, **tol)
    np.testing.assert_allclose(g, gt, **tol)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_edges_match_pytorch(name):
    """NaN, inf and the ends of the domain: the same values and derivatives as PyTorch (NaN where it has NaN)."""
    array = np.array(EDGES[name] + [NAN])
    (y, g), (yt, gt) = _both(name, array, "float64")
    np.testing.assert_allclose(y, yt, rtol=1e-12, atol=0)
    np.testing.assert_allclose(g, gt, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_finite_differences(name, leaf):
    low, high = SMOOTH[name]
    x = leaf(np.random.default_rng(7).uniform(low, high, (2, 3)))
    fn = getattr(lm, name)
    assert lm.gradcheck(fn, x)
    if name not in LINEAR:
        assert lm.gradgradcheck(fn, x)


@pytest.mark.parametrize("name", FUNCTIONS + ["floor", "ceil", "round", "trunc", "frac", "nan_to_num"])
def test_methods_and_functional(name):
    x = lm.tensor([[0.3, 0.6], [0.45, 0.9]], dtype=lm.float64)
    expected = getattr(torch, name)(torch.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(getattr(x, name)().numpy(), expected, rtol=1e-15)
    np.testing.assert_allclose(getattr(F, name)(x).numpy(), expected, rtol=1e-15)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases(alias):
    x = lm.tensor([1.5, 0.5, -0.5, 2.5], dtype=lm.float64)
    target = ALIASES[alias]
    expected = getattr(torch, alias)(torch.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(getattr(lm, alias)(x).numpy(), expected, rtol=1e-15)
    np.testing.assert_array_equal(getattr(x, alias)().numpy(), getattr(lm, target)(x).numpy())
    assert getattr(lm, alias) is getattr(lm, target)


# ---- dtypes --------------------------------------------------------------------------------------------
INTEGER_INPUTS = {"int32": [1, 2, 3, 0], "int64": [0, 5, -2, 1], "uint8": [0, 1, 2, 200], "bool": [True, False]}


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("kind", sorted(INTEGER_INPUTS))
def test_integer_and_bool_inputs_give_float32(name, kind):
    values = np.array(INTEGER_INPUTS[kind], dtype=kind)
    y = getattr(lm, name)(lm.from_numpy(values))
    yt = getattr(torch, name)(torch.from_numpy(values))
    assert y.dtype == np.float32 and yt.dtype == torch.float32
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=2e-6, atol=1e-30)


@pytest.mark.parametrize("name", FUNCTIONS + ["floor", "ceil", "round", "trunc", "frac", "nan_to_num"])
def test_float16_is_kept(name):
    low, high = SMOOTH.get(name, (-3, 3))
    values = np.random.default_rng(3).uniform(low, high, 12).astype(np.float16)
    y, yt = getattr(lm, name)(lm.from_numpy(values)), getattr(torch, name)(torch.from_numpy(values))
    assert y.dtype == np.float16 and yt.dtype == torch.float16
    np.testing.assert_allclose(y.numpy().astype(float), yt.numpy().astype(float), rtol=2e-3, atol=1e-4)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3)])
def test_zero_dim_and_empty_tensors(name, shape):
    low, high = SMOOTH[name]
    values = np.full(shape, (low + high) / 2)
    y = getattr(lm, name)(lm.tensor(values, dtype=lm.float64))
    yt = getattr(torch, name)(torch.tensor(values))
    assert y.shape == tuple(yt.shape) == shape
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-12)


# ---- erf, erfc, erfinv to float64 precision ---------------------------------------------------------------
def _exact(name, x):
    """erf or erfc from Python's math module (the C library's, within an ulp), element by element."""
    return np.array([getattr(math, name)(float(v)) for v in x])


@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_and_erfc_to_float64_precision(name):
    """To 1e-15 relative (about 4 ulp; Cody's error is below 2e-16 against 40-digit values) wherever the result
    is a normal float64: near 0, across Cody's three intervals (0.46875 and 4 are their ends), in erfc's tail down
    to 1e-300; and with PyTorch."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(1000) * 3, np.linspace(-6, 26, 1601), [1e-300, 0.46875, -0.46875, 4.0]])
    ours = getattr(lm, name)(lm.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, _exact(name, x), rtol=1e-15, atol=0)
    np.testing.assert_allclose(ours, getattr(torch, name)(torch.from_numpy(x)).numpy(), rtol=1.2e-15, atol=0)


def test_erf_family_agrees_with_scipy():
    x = np.random.default_rng(2).standard_normal(20000) * 2
    np.testing.assert_allclose(lm.erf(lm.from_numpy(x)).numpy(), scipy.special.erf(x), rtol=1e-15, atol=0)
    np.testing.assert_allclose(lm.erfc(lm.from_numpy(x)).numpy(), scipy.special.erfc(x), rtol=1e-13, atol=0)


def test_erfinv_to_float64_precision():
    rng = np.random.default_rng(1)
    tiny = np.logspace(-300, -1, 301)
    y = np.concatenate([rng.uniform(-1, 1, 20000), 1 - np.logspace(-16, -1, 300), -1 + np.logspace(-16, -1, 300),
                        tiny, 0.5 + np.logspace(-16, -2, 50), [np.nextafter(1, 0), 0.5, -0.5]])
    y = y[np.abs(y) < 1]
    ours = lm.erfinv(lm.from_numpy(y)).numpy()
    np.testing.assert_allclose(ours, scipy.special.erfinv(y), rtol=1e-15, atol=0)
    np.testing.assert_allclose(ours, torch.erfinv(torch.from_numpy(y)).numpy(), rtol=1e-15, atol=0)
    np.testing.assert_allclose(lm.erf(lm.from_numpy(ours)).numpy(), y, rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_erf_family_in_float32_rounds_as_pytorch(name):
    x = np.linspace(-0.999 if name == "erfinv" else -6, 0.999 if name == "erfinv" else 6, 4001).astype(np.float32)
    ours, theirs = getattr(lm, name)(lm.from_numpy(x)).numpy(), getattr(torch, name)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=3e-7, atol=1e-38)


# ---- rounding --------------------------------------------------------------------------------------------
HALVES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 1.2345, -7.77, 1e20, INF, -INF, NAN, -0.0]


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "fix", "frac"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_rounding_matches_pytorch_with_zero_gradient(name, dtype):
    (y, g), (yt, gt) = _both(name, np.array(HALVES), dtype)
    np.testing.assert_array_equal(y, yt)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(yt))
    np.testing.assert_array_equal(g, gt)


@pytest.mark.parametrize("decimals", [1, 2, 3, -1, -2, 10, 0])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_round_decimals_as_pytorch(decimals, dtype):
    values = np.array([0.125, 1.235, 2.675, 1234.5, 1250.0, -1350.0, 0.0105, 3.3e38 if dtype != "float16" else 6e4,
                       NAN, INF] + list(np.random.default_rng(decimals + 5).uniform(-500, 500, 40)))
    (y, g), (yt, gt) = _both("round", values, dtype, decimals=decimals)
    np.testing.assert_array_equal(y, yt)
    assert not g.any()


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "fix"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int8", "int16"])
def test_rounding_keeps_integer_tensors(name, dtype):
    values = np.array([0, 1, 7, 100], dtype=dtype)
    x = lm.from_numpy(values)
    y, yt = getattr(lm, name)(x), getattr(torch, name)(torch.from_numpy(values))
    assert y.dtype == np.dtype(dtype) and yt.dtype == torch.from_numpy(values).dtype
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    assert y is not x


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "frac"])
def test_rounding_refuses_bool_as_pytorch(name):
    with pytest.raises(NotImplementedError):
        getattr(torch, name)(torch.tensor([True]))
    with pytest.raises(NotImplementedError, match=name):
        getattr(lm, name)(lm.tensor([True]))


def test_frac_and_round_decimals_refuse_integers_as_pytorch():
    for fn in (lambda m, t: m.frac(t), lambda m, t: m.round(t, decimals=1)):
        with pytest.raises(NotImplementedError):
            fn(torch, torch.tensor([1, 2]))
        with pytest.raises(NotImplementedError):
            fn(lm, lm.tensor([1, 2]))


def test_frac_gradient_is_one(leaf):
    x = leaf([1.5, -2.25, 0.75])
    assert lm.gradcheck(lm.frac, x)


# ---- logit, nan_to_num, sinc ----------------------------------------------------------------------------
@pytest.mark.parametrize("eps", [None, 0.0, 0.2, -0.1, 0.6, 1])
def test_logit_with_eps_as_pytorch(eps):
    values = np.array([0.0, 1.0, 0.5, -1.0, 2.0, 0.1, 0.2, 0.8, 0.95, NAN, INF])
    (y, g), (yt, gt) = _both("logit", values, "float64", eps=eps)
    np.testing.assert_allclose(y, yt, rtol=1e-14, atol=0)
    np.testing.assert_allclose(g, gt, rtol=1e-14, atol=0)


def test_logit_finite_differences_inside_eps(leaf):
    assert lm.gradcheck(lambda x: lm.logit(x, eps=0.1), leaf([0.3, 0.5, 0.85]))
    assert lm.gradgradcheck(lambda x: lm.logit(x, 0.1), leaf([0.3, 0.5, 0.85]))


@pytest.mark.parametrize("kwargs", [{}, dict(nan=1.0, posinf=2.0, neginf=-3.0), dict(posinf=1e300), dict(nan=-7)])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_nan_to_num_as_pytorch(kwargs, dtype):
    values = np.array([NAN, INF, -INF, 1.0, -2.5, 0.0])
    with np.errstate(over="ignore"):
        (y, g), (yt, gt) = _both("nan_to_num", values, dtype, **kwargs)
    np.testing.assert_array_equal(y, yt)
    np.testing.assert_array_equal(g, gt)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "uint8"])
def test_nan_to_num_keeps_integers(dtype):
    values = np.array([1, 0, 1], dtype=dtype)
    y, yt = lm.nan_to_num(lm.from_numpy(values)), torch.nan_to_num(torch.from_numpy(values))
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())


def test_sinc_near_zero_in_float32():
    values = np.array([1e-30, 1e-25, 1e-22, 1e-10, 1e-3, 0.1, 0.0, 1.0, 2.0, 1.7], dtype=np.float32)
    (y, g), (yt, gt) = _both("sinc", values, "float32")
    np.testing.assert_allclose(y, yt, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(g, gt, rtol=1e-5, atol=1e-6)


# ---- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FUNCTIONS + ["floor", "round", "frac", "nan_to_num"])
@pytest.mark.parametrize("bad", [None, "a", 1.5, [1.0, 2.0]])
def test_non_tensor_input_is_a_type_error_as_pytorch(name, bad):
    with pytest.raises(TypeError):
        getattr(torch, name)(bad)
    with pytest.raises(TypeError, match=name):
        getattr(lm, name)(bad)


@pytest.mark.parametrize("call", [
    lambda m, x: m.round(x, decimals=1.5), lambda m, x: m.round(x, 1), lambda m, x: m.logit(x, eps="a"),
    lambda m, x: m.nan_to_num(x, nan="a"), lambda m, x: m.nan_to_num(x, posinf=[1.0]), lambda m, x: m.erf(x, 1),
])
def test_bad_arguments_are_type_errors_as_pytorch(call):
    with pytest.raises(TypeError):
        call(torch, torch.tensor([0.5]))
    with pytest.raises(TypeError):
        call(lm, lm.tensor([0.5]))


def test_float_arguments_take_none_bool_and_0d_tensors_as_pytorch():
    x = np.array([NAN, INF, 0.5])
    for kwargs in (dict(nan=None), dict(posinf=True), dict(nan=lm.tensor(2.0))):
        theirs = {k: torch.tensor(v.item()) if isinstance(v, lm.Tensor) else v for k, v in kwargs.items()}
        np.testing.assert_array_equal(lm.nan_to_num(lm.from_numpy(x), **kwargs).numpy(),
                                      torch.nan_to_num(torch.from_numpy(x), **theirs).numpy())
    np.testing.assert_array_equal(lm.logit(lm.from_numpy(x), eps=True).numpy(),
                                  torch.logit(torch.from_numpy(x), eps=True).numpy())


def test_logit_eps_beyond_the_dtype_is_an_error_as_pytorch():
    for module, tensor in ((torch, torch.tensor([0.5], dtype=torch.float16)), (lm, lm.tensor([0.5], dtype=lm.float16))):
        with pytest.raises(RuntimeError):
            module.logit(tensor, eps=1e10)
    assert np.isnan(lm.logit(lm.tensor([0.5]), eps=INF).item())
    assert np.isnan(torch.logit(torch.tensor([0.5]), INF).item())


def test_round_decimals_none_is_a_type_error_as_pytorch():
    with pytest.raises(TypeError):
        torch.round(torch.tensor([0.5]), decimals=None)
    with pytest.raises(TypeError):
        lm.round(lm.tensor([0.5]), decimals=None)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "log2", "log10", "exp2", "deg2rad", "rad2deg", "tan",
                                  "atanh", "i0", "logit"])
def test_float16_gradients_round_as_pytorch(name):
    """The derivative follows PyTorch's formula op by op (scalars applied in float32), so float16 rounds alike."""
    low, high = SMOOTH[name]
    (y, g), (yt, gt) = _both(name, np.random.default_rng(4).uniform(low, high, 400), "float16")
    np.testing.assert_allclose(y, yt, rtol=1e-3)  # NumPy's and PyTorch's float16 log10 differ in a few last bits
    np.testing.assert_array_equal(g, gt)


# ---- in-place variants ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [(name, {}) for name in FUNCTIONS + ["floor", "ceil", "trunc", "fix", "frac",
                                                                            "arcsin", "nan_to_num"]]
                         + [("round", {}), ("round", dict(decimals=1)), ("logit", dict(eps=0.2)),
                            ("nan_to_num", dict(nan=1.0, posinf=2.0))])
def test_in_place_methods_as_pytorch(name, kwargs):
    low, high = SMOOTH.get(name, SMOOTH.get(ALIASES.get(name), (-3, 3)))
    values = np.random.default_rng(9).uniform(low, high, 6)
    x, xt = lm.tensor(values, dtype=lm.float64), torch.tensor(values)
    assert getattr(x, name + "_")(**kwargs) is x
    getattr(xt, name + "_")(**kwargs)
    np.testing.assert_allclose(x.numpy(), xt.numpy(), rtol=1e-12)


def test_in_place_refuses_what_pytorch_refuses():
    for module in (torch, lm):
        with pytest.raises(RuntimeError):  # floats do not go back into an integer tensor
            module.tensor([1, 2]).erf_()
        with pytest.raises(RuntimeError):  # a leaf that requires grad
            module.tensor([0.5], requires_grad=True).erf_()
    x = lm.tensor([1.5, 2.5])
    assert x.floor_().tolist() == [1.0, 2.0]


@pytest.mark.parametrize("eps", [None, 0.0])
def test_logit_gradient_at_signed_zeros_and_one_matches_torch(eps):
    import torch
    data = np.array([-0.0, 0.0, 1.0, 0.5, 1.5, -0.25], dtype=np.float32)
    x, t = lm.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    lm.logit(x, eps=eps).backward(lm.ones(6))
    torch.logit(t, eps=eps).backward(torch.ones(6))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
