"""The normalisation layers as modules (BatchNorm1d/2d/3d, LayerNorm, GroupNorm, InstanceNorm1d/2d) with PyTorch as the oracle.

The functional ``batch_norm`` / ``layer_norm`` are checked in test_ops_norm_dropout_embedding.py;
here it is what the modules add on top: their parameters and buffers, the running statistics they
keep over training steps (momentum, unbiased variance, ``num_batches_tracked``), ``train()`` /
``eval()``, ``affine`` / ``track_running_stats`` / ``eps``, ``state_dict`` names and values that
interchange with PyTorch's, and the errors for wrong input shapes.
Every check runs in float64 (tight tolerances) and float32 (tolerances for single precision).
"""
import re

import numpy as np
import pytest
import torch

import lamina as lm
from lamina import nn

DTYPES = {
    "float64": (np.float64, torch.float64, {"rtol": 1e-10, "atol": 1e-12}),
    "float32": (np.float32, torch.float32, {"rtol": 2e-5, "atol": 2e-5}),
}
BN_CASES = [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (3, 4, 5, 2)),
            ("BatchNorm3d", (2, 3, 2, 3, 2))]
BN_IDS = ["bn1d-NC", "bn1d-NCL", "bn2d-NCHW", "bn3d-NCDHW"]


# ---- helpers ---------------------------------------------------------------------------------
def npy(t):
    """A Lamina or PyTorch tensor's values as an array."""
    return t.detach().numpy()


def data(rng, shape, dtype, scale=3.0, offset=2.0):
    """Random input far from zero mean and unit variance, so normalisation has work to do."""
    return (rng.standard_normal(shape) * scale + offset).astype(dtype)


def set_param(ours, theirs, name, value):
    """The same values into the Lamina and the PyTorch parameter or buffer called ``name``."""
    getattr(ours, name).data[...] = value
    with torch.no_grad():
        getattr(theirs, name).copy_(torch.from_numpy(np.array(value)))


def bn_pair(cls, channels, dtype_key, rng, random_affine=True, **kwargs):
    """A Lamina and a PyTorch batch-norm layer with equal (random) weight and bias."""
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    ours = getattr(nn, cls)(channels, dtype=np_dtype, **kwargs)
    theirs = getattr(torch.nn, cls)(channels, dtype=t_dtype, **kwargs)
    if random_affine and theirs.affine:
        set_param(ours, theirs, "weight", rng.uniform(0.5, 1.5, channels).astype(np_dtype))
        set_param(ours, theirs, "bias", rng.standard_normal(channels).astype(np_dtype))
    return ours, theirs


def ln_pair(normalized_shape, dtype_key, rng, **kwargs):
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    ours = nn.LayerNorm(normalized_shape, dtype=np_dtype, **kwargs)
    theirs = torch.nn.LayerNorm(normalized_shape, dtype=t_dtype, **kwargs)
    if theirs.elementwise_affine:
        shape = tuple(theirs.normalized_shape)
        set_param(ours, theirs, "weight", rng.uniform(0.5, 1.5, shape).astype(np_dtype))
        set_param(ours, theirs, "bias", rng.standard_normal(shape).astype(np_dtype))
    return ours, theirs


def forward_backward(ours, theirs, x, r, dtype_key):
    """Both modules on the same input, then backward of sum(y * r); returns (y_ours, x_ours, y_theirs, x_theirs)."""
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    x_ours = lm.tensor(x, dtype=np_dtype, requires_grad=True)
    x_theirs = torch.tensor(x, dtype=t_dtype, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    (y_ours * lm.tensor(r, dtype=np_dtype)).sum().backward()
    (y_theirs * torch.tensor(r, dtype=t_dtype)).sum().backward()
    return y_ours, x_ours, y_theirs, x_theirs


def assert_close(ours, theirs, dtype_key, what=""):
    tol = DTYPES[dtype_key][2]
    a = npy(ours) if isinstance(ours, (lm.Tensor, torch.Tensor)) else np.asarray(ours)
    b = npy(theirs) if isinstance(theirs, (lm.Tensor, torch.Tensor)) else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, err_msg=what, **tol)


