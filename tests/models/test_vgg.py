"""VGG-11/13/16/19 (and _bn) against torchvision: parameter counts, state_dict names, outputs equal to a PyTorch
model written after torchvision's source (tests/models/torch_zoo.py) with the same weights in eval and train
mode; ``vgg_block`` on its own; torchvision's initialisation.

A VGG holds 133-144 million parameters, 124 million of them in the classifier (25088 -> 4096 -> 4096 -> 1000),
which every variant shares: building one takes seconds, so one model (VGG-16-BN) is built whole, and the other
variants' counts are their ``features`` (built with the same code as the constructors) plus that classifier.
"""
import math

import numpy as np
import pytest

import lamina as lm
from lamina.models import VGG, vgg16_bn, vgg_block
from lamina.models import vgg as vgg_module

TORCHVISION_PARAMETERS = {"vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg13": 133_047_848,
                          "vgg13_bn": 133_053_736, "vgg16": 138_357_544, "vgg16_bn": 138_365_992,
                          "vgg19": 143_667_240, "vgg19_bn": 143_678_248}
CONFIG = {"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope="module")
def built(torch_zoo):
    """The whole VGG-16-BN (1000 classes, no dropout; its own initialisation skipped, the weights come from the
    reference) and its PyTorch reference (BN statistics randomised)."""
    model = vgg16_bn(dropout=0.0, init_weights=False)
    reference = torch_zoo.randomise_batch_norm(torch_zoo.vgg("vgg16_bn", dropout=0.0))
    return model, reference


def test_vgg16_bn_parameter_count_is_torchvisions(built, torch_zoo):
    model, reference = built
    assert torch_zoo.count(reference) == count(model) == TORCHVISION_PARAMETERS["vgg16_bn"]


@pytest.mark.parametrize("name", TORCHVISION_PARAMETERS)
def test_every_variant_has_torchvisions_count_and_names(built, torch_zoo, name):
    model = built[0]
    base, batch_norm = name.removesuffix("_bn"), name.endswith("_bn")
    features = vgg_module.make_layers(vgg_module.CONVS_PER_BLOCK[CONFIG[base]], batch_norm)
    assert count(features) + count(model.classifier) == TORCHVISION_PARAMETERS[name]
    theirs = torch_zoo.vgg_make_layers(torch_zoo.VGG_CFGS[CONFIG[base]], batch_norm).state_dict()
    assert list(features.state_dict()) == list(theirs)


def test_state_dict_names_and_shapes_are_torchvisions(built):
    model, reference = built
    ours, theirs = model.state_dict(), reference.state_dict()
    assert list(ours) == list(theirs)
    assert all(tuple(ours[k].shape) == tuple(theirs[k].shape) for k in theirs)


def test_torchvision_initialisation():
    """VGG's rule, applied to small layers (a whole VGG's classifier holds 120 million weights)."""
    lm.manual_seed(0)
    layers = lm.nn.Sequential(*vgg_block(64, 128, num_convs=1, batch_norm=True), lm.nn.Linear(500, 400))
    VGG._initialize_weights(layers)
    conv, bn, linear = layers[0], layers[1], layers[4]
    assert conv.weight.detach().numpy().std() == pytest.approx(math.sqrt(2 / (128 * 9)), rel=0.02)  # He, fan_out
    assert np.all(conv.bias.detach().numpy() == 0) and np.all(bn.weight.detach().numpy() == 1)
    assert linear.weight.detach().numpy().std() == pytest.approx(0.01, rel=0.02)
    assert np.all(linear.bias.detach().numpy() == 0)


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_outputs_equal_pytorchs_with_the_same_weights(built, torch_zoo, rng, train):
    model, reference = built
    torch_zoo.load_into(model, reference)
    x = rng.standard_normal((2, 3, 32, 32)).astype(np.float32)        # 32x32: five pools end at 1x1
    logits, = torch_zoo.assert_same_outputs(model, reference, x, train)
    assert logits.shape == (2, 1000)


def test_vgg_block_halves_the_size_after_its_3x3_convolutions():
    block = vgg_block(3, 16, num_convs=2, batch_norm=True).eval()
    assert [type(m).__name__ for m in block] == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "ReLU",
                                                 "MaxPool2d"]
    assert all(m.kernel_size == (3, 3) and m.padding == (1, 1) for m in block if isinstance(m, lm.nn.Conv2d))
    with lm.no_grad():
        assert block(lm.randn(1, 3, 10, 10)).shape == (1, 16, 5, 5)
    assert len(vgg_block(8, 8, num_convs=3)) == 3 * 2 + 1

