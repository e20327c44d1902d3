"""Lazy layers against torch.nn's: sizes from the first input, the same Parameter objects before and after,
the eager class afterwards, state_dicts and outputs equal to torch's, loading into an unused lazy layer."""
import warnings

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn

CASES = [("LazyLinear", (3,), {}, (2, 5)), ("LazyConv2d", (4, 3), {"groups": 2, "padding": 1}, (1, 6, 5, 5)),
         ("LazyConv1d", (4, 3), {}, (2, 5)), ("LazyConv3d", (2, 2), {}, (1, 3, 3, 3, 3)),
         ("LazyConvTranspose2d", (4, 3), {"stride": 2}, (1, 2, 3, 3)), ("LazyConvTranspose1d", (2, 3), {}, (1, 3, 4)),
         ("LazyBatchNorm1d", (), {}, (4, 3)), ("LazyBatchNorm2d", (), {"affine": False}, (2, 3, 2, 2))]


@pytest.mark.parametrize("name, args, kwargs, shape", CASES)
def test_a_lazy_layer_becomes_torchs_eager_layer(name, args, kwargs, shape, rng):
    theirs, ours = getattr(torch.nn, name)(*args, **kwargs), getattr(nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs) and ours.has_uninitialized_params()
    a = rng.standard_normal(shape).astype(np.float32)
    before = list(ours.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 'zero-element tensor' warnings
        theirs(torch.from_numpy(a)), ours(lm.from_numpy(a))
    assert type(ours).__name__ == type(theirs).__name__ == name[4:] and repr(ours) == repr(theirs)
    assert all(p is q for p, q in zip(before, ours.parameters())) and len(before) == len(list(ours.parameters()))
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    fresh = getattr(nn, name)(*args, **kwargs)
    fresh.load_state_dict(state)  # an unused lazy layer takes its sizes from the checkpoint
    ours.load_state_dict(state)
    expected = theirs(torch.from_numpy(a)).detach().numpy()
    np.testing.assert_allclose(ours(lm.from_numpy(a)).detach().numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(fresh(lm.from_numpy(a)).detach().numpy(), expected, atol=1e-5)


def test_lazy_linear_draws_torchs_init_range():
    layer = nn.LazyLinear(50)
    layer(lm.ones(2, 40))
    bound = 1 / np.sqrt(40)
    assert 0.9 * bound < np.abs(layer.weight.detach().numpy()).max() <= bound
    assert layer.in_features == 40 and layer.weight.shape == (50, 40)


def test_lazy_conv_checks_the_groups_as_torch():
    for m, ones in ((torch.nn, torch.ones), (nn, lm.ones)):
        with pytest.raises((RuntimeError, ValueError)):
            m.LazyConv2d(4, 3, groups=2)(ones(1, 3, 5, 5))


def test_a_lazy_layer_rejects_an_input_without_its_size_dimension():
    with pytest.raises(IndexError):
        torch.nn.LazyLinear(3)(torch.tensor(1.0))
    with pytest.raises(IndexError, match="LazyLinear"):
        nn.LazyLinear(3)(lm.tensor(1.0))
    for m, x in ((torch.nn, torch.tensor(1.0)), (nn, lm.tensor(1.0))):
        with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to LazyConv2d"):
            m.LazyConv2d(3, 2)(x)