def assert_step_matches(ours, theirs, x, r, dtype_key, param_names=("weight", "bias")):
    """One forward/backward on both: outputs, input gradients and parameter gradients agree."""
    for module in (ours, theirs):
        module.zero_grad()
    y_ours, x_ours, y_theirs, x_theirs = forward_backward(ours, theirs, x, r, dtype_key)
    assert y_ours.dtype == DTYPES[dtype_key][0]
    assert_close(y_ours, y_theirs, dtype_key, "output")
    assert_close(x_ours.grad, x_theirs.grad, dtype_key, "input gradient")
    for name in param_names:
        p_ours, p_theirs = getattr(ours, name), getattr(theirs, name)
        if p_theirs is None:
            assert p_ours is None, name
            continue
        assert p_ours.grad is not None, f"{name} got no gradient"
        assert_close(p_ours.grad, p_theirs.grad, dtype_key, f"{name} gradient")
    return y_ours, y_theirs


def assert_buffers_match(ours, theirs, dtype_key):
    assert_close(ours.running_mean, theirs.running_mean, dtype_key, "running_mean")
    assert_close(ours.running_var, theirs.running_var, dtype_key, "running_var")
    assert npy(ours.num_batches_tracked).dtype == np.int64
    assert ours.num_batches_tracked.shape == ()
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked.item())


# ---- BatchNorm: forward and gradients --------------------------------------------------------
@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_train_forward_and_gradients(cls, shape, dtype_key):
    rng = np.random.default_rng(1)
    ours, theirs = bn_pair(cls, shape[1], dtype_key, rng)
    np_dtype = DTYPES[dtype_key][0]
    assert ours.training and theirs.training
    assert ours.weight.dtype == np_dtype and ours.running_mean.dtype == np_dtype
    y_ours, _ = assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)
    # the batch statistics really normalise each channel before the affine map
    axes = (0,) + tuple(range(2, len(shape)))
    view = (1, -1) + (1,) * (len(shape) - 2)
    z = (npy(y_ours).astype(np.float64) - npy(ours.bias).reshape(view)) / npy(ours.weight).reshape(view)
    np.testing.assert_allclose(z.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(z.var(axis=axes), 1, atol=2e-3)  # (var / (var + eps))


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_eval_forward_and_gradients_use_running_stats(cls, shape, dtype_key):
    rng = np.random.default_rng(2)
    c, np_dtype = shape[1], DTYPES[dtype_key][0]
    ours, theirs = bn_pair(cls, c, dtype_key, rng)
    set_param(ours, theirs, "running_mean", rng.standard_normal(c).astype(np_dtype))
    set_param(ours, theirs, "running_var", rng.uniform(0.3, 3.0, c).astype(np_dtype))
    assert ours.eval() is ours
    theirs.eval()
    assert not ours.training
    mean_before, var_before = npy(ours.running_mean).copy(), npy(ours.running_var).copy()
    x = data(rng, shape, np_dtype)
    y_ours, _ = assert_step_matches(ours, theirs, x, rng.standard_normal(shape), dtype_key)
    # eval: running statistics used, not changed, not counted
    np.testing.assert_array_equal(npy(ours.running_mean), mean_before)
    np.testing.assert_array_equal(npy(ours.running_var), var_before)
    assert int(ours.num_batches_tracked.item()) == 0
    view = (1, -1) + (1,) * (len(shape) - 2)
    expected = ((x.astype(np.float64) - mean_before.reshape(view)) / np.sqrt(var_before.reshape(view) + 1e-5)
                * npy(ours.weight).reshape(view) + npy(ours.bias).reshape(view))
    np.testing.assert_allclose(npy(y_ours), expected, **DTYPES[dtype_key][2])


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.3}], ids=["default-momentum", "momentum-0.3"])
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_running_stats_over_training_steps_then_eval(cls, shape, kwargs, dtype_key):
    """Several training steps: running_mean, running_var (unbiased) and num_batches_tracked follow
    PyTorch after each step; eval mode then uses them (outputs and gradients)."""
    rng = np.random.default_rng(3)
    ours, theirs = bn_pair(cls, shape[1], dtype_key, rng, **kwargs)
    assert ours.momentum == theirs.momentum == kwargs.get("momentum", 0.1)
    np_dtype = DTYPES[dtype_key][0]
    assert_buffers_match(ours, theirs, dtype_key)  # 0, 1, 0 at the start
    for step in range(4):
        x = data(rng, shape, np_dtype, scale=1.0 + step, offset=step - 1.5)
        assert_step_matches(ours, theirs, x, rng.standard_normal(shape), dtype_key)
        assert_buffers_match(ours, theirs, dtype_key)
    assert int(ours.num_batches_tracked.item()) == 4
    # the running variance is the unbiased one: check one update by hand
    m = ours.momentum
    x = data(rng, shape, np.float64)
    axes = (0,) + tuple(range(2, len(shape)))
    mean0, var0 = npy(ours.running_mean).astype(np.float64), npy(ours.running_var).astype(np.float64)
    assert_step_matches(ours, theirs, x.astype(np_dtype), rng.standard_normal(shape), dtype_key)
    np.testing.assert_allclose(npy(ours.running_mean), (1 - m) * mean0 + m * x.mean(axis=axes), rtol=1e-5)
    np.testing.assert_allclose(npy(ours.running_var), (1 - m) * var0 + m * x.var(axis=axes, ddof=1), rtol=1e-5)
    ours.eval()
    theirs.eval()
    for _ in range(2):
        assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)
    assert_buffers_match(ours, theirs, dtype_key)
    assert int(ours.num_batches_tracked.item()) == 5


