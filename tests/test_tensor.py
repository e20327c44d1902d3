"""Tensor: attributes and conversions, which dtypes can require gradients, repr, and in-place changes."""
import numpy as np
import pytest

import lamina as lm


def test_attributes_and_conversions():
    t = lm.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert (t.shape, t.ndim, t.size(), t.size(1), t.numel()) == ((2, 3), 2, (2, 3), 3, 6)
    assert t.T.shape == (3, 2) and t.T.tolist() == [[1, 4], [2, 5], [3, 6]]
    assert t.sum().item() == 21.0
    assert t.astype(np.int32).dtype == np.int32 and t.long().dtype == np.int64
    assert t.double().dtype == np.float64
    assert isinstance(t.numpy(), np.ndarray)
    with pytest.raises(ValueError, match="one-element"):
        t.item()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        lm.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        lm.arange(3).requires_grad_()


def test_repr_shows_values_and_grad_state():
    t = lm.tensor([1.0, 2.0], requires_grad=True)
    assert "requires_grad=True" in repr(t)
    assert "grad_fn=<MulBackward0>" in repr(t * 2)


def test_inplace_change_of_a_tensor_that_requires_grad_is_refused_outside_no_grad():
    w = lm.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 5.0
    with lm.no_grad():
        w[0] = 5.0
        w.add_(lm.ones(3), alpha=-1)
    assert w.tolist() == [4.0, 0.0, 0.0]


# ---- in-place methods: PyTorch's semantics --------------------------------------------------------------
def _both(build):
    """Run ``build(lib)`` with torch and with Lamina; return both results as NumPy arrays."""
    import torch
    expected, got = build(torch), build(lm)
    return expected.detach().numpy(), got.detach().numpy()


@pytest.mark.parametrize("name, args", [
    ("add_", (2.0,)), ("sub_", (0.5,)), ("mul_", (3.0,)), ("div_", (4.0,)), ("clamp_", (-0.5, 0.5)),
    ("exp_", ()), ("abs_", ()), ("neg_", ()), ("relu_", ()), ("sigmoid_", ()), ("tanh_", ()), ("pow_", (2,)),
    ("zero_", ()), ("fill_", (7.0,))])
def test_in_place_methods_give_the_values_of_torch(name, args):
    data = [[-1.0, 0.25, 2.0], [3.0, -4.0, 0.0]]
    expected, got = _both(lambda lib: getattr(lib.tensor(data), name)(*args))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_in_place_methods_write_into_views_and_return_the_tensor_itself():
    base = lm.zeros(2, 3)
    row = base[1]
    assert row.add_(lm.tensor([1.0, 2.0, 3.0])) is row
    assert base.tolist() == [[0, 0, 0], [1, 2, 3]]
    x = lm.ones(2)
    y = x
    x += 1
    assert y is x and y.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("build", [
    lambda lib: lib.tensor([1, 2]).div_(2),  # Float result into a Long tensor
    lambda lib: lib.tensor([1, 2]).add_(1.5),
    lambda lib: lib.tensor([True, False]).add_(1),  # Long into Bool
    lambda lib: lib.zeros(3).add_(lib.zeros(2, 3)),  # the result would need a bigger shape
    lambda lib: lib.zeros(3).copy_(lib.zeros(2)),  # not broadcastable
    lambda lib: lib.zeros(3).fill_(lib.zeros(2)),  # fill_ takes a 0-d value
])
def test_in_place_results_that_do_not_fit_raise_runtime_error_as_torch(build):
    import torch
    with pytest.raises(RuntimeError):
        build(torch)
    with pytest.raises(RuntimeError):
        build(lm)


def test_copy_casts_and_broadcasts_as_torch():
    expected, got = _both(lambda lib: lib.zeros(2, 3, dtype=lib.int64).copy_(lib.tensor([1.7, -2.2, 3.9])))
    assert got.dtype == np.int64 and got.tolist() == expected.tolist()


def test_in_place_change_of_a_leaf_that_requires_grad_raises_as_torch():
    import torch
    with pytest.raises(RuntimeError, match="leaf Variable"):
        torch.ones(2, requires_grad=True).mul_(2)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        lm.ones(2, requires_grad=True).mul_(2)


