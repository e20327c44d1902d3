"""examples/fashion_mnist_resnet.py: its BasicBlock against PyTorch's (torchvision's structure), the network's
shapes, the augmentation, the weight-decay groups and a tiny training run on real Fashion-MNIST images."""
import inspect

import numpy as np
import pytest
import torch
from torch import nn as tnn

import lamina as lm


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("fashion_mnist_resnet")


class TorchBasicBlock(tnn.Module):
    """torchvision.models.resnet.BasicBlock, written out (torchvision does not load here)."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


def test_basic_block_has_torchvisions_signature(example):
    parameters = inspect.signature(example.BasicBlock).parameters
    assert [(p.name, p.default) for p in parameters.values()] == [
        ("inplanes", inspect.Parameter.empty), ("planes", inspect.Parameter.empty), ("stride", 1),
        ("downsample", None), ("groups", 1), ("base_width", 64), ("dilation", 1), ("norm_layer", None)]
    assert example.BasicBlock.expansion == 1
    with pytest.raises(ValueError, match="groups=1"):
        example.BasicBlock(4, 4, groups=2)


@pytest.mark.parametrize("stride, inplanes", [(1, 6), (2, 4)])
def test_basic_block_matches_pytorch_with_the_same_weights(example, rng, stride, inplanes):
    torch.manual_seed(0)
    planes = 6
    downsample = None if stride == 1 and inplanes == planes else \
        tnn.Sequential(tnn.Conv2d(inplanes, planes, 1, stride, bias=False), tnn.BatchNorm2d(planes))
    theirs = TorchBasicBlock(inplanes, planes, stride, downsample).double()
    for name, value in theirs.state_dict().items():       # random BN scales, shifts and running statistics too
        if name.endswith("running_var"):
            value.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, value.shape)))
        elif value.dtype.is_floating_point:
            value.copy_(torch.from_numpy(rng.normal(0, 0.5, value.shape)))
    ours = example.BasicBlock(inplanes, planes, stride,
                              None if downsample is None else example.stage(inplanes, planes, 1, stride)[0].downsample)
    ours = ours.double()
    ours.load_state_dict({k: lm.from_numpy(v.numpy()) for k, v in theirs.state_dict().items()})
    x = rng.normal(size=(3, inplanes, 8, 8))
    for train in (True, False):
        ours.train(train), theirs.train(train)
        xt, xl = torch.tensor(x, requires_grad=True), lm.tensor(x, dtype=lm.float64, requires_grad=True)
        yt, yl = theirs(xt), ours(xl)
        np.testing.assert_allclose(yl.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-10)
        yt.pow(2).sum().backward(), (yl ** 2).sum().backward()
        np.testing.assert_allclose(xl.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(ours.conv1.weight.grad.numpy(), theirs.conv1.weight.grad.numpy(), rtol=1e-8,
                                   atol=1e-10)
        ours.zero_grad(), theirs.zero_grad()


def test_small_resnet_shapes_and_zero_initialised_residual_branches(example):
    lm.manual_seed(0)
    model = example.small_resnet(widths=(4, 8, 16), blocks=(1, 2, 1))
    assert model(lm.randn(5, 1, 28, 28)).shape == (5, 10)
    blocks = [m for m in model.modules() if isinstance(m, example.BasicBlock)]
    assert len(blocks) == 4 and all((b.bn2.weight.detach().numpy() == 0).all() for b in blocks)
    assert [b.conv1.stride for b in blocks] == [(1, 1), (2, 2), (1, 1), (2, 2)]
    assert [b.downsample is None for b in blocks] == [True, False, True, False]   # 4 -> 4 at stage 1 needs none
    half = example.small_resnet(widths=(4, 8, 16), blocks=(1, 1, 1), first_stride=2)
    with lm.no_grad():
        assert half[:4](lm.randn(2, 1, 28, 28)).shape == (2, 4, 14, 14)


def test_augmentation_shifts_by_at_most_the_padding_and_sometimes_mirrors(example, rng):
    images = rng.random((64, 1, 28, 28)).astype(np.float32)
    out = example.augmenter(seed=0, padding=2)(images)
    assert out.shape == images.shape and out.dtype == np.float32
    padded = np.pad(images, ((0, 0), (0, 0), (2, 2), (2, 2)))
    found = []
    for n in range(64):
        for flip in (False, True):
            source = padded[n, :, :, ::-1] if flip else padded[n]
            for dy in range(5):
                for dx in range(5):
                    if np.array_equal(out[n], source[:, dy:dy + 28, dx:dx + 28]):
                        found.append((flip, dy, dx))
    assert len(found) == 64                                                  # each image is one shifted copy
    assert 16 < sum(flip for flip, _, _ in found) < 48                         # about half are mirrored
    assert len({(dy, dx) for _, dy, dx in found}) > 10                        # and the shifts vary


def test_weight_decay_applies_to_convolution_and_linear_weights_only(example):
    model = example.small_resnet(widths=(4, 8, 8), blocks=(1, 1, 1))
    decayed, others = example.weight_decay_groups(model, 5e-4)
    assert decayed["weight_decay"] == 5e-4 and others["weight_decay"] == 0.0
    assert all(p.ndim in (2, 4) for p in decayed["params"]) and all(p.ndim == 1 for p in others["params"])
    assert len(decayed["params"]) + len(others["params"]) == len(list(model.parameters()))


class _Optimizer:
    def __init__(self):
        self.param_groups = [{"lr": 1.0}, {"lr": 1.0}]


def test_one_cycle_rises_to_max_lr_then_anneals_and_ends_after_total_steps(example):
    optimizer = _Optimizer()
    schedule = example.OneCycle(optimizer, max_lr=0.4, total_steps=100)
    assert [g["lr"] for g in optimizer.param_groups] == [pytest.approx(0.4 / 25)] * 2
    lrs, ended = [], []
    for _ in range(100):
        ended.append(schedule.step())
        lrs.append(optimizer.param_groups[1]["lr"])
    assert ended == [False] * 99 + [True]
    assert max(lrs) == pytest.approx(0.4) and lrs.index(max(lrs)) == 24            # the peak at a quarter
    assert all(a < b for a, b in zip(lrs[:24], lrs[1:25])) and all(a > b for a, b in zip(lrs[24:-1], lrs[25:]))
    assert lrs[-1] == pytest.approx(0.4 / 25e4)


def test_one_cycle_with_a_spent_budget_ends_at_once(example):
    optimizer = _Optimizer()
    schedule = example.OneCycle(optimizer, max_lr=0.4, total_steps=10_000, minutes=1e-9)
    assert schedule.step() is True and optimizer.param_groups[0]["lr"] == pytest.approx(0.4 / 25e4)


def test_a_tiny_run_on_real_images_learns(example, shared_data, capsys):
    accuracy = example.main(epochs=3, widths=(8, 8, 16), blocks=(1, 1, 1), batch_size=32, max_lr=0.2,
                            data=shared_data, train_limit=512, test_limit=300, summary=False)
    out = capsys.readouterr().out
    assert out.count("epoch ") == 3 and f"test accuracy {accuracy:.2%}" in out
    assert accuracy > 0.25                       # ten classes: chance is 0.1 (48 steps of a tiny net: about 0.35)


def test_mirror_averaged_accuracy_classifies_by_the_mean_of_both_views(example, rng):
    lm.manual_seed(0)
    model = lm.nn.Sequential(lm.nn.Flatten(), lm.nn.Linear(784, 3))   # a net whose two views often disagree
    model[1].weight.data[...] = rng.normal(0, 0.5, (3, 784))
    images = rng.random((60, 1, 28, 28)).astype(np.float32)
    with lm.no_grad():
        views = [lm.functional.softmax(model(lm.from_numpy(np.ascontiguousarray(x))), dim=1).numpy()
                 for x in (images, images[..., ::-1])]
    labels = views[1].argmax(1)                            # the mirror view's classes as the truth
    one_view, both = example.accuracies(model, images, labels, batch_size=16)
    assert one_view == np.mean(views[0].argmax(1) == labels)
    assert both == np.mean((views[0] + views[1]).argmax(1) == labels)
    assert one_view < 0.8 and both > one_view
