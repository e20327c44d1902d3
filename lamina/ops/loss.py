"""Loss functions, PyTorch's names and semantics, each with ``reduction='none' | 'mean' | 'sum'``.

    mse_loss            (x - y)^2
    l1_loss             |x - y|
    huber_loss          0.5 d^2 if |d| < delta else delta (|d| - delta/2)
    smooth_l1_loss      huber_loss / beta
    binary_cross_entropy               -w [y ln x + (1 - y) ln(1 - x)]   (each log clamped at -100)
    binary_cross_entropy_with_logits   max(x, 0) - x y + ln(1 + e^-|x|)  (stable for any x)
    cross_entropy       -w_y log_softmax(x)_y, with ignore_index and label smoothing, or soft targets
    nll_loss            -w_y x_y on log-probabilities
    dice_loss           1 - (2 sum p t + s) / (sum p + sum t + s) per sample and class, p = softmax(x) (segmentation)
    kl_div              y (ln y - x) on log-probabilities x
    soft_margin_loss, margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss, triplet_margin_loss,
    poisson_nll_loss, gaussian_nll_loss, multilabel_soft_margin_loss, multi_margin_loss, multilabel_margin_loss,
    triplet_margin_with_distance_loss (PyTorch's formulas)
    ctc_loss            -ln sum over alignments, by the forward-backward recursion (first-order gradient only)
    cosine_similarity, pairwise_distance, pdist (the distances those losses use)

PyTorch's signatures throughout, the deprecated ``size_average`` / ``reduce`` included (turned into ``reduction``).

Dtypes as PyTorch: an integer operand of a regression loss joins the float one (never truncated), two integer
operands raise; class targets are int64 (or uint8).

The everyday cases are fused into one Function whose first-order backward is plain array maths:
cross-entropy's gradient is (softmax(x) - onehot(y)) / N, written without building the one-hot.
When a graph of the backward is recorded (``create_graph=True``) the same gradient is built from
differentiable ops instead, so the losses can be differentiated twice.
"""
from __future__ import annotations

import math
import warnings

from ..autograd import Function, is_grad_enabled
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, broadcast_shapes, constant, normalize_axis, recording
from .activation import log_softmax, sigmoid, softmax, softplus
from .arithmetic import log, minimum, where
from .reduction import amax
from .shape import sum_to
from ..errors import ArgumentError, DimensionError, DtypeError
from .activation import _half_in_float

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average`` / ``reduce`` arguments, turned into ``reduction`` (with its warning):
    reduce=False is 'none', else size_average=False is 'sum', else 'mean'."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction instead", UserWarning,
                  stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _check_reduction(op, reduction, extra=()):
    if reduction not in _REDUCTIONS + tuple(extra):
        allowed = ", ".join(repr(r) for r in _REDUCTIONS + tuple(extra))
        raise ArgumentError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _reduce_array(loss, reduction):
    """The forward-side reduction of a fused loss, and the scale its gradient carries."""
    if reduction == "none":
        return loss, 1.0
    if reduction == "sum":
        return xp.asarray(loss.sum()), 1.0
    return xp.asarray(loss.mean()), 1.0 / max(loss.size, 1)


def _pair(op, input, target, keep_input_dtype=False):
    """Input and target as tensors of one floating dtype, checked to broadcast (warned when they differ).

    PyTorch's promotion: the wider float of the two (an integer or bool side takes the other's float dtype);
    two integer tensors raise. ``keep_input_dtype`` (huber_loss): the result has the input's dtype, which
    must then be floating."""
    input, target = as_tensor(input), as_tensor(target)
    kinds = input.dtype.kind, target.dtype.kind
    if keep_input_dtype:
        if kinds[0] != "f":
            raise DtypeError(f"{op}: input must be floating point, got {input.dtype}")
        dtype = input.dtype
    elif "f" not in kinds:
        raise DtypeError(f"{op}: not implemented for integer or bool inputs, got {input.dtype} and {target.dtype} "
                         "(one of input and target must be floating point)")
    else:
        floats = [t.dtype for t in (input, target) if t.dtype.kind == "f"]
        dtype = xp.promote_types(floats[0], floats[-1])
    input = input if input.dtype == dtype else input.astype(dtype)
    target = target if target.dtype == dtype else target.astype(dtype)
    if input.shape != target.shape:
        broadcast_shapes(op, input.shape, target.shape)
        warnings.warn(f"{op}: target shape {tuple(target.shape)} differs from input shape {tuple(input.shape)}; they "
                      f"are "
                      "broadcast together, which is rarely intended", UserWarning, stacklevel=3)
    return input, target


# ---- regression losses -----------------------------------------------------------------------
class MSELossOp(Function):
    """reduce((a - b)^2);  d/da = 2 (a - b) g * scale,  d/db = -d/da (scale = 1/n for the mean)."""

    name = "mse_loss"

    def forward(self, a, b, reduction):
        self.diff = a - b
        loss, self.scale = _reduce_array(self.diff * self.diff, reduction)
        return loss

    def backward(self, g):
        a, b = self.inputs
        diff = a - b if recording() else constant(self.diff)
        grad = g * diff * (2.0 * self.scale)
        return (sum_to(grad, a.shape) if a.requires_grad else None,
                sum_to(-grad, b.shape) if b.requires_grad else None)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean squared error: reduce((input - target)^2)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("mse_loss", reduction)
    input, target = _pair("mse_loss", input, target)
    if weight is not None:
        return _weighted("mse_loss", (input - target) ** 2, input, weight, reduction, by_weight_sum=True)
    return MSELossOp.apply(input, target, reduction=reduction)


def _weighted(op, loss, input, weight, reduction, by_weight_sum):
    """PyTorch's weighted regression losses: loss * weight (weight of the input's shape); the mean divides by
    sum(weight) (mse, l1) or by the number of elements (huber)."""
    weight = as_tensor(weight)
    if weight.shape != input.shape:
        raise ArgumentError(f"{op}: weights and input must have the same size, got {tuple(weight.shape)} and "
                            f"{tuple(input.shape)}")
    loss = loss * weight
    if reduction == "mean" and by_weight_sum:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean absolute error: reduce(|input - target|); the gradient is sign(input - target)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("l1_loss", reduction)
    if xp.bool_ in (as_tensor(input).dtype, as_tensor(target).dtype):
        raise DtypeError("l1_loss: subtraction of bool tensors is not supported (PyTorch's rule); cast them first")
    input, target = _pair("l1_loss", input, target)
    if weight is not None:
        return _weighted("l1_loss", (input - target).abs(), input, weight, reduction, by_weight_sum=True)
    return _reduce((input - target).abs(), reduction)