@pytest.mark.parametrize("update", [
    lambda y, w: y.add_(w),
    lambda y, w: y.mul_(w),
    lambda y, w: y.mul_(w).relu_(),
    lambda y, w: y.clamp_(-1, 0.5).sub_(w, alpha=2),
    lambda y, w: y.copy_(w * 3),
    lambda y, w: y.add_(w).mul_(w).add_(y.detach()),
])
def test_in_place_changes_in_the_graph_give_torch_gradients(update):
    import torch
    data = np.array([[0.5, -1.0, 2.0], [1.5, -0.25, 0.75]])

    def run(lib, as_tensor):
        x = as_tensor(data.copy()).requires_grad_()
        w = as_tensor(data[::-1].copy()).requires_grad_()
        y = x * 2  # a non-leaf: changed in place, it takes the in-place op's node
        out = update(y, w)
        assert out is y
        (y * y).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), w.grad.numpy()

    expected = run(torch, torch.from_numpy)
    got = run(lm, lm.from_numpy)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_in_place_change_of_a_tensor_without_grad_by_one_with_grad_records_it():
    import torch
    for lib, make in ((torch, torch.from_numpy), (lm, lm.from_numpy)):
        w = make(np.array([1.0, 2.0])).requires_grad_()
        buffer = lib.zeros(2, dtype=lib.float64)
        buffer.add_(w * 3)
        assert buffer.requires_grad
        buffer.sum().backward()
        assert w.grad.tolist() == [3.0, 3.0]


def test_shape_changing_in_place_methods():
    import torch
    for lib in (torch, lm):
        x = lib.zeros(2, 3)
        assert x.t_() is x and tuple(x.shape) == (3, 2)
        x.unsqueeze_(0)
        assert tuple(x.shape) == (1, 3, 2)
        x.squeeze_()
        assert tuple(x.shape) == (3, 2)


@pytest.mark.parametrize("assign", [
    lambda lib, y, w: y.__setitem__(1, w[0] * 3),
    lambda lib, y, w: y.__setitem__((slice(None), 0), w),
    lambda lib, y, w: y.__setitem__(lib.tensor([[True, False, True], [False, True, False]]), 7.0),
    lambda lib, y, w: y.__setitem__((lib.tensor([0, 1]), lib.tensor([2, 0])), w * w),
    lambda lib, y, w: y.__setitem__(Ellipsis, w.sum()),
])
def test_assignment_into_a_tensor_of_the_graph_gives_torch_gradients(assign):
    import torch
    data = np.array([[0.5, -1.0, 2.0], [1.5, -0.25, 0.75]])

    def run(lib, make):
        x = make(data.copy()).requires_grad_()
        w = make(np.array([3.0, -2.0])).requires_grad_()
        y = x * 2
        assign(lib, y, w)
        (y * y).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), None if w.grad is None else w.grad.numpy()

    for e, g in zip(run(torch, torch.from_numpy), run(lm, lm.from_numpy)):
        assert (e is None) == (g is None)
        if e is not None:
            np.testing.assert_allclose(g, e, rtol=1e-12)


def test_assignment_of_a_value_that_requires_grad_into_a_plain_tensor_records_it():
    import torch
    for lib, make in ((torch, torch.from_numpy), (lm, lm.from_numpy)):
        w = make(np.array([1.0, 2.0, 3.0])).requires_grad_()
        buffer = lib.zeros(2, 3, dtype=lib.float64)
        buffer[1] = w
        (buffer * buffer).sum().backward()
        assert w.grad.tolist() == [2.0, 4.0, 6.0]


def test_assignment_errors_are_those_of_torch():
    import torch
    for lib in (torch, lm):
        x = lib.zeros(2, 3)
        with pytest.raises(IndexError):
            x[5] = 1.0
        with pytest.raises(RuntimeError):
            x[0] = lib.ones(4)


