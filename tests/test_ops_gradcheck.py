"""Finite-difference checks of every core op's gradient: several shapes, broadcasting,
non-contiguous inputs; second derivatives for a handful of ops."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm
import lamina.functional as F


UNARY = {
    "neg": lambda x: -x, "exp": lm.exp, "log": lambda x: lm.log(x), "log1p": lm.log1p, "sqrt": lm.sqrt,
    "abs": lm.abs, "sin": lm.sin, "cos": lm.cos, "pow3": lambda x: x**3, "pow_half": lambda x: x**0.5,
    "rpow": lambda x: 2.0**x, "rdiv": lambda x: 1.0 / x, "clamp": lambda x: x.clamp(-0.5, 0.6),
    "sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "elu": F.elu, "selu": F.selu, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "softplus": F.softplus, "softplus_beta": lambda x: F.softplus(x, beta=2.0, threshold=1.0),
    "softsign": F.softsign, "hardtanh": F.hardtanh, "softmax": lambda x: F.softmax(x, -1),
    "softmax0": lambda x: F.softmax(x, dim=0), "log_softmax": lambda x: F.log_softmax(x, 1),
}
POSITIVE = {"log", "log1p", "sqrt", "pow_half", "rdiv"}
KINKED = {"abs", "relu", "leaky_relu", "clamp", "hardtanh", "elu", "selu", "softplus_beta"}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_unary_ops(name, shape, r):
    fn = UNARY[name]
    if name == "log_softmax" and len(shape) < 2:
        shape = (2, 5)
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


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 2))])
def test_matmul_batched_and_1d(shapes, r):
    assert lm.gradcheck(lm.matmul, r(*shapes[0]), r(*shapes[1]))


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3)])
def test_linear(with_bias, x_shape, r):
    args = [r(*x_shape), r(4, 3)] + ([r(4)] if with_bias else [])
    assert lm.gradcheck(F.linear, *args)


REDUCTIONS = {
    "sum": lambda x: x.sum(), "sum1": lambda x: x.sum(1), "sum_keep": lambda x: x.sum(dim=(0, 2), keepdim=True),
    "mean": lambda x: x.mean(), "mean_axis": lambda x: x.mean(axis=-1, keepdim=True),
    "max": lambda x: x.max(), "max_dim": lambda x: x.max(dim=1).values, "min_dim": lambda x: x.min(2, keepdim=True)[0],
    "amax": lambda x: x.amax(dim=(1, 2)), "var": lambda x: x.var(1), "var_biased": lambda x: x.var(correction=0),
    "std": lambda x: x.std(dim=0), "prod": lambda x: x.prod(), "prod_dim": lambda x: x.prod(dim=1),
    "logsumexp": lambda x: x.logsumexp(dim=1), "logsumexp_all": lambda x: lm.logsumexp(x),
    "norm": lambda x: x.norm(),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name, r):
    assert lm.gradcheck(REDUCTIONS[name], r(2, 3, 4, apart=True))


def test_prod_gradient_is_right_at_a_zero(leaf):
    x = leaf([[2.0, 0.0, 3.0], [1.0, 2.0, 4.0]])
    x.prod(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 6.0, 0.0], [8.0, 4.0, 2.0]])


SHAPE_OPS = {
    "reshape": lambda x: x.reshape(4, 6), "view_infer": lambda x: x.view(-1, 2), "flatten": lambda x: x.flatten(1),
    "transpose": lambda x: x.transpose(0, 2), "permute": lambda x: x.permute(2, 0, 1), "T": lambda x: x.T,
    "squeeze_unsqueeze": lambda x: x.unsqueeze(1).squeeze(1), "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "broadcast_to": lambda x: lm.broadcast_to(x, (3, 2, 3, 4)),
    "cat": lambda x: lm.cat([x, x * 2, x[:, :1]], dim=1), "stack": lambda x: lm.stack([x, x.exp()], dim=-1),
    "split": lambda x: x.split([1, 2], dim=1)[1], "chunk": lambda x: x.chunk(2, dim=2)[0],
    "pad": lambda x: F.pad(x, (1, 2, 0, 1)), "flip": lambda x: x.flip((0, 2)), "roll": lambda x: x.roll(1, 2),
    "roll_flat": lambda x: x.roll(3), "getitem_basic": lambda x: x[1, ::2, 1:3],
    "getitem_ellipsis": lambda x: x[..., None, 2], "getitem_repeated": lambda x: x[[0, 1, 1, 0], [2, 2, 0, 2]],
    "getitem_mask": lambda x: x[x.detach() > 0], "index_select": lambda x: x.index_select(1, lm.tensor([2, 0, 2])),
    "gather": lambda x: x.gather(2, lm.tensor(np.array([[[0, 3, 3]] * 3] * 2))),
    "masked_fill": lambda x: x.masked_fill(x.detach() > 0.5, 0.0),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_and_indexing_ops(name, r):
    assert lm.gradcheck(SHAPE_OPS[name], r(2, 3, 4))


@pytest.mark.parametrize("name", ["add", "mul", "div"])
def test_non_contiguous_inputs(name, r):
    a = r(4, 3).T              # a transposed view
    b = r(3, 8)[:, ::2]        # a strided slice
    assert not a.data.flags.c_contiguous and not b.data.flags.c_contiguous
    assert lm.gradcheck(BINARY[name], a, b)
    assert lm.gradcheck(lambda u, v: u @ v.T, a, b)


def test_repeated_indices_accumulate(leaf):
    x = leaf([1.0, 2.0, 3.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_step_has_zero_gradient(leaf):
    x = leaf([-1.0, 0.0, 2.0])
    y = F.step(x)
    assert y.tolist() == [0.0, 0.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


SECOND_ORDER = {
    "tanh": F.tanh, "sigmoid": F.sigmoid, "exp": lm.exp, "log": lm.log, "mul_sum": lambda x: (x * x * x).sum(),
    "softmax": lambda x: F.softmax(x, -1), "log_softmax": lambda x: F.log_softmax(x, -1),
    "logsumexp": lambda x: x.logsumexp(1), "matmul": lambda x: x @ x.T, "sqrt": lm.sqrt, "div": lambda x: 1 / x,
    "gelu": F.gelu, "softplus": F.softplus, "var": lambda x: x.var(1), "getitem": lambda x: (x[[0, 0, 1]] ** 2),
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


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_reduction_gradients_for_generated_shapes_and_dims(r, shape, data):
    x = r(*shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    assert lm.gradcheck(lambda t: t.sum(dim, keepdim) * t.mean(dim, keepdim) + t.logsumexp(dim, keepdim), x)
