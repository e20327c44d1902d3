"""batch_norm, layer_norm, group_norm, instance_norm and normalize: finite-difference gradients (first and second order), PyTorch as the
oracle (values, gradients, running statistics), and the error messages."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F
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
LN_CASES = [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 2, 4), [4]), ((6,), (6,))]


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
        layer_norm(lm.randn(2, 3), (4,))
    with pytest.raises(ValueError, match=r"layer_norm: bias must have shape \(3,\), got \(2,\)"):
        layer_norm(lm.randn(2, 3), [3], lm.ones(3), lm.zeros(2))
    for lib in (torch, lm):  # F.layer_norm takes no int (nn.LayerNorm does)
        with pytest.raises(TypeError):
            lib.nn.functional.layer_norm(lib.zeros(2, 3), 3)


# ---- dtypes, empty tensors, eps as PyTorch ------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda m, x: m.layer_norm(x, (3,)), lambda m, x: m.batch_norm(x, None, None, training=True),
    lambda m, x: m.group_norm(x, 1), lambda m, x: m.normalize(x),
])
@pytest.mark.parametrize("dtype", ["uint8", "int64"])
def test_integer_inputs_raise_as_pytorch(call, dtype):
    """layer_norm(uint8) gave zeros silently; PyTorch refuses integer inputs (a RuntimeError)."""
    array = np.arange(12).reshape(4, 3).astype(dtype)
    with pytest.raises(RuntimeError):
        call(TF, torch.tensor(array))
    with pytest.raises(TypeError, match="floating point"):
        call(F, lm.from_numpy(array))


@pytest.mark.parametrize("call", [
    lambda m, x, t: m.layer_norm(x, (3,), t(np.ones(3)), t(np.zeros(3))),
    lambda m, x, t: m.batch_norm(x, t(np.zeros(3)), t(np.ones(3))),
    lambda m, x, t: m.batch_norm(x, None, None, training=True),
    lambda m, x, t: m.group_norm(x, 3), lambda m, x, t: m.normalize(x),
], ids=["layer_norm", "batch_norm_eval", "batch_norm_train", "group_norm", "normalize"])
def test_empty_batches_give_empty_results_as_pytorch(call):
    array = np.zeros((0, 3))
    expected = call(TF, torch.tensor(array, requires_grad=True), torch.tensor)
    x = lm.from_numpy(array).requires_grad_()
    y = call(F, x, lm.from_numpy)
    assert y.shape == tuple(expected.shape) == (0, 3) and y.dtype == np.float64
    y.sum().backward()
    assert x.grad.shape == (0, 3)


def test_layer_norm_of_an_empty_normalized_shape_and_negative_eps_as_pytorch():
    assert layer_norm(lm.zeros(2, 0), (0,)).shape == tuple(TF.layer_norm(torch.zeros(2, 0), (0,)).shape)
    array = rng.standard_normal((2, 3))
    with np.errstate(invalid="ignore"):
        ours = layer_norm(lm.from_numpy(array), (3,), eps=-1.0).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(TF.layer_norm(torch.tensor(array), (3,), eps=-1.0).numpy()))
    np.testing.assert_allclose(layer_norm(lm.from_numpy(array), (3,), eps=-1e-5).numpy(),
                               TF.layer_norm(torch.tensor(array), (3,), eps=-1e-5).numpy(), rtol=1e-10)


@pytest.mark.parametrize("training, eps", [(True, 0.0), (True, -1.0), (False, -1.0)])
def test_batch_norm_refuses_pytorchs_bad_eps(training, eps):
    x, stats = rng.standard_normal((4, 3)), (np.zeros(3), np.ones(3))
    with pytest.raises(ValueError):
        TF.batch_norm(torch.tensor(x), *map(torch.tensor, stats), training=training, eps=eps)
    with pytest.raises(ValueError, match="eps"):
        batch_norm(lm.from_numpy(x), *map(lm.from_numpy, stats), training=training, eps=eps)
    assert batch_norm(lm.from_numpy(x), *map(lm.from_numpy, stats), eps=0.0).shape == (4, 3)


def test_affine_parameters_of_another_dtype_raise_as_pytorch():
    with pytest.raises(RuntimeError):
        TF.layer_norm(torch.zeros(2, 3), (3,), weight=torch.ones(3, dtype=torch.float64))
    with pytest.raises(TypeError, match="mixed dtypes"):
        layer_norm(lm.zeros(2, 3), (3,), weight=lm.ones(3, dtype=lm.float64))
    with pytest.raises(TypeError):
        layer_norm(lm.zeros(2, 3), "3")


# ---- group_norm and instance_norm ------------------------------------------------------------------------------
GN_CASES = [((2, 4, 3), 2), ((2, 4), 4), ((2, 6, 3, 2), 3), ((3, 4, 5), 1)]


@pytest.mark.parametrize("shape, groups", GN_CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_pytorch(shape, groups, affine):
    c = shape[1]
    arrays = [rng.standard_normal(s) * 2 + 1 for s in (shape, (c,), (c,))][: 3 if affine else 1]
    ours = [lm.from_numpy(a).requires_grad_() for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = F.group_norm(ours[0], groups, *ours[1:], eps=1e-3), TF.group_norm(theirs[0], groups, *theirs[1:], eps=1e-3)
    v = rng.standard_normal(shape)
    (y * lm.from_numpy(v)).sum().backward()
    (yt * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-10)


def test_group_and_instance_norm_gradchecks(r):
    assert lm.gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), r(2, 4, 3), r(4), r(4))
    assert lm.gradgradcheck(lambda x: F.group_norm(x, 2), r(2, 4, 3))
    assert lm.gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), r(2, 3, 4), r(3), r(3))


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_matches_pytorch_with_running_statistics(use_input_stats):
    array, w, b = rng.standard_normal((2, 4, 3, 3)) * 2 + 1, rng.standard_normal(4), rng.standard_normal(4)
    stats = [rng.standard_normal(4), rng.uniform(0.5, 2, 4)]
    ours_stats, their_stats = [lm.from_numpy(s.copy()) for s in stats], [torch.tensor(s.copy()) for s in stats]
    x, xt = lm.from_numpy(array).requires_grad_(), torch.tensor(array, requires_grad=True)
    y = F.instance_norm(x, *ours_stats, lm.from_numpy(w), lm.from_numpy(b), use_input_stats=use_input_stats,
                        momentum=0.3)
    yt = TF.instance_norm(xt, *their_stats, torch.tensor(w), torch.tensor(b), use_input_stats=use_input_stats,
                          momentum=0.3)
    y.sum().backward()
    (yt * 1).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    for a, b in zip(ours_stats, their_stats):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda m, z: m.group_norm(z(2, 4, 3), 3), lambda m, z: m.group_norm(z(4), 2),
    lambda m, z: m.group_norm(z(2, 4, 3), 2, weight=z(3)), lambda m, z: m.instance_norm(z(4, 3)),
    lambda m, z: m.instance_norm(z(2, 4, 1)), lambda m, z: m.batch_norm(z(3), z(3), z(3)),
    lambda m, z: m.normalize(z(3)), lambda m, z: m.layer_norm(z(2, 3), (4,)),
])
def test_normalisation_errors_have_pytorchs_types(call):
    with pytest.raises(Exception) as theirs:
        call(TF, lambda *s: torch.zeros(s))
    with pytest.raises(theirs.type if theirs.type in (ValueError, IndexError) else RuntimeError):
        call(F, lambda *s: lm.zeros(s))


# ---- normalize ----------------------------------------------------------------------------------------------------
NORMALIZE = [((2, 3), {}), ((2, 3), {"p": 1}), ((2, 3), {"p": 3, "dim": 0}), ((2, 3), {"p": float("inf")}),
             ((2, 3, 4), {"dim": (1, 2)}), ((3,), {"dim": -1}), ((), {"dim": 0}), ((2, 3), {"p": 0}),
             ((2, 3), {"p": -1}), ((2, 3), {"eps": 10.0})]


@pytest.mark.parametrize("shape, kwargs", NORMALIZE, ids=[f"{s}-{k}" for s, k in NORMALIZE])
def test_normalize_matches_pytorch(shape, kwargs):
    array = rng.standard_normal(shape)
    x, xt = lm.from_numpy(array).requires_grad_(), torch.tensor(array, requires_grad=True)
    y, yt = F.normalize(x, **kwargs), TF.normalize(xt, **kwargs)
    v = rng.standard_normal(shape)
    (y * lm.from_numpy(v)).sum().backward()
    (yt * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-10)


def test_normalize_of_a_zero_vector_and_its_derivatives(r):
    array = np.array([[0.0, 0.0], [3.0, 4.0]])
    x, xt = lm.from_numpy(array).requires_grad_(), torch.tensor(array, requires_grad=True)
    F.normalize(x).sum().backward()
    TF.normalize(xt).sum().backward()
    np.testing.assert_array_equal(F.normalize(lm.from_numpy(array)).numpy(), [[0, 0], [0.6, 0.8]])
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)  # 1/eps at the zero vector
    assert lm.gradcheck(F.normalize, r(3, 4))
    assert lm.gradgradcheck(lambda t: F.normalize(t, dim=0), r(3, 4))
    assert lm.gradgradcheck(lambda t: F.normalize(t, p=3), r(3, 4))


def test_normalize_dim_none_and_bad_dims_as_pytorch():
    array = rng.standard_normal((3, 4))
    np.testing.assert_allclose(F.normalize(lm.from_numpy(array), dim=None).numpy(),
                               TF.normalize(torch.tensor(array), dim=None).numpy(), rtol=1e-12)
    with pytest.raises(TypeError):
        TF.normalize(torch.tensor(array), dim=1.5)
    with pytest.raises(TypeError, match="dim"):
        F.normalize(lm.from_numpy(array), dim=1.5)


def test_batch_norm_of_empty_and_float16_inputs_as_pytorch():
    for shape, dtype in [((0,), "float32"), ((2, 0), "int64")]:
        array = np.zeros(shape, dtype=dtype)
        y = batch_norm(lm.from_numpy(array), None, None, training=True)
        yt = TF.batch_norm(torch.tensor(array), None, None, training=True)
        assert y.shape == tuple(yt.shape) and str(y.dtype) == str(yt.dtype).replace("torch.", "lamina.")
    half = (rng.standard_normal((4, 3, 5)) * 3).astype(np.float16)
    y = batch_norm(lm.from_numpy(half), None, None, training=True)
    yt = TF.batch_norm(torch.tensor(half), None, None, training=True)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.numpy().astype(np.float32), yt.numpy().astype(np.float32), atol=2e-3)
