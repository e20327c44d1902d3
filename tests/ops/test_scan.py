"""Cumulative ops and diff (lamina/ops/scan.py) against PyTorch: values, indices, dtypes and gradients along every
dim (negative too), on 0-d and empty tensors, with zeros (cumprod), ties and NaN (cummax/cummin) and -inf/inf
(logcumsumexp); finite-difference first and second derivatives in float64; the errors PyTorch raises."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

INF, NAN = np.inf, np.nan
SHAPES_DIMS = [((7,), 0), ((7,), -1), ((3, 4), 0), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 1), ((2, 3, 4), -1),
               ((), 0), ((), -1), ((0, 3), 0), ((3, 0), 1)]


def _compare(name, array, dim, dtype="float64", rtol=1e-12, atol=1e-12, **kwargs):
    """Lamina's and PyTorch's ``name`` on ``array`` along ``dim``: values (and indices), dtypes, shapes and the
    gradient for a random upstream gradient."""
    array = np.asarray(array).astype(dtype)
    x = lm.tensor(array, dtype=dtype, requires_grad=True)
    xt = torch.tensor(array, requires_grad=True)
    y, yt = getattr(lm, name)(x, dim, **kwargs), getattr(torch, name)(xt, dim, **kwargs)
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(y.indices.numpy(), yt.indices.numpy())
        assert y.indices.dtype == np.int64 and y.indices.shape == tuple(yt.indices.shape)
        y, yt = y.values, yt.values
    assert y.shape == tuple(yt.shape) and y.dtype == np.dtype(str(yt.dtype).removeprefix("torch."))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(y.numel()).standard_normal(y.shape).astype(dtype)
    y.backward(lm.tensor(upstream, dtype=dtype))
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- against PyTorch on every shape and dim ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@pytest.mark.parametrize("shape, dim", SHAPES_DIMS)
def test_matches_pytorch_along_every_dim(name, shape, dim):
    _compare(name, _random(shape), dim)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
def test_float32_matches_pytorch(name):
    _compare(name, _random((4, 6), 3), 1, dtype="float32", rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
def test_float16_accumulates_as_pytorch(name):
    """PyTorch accumulates float16 in float32: 5000 times 0.1 reaches 500, not float16's stuck 256."""
    values = np.full(5000, 0.1 if name != "cumprod" else 1.001, dtype=np.float16)
    y, yt = getattr(lm, name)(lm.from_numpy(values), 0), getattr(torch, name)(torch.from_numpy(values), 0)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.numpy().astype(float), yt.numpy().astype(float), rtol=1e-3)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), 1), ((2, 3, 2), 0)])
def test_finite_differences(name, shape, dim, leaf):
    x = leaf(np.random.default_rng(5).permutation(np.prod(shape)).reshape(shape) * 0.3 - 1.1 + 0.01)
    fn = lambda t: getattr(lm, name)(t, dim)  # noqa: E731
    assert lm.gradcheck(fn, x)
    if name not in ("cummax", "cummin", "cumsum"):  # linear in x: no second derivative to check
        assert lm.gradgradcheck(fn, x)


# ---- cumsum and cumprod: dtypes ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "int8", "uint8", "bool"])
def test_integers_and_bools_accumulate_in_int64(name, dtype):
    values = np.array([[1, 2, 0], [3, 1, 4]]).astype(dtype)
    y, yt = getattr(lm, name)(lm.from_numpy(values), 1), getattr(torch, name)(torch.from_numpy(values), 1)
    assert y.dtype == np.int64 and yt.dtype == torch.int64
    np.testing.assert_array_equal(y.numpy(), yt.numpy())


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("source, target", [("int32", "float64"), ("float32", "int32"), ("float32", "float64"),
                                            ("bool", "float32"), ("float64", "float16")])
