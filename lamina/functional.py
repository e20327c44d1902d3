"""The functional namespace, ``import lamina.functional as F`` (PyTorch's ``torch.nn.functional``).

Every op of ``lamina.ops`` is here under its PyTorch name.
"""
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all  # noqa: F401
