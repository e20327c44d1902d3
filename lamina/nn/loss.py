"""Loss modules wrapping the functions of ``lamina.ops.loss`` (PyTorch's names and arguments)."""
from __future__ import annotations

import warnings

import numpy as np  # host-side: MultiLabelMarginLoss's masks

from .. import functional as F
from ..backend import to_numpy
from ..creation import as_tensor
from ..tensor import Tensor
from .module import Module
from ..errors import ArgumentError, DtypeError


def legacy_reduction(size_average, reduce, emit_warning: bool = True) -> str:
    """PyTorch's ``_Reduction.legacy_get_string``: the deprecated ``size_average`` / ``reduce`` pair as a
    ``reduction`` string (None counts as True; reduce=False gives 'none', else size_average picks mean or sum)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", UserWarning, stacklevel=3)
    return reduction


def _buffer_tensor(value):
    """A loss's ``weight`` / ``pos_weight`` as a Tensor buffer (PyTorch registers them: they are in state_dict)."""
    return value if value is None or isinstance(value, Tensor) else as_tensor(value)


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce)
        if reduction not in ("none", "mean", "sum", "batchmean"):
            raise ArgumentError(f"{type(self).__name__}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction



class _WeightedLoss(_Loss):
    """A loss with a per-class ``weight``, registered as a buffer as PyTorch does."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer_tensor(weight))


class MSELoss(_Loss):
    """mean (y_hat - y)^2."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer_tensor(weight))
        self.register_buffer("pos_weight", _buffer_tensor(pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax + negative log-likelihood on logits (integer class targets or class probabilities)."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class DiceLoss(_Loss):
    """Soft Dice loss on logits: 1 - (2 sum p t + smooth) / (sum p + sum t + smooth) per sample and class,
    p = softmax over dim 1, t = one-hot targets (see ``F.dice_loss``)."""

    def __init__(self, smooth: float = 1e-5, include_background: bool = True, batch: bool = False,
                 reduction: str = "mean"):
        super().__init__(reduction=reduction)
        self.smooth, self.include_background, self.batch = smooth, include_background, batch

    def forward(self, input, target):
        return F.dice_loss(input, target, smooth=self.smooth, include_background=self.include_background,
                           batch=self.batch, reduction=self.reduction)

    def extra_repr(self) -> str:
        return (f"smooth={self.smooth}, include_background={self.include_background}, batch={self.batch}, "
                f"reduction={self.reduction!r}")


class NLLLoss(_WeightedLoss):
    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None, reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class KLDivLoss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class SmoothL1Loss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class SoftMarginLoss(_Loss):
    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class _MarginLoss(_Loss):
    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_MarginLoss):
    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(margin, size_average, reduce, reduction)
        self.p, self.eps, self.swap = p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8, reduce=None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean"):
        if p not in (1, 2):
            raise ArgumentError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got {p}")
        super().__init__(weight, size_average, reduce, reduction)
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class CosineSimilarity(Module):
    """cos(x1, x2) along ``dim`` (PyTorch's nn.CosineSimilarity)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p along the last dimension (PyTorch's nn.PairwiseDistance)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class TripletMarginWithDistanceLoss(_Loss):
    """max(d(a, p) - d(a, n) + margin, 0) for any ``distance_function`` (default: PairwiseDistance, registered
    as a sub-module as PyTorch's); ``swap`` uses min(d(a, n), d(p, n)) as the negative distance."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False, reduction: str = "mean"):
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ArgumentError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                                "instead")
        if distance_function is None:
            distance_function = PairwiseDistance()
        if isinstance(distance_function, Module):
            self.distance_function = distance_function
        else:
            object.__setattr__(self, "distance_function", distance_function)
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        if not anchor.ndim == positive.ndim == negative.ndim:
            raise ArgumentError(f"TripletMarginWithDistanceLoss: The anchor, positive, and negative tensors are "
                                f"expected to have the same number of dimensions, but got: anchor {anchor.ndim}D, "
                                f"positive {positive.ndim}D, and negative {negative.ndim}D inputs")
        positive_distance = self.distance_function(anchor, positive)
        negative_distance = self.distance_function(anchor, negative)
        if self.swap:
            negative_distance = F.minimum(negative_distance, self.distance_function(positive, negative))
        return _reduce(F.relu(positive_distance - negative_distance + self.margin), self.reduction)


class MultiLabelMarginLoss(_Loss):
    """sum over target classes j (``target`` rows list them, ended by the first -1) and non-target classes i of
    max(0, 1 - (x[j] - x[i])), divided by the number of classes, as PyTorch."""

    def forward(self, input, target):
        x = input if input.ndim == 2 else input.reshape(1, -1)
        if input.ndim > 2 or tuple(target.shape) != tuple(input.shape):
            raise ArgumentError(f"MultiLabelMarginLoss: inconsistent target size: {tuple(target.shape)} for input of "
                                f"size: {tuple(input.shape)}")
        if target.dtype.kind not in "iu":
            raise DtypeError(f"MultiLabelMarginLoss: expected target of dtype int64, got {target.dtype}")
        labels = to_numpy(target.data).reshape(x.shape)
        n, c = labels.shape
        if ((labels < -1) | (labels >= c)).any():
            raise ArgumentError(f"MultiLabelMarginLoss: target values must be in [-1, {c - 1}]")
        valid = np.cumprod(labels != -1, axis=1).astype(bool)                  # the targets before the first -1
        chosen = np.where(valid, labels, 0)
        is_target = np.zeros((n, c), dtype=bool)
        rows = np.nonzero(valid)
        is_target[rows[0], labels[rows]] = True
        target_scores = x.gather(1, as_tensor(chosen))                          # (N, C): x[y_j]
        hinge = F.relu(1 - target_scores.unsqueeze(2) + x.unsqueeze(1))         # (N, j, i)
        weights = (valid[:, :, None] & ~is_target[:, None, :]).astype(x.dtype)
        loss = (hinge * as_tensor(weights)).sum((1, 2)) / c
        loss = loss if input.ndim == 2 else loss.reshape(())
        return _reduce(loss, self.reduction)


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


class NLLLoss2d(NLLLoss):
    """PyTorch's deprecated name for NLLLoss on (N, C, H, W) input (NLLLoss takes any (N, C, *))."""
