"""batch_norm, layer_norm, dropout, embedding and one_hot: finite-difference gradients, PyTorch as
the oracle (values, gradients, running statistics), dropout's statistics and reproducibility."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina.ops.embedding import embedding, one_hot
from lamina.ops.normalization import batch_norm, layer_norm
from lamina.ops.regularization import dropout, dropout2d

TF = torch.nn.functional

rng = np.random.default_rng(3)


# ---- batch_norm ------------------------------------------------------------------------------
BN_SHAPES = [(5, 3), (4, 3, 5), (3, 2, 3, 2)]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batch_norm_gradcheck(shape, training, r):
    c = shape[1]
    running_mean, running_var = lm.tensor(rng.standard_normal(c)), lm.tensor(rng.uniform(0.5, 2, c))
    assert lm.gradcheck(lambda x, w, b: batch_norm(x, running_mean, running_var, w, b, training=training),
                        r(*shape), r(c), r(c))
    assert lm.gradcheck(lambda x: batch_norm(x, running_mean, running_var, training=training), r(*shape))


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradgradcheck(training, r):
    running_mean, running_var = lm.tensor(rng.standard_normal(2)), lm.tensor(rng.uniform(0.5, 2, 2))
    assert lm.gradgradcheck(lambda x, w, b: batch_norm(x, running_mean, running_var, w, b, training=training),
                            r(3, 2, 2), r(2), r(2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", BN_SHAPES + [(6, 4, 5, 5)])
def test_batch_norm_matches_torch_train_then_eval(shape, dtype):
    c = shape[1]
    x, w, b, v = (rng.standard_normal(s).astype(dtype) for s in (shape, c, c, shape))
    ours = [lm.tensor(a, dtype=dtype, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    stats = rng.standard_normal(c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype)
    our_stats = [lm.tensor(s.copy(), dtype=dtype) for s in stats]
    their_stats = [torch.tensor(s.copy()) for s in stats]
    tol = {"atol": 1e-6, "rtol": 1e-6} if dtype == np.float64 else {"atol": 1e-5, "rtol": 1e-4}
    for training in (True, True, False):  # two updates of the running statistics, then use them
        for t in ours + theirs:
            t.grad = None
        out = batch_norm(ours[0], *our_stats, ours[1], ours[2], training=training, momentum=0.2, eps=1e-4)
        expected = TF.batch_norm(theirs[0], *their_stats, theirs[1], theirs[2], training=training, momentum=0.2,
                                 eps=1e-4)
        (out * lm.tensor(v, dtype=dtype)).sum().backward()
        (expected * torch.tensor(v)).sum().backward()
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, expected.detach().numpy(), **tol)
        for a, b in zip(our_stats, their_stats):
            np.testing.assert_allclose(a.data, b.numpy(), **tol)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.data, b.grad.numpy(), **tol)


def test_batch_norm_normalises_each_channel():
    x = lm.tensor(rng.standard_normal((50, 3, 4)) * np.array([1.0, 5.0, 0.5])[:, None] + 7)
    y = batch_norm(x, None, None, training=True).data
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2)), 1, atol=1e-3)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"batch_norm: running_mean must have shape \(3,\) for input \(4, 3\)"):
        batch_norm(lm.randn(4, 3), lm.zeros(2), lm.ones(3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        batch_norm(lm.randn(1, 3), lm.zeros(3), lm.ones(3), training=True)
    with pytest.raises(ValueError, match=r"batch_norm: weight must have shape \(3,\), got \(4,\)"):
        batch_norm(lm.randn(4, 3), lm.zeros(3), lm.ones(3), weight=lm.ones(4))
    with pytest.raises(ValueError, match="required when training=False"):
        batch_norm(lm.randn(4, 3), None, None)


# ---- layer_norm ------------------------------------------------------------------------------
LN_CASES = [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 2, 4), 4), ((6,), (6,))]


@pytest.mark.parametrize("shape, normalized", LN_CASES)
def test_layer_norm_gradcheck(shape, normalized, r):
    ns = (normalized,) if isinstance(normalized, int) else normalized
    assert lm.gradcheck(lambda x, w, b: layer_norm(x, normalized, w, b), r(*shape), r(*ns), r(*ns))
    assert lm.gradcheck(lambda x: layer_norm(x, normalized, eps=1e-3), r(*shape))


@pytest.mark.parametrize("shape, normalized", LN_CASES[:2])
def test_layer_norm_gradgradcheck(shape, normalized, r):
    ns = (normalized,) if isinstance(normalized, int) else normalized
    assert lm.gradgradcheck(lambda x, w, b: layer_norm(x, normalized, w, b), r(*shape), r(*ns), r(*ns))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, normalized", LN_CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(shape, normalized, affine, dtype):
    ns = (normalized,) if isinstance(normalized, int) else normalized
    arrays = [rng.standard_normal(s).astype(dtype) * 2 + 1 for s in (shape, ns, ns)][: 3 if affine else 1]
    ours = [lm.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = layer_norm(ours[0], normalized, *ours[1:]), TF.layer_norm(theirs[0], ns, *theirs[1:])
    v = rng.standard_normal(shape).astype(dtype)
    (out * lm.tensor(v, dtype=dtype)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    tol = {"atol": 1e-6, "rtol": 1e-6} if dtype == np.float64 else {"atol": 1e-5, "rtol": 1e-4}
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **tol)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), **tol)


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(4,\) must match the trailing dimensions"):
        layer_norm(lm.randn(2, 3), 4)
    with pytest.raises(ValueError, match=r"layer_norm: bias must have shape \(3,\), got \(2,\)"):
        layer_norm(lm.randn(2, 3), 3, lm.ones(3), lm.zeros(2))


# ---- dropout ---------------------------------------------------------------------------------
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
    with pytest.raises(ValueError, match=r"dropout2d: input must have shape"):
        dropout2d(lm.ones(3, 3), 0.5)


# ---- embedding and one_hot -------------------------------------------------------------------
@pytest.mark.parametrize("index_shape", [(5,), (3, 4), (2, 2, 3)])
def test_embedding_gradcheck_with_repeated_indices(index_shape, r):
    indices = lm.tensor(rng.integers(0, 4, index_shape))  # only 4 rows of 6: repeats are certain
    assert lm.gradcheck(lambda w: embedding(indices, w), r(6, 3))
    assert lm.gradgradcheck(lambda w: embedding(indices, w) ** 2, r(6, 3))


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx):
    weight, indices = rng.standard_normal((7, 4)), rng.integers(0, 7, (5, 6))
    ours, theirs = lm.tensor(weight, dtype=np.float64, requires_grad=True), torch.tensor(weight, requires_grad=True)
    out = embedding(lm.tensor(indices), ours, padding_idx=padding_idx)
    expected = TF.embedding(torch.tensor(indices), theirs, padding_idx=padding_idx)
    v = rng.standard_normal(expected.shape)
    (out * lm.tensor(v, dtype=np.float64)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    assert out.shape == (5, 6, 4)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), atol=1e-12)
    if padding_idx is not None:
        assert (ours.grad.data[padding_idx] == 0).all()


def test_embedding_sums_gradients_of_a_repeated_index():
    weight = lm.zeros(3, 2, requires_grad=True)
    embedding(lm.tensor([1, 1, 1, 0]), weight).sum().backward()
    np.testing.assert_array_equal(weight.grad.data, [[1, 1], [3, 3], [0, 0]])


def test_embedding_errors():
    with pytest.raises(ValueError, match=r"embedding: index 10 is out of range for 10 embeddings \(weight shape"):
        embedding(lm.tensor([0, 10]), lm.randn(10, 3))
    with pytest.raises(ValueError, match="embedding: index -1 is out of range"):
        embedding(lm.tensor([-1]), lm.randn(10, 3))
    with pytest.raises(ValueError, match="embedding: indices must be integers"):
        embedding(lm.tensor([0.0]), lm.randn(10, 3))


def test_one_hot_matches_torch():
    y = rng.integers(0, 5, (3, 4))
    np.testing.assert_array_equal(one_hot(lm.tensor(y)).data, TF.one_hot(torch.tensor(y)).numpy())
    out = one_hot(lm.tensor([0, 2]), num_classes=4)
    assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.data, [[1, 0, 0, 0], [0, 0, 1, 0]])
    with pytest.raises(ValueError, match="one_hot: index 4 is out of range for 3 classes"):
        one_hot(lm.tensor([0, 4]), 3)
