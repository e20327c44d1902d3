"""Activations, softmax and log_softmax (lamina/ops/activation.py): finite-difference gradients on
several shapes, second derivatives, PyTorch as the oracle (float64: atol 1e-6; float32: rtol 1e-4), and
numerical stability at |x| = 1e4 in float32."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

TF = torch.nn.functional

# ---- finite differences ----------------------------------------------------------------------------
UNARY = {
    "sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "elu": F.elu, "selu": F.selu, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "softplus": F.softplus, "softplus_beta": lambda x: F.softplus(x, beta=2.0, threshold=1.0),
    "softsign": F.softsign, "hardtanh": F.hardtanh, "softmax": lambda x: F.softmax(x, -1),
    "softmax0": lambda x: F.softmax(x, dim=0), "log_softmax": lambda x: F.log_softmax(x, 1),
    "hardswish": F.hardswish,
}
KINKED = {"relu", "leaky_relu", "hardtanh", "elu", "selu", "softplus_beta"}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_unary_ops(name, shape, r):
    fn = UNARY[name]
    if name == "log_softmax" and len(shape) < 2:
        shape = (2, 5)
    x = r(*shape, apart=name in KINKED)
    assert lm.gradcheck(fn, x)


def test_step_has_zero_gradient(leaf):
    x = leaf([-1.0, 0.0, 2.0])
    y = F.step(x)
    assert y.tolist() == [0.0, 0.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


SECOND_ORDER = {
    "tanh": F.tanh, "sigmoid": F.sigmoid, "softmax": lambda x: F.softmax(x, -1),
    "log_softmax": lambda x: F.log_softmax(x, -1), "gelu": F.gelu, "softplus": F.softplus,
    "hardswish": F.hardswish,
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4)
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


# hardswish has three pieces: flat (x <= -3), quadratic (-3 < x < 3), linear (x >= 3); random normal inputs
# rarely leave the middle one, so these points visit each piece (away from the kinks, for finite differences)
HARDSWISH_PIECES = [[-5.0, -3.5, -2.9, -1.0], [0.3, 2.5, 3.2, 6.0]]


def test_hardswish_gradients_on_every_piece(leaf):
    assert lm.gradcheck(F.hardswish, leaf(HARDSWISH_PIECES))
    assert lm.gradgradcheck(F.hardswish, leaf(HARDSWISH_PIECES))


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "sigmoid": (F.sigmoid, torch.sigmoid, [(3, 4)], False),
    "tanh": (F.tanh, torch.tanh, [(3, 4)], False),
    "relu": (F.relu, torch.relu, [(3, 4)], False),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), [(3, 4)], False),
    "elu": (F.elu, TF.elu, [(3, 4)], False),
    "selu": (F.selu, TF.selu, [(3, 4)], False),
    "gelu": (F.gelu, TF.gelu, [(3, 4)], False),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"), [(3, 4)], False),
    "softplus": (lambda x: F.softplus(x, 2.0, 1.0), lambda x: TF.softplus(x, 2.0, 1.0), [(3, 4)], False),
    "softsign": (F.softsign, TF.softsign, [(3, 4)], False),
    "hardtanh": (F.hardtanh, TF.hardtanh, [(3, 4)], False),
    "hardswish": (F.hardswish, TF.hardswish, [(3, 4)], False),
    "softmax": (lambda x: F.softmax(x, 1), lambda x: TF.softmax(x, 1), [(3, 4)], False),
    "log_softmax": (lambda x: F.log_softmax(x, 0), lambda x: TF.log_softmax(x, 0), [(3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_hardswish_matches_pytorch_on_each_piece_and_at_the_kinks(dtype):
    """Values, first and second derivatives at -3 and 3 exactly (PyTorch: slope 0 at -3, 1 at 3) and beyond."""
    points = [-5.0, -3.0, -2.5, -1.0, 0.0, 1.5, 3.0, 4.0]
    upstream = np.arange(1, len(points) + 1, dtype=dtype)
    x, xt = lm.tensor(points, dtype=dtype, requires_grad=True), torch.tensor(points, dtype=getattr(torch, dtype),
                                                                              requires_grad=True)
    y, yt = F.hardswish(x), TF.hardswish(xt)
    (gx,) = lm.grad(y, [x], grad_outputs=lm.tensor(upstream, dtype=dtype), create_graph=True)
    (gxt,) = torch.autograd.grad(yt, xt, grad_outputs=torch.tensor(upstream), create_graph=True)
    (ggx,) = lm.grad(gx.sum(), [x])
    (ggxt,) = torch.autograd.grad(gxt.sum(), xt)
    tol = dict(atol=1e-12, rtol=1e-12) if dtype == "float64" else dict(atol=1e-6, rtol=1e-6)
    for ours, theirs in [(y, yt), (gx, gxt), (ggx, ggxt)]:
        assert ours.dtype == np.dtype(dtype)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **tol)
    np.testing.assert_allclose(gx.detach().numpy() / upstream, [0, 0, -1 / 3, 1 / 6, 0.5, 1, 1, 1], **tol)  # by hand


def test_hardswish_is_an_op_a_method_and_takes_pytorchs_inplace():
    x = lm.tensor([-4.0, -3.0, 0.0, 1.0, 3.0, 6.0])
    expected = [0.0, 0.0, 0.0, 4 / 6, 3.0, 6.0]
    np.testing.assert_allclose(x.hardswish().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(lm.hardswish(x).numpy(), expected, rtol=1e-6)
    y = F.hardswish(x, inplace=True)  # accepted as PyTorch code writes it; the result is a new tensor
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    assert x.tolist() == [-4.0, -3.0, 0.0, 1.0, 3.0, 6.0]
    assert x.hardswish().grad_fn is None and lm.Tensor.hardswish is F.hardswish


def test_hardswish_refuses_integer_input():
    with pytest.raises(TypeError, match="hardswish: input dtype must be floating point, got lamina.int64"):
        F.hardswish(lm.tensor([1, 2]))


# ---- stability -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [
    lambda x: F.log_softmax(x, 1), lambda x: F.softmax(x, 1), F.sigmoid, F.softplus, F.tanh,
    lambda x: F.softplus(x, beta=3.0), F.hardswish,
], ids=["log_softmax", "softmax", "sigmoid", "softplus", "tanh", "softplus_beta", "hardswish"])
def test_finite_values_and_gradients_for_huge_inputs(fn, finite_at_extremes):
    finite_at_extremes(fn)


def test_log_softmax_and_logsumexp_values_at_extremes(extreme):
    x = lm.tensor(extreme)
    np.testing.assert_allclose(x.logsumexp(1).numpy(), [1e4, 1e4 + np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy()[0], [-2e4, -1e4, 0.0], rtol=1e-6)
    np.testing.assert_allclose(F.sigmoid(x).numpy()[0], [0.0, 0.5, 1.0])


@pytest.mark.parametrize("size", [5, 40_000])  # below and above the zero row of positive_part
def test_relu_passes_the_gradient_of_a_nan_as_pytorch(size):
    """Only x <= 0 blocks ReLU's gradient: NaN gives NaN forward and passes its gradient (PyTorch's rule),
    with the graph recorded (create_graph) or not."""
    x = np.linspace(-1, 1, size)
    x[::3] = np.nan
    for create_graph in (False, True):
        a, t = lm.from_numpy(x).requires_grad_(), torch.tensor(x, requires_grad=True)
        (ga,) = lm.grad(F.relu(a).sum(), [a], create_graph=create_graph)
        (gt,) = torch.autograd.grad(torch.relu(t).sum(), t)
        np.testing.assert_array_equal(F.relu(a).detach().numpy(), torch.relu(t).detach().numpy())
        np.testing.assert_array_equal(ga.detach().numpy(), gt.numpy())


# ---- the activations PyTorch code uses beyond the courses' ------------------------------------------------
KINK_POINTS = [-30.0, -6.0, -3.0, -2.0, -1.0, -0.5, -0.125, 0.0, 0.125, 0.5, 1.0, 2.0, 3.0, 6.0, 30.0]
MORE = {  # name: (lamina fn, torch fn); inputs are the kinks above and random normal values
    "silu": (F.silu, TF.silu), "mish": (F.mish, TF.mish), "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid), "relu6": (F.relu6, TF.relu6),
    "hardtanh": (lambda x: F.hardtanh(x, -2.0, 3.0), lambda x: TF.hardtanh(x, -2.0, 3.0)),
    "celu": (lambda x: F.celu(x, 2.0), lambda x: TF.celu(x, 2.0)), "celu1": (F.celu, TF.celu),
    "threshold": (lambda x: F.threshold(x, 1.0, 5.0), lambda x: TF.threshold(x, 1.0, 5.0)),
    "hardshrink": (F.hardshrink, TF.hardshrink), "softshrink": (lambda x: F.softshrink(x, 1.0),
                                                                lambda x: TF.softshrink(x, 1.0)),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink),
    "softmin": (lambda x: F.softmin(x, 0), lambda x: TF.softmin(x, 0)),
    "glu": (lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0)),
    "rrelu_eval": (F.rrelu, TF.rrelu),
    "prelu": (lambda x: F.prelu(x, lm.tensor([0.25], dtype=x.dtype)),
              lambda x: TF.prelu(x, torch.tensor([0.25], dtype=x.dtype))),
}


def _points_and_noise(dtype):
    rng = np.random.default_rng(3)
    return np.concatenate([KINK_POINTS, rng.standard_normal(15)]).astype(dtype)  # 30 values: glu halves them


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(MORE))
def test_more_activations_match_pytorch_at_the_kinks(name, dtype):
    """Values and gradients against PyTorch, exactly at the kink points (PyTorch's one-sided slopes there)."""
    ours, theirs = MORE[name]
    array = _points_and_noise(dtype)
    x, xt = lm.tensor(array, dtype=dtype, requires_grad=True), torch.tensor(array, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    upstream = np.linspace(0.5, 1.5, y.shape[0]).astype(dtype)
    y.backward(lm.tensor(upstream, dtype=dtype))
    yt.backward(torch.tensor(upstream))
    tol = dict(atol=1e-10, rtol=1e-10) if dtype == "float64" else dict(atol=1e-6, rtol=1e-5)
    assert y.dtype == np.dtype(dtype) and y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("name", ["silu", "mish", "logsigmoid", "celu", "tanhshrink", "softmin", "glu"])
def test_smooth_new_activations_have_second_derivatives(name, r):
    x = r(4, 6)
    assert lm.gradcheck(MORE[name][0], x)
    assert lm.gradgradcheck(MORE[name][0], x)


@pytest.mark.parametrize("name", ["hardsigmoid", "relu6", "threshold", "hardshrink", "softshrink", "prelu"])
def test_piecewise_new_activations_pass_gradcheck_away_from_kinks(name, leaf):
    x = leaf([[-4.1, -2.7, -0.8, -0.3], [0.2, 0.7, 1.6, 4.4]])
    assert lm.gradcheck(MORE[name][0], x)


def test_prelu_learns_one_slope_per_channel(leaf):
    rng = np.random.default_rng(5)
    array, weight = rng.standard_normal((2, 3, 4)), np.array([0.1, 0.2, 0.3])
    x, w = leaf(array), leaf(weight)
    xt, wt = torch.tensor(array, requires_grad=True), torch.tensor(weight, requires_grad=True)
    F.prelu(x, w).sum().backward()
    TF.prelu(xt, wt).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    assert lm.gradcheck(lambda x, w: F.prelu(x, w), x, w)


def test_rrelu_in_training_draws_slopes_in_range_and_uses_them_as_gradient(leaf):
    x = leaf(-np.linspace(1, 2, 50))
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    slopes = y.detach().numpy() / x.detach().numpy()
    assert ((slopes >= 0.1) & (slopes <= 0.3)).all() and len(set(slopes.round(12))) > 1
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-12)
    assert (F.rrelu(leaf([1.0, 2.0]), training=True).detach().numpy() == [1.0, 2.0]).all()


def test_integer_input_keeps_pytorchs_dtype_or_raises():
    ints, tints = lm.tensor([-2, 1, 8]), torch.tensor([-2, 1, 8])
    for ours, theirs in [(F.relu6, TF.relu6), (lambda x: F.hardtanh(x, 0.0, 1.0), lambda x: TF.hardtanh(x, 0.0, 1.0)),
                         (lambda x: F.threshold(x, 0, 5), lambda x: TF.threshold(x, 0, 5)),
                         (F.tanhshrink, TF.tanhshrink)]:
        y, yt = ours(ints), theirs(tints)
        assert str(y.dtype) == str(yt.dtype).replace("torch.", "lamina.")
        np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-6)
    for fn, tfn in [(F.silu, TF.silu), (F.mish, TF.mish), (F.hardsigmoid, TF.hardsigmoid),
                    (F.logsigmoid, TF.logsigmoid), (F.hardshrink, TF.hardshrink), (F.celu, TF.celu),
                    (lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0)),
                    (lambda x: F.log_softmax(x, 0), lambda x: TF.log_softmax(x, 0)),
                    (lambda x: F.softmin(x, 0), lambda x: TF.softmin(x, 0))]:
        with pytest.raises(RuntimeError):
            tfn(tints)
        with pytest.raises(RuntimeError, match="floating point"):
            fn(ints)


