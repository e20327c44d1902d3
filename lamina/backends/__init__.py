"""``lm.backends``: the flags and questions PyTorch keeps under ``torch.backends``.

    lm.backends.mps.is_available()      # False: Lamina has no Metal backend
    lm.backends.cuda.is_built()         # True when CuPy is installed
    lm.backends.cudnn.deterministic = True   # accepted (NumPy's results are deterministic anyway)
"""
from types import SimpleNamespace

from .. import cuda as _cuda


def _false() -> bool:
    return False


mps = SimpleNamespace(is_available=_false, is_built=_false, is_macos_or_newer=lambda major, minor: False)
cuda = SimpleNamespace(is_built=lambda: "CuPy is not installed" not in (_cuda.unavailable_reason() or ""),
                       matmul=SimpleNamespace(allow_tf32=False), is_available=_cuda.is_available)
cudnn = SimpleNamespace(is_available=_false, enabled=True, deterministic=False, benchmark=False, allow_tf32=True,
                        version=lambda: None)
mkldnn = SimpleNamespace(is_available=_false, enabled=False)
openmp = SimpleNamespace(is_available=_false)
