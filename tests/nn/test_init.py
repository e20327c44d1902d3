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


# ---- zero-element tensors, sizes and arguments as PyTorch ------------------------------------------------
def _warns_no_op(build):
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        return build()


@pytest.mark.parametrize("sizes", [(0, 4), (3, 0), (0, 0)])
def test_linear_with_a_zero_size_warns_and_works_as_torch(sizes):
    import torch
    expected = _warns_no_op(lambda: torch.nn.Linear(*sizes))
    layer = _warns_no_op(lambda: nn.Linear(*sizes))
    assert layer.weight.shape == tuple(expected.weight.shape) and layer.bias.shape == tuple(expected.bias.shape)
    out = layer(lm.ones(2, sizes[0]))
    assert out.shape == tuple(expected(torch.ones(2, sizes[0])).shape)
    if sizes[0] == 0:  # no input: the output is the bias, zeros in torch (its bound 1/sqrt(fan_in) is taken as 0)
        assert not expected.bias.detach().numpy().any()
        np.testing.assert_array_equal(out.detach().numpy(), np.zeros((2, sizes[1])))


def test_conv_with_zero_input_channels_warns_instead_of_dividing_by_zero():
    layer = _warns_no_op(lambda: nn.Conv2d(0, 4, 3))
    assert layer.weight.shape == (4, 0, 3, 3)


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (4, 0, 3, 3)])
def test_initialisers_leave_zero_element_tensors_alone(name, shape):
    t = lm.empty(*shape)
    assert _warns_no_op(lambda: getattr(init, name)(t)) is t


def test_orthogonal_of_a_zero_element_tensor_is_a_no_op_as_torch():
    import torch
    assert tuple(torch.nn.init.orthogonal_(torch.empty(0, 3)).shape) == init.orthogonal_(lm.empty(0, 3)).shape


def test_linear_takes_numpy_integers():
    import torch
    layer = nn.Linear(np.int64(3), np.int32(4))
    assert type(layer.in_features) is int and layer.weight.shape == tuple(torch.nn.Linear(np.int64(3), 4).weight.shape)
    assert layer(lm.ones(2, 3)).shape == (2, 4)


@pytest.mark.parametrize("sizes, error", [((-1, 4), RuntimeError), ((3, -2), RuntimeError), ((2.5, 4), TypeError),
                                          ((3, 4.0), TypeError), (("3", 4), TypeError)])
def test_linear_with_bad_sizes_raises_as_torch(sizes, error):
    import torch
    with pytest.raises(error):
        torch.nn.Linear(*sizes)
    with pytest.raises(error):
        nn.Linear(*sizes)


@pytest.mark.parametrize("call", [
    lambda lib, t: lib.nn.init.uniform_(t, 2.0, 1.0),
    lambda lib, t: lib.nn.init.normal_(t, 0.0, -1.0),
])
def test_bad_distribution_parameters_raise_as_torch(call):
    import torch
    with pytest.raises(RuntimeError):
        call(torch, torch.empty(3))
    with pytest.raises(RuntimeError):
        call(lm, lm.empty(3))


def test_a_bad_kaiming_mode_raises_value_error_as_torch():
    import torch
    with pytest.raises(ValueError, match="Mode"):
        torch.nn.init.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="Mode"):
        init.kaiming_uniform_(lm.empty(3, 3), mode="fan_avg")


def test_trunc_normal_stays_within_its_absolute_bounds_and_has_the_truncated_moments():
    import torch
    w = lm.empty(200, 500)
    nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-0.5, b=1.0, generator=lm.Generator(0))
    values = w.numpy()
    reference = torch.nn.init.trunc_normal_(torch.empty(200, 500), mean=0.5, std=1.0, a=-0.5, b=1.0).numpy()
    assert values.min() >= -0.5 and values.max() <= 1.0
    np.testing.assert_allclose([values.mean(), values.std()], [reference.mean(), reference.std()], atol=0.01)
    with pytest.raises(ValueError, match="a < b"):
        nn.init.trunc_normal_(w, a=1.0, b=0.0)