@pytest.mark.parametrize("cls, shape", BN_CASES[1:], ids=BN_IDS[1:])
def test_batchnorm_momentum_none_is_a_cumulative_average(cls, shape):
    """PyTorch's ``momentum=None``: the running statistics are the plain average over all batches
    seen (factor 1 / num_batches_tracked)."""
    rng = np.random.default_rng(4)
    ours, theirs = bn_pair(cls, shape[1], "float64", rng, momentum=None)
    for _ in range(3):
        assert_step_matches(ours, theirs, data(rng, shape, np.float64), rng.standard_normal(shape), "float64")
        assert_buffers_match(ours, theirs, "float64")
    ours.eval()
    theirs.eval()
    assert_step_matches(ours, theirs, data(rng, shape, np.float64), rng.standard_normal(shape), "float64")


# ---- BatchNorm: options ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_affine_false(cls, shape, dtype_key):
    rng = np.random.default_rng(5)
    ours, theirs = bn_pair(cls, shape[1], dtype_key, rng, affine=False)
    assert ours.weight is None and ours.bias is None
    assert list(ours.parameters()) == []
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np_dtype = DTYPES[dtype_key][0]
    for _ in range(2):
        assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)
        assert_buffers_match(ours, theirs, dtype_key)
    ours.eval()
    theirs.eval()
    assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_without_running_stats_uses_batch_stats_in_eval_too(cls, shape, dtype_key, affine):
    rng = np.random.default_rng(6)
    ours, theirs = bn_pair(cls, shape[1], dtype_key, rng, affine=affine, track_running_stats=False)
    assert ours.running_mean is None and ours.running_var is None
    assert theirs.running_mean is None
    assert list(ours.buffers()) == []
    assert not hasattr(ours, "num_batches_tracked") or ours.num_batches_tracked is None
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np_dtype = DTYPES[dtype_key][0]
    x, r = data(rng, shape, np_dtype), rng.standard_normal(shape)
    y_train, _ = assert_step_matches(ours, theirs, x, r, dtype_key)
    ours.eval()
    theirs.eval()
    y_eval, _ = assert_step_matches(ours, theirs, x, r, dtype_key)
    # eval with no running statistics normalises with the batch's own: the same output as training
    np.testing.assert_allclose(npy(y_eval), npy(y_train), **DTYPES[dtype_key][2])
    assert list(ours.buffers()) == []


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_eps(cls, shape, dtype_key):
    rng = np.random.default_rng(7)
    np_dtype = DTYPES[dtype_key][0]
    ours, theirs = bn_pair(cls, shape[1], dtype_key, rng, eps=0.5)
    default, _ = bn_pair(cls, shape[1], dtype_key, rng)
    assert ours.eps == theirs.eps == 0.5
    x = data(rng, shape, np_dtype, scale=0.7)  # variance comparable to eps, so eps matters
    r = rng.standard_normal(shape)
    y_train, _ = assert_step_matches(ours, theirs, x, r, dtype_key)
    default.weight.data[...] = npy(ours.weight)
    default.bias.data[...] = npy(ours.bias)
    assert not np.allclose(npy(default(lm.tensor(x, dtype=np_dtype))), npy(y_train), atol=1e-2)
    ours.eval()
    theirs.eval()
    assert_step_matches(ours, theirs, x, r, dtype_key)


