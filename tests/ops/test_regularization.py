"""dropout and dropout2d: the fraction dropped and the scaling, the gradient's mask, reproducibility
with a seeded generator, and the error messages."""
import numpy as np
import pytest

import lamina as lm
import torch

from lamina.ops.regularization import dropout, dropout2d


def test_dropout_zeroes_a_fraction_p_and_scales_the_rest():
    x = lm.ones(200, 500)
    y = dropout(x, p=0.3, generator=lm.Generator(0)).data
    zeros = (y == 0).mean()
    assert abs(zeros - 0.3) < 0.01  # 100,000 draws: the standard error is 0.0015
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1) < 0.02


def test_dropout_gradient_uses_the_same_mask(r):
    x = lm.randn(30, 40, requires_grad=True)
    y = dropout(x, p=0.5, generator=lm.Generator(1))
    y.sum().backward()
    mask = y.data / x.data
    np.testing.assert_allclose(x.grad.data, mask, rtol=1e-5)
    assert set(np.unique(np.round(x.grad.data, 5))) == {0.0, 2.0}
    assert lm.gradcheck(lambda x: dropout(x, 0.4, generator=lm.Generator(5)), r(4, 5))


def test_dropout_is_reproducible_with_a_seeded_generator():
    x = lm.randn(8, 9)
    a = dropout(x, 0.5, generator=lm.Generator(42)).data
    b = dropout(x, 0.5, generator=lm.Generator(42)).data
    c = dropout(x, 0.5, generator=lm.Generator(43)).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    lm.manual_seed(3)
    d = dropout(x, 0.5).data
    lm.manual_seed(3)
    np.testing.assert_array_equal(d, dropout(x, 0.5).data)


def test_dropout_identity_when_not_training_or_p_zero():
    x = lm.randn(4, 5, requires_grad=True)
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, 0.0) is x
    assert dropout2d(lm.randn(2, 3, 4, 4), 0.5, training=False).shape == (2, 3, 4, 4)
    np.testing.assert_array_equal(dropout(x, 1.0).data, 0)
    with pytest.raises(ValueError, match=r"dropout: dropout probability p must be in \[0, 1\], got 1.5"):
        dropout(x, 1.5)


def test_dropout2d_drops_whole_channels():
    x = lm.ones(40, 50, 3, 3, requires_grad=True)
    y = dropout2d(x, 0.25, generator=lm.Generator(0))
    per_channel = y.data.reshape(40, 50, 9)
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()
    assert abs((per_channel[..., 0] == 0).mean() - 0.25) < 0.04
    np.testing.assert_allclose(per_channel[per_channel != 0], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)
    with pytest.warns(UserWarning, match="deprecated"):  # PyTorch warns and drops along dims 0 and 1
        assert dropout2d(lm.ones(3, 3), 0.5).shape == (3, 3)
    with pytest.raises(ValueError, match=r"dropout2d: input must have shape"):
        dropout2d(lm.ones(3), 0.5)


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_dropout_on_integers_as_pytorch(p):
    """PyTorch keeps integer tensors for p = 0 and p = 1 (zeros of the same dtype) and raises RuntimeError for
    0 < p < 1, whose 1/(1-p) scale has no integer result."""
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    try:
        expected = torch.nn.functional.dropout(torch.from_numpy(x), p=p, training=True)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="dropout: input dtype must be floating point"):
            dropout(lm.from_numpy(x), p=p)
        return
    out = dropout(lm.from_numpy(x), p=p)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


# ---- channel and alpha dropout, against PyTorch's statistics and shapes ------------------------------------
@pytest.mark.parametrize("name, shape, channel_shape", [
    ("dropout1d", (4, 6, 50), (4, 6, 1)), ("dropout1d", (6, 50), (6, 1)),
    ("dropout3d", (2, 5, 3, 4, 4), (2, 5, 1, 1, 1)), ("dropout3d", (5, 3, 4, 4), (5, 1, 1, 1))])
def test_channel_dropouts_drop_whole_channels(name, shape, channel_shape):
    import torch

    fn = getattr(lm.functional, name)
    y = fn(lm.ones(*shape), 0.4, generator=lm.Generator(1)).numpy()
    channels = y.reshape(channel_shape[:-1] + (-1,)) if len(channel_shape) == 2 else y.reshape(
        tuple(n for n in channel_shape if n != 1) + (-1,))
    assert (channels.min(axis=-1) == channels.max(axis=-1)).all()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.6)}
    assert fn(lm.ones(*shape), 0.4, training=False).shape == getattr(torch.nn.functional, name)(
        torch.ones(*shape), 0.4, training=False).shape


def test_dropout1d_refuses_other_ranks_like_pytorch():
    import torch

    for lib in (torch, lm):
        with pytest.raises(RuntimeError, match="dropout1d"):
            lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5), 0.5)


@pytest.mark.parametrize("name, feature", [("alpha_dropout", False), ("feature_alpha_dropout", True)])
def test_alpha_dropouts_keep_selu_statistics(name, feature):
    """Dropped units take -alpha' and the affine correction keeps mean 0 and variance 1 of a standard normal
    input, as PyTorch's; training=False is the identity (alpha_dropout's default)."""
    import torch

    fn = getattr(lm.functional, name)
    x = lm.randn(400, 100, 30, generator=lm.Generator(2))
    y = fn(x, 0.3, training=True, generator=lm.Generator(3)).numpy()
    yt = getattr(torch.nn.functional, name)(torch.from_numpy(x.numpy()), 0.3, training=True).numpy()
    for out in (y, yt):
        assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    np.testing.assert_array_equal(fn(x, 0.3, training=False).numpy(), x.numpy())
    a = ((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7) ** -0.5
    xg = x.detach().requires_grad_(True)
    out = fn(xg, 0.3, training=True, generator=lm.Generator(3))
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), y)  # the same generator, the same mask
    scale = xg.grad.numpy()  # a where kept, 0 where dropped
    np.testing.assert_allclose(np.unique(scale), [0.0, a], rtol=1e-6)
    if feature:
        assert (scale.min(axis=-1) == scale.max(axis=-1)).all()
