"""Averaged weights, as ``torch.optim.swa_utils``: stochastic weight averaging (SWA, Izmailov et al. 2018) and
the exponential moving average (EMA, Polyak averaging with exponential weights).

    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999), use_buffers=True)
    ...  optimizer.step(); ema.update_parameters(model)          # after each step
    ema(x)                                                       # the averaged network

SWA:  W_avg <- W_avg + (W - W_avg) / (n + 1)        (the mean of every model passed so far)
EMA:  W_avg <- decay W_avg + (1 - decay) W          (the first call copies W)
"""
from __future__ import annotations

import copy
import itertools

from ..autograd import no_grad
from ..nn.module import Module
from ..nn.normalization import _BatchNorm
from ..tensor import Tensor
from ..backend import xp


def _check_decay(decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay: float = 0.999):
    """In place on lists of tensors: ema = decay ema + (1 - decay) current."""
    _check_decay(decay)

    def ema_update(ema_params, current_params, _num_averaged):
        for ema, current in zip(ema_params, current_params):
            if ema.data.dtype.kind == "f":
                ema.data += (1 - decay) * (current.data - ema.data)
            else:                                  # integer buffers (num_batches_tracked): rounded as PyTorch
                ema.data[...] = ema.data * decay + current.data * (1 - decay)
    return ema_update


def get_swa_multi_avg_fn():
    """In place on lists of tensors: averaged += (current - averaged) / (n + 1)."""
    def swa_update(averaged_params, current_params, num_averaged):
        n = int(num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged)
        for averaged, current in zip(averaged_params, current_params):
            if averaged.data.dtype.kind == "f":
                averaged.data += (current.data - averaged.data) / (n + 1)
            else:
                averaged.data[...] = averaged.data + (current.data - averaged.data) // (n + 1)
    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """One tensor: returns decay ema + (1 - decay) current."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, _num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """One tensor: returns averaged + (current - averaged) / (n + 1)."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers, with ``use_buffers``) are running averages of the
    model's, updated by ``update_parameters(model)``; calling it runs the copy. Default: SWA's equal-weight
    mean; ``multi_avg_fn`` (on lists, in place) or ``avg_fn`` (per tensor, returns the new value) change that.
    Without ``use_buffers`` the buffers (batch-norm statistics) are copied from the model at each update."""

    def __init__(self, model: Module, device=None, avg_fn=None, multi_avg_fn=None, use_buffers: bool = False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor(xp.zeros((), dtype=xp.int64)))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current values into the averages (the first call copies them)."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.module.parameters()), list(model.parameters())
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for averaged, current in zip(mine, theirs):
                    averaged.data[...] = current.data
            elif self.avg_fn is not None:
                for averaged, current in zip(mine, theirs):
                    averaged.data[...] = self.avg_fn(averaged.detach(), current.detach(), self.n_averaged).data
            else:
                update = self.multi_avg_fn or get_swa_multi_avg_fn()
                update(mine, theirs, self.n_averaged)
            if not self.use_buffers:
                for averaged, current in zip(self.module.buffers(), model.buffers()):
                    averaged.data[...] = current.data
        self.n_averaged.data += 1


def update_bn(loader, model: Module, device=None) -> None:
    """Recompute the batch-norm running statistics of ``model`` as the plain mean over one pass of ``loader``
    (batches, or (input, ...) tuples), in training mode; the mode and the momenta are restored after."""
    layers = [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    if not layers:
        return
    momenta = {layer: layer.momentum for layer in layers}
    for layer in layers:
        layer.running_mean.data[...] = 0
        layer.running_var.data[...] = 1
        layer.num_batches_tracked.data[...] = 0
        layer.momentum = None
    was_training = model.training
    model.train()
    with no_grad():
        for batch in loader:
            x = batch[0] if isinstance(batch, (list, tuple)) else batch
            model(x if device is None else x.to(device))
    for layer, momentum in momenta.items():
        layer.momentum = momentum
    model.train(was_training)
