"""lamina.models.unet: output size = input size, the divisibility error, and the network against a PyTorch U-Net
built the same way (parameter names and counts, outputs with the same weights in both modes)."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import lamina as lm
from lamina.models import UNet, unet


def torch_double_conv(in_channels, out_channels):
    return torch.nn.Sequential(OrderedDict([
        ("conv1", torch.nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)),
        ("bn1", torch.nn.BatchNorm2d(out_channels)), ("relu1", torch.nn.ReLU()),
        ("conv2", torch.nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)),
        ("bn2", torch.nn.BatchNorm2d(out_channels)), ("relu2", torch.nn.ReLU()),
    ]))


class TorchUNet(torch.nn.Module):
    """The reference: Ronneberger et al.'s U-Net with padded 3x3 convolutions and batch norm, in plain torch.nn."""

    def __init__(self, in_channels, num_classes, base_channels=64, depth=4):
        super().__init__()
        widths = [base_channels * 2 ** level for level in range(depth + 1)]
        inputs = [in_channels] + widths[:depth - 1]
        self.encoders = torch.nn.ModuleList([torch_double_conv(i, o) for i, o in zip(inputs, widths[:depth])])
        self.pool = torch.nn.MaxPool2d(2)
        self.bottom = torch_double_conv(widths[depth - 1], widths[depth])
        self.upsamplers = torch.nn.ModuleList([torch.nn.ConvTranspose2d(widths[level + 1], widths[level], 2, stride=2)
                                               for level in reversed(range(depth))])
        self.decoders = torch.nn.ModuleList([torch_double_conv(2 * widths[level], widths[level])
                                             for level in reversed(range(depth))])
        self.head = torch.nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x):
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for upsample, decoder, skip in zip(self.upsamplers, self.decoders, reversed(skips)):
            x = decoder(torch.cat([skip, upsample(x)], 1))
        return self.head(x)


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("depth, size", [(1, (6, 10)), (2, (8, 12)), (3, (16, 24)), (4, (32, 16)), (3, (64, 64))])
def test_output_has_the_input_size_and_one_map_per_class(depth, size):
    model = unet(2, 5, base_channels=4, depth=depth)
    out = model(lm.tensor(np.random.default_rng(depth).standard_normal((3, 2) + size).astype(np.float32)))
    assert out.shape == (3, 5) + size


@pytest.mark.parametrize("depth, size", [(3, (30, 32)), (3, (32, 12)), (2, (9, 8)), (4, (24, 32))])
def test_sides_not_divisible_by_two_to_the_depth_are_refused_clearly(depth, size):
    model = unet(1, 3, base_channels=2, depth=depth)
    expected = (rf"UNet: input height and width must be divisible by 2\*\*depth = {2 ** depth} \(depth={depth}\), "
                rf"got {size[0]}x{size[1]}")
    with pytest.raises(lm.errors.ArgumentError, match=expected):
        model(lm.zeros(1, 1, *size))
    with pytest.raises(RuntimeError, match="UNet: expected input"):       # PyTorch code catches RuntimeError
        model(lm.zeros(1, 8, 8))


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError, match="UNet: depth must be an integer >= 1, got 0"):
        unet(1, 2, depth=0)
    with pytest.raises(ValueError, match="UNet: num_classes must be an integer >= 1, got 2.5"):
        UNet(1, 2.5)


@pytest.mark.parametrize("in_channels, num_classes, base, depth", [(1, 2, 64, 4), (3, 11, 16, 3), (1, 11, 8, 2)])
def test_parameters_match_a_torch_unet_built_the_same_way(in_channels, num_classes, base, depth):
    ours, theirs = unet(in_channels, num_classes, base, depth), TorchUNet(in_channels, num_classes, base, depth)
    assert count(ours) == count(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]


def test_the_papers_widths_and_the_summary_count():
    model = unet(1, 2)      # base 64, depth 4: 64, 128, 256, 512 channels down, 1024 at the bottom
    assert [m.conv2.out_channels for m in model.encoders] == [64, 128, 256, 512]
    assert model.bottom.conv2.out_channels == 1024
    summary = lm.Model(unet(1, 11, 16, 3)).summary((1, 64, 64))
    assert summary.total_params == count(TorchUNet(1, 11, 16, 3)) == 482_619


@pytest.mark.parametrize("training", [True, False])
def test_outputs_and_gradients_equal_torch_with_the_same_weights(training):
    torch.manual_seed(0)
    theirs = TorchUNet(2, 4, base_channels=4, depth=3).double()
    for name, buffer in theirs.named_buffers():      # non-trivial running statistics for eval mode
        if "running" in name:
            buffer.uniform_(0.5, 1.5)
    ours = unet(2, 4, base_channels=4, depth=3)
    ours.load_state_dict({k: lm.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    ours.double()
    ours.train(training), theirs.train(training)
    x = np.random.default_rng(3).standard_normal((2, 2, 16, 8))
    x_ours, x_theirs = lm.tensor(x, dtype=np.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-9)
    upstream = np.random.default_rng(4).standard_normal(expected.shape)
    (out * lm.tensor(upstream, dtype=np.float64)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-8, atol=1e-9)
    grads = dict(theirs.named_parameters())
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), grads[name].grad.numpy(), rtol=1e-8, atol=1e-9)
