"""Bitwise and logical ops (lamina/ops/bitwise.py) against PyTorch: values and dtypes over integer and bool
dtypes and Python scalars, shifts past the bit width, the errors for floating tensors and shapes that do not
broadcast, and the operators with their reflected forms."""
import operator

import numpy as np
import pytest
import torch

import lamina as lm
from lamina.errors import ArgumentError

INTEGRAL = ["bool", "uint8", "int8", "int16", "int32", "int64"]
VALUES = {"bool": [True, False, True, False], "uint8": [0, 5, 200, 255], "int8": [-128, -3, 5, 127],
          "int16": [-7, 0, 300, -300], "int32": [-2**31, -1, 5, 2**31 - 1], "int64": [7, -3, 0, 2**40]}
OTHERS = {"bool": [True, True, False, False], "uint8": [3, 1, 7, 2], "int8": [1, -2, 3, 7],
          "int16": [2, 5, 3, 1], "int32": [1, 3, 31, 2], "int64": [3, 1, 2, 30]}
BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]
OPERATORS = {"&": operator.and_, "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift}


def run(fn, *operands):
    """fn on Lamina and on torch operands (numpy arrays become tensors, scalars stay): (result or exception)."""
    out = []
    for module, make in ((lm, lm.from_numpy), (torch, torch.from_numpy)):
        args = [make(a.copy()) if isinstance(a, np.ndarray) else a for a in operands]
        try:
            out.append(fn(module, *args))
        except Exception as error:
            out.append(error)
    return out


def assert_same(fn, *operands):
    mine, theirs = run(fn, *operands)
    if isinstance(theirs, Exception):
        assert isinstance(mine, type(theirs)), f"PyTorch raised {theirs!r}, Lamina gave {mine!r}"
        return
    assert not isinstance(mine, Exception), f"Lamina raised {mine!r}, PyTorch gave {theirs}"
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "lamina.")
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("a", INTEGRAL + ["float32"])
def test_binary_ops_match_pytorch_over_dtypes(name, a):
    x = np.array(VALUES.get(a, [1.5, 2.0, 0.0, -1.0]), dtype=a)
    for b in INTEGRAL + ["float64"]:
        y = np.array(OTHERS.get(b, [1.0, 2.0, 3.0, 4.0]), dtype=b)
        assert_same(lambda m, u, v: getattr(m, name)(u, v), x, y)
        assert_same(lambda m, u, v: getattr(m, name)(u, v), x, y[:1].reshape(()))  # a 0-d other
    for scalar in (True, 3, -2, 1.5, np.int64(2)):
        assert_same(lambda m, u: getattr(m, name)(u, scalar), x)
        assert_same(lambda m, u: getattr(m, name)(scalar, u), x)


@pytest.mark.parametrize("symbol", sorted(OPERATORS))
def test_operators_and_reflected_operators(symbol):
    op = OPERATORS[symbol]
    x = np.array(VALUES["int32"], dtype=np.int32)
    y = np.array(OTHERS["int64"], dtype=np.int64)
    assert_same(lambda m, u, v: op(u, v), x, y)
    assert_same(lambda m, u: op(u, 3), x)
    assert_same(lambda m, u: op(6, u), np.array([1, 2, 3], np.int16))
    b = np.array(VALUES["bool"])
    assert_same(lambda m, u, v: op(u, v), b, np.array(OTHERS["bool"]))


def test_bitwise_ops_on_integers_are_not_logical():
    x = lm.tensor([5, 6, 12], dtype=np.int32)
    assert (x & 3).dtype == np.int32 and (x & 3).tolist() == [1, 2, 0]
    assert (x | 1).tolist() == [5, 7, 13] and (~x).tolist() == [-6, -7, -13]
    mask = lm.tensor([True, False])
    assert (~mask).tolist() == [False, True] and (mask & True).dtype == np.bool_


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8"])
def test_shifts_beyond_the_bit_width_as_pytorch(dtype):
    bits = np.dtype(dtype).itemsize * 8
    values = np.array([1, 3, 100, 7, 0, 5, 9], dtype=dtype)
    if dtype != "uint8":
        values = values * np.array([1, -1, 1, -1, 1, -1, 1], dtype=dtype)
    counts = np.array([0, 1, bits - 1, bits, bits + 5, 3, 2], dtype=dtype)
    if dtype != "uint8":
        counts[-1] = -1  # a negative count
    for name in ("bitwise_left_shift", "bitwise_right_shift"):
        assert_same(lambda m, u, v: getattr(m, name)(u, v), values, counts)


@pytest.mark.parametrize("dtype", INTEGRAL + ["float32"])
def test_bitwise_not(dtype):
    x = np.array(VALUES.get(dtype, [1.5, 2.0, 0.0, -1.0]), dtype=dtype)
    assert_same(lambda m, u: m.bitwise_not(u), x)
    assert_same(lambda m, u: ~u, x)
    assert_same(lambda m, u: u.bitwise_not(), x[:0])  # empty


def test_floating_tensors_are_refused_with_pytorchs_type():
    x = lm.tensor([1.0, 2.0])
    for fn in (lambda: x & x, lambda: x | 1, lambda: lm.bitwise_xor(x, x), lambda: x << 1, lambda: ~x,
               lambda: lm.tensor([1, 2]) & 1.5):
        with pytest.raises(NotImplementedError, match="not implemented for dtype float"):
            fn()
    with pytest.raises(NotImplementedError, match="bitwise_left_shift"):
        lm.tensor([True]) << lm.tensor([True])  # shifts take no bools either
    with pytest.raises(TypeError):
        lm.bitwise_and(1, 2)


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_ops_take_any_dtype_and_give_bool(name):
    x = np.array([0.0, 1.5, np.nan, -0.0], dtype=np.float32)
    for b in ["bool", "int64", "uint8", "float64"]:
        y = np.array([1, 0, 0, 1], dtype=b)
        assert_same(lambda m, u, v: getattr(m, name)(u, v), x, y)
        assert_same(lambda m, u, v: getattr(u, name)(v), x, y)
    assert_same(lambda m, u: getattr(m, name)(u, 1), x)  # a number: PyTorch's TypeError


def test_logical_not():
    for dtype in ["bool", "int32", "float64"]:
        assert_same(lambda m, u: m.logical_not(u), np.array([0, 1, 2, 0], dtype=dtype))
        assert_same(lambda m, u: u.logical_not(), np.zeros((2, 0), dtype=dtype))


def test_shapes_that_do_not_broadcast_name_the_op():
    a, b = lm.ones(2, 3, dtype=np.int64), lm.ones(4, dtype=np.int64)
    for name in BINARY + ["logical_and", "logical_xor"]:
        with pytest.raises(ArgumentError, match=rf"{name}: shapes \(2, 3\) and \(4,\) do not broadcast"):
            getattr(lm, name)(a, b)
    with pytest.raises(RuntimeError, match="bitwise_and"):
        a & b


def test_no_gradient_flows():
    x = lm.tensor([1.0, 0.0], requires_grad=True)
    assert not lm.logical_and(x, x).requires_grad and not lm.logical_not(x).requires_grad
