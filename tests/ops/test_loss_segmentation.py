"""Pixel-wise losses for segmentation: cross-entropy over the class dimension of (N, C, H, W) logits against
(N, H, W) masks (PyTorch's F.cross_entropy and nn.CrossEntropyLoss as the oracle), and the soft Dice loss
(no PyTorch function: the formula written out in torch is the oracle)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import lamina as lm
import lamina.functional as F
from lamina import nn

rng = np.random.default_rng(12)
REDUCTIONS = ("mean", "sum", "none")


def logits_and_mask(shape=(2, 5, 6, 7), ignore=None):
    x = rng.standard_normal(shape) * 2
    mask = rng.integers(0, shape[1], shape[:1] + shape[2:])
    if ignore is not None:
        mask.reshape(-1)[::5] = ignore
    return x, mask


def compare(ours, theirs, x, target, dtype=np.float64, tol=1e-6):
    """Values and input gradients (for a random upstream gradient) of a Lamina and a torch loss."""
    x_ours = lm.tensor(x, dtype=dtype, requires_grad=True)
    x_theirs = torch.tensor(x.astype(dtype), requires_grad=True)
    target_ours = lm.tensor(target, dtype=dtype) if target.dtype.kind == "f" else lm.tensor(target)
    target_theirs = torch.tensor(target.astype(dtype) if target.dtype.kind == "f" else target)
    out, expected = ours(x_ours, target_ours), theirs(x_theirs, target_theirs)
    upstream = rng.standard_normal(tuple(expected.shape)).astype(dtype)
    (out * lm.tensor(upstream, dtype=dtype)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    assert out.shape == tuple(expected.shape) and out.dtype == dtype
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_over_the_class_dimension_of_nchw_matches_torch(reduction, dtype):
    x, mask = logits_and_mask((2, 11, 8, 8), ignore=255)
    weight = rng.uniform(0.2, 3, 11)
    tol = 1e-6 if dtype == np.float64 else 1e-4
    for w in (None, weight):
        ours = None if w is None else lm.tensor(w, dtype=dtype)
        theirs = None if w is None else torch.tensor(w.astype(dtype))
        compare(lambda x, y: F.cross_entropy(x, y, ours, ignore_index=255, reduction=reduction),
                lambda x, y: TF.cross_entropy(x, y, theirs, ignore_index=255, reduction=reduction), x, mask, dtype, tol)


def test_cross_entropy_loss_module_on_masks_matches_torch():
    x, mask = logits_and_mask((3, 4, 5, 6), ignore=-1)
    weight = rng.uniform(0.5, 2, 4)
    ours = nn.CrossEntropyLoss(weight=lm.tensor(weight, dtype=np.float64), ignore_index=-1, label_smoothing=0.1)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight), ignore_index=-1, label_smoothing=0.1)
    compare(ours, theirs, x, mask)


def test_cross_entropy_of_nchw_equals_the_mean_over_pixels_of_the_flattened_rows():
    x, mask = logits_and_mask((2, 3, 4, 4))
    rows = x.transpose(0, 2, 3, 1).reshape(-1, 3)
    per_pixel = -(rows - np.log(np.exp(rows).sum(1, keepdims=True)))[np.arange(len(rows)), mask.reshape(-1)]
    logits, target = lm.tensor(x, dtype=np.float64), lm.tensor(mask)
    np.testing.assert_allclose(F.cross_entropy(logits, target).item(), per_pixel.mean(), rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(logits, target, reduction="none").numpy(), per_pixel.reshape(2, 4, 4),
                               rtol=1e-12)


def torch_dice(x, target, smooth=1e-5, include_background=True, batch=False, reduction="mean"):
    """The soft Dice loss written out in torch (MONAI's DiceLoss(softmax=True, to_onehot_y=True))."""
    p = torch.softmax(x, 1)
    t = TF.one_hot(target, x.shape[1]).movedim(-1, 1).to(x.dtype) if target.dtype == torch.int64 else target
    if not include_background:
        p, t = p[:, 1:], t[:, 1:]
    dims = ((0,) if batch else ()) + tuple(range(2, x.ndim))
    loss = 1 - (2 * (p * t).sum(dims) + smooth) / (p.sum(dims) + t.sum(dims) + smooth)
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"smooth": 1.0}, {"include_background": False}, {"batch": True}])
def test_dice_loss_matches_the_formula_in_torch(reduction, options):
    x, mask = logits_and_mask((3, 4, 5, 6))
    compare(lambda x, y: F.dice_loss(x, y, reduction=reduction, **options),
            lambda x, y: torch_dice(x, y, reduction=reduction, **options), x, mask)


def test_dice_loss_takes_one_hot_or_probability_targets_and_3d_volumes():
    x, mask = logits_and_mask((2, 3, 4, 5, 3))
    onehot = np.eye(3)[mask].transpose(0, 4, 1, 2, 3)
    compare(lambda x, y: F.dice_loss(x, y), lambda x, y: torch_dice(x, y), x, onehot)
    soft = rng.dirichlet(np.ones(3), (2, 4)).transpose(0, 2, 1)[..., None]      # (2, 3, 4, 1)
    compare(lambda x, y: F.dice_loss(x, y, reduction="none"), lambda x, y: torch_dice(x, y, reduction="none"),
            rng.standard_normal((2, 3, 4, 1)), soft, np.float32, 1e-5)


def test_dice_loss_module_and_hand_checked_values():
    x = np.zeros((1, 2, 1, 2))             # uniform softmax: p = 1/2 everywhere
    mask = np.array([[[0, 1]]])            # one pixel of each class: overlap 1/2, sum p 1, sum t 1
    loss = nn.DiceLoss(smooth=0.0)(lm.tensor(x), lm.tensor(mask))
    assert loss.item() == pytest.approx(1 - 2 * 0.5 / 2)
    confident = np.where(np.eye(2)[mask].transpose(0, 3, 1, 2) > 0, 30.0, -30.0)   # right with probability ~1
    assert F.dice_loss(lm.tensor(confident), lm.tensor(mask)).item() == pytest.approx(0, abs=1e-9)
    assert "smooth=1e-05" in repr(nn.DiceLoss())


def test_dice_loss_errors_name_the_op_and_the_shapes():
    x = lm.tensor(rng.standard_normal((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"dice_loss: class-index targets must have shape \(2, 4, 4\).*\(2, 4, 5\)"):
        F.dice_loss(x, lm.tensor(np.zeros((2, 4, 5), np.int64)))
    with pytest.raises(ValueError, match=r"dice_loss: target classes must lie in \[0, 3\)"):
        F.dice_loss(x, lm.tensor(np.full((2, 4, 4), 3)))
    with pytest.raises(ValueError, match=r"dice_loss: input must be logits \(N, C, d1, ...\).*\(2, 3\)"):
        F.dice_loss(lm.tensor(rng.standard_normal((2, 3))), lm.tensor(np.zeros(2, np.int64)))
    with pytest.raises(ValueError, match="dice_loss: reduction"):
        F.dice_loss(x, lm.tensor(np.zeros((2, 4, 4), np.int64)), reduction="batchmean")
