"""Activation layers (and Dropout) accept PyTorch's inplace argument and leave their input intact; Hardswish
against torch.nn.Hardswish and in summary()."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn


def test_pytorch_inplace_arguments_are_accepted_and_leave_the_input_intact():
    x = lm.tensor([[-1.0, 2.0, -3.0]])
    before = x.numpy().copy()
    for layer, expected in [(nn.ReLU(inplace=True), [0.0, 2.0, 0.0]),
                            (nn.LeakyReLU(0.1, inplace=True), [-0.1, 2.0, -0.3]),
                            (nn.Hardtanh(-1.0, 1.0, True), [-1.0, 1.0, -1.0]),
                            (nn.Hardswish(inplace=True), [-1 / 3, 2 * 5 / 6, 0.0]),
                            (nn.ELU(1.0, inplace=True), np.where(before[0] > 0, before[0], np.expm1(before[0]))),
                            (nn.Dropout(0.5, True).eval(), before[0])]:
        np.testing.assert_allclose(layer(x).numpy()[0], expected, rtol=1e-6)
        np.testing.assert_array_equal(x.numpy(), before)
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)" and repr(nn.ReLU()) == "ReLU()"
    assert nn.SELU(inplace=True).inplace


# ---- Hardswish ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_hardswish_matches_torch_in_both_modes(dtype, mode):
    rng = np.random.default_rng(7)
    array = np.concatenate([rng.uniform(-5, 5, (2, 3, 4)).ravel(), [-3.0, 3.0]]).reshape(2, 13).astype(dtype)
    layer, torch_layer = nn.Hardswish(), torch.nn.Hardswish()
    getattr(layer, mode)(), getattr(torch_layer, mode)()
    x, xt = lm.tensor(array, dtype=dtype, requires_grad=True), torch.tensor(array, requires_grad=True)
    y, yt = layer(x), torch_layer(xt)
    upstream = rng.standard_normal(array.shape).astype(dtype)
    y.backward(lm.tensor(upstream, dtype=dtype))
    yt.backward(torch.tensor(upstream))
    tol = dict(atol=1e-12, rtol=1e-12) if dtype == "float64" else dict(atol=1e-6, rtol=1e-6)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol)


def test_hardswish_has_no_state_and_pytorchs_constructor():
    assert dict(nn.Hardswish().state_dict()) == dict(torch.nn.Hardswish().state_dict()) == {}
    assert list(nn.Hardswish().parameters()) == []
    assert repr(nn.Hardswish()) == repr(torch.nn.Hardswish()) == "Hardswish()"
    assert nn.Hardswish(True).inplace and not nn.Hardswish().inplace  # positional, as torch.nn.Hardswish(True)


def test_hardswish_in_summary_has_no_parameters_and_one_flop_per_element():
    model = nn.Sequential(nn.Linear(4, 6), nn.Hardswish(), nn.Linear(6, 2))
    for result in (model.summary((4,), print_fn=None, flops=True),
                   lm.Model(model).summary((4,), print_fn=None, flops=True)):
        row = result.layers[1]
        assert (row.name, row.type, row.output_shape, row.params, row.flops) == ("1", "Hardswish", (None, 6), 0, 6)
        assert result.total_params == (4 * 6 + 6) + (6 * 2 + 2)
        assert "1 (Hardswish)" in result.text
    assert nn.Hardswish().compute_output_shape((3, 2, 5)) == (3, 2, 5)


def test_hardswish_layer_refuses_integer_input():
    with pytest.raises(TypeError, match="hardswish: input dtype must be floating point, got lamina.int64"):
        nn.Hardswish()(lm.tensor([[1, 2]]))


# ---- the other activation layers against torch.nn ---------------------------------------------------------
LAYERS = [  # (constructor name, args, kwargs); the same call builds both layers
    ("ReLU6", (), {}), ("Hardsigmoid", (), {}), ("SiLU", (), {}), ("Mish", (), {}),
    ("LogSigmoid", (), {}), ("CELU", (1.5,), {}), ("Softmin", (1,), {}), ("Threshold", (0.2, -1.0), {}),
    ("GLU", (), {"dim": 1}), ("Hardshrink", (0.3,), {}), ("Softshrink", (), {"lambd": 0.4}), ("Tanhshrink", (), {}),
    ("RReLU", (0.1, 0.3), {}), ("Softmax", (1,), {}), ("PReLU", (), {}), ("PReLU", (4,), {"init": 0.1}),
]


@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=[f"{n}{len(a)}" for n, a, _ in LAYERS])
def test_activation_layers_match_torch_in_eval(name, args, kwargs):
    rng = np.random.default_rng(2)
    array = np.concatenate([rng.uniform(-4, 4, 20), [-3.0, 0.0, 0.2, 3.0]]).reshape(2, 4, 3)
    layer, torch_layer = getattr(nn, name)(*args, **kwargs).eval(), getattr(torch.nn, name)(*args, **kwargs).eval()
    x, xt = lm.tensor(array, dtype="float64", requires_grad=True), torch.tensor(array, requires_grad=True)
    layer.double(), torch_layer.double()
    y, yt = layer(x), torch_layer(xt)
    upstream = rng.standard_normal(tuple(yt.shape))
    y.backward(lm.tensor(upstream, dtype="float64"))
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    assert sorted(layer.state_dict()) == sorted(torch_layer.state_dict())
    if name == "PReLU":
        np.testing.assert_allclose(layer.weight.grad.numpy(), torch_layer.weight.grad.numpy(), atol=1e-10)
        assert layer.weight.dtype == np.float32 or layer.weight.dtype == np.float64


def test_prelu_layer_is_trained_like_torchs():
    layer, torch_layer = nn.PReLU(3), torch.nn.PReLU(3)
    assert [n for n, _ in layer.named_parameters()] == ["weight"] and layer.weight.shape == (3,)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), torch_layer.weight.detach().numpy())
    opt = lm.optim.SGD(layer.parameters(), lr=0.5)
    x = lm.tensor([[-1.0, -2.0, 3.0]])
    layer(x).sum().backward()
    opt.step()
    np.testing.assert_allclose(layer.weight.detach().numpy(), [0.25 + 0.5, 0.25 + 1.0, 0.25], rtol=1e-6)