# ---- BatchNorm: state_dict -------------------------------------------------------------------
@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_state_dict_matches_torch(cls, shape, dtype_key):
    rng = np.random.default_rng(8)
    np_dtype = DTYPES[dtype_key][0]
    ours, theirs = bn_pair(cls, shape[1], dtype_key, rng, momentum=0.3)
    for _ in range(3):
        assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(ours_sd) == list(theirs_sd)
    for name, value in theirs_sd.items():
        assert ours_sd[name].dtype == npy(value).dtype, name
        assert_close(ours_sd[name], value, dtype_key, name)
    assert int(ours_sd["num_batches_tracked"].item()) == 3


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", BN_CASES, ids=BN_IDS)
def test_batchnorm_loads_torch_state_dict_and_back(cls, shape, dtype_key):
    rng = np.random.default_rng(9)
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    _, theirs = bn_pair(cls, shape[1], dtype_key, rng)
    theirs.train()
    with torch.no_grad():
        for _ in range(3):
            theirs(torch.tensor(data(rng, shape, np_dtype)))
    ours = getattr(nn, cls)(shape[1], dtype=np_dtype)  # fresh: ones, zeros, zeros, ones, 0
    missing, unexpected = ours.load_state_dict({k: npy(v) for k, v in theirs.state_dict().items()})
    assert list(missing) == [] and list(unexpected) == []
    assert_buffers_match(ours, theirs, dtype_key)
    assert int(ours.num_batches_tracked.item()) == 3
    assert_close(ours.weight, theirs.weight, dtype_key, "weight")
    assert_close(ours.bias, theirs.bias, dtype_key, "bias")
    ours.eval()
    theirs.eval()
    assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)
    # and back: Lamina's state_dict (as torch tensors) loads into a fresh PyTorch layer
    again = getattr(torch.nn, cls)(shape[1], dtype=t_dtype)
    again.load_state_dict({k: torch.from_numpy(npy(v).copy()) for k, v in ours.state_dict().items()})
    again.eval()
    x = data(rng, shape, np_dtype)
    assert_close(ours(lm.tensor(x, dtype=np_dtype)), again(torch.tensor(x)), dtype_key, "eval output")
    assert int(again.num_batches_tracked) == 3


def test_batchnorm_load_state_dict_checks_keys_and_shapes():
    theirs = torch.nn.BatchNorm1d(3)
    ours = nn.BatchNorm1d(3)
    state = {k: npy(v) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: v for k, v in state.items() if k != "num_batches_tracked"})  # old checkpoints, as torch
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items() if k != "num_batches_tracked"})
    with pytest.raises(RuntimeError, match="size mismatch for running_var"):
        ours.load_state_dict({**state, "running_var": np.ones(4, dtype=np.float32)})


