"""Normalisation layers: ``BatchNorm1d/2d/3d`` (with running statistics), ``LayerNorm``, ``GroupNorm``,
``InstanceNorm1d/2d/3d``.

y = (x - mean) / sqrt(var + eps) * gamma + beta; in training the mean and variance come from the
batch and update the running estimates, in eval the running estimates are used.
"""
from __future__ import annotations

import numbers

from .. import functional as F
from ..backend import xp
from ..creation import ones, zeros
from ..tensor import Tensor
from .module import Module, Parameter
from ..errors import ArgumentError, DtypeError


def _affine_parameters(layer: Module, shape: tuple, affine: bool, bias: bool, dtype) -> None:
    """weight = 1 and bias = 0 of ``shape`` when ``affine`` (no bias with bias=False), else both registered as None,
    as PyTorch (so ``layer.weight`` is None and neither is in state_dict)."""
    layer.register_parameter("weight", Parameter(ones(*shape, dtype=dtype)) if affine else None)
    layer.register_parameter("bias", Parameter(zeros(*shape, dtype=dtype)) if affine and bias else None)


def _running_statistics(layer, num_features: int, track: bool, dtype) -> None:
    """running_mean = 0, running_var = 1 and num_batches_tracked = 0 as buffers when ``track``, else the three
    registered as None, as PyTorch (batch norm and instance norm alike)."""
    if track:
        layer.register_buffer("running_mean", zeros(num_features, dtype=dtype))
        layer.register_buffer("running_var", ones(num_features, dtype=dtype))
        layer.register_buffer("num_batches_tracked", Tensor(xp.zeros((), dtype=xp.int64)))
    else:
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            layer.register_buffer(name, None)


