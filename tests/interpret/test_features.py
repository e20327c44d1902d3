"""lamina.interpret.features: a layer's feature maps are what the layers up to it compute, the hook is gone
afterwards; conv_filters is a copy of the weights."""
import numpy as np
import pytest

import lamina as lm
from lamina import interpret, nn
from lamina.errors import ArgumentError
from lamina.models import LeNet5


@pytest.fixture(scope="module")
def lenet():
    lm.manual_seed(0)
    model = LeNet5(input_size=28)
    model.eval()
    return model


def test_feature_maps_are_the_layers_output(lenet, rng):
    x = rng.uniform(0, 1, (2, 1, 28, 28)).astype(np.float32)
    maps = interpret.feature_maps(lenet, lenet.c1, x)
    with lm.no_grad():
        expected = lenet.act1(lenet.c1(lm.tensor(x)))
    assert maps.shape == (2, 6, 28, 28) and not maps.requires_grad
    np.testing.assert_allclose(interpret.feature_maps(lenet, "act1", x).numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(interpret.feature_maps(lenet, "c3", x).numpy(),
                               lenet.c3(lenet.s2(expected)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert all(not m._forward_hooks for m in lenet.modules())


def test_feature_maps_errors(lenet):
    x = np.zeros((1, 1, 28, 28), np.float32)
    with pytest.raises(ArgumentError, match=r"feature_maps: the model has no layer named 'c9'; its layers are \["):
        interpret.feature_maps(lenet, "c9", x)
    with pytest.raises(ArgumentError, match="feature_maps: the layer Conv2d was not called"):
        interpret.feature_maps(lenet, nn.Conv2d(1, 1, 1), x)
    assert all(not m._forward_hooks for m in lenet.modules())


def test_conv_filters_are_a_copy_of_the_weights(lenet):
    filters = interpret.conv_filters(lenet.c1)
    assert filters.shape == (6, 1, 5, 5)
    np.testing.assert_array_equal(filters.numpy(), lenet.c1.weight.detach().numpy())
    filters.data[...] = 0
    assert np.abs(lenet.c1.weight.detach().numpy()).sum() > 0
    with pytest.raises(ArgumentError, match=r"conv_filters: expected a convolution .* got Linear with weight shape "
                                            r"\(84, 120\)"):
        interpret.conv_filters(lenet.f6)
