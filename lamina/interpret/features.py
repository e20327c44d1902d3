"""What a layer sees and what it has learned (seed 001): the feature maps a layer produces for an input, caught
with a forward hook, and the filters of a convolution."""
from __future__ import annotations

from .. import autograd
from ..errors import ArgumentError
from ..tensor import Tensor
from ._common import as_array, as_tensor

__all__ = ["feature_maps", "conv_filters"]


def _find_layer(model, layer):
    if not isinstance(layer, str):
        return layer
    modules = dict(model.named_modules())
    if layer not in modules:
        raise ArgumentError(f"feature_maps: the model has no layer named {layer!r}; its layers are "
                            f"{[name for name in modules if name]}")
    return modules[layer]


def feature_maps(model, layer, inputs) -> Tensor:
    """The output of ``layer`` (a module of ``model`` or its name, e.g. 'c1') when ``model`` runs on ``inputs``:
    (N, C, H, W) for a convolution. Caught by a forward hook that is removed afterwards; no graph is recorded."""
    module = _find_layer(model, layer)
    x = as_array(inputs, "feature_maps")
    caught = []
    handle = module.register_forward_hook(lambda m, args, output: caught.append(output))
    try:
        with autograd.no_grad():
            model(Tensor(x, dtype=x.dtype))
    finally:
        handle.remove()
    if not caught:
        raise ArgumentError(f"feature_maps: the layer {type(module).__name__} was not called by the model's forward")
    return as_tensor(caught[-1].data.copy())


def conv_filters(layer) -> Tensor:
    """A copy of a convolution's weights, (out_channels, in_channels / groups, kH, kW): one filter per output
    channel, to be drawn as an image grid."""
    weight = getattr(layer, "weight", None)
    if not isinstance(weight, Tensor) or weight.ndim < 3:
        raise ArgumentError(f"conv_filters: expected a convolution layer with a weight of shape (out, in, *kernel), "
                            f"got {type(layer).__name__}"
                            + (f" with weight shape {tuple(weight.shape)}" if isinstance(weight, Tensor) else ""))
    return as_tensor(weight.data.copy())