def test_dtype_argument_casts_first(name, source, target):
    values = (np.array([[1.5, 2.25, -1.0], [3.0, 0.5, 4.0]]) if source.startswith("float") else
              np.array([[1, 2, 0], [3, 1, 4]])).astype(source)
    y = getattr(lm, name)(lm.from_numpy(values), 1, dtype=getattr(lm, target, np.dtype(target)))
    yt = getattr(torch, name)(torch.from_numpy(values), 1, dtype=getattr(torch, target))
    assert y.dtype == np.dtype(target)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-3)


def test_dtype_argument_keeps_the_gradient(leaf):
    x = lm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    xt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, yt = lm.cumsum(x, 0, dtype=lm.float64), torch.cumsum(xt, 0, dtype=torch.float64)
    assert y.dtype == np.float64
    (y * lm.tensor([1.0, 2.0, 3.0], dtype=lm.float64)).sum().backward()
    (yt * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_cumsum_gradient_is_the_reversed_cumsum(leaf):
    x = leaf(_random((3, 5)))
    y = lm.cumsum(x, 1)
    g = lm.tensor(_random((3, 5), 1), dtype=lm.float64)
    y.backward(g)
    np.testing.assert_allclose(x.grad.numpy(), np.flip(np.cumsum(np.flip(g.numpy(), 1), 1), 1), rtol=1e-14)


# ---- cumprod with zeros --------------------------------------------------------------------------------------
ZEROS = [[1.5, 2.0, 0.0, 3.0, 0.0, -4.0], [0.0, 2.0, 3.0, 1.0, 5.0, 2.0], [2.0, 0.0, 0.0, 0.0, 1.0, 3.0],
         [1.0, 2.0, 3.0, 4.0, 5.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.5, -2.0, 3.0, 1.0, 2.0, 1.5]]


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros_matches_pytorch(dim):
    _compare("cumprod", np.array(ZEROS), dim)


def test_cumprod_with_zeros_finite_differences(leaf):
    x = leaf(ZEROS)
    fn = lambda t: lm.cumprod(t, 1)  # noqa: E731
    assert lm.gradcheck(fn, x)
    assert lm.gradgradcheck(fn, x)


def test_cumprod_second_derivative_with_zeros_matches_pytorch():
    x = lm.tensor(np.array(ZEROS), dtype=lm.float64, requires_grad=True)
    xt = torch.tensor(np.array(ZEROS), requires_grad=True)
    w = _random((6, 6), 2)
    (g,) = lm.autograd.grad((lm.cumprod(x, 1) * lm.from_numpy(w)).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((torch.cumprod(xt, 1) * torch.from_numpy(w)).sum(), [xt], create_graph=True)
    (g * g).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


# ---- cummax and cummin ----------------------------------------------------------------------------------------
TIES = [1.0, 3.0, 3.0, 2.0, 3.0, NAN, 1.0, NAN, 5.0]


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("values", [TIES, [3.0, 1.0, 1.0, 2.0, 1.0, 0.0, 0.0], [1.0, NAN, 0.0, NAN, -1.0],
                                    [2.0, 2.0, 2.0], [-INF, INF, INF, -INF], [NAN, 1.0, 2.0]])
def test_ties_and_nan_pick_indices_as_pytorch(name, values):
    """The last index among equal values, and the last NaN once one is met; the gradient follows the index."""
    _compare(name, np.array(values), 0)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_cummax_cummin_keep_integer_and_bool_dtypes(name, dtype):
    values = np.array([[1, 0, 1, 3], [2, 2, 0, 1]]).astype(dtype)
    y, yt = getattr(lm, name)(lm.from_numpy(values), 1), getattr(torch, name)(torch.from_numpy(values), 1)
    assert y.values.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y.values.numpy(), yt.values.numpy())
    np.testing.assert_array_equal(y.indices.numpy(), yt.indices.numpy())


def test_cummax_returns_a_named_pair():
    x = lm.tensor([[1.0, 3.0, 2.0]])
    values, indices = lm.cummax(x, 1)
    out = x.cummax(dim=1)
    assert out.values.tolist() == values.tolist() == [[1.0, 3.0, 3.0]]
    assert out.indices.tolist() == indices.tolist() == [[0, 1, 1]]
    assert out._fields == ("values", "indices")


# ---- logcumsumexp ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[1.0, -INF, 0.0, 3.0, INF, 4.0], [-INF, -INF, -INF, 1.0, 2.0, 3.0],
                                    [1000.0, -1000.0, 0.0, 3.0, -5.0, 4.0], [NAN, 1.0, 2.0, 3.0, 4.0, 5.0],
                                    [-800.0, -799.0, -900.0, -750.0, -760.0, -700.0], [INF, INF, 1.0, 2.0, 3.0, 4.0]])