@pytest.mark.parametrize("call", [
    lambda F: F.hardtanh(F_in(F), 2.0, 1.0), lambda F: F.celu(F_in(F), 0.0), lambda F: F.glu(F_in(F, 3)),
    lambda F: F.glu(F_in(F, ())), lambda F: F.softshrink(F_in(F), -1.0), lambda F: F.rrelu(F_in(F), 0.5, 0.1),
    lambda F: F.prelu(F_in(F, (2, 3)), F_in(F, 2)), lambda F: F.prelu(F_in(F, (2, 3)), F_in(F, (1, 3))),
    lambda F: F.glu(F_in(F, (2, 2)), 2), lambda F: F.softmax(F_in(F, (2, 3)), 2),
    lambda F: F.softmax(F_in(F, ()), 1),
], ids=["hardtanh_bounds", "celu_alpha0", "glu_odd", "glu_scalar", "softshrink_negative", "rrelu_bounds",
        "prelu_count", "prelu_2d_weight", "glu_dim", "softmax_dim", "softmax_0d_dim"])
def test_bad_arguments_raise_pytorchs_exception_type(call):
    with pytest.raises(Exception) as theirs:
        call(TF)
    with pytest.raises(theirs.type if theirs.type is not ValueError else ValueError):
        call(F)


