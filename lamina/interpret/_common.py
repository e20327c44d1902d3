"""What the attribution methods share: the input as an array, the target scores chosen as Captum chooses
them, the gradient of those scores with respect to the input (or to a layer's output), and a model left
exactly as it was found (parameters, their ``.grad``, the training flag, no graph, no hooks)."""
from __future__ import annotations

import contextlib

from .. import autograd
from ..backend import xp
from ..errors import ArgumentError
from ..tensor import Tensor


def as_array(inputs, name: str):
    """The input batch as a floating-point array (a Tensor's data is not copied; nothing writes to it)."""
    array = inputs.data if isinstance(inputs, Tensor) else xp.asarray(inputs)
    if array.dtype.kind != "f":
        raise ArgumentError(f"{name}: inputs must be floating point, got dtype {array.dtype}")
    if array.ndim < 1 or array.shape[0] == 0:
        raise ArgumentError(f"{name}: inputs must be a batch (N, ...) with N >= 1, got shape {tuple(array.shape)}")
    return array


def as_tensor(array) -> Tensor:
    """An attribution handed back to the user: a plain Tensor, no graph."""
    return Tensor(array, dtype=array.dtype)


def _target_array(target, batch: int, name: str):
    if isinstance(target, Tensor):
        target = target.data
    if hasattr(target, "ndim") and target.ndim == 0:
        target = target.item()
    if hasattr(target, "ndim") and target.size == 1 and batch != 1:
        target = target.reshape(-1)[0].item()
    return target


def target_mask(output_shape: tuple, target, name: str):
    """An array of the model output's shape: 1 at each example's target score, 0 elsewhere.

    ``target`` as in Captum: None (the output already has one value per example), an int (the same
    class for every example), a tuple (an index into the output's non-batch axes), a list of ints or
    tuples (one per example), or a Tensor / array of one value or of one per example.
    """
    batch = output_shape[0]
    mask = xp.zeros(output_shape, dtype=xp.float32)
    target = _target_array(target, batch, name)
    if target is None:
        if int(xp.prod(xp.asarray(output_shape[1:], dtype=xp.int64))) != 1:
            raise ArgumentError(f"{name}: target is None but the model gives {output_shape[1:]} scores per "
                                "example; pass the target class")
        mask[...] = 1
        return mask
    if isinstance(target, (int, xp.integer)):
        target = [(int(target),)] * batch
    elif isinstance(target, tuple):
        target = [target] * batch
    else:
        target = [t if isinstance(t, tuple) else (int(t),) for t in list(target)]
        if len(target) != batch:
            raise ArgumentError(f"{name}: got {len(target)} targets for a batch of {batch}")
    for i, index in enumerate(target):
        if len(index) != len(output_shape) - 1:
            raise ArgumentError(f"{name}: target {index} does not index the model's scores of shape "
                                f"{output_shape[1:]}")
        for k, size in zip(index, output_shape[1:]):
            if not -size <= k < size:
                raise ArgumentError(f"{name}: target {index} is out of range for scores of shape "
                                    f"{output_shape[1:]}")
        mask[(i, *index)] = 1
    return mask


def expand_target(target, times: int, interleave: bool):
    """The target for a batch made of ``times`` copies of each example: ``interleave`` when the copies of
    one example are adjacent (``repeat_interleave``), else when the whole batch is repeated (Captum's two
    expansions)."""
    if isinstance(target, Tensor):
        target = target.data
    if target is None or isinstance(target, (int, tuple, xp.integer)):
        return target
    if hasattr(target, "ndim") and target.size == 1:
        return target.reshape(-1)[0].item()
    target = list(target)
    if interleave:
        return [t for t in target for _ in range(times)]
    return target * times


def scores(output, target, name: str):
    """The target score of each example, an array (N,), from the model's output array."""
    mask = target_mask(output.shape, target, name)
    return (output * mask).reshape(output.shape[0], -1).sum(axis=1)


@contextlib.contextmanager
def frozen(model):
    """Run ``model`` for an attribution: gradients on (even inside ``no_grad``), its parameters' requires_grad
    off for the duration (so no weight gradient is computed and nothing reaches ``.grad``), restored after."""
    parameters = list(model.parameters()) if hasattr(model, "parameters") else []
    flags = [p.requires_grad for p in parameters]
    try:
        for p in parameters:
            p.requires_grad = False
        with autograd.enable_grad():
            yield
    finally:
        for p, flag in zip(parameters, flags):
            p.requires_grad = flag


def forward(model, array):
    """The model's output array on a batch, no graph recorded."""
    with autograd.no_grad():
        out = model(Tensor(array, dtype=array.dtype))
    return out.data


def input_gradient(model, array, target, name: str):
    """``(d score_target / d input, output)`` for every example of the batch ``array``: the gradient of the
    sum of the target scores, which is each example's own gradient since examples do not mix in eval mode."""
    with frozen(model):
        x = Tensor(array.copy(), dtype=array.dtype, requires_grad=True)
        output = model(x)
        (grad,) = autograd.grad([output], [x], grad_outputs=[_weights(output, target, name)])
    return grad.data, output.data


def _weights(output, target, name):
    if not isinstance(output, Tensor):
        raise ArgumentError(f"{name}: the model must return a Tensor of scores, got {type(output).__name__}")
    return Tensor(target_mask(output.shape, target, name).astype(output.dtype), dtype=output.dtype)


def layer_gradient(model, layer, array, target, name: str, to_layer_input: bool = False):
    """``(d score_target / d A, A)`` for the output A of ``layer`` (its first input with ``to_layer_input``),
    caught by a forward hook that is removed afterwards."""
    caught = []

    def hook(module, inputs, output):
        caught.append(inputs[0] if to_layer_input else output)

    handle = layer.register_forward_hook(hook)
    try:
        with frozen(model):
            x = Tensor(array.copy(), dtype=array.dtype, requires_grad=True)
            output = model(x)
            if not caught:
                raise ArgumentError(f"{name}: the layer {type(layer).__name__} was not called by the model's "
                                    "forward")
            if len(caught) > 1:
                raise ArgumentError(f"{name}: the layer {type(layer).__name__} was called {len(caught)} times "
                                    "in one forward; choose a layer used once")
            activation = caught[0]
            (grad,) = autograd.grad([output], [activation], grad_outputs=[_weights(output, target, name)])
    finally:
        handle.remove()
    return grad.data, activation.data
