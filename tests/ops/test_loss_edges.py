"""Loss edge cases found by probing against PyTorch: which arguments may require a gradient, the gradient of
class weights with probability targets, BCE's unclamped target gradient, ignore_index with soft targets."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

rng = np.random.default_rng(3)


def run(lib, fn, arrays):
    """fn(functional, *leaves) on library ``lib``; the output and the gradients of its weighted sum."""
    functional = torch.nn.functional if lib is torch else F
    leaves = [lib.from_numpy(a.copy()) for a in arrays]
    for t in leaves:
        if t.dtype == lib.float64:
            t.requires_grad_(True)
    out = fn(functional, *leaves)
    weights = lib.from_numpy(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape)))
    (out * weights).sum().backward()
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in leaves]


def same_as_torch(fn, *arrays):
    out, grads = run(lm, fn, arrays)
    out_t, grads_t = run(torch, fn, arrays)
    np.testing.assert_allclose(out, out_t, rtol=1e-7, atol=1e-10)
    for g, gt in zip(grads, grads_t):
        assert (g is None) == (gt is None)
        if g is not None:
            np.testing.assert_allclose(g, gt, rtol=1e-7, atol=1e-10)


x = rng.standard_normal((4, 5))
labels = np.array([0, 2, 4, 1])
probs = rng.dirichlet(np.ones(5), 4)
class_weight = rng.uniform(0.5, 2, 5)


@pytest.mark.parametrize("call", [
    lambda f, x, w: f.nll_loss(x, torch.tensor([0, 2, 4, 1]) if isinstance(x, torch.Tensor) else lm.tensor([0, 2, 4, 1]),
                               weight=w),
    lambda f, x, w: f.cross_entropy(x, (torch if isinstance(x, torch.Tensor) else lm).tensor([0, 2, 4, 1]), weight=w,
                                    label_smoothing=0.1),
    lambda f, x, w: f.binary_cross_entropy(x.sigmoid(), x.sigmoid().detach(), weight=w),
    lambda f, x, w: f.binary_cross_entropy_with_logits(x, x.sigmoid().detach(), weight=w),
    lambda f, x, w: f.binary_cross_entropy_with_logits(x, x.sigmoid().detach(), pos_weight=w),
    lambda f, x, w: f.multi_margin_loss(x, (torch if isinstance(x, torch.Tensor) else lm).tensor([0, 2, 4, 1]),
                                        weight=w),
], ids=["nll", "cross_entropy", "bce", "bce_logits weight", "bce_logits pos_weight", "multi_margin"])
def test_class_weight_that_requires_grad_is_refused_like_pytorch(call):
    for lib, functional in ((torch, torch.nn.functional), (lm, F)):
        xs = lib.from_numpy(x.copy()).requires_grad_(True)
        w = lib.from_numpy(class_weight.copy()).requires_grad_(True)
        with pytest.raises(RuntimeError, match="differentiable"):
            call(functional, xs, w)
        with lib.no_grad():
            call(functional, xs, w)  # allowed when nothing is recorded


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_probability_targets_differentiate_the_class_weight(reduction):
    same_as_torch(lambda f, x, t, w: f.cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=0.2),
                  x, probs, class_weight)


def test_cross_entropy_probability_targets_with_k_dims_and_weight():
    xk = rng.standard_normal((2, 5, 3, 2))
    tk = rng.dirichlet(np.ones(5), (2, 3, 2)).transpose(0, 3, 1, 2).copy()
    same_as_torch(lambda f, x, t, w: f.cross_entropy(x, t, weight=w), xk, tk, class_weight)


def test_cross_entropy_probability_targets_refuse_ignore_index():
    for lib, functional in ((torch, torch.nn.functional), (lm, F)):
        with pytest.raises(RuntimeError, match="ignore_index"):
            functional.cross_entropy(lib.from_numpy(x), lib.from_numpy(probs), ignore_index=1)


def test_binary_cross_entropy_target_gradient_is_not_clamped():
    same_as_torch(lambda f, p, t: f.binary_cross_entropy(p, t, reduction="none"),
                  np.array([0.0, 1.0, 0.5, 0.3]), np.array([1.0, 0.0, 1.0, 0.2]))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses_take_pytorchs_elementwise_weight(name, reduction):
    """PyTorch 2.13's weight= of mse/l1/huber: loss * weight; the mean divides by sum(weight) for mse and l1,
    by the number of elements for huber. The weight gets a gradient too."""
    same_as_torch(lambda f, x, y, w: getattr(f, name)(x, y, reduction=reduction, weight=w), x,
                  rng.standard_normal((4, 5)), rng.uniform(0.5, 2, (4, 5)))
    for lib, functional in ((torch, torch.nn.functional), (lm, F)):
        with pytest.raises(ValueError, match="(?i)weights and input must have the same size"):
            getattr(functional, name)(lib.zeros(4, 5), lib.zeros(4, 5), weight=lib.ones(5))


@pytest.mark.parametrize("legacy, reduction", [({"reduce": False}, "none"), ({"size_average": False}, "sum"),
                                               ({"size_average": True, "reduce": True}, "mean"),
                                               ({"size_average": False, "reduce": False}, "none")])
def test_deprecated_size_average_and_reduce_are_pytorchs_reductions(legacy, reduction):
    y = rng.uniform(0.1, 1, (4, 5))  # also kl_div's probability target
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "kl_div"):
        with pytest.warns(UserWarning):
            same_as_torch(lambda f, a, b: getattr(f, name)(a, b, **legacy), x, y)
    with pytest.warns(UserWarning):
        same_as_torch(lambda f, a: f.cross_entropy(a, (torch if isinstance(a, torch.Tensor) else lm).tensor(labels),
                                                   **legacy), x)


def test_losses_take_pytorchs_positional_order():
    """cross_entropy(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing)."""
    same_as_torch(lambda f, a, w: f.cross_entropy(a, (torch if isinstance(a, torch.Tensor) else lm).tensor(labels),
                                                  w.detach(), None, 2, None, "sum", 0.1), x, class_weight)
    same_as_torch(lambda f, a, b: f.poisson_nll_loss(a, b, True, False, None, 1e-6, None, "sum"), x,
                  rng.uniform(0, 3, (4, 5)))


# ---- ctc_loss ------------------------------------------------------------------------------------------------
def _ctc_pair(fn, *arrays):
    results = []
    for lib, functional in ((lm, F), (torch, torch.nn.functional)):
        tensors = [lib.from_numpy(a.copy()) for a in arrays]
        tensors[0].requires_grad_(True)
        out = fn(lib, functional, *tensors)
        (out * lib.from_numpy(np.linspace(0.5, 2, out.numel()).reshape(tuple(out.shape)))).sum().backward()
        results.append((out.detach().numpy(), tensors[0].grad.numpy()))
    (out, grad), (out_t, grad_t) = results
    np.testing.assert_allclose(out, out_t, rtol=1e-9)
    np.testing.assert_allclose(grad, grad_t, rtol=1e-7, atol=1e-10)


CTC_CASES = {
    "padded": (lambda lib, F, lp, t, r: F.ctc_loss(lp.log_softmax(2), t, [6, 5], [3, 2], blank=0, reduction=r),
               ((6, 2, 4), np.array([[1, 2, 2], [3, 1, 0]]))),
    "concatenated, blank 3": (lambda lib, F, lp, t, r: F.ctc_loss(lp.log_softmax(2), t, (7, 7, 4), (2, 3, 1), blank=3,
                                                                  reduction=r), ((7, 3, 5), np.array([1, 1, 0, 2, 2, 4]))),
    "impossible, zero_infinity": (lambda lib, F, lp, t, r: F.ctc_loss(lp.log_softmax(2), t, [3, 3], [3, 1], reduction=r,
                                                                      zero_infinity=True),
                                  ((3, 2, 4), np.array([[1, 1, 1], [2, 0, 0]]))),
    "empty target": (lambda lib, F, lp, t, r: F.ctc_loss(lp.log_softmax(2), t, [4, 2], [0, 1], reduction=r),
                     ((4, 2, 3), np.array([[1], [2]]))),
    "raw log_probs": (lambda lib, F, lp, t, r: F.ctc_loss(lp, t, [6, 5], [3, 2], reduction=r),
                      ((6, 2, 4), np.array([[1, 2, 2], [3, 1, 0]]))),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", sorted(CTC_CASES))
def test_ctc_loss_matches_pytorch(case, reduction):
    fn, (shape, targets) = CTC_CASES[case]
    _ctc_pair(lambda lib, F, lp, t: fn(lib, F, lp, t, reduction), rng.standard_normal(shape), targets)


def test_ctc_loss_unbatched_and_tensor_lengths_match_pytorch():
    _ctc_pair(lambda lib, F, lp, t, i, n: F.ctc_loss(lp.log_softmax(1), t, i, n), rng.standard_normal((6, 4)),
              np.array([1, 2, 2]), np.array(6), np.array(3))
    _ctc_pair(lambda lib, F, lp, t, i, n: F.ctc_loss(log_probs=lp.log_softmax(2), targets=t, input_lengths=i,
                                                     target_lengths=n, reduction="sum"),
              rng.standard_normal((8, 2, 5)), np.array([[1, 2, 3, 4], [2, 2, 2, 1]]), np.array([8, 6]), np.array([4, 2]))


@pytest.mark.parametrize("call", [
    lambda lib, F, lp: F.ctc_loss(lp, lib.tensor([[1, 2]]), [3], [2], blank=4),
    lambda lib, F, lp: F.ctc_loss(lp, lib.tensor([[1, 2]]), [5], [2]),
    lambda lib, F, lp: F.ctc_loss(lp[:, 0], lib.tensor([1, 2]), 3, 2)])
def test_ctc_loss_errors_have_pytorchs_types(call):
    with pytest.raises(Exception) as expected:
        call(torch, torch.nn.functional, torch.zeros(3, 1, 4))
    with pytest.raises(type(expected.value)):
        call(lm, F, lm.zeros(3, 1, 4))