def _huber(diff: Tensor, delta: float) -> Tensor:
    """0.5 d^2 where |d| < delta, delta (|d| - delta/2) elsewhere: quadratic near 0, linear far out."""
    size = diff.abs()
    inside = constant((size.data < delta).astype(diff.dtype))
    return inside * (0.5 * diff * diff) + (1 - inside) * (delta * (size - 0.5 * delta))


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """Huber loss: 0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta), with d = input - target."""
    _check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ArgumentError(f"huber_loss: delta must be positive, got {delta}")
    input, target = _pair("huber_loss", input, target, keep_input_dtype=True)
    if weight is not None:
        return _weighted("huber_loss", _huber(input - target, delta), input, weight, reduction, by_weight_sum=False)
    return _reduce(_huber(input - target, delta), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1: 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta (= huber / beta; L1 when beta = 0)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input, target = _pair("smooth_l1_loss", input, target)
    diff = input - target
    return _reduce(diff.abs() if beta == 0 else _huber(diff, beta) * (1.0 / beta), reduction)


# ---- binary classification -------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """-[y max(ln x, -100) + (1 - y) max(ln(1 - x), -100)];
    d/dx = (x - y) / max(x (1 - x), 1e-12)  (PyTorch's form),  d/dy = ln(1 - x) - ln x (not clamped)."""

    name = "binary_cross_entropy"

    def forward(self, x, y, reduction):
        with xp.errstate(divide="ignore"):  # ln 0 = -inf, clamped to -100 as PyTorch
            self.log_x = xp.maximum(xp.log(x), -100)
            self.log_1mx = xp.maximum(xp.log1p(-x), -100)
        loss, self.scale = _reduce_array(-(y * self.log_x + (1 - y) * self.log_1mx), reduction)
        return loss

    def backward(self, g):
        x, y = self.inputs
        gx = gy = None
        if x.requires_grad:
            gx = g * (x - y) / (x * (1 - x)).clamp(min=1e-12) * self.scale
        if y.requires_grad:  # PyTorch's d/dy is not clamped: +-inf at x = 0 or 1
            if recording():
                gy = g * (log(1 - x) - log(x)) * self.scale
            else:
                with xp.errstate(divide="ignore", invalid="ignore"):
                    gy = g * constant(xp.log1p(-x.data) - xp.log(x.data)) * self.scale
        return gx, gy


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """-w [t ln x + (1 - t) ln(1 - x)] for probabilities x in [0, 1]; logs clamped at -100 as PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    input, target = as_tensor(input), as_tensor(target)
    if target.shape != input.shape:
        raise ArgumentError(f"binary_cross_entropy: target shape {tuple(target.shape)} must equal input shape "
                            f"{tuple(input.shape)}")
    if input.dtype.kind != "f" or target.dtype != input.dtype:
        raise DtypeError(f"binary_cross_entropy: input and target must have one floating dtype, got {input.dtype} "
                         f"and {target.dtype}")
    if input.data.size and not ((input.data >= 0) & (input.data <= 1)).all():
        raise ArgumentError("binary_cross_entropy: input values must lie in [0, 1] (probabilities; "
                         "use binary_cross_entropy_with_logits for raw scores)")
    if target.data.size and not ((target.data >= 0) & (target.data <= 1)).all():
        raise ArgumentError("binary_cross_entropy: all elements of target should be between 0 and 1")
    _no_gradient_argument("binary_cross_entropy", "weight", weight)
    if weight is None:
        return BinaryCrossEntropy.apply(input, target, reduction=reduction)
    loss = BinaryCrossEntropy.apply(input, target, reduction="none") * _broadcast_weight(
        "binary_cross_entropy", weight, input)
    return _reduce(loss, reduction)


def _no_gradient_argument(op, name, value):
    """PyTorch's fused losses have no gradient for ``weight`` / ``pos_weight``: a tensor that requires one is
    refused (RuntimeError) while the graph is recorded."""
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
        raise ArgumentError(f"{op}: the function is not differentiable with respect to argument '{name}'; this "
                            "input cannot have requires_grad=True (detach it)")


def _broadcast_weight(op, weight, input):
    weight = as_tensor(weight).astype(input.dtype)
    if broadcast_shapes(op, weight.shape, input.shape) != input.shape:
        raise ArgumentError(f"{op}: weight shape {tuple(weight.shape)} does not broadcast to input shape "
                            f"{tuple(input.shape)}")
    return weight


class BCEWithLogits(Function):
    """l = (1 - y) x + L (ln(1 + e^-|x|) + max(-x, 0)),  L = 1 + (p - 1) y  (p = pos_weight, L = 1 without);
    dl/dx = (1 - y) - L sigmoid(-x)  (= sigmoid(x) - y when p = 1),  dl/dy = -x + (p - 1) softplus(-x),
    dl/dp = y softplus(-x)."""

    name = "binary_cross_entropy_with_logits"

    def forward(self, x, y, *pos_weight, reduction):
        self.softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)  # ln(1 + e^-x), stable
        if pos_weight:
            loss = (1 - y) * x + (1 + (pos_weight[0] - 1) * y) * self.softplus_neg
        else:
            loss = (1 - y) * x + self.softplus_neg
        loss, self.scale = _reduce_array(loss, reduction)
        return loss

    def backward(self, g):
        x, y = self.inputs[:2]
        p = self.inputs[2] if len(self.inputs) == 3 else None
        g = g * self.scale if self.scale != 1.0 else g
        sp_neg = softplus(-x) if recording() else constant(self.softplus_neg)
        gx = gy = gp = None
        if x.requires_grad:
            if p is None:
                gx = sum_to(g * (sigmoid(x) - y), x.shape)
            else:
                gx = sum_to(g * ((1 - y) - (1 + (p - 1) * y) * sigmoid(-x)), x.shape)
        if y.requires_grad:
            gy = sum_to(g * (-x if p is None else (p - 1) * sp_neg - x), y.shape)
        if p is not None and p.requires_grad:
            gp = sum_to(g * y * sp_neg, p.shape)
        return (gx, gy) if p is None else (gx, gy, gp)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable formula: max(x, 0) - x t + ln(1 + e^-|x|).

    ``pos_weight`` (broadcast along the last, class, dimension) multiplies the positive term."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    op = "binary_cross_entropy_with_logits"
    _check_reduction(op, reduction)
    input, target = as_tensor(input), as_tensor(target)
    if input.dtype.kind != "f" or target.dtype.kind != "f":
        raise DtypeError(f"{op}: input and target must be floating point, got {input.dtype} and {target.dtype}")
    if target.dtype != input.dtype:  # PyTorch computes in the wider of the two
        dtype = xp.promote_types(input.dtype, target.dtype)
        input, target = input.astype(dtype), target.astype(dtype)
    if target.shape != input.shape:
        raise ArgumentError(f"{op}: target shape {tuple(target.shape)} must equal input shape {tuple(input.shape)}")
    _no_gradient_argument(op, "weight", weight)
    _no_gradient_argument(op, "pos_weight", pos_weight)
    extra = ()
    if pos_weight is not None:
        extra = (_broadcast_weight(op, pos_weight, input),)
    if weight is None:
        return BCEWithLogits.apply(input, target, *extra, reduction=reduction)
    loss = BCEWithLogits.apply(input, target, *extra, reduction="none") * _broadcast_weight(op, weight, input)
    return _reduce(loss, reduction)


# ---- class-index targets: cross-entropy and nll ---------------------------------------------
class _Targets:
    """Class-index targets of 2-D (M, C) scores, prepared once for the forward and the backward.

    ``rows``/``labels`` index the target entries (an ignored label is replaced by 0),
    ``valid`` is None when nothing is ignored, ``coef`` the per-row weight w_y (0 where ignored,
    None when all are 1), ``total`` the divisor of the mean (sum of coef)."""

    __slots__ = ("coef", "labels", "rows", "total", "valid", "weight")

    def __init__(self, op, labels, num_classes, weight, ignore_index, shape, dtype):
        labels = labels.reshape(-1)
        low, high = (int(labels.min()), int(labels.max())) if labels.size else (0, 0)
        valid = None
        if low < 0 or high >= num_classes:
            valid = labels != ignore_index
            bad = labels[valid & ((labels < 0) | (labels >= num_classes))]
            if bad.size:
                raise DimensionError(f"{op}: target class {int(bad[0])} is out of range for {num_classes} classes "
                                 f"(input shape {shape}; ignore_index={ignore_index})")
            labels = labels * valid
        elif low <= ignore_index <= high:
            valid = labels != ignore_index
            if valid.all():
                valid = None
        self.rows = xp.arange(labels.size)
        self.labels, self.valid, self.weight = labels, valid, weight
        coef = None
        if weight is not None:
            coef = weight[labels]
            if valid is not None:
                coef = coef * valid
        elif valid is not None:
            coef = valid.astype(dtype)
        self.coef = coef
        self.total = labels.size if coef is None else float(coef.sum())


def _mean_scale(targets, reduction):
    """The mean's divisor as a factor: NaN when every target is ignored (PyTorch's 0/0 value)."""
    if reduction != "mean":
        return 1.0
    return 1.0 / targets.total if targets.total else float("nan")


def _gradient_scale(scale):
    """The factor of the gradient: 0, not NaN, when every target is ignored (as PyTorch: nothing contributed)."""
    return 0.0 if scale != scale else scale


def _row_gradient_scale(g, scale, reduction):
    """The upstream gradient as a column (M, 1) for 'none', else a scalar; times the mean's scale."""
    return g.reshape(-1, 1) * scale if reduction == "none" else g * scale


class CrossEntropy(Function):
    """log_softmax + nll fused over the rows of (M, C) logits, class-index targets y.

    loss_i = (1 - e) w_y (lse_i - x_iy) + (e / C) sum_c w_c (lse_i - x_ic)   (0 when y_i is ignored)
    dloss_i/dx_i = (1 - e) w_y (p_i - onehot_y) + (e / C) (W p_i - w),   p = softmax(x_i), W = sum_c w_c.
    The mean divides by sum_i w_{y_i} over the rows not ignored (PyTorch's weighted mean).
    """

    name = "cross_entropy"

    def forward(self, x, targets, smoothing, reduction):
        self.targets, self.smoothing, self.reduction = targets, smoothing, reduction
        t = targets
        shifted = x - x[t.rows, x.argmax(axis=1)][:, None]  # minus the row maxima (argmax is the fast way)
        ones = xp.ones(x.shape[1], dtype=x.dtype)
        self.e = xp.exp(shifted)
        self.s = self.e @ ones  # row sums as a matrix-vector product: faster than sum(axis=1)
        log_s = xp.log(self.s)
        loss = log_s - shifted[t.rows, t.labels]
        if t.coef is not None:
            loss *= t.coef
        if smoothing:
            c = x.shape[1]
            if t.weight is None:
                smooth = c * log_s - shifted @ ones
            else:
                smooth = t.weight.sum() * log_s - shifted @ t.weight
            if t.valid is not None:
                smooth *= t.valid
            loss = (1 - smoothing) * loss + (smoothing / c) * smooth
        self.scale = _mean_scale(t, reduction)
        if reduction == "none":
            return loss
        return xp.asarray(loss.sum() * self.scale, dtype=x.dtype)

    def _coefficients(self):
        """Per-row factors (scalars or (M,) arrays) of p, of the one-hot of y, and of the weights w."""
        t, e, c = self.targets, self.smoothing, self.e.shape[1]
        hot = (1 - e) if t.coef is None else (1 - e) * t.coef
        if not e:
            return hot, hot, 0.0
        smooth = e / c if t.valid is None else (e / c) * t.valid.astype(self.e.dtype)
        weight_total = c if t.weight is None else float(t.weight.sum())
        return hot + smooth * weight_total, hot, smooth

    def backward(self, g):
        t = self.targets
        p_coef, hot_coef, smooth_coef = self._coefficients()
        if recording():
            return (self._recorded_backward(g, p_coef, hot_coef, smooth_coef),)
        scale = _gradient_scale(self.scale)
        row_g = g.data.reshape(-1) * scale if self.reduction == "none" else g.data * scale
        grad = self.e * (row_g * p_coef / self.s)[:, None]
        grad[t.rows, t.labels] -= row_g * hot_coef
        if self.smoothing:
            weight = xp.ones(grad.shape[1], grad.dtype) if t.weight is None else t.weight
            grad -= _column(row_g * smooth_coef) * weight
        return (constant(grad),)

    def _recorded_backward(self, g, p_coef, hot_coef, smooth):
        """The same gradient from differentiable ops (for create_graph=True)."""
        t = self.targets
        x = self.inputs[0]
        m, c = x.shape
        column = xp.broadcast_to(xp.asarray(p_coef, dtype=x.dtype), (m,)).reshape(m, 1)
        target_part = xp.zeros((m, c), dtype=x.dtype)
        target_part[t.rows, t.labels] = hot_coef
        if self.smoothing:
            weight = xp.ones(c, x.dtype) if t.weight is None else t.weight
            target_part += _column(xp.broadcast_to(xp.asarray(smooth, dtype=x.dtype), (m,))) * weight
        row_g = _row_gradient_scale(g, _gradient_scale(self.scale), self.reduction)
        return row_g * (softmax(x, 1) * constant(column) - constant(target_part))


def _column(values):
    """A per-row array as a column (M, 1); a scalar stays a scalar."""
    return values[:, None] if xp.ndim(values) else values


class NLLLossOp(Function):
    """loss_i = -w_y x_{i,y} on (M, C) log-probabilities;  dloss_i/dx_ic = -w_y [c = y_i]."""

    name = "nll_loss"

    def forward(self, x, targets, reduction):
        self.targets, self.reduction = targets, reduction
        loss = -x[targets.rows, targets.labels]
        if targets.coef is not None:
            loss = loss * targets.coef
        self.scale = _mean_scale(targets, reduction)
        if reduction == "none":
            return loss
        return xp.asarray(loss.sum() * self.scale, dtype=x.dtype)

    def backward(self, g):
        t = self.targets
        x = self.inputs[0]
        picked = xp.zeros(x.shape, dtype=x.dtype)
        picked[t.rows, t.labels] = -1.0 if t.coef is None else -t.coef
        return (_row_gradient_scale(g, _gradient_scale(self.scale), self.reduction) * constant(picked),)


def _class_scores(op, input, target, weight, ignore_index):
    """Scores as (M, C) rows, the prepared targets, and the shape of the unreduced loss."""
    if input.ndim == 0:
        raise ArgumentError(f"{op}: input must have a class dimension, got a 0-d tensor")
    if input.dtype.kind != "f":
        raise DtypeError(f"{op}: input must be floating point, got {input.dtype}")
    if target.dtype not in (xp.int64, xp.uint8):
        raise DtypeError(f"{op}: expected class targets of dtype int64 (or uint8), got {target.dtype}")
    num_classes = input.shape[0 if input.ndim == 1 else 1]
    expected = () if input.ndim == 1 else input.shape[:1] + input.shape[2:]
    if target.shape != expected:
        raise ArgumentError(f"{op}: input of shape {tuple(input.shape)} needs class targets of shape {expected}, "
                         f"got {tuple(target.shape)}")
    if input.ndim == 1:
        rows = input.reshape(1, num_classes)
    elif input.ndim == 2:
        rows = input
    else:
        rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, num_classes)
    if weight is not None:
        _no_gradient_argument(op, "weight", weight)
    weight = _class_weight(op, weight, num_classes, input.dtype)
    targets = _Targets(op, target.data, num_classes, weight, ignore_index, input.shape, input.dtype)
    return rows, targets, expected


