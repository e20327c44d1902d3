"""Callbacks: code that ``Model.fit`` runs at fixed points of training (Keras' names and semantics).

    on_train_begin(logs)          once, before the first epoch
    on_epoch_begin(epoch, logs)   epoch counts from 0
    on_batch_begin(batch, logs)
    on_batch_end(batch, logs)     logs: running means of the loss and metrics over the epoch so far
    on_epoch_end(epoch, logs)     logs: loss, metrics, val_loss, val_<metric>, lr of the epoch
    on_train_end(logs)

A callback sees the model as ``self.model`` and stops training with ``self.model.stop_training = True``
(the epoch, or with TerminateOnNaN the batch, in progress finishes first).
"""
from __future__ import annotations

import csv
import math
import os
import warnings

import numpy as np


class Callback:
    """Base class: override the hooks you need; ``self.model`` and ``self.params`` are set by fit.
    ``rank_zero_only``: under MPI, run on rank 0 only (callbacks that print or write files)."""

    rank_zero_only = False

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): pass

    def on_train_end(self, logs=None): pass

    def on_epoch_begin(self, epoch, logs=None): pass

    def on_epoch_end(self, epoch, logs=None): pass

    def on_batch_begin(self, batch, logs=None): pass

    def on_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Calls every hook on every callback in order."""

    def __init__(self, callbacks, model, params: dict):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"fit: callbacks must be Callback instances, got {type(callback).__name__}")
            callback.set_model(model)
            callback.set_params(params)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call_all(*args):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call_all


class History(Callback):
    """Records the epoch logs: ``history.history["loss"][e]`` is the loss of epoch ``e``."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _resolve_mode(name: str, mode: str, monitor: str) -> str:
    """``'auto'`` means max for accuracies and similar scores, min for losses and errors."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    scores = ("acc", "auc", "precision", "recall", "f1")
    return "max" if any(s in monitor for s in scores) else "min"


class _Monitor:
    """Tracks the best value of one log entry (``min_delta``: the least change that counts)."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0):
        self.owner, self.monitor = owner, monitor
        self.mode = _resolve_mode(owner, mode, monitor)
        self.min_delta = abs(min_delta)
        self.best = math.inf if self.mode == "min" else -math.inf

    def current(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{self.owner}: '{self.monitor}' is not in the logs (available: {sorted(logs or {})}); "
                          "skipping", RuntimeWarning, stacklevel=3)
        return value

    def improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``restore_best_weights``: at the end of training (stopped early or not), load the weights of the
    best epoch.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = False, verbose: int = 0):
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode, self.restore_best_weights, self.verbose = mode, restore_best_weights, verbose
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.tracker = _Monitor("EarlyStopping", self.monitor, self.mode, self.min_delta)
        self.wait, self.stopped_epoch, self.best_epoch = 0, None, None
        self.best_weights = None

    @property
    def best(self) -> float:
        return self.tracker.best

    def on_epoch_end(self, epoch, logs=None):
        value = self.tracker.current(logs)
        if value is None:
            return
        if self.tracker.improved(value):
            self.tracker.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = {k: np.array(v.data, copy=True) for k, v in self.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping ({self.monitor} best {self.best:.6g} "
                  f"at epoch {self.best_epoch + 1})")
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)
            if self.verbose:
                print(f"Restored the weights of epoch {self.best_epoch + 1}")


class ModelCheckpoint(Callback):
    """Save the model after each epoch to ``filepath`` (formatted with ``epoch`` (from 1) and the logs,
    e.g. ``"ckpt-{epoch:02d}-{val_loss:.3f}.npz"``), through ``lamina.io.save``.

    ``save_best_only``: save only when ``monitor`` improves. ``save_weights_only=False`` saves
    ``{"model": state_dict, "optimizer": state_dict, "epoch": n}`` so training can resume.
    """

    rank_zero_only = True

    def __init__(self, filepath, monitor: str = "val_loss", save_best_only: bool = False, mode: str = "auto",
                 save_weights_only: bool = True, verbose: int = 0):
        super().__init__()
        self.filepath, self.monitor, self.save_best_only = os.fspath(filepath), monitor, save_best_only
        self.mode, self.save_weights_only, self.verbose = mode, save_weights_only, verbose
        self.tracker = _Monitor("ModelCheckpoint", monitor, mode)

    def on_train_begin(self, logs=None):
        self.tracker = _Monitor("ModelCheckpoint", self.monitor, self.mode)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = self.tracker.current(logs)
            if value is None or not self.tracker.improved(value):
                return
            self.tracker.best = value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        self._save(path, epoch)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved the model to {path}")

    def _save(self, path: str, epoch: int) -> None:
        from ..io import save  # imported here: io is optional for training without checkpoints
        if self.save_weights_only or getattr(self.model, "optimizer", None) is None:
            save(self.model, path)
        else:
            save({"model": self.model.state_dict(), "optimizer": self.model.optimizer.state_dict(),
                  "epoch": epoch + 1}, path)


class CSVLogger(Callback):
    """Write one row per epoch: ``epoch`` (from 0, as Keras) and the sorted log keys."""

    rank_zero_only = True

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.separator, self.append = os.fspath(filename), separator, append
        self.file = self.writer = None

    def on_train_begin(self, logs=None):
        has_rows = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.keys, self.writer, self.write_header = None, None, not has_rows

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.writer is None:
            self.keys = sorted(logs)
            self.writer = csv.DictWriter(self.file, fieldnames=["epoch"] + self.keys, delimiter=self.separator,
                                         extrasaction="ignore", restval="NA")
            if self.write_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self.file.flush()

    def on_train_end(self, logs=None):
        if self.file is not None:
            self.file.close()
            self.file = self.writer = None


class LearningRateScheduler(Callback):
    """Set the learning rate every epoch.

    ``schedule`` is either a function ``schedule(epoch, lr) -> new_lr`` (epoch from 0), applied to
    every parameter group at the start of each epoch as Keras does, or a ``lamina.optim.lr_scheduler``
    object, stepped at the end of each epoch as PyTorch does (``ReduceLROnPlateau`` gets the
    ``monitor`` value).
    """

    def __init__(self, schedule, monitor: str = "val_loss", verbose: int = 0):
        super().__init__()
        self.schedule, self.monitor, self.verbose = schedule, monitor, verbose
        self.is_scheduler = hasattr(schedule, "step") and hasattr(schedule, "optimizer")
        if not self.is_scheduler and not callable(schedule):
            raise TypeError("LearningRateScheduler: schedule must be a function (epoch, lr) -> lr or an "
                            f"lr_scheduler object, got {type(schedule).__name__}")

    def on_epoch_begin(self, epoch, logs=None):
        if self.is_scheduler:
            return
        groups = self.model.optimizer.param_groups
        for group in groups:
            group["lr"] = float(self.schedule(epoch, group["lr"]))
        if self.verbose:
            print(f"Epoch {epoch + 1}: learning rate {groups[0]['lr']:.6g}")

    def on_epoch_end(self, epoch, logs=None):
        if not self.is_scheduler:
            return
        from ..optim.lr_scheduler import ReduceLROnPlateau
        if isinstance(self.schedule, ReduceLROnPlateau):
            value = (logs or {}).get(self.monitor)
            if value is None:
                warnings.warn(f"LearningRateScheduler: '{self.monitor}' is not in the logs; ReduceLROnPlateau "
                              "not stepped", RuntimeWarning, stacklevel=2)
                return
            self.schedule.step(value)
        else:
            self.schedule.step()


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite (instead of raising an error)."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch + 1}: invalid loss {loss}, terminating training")
            self.model.stop_training = True
