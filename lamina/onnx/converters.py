"""Converters of the elementwise ops, activations, matrix products, shapes and indexing to ONNX nodes.

Each converter reads the Function's inputs and stored attributes (and the traced output's shape and dtype) and
emits ONNX nodes; the layers with geometry (convolution, pooling, normalisation) are in ``layers.py``, the
recurrent layers in ``recurrent.py``.
"""
from __future__ import annotations

import math

import numpy as np  # host-side: constants of the graph

from .graph import converter, onnx_dtype

INT64_MAX = np.iinfo(np.int64).max

# ---- elementwise ----------------------------------------------------------------------------------------------
_UNARY = {"neg": "Neg", "exp": "Exp", "sqrt": "Sqrt", "reciprocal": "Reciprocal", "log": "Log", "abs": "Abs",
          "sin": "Sin", "cos": "Cos", "tan": "Tan", "asin": "Asin", "acos": "Acos", "atan": "Atan", "sinh": "Sinh",
          "cosh": "Cosh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh", "erf": "Erf", "sign": "Sign",
          "floor": "Floor", "ceil": "Ceil", "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu",
          "clone": "Identity", "contiguous": "Identity"}
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "maximum": "Max", "minimum": "Min"}


def _unary(op_type):
    def convert(g, out, fn):
        g.emit(op_type, [g.value(fn.inputs[0], out.dtype)], out)
    return convert


def _binary(op_type):
    def convert(g, out, fn):
        if type(fn).__name__ == "RoundedDiv":
            raise g.error(fn, "division with a rounding_mode has no ONNX converter")
        if op_type == "Mul" and _mean(g, out, fn):
            return
        g.emit(op_type, [g.value(t, out.dtype) for t in fn.inputs], out)
    return convert


def _mean(g, out, fn) -> bool:
    """mean = sum * (1 / count) (``lm.mean``): when the count changes with the dynamic axes, ReduceMean."""
    for summed, scale in (fn.inputs, fn.inputs[::-1]):
        node = summed._ctx
        if node is None or node.name != "sum" or not g.is_constant(scale) or scale.ndim or g.same_in_twin(scale):
            continue
        x, twin = node.inputs[0], g.trace.twin[summed]._ctx.inputs[0]
        axes = _axes(node.axes, x.ndim)
        if all(math.isclose(float(s.data), 1 / math.prod(t.shape[a] for a in axes), rel_tol=1e-6)
               for s, t in ((scale, x), (g.trace.twin[scale], twin))):
            keep = int(bool(node.keepdim))
            if g.opset >= 18:
                g.emit("ReduceMean", [g.value(x), g.ints(axes, "axes")], out, keepdims=keep)
            else:
                g.emit("ReduceMean", [g.value(x)], out, axes=list(axes), keepdims=keep)
            return True
    return False


def _axes(axes, ndim) -> list:
    return list(range(ndim)) if axes is None else [a % ndim for a in np.atleast_1d(axes)]


for _name, _op in _UNARY.items():
    converter(_name)(_unary(_op))
for _name, _op in _BINARY.items():
    converter(_name)(_binary(_op))


@converter("astype")
def cast(g, out, fn):
    g.emit("Cast", [g.value(fn.inputs[0])], out, to=onnx_dtype(out.dtype))


@converter("pow")
def power(g, out, fn):
    if len(fn.inputs) == 1:  # x ** c for a number c
        exponent = g.scalar(fn.exponent, out.dtype, "exponent")
        g.emit("Pow", [g.value(fn.inputs[0], out.dtype), exponent], out)
    else:
        g.emit("Pow", [g.value(t, out.dtype) for t in fn.inputs], out)


@converter("clamp")
def clamp(g, out, fn):
    x = g.value(fn.inputs[0], out.dtype)
    if len(fn.inputs) > 1:
        raise g.error(fn, "clamp with tensor bounds has no ONNX converter (give numbers)")
    bounds = ["" if v is None else g.scalar(v, out.dtype, "bound") for v in (fn.lo, fn.hi)]
    g.emit("Clip", [x, *bounds], out)


# ---- activations ------------------------------------------------------------------------------------------------
@converter("softmax", "log_softmax")
def softmax(g, out, fn):
    g.emit("Softmax" if fn.name == "softmax" else "LogSoftmax", [g.value(fn.inputs[0])], out, axis=fn.axis)


@converter("leaky_relu")
def leaky_relu(g, out, fn):
    g.emit("LeakyRelu", [g.value(fn.inputs[0])], out, alpha=float(_leaky_slope(g, fn)))


def _leaky_slope(g, fn):
    """The slope, from the layer (nn.LeakyReLU's negative_slope) or from the mask the op saved where x <= 0."""
    module = g.layer(fn)[1]
    if module is not None and hasattr(module, "negative_slope"):
        return module.negative_slope
    x = fn.inputs[0].data
    below = fn.slope_mask[x <= 0]
    if below.size:
        return float(below.flat[0])
    raise g.error(fn, "the slope of leaky_relu cannot be read back (no input was <= 0 and no nn.LeakyReLU called "
                      "it); trace with an input that has negative values")


