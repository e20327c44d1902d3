"""AlexNet (Krizhevsky, Sutskever and Hinton 2012, "ImageNet classification with deep convolutional neural
networks"), seeds 002 and 004, as torchvision builds it: a torchvision ``state_dict`` loads unchanged.

The network that started the deep-learning era (ILSVRC 2012, 15.3 % top-5 error against 26.2 % for the
runner-up): ReLU instead of tanh (several times faster to train), dropout in the classifier, GPUs.
torchvision's version is the "one weird trick" variant (Krizhevsky 2014): 64-192-384-256-256 channels on
one tower, no local response normalisation.

    conv 11x11/4, 64 -> pool 3x3/2 -> conv 5x5, 192 -> pool -> conv 3x3 384, 256, 256 -> pool
    -> adaptive average pool 6x6 -> dropout, 9216 -> 4096 -> dropout, 4096 -> 4096 -> num_classes
    61,100,840 parameters (58.6 million in the three Linear layers), 0.71 G multiply-adds at 224x224
"""
from __future__ import annotations

from .. import functional as F
from ..nn import AdaptiveAvgPool2d, Conv2d, Dropout, Linear, MaxPool2d, Module, ReLU, Sequential


class AlexNet(Module):
    """``features`` (five convolutions, three max pools), ``avgpool`` to 6x6 (inputs of 63x63 or more),
    ``classifier`` (three Linear layers, dropout before the first two); PyTorch's default initialisation."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.features = Sequential(
            Conv2d(3, 64, kernel_size=11, stride=4, padding=2), ReLU(inplace=True), MaxPool2d(kernel_size=3, stride=2),
            Conv2d(64, 192, kernel_size=5, padding=2), ReLU(inplace=True), MaxPool2d(kernel_size=3, stride=2),
            Conv2d(192, 384, kernel_size=3, padding=1), ReLU(inplace=True),
            Conv2d(384, 256, kernel_size=3, padding=1), ReLU(inplace=True),
            Conv2d(256, 256, kernel_size=3, padding=1), ReLU(inplace=True), MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = Sequential(
            Dropout(p=dropout), Linear(256 * 6 * 6, 4096), ReLU(inplace=True),
            Dropout(p=dropout), Linear(4096, 4096), ReLU(inplace=True), Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


def alexnet(num_classes: int = 1000, **kwargs) -> AlexNet:
    """AlexNet as torchvision: 61,100,840 parameters with 1000 classes."""
    return AlexNet(num_classes=num_classes, **kwargs)
