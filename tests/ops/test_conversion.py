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
    """A transpose is not contiguous: ``contiguous`` copies it (as torch); a contiguous tensor is returned as is."""
    x = lm.tensor(VALUES, dtype=lm.float64, requires_grad=True)
    t = x.T
    c = t.contiguous()
    assert x.contiguous() is x and c is not t
    assert (t.is_contiguous(), c.is_contiguous()) == (False, True) == (torch.tensor(VALUES).T.is_contiguous(), True)
    ct = torch.tensor(VALUES).T.contiguous()
    np.testing.assert_array_equal(c.detach().numpy(), ct.numpy())
    c.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(VALUES))


# ---- type strings, more dtypes, devices ---------------------------------------------------------------------
ALL_DTYPES = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64, "int8": torch.int8,
              "int16": torch.int16, "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8,
              "bool": torch.bool}


@pytest.mark.parametrize("name", list(ALL_DTYPES))
def test_type_without_argument_names_the_tensor_type_as_torch(name):
    assert lm.zeros(2, dtype=name).type() == torch.zeros(2, dtype=ALL_DTYPES[name]).type()


@pytest.mark.parametrize("target", ["torch.FloatTensor", "torch.DoubleTensor", "torch.LongTensor", "torch.IntTensor",
                                    "torch.BoolTensor", "torch.HalfTensor", "torch.ByteTensor", "torch.ShortTensor",
                                    "torch.CharTensor"])
def test_type_with_a_type_string_converts_as_torch(target):
    for source in SOURCES:
        x, xt = pair(source)
        assert_same(x.type(target), xt.type(target))
        assert x.type(target).type() == target


def test_type_with_a_dtype_converts_differentiably():
    x, xt = pair("float32")
    x.requires_grad_()
    xt.requires_grad_()
    assert x.type(lm.float32) is x and x.type("torch.FloatTensor") is x
    (x.type(lm.float64) * 3).sum().backward()
    (xt.type(torch.float64) * 3).sum().backward()
    assert_same(x.grad, xt.grad)


def test_type_with_a_bad_argument_raises_as_torch():
    x, xt = pair("float32")
    for bad, error in (("torch.Foo", ValueError), (5, TypeError)):
        with pytest.raises(error):
            xt.type(bad)
        with pytest.raises(error):
            x.type(bad)


@pytest.mark.parametrize("method, dtype", [("half", "float16"), ("byte", "uint8"), ("short", "int16"),
                                           ("char", "int8")])
def test_more_dtype_methods_match_torch(method, dtype):
    for source in SOURCES:
        x, xt = pair(source)
        if method in ("byte", "char") and source.startswith("float"):  # out-of-range float -> small int: undefined
            x, xt = x.clamp(-100, 100), xt.clamp(-100, 100)
        y = getattr(x, method)()
        assert y.dtype == np.dtype(dtype)
        assert_same(y, getattr(xt, method)())


def test_half_keeps_float16_through_ops_and_gradients():
    x, xt = pair("float32")
    h, ht = x.half().requires_grad_(), xt.half().requires_grad_()
    y, yt = (h * 2 + h).tanh().sum(), (ht * 2 + ht).tanh().sum()
    assert y.dtype == np.float16
    y.backward()
    yt.backward()
    assert h.grad.dtype == np.float16
    np.testing.assert_allclose(h.grad.numpy().astype(np.float32), ht.grad.numpy().astype(np.float32), atol=2e-3)


def test_bfloat16_is_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="bfloat16"):
        lm.ones(2).bfloat16()
    with pytest.raises(TypeError, match="bfloat16"):
        lm.ones(2).type("torch.BFloat16Tensor")


def test_to_takes_a_dtype_a_tensor_or_the_cpu_as_torch():
    x, xt = pair("float32")
    assert x.to("cpu") is x and x.to(device="cpu") is x and x.to(torch.device("cpu")) is x
    assert xt.to("cpu") is xt
    assert_same(x.to(lm.zeros(1, dtype=lm.int64)), xt.to(torch.zeros(1, dtype=torch.int64)))
    assert_same(x.to("cpu", lm.float64), xt.to("cpu", torch.float64))
    assert_same(x.to(device="cpu", dtype=lm.float64), xt.to(device="cpu", dtype=torch.float64))
    copied = x.to(lm.float32, copy=True)
    assert copied is not x and not np.shares_memory(copied.numpy(), x.numpy())
    with pytest.raises(RuntimeError, match="CPU"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="CPU"):
        x.cuda()
    assert x.cpu() is x and x.device == "cpu" and x.device == torch.device("cpu") and not x.is_cuda
    assert str(x.device) == str(xt.device) and repr(x.device) == repr(xt.device)


def test_type_as_matches_torch():
    x, xt = pair("float64")
    assert_same(x.type_as(lm.zeros(1, dtype=lm.int32)), xt.type_as(torch.zeros(1, dtype=torch.int32)))