def F_in(module, shape=4):
    """Zeros of ``shape`` in the library of ``module`` (torch.nn.functional or lamina.functional)."""
    return torch.zeros(shape) if module is TF else lm.zeros(shape)


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_edge_cases_match_pytorch(op):
    ours, theirs = getattr(F, op), getattr(TF, op)
    for dim in (0, -1):  # 0-d tensors: one element, dim 0 or -1
        y, yt = ours(lm.tensor(2.0), dim), theirs(torch.tensor(2.0), dim)
        assert y.shape == () and np.allclose(y.numpy(), yt.numpy())
    for shape, dim in [((0, 3), 0), ((0, 3), 1), ((2, 0), 1)]:  # empty tensors
        assert ours(lm.zeros(shape), dim).shape == tuple(theirs(torch.zeros(shape), dim).shape)
    ints = [[1, 2, 3], [3, 1, 0]]
    y, yt = ours(lm.tensor(ints), 1, dtype=lm.float64), theirs(torch.tensor(ints), 1, dtype=torch.float64)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-12)
    x = lm.tensor([[0.5, 1.0], [2.0, -1.0]], requires_grad=True)
    y = ours(x, dim=1, dtype=lm.float64)
    y.sum().backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float32
    for array in [np.zeros((2, 3, 4)), np.zeros(3)]:  # PyTorch's implicit dim (deprecated) without a dim
        with pytest.warns(UserWarning):
            expected = theirs(torch.tensor(array)).numpy()
        np.testing.assert_allclose(ours(lm.from_numpy(array)).numpy(), expected)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu", "softplus", "softsign"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_the_classic_activations_on_integers_and_bools_follow_pytorch(name, dtype):
    """relu keeps integers, sigmoid/tanh/softsign compute them in float32, the others raise (a RuntimeError)."""
    array = np.array([-2, 0, 3]).astype(dtype)
    try:
        expected = getattr(TF, name)(torch.tensor(array))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            getattr(F, name)(lm.from_numpy(array))
        return
    y = getattr(F, name)(lm.from_numpy(array))
    assert str(y.dtype) == str(expected.dtype).replace("torch.", "lamina.")
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-6)