# ---- Sequential: train() / eval() switching ------------------------------------------------
def _copy_linear_or_conv(ours, theirs):
    ours.weight.data[...] = npy(theirs.weight)
    ours.bias.data[...] = npy(theirs.bias)


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("kind", ["linear-bn1d", "conv2d-bn2d"])
def test_sequential_train_eval_switching(kind, dtype_key):
    rng = np.random.default_rng(10)
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    torch.manual_seed(0)
    if kind == "linear-bn1d":
        ours = nn.Sequential(nn.Linear(6, 4, dtype=np_dtype), nn.BatchNorm1d(4, dtype=np_dtype), nn.ReLU())
        theirs = torch.nn.Sequential(torch.nn.Linear(6, 4, dtype=t_dtype), torch.nn.BatchNorm1d(4, dtype=t_dtype),
                                     torch.nn.ReLU())
        in_shape, out_shape = (10, 6), (10, 4)
    else:
        ours = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, dtype=np_dtype), nn.BatchNorm2d(3, dtype=np_dtype))
        theirs = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1, dtype=t_dtype),
                                     torch.nn.BatchNorm2d(3, dtype=t_dtype))
        in_shape, out_shape = (3, 2, 5, 4), (3, 3, 5, 4)
    _copy_linear_or_conv(ours[0], theirs[0])
    set_param(ours[1], theirs[1], "weight", rng.uniform(0.5, 1.5, out_shape[1]).astype(np_dtype))
    set_param(ours[1], theirs[1], "bias", rng.standard_normal(out_shape[1]).astype(np_dtype))

    def step():
        ours.zero_grad()
        theirs.zero_grad()
        _, x_ours, _, x_theirs = forward_backward(ours, theirs, data(rng, in_shape, np_dtype),
                                                  rng.standard_normal(out_shape), dtype_key)
        assert_close(x_ours.grad, x_theirs.grad, dtype_key, "input gradient")
        for (name, p_ours), (_, p_theirs) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert_close(p_ours.grad, p_theirs.grad, dtype_key, f"{name} gradient")
        assert_buffers_match(ours[1], theirs[1], dtype_key)

    for mode in ("train", "train", "eval", "eval", "train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        assert all(m.training == (mode == "train") for m in ours.modules())
        step()
    assert int(ours[1].num_batches_tracked.item()) == 3
    assert list(ours.state_dict()) == list(theirs.state_dict())


# ---- BatchNorm: errors -----------------------------------------------------------------------
@pytest.mark.parametrize("cls, channels, shape", [
    ("BatchNorm1d", 7, (4, 5)),          # wrong channel count
    ("BatchNorm1d", 7, (4, 5, 6)),
    ("BatchNorm1d", 7, (2, 7, 4, 4)),    # 4-D
    ("BatchNorm1d", 7, (7,)),            # 1-D
    ("BatchNorm2d", 7, (2, 5, 4, 4)),    # wrong channel count
    ("BatchNorm2d", 7, (2, 7, 4)),       # 3-D
    ("BatchNorm2d", 7, (2, 7, 4, 4, 1)), # 5-D
])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_wrong_input_shape_raises_value_error(cls, channels, shape, training):
    layer = getattr(nn, cls)(channels).train(training)
    with pytest.raises(ValueError) as info:
        layer(lm.tensor(np.ones(shape, dtype=np.float32)))
    message = str(info.value)
    assert cls in message
    assert re.search(rf"\b{channels}\b", message), message
    # a rejected input changes no state
    assert int(layer.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(npy(layer.running_mean), 0)
    # PyTorch rejects the same shapes too
    with pytest.raises((ValueError, RuntimeError)):
        getattr(torch.nn, cls)(channels).train(training)(torch.ones(shape))


@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (1, 3)), ("BatchNorm1d", (1, 3, 1)),
                                        ("BatchNorm2d", (1, 3, 1, 1))])
def test_batchnorm_single_value_per_channel_in_training_raises_like_torch(cls, shape):
    x = np.random.default_rng(11).standard_normal(shape).astype(np.float32)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        getattr(torch.nn, cls)(3)(torch.tensor(x))
    layer = getattr(nn, cls)(3)
    with pytest.raises(ValueError, match=re.compile("expected more than 1 value per channel when training",
                                                    re.IGNORECASE)):
        layer(lm.tensor(x))
    np.testing.assert_array_equal(npy(layer.running_mean), 0)
    np.testing.assert_array_equal(npy(layer.running_var), 1)


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (1, 3)), ("BatchNorm1d", (1, 3, 4)),
                                        ("BatchNorm2d", (1, 3, 2, 2))])
def test_batchnorm_single_sample_allowed_where_torch_allows_it(cls, shape, dtype_key):
    """One sample is fine in eval mode, and in training when it has several values per channel."""
    rng = np.random.default_rng(12)
    np_dtype = DTYPES[dtype_key][0]
    ours, theirs = bn_pair(cls, 3, dtype_key, rng)
    if shape[2:] and np.prod(shape[2:]) > 1:
        assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)
        assert_buffers_match(ours, theirs, dtype_key)
    ours.eval()
    theirs.eval()
    assert_step_matches(ours, theirs, data(rng, shape, np_dtype), rng.standard_normal(shape), dtype_key)


