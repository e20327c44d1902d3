"""Functional ops added to match torch.nn.functional, each against PyTorch: rms_norm, local_response_norm,
the in-place activations (F.relu_, ...), gumbel_softmax's straight-through form, max_pool*_with_indices,
multilabel_margin_loss, triplet_margin_with_distance_loss and pdist (values, dtypes, gradients, error types)."""
import numpy as np
import pytest
import torch

import lamina as lm

rng = np.random.default_rng(33)


def run(lib, fn, arrays):
    functional = torch.nn.functional if lib is torch else lm.functional
    leaves = [lib.from_numpy(a.copy()) for a in arrays]
    for t in leaves:
        if t.dtype == lib.float64:
            t.requires_grad_(True)
    out = fn(lib, functional, *leaves)
    outs = out if isinstance(out, tuple) else (out,)
    differentiable = [o for o in outs if o.requires_grad]
    grads = None
    if differentiable:
        total = sum((o * lib.from_numpy(np.linspace(-1, 2, o.numel()).reshape(tuple(o.shape)))).sum()
                    for o in differentiable)
        total.backward()
        grads = [None if t.grad is None else t.grad.numpy() for t in leaves]
    return [o.detach().numpy() for o in outs], grads


def same_as_torch(fn, *arrays, rtol=1e-10, atol=1e-12):
    (outs, grads), (outs_t, grads_t) = run(lm, fn, arrays), run(torch, fn, arrays)
    for out, out_t in zip(outs, outs_t, strict=True):
        assert out.dtype == out_t.dtype and out.shape == out_t.shape
        np.testing.assert_allclose(out, out_t, rtol=rtol, atol=atol)
    assert (grads is None) == (grads_t is None)
    for g, gt in zip(grads or (), grads_t or ()):
        assert (g is None) == (gt is None)
        if g is not None:
            np.testing.assert_allclose(g, gt, rtol=rtol, atol=atol)


def raises_like_torch(fn, *arrays):
    with pytest.raises(Exception) as expected:
        run(torch, fn, arrays)
    with pytest.raises(type(expected.value)):
        run(lm, fn, arrays)


# ---- normalisations ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, arrays", [
    (lambda lib, F, x, w: F.rms_norm(x, [5], w, eps=1e-6), ((4, 6, 5), (5,))),
    (lambda lib, F, x: F.rms_norm(input=x, normalized_shape=(6, 5)), ((4, 6, 5),)),
    (lambda lib, F, x: F.rms_norm(x, [5]), ((0, 5),)),
], ids=["weight", "two dims", "empty batch"])
def test_rms_norm_matches_pytorch(fn, arrays):
    same_as_torch(fn, *(rng.standard_normal(s) for s in arrays))


def test_rms_norm_half_and_mixed_dtypes_match_pytorch():
    x = rng.standard_normal((4, 5))
    same_as_torch(lambda lib, F, x: F.rms_norm(x, (5,)), x.astype(np.float16), rtol=0, atol=0)
    same_as_torch(lambda lib, F, x, w: F.rms_norm(x, (5,), w), x.astype(np.float32), rng.standard_normal(5),
                  rtol=1e-6, atol=1e-7)
    same_as_torch(lambda lib, F, x: F.rms_norm(x, [5]), np.zeros((2, 5)))


@pytest.mark.parametrize("fn, array", [
    (lambda lib, F, x: F.rms_norm(x, [4]), np.zeros((4, 5))), (lambda lib, F, x: F.rms_norm(x, 5), np.zeros((4, 5))),
    (lambda lib, F, x: F.rms_norm(x, []), np.zeros((4, 5))),
    (lambda lib, F, x: F.rms_norm(x, [5]), np.zeros((4, 5), np.int64)),
    (lambda lib, F, x: F.local_response_norm(x, 2), np.zeros((2, 6))),
    (lambda lib, F, x: F.local_response_norm(x, 0), np.zeros((2, 6, 3)))])
def test_normalisations_refuse_bad_input_like_pytorch(fn, array):
    raises_like_torch(fn, array)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7])
def test_local_response_norm_matches_pytorch(size):
    same_as_torch(lambda lib, F, x: F.local_response_norm(x, size, alpha=1e-2, beta=0.75, k=2.0),
                  rng.standard_normal((2, 6, 3, 4)))


@pytest.mark.parametrize("shape", [(2, 6, 5), (2, 6, 2, 2, 3), (0, 6, 3)])
def test_local_response_norm_other_ranks_match_pytorch(shape):
    same_as_torch(lambda lib, F, x: F.local_response_norm(input=x, size=3), rng.standard_normal(shape))
    same_as_torch(lambda lib, F, x: F.local_response_norm(x, 2), np.ones(shape, np.int64), rtol=1e-6)