def test_logcumsumexp_edges_as_pytorch(values):
    """-inf adds nothing, +-1000 neither overflows nor underflows; values and gradients as PyTorch's (NaN where
    its formula gives NaN)."""
    _compare("logcumsumexp", np.array(values), 0, rtol=1e-13, atol=0)


def test_logcumsumexp_is_stable():
    x = np.array([-1000.0, 0.0, 1000.0, 1000.0])
    np.testing.assert_allclose(lm.logcumsumexp(lm.from_numpy(x), 0).numpy(),
                               [-1000.0, 0.0, 1000.0, 1000.0 + np.log(2)], rtol=1e-15)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_logcumsumexp_refuses_integers_as_pytorch(dtype):
    values = np.array([1, 0, 1]).astype(dtype)
    with pytest.raises(NotImplementedError):
        torch.logcumsumexp(torch.from_numpy(values), 0)
    with pytest.raises(NotImplementedError, match="logcumsumexp"):
        lm.logcumsumexp(lm.from_numpy(values), 0)


# ---- diff ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, 9])
@pytest.mark.parametrize("shape, dim", [((7,), 0), ((7,), -1), ((3, 5), 0), ((3, 5), 1), ((2, 4, 3), 1)])
def test_diff_matches_pytorch(n, shape, dim):
    _compare_diff(_random(shape, n), n=n, dim=dim)


def _compare_diff(array, dtype="float64", **kwargs):
    x = lm.tensor(array.astype(dtype), dtype=dtype, requires_grad=dtype.startswith("float"))
    xt = torch.tensor(array.astype(dtype), requires_grad=dtype.startswith("float"))
    ends = {k: v for k, v in kwargs.items() if k in ("prepend", "append")}
    plain = {k: v for k, v in kwargs.items() if k not in ends}
    y = lm.diff(x, **plain, **{k: lm.from_numpy(v) for k, v in ends.items()})
    yt = torch.diff(xt, **plain, **{k: torch.from_numpy(v) for k, v in ends.items()})
    assert y.shape == tuple(yt.shape) and y.dtype == np.dtype(str(yt.dtype).removeprefix("torch."))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    if x.requires_grad and y.numel():
        upstream = np.random.default_rng(3).standard_normal(y.shape)
        y.backward(lm.tensor(upstream, dtype=y.dtype))
        yt.backward(torch.tensor(upstream, dtype=yt.dtype))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_diff_default_is_the_last_dim_once():
    _compare_diff(_random((3, 4)))


@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool", "float16", "int64"])
def test_diff_keeps_the_dtype(dtype):
    _compare_diff(np.array([[1, 0, 0, 3, 7], [2, 2, 9, 1, 0]]), dtype=dtype, n=1)
    _compare_diff(np.array([[1, 0, 0, 3, 7], [2, 2, 9, 1, 0]]), dtype=dtype, n=2, dim=1)


@pytest.mark.parametrize("ends", [dict(prepend=np.zeros((3, 1))), dict(append=np.ones((3, 2))),
                                  dict(prepend=np.arange(6.0).reshape(3, 2), append=-np.ones((3, 1)))])
@pytest.mark.parametrize("n", [1, 2])
def test_diff_with_prepend_and_append(ends, n):
    _compare_diff(_random((3, 4)), n=n, dim=1, **ends)


