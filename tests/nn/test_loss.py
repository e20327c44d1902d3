"""Loss layers (lamina/nn/loss.py) against torch.nn's with the same constructor arguments: values and input
gradients, and their repr-free construction (PyTorch's argument names)."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn


def _signs(shape, seed=0):
    return np.where(np.random.default_rng(seed).standard_normal(shape) > 0, 1.0, -1.0)


LAYERS = [  # (class name, constructor kwargs, operand arrays; the first operand gets a gradient)
    ("SmoothL1Loss", {"beta": 0.5}, [(4, 3), (4, 3)]),
    ("SoftMarginLoss", {}, [(4, 3), _signs((4, 3))]),
    ("MarginRankingLoss", {"margin": 0.2}, [(5,), (5,), _signs(5)]),
    ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "sum"}, [(4, 3), _signs((4, 3))]),
    ("CosineEmbeddingLoss", {"margin": 0.1, "reduction": "none"}, [(4, 3), (4, 3), _signs(4)]),
    ("TripletMarginLoss", {"margin": 2.0, "p": 1, "swap": True}, [(4, 3), (4, 3), (4, 3)]),
    ("PoissonNLLLoss", {"log_input": True, "full": True}, [(4, 3), np.arange(12.0).reshape(4, 3)]),
    ("GaussianNLLLoss", {"full": True}, [(4, 3), (4, 3), np.full((4, 1), 0.7)]),
    ("MultiLabelSoftMarginLoss", {}, [(4, 3), (np.arange(12).reshape(4, 3) % 2) * 1.0]),
    ("MultiMarginLoss", {"p": 2, "margin": 0.7}, [(4, 3), np.array([0, 2, 1, 0])]),
    ("CosineSimilarity", {"dim": 0}, [(3, 4), (3, 4)]),
    ("PairwiseDistance", {"p": 3.0, "keepdim": True}, [(4, 3), (4, 3)]),
]


@pytest.mark.parametrize("name, kwargs, operands", LAYERS, ids=[layer[0] for layer in LAYERS])
def test_loss_layers_match_torch(name, kwargs, operands):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(o) if isinstance(o, tuple) else o for o in operands]
    ours = [lm.from_numpy(a) for a in arrays]
    theirs = [torch.tensor(a) for a in arrays]
    ours[0].requires_grad_()
    theirs[0].requires_grad_()
    y, yt = getattr(nn, name)(**kwargs)(*ours), getattr(torch.nn, name)(**kwargs)(*theirs)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), atol=1e-10)


def test_loss_layers_check_their_arguments_as_torch():
    with pytest.raises(ValueError):
        torch.nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError):
        nn.SoftMarginLoss(reduction="average")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_margin_loss_matches_torch(reduction, batched):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    y = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 1, 1, 1, 1]])
    if not batched:
        x, y = x[0], y[0]
    tx, lx = torch.from_numpy(x).requires_grad_(), lm.from_numpy(x.copy()).requires_grad_()
    expected = torch.nn.MultiLabelMarginLoss(reduction=reduction)(tx, torch.from_numpy(y))
    got = nn.MultiLabelMarginLoss(reduction=reduction)(lx, lm.from_numpy(y))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    expected.sum().backward(), got.sum().backward()
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), atol=1e-7)
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        nn.MultiLabelMarginLoss()(lx, lm.from_numpy(y[..., :2]))


@pytest.mark.parametrize("kwargs", [{}, {"swap": True, "margin": 0.5}, {"cosine": True}])
def test_triplet_margin_with_distance_loss_matches_torch(kwargs):
    rng = np.random.default_rng(1)
    a, p, n = (rng.standard_normal((4, 6)).astype(np.float32) for _ in range(3))
    theirs, ours = dict(kwargs), dict(kwargs)
    if theirs.pop("cosine", False):
        ours.pop("cosine")
        theirs["distance_function"] = lambda u, v: 1 - torch.nn.functional.cosine_similarity(u, v)
        ours["distance_function"] = lambda u, v: 1 - lm.functional.cosine_similarity(u, v)
    expected = torch.nn.TripletMarginWithDistanceLoss(**theirs)(*map(torch.from_numpy, (a, p, n)))
    loss = nn.TripletMarginWithDistanceLoss(**ours)
    np.testing.assert_allclose(loss(*map(lm.from_numpy, (a, p, n))).item(), expected.item(), rtol=1e-5)
    assert repr(loss) == repr(torch.nn.TripletMarginWithDistanceLoss(**theirs))
    for m in (torch.nn, nn):
        with pytest.raises(ValueError, match="expected margin to be greater than 0"):
            m.TripletMarginWithDistanceLoss(margin=0)
