"""``summary(module, input_shape)``: Keras' layer table for any Module, found by running it once.

One forward pass on zeros (batch of 1, eval mode, no graph) with a forward hook on every leaf module
(and on every container that owns parameters directly) records each layer's output shape in call
order. Parameters are counted from ``module.parameters()`` (a shared parameter once); buffers such
as BatchNorm's running statistics are state, not parameters; non-trainable parameters are those
with ``requires_grad=False``.

Cost per sample, two conventions:
- ``flops=True`` (or ``"flops"``): floating-point operations of every layer, each counting its own with
  ``layer.flops(input_shape, output_shape)`` (a multiply-add counts 2, an activation 1 per element; see
  ``Module.flops``), so a new layer needs no edit here.
- ``flops="macs"``: multiply-accumulates (MACs, "mult-adds") of the convolutions and Linear layers only,
  the number model zoos publish as "FLOPs": torchvision's GFLOPS column (ResNet-18 1.81, VGG-16 15.47,
  AlexNet 0.71) counts one per multiply-add of its convolutions and matrix products and nothing else
  (no BN, activation or pooling). A layer counts ``layer.macs(input_shape, output_shape)`` when it
  defines it, half its FLOPs when it is a Linear, Bilinear or convolution layer, and 0 otherwise.
The column and the total say which convention they count.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from ..backend import DEFAULT_FLOAT, xp
from ..tensor import Tensor
# Layers whose every FLOP is half a multiply-add, by name: module.py imports this file and the layers import
# module.py, so the classes themselves cannot be imported here (tests/test_layers.py forbids the cycle).
COUNTS = {True: "flops", "flops": "flops", "macs": "macs"}


@dataclass
class LayerInfo:
    name: str
    type: str
    output_shape: object  # a tuple with None for the batch dimension, or a list of them
    params: int
    flops: int | None = None   # FLOPs, or MACs with ``summary(..., flops="macs")``


@dataclass
class ModelSummary:
    total_params: int
    trainable_params: int
    non_trainable_params: int
    total_flops: int | None = None   # FLOPs, or MACs with ``summary(..., flops="macs")``
    layers: list = field(default_factory=list)
    text: str = ""
    counts: str | None = None        # what ``total_flops`` counts: "flops", "macs" (or None: not counted)

    @property
    def total_macs(self) -> int | None:
        """The multiply-adds of the convolutions and Linear layers, when summary counted them (``flops="macs"``)."""
        return self.total_flops if self.counts == "macs" else None

    def __str__(self) -> str:
        return self.text


def summary(module, input_shape, dtype=DEFAULT_FLOAT, print_fn=print, flops: bool | str = False) -> ModelSummary:
    """Print a Keras-style table of ``module``'s layers and return the counts.

    ``input_shape``: one input's shape WITHOUT the batch dimension, e.g. ``(1, 28, 28)``, or a list
    of shapes for a module with several inputs. ``print_fn``: called once per line (None: silent).
    ``flops``: False (no cost column), True or "flops" (FLOPs, a multiply-add counts 2), or "macs"
    (multiply-adds of the convolutions and Linear layers, as torchvision's published "GFLOPS").
    """
    if flops is not False and (not isinstance(flops, (bool, str)) or flops not in COUNTS):
        raise ValueError(f"summary: flops must be False, True, 'flops' or 'macs', got {flops!r}")
    counts = COUNTS.get(flops)
    if isinstance(input_shape, numbers.Integral):
        input_shape = (input_shape,)
    shapes = [tuple(input_shape)] if all(isinstance(d, numbers.Integral) for d in input_shape) else [tuple(s) for s in input_shape]
    layers = _trace(module, [Tensor._wrap(xp.zeros((1,) + s, dtype=dtype)) for s in shapes], counts)
    params = list(module.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    result = ModelSummary(total, trainable, total - trainable,
                          sum(layer.flops for layer in layers) if counts else None, layers, counts=counts)
    result.text = _table(type(module).__name__, result)
    if print_fn is not None:
        for line in result.text.split("\n"):
            print_fn(line)
    return result


def layer_macs(layer, input_shape, output_shape) -> int:
    """Multiply-adds of one call: ``layer.macs(...)`` (convolutions and Linear layers count theirs, every other
    layer 0: torchvision's convention)."""
    return layer.macs(input_shape, output_shape)


def _trace(module, inputs: list, counts: str | None) -> list:
    """Run the module once and return one LayerInfo per hooked call, in call order."""
    cost_of = {None: None, "flops": lambda layer, *shapes: layer.flops(*shapes), "macs": layer_macs}[counts]
    layers, counted, handles = [], set(), []

    def record(name):
        def hook(layer, args, output):
            own = id(layer) not in counted  # a layer called twice shows its parameters once
            counted.add(id(layer))
            recurse = not any(True for _ in layer.children())
            params = sum(p.numel() for p in layer.parameters(recurse=recurse)) if own else 0
            cost = cost_of(layer, _shape_of(args[0]) if args else (), _shape_of(output)) if cost_of else None
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


COLUMNS = {"flops": "FLOPs (mult-add = 2)", "macs": "MACs (mult-adds)"}
TOTALS = {"flops": "Total FLOPs: {:,} per sample ({:.2f} G; a multiply-add counts 2, every layer counted)",
          "macs": "Total MACs: {:,} per sample ({:.2f} G multiply-adds of the convolutions and Linear layers)"}


def _table(title: str, result: ModelSummary) -> str:
    counts = result.counts
    header = ["Layer (type)", "Output Shape", "Param #"] + ([COLUMNS[counts]] if counts else [])
    rows = [[f"{layer.name} ({layer.type})", _format_shape(layer.output_shape), f"{layer.params:,}"]
            + ([f"{layer.flops:,}"] if counts else []) for layer in result.layers]
    widths = [max(len(r[i]) for r in rows + [header]) + 3 for i in range(len(header))]

    def line(cells):
        return " " + "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    rule = sum(widths) + 1
    lines = [f'Model: "{title}"', "_" * rule, line(header), "=" * rule]
    lines += [line(row) for row in rows]
    lines += ["=" * rule, f"Total params: {result.total_params:,}", f"Trainable params: {result.trainable_params:,}",
              f"Non-trainable params: {result.non_trainable_params:,}"]
    if counts:
        lines.append(TOTALS[counts].format(result.total_flops, result.total_flops / 1e9))
    lines.append("_" * rule)
    return "\n".join(lines)
