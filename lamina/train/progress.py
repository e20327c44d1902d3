"""The progress display of ``Model.fit``: a callback, so the training loop knows nothing about printing.

    verbose=0   silent
    verbose=1   a tqdm bar per epoch (batches done, time left in the epoch, running loss and metrics);
                without tqdm installed, one line per epoch as with verbose=2
    verbose=2   one line per epoch: time taken, loss, metrics, validation, estimated time left
"""
from __future__ import annotations

import sys
import time

from .callbacks import Callback


def format_logs(logs: dict) -> str:
    """``loss: 0.1234 - accuracy: 0.9500`` (the learning rate in short scientific form)."""
    parts = []
    for key, value in logs.items():
        parts.append(f"{key}: {value:.3g}" if key == "lr" else f"{key}: {value:.4f}")
    return " - ".join(parts)


def _format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class ProgressBar(Callback):
    """Shows the progress of ``fit``; ``params`` (set by fit) give ``epochs`` and ``steps`` (or None)."""

    rank_zero_only = True

    def __init__(self, verbose: int = 1, file=None):
        super().__init__()
        self.verbose, self.file = verbose, file
        self.bar = None

    def _out(self):
        return self.file if self.file is not None else sys.stdout  # looked up late: tests swap sys.stdout

    def on_train_begin(self, logs=None):
        self.tqdm = _tqdm() if self.verbose == 1 else None
        self.train_start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()
        if self.tqdm is not None:
            self.bar = self.tqdm(total=self.params.get("steps"), desc=f"Epoch {epoch + 1}/{self.params['epochs']}",
                                 unit="batch", file=self._out(), leave=True, dynamic_ncols=True)

    def on_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(logs or {}), refresh=False)
            self.bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(logs or {}))
            self.bar.close()
            self.bar = None
            return
        now = time.perf_counter()
        epochs = self.params["epochs"]
        left = (now - self.train_start) / (epoch + 1) * (epochs - epoch - 1)
        line = f"Epoch {epoch + 1}/{epochs} - {_format_seconds(now - self.epoch_start)}"
        if logs:
            line += " - " + format_logs(logs)
        if epoch + 1 < epochs:
            line += f" - time left {_format_seconds(left)}"
        print(line, file=self._out(), flush=True)

    def close(self) -> None:
        """Close a bar left open (fit calls it even when an exception stops training mid-epoch)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def on_train_end(self, logs=None):
        self.close()
