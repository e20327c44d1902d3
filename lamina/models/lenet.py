"""LeNet-5 (LeCun, Bottou, Bengio and Haffner 1998, "Gradient-based learning applied to document
recognition"), the network of course seeds 003 and 004, with the paper's options.

    input 1x32x32 -> C1 conv 5x5, 6 maps (28x28) -> S2 subsampling 2x2 (14x14)
    -> C3 conv 5x5, 16 maps (10x10), each fed by a SUBSET of S2's maps (Table I) -> S4 (5x5)
    -> C5 conv 5x5, 120 maps (1x1) -> F6 84 units -> output 10

Table I of the paper (seed 003 prints it) connects C3's maps to S2's as follows: maps 0-5 see three
neighbouring S2 maps, 6-11 four neighbours, 12-14 four non-neighbours, 15 all six: 60 of the 96
(map, map) pairs, so C3 has 60 x 25 weights + 16 biases = 1,516 parameters instead of 2,416.
Here that is a ``MaskedConv2d``: a full (16, 6, 5, 5) weight multiplied in forward by a fixed 0/1
mask of shape (16, 6, 1, 1), so the weights outside the table stay at zero and get zero gradient.

Differences from the paper, all optional: ``pooling='trainable'`` is the paper's S2/S4 (sum of the
2x2 window times a trainable coefficient plus a trainable bias per map, 12 and 32 parameters);
'avg' and 'max' have no parameters. The paper squashes with 1.7159 tanh(2a/3) (here plain tanh or
ReLU) and ends with 84-to-10 Euclidean RBF units whose parameters were fixed by hand (here a Linear
layer, 850 trainable parameters). With the table and trainable subsampling, C1 to F6 hold exactly
the paper's 60,000 trainable parameters.
"""
from __future__ import annotations

import math
from collections import OrderedDict

from .. import functional as F
from ..autograd import no_grad
from ..backend import DEFAULT_FLOAT, xp
from ..creation import ones, zeros
from ..nn import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, Module, Parameter, ReLU, Sequential, Tanh
from ..tensor import Tensor

# Table I: for each C3 map (column 0..15), the S2 maps (rows 0..5) it is connected to.
LECUN_C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)
# Trainable parameters per layer in the paper (section II.B); F6 -> output are fixed RBF centres.
PAPER_PARAMETERS = OrderedDict(C1=156, S2=12, C3=1516, S4=32, C5=48120, F6=10164)


def c3_connection_mask(connections: str = "lecun", dtype=DEFAULT_FLOAT):
    """The (16, 6) 0/1 matrix ``mask[out_map, in_map]`` of C3: Table I ('lecun') or all ones ('full')."""
    if connections == "full":
        return xp.ones((16, 6), dtype=dtype)
    if connections != "lecun":
        raise ValueError(f"LeNet5: c3_connections must be 'full' or 'lecun', got {connections!r}")
    mask = xp.zeros((16, 6), dtype=dtype)
    for out_map, in_maps in enumerate(LECUN_C3_TABLE):
        mask[out_map, list(in_maps)] = 1
    return mask


class MaskedConv2d(Conv2d):
    """A Conv2d whose weight is multiplied by a fixed 0/1 ``mask`` (out, in, 1, 1) in forward.

    y = conv2d(x, W * mask) + b, so dL/dW = mask * (the usual gradient): the weights of missing
    connections get zero gradient and, zeroed at construction, stay zero under any optimiser.
    """

    def __init__(self, in_channels, out_channels, kernel_size, mask, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, **kwargs)
        mask = xp.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=self.weight.dtype)
        if mask.ndim == 2:
            mask = mask[:, :, None, None]
        if mask.shape != (out_channels, in_channels, 1, 1):
            raise ValueError(f"MaskedConv2d: mask must have shape ({out_channels}, {in_channels}) or "
                             f"({out_channels}, {in_channels}, 1, 1), got {tuple(mask.shape)}")
        self.register_buffer("mask", Tensor._wrap(mask), persistent=False)
        with no_grad():
            self.weight.data *= mask

    def forward(self, x):
        self._check_input(x, 4)
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def num_free_parameters(self) -> int:
        """Weights inside the mask plus biases: what the layer can learn (1,516 for LeNet's C3)."""
        kernel = math.prod(self.weight.shape[2:])
        return int(self.mask.data.sum()) * kernel + (self.bias.numel() if self.bias is not None else 0)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", connections={int(self.mask.data.sum())}/{self.mask.numel()}"


