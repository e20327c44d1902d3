"""F.pad (lamina/ops/shape.py): constant, reflect, replicate and circular padding of 1 to 3 dims, negative
widths (cropping), gradients (copies of a cell add up), and PyTorch's errors for each mode."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

TF = torch.nn.functional


def compare_pad(shape, widths, mode, dtype="float64", value=None, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype) if dtype[0] == "f" else rng.integers(-5, 5, shape).astype(dtype)
    grad = dtype[0] == "f"
    x, xt = lm.tensor(a, dtype=dtype, requires_grad=grad), torch.tensor(a, requires_grad=grad)
    kwargs = {} if value is None else {"value": value}
    y, yt = F.pad(x, widths, mode=mode, **kwargs), TF.pad(xt, widths, mode=mode, **kwargs)
    assert y.shape == tuple(yt.shape) and str(y.dtype) == str(yt.dtype).replace("torch.", "lamina.")
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    if grad:
        u = rng.standard_normal(y.shape).astype(dtype)
        y.backward(lm.tensor(u, dtype=dtype))
        yt.backward(torch.tensor(u))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


GATHER_CASES = [  # (input shape, pad): 1-, 2- and 3-D padding, unbatched and batched, negative widths
    ((2, 5), (2, 3)), ((2, 3, 5), (4, 1)), ((2, 3, 5), (0, 2)), ((2, 4, 5), (1, 2, 3, 0)),
    ((3, 4, 5), (2, 2, 1, 3)), ((2, 2, 3, 4, 5), (1, 2, 0, 1, 2, 1)), ((2, 3, 4, 5), (1, 1, 2, 2, 2, 1)),
    ((2, 7), (-1, 3)), ((2, 7), (3, -2)), ((2, 3, 6), (-2, -1)), ((2, 5, 6), (-1, 2, 2, -3)), ((0, 3, 4), (1, 2)),
    ((1, 1, 1), (0, 0)),
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
@pytest.mark.parametrize("case", range(len(GATHER_CASES)))
def test_pad_matches_pytorch(mode, case):
    shape, widths = GATHER_CASES[case]
    compare_pad(shape, widths, mode)


@pytest.mark.parametrize("shape,widths", [((2, 3), (5, 6)), ((3,), (2, -1)), ((2, 3, 4), (1, 1, 0, 2, 1, 0)),
                                          ((2, 3, 4), (-1, -3)), ((), ()), ((0, 2), (1, 1, 2, 0)),
                                          ((2, 3), (1, 2, 3, 4))])
def test_constant_pad_any_rank_and_cropping(shape, widths):
    compare_pad(shape, widths, "constant")
    compare_pad(shape, widths, "constant", value=-2.5)


@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "bool"])
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
def test_pad_keeps_the_dtype(mode, dtype):
    if dtype == "bool" and mode in ("reflect", "replicate"):  # PyTorch has no such kernel
        with pytest.raises(NotImplementedError):
            TF.pad(torch.ones(2, 3, 4, dtype=torch.bool), (1, 1), mode=mode)
        with pytest.raises(NotImplementedError, match=f"pad: {mode} padding is not implemented for bool"):
            F.pad(lm.ones(2, 3, 4, dtype=bool), (1, 1), mode=mode)
        return
    compare_pad((2, 3, 4), (1, 2, 2, 1), mode, dtype=dtype)


def test_constant_value_is_cast_to_the_dtype_as_pytorch():
    compare_pad((2, 3), (1, 1), "constant", dtype="int64", value=2.7)
    compare_pad((2, 3), (1, 1), "constant", dtype="float32", value=float("nan"))


def test_circular_wraps_the_cropped_input():
    compare_pad((1, 5), (-1, 4), "circular")
    compare_pad((1, 5), (3, -1), "circular")
    compare_pad((1, 5), (5, 5), "circular")


def test_widths_may_be_numpy_integers_tensors_or_lists():
    compare_pad((2, 3), [np.int64(1), 2], "reflect")
    x = lm.ones(2, 3)
    assert F.pad(x, (lm.tensor(1), 1)).shape == (2, 5)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
def test_gradients_by_finite_differences(mode, r):
    assert lm.gradcheck(lambda x: F.pad(x, (2, 1, 1, -1), mode=mode), r(2, 3, 4))
    assert lm.gradcheck(lambda x: F.pad(x, (1, 2, 0, 1, 2, 0), mode=mode), r(1, 3, 2, 3))
    assert lm.gradgradcheck(lambda x: F.pad(x, (2, 1), mode=mode) ** 2, r(2, 4))


# ---- errors, with the types PyTorch raises -----------------------------------------------------------------
ERRORS = [  # (input shape, pad, mode, extra kwargs, the exception type torch raises)
    ((2, 5), (1,), "constant", {}, RuntimeError),
    ((2, 5), (1, 2, 3), "reflect", {}, RuntimeError),
    ((2, 5), (1, 1, 1, 1, 1, 1), "constant", {}, RuntimeError),
    ((2, 5), (1, 1, 1, 1, 1, 1), "replicate", {}, RuntimeError),
    ((2, 5), (5, 0), "reflect", {}, RuntimeError),
    ((2, 5), (0, 7), "reflect", {}, RuntimeError),
    ((2, 5), (-3, -2), "reflect", {}, RuntimeError),
    ((2, 5), (-3, -2), "replicate", {}, RuntimeError),
    ((2, 5), (-3, -3), "circular", {}, RuntimeError),
    ((2, 5), (-3, -3), "constant", {}, RuntimeError),
    ((2, 5), (6, 0), "circular", {}, RuntimeError),
    ((2, 0), (1, 1), "reflect", {}, RuntimeError),
    ((0, 3), (1, 1), "replicate", {}, RuntimeError),
    ((2, 0), (1, 1), "circular", {}, RuntimeError),
    ((2, 5), (1, 1), "reflect", {"value": 1.0}, RuntimeError),
    ((5,), (1, 1), "reflect", {}, NotImplementedError),
    ((2, 5), (1, 1, 1, 1), "circular", {}, NotImplementedError),
    ((2, 2, 2, 5), (1, 1), "replicate", {}, NotImplementedError),
    ((2, 2, 2, 2, 5), (1, 1, 1, 1), "reflect", {}, NotImplementedError),
    ((2, 5), (1, 1), "mirror", {}, NotImplementedError),
    ((2, 5), (1.0, 1), "constant", {}, TypeError),
    ((2, 5), 1, "constant", {}, TypeError),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_bad_padding_raises_what_pytorch_raises(case):
    shape, widths, mode, kwargs, error = ERRORS[case]
    with pytest.raises(error):
        TF.pad(torch.ones(shape), widths, mode=mode, **kwargs)
    with pytest.raises(error, match="pad"):
        F.pad(lm.ones(*shape), widths, mode=mode, **kwargs)


def test_pad_errors_say_what_is_wrong():
    # PyTorch's circular padding reads cells it has not written (garbage) when a width exceeds what cropping
    # left; Lamina refuses
    with pytest.raises(RuntimeError, match=r"circular padding \(-1, 5\) of dim 2 is longer than the 4 cells"):
        F.pad(lm.ones(1, 2, 5), (-1, 5), mode="circular")
    with pytest.raises(ValueError, match=r"reflect padding \(5, 0\) must be less than the size 5 of dim 1"):
        F.pad(lm.ones(2, 5), (5, 0), mode="reflect")
    with pytest.raises(ValueError, match="divisible by 2"):
        F.pad(lm.ones(2, 5), (1, 2, 3))
    with pytest.raises(NotImplementedError, match=r"reflect padding of 1 dims needs a 2-D or 3-D input"):
        F.pad(lm.ones(5), (1, 1), mode="reflect")
