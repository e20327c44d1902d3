"""The ONNX graph under construction: names for tensors, initializers, nodes, and the converter registry.

A converter is ``convert(g, out, fn)``: it reads the inputs of the Function ``fn`` (``g.value(tensor)`` gives
the ONNX name of one, emitting it first when it is a constant), its stored attributes, and the output tensor
``out`` (whose shape and dtype are known from the trace), and adds nodes with ``g.emit``. Converters are
registered by the op's name (``Function.name``) with ``@converter("relu")``.
"""
from __future__ import annotations

import numpy as np  # host-side: ONNX initializers are NumPy arrays
import onnx
from onnx import helper, numpy_helper

from ..backend import to_numpy
from .errors import ExportError

CONVERTERS: dict = {}


def converter(*names):
    """Register the decorated function as the converter of the ops ``names``."""
    def register(fn):
        for name in names:
            CONVERTERS[name] = fn
        return fn
    return register


def onnx_dtype(dtype) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class Graph:
    """Nodes, initializers and the names of the traced tensors, for one export at ``opset``."""

    def __init__(self, trace, opset: int, param_names: dict):
        self.trace, self.opset, self.param_names = trace, opset, param_names
        self.nodes, self.initializers = [], []
        self.names = {}          # tensor -> ONNX value name
        self.lazy = {}           # tensor -> function that emits the tensor's value when it is first needed
        self.flat_views = {}     # tensor -> (name, shape): the tensor is that value flattened (see recurrent.py)
        self.flat_parts = {}     # tensor -> [(start, stop, name, shape)]: a flat tensor made of flattened values
        self.depends = set()     # tensors that depend on the graph inputs (the others are constants)
        self.path = ""           # the module path of the node being converted (it names the ONNX nodes)
        self.current = None      # the Function being converted (for error messages)
        self.dimension_sources = {}  # (size, size in the second trace) -> (input name, axis) of a dynamic axis
        self._used = set()
        self._count = 0

    # ---- names --------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        """A new value name from ``hint``."""
        hint = hint or "value"
        name = hint
        while name in self._used:
            self._count += 1
            name = f"{hint}_{self._count}"
        self._used.add(name)
        return name

    def reserve(self, names) -> None:
        """Keep ``names`` (the graph's inputs and outputs) out of the generated names."""
        self._used.update(names)

    def layer(self, fn) -> tuple:
        """(module path, module) of the layer that made the node ``fn`` ("" for the model itself)."""
        return self.trace.layer_of.get(fn, ("", None))

    def describe(self, fn) -> str:
        """'layer "features.3" (MaxUnpool2d)' for error messages."""
        path, module = self.layer(fn)
        kind = type(module).__name__ if module is not None else "?"
        return f'layer "{path}" ({kind})' if path else f"the model's own forward ({kind})"

    def error(self, fn, message: str) -> ExportError:
        return ExportError(f"onnx.export: {fn.name} in {self.describe(fn)}: {message}")

    # ---- values -------------------------------------------------------------------------------
    def value(self, tensor, dtype=None) -> str:
        """The ONNX name of ``tensor`` (a constant becomes an initializer), cast to ``dtype`` when given."""
        name = self.names.get(tensor)
        if name is None:
            if tensor in self.lazy:
                self.lazy.pop(tensor)()
                name = self.names[tensor]
            elif tensor in self.flat_parts:
                name = self._concat_parts(tensor)
            else:
                name = self.constant(tensor, self.param_names.get(tensor))
                self.names[tensor] = name
        if dtype is not None and np.dtype(dtype) != tensor.dtype:
            return self.emit("Cast", [name], hint=f"{name}_cast", to=onnx_dtype(dtype))
        return name

    def constant(self, tensor, name=None) -> str:
        """An initializer holding ``tensor``'s data (named after its parameter when it is one); a constant whose
        shape follows the dynamic axes (``zeros(x.shape[0], n)``) is ConstantOfShape of the input's sizes."""
        if tensor in self.trace.dynamic:
            return self._sized_constant(tensor)
        if not self.same_in_twin(tensor):
            raise self._constant_error(tensor, "has other values when the dynamic axes have other sizes (a number "
                                               "computed from the input's shape, or random numbers?)")
        return self.array(to_numpy(tensor.data), name or "constant")

    def same_in_twin(self, tensor) -> bool:
        """Whether a constant has the same values in the second trace (always, without dynamic axes)."""
        twin = self.trace.twin.get(tensor)
        if twin is None or twin is tensor:
            return True
        a, b = np.asarray(to_numpy(tensor.data)), np.asarray(to_numpy(twin.data))
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")

    def _constant_error(self, tensor, problem: str) -> ExportError:
        fn = self.current
        where = f" used by {fn.name} in {self.describe(fn)}" if fn is not None else ""
        return ExportError(f"onnx.export: a constant of shape {tuple(tensor.shape)}{where} {problem}: it cannot be "
                           "exported with these dynamic_axes")

    def _sized_constant(self, tensor) -> str:
        data = np.asarray(to_numpy(tensor.data))
        grown = self.trace.grown[tensor]
        sources = [self.dimension_sources.get((n, m)) for n, m in zip(tensor.shape, grown)]
        twin = np.asarray(to_numpy(self.trace.twin[tensor].data))
        if not data.size or not (data == data.flat[0]).all() or not (twin == data.flat[0]).all() or any(
                s is None for s, axis in zip(sources, range(tensor.ndim)) if axis in self.trace.dynamic[tensor]):
            raise self._constant_error(tensor, f"changes with the dynamic axes {sorted(self.trace.dynamic[tensor])} "
                                               "and is not one value repeated (random numbers?)")
        pieces = []
        for axis, n in enumerate(tensor.shape):
            if axis in self.trace.dynamic[tensor]:
                input_name, input_axis = sources[axis]
                shape = self.emit("Shape", [input_name], hint=f"{input_name}_shape")
                pieces.append(self.emit("Gather", [shape, self.ints([input_axis], "axis")], hint="size", axis=0))
            else:
                pieces.append(self.ints([n], "size"))
        value = numpy_helper.from_array(data.reshape(-1)[:1].copy(), "value")
        return self.emit("ConstantOfShape", [self.emit("Concat", pieces, hint="shape", axis=0)], hint="filled",
                         value=value)

    def array(self, array, hint: str) -> str:
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.array(array, order="C"), name))
        return name

    def ints(self, values, hint: str = "ints") -> str:
        """A 1-D int64 initializer (shapes, axes, pads)."""
        return self.array(np.asarray(list(values), dtype=np.int64).reshape(-1), hint)

    def scalar(self, value, dtype, hint: str = "scalar") -> str:
        return self.array(np.asarray(value, dtype=dtype), hint)

    def is_constant(self, tensor) -> bool:
        return tensor not in self.depends

    def constant_array(self, tensor):
        """The NumPy value of a constant input (a parameter): the converters that need numbers read it."""
        return np.asarray(to_numpy(tensor.data))

    # ---- nodes --------------------------------------------------------------------------------
    def emit(self, op_type: str, inputs, out=None, hint: str | None = None, outputs: int = 1, name=None, **attrs):
        """Add one node; returns its output name (or the list of names when ``outputs`` > 1). With ``out`` (a
        traced tensor) the first output becomes that tensor's value; ``name`` names it (a graph output)."""
        names = []
        for i in range(outputs):
            if i == 0 and name is not None:
                names.append(name)
            elif i == 0 and out is not None:
                names.append(self.fresh(self._hint_for(out)))
            else:
                names.append(self.fresh(hint or op_type.lower()))
        node_name = self.fresh(f"{self.path or 'node'}/{op_type}")
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=node_name, **attrs))
        if out is not None:
            self.names[out] = names[0]
        return names if outputs > 1 else names[0]

    def _hint_for(self, tensor) -> str:
        fn = tensor._ctx
        path = self.layer(fn)[0] if fn is not None else ""
        return f"{path}.{fn.name}" if path else (fn.name if fn is not None else "value")

    def alias(self, out, name: str) -> None:
        """``out`` has the value ``name`` (no node)."""
        self.names[out] = name

    def _concat_parts(self, tensor) -> str:
        flat = [self.emit("Reshape", [name, self.ints([-1], "flat")], hint=f"{name}_flat")
                for _, _, name, _ in self.flat_parts[tensor]]
        name = self.emit("Concat", flat, out=tensor, axis=0)
        return name

    # ---- shapes -------------------------------------------------------------------------------
    def dynamic(self, tensor) -> frozenset:
        return self.trace.dynamic_axes(tensor)

    def reshape_target(self, source, out, fn) -> list:
        """Reshape's shape for ``out``: its static sizes, -1 for its one dynamic axis (0, "copy", for a dynamic
        axis that keeps its place and size)."""
        target = list(out.shape)
        free = []
        for axis in sorted(self.dynamic(out)):
            if axis < source.ndim and axis in self.dynamic(source) and source.shape[axis] == out.shape[axis]:
                target[axis] = 0
            else:
                free.append(axis)
        if len(free) > 1:
            raise self.error(fn, f"the new shape {tuple(out.shape)} has {len(free)} dynamic axes {free} that "
                                 "are not copied from the input; give fewer dynamic_axes")
        if free:
            target[free[0]] = -1
        return target

    def make_model(self, input_infos, output_infos, doc: str):
        graph = helper.make_graph(self.nodes, "lamina", input_infos, output_infos, self.initializers)
        opset = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(graph, opset_imports=opset, producer_name="lamina", doc_string=doc,
                                  ir_version=helper.find_min_ir_version_for(opset))
        return model


def value_info(name: str, tensor, dynamic: dict) -> onnx.ValueInfoProto:
    """The declared type of a graph input or output: its dtype and shape, named dimensions where dynamic."""
    dims = [dynamic.get(axis, n) for axis, n in enumerate(tensor.shape)]
    return helper.make_tensor_value_info(name, onnx_dtype(tensor.dtype), dims)
