"""VGG (Simonyan and Zisserman 2014, "Very deep convolutional networks for large-scale image recognition"),
seeds 002 and 004, with torchvision's module structure and parameter names: a torchvision ``state_dict``
loads unchanged.

Why stacks of 3x3 convolutions: two 3x3 layers see a 5x5 patch and three see 7x7 (each adds 2 to the
receptive field; the ``receptive_field`` lesson measures it), with fewer weights (2 * 9 C^2 = 18 C^2
against 25 C^2; 27 C^2 against 49 C^2) and a ReLU between them, so more non-linearity per patch.
VGG is only that: blocks of 3x3 convolutions (padding 1, the size kept) each closed by a 2x2 max pool
(the size halved, the channels doubled up to 512), then three fully connected layers, which hold 124 of
VGG-16's 138 million parameters.

    configuration A (vgg11)  1, 1, 2, 2, 2 convolutions per block
    configuration B (vgg13)  2, 2, 2, 2, 2
    configuration D (vgg16)  2, 2, 3, 3, 3     138,357,544 parameters, 15.47 G multiply-adds at 224x224
    configuration E (vgg19)  2, 2, 4, 4, 4
"""
from __future__ import annotations

from .. import functional as F
from ..nn import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, Module, ReLU, Sequential, init

BLOCK_CHANNELS = (64, 128, 256, 512, 512)
CONVS_PER_BLOCK = {"A": (1, 1, 2, 2, 2), "B": (2, 2, 2, 2, 2), "D": (2, 2, 3, 3, 3), "E": (2, 2, 4, 4, 4)}


def vgg_block(in_channels: int, out_channels: int, num_convs: int, batch_norm: bool = False) -> Sequential:
    """``num_convs`` 3x3 convolutions (padding 1) each followed by ReLU (BatchNorm before it with
    ``batch_norm``), then a 2x2 max pool: (N, in, H, W) -> (N, out, H/2, W/2)."""
    layers, channels = [], in_channels
    for _ in range(num_convs):
        layers.append(Conv2d(channels, out_channels, kernel_size=3, padding=1))
        layers += [BatchNorm2d(out_channels), ReLU(inplace=True)] if batch_norm else [ReLU(inplace=True)]
        channels = out_channels
    layers.append(MaxPool2d(kernel_size=2, stride=2))
    return Sequential(*layers)


def make_layers(convs_per_block, batch_norm: bool = False, in_channels: int = 3) -> Sequential:
    """VGG's ``features``: the blocks' layers in ONE flat Sequential (torchvision's names: features.0, ...)."""
    layers = []
    for convs, channels in zip(convs_per_block, BLOCK_CHANNELS):
        layers += list(vgg_block(in_channels, channels, convs, batch_norm))
        in_channels = channels
    return Sequential(*layers)


class VGG(Module):
    """``features`` (the convolutional blocks), an adaptive average pool to 7x7 (so any input of 32x32 or
    more works), and the classifier 25088 -> 4096 -> 4096 -> num_classes with ReLU and dropout.

    Initialisation as torchvision: convolutions He-normal (fan_out, ReLU gain) with zero bias, BN weight 1
    and bias 0, Linear weights N(0, 0.01) with zero bias.
    """

    def __init__(self, features: Module, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5):
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(Linear(512 * 7 * 7, 4096), ReLU(True), Dropout(p=dropout), Linear(4096, 4096),
                                     ReLU(True), Dropout(p=dropout), Linear(4096, num_classes))
        if init_weights:
            self._initialize_weights()

    def _initialize_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.normal_(m.weight, 0, 0.01)
                init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


def _vgg(config: str, batch_norm: bool, num_classes: int, **kwargs) -> VGG:
    return VGG(make_layers(CONVS_PER_BLOCK[config], batch_norm), num_classes=num_classes, **kwargs)


def vgg11(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-11 (configuration A): 132,863,336 parameters with 1000 classes."""
    return _vgg("A", False, num_classes, **kwargs)


def vgg11_bn(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-11 with batch normalization: 132,868,840 parameters with 1000 classes."""
    return _vgg("A", True, num_classes, **kwargs)


def vgg13(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-13 (configuration B): 133,047,848 parameters with 1000 classes."""
    return _vgg("B", False, num_classes, **kwargs)


def vgg13_bn(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-13 with batch normalization: 133,053,736 parameters with 1000 classes."""
    return _vgg("B", True, num_classes, **kwargs)


def vgg16(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-16 (configuration D): 138,357,544 parameters with 1000 classes."""
    return _vgg("D", False, num_classes, **kwargs)


def vgg16_bn(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-16 with batch normalization: 138,365,992 parameters with 1000 classes."""
    return _vgg("D", True, num_classes, **kwargs)


def vgg19(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-19 (configuration E): 143,667,240 parameters with 1000 classes."""
    return _vgg("E", False, num_classes, **kwargs)


def vgg19_bn(num_classes: int = 1000, **kwargs) -> VGG:
    """VGG-19 with batch normalization: 143,678,248 parameters with 1000 classes."""
    return _vgg("E", True, num_classes, **kwargs)
