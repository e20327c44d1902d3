"""``export``'s steps: trace (twice with dynamic axes), convert every node that depends on the inputs, declare
the inputs and outputs, check the model with ``onnx.checker``, write it."""
from __future__ import annotations

import onnx

from ..backend import xp
from ..errors import ArgumentError
from ..io import atomic_write
from ..tensor import Tensor
from . import converters, layers, recurrent  # noqa: F401 - they register their converters
from .graph import CONVERTERS, ExportError, Graph, value_info
from .trace import as_inputs, mark_dynamic, run


def export_model(model, args, opset, input_names, output_names, dynamic_axes, doc: str):
    inputs = as_inputs(args)
    input_names = _names("input_names", input_names, len(inputs), "input")
    dynamic = _dynamic_axes(dynamic_axes)
    trace = _traced(model, inputs, input_names, dynamic)
    output_names = _names("output_names", output_names, len(trace.outputs), "output")
    unknown = sorted(set(dynamic) - set(input_names) - set(output_names))
    if unknown:
        raise ArgumentError(f"onnx.export: dynamic_axes names {unknown}, which are not among the input names "
                            f"{input_names} or the output names {output_names}")
    if set(input_names) & set(output_names):
        raise ArgumentError(f"onnx.export: an input and an output cannot share a name ({input_names}, {output_names})")
    g = Graph(trace, opset, _state_names(model))
    g.reserve(input_names + output_names)
    g.dimension_sources = {(t.shape[axis], t.shape[axis] + 1): (name, axis)
                           for name, t in zip(input_names, trace.inputs)
                           for axis in _named(dynamic.get(name, {}), t)}
    _convert(g, trace, input_names)
    dims = _dimension_names(trace, input_names, dynamic)
    outputs = []
    for name, tensor in zip(output_names, trace.outputs):
        g.emit("Identity", [g.value(tensor)], name=name)
        axes = _output_dims(trace, tensor, dims, dynamic.get(name, {}), name)
        outputs.append(value_info(name, tensor, axes))
    graph_inputs = [value_info(name, t, _named(dynamic.get(name, {}), t))
                    for name, t in zip(input_names, trace.inputs)]
    proto = g.make_model(graph_inputs, outputs, doc)
    onnx.checker.check_model(proto)
    return proto


def write(proto, f) -> None:
    data = proto.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
        return
    with atomic_write(f) as handle:
        handle.write(data)


# ---- tracing ----------------------------------------------------------------------------------------------------
def _traced(model, inputs, input_names, dynamic):
    training = getattr(model, "training", None)
    if training is not None:
        model.eval()
    try:
        trace = run(model, inputs)
        grown = [_grown(t, dynamic.get(name, {})) for name, t in zip(input_names, inputs)]
        if any(t is not x for t, x in zip(grown, inputs)):
            mark_dynamic(trace, run(model, tuple(grown)))
    finally:
        if training is not None:
            model.train(training)
    return trace


def _grown(tensor, axes: dict):
    """``tensor`` one longer along each of ``axes`` (its first slice repeated at the end), or itself."""
    if not axes:
        return tensor
    data = tensor.data
    for axis in axes:
        if not -data.ndim <= axis < data.ndim:
            raise ArgumentError(f"onnx.export: dynamic axis {axis} is out of range for an input of shape "
                                f"{tuple(tensor.shape)}")
        data = xp.concatenate([data, xp.take(data, [0], axis=axis)], axis=axis)
    grown = Tensor(data)
    if data.dtype.kind == "f":
        grown.requires_grad_()
    return grown


# ---- conversion -------------------------------------------------------------------------------------------------
def _convert(g, trace, input_names):
    inputs = {t: name for t, name in zip(trace.inputs, input_names)}
    for tensor in trace.tensors:
        fn = tensor._ctx
        if tensor in inputs:
            g.depends.add(tensor)
            g.alias(tensor, inputs[tensor])
        elif fn is not None and any(t in g.depends for t in fn.inputs):
            g.depends.add(tensor)
            convert = CONVERTERS.get(fn.name)
            if convert is None:
                raise ExportError(f"onnx.export: the op {fn.name} ({type(fn).__name__}) in {g.describe(fn)} has "
                                  "no ONNX converter (lamina/onnx/ lists the supported ops)")
            g.path, g.current = g.layer(fn)[0], fn
            convert(g, tensor, fn)


def _state_names(model) -> dict:
    names = {}
    for getter in ("named_parameters", "named_buffers"):
        for name, tensor in (getattr(model, getter)() if hasattr(model, getter) else ()):
            names.setdefault(tensor, name)
    return names


# ---- names ------------------------------------------------------------------------------------------------------
def _names(what, names, count, default):
    if names is None:
        return [default] if count == 1 else [f"{default}_{i}" for i in range(count)]
    names = list(names)
    if len(names) != count or len(set(names)) != count or not all(isinstance(n, str) and n for n in names):
        raise ArgumentError(f"onnx.export: {what} must be {count} distinct non-empty strings, got {names!r}")
    return names


def _dynamic_axes(dynamic_axes) -> dict:
    """{name: {axis: dimension name}} from torch's {name: {axis: name}} or {name: [axes]}."""
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"onnx.export: dynamic_axes must be a dict, got {type(dynamic_axes).__name__}")
    result = {}
    for name, axes in dynamic_axes.items():
        if isinstance(axes, dict):
            result[name] = {int(axis): str(dim) for axis, dim in axes.items()}
        elif isinstance(axes, (list, tuple)):
            result[name] = {int(axis): f"{name}_dynamic_axes_{i + 1}" for i, axis in enumerate(axes)}
        else:
            raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must be a dict or a list of axes, got {axes!r}")
    return result


def _named(axes: dict, tensor) -> dict:
    return {axis % tensor.ndim: name for axis, name in axes.items()}


def _dimension_names(trace, input_names, dynamic) -> dict:
    """(size, size in the second run) -> the dimension name of the input axis that has those sizes."""
    dims = {}
    for name, tensor in zip(input_names, trace.inputs):
        for axis, dim in _named(dynamic.get(name, {}), tensor).items():
            dims.setdefault((tensor.shape[axis], tensor.shape[axis] + 1), dim)
    return dims


def _output_dims(trace, tensor, dims, declared, name) -> dict:
    """The dimension names of an output: those given, else the input's for the axes that follow one."""
    named = _named(declared, tensor)
    grown = trace.grown.get(tensor)
    for axis in trace.dynamic_axes(tensor):
        named.setdefault(axis, dims.get((tensor.shape[axis], grown[axis]), f"{name}_dim_{axis}"))
    return named
