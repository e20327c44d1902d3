"""``TensorBoard``: the Keras callback that logs ``Model.fit`` for TensorBoard (``tensorboard --logdir logs``).

Keras' layout: scalars go to ``log_dir/train`` and ``log_dir/validation`` as ``epoch_loss``,
``epoch_<metric>`` and ``epoch_learning_rate`` (so the two runs share a chart per quantity), ``batch_loss``
every ``update_freq`` batches when it is an int; every ``histogram_freq`` epochs the histograms of each
parameter and of its gradient (the last batch's); with ``write_graph`` the model's graph, traced on the first
batch and exported through ONNX. Files are written by tensorboardX (``lamina.utils.tensorboard``).
"""
from __future__ import annotations

import os
import warnings

from .callbacks import Callback


class TensorBoard(Callback):
    """Log scalars, histograms and the graph of a ``Model.fit`` run under ``log_dir``."""

    rank_zero_only = True

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True,
                 update_freq="epoch"):
        super().__init__()
        if not (update_freq in ("epoch", "batch") or (isinstance(update_freq, int) and update_freq > 0)):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int, got {update_freq!r}")
        self.log_dir, self.histogram_freq, self.write_graph = os.fspath(log_dir), int(histogram_freq), write_graph
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers, self._batches_seen, self._example, self._hook = {}, 0, None, None

    def _writer(self, run: str):
        if run not in self._writers:
            from ..utils.tensorboard import SummaryWriter
            self._writers[run] = SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._writer("train")
        if self.write_graph:
            self._hook = self.model.register_forward_pre_hook(self._keep_first_input)

    def _keep_first_input(self, module, args):
        if self._example is None and args:
            self._example = args[0][:1].detach()
        self._hook.remove()

    def on_batch_end(self, batch, logs=None):
        self._batches_seen += 1
        if isinstance(self.update_freq, int) and self._batches_seen % self.update_freq == 0 and logs:
            self._writer("train").add_scalar("batch_loss", logs["loss"], self._batches_seen)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for key, value in logs.items():
            run, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            name = "learning_rate" if name == "lr" else name
            self._writer(run).add_scalar(f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)
        if self.write_graph and self._example is not None:
            self._graph()
        for writer in self._writers.values():
            writer.flush()

    def _histograms(self, epoch: int):
        writer = self._writer("train")
        for name, parameter in self.model.named_parameters():
            name = name.removeprefix("module.")
            writer.add_histogram(name, parameter, epoch)
            if parameter.grad is not None:
                writer.add_histogram(f"{name}/gradient", parameter.grad, epoch)

    def _graph(self):
        example, self._example, self.write_graph = self._example, None, False
        module = getattr(self.model, "module", None) or self.model
        was_training = module.training
        try:
            self._writer("train").add_graph(module.eval(), example)
        except (NotImplementedError, TypeError, ValueError, ImportError) as err:
            warnings.warn(f"TensorBoard: the model's graph was not written ({err})", stacklevel=2)
        finally:
            module.train(was_training)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