@converter("elu")
def elu(g, out, fn):
    if fn.scale == 1:
        g.emit("Elu", [g.value(fn.inputs[0])], out, alpha=float(fn.alpha))
    elif math.isclose(fn.alpha, 1.6732632423543772) and math.isclose(fn.scale, 1.0507009873554805):
        g.emit("Selu", [g.value(fn.inputs[0])], out, alpha=float(fn.alpha), gamma=float(fn.scale))
    else:
        y = g.emit("Elu", [g.value(fn.inputs[0])], alpha=float(fn.alpha))
        g.emit("Mul", [y, g.scalar(fn.scale, out.dtype)], out)


@converter("softplus")
def softplus(g, out, fn):
    """ln(1 + e^(beta x)) / beta (PyTorch's linear part past ``threshold`` agrees to float precision there)."""
    x = g.value(fn.inputs[0])
    if fn.beta == 1:
        g.emit("Softplus", [x], out)
        return
    beta = g.scalar(fn.beta, out.dtype, "beta")
    y = g.emit("Softplus", [g.emit("Mul", [x, beta])])
    g.emit("Div", [y, beta], out)


@converter("gelu")
def gelu(g, out, fn):
    """x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 (Gelu from opset 20); tanh approximation written out."""
    x = g.value(fn.inputs[0])
    if g.opset >= 20:
        g.emit("Gelu", [x], out, approximate=fn.approximate)
        return
    half, one = g.scalar(0.5, out.dtype, "half"), g.scalar(1.0, out.dtype, "one")
    if fn.approximate == "tanh":
        cube = g.emit("Mul", [g.emit("Mul", [x, x]), x])
        inner = g.emit("Add", [x, g.emit("Mul", [cube, g.scalar(0.044715, out.dtype, "c")])])
        core = g.emit("Tanh", [g.emit("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), out.dtype, "c")])])
    else:
        core = g.emit("Erf", [g.emit("Mul", [x, g.scalar(1 / math.sqrt(2), out.dtype, "c")])])
    g.emit("Mul", [g.emit("Mul", [x, half]), g.emit("Add", [core, one])], out)


@converter("hardtanh")
def hardtanh(g, out, fn):
    bounds = [g.scalar(v, out.dtype, "bound") for v in (fn.min_val, fn.max_val)]
    g.emit("Clip", [g.value(fn.inputs[0]), *bounds], out)


@converter("hardswish")
def hardswish(g, out, fn):
    """x relu6(x + 3) / 6 = x hardsigmoid(x): HardSwish from opset 14, written out before."""
    x = g.value(fn.inputs[0])
    if g.opset >= 14:
        g.emit("HardSwish", [x], out)
    else:
        g.emit("Mul", [x, g.emit("HardSigmoid", [x], alpha=1 / 6, beta=0.5)], out)


@converter("hardsigmoid")
def hardsigmoid(g, out, fn):
    g.emit("HardSigmoid", [g.value(fn.inputs[0])], out, alpha=1 / 6, beta=0.5)


# ---- matrix products --------------------------------------------------------------------------------------------
@converter("linear")
def linear(g, out, fn):
    """y = x W^T + b: Gemm(x, W, b, transB=1) on the (N, in) input."""
    g.emit("Gemm", [g.value(t) for t in fn.inputs], out, transB=1)


@converter("matmul")
def matmul(g, out, fn):
    g.emit("MatMul", [g.value(t) for t in fn.inputs], out)


# ---- shapes -----------------------------------------------------------------------------------------------------
@converter("reshape")
def reshape(g, out, fn):
    source = fn.inputs[0]
    view = g.flat_views.get(source)
    if view is not None and tuple(view[1]) == tuple(out.shape):  # the flattened value back in its shape
        g.alias(out, view[0])
        return
    target = g.reshape_target(source, out, fn)
    g.emit("Reshape", [g.value(source), g.ints(target, "shape")], out)


@converter("permute")
def permute(g, out, fn):
    g.emit("Transpose", [g.value(fn.inputs[0])], out, perm=list(fn.axes))


@converter("cat")
def cat(g, out, fn):
    g.emit("Concat", [g.value(t, out.dtype) for t in fn.inputs], out, axis=fn.axis % out.ndim)


@converter("broadcast_to")
def broadcast_to(g, out, fn):
    """Expand: a dynamic axis is written 1 (kept from the input by the two-way broadcast) when the input has it."""
    x = fn.inputs[0]
    lead = out.ndim - x.ndim
    shape = list(out.shape)
    for axis in g.dynamic(out):
        if axis >= lead and x.shape[axis - lead] == out.shape[axis]:
            shape[axis] = 1
        else:
            raise g.error(fn, f"expanding to a dynamic axis ({axis} of {tuple(out.shape)}) from size 1 has no "
                              "static ONNX shape")
    g.emit("Expand", [g.value(x), g.ints(shape, "shape")], out)


@converter("sum")
def reduce_sum(g, out, fn):
    x = fn.inputs[0]
    axes = _axes(fn.axes, x.ndim)
    g.emit("ReduceSum", [g.value(x), g.ints(axes, "axes")], out, keepdims=int(bool(fn.keepdim)))


@converter("pad")
def pad(g, out, fn):
    """Constant padding (a negative width crops); the value is read from a padded element of the output."""
    x = fn.inputs[0]
    widths = fn.widths
    pads = [lo for lo, _ in widths] + [hi for _, hi in widths]
    value = 0
    grown = [(axis, 0) for axis, (lo, hi) in enumerate(widths) if lo > 0] + \
            [(axis, out.shape[axis] - 1) for axis, (lo, hi) in enumerate(widths) if hi > 0]
    if grown:
        axis, at = grown[0]
        value = out.data[(slice(None),) * axis + (at,)].reshape(-1)[0].item()
    g.emit("Pad", [g.value(x), g.ints(pads, "pads"), g.scalar(value, out.dtype, "pad_value")], out)


# ---- indexing ---------------------------------------------------------------------------------------------------
@converter("getitem")
def getitem(g, out, fn):
    """x[ints, slices, None, ...] as Slice, Gather (for each int) and Unsqueeze; one index array on one axis
    (index_select) as Gather. With dynamic axes the slices must be the same in both traces (a slice to the end
    of a dynamic axis is open-ended)."""
    source = fn.inputs[0]
    basic, advanced = fn.index
    if source in g.flat_parts and _flat_part(g, source, out, _as_tuple(basic), advanced):
        return
    dynamic = g.dynamic(source)
    slices, ints, news = _plan(_as_tuple(basic), source.shape, dynamic)
    twin = g.trace.twin.get(out)
    if twin is not None and _plan(_as_tuple(twin._ctx.index[0]), twin._ctx.inputs[0].shape, dynamic) != (
            slices, ints, news):
        raise g.error(fn, f"the index {basic} changes with the size of the dynamic axes (computed from the input's "
                          "shape?): it has no ONNX converter with these dynamic_axes")
    name = g.value(source)
    if slices:
        starts, ends, axes, steps = zip(*slices)
        name = g.emit("Slice", [name, g.ints(starts, "starts"), g.ints(ends, "ends"), g.ints(axes, "axes"),
                                g.ints(steps, "steps")])
    for axis, index in reversed(ints):
        name = g.emit("Gather", [name, g.scalar(index, np.int64, "index")], axis=axis)
    if news:
        name = g.emit("Unsqueeze", [name, g.ints(news, "axes")])
    if advanced is not None:
        name = _advanced(g, fn, name, advanced)
    g.alias(out, name)


def _as_tuple(basic) -> tuple:
    return basic if isinstance(basic, tuple) else (basic,)


def _flat_part(g, source, out, basic, advanced) -> bool:
    """flat[a:b] of a flat tensor made of flattened values (an LSTM's output and cell state): that value."""
    if advanced is not None or len(basic) != 1 or not isinstance(basic[0], slice) or basic[0].step not in (None, 1):
        return False
    start, stop = basic[0].start or 0, basic[0].stop
    for a, b, name, shape in g.flat_parts[source]:
        if (start, stop) == (a, b) or (start == a and stop is None and b == source.shape[0]):
            g.flat_views[out] = (name, shape)
            g.lazy[out] = lambda value=name: g.emit("Reshape", [value, g.ints([-1], "flat")], out)
            return True
    return False


def _plan(basic, shape, dynamic) -> tuple:
    """(slices as (start, end, axis, step), ints as (axis, index), axes of the output to insert) for x[basic]."""
    used = sum(1 for item in basic if item is not None and item is not Ellipsis)
    items = []
    for item in basic:
        items += [slice(None)] * (len(shape) - used) if item is Ellipsis else [item]
    items += [slice(None)] * (len(shape) - sum(1 for item in items if item is not None))
    slices, ints, news, axis = [], [], [], 0
    kept = [item for item in items if not isinstance(item, (int, np.integer))]
    news = [i for i, item in enumerate(kept) if item is None]
    for item in items:
        if item is None:
            continue
        if isinstance(item, (int, np.integer)):
            ints.append((axis, int(item)))
        elif item != slice(None):
            start, stop, step = item.start or 0, item.stop, 1 if item.step is None else item.step
            if stop is None or (stop >= shape[axis] and axis in dynamic):
                stop = INT64_MAX
            slices.append((start, stop, axis, step))
        axis += 1
    return slices, ints, news


def _advanced(g, fn, name, advanced) -> str:
    arrays = [(axis, a) for axis, a in enumerate(advanced) if not isinstance(a, slice)]
    if len(arrays) != 1 or arrays[0][1].dtype.kind not in "iu":
        raise g.error(fn, "indexing with several index tensors or a mask has no ONNX converter (one integer index "
                          "tensor on one axis, as index_select, has)")
    axis, array = arrays[0]
    return g.emit("Gather", [name, g.array(np.asarray(array, dtype=np.int64), "indices")], axis=axis)

