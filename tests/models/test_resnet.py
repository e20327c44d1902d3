"""ResNet-18/34/50 against torchvision: parameter counts, state_dict names, and outputs equal to a PyTorch
model written after torchvision's source (tests/models/torch_zoo.py) with the same weights, in eval and train
mode; the blocks on their own, the initialisation and the errors."""
import math

import numpy as np
import pytest

import lamina as lm
from lamina.models import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50

TORCHVISION_PARAMETERS = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032}
BUILDERS = {"resnet18": resnet18, "resnet34": resnet34, "resnet50": resnet50}


@pytest.fixture(scope="module")
def pairs(torch_zoo):
    """name -> (Lamina model, PyTorch reference), 1000 classes, the reference's BN statistics randomised."""
    lm.manual_seed(0)
    return {name: (build(), torch_zoo.randomise_batch_norm(torch_zoo.resnet(name))) for name, build in BUILDERS.items()}


@pytest.mark.parametrize("name", BUILDERS)
def test_parameter_counts_are_torchvisions(pairs, torch_zoo, name):
    model, reference = pairs[name]
    assert torch_zoo.count(reference) == TORCHVISION_PARAMETERS[name]
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION_PARAMETERS[name]
    assert model.summary((3, 224, 224), print_fn=None).total_params == TORCHVISION_PARAMETERS[name]


@pytest.mark.parametrize("name", BUILDERS)
def test_state_dict_names_and_shapes_are_torchvisions(pairs, name):
    model, reference = pairs[name]
    ours, theirs = model.state_dict(), reference.state_dict()
    assert list(ours) == list(theirs)                                  # the same names in the same order
    assert all(tuple(ours[k].shape) == tuple(theirs[k].shape) for k in theirs)


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_outputs_equal_pytorchs_with_the_same_weights(pairs, torch_zoo, rng, name, train):
    model, reference = pairs[name]
    torch_zoo.load_into(model, reference)
    x = rng.standard_normal((2, 3, 64, 64)).astype(np.float32)
    logits, = torch_zoo.assert_same_outputs(model, reference, x, train)
    assert logits.shape == (2, 1000)


def test_num_classes_sets_the_last_layer():
    model = resnet18(num_classes=7).eval()
    assert tuple(model.fc.weight.shape) == (7, 512)
    with lm.no_grad():
        assert model(lm.randn(1, 3, 32, 32)).shape == (1, 7)


def test_torchvision_initialisation():
    lm.manual_seed(1)
    model = resnet50(num_classes=10)
    conv = model.layer3[0].conv2.weight.detach().numpy()                     # (256, 256, 3, 3): fan_out = 256 * 9
    assert conv.std() == pytest.approx(math.sqrt(2 / (256 * 9)), rel=0.02)
    assert np.all(model.layer3[0].bn3.weight.detach().numpy() == 1) and np.all(model.bn1.bias.detach().numpy() == 0)
    zero = ResNet(Bottleneck, [1, 1, 1, 2], num_classes=10, zero_init_residual=True)
    assert all(np.all(block.bn3.weight.detach().numpy() == 0) for block in [*zero.layer1, *zero.layer4])
    basic = resnet18(num_classes=10, zero_init_residual=True)
    for block in basic.layer2:
        assert np.all(block.bn2.weight.detach().numpy() == 0) and np.all(block.bn1.weight.detach().numpy() == 1)


def test_a_zero_initialised_block_is_the_identity_plus_relu():
    """With its last BN weight (and bias) 0 the residual branch outputs 0: y = relu(x + 0)."""
    block = BasicBlock(8, 8).eval()
    lm.nn.init.zeros_(block.bn2.weight)
    x = lm.randn(2, 8, 5, 5)
    with lm.no_grad():
        np.testing.assert_array_equal(block(x).numpy(), np.maximum(x.numpy(), 0))


def test_blocks_change_size_and_channels_through_the_downsample_shortcut():
    x = lm.randn(2, 64, 8, 8)
    downsample = lm.nn.Sequential(lm.nn.Conv2d(64, 128, 1, stride=2, bias=False), lm.nn.BatchNorm2d(128))
    assert BasicBlock(64, 128, stride=2, downsample=downsample)(x).shape == (2, 128, 4, 4)
    assert BasicBlock.expansion == 1 and Bottleneck.expansion == 4
    downsample = lm.nn.Sequential(lm.nn.Conv2d(64, 256, 1, bias=False), lm.nn.BatchNorm2d(256))
    block = Bottleneck(64, 64, downsample=downsample)
    assert block(x).shape == (2, 256, 8, 8)
    assert [tuple(c.weight.shape) for c in (block.conv1, block.conv2, block.conv3)] == [
        (64, 64, 1, 1), (64, 64, 3, 3), (256, 64, 1, 1)]                # 1x1 reduce, 3x3, 1x1 expand
    wide = Bottleneck(256, 64, groups=32, base_width=4)                # ResNeXt's width: 4 * 32 = 128 channels
    assert tuple(wide.conv2.weight.shape) == (128, 4, 3, 3)


def test_dilation_replaces_the_stride():
    """torchvision's rule: a stage's first block keeps the previous dilation, the others take the new one."""
    model = ResNet(Bottleneck, [1, 1, 2, 2], num_classes=3, replace_stride_with_dilation=[False, True, True]).eval()
    assert model.layer3[0].conv2.stride == (1, 1) and model.layer4[0].conv2.stride == (1, 1)
    assert [model.layer3[0].conv2.dilation, model.layer3[1].conv2.dilation] == [(1, 1), (2, 2)]
    assert [model.layer4[0].conv2.dilation, model.layer4[1].conv2.dilation] == [(2, 2), (4, 4)]
    with lm.no_grad():
        assert model(lm.randn(1, 3, 64, 64)).shape == (1, 3)


def test_errors():
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1 and base_width=64"):
        BasicBlock(64, 64, groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1"):
        BasicBlock(64, 64, dilation=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation"):
        ResNet(BasicBlock, [1, 1, 1, 1], replace_stride_with_dilation=[True])


def test_weights_load_from_a_file_the_user_has(pairs, tmp_path):
    """Nothing is downloaded: the weights come from a file (Lamina's format here), and a fresh model given them
    computes what the saved one computes."""
    model = pairs["resnet18"][0].eval()
    path = tmp_path / "resnet18.lamina"
    lm.save(model.state_dict(), path)
    lm.manual_seed(123)
    fresh = resnet18().eval()
    fresh.load_state_dict(lm.load(path))
    x = lm.randn(1, 3, 32, 32)
    with lm.no_grad():
        np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_a_pytorch_resnet18_saved_as_safetensors_loads_and_computes_the_same(pairs, torch_zoo, rng, tmp_path):
    """The way torchvision's weights reach a user without a download at import: PyTorch writes a .safetensors
    file, Lamina reads it (``lm.load``) into its ResNet-18."""
    import safetensors.torch
    reference = pairs["resnet18"][1]
    path = tmp_path / "resnet18.safetensors"
    safetensors.torch.save_file(reference.state_dict(), str(path))
    lm.manual_seed(7)
    model = resnet18()
    result = model.load_state_dict(lm.load(path))
    assert not result.missing_keys and not result.unexpected_keys
    torch_zoo.assert_same_outputs(model, reference, rng.standard_normal((1, 3, 64, 64)).astype(np.float32), False)
