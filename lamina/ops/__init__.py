"""Every op of Lamina, one file per family; each op's forward and backward side by side.

    arithmetic.py     + - * / ** // %, div rounding modes, fmod, minimum/maximum, clamp, where, comparisons,
                      isclose/isinf/isnan, lerp, atan2, copysign, logaddexp, hypot, exp, log, sqrt, sin, cos, abs
    bitwise.py        & | ^ ~ << >> on integers (logical on bool), logical_and/or/xor/not
    maths.py          the elementwise functions: rsqrt, erf/erfc/erfinv, log2/log10/exp2/expm1, tan, asin ...
                      atanh, sinh/cosh, floor/ceil/round/trunc/frac, logit, sinc, nan_to_num, i0
    scan.py           cumsum, cumprod, cummax, cummin, logcumsumexp, diff
    conversion.py     dtype casts and copies (to, type, half, float, double, clone, view(dtype)), new_* tensors
    linear.py         matmul, linear, einsum, mm/bmm/mv/dot/outer/inner, addmm/baddbmm, tensordot, bilinear
    attention.py      scaled_dot_product_attention (masks, causal, dropout, grouped-query)
    reduction.py      sum, mean, prod, max/min, amax/amin, var/std(_mean), logsumexp, argmax, norm, all/any,
                      count_nonzero, median, mode, quantile, nansum/nanmean
    sorting.py        sort, argsort, msort, topk, kthvalue, unique, searchsorted, bucketize
    shape.py          reshape/view, permute, expand, cat/stack, split/chunk, pad (4 modes), flip, roll, repeat,
                      tile, repeat_interleave, tril/triu, diagonal/diag, meshgrid, Tensor.unfold, narrow, movedim
    indexing.py       x[i] and x[i] = v (PyTorch's placement), index_select, gather, scatter(_reduce), index_add,
                      masked_fill/select/scatter, nonzero, take(_along_dim), index_put
    activation.py     step, sigmoid, tanh, relu, ..., silu, mish, hardsigmoid, glu, prelu, softmax, log_softmax
    loss.py           mse, cross-entropy and the other losses (margins, triplet, NLL variants, ...)
    conv.py           conv1d/2d/3d, conv_transpose1d/2d/3d
    fold.py           unfold (im2col) and fold (col2im)
    pool.py           max/avg/adaptive/LP pooling in 1-3 D, max_unpool, max pooling fused with the ReLU before it
    resize.py         interpolate (nearest, nearest-exact, (bi/tri)linear, bicubic, area)
    normalization.py  batch_norm, layer_norm, group_norm, instance_norm, normalize
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
from ..tensor import inplace_variant as _inplace_variant


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


def _bind_inplace_variants(modules) -> None:
    """``x.<name>_()`` for every op declared with ``@tensor_method(..., inplace=True)``, unless a family or the
    Tensor class defines that in-place method itself (``x.add_``, ``x.scatter_``): those win."""
    for module in modules:
        for obj in vars(module).values():
            for name in getattr(obj, "inplace_methods", ()):
                if name + "_" not in vars(_Tensor):
                    setattr(_Tensor, name + "_", _inplace_variant(name, obj.inplace_reshapes))


def _reflected(fn):
    """``fn`` with its two operands swapped, for ``other + tensor`` (``Tensor.__radd__``)."""
    def method(self, other):
        return fn(other, self)

    method.__name__ = f"r{fn.__name__}"
    return method


__all__ = []
_loaded = _families()
for _module in _loaded:
    _ops = _public_ops(_module)
    globals().update(_ops)
    __all__ += sorted(_ops)
    _bind_tensor_methods(_module)
_bind_inplace_variants(_loaded)
