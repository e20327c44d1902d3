"""Loss functions: finite-difference gradients (first and second order), PyTorch as the oracle for
values and gradients (weights, ignore_index, label smoothing, probability targets), stability for
huge logits, and the error messages."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.ops.loss as L

TF = torch.nn.functional

rng = np.random.default_rng(7)
REDUCTIONS = ["none", "mean", "sum"]


def labels(n, classes, shape=None, ignore=()):
    y = rng.integers(0, classes, shape or (n,))
    y.reshape(-1)[list(ignore)] = -100
    return y


@pytest.fixture
def probabilities(leaf):
    def probabilities(*shape):
        return leaf(rng.uniform(0.05, 0.95, shape))

    return probabilities


# ---- gradcheck -------------------------------------------------------------------------------
PAIRWISE = {
    "mse_loss": L.mse_loss,
    "l1_loss": L.l1_loss,
    "huber_loss": lambda a, b, reduction: L.huber_loss(a, b, reduction, delta=0.8),
    "smooth_l1_loss": lambda a, b, reduction: L.smooth_l1_loss(a, b, reduction, beta=0.6),
    "smooth_l1_beta0": lambda a, b, reduction: L.smooth_l1_loss(a, b, reduction, beta=0.0),
    "bce_with_logits": L.binary_cross_entropy_with_logits,
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("name", sorted(PAIRWISE))
def test_pairwise_losses_gradcheck(name, shape, reduction, leaf):
    target = leaf(rng.uniform(0, 1, shape)) if name == "bce_with_logits" else leaf(rng.standard_normal(shape))
    assert lm.gradcheck(lambda a, b: PAIRWISE[name](a, b, reduction=reduction), leaf(rng.standard_normal(shape)),
                        target)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4,), (3, 4)])
def test_binary_cross_entropy_gradcheck(shape, reduction, leaf, probabilities):
    weight = leaf(rng.uniform(0.5, 2, shape[-1:]), requires_grad=False)
    assert lm.gradcheck(lambda x, t: L.binary_cross_entropy(x, t, reduction=reduction), probabilities(*shape),
                        probabilities(*shape))
    assert lm.gradcheck(lambda x, t: L.binary_cross_entropy(x, t, weight, reduction=reduction),
                        probabilities(*shape), probabilities(*shape))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_weights_gradcheck(reduction, leaf, probabilities):
    x, t = leaf(rng.standard_normal((3, 4))), probabilities(3, 4)
    pos_weight, weight = leaf(rng.uniform(0.5, 3, 4)), leaf(rng.uniform(0.5, 2, (3, 1)))
    assert lm.gradcheck(lambda x, t, p, w: L.binary_cross_entropy_with_logits(x, t, w, reduction, pos_weight=p),
                        x, t, pos_weight, weight)


CROSS_ENTROPY_CASES = {
    "plain": {},
    "weight": {"weight": rng.uniform(0.5, 2, 5)},
    "ignore": {"ignore": (1, 4)},
    "smoothing": {"label_smoothing": 0.2},
    "everything": {"weight": rng.uniform(0.5, 2, 5), "ignore": (0,), "label_smoothing": 0.1},
}


def _ce_call(case, shape):
    case = dict(CROSS_ENTROPY_CASES[case])
    weight = case.pop("weight", None)
    y = labels(shape[0], shape[1], (shape[0],) + shape[2:], case.pop("ignore", ()))
    return lm.tensor(y), None if weight is None else lm.tensor(weight), case


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (2, 5, 3), (2, 5, 2, 2)])
@pytest.mark.parametrize("case", sorted(CROSS_ENTROPY_CASES))
def test_cross_entropy_gradcheck(case, shape, reduction, leaf):
    y, weight, options = _ce_call(case, shape)
    assert lm.gradcheck(lambda x: L.cross_entropy(x, y, weight, reduction=reduction, **options),
                        leaf(rng.standard_normal(shape)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_and_soft_cross_entropy_gradcheck(reduction, leaf, probabilities):
    y = lm.tensor(labels(6, 4, ignore=(2,)))
    weight = lm.tensor(rng.uniform(0.5, 2, 4))
    assert lm.gradcheck(lambda x: L.nll_loss(x, y, weight, reduction=reduction), leaf(rng.standard_normal((6, 4))))
    soft = probabilities(3, 4, 2)
    assert lm.gradcheck(lambda x, t: L.cross_entropy(x, t, weight, reduction=reduction, label_smoothing=0.1),
                        leaf(rng.standard_normal((3, 4, 2))), soft)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(reduction, log_target, leaf, probabilities):
    target = leaf(rng.standard_normal((3, 4))) if log_target else probabilities(3, 4)
    assert lm.gradcheck(lambda x, t: L.kl_div(x, t, reduction=reduction, log_target=log_target),
                        leaf(rng.standard_normal((3, 4))), target)


# ---- second derivatives ----------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["plain", "everything"])
def test_cross_entropy_gradgradcheck(case, reduction, leaf):
    y, weight, options = _ce_call(case, (4, 5))
    assert lm.gradgradcheck(lambda x: L.cross_entropy(x, y, weight, reduction=reduction, **options),
                            leaf(rng.standard_normal((4, 5))))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_and_binary_losses_gradgradcheck(reduction, leaf, probabilities):
    shape = (3, 4)
    assert lm.gradgradcheck(lambda a, b: L.mse_loss(a, b, reduction), leaf(rng.standard_normal(shape)),
                            leaf(rng.standard_normal(shape)))
    assert lm.gradgradcheck(lambda x, t, p: L.binary_cross_entropy_with_logits(x, t, reduction=reduction,
                                                                               pos_weight=p),
                            leaf(rng.standard_normal(shape)), probabilities(*shape), leaf(rng.uniform(0.5, 2, 4)))
    assert lm.gradgradcheck(lambda x, t: L.binary_cross_entropy(x, t, reduction=reduction), probabilities(*shape),
                            probabilities(*shape))
    assert lm.gradgradcheck(lambda a, b: L.huber_loss(a, b, reduction), leaf(rng.standard_normal(shape)),
                            leaf(rng.standard_normal(shape)))


def test_nll_and_kl_gradgradcheck(leaf, probabilities):
    y = lm.tensor(labels(4, 3))
    assert lm.gradgradcheck(lambda x: L.nll_loss(x, y) * L.nll_loss(x, y), leaf(rng.standard_normal((4, 3))))
    assert lm.gradgradcheck(lambda x, t: L.kl_div(x, t, reduction="batchmean"), leaf(rng.standard_normal((3, 4))),
                            probabilities(3, 4))


# ---- PyTorch as the oracle -------------------------------------------------------------------
def _compare(lamina_fn, torch_fn, arrays, dtype=np.float64, grad_of=None):
    """Values and gradients (of every float array, or of ``grad_of`` positions) against PyTorch."""
    grad_of = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"] if grad_of is None else grad_of
    cast = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    ours = [lm.tensor(a, dtype=a.dtype, requires_grad=i in grad_of) for i, a in enumerate(cast)]
    theirs = [torch.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(cast)]
    out, expected = lamina_fn(*ours), torch_fn(*theirs)
    v = rng.standard_normal(expected.shape).astype(dtype)
    (out * lm.tensor(v, dtype=dtype)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    tol = {"atol": 1e-6, "rtol": 1e-6} if dtype == np.float64 else {"atol": 1e-5, "rtol": 1e-4}
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **tol)
    for i in grad_of:
        np.testing.assert_allclose(ours[i].grad.data, theirs[i].grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(8, 5), (5,), (3, 5, 4), (2, 5, 3, 2)])
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
def test_cross_entropy_matches_torch(shape, reduction, smoothing, dtype):
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    y = rng.integers(0, 5, target_shape)
    if y.ndim:
        y.reshape(-1)[::3] = 2 if len(shape) == 1 else -1
    weight = rng.uniform(0.5, 2, 5)
    options = {"ignore_index": -1, "reduction": reduction, "label_smoothing": smoothing}
    for w in (None, weight):
        _compare(lambda x, y, w=w: L.cross_entropy(x, y, None if w is None else lm.tensor(w, dtype=x.dtype), **options),
                 lambda x, y, w=w: TF.cross_entropy(x, y, None if w is None else torch.tensor(w, dtype=x.dtype),
                                                    **options),
                 [rng.standard_normal(shape) * 3, y], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_match_torch(reduction):
    x, t = rng.standard_normal((2, 4, 3)), rng.dirichlet(np.ones(4), (2, 3)).transpose(0, 2, 1)
    weight = rng.uniform(0.5, 2, 4)
    _compare(lambda x, t: L.cross_entropy(x, t, lm.tensor(weight), reduction=reduction, label_smoothing=0.1),
             lambda x, t: TF.cross_entropy(x, t, torch.tensor(weight), reduction=reduction, label_smoothing=0.1),
             [x, t])
    _compare(lambda x, t: L.cross_entropy(x, t, reduction=reduction), lambda x, t: TF.cross_entropy(
        x, t, reduction=reduction), [rng.standard_normal((5, 3)), rng.dirichlet(np.ones(3), 5)], np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(reduction):
    weight = rng.uniform(0.5, 2, 4)
    y = labels(6, 4, ignore=(3,))
    _compare(lambda x, y: L.nll_loss(x, y, lm.tensor(weight), reduction=reduction),
             lambda x, y: TF.nll_loss(x, y, torch.tensor(weight), reduction=reduction),
             [rng.standard_normal((6, 4)), y])
    y4 = labels(2, 4, (2, 3, 2), ignore=(0, 5))
    _compare(lambda x, y: L.nll_loss(x, y, reduction=reduction),
             lambda x, y: TF.nll_loss(x, y, reduction=reduction), [rng.standard_normal((2, 4, 3, 2)), y4])


TORCH_PAIRWISE = [
    ("mse_loss", lambda r: (lambda a, b: L.mse_loss(a, b, r)), lambda r: (lambda a, b: TF.mse_loss(a, b, reduction=r))),
    ("l1_loss", lambda r: (lambda a, b: L.l1_loss(a, b, r)), lambda r: (lambda a, b: TF.l1_loss(a, b, reduction=r))),
    ("huber_loss", lambda r: (lambda a, b: L.huber_loss(a, b, r, delta=0.7)),
     lambda r: (lambda a, b: TF.huber_loss(a, b, reduction=r, delta=0.7))),
    ("smooth_l1_loss", lambda r: (lambda a, b: L.smooth_l1_loss(a, b, r, beta=0.4)),
     lambda r: (lambda a, b: TF.smooth_l1_loss(a, b, reduction=r, beta=0.4))),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss"])
def test_regression_losses_match_torch(name, reduction, dtype):
    ours, theirs = {n: (a, b) for n, a, b in TORCH_PAIRWISE}[name]
    _compare(ours(reduction), theirs(reduction), [rng.standard_normal((4, 5)), rng.standard_normal((4, 5))], dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_losses_match_torch(reduction, dtype):
    x, t = rng.uniform(0.02, 0.98, (4, 3)), rng.uniform(0, 1, (4, 3))
    weight = rng.uniform(0.5, 2, 3)
    _compare(lambda x, t: L.binary_cross_entropy(x, t, lm.tensor(weight, dtype=x.dtype), reduction),
             lambda x, t: TF.binary_cross_entropy(x, t, torch.tensor(weight, dtype=x.dtype), reduction=reduction),
             [x, t], dtype)
    logits, pos_weight = rng.standard_normal((4, 3)) * 4, rng.uniform(0.5, 3, 3)
    _compare(lambda x, t: L.binary_cross_entropy_with_logits(x, t, lm.tensor(weight, dtype=x.dtype), reduction,
                                                              pos_weight=lm.tensor(pos_weight, dtype=x.dtype)),
             lambda x, t: TF.binary_cross_entropy_with_logits(x, t, torch.tensor(weight, dtype=x.dtype),
                                                               reduction=reduction,
                                                               pos_weight=torch.tensor(pos_weight, dtype=x.dtype)),
             [logits, t], dtype)


def test_binary_cross_entropy_clamps_log_like_torch():
    x, t = np.array([0.0, 1.0, 0.5, 1e-50]), np.array([1.0, 0.0, 0.5, 1.0])
    _compare(lambda x, t: L.binary_cross_entropy(x, t, reduction="none"),
             lambda x, t: TF.binary_cross_entropy(x, t, reduction="none"), [x, t], grad_of=[0])


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    target = rng.dirichlet(np.ones(4), 3)
    if log_target:
        target = np.log(target)
    inputs = [np.log(rng.dirichlet(np.ones(4), 3)), target]
    _compare(lambda x, t: L.kl_div(x, t, reduction, log_target),
             lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target), inputs)
    if not log_target:  # 0 log 0 counts as 0 (PyTorch's gradient of the target is nan there; ours is 0)
        target[0, 1] = 0.0
        _compare(lambda x, t: L.kl_div(x, t, reduction), lambda x, t: TF.kl_div(x, t, reduction=reduction),
                 inputs, grad_of=[0])


# ---- stability -------------------------------------------------------------------------------
def test_huge_logits_stay_finite_in_float32():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [5e3, 1e4, -1e4]], dtype=np.float32)
    y = np.array([1, 0, 2])
    for fn, tfn, args in [
        (L.cross_entropy, TF.cross_entropy, [x, y]),
        (lambda x, y: L.cross_entropy(x, y, label_smoothing=0.1),
         lambda x, y: TF.cross_entropy(x, y, label_smoothing=0.1), [x, y]),
        (lambda x: lm.log_softmax(x, 1).sum(), lambda x: TF.log_softmax(x, 1).sum(), [x]),
        (L.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
         [x, np.array([[1, 0, 0.5], [0, 1, 1], [0.3, 0, 1]], dtype=np.float32)]),
    ]:
        ours = [lm.tensor(a, requires_grad=a.dtype.kind == "f") for a in args]
        out = fn(*ours)
        out.backward()
        assert np.isfinite(out.data).all() and np.isfinite(ours[0].grad.data).all()
        theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in args]
        expected = tfn(*theirs)
        expected.backward()
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-4)
        np.testing.assert_allclose(ours[0].grad.data, theirs[0].grad.numpy(), rtol=1e-4, atol=1e-6)


def test_cross_entropy_known_value():
    """Uniform logits over 4 classes: the loss is ln 4 whatever the label; the gradient (1/4 - onehot)/N."""
    x = lm.zeros(2, 4, requires_grad=True)
    loss = L.cross_entropy(x, lm.tensor([0, 3]))
    loss.backward()
    assert loss.item() == pytest.approx(np.log(4), rel=1e-6)
    np.testing.assert_allclose(x.grad.data, [[-0.375, 0.125, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]])


def test_cross_entropy_keeps_float32_and_mean_of_all_ignored_is_nan():
    x = lm.randn(4, 3, requires_grad=True)
    assert L.cross_entropy(x, lm.tensor([0, 1, 2, 0])).dtype == np.float32
    with np.errstate(invalid="ignore"):
        assert np.isnan(L.cross_entropy(x, lm.tensor([-100] * 4)).item())


# ---- errors ----------------------------------------------------------------------------------
def test_errors_name_the_op_and_shapes():
    x = lm.randn(4, 3)
    with pytest.raises(ValueError, match=r"cross_entropy: input of shape \(4, 3\) needs class targets of shape "
                                         r"\(4,\), got \(5,\)"):
        L.cross_entropy(x, lm.tensor([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="cross_entropy: target class 3 is out of range for 3 classes"):
        L.cross_entropy(x, lm.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match="nll_loss: target class -2 is out of range"):
        L.nll_loss(x, lm.tensor([0, 1, -2, 0]))
    with pytest.raises(ValueError, match=r"cross_entropy: weight must have shape \(3,\)"):
        L.cross_entropy(x, lm.tensor([0, 1, 2, 0]), weight=lm.ones(4))
    with pytest.raises(ValueError, match=r"cross_entropy: probability targets must have the input's shape"):
        L.cross_entropy(x, lm.rand(4, 4))
    with pytest.raises(ValueError, match=r"mse_loss: shapes \(4, 3\) and \(2, 3\) do not broadcast"):
        L.mse_loss(x, lm.randn(2, 3))
    with pytest.raises(ValueError, match="reduction must be one of"):
        L.mse_loss(x, x, reduction="average")
    with pytest.raises(ValueError, match="binary_cross_entropy: input values must lie in"):
        L.binary_cross_entropy(x, lm.rand(4, 3))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target shape \(4, 1\) must equal"):
        L.binary_cross_entropy_with_logits(x, lm.rand(4, 1))
    with pytest.warns(UserWarning, match="mse_loss: target shape"):
        L.mse_loss(x, lm.randn(3))
