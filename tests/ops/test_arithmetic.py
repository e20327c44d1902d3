"""Elementwise arithmetic (lamina/ops/arithmetic.py): finite-difference gradients on several shapes,
with broadcasting and non-contiguous inputs, second derivatives, PyTorch as the oracle (float64: atol
1e-6; float32: rtol 1e-4), the dtype of mixed operands, and the error for shapes that do not broadcast."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm

# inf and NaN are inputs on purpose here (as in PyTorch, they are values): NumPy's warnings about them are noise
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# ---- finite differences ----------------------------------------------------------------------------
UNARY = {
    "neg": lambda x: -x, "exp": lm.exp, "log": lambda x: lm.log(x), "log1p": lm.log1p, "sqrt": lm.sqrt,
    "abs": lm.abs, "sin": lm.sin, "cos": lm.cos, "pow3": lambda x: x**3, "pow_half": lambda x: x**0.5,
    "rpow": lambda x: 2.0**x, "rdiv": lambda x: 1.0 / x, "clamp": lambda x: x.clamp(-0.5, 0.6),
}
POSITIVE = {"log", "log1p", "sqrt", "pow_half", "rdiv"}
KINKED = {"abs", "clamp"}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_unary_ops(name, shape, r):
    fn = UNARY[name]
    x = r(*shape, positive=name in POSITIVE, apart=name in KINKED)
    assert lm.gradcheck(fn, x)


BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b, "maximum": lm.maximum, "minimum": lm.minimum,
    "where": lambda a, b: lm.where(a > 0.1, a, b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((1,), (2, 3))])
def test_binary_ops_with_broadcasting(name, shapes, r, leaf):
    positive = name in ("pow", "div")
    a = r(*shapes[0], positive=positive, apart=True)
    b = r(*shapes[1], positive=positive, apart=True)
    if name in ("maximum", "minimum"):
        b = leaf(b.detach().numpy() + 0.05)  # keep the two sides apart: max is not differentiable at a tie
    assert lm.gradcheck(BINARY[name], a, b)


@pytest.mark.parametrize("name", ["add", "mul", "div"])
def test_non_contiguous_inputs(name, r):
    a = r(4, 3).T              # a transposed view
    b = r(3, 8)[:, ::2]        # a strided slice
    assert not a.data.flags.c_contiguous and not b.data.flags.c_contiguous
    assert lm.gradcheck(BINARY[name], a, b)
    assert lm.gradcheck(lambda u, v: u @ v.T, a, b)


SECOND_ORDER = {
    "exp": lm.exp, "log": lm.log, "mul_sum": lambda x: (x * x * x).sum(), "sqrt": lm.sqrt, "div": lambda x: 1 / x,
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4, positive=name in ("log", "sqrt", "div"))
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.data())
def test_broadcasting_gradients_for_generated_shapes(r, shape_a, shape_b, data):  # positional @given: fixtures first
    # make the two shapes broadcastable: where they differ, one side gets a 1
    n = min(len(shape_a), len(shape_b))
    for i in range(1, n + 1):
        if shape_a[-i] != shape_b[-i] and data.draw(st.booleans()):
            shape_a[-i] = 1
        elif shape_a[-i] != shape_b[-i]:
            shape_b[-i] = 1
    a, b = r(*shape_a), r(*shape_b, positive=True)
    assert lm.gradcheck(lambda u, v: (u * v - u / v).tanh(), a, b)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "add": (lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)], False),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [(2, 1, 3), (4, 1)], False),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [(3, 4), (3, 1)], False),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (4,)], True),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, [(3, 4), (3, 4)], True),
    "exp": (lm.exp, torch.exp, [(3, 4)], False),
    "log": (lm.log, torch.log, [(3, 4)], True),
    "log1p": (lm.log1p, torch.log1p, [(3, 4)], True),
    "sqrt": (lm.sqrt, torch.sqrt, [(3, 4)], True),
    "abs": (lm.abs, torch.abs, [(3, 4)], False),
    "sin": (lm.sin, torch.sin, [(3, 4)], False),
    "cos": (lm.cos, torch.cos, [(3, 4)], False),
    "clamp": (lambda x: x.clamp(-0.3, 0.4), lambda x: x.clamp(-0.3, 0.4), [(5, 6)], False),
    "maximum": (lm.maximum, torch.maximum, [(3, 4), (4,)], False),
    "where": (lambda a, b: lm.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b), [(3, 4), (3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


# ---- dtypes and errors -------------------------------------------------------------------------------
def test_python_scalars_keep_the_tensor_dtype():
    x = lm.ones(2)
    assert (x * 2.5).dtype == np.float32 and (2 - x).dtype == np.float32
    assert (lm.arange(3) * 2).dtype == np.int64
    assert (lm.arange(3) * 0.5).dtype == np.float32
    assert (lm.arange(3) + x.reshape(1, 2)[:, :1]).dtype == np.float32
    assert (lm.ones(2, dtype=np.float64) + x).dtype == np.float64


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\) do not broadcast"):
        lm.ones(2, 3) + lm.ones(4)
    with pytest.raises(ValueError, match=r"mul: shapes"):
        lm.ones(2, 3) * lm.ones(3, 2)


# ---- PyTorch's dtypes, values and errors over dtypes and scalars ---------------------------------------
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
VALUES = {"bool": [True, False, True], "uint8": [1, 200, 7], "int8": [-7, 5, 100], "int32": [-7, 5, 2**31 - 1],
          "int64": [7, -3, 0], "float16": [1.5, -2.0, 0.0], "float32": [1.5, -2.5, 0.0],
          "float64": [-1.5, 3.25, float("nan")]}
NONZERO = {"bool": [True, True, True], "uint8": [3, 2, 7], "int8": [-2, 5, 3], "int32": [-7, 2, 3],
           "int64": [2, -3, 4], "float16": [1.5, -2.0, 0.5], "float32": [1.5, -2.5, 0.25],
           "float64": [-1.5, 3.25, float("inf")]}
SCALARS = [True, 2, -3, 2.5, np.int64(3), np.float64(1.5), np.float32(0.5)]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, -2.5, 0.5, float("inf"), -float("inf"), float("nan")]


def _both(fn, operands, requires_grad=False):
    """fn on Lamina and on torch versions of ``operands`` (arrays become tensors, numbers stay); each result
    is the output with the input tensors, or the exception raised."""
    out = []
    for module in (lm, torch):
        args = []
        for a in operands:
            if isinstance(a, np.ndarray):
                t = lm.from_numpy(a.copy()) if module is lm else torch.from_numpy(a.copy())
                args.append(t.requires_grad_(requires_grad) if requires_grad else t)
            else:
                args.append(a)
        try:
            out.append((fn(module, *args), args))
        except Exception as error:
            out.append((error, args))
    return out


def same_as_torch(fn, *operands):
    """fn gives PyTorch's dtype and values, or raises an exception of PyTorch's type."""
    (mine, _), (theirs, _) = _both(fn, operands)
    if isinstance(theirs, Exception):
        assert isinstance(mine, type(theirs)), f"PyTorch raised {theirs!r}, Lamina gave {mine!r}"
        return
    assert not isinstance(mine, Exception), f"Lamina raised {mine!r}, PyTorch gave {theirs}"
    if isinstance(theirs, bool):
        assert mine is theirs
        return
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "lamina."), (mine, theirs)
    assert mine.shape == tuple(theirs.shape)
    np.testing.assert_allclose(mine.numpy().astype(float), theirs.numpy().astype(float), rtol=1e-6, equal_nan=True)


def same_gradients_as_torch(fn, *arrays, rtol=1e-7):
    """fn's values and gradients (for a random upstream gradient) are PyTorch's, NaN and inf included."""
    (mine, lm_in), (theirs, torch_in) = _both(fn, arrays, requires_grad=True)
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-12,
                               equal_nan=True)
    upstream = np.random.default_rng(5).standard_normal(tuple(theirs.shape)).astype(mine.dtype)
    mine.backward(lm.from_numpy(upstream))
    theirs.backward(torch.from_numpy(upstream))
    for a, b in zip(lm_in, torch_in):
        assert a.grad.dtype == a.dtype
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-12, equal_nan=True)


def _grid(values):
    """Every pair of ``values``, as two float64 arrays."""
    a, b = np.meshgrid(values, values, indexing="ij")
    return a.ravel(), b.ravel()


MIXED = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow", "float_power",
         "maximum", "minimum", "fmax", "fmin", "copysign", "atan2", "hypot", "logaddexp", "logaddexp2", "xlogy",
         "eq", "ne", "lt", "le", "gt", "ge"]


@pytest.mark.parametrize("name", MIXED)
def test_dtypes_values_and_errors_match_pytorch_over_dtype_pairs(name):
    op = getattr(torch, name)
    for a in DTYPES:
        x = np.array(VALUES[a], dtype=a)
        for b in DTYPES:
            y = np.array(NONZERO[b], dtype=b)
            same_as_torch(lambda m, u, v: getattr(m, name)(u, v), x, y)
            same_as_torch(lambda m, u, v: getattr(m, name)(u, v), x, y[:1].reshape(()))  # a 0-d tensor
        for scalar in SCALARS:
            same_as_torch(lambda m, u: getattr(m, name)(u, scalar), x)
            same_as_torch(lambda m, u: getattr(m, name)(scalar, u), np.array(NONZERO[a], dtype=a))
    assert op  # the torch function exists under this name


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow",
                                  "maximum", "minimum", "fmax", "fmin", "copysign", "atan2", "hypot", "logaddexp",
                                  "logaddexp2", "xlogy", "float_power"])
def test_values_and_gradients_at_zeros_infinities_and_nan(name):
    a, b = _grid(SPECIAL)
    if name == "floor_divide":  # PyTorch defines no derivative: only the values
        same_as_torch(lambda m, u, v: m.floor_divide(u, v), a, b)
        return
    same_gradients_as_torch(lambda m, u, v: getattr(m, name)(u, v), a, b)


def test_mixed_float_dtypes_send_gradients_back_in_each_inputs_dtype():
    rng = np.random.default_rng(0)
    x32, x64 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4)
    for name in ("add", "mul", "div", "maximum", "atan2", "pow"):
        same_gradients_as_torch(lambda m, u, v: getattr(m, name)(u, v), np.abs(x32) + 0.5, np.abs(x64) + 0.5,
                                rtol=1e-5)


# ---- division -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes_on_integers_and_floats(mode):
    for a in DTYPES:
        for b in DTYPES:
            same_as_torch(lambda m, u, v: m.div(u, v, rounding_mode=mode), np.array(VALUES[a], dtype=a),
                          np.array(NONZERO[b], dtype=b))
        for scalar in SCALARS:
            same_as_torch(lambda m, u: u.div(scalar, rounding_mode=mode), np.array(VALUES[a], dtype=a))
    a, b = _grid(SPECIAL)
    same_as_torch(lambda m, u, v: m.divide(u, v, rounding_mode=mode), a.astype(np.float32), b.astype(np.float32))
    ints = np.arange(-7, 8)
    same_as_torch(lambda m, u, v: m.div(u, v, rounding_mode=mode), np.repeat(ints, 4), np.tile([2, -2, 3, -5], 15))


def test_integer_division_by_zero_is_an_error_as_in_pytorch():
    x, zero = lm.tensor([7, -7]), lm.tensor([0, 2])
    for fn in (lambda: lm.div(x, zero, rounding_mode="trunc"), lambda: x.div(zero, rounding_mode="floor"),
               lambda: x // zero, lambda: x % 0, lambda: lm.fmod(x, zero), lambda: lm.remainder(x, zero)):
        with pytest.raises(RuntimeError, match="division by zero"):
            fn()
    np.testing.assert_array_equal((x / zero).numpy(), [np.inf, -3.5])  # true division gives floats


def test_div_refuses_an_unknown_rounding_mode():
    with pytest.raises(RuntimeError, match="rounding_mode"):
        lm.div(lm.ones(2), 2, rounding_mode="round")


def test_division_gradients():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)) * 4, rng.standard_normal(4) + 3
    for mode in ("trunc", "floor"):
        same_gradients_as_torch(lambda m, u, v: m.div(u, v, rounding_mode=mode), a, b)  # zero, as PyTorch
    for name in ("remainder", "fmod"):
        same_gradients_as_torch(lambda m, u, v: getattr(m, name)(u, v), a, b)
    x = lm.tensor([5.5, -5.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="floor_divide"):
        (x // 2).sum().backward()  # PyTorch has no derivative for floor_divide either


def test_floor_divide_and_remainder_operators():
    x = np.array([7, -7, 7, -7], dtype=np.int32)
    for fn in (lambda m, u: u // 2, lambda m, u: 7 // (u + 10), lambda m, u: u % -3, lambda m, u: 7 % (u + 10),
               lambda m, u: 7.5 // (u + 10), lambda m, u: u.floor_divide(-2), lambda m, u: u.remainder(3),
               lambda m, u: u.fmod(-3), lambda m, u: u.true_divide(2)):
        same_as_torch(fn, x)
        same_as_torch(fn, x.astype(np.float32) + 0.5)


# ---- powers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.5, 0.0, True, np.int64(2), np.float64(-1.5)])
def test_pow_with_a_number(exponent):
    for dtype in DTYPES:
        same_as_torch(lambda m, u: u**exponent, np.array(VALUES[dtype], dtype=dtype))
        if exponent is not True:  # True ** tensor trips an internal assert of torch 2.13
            same_as_torch(lambda m, u: exponent**u, np.array(NONZERO[dtype], dtype=dtype))
    same_gradients_as_torch(lambda m, u: u**exponent, np.array(SPECIAL))
    if exponent is not True:
        same_gradients_as_torch(lambda m, u: m.pow(exponent, u), np.array(SPECIAL))


def test_pow_of_integers_as_pytorch():
    with pytest.raises(RuntimeError, match="negative integer powers"):
        lm.tensor([2, 3]) ** -1
    same_as_torch(lambda m, u, v: u**v, *[a.astype(np.int64) for a in _grid(np.arange(-4.0, 5.0))])
    same_as_torch(lambda m, u: 2**u, np.array([-2, -1, 0, 3], dtype=np.int32))
    same_as_torch(lambda m, u: u**2.5, np.array([1, 4, 9], dtype=np.int32))  # float32, not float64
    same_as_torch(lambda m, u, v: u**v, np.array([True, False]), np.array([True, True]))  # no bool kernel


def test_pow_gradient_conventions_at_zero():
    x = lm.tensor([0.0, 0.0, 2.0], dtype=np.float64, requires_grad=True)
    e = lm.tensor([0.0, 2.0, 0.0], dtype=np.float64, requires_grad=True)
    (x**e).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])       # d/dx x^0 = 0 even at 0
    np.testing.assert_allclose(e.grad.numpy(), [0.0, 0.0, np.log(2.0)])  # d/de 0^e = 0 for e >= 0
    x = lm.tensor([0.0, 1.0], dtype=np.float64, requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("name", ["pow", "float_power", "atan2", "hypot", "xlogy", "logaddexp", "logaddexp2"])
def test_second_derivatives_of_two_input_ops(name, r):
    a, b = r(3, 4, positive=True), r(4, positive=True)
    assert lm.gradcheck(getattr(lm, name), a, b)
    assert lm.gradgradcheck(getattr(lm, name), a, b)


def test_float_power_is_float64():
    same_gradients_as_torch(lambda m, u, v: m.float_power(u, v), np.array([0.0, 2.0, 3.0], np.float32),
                            np.array([0.0, 1.5, -2.0], np.float32))
    same_as_torch(lambda m, u: m.float_power(u, 2), np.array([1, 2, 3]))
    same_as_torch(lambda m, u: u.float_power(0.5), np.array([-1.0, 4.0]))


# ---- one-input ops --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["neg", "negative", "positive", "square", "reciprocal", "sign", "sgn", "signbit",
                                  "abs", "isnan", "isinf", "isposinf", "isneginf", "isfinite"])
def test_one_input_ops_over_dtypes(name):
    for dtype in DTYPES:
        x = np.array(VALUES[dtype], dtype=dtype)
        same_as_torch(lambda m, u: getattr(m, name)(u), x)
        same_as_torch(lambda m, u: getattr(u, name)(), x[1:2].reshape(()))  # 0-d, as a method
        same_as_torch(lambda m, u: getattr(m, name)(u), x[:0])            # empty
    same_as_torch(lambda m, u: getattr(m, name)(u), np.array(SPECIAL, dtype=np.float32))


@pytest.mark.parametrize("name", ["neg", "square", "reciprocal", "sign", "abs", "positive"])
def test_one_input_gradients(name):
    same_gradients_as_torch(lambda m, u: getattr(m, name)(u), np.array(SPECIAL))


def test_sign_has_a_zero_gradient():
    for method in ("sign", "sgn"):
        x = lm.tensor([1.5, -2.0, 0.0, np.nan], requires_grad=True)
        y = getattr(x, method)()
        assert y.requires_grad and y.tolist() == [1.0, -1.0, 0.0, 0.0]  # 0 at NaN, as PyTorch
        (y * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 0.0])


def test_bool_tensors_refuse_negation_and_subtraction():
    b = lm.tensor([True, False])
    for fn in (lambda: -b, lambda: +b, lambda: b - b, lambda: b - 1, lambda: lm.ones(2) - b, lambda: 1.5 - b):
        with pytest.raises(RuntimeError):
            fn()


# ---- minimum, maximum, clamp ----------------------------------------------------------------------------
def test_minimum_and_maximum_on_bools_and_int32_extremes():
    big, small = np.array([2**31 - 1, -2**31], np.int32), np.array([-2**31, 2**31 - 1], np.int32)
    for name in ("minimum", "maximum", "fmin", "fmax"):
        same_as_torch(lambda m, u, v: getattr(m, name)(u, v), big, small)
        same_as_torch(lambda m, u, v: getattr(u, name)(v), np.array([True, False, True]), np.array([False] * 3))
        same_as_torch(lambda m, u: getattr(m, name)(u, 2), big)  # PyTorch's TypeError: other must be a tensor


def test_min_max_gradients_with_ties_and_nan():
    a = np.array([1.0, np.nan, 3.0, 2.0, np.nan, -0.0])
    b = np.array([np.nan, 2.0, 1.0, 2.0, np.nan, 0.0])
    for name in ("minimum", "maximum", "fmin", "fmax"):
        same_gradients_as_torch(lambda m, u, v: getattr(m, name)(u, v), a, b)


@pytest.mark.parametrize("bounds", [(0, 5), (2.5, None), (None, -1), (3, 1), (True, None), (float("nan"), 2),
                                    (None, None)])
def test_clamp_with_numbers_over_dtypes(bounds):
    for dtype in DTYPES:
        same_as_torch(lambda m, u: m.clamp(u, *bounds), np.array(VALUES[dtype], dtype=dtype))
    same_gradients_as_torch(lambda m, u: m.clamp(u, *bounds), np.array(SPECIAL)) if bounds != (None, None) else None


def test_clamp_with_tensor_bounds():
    for a in DTYPES:
        for b in DTYPES:
            x, lo, hi = np.array(VALUES[a], dtype=a), np.array(NONZERO[b], dtype=b), np.array(VALUES[b], dtype=b)
            same_as_torch(lambda m, u, v: m.clamp(u, v), x, lo)
            same_as_torch(lambda m, u, v: m.clamp(u, max=v), x, lo)
            same_as_torch(lambda m, u, v, w: m.clamp(u, v, w), x, lo, hi)
    rng = np.random.default_rng(2)
    x, lo, hi = _grid(SPECIAL)[0], rng.standard_normal(100), rng.standard_normal(100)
    same_gradients_as_torch(lambda m, u, v, w: m.clamp(u, v, w), x, lo, hi)  # crossed bounds included
    same_gradients_as_torch(lambda m, u, v, w: u.clip(v, w), rng.standard_normal((3, 4)), rng.standard_normal(4),
                            rng.standard_normal((3, 1)))
    same_gradients_as_torch(lambda m, u, v: m.clamp_min(u, v), x, lo)
    same_gradients_as_torch(lambda m, u, v: u.clamp_max(v), x, hi)
    same_as_torch(lambda m, u, v: m.clamp(u, v, 0.5), x, lo)  # a tensor with a number: PyTorch's TypeError


def test_clamp_min_and_clamp_max_with_numbers():
    for dtype in DTYPES:
        x = np.array(VALUES[dtype], dtype=dtype)
        same_as_torch(lambda m, u: m.clamp_min(u, 2), x)
        same_as_torch(lambda m, u: u.clamp_max(0.5), x)


# ---- comparisons ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
                                  "not_equal"])
def test_comparisons_as_functions_methods_and_with_numbers(name):
    x, y = np.array([1.0, 2.0, np.nan, 3.0], np.float32), np.array([1, 3, 2, -1], np.int64)
    same_as_torch(lambda m, u, v: getattr(m, name)(u, v), x, y)
    same_as_torch(lambda m, u, v: getattr(u, name)(v), x, y)
    same_as_torch(lambda m, u: getattr(u, name)(2), x)
    same_as_torch(lambda m, u: getattr(m, name)(2, u), x)  # PyTorch's TypeError: input must be a tensor
    same_as_torch(lambda m, u: getattr(u, name)(1000), np.array([1, 2], np.int8))  # the scalar wraps to int8
    op = getattr(lm, name).__name__  # an alias (greater) is named after its op (gt)
    with pytest.raises(RuntimeError, match=rf"{op}: shapes \(2, 3\) and \(4,\) do not broadcast"):
        getattr(lm, name)(lm.ones(2, 3), lm.ones(4))


def test_comparison_operators():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    for fn in (lambda m, u: u < 2, lambda m, u: 2 < u, lambda m, u: u >= 2.0, lambda m, u: u == 2, lambda m, u: 2 != u,
               lambda m, u: u <= 2.5):
        same_as_torch(fn, x)
    assert (lm.ones(2) == None) is False and (lm.ones(2) != "x") is True


def test_equal_isclose_allclose():
    x = np.array([1.0, 1.0 + 1e-6, np.nan, np.inf, -np.inf, 2.0], np.float32)
    y = np.array([1.0, 1.0, np.nan, np.inf, np.inf, 2.5], np.float32)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 0.3}, {"atol": 0.6, "rtol": 0.0}):
        same_as_torch(lambda m, u, v: m.isclose(u, v, **kw), x, y)
        same_as_torch(lambda m, u, v: u.allclose(v, **kw), x, y)
    for dtype in DTYPES:
        same_as_torch(lambda m, u, v: m.isclose(u, v), np.array(VALUES[dtype], dtype), np.array(NONZERO[dtype], dtype))
        same_as_torch(lambda m, u, v: m.equal(u, v), np.array(VALUES[dtype], dtype), np.array(VALUES[dtype], dtype))
    same_as_torch(lambda m, u, v: m.isclose(u, v), x, y.astype(np.float64))          # dtypes differ: an error
    same_as_torch(lambda m, u, v: m.isclose(u, v, rtol=-1.0), x, y)                  # negative tolerance
    same_as_torch(lambda m, u, v: m.allclose(u, v), np.ones((2, 3)), np.ones(2))     # shapes do not broadcast
    same_as_torch(lambda m, u, v: m.equal(u, v), np.ones((2, 3)), np.ones(3))        # False, not broadcast
    same_as_torch(lambda m, u, v: m.equal(u, v), np.ones(3), np.ones(3, np.int64))   # values compared
    same_as_torch(lambda m, u, v: m.isclose(u, v), np.array([10**6, 2**40]), np.array([10**6 + 1, 2**40 + 5]))


# ---- two-input maths ------------------------------------------------------------------------------------
TWO_INPUT = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "atan2": (lm.atan2, torch.atan2, [(3, 4), (4,)], False),
    "arctan2": (lambda a, b: a.arctan2(b), lambda a, b: a.arctan2(b), [(3, 4), (3, 1)], False),
    "hypot": (lm.hypot, torch.hypot, [(3, 4), (4,)], False),
    "copysign": (lambda a, b: a.copysign(b), lambda a, b: a.copysign(b), [(3, 4), (4,)], False),
    "logaddexp": (lm.logaddexp, torch.logaddexp, [(3, 4), (4,)], False),
    "logaddexp2": (lambda a, b: a.logaddexp2(b), lambda a, b: a.logaddexp2(b), [(3, 4), (3, 1)], False),
    "xlogy": (lm.xlogy, torch.xlogy, [(3, 4), (4,)], True),
    "lerp": (lambda a, b: lm.lerp(a, b, 0.3), lambda a, b: torch.lerp(a, b, 0.3), [(3, 4), (4,)], False),
    "lerp_far": (lambda a, b: a.lerp(b, 0.8), lambda a, b: a.lerp(b, 0.8), [(3, 4), (4,)], False),
    "lerp_tensor": (lm.lerp, torch.lerp, [(3, 4), (4,), (3, 1)], False),
    "remainder": (lambda a, b: a % b, lambda a, b: a % b, [(3, 4), (4,)], True),
    "fmod": (lm.fmod, torch.fmod, [(3, 4), (4,)], True),
    "fmax": (lm.fmax, torch.fmax, [(3, 4), (4,)], False),
    "minimum": (lm.minimum, torch.minimum, [(3, 4), (4,)], False),
    "addcmul": (lambda a, b, c: lm.addcmul(a, b, c, value=0.5), lambda a, b, c: torch.addcmul(a, b, c, value=0.5),
                [(3, 4), (4,), (3, 1)], False),
    "addcdiv": (lambda a, b, c: a.addcdiv(b, c, value=-2), lambda a, b, c: a.addcdiv(b, c, value=-2),
                [(3, 4), (4,), (3, 1)], True),
    "reciprocal": (lm.reciprocal, torch.reciprocal, [(3, 4)], True),
    "square": (lambda x: x.square(), lambda x: x.square(), [(3, 4)], False),
    "float_power": (lambda a, b: lm.float_power(a, b).float(), lambda a, b: torch.float_power(a, b).float(),
                    [(3, 4), (4,)], True),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(TWO_INPUT))
def test_more_ops_match_pytorch(name, dtype, matches_pytorch):
    ours, theirs, shapes, positive = TWO_INPUT[name]
    if name == "float_power" and dtype == "float64":
        ours, theirs = lm.float_power, torch.float_power
    matches_pytorch(name, dtype, ours, theirs, shapes, positive)


def test_lerp_weights_and_dtypes():
    a, b = np.array([1.0, 2.0, 3.0], np.float32), np.array([4.0, -5.0, 6.0], np.float32)
    for weight in (0.3, 0.7, 1, -1.5, True, np.float64(0.25)):
        same_as_torch(lambda m, u, v: m.lerp(u, v, weight), a, b)
    same_gradients_as_torch(lambda m, u, v, w: m.lerp(u, v, w), *_grid(SPECIAL), np.linspace(-1, 2, 100))
    same_as_torch(lambda m, u, v, w: m.lerp(u, v, w), a, b, np.array(0.25))           # a 0-d float64 weight
    same_as_torch(lambda m, u, v, w: m.lerp(u, v, w), a, b, np.ones(3))               # float64 weight: error
    same_as_torch(lambda m, u, v: m.lerp(u, v, 0.5), a, b.astype(np.float64))         # end's dtype: error
    same_as_torch(lambda m, u, v: m.lerp(u, v, 0.5), np.arange(3), np.arange(3))      # integers: error
    same_as_torch(lambda m, u, v: m.lerp(u, v, 0.5), a, b[:2])                        # shapes


def test_addcmul_and_addcdiv_dtypes():
    i = np.array([1, 2, 3])
    same_as_torch(lambda m, u, v, w: m.addcmul(u, v, w, value=2.5), i, i.astype(np.int32), i)  # value cast to int
    same_as_torch(lambda m, u, v, w: m.addcmul(u, v, w, value=2.5), i, i.astype(np.float64), i)
    same_as_torch(lambda m, u, v, w: m.addcdiv(u, v, w), i.astype(np.float32), i, i)  # integer division refused


def test_where():
    c = np.array([True, False, True])
    same_as_torch(lambda m, k, u, v: m.where(k, u, v), c, np.array([1.0, 2, 3]), np.array([4, 5, 6], np.int32))
    same_as_torch(lambda m, k, u: m.where(k, u, 2.5), c, np.array([1, 2, 3], np.int32))
    same_as_torch(lambda m, k, u, v: m.where(k, u, v), c.astype(np.float32), np.ones(3), np.zeros(3))
    mine, theirs = lm.where(lm.tensor([[True, False], [False, True]])), torch.where(torch.eye(2, dtype=bool))
    assert len(mine) == 2 and all(a.tolist() == b.tolist() and a.dtype == np.int64 for a, b in zip(mine, theirs))
    same_as_torch(lambda m, k, u, v: m.where(k, u, v), c, np.ones(2), np.zeros(2))


def test_add_and_sub_alpha():
    f, i = np.array([1.0, 0.0, 2.0], np.float32), np.array([1, 0, 2])
    for fn in (lambda m, u: m.add(u, u, alpha=2), lambda m, u: m.sub(u, 3, alpha=2), lambda m, u: m.rsub(u, 3, alpha=2),
               lambda m, u: m.add(u, u, alpha=2.5), lambda m, u: m.add(u, u, alpha=True),
               lambda m, u: u.subtract(u, alpha=-1), lambda m, u: m.multiply(u, 3)):
        same_as_torch(fn, f)
        same_as_torch(fn, i)


# ---- bad calls: PyTorch's exception types ----------------------------------------------------------------
def test_bad_operands_raise_what_pytorch_raises():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    i = np.array([1, 2, 3])
    calls = [
        lambda m, u: u + [1, 2, 3], lambda m, u: m.mul(u, (1, 2, 3)), lambda m, u: u < [1, 2, 3],  # lists
        lambda m, u: u * 2**70, lambda m, u: m.add(u, -2**64), lambda m, u: u.clamp(0, 2**65),    # beyond int64
        lambda m, u: m.exp(2.0), lambda m, u: m.neg(3), lambda m, u: m.isnan(float("nan")),       # not tensors
        lambda m, u: m.maximum(u, 1.0), lambda m, u: m.atan2(1.0, u), lambda m, u: m.logical_and(u, True),
        lambda m, u: m.where(True, u, u), lambda m, u: m.div(u, 2, rounding_mode=3), lambda m, u: m.clamp_min(u, None),
        lambda m, u: m.remainder(2, 3), lambda m, u: m.fmod(2, u), lambda m, u: m.isclose(u, 1.0),
    ]
    for call in calls:
        same_as_torch(call, x)
        same_as_torch(call, i)


@pytest.mark.filterwarnings("ignore:where received a uint8 condition:UserWarning")
def test_calls_pytorch_accepts():
    ints = np.array([7, -7, 3])
    same_as_torch(lambda m, u: m.exp(u), ints)                                          # integers give float32
    same_as_torch(lambda m, u: m.sqrt(u), np.array([True, False]))
    same_as_torch(lambda m, u: m.fmod(u, 0), ints[:0])                                  # nothing is divided
    same_as_torch(lambda m, u, v: m.clamp(u, v, 2.5), ints.astype(np.uint8), np.array(1, np.int8))  # 0-d: a number
    same_as_torch(lambda m, k, u: m.where(k, u, 0.5), np.array([1, 0, 1], np.uint8), ints)  # uint8 condition
    same_as_torch(lambda m, u: m.pow(u, -0.5), np.array([0.3, 2.0, 7.0], np.float16))  # float16 rounded once


def test_three_input_ops_check_every_shape_even_after_a_0d_input():
    zero, a, b = np.array(1.0, np.float32), np.ones((2, 3), np.float32), np.ones(4, np.float32)
    for name, fn in (("clamp", lambda m, u, v, w: m.clamp(u, v, w)), ("lerp", lambda m, u, v, w: m.lerp(u, v, w)),
                     ("where", lambda m, u, v, w: m.where(u > 0, v, w))):
        same_as_torch(fn, zero, a, b)
        with pytest.raises(RuntimeError, match=rf"{name}: shapes \(\) and \(2, 3\) and \(4,\) do not broadcast"):
            fn(lm, lm.from_numpy(zero), lm.from_numpy(a), lm.from_numpy(b))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum", "eq"])
@pytest.mark.parametrize("dtype", ["int8", "bool", "float16", "int64"])
@pytest.mark.parametrize("scalar", [np.True_, np.False_])
def test_numpy_bool_scalar_counts_as_a_float_as_in_torch(op, dtype, scalar):
    import torch
    data = np.array([1, 0, 3]).astype(dtype)
    for order in (0, 1):
        def call(lib):
            t = lib.from_numpy(data.copy())
            return getattr(lib, op)(*((t, scalar) if order == 0 else (scalar, t)))
        try:
            expected = call(torch)
        except (RuntimeError, TypeError) as err:
            with pytest.raises(type(err)):
                call(lm)
            continue
        got = call(lm)
        assert got.dtype == np.dtype(str(expected.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("dtypes", [("bool", "bool", "bool"), ("float32", "bool", "bool"), ("bool", "float32", "float32"),
                                    ("int64", "bool", "bool"), ("bool", "int64", "int64"), ("bool", "bool", "float32")])
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_with_bool_tensors_match_torch(op, dtypes):
    import torch
    arrays = [np.array([1, 0, 1]).astype(d) for d in dtypes]
    try:
        expected = getattr(torch, op)(*(torch.from_numpy(a.copy()) for a in arrays), value=2)
    except (RuntimeError, TypeError) as err:
        with pytest.raises(type(err)):
            getattr(lm, op)(*(lm.from_numpy(a.copy()) for a in arrays), value=2)
        return
    got = getattr(lm, op)(*(lm.from_numpy(a.copy()) for a in arrays), value=2)
    assert got.dtype == np.dtype(str(expected.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def _same(got, expected):
    assert got.dtype == np.dtype(str(expected.dtype).replace("torch.", "")) and got.shape == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy())


@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("int64", "int64"), ("float64", "int64"), ("float16", "int32"),
                                    ("float32", "float32")])
def test_ldexp_matches_torch_with_gradients(dtypes):
    import torch
    x, e = np.array([1.5, -2.0, 0.25]).astype(dtypes[0]), np.array([2, 3, -1]).astype(dtypes[1])
    expected = torch.ldexp(torch.from_numpy(x), torch.from_numpy(e))
    _same(lm.ldexp(lm.from_numpy(x), lm.from_numpy(e)), expected)
    _same(lm.from_numpy(x).ldexp(lm.from_numpy(e)), expected)
    if dtypes == ("float32", "float32"):
        tx, te = torch.tensor(x, requires_grad=True), torch.tensor(e, requires_grad=True)
        lx, le = lm.tensor(x, requires_grad=True), lm.tensor(e, requires_grad=True)
        torch.ldexp(tx, te).sum().backward()
        lm.ldexp(lx, le).sum().backward()
        np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(le.grad.numpy(), te.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["gcd", "lcm"])
@pytest.mark.parametrize("dtypes", [("int64", "int32"), ("int8", "int8"), ("uint8", "int64"), ("float32", "float32"),
                                    ("bool", "bool")])
def test_gcd_lcm_match_torch(op, dtypes):
    import torch
    a, b = np.array([4, 6, 0, -12, 7]).astype(dtypes[0]), np.array([6, 9, 0, 8, 1]).astype(dtypes[1])
    try:
        expected = getattr(torch, op)(torch.from_numpy(a), torch.from_numpy(b))
    except (RuntimeError, TypeError) as err:
        with pytest.raises(type(err)):
            getattr(lm, op)(lm.from_numpy(a), lm.from_numpy(b))
        return
    _same(getattr(lm, op)(lm.from_numpy(a), lm.from_numpy(b)), expected)
    if dtypes[0] == dtypes[1]:
        _same(getattr(lm.from_numpy(a.copy()), op + "_")(lm.from_numpy(b)), expected)


@pytest.mark.parametrize("call", [
    lambda lib: lib.isreal(lib.tensor([1.5, -2.0])), lambda lib: lib.absolute(lib.tensor([1.5, -2.0])),
    lambda lib: lib.tensor([[-1, 2]]).absolute(), lambda lib: lib.isin(lib.tensor([4, 6, 7]), lib.tensor([6, 7])),
    lambda lib: lib.isin(lib.tensor([1.5, 2.0]), lib.tensor([1.5]), invert=True), lambda lib: lib.isin(4, lib.tensor([4, 6])),
    lambda lib: lib.isin(lib.tensor([[4, 6], [1, 2]]), 6), lambda lib: lib.tensor([1.0, 2.0]).conj(),
    lambda lib: lib.tensor([1.0, 2.0]).resolve_neg()])
def test_small_torch_functions_match(call):
    import torch
    _same(call(lm), call(torch))


def test_tensor_facts_match_torch():
    import torch
    for expr in ("x.is_same_size(x[None])", "x.is_same_size(x * 2)", "x.is_inference()", "x.is_neg()", "x.is_conj()",
                 "x.conj() is x", "x[:1].is_nonzero()"):
        assert eval(expr, {"x": lm.tensor([1.5, 0.0])}) == eval(expr, {"x": torch.tensor([1.5, 0.0])}), expr
