"""ONNX export: ``lm.onnx.export(model, example_input, "model.onnx")`` writes a file that onnxruntime runs.

    import lamina as lm
    import lamina.onnx

    model = lm.models.LeNet5()
    lm.onnx.export(model, lm.randn(2, 1, 32, 32), "lenet5.onnx", input_names=["image"], output_names=["logits"],
                   dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})

    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession("lenet5.onnx", providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"image": np.random.randn(5, 1, 32, 32).astype(np.float32)})

How: the model runs once in eval mode (its mode is put back after) on a copy of the example input that requires
gradients, which records the graph of ``Function`` nodes; hooks on every sub-module note which layer made each
node. Each node that depends on the input becomes ONNX nodes through the converter registered for its op name:

    converters.py  add/sub/mul/div/neg/pow/exp/log/sqrt/abs/..., clamp, relu, sigmoid, tanh, softmax, log_softmax,
                   leaky_relu, elu/selu, softplus, gelu, hardtanh/relu6, hardsigmoid, hardswish; linear (Gemm),
                   matmul; reshape/view/flatten/squeeze/unsqueeze, permute/transpose, cat/stack, expand, sum and
                   mean, constant pad, x[ints, slices, None, ...] and index_select
    layers.py      conv1d/2d/3d, conv_transpose1d/2d/3d, max/avg pooling (ceil_mode, padding, count_include_pad),
                   adaptive average pooling (GlobalAveragePool; AveragePool when the windows tile the input; two
                   MatMuls with the averaging matrices otherwise), batch norm (eval: BatchNormalization with the
                   running stats), layer norm (opset >= 17); dropout in eval leaves no node
    recurrent.py   LSTM, GRU, RNN layers (stacked, bidirectional, batch_first): one ONNX LSTM/GRU/RNN node per
                   layer and direction, gate blocks reordered (PyTorch's i f g o / r z n -> ONNX's i o f c / z r h)

Parameters and buffers become initializers named as in the ``state_dict`` (``features.1.running_mean``); what
does not depend on the input is folded into constants. The graph is built with ``onnx.helper`` and checked
with ``onnx.checker`` before it is written (atomically to a path, or into a binary file object).

``dynamic_axes`` ({name: {axis: "dim name"}} or {name: [axes]}, as torch.onnx) frees those axes: the model is
traced a second time with them longer, the axes whose size follows them are dynamic (Reshape with -1 or 0,
Expand with 1, open-ended Slice, ConstantOfShape for ``zeros(x.shape[0], n)``, ReduceMean for a mean over them),
and what would silently depend on the traced sizes (a slice or a number computed from ``x.shape``, pooling
windows that change) is refused. Checked in ``tests/onnx/test_export.py``: MLP, LeNet-5, a CNN with batch norm
and dropout, an Inception-like residual block, bidirectional 2-layer LSTM/GRU classifiers, a ConvTranspose
decoder, a small U-Net (dynamic image size), all against onnxruntime.

Not exported (an ``ExportError`` naming the op and the layer, by module path, that called it): ops without a
converter (cumsum, sorting, scatter, interpolate, ...), dropout or batch statistics in training mode,
PackedSequence inputs, LSTM projections, integer inputs (embedding lookups record no graph node), keyword
arguments to ``forward``. What ``forward`` computes under ``no_grad``, after ``.detach()`` or from ``.data`` is
not recorded: it is frozen into a constant of the traced values.

Opsets ``MIN_OPSET`` to ``MAX_OPSET`` (default ``DEFAULT_OPSET``); the ``onnx`` package builds the graph (imported
only by ``export``), onnxruntime runs it.
"""
from __future__ import annotations

from ..errors import ArgumentError
from .errors import ExportError

MIN_OPSET, DEFAULT_OPSET, MAX_OPSET = 13, 17, 21

__all__ = ["DEFAULT_OPSET", "MAX_OPSET", "MIN_OPSET", "ExportError", "export"]


def export(model, args, f, opset_version=None, input_names=None, output_names=None, dynamic_axes=None, *,
           export_params: bool = True, verbose: bool = False, do_constant_folding: bool = True, training=None,
           doc_string: str = ""):
    """Export ``model`` (a Module or a function of tensors) traced on ``args`` (a tensor or a tuple of them) to
    ``f`` (a path, written atomically, or a binary file object) as an ONNX model; returns the ``ModelProto``.

    ``input_names`` / ``output_names`` name the graph's inputs and outputs (default input, output, or input_0,
    input_1, ...); ``dynamic_axes`` as torch.onnx.export; ``opset_version`` from MIN_OPSET to MAX_OPSET.
    torch.onnx.export's ``export_params`` (True: the weights are in the file), ``do_constant_folding`` (always
    done) and ``training`` (None or False: eval mode) are accepted as they are the only modes here; ``verbose``
    prints the graph."""
    if not export_params:
        raise ArgumentError("onnx.export: export_params=False (a graph without its weights) is not supported")
    if training not in (None, False):
        raise ArgumentError(f"onnx.export: only eval-mode export is supported (training=None or False), got "
                            f"{training!r}")
    try:
        import onnx  # the optional dependency, needed to build the graph
    except ImportError:  # pragma: no cover - the onnx extra is installed in the tests
        raise ImportError("lamina.onnx.export needs the onnx package: pip install onnx") from None
    from . import build
    opset = _opset(opset_version)
    proto = build.export_model(model, args, opset, input_names, output_names, dynamic_axes, doc_string)
    build.write(proto, f)
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    return proto


def _opset(opset_version) -> int:
    if opset_version is None:
        return DEFAULT_OPSET
    if isinstance(opset_version, bool) or not isinstance(opset_version, int):
        raise TypeError(f"onnx.export: opset_version must be an int, got {opset_version!r}")
    if not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise ArgumentError(f"onnx.export: opset_version must be from {MIN_OPSET} to {MAX_OPSET}, got {opset_version}")
    return opset_version
