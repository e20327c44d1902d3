"""batch_norm and layer_norm: finite-difference gradients (first and second order), PyTorch as the
oracle (values, gradients, running statistics), and the error messages."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina.ops.normalization import batch_norm, layer_norm

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
