"""Containers: ``Sequential`` (layers applied in order), ``ModuleList``, ``ModuleDict``, ``ParameterList``,
``ParameterDict`` (PyTorch's methods: indexing, slicing, append, extend, insert, pop, ...)."""
from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Mapping

from .. import functional as F
from ..tensor import Tensor
from .activation import ReLU
from .module import Module, Parameter
from .pooling import MaxPool2d


def _index(container: Module, index) -> int:
    """``index`` (negative from the end) as a position in ``container``; IndexError outside, as PyTorch."""
    index = operator.index(index)
    size = len(container)
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of range")
    return index % size


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

    def extend(self, layers) -> Sequential:
        for layer in layers:
            self.append(layer)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert before position ``index`` (renumbering the layers after it), as PyTorch."""
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        index = index + n if index < 0 else index
        layers = list(self._modules.values())
        layers.insert(index, module)
        self._renumber(layers)
        return self

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def _renumber(self, layers) -> None:
        self._modules.clear()
        for i, layer in enumerate(layers):
            self._modules[str(i)] = layer

    def __getitem__(self, index):
        if isinstance(index, slice):  # the same names, as PyTorch
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_index(self, index)]

    def __setitem__(self, index, module: Module) -> None:
        key = list(self._modules)[_index(self, index)]
        setattr(self, key, module)

    def __delitem__(self, index) -> None:
        keys = list(self._modules)
        for key in keys[index] if isinstance(index, slice) else [keys[_index(self, index)]]:
            del self._modules[key]
        self._renumber(list(self._modules.values()))  # PyTorch keeps the numbering

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return self.extend(other)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


def _relu_then_max_pool(first: Module, second: Module) -> bool:
    """True for ReLU then MaxPool2d (exactly those classes, no hooks): they may run as one op."""
    return (type(first) is ReLU and type(second) is MaxPool2d and not second.return_indices
            and not first._forward_hooks and not second._forward_hooks
            and not first._forward_pre_hooks and not second._forward_pre_hooks)


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules) -> ModuleList:
        if isinstance(modules, (Module, Tensor)) or not hasattr(modules, "__iter__"):
            raise TypeError("ModuleList.extend should be called with an iterable, but got " + type(modules).__name__)
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert before ``index``, the modules after it renumbered, as PyTorch."""
        layers = list(self._modules.values())
        layers.insert(index, module)
        self._modules.clear()
        for i, layer in enumerate(layers):
            self.add_module(str(i), layer)

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return list(self._modules.values())[_index(self, index)]

    def __setitem__(self, index, module: Module) -> None:
        self.add_module(list(self._modules)[_index(self, index)], module)

    def __delitem__(self, index) -> None:
        keys = list(self._modules)
        for key in keys[index] if isinstance(index, slice) else [keys[_index(self, index)]]:
            del self._modules[key]
        layers = list(self._modules.values())
        self._modules.clear()
        for i, layer in enumerate(layers):
            self._modules[str(i)] = layer

    def __add__(self, other) -> ModuleList:
        return ModuleList([*self, *other])

    def __repr__(self) -> str:
        """PyTorch's: a run of modules that print alike is one entry, '(i-j): n x Module(...)'."""
        blocks = []  # [first, last, repr]
        for i, module in enumerate(self):
            text = repr(module)
            if blocks and blocks[-1][2] == text:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, text])
        if not blocks:
            return f"{type(self).__name__}()"
        lines = [(f"({first}): " if first == last else f"({first}-{last}): {last - first + 1} x ")
                 + text.replace("\n", "\n  ") for first, last, text in blocks]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def __iadd__(self, modules) -> ModuleList:
        return self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    """Named modules, registered (PyTorch's dict methods: update, pop, clear, keys, items, values, ``in``)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules) -> None:
        """Add from a mapping or from an iterable of (name, module) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for j, pair in enumerate(pairs):
            if isinstance(pair, (str, Module)) or len(pair) != 2:
                raise ValueError(f"ModuleDict update sequence element #{j} should be an iterable of length 2")
            self[pair[0]] = pair[1]

    def __getitem__(self, name: str) -> Module:
        return self._modules[name]

    def __setitem__(self, name: str, module: Module) -> None:
        self.add_module(name, module)

    def __delitem__(self, name: str) -> None:
        del self._modules[name]

    def __contains__(self, name) -> bool:
        return name in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def pop(self, name: str) -> Module:
        value = self[name]
        del self[name]
        return value

    def clear(self) -> None:
        self._modules.clear()

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()


