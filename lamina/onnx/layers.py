"""Converters of the layers with geometry: convolutions, pooling, normalisation (eval mode), dropout.

The ops keep their geometry in a ``Geometry`` (kernel, stride, dilation, padding as (before, after) per axis,
groups); ONNX wants ``pads`` as all the befores, then all the afters.
"""
from __future__ import annotations

import math

import numpy as np  # host-side: constants of the graph

from .graph import converter


def _same_geometry(g, out, fn) -> None:
    """With dynamic axes, the kernel, stride and padding must not change with the sizes (ONNX's are fixed)."""
    twin = g.trace.twin.get(out)
    if twin is not None and twin._ctx.geo != fn.geo:
        raise g.error(fn, f"its window changes with the size of the dynamic axes ({fn.geo} then {twin._ctx.geo}; "
                          "adaptive pooling to a fixed size, or ceil_mode?): it has no ONNX converter with these "
                          "dynamic_axes")


def _pads(geo) -> list:
    axes = len(geo.kernel)
    return [geo.padding[2 * a] for a in range(axes)] + [geo.padding[2 * a + 1] for a in range(axes)]


# ---- convolutions -----------------------------------------------------------------------------------------------
@converter("conv2d", "conv3d")
def conv(g, out, fn):
    geo = fn.geo
    _same_geometry(g, out, fn)
    g.emit("Conv", [g.value(t) for t in fn.inputs], out, kernel_shape=list(geo.kernel), strides=list(geo.stride),
           dilations=list(geo.dilation), pads=_pads(geo), group=geo.groups)


@converter("conv_transpose2d", "conv_transpose3d")
def conv_transpose(g, out, fn):
    """ONNX's output size s (n - 1) + output_padding + d (k - 1) + 1 - pads gives output_padding from the
    traced output size."""
    geo, x = fn.geo, fn.inputs[0]
    _same_geometry(g, out, fn)
    pads = _pads(geo)
    extra = _output_padding(out, x, geo, pads)
    twin = g.trace.twin.get(out)
    if twin is not None and _output_padding(twin, twin._ctx.inputs[0], geo, pads) != extra:
        raise g.error(fn, "its output size is not the same function of the input size for all sizes of the dynamic "
                          "axes (output_size given?): it has no ONNX converter with these dynamic_axes")
    g.emit("ConvTranspose", [g.value(t) for t in fn.inputs], out, kernel_shape=list(geo.kernel),
           strides=list(geo.stride), dilations=list(geo.dilation), pads=pads, output_padding=extra,
           group=geo.groups)


def _output_padding(out, x, geo, pads) -> list:
    axes = len(geo.kernel)
    return [o - (s * (n - 1) + d * (k - 1) + 1 - pads[a] - pads[a + axes])
            for a, (o, n, s, d, k) in enumerate(zip(out.shape[2:], x.shape[2:], geo.stride, geo.dilation,
                                                    geo.kernel))]


# ---- pooling ----------------------------------------------------------------------------------------------------
@converter("max_pool2d", "max_pool3d", "relu_max_pool2d")
def max_pool(g, out, fn):
    """MaxPool (ONNX ignores its padding, as -inf); the fused ReLU + max pooling is MaxPool then Relu (they
    commute)."""
    geo = fn.geo
    _same_geometry(g, out, fn)
    attrs = {"kernel_shape": list(geo.kernel), "strides": list(geo.stride), "pads": _pads(geo)}
    if any(d != 1 for d in geo.dilation):
        attrs["dilations"] = list(geo.dilation)
    x = g.value(fn.inputs[0])
    if fn.name == "relu_max_pool2d":
        g.emit("Relu", [g.emit("MaxPool", [x], **attrs)], out)
    else:
        g.emit("MaxPool", [x], out, **attrs)


@converter("avg_pool2d", "avg_pool3d")
def avg_pool(g, out, fn):
    """The window sums times ``scale``: AveragePool (padding counted) when the scale is 1 / window size, else
    AveragePool x window size x scale (the per-window divisors near the borders: a constant)."""
    geo, x = fn.geo, fn.inputs[0]
    if fn.masks is not None:
        raise g.error(fn, "pooling with fixed routing masks (a gradient of max pooling) has no ONNX converter")
    size = math.prod(geo.kernel)
    pads = _pads(geo)
    if _is_global(fn) and (out not in g.trace.twin or _is_global(g.trace.twin[out]._ctx)):
        g.emit("GlobalAveragePool", [g.value(x)], out)  # the adaptive average to one value per channel
        return
    _same_geometry(g, out, fn)
    attrs = {"kernel_shape": list(geo.kernel), "strides": list(geo.stride), "pads": pads, "count_include_pad": 1}
    if _is(fn.scale, 1 / size):
        g.emit("AveragePool", [g.value(x)], out, **attrs)
        return
    twin = g.trace.twin.get(out)
    if twin is not None and not np.array_equal(np.asarray(twin._ctx.scale), np.asarray(fn.scale)):
        raise g.error(fn, "the divisors of its border windows change with the size of the dynamic axes: it has no "
                          "ONNX converter with these dynamic_axes")
    mean = g.emit("AveragePool", [g.value(x)], **attrs)
    factor = np.asarray(fn.scale, dtype=np.float64) * size
    g.emit("Mul", [mean, g.array(factor.astype(out.dtype), "divisors")], out)


