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
    with pytest.raises(TypeError, match="hardswish: input dtype must be floating point, got int64"):
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
