"""Elementwise arithmetic (lamina/ops/arithmetic.py): finite-difference gradients on several shapes,
with broadcasting and non-contiguous inputs, second derivatives, PyTorch as the oracle (float64: atol
1e-6; float32: rtol 1e-4), the dtype of mixed operands, and the error for shapes that do not broadcast."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm

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
