"""Layers added to match torch.nn: channel and alpha dropout, padding layers, shuffles, Softmax2d, Bilinear,
LocalResponseNorm, RMSNorm — their statistics, errors (PyTorch's exception types) and printed forms."""
import warnings

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn


@pytest.mark.parametrize("name, shape, channel_shape", [
    ("Dropout1d", (4, 40, 50), (4, 40, 1)), ("Dropout1d", (40, 50), (40, 1)),
    ("Dropout2d", (4, 40, 5, 5), (4, 40, 1, 1)), ("Dropout2d", (4, 40, 50), (4, 40, 1)),
    ("Dropout3d", (2, 40, 3, 3, 3), (2, 40, 1, 1, 1)), ("Dropout3d", (40, 3, 3, 3), (40, 1, 1, 1)),
])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(name, shape, channel_shape):
    layer = getattr(nn, name)(p=0.4)
    x = lm.ones(*shape, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = layer(x)
    values = y.detach().numpy()
    per_channel = values.reshape(*[n for n, c in zip(shape, channel_shape) if c != 1], -1)  # (channels, positions)
    assert np.all((per_channel == 0).all(-1) | np.isclose(per_channel, 1 / 0.6).all(-1))  # a channel is all or nothing
    assert 0 < (per_channel[..., 0] == 0).mean() < 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values)  # the gradient is the mask
    assert layer.eval()(x) is x or np.array_equal(layer(x).detach().numpy(), x.detach().numpy())


def test_channel_dropout_rejects_what_torch_rejects():
    for m, x in ((torch.nn, torch.ones(2, 3, 4, 5)), (nn, lm.ones(2, 3, 4, 5))):
        with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
            m.Dropout1d()(x)
    for m in (torch.nn, nn):
        with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
            m.Dropout2d(1.5)
        assert m.Dropout(1.0).p == 1.0 and repr(m.Dropout3d(0.2)) == "Dropout3d(p=0.2, inplace=False)"
    with pytest.warns(UserWarning):
        nn.Dropout2d()(lm.ones(2, 3))


@pytest.mark.parametrize("layer", ["AlphaDropout", "FeatureAlphaDropout"])
def test_alpha_dropout_keeps_the_selu_mean_and_variance(layer, rng):
    x = lm.from_numpy(rng.standard_normal((400, 50, 4)))
    y = getattr(nn, layer)(0.3)(x).numpy()
    assert abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05
    theirs = getattr(torch.nn, layer)(0.3)(torch.from_numpy(x.numpy())).numpy()
    assert abs(y.mean() - theirs.mean()) < 0.05 and abs(y.std() - theirs.std()) < 0.05
    dropped_value = -1.7580993408473766 / np.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7) * 0.7
    assert np.isclose(y, dropped_value).mean() == pytest.approx(0.3, abs=0.03)  # -alpha' a + alpha' a p
    np.testing.assert_array_equal(getattr(nn, layer)(0.3).eval()(x).numpy(), x.numpy())


@pytest.mark.parametrize("name, shape", [("ReflectionPad2d", (5,)), ("ReplicationPad1d", (5,)),
                                         ("CircularPad2d", (5,)), ("ReflectionPad3d", (2, 3)),
                                         ("ReplicationPad2d", (3, 3)), ("CircularPad1d", (4,))])
def test_padding_layers_reject_the_wrong_rank_as_torch(name, shape):
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)) as theirs:
        getattr(torch.nn, name)(1)(torch.ones(shape))
    with pytest.raises(type(theirs.value), match=f"{name}: expected"):
        getattr(nn, name)(1)(lm.ones(*shape))


@pytest.mark.parametrize("make, shape", [
    (lambda m: m.PixelShuffle(2), (2, 2)), (lambda m: m.PixelShuffle(2), (5, 2, 2)),
    (lambda m: m.PixelUnshuffle(2), (4, 3, 2)), (lambda m: m.PixelUnshuffle(2), (4, 2, 3)),
    (lambda m: m.ChannelShuffle(2), (3, 4)), (lambda m: m.ChannelShuffle(2), (1, 3, 4)),
    (lambda m: m.ChannelShuffle(0), (1, 4, 4)), (lambda m: m.Softmax2d(), (3, 4)),
    (lambda m: m.LocalResponseNorm(2), (3, 4)), (lambda m: m.RMSNorm(3), (2, 4)),
])
def test_shape_errors_have_torchs_type(make, shape):
    with pytest.raises((RuntimeError, ValueError)) as theirs:
        make(torch.nn)(torch.ones(shape))
    with pytest.raises(type(theirs.value)):
        make(nn)(lm.ones(*shape))


def test_pixel_shuffle_round_trips_and_has_gradients(leaf):
    x = leaf(np.random.default_rng(1).standard_normal((2, 3, 8, 4, 6)))
    y = nn.PixelUnshuffle(2)(x)
    assert y.shape == (2, 3, 32, 2, 3)
    np.testing.assert_array_equal(nn.PixelShuffle(2)(y).detach().numpy(), x.detach().numpy())
    assert lm.gradcheck(lambda t: nn.PixelShuffle(2)(t), x)
    assert lm.gradcheck(lambda t: nn.ChannelShuffle(4)(t.reshape(2, 24, 4, 6)), x)


def test_bilinear_checks_its_sizes_and_matches_gradcheck(leaf):
    layer = nn.Bilinear(3, 2, 4, dtype=lm.float64)
    x1, x2 = leaf(np.ones((5, 3))), leaf(np.ones((5, 2)))
    assert lm.gradcheck(lambda a, b: layer(a, b), x1, x2)
    with pytest.raises(RuntimeError):
        torch.nn.Bilinear(3, 2, 4)(torch.ones(5, 3), torch.ones(5, 3))
    with pytest.raises(RuntimeError):
        layer(x1, x1)
    with pytest.raises(TypeError):
        nn.Bilinear(3.5, 2, 4)


def test_rms_norm_default_eps_is_the_dtype_epsilon():
    x = np.full((2, 3), 1e-5)
    for dtype in ("float32", "float64"):
        theirs = torch.nn.RMSNorm(3, dtype=getattr(torch, dtype))(torch.from_numpy(x.astype(dtype)))
        ours = nn.RMSNorm(3, dtype=dtype)(lm.from_numpy(x.astype(dtype)))
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5)
        assert str(ours.dtype) == f"lamina.{dtype}"


def test_bilinear_and_padding_constructor_errors_have_torchs_type():
    for m in (torch.nn, nn):
        with pytest.raises(ValueError, match="in1_features must be > 0"):
            m.Bilinear(0, 2, 3)
    with pytest.raises(TypeError):
        torch.nn.ZeroPad2d(1.5)(torch.ones(1, 2, 2))
    with pytest.raises(TypeError, match="pad"):
        nn.ZeroPad2d(1.5)(lm.ones(1, 2, 2))


def test_rms_norm_of_integers_is_not_implemented_as_torch():
    with pytest.raises(NotImplementedError), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on the dtype mismatch
        torch.nn.RMSNorm(4)(torch.ones(4, dtype=torch.long))
    with pytest.raises(NotImplementedError, match="rms_norm"):
        nn.RMSNorm(4)(lm.ones(4, dtype=lm.int64))
