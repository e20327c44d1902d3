"""Containers: ``Sequential`` (layers applied in order), ``ModuleList``, ``ModuleDict``."""
from __future__ import annotations

from collections import OrderedDict

from .. import functional as F
from .activation import ReLU
from .module import Module
from .pooling import MaxPool2d


class Sequential(Module):
    """``Sequential(layer1, layer2, ...)`` or ``Sequential(OrderedDict(name=layer, ...))``: x -> ... -> y.

    One exact shortcut: a ``ReLU`` followed by a ``MaxPool2d`` runs as one op, ``F.relu_max_pool2d``,
    which computes the pair as the pooling followed by the ReLU. Max commutes with the nondecreasing
    ReLU, so the values and gradients are those of the written order (ties included), while ReLU
    touches 4x fewer numbers after 2x2 pooling. The pair is one node of the graph (``trace`` shows
    ``relu_max_pool2d``). It runs as two layers when either has a forward hook (the hooks see what
    the layers compute as written), or with ``fuse_relu_max_pool = False``.
    """

    fuse_relu_max_pool = True

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            for name, layer in layers[0].items():
                self.add_module(name, layer)
        else:
            for i, layer in enumerate(layers):
                self.add_module(str(i), layer)

    def forward(self, x):
        layers = list(self._modules.values())
        i = 0
        while i < len(layers):
            if i + 1 < len(layers) and self.fuse_relu_max_pool and _relu_then_max_pool(layers[i], layers[i + 1]):
                pool = layers[i + 1]
                x = F.relu_max_pool2d(x, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode)
                i += 2
            else:
                x = layers[i](x)
                i += 1
        return x

    def compute_output_shape(self, input_shape) -> tuple:
        """Each layer's output shape from the previous one's, without running anything."""
        shape = tuple(input_shape)
        for layer in self._modules.values():
            shape = layer.compute_output_shape(shape)
        return shape

    def append(self, layer: Module) -> Sequential:
        self.add_module(str(len(self._modules)), layer)
        return self

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*layers[index])
        return layers[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


def _relu_then_max_pool(first: Module, second: Module) -> bool:
    """True for ReLU then MaxPool2d (exactly those classes, no hooks): they may run as one op."""
    return (type(first) is ReLU and type(second) is MaxPool2d and not second.return_indices
            and not first._forward_hooks and not second._forward_hooks)


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        layers = list(self._modules.values())
        return ModuleList(layers[index]) if isinstance(index, slice) else layers[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    def __init__(self, modules=None):
        super().__init__()
        for name, module in (modules or {}).items():
            self.add_module(name, module)

    def __getitem__(self, name: str) -> Module:
        return self._modules[name]

    def __setitem__(self, name: str, module: Module) -> None:
        self.add_module(name, module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()
