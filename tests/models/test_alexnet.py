"""AlexNet against torchvision: parameter count, state_dict names, and outputs equal to a PyTorch model written
after torchvision's source (tests/models/torch_zoo.py) with the same weights, in eval and train mode."""
import numpy as np
import pytest

import lamina as lm
from lamina.models import AlexNet, alexnet


@pytest.fixture(scope="module")
def pair(torch_zoo):
    """(Lamina alexnet, PyTorch reference), 1000 classes, no dropout (so that training mode is deterministic)."""
    lm.manual_seed(0)
    return alexnet(dropout=0.0), torch_zoo.AlexNet(dropout=0.0)


def test_parameter_count_is_torchvisions(pair, torch_zoo):
    model, reference = pair
    assert torch_zoo.count(reference) == 61_100_840
    assert sum(p.numel() for p in model.parameters()) == 61_100_840
    linear = sum(p.numel() for p in model.classifier.parameters())
    assert linear == 58_631_144                                        # 96 % of the parameters: the classifier


def test_state_dict_names_and_shapes_are_torchvisions(pair):
    model, reference = pair
    ours, theirs = model.state_dict(), reference.state_dict()
    assert list(ours) == list(theirs)
    assert all(tuple(ours[k].shape) == tuple(theirs[k].shape) for k in theirs)


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_outputs_equal_pytorchs_with_the_same_weights(pair, torch_zoo, rng, train):
    model, reference = pair
    torch_zoo.load_into(model, reference)
    x = rng.standard_normal((2, 3, 64, 64)).astype(np.float32)       # 64x64: the features end at 1x1
    logits, = torch_zoo.assert_same_outputs(model, reference, x, train)
    assert logits.shape == (2, 1000)


def test_dropout_acts_in_training_only(pair):
    model = pair[0]
    assert AlexNet.__init__.__defaults__ == (1000, 0.5)                # torchvision's num_classes and dropout
    x = lm.randn(2, 3, 64, 64)
    dropouts = [model.classifier[0], model.classifier[3]]
    try:
        for dropout in dropouts:
            dropout.p = 0.5
        with lm.no_grad():
            model.eval()
            np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())
            model.train()
            assert not np.array_equal(model(x).numpy(), model(x).numpy())
    finally:
        for dropout in dropouts:
            dropout.p = 0.0