@pytest.mark.parametrize("input_dtype, end_dtype", [("int32", "float32"), ("float32", "float64"), ("bool", "int64"),
                                                    ("int32", "int8"), ("float16", "int64"), ("float32", "bool")])
def test_diff_promotes_prepend_as_pytorch(input_dtype, end_dtype):
    x = np.array([[1, 2, 5], [3, 4, 0]]).astype(input_dtype)
    end = np.array([[1], [0]]).astype(end_dtype)
    y = lm.diff(lm.from_numpy(x), prepend=lm.from_numpy(end))
    yt = torch.diff(torch.from_numpy(x), prepend=torch.from_numpy(end))
    assert y.dtype == np.dtype(str(yt.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(y.numpy(), yt.numpy())


def test_diff_gradient_reaches_prepend_and_append(leaf):
    x, before, after = leaf(_random((2, 3))), leaf(_random((2, 2), 1)), leaf(_random((2, 1), 2))
    assert lm.gradcheck(lambda a, b, c: lm.diff(a, n=2, prepend=b, append=c), x, before, after)
    assert lm.gradcheck(lambda a: lm.diff(a, n=2, dim=0), leaf(_random((4, 3))))


def test_diff_as_method_and_functional():
    x = lm.tensor([[1.0, 4.0, 9.0]])
    assert x.diff().tolist() == F.diff(x).tolist() == [[3.0, 5.0]]
    assert x.diff(n=2, dim=1).tolist() == [[2.0]]


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
def test_methods_and_functional(name):
    x = lm.tensor([[0.5, -1.0, 2.0], [1.0, 3.0, -0.5]], dtype=lm.float64)
    expected = getattr(torch, name)(torch.tensor(x.numpy()), 1)
    expected = (expected.values if isinstance(expected, tuple) else expected).numpy()
    for y in (getattr(x, name)(1), getattr(x, name)(dim=1), getattr(F, name)(x, 1)):
        y = y.values if isinstance(y, tuple) else y
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-15)


# ---- errors as PyTorch ------------------------------------------------------------------------------------------
X = np.array([[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@pytest.mark.parametrize("call, error", [
    (lambda m, f, x: getattr(m, f)(x), TypeError),               # dim is required
    (lambda m, f, x: getattr(m, f)(x, 2), IndexError),
    (lambda m, f, x: getattr(m, f)(x, -3), IndexError),
    (lambda m, f, x: getattr(m, f)(x, 1.0), TypeError),
    (lambda m, f, x: getattr(m, f)(x, "a"), TypeError),
    (lambda m, f, x: getattr(m, f)(x, None), TypeError),
    (lambda m, f, x: getattr(m, f)(x, True), TypeError),
    (lambda m, f, x: getattr(m, f)(x[0, 0], 1), IndexError),     # a 0-d tensor takes 0 and -1 only
    (lambda m, f, x: getattr(m, f)([1.0, 2.0], 0), TypeError),
])
def test_bad_dims_and_inputs_raise_as_pytorch(name, call, error):
    with pytest.raises(error):
        call(torch, name, torch.tensor(X))
    with pytest.raises(error):
        call(lm, name, lm.tensor(X))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_bool_result_dtype_is_not_implemented_as_pytorch(name):
    with pytest.raises(NotImplementedError):
        getattr(torch, name)(torch.tensor([1, 2]), 0, dtype=torch.bool)
    with pytest.raises(NotImplementedError):
        getattr(lm, name)(lm.tensor([1, 2]), 0, dtype=lm.bool_ if hasattr(lm, "bool_") else np.bool_)


@pytest.mark.parametrize("kwargs, error", [
    (dict(n=-1), RuntimeError), (dict(n=1.0), TypeError), (dict(n=True), TypeError), (dict(dim=2), IndexError),
    (dict(dim=1.0), TypeError), (dict(prepend=5), TypeError), (dict(prepend="prepend1d"), RuntimeError),
    (dict(append="append_rows"), RuntimeError), (dict(prepend="prepend_dim0", dim=0), RuntimeError),
])
def test_diff_errors_as_pytorch(kwargs, error):
    ends = {"prepend1d": np.zeros(2), "append_rows": np.zeros((3, 1)), "prepend_dim0": np.zeros((1, 3))}

    def call(m, x, wrap):
        return m.diff(x, **{k: wrap(ends[v]) if isinstance(v, str) else v for k, v in kwargs.items()})

    with pytest.raises(error):
        call(torch, torch.tensor(X), torch.from_numpy)
    with pytest.raises(error):
        call(lm, lm.tensor(X), lm.from_numpy)


def test_diff_of_a_0d_tensor_is_an_error_as_pytorch():
    with pytest.raises(RuntimeError):
        torch.diff(torch.tensor(1.0))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        lm.diff(lm.tensor(1.0))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["S", 5, "complex_name"])
def test_bad_dtype_argument_is_a_type_error_as_pytorch(name, dtype):
    with pytest.raises(TypeError):
        getattr(torch, name)(torch.tensor([1.0, 2.0]), 0, dtype=dtype)
    with pytest.raises(TypeError):
        getattr(lm, name)(lm.tensor([1.0, 2.0]), 0, dtype=dtype)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("shape", [(0,), (2, 0, 3)])
def test_empty_tensors_take_any_dim_in_cummax_as_pytorch(name, shape):
    values, indices = getattr(lm, name)(lm.zeros(shape), 7)
    theirs = getattr(torch, name)(torch.zeros(shape), 7)
    assert values.shape == indices.shape == tuple(theirs.values.shape) and indices.dtype == np.int64
    with pytest.raises(TypeError):
        getattr(lm, name)(lm.zeros(shape), 1.5)


def test_diff_of_order_0_returns_the_input_as_pytorch():
    """Without prepend/append PyTorch does not check dim then; with them it checks them but leaves them out."""
    x = lm.tensor([1.0, 4.0, 9.0], requires_grad=True)
    y = lm.diff(x, n=0, dim=5)
    assert y.tolist() == torch.diff(torch.tensor([1.0, 4.0, 9.0]), n=0, dim=5).tolist()
    y = lm.diff(x, n=0, prepend=lm.zeros(2))
    assert y.tolist() == torch.diff(torch.tensor([1.0, 4.0, 9.0]), n=0, prepend=torch.zeros(2)).tolist()
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    for module in (torch, lm):
        with pytest.raises(RuntimeError):
            module.diff(module.zeros(3), n=0, prepend=module.zeros(2, 2))
        with pytest.raises(IndexError):
            module.diff(module.zeros(3), n=0, dim=5, prepend=module.zeros(2))
        with pytest.raises(RuntimeError):
            module.diff(module.zeros(2, 3), n=0, dim=0, prepend=module.zeros(1, 2))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_in_place_cumsum_cumprod_as_pytorch(name, dtype):
    values = np.array([[1, 2, 3], [2, 1, 4]]).astype(dtype)
    x, xt = lm.from_numpy(values.copy()), torch.from_numpy(values.copy())
    assert getattr(x, name + "_")(1) is x
    getattr(xt, name + "_")(1)
    assert x.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(x.numpy(), xt.numpy())


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
def test_long_float32_scans_agree_with_pytorch_to_the_bit(name):
    """PyTorch's CPU kernels accumulate float32 in float64: over 200000 terms every value is the same."""
    rng = np.random.default_rng(8)
    values = (rng.uniform(0.999, 1.001, 200000) if name == "cumprod" else rng.standard_normal(200000) + 0.1)
    values = values.astype(np.float32)
    ours = getattr(lm, name)(lm.from_numpy(values), 0).numpy()
    np.testing.assert_array_equal(ours, getattr(torch, name)(torch.from_numpy(values), 0).numpy())