# ---- facts about the storage --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(ALL_DTYPES))
def test_storage_facts_match_torch(name):
    x = lm.zeros(2, 3, 4, dtype=name)
    xt = torch.zeros(2, 3, 4, dtype=ALL_DTYPES[name])
    assert x.element_size() == xt.element_size() and x.itemsize == xt.itemsize
    assert x.nbytes == xt.nbytes
    assert x.is_floating_point() == xt.is_floating_point() and x.is_complex() == xt.is_complex()
    assert x.is_signed() == xt.is_signed()
    assert (x.dim(), x.ndimension(), x.nelement()) == (xt.dim(), xt.ndimension(), xt.nelement())
    assert x.stride() == xt.stride() and x.stride(1) == xt.stride(1) and x.stride(-1) == xt.stride(-1)
    assert x.permute(2, 0, 1).stride() == xt.permute(2, 0, 1).stride()
    assert x.is_contiguous() and not x.permute(2, 0, 1).is_contiguous()
    assert isinstance(x.data_ptr(), int) and x[1].data_ptr() - x.data_ptr() == 12 * x.element_size()
    assert x[1].storage_offset() == xt[1].storage_offset()


def test_stride_of_a_bad_dim_raises_as_torch():
    for x in (lm.zeros(2, 3), torch.zeros(2, 3)):
        with pytest.raises(IndexError):
            x.stride(2)
        with pytest.raises(TypeError):
            x.stride(1.0)


# ---- new tensors like this one ------------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["float32", "float64", "int64", "bool"])
def test_new_tensors_take_the_dtype_of_torch(source):
    x, xt = lm.zeros(2, dtype=source), torch.zeros(2, dtype=ALL_DTYPES[source])
    for name, args in (("new_zeros", (2, 3)), ("new_ones", ((2, 3),)), ("new_full", ((2,), 3.5)),
                       ("new_tensor", ([1.7, -2.0],))):
        assert_same(getattr(x, name)(*args), getattr(xt, name)(*args))
    assert x.new_empty(3, 1).shape == tuple(xt.new_empty(3, 1).shape) and x.new_empty(3).dtype == x.dtype
    assert_same(x.new_zeros(2, dtype=lm.float64), xt.new_zeros(2, dtype=torch.float64))
    assert x.new_ones(2, dtype=lm.float32, requires_grad=True).requires_grad


def test_new_tensors_with_bad_sizes_raise_as_torch():
    for x in (lm.zeros(2), torch.zeros(2)):
        with pytest.raises(RuntimeError):
            x.new_zeros(-1, 2)
        with pytest.raises(TypeError):
            x.new_ones(2.5)


# ---- view(dtype): the same bits ----------------------------------------------------------------------------
@pytest.mark.parametrize("source, target, shape", [
    ("float32", "int32", (2, 4)), ("float32", "uint8", (2, 4)), ("float64", "int32", (3, 2)),
    ("uint8", "float32", (2, 8)), ("int16", "float16", (2, 4)), ("float32", "float64", (1, 4)),
    ("bool", "uint8", (5,))])
def test_view_as_another_dtype_reads_the_same_bits_as_torch(source, target, shape):
    from lamina.ops.conversion import _view_dtype
    array = (np.random.default_rng(0).standard_normal(shape) * 10).astype(source)
    got = _view_dtype(lm.from_numpy(array), target)
    expected = torch.from_numpy(array).view(ALL_DTYPES[target])
    assert_same(got, expected)


@pytest.mark.parametrize("build", [
    lambda lib, dtype: lib.zeros(3).view(dtype(lib, "float64")),  # 3 not divisible by 2
    lambda lib, dtype: lib.zeros(()).view(dtype(lib, "uint8")),  # 0-d with another item size
    lambda lib, dtype: lib.zeros(4, 2).t().view(dtype(lib, "uint8")),  # last dimension not of stride 1
])
def test_view_as_another_dtype_raises_where_torch_does(build):
    from lamina.ops.conversion import _view_dtype
    with pytest.raises(RuntimeError):
        build(torch, lambda lib, name: getattr(torch, name))
    with pytest.raises(RuntimeError):
        build(_ViewThroughHelper, lambda lib, name: name)


class _ViewThroughHelper:
    """``lm`` with ``view(dtype)`` routed to conversion's ``_view_dtype`` (shape.py binds ``view`` to reshape)."""

    @staticmethod
    def zeros(*shape):
        return _Viewable(lm.zeros(*shape))


class _Viewable:
    def __init__(self, tensor):
        self.tensor = tensor

    def t(self):
        return _Viewable(self.tensor.t())

    def view(self, dtype):
        from lamina.ops.conversion import _view_dtype
        return _view_dtype(self.tensor, dtype)


@pytest.mark.parametrize("dtype", ["int32", "float16", "uint8", "float64", "bool"])
def test_tensor_view_dtype_reads_the_bytes_as_pytorch(dtype):
    data = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    if dtype == "bool":
        data = (data > 0).astype(np.float32).view(np.uint8)[:, ::4].copy()  # bytes that are 0 or 1
    theirs = torch.from_numpy(data.copy()).view(getattr(torch, dtype))
    ours = lm.from_numpy(data.copy()).view(getattr(lm, dtype))
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == f"lamina.{dtype}"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert lm.from_numpy(data).view(-1).shape == (data.size,)  # sizes still reshape
