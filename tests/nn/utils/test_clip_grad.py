"""Gradient clipping against torch.nn.utils."""
import math

import numpy as np
import pytest
import torch

import lamina as lm
from lamina.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm

SHAPES = [(4, 3), (7,), ()]


def pair(dtype, scale=1.0, seed=0, with_none=False):
    """Lamina and torch parameters holding the same gradients."""
    rng = np.random.default_rng(seed)
    grads = [np.asarray(scale * rng.standard_normal(s), dtype=dtype) for s in SHAPES]
    mine, theirs = [], []
    for g in grads:
        p = lm.tensor(np.zeros_like(g), dtype=g.dtype, requires_grad=True)
        p.grad = lm.tensor(g, dtype=g.dtype)
        t = torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
        t.grad = torch.from_numpy(g.copy())
        mine.append(p)
        theirs.append(t)
    if with_none:  # a parameter without a gradient is skipped
        mine.append(lm.tensor([1.0], requires_grad=True))
        theirs.append(torch.ones(1, requires_grad=True))
    return mine, theirs


TOL = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=1e-5, atol=1e-7)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e4], ids=["clips", "leaves"])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    mine, theirs = pair(dtype, scale=2.0, with_none=True)
    total = clip_grad_norm_(mine, max_norm, norm_type=norm_type)
    reference = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type, foreach=False)
    assert isinstance(total, lm.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), reference.item(), **TOL[dtype])
    for p, t in zip(mine, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.data, t.grad.numpy(), **TOL[dtype])


def test_clipped_norm_is_max_norm_and_direction_is_kept():
    mine, _ = pair(np.float64, scale=5.0)
    before = [p.grad.data.copy() for p in mine]
    total = clip_grad_norm_(mine, 1.0).item()
    after = math.sqrt(sum((p.grad.data ** 2).sum() for p in mine))
    assert total > 1.0 and abs(after - 1.0) < 1e-5
    for b, p in zip(before, mine):
        np.testing.assert_allclose(p.grad.data, b * (1.0 / (total + 1e-6)), rtol=1e-12)


def test_single_tensor_and_no_gradients():
    p = lm.tensor([3.0, 4.0], requires_grad=True)
    assert clip_grad_norm_(p, 1.0).item() == 0.0  # nothing to clip
    p.grad = lm.tensor([3.0, 4.0])
    assert abs(clip_grad_norm_(p, 1.0).item() - 5.0) < 1e-6
    np.testing.assert_allclose(p.grad.data, [0.6, 0.8], rtol=1e-5)


def test_nonfinite_norm():
    p = lm.tensor([1.0, 2.0], requires_grad=True)
    p.grad = lm.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite|inf"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isinf(get_total_norm([p.grad]).item())


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_clip_grad_value_matches_torch(dtype):
    mine, theirs = pair(dtype, scale=2.0, with_none=True)
    clip_grad_value_(mine, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7, foreach=False)
    for p, t in zip(mine, theirs):
        if t.grad is not None:
            np.testing.assert_array_equal(p.grad.data, t.grad.numpy())
            assert np.abs(p.grad.data).max() <= dtype(0.7)
