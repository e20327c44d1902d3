"""Reductions (lamina/ops/reduction.py): finite-difference gradients, also for generated shapes and
dims, second derivatives, PyTorch as the oracle (float64: atol 1e-6; float32: rtol 1e-4; argmax and
argmin), and logsumexp's stability at |x| = 1e4 in float32."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm

# ---- finite differences ----------------------------------------------------------------------------
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


SECOND_ORDER = {"logsumexp": lambda x: x.logsumexp(1), "var": lambda x: x.var(1)}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4)
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_reduction_gradients_for_generated_shapes_and_dims(r, shape, data):  # positional @given: fixtures first
    x = r(*shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    assert lm.gradcheck(lambda t: t.sum(dim, keepdim) * t.mean(dim, keepdim) + t.logsumexp(dim, keepdim), x)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "sum": (lambda x: x.sum(1), lambda x: x.sum(1), [(3, 4, 2)], False),
    "mean": (lambda x: x.mean((0, 2), keepdim=True), lambda x: x.mean((0, 2), keepdim=True), [(3, 4, 2)], False),
    "max": (lambda x: x.max(1)[0], lambda x: x.max(1)[0], [(3, 4, 2)], False),
    "min": (lambda x: x.min(), lambda x: x.min(), [(3, 4)], False),
    "var": (lambda x: x.var(1), lambda x: x.var(1), [(3, 4)], False),
    "std": (lambda x: x.std(0, keepdim=True), lambda x: x.std(0, keepdim=True), [(3, 4)], False),
    "prod": (lambda x: x.prod(1), lambda x: x.prod(1), [(3, 4)], False),
    "logsumexp": (lambda x: x.logsumexp(1), lambda x: x.logsumexp(1), [(3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


def test_argmax_argmin_match_pytorch(rng):
    x = rng.standard_normal((4, 5))
    assert lm.tensor(x).argmax(1).tolist() == torch.tensor(x).argmax(1).tolist()
    assert lm.tensor(x).argmin().item() == torch.tensor(x).argmin().item()
    values, indices = lm.tensor(x).max(dim=0)
    assert indices.tolist() == torch.tensor(x).max(dim=0).indices.tolist()


# ---- stability -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [lambda x: x.logsumexp(1)], ids=["logsumexp"])
def test_finite_values_and_gradients_for_huge_inputs(fn, finite_at_extremes):
    finite_at_extremes(fn)