def test_the_classic_activations_take_pytorchs_inplace_argument():
    x = lm.tensor([-1.0, 2.0])
    for ours, theirs in [(lambda t: F.relu(t, inplace=False), lambda t: TF.relu(t, inplace=False)),
                         (lambda t: F.leaky_relu(t, 0.2, False), lambda t: TF.leaky_relu(t, 0.2, False)),
                         (lambda t: F.elu(t, 1.0, False), lambda t: TF.elu(t, 1.0, False)),
                         (lambda t: F.selu(t, False), lambda t: TF.selu(t, False))]:
        np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor([-1.0, 2.0])).numpy(), rtol=1e-6)


def test_glu_and_hardtanh_edge_cases_as_pytorch():
    assert F.glu(lm.zeros(0)).shape == tuple(TF.glu(torch.zeros(0)).shape) == (0,)
    with pytest.raises(TypeError):
        TF.glu(torch.zeros(3, 4), None)
    with pytest.raises(TypeError, match="dim"):
        F.glu(lm.zeros(3, 4), None)
    uint8 = np.array([1, 2, 9], dtype=np.uint8)
    with pytest.raises(RuntimeError):
        TF.hardtanh(torch.tensor(uint8))
    with pytest.raises(RuntimeError, match="unsigned"):
        F.hardtanh(lm.from_numpy(uint8))
    y, yt = F.relu6(lm.from_numpy(uint8)), TF.relu6(torch.tensor(uint8))
    assert y.dtype == np.uint8 and y.tolist() == yt.tolist()