def _class_weight(op, weight, num_classes, dtype):
    if weight is None:
        return None
    weight = as_tensor(weight).data
    if weight.shape != (num_classes,):
        raise ArgumentError(f"{op}: weight must have shape ({num_classes},) (one per class), got {tuple(weight.shape)}")
    return weight.astype(dtype, copy=False)  # PyTorch refuses another float dtype; Lamina casts it


def _unflatten(loss, reduction, shape):
    return loss.reshape(shape) if reduction == "none" and loss.shape != shape else loss


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``input`` (C), (N, C) or (N, C, d1, ...) against class indices
    (shape without C) or class probabilities (the input's shape): -sum_c t_c log_softmax(x)_c.
    float16 logits are computed in float32 and the loss rounded back, as PyTorch's CPU kernel."""
    if isinstance(input, Tensor) and input.data.dtype == xp.float16:  # inline, not a wrapper: this is the hot path
        return _half_cross_entropy(input, target, weight, size_average, ignore_index, reduce, reduction,
                                   label_smoothing)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    input, target = as_tensor(input), as_tensor(target)
    if input.dtype.kind != "f":
        raise DtypeError(f"cross_entropy: input must be floating-point logits, got dtype {input.dtype}")
    if input.ndim == 0:
        raise DimensionError("cross_entropy: input must have a class dimension (dim 1, or 0 for one sample), got a "
                             "0-d tensor")
    if target.dtype.kind == "f":
        if ignore_index != -100:
            raise ArgumentError("cross_entropy: ignore_index is not supported for floating point (probability) "
                                "targets")
        return _cross_entropy_soft(input, target, weight, reduction, label_smoothing)
    rows, targets, shape = _class_scores("cross_entropy", input, target, weight, ignore_index)
    loss = CrossEntropy.apply(rows, targets=targets, smoothing=float(label_smoothing), reduction=reduction)
    return _unflatten(loss, reduction, shape)


@_half_in_float
def _half_cross_entropy(input, *args):
    return cross_entropy(input, *args)


def _cross_entropy_soft(input, target, weight, reduction, smoothing):
    """Probability targets: -sum_c w_c t_c log_softmax(x)_c; the mean divides by the number of rows."""
    if target.shape != input.shape:
        raise ArgumentError(f"cross_entropy: probability targets must have the input's shape {tuple(input.shape)}, "
                         f"got {tuple(target.shape)}")
    class_dim = 0 if input.ndim == 1 else 1
    num_classes = input.shape[class_dim]
    input, target = _floating_pair("cross_entropy", input, target)  # the wider float, as PyTorch
    if smoothing:
        target = target * (1 - smoothing) + smoothing / num_classes
    terms = log_softmax(input, class_dim) * target
    if weight is not None:  # differentiable here, as in PyTorch
        _class_weight("cross_entropy", weight, num_classes, input.dtype)
        w = as_tensor(weight).astype(input.dtype)
        terms = terms * w.reshape((num_classes,) + (1,) * (input.ndim - 1 - class_dim))
    if reduction == "none":
        return -terms.sum(class_dim)
    total = -terms.sum()
    if reduction == "sum":
        return total
    rows = input.data.size // num_classes if num_classes else 0
    return total * (1.0 / rows if rows else float("nan"))


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (C), (N, C) or (N, C, d1, ...) at the
    class indices ``target``: -w_y input_y, mean weighted by w_y (ignored targets count for nothing)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("nll_loss", reduction)
    input, target = as_tensor(input), as_tensor(target)
    rows, targets, shape = _class_scores("nll_loss", input, target, weight, ignore_index)
    return _unflatten(NLLLossOp.apply(rows, targets=targets, reduction=reduction), reduction, shape)


# ---- segmentation ----------------------------------------------------------------------------
def dice_loss(input, target, smooth: float = 1e-5, include_background: bool = True, batch: bool = False,
              reduction: str = "mean") -> Tensor:
    """Soft Dice loss of logits ``input`` (N, C, d1, ...) against class indices (N, d1, ...) or class
    probabilities (one-hot masks) of the input's shape:

        p = softmax(input, dim=1),  t = one-hot(target)
        loss[n, c] = 1 - (2 sum_d p t + smooth) / (sum_d p + sum_d t + smooth)

    summed over the spatial positions d (and over the batch too when ``batch=True``, giving one value per class),
    then 'mean' or 'sum' over samples and classes ('none': the (N, C) or (C,) values). Dice = 2|P and T| / (|P| +
    |T|) measures the overlap of prediction and truth per class, so a class that covers few pixels counts as much as
    the background (cross-entropy weighs every pixel alike). ``include_background=False`` leaves class 0 out.
    MONAI's ``DiceLoss(softmax=True, to_onehot_y=True, smooth_nr=smooth, smooth_dr=smooth)`` is the same loss."""
    op = "dice_loss"
    _check_reduction(op, reduction)
    input, target = as_tensor(input), as_tensor(target)
    if input.dtype.kind != "f":
        raise DtypeError(f"{op}: input must be floating-point logits, got dtype {input.dtype}")
    if input.ndim < 3:
        raise ArgumentError(f"{op}: input must be logits (N, C, d1, ...) with at least one spatial dimension, got "
                            f"shape {tuple(input.shape)}")
    if smooth < 0:
        raise ArgumentError(f"{op}: smooth must be >= 0, got {smooth}")
    num_classes = input.shape[1]
    if target.dtype.kind in "iu":
        if target.shape != input.shape[:1] + input.shape[2:]:
            raise ArgumentError(f"{op}: class-index targets must have shape {input.shape[:1] + input.shape[2:]} "
                                f"(the input's without C), got {tuple(target.shape)}")
        if target.data.size and (target.data.min() < 0 or target.data.max() >= num_classes):
            raise ArgumentError(f"{op}: target classes must lie in [0, {num_classes}), got values in "
                                f"[{target.data.min()}, {target.data.max()}]")
        classes = xp.arange(num_classes).reshape((1, num_classes) + (1,) * (input.ndim - 2))
        onehot = constant((xp.expand_dims(target.data, 1) == classes).astype(input.dtype))
    elif target.shape == input.shape:
        onehot = target.astype(input.dtype)
    else:
        raise ArgumentError(f"{op}: targets must be class indices (N, d1, ...) or probabilities of the input's shape "
                            f"{tuple(input.shape)}, got {target.dtype} of shape {tuple(target.shape)}")
    probabilities = softmax(input, 1)
    if not include_background:
        probabilities, onehot = probabilities[:, 1:], onehot[:, 1:]
    dims = ((0,) if batch else ()) + tuple(range(2, input.ndim))
    overlap = (probabilities * onehot).sum(dims)
    total = probabilities.sum(dims) + onehot.sum(dims)
    return _reduce(1 - (2 * overlap + smooth) / (total + smooth), reduction)


# ---- distributions ---------------------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` = log q: t (ln t - input), or e^t (t - input) when
    ``log_target``; 0 where t = 0. 'batchmean' divides the sum by the batch size (the true KL)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("kl_div", reduction, extra=("batchmean",))
    input, target = as_tensor(input), as_tensor(target)
    if input.dtype.kind != "f" or target.dtype.kind != "f":
        raise DtypeError(f"kl_div: integral inputs not supported, got {input.dtype} and {target.dtype}")
    input, target = _floating_pair("kl_div", input, target)
    broadcast_shapes("kl_div", input.shape, target.shape)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target.data > 0
        safe = where(positive, target, constant(xp.ones((), input.dtype)))
        loss = target * (log(safe) * constant(positive.astype(input.dtype))) - target * input
    if reduction == "batchmean":
        batch = input.shape[0] if input.ndim else 1
        return loss.sum() * (1.0 / batch)
    return _reduce(loss, reduction)


# ---- distances --------------------------------------------------------------------------------------------
def _vector_norm(x: Tensor, p, dim, keepdim=False) -> Tensor:
    """The p-norm along ``dim``: (sum |x|^p)^(1/p); p = inf the largest |x|, p = 0 the count of non-zeros."""
    if p == 2:
        return (x * x).sum(dim, keepdim=keepdim).sqrt()
    if p == 1:
        return x.abs().sum(dim, keepdim=keepdim)
    if p == float("inf"):
        return amax(x.abs(), dim, keepdim)
    if p == 0:
        return constant((x.data != 0).sum(axis=dim, keepdims=keepdim).astype(x.dtype))
    return (x.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)


def _floating_pair(op, a, b):
    """Two operands promoted to one floating dtype (integers join the default float), broadcast-checked."""
    a, b = as_tensor(a), as_tensor(b)
    kinds = a.dtype.kind, b.dtype.kind
    if "f" in kinds:
        floats = [t.dtype for t in (a, b) if t.dtype.kind == "f"]
        dtype = xp.promote_types(floats[0], floats[-1])
    else:
        dtype = xp.dtype(xp.float32)
    a = a if a.dtype == dtype else a.astype(dtype)
    b = b if b.dtype == dtype else b.astype(dtype)
    broadcast_shapes(op, a.shape, b.shape)
    return a, b


def _clamped_below(norm: Tensor, eps: float) -> Tensor:
    """max(norm, eps) in value, with the gradient of ``norm`` itself (PyTorch clamps the norm in place under
    no_grad in cosine_similarity)."""
    return norm + constant(xp.maximum(norm.data, eps) - norm.data)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 x2) / (max(|x1|, eps) max(|x2|, eps)) along ``dim`` (x1, x2 broadcast): PyTorch's formula, each
    vector divided by its clamped norm first."""
    a, b = as_tensor(x1), as_tensor(x2)
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        raise DtypeError(f"cosine_similarity: expected a floating-point input, got {a.dtype} and {b.dtype}")
    a, b = _floating_pair("cosine_similarity", a, b)
    if isinstance(dim, bool) or not hasattr(dim, "__index__"):
        raise TypeError(f"cosine_similarity(): argument 'dim' must be int, not {type(dim).__name__}")
    dim = int(dim)
    ndim = max(a.ndim, b.ndim)
    axis = normalize_axis(dim, ndim, "cosine_similarity")[0]
    shape = broadcast_shapes("cosine_similarity", a.shape, b.shape)
    if ndim == 0:
        a, b = a.reshape(1), b.reshape(1)
    elif a.shape != shape or b.shape != shape:
        a, b = a.expand(*shape), b.expand(*shape)
    na = _clamped_below(_vector_norm(a, 2, axis, keepdim=True), eps)
    nb = _clamped_below(_vector_norm(b, 2, axis, keepdim=True), eps)
    out = ((a / na) * (b / nb)).sum(axis)
    return out.reshape(()) if ndim == 0 else out


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last dimension (x1, x2 broadcast)."""
    a, b = _floating_pair("pairwise_distance", x1, x2)
    diff = a - b + eps
    if diff.ndim == 0:
        return _vector_norm(diff.reshape(1), p, 0, keepdim=False).reshape(())
    return _vector_norm(diff, p, diff.ndim - 1, keepdim=keepdim)