# ---- activations ---------------------------------------------------------------------------------------------
IN_PLACE = [("relu_", {}), ("leaky_relu_", {"negative_slope": 0.2}), ("elu_", {"alpha": 0.5}), ("selu_", {}),
            ("celu_", {"alpha": 2.0}), ("hardtanh_", {"min_val": -0.5, "max_val": 0.5}),
            ("threshold_", {"threshold": 0.1, "value": 2.0}), ("rrelu_", {})]


@pytest.mark.parametrize("name, kwargs", IN_PLACE)
def test_in_place_activations_match_pytorch(name, kwargs):
    def call(lib, F, x):
        y = x * 1
        assert getattr(F, name)(y, **kwargs) is y  # the input itself, updated
        return y

    same_as_torch(call, rng.standard_normal((3, 4)), rtol=1e-7)  # PyTorch's selu_ rounds its constants
    raises_like_torch(lambda lib, F, x: getattr(F, name)(x, **kwargs), rng.standard_normal((3, 4)))  # a leaf


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    logits = lm.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    y = lm.functional.gumbel_softmax(logits, tau=0.5, hard=True, generator=lm.Generator(0))
    assert set(np.unique(y.detach().numpy())) == {0.0, 1.0}
    np.testing.assert_array_equal(y.detach().numpy().sum(-1), 1)
    (y * lm.tensor(rng.standard_normal((5, 4)))).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy().sum(-1), 0, atol=1e-6)  # a softmax gradient sums to 0
    soft = lm.functional.gumbel_softmax(logits, tau=2.0, dim=0)
    np.testing.assert_allclose(soft.detach().numpy().sum(0), 1, rtol=1e-6)
    with pytest.raises(RuntimeError):
        lm.functional.gumbel_softmax(lm.ones(2, 3, dtype=lm.int64))


# ---- pooling -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, shape", [("max_pool1d_with_indices", (2, 3, 8)),
                                         ("max_pool2d_with_indices", (2, 3, 6, 6)),
                                         ("max_pool3d_with_indices", (1, 2, 4, 4, 4))])
def test_with_indices_spellings_match_pytorch(name, shape):
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64)
    same_as_torch(lambda lib, F, x: getattr(F, name)(x, 2, 2, 1, ceil_mode=True), x)
    same_as_torch(lambda lib, F, x: getattr(F, "adaptive_" + name)(x, 3), x)


# ---- losses and distances -------------------------------------------------------------------------------------
MULTILABEL_TARGETS = np.array([[3, 0, -1, 1, 1], [1, 2, -1, 0, 0], [0, -1, 0, 0, 0], [4, 3, 2, 1, 0]])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_loss_matches_pytorch(reduction):
    same_as_torch(lambda lib, F, x, t: F.multilabel_margin_loss(x, t, reduction=reduction),
                  rng.standard_normal((4, 5)), MULTILABEL_TARGETS)
    repeated = np.array([[3, 3, -1, 1, 1], [-1, 2, -1, 0, 0], [0, 1, 2, 3, 4], [4, 3, 2, 1, 0]])
    same_as_torch(lambda lib, F, x, t: F.multilabel_margin_loss(x, t, reduction=reduction),
                  rng.standard_normal((4, 5)), repeated)
    same_as_torch(lambda lib, F, x, t: F.multilabel_margin_loss(x, t, reduction=reduction),
                  rng.standard_normal(4), np.array([1, -1, 0, 0]))


@pytest.mark.parametrize("x, t", [(np.zeros((4, 5)), np.full((4, 5), 5)), (np.zeros((2, 3, 4)), np.zeros((2, 3, 4), np.int64)),
                                  (np.zeros((4, 5)), np.zeros((4, 4), np.int64)), (np.zeros((4, 5)), np.zeros((4, 5)))])
def test_multilabel_margin_loss_refuses_bad_input_like_pytorch(x, t):
    raises_like_torch(lambda lib, F, x, t: F.multilabel_margin_loss(x, t), x, t)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_triplet_margin_with_distance_loss_matches_pytorch(reduction):
    a, p, n = (rng.standard_normal((4, 5)) for _ in range(3))
    same_as_torch(lambda lib, F, a, p, n: F.triplet_margin_with_distance_loss(a, p, n, swap=True, reduction=reduction),
                  a, p, n)
    same_as_torch(lambda lib, F, a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.5, reduction=reduction), a, p, n)
    raises_like_torch(lambda lib, F, a, p, n: F.triplet_margin_with_distance_loss(a, p, n, margin=0), a, p, n)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.5, float("inf")])
def test_pdist_matches_pytorch(p):
    x = rng.permutation(15).reshape(5, 3) / 4.0
    same_as_torch(lambda lib, F, x: F.pdist(x, p), x)
    same_as_torch(lambda lib, F, x: F.pdist(x, p), np.ones((3, 2)))  # zero distances: gradient 0
    same_as_torch(lambda lib, F, x: F.pdist(x, p), np.ones((1, 2)))


