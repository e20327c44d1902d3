"""ONNX export: ``lm.onnx.export(model, example_input, "model.onnx")`` writes a file that onnxruntime runs.

    import lamina as lm, lamina.onnx
    model = lm.models.LeNet5()
    lm.onnx.export(model, lm.randn(2, 1, 32, 32), "lenet5.onnx", input_names=["image"], output_names=["logits"],
                   dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})

    import onnxruntime as ort, numpy as np
    session = ort.InferenceSession("lenet5.onnx")
    logits, = session.run(None, {"image": np.random.randn(5, 1, 32, 32).astype(np.float32)})

How: the model runs once in eval mode on a copy of the example input that requires gradients, which records
the graph of ``Function`` nodes; each node becomes ONNX nodes through the converter registered for its op name
(``converters.py``: elementwise ops, activations, matmul/linear, reshape/permute/cat/expand/slicing/pad/sum;
``layers.py``: conv, conv_transpose, max/avg/adaptive-average pooling, batch norm and layer norm; ``recurrent.py``:
LSTM, GRU, RNN). Parameters and buffers become initializers named as in the ``state_dict``; anything that does
not depend on the input is folded into a constant. The graph is built with ``onnx.helper`` and checked with
``onnx.checker`` before it is written (atomically, or into a binary file object).

Covered (checked against onnxruntime in ``tests/onnx/test_export.py``): Linear, Conv1d/2d/3d, ConvTranspose,
MaxPool, AvgPool, AdaptiveAvgPool (GlobalAveragePool, AveragePool when the windows tile the input, two MatMuls
otherwise), BatchNorm (eval), LayerNorm (opset >= 17), Dropout (eval: no node), Flatten and reshapes,
residual adds and concatenations, ReLU/LeakyReLU/ELU/SELU/GELU/sigmoid/tanh/softmax/log_softmax/hardtanh/...,
LSTM and GRU (stacked, bidirectional, batch_first; not PackedSequence or proj_size). An op without a converter
is an ``ExportError`` naming the op and the layer (module path) that called it.

``dynamic_axes`` ({name: {axis: "dim name"}} or {name: [axes]}, as torch.onnx) makes those axes free: the model
is traced a second time with them one longer, and the axes whose size follows are written as dynamic
(Reshape with -1, Expand with 1, open-ended Slice), so a batch of another size runs.

Opsets ``MIN_OPSET`` to ``MAX_OPSET`` (default ``DEFAULT_OPSET``); the ``onnx`` package is needed (the ``onnx``
extra), onnxruntime only to run the file.
"""
from __future__ import annotations

from ..errors import ArgumentError

MIN_OPSET, DEFAULT_OPSET, MAX_OPSET = 13, 17, 21

__all__ = ["DEFAULT_OPSET", "MAX_OPSET", "MIN_OPSET", "ExportError", "export"]


class ExportError(ArgumentError, NotImplementedError):
    """The model holds an op (or a use of one) that the ONNX exporter cannot write; the message names the op and
    the layer (module path) that called it."""


def export(model, args, f, opset_version=None, input_names=None, output_names=None, dynamic_axes=None,
           doc_string: str = ""):
    """Export ``model`` (a Module or a function of tensors) traced on ``args`` (a tensor or a tuple of them) to
    ``f`` (a path, written atomically, or a binary file object) as an ONNX model; returns the ``ModelProto``.

    ``input_names`` / ``output_names`` name the graph's inputs and outputs (default input, output, or input_0,
    input_1, ...); ``dynamic_axes`` as torch.onnx.export; ``opset_version`` from MIN_OPSET to MAX_OPSET."""
    try:
        import onnx  # noqa: F401 - the optional dependency, needed to build the graph
    except ImportError:  # pragma: no cover - the onnx extra is installed in the tests
        raise ImportError("lamina.onnx.export needs the onnx package: pip install onnx") from None
    from . import build
    opset = _opset(opset_version)
    proto = build.export_model(model, args, opset, input_names, output_names, dynamic_axes, doc_string)
    build.write(proto, f)
    return proto


def _opset(opset_version) -> int:
    if opset_version is None:
        return DEFAULT_OPSET
    if isinstance(opset_version, bool) or not isinstance(opset_version, int):
        raise TypeError(f"onnx.export: opset_version must be an int, got {opset_version!r}")
    if not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise ArgumentError(f"onnx.export: opset_version must be from {MIN_OPSET} to {MAX_OPSET}, got {opset_version}")
    return opset_version
