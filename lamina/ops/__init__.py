"""Every op of Lamina, one file per family; each op's forward and backward side by side.

    arithmetic.py  + - * / ** exp log sqrt abs sin cos clamp maximum where, comparisons
    linear.py      matmul, linear
    reduction.py   sum mean max min var std prod logsumexp argmax
    shape.py       reshape permute expand cat stack split pad flip roll
    indexing.py    x[i], index_select, gather, masked_fill
    activation.py  step sigmoid tanh relu ... softmax log_softmax
    loss.py        mse, cross-entropy and the other losses
    conv.py        conv1d, conv2d, conv_transpose2d
    pool.py        max/avg/adaptive pooling
    resize.py      interpolate (nearest, bilinear)
    normalization.py  batch_norm, layer_norm
    regularization.py dropout
    embedding.py   embedding
"""
from .activation import (elu, gelu, hardtanh, heaviside, leaky_relu, linear_activation, log_softmax, relu,
                         selu, sigmoid, softmax, softplus, softsign, step, tanh)
from .arithmetic import (abs, add, allclose, cast, clamp, clip, clone, cos, div, eq, exp, ge, gt, isfinite,
                         isnan, le, log, log1p, logical_and, logical_not, logical_or, lt, maximum, minimum, mul,
                         ne, neg, pow, sign, sin, sqrt, sub, where)
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .embedding import embedding, one_hot
from .indexing import gather, getitem, index_select, masked_fill
from .linear import linear, matmul
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div,
                   l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from .normalization import batch_norm, layer_norm
from .pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
                   avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from .reduction import (amax, amin, argmax, argmin, logsumexp, max, mean, min, norm, prod, std, sum, var)
from .regularization import dropout, dropout2d
from .resize import interpolate, upsample
from .shape import (broadcast_tensors, broadcast_to, cat, chunk, concat, concatenate, expand, expand_as, flatten,
                    flip, pad, permute, reshape, roll, split, squeeze, stack, swapaxes, transpose, unsqueeze, view)

import types as _types

__all__ = [_name for _name, _obj in list(globals().items())
           if not _name.startswith("_") and not isinstance(_obj, _types.ModuleType)]
