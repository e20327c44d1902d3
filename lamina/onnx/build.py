"""``export``'s steps: trace (twice with dynamic axes), convert every node that depends on the inputs, declare
the inputs and outputs, check the model with ``onnx.checker``, write it."""
from __future__ import annotations

import onnx

from ..backend import xp
from ..errors import ArgumentError
from ..io import atomic_write
from ..tensor import Tensor
from . import converters, layers, recurrent  # noqa: F401 - they register their converters
from .errors import ExportError
from .graph import CONVERTERS, Graph, value_info
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
    g.dimension_sources = {(t.shape[axis], trace.grown[t][axis]): (name, axis)
                           for name, t in zip(input_names, trace.inputs) if t in trace.grown
                           for axis in _named(dynamic.get(name, {}), t)}
    _convert(g, trace, input_names)
    dims = {sizes: _named(dynamic[name], trace.inputs[input_names.index(name)])[axis]
            for sizes, (name, axis) in g.dimension_sources.items()}
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
        if any(dynamic.get(name) for name in input_names):
            mark_dynamic(trace, _second_run(model, inputs, input_names, dynamic))
    finally:
        if training is not None:
            model.train(training)
    return trace


def _second_run(model, inputs, input_names, dynamic):
    """The model run on inputs whose dynamic axes are one longer, or else twice as long. Dynamic axes of one size
    first grow by different amounts (+1, +2, ...; x2, x4, ...), so that each output axis is traced to its own
    input axis, then (when the model needs them equal: one batch size for two inputs) by the same amount."""
    failures = []
    for longer, distinct in ((lambda n, k: n + k + 1, True), (lambda n, k: n + 1, False),
                             (lambda n, k: n * 2 ** (k + 1), True), (lambda n, k: 2 * n, False)):
        seen, grown = {}, []
        for name, tensor in zip(input_names, inputs):
            lengths = {}
            for axis in _named(dynamic.get(name, {}), tensor):
                n = tensor.shape[axis]
                seen[n] = seen.get(n, -1) + 1 if distinct else 0
                lengths[axis] = longer(n, seen[n])
            grown.append(_grown(tensor, lengths))
        shapes = [tuple(t.shape) for t in grown]
        if any(shapes == tried for tried, _ in failures):
            continue
        try:
            return run(model, tuple(grown))
        except (ArgumentError, ValueError, IndexError, TypeError) as error:
            failures.append((shapes, error))
    raise ArgumentError("onnx.export: the model does not run with other sizes of the dynamic axes, so they cannot "
                        "be dynamic (" + "; ".join(f"shapes {s}: {e}" for s, e in failures) + ")")


def _grown(tensor, lengths: dict):
    """``tensor`` with each axis in ``lengths`` made that long (its values repeated cyclically), or itself."""
    if not lengths:
        return tensor
    data = tensor.data
    for axis, length in lengths.items():
        data = xp.take(data, xp.arange(length) % data.shape[axis], axis=axis)
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
    """{axis: dimension name} with the axes made non-negative (checked against the tensor's rank)."""
    for axis in axes:
        if not -tensor.ndim <= axis < tensor.ndim:
            raise ArgumentError(f"onnx.export: dynamic axis {axis} is out of range for a tensor of shape "
                                f"{tuple(tensor.shape)}")
    return {axis % tensor.ndim: name for axis, name in axes.items()}


def _output_dims(trace, tensor, dims, declared, name) -> dict:
    """The dimension names of an output: those given, else the input's for the axes that follow one."""
    named = _named(declared, tensor)
    grown = trace.grown.get(tensor)
    for axis in trace.dynamic_axes(tensor):
        named.setdefault(axis, dims.get((tensor.shape[axis], grown[axis]), f"{name}_dim_{axis}"))
    return named
