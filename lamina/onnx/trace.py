"""Tracing for the ONNX exporter: one forward pass records the graph, and hooks say which layer made each node.

The model runs once in eval mode under ``enable_grad`` on inputs that require gradients, so every op that depends
on them leaves its ``Function`` node in ``output._ctx``. Forward pre-hooks and hooks on every sub-module mark
the nodes each layer made: before a layer runs, the unmarked nodes behind its inputs belong to its caller;
after it, the unmarked nodes behind its output are its own (the innermost layer marks first).

With dynamic axes the model runs a second time with those axes longer (one longer, or twice as long when the
model refuses that: pooling and upsampling want even sizes); the axes whose size changes between the two runs
are the dynamic axes of each tensor (``Trace.dynamic``), which the converters need for shapes.
"""
from __future__ import annotations

from ..autograd import enable_grad
from ..backend import xp
from ..errors import ArgumentError
from ..tensor import Tensor
from .errors import ExportError


class Trace:
    """One recorded run: ``inputs``, ``outputs`` (flat lists of tensors), ``tensors`` (every tensor of the graph
    behind the outputs, each after its inputs), ``layer_of`` (Function -> (module path, module))."""

    def __init__(self, inputs, outputs, tensors, layer_of):
        self.inputs, self.outputs, self.tensors, self.layer_of = inputs, outputs, tensors, layer_of
        self.dynamic = {}  # tensor -> frozenset of axes whose size follows the dynamic input axes
        self.grown = {}    # tensor -> its shape in the second run (dynamic tensors only)
        self.twin = {}     # tensor -> the same tensor in the second run

    def dynamic_axes(self, tensor) -> frozenset:
        return self.dynamic.get(tensor, frozenset())


def flatten(value) -> list:
    """The tensors of a model's output: a tensor, or (nested) tuples, lists and dicts of them."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in flatten(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in flatten(item)]
    return []


def as_inputs(args) -> tuple:
    """``args`` (a tensor, an array, or a tuple of them) as fresh leaf tensors that require grad (so that every op
    on them is recorded): floating point only, since ops on integers (embedding lookups) record no node."""
    args = args if isinstance(args, tuple) else (args,)
    inputs = []
    for i, arg in enumerate(args):
        data = arg.data if isinstance(arg, Tensor) else xp.asarray(arg)
        if data.dtype.kind != "f":
            raise ExportError(f"onnx.export: input {i} has dtype {data.dtype}: only floating-point inputs can be "
                              "traced (an op on integers, such as an embedding lookup, records no graph node)")
        inputs.append(Tensor(data.copy(), requires_grad=True))
    return tuple(inputs)


def run(model, inputs) -> Trace:
    """Run ``model(*inputs)`` recording the graph and the layer of every node."""
    layer_of, stack, handles = {}, [], []
    modules = dict(model.named_modules()) if hasattr(model, "named_modules") else {}

    def mark(values, owner):
        pending = [t for t in flatten(values)]
        while pending:
            fn = pending.pop()._ctx
            if fn is not None and fn not in layer_of:
                layer_of[fn] = owner
                pending.extend(fn.inputs)

    def before(module, args):
        mark(args, stack[-1] if stack else ("", model))
        stack.append((paths[id(module)], module))

    def after(module, args, output):
        mark(output, stack.pop())

    paths = {id(m): name for name, m in modules.items()}
    for module in modules.values():
        handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]
    try:
        with enable_grad():
            output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    outputs = flatten(output)
    if not outputs:
        raise ArgumentError(f"onnx.export: the model returned no tensor (got {type(output).__name__})")
    mark(outputs, ("", model))
    return Trace(list(inputs), outputs, _ordered(outputs), layer_of)


def _ordered(outputs) -> list:
    """Every tensor behind ``outputs`` (leaves included), each after the inputs of its node, in a fixed order."""
    order, seen = [], set()
    for root in outputs:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root._ctx.inputs if root._ctx is not None else ()))]
        while stack:
            tensor, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, iter(parent._ctx.inputs if parent._ctx is not None else ())))
                    break
            else:
                stack.pop()
                order.append(tensor)
    return order


def mark_dynamic(first: Trace, second: Trace) -> None:
    """Record in ``first`` the axes of each tensor whose size differs in ``second`` (the same model run on inputs
    with longer dynamic axes); the two graphs must have the same nodes."""
    if len(first.tensors) != len(second.tensors) or len(first.outputs) != len(second.outputs):
        raise ArgumentError("onnx.export: the model's graph changes with the size of the dynamic axes "
                            f"({len(first.tensors)} tensors, then {len(second.tensors)}): it cannot be exported "
                            "with these dynamic_axes")
    for a, b in zip(first.tensors, second.tensors):
        if type(a._ctx) is not type(b._ctx) or a.ndim != b.ndim:
            name = a._ctx.name if a._ctx is not None else "a constant"
            raise ArgumentError(f"onnx.export: the model's graph changes with the size of the dynamic axes (at "
                                f"{name}, shape {tuple(a.shape)} then {tuple(b.shape)})")
        first.twin[a] = b
        axes = frozenset(i for i, (m, n) in enumerate(zip(a.shape, b.shape)) if m != n)
        if axes:
            first.dynamic[a] = axes
            first.grown[a] = tuple(b.shape)
