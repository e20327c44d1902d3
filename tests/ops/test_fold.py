"""unfold (im2col) and fold (col2im) against PyTorch: values, gradients (each is the other's adjoint),
gradcheck and gradgradcheck in float64, unbatched inputs, and the errors PyTorch raises."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import lamina as lm
import lamina.functional as F
from lamina.nn.conv import Fold, Unfold

rng = np.random.default_rng(5)

CASES = [
    dict(kernel_size=2),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=(1, 2)),
    dict(kernel_size=(1, 3), stride=3, padding=(0, 1)),
    dict(kernel_size=3, stride=2, dilation=2, padding=2),
]
SHAPE = (2, 3, 7, 6)


def _torch_blocks(case):
    return TF.unfold(torch.zeros(SHAPE), **case).shape


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_unfold_matches_torch(case, dtype, vs_torch):
    vs_torch(lambda x: F.unfold(x, **case), lambda x: TF.unfold(x, **case), rng.standard_normal(SHAPE), dtype,
             1e-6, 1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_fold_matches_torch(case, dtype, vs_torch):
    blocks = rng.standard_normal(tuple(_torch_blocks(case)))
    vs_torch(lambda y: F.fold(y, SHAPE[2:], **case), lambda y: TF.fold(y, SHAPE[2:], **case), blocks, dtype,
             1e-5, 1e-5)


@pytest.mark.parametrize("case", CASES[:2], ids=str)
def test_gradcheck_and_second_derivatives(case, r):
    x = r(1, 2, 5, 6)
    assert lm.gradcheck(lambda x: F.unfold(x, **case), x)
    assert lm.gradgradcheck(lambda x: F.unfold(x, **case) ** 2, x)
    y = r(*TF.unfold(torch.zeros(1, 2, 5, 6), **case).shape)
    assert lm.gradcheck(lambda y: F.fold(y, (5, 6), **case), y)
    assert lm.gradgradcheck(lambda y: F.fold(y, (5, 6), **case) ** 2, y)


def test_fold_is_the_adjoint_of_unfold():
    x, case = rng.standard_normal(SHAPE), CASES[1]
    y = rng.standard_normal(tuple(_torch_blocks(case)))
    left = (F.unfold(lm.from_numpy(x), **case).data * y).sum()
    right = (x * F.fold(lm.from_numpy(y), SHAPE[2:], **case).data).sum()
    np.testing.assert_allclose(left, right, rtol=1e-12)


def test_unbatched_inputs_and_layers():
    x = rng.standard_normal((3, 5, 4))
    np.testing.assert_allclose(F.unfold(lm.from_numpy(x), 2).data, TF.unfold(torch.tensor(x), 2).numpy())
    y = rng.standard_normal((12, 12))
    np.testing.assert_allclose(F.fold(lm.from_numpy(y), (5, 4), 2).data, TF.fold(torch.tensor(y), (5, 4), 2).numpy(),
                               atol=1e-12)
    blocks = Unfold(2, padding=1)(lm.from_numpy(x[None]))
    np.testing.assert_allclose(blocks.data, torch.nn.Unfold(2, padding=1)(torch.tensor(x[None])).numpy())
    back = Fold((5, 4), 2, padding=1)(blocks)
    np.testing.assert_allclose(back.data, torch.nn.Fold((5, 4), 2, padding=1)(torch.tensor(blocks.data)).numpy(),
                               atol=1e-12)


@pytest.mark.parametrize("call, torch_call, error", [
    (lambda: F.unfold(lm.zeros(1, 1, 3, 5, 5), 2), lambda: TF.unfold(torch.zeros(1, 1, 3, 5, 5), 2), RuntimeError),
    (lambda: F.unfold(lm.zeros(1, 1, 5, 5), 6), lambda: TF.unfold(torch.zeros(1, 1, 5, 5), 6), RuntimeError),
    (lambda: F.unfold(lm.zeros(1, 1, 5, 5), 2, stride=0), lambda: TF.unfold(torch.zeros(1, 1, 5, 5), 2, stride=0),
     RuntimeError),
    (lambda: F.fold(lm.zeros(1, 13, 16), (5, 5), 2), lambda: TF.fold(torch.zeros(1, 13, 16), (5, 5), 2), RuntimeError),
    (lambda: F.fold(lm.zeros(1, 12, 15), (5, 5), 2), lambda: TF.fold(torch.zeros(1, 12, 15), (5, 5), 2), RuntimeError),
    (lambda: F.fold(lm.zeros(1, 12, 16), (5, 5), 2.0), lambda: TF.fold(torch.zeros(1, 12, 16), (5, 5), 2.0),
     TypeError),
])
def test_errors_as_torch(call, torch_call, error):
    with pytest.raises(error):
        torch_call()
    with pytest.raises(error):
        call()


def test_dtypes_as_torch():
    mask = rng.random((1, 2, 4, 5)) < 0.5
    np.testing.assert_array_equal(F.unfold(lm.from_numpy(mask), 2).data, TF.unfold(torch.from_numpy(mask), 2).numpy())
    with pytest.raises(NotImplementedError):
        TF.unfold(torch.zeros(1, 1, 4, 4, dtype=torch.int64), 2)
    with pytest.raises(NotImplementedError):
        F.unfold(lm.zeros(1, 1, 4, 4, dtype=lm.int64), 2)
    with pytest.raises(NotImplementedError):
        F.fold(lm.zeros(1, 4, 9, dtype=lm.int64), (4, 4), 2)
