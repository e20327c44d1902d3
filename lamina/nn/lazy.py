"""Lazy layers as torch.nn's: ``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d``. The input size (in_features, in_channels, num_features) is read from the first input;
the parameters are then created in place (the same Parameter objects, so an optimiser built before still holds
them) and initialised, and the layer becomes its eager class (``LazyLinear`` -> ``Linear``), as PyTorch.
Loading a state_dict into an unused lazy layer takes the sizes from it."""
from __future__ import annotations

from ..backend import xp
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from ..errors import ArgumentError, DimensionError


class _LazyMixin:
    """Call ``_materialize(size)`` with the size the first input gives, then become ``cls_to_become``."""

    cls_to_become = None

    def has_uninitialized_params(self) -> bool:
        return self.__dict__.get("_uninitialized", False)

    def reset_parameters(self, generator=None) -> None:
        if not self.has_uninitialized_params():
            super().reset_parameters(generator)

    def _resize(self, name: str, shape: tuple, fill=None) -> None:
        tensor = getattr(self, name)
        if tensor is not None:
            tensor.data = xp.empty(shape, dtype=tensor.dtype) if fill is None else xp.full(shape, fill, tensor.dtype)

    def _finish(self) -> None:
        object.__setattr__(self, "_uninitialized", False)
        self.reset_parameters()

    def __call__(self, *args, **kwargs):
        if self.has_uninitialized_params():
            if not args:
                raise ArgumentError(f"{type(self).__name__}: the first call needs the input to infer its size")
            self._materialize(self._input_size(args[0]))
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become
        return Module.__call__(self, *args, **kwargs)

    def _upgrade_state_dict(self, state_dict: dict, prefix: str) -> None:
        """An unused lazy layer takes its input size from the checkpoint's weight."""
        super()._upgrade_state_dict(state_dict, prefix)
        key = prefix + self._size_key
        if self.has_uninitialized_params() and key in state_dict:
            self._materialize(tuple(state_dict[key].shape)[self._size_axis] * self._size_factor())

    _size_key, _size_axis = "weight", 1

    def _size_factor(self) -> int:
        return 1


class LazyLinear(_LazyMixin, Linear):
    """Linear whose in_features is the last size of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        object.__setattr__(self, "_uninitialized", True)
        super().__init__(0, out_features, bias, device, dtype)

    def _input_size(self, x) -> int:
        if x.ndim == 0:
            raise DimensionError(f"LazyLinear: expected an input with at least 1 dimension (its last is "
                                 f"in_features), got shape {tuple(x.shape)}")
        return x.shape[-1]

    def _materialize(self, in_features: int) -> None:
        self.in_features = in_features
        self._resize("weight", (self.out_features, in_features))
        self._finish()


class _LazyConvMixin(_LazyMixin):
    transposed = False

    def _input_size(self, x) -> int:
        spatial = len(self.kernel_size)
        if x.ndim not in (spatial + 1, spatial + 2):
            raise ArgumentError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to "
                                f"{type(self).__name__}, but got input of size: {tuple(x.shape)}")
        return x.shape[1] if x.ndim == spatial + 2 else x.shape[0]

    def _size_factor(self) -> int:
        return 1 if self.transposed else self.groups

    @property
    def _size_axis(self):
        return 0 if self.transposed else 1

    def _materialize(self, in_channels: int) -> None:
        if in_channels % self.groups:
            raise ArgumentError(f"{type(self).__name__}: in_channels ({in_channels}) must be divisible by groups "
                                f"({self.groups})")
        self.in_channels = in_channels
        if self.transposed:
            self._resize("weight", (in_channels, self.out_channels // self.groups) + self.kernel_size)
        else:
            self._resize("weight", (self.out_channels, in_channels // self.groups) + self.kernel_size)
        self._finish()


def _lazy_conv(eager, transposed: bool):
    """LazyConvNd / LazyConvTransposeNd: ``eager``'s arguments without in_channels."""
    if transposed:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                     dilation=1, padding_mode="zeros", device=None, dtype=None):
            object.__setattr__(self, "_uninitialized", True)
            eager.__init__(self, 0, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation,
                           padding_mode, device, dtype)
    else:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                     padding_mode="zeros", device=None, dtype=None):
            object.__setattr__(self, "_uninitialized", True)
            eager.__init__(self, 0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                           device, dtype)
    name = f"Lazy{eager.__name__}"
    return type(name, (_LazyConvMixin, eager), {"__init__": __init__, "cls_to_become": eager, "transposed": transposed,
                                                 "__doc__": f"{eager.__name__} whose in_channels comes from the first "
                                                            "input.", "__module__": __name__})


LazyConv1d, LazyConv2d, LazyConv3d = (_lazy_conv(c, False) for c in (Conv1d, Conv2d, Conv3d))
LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d = (
    _lazy_conv(c, True) for c in (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d))


class _LazyBatchNormMixin(_LazyMixin):
    _size_axis = 0

    def _input_size(self, x) -> int:
        return x.shape[1] if x.ndim >= 2 else 0

    def _upgrade_state_dict(self, state_dict: dict, prefix: str) -> None:
        key = next((prefix + k for k in ("weight", "running_mean") if prefix + k in state_dict), None)
        if self.has_uninitialized_params() and key is not None:
            self._materialize(tuple(state_dict[key].shape)[0])
        super(_LazyMixin, self)._upgrade_state_dict(state_dict, prefix)  # BatchNorm's (num_batches_tracked)

    def reset_parameters(self, generator=None) -> None:
        """weight 1, bias 0, running mean 0, variance 1, count 0."""
        if self.has_uninitialized_params():
            return
        for name, fill in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
            tensor = getattr(self, name)
            if tensor is not None:
                tensor.data[...] = fill
        if self.num_batches_tracked is not None:
            self.num_batches_tracked.data[...] = 0

    def _materialize(self, num_features: int) -> None:
        self.num_features = num_features
        for name in ("weight", "bias", "running_mean", "running_var"):
            self._resize(name, (num_features,))
        self._finish()


def _lazy_batch_norm(eager):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        object.__setattr__(self, "_uninitialized", True)
        eager.__init__(self, 0, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
    return type(f"Lazy{eager.__name__}", (_LazyBatchNormMixin, eager),
                {"__init__": __init__, "cls_to_become": eager, "__module__": __name__,
                 "__doc__": f"{eager.__name__} whose num_features comes from the first input."})


LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d = (_lazy_batch_norm(c) for c in (BatchNorm1d, BatchNorm2d,
                                                                                    BatchNorm3d))