def test_relu_of_a_0d_tensor_and_its_gradients():
    for value in (1.5, -1.5):
        x, xt = lm.tensor(value, dtype="float64", requires_grad=True), torch.tensor(value, requires_grad=True)
        (g,) = lm.grad(F.relu(x) * 2, [x], create_graph=True)
        F.relu(x).backward()
        torch.relu(xt).backward()
        assert g.item() == 2 * xt.grad.item() and x.grad.item() == xt.grad.item()


def test_softmax_takes_numpy_int_dims_empty_integer_tensors_and_float16_as_pytorch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_allclose(F.softmax(lm.from_numpy(x), np.int64(1)).numpy(),
                               TF.softmax(torch.tensor(x), 1).numpy(), rtol=1e-12)
    for op in ("softmax", "log_softmax"):
        empty = getattr(F, op)(lm.zeros(2, 0, dtype=lm.int64), -1)
        assert empty.dtype == np.int64 and empty.shape == tuple(getattr(TF, op)(torch.zeros(2, 0).long(), -1).shape)
        half = x.astype(np.float16)
        y, yt = getattr(F, op)(lm.from_numpy(half), 2), getattr(TF, op)(torch.tensor(half), 2)
        assert y.dtype == np.float16  # computed in float32 as PyTorch: within float16's rounding
        np.testing.assert_allclose(y.numpy().astype(np.float32), yt.numpy().astype(np.float32), rtol=2e-3, atol=1e-3)