# ---- margins and embeddings ---------------------------------------------------------------------------
def _same_shape(op, *tensors):
    shape = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != shape:
            broadcast_shapes(op, *(t.shape for t in tensors))
            break


def _at(mask, values: Tensor) -> Tensor:
    """``values`` where ``mask`` holds, 0 elsewhere (NaN outside the mask does not leak in)."""
    return where(mask, values, constant(xp.zeros((), values.dtype)))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """ln(1 + e^(-y x)) for labels y in {-1, 1}."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("soft_margin_loss", reduction)
    x, y = as_tensor(input), as_tensor(target)
    if x.dtype.kind != "f":
        raise DtypeError(f"soft_margin_loss: input must be floating point, got {x.dtype}")
    if y.requires_grad and recording():  # grad mode on: PyTorch has no derivative for the target here
        raise ArgumentError("soft_margin_loss: the function is not differentiable with respect to argument "
                            "'target'; this input cannot have requires_grad=True")
    y = y if y.dtype == x.dtype else y.astype(x.dtype)  # the input's dtype, as PyTorch
    broadcast_shapes("soft_margin_loss", x.shape, y.shape)
    return _reduce(softplus(-y * x, 1.0, float("inf")), reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin): x1 should rank above x2 when y = 1, below when y = -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("margin_ranking_loss", reduction)
    x1, x2 = _floating_pair("margin_ranking_loss", input1, input2)
    y = as_tensor(target)
    if not x1.ndim == x2.ndim == y.ndim:
        raise ArgumentError(f"margin_ranking_loss: all input tensors should have the same number of dimensions, got "
                            f"shapes {tuple(x1.shape)}, {tuple(x2.shape)} and {tuple(y.shape)}")
    broadcast_shapes("margin_ranking_loss", x1.shape, x2.shape, y.shape)
    y = y if y.dtype == x1.dtype else y.astype(x1.dtype)
    return _reduce((-y * (x1 - x2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (PyTorch: the first term wherever y != -1, the second
    wherever y != 1)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("hinge_embedding_loss", reduction)
    x, y = _floating_pair("hinge_embedding_loss", input, target)
    shape = broadcast_shapes("hinge_embedding_loss", x.shape, y.shape)
    if x.shape != shape:
        x = x.expand(*shape)
    hinge = _at(xp.broadcast_to(y.data != 1, shape), (margin - x).clamp(min=0))
    return _reduce(hinge + _at(xp.broadcast_to(y.data != -1, shape), x), reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; cos over the last dimension with
    PyTorch's 1e-12 added to each squared norm."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("cosine_embedding_loss", reduction)
    x1, x2 = _floating_pair("cosine_embedding_loss", input1, input2)
    y = as_tensor(target)
    if x1.ndim == 0 or x2.ndim == 0 or x1.ndim > 2 or x2.ndim > 2 or y.ndim > 1:
        raise ArgumentError(f"cosine_embedding_loss: expects 1-D or 2-D inputs and a 0-D or 1-D target, got shapes "
                            f"{tuple(x1.shape)}, {tuple(x2.shape)} and {tuple(y.shape)}")
    if x1.shape != x2.shape:
        raise ArgumentError(f"cosine_embedding_loss: inputs must have one shape, got {tuple(x1.shape)} and "
                            f"{tuple(x2.shape)}")
    if y.shape != x1.shape[:-1]:
        raise ArgumentError(f"cosine_embedding_loss: target of shape {tuple(y.shape)} does not match the inputs' batch "
                            f"shape {x1.shape[:-1]}")
    dot = (x1 * x2).sum(-1)
    cos = dot / (((x1 * x1).sum(-1) + 1e-12) * ((x2 * x2).sum(-1) + 1e-12)).sqrt()
    loss = _at(y.data == 1, 1 - cos) + _at(y.data == -1, (cos - margin).clamp(min=0))
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise distance; ``swap`` takes min(d(a, n), d(p, n))."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("triplet_margin_loss", reduction)
    if not margin > 0:
        raise ArgumentError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    a, pos, neg = as_tensor(anchor), as_tensor(positive), as_tensor(negative)
    if not a.ndim == pos.ndim == neg.ndim:
        raise ArgumentError(f"triplet_margin_loss: anchor, positive and negative must have the same number of "
                            f"dimensions, got {a.ndim}, {pos.ndim} and {neg.ndim}")
    broadcast_shapes("triplet_margin_loss", a.shape, pos.shape, neg.shape)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


# ---- likelihoods ------------------------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                     reduce=None, reduction: str = "mean") -> Tensor:
    """e^x - y x for log-rates x (``log_input``), else x - y ln(x + eps); ``full`` adds Stirling's
    y ln y - y + ln(2 pi y) / 2 where y > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("poisson_nll_loss", reduction)
    x, y = _floating_pair("poisson_nll_loss", input, target)
    loss = x.exp() - y * x if log_input else x - y * (x + eps).log()
    if full:
        safe = where(y.data > 1, y, constant(xp.ones((), y.dtype)))
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + _at(y.data > 1, stirling)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """(ln max(var, eps) + (x - y)^2 / max(var, eps)) / 2 (+ ln(2 pi) / 2 when ``full``); var may lack the last
    dimension or have size 1 there (one variance per sample). The clamp keeps var's gradient, as PyTorch."""
    _check_reduction("gaussian_nll_loss", reduction)
    x, y = _floating_pair("gaussian_nll_loss", input, target)
    var = as_tensor(var) if isinstance(var, Tensor) else constant(xp.full(x.shape, float(var), dtype=x.dtype))
    if var.dtype != x.dtype:
        var = var.astype(x.dtype)
    if var.shape != x.shape:
        if x.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (x.shape[:-1] == var.shape[:-1] and var.shape[-1:] == (1,)):
            raise ArgumentError(f"gaussian_nll_loss: var is of incorrect size {tuple(var.shape)} for input "
                                f"{tuple(x.shape)}")
    if var.data.size and (var.data < 0).any():
        raise ArgumentError("gaussian_nll_loss: var has negative entry/entries")
    var = _clamped_below(var, eps)
    loss = 0.5 * (var.log() + (x - y) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """-(y ln sigmoid(x) + (1 - y) ln sigmoid(-x)), times ``weight``, averaged over the classes (last dim)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("multilabel_soft_margin_loss", reduction)
    x, y = _floating_pair("multilabel_soft_margin_loss", input, target)
    loss = -(y * -softplus(-x, 1.0, float("inf")) + (1 - y) * -softplus(x, 1.0, float("inf")))
    if weight is not None:
        loss = loss * as_tensor(weight).astype(loss.dtype)
    classes = x.shape[-1] if x.ndim else 1
    loss = loss.sum(-1) / classes if loss.ndim else loss
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """sum_{i != y} max(0, margin - x_y + x_i)^p / C per sample (times weight[y]); p is 1 or 2."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    op = "multi_margin_loss"
    _check_reduction(op, reduction)
    if p not in (1, 2):
        raise ArgumentError(f"{op}: only p == 1 and p == 2 supported, got {p}")
    x, y = as_tensor(input), as_tensor(target)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: input must be floating point, got {x.dtype}")
    if y.dtype != xp.int64:
        raise DtypeError(f"{op}: expected target of dtype int64, got {y.dtype}")
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] == 0) or (x.ndim <= 1 and x.data.size == 0):
        raise ArgumentError(f"{op}: expected a non-empty vector or matrix, got shape {tuple(x.shape)}")
    rows = x.reshape(1, -1) if x.ndim <= 1 else x
    labels = y.data.reshape(-1)
    if labels.size != rows.shape[0] or y.ndim > 1:
        raise ArgumentError(f"{op}: target should be 1-D with one class per sample ({rows.shape[0]}), got shape "
                            f"{tuple(y.shape)}")
    classes = rows.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ArgumentError(f"{op}: target out of range for {classes} classes")
    picked = rows[xp.arange(labels.size), labels].reshape(-1, 1)
    hinge = (margin - picked + rows).clamp(min=0)
    if p == 2:
        hinge = hinge * hinge
    not_target = constant((xp.arange(classes) != labels[:, None]).astype(x.dtype))
    hinge = hinge * not_target
    _no_gradient_argument("multi_margin_loss", "weight", weight)
    if weight is not None:
        w = as_tensor(weight).astype(x.dtype)
        hinge = hinge * constant(w.data[labels].reshape(-1, 1))
    loss = hinge.sum(1) / classes
    if x.ndim <= 1 and reduction == "none":
        loss = loss.reshape(y.shape)
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with any distance d (pairwise_distance by default); ``swap`` takes
    min(d(a, n), d(p, n))."""
    op = "triplet_margin_with_distance_loss"
    _check_reduction(op, reduction)
    if not margin > 0:
        raise ArgumentError(f"{op}: margin must be greater than 0, got {margin}")
    a, pos, neg = as_tensor(anchor), as_tensor(positive), as_tensor(negative)
    if not a.ndim == pos.ndim == neg.ndim:
        raise ArgumentError(f"{op}: anchor, positive and negative must have the same number of dimensions, got "
                            f"{a.ndim}, {pos.ndim} and {neg.ndim}")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(a, pos), distance(a, neg)
    if swap:
        d_neg = minimum(d_neg, distance(pos, neg))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """sum over target classes j and non-target classes i of max(0, 1 - (x_j - x_i)) / C per sample; each row of
    ``target`` (int64, the input's shape) lists class indices up to the first -1 (a repeated class counts
    again, as PyTorch)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    op = "multilabel_margin_loss"
    _check_reduction(op, reduction)
    x, y = as_tensor(input), as_tensor(target)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: not implemented for dtype {x.dtype}: the input must be floating point")
    if y.dtype != xp.int64:
        raise DtypeError(f"{op}: expected target of dtype int64, got {y.dtype}")
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] == 0) or (x.ndim == 1 and x.shape[0] == 0):
        raise ArgumentError(f"{op}: expected a non-empty vector or matrix (optional 0-sized batch), got shape "
                            f"{tuple(x.shape)}")
    if y.shape != x.shape:
        raise ArgumentError(f"{op}: inconsistent target size {tuple(y.shape)} for input of size {tuple(x.shape)}")
    rows = x.reshape(-1, x.shape[-1] if x.ndim else 1)
    labels = y.data.reshape(rows.shape)
    classes = rows.shape[1]
    if labels.size and (labels.min() < -1 or labels.max() >= classes):
        raise ArgumentError(f"{op}: target values must lie in [-1, {classes}), got {labels.min()}..{labels.max()}")
    listed = xp.cumprod(labels != -1, axis=1).astype(bool)  # entries before the first -1
    flat = xp.nonzero(listed)[0] * classes + labels[listed]  # counts[n, c]: how often row n lists class c
    counts = xp.bincount(flat, minlength=labels.size).reshape(rows.shape).astype(rows.dtype)
    others = (counts == 0).astype(rows.dtype)
    hinge = (1 - rows.unsqueeze(2) + rows.unsqueeze(1)).clamp(min=0)  # [n, j, i] = max(0, 1 - x_j + x_i)
    pair_weight = constant(counts[:, :, None] * others[:, None, :] / classes)
    loss = (hinge * pair_weight).sum((1, 2))
    loss = loss.reshape(x.shape[:-1]) if x.ndim else loss.reshape(())
    if reduction == "mean" and loss.numel() == 0:
        return loss.sum()  # PyTorch's mean of an empty batch is 0 here
    return _reduce(loss, reduction)