def _is_global(fn) -> bool:
    """An average over each whole feature map."""
    geo = fn.geo
    return (not any(geo.padding) and tuple(geo.kernel) == tuple(fn.inputs[0].shape[2:])
            and _is(fn.scale, 1 / math.prod(geo.kernel)))


def _is(scale, value) -> bool:
    return np.ndim(scale) == 0 and math.isclose(float(scale), value, rel_tol=1e-6)


@converter("adaptive_avg_pool2d")
def adaptive_avg_pool(g, out, fn):
    """Windows that do not tile the input: Y = A_h X A_w^T with PyTorch's averaging matrices (two MatMuls);
    a single output per channel: GlobalAveragePool."""
    mats, x = fn.mats, fn.inputs[0]
    if all(m.shape[0] == 1 for m in mats):
        g.emit("GlobalAveragePool", [g.value(x)], out)
        return
    twin = g.trace.twin.get(out)
    if twin is not None and [m.shape for m in twin._ctx.mats] != [m.shape for m in mats]:
        raise g.error(fn, "adaptive average pooling of an input whose size is dynamic has no ONNX converter (ONNX's "
                          "pooling windows are fixed)")
    if len(mats) != 2:
        raise g.error(fn, f"adaptive average pooling over {len(mats)} axes to sizes that do not divide the input "
                          f"{tuple(x.shape[2:])} has no ONNX converter")
    rows, cols = (np.asarray(m, dtype=out.dtype) for m in mats)
    right = g.emit("MatMul", [g.value(x), g.array(np.ascontiguousarray(cols.T), "adaptive_cols")])
    g.emit("MatMul", [g.array(rows, "adaptive_rows"), right], out)


# ---- normalisation ----------------------------------------------------------------------------------------------
@converter("batch_norm")
def batch_norm(g, out, fn):
    """BatchNormalization with the running statistics (named after the layer's buffers when it has them)."""
    if fn.training:
        raise g.error(fn, "batch normalisation with batch statistics (training=True) cannot be exported; call "
                          "it with training=False (the exporter puts the model in eval mode)")
    x = fn.inputs[0]
    channels = x.shape[1]
    affine = list(fn.inputs[1:])
    weight = g.value(affine[0]) if fn.has_weight else g.array(np.ones(channels, out.dtype), "bn_scale")
    bias = g.value(affine[-1]) if fn.has_bias else g.array(np.zeros(channels, out.dtype), "bn_bias")
    mean, var = _running_stats(g, fn, out.dtype)
    g.emit("BatchNormalization", [g.value(x), weight, bias, mean, var], out, epsilon=float(fn.eps))


def _running_stats(g, fn, dtype):
    """The layer's running_mean / running_var buffers; without a layer, the mean the op saved and the variance
    from its 1 / sqrt(var + eps)."""
    path, module = g.layer(fn)
    saved_mean = np.asarray(fn.mean)
    buffers = [getattr(module, name, None) for name in ("running_mean", "running_var")]
    if all(b is not None for b in buffers) and np.array_equal(np.asarray(buffers[0].data, dtype=dtype), saved_mean):
        prefix = f"{path}." if path else ""
        return tuple(g.array(np.asarray(b.data, dtype=dtype), f"{prefix}{name}")
                     for b, name in zip(buffers, ("running_mean", "running_var")))
    invstd = np.asarray(fn.invstd, dtype=np.float64)
    var = 1.0 / invstd**2 - fn.eps
    return g.array(saved_mean.astype(dtype), "running_mean"), g.array(var.astype(dtype), "running_var")


@converter("layer_norm")
def layer_norm(g, out, fn):
    """LayerNormalization (opset 17 on) over the trailing ``normalized_ndim`` axes."""
    if g.opset < 17:
        raise g.error(fn, f"layer_norm needs opset 17 or later (LayerNormalization), asked for {g.opset}")
    x = fn.inputs[0]
    shape = x.shape[x.ndim - fn.normalized_ndim:]
    affine = list(fn.inputs[1:])
    scale = g.value(affine[0]) if fn.has_weight else g.array(np.ones(shape, out.dtype), "ln_scale")
    inputs = [g.value(x), scale] + ([g.value(affine[-1])] if fn.has_bias else [])
    g.emit("LayerNormalization", inputs, out, axis=x.ndim - fn.normalized_ndim, epsilon=float(fn.eps))


@converter("dropout")
def dropout(g, out, fn):
    raise g.error(fn, "dropout in training mode (a random mask) cannot be exported; in eval mode (the "
                      "exporter's) it is the identity and leaves no node")
