"""``parameters_to_vector`` / ``vector_to_parameters``: every parameter flattened into one 1-D tensor and back
(PyTorch's torch.nn.utils), e.g. for second-order methods or evolution strategies."""
from __future__ import annotations

from ...autograd import no_grad
from ...functional import cat
from ...tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """The parameters, each flattened, concatenated in order (in the graph, as PyTorch)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters (their shapes), in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.data = vec.data[offset:offset + n].reshape(p.shape).astype(p.dtype)
            offset += n
