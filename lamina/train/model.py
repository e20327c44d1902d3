"""``Model``: Keras' ``compile`` / ``fit`` / ``evaluate`` / ``predict`` around any ``nn.Module``.

    model = lm.Model(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3)))
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=32, validation_split=0.2)
    history.history["val_accuracy"][-1]

or, as Keras' subclassing API, ``class Net(lm.Model)`` with layers in ``__init__`` and a ``forward``.

One training step (``train_step``) is forward, loss, backward, the optional ``gradient_hook`` (where
a distributed all-reduce of the gradients plugs in), optimiser step. A NaN or infinite loss never
updates the weights; by default it raises ``FloatingPointError`` naming the epoch and batch
(``compile(on_nan="warn" | "ignore")`` skips such batches instead, ``TerminateOnNaN`` stops training).
``model.batch_hook(model, x, y) -> (x, y)``, when set, turns each training batch into the one trained
on (``lamina.adversarial.AdversarialTraining`` sets it during fit).
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from .. import optim
from ..data import DataLoader, TensorDataset
from ..nn import loss as nn_loss
from ..nn.containers import Sequential
from ..nn.module import Module
from ..nn.regularization import activity_penalty
from ..nn.summary import summary
from ..ops import loss as loss_ops
from ..tensor import Tensor
from . import metrics as metrics_module
from . import parallel
from .callbacks import CallbackList, History
from .progress import ProgressBar, format_logs

# name -> (function in lamina.ops.loss, whether its target is a float tensor of the output's shape)
LOSSES = {
    "cross_entropy": ("cross_entropy", False),
    "nll": ("nll_loss", False),
    "mse": ("mse_loss", True),
    "mae": ("l1_loss", True),
    "l1": ("l1_loss", True),
    "huber": ("huber_loss", True),
    "bce": ("binary_cross_entropy", True),
    "bce_with_logits": ("binary_cross_entropy_with_logits", True),
}
_FLOAT_TARGET_MODULES = (nn_loss.MSELoss, nn_loss.L1Loss, nn_loss.HuberLoss, nn_loss.BCELoss, nn_loss.BCEWithLogitsLoss)



def optimizer_classes() -> dict:
    """The optimisers ``compile`` knows by name: every Optimizer class of ``lamina.optim``, lower-cased
    (``"sgd"``, ``"adam"``, ``"rmsprop"``, ...); a new optimiser is known by adding it to optim."""
    return {name.lower(): cls for name, cls in vars(optim).items()
            if isinstance(cls, type) and issubclass(cls, optim.Optimizer) and cls is not optim.Optimizer}


class Model(Module):
    """A Module that trains itself. ``Model(module)`` wraps a module (a list of layers becomes a
    ``Sequential``); a wrapping Model's ``state_dict`` is its module's, so checkpoints load into either."""

    def __init__(self, module: Module | list | tuple | None = None):
        super().__init__()
        if isinstance(module, (list, tuple)):
            module = Sequential(*module)
        if module is not None:
            if not isinstance(module, Module):
                raise TypeError(f"Model: expected an nn.Module or a list of layers, got {type(module).__name__}")
            self.module = module
        object.__setattr__(self, "optimizer", None)
        object.__setattr__(self, "loss_fn", None)  # a loss Module must not become a sub-module
        self.metrics, self.stop_training, self.history = {}, False, None
        self.gradient_hook, self.on_nan, self._float_target = None, "raise", False
        self._parallel = None  # during fit under MPI: the ParallelFit (lamina/train/parallel.py)
        self.batch_hook = None  # batch_hook(model, x, y) -> (x, y): each training batch passes through it

    # ---- the module ----------------------------------------------------------------------------
    def _wrapped(self) -> Module | None:
        """The module this Model wraps, when it owns nothing else."""
        if list(self._modules) == ["module"] and not self._parameters and not self._buffers:
            return self._modules["module"]
        return None

    def forward(self, *args, **kwargs):
        if "module" not in self._modules:
            raise NotImplementedError("Model: pass the network, lm.Model(module), or subclass Model and define forward()")
        return self.module(*args, **kwargs)

    def state_dict(self, *args, **kwargs):
        """The wrapped module's ``state_dict`` (PyTorch's arguments: destination, prefix, keep_vars)."""
        wrapped = self._wrapped()
        return wrapped.state_dict(*args, **kwargs) if wrapped is not None else super().state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict, strict: bool = True, **kwargs):
        """The wrapped module's ``load_state_dict`` (PyTorch's arguments: strict, assign)."""
        wrapped = self._wrapped()
        return wrapped.load_state_dict(state_dict, strict, **kwargs) if wrapped is not None else \
            super().load_state_dict(state_dict, strict, **kwargs)

    def summary(self, input_shape, **kwargs):
        """Keras' layer table; see ``lamina.nn.summary.summary``."""
        wrapped = self._wrapped()
        return summary(self if wrapped is None else wrapped, input_shape, **kwargs)

    # ---- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="adam", loss=None, metrics=None, on_nan: str = "raise", gradient_hook=None):
        """Choose the optimiser, the loss and the metrics.

        ``optimizer``: an optimiser instance, or the name of one of ``lamina.optim`` ('sgd', 'adam',
        'adamw', 'rmsprop', ...), made with the class's own default learning rate (as PyTorch).
        ``loss``: a name in ``LOSSES``, an ``nn`` loss module or a function ``loss(output, target)``.
        ``metrics``: names ('accuracy', 'top_k_accuracy', 'mse', 'mae'), functions ``f(y_true, y_pred)``
        on NumPy arrays, or a dict name -> function. ``on_nan``: 'raise', 'warn' or 'ignore'.
        ``gradient_hook(model)``: called after ``backward()`` and before ``optimizer.step()``.
        """
        object.__setattr__(self, "optimizer", self._make_optimizer(optimizer))
        object.__setattr__(self, "loss_fn", self._make_loss(loss))
        self.metrics = self._make_metrics(metrics, loss)
        if on_nan not in ("raise", "warn", "ignore"):
            raise ValueError(f"compile: on_nan must be 'raise', 'warn' or 'ignore', got {on_nan!r}")
        self.on_nan, self.gradient_hook = on_nan, gradient_hook
        return self

    def _make_optimizer(self, optimizer):
        if not isinstance(optimizer, str):
            if not (hasattr(optimizer, "step") and hasattr(optimizer, "param_groups")):
                raise TypeError(f"compile: optimizer must be a name or an optimiser, got {type(optimizer).__name__}")
            return optimizer
        known = optimizer_classes()
        if optimizer.lower() not in known:
            raise ValueError(f"compile: unknown optimizer {optimizer!r}; choose from {sorted(known)}")
        return known[optimizer.lower()](self.parameters())

    def _make_loss(self, loss):
        if loss is None or callable(loss):
            self._float_target = isinstance(loss, _FLOAT_TARGET_MODULES)
            return loss
        if loss not in LOSSES:
            raise ValueError(f"compile: unknown loss {loss!r}; choose from {sorted(LOSSES)}, or pass a function")
        name, self._float_target = LOSSES[loss]
        return getattr(loss_ops, name)

    @staticmethod
    def _make_metrics(metrics, loss) -> dict:
        if metrics is None:
            return {}
        if isinstance(metrics, dict):
            return dict(metrics)
        logits = loss == "bce_with_logits" or isinstance(loss, nn_loss.BCEWithLogitsLoss)
        named = {}
        for metric in metrics:
            if isinstance(metric, str):
                if metric not in metrics_module.METRICS:
                    raise ValueError(f"compile: unknown metric {metric!r}; choose from "
                                     f"{sorted(metrics_module.METRICS)}, or pass a function")
                function = metrics_module.METRICS[metric]
                if logits and function is metrics_module.accuracy:
                    function = functools.partial(function, from_logits=True)
                named[metric] = function
            elif callable(metric):
                named[getattr(metric, "__name__", type(metric).__name__)] = metric
            else:
                raise TypeError(f"compile: a metric is a name or a function, got {type(metric).__name__}")
        return named

    def _require(self, what: str) -> None:
        if self.optimizer is None and what == "fit":
            raise RuntimeError("fit: call model.compile(optimizer=..., loss=...) first")
        if self.loss_fn is None:
            raise RuntimeError(f"{what}: the model has no loss; call model.compile(loss=...) first")

    # ---- one step ------------------------------------------------------------------------------
    def compute_loss(self, output, target) -> Tensor:
        """The compiled loss (plus the penalties of ActivityRegularization layers); regression and
        binary losses get float targets shaped like the output."""
        if self._float_target and isinstance(output, Tensor):
            array = target.data
            if array.size == output.data.size and array.shape != output.shape:
                array = array.reshape(output.shape)
            if array.dtype != output.dtype:
                array = array.astype(output.dtype)
            target = Tensor._wrap(array)
        loss = self.loss_fn(output, target)
        penalty = activity_penalty(self)
        return loss + penalty if isinstance(penalty, Tensor) else loss  # no graph node for a penalty of 0

    def train_step(self, x, y):
        """One optimisation step on one batch; returns ``(loss value, output)``."""
        output = self(x)
        loss = self.compute_loss(output, y)
        value = float(loss.item())
        if not math.isfinite(value):  # a NaN/Inf loss never reaches the weights
            return value, output
        self.optimizer.zero_grad()
        loss.backward()
        if self._parallel is not None:
            self._parallel.average_gradients(self)  # under MPI, unless the network is a DistributedDataParallel
        if self.gradient_hook is not None:
            self.gradient_hook(self)  # e.g. average p.grad across workers
        self.optimizer.step()
        return value, output

    def _batch_logs(self, loss: float, output, y) -> dict:
        logs = {"loss": loss}
        if self.metrics:
            y_pred, y_true = np.asarray(output.data), np.asarray(y.data)
            logs.update({name: float(fn(y_true, y_pred)) for name, fn in self.metrics.items()})
        return logs

    # ---- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, epochs: int = 1, batch_size: int = 32, validation_data=None,
            validation_split: float = 0.0, shuffle: bool = True, callbacks=None, verbose: int = 1,
            generator=None) -> History:
        """Train for ``epochs`` epochs; returns a ``History`` (``history.history``: a list per log key).

        ``x, y``: arrays or Tensors, or ``x`` an iterable of ``(x, y)`` batches (a DataLoader) and
        ``y=None``. ``validation_split``: the LAST fraction of the arrays, taken before shuffling (Keras).
        ``validation_data``: ``(x_val, y_val)`` or a loader of batches. ``generator``: the
        ``lm.Generator`` that shuffles the batches (default: the global one, see ``lm.manual_seed``).
        """
        self._require("fit")
        dtype = self._input_dtype()
        train, validation = _split_validation(x, y, validation_data, validation_split, dtype)
        dist = parallel.process_group()
        self._parallel = None if dist is None else parallel.ParallelFit(dist, self)
        if self._parallel is None:
            train, weights = _batches(train, batch_size, shuffle, generator), (1, 1)
        else:
            (train, train_weight), (validation, val_weight) = (self._parallel.training_batches(
                train, batch_size, shuffle, generator), self._parallel.validation_arrays(validation))
            weights = (train_weight, val_weight)
        validation = None if validation is None else _batches(validation, batch_size, False, None)
        history, progress = History(), ([ProgressBar(verbose)] if verbose else [])
        params = {"epochs": epochs, "steps": _length(train), "verbose": verbose, "batch_size": batch_size}
        chosen = [*progress, *(callbacks or []), history]
        chosen = chosen if self._parallel is None else self._parallel.callbacks_of_this_rank(chosen)
        callbacks = CallbackList(chosen, self, params)
        self.stop_training, self.history = False, history
        callbacks.on_train_begin({})
        try:
            for epoch in range(epochs):
                callbacks.on_epoch_begin(epoch, {})
                logs = self._fit_epoch(train, validation, epoch, callbacks, dtype, weights)
                callbacks.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:
            self._parallel = None
            for bar in progress:
                bar.close()
        callbacks.on_train_end({})
        return history

    def _fit_epoch(self, train, validation, epoch: int, callbacks, dtype, weights) -> dict:
        """One epoch of training, then validation; the logs averaged over the ranks under MPI."""
        if self._parallel is not None:
            self._parallel.start_epoch(epoch)
        logs = self._train_epoch(train, epoch, callbacks, dtype)
        if self._parallel is not None:
            logs = self._parallel.reduce_logs(logs, weights[0])
        if validation is not None:
            val_logs = self._evaluate_batches(validation, dtype)
            if self._parallel is not None:
                val_logs = self._parallel.reduce_logs(val_logs, weights[1])
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        logs["lr"] = float(self.optimizer.param_groups[0]["lr"])
        return logs

    def _train_epoch(self, batches, epoch: int, callbacks, dtype) -> dict:
        self.train()
        means, batch = _Means(), -1
        for batch, data in enumerate(batches):
            x, y = _unpack(data, dtype, "fit")
            callbacks.on_batch_begin(batch, {})
            if self.batch_hook is not None:  # e.g. lamina.adversarial.AdversarialTraining attacks the batch
                x, y = self.batch_hook(self, x, y)
            loss, output = self.train_step(x, y)
            means.add(self._batch_logs(loss, output, y), len(x))
            callbacks.on_batch_end(batch, means.result())
            if not math.isfinite(loss):
                self._non_finite_loss(loss, epoch, batch, _length(batches))
            if self.stop_training:
                break
        if batch < 0:
            raise ValueError(f"fit: the training data gave no batch in epoch {epoch + 1} (an empty loader, or "
                             "a generator already used up by an earlier epoch)")
        return means.result()

    def _non_finite_loss(self, loss: float, epoch: int, batch: int, steps) -> None:
        if self.stop_training or self.on_nan == "ignore":  # a callback (TerminateOnNaN) took care of it
            return
        where = f"epoch {epoch + 1}, batch {batch + 1}" + (f" of {steps}" if steps else "")
        message = (f"fit: the loss is {loss} at {where}; this batch did not update the weights. Lower the "
                   "learning rate, check the data for NaN/Inf, or use compile(on_nan='warn') to skip such "
                   "batches or callbacks=[TerminateOnNaN()] to stop training")
        if self.on_nan == "raise":
            raise FloatingPointError(message)
        warnings.warn(message, RuntimeWarning, stacklevel=4)

    # ---- evaluate and predict ------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size: int = 32, verbose: int = 0, return_dict: bool = False):
        """Loss and metrics over the data: the loss alone if there are no metrics, else
        ``[loss, metric, ...]`` (``return_dict=True``: ``{"loss": ..., "accuracy": ...}``), as Keras."""
        self._require("evaluate")
        dtype = self._input_dtype()
        data = x if y is None and not _is_array_like(x) else (_as_array(x, "x", dtype), _as_array(y, "y"))
        results = self._evaluate_batches(_batches(data, batch_size, False, None), dtype)
        if verbose:
            print(format_logs(results))
        if return_dict:
            return results
        return results["loss"] if len(results) == 1 else list(results.values())

    def _evaluate_batches(self, batches, dtype) -> dict:
        means = _Means()
        with self.evaluating():
            for data in batches:
                x, y = _unpack(data, dtype, "evaluate")
                output = self(x)
                means.add(self._batch_logs(float(self.compute_loss(output, y).item()), output, y), len(x))
        if means.count == 0:
            raise ValueError("evaluate: got no data")
        return means.result()

    def predict(self, x, batch_size: int = 32) -> np.ndarray:
        """The model's outputs as a NumPy array, in eval mode (dropout off) and without a graph."""
        dtype = self._input_dtype()
        data = (_as_array(x, "x", dtype),) if _is_array_like(x) else x
        outputs = []
        with self.evaluating():
            for batch in _batches(data, batch_size, False, None):
                inputs, _ = _unpack(batch, dtype, "predict", need_target=False)
                outputs.append(np.asarray(self(inputs).data))
        if not outputs:
            raise ValueError("predict: got no data")
        return np.concatenate(outputs)

    def _input_dtype(self):
        """Float inputs are cast to the dtype of the model's parameters (float32 by default)."""
        for p in self.parameters():
            if p.dtype.kind == "f":
                return p.dtype
        return np.dtype(np.float32)


