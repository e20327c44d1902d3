"""Metrics on NumPy arrays or Tensors, Keras' argument order ``metric(y_true, y_pred)``.

    accuracy(y_true, y_pred)          fraction of correct predictions
    top_k_accuracy(y_true, y_pred, k) fraction where the true class is among the k highest scores
    mse(y_true, y_pred)               mean (y_pred - y_true)^2
    mae(y_true, y_pred)               mean |y_pred - y_true|
    confusion_matrix(y_true, y_pred)  C[i, j] = number of samples of class i predicted as class j
    format_confusion_matrix(C, labels) the matrix as a text table

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


# Names accepted by ``Model.compile(metrics=[...])``.
METRICS = {"accuracy": accuracy, "acc": accuracy, "top_k_accuracy": top_k_accuracy, "mse": mse, "mae": mae}
