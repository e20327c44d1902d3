"""Conversions against PyTorch: dtype methods, astype/to, gradients through floating casts, clone, contiguous."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina.ops.conversion import cast

VALUES = np.array([[-2.7, -1.0, -0.4, 0.0], [0.5, 1.5, 3.9, 250.0]])
SOURCES = ["float32", "float64", "int64"]
TORCH_DTYPES = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64,
                "int32": torch.int32, "int64": torch.int64, "bool": torch.bool}


def pair(source):
    """The same values as a Lamina and a PyTorch tensor of dtype ``source``."""
    array = VALUES.astype(source)
    return lm.tensor(array, dtype=source), torch.tensor(array)


def assert_same(ours, theirs):
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("method", ["float", "double", "long", "int", "bool"])
def test_dtype_methods_match_torch(method):
    for source in SOURCES:
        x, xt = pair(source)
        assert_same(getattr(x, method)(), getattr(xt, method)())


@pytest.mark.parametrize("target", list(TORCH_DTYPES))
def test_astype_to_and_cast_match_torch(target):
    for source in SOURCES:
        x, xt = pair(source)
        expected = xt.to(TORCH_DTYPES[target])
        assert_same(x.astype(target), expected)
        assert_same(x.to(target), expected)
        assert_same(cast(x, np.dtype(target)), expected)


def test_dtype_names_are_accepted_in_every_spelling():
    x = lm.tensor(VALUES, dtype=lm.float32)
    assert x.to(lm.float64).dtype == np.float64
    assert x.to(float).dtype == np.float64
    assert x.astype(np.int32).dtype == np.int32


def test_cast_to_the_same_dtype_is_the_same_tensor():
    x32 = lm.tensor(VALUES, dtype=lm.float32, requires_grad=True)
    x64 = lm.tensor(VALUES, dtype=lm.float64, requires_grad=True)
    assert x32.float() is x32 and x32.to("float32") is x32 and x32.astype(np.float32) is x32
    assert x64.double() is x64


@pytest.mark.parametrize("source, target", [("float64", "float32"), ("float32", "float64"), ("float32", "float16"),
                                            ("float16", "float32")])
def test_gradient_through_a_floating_cast_matches_torch(source, target):
    x, xt = pair(source)
    x.requires_grad_(True)
    xt.requires_grad_(True)
    upstream = np.random.default_rng(3).standard_normal(VALUES.shape).astype(target)
    (x.to(target) * lm.tensor(upstream, dtype=target)).sum().backward()
    (xt.to(TORCH_DTYPES[target]) * torch.tensor(upstream)).sum().backward()
    assert x.grad.dtype == np.dtype(source)
    assert_same(x.grad, xt.grad)


def test_chain_of_casts_matches_torch(matches_pytorch):
    matches_pytorch("cast chain", "float64", lambda x: (x.float() * x.float()).double() + x,
                    lambda x: (x.float() * x.float()).double() + x, [(3, 4)], False)


def test_integer_casts_leave_the_graph():
    x = lm.tensor(VALUES, dtype=lm.float32, requires_grad=True)
    xt = torch.tensor(VALUES, requires_grad=True)
    for method in ["long", "int", "bool"]:
        assert not getattr(x, method)().requires_grad
        assert not getattr(xt, method)().requires_grad


def test_integer_to_float_of_a_constant_needs_no_gradient():
    y = lm.tensor([1, 2, 3], dtype=lm.int64).float()
    assert y.dtype == np.float32 and not y.requires_grad


def test_clone_is_an_independent_copy():
    x = lm.tensor(VALUES, dtype=lm.float64)
    y = x.clone()
    assert y is not x and not np.shares_memory(y.numpy(), x.numpy())
    np.testing.assert_array_equal(y.numpy(), VALUES)
    y.data[0, 0] = 99.0
    assert x.data[0, 0] == -2.7


def test_clone_passes_the_gradient_to_its_source(matches_pytorch):
    matches_pytorch("clone", "float64", lambda x, w: x.clone() * w + x, lambda x, w: x.clone() * w + x,
                    [(3, 4), (3, 4)], False)


def test_contiguous_of_a_transpose_has_the_values_of_torch():
    """Lamina's ``contiguous`` is documented as the tensor itself; the values are PyTorch's."""
    x = lm.tensor(VALUES, dtype=lm.float64, requires_grad=True)
    t = x.T
    c = t.contiguous()
    assert c is t
    ct = torch.tensor(VALUES).T.contiguous()
    np.testing.assert_array_equal(c.detach().numpy(), ct.numpy())
    c.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(VALUES))