class Subsampling(Module):
    """LeNet's S2/S4: y = coefficient * (sum of each k x k window) + bias, one pair per map."""

    def __init__(self, channels: int, kernel_size: int = 2):
        super().__init__()
        self.channels, self.kernel_size = channels, kernel_size
        self.weight = Parameter(ones(1, channels, 1, 1))
        self.bias = Parameter(zeros(1, channels, 1, 1))

    def forward(self, x):
        window_sum = F.avg_pool2d(x, self.kernel_size, self.kernel_size) * float(self.kernel_size ** 2)
        return window_sum * self.weight + self.bias

    def extra_repr(self) -> str:
        return f"{self.channels}, kernel_size={self.kernel_size}"


_ACTIVATIONS = {"tanh": Tanh, "relu": ReLU}


def _pool(kind: str, channels: int) -> Module:
    if kind == "avg":
        return AvgPool2d(2)
    if kind == "max":
        return MaxPool2d(2)
    if kind == "trainable":
        return Subsampling(channels, 2)
    raise ValueError(f"LeNet5: pooling must be 'avg', 'max' or 'trainable', got {kind!r}")


class LeNet5(Sequential):
    """LeNet-5 for (N, 1, input_size, input_size) images; ``input_size`` 32 (the paper) or 28 (MNIST,
    padded by 2 in C1 so that the feature maps keep the paper's sizes).

    ``c3_connections``: 'full' (every C3 map sees all six S2 maps, as most modern code does) or
    'lecun' (Table I). ``activation``: 'tanh' (classic) or 'relu'. ``pooling``: 'avg' (subsampling
    without parameters), 'max', or 'trainable' (the paper's S2/S4).
    """

    def __init__(self, c3_connections: str = "full", activation: str = "tanh", pooling: str = "avg",
                 num_classes: int = 10, in_channels: int = 1, input_size: int = 32):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"LeNet5: activation must be 'tanh' or 'relu', got {activation!r}")
        if input_size > 32 or (32 - input_size) % 2:
            raise ValueError(f"LeNet5: input_size must be 32, or smaller by an even number (28 for MNIST), "
                             f"got {input_size}")
        act = _ACTIVATIONS[activation]
        mask = c3_connection_mask(c3_connections)
        c3 = (Conv2d(6, 16, 5) if c3_connections == "full" else MaskedConv2d(6, 16, 5, mask))
        layers = [("c1", Conv2d(in_channels, 6, 5, padding=(32 - input_size) // 2)), ("act1", act()),
                  ("s2", _pool(pooling, 6))]
        layers += [("act_s2", act())] if pooling == "trainable" else []
        layers += [("c3", c3), ("act3", act()), ("s4", _pool(pooling, 16))]
        layers += [("act_s4", act())] if pooling == "trainable" else []
        layers += [("c5", Conv2d(16, 120, 5)), ("act5", act()), ("flatten", Flatten()),
                   ("f6", Linear(120, 84)), ("act6", act()), ("output", Linear(84, num_classes))]
        super().__init__(OrderedDict(layers))
        self.c3_connections, self.activation, self.pooling = c3_connections, activation, pooling

    def parameter_counts(self) -> OrderedDict:
        """Free (learnable) parameters per layer with parameters: masked-out C3 weights do not count."""
        counts = OrderedDict()
        for name, layer in self.named_children():
            count = (layer.num_free_parameters() if isinstance(layer, MaskedConv2d)
                     else sum(p.numel() for p in layer.parameters()))
            if count:
                counts[name] = count
        return counts

    def num_free_parameters(self) -> int:
        """Total learnable parameters (60,806 with Table I and avg pooling; 60,850 with 'trainable')."""
        return sum(self.parameter_counts().values())


def lenet5_parameter_count(c3_connections: str = "full", pooling: str = "avg", num_classes: int = 10) -> int:
    """Learnable parameters of ``LeNet5(c3_connections, pooling=pooling)`` from the layer shapes alone."""
    c3_links = int(c3_connection_mask(c3_connections).sum())
    pool = {"avg": 0, "max": 0, "trainable": 2 * 6 + 2 * 16}[pooling]
    return (6 * (25 + 1) + c3_links * 25 + 16 + pool + 120 * (16 * 25 + 1) + 84 * (120 + 1)
            + num_classes * (84 + 1))
