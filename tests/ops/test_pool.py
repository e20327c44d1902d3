"""Pooling: hand-checkable numbers, finite-difference gradients (first and second order), PyTorch as
the oracle for values, indices and gradients, and the error messages."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import lamina as lm
from lamina.ops.pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)

rng = np.random.default_rng(11)


@pytest.fixture
def distinct(leaf):
    def distinct(*shape):
        """Values at least 0.1 apart: no ties and no kink of max within a finite-difference step."""
        return leaf(rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0)

    return distinct


# ---- by hand ----------------------------------------------------------------------------------------
X4 = [[1, 3, 5, 3], [4, 2, 3, 1], [3, 1, 1, 3], [0, 1, 0, 4]]


def test_pooling_by_hand():
    x = lm.tensor([[X4]], dtype=lm.float32)
    np.testing.assert_array_equal(max_pool2d(x, 2).data[0, 0], [[4, 5], [3, 4]])
    np.testing.assert_array_equal(avg_pool2d(x, 2).data[0, 0], [[2.5, 3], [1.25, 2]])
    np.testing.assert_array_equal(adaptive_avg_pool2d(x, 1).data[0, 0], [[35 / 16]])


def test_max_pool_gradient_goes_to_the_maximum():
    x = lm.tensor([[X4]], dtype=lm.float32, requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 0, 1, 0], [1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])


def test_max_pool_ties_go_to_the_first_maximum_and_indices():
    x = lm.tensor([[[[2, 2], [2, 1]]]], dtype=lm.float32, requires_grad=True)
    y, index = max_pool2d(x, 2, return_indices=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 0], [0, 0]])
    assert index.data.item() == 0


def test_average_pool_divisors_by_hand():
    x = lm.ones(1, 1, 3, 3)
    # padding 1, windows 3x3 stride 2: each corner window holds 4 ones of 9 cells
    np.testing.assert_allclose(avg_pool2d(x, 3, 2, 1).data[0, 0], np.full((2, 2), 4 / 9))
    np.testing.assert_allclose(avg_pool2d(x, 3, 2, 1, count_include_pad=False).data[0, 0], np.ones((2, 2)))


def test_unbatched_and_layout_preserving(r, leaf):
    x = r(3, 6, 6)
    np.testing.assert_array_equal(max_pool2d(x, 2).data, max_pool2d(x.unsqueeze(0), 2).data[0])
    # a channel-last view in, values still as for the plain array
    y = leaf(rng.standard_normal((2, 6, 6, 3))).permute(0, 3, 1, 2)
    np.testing.assert_array_equal(max_pool2d(y, 2).data, max_pool2d(leaf(y.data.copy()), 2).data)


# ---- finite differences ----------------------------------------------------------------------------------
POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pool_gradcheck(case, distinct):
    x = distinct(2, 2, 5, 7)
    assert lm.gradcheck(lambda x: max_pool2d(x, **case), x)
    assert lm.gradcheck(lambda x: avg_pool2d(x, **case), x)
    assert lm.gradcheck(lambda x: avg_pool2d(x, **case, count_include_pad=False), x)


def test_pool_gradcheck_dilation_and_non_contiguous(distinct):
    x = distinct(2, 3, 7, 6)
    assert lm.gradcheck(lambda x: max_pool2d(x, 2, 1, dilation=2), x)
    assert lm.gradcheck(lambda x: max_pool2d(x.transpose(2, 3), 2), x)
    assert lm.gradcheck(lambda x: avg_pool2d(x[:, :, ::2], 2, 1), x)
    assert lm.gradcheck(lambda x: max_pool1d(x[:, 0], 3, 2, padding=1), x)
    assert lm.gradcheck(lambda x: avg_pool1d(x[:, :, 1], 2), x)


@pytest.mark.parametrize("size", [(3, 4), (2, 2), 1, (5, None)])
def test_adaptive_pool_gradcheck(size, distinct):
    x = distinct(2, 2, 6, 7)
    assert lm.gradcheck(lambda x: adaptive_avg_pool2d(x, size), x)
    assert lm.gradcheck(lambda x: adaptive_max_pool2d(x, size), x)


def test_pool_second_derivatives(distinct):
    x = distinct(2, 2, 5, 6)
    assert lm.gradgradcheck(lambda x: max_pool2d(x, 2) ** 2, x)
    assert lm.gradgradcheck(lambda x: max_pool2d(x, 3, 1, 1) ** 2, x)
    assert lm.gradgradcheck(lambda x: avg_pool2d(x, 3, 2, 1, ceil_mode=True) ** 2, x)
    assert lm.gradgradcheck(lambda x: adaptive_avg_pool2d(x, (3, 4)) ** 2, x)
    assert lm.gradgradcheck(lambda x: adaptive_max_pool2d(x, (3, 4)) ** 2, x)


# ---- PyTorch as the oracle ------------------------------------------------------------------------------------
PRECISIONS = [(np.float64, 0, 1e-6), (np.float32, 1e-4, 1e-4)]
MAX_CASES = POOL_CASES + [dict(kernel_size=3, stride=1, padding=1, dilation=2),
                          dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)]


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", MAX_CASES, ids=str)
def test_max_pool_matches_torch(case, dtype, rtol, atol, vs_torch):
    x = rng.standard_normal((2, 3, 7, 9))
    vs_torch(lambda x: max_pool2d(x, **case, return_indices=True),
             lambda x: TF.max_pool2d(x, **case, return_indices=True), x, dtype, rtol, atol)


def test_max_pool_ties_match_torch(vs_torch):
    """After a ReLU many windows hold several zeros: the gradient goes where PyTorch sends it."""
    x = np.maximum(np.round(rng.standard_normal((2, 3, 8, 8))), 0)
    for case in [dict(kernel_size=2), dict(kernel_size=2, stride=1), dict(kernel_size=2, padding=1, dilation=2),
                 dict(kernel_size=(1, 4)), dict(kernel_size=(4, 1), stride=(2, 1)),
                 dict(kernel_size=3, stride=1, padding=1)]:
        vs_torch(lambda x, c=case: max_pool2d(x, **c, return_indices=True),
                 lambda x, c=case: TF.max_pool2d(x, **c, return_indices=True), x, np.float64, 0, 1e-12)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", POOL_CASES + [dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                    count_include_pad=False),
                                               dict(kernel_size=2, stride=1, divisor_override=3)], ids=str)
def test_avg_pool_matches_torch(case, dtype, rtol, atol, vs_torch):
    vs_torch(lambda x: avg_pool2d(x, **case), lambda x: TF.avg_pool2d(x, **case),
             rng.standard_normal((2, 3, 7, 9)), dtype, rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("size", [(3, 4), (7, 3), 1, (2, None), (5, 6)])
def test_adaptive_pools_match_torch(size, dtype, rtol, atol, vs_torch):
    x = rng.standard_normal((2, 3, 7, 9))
    vs_torch(lambda x: adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size), x, dtype, rtol, atol)
    vs_torch(lambda x: adaptive_max_pool2d(x, size, return_indices=True),
             lambda x: TF.adaptive_max_pool2d(x, size, return_indices=True), x, dtype, rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
def test_1d_pools_match_torch(dtype, rtol, atol, vs_torch):
    x = rng.standard_normal((2, 3, 11))
    vs_torch(lambda x: max_pool1d(x, 3, 2, 1, return_indices=True),
             lambda x: TF.max_pool1d(x, 3, 2, 1, return_indices=True), x, dtype, rtol, atol)
    vs_torch(lambda x: avg_pool1d(x, 3, 2, 1, ceil_mode=True), lambda x: TF.avg_pool1d(x, 3, 2, 1, ceil_mode=True),
             x, dtype, rtol, atol)
    vs_torch(lambda x: adaptive_avg_pool1d(x, 4), lambda x: TF.adaptive_avg_pool1d(x, 4), x, dtype, rtol, atol)
    vs_torch(lambda x: adaptive_max_pool1d(x, 4, True), lambda x: TF.adaptive_max_pool1d(x, 4, True), x,
             dtype, rtol, atol)


# ---- errors -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, words", [
    (lambda: max_pool2d(lm.zeros(4, 4), 2), ["max_pool2d", "4-D", "(4, 4)"]),
    (lambda: max_pool2d(lm.zeros(1, 1, 4, 4), 2, padding=2), ["max_pool2d", "padding", "half"]),
    (lambda: max_pool2d(lm.zeros(1, 1, 2, 2), 3), ["max_pool2d", "larger", "(1, 1, 2, 2)"]),
    (lambda: avg_pool2d(lm.zeros(1, 1, 4, 4), (2, 2, 2)), ["avg_pool2d", "kernel_size"]),
    (lambda: avg_pool1d(lm.zeros(1, 1, 2, 2, 2), 2), ["avg_pool1d", "3-D", "(1, 1, 2, 2, 2)"]),
    (lambda: adaptive_avg_pool2d(lm.zeros(1, 1, 4, 4), -1), ["adaptive_avg_pool2d", "negative"]),
])
def test_errors_name_the_op_and_the_shapes(call, words):
    with pytest.raises(ValueError) as err:
        call()
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 3), (3, 2), (2, 1)])
@pytest.mark.parametrize("relu_first", [False, True])
def test_max_pool_routes_nan_windows_as_pytorch(kernel, stride, relu_first):
    """A window holding NaN pools to NaN, and PyTorch sends its gradient to the window's last NaN
    (several NaNs in a window, overlapping windows); the fused relu_max_pool2d does the same as
    ReLU then max pooling. Each output gets a distinct upstream gradient, so a misrouted one shows."""
    x = np.random.default_rng(5).standard_normal((2, 3, 8, 8))
    x[np.random.default_rng(6).random(x.shape) < 0.15] = np.nan
    a, t = lm.from_numpy(x).requires_grad_(), torch.tensor(x, requires_grad=True)
    y = lm.relu_max_pool2d(a, kernel, stride) if relu_first else max_pool2d(a, kernel, stride)
    yt = TF.max_pool2d(t.relu() if relu_first else t, kernel, stride)
    upstream = np.arange(y.numel(), dtype=np.float64).reshape(y.shape)
    y.backward(lm.from_numpy(upstream))
    yt.backward(torch.from_numpy(upstream))
    assert np.isnan(y.detach().numpy()).any()
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())
    if not relu_first:
        np.testing.assert_array_equal(max_pool2d(lm.from_numpy(x), kernel, stride, return_indices=True)[1].numpy(),
                                      TF.max_pool2d(torch.tensor(x), kernel, stride, return_indices=True)[1].numpy())


# ---- 3-D pooling ------------------------------------------------------------------------------------------------
POOL3D_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(1, 2, 2), stride=1),
]


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", POOL3D_CASES + [dict(kernel_size=2, stride=1, padding=1, dilation=(2, 1, 2))],
                         ids=str)
def test_max_pool3d_matches_torch(case, dtype, rtol, atol, vs_torch):
    vs_torch(lambda x: max_pool3d(x, **case, return_indices=True),
             lambda x: TF.max_pool3d(x, **case, return_indices=True), rng.standard_normal((2, 3, 5, 6, 7)), dtype,
             rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("case", POOL3D_CASES + [dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                      count_include_pad=False),
                                                 dict(kernel_size=2, stride=1, divisor_override=3)], ids=str)
def test_avg_pool3d_matches_torch(case, dtype, rtol, atol, vs_torch):
    vs_torch(lambda x: avg_pool3d(x, **case), lambda x: TF.avg_pool3d(x, **case),
             rng.standard_normal((2, 3, 5, 6, 7)), dtype, rtol, atol)


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
@pytest.mark.parametrize("size", [(3, 4, 5), (5, 3, 7), 1, (2, None, 3), (5, 6, 7)])
def test_adaptive_3d_pools_match_torch(size, dtype, rtol, atol, vs_torch):
    x = rng.standard_normal((2, 3, 5, 6, 7))
    vs_torch(lambda x: adaptive_avg_pool3d(x, size), lambda x: TF.adaptive_avg_pool3d(x, size), x, dtype, rtol, atol)
    vs_torch(lambda x: adaptive_max_pool3d(x, size, return_indices=True),
             lambda x: TF.adaptive_max_pool3d(x, size, return_indices=True), x, dtype, rtol, atol)


@pytest.mark.parametrize("case", POOL3D_CASES, ids=str)
def test_pool3d_gradcheck(case, distinct):
    x = distinct(1, 2, 4, 5, 4)
    assert lm.gradcheck(lambda x: max_pool3d(x, **case), x)
    assert lm.gradcheck(lambda x: avg_pool3d(x, **case), x)
    assert lm.gradgradcheck(lambda x: avg_pool3d(x, **case, count_include_pad=False) ** 2, x)
    assert lm.gradgradcheck(lambda x: max_pool3d(x, **case) ** 2, x)


def test_adaptive_3d_gradcheck(distinct):
    x = distinct(1, 2, 4, 5, 6)
    assert lm.gradcheck(lambda x: adaptive_avg_pool3d(x, (3, 2, 4)), x)
    assert lm.gradcheck(lambda x: adaptive_max_pool3d(x, (3, 2, 4)), x)
    assert lm.gradgradcheck(lambda x: adaptive_avg_pool3d(x, (3, 2, 4)) ** 2, x)


def test_unbatched_3d_pooling():
    x = rng.standard_normal((2, 4, 5, 6))
    y, index = max_pool3d(lm.from_numpy(x), 2, return_indices=True)
    yt, index_t = TF.max_pool3d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(y.data, yt.numpy())
    np.testing.assert_array_equal(index.data, index_t.numpy())
    np.testing.assert_allclose(avg_pool3d(lm.from_numpy(x), 2, 1).data, TF.avg_pool3d(torch.tensor(x), 2, 1).numpy())


# ---- integer inputs, NaN, empty batches -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_max_pool_of_integers_matches_torch(dtype):
    x = rng.integers(0, 100, (2, 3, 6, 7)).astype(dtype)
    for kwargs in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)]:
        y, index = max_pool2d(lm.from_numpy(x), **kwargs, return_indices=True)
        yt, index_t = TF.max_pool2d(torch.from_numpy(x), **kwargs, return_indices=True)
        assert y.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(y.data, yt.numpy())
        np.testing.assert_array_equal(index.data, index_t.numpy())
    x3 = x.reshape(2, 3, 1, 6, 7)
    np.testing.assert_array_equal(max_pool3d(lm.from_numpy(x3), (1, 2, 2), padding=(0, 1, 1)).data,
                                  TF.max_pool3d(torch.from_numpy(x3), (1, 2, 2), padding=(0, 1, 1)).numpy())


def test_avg_pool_of_int64_rounds_toward_zero_as_torch():
    x = rng.integers(-20, 20, (2, 3, 6, 7))
    for ours, theirs, data, kwargs in [
        (avg_pool2d, TF.avg_pool2d, x, dict(kernel_size=2, stride=1)),
        (avg_pool2d, TF.avg_pool2d, x, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False,
                                            ceil_mode=True)),
        (avg_pool2d, TF.avg_pool2d, x, dict(kernel_size=2, divisor_override=3)),
        (avg_pool1d, TF.avg_pool1d, x[0], dict(kernel_size=3, stride=2, padding=1)),
        (avg_pool3d, TF.avg_pool3d, x[None], dict(kernel_size=2, stride=1, padding=1)),
    ]:
        y = ours(lm.from_numpy(data), **kwargs)
        assert y.dtype == np.int64
        np.testing.assert_array_equal(y.data, theirs(torch.from_numpy(data), **kwargs).numpy())


@pytest.mark.parametrize("call, torch_call", [
    (lambda: avg_pool2d(lm.zeros(1, 1, 4, 4, dtype=lm.int32), 2),
     lambda: TF.avg_pool2d(torch.zeros(1, 1, 4, 4, dtype=torch.int32), 2)),
    (lambda: max_pool2d(lm.from_numpy(np.ones((1, 1, 4, 4), dtype=bool)), 2),
     lambda: TF.max_pool2d(torch.ones(1, 1, 4, 4, dtype=torch.bool), 2)),
    (lambda: max_pool1d(lm.zeros(1, 1, 8, dtype=lm.int64), 2),
     lambda: TF.max_pool1d(torch.zeros(1, 1, 8, dtype=torch.int64), 2)),
    (lambda: adaptive_avg_pool2d(lm.zeros(1, 1, 4, 4, dtype=lm.int64), 3),
     lambda: TF.adaptive_avg_pool2d(torch.zeros(1, 1, 4, 4, dtype=torch.int64), 3)),
    (lambda: max_unpool2d(lm.zeros(1, 1, 2, 2, dtype=lm.int64), lm.zeros(1, 1, 2, 2, dtype=lm.int64), 2),
     lambda: TF.max_unpool2d(torch.zeros(1, 1, 2, 2, dtype=torch.int64), torch.zeros(1, 1, 2, 2, dtype=torch.int64),
                             2)),
])
def test_dtypes_torch_has_no_kernel_for(call, torch_call):
    with pytest.raises(NotImplementedError):
        torch_call()
    with pytest.raises(NotImplementedError):
        call()


@pytest.mark.parametrize("size", [(3, 4), (4, 5), (5, 3)])
def test_adaptive_avg_pool_keeps_nan_and_inf_in_their_windows(size, vs_torch):
    x = rng.standard_normal((2, 3, 7, 9))
    x[0, 0, 3, 4] = np.nan
    x[1, 2, 0, 0] = np.inf
    x[1, 2, 6, 8] = -np.inf
    x[0, 1, 2, 2], x[0, 1, 2, 3] = np.inf, -np.inf
    y = adaptive_avg_pool2d(lm.from_numpy(x), size)
    yt = TF.adaptive_avg_pool2d(torch.tensor(x), size)
    np.testing.assert_allclose(y.data, yt.numpy(), rtol=1e-12, atol=1e-12)   # NaN where torch has NaN only
    assert 0 < np.isnan(y.data).sum() < y.numel() // 2
    vs_torch(lambda x: adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size), x, np.float64,
             1e-12, 1e-12)


@pytest.mark.parametrize("size", [(3, 4), (2, 2), (5, 3), (7, 9)])
def test_adaptive_max_pool_routes_nan_windows_to_the_last_nan(size, vs_torch):
    x = rng.standard_normal((2, 3, 7, 9))
    x[rng.random(x.shape) < 0.2] = np.nan
    vs_torch(lambda x: adaptive_max_pool2d(x, size, return_indices=True),
             lambda x: TF.adaptive_max_pool2d(x, size, return_indices=True), x, np.float64, 0, 0)
    x3 = x.reshape(2, 3, 7, 3, 3)
    vs_torch(lambda x: adaptive_max_pool3d(x, (3, 2, 2), return_indices=True),
             lambda x: TF.adaptive_max_pool3d(x, (3, 2, 2), return_indices=True), x3, np.float64, 0, 0)


def test_empty_batch_and_zero_output_sizes():
    for ours, theirs, kwargs in [(max_pool2d, TF.max_pool2d, dict(kernel_size=2)),
                                 (avg_pool3d, TF.avg_pool3d, dict(kernel_size=2)),
                                 (adaptive_avg_pool2d, TF.adaptive_avg_pool2d, dict(output_size=0)),
                                 (adaptive_max_pool2d, TF.adaptive_max_pool2d, dict(output_size=(0, 2)))]:
        shape = (0, 2, 4, 4, 4) if ours is avg_pool3d else (0, 2, 4, 4)
        assert ours(lm.zeros(shape), **kwargs).shape == tuple(theirs(torch.zeros(shape), **kwargs).shape)
    assert adaptive_avg_pool2d(lm.zeros(1, 2, 4, 4), 0).shape == (1, 2, 0, 0)


# ---- unpooling and LP pooling -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
def test_max_unpool_inverts_max_pool_as_torch(dtype, rtol, atol):
    for pool, unpool, tpool, tunpool, shape, kwargs, out in [
        (max_pool1d, max_unpool1d, TF.max_pool1d, TF.max_unpool1d, (2, 3, 9), dict(kernel_size=3, stride=2), None),
        (max_pool2d, max_unpool2d, TF.max_pool2d, TF.max_unpool2d, (2, 3, 6, 7), dict(kernel_size=2), (6, 7)),
        (max_pool2d, max_unpool2d, TF.max_pool2d, TF.max_unpool2d, (2, 3, 7, 7),
         dict(kernel_size=3, stride=2, padding=1), None),
        (max_pool3d, max_unpool3d, TF.max_pool3d, TF.max_unpool3d, (1, 2, 4, 5, 4), dict(kernel_size=2),
         (1, 2, 4, 5, 4)),
    ]:
        x = rng.standard_normal(shape).astype(dtype)
        y, index = pool(lm.from_numpy(x), **kwargs, return_indices=True)
        yt, index_t = tpool(torch.from_numpy(x), **kwargs, return_indices=True)
        leaf, leaf_t = lm.from_numpy(y.data.copy()).requires_grad_(), yt.detach().requires_grad_()
        z = unpool(leaf, index, **kwargs, output_size=out)
        zt = tunpool(leaf_t, index_t, **kwargs, output_size=out)
        np.testing.assert_allclose(z.data, zt.detach().numpy(), rtol=rtol, atol=atol)
        g = rng.standard_normal(z.shape).astype(dtype)
        z.backward(lm.from_numpy(g))
        zt.backward(torch.from_numpy(g))
        np.testing.assert_allclose(leaf.grad.data, leaf_t.grad.numpy(), rtol=rtol, atol=atol)


def test_max_unpool_gradcheck_and_unbatched(r):
    x = r(2, 3, 2)
    index = lm.from_numpy(np.array([[[0, 3], [1, 2], [5, 4]]] * 2).reshape(2, 3, 2))
    assert lm.gradcheck(lambda x: max_unpool1d(x, index, 3), x)
    x2 = rng.standard_normal((3, 4, 4))
    y, i = max_pool2d(lm.from_numpy(x2), 2, return_indices=True)
    yt, it = TF.max_pool2d(torch.tensor(x2), 2, return_indices=True)
    np.testing.assert_array_equal(max_unpool2d(y, i, 2).data, TF.max_unpool2d(yt, it, 2).numpy())


@pytest.mark.parametrize("call, torch_call, error", [
    (lambda: max_unpool2d(*max_pool2d(lm.arange(25.).reshape(1, 1, 5, 5), 2, return_indices=True), 2),  # 24 > 15
     lambda: TF.max_unpool2d(*TF.max_pool2d(torch.arange(25.).reshape(1, 1, 5, 5), 2, return_indices=True), 2),
     RuntimeError),
    (lambda: max_unpool2d(lm.zeros(1, 1, 2, 2), lm.zeros(1, 1, 2, 2, dtype=lm.int64), 2, output_size=(9, 9)),
     lambda: TF.max_unpool2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2, dtype=torch.int64), 2,
                             output_size=(9, 9)), ValueError),
    (lambda: max_unpool2d(lm.zeros(1, 1, 2, 2), lm.zeros(1, 1, 2, 2, dtype=lm.int32), 2),
     lambda: TF.max_unpool2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2, dtype=torch.int32), 2), RuntimeError),
    (lambda: max_unpool2d(lm.zeros(1, 1, 2, 2), lm.zeros(1, 1, 2, 3, dtype=lm.int64), 2),
     lambda: TF.max_unpool2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 3, dtype=torch.int64), 2), RuntimeError),
])
def test_max_unpool_errors_as_torch(call, torch_call, error):
    with pytest.raises(error):
        torch_call()
    with pytest.raises(error):
        call()


@pytest.mark.parametrize("dtype, rtol, atol", PRECISIONS)
def test_lp_pool_matches_torch(dtype, rtol, atol, vs_torch):
    x = np.abs(rng.standard_normal((2, 3, 6, 7))) + 0.1
    for p, kwargs in [(2.0, dict(kernel_size=2)), (3.0, dict(kernel_size=(2, 3), stride=1)),
                      (1.5, dict(kernel_size=3, stride=2, ceil_mode=True))]:
        vs_torch(lambda x: lp_pool2d(x, p, **kwargs), lambda x: TF.lp_pool2d(x, p, **kwargs), x, dtype, rtol, atol)
    vs_torch(lambda x: lp_pool1d(x, 2.0, 3, 2), lambda x: TF.lp_pool1d(x, 2.0, 3, 2), x[:, :, 0], dtype, rtol, atol)
    with pytest.raises(ZeroDivisionError):
        TF.lp_pool2d(torch.ones(1, 1, 4, 4), 0, 2)
    with pytest.raises(ZeroDivisionError, match="lp_pool2d: norm_type"):
        lp_pool2d(lm.ones(1, 1, 4, 4), 0, 2)


# ---- argument types -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, torch_call, error", [
    (lambda: max_pool2d(lm.zeros(1, 1, 4, 4), 2.0), lambda: TF.max_pool2d(torch.zeros(1, 1, 4, 4), 2.0), TypeError),
    (lambda: avg_pool3d(lm.zeros(1, 1, 4, 4, 4), (2, 2.0, 2)),
     lambda: TF.avg_pool3d(torch.zeros(1, 1, 4, 4, 4), (2, 2.0, 2)), TypeError),
    (lambda: adaptive_avg_pool2d(lm.zeros(1, 1, 4, 4), 2.0),
     lambda: TF.adaptive_avg_pool2d(torch.zeros(1, 1, 4, 4), 2.0), TypeError),
    (lambda: max_pool2d(lm.zeros(1, 1, 4, 4), 5), lambda: TF.max_pool2d(torch.zeros(1, 1, 4, 4), 5), RuntimeError),
    (lambda: avg_pool3d(lm.zeros(1, 1, 4, 2, 4), 3), lambda: TF.avg_pool3d(torch.zeros(1, 1, 4, 2, 4), 3),
     RuntimeError),
    (lambda: max_pool3d(lm.zeros(1, 1, 4, 4, 4), 2, padding=2),
     lambda: TF.max_pool3d(torch.zeros(1, 1, 4, 4, 4), 2, padding=2), RuntimeError),
    (lambda: max_pool2d(lm.zeros(2, 0, 4, 4), 2), lambda: TF.max_pool2d(torch.zeros(2, 0, 4, 4), 2), RuntimeError),
    (lambda: avg_pool2d(lm.zeros(1, 1, 4, 4), 2, divisor_override=0),
     lambda: TF.avg_pool2d(torch.zeros(1, 1, 4, 4), 2, divisor_override=0), RuntimeError),
    (lambda: max_pool3d(lm.zeros(1, 4, 4), 2), lambda: TF.max_pool3d(torch.zeros(1, 4, 4), 2), RuntimeError),
    (lambda: avg_pool3d(lm.zeros(1, 1, 2, 2, 2), 3, padding=1),   # the padded input would hold it; PyTorch checks
     lambda: TF.avg_pool3d(torch.zeros(1, 1, 2, 2, 2), 3, padding=1), RuntimeError),
])
def test_bad_arguments_raise_torchs_types(call, torch_call, error):
    with pytest.raises(error):
        torch_call()
    with pytest.raises(error):
        call()


def test_numpy_integers_are_accepted():
    x = rng.standard_normal((1, 2, 6, 6))
    kwargs = dict(kernel_size=np.int64(3), stride=(np.int32(2), 1), padding=np.int64(1))
    np.testing.assert_array_equal(max_pool2d(lm.from_numpy(x), **kwargs).data,
                                  TF.max_pool2d(torch.tensor(x), **kwargs).numpy())
    np.testing.assert_allclose(adaptive_avg_pool2d(lm.from_numpy(x), (np.int64(4), 5)).data,
                               TF.adaptive_avg_pool2d(torch.tensor(x), (np.int64(4), 5)).numpy())
