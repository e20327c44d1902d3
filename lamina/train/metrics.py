"""Metrics on NumPy arrays or Tensors, Keras' argument order ``metric(y_true, y_pred)``.

    accuracy(y_true, y_pred)          fraction of correct predictions
    top_k_accuracy(y_true, y_pred, k) fraction where the true class is among the k highest scores
    mse(y_true, y_pred)               mean (y_pred - y_true)^2
    mae(y_true, y_pred)               mean |y_pred - y_true|
    confusion_matrix(y_true, y_pred)  C[i, j] = number of samples of class i predicted as class j
    format_confusion_matrix(C, labels) the matrix as a text table
    pixel_confusion_matrix(masks, pred, num_classes)  the same over every pixel of segmentation masks
    iou_per_class(masks, pred, num_classes)  |pred_c AND true_c| / |pred_c OR true_c| for each class c
    mean_iou(masks, pred, num_classes)       the mean of those over the classes present

``y_pred`` may be class scores (logits or probabilities, shape (N, C)): the prediction is the
argmax; a single output per sample (shape (N,) or (N, 1)) of floats is a probability of class 1,
thresholded at 0.5 (at 0 with ``from_logits=True``, the same decision as sigmoid(z) > 0.5).
``y_true`` may be class indices or one-hot rows.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def _array(value) -> np.ndarray:
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _true_labels(y_true: np.ndarray) -> np.ndarray:
    """Class indices from indices, one-hot rows, or a column of 0/1 targets."""
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        return y_true.argmax(axis=1)
    return y_true.reshape(-1).astype(np.int64) if y_true.dtype.kind == "f" else y_true.reshape(-1)


def predicted_labels(y_pred, threshold: float = 0.5, from_logits: bool = False) -> np.ndarray:
    """Class indices from scores (argmax over the last axis), from one probability per sample
    (``p > threshold``), or unchanged when ``y_pred`` already holds integer labels."""
    y_pred = _array(y_pred)
    if y_pred.dtype.kind in "iub":
        return y_pred.reshape(-1).astype(np.int64)
    if y_pred.ndim == 1 or (y_pred.ndim == 2 and y_pred.shape[1] == 1):
        cut = np.log(threshold / (1 - threshold)) if from_logits else threshold  # sigmoid(z) > t <=> z > logit(t)
        return (y_pred.reshape(-1) > cut).astype(np.int64)
    if y_pred.ndim != 2:
        raise ValueError(f"predicted_labels: expected scores of shape (N, C) or (N,), got shape {tuple(y_pred.shape)}")
    return y_pred.argmax(axis=1)


def _check_lengths(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if len(y_true) != len(y_pred):
        raise ValueError(f"{name}: y_true has {len(y_true)} samples, y_pred has {len(y_pred)}")


def accuracy(y_true, y_pred, threshold: float = 0.5, from_logits: bool = False) -> float:
    """Fraction of samples whose predicted class equals the true class."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    _check_lengths("accuracy", y_true, y_pred)
    if len(y_true) == 0:
        return float("nan")
    return float(np.mean(predicted_labels(y_pred, threshold, from_logits) == _true_labels(y_true)))