class _BatchNorm(Module):
    input_ndims = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, (num_features,), affine, bias, dtype)
        _running_statistics(self, num_features, track_running_stats, dtype)

    def _upgrade_state_dict(self, state_dict: dict, prefix: str) -> None:
        """A checkpoint without num_batches_tracked (older PyTorch) loads with the current count, as PyTorch."""
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict and self.num_batches_tracked is not None:
            state_dict[key] = self.num_batches_tracked.detach()

    def forward(self, x):
        if x.ndim not in self.input_ndims or x.shape[1] != self.num_features:
            raise ArgumentError(f"{type(self).__name__}: expected input with {self.num_features} channels in dim 1 "
                             f"and {' or '.join(map(str, self.input_ndims))} dimensions, got shape {tuple(x.shape)}")
        use_batch_stats = self.training or not self.track_running_stats
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if momentum is None:  # a cumulative average of every batch so far, as PyTorch
                momentum = 1.0 / float(self.num_batches_tracked.item())
        return F.batch_norm(x, self.running_mean if self.track_running_stats else None,
                            self.running_var if self.track_running_stats else None, self.weight, self.bias,
                            training=use_batch_stats, momentum=0.0 if momentum is None else momentum, eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Over (N, C) or (N, C, L)."""

    input_ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Over (N, C, H, W), one mean and variance per channel."""

    input_ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Over (N, C, D, H, W), one mean and variance per channel."""

    input_ndims = (5,)


class GroupNorm(Module):
    """Normalises each sample's ``num_groups`` groups of channels; a weight and bias per channel."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ArgumentError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                                f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_parameters(self, (num_channels,), affine, bias, dtype)

    def forward(self, x):
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(Module):
    """Each sample's channel normalised over its positions; input (N, C, *) or unbatched (C, *)."""

    spatial_ndim = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, (num_features,), affine, bias, dtype)
        _running_statistics(self, num_features, track_running_stats, dtype)

    def forward(self, x):
        batched = self.spatial_ndim + 2
        if x.ndim not in (batched - 1, batched):
            raise ArgumentError(f"{type(self).__name__}: expected {batched - 1}-D (unbatched) or {batched}-D input, "
                                f"got shape {tuple(x.shape)}")
        unbatched = x.ndim == batched - 1
        if unbatched:
            x = x.unsqueeze(0)
        if x.shape[1] != self.num_features and self.affine:
            raise ArgumentError(f"{type(self).__name__}: expected input with {self.num_features} channels in dim 1, "
                                f"got shape {tuple(x.shape)}")
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum  # None: the running stats stay, as PyTorch
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_input_stats=use_input_stats, momentum=momentum, eps=self.eps)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Over (N, C, L) or (C, L)."""

    spatial_ndim = 1


class InstanceNorm2d(_InstanceNorm):
    """Over (N, C, H, W) or (C, H, W)."""

    spatial_ndim = 2


class InstanceNorm3d(_InstanceNorm):
    """Over (N, C, D, H, W) or (C, D, H, W)."""

    spatial_ndim = 3


class LayerNorm(Module):
    """Normalises over the last ``len(normalized_shape)`` dimensions of each sample."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        shape = (int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        _affine_parameters(self, shape, elementwise_affine, bias, dtype)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """y_c = x_c / (k + alpha / n sum_{c' near c} x_c'^2)^beta over ``size`` neighbouring channels (AlexNet),
    computed as PyTorch's: the squares zero-padded by size // 2 before and (size - 1) // 2 after, averaged."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        if x.ndim < 3:
            raise ArgumentError(f"LocalResponseNorm: Expected 3D or higher dimensionality input (got {x.ndim} "
                                f"dimensions)")
        if x.numel() == 0:
            return x
        size, shape = self.size, tuple(x.shape)
        squares = (x * x).reshape(shape[0], 1, shape[1], shape[2], -1)
        squares = F.pad(squares, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        average = F.avg_pool3d(squares, (size, 1, 1), stride=1).reshape(shape)
        return x / (average * self.alpha + self.k) ** self.beta

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """y = x / sqrt(mean(x^2) + eps) * weight over the last ``len(normalized_shape)`` dimensions; ``eps=None``
    is the input dtype's machine epsilon, as PyTorch."""

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None):
        super().__init__()
        shape = (int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", Parameter(ones(*shape, dtype=dtype)) if elementwise_affine else None)

    def forward(self, x):
        n = len(self.normalized_shape)
        if tuple(x.shape[x.ndim - n:]) != self.normalized_shape or x.ndim < n:
            raise ArgumentError(f"RMSNorm: Given normalized_shape={list(self.normalized_shape)}, expected input with "
                                f"shape [*, {', '.join(map(str, self.normalized_shape))}], but got input of size "
                                f"{list(x.shape)}")
        if x.dtype.kind != "f":
            raise DtypeError(f'RMSNorm: "rms_norm" not implemented for {x.dtype} input (a floating dtype is needed)')
        eps = float(xp.finfo(x.dtype).eps) if self.eps is None else self.eps
        dims = tuple(range(x.ndim - n, x.ndim))
        y = x * ((x * x).mean(dim=dims, keepdim=True) + eps).rsqrt() if dims else x * (x * x + eps).rsqrt()
        return y * self.weight if self.weight is not None else y

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, *) whose statistics PyTorch syncs across processes; in one process (Lamina's case)
    it is the batch norm of its input. ``process_group`` is accepted."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    input_ndims = range(2, 65)  # any (N, C, *)

    def forward(self, x):
        if x.ndim < 2:
            raise ArgumentError(f"SyncBatchNorm: expected at least 2D input (got {x.ndim}D input)")
        return super().forward(x)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """``module`` with every BatchNorm1d/2d/3d replaced by a SyncBatchNorm holding the same tensors."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            for name in ("weight", "bias"):
                converted.register_parameter(name, module._parameters.get(name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                converted.register_buffer(name, module._buffers.get(name))
            converted.train(module.training)
            return converted
        for name, child in list(module._modules.items()):
            if child is not None:
                module._modules[name] = cls.convert_sync_batchnorm(child, process_group)
        return module
