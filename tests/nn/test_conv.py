"""The convolution layers (Conv1d/2d/3d, ConvTranspose1d/2d/3d) against torch.nn's with the same weights:
parameter shapes and names, the default initialisation's bounds, outputs and gradients, output shapes."""
import math

import numpy as np
import pytest
import torch

import lamina as lm
from lamina.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

LAYERS = [
    (Conv1d, torch.nn.Conv1d, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2),
     (2, 4, 9)),
    (Conv2d, torch.nn.Conv2d, dict(in_channels=3, out_channels=4, kernel_size=(3, 2), padding="same"), (2, 3, 6, 5)),
    (Conv3d, torch.nn.Conv3d, dict(in_channels=4, out_channels=6, kernel_size=(2, 3, 2), stride=(1, 2, 1),
                                   padding=1, dilation=(2, 1, 1), groups=2), (2, 4, 5, 6, 4)),
    (Conv3d, torch.nn.Conv3d, dict(in_channels=2, out_channels=3, kernel_size=3, bias=False), (2, 4, 4, 4)),
    (ConvTranspose1d, torch.nn.ConvTranspose1d, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2,
                                                     output_padding=1, groups=2), (2, 4, 5)),
    (ConvTranspose2d, torch.nn.ConvTranspose2d, dict(in_channels=3, out_channels=2, kernel_size=3, stride=2,
                                                     padding=1, output_padding=1), (2, 3, 4, 4)),
    (ConvTranspose3d, torch.nn.ConvTranspose3d, dict(in_channels=4, out_channels=2, kernel_size=(3, 2, 2),
                                                     stride=2, padding=(1, 0, 0), output_padding=(1, 0, 1),
                                                     groups=2, dilation=1), (2, 4, 3, 3, 2)),
    (ConvTranspose3d, torch.nn.ConvTranspose3d, dict(in_channels=2, out_channels=3, kernel_size=2, bias=False),
     (2, 2, 3, 3)),
]
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.")  # PyTorch's note on its own padding
IDS = [f"{ours.__name__}-{i}" for i, (ours, *_) in enumerate(LAYERS)]


@pytest.mark.parametrize("ours, theirs, kwargs, shape", LAYERS, ids=IDS)
def test_layer_matches_torch_with_the_same_weights(ours, theirs, kwargs, shape):
    rng = np.random.default_rng(3)
    layer, reference = ours(**kwargs, dtype=lm.float64), theirs(**kwargs, dtype=torch.float64)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in reference.named_parameters()]
    for (_, p), (_, q) in zip(layer.named_parameters(), reference.named_parameters()):
        p.data[...] = q.detach().numpy()
    x = rng.standard_normal(shape)
    xl, xt = lm.tensor(x, dtype=lm.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = layer(xl), reference(xt)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(lm.tensor(g, dtype=lm.float64))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xl.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (_, p), (_, q) in zip(layer.named_parameters(), reference.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-10, atol=1e-12)
    if len(shape) == layer.weight.ndim:  # batched
        assert layer.compute_output_shape(shape) == tuple(yt.shape)


@pytest.mark.parametrize("ours, theirs, kwargs, shape", LAYERS, ids=IDS)
def test_default_init_has_torchs_bounds(ours, theirs, kwargs, shape):
    """Kaiming-uniform weights and a bias in +-1/sqrt(fan_in), fan_in = weight.shape[1] * prod(kernel)."""
    layer = ours(**kwargs)
    w = layer.weight.data
    bound = 1 / math.sqrt(w.shape[1] * math.prod(w.shape[2:]))
    assert layer.weight.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    if layer.bias is not None:
        assert np.abs(layer.bias.data).max() <= bound


def test_output_shapes_of_3d_layers():
    conv = Conv3d(2, 3, (3, 2, 1), stride=(2, 1, 1), padding=(1, 0, 0))
    assert conv.compute_output_shape((4, 2, 7, 5, 3)) == tuple(
        torch.nn.Conv3d(2, 3, (3, 2, 1), stride=(2, 1, 1), padding=(1, 0, 0))(torch.zeros(4, 2, 7, 5, 3)).shape)
    up = ConvTranspose3d(2, 3, 3, stride=2, output_padding=1)
    assert up.compute_output_shape((1, 2, 3, 4, 2)) == (1, 3, 8, 10, 6)
    assert up(lm.zeros(1, 2, 3, 4, 2)).shape == (1, 3, 8, 10, 6)


def test_wrong_channels_name_the_layer():
    with pytest.raises(RuntimeError, match=r"Conv3d: expected input of shape \(N, 2, \.\.\.\)"):
        Conv3d(2, 3, 2)(lm.zeros(1, 3, 4, 4, 4))
    with pytest.raises(RuntimeError, match="ConvTranspose1d"):
        ConvTranspose1d(2, 3, 2)(lm.zeros(1, 2, 4, 4))


def test_torchs_keyword_arguments_are_accepted():
    """padding_mode and device, in torch's positions (a non-'zeros' mode pads with F.pad first)."""
    conv = Conv3d(2, 3, 2, 1, 0, 1, 1, True, "zeros", None, lm.float64)
    assert conv.weight.dtype == np.float64 and conv.padding_mode == "zeros"
    assert ConvTranspose1d(2, 3, 2, padding_mode="zeros", device=None).weight.shape == (2, 3, 2)
    with pytest.raises(ValueError):
        torch.nn.Conv2d(2, 3, 2, padding_mode="mirror")
    with pytest.raises(ValueError):
        Conv2d(2, 3, 2, padding_mode="mirror")
    with pytest.raises(ValueError):
        torch.nn.ConvTranspose2d(2, 3, 2, padding_mode="reflect")
    with pytest.raises(ValueError):
        ConvTranspose2d(2, 3, 2, padding_mode="reflect")


def test_transposed_layers_take_an_output_size_as_torch():
    x = np.random.default_rng(8).standard_normal((1, 2, 3, 4, 3))
    up, reference = ConvTranspose3d(2, 3, 3, stride=2, padding=1, dtype=lm.float64), \
        torch.nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1, dtype=torch.float64)
    for (_, p), (_, q) in zip(up.named_parameters(), reference.named_parameters()):
        p.data[...] = q.detach().numpy()
    for size in [(6, 8, 5), (1, 3, 5, 7, 6), (5, 7, 5)]:
        expected = reference(torch.tensor(x), output_size=size).detach().numpy()
        np.testing.assert_allclose(up(lm.from_numpy(x), output_size=size).data, expected, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError):
        reference(torch.tensor(x), output_size=(9, 8, 5))
    with pytest.raises(ValueError):
        up(lm.from_numpy(x), output_size=(9, 8, 5))
