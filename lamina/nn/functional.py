"""``import lamina.nn.functional as F``, as PyTorch code writes ``import torch.nn.functional as F``: the same
namespace as ``lamina.functional`` (every op under its PyTorch name)."""
from ..functional import *  # noqa: F401,F403
