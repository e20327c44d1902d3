"""``summary(module, input_shape)``: Keras' layer table for any Module, found by running it once.

One forward pass on zeros (batch of 1, eval mode, no graph) with a forward hook on every leaf module
(and on every container that owns parameters directly) records each layer's output shape in call
order. Parameters are counted from ``module.parameters()`` (a shared parameter once); buffers such
as BatchNorm's running statistics are state, not parameters; non-trainable parameters are those
with ``requires_grad=False``.

FLOPs (``flops=True``), per sample: each layer counts its own with ``layer.flops(input_shape,
output_shape)`` (a multiply-add counts 2; see ``Module.flops``), so a new layer needs no edit here.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from ..backend import DEFAULT_FLOAT, xp
from ..tensor import Tensor


@dataclass
class LayerInfo:
    name: str
    type: str
    output_shape: object  # a tuple with None for the batch dimension, or a list of them
    params: int
    flops: int | None = None


@dataclass
class ModelSummary:
    total_params: int
    trainable_params: int
    non_trainable_params: int
    total_flops: int | None = None
    layers: list = field(default_factory=list)
    text: str = ""

    def __str__(self) -> str:
        return self.text


def summary(module, input_shape, dtype=DEFAULT_FLOAT, print_fn=print, flops: bool = False) -> ModelSummary:
    """Print a Keras-style table of ``module``'s layers and return the counts.

    ``input_shape``: one input's shape WITHOUT the batch dimension, e.g. ``(1, 28, 28)``, or a list
    of shapes for a module with several inputs. ``print_fn``: called once per line (None: silent).
    """
    if isinstance(input_shape, numbers.Integral):
        input_shape = (input_shape,)
    shapes = [tuple(input_shape)] if all(isinstance(d, numbers.Integral) for d in input_shape) else [tuple(s) for s in input_shape]
    layers = _trace(module, [Tensor._wrap(xp.zeros((1,) + s, dtype=dtype)) for s in shapes], flops)
    params = list(module.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    result = ModelSummary(total, trainable, total - trainable,
                          sum(layer.flops for layer in layers) if flops else None, layers)
    result.text = _table(type(module).__name__, result, flops)
    if print_fn is not None:
        for line in result.text.split("\n"):
            print_fn(line)
    return result


def _trace(module, inputs: list, flops: bool) -> list:
    """Run the module once and return one LayerInfo per hooked call, in call order."""
    layers, counted, handles = [], set(), []

    def record(name):
        def hook(layer, args, output):
            own = id(layer) not in counted  # a layer called twice shows its parameters once
            counted.add(id(layer))
            recurse = not any(True for _ in layer.children())
            params = sum(p.numel() for p in layer.parameters(recurse=recurse)) if own else 0
            cost = layer.flops(_shape_of(args[0]) if args else (), _shape_of(output)) if flops else None
            layers.append(LayerInfo(name or type(layer).__name__, type(layer).__name__, _shape(output), params, cost))
        return hook

    for name, layer in module.named_modules():
        is_leaf = not any(True for _ in layer.children())
        if is_leaf or any(p is not None for p in layer._parameters.values()):
            handles.append(layer.register_forward_hook(record(name)))
    try:
        with module.evaluating():
            module(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return layers


def _shape(output):
    if isinstance(output, Tensor):
        return (None,) + tuple(output.shape[1:])
    if isinstance(output, (tuple, list)):
        return [_shape(o) for o in output]
    return None


def _shape_of(value):
    """The shape of a tensor, or the list of shapes of a tuple of them (None for anything else)."""
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)):
        return [_shape_of(v) for v in value]
    return None


def _format_shape(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _table(title: str, result: ModelSummary, flops: bool) -> str:
    header = ["Layer (type)", "Output Shape", "Param #"] + (["FLOPs"] if flops else [])
    rows = [[f"{layer.name} ({layer.type})", _format_shape(layer.output_shape), f"{layer.params:,}"]
            + ([f"{layer.flops:,}"] if flops else []) for layer in result.layers]
    widths = [max(len(r[i]) for r in rows + [header]) + 3 for i in range(len(header))]

    def line(cells):
        return " " + "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    rule = sum(widths) + 1
    lines = [f'Model: "{title}"', "_" * rule, line(header), "=" * rule]
    lines += [line(row) for row in rows]
    lines += ["=" * rule, f"Total params: {result.total_params:,}", f"Trainable params: {result.trainable_params:,}",
              f"Non-trainable params: {result.non_trainable_params:,}"]
    if flops:
        lines.append(f"Total FLOPs: {result.total_flops:,} per sample")
    lines.append("_" * rule)
    return "\n".join(lines)