class PdistNorm(Function):
    """||d||_p of each row of the pair differences d, with PyTorch's pdist gradient: 0 for p = 0 and at a zero
    distance, sign(d) for p = 1, d |d|^(p-2) / ||d||^(p-1) else, and sign(d) at every entry of the largest
    |d| for p = inf."""

    name = "pdist"

    def forward(self, diff, p):
        self.p = p
        magnitude = xp.abs(diff)
        if p == 0:
            self.dist = (magnitude != 0).sum(axis=1).astype(diff.dtype)
        elif p == float("inf"):
            self.dist = magnitude.max(axis=1, initial=0)
        else:
            self.dist = (magnitude ** p).sum(axis=1) ** (1.0 / p)
        return self.dist

    def backward(self, g):
        diff, p, dist = self.inputs[0].data, self.p, self.dist[:, None]
        with xp.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                coef = xp.zeros_like(diff)
            elif p == 1:
                coef = xp.sign(diff)
            elif p == float("inf"):
                coef = xp.sign(diff) * (xp.abs(diff) == dist)
            else:
                coef = diff * xp.abs(diff) ** (p - 2) / dist ** (p - 1)
            coef = xp.where(dist == 0, 0, coef)
        return (g.unsqueeze(1) * constant(coef.astype(diff.dtype, copy=False)),)