# ---- LayerNorm -------------------------------------------------------------------------------
LN_CASES = [((6, 5), 5), ((6, 5), [5]), ((3, 4, 6), (4, 6)), ((2, 3, 4, 5), (3, 4, 5)), ((2, 3, 4), (2, 3, 4))]
LN_IDS = ["int", "list", "two-dims", "three-dims", "whole-sample"]


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("shape, normalized", LN_CASES, ids=LN_IDS)
def test_layernorm_forward_and_gradients_train_and_eval(shape, normalized, dtype_key, affine):
    rng = np.random.default_rng(13)
    np_dtype = DTYPES[dtype_key][0]
    ours, theirs = ln_pair(normalized, dtype_key, rng, elementwise_affine=affine)
    assert tuple(ours.normalized_shape) == tuple(theirs.normalized_shape)
    if affine:
        assert ours.weight.shape == tuple(theirs.weight.shape) and ours.weight.dtype == np_dtype
    else:
        assert ours.weight is None and ours.bias is None and list(ours.parameters()) == []
    x, r = data(rng, shape, np_dtype), rng.standard_normal(shape)
    y_train, _ = assert_step_matches(ours, theirs, x, r, dtype_key)
    ours.eval()
    theirs.eval()
    y_eval, _ = assert_step_matches(ours, theirs, x, r, dtype_key)
    np.testing.assert_array_equal(npy(y_eval), npy(y_train))  # no mode dependence
    if not affine:  # each sample normalised over its trailing dims
        k = int(np.prod(theirs.normalized_shape))
        flat = npy(y_train).reshape(-1, k).astype(np.float64)
        np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-5)
        np.testing.assert_allclose(flat.var(axis=1), 1, atol=1e-3)


@pytest.mark.parametrize("dtype_key", DTYPES)
def test_layernorm_eps(dtype_key):
    rng = np.random.default_rng(14)
    np_dtype = DTYPES[dtype_key][0]
    ours, theirs = ln_pair((3, 4), dtype_key, rng, eps=0.3)
    assert ours.eps == theirs.eps == 0.3
    x = data(rng, (5, 3, 4), np_dtype, scale=0.5)
    y, _ = assert_step_matches(ours, theirs, x, rng.standard_normal((5, 3, 4)), dtype_key)
    default = nn.LayerNorm((3, 4), dtype=np_dtype)
    default.weight.data[...] = npy(ours.weight)
    default.bias.data[...] = npy(ours.bias)
    assert not np.allclose(npy(default(lm.tensor(x, dtype=np_dtype))), npy(y), atol=1e-2)


@pytest.mark.parametrize("dtype_key", DTYPES)
def test_layernorm_state_dict_round_trip_with_torch(dtype_key):
    rng = np.random.default_rng(15)
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    ours, theirs = ln_pair((4, 6), dtype_key, rng)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd) == ["weight", "bias"]
    for name, value in theirs_sd.items():
        assert_close(ours_sd[name], value, dtype_key, name)
    fresh = nn.LayerNorm((4, 6), dtype=np_dtype)
    fresh.load_state_dict({k: npy(v) for k, v in theirs_sd.items()})
    x = data(rng, (3, 4, 6), np_dtype)
    assert_close(fresh(lm.tensor(x, dtype=np_dtype)), theirs(torch.tensor(x)), dtype_key, "output")
    back = torch.nn.LayerNorm((4, 6), dtype=t_dtype)
    back.load_state_dict({k: torch.from_numpy(npy(v).copy()) for k, v in fresh.state_dict().items()})
    assert_close(fresh(lm.tensor(x, dtype=np_dtype)), back(torch.tensor(x)), dtype_key, "output")
    no_affine = nn.LayerNorm((4, 6), elementwise_affine=False)
    assert list(no_affine.state_dict()) == list(torch.nn.LayerNorm((4, 6), elementwise_affine=False).state_dict())


@pytest.mark.parametrize("dtype_key", DTYPES)
def test_layernorm_after_linear_in_sequential(dtype_key):
    rng = np.random.default_rng(16)
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    torch.manual_seed(1)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 6, dtype=t_dtype), torch.nn.LayerNorm(6, dtype=t_dtype))
    ours = nn.Sequential(nn.Linear(5, 6, dtype=np_dtype), nn.LayerNorm(6, dtype=np_dtype))
    _copy_linear_or_conv(ours[0], theirs[0])
    set_param(ours[1], theirs[1], "weight", rng.uniform(0.5, 1.5, 6).astype(np_dtype))
    set_param(ours[1], theirs[1], "bias", rng.standard_normal(6).astype(np_dtype))
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        ours.zero_grad()
        theirs.zero_grad()
        _, x_ours, _, x_theirs = forward_backward(ours, theirs, data(rng, (4, 3, 5), np_dtype),
                                                  rng.standard_normal((4, 3, 6)), dtype_key)
        assert_close(x_ours.grad, x_theirs.grad, dtype_key, "input gradient")
        for (name, p_ours), (_, p_theirs) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert_close(p_ours.grad, p_theirs.grad, dtype_key, f"{name} gradient")