# ---- data ----------------------------------------------------------------------------------------
class _Means:
    """Sample-weighted running means of the batch logs (exact for mean losses, accuracy, mse, mae)."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, logs: dict, n: int) -> None:
        self.count += n
        for key, value in logs.items():
            self.sums[key] = self.sums.get(key, 0.0) + value * n

    def result(self) -> dict:
        return {key: total / self.count for key, total in self.sums.items()}


def _is_array_like(value) -> bool:
    return isinstance(value, (np.ndarray, Tensor, list))


def _as_array(value, name: str, dtype=None) -> np.ndarray:
    if value is None:
        raise ValueError(f"{name} is missing: pass x and y (arrays or Tensors), or x a DataLoader of (x, y) batches")
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
        array = array.astype(dtype)
    return array


def _split_validation(x, y, validation_data, validation_split: float, dtype):
    """``(train, validation)``: each a tuple of arrays or a loader; validation_split takes the last samples."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
    if not _is_array_like(x):
        if x is None:
            raise ValueError("fit: pass x and y (arrays or Tensors), or x a DataLoader of (x, y) batches")
        if y is not None:
            raise ValueError(f"fit: y must be None when x is a loader of batches ({type(x).__name__})")
        if validation_split and validation_data is None:
            raise ValueError("fit: validation_split needs arrays; with a DataLoader pass validation_data")
        train = x
    else:
        train = (_as_array(x, "x", dtype), _as_array(y, "y"))
        if len(train[0]) != len(train[1]):
            raise ValueError(f"fit: x has {len(train[0])} samples, y has {len(train[1])}")
        if len(train[0]) == 0:
            raise ValueError(f"fit: no training samples (x has shape {tuple(train[0].shape)}); pass at least one "
                             f"sample")
    if validation_data is not None:
        if isinstance(validation_data, (tuple, list)):
            if len(validation_data) != 2:
                raise ValueError(f"fit: validation_data must be (x_val, y_val), got {len(validation_data)} items")
            validation_data = (_as_array(validation_data[0], "x_val", dtype), _as_array(validation_data[1], "y_val"))
            if len(validation_data[0]) != len(validation_data[1]):
                raise ValueError(f"fit: x_val has {len(validation_data[0])} samples, y_val has "
                                 f"{len(validation_data[1])}")
            if len(validation_data[0]) == 0:
                raise ValueError("fit: validation_data holds no samples; pass at least one, or no validation_data")
        return train, validation_data
    if not validation_split:
        return train, None
    split_at = math.floor(len(train[0]) * (1.0 - validation_split))
    if split_at == 0 or split_at == len(train[0]):
        raise ValueError(f"fit: validation_split={validation_split} of {len(train[0])} samples leaves an empty set")
    return tuple(a[:split_at] for a in train), tuple(a[split_at:] for a in train)


def _batches(data, batch_size: int, shuffle: bool, generator):
    """A DataLoader over a tuple of arrays; a loader the user passed is used as it is."""
    if not isinstance(data, tuple):
        return data
    return DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle, generator=generator)


def _length(batches):
    try:
        return len(batches)
    except TypeError:
        return None


def _unpack(data, dtype, what: str, need_target: bool = True):
    """``(x, y)`` Tensors from one batch: a pair, a 1-tuple or a lone input; float x cast to ``dtype``."""
    if isinstance(data, (tuple, list)):
        if len(data) not in (1, 2):
            raise ValueError(f"{what}: expected batches (x, y), got {len(data)} items")
        x, y = data[0], (data[1] if len(data) == 2 else None)
    else:
        x, y = data, None
    if need_target and y is None:
        raise ValueError(f"{what}: the batches have no targets; expected (x, y) pairs")
    x = Tensor._wrap(_as_array(x, "x", dtype))
    return x, (None if y is None else Tensor._wrap(_as_array(y, "y")))