def pdist(input, p: float = 2.0) -> Tensor:
    """The p-norm distances between the rows of an (N, M) tensor, pairs i < j in row-major order
    (N (N - 1) / 2 values)."""
    x = as_tensor(input)
    if x.ndim != 2:
        raise ArgumentError(f"pdist: only supports 2D tensors, got {x.ndim}D")
    if x.dtype.kind != "f":
        raise DtypeError(f"pdist: only supports floating-point dtypes, got {x.dtype}")
    if p < 0:
        raise ArgumentError(f"pdist: only supports non-negative p values, got {p}")
    first, second = xp.triu_indices(x.shape[0], 1)
    diff = x[Tensor._wrap(first.astype(xp.int64))] - x[Tensor._wrap(second.astype(xp.int64))]
    return PdistNorm.apply(diff, p=float(p))


# ---- connectionist temporal classification ------------------------------------------------------------------
def _logsumexp3(a, b, c):
    top = xp.maximum(xp.maximum(a, b), c)
    safe = xp.where(xp.isfinite(top), top, 0.0)
    with xp.errstate(divide="ignore"):
        return safe + xp.log(xp.exp(a - safe) + xp.exp(b - safe) + xp.exp(c - safe))


class CTCLossOp(Function):
    """-ln p(target | log_probs) summed over the alignments (Graves et al. 2006), by the forward-backward
    recursion over the blank-extended target l' (length 2 S + 1) in log space. The gradient is PyTorch's:
    exp(lp) - exp(ln sum_{s: l'_s = c} alpha_t(s) beta_t(s) + nll - lp), which assumes log_softmax inputs."""

    name = "ctc_loss"

    def forward(self, log_probs, extended, input_lengths, ext_lengths, zero_infinity):
        self.ext_lengths = ext_lengths
        lp = log_probs.astype(xp.float64)  # (T, N, C)
        steps, batch, _ = lp.shape
        width = extended.shape[1]
        rows = xp.arange(batch)[:, None]
        emit = lambda t: lp[t][rows, extended]  # noqa: E731  (N, S') log-probs of l'_s at time t
        skip = xp.zeros_like(extended, dtype=bool)
        skip[:, 2:] = (extended[:, 2:] != extended[:, :-2]) & (xp.arange(width)[2:] % 2 == 1)
        valid = self.valid = xp.arange(width)[None, :] < self.ext_lengths[:, None]
        minus_inf = xp.full((batch, width), -xp.inf)
        alpha = xp.full((steps, batch, width), -xp.inf)
        start = minus_inf.copy()
        start[:, 0] = emit(0)[:, 0]
        start[:, 1] = xp.where(self.ext_lengths > 1, emit(0)[:, 1], -xp.inf)
        alpha[0] = xp.where(valid, start, -xp.inf)
        for t in range(1, steps):
            prev = alpha[t - 1]
            one = xp.concatenate([minus_inf[:, :1], prev[:, :-1]], axis=1)
            two = xp.where(skip, xp.concatenate([minus_inf[:, :2], prev[:, :-2]], axis=1), -xp.inf)
            alpha[t] = xp.where(valid, _logsumexp3(prev, one, two) + emit(t), -xp.inf)
        last = alpha[input_lengths - 1, xp.arange(batch)]  # (N, S')
        end = self.ext_lengths - 1
        with xp.errstate(divide="ignore"):
            tail = xp.logaddexp(last[xp.arange(batch), end], xp.where(end > 0, last[xp.arange(batch), end - 1], -xp.inf))
        nll = -tail
        beta = xp.full((steps, batch, width), -xp.inf)
        for t in range(steps - 1, -1, -1):
            following = beta[t + 1] if t + 1 < steps else minus_inf
            one = xp.concatenate([following[:, 1:], minus_inf[:, :1]], axis=1)
            skip_next = xp.concatenate([skip[:, 2:], xp.zeros((batch, 2), bool)], axis=1)
            two = xp.where(skip_next, xp.concatenate([following[:, 2:], minus_inf[:, :2]], axis=1), -xp.inf)
            recursed = _logsumexp3(following, one, two) + emit(t)
            init = minus_inf.copy()
            init[xp.arange(batch), end] = emit(t)[xp.arange(batch), end]
            has_prev = end > 0
            init[xp.arange(batch)[has_prev], end[has_prev] - 1] = emit(t)[xp.arange(batch), end - 1][has_prev]
            at_end = (input_lengths - 1 == t)[:, None]
            beyond = (t >= input_lengths)[:, None]
            beta[t] = xp.where(beyond | ~valid, -xp.inf, xp.where(at_end, init, recursed))
        self.lp, self.alpha, self.beta, self.nll, self.extended = lp, alpha, beta, nll, extended
        self.input_lengths, self.zero_infinity = input_lengths, zero_infinity
        out = nll
        if zero_infinity:
            out = xp.where(xp.isinf(nll), 0.0, nll)
        return out.astype(log_probs.dtype)

    def backward(self, g):
        lp, alpha, beta, nll = self.lp, self.alpha, self.beta, self.nll
        steps, batch, classes = lp.shape
        posterior = alpha + beta  # (T, N, S') log of sum over alignments through (t, s)
        summed = xp.full((steps, batch, classes), -xp.inf)
        for n in range(batch):  # log-sum over the positions s of each class, per sample
            labels = self.extended[n][self.valid[n]]
            for c in xp.unique(labels):
                summed[:, n, c] = xp.logaddexp.reduce(posterior[:, n, :labels.size][:, labels == c], axis=1)
        with xp.errstate(over="ignore", invalid="ignore"):
            grad = xp.exp(lp) - xp.exp(summed + nll[None, :, None] - lp)
        grad[xp.arange(steps)[:, None] >= self.input_lengths[None, :]] = 0
        if self.zero_infinity:
            grad[:, xp.isinf(nll)] = 0
        grad = xp.nan_to_num(grad, nan=0.0) if self.zero_infinity else grad
        return (g.unsqueeze(0).unsqueeze(2) * constant(grad.astype(self.inputs[0].dtype)),)