@pytest.mark.parametrize("array, p", [(np.zeros(3), 2.0), (np.zeros((3, 2)), -1.0), (np.zeros((3, 2), np.int64), 2.0)])
def test_pdist_refuses_bad_input_like_pytorch(array, p):
    raises_like_torch(lambda lib, F, x: F.pdist(x, p), array)


@pytest.mark.parametrize("name", ["selu", "gelu", "softplus", "hardsigmoid", "silu", "mish", "logsigmoid", "hardswish",
                                  "sigmoid", "elu", "celu"])
def test_half_precision_activations_round_like_pytorch(name):
    """PyTorch computes half-precision activations in float32 and rounds once: the same float16 bits, values
    and gradients."""
    x = ((rng.permutation(40) - 20 + 0.37) / 7).astype(np.float16)
    same_as_torch(lambda lib, F, x: getattr(F, name)(x.float()).half(), x, rtol=0, atol=0)  # the oracle path
    out, out_t = getattr(lm.functional, name)(lm.from_numpy(x)), getattr(torch.nn.functional, name)(torch.from_numpy(x))
    assert out.dtype == lm.float16
    np.testing.assert_array_equal(out.numpy(), out_t.numpy())


HALF_OPS = {
    "avg_pool2d": lambda F, x: F.avg_pool2d(x, 3, 2, 1), "avg_pool1d": lambda F, x: F.avg_pool1d(x.flatten(2), 3),
    "adaptive_avg_pool2d": lambda F, x: F.adaptive_avg_pool2d(x, 4), "layer_norm": lambda F, x: F.layer_norm(x, [6]),
    "group_norm": lambda F, x: F.group_norm(x, 3), "log_softmax": lambda F, x: F.log_softmax(x, 1),
    "interpolate area": lambda F, x: F.interpolate(x, size=4, mode="area"),
}


@pytest.mark.parametrize("name", sorted(HALF_OPS))
def test_half_precision_pooling_and_normalisation_round_once_like_pytorch(name):
    """Averages and normalisations of float16 input are computed in float32 and rounded once (PyTorch's CPU
    kernels); accumulating in half was up to 2 ulps off."""
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float16)
    out = HALF_OPS[name](lm.functional, lm.from_numpy(x))
    expected = HALF_OPS[name](torch.nn.functional, torch.from_numpy(x))
    assert out.dtype == lm.float16
    np.testing.assert_allclose(out.numpy().astype(float), expected.numpy().astype(float), rtol=0, atol=5e-7)
    xl = lm.from_numpy(x).requires_grad_(True)
    HALF_OPS[name](lm.functional, xl).sum().backward()
    assert xl.grad.dtype == lm.float16


def test_half_precision_resampling_and_attention_are_closer_to_pytorch():
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float16)
    for fn in (lambda F, x: F.interpolate(x, scale_factor=1.7, mode="bilinear"),
               lambda F, x: F.scaled_dot_product_attention(x, x, x)):
        out, expected = fn(lm.functional, lm.from_numpy(x)), fn(torch.nn.functional, torch.from_numpy(x))
        assert out.dtype == lm.float16
        np.testing.assert_allclose(out.numpy().astype(float), expected.numpy().astype(float), rtol=2e-3, atol=1e-3)


def test_avg_pool3d_refuses_half_like_pytorch():
    for lib in (torch, lm):
        with pytest.raises(NotImplementedError):
            lib.nn.functional.avg_pool3d(lib.zeros(1, 2, 4, 4, 4, dtype=lib.float16), 2)


@pytest.mark.parametrize("call", [
    lambda lib, x: x.squeeze(None), lambda lib, x: lib.squeeze(x, dim=None),
    lambda lib, x: lib.index_select(x, 1.5, lib.tensor([0])), lambda lib, x: lib.gather(x, None, lib.zeros(2, 1, 3, dtype=lib.int64)),
    lambda lib, x: x.index_fill(1.0, lib.tensor([0]), 2.0)])
def test_dim_arguments_of_the_wrong_type_raise_type_error_like_pytorch(call):
    for lib in (torch, lm):
        with pytest.raises(TypeError):
            call(lib, lib.zeros(2, 1, 3))


def test_half_precision_wrapper_keeps_keyword_calls():
    """Every argument by keyword (query=, input=) still reaches the op, in half precision as in float32."""
    q = rng.standard_normal((1, 2, 3, 4)).astype(np.float16)
    for dtype in (np.float16, np.float32):
        t = lm.from_numpy(q.astype(dtype))
        out = lm.functional.scaled_dot_product_attention(query=t, key=t, value=t)
        expected = torch.nn.functional.scaled_dot_product_attention(
            query=torch.from_numpy(q.astype(dtype)), key=torch.from_numpy(q.astype(dtype)),
            value=torch.from_numpy(q.astype(dtype)))
        assert out.dtype == dtype
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=2e-3, atol=1e-3)
        assert lm.functional.avg_pool2d(input=t, kernel_size=2).dtype == dtype
        assert lm.functional.cross_entropy(input=t[0, 0], target=lm.tensor([0, 1, 2])).dtype == dtype
