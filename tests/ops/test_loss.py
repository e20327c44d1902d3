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
    "mse_loss": lambda a, b, reduction: L.mse_loss(a, b, reduction=reduction),
    "l1_loss": lambda a, b, reduction: L.l1_loss(a, b, reduction=reduction),
    "huber_loss": lambda a, b, reduction: L.huber_loss(a, b, reduction, delta=0.8),
    "smooth_l1_loss": lambda a, b, reduction: L.smooth_l1_loss(a, b, reduction=reduction, beta=0.6),
    "smooth_l1_beta0": lambda a, b, reduction: L.smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
    "bce_with_logits": lambda a, b, reduction: L.binary_cross_entropy_with_logits(a, b, reduction=reduction),
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
    # weights are constants: PyTorch refuses ones that require a gradient
    pos_weight, weight = leaf(rng.uniform(0.5, 3, 4), False), leaf(rng.uniform(0.5, 2, (3, 1)), False)
    assert lm.gradcheck(lambda x, t: L.binary_cross_entropy_with_logits(x, t, weight, reduction, pos_weight=pos_weight),
                        x, t)


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
    assert lm.gradgradcheck(lambda a, b: L.mse_loss(a, b, reduction=reduction), leaf(rng.standard_normal(shape)),
                            leaf(rng.standard_normal(shape)))
    pos_weight = leaf(rng.uniform(0.5, 2, 4), False)  # a constant, as PyTorch requires
    assert lm.gradgradcheck(lambda x, t: L.binary_cross_entropy_with_logits(x, t, reduction=reduction,
                                                                            pos_weight=pos_weight),
                            leaf(rng.standard_normal(shape)), probabilities(*shape))
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
    ("mse_loss", lambda r: (lambda a, b: L.mse_loss(a, b, reduction=r)), lambda r: (lambda a, b: TF.mse_loss(a, b, reduction=r))),
    ("l1_loss", lambda r: (lambda a, b: L.l1_loss(a, b, reduction=r)), lambda r: (lambda a, b: TF.l1_loss(a, b, reduction=r))),
    ("huber_loss", lambda r: (lambda a, b: L.huber_loss(a, b, r, delta=0.7)),
     lambda r: (lambda a, b: TF.huber_loss(a, b, reduction=r, delta=0.7))),
    ("smooth_l1_loss", lambda r: (lambda a, b: L.smooth_l1_loss(a, b, reduction=r, beta=0.4)),
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
    _compare(lambda x, t: L.binary_cross_entropy(x, t, lm.tensor(weight, dtype=x.dtype), reduction=reduction),
             lambda x, t: TF.binary_cross_entropy(x, t, torch.tensor(weight, dtype=x.dtype), reduction=reduction),
             [x, t], dtype)
    logits, pos_weight = rng.standard_normal((4, 3)) * 4, rng.uniform(0.5, 3, 3)
    _compare(lambda x, t: L.binary_cross_entropy_with_logits(x, t, lm.tensor(weight, dtype=x.dtype), reduction=reduction,
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
    _compare(lambda x, t: L.kl_div(x, t, reduction=reduction, log_target=log_target),
             lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target), inputs)
    if not log_target:  # 0 log 0 counts as 0 (PyTorch's gradient of the target is nan there; ours is 0)
        target[0, 1] = 0.0
        _compare(lambda x, t: L.kl_div(x, t, reduction=reduction), lambda x, t: TF.kl_div(x, t, reduction=reduction),
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


# ---- dtypes as PyTorch ---------------------------------------------------------------------------------
def _dtype_name(t):
    return str(t.dtype).replace("torch.", "lamina.")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("dtypes", [("int64", "float32"), ("float32", "int64"), ("int64", "int64"),
                                    ("float32", "float64"), ("float64", "float32"), ("bool", "float32"),
                                    ("float32", "bool")])
def test_regression_losses_promote_or_raise_as_pytorch(name, dtypes):
    """An integer target is not truncated: int and float meet in the float dtype (float64 wins), as PyTorch;
    huber_loss keeps the input's dtype; what PyTorch refuses raises a RuntimeError here too."""
    values = [[1.5, 2.5, 3.5], [1.0, 0.0, 3.0]]
    theirs = [torch.tensor(v).to(getattr(torch, d)) for v, d in zip(values, dtypes)]
    ours = [lm.from_numpy(t.numpy()) for t in theirs]
    try:
        expected = getattr(TF, name)(*theirs)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            getattr(L, name)(*ours)
        return
    result = getattr(L, name)(*ours)
    assert str(result.dtype) == _dtype_name(expected)
    np.testing.assert_allclose(result.item(), expected.item(), rtol=1e-6)


def test_binary_cross_entropy_checks_targets_and_dtypes_as_pytorch():
    x = [0.2, 0.7]
    for target in ([1.5, 0.0], [-0.5, 0.0]):
        with pytest.raises(RuntimeError, match="target"):
            TF.binary_cross_entropy(torch.tensor(x), torch.tensor(target))
        with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
            L.binary_cross_entropy(lm.tensor(x), lm.tensor(target))
    for target in (lm.tensor([1, 0]), lm.tensor([1.0, 0.0], dtype=lm.float64)):
        with pytest.raises(RuntimeError):
            TF.binary_cross_entropy(torch.tensor(x), torch.tensor(target.numpy()))
        with pytest.raises(TypeError):
            L.binary_cross_entropy(lm.tensor(x), target)
    with pytest.raises(RuntimeError):
        L.binary_cross_entropy(lm.tensor([float("nan"), 0.5]), lm.tensor([1.0, 0.0]))
    with pytest.raises(TypeError):
        L.binary_cross_entropy_with_logits(lm.tensor(x), lm.tensor([1, 0]))
    wide = L.binary_cross_entropy_with_logits(lm.tensor(x), lm.tensor([1.0, 0.0], dtype=lm.float64))
    expected = TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor([1.0, 0.0], dtype=torch.float64))
    assert wide.dtype == np.float64 and np.isclose(wide.item(), expected.item())


@pytest.mark.parametrize("name, smoothing", [("cross_entropy", 0.0), ("cross_entropy", 0.1), ("nll_loss", 0.0)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_every_target_ignored_gives_pytorchs_value_and_a_zero_gradient(name, smoothing, reduction):
    x = np.random.default_rng(1).standard_normal((3, 4))
    kwargs = {"label_smoothing": smoothing} if smoothing else {}
    ours, theirs = lm.from_numpy(x).requires_grad_(), torch.tensor(x, requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = getattr(L, name)(ours, lm.tensor([-100, -100, -100]), reduction=reduction, **kwargs)
    yt = getattr(TF, name)(theirs, torch.tensor([-100, -100, -100]), reduction=reduction, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy())  # NaN for the mean, as PyTorch
    y.sum().backward()
    yt.sum().backward()
    assert (ours.grad.numpy() == 0).all() and (theirs.grad.numpy() == 0).all()
    for create_graph in (True,):
        ours = lm.from_numpy(x).requires_grad_()
        with np.errstate(invalid="ignore"):
            (g,) = lm.grad(getattr(L, name)(ours, lm.tensor([-100, -100, -100]), **kwargs), [ours],
                           create_graph=create_graph)
        assert (g.detach().numpy() == 0).all()


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_target_errors_have_pytorchs_types(name):
    x, xt = lm.zeros(3, 4), torch.zeros(3, 4)
    for target, error in [([1.0, 2.0, 0.0], RuntimeError), (np.array([1, 2, 0], np.int32), RuntimeError),
                          ([True, False, True], RuntimeError), ([1, 2, 4], IndexError), ([1, 2, -1], IndexError),
                          ([1, 2], ValueError)]:
        with pytest.raises(error):
            getattr(TF, name)(xt, torch.tensor(np.asarray(target)))
        with pytest.raises(error):
            getattr(L, name)(x, lm.tensor(np.asarray(target)))
    with pytest.raises(RuntimeError):
        getattr(L, name)(lm.tensor([[1, 2], [3, 4]]), lm.tensor([1, 0]))
    uint8 = getattr(L, name)(lm.randn(3, 4), lm.tensor(np.array([1, 2, 0], np.uint8)))
    assert uint8.dtype == np.float32
    with np.errstate(invalid="ignore"):
        empty = getattr(L, name)(lm.zeros(0, 3), lm.tensor(np.zeros(0, np.int64)))
    assert np.isnan(empty.item()) and np.isnan(getattr(TF, name)(torch.zeros(0, 3), torch.zeros(0).long()).item())


# ---- more losses against PyTorch ----------------------------------------------------------------------------
def _signs(shape):
    return np.where(np.random.default_rng(3).standard_normal(shape) > 0, 1.0, -1.0)


MORE = {  # name: (call(functional module, library, reduction, *operands), shapes, fixed operands, positive operands)
    "soft_margin": (lambda F, m, r, x, y: F.soft_margin_loss(x, y, reduction=r), [(4, 3), (4, 3)],
                    {1: _signs((4, 3))}, ()),
    "margin_ranking": (lambda F, m, r, a, b, y: F.margin_ranking_loss(a, b, y, margin=0.3, reduction=r),
                       [(5,), (5,), (5,)], {2: _signs(5)}, ()),
    "hinge_embedding": (lambda F, m, r, x, y: F.hinge_embedding_loss(x, y, margin=0.5, reduction=r), [(4, 3), (4, 3)],
                        {1: _signs((4, 3))}, ()),
    "cosine_embedding": (lambda F, m, r, a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1, reduction=r),
                         [(4, 3), (4, 3), (4,)], {2: _signs(4)}, ()),
    "cosine_embedding_1d": (lambda F, m, r, a, b, y: F.cosine_embedding_loss(a, b, y, reduction=r),
                            [(3,), (3,), ()], {2: np.array(-1.0)}, ()),
    "triplet": (lambda F, m, r, a, b, c: F.triplet_margin_loss(a, b, c, margin=2.0, reduction=r),
                [(4, 3), (4, 3), (4, 3)], {}, ()),
    "triplet_swap_p1": (lambda F, m, r, a, b, c: F.triplet_margin_loss(a, b, c, margin=2.0, p=1, swap=True,
                                                                        reduction=r), [(4, 3), (4, 3), (4, 3)], {}, ()),
    "triplet_3d_p3": (lambda F, m, r, a, b, c: F.triplet_margin_loss(a, b, c, margin=2.0, p=3, reduction=r),
                      [(2, 4, 3), (2, 4, 3), (2, 4, 3)], {}, ()),
    "poisson": (lambda F, m, r, x, y: F.poisson_nll_loss(x, y, reduction=r), [(4, 3), (4, 3)], {}, (1,)),
    "poisson_full": (lambda F, m, r, x, y: F.poisson_nll_loss(x, y * 3, log_input=False, full=True, reduction=r),
                     [(4, 3), (4, 3)], {}, (0, 1)),
    "gaussian": (lambda F, m, r, x, y, v: F.gaussian_nll_loss(x, y, v, reduction=r), [(4, 3), (4, 3), (4, 3)], {},
                 (2,)),
    "gaussian_full_var1": (lambda F, m, r, x, y, v: F.gaussian_nll_loss(x, y, v, full=True, reduction=r),
                           [(4, 3), (4, 3), (4, 1)], {}, (2,)),
    "gaussian_tiny_var": (lambda F, m, r, x, y, v: F.gaussian_nll_loss(x, y, v * 1e-7, reduction=r),
                          [(4, 3), (4, 3), (4,)], {}, (2,)),
    "multilabel_soft_margin": (lambda F, m, r, x, y, w: F.multilabel_soft_margin_loss(x, y, weight=w, reduction=r),
                               [(4, 3), (4, 3), (3,)], {1: (np.arange(12).reshape(4, 3) % 3 == 1) * 1.0}, (2,)),
    "multi_margin": (lambda F, m, r, x, y: F.multi_margin_loss(x, y, reduction=r), [(4, 3), (4,)],
                     {1: np.array([0, 2, 1, 1])}, ()),
    "multi_margin_p2_weight": (lambda F, m, r, x, y: F.multi_margin_loss(
        x, y, p=2, margin=0.5, weight=m.tensor([1.0, 2.0, 3.0], dtype=m.float64), reduction=r), [(4, 3), (4,)],
        {1: np.array([0, 2, 1, 1])}, ()),
    "multi_margin_1d": (lambda F, m, r, x, y: F.multi_margin_loss(x, y, reduction=r), [(3,), ()], {1: np.array(1)},
                        ()),
    "cosine_similarity": (lambda F, m, r, a, b: F.cosine_similarity(a, b), [(4, 3), (1, 3)], {}, ()),
    "cosine_similarity_dim0": (lambda F, m, r, a, b: F.cosine_similarity(a, b, dim=0), [(3, 4), (3, 4)], {}, ()),
    "cosine_similarity_1d": (lambda F, m, r, a, b: F.cosine_similarity(a, b, dim=0), [(3,), (3,)], {}, ()),
    "pairwise_distance": (lambda F, m, r, a, b: F.pairwise_distance(a, b), [(4, 3), (4, 3)], {}, ()),
    "pairwise_distance_p1_keepdim": (lambda F, m, r, a, b: F.pairwise_distance(a, b, p=1, keepdim=True),
                                     [(4, 3), (4, 3)], {}, ()),
    "pairwise_distance_inf": (lambda F, m, r, a, b: F.pairwise_distance(a, b, p=float("inf")), [(4, 3), (4, 3)], {},
                              ()),
    "pairwise_distance_0d": (lambda F, m, r, a, b: F.pairwise_distance(a, b), [(), ()], {}, ()),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(MORE))
def test_more_losses_match_pytorch(name, reduction):
    call, shapes, fixed, positive = MORE[name]
    gen = np.random.default_rng(11)
    arrays = [fixed[i] if i in fixed else gen.standard_normal(s) for i, s in enumerate(shapes)]
    arrays = [np.abs(a) + 0.1 if i in positive else a for i, a in enumerate(arrays)]
    grads = [a.dtype.kind == "f" and i not in fixed for i, a in enumerate(arrays)]
    ours = [lm.from_numpy(np.asarray(a)).requires_grad_(g) for a, g in zip(arrays, grads)]
    theirs = [torch.tensor(np.asarray(a), requires_grad=g) for a, g in zip(arrays, grads)]
    y, yt = call(L, lm, reduction, *ours), call(TF, torch, reduction, *theirs)
    assert y.shape == tuple(yt.shape) and str(y.dtype) == _dtype_name(yt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    y.sum().backward()
    yt.sum().backward()
    for a, b, g in zip(ours, theirs, grads):
        if g:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("name", ["soft_margin", "margin_ranking", "cosine_embedding", "triplet", "poisson",
                                  "gaussian", "multilabel_soft_margin", "multi_margin", "cosine_similarity",
                                  "pairwise_distance"])
def test_more_losses_gradcheck(name):
    call, shapes, fixed, positive = MORE[name]
    gen = np.random.default_rng(5)
    arrays = [fixed[i] if i in fixed else gen.standard_normal(s) for i, s in enumerate(shapes)]
    arrays = [np.abs(a) + 0.5 if i in positive else a for i, a in enumerate(arrays)]
    free = [i for i, a in enumerate(arrays) if i not in fixed and a.dtype.kind == "f"]

    def fn(*tensors):
        operands = [lm.from_numpy(np.asarray(a)) for a in arrays]
        for i, t in zip(free, tensors):
            operands[i] = t
        return call(L, lm, "sum", *operands)

    assert lm.gradcheck(fn, *[lm.from_numpy(np.asarray(arrays[i], dtype=np.float64)).requires_grad_() for i in free])


@pytest.mark.parametrize("call", [
    lambda F, m, z, t: F.cosine_similarity(z(3), z(3)), lambda F, m, z, t: F.cosine_similarity(z(2, 3), z(2, 4)),
    lambda F, m, z, t: F.cosine_similarity(t([[1, 2]]), t([[1, 2]])),
    lambda F, m, z, t: F.pairwise_distance(z(2, 3), z(2, 4)),
    lambda F, m, z, t: F.margin_ranking_loss(z(3), z(2), z(3)), lambda F, m, z, t: F.margin_ranking_loss(z(2, 3), z(3), z(1)),
    lambda F, m, z, t: F.soft_margin_loss(z(3), z(2)), lambda F, m, z, t: F.soft_margin_loss(t([1, 2]), z(2)),
    lambda F, m, z, t: F.cosine_embedding_loss(z(2, 3), z(2, 3), z(3)),
    lambda F, m, z, t: F.cosine_embedding_loss(z(2, 3), z(2, 4), z(2)),
    lambda F, m, z, t: F.cosine_embedding_loss(z(2, 3, 1), z(2, 3, 1), z(2)),
    lambda F, m, z, t: F.triplet_margin_loss(z(2, 3), z(3, 3), z(2, 3)),
    lambda F, m, z, t: F.triplet_margin_loss(z(2, 3), z(3), z(2, 3)),
    lambda F, m, z, t: F.triplet_margin_loss(z(2, 3), z(2, 3), z(2, 3), margin=-1.0),
    lambda F, m, z, t: F.gaussian_nll_loss(z(2, 3), z(2, 3), z(3) + 1),
    lambda F, m, z, t: F.gaussian_nll_loss(z(2, 3), z(2, 3), z(2, 3) - 1),
    lambda F, m, z, t: F.multilabel_soft_margin_loss(z(2, 3), z(2, 4)),
    lambda F, m, z, t: F.multi_margin_loss(z(2, 3), t([0, 3])), lambda F, m, z, t: F.multi_margin_loss(z(2, 3), t([0, 2]), p=3),
    lambda F, m, z, t: F.multi_margin_loss(z(2, 3), t([0, 2, 1])), lambda F, m, z, t: F.multi_margin_loss(z(2, 3, 4), t([0, 2])),
    lambda F, m, z, t: F.multi_margin_loss(z(2, 3), t([0.0, 2.0])),
    lambda F, m, z, t: F.soft_margin_loss(z(3), z(3), reduction="avg"),
])
def test_more_losses_raise_what_pytorch_raises(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch, lambda *s: torch.zeros(s), torch.tensor)
    expected = theirs.type if theirs.type in (ValueError, IndexError, TypeError) else RuntimeError
    with pytest.raises(expected):
        call(L, lm, lambda *s: lm.zeros(s), lm.tensor)


def test_zero_dimensional_inputs_raise_as_pytorch():
    with pytest.raises(IndexError):
        TF.cross_entropy(torch.tensor(1.0), torch.tensor(1.0))
    with pytest.raises(IndexError):
        L.cross_entropy(lm.tensor(1.0), lm.tensor(1.0))
    with pytest.raises(RuntimeError):
        TF.cosine_embedding_loss(torch.tensor(1.0), torch.tensor(1.0), torch.tensor(1.0))
    with pytest.raises(RuntimeError):
        L.cosine_embedding_loss(lm.tensor(1.0), lm.tensor(1.0), lm.tensor(1.0))
    with pytest.raises(TypeError):
        L.cosine_similarity(lm.zeros(3), lm.zeros(3), dim=None)


def test_kl_div_and_soft_cross_entropy_dtypes_as_pytorch():
    x, t = np.log(np.full((2, 3), 1 / 3, dtype=np.float32)), np.full((2, 3), 1 / 3)
    for ours, theirs in [(L.kl_div, TF.kl_div), (L.cross_entropy, TF.cross_entropy)]:
        y = ours(lm.from_numpy(x), lm.from_numpy(t), reduction="sum")
        yt = theirs(torch.tensor(x), torch.tensor(t), reduction="sum")
        assert y.dtype == np.float64 and str(yt.dtype) == "torch.float64"
        np.testing.assert_allclose(y.item(), yt.item(), rtol=1e-6)
    with pytest.raises(RuntimeError):
        TF.kl_div(torch.zeros(3), torch.zeros(3, dtype=torch.int64), reduction="sum")
    with pytest.raises(RuntimeError, match="integral"):
        L.kl_div(lm.zeros(3), lm.zeros(3, dtype=lm.int64))


def test_soft_margin_loss_refuses_a_target_that_requires_grad_as_pytorch():
    with pytest.raises(RuntimeError):
        TF.soft_margin_loss(torch.zeros(3, requires_grad=True), torch.ones(3, requires_grad=True))
    with pytest.raises(RuntimeError, match="target"):
        L.soft_margin_loss(lm.zeros(3, requires_grad=True), lm.ones(3, requires_grad=True))
