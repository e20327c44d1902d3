"""Keras-style training: ``Model`` (compile / fit / evaluate / predict), callbacks, metrics, summary.

    model.py      Model: the training loop, one readable train_step
    callbacks.py  Callback, EarlyStopping, ModelCheckpoint, CSVLogger, LearningRateScheduler, TerminateOnNaN, History
    metrics.py    accuracy, top_k_accuracy, mse, mae, confusion_matrix, format_confusion_matrix,
                  pixel_confusion_matrix, iou_per_class, mean_iou (segmentation)
    generative.py classifier_score, classifier_scores, frechet_distance, classifier_outputs (LeNet score, FID)
    progress.py   the per-epoch progress bar (tqdm when installed)
    tensorboard.py  TensorBoard: logs fit's scalars, histograms and graph for TensorBoard (tensorboardX)

Metrics, logs and ``predict``'s result are host-side NumPy: batches' outputs are copied to the host
to be measured and returned.

``summary`` (Keras' layer table, parameter and FLOP counts) lives in ``lamina.nn.summary`` beside the
layers it asks; it is re-exported here for Keras users (``lm.train.summary``).
"""
from . import callbacks, metrics
from .callbacks import (Callback, CSVLogger, EarlyStopping, History, LearningRateScheduler,
                        ModelCheckpoint, TerminateOnNaN)
from .metrics import (accuracy, confusion_matrix, format_confusion_matrix, iou_from_confusion, iou_per_class, mae,
                      mean_iou, mse, pixel_confusion_matrix, top_k_accuracy)
from .generative import classifier_outputs, classifier_score, classifier_scores, frechet_distance
from .model import Model
from .progress import ProgressBar
from .tensorboard import TensorBoard
from ..nn.summary import ModelSummary, summary

__all__ = ["Model", "Callback", "CSVLogger", "EarlyStopping", "History", "LearningRateScheduler", "ModelCheckpoint",
           "TerminateOnNaN", "TensorBoard", "ProgressBar",
           "summary", "ModelSummary", "accuracy", "top_k_accuracy", "mse", "mae",
           "confusion_matrix", "format_confusion_matrix",
           "pixel_confusion_matrix", "iou_from_confusion", "iou_per_class", "mean_iou", "classifier_outputs",
           "classifier_score", "classifier_scores", "frechet_distance", "callbacks", "metrics"]
