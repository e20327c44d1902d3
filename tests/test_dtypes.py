"""lamina/dtypes.py: Lamina's dtypes print as PyTorch's do and stand in for NumPy's everywhere."""
import copy
import pickle

import numpy as np
import pytest
import torch

import lamina as lm

NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("name", NAMES)
def test_a_dtype_prints_as_pytorch_prints_its_own(name):
    ours = getattr(lm, name)
    assert repr(ours) == str(ours) == repr(getattr(torch, name)).replace("torch.", "lamina.")
    assert str(lm.zeros(2, dtype=ours).dtype) == f"lamina.{name}"


@pytest.mark.parametrize("name", NAMES)
def test_a_dtype_has_pytorchs_properties(name):
    ours, theirs = getattr(lm, name), getattr(torch, name)
    assert (ours.is_floating_point, ours.is_complex, ours.is_signed, ours.itemsize) == \
        (theirs.is_floating_point, theirs.is_complex, theirs.is_signed, theirs.itemsize)


def test_pytorchs_other_names_are_the_same_objects():
    assert lm.float is lm.float32 and lm.double is lm.float64 and lm.half is lm.float16
    assert lm.long is lm.int64 and lm.int is lm.int32 and lm.short is lm.int16 and lm.bool is lm.bool_
    assert lm.tensor([1.0]).dtype is lm.float32 and lm.tensor([1]).dtype is lm.int64
    assert lm.tensor([True]).dtype is lm.bool and lm.get_default_dtype() is lm.float32


def test_a_dtype_equals_the_numpy_dtype_type_and_name_it_stands_for():
    x = lm.zeros(2, 3)
    for same in (np.float32, np.dtype("float32"), "float32", lm.float32, x.data.dtype):
        assert x.dtype == same and same == x.dtype and not x.dtype != same
    for other in (np.float64, lm.int64, "int32", None, torch.float32, 3.0, "not a dtype"):
        assert x.dtype != other and not x.dtype == other
    assert hash(lm.float32) == hash(np.dtype(np.float32))
    assert {np.dtype("float32"): "found"}[lm.float32] == "found"
    assert {lm.float64: "found"}[np.dtype("float64")] == "found"


def test_numpy_takes_a_lamina_dtype_wherever_it_takes_a_dtype():
    assert np.zeros(3, lm.int64).dtype == np.int64
    assert np.arange(3).astype(lm.float16).dtype == np.float16
    assert np.asarray([1, 2], dtype=lm.float64).dtype == np.float64
    assert np.dtype(lm.uint8) == np.uint8 and np.finfo(lm.float32).eps == np.finfo(np.float32).eps
    assert np.issubdtype(lm.float32, np.floating) and not np.issubdtype(lm.int32, np.floating)
    assert lm.float32.kind == "f" and lm.float32.name == "float32" and lm.float32.type is np.float32


def test_tensors_take_a_lamina_dtype_a_numpy_one_or_another_tensors():
    x = lm.ones(2)
    assert x.to(lm.float64).dtype is lm.float64 and x.to(np.float64).dtype is lm.float64
    assert x.type(lm.int32).dtype is lm.int32 and x.to(lm.zeros(1, dtype=lm.int8)).dtype is lm.int8
    assert lm.zeros(2, dtype=x.to(lm.float16).dtype).dtype is lm.float16
    assert x.view(lm.int32).dtype is lm.int32
    assert lm.promote_types(lm.int8, lm.uint8) is lm.int16 and lm.result_type(x, 2.5) is lm.float32


def test_a_dtype_survives_pickling_and_copying_as_the_same_object():
    for ours in (lm.float32, lm.bool, lm.int64):
        assert pickle.loads(pickle.dumps(ours)) is ours and copy.deepcopy(ours) is ours


def test_messages_name_the_dtype_as_pytorch_does():
    with pytest.raises(lm.errors.DtypeError, match=r"has dtype lamina\.int64"):
        lm.zeros(2, dtype=lm.int64).requires_grad_()