@pytest.mark.parametrize("build", [
    lambda lib: lib.zeros(3).fill_("a"),
    lambda lib: lib.zeros(3).fill_(None),
    lambda lib: lib.zeros(3).copy_(None),
    lambda lib: lib.zeros(3).__setitem__(0, "a"),
    lambda lib: lib.zeros(3).__setitem__(0, None),
    lambda lib: lib.zeros(3).add_("a"),
])
def test_in_place_methods_with_arguments_of_a_wrong_type_raise_type_error_as_torch(build):
    import torch
    with pytest.raises(TypeError):
        build(torch)
    with pytest.raises(TypeError):
        build(lm)


# ---- PyTorch's Tensor API details -------------------------------------------------------------------------------
def test_int_tensor_requiring_grad_raises_torch_runtime_error():
    import torch
    with pytest.raises(RuntimeError):
        torch.tensor([1]).requires_grad_()
    with pytest.raises(RuntimeError):
        lm.tensor([1]).requires_grad_()


@pytest.mark.parametrize("shape", [(), (2, 3), (4, 2, 3), (3,)])
@pytest.mark.parametrize("attr", ["H", "mH"])
def test_conjugate_transposes_match_torch(shape, attr):
    import torch
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    try:
        expected = getattr(torch.from_numpy(data), attr)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            getattr(lm.from_numpy(data), attr)
        return
    got = getattr(lm.from_numpy(data), attr)
    assert got.shape == tuple(expected.shape) and np.array_equal(got.numpy(), expected.numpy())


def test_adjoint_is_mH_and_keeps_the_gradient():
    import torch
    data = np.arange(6.0).reshape(2, 3)
    x, t = lm.tensor(data, dtype=lm.float64, requires_grad=True), torch.tensor(data, requires_grad=True)
    (x.adjoint() * lm.tensor(data.T, dtype=lm.float64)).sum().backward()
    (t.adjoint() * torch.tensor(data.T)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_retains_grad_as_torch():
    import torch
    for lib in (torch, lm):
        leaf = lib.ones(2, requires_grad=True)
        y = leaf * 2
        assert (leaf.retains_grad, y.retains_grad) == (False, False)
        y.retain_grad()
        leaf.retain_grad()
        assert (leaf.retains_grad, y.retains_grad) == (False, True)


_REPR_CASES = [[1.0, float("nan"), float("inf"), -float("inf"), -0.0], [0.0, 0.0], [float("nan")], 3.5,
               [[1.5, 2.25], [3.0, -4.0]], [1e-8, 1.0], [1e10, 1.0], [123456.0, 0.5], [-1.0, 2.0, 1000.0],
               [1e-5, 2e-5], [[1, 2], [-30, 4]], [True, False], [0.1, 0.25, 1e-3], [-0.0], [[0.5]],
               np.linspace(-3, 3, 40).tolist(), list(range(2000)),
               np.random.default_rng(0).standard_normal((3, 4, 2)).round(3).tolist()]


@pytest.mark.parametrize("data", _REPR_CASES)
@pytest.mark.parametrize("dtype", [None, "float64", "float16", "int32", "int8"])
def test_repr_matches_torch(data, dtype):
    import torch
    try:
        expected = torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)
    except (RuntimeError, TypeError, OverflowError):
        return
    got = lm.tensor(data, dtype=getattr(lm, dtype) if dtype else None)
    assert repr(got) == repr(expected).replace("torch.", "lamina.")


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_repr_of_empty_tensors_matches_torch(shape, dtype):
    import torch
    expected = torch.zeros(shape, dtype=getattr(torch, dtype))
    got = lm.zeros(shape, dtype=getattr(lm, dtype if dtype != "bool" else "bool_"))
    assert repr(got) == repr(expected).replace("torch.", "lamina.")


_INPLACE_UNARY = ["rsqrt", "erf", "erfc", "erfinv", "log2", "log10", "exp2", "expm1", "tan", "asin", "acos", "atan",
                  "sinh", "cosh", "deg2rad", "rad2deg", "sinc", "i0", "logit",
                  "floor", "ceil", "trunc", "fix", "round", "frac", "nan_to_num", "exp", "sqrt", "abs"]


