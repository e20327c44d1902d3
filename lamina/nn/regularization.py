"""Activity regularisation: a penalty on what a layer outputs, not on its weights.

The "sparsity constraint" of sparse autoencoders (course seed 003): put ``ActivityRegularization``
after the code layer, and its penalty

    penalty = (l1 * sum |a| + l2 * sum a^2) / batch size        (as Keras)

is added to the loss, so the network learns codes with few active units. ``lm.Model`` adds the
penalties of every such layer to the compiled loss by itself; in a plain loop add
``activity_penalty(model)`` to the loss.
"""
from __future__ import annotations

from .module import Module
from ..errors import ArgumentError


class ActivityRegularization(Module):
    """Identity layer that records an L1/L2 penalty of its input at each training forward pass."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        super().__init__()
        if l1 < 0 or l2 < 0:
            raise ArgumentError(f"ActivityRegularization: l1 and l2 must be >= 0, got l1={l1}, l2={l2}")
        self.l1, self.l2 = l1, l2
        self.penalty = None

    def forward(self, x):
        if self.training:
            batch = x.shape[0] if x.ndim else 1
            penalty = 0.0
            if self.l1:
                penalty = x.abs().sum() * (self.l1 / batch)
            if self.l2:
                penalty = penalty + (x * x).sum() * (self.l2 / batch)
            self.penalty = penalty if (self.l1 or self.l2) else None
        return x

    def extra_repr(self) -> str:
        return f"l1={self.l1}, l2={self.l2}"


def activity_penalty(model: Module):
    """The sum of the penalties recorded by the model's ActivityRegularization layers in the last
    forward pass (each is consumed: a second call returns 0 until the next forward). 0 if none."""
    total, stack = 0.0, [model]
    while stack:  # every sub-module (a plain walk: this runs at every training step)
        module = stack.pop()
        if isinstance(module, ActivityRegularization) and module.penalty is not None:
            total = total + module.penalty
            module.penalty = None
        stack.extend(child for child in module._modules.values() if child is not None)
    return total
