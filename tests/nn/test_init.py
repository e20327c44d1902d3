"""lamina.nn.init: the layers' default initialisation follows PyTorch; the init functions have the
documented variance and are reproducible with a generator."""
import numpy as np
import pytest

import lamina as lm
import lamina.nn as nn
from lamina.nn import init


def test_default_initialisation_follows_pytorch():
    lm.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    conv = nn.Conv2d(6, 16, 5)
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / np.sqrt(6 * 25)
    assert layer.weight.dtype == np.float32


@pytest.mark.parametrize("fn,expected_std", [
    (lambda w: init.xavier_uniform_(w), np.sqrt(2 / (200 + 100))),
    (lambda w: init.xavier_normal_(w), np.sqrt(2 / (200 + 100))),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), np.sqrt(2 / 200)),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), np.sqrt(2 / 200)),
    (lambda w: init.normal_(w, 0, 0.02), 0.02),
])
def test_init_functions_have_the_documented_variance(fn, expected_std):
    w = nn.Parameter(lm.empty(100, 200))
    fn(w)
    assert abs(w.detach().numpy().std() - expected_std) < 0.03 * expected_std


def test_init_is_reproducible_with_a_generator():
    a, b = nn.Parameter(lm.empty(3, 3)), nn.Parameter(lm.empty(3, 3))
    init.xavier_uniform_(a, generator=lm.Generator(1))
    init.xavier_uniform_(b, generator=lm.Generator(1))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert init.calculate_gain("relu") == np.sqrt(2)