@pytest.mark.parametrize("normalized, shape", [(5, (4, 6)), ((3, 4), (2, 4, 3)), ((2, 3, 4), (3, 4))])
def test_layernorm_wrong_input_shape_raises_value_error(normalized, shape):
    expected = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    with pytest.raises(RuntimeError):
        torch.nn.LayerNorm(normalized)(torch.ones(shape))
    with pytest.raises(ValueError) as info:
        nn.LayerNorm(normalized)(lm.tensor(np.ones(shape, dtype=np.float32)))
    message = str(info.value)
    assert re.search(r"layer_?norm", message, re.IGNORECASE), message
    assert str(expected) in message, message


# ---- GroupNorm and InstanceNorm ---------------------------------------------------------------------------
def _same_parameters(ours, theirs, rng):
    for name in ("weight", "bias"):
        if getattr(theirs, name) is not None:
            set_param(ours, theirs, name, rng.standard_normal(getattr(theirs, name).shape))


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("groups, channels, shape, affine", [(2, 4, (3, 4, 5), True), (1, 3, (2, 3, 2, 2), False),
                                                             (3, 6, (2, 6), True)])
def test_groupnorm_matches_torch(groups, channels, shape, affine, dtype_key):
    rng = np.random.default_rng(21)
    np_dtype, t_dtype, tol = DTYPES[dtype_key]
    ours = nn.GroupNorm(groups, channels, affine=affine, dtype=np_dtype)
    theirs = torch.nn.GroupNorm(groups, channels, affine=affine, dtype=t_dtype)
    _same_parameters(ours, theirs, rng)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    x = data(rng, shape, np_dtype)
    a, b = lm.tensor(x, dtype=np_dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(a), theirs(b)
    g = rng.standard_normal(shape).astype(np_dtype)
    y.backward(lm.tensor(g, dtype=np_dtype))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(npy(y), npy(yt), **tol)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    if affine:
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **tol)
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), **tol)


def test_groupnorm_checks_the_groups_as_torch():
    with pytest.raises(ValueError):
        torch.nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)


@pytest.mark.parametrize("cls, shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                        ("InstanceNorm2d", (2, 3, 4, 4)), ("InstanceNorm2d", (3, 4, 4))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True, "momentum": 0.3}],
                         ids=["plain", "affine", "running"])
def test_instancenorm_matches_torch_in_train_and_eval(cls, shape, kwargs):
    rng = np.random.default_rng(22)
    _, _, tol = DTYPES["float64"]
    ours = getattr(nn, cls)(3, dtype=np.float64, **kwargs)
    theirs = getattr(torch.nn, cls)(3, dtype=torch.float64, **kwargs)
    _same_parameters(ours, theirs, rng)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    for mode in ("train", "train", "eval"):
        getattr(ours, mode)(), getattr(theirs, mode)()
        x = data(rng, shape, np.float64)
        a, b = lm.tensor(x, dtype=np.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(a), theirs(b)
        g = rng.standard_normal(shape)
        y.backward(lm.tensor(g, dtype=np.float64))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(npy(y), npy(yt), **tol)
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
        if kwargs.get("track_running_stats"):
            np.testing.assert_allclose(npy(ours.running_mean), npy(theirs.running_mean), **tol)
            np.testing.assert_allclose(npy(ours.running_var), npy(theirs.running_var), **tol)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 5, 2)])
def test_sync_batch_norm_is_batch_norm_in_one_process(shape):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    theirs, ours = torch.nn.SyncBatchNorm(3), nn.SyncBatchNorm(3)
    np.testing.assert_allclose(ours(lm.from_numpy(a)).detach().numpy(), theirs(torch.from_numpy(a)).detach().numpy(),
                               atol=1e-5)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), atol=1e-6)
    for m, ones in ((torch.nn, torch.ones), (nn, lm.ones)):
        with pytest.raises(ValueError, match="expected at least 2D input"):
            m.SyncBatchNorm(3)(ones(3))
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)))
    expected = torch.nn.SyncBatchNorm.convert_sync_batchnorm(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3),
                                                                                 torch.nn.BatchNorm2d(2)))
    assert repr(converted) == repr(expected) and list(converted.state_dict()) == list(expected.state_dict())