def top_k_accuracy(y_true, y_pred, k: int = 5) -> float:
    """Fraction of samples whose true class is among the ``k`` highest scores of ``y_pred`` (N, C)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    _check_lengths("top_k_accuracy", y_true, y_pred)
    if y_pred.ndim != 2:
        raise ValueError(f"top_k_accuracy: expected scores of shape (N, C), got shape {tuple(y_pred.shape)}")
    k = min(k, y_pred.shape[1])
    labels = _true_labels(y_true)
    top = np.argpartition(-y_pred, k - 1, axis=1)[:, :k]
    return float(np.mean((top == labels[:, None]).any(axis=1)))


def _regression_pair(name: str, y_true, y_pred):
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.size != y_pred.size:
        raise ValueError(f"{name}: y_true has shape {tuple(y_true.shape)}, y_pred has shape {tuple(y_pred.shape)}")
    return y_true.reshape(y_pred.shape).astype(np.float64), y_pred.astype(np.float64)


def mse(y_true, y_pred) -> float:
    """Mean squared error, mean (y_pred - y_true)^2 over every element."""
    y_true, y_pred = _regression_pair("mse", y_true, y_pred)
    return float(np.mean((y_pred - y_true) ** 2))


def mae(y_true, y_pred) -> float:
    """Mean absolute error, mean |y_pred - y_true| over every element."""
    y_true, y_pred = _regression_pair("mae", y_true, y_pred)
    return float(np.mean(np.abs(y_pred - y_true)))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None, normalize: str | None = None) -> np.ndarray:
    """``C[i, j]``: how many samples of true class ``i`` were predicted as class ``j`` (int64).

    ``normalize='true'`` divides each row by its total (float64; a class with no samples gives a
    row of zeros), so ``C[i, i]`` is the recall of class ``i``.
    """
    if normalize not in (None, "true"):
        raise ValueError(f"confusion_matrix: normalize must be None or 'true', got {normalize!r}")
    y_true, y_pred = _true_labels(_array(y_true)), predicted_labels(y_pred)
    _check_lengths("confusion_matrix", y_true, y_pred)
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f"confusion_matrix: {name} has labels in [{labels.min()}, {labels.max()}], "
                             f"expected [0, {num_classes})")
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    matrix = counts.reshape(num_classes, num_classes).astype(np.int64)
    if normalize == "true":
        totals = matrix.sum(axis=1, keepdims=True)
        return matrix / np.maximum(totals, 1)
    return matrix


def format_confusion_matrix(matrix, labels=None) -> str:
    """The matrix as a text table: one row per true class, one column per predicted class."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"format_confusion_matrix: expected a square matrix, got shape {tuple(matrix.shape)}")
    labels = [str(label) for label in (range(len(matrix)) if labels is None else labels)]
    if len(labels) != len(matrix):
        raise ValueError(f"format_confusion_matrix: {len(labels)} labels for a {len(matrix)}x{len(matrix)} matrix")
    cells = [[f"{v:.2f}" if matrix.dtype.kind == "f" else str(v) for v in row] for row in matrix]
    corner = "true \\ pred"
    first = max(len(corner), *(len(label) for label in labels))
    width = max(max(len(label) for label in labels), *(len(c) for row in cells for c in row))
    lines = [corner.ljust(first) + " | " + " ".join(label.rjust(width) for label in labels)]
    lines.append("-" * len(lines[0]))
    lines += [label.ljust(first) + " | " + " ".join(c.rjust(width) for c in row) for label, row in zip(labels, cells)]
    return "\n".join(lines)


# ---- segmentation ---------------------------------------------------------------------------
def _pixel_labels(name: str, y_true, y_pred):
    """Flat true and predicted classes of every pixel: ``y_pred`` holds labels of ``y_true``'s shape, or scores
    with a class dimension 1 more (N, C, H, W) for masks (N, H, W), whose argmax over dim 1 is the prediction."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_pred.ndim == y_true.ndim + 1 and y_pred.ndim >= 2:
        y_pred = y_pred.argmax(axis=1)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"{name}: y_pred must be labels of y_true's shape {tuple(y_true.shape)} or scores (N, C, ...) "
                         f"with the class dimension 1, got shape {tuple(y_pred.shape)}")
    if y_true.dtype.kind not in "iu" or y_pred.dtype.kind not in "iu":
        raise ValueError(f"{name}: class labels must be integers, got {y_true.dtype} and {y_pred.dtype}")
    return y_true.reshape(-1).astype(np.int64), y_pred.reshape(-1).astype(np.int64)


def pixel_confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """``C[i, j]``: pixels of true class ``i`` predicted as ``j``, over masks of any shape (int64); sum the
    matrices of several batches to measure a whole set."""
    return confusion_matrix(*_pixel_labels("pixel_confusion_matrix", y_true, y_pred), num_classes=num_classes)


def iou_from_confusion(matrix) -> np.ndarray:
    """Intersection over union of each class from a confusion matrix: C[c, c] / (row c + column c - C[c, c])
    (true positives over true positives + false negatives + false positives); NaN for a class that is
    neither in the truth nor in the prediction."""
    matrix = np.asarray(matrix, dtype=np.float64)
    hits = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - hits
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, hits / union, np.nan)


def iou_per_class(y_true, y_pred, num_classes: int) -> np.ndarray:
    """IoU = |pred_c AND true_c| / |pred_c OR true_c| of each class c over every pixel (NaN: class absent
    from both). ``y_pred``: labels of ``y_true``'s shape, or scores (N, C, H, W)."""
    return iou_from_confusion(pixel_confusion_matrix(y_true, y_pred, num_classes))


def mean_iou(y_true, y_pred, num_classes: int) -> float:
    """The mean of ``iou_per_class`` over the classes present in the truth or the prediction."""
    iou = iou_per_class(y_true, y_pred, num_classes)
    return float(np.nanmean(iou)) if not np.isnan(iou).all() else float("nan")


# Names accepted by ``Model.compile(metrics=[...])``.
METRICS = {"accuracy": accuracy, "acc": accuracy, "top_k_accuracy": top_k_accuracy, "mse": mse, "mae": mae}
