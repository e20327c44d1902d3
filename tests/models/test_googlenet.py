"""GoogLeNet (Inception v1) against torchvision: parameter counts with and without the auxiliary classifiers,
state_dict names, outputs (the three logits in training mode) equal to a PyTorch model written after
torchvision's source (tests/models/torch_zoo.py) with the same weights; the Inception module on its own."""
import numpy as np
import pytest

import lamina as lm
from lamina.models import BasicConv2d, GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet


@pytest.fixture(scope="module")
def pair(torch_zoo):
    """(Lamina googlenet with aux_logits and no dropout, its PyTorch reference with randomised BN statistics)."""
    lm.manual_seed(0)
    model = googlenet(aux_logits=True, num_classes=10, dropout=0.0, dropout_aux=0.0)
    reference = torch_zoo.randomise_batch_norm(torch_zoo.GoogLeNet(10, aux_logits=True, dropout=0.0, dropout_aux=0.0))
    torch_zoo.load_into(model, reference)
    return model, reference


def test_parameter_counts_are_torchvisions(torch_zoo):
    model, with_aux = googlenet(), googlenet(aux_logits=True)
    assert model.summary((3, 224, 224), print_fn=None).total_params == 6_624_904
    assert sum(p.numel() for p in with_aux.parameters()) == 13_004_888
    assert torch_zoo.count(torch_zoo.GoogLeNet(aux_logits=False)) == 6_624_904
    assert torch_zoo.count(torch_zoo.GoogLeNet(aux_logits=True)) == 13_004_888
    assert model.aux1 is None and model.aux2 is None and isinstance(with_aux.aux2, InceptionAux)


@pytest.mark.parametrize("aux_logits", [False, True])
def test_state_dict_names_and_shapes_are_torchvisions(torch_zoo, aux_logits):
    ours = googlenet(aux_logits=aux_logits, num_classes=10).state_dict()
    theirs = torch_zoo.GoogLeNet(10, aux_logits=aux_logits).state_dict()
    assert list(ours) == list(theirs)
    assert all(tuple(ours[k].shape) == tuple(theirs[k].shape) for k in theirs)


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_outputs_equal_pytorchs_with_the_same_weights(pair, torch_zoo, rng, train):
    model, reference = pair
    x = rng.standard_normal((2, 3, 64, 64)).astype(np.float32)
    outputs = torch_zoo.assert_same_outputs(model, reference, x, train)
    assert len(outputs) == (3 if train else 1) and all(o.shape == (2, 10) for o in outputs)


def test_transform_input_is_torchvisions(pair, torch_zoo, rng):
    model, reference = pair
    model.transform_input = reference.transform_input = True
    try:
        x = rng.uniform(size=(1, 3, 48, 48)).astype(np.float32)
        torch_zoo.assert_same_outputs(model, reference, x, train=False)
    finally:
        model.transform_input = reference.transform_input = False


def test_training_returns_the_auxiliary_logits_too_when_asked():
    x = lm.randn(2, 3, 32, 32)
    with lm.no_grad():
        assert googlenet(num_classes=4).train()(x).shape == (2, 4)
        outputs = googlenet(aux_logits=True, num_classes=4).train()(x)
    assert isinstance(outputs, GoogLeNetOutputs) and all(o.shape == (2, 4) for o in outputs)


def test_inception_module_concatenates_four_branches():
    block = Inception(192, 64, 96, 128, 16, 32, 32).eval()           # inception3a
    with lm.no_grad():
        assert block(lm.randn(1, 192, 7, 7)).shape == (1, 64 + 128 + 32 + 32, 7, 7)
    assert tuple(block.branch3[1].conv.weight.shape) == (32, 16, 3, 3)  # torchvision's 3x3 for the "5x5" branch
    assert block.branch2[0].bn.eps == 0.001 and block.branch1.conv.bias is None
    conv = BasicConv2d(3, 5, kernel_size=3, padding=1, stride=2)
    assert tuple(conv.conv.weight.shape) == (5, 3, 3, 3) and conv.conv.stride == (2, 2)


def test_initialisation_and_blocks():
    lm.manual_seed(0)
    model = GoogLeNet(num_classes=10, aux_logits=False)
    assert model.inception4a.branch2[1].conv.weight.detach().numpy().std() == pytest.approx(0.01, rel=0.05)
    assert np.all(model.conv1.bn.weight.detach().numpy() == 1)
    assert isinstance(model.inception5b, Inception) and model.fc.weight.shape == (10, 1024)
