"""torch.is_tensor, numel, is_floating_point, is_complex, is_nonzero, result_type, promote_types, can_cast and the
default dtype, compared with PyTorch."""
import numpy as np
import pytest
import torch

import lamina as lm

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def lamina_dtype_name(dtype):
    return np.dtype(dtype).name


def torch_dtype_name(dtype):
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("obj", [lambda lib: lib.ones(2), lambda lib: 3, lambda lib: np.ones(2), lambda lib: [1.0]])
def test_is_tensor_matches_torch(obj):
    assert lm.is_tensor(obj(lm)) == torch.is_tensor(obj(torch))


@pytest.mark.parametrize("shape", [(), (0,), (2, 3), (2, 0, 4)])
def test_numel_matches_torch(shape):
    assert lm.numel(lm.zeros(shape)) == torch.numel(torch.zeros(shape)) == lm.numel(input=lm.zeros(shape))


@pytest.mark.parametrize("name", DTYPES)
def test_is_floating_point_and_is_complex_match_torch(name):
    ours, theirs = lm.zeros(2, dtype=getattr(lm, name if name != "bool" else "bool_")), torch.zeros(2, dtype=getattr(torch, name))
    assert lm.is_floating_point(ours) == torch.is_floating_point(theirs)
    assert lm.is_complex(ours) == torch.is_complex(theirs) is False


@pytest.mark.parametrize("fn", ["numel", "is_floating_point", "is_complex", "is_nonzero"])
def test_facts_of_a_non_tensor_raise_torch_type_error(fn):
    with pytest.raises(TypeError):
        getattr(torch, fn)(3.0)
    with pytest.raises(TypeError):
        getattr(lm, fn)(3.0)


@pytest.mark.parametrize("data", [[1.0], [0.0], [0], [True], 2.5, [float("nan")], [], [1, 2]])
def test_is_nonzero_matches_torch(data):
    try:
        expected = torch.is_nonzero(torch.tensor(data))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            lm.is_nonzero(lm.tensor(data))
        return
    assert lm.is_nonzero(lm.tensor(data)) == expected


def _operand(lib, spec):
    if isinstance(spec, tuple):
        dtype, shape = spec
        return lib.zeros(shape, dtype=getattr(lib, dtype if (dtype != "bool" or lib is torch) else "bool_"))
    return spec


@pytest.mark.parametrize("a, b", [
    (("float32", (2,)), 2.5), (("int32", (2,)), 2.5), (("int32", (2,)), ("int64", (2,))),
    (("int8", (2,)), ("int64", ())), (("uint8", (2,)), -1), (2, 2.5), (2, 3), (True, False),
    (("float64", ()), ("int32", (2,))), (("bool", (3,)), 1), (("float16", (2,)), ("int64", (2,))),
    (("int16", ()), ("float16", ())), (1.5, ("int8", (2,)))])
def test_result_type_matches_torch(a, b):
    expected = torch.result_type(_operand(torch, a), _operand(torch, b))
    assert lamina_dtype_name(lm.result_type(_operand(lm, a), _operand(lm, b))) == torch_dtype_name(expected)
    if not isinstance(a, (int, float)):
        assert lm.result_type(tensor=_operand(lm, a), other=_operand(lm, b)) == lm.result_type(_operand(lm, a), _operand(lm, b))


def test_result_type_of_none_raises_torch_type_error():
    with pytest.raises(TypeError):
        torch.result_type(torch.ones(2), None)
    with pytest.raises(TypeError):
        lm.result_type(lm.ones(2), None)


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_and_can_cast_match_torch(a, b):
    la, lb = (getattr(lm, n if n != "bool" else "bool_") for n in (a, b))
    ta, tb = getattr(torch, a), getattr(torch, b)
    assert lamina_dtype_name(lm.promote_types(la, lb)) == torch_dtype_name(torch.promote_types(ta, tb))
    assert lm.can_cast(la, lb) == torch.can_cast(ta, tb)
    assert lm.can_cast(from_=la, to=lb) == torch.can_cast(from_=ta, to=tb)


def test_promote_types_and_can_cast_refuse_a_non_dtype_with_type_error():
    for call in (lambda lib: lib.promote_types(lib.float32, 3), lambda lib: lib.can_cast(lib.float32, 1)):
        with pytest.raises(TypeError):
            call(torch)
        with pytest.raises(TypeError):
            call(lm)


def test_default_dtype_is_float32_as_torch_and_set_refuses_integers():
    assert lamina_dtype_name(lm.get_default_dtype()) == torch_dtype_name(torch.get_default_dtype()) == "float32"
    lm.set_default_dtype(lm.float32)
    assert lm.tensor([1.0]).dtype == lm.get_default_dtype()
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    with pytest.raises(TypeError):
        lm.set_default_dtype(lm.int64)
    with pytest.raises(RuntimeError, match="float32"):
        lm.set_default_dtype(lm.float64)