def _lengths(op, lengths, batch, what):
    if not isinstance(lengths, (list, tuple, Tensor)):
        raise TypeError(f"{op}(): {what} must be a tuple of ints or a tensor, not {type(lengths).__name__}")
    if isinstance(lengths, Tensor):
        lengths = lengths.data
    values = xp.asarray(lengths)
    values = values.reshape(1) if values.ndim == 0 else values  # an unbatched sample's 0-d length
    if values.dtype.kind not in "iu" or values.shape != (batch,):
        raise ArgumentError(f"{op}: {what} must be {batch} integers (one per sample), got {lengths!r}")
    return values.astype(xp.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss of ``log_probs`` (T, N, C) or unbatched (T, C) (log_softmax
    outputs) against ``targets`` (N, S) padded or 1-D concatenated, with per-sample lengths; 'mean' divides each
    loss by its target length, then averages over the batch."""
    op = "ctc_loss"
    _check_reduction(op, reduction)
    lp = as_tensor(log_probs)
    if lp.dtype.kind != "f":
        raise DtypeError(f"{op}: log_probs must be floating point, got {lp.dtype}")
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp.unsqueeze(1)
    if lp.ndim != 3:
        raise ArgumentError(f"{op}: log_probs must be (T, N, C) or (T, C), got shape {tuple(lp.shape)}")
    steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise ArgumentError(f"{op}: blank must be in label range [0, {classes}), got {blank}")
    target = as_tensor(targets)
    if target.dtype.kind not in "iu":
        raise DtypeError(f"{op}: targets must be integers, got {target.dtype}")
    in_len = _lengths(op, input_lengths, batch, "input_lengths")
    tg_len = _lengths(op, target_lengths, batch, "target_lengths")
    if (in_len > steps).any() or (in_len < 0).any():
        raise ArgumentError(f"{op}: input_lengths must be in [0, {steps}], got {in_len.tolist()}")
    data = target.data.astype(xp.int64)
    if unbatched and data.ndim == 1 and batch == 1:
        data = data[None, :]
    if data.ndim == 2:
        if data.shape[0] != batch or (tg_len > data.shape[1]).any():
            raise ArgumentError(f"{op}: targets of shape {tuple(target.shape)} do not fit batch {batch} and "
                                f"target_lengths "
                                f"{tg_len.tolist()}")
        padded = data
    else:
        if tg_len.sum() != data.size:
            raise ArgumentError(f"{op}: concatenated targets have {data.size} labels, target_lengths sum to "
                                f"{int(tg_len.sum())}")
        padded = xp.zeros((batch, max(int(tg_len.max(initial=0)), 1)), dtype=xp.int64)
        starts = xp.concatenate([[0], xp.cumsum(tg_len)[:-1]])
        for n in range(batch):
            padded[n, :tg_len[n]] = data[starts[n]:starts[n] + tg_len[n]]
    width = 2 * padded.shape[1] + 1
    extended = xp.full((batch, width), blank, dtype=xp.int64)
    extended[:, 1::2] = padded
    used = xp.arange(padded.shape[1])[None, :] < tg_len[:, None]
    if ((padded < 0) | (padded >= classes))[used].any():
        raise ArgumentError(f"{op}: target labels must lie in [0, {classes})")
    loss = CTCLossOp.apply(lp, extended=extended, input_lengths=in_len, ext_lengths=2 * tg_len + 1,
                           zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return loss.reshape(()) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return (loss / constant(xp.maximum(tg_len, 1).astype(loss.dtype))).mean()

