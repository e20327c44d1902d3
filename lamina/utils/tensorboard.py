"""``SummaryWriter``: TensorBoard logs from a plain training loop, as ``torch.utils.tensorboard``:

    from lamina.utils.tensorboard import SummaryWriter
    writer = SummaryWriter("runs/mnist")
    writer.add_scalar("loss/train", loss.item(), step)
    writer.add_histogram("fc1.weight", model.fc1.weight, epoch)
    writer.add_images("inputs", x[:16], epoch)            # (N, C, H, W) in [0, 1]
    writer.add_graph(model, x[:1])                        # the model's graph, through its ONNX export
    writer.close()                                        # then: tensorboard --logdir runs

The event files are written by tensorboardX (``pip install tensorboardX``), the kept, stand-alone writer of
TensorBoard's format; this class only turns Lamina tensors into the NumPy arrays it takes. For ``Model.fit``
the ``lamina.train.TensorBoard`` callback does the logging.
"""
from __future__ import annotations

import os
import tempfile

from ..tensor import Tensor

try:
    from tensorboardX import SummaryWriter as _Writer
except ImportError as err:
    raise ImportError("lamina.utils.tensorboard needs tensorboardX: pip install tensorboardX") from err


def _host(value):
    """A Lamina tensor as a NumPy array (detached); anything else unchanged."""
    return value.detach().numpy() if isinstance(value, Tensor) else value


class SummaryWriter(_Writer):
    """tensorboardX's SummaryWriter (same signature: ``log_dir``, ``comment``, ``flush_secs``, ...) taking
    Lamina tensors wherever it takes arrays."""

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, **kwargs):
        value = _host(scalar_value)
        return super().add_scalar(tag, float(value), global_step, walltime, **kwargs)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        values = {tag: float(_host(value)) for tag, value in tag_scalar_dict.items()}
        return super().add_scalars(main_tag, values, global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        return super().add_histogram(tag, _host(values), global_step, bins, walltime, max_bins)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        return super().add_image(tag, _host(img_tensor), global_step, walltime, dataformats)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        return super().add_images(tag, _host(img_tensor), global_step, walltime, dataformats)

    def add_graph(self, model, input_to_model=None, verbose=False, **kwargs):
        """The graph of ``model`` run on ``input_to_model`` (a tensor or a tuple of them), as TensorBoard's
        Graphs tab draws it: exported to ONNX (``lamina.onnx``), then read by tensorboardX."""
        from .. import onnx as lamina_onnx
        if input_to_model is None:
            raise ValueError("add_graph: give an example input (input_to_model) to trace the model with")
        handle, path = tempfile.mkstemp(suffix=".onnx")
        os.close(handle)
        try:
            lamina_onnx.export(model, input_to_model, path)
            return self.add_onnx_graph(path)
        finally:
            os.unlink(path)
