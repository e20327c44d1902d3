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
from collections import OrderedDict, namedtuple
from contextlib import contextmanager

from ..autograd import no_grad
from ..backend import DEFAULT_FLOAT, as_dtype, xp
from ..device import as_device, device
from ..tensor import Tensor
from .summary import summary as _summary
from ..errors import ArgumentError, DtypeError


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
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

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
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                            "(nn.Parameter or None required)")
        self._forget(name, self.__dict__, self._buffers, self._modules)
        self._parameters[name] = param

    def _check_new_name(self, kind: str, name: str, table: dict) -> None:
        """PyTorch's checks on a name to register: a str, no '.', not empty, not another attribute."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in table:
            raise KeyError(f"attribute '{name}' already exists")

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not learned (e.g. BatchNorm's running mean); saved in state_dict
        unless ``persistent=False``."""
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' (Tensor or None required)")
        self._forget(name, self.__dict__, self._parameters, self._modules)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        self._forget(name, self.__dict__, self._parameters, self._buffers)
        self._modules[name] = module

    register_module = add_module

    # ---- traversal -----------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(qualified name, module) for self and every sub-module, depth first; a shared module appears once
        unless ``remove_duplicate=False`` (PyTorch's signature and order)."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def get_submodule(self, target: str) -> Module:
        """The sub-module at the dotted path ``target`` ('' is self), as PyTorch."""
        module = self
        for item in target.split(".") if target else []:
            if not hasattr(module, item):
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def get_parameter(self, target: str):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in module._parameters:
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return module._parameters[name]

    def get_buffer(self, target: str):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, table: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """(name, parameter) pairs in definition order; a shared parameter appears once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    # ---- modes and gradients -------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
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

    def to(self, *args, **kwargs) -> Module:
        """PyTorch's ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` and keywords
        (``device=``, ``dtype=``, ``non_blocking=``, ``memory_format=``): floating-point parameters and buffers
        (and their gradients) are cast to ``dtype`` in place; the device is checked (the CPU is accepted, an
        absent device raises DeviceError). A non-floating dtype is a TypeError, as PyTorch."""
        dtype = kwargs.pop("dtype", None)
        if kwargs.get("device") is not None:
            as_device(kwargs["device"], f"{type(self).__name__}.to")
        for accepted in ("device", "non_blocking", "memory_format", "copy"):
            kwargs.pop(accepted, None)
        if kwargs:
            raise TypeError(f"to() received an invalid combination of arguments: unexpected {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, (str, device)) or type(arg).__name__ == "device" or \
                    (isinstance(arg, int) and not isinstance(arg, bool)):
                as_device(arg, f"{type(self).__name__}.to")
            elif not (arg is None or isinstance(arg, bool)):
                dtype = arg
        if dtype is not None:
            dtype = as_dtype(dtype)
            if dtype.kind not in "fc":
                raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                                f"dtype={dtype}")
            self._cast_floating(dtype)
        return self

    def _cast_floating(self, dtype) -> None:
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f" and t.dtype != dtype:
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad.data = t.grad.data.astype(dtype)

    def float(self) -> Module:
        return self.to(xp.float32)

    def double(self) -> Module:
        return self.to(xp.float64)

    def half(self) -> Module:
        return self.to(xp.float16)

    def type(self, dst_type) -> Module:
        """Cast every parameter and buffer to ``dst_type`` (PyTorch's Module.type)."""
        dst_type = as_dtype(dst_type)
        for t in list(self.parameters()) + list(self.buffers()):
            t.data = t.data.astype(dst_type)
        return self

    def cpu(self) -> Module:
        """Self: the arrays already live on the backend's device."""
        return self

    def cuda(self, device=None) -> Module:
        """The module on a CUDA GPU: DeviceError while there is none (or no CuPy backend), saying which."""
        as_device("cuda" if device is None else device, f"{type(self).__name__}.cuda")
        return self

    # ---- calling -------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        for hook in self.__dict__.get("_forward_pre_hooks", {}).values():
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        try:
            output = self.forward(*args, **kwargs)
        except (ArgumentError, DtypeError) as error:
            _name_the_layer(error, self)
            raise
        for hook in self._forward_hooks.values():
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook):
        """``hook(module, inputs)`` runs before every forward and may return new inputs (a tuple, or one value);
        returns a handle with ``remove()``."""
        key = object()
        self._forward_pre_hooks[key] = hook
        return _HookHandle(self._forward_pre_hooks, key)

    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` runs after every forward; returns a handle with ``remove()``."""
        key = object()
        self._forward_hooks[key] = hook
        return _HookHandle(self._forward_hooks, key)

    # ---- state ---------------------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Name -> tensor (detached, sharing memory; the Parameters themselves with ``keep_vars``) for every
        parameter and persistent buffer, each name after ``prefix``; added to ``destination`` when given."""
        if args and isinstance(args[0], str):  # Lamina's state_dict(prefix)
            prefix = args[0]
        elif args:  # PyTorch's deprecated positional (destination, prefix, keep_vars)
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args):])[:3]
        state = OrderedDict() if destination is None else destination
        for module_prefix, module in self.named_modules():
            for table in (module._parameters, module._buffers):
                for name, value in table.items():
                    if value is None or name in module._non_persistent:
                        continue
                    key = prefix + (f"{module_prefix}.{name}" if module_prefix else name)
                    state[key] = value if keep_vars else value.detach()
        return state

    def _upgrade_state_dict(self, state_dict: dict, prefix: str) -> None:
        """A hook for layers that fill keys older checkpoints lack (BatchNorm's num_batches_tracked)."""

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values (Tensors, NumPy arrays, PyTorch tensors) into this module's parameters and buffers, each
        keeping its dtype. With ``strict=True`` a missing or unexpected key is a RuntimeError (``ArgumentError``);
        a shape mismatch always is, all listed in one message as PyTorch's. Returns PyTorch's named tuple
        ``IncompatibleKeys(missing_keys, unexpected_keys)``."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        state_dict = OrderedDict(state_dict)
        for module_prefix, module in self.named_modules():
            module._upgrade_state_dict(state_dict, f"{module_prefix}." if module_prefix else "")
        own = Module.state_dict(self, keep_vars=True)  # (a subclass's state_dict may take fewer arguments)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict:
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        arrays = {}
        for name, target in own.items():
            if name in state_dict:
                array = _host_array(state_dict[name])
                if array.shape != target.shape:
                    errors.append(f"size mismatch for {name}: copying a param with shape {tuple(array.shape)} from "
                                  f"checkpoint, the shape in current model is {tuple(target.shape)}.")
                arrays[name] = array
        if errors:
            raise ArgumentError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for name, array in arrays.items():
                own[name].data[...] = array
        return IncompatibleKeys(missing, unexpected)

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

    def macs(self, input_shape, output_shape) -> int:
        """Multiply-adds of one call, as torchvision counts them (``summary(..., flops="macs")``): those of
        convolutions and Linear layers, which override this; 0 for every other layer."""
        return 0

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
        """PyTorch's layout: ``Name(extra)`` for a leaf with a one-line extra_repr, else one line per extra line
        and per child, indented by two."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        if not extra_lines and not child_lines:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n  " + "\n  ".join(extra_lines + child_lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns, as PyTorch's: unpacks as (missing_keys, unexpected_keys)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _host_array(value):
    """A checkpoint value as an array: a Tensor's data, a PyTorch tensor (detached, on the CPU), or array-like."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        return xp.asarray(value.detach().cpu().numpy())
    return xp.asarray(value)


class _HookHandle:
    def __init__(self, table, key):
        self.table, self.key = table, key

    def remove(self) -> None:
        self.table.pop(self.key, None)


def _name_the_layer(error: Exception, layer: Module) -> None:
    """Prefix a bad-input error from inside ``layer``'s forward with the innermost layer's name ('MaxPool2d:
    max_pool2d: expected ...'), once, unless the message names it already; the type and traceback stay."""
    if getattr(error, "_layer_named", False):
        return
    error._layer_named = True
    name = type(layer).__name__
    if error.args and isinstance(error.args[0], str) and not error.args[0].startswith(name):
        error.args = (f"{name}: {error.args[0]}",) + error.args[1:]


def _type_name(value) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def count(shape) -> int:
    """Elements in a tensor of ``shape``, or in all of a list of shapes (0 for None)."""
    if shape is None:
        return 0
    if isinstance(shape, list):
        return sum(count(s) for s in shape)
    return math.prod(shape)
