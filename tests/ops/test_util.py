"""The ops' shared helpers (lamina/ops/_util.py): PyTorch's type promotion (``result_type``, ``promote``) against
torch.result_type for tensors with dimensions, 0-d tensors, and Python and NumPy scalars."""
import itertools

import numpy as np
import pytest
import torch

import lamina as lm
from lamina.errors import DtypeError
from lamina.ops._util import promote, result_type

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, -2, 2.5, np.int64(3), np.int32(-1), np.float64(1.5), np.float32(0.5), np.True_]


def operand(kind, dtype):
    """A Lamina and a torch operand: a tensor with dimensions ("dim") or a 0-d tensor ("zero")."""
    data = np.ones((2,) if kind == "dim" else (), dtype=dtype)
    return lm.from_numpy(data), torch.from_numpy(data)


@pytest.mark.parametrize("kinds", [("dim", "dim"), ("dim", "zero"), ("zero", "dim"), ("zero", "zero")])
def test_result_type_of_two_tensors_matches_pytorch(kinds):
    for a, b in itertools.product(DTYPES, DTYPES):
        (la, ta), (lb, tb) = operand(kinds[0], a), operand(kinds[1], b)
        expected = str(torch.result_type(ta, tb)).removeprefix("torch.")
        assert str(result_type(la, lb)) == expected, (kinds, a, b)


@pytest.mark.parametrize("kind", ["dim", "zero"])
def test_result_type_with_a_scalar_matches_pytorch(kind):
    for dtype, scalar in itertools.product(DTYPES, SCALARS):
        lt, tt = operand(kind, dtype)
        torch_scalar = scalar  # NumPy scalars as they are: PyTorch reads np.True_ as a float
        expected = str(torch.result_type(tt, torch_scalar)).removeprefix("torch.")
        assert str(result_type(lt, scalar)) == expected, (dtype, scalar)
        assert str(result_type(scalar, lt)) == expected, (dtype, scalar)


def test_result_type_of_three_operands():
    i32 = lm.from_numpy(np.ones(2, np.int32))
    f64_0d = lm.from_numpy(np.array(1.0))
    u8 = lm.from_numpy(np.ones(2, np.uint8))
    i8 = lm.from_numpy(np.ones(2, np.int8))
    assert result_type(i32, f64_0d, 2.5) == np.float64     # a 0-d float beats int dims, the scalar does not count
    assert result_type(u8, i8, 1) == np.int16
    assert result_type(u8, True, 2.5) == np.float32          # the float scalar: the default float32
    assert result_type(lm.from_numpy(np.ones(2, bool)), 7) == np.int64


def test_promote_converts_operands_as_pytorch_computes():
    x = lm.ones(3)
    assert promote(x, x) == (x, x)  # one dtype: the same tensors, no copy
    a, b = promote(x, 2.5)
    assert a is x and b.dtype == np.float32 and b.ndim == 0
    i8 = lm.from_numpy(np.array([1, 2], np.int8))
    a, b = promote(i8, 1000)  # the scalar wraps into int8, as in PyTorch (i8 + 1000 == i8 - 24)
    assert a.dtype == b.dtype == np.int8
    np.testing.assert_array_equal((i8 + 1000).numpy(), (torch.tensor([1, 2], dtype=torch.int8) + 1000).numpy())
    a, b, c = promote(lm.from_numpy(np.ones(2, np.int32)), 2, np.float64(0.5))
    assert a.dtype == b.dtype == c.dtype == np.float32


def test_promote_casts_a_tensor_that_requires_grad_differentiably():
    x32 = lm.tensor([1.0, 2.0], requires_grad=True)
    x64 = lm.tensor([3.0, 4.0], dtype=np.float64, requires_grad=True)
    y = x32 * x64
    assert y.dtype == np.float64
    y.sum().backward()
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64
    np.testing.assert_allclose(x32.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(x64.grad.numpy(), [1.0, 2.0])


def test_numpy_scalars_are_taken_where_python_numbers_are():
    x = lm.ones(2)
    for scalar in (np.float64(2.0), np.float32(2.0), np.int64(2), np.int16(2)):
        assert (x * scalar).dtype == np.float32 and (scalar * x).dtype == np.float32
    assert (lm.arange(3) * np.float64(0.5)).dtype == np.float32
    assert (lm.from_numpy(np.ones(2, np.int32)) + np.int64(1)).dtype == np.int32


def test_objects_that_are_not_numbers_are_refused():
    with pytest.raises(TypeError):
        lm.ones(2) + "a"
    with pytest.raises(TypeError):
        lm.ones(2) * None
    assert (lm.ones(2) == None) is False
    assert (lm.ones(2) != "a") is True


def test_unsupported_dtype_error_is_what_pytorch_code_catches():
    assert issubclass(DtypeError, NotImplementedError)
    assert issubclass(DtypeError, RuntimeError) and issubclass(DtypeError, DtypeError)
