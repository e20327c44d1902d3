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
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
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