@pytest.mark.parametrize("name", _INPLACE_UNARY)
def test_in_place_unary_method_on_a_graph_tensor_has_the_gradient_of_torch(name):
    import torch
    data = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    weights = np.linspace(0.5, 1.5, 6).reshape(2, 3)
    grads, values = [], []
    for lib in (torch, lm):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        y = x * 1.0
        assert getattr(y, name + "_")() is y
        (y * lib.tensor(weights, dtype=lib.float64)).sum().backward()
        grads.append(x.grad.numpy())
        values.append(y.detach().numpy())
    np.testing.assert_allclose(values[1], values[0], rtol=1e-7)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_in_place_comparison_on_a_graph_tensor_cuts_its_gradient_as_torch(name):
    import torch
    grads = []
    for lib in (torch, lm):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1.0
        getattr(y, name + "_")(lib.tensor([1.0, 0.0, 4.0]))
        assert y.requires_grad
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(grads[1][0], grads[0][0])
    np.testing.assert_array_equal(grads[1][1], grads[0][1])


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_in_place_scan_keeps_the_gradient_and_counts_a_version(name):
    import torch
    data, weights = np.array([[0.5, 2.0, -1.5], [1.0, 3.0, 0.25]]), np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    out = []
    for lib in (torch, lm):
        x = lib.tensor(data, requires_grad=True, dtype=lib.float64)
        y = x * 1.0
        before = y._version
        getattr(y, name + "_")(dim=1)
        assert y._version == before + 1
        (y * lib.tensor(weights, dtype=lib.float64)).sum().backward()
        out.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0])
    np.testing.assert_allclose(out[1][1], out[0][1])


def test_in_place_unary_method_of_an_int_tensor_refuses_a_float_result_as_torch():
    import torch
    with pytest.raises(RuntimeError):
        torch.tensor([1, 4]).rsqrt_()
    with pytest.raises(RuntimeError):
        lm.tensor([1, 4]).rsqrt_()
    assert lm.tensor([1, -4]).floor_().tolist() == torch.tensor([1, -4]).floor_().tolist()


@pytest.mark.parametrize("expr", [
    "x.requires_grad_(requires_grad=True).requires_grad", "x.is_cpu", "x.is_sparse", "x.is_quantized", "x.is_meta",
    "x.get_device()", "x.dim_order()", "x.t().dim_order()", "x.share_memory_() is x", "x.is_cuda"])
def test_device_and_layout_facts_match_torch(expr):
    import torch
    assert eval(expr, {"x": lm.ones(2, 3)}) == eval(expr, {"x": torch.ones(2, 3)})


@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_apply_and_map_match_torch(dtype):
    import torch
    data = np.arange(6).reshape(2, 3).astype(dtype)
    results = []
    for lib in (torch, lm):
        x = lib.from_numpy(data.copy())
        assert x.apply_(lambda v: v * 2.7 - 1) is x
        assert x.map_(lib.from_numpy(data[0].copy()), lambda a, b: a * b + 0.5) is x
        results.append(x.numpy())
    np.testing.assert_array_equal(results[1], results[0])


def test_apply_on_a_tensor_requiring_grad_raises_torch_runtime_error():
    import torch
    for lib in (torch, lm):
        with pytest.raises(RuntimeError):
            lib.ones(2, requires_grad=True).apply_(lambda v: v)


@pytest.mark.parametrize("value", ["ones_f64", "number", "ones_int", "short", "column", "none", "good"])
def test_assigning_grad_checks_as_torch(value):
    import torch

    def assign(lib):
        x = lib.ones(2, requires_grad=True)
        x.grad = {"ones_f64": lambda: lib.ones(2, dtype=lib.float64), "number": lambda: 3.0,
                  "ones_int": lambda: lib.ones(2, dtype=lib.int64), "short": lambda: lib.ones(1),
                  "column": lambda: lib.ones(2, 1), "none": lambda: None, "good": lambda: lib.full((2,), 0.5)}[value]()
        return None if x.grad is None else x.grad.tolist()

    try:
        expected = assign(torch)
    except (RuntimeError, TypeError) as err:
        with pytest.raises(type(err)):
            assign(lm)
        return
    assert assign(lm) == expected
