"""``Module``: the base of every layer and model, and ``Parameter``: a tensor a module learns.

As in PyTorch: assigning a Parameter, a Module or a buffer to an attribute registers it, so
``parameters()`` yields them in definition order, ``state_dict()`` names them, and
``train()`` / ``eval()`` switch every sub-module. A registered name keeps its kind: assigning a plain
Tensor where a Parameter is registered is a ``TypeError`` (it would silently stop being learned).

Every layer also knows its output shape (``compute_output_shape``, as Keras) and its cost
(``flops``), which ``summary()`` asks of each layer.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from contextlib import contextmanager

from ..autograd import no_grad
from ..backend import DEFAULT_FLOAT, as_dtype, xp
from ..tensor import Tensor
from .summary import summary as _summary
from ..errors import ArgumentError


class Parameter(Tensor):
    """A tensor that a Module owns and an optimiser updates (``requires_grad=True`` by default)."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        super().__init__(xp.zeros(0, dtype=DEFAULT_FLOAT) if data is None else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class: subclasses set their parameters and sub-modules in ``__init__`` and define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    # ---- registration --------------------------------------------------------------------------
    def __setattr__(self, name, value):
        """Register Parameters, Modules and buffers by assignment; a registered name keeps its kind
        (PyTorch's rules and messages)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        parameters, modules, buffers = self._parameters, self._modules, self._buffers
        if isinstance(value, Parameter):
            self._forget(name, self.__dict__, buffers, modules)
            parameters[name] = value
        elif name in parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            parameters[name] = None
        elif isinstance(value, Module):
            self._forget(name, self.__dict__, parameters, buffers)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as child module '{name}' "
                                "(nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                                "(Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, *tables) -> None:
        for table in tables:
            table.pop(name, None)
        self._non_persistent.discard(name)

    def __getattr__(self, name):
        for table in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(table)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared but absent parameter such as a disabled bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                            "(nn.Parameter or None required)")
        self._forget(name, self.__dict__, self._buffers, self._modules)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not learned (e.g. BatchNorm's running mean); saved in state_dict
        unless ``persistent=False``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' (Tensor or None required)")
        self._forget(name, self.__dict__, self._parameters, self._modules)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        self._forget(name, self.__dict__, self._parameters, self._buffers)
        self._modules[name] = module

    register_module = add_module

    # ---- traversal -----------------------------------------------------------------------------
    def named_modules(self, prefix: str = "", memo=None):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, table: str, prefix: str, recurse: bool):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        """(name, parameter) pairs in definition order; a shared parameter appears once."""
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    # ---- modes and gradients -------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    @contextmanager
    def evaluating(self):
        """Eval mode and no graph inside (``with model.evaluating(): y = model(x)``), for inference,
        shapes and summaries; every sub-module's own training flag is restored after."""
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        try:
            with no_grad():
                yield self
        finally:
            for m, mode in modes:
                object.__setattr__(m, "training", mode)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def apply(self, fn) -> Module:
        """Call ``fn`` on every sub-module (children first) and on self, e.g. for custom init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, dtype) -> Module:
        """Cast floating-point parameters and buffers to ``dtype`` (in place)."""
        dtype = as_dtype(dtype)
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f":
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = None
        return self

    def float(self) -> Module:
        return self.to(xp.float32)

    def double(self) -> Module:
        return self.to(xp.float64)

    # ---- calling -------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        output = self.forward(*args, **kwargs)
        for hook in self._forward_hooks.values():
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` runs after every forward; returns a handle with ``remove()``."""
        key = object()
        self._forward_hooks[key] = hook
        return _HookHandle(self._forward_hooks, key)

    # ---- state ---------------------------------------------------------------------------------
    def state_dict(self, prefix: str = "") -> OrderedDict:
        """Name -> tensor (detached, sharing memory) for every parameter and persistent buffer."""
        state = OrderedDict()
        for module_prefix, module in self.named_modules(prefix):
            for table in (module._parameters, module._buffers):
                for name, value in table.items():
                    if value is None or name in module._non_persistent:
                        continue
                    state[f"{module_prefix}.{name}" if module_prefix else name] = value.detach()
        return state

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values into this module's parameters and buffers, checking names and shapes.

        With ``strict=True`` any missing or unexpected key is an error; a shape mismatch always is.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            array = value.data if isinstance(value, Tensor) else xp.asarray(value)
            if array.shape != target.shape:
                raise ArgumentError(f"load_state_dict for {type(self).__name__}: '{name}' has shape {array.shape} "
                                 f"in the checkpoint, the model expects {target.shape}")
            with no_grad():
                target.data[...] = array
        return missing, unexpected

    def summary(self, input_shape, **kwargs):
        """Keras-style table of layers, output shapes and parameter counts (see ``lamina.nn.summary``)."""
        return _summary(self, input_shape, **kwargs)

    # ---- shapes and cost -----------------------------------------------------------------------
    def compute_output_shape(self, input_shape) -> tuple:
        """The shape of the output for an input of ``input_shape`` (batch included), as Keras'
        ``compute_output_shape``. This default runs the module once on zeros (eval mode, no graph);
        layers whose output shape follows a formula override it, and ``Sequential`` chains them."""
        with self.evaluating():
            output = self(Tensor._wrap(xp.zeros(tuple(input_shape), dtype=self._float_dtype())))
        return tuple(output.shape)

    def flops(self, input_shape, output_shape) -> int:
        """Floating-point operations of one call on an input of ``input_shape`` giving ``output_shape``
        (a multiply-add counts 2). This default counts one per output element, which is right for
        elementwise layers; layers that do more (Linear, convolutions, pooling) or nothing (reshapes,
        dropout in eval mode) override it."""
        return count(output_shape)

    def _float_dtype(self):
        """The dtype of the first floating-point parameter (float32 when there is none)."""
        for p in self.parameters():
            if p.dtype.kind == "f":
                return p.dtype
        return DEFAULT_FLOAT

    # ---- printing ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))


class _HookHandle:
    def __init__(self, table, key):
        self.table, self.key = table, key

    def remove(self) -> None:
        self.table.pop(self.key, None)


def _type_name(value) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def count(shape) -> int:
    """Elements in a tensor of ``shape``, or in all of a list of shapes (0 for None)."""
    if shape is None:
        return 0
    if isinstance(shape, list):
        return sum(count(s) for s in shape)
    return math.prod(shape)
