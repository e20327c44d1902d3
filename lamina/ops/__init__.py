"""Every op of Lamina, one file per family; each op's forward and backward side by side.

    arithmetic.py     + - * / ** and the elementwise maths (exp, log, sqrt, clamp, where, ...), comparisons
    conversion.py     dtype casts and copies (astype, float, double, clone)
    linear.py         matmul, linear
    reduction.py      sum, mean, max, min, var, std, prod, logsumexp, argmax, norm
    shape.py          reshape, permute, expand, cat, stack, split, pad, flip, roll
    indexing.py       x[i], index_select, gather, masked_fill
    activation.py     step, sigmoid, tanh, relu, ..., softmax, log_softmax
    loss.py           mse, cross-entropy and the other losses
    conv.py           conv1d, conv2d, conv_transpose1d/2d
    pool.py           max/avg/adaptive pooling, and max pooling fused with the ReLU before it
    resize.py         interpolate (nearest, bilinear)
    normalization.py  batch_norm, layer_norm
    regularization.py dropout
    embedding.py      embedding, one_hot

This package is the op registry, derived from the family files themselves (no table of names):
- every public function of a family module is an op: ``lm.<name>`` and ``F.<name>``;
- an op that is also a Tensor method or operator says so where it is defined, with
  ``@tensor_method("sum")`` or ``@tensor_method("add", "__add__", reflected=("__radd__",))``, and is
  bound to ``Tensor`` here;
- each op's ``Function`` class carries the op's ``name`` (shown by ``repr``, ``trace``, ``draw_graph``).
A new family is a new file here: it is found and loaded like the others.

The tuned array routines the ops call (patch matrices, col2im, pooling tournaments, ...) live in
``lamina/kernels/``.
"""
import importlib as _importlib
import pkgutil as _pkgutil

from ..tensor import Tensor as _Tensor


def _families():
    """The family modules of this package, in name order (files starting with _ are helpers)."""
    return [_importlib.import_module(f"{__name__}.{info.name}")
            for info in sorted(_pkgutil.iter_modules(__path__), key=lambda info: info.name)
            if not info.name.startswith("_")]


def _public_ops(module) -> dict:
    """The ops a family defines: its public functions (aliases such as ``clip = clamp`` included)."""
    return {name: obj for name, obj in vars(module).items()
            if not name.startswith("_") and callable(obj) and not isinstance(obj, type)
            and getattr(obj, "__module__", None) == module.__name__}


def _bind_tensor_methods(module) -> None:
    """Make the family's ``@tensor_method`` functions methods (or properties) of Tensor."""
    for obj in vars(module).values():
        for name in getattr(obj, "tensor_methods", ()):
            setattr(_Tensor, name, property(obj) if getattr(obj, "is_property", False) else obj)
        for name in getattr(obj, "reflected_methods", ()):
            setattr(_Tensor, name, _reflected(obj))


def _reflected(fn):
    """``fn`` with its two operands swapped, for ``other + tensor`` (``Tensor.__radd__``)."""
    def method(self, other):
        return fn(other, self)

    method.__name__ = f"r{fn.__name__}"
    return method


__all__ = []
for _module in _families():
    _ops = _public_ops(_module)
    globals().update(_ops)
    __all__ += sorted(_ops)
    _bind_tensor_methods(_module)