def _as_parameter(value):
    """A Tensor that is not a Parameter becomes one (its data, learned), as PyTorch's parameter containers."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value.detach())
    return value


class ParameterList(Module):
    """A list of Parameters, registered as '0', '1', ... (a plain Tensor is wrapped as a Parameter)."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def _set(self, name: str, value) -> None:
        value = _as_parameter(value)
        if isinstance(value, Parameter) or value is None:
            self.register_parameter(name, value)
        else:
            object.__setattr__(self, name, value)
            self._others[name] = value

    @property
    def _others(self) -> dict:
        if "_other_values" not in self.__dict__:
            object.__setattr__(self, "_other_values", {})
        return self.__dict__["_other_values"]

    def _values(self) -> list:
        return [self._parameters[str(i)] if str(i) in self._parameters else self._others[str(i)]
                for i in range(len(self))]

    def __len__(self) -> int:
        return len(self._parameters) + len(self._others)

    def append(self, value) -> ParameterList:
        self._set(str(len(self)), value)
        return self

    def extend(self, values) -> ParameterList:
        if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self._values()[index])
        return self._values()[_index(self, index)]

    def __setitem__(self, index, value) -> None:
        self._set(str(_index(self, index)), value)

    def __iter__(self):
        return iter(self._values())

    def __iadd__(self, values) -> ParameterList:
        return self.extend(values)

    def extra_repr(self) -> str:
        """PyTorch's: one '  (i): Parameter containing: [dtype of size AxB]' line per entry."""
        lines = []
        for i, p in enumerate(self._values()):
            if isinstance(p, Tensor):
                size = "x".join(str(n) for n in p.shape)
                lines.append(f"  ({i}): Parameter containing: [{p.dtype} of size {size}]")
            else:
                lines.append(f"  ({i}): Object of type: {type(p).__name__}")
        return "\n".join(lines)


class ParameterDict(Module):
    """Named Parameters, registered (a plain Tensor is wrapped as a Parameter); PyTorch's dict methods."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def update(self, parameters) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for j, pair in enumerate(pairs):
            if isinstance(pair, (str, Tensor)) or len(pair) != 2:
                raise ValueError(f"ParameterDict update sequence element #{j} should be an iterable of length 2")
            self[pair[0]] = pair[1]

    def __getitem__(self, key: str):
        return self._parameters[key]

    def __setitem__(self, key: str, value) -> None:
        value = _as_parameter(value)
        if value is not None and not isinstance(value, Parameter):
            raise TypeError(f"ParameterDict: value for {key!r} must be a Tensor or Parameter, "
                            f"got {type(value).__name__}")
        self.register_parameter(key, value)

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __contains__(self, key) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def keys(self):
        return self._parameters.keys()

    def items(self):
        return self._parameters.items()

    def values(self):
        return self._parameters.values()

    def get(self, key: str, default=None):
        return self._parameters.get(key, default)

    def pop(self, key: str):
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._parameters.clear()

    def setdefault(self, key: str, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): Parameter containing: [{p.dtype} of size {'x'.join(str(n) for n in p.shape)}]"
                         for k, p in self._parameters.items() if p is not None)


class DataParallel(Module):
    """PyTorch's multi-device wrapper; with one device it calls ``module`` (state_dict keys under 'module.', as
    PyTorch's, so checkpoints saved from a DataParallel model load here)."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids, self.output_device, self.dim = list(device_ids or []), output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
