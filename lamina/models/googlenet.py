"""GoogLeNet, Inception v1 (Szegedy et al. 2014, "Going deeper with convolutions"), seeds 002 and 004, with
torchvision's module structure and parameter names: a torchvision ``state_dict`` loads unchanged.

Why Inception modules: instead of choosing one filter size, each module runs 1x1, 3x3 and 5x5 convolutions
and a 3x3 max pool side by side and concatenates their channels, so the next layer picks the scale that
fits. That would be expensive, so 1x1 convolutions first reduce the channels ("bottlenecks"): in
inception3a, 192 channels reduced to 16 before the 5x5 cost 192*16 + 25*16*32 = 15,872 weights instead of
25*192*32 = 153,600. The result: 22 layers and 6.6 million parameters, twelve times fewer than AlexNet,
and 6.7 % top-5 error (ILSVRC 2014 winner). Two auxiliary classifiers on intermediate layers
(``aux_logits=True``) add gradient in the middle of the network during training; they are dropped at
inference.

As torchvision: every convolution is a ``BasicConv2d`` (conv without bias, BatchNorm with eps 0.001,
ReLU), which the 2014 paper did not have, and the "5x5" branch uses a 3x3 kernel (torchvision's weights
were trained that way, pytorch/vision issue 906).

    googlenet()                  6,624,904 parameters, 1.50 G multiply-adds at 224x224
    googlenet(aux_logits=True)  13,004,888 parameters
"""
from __future__ import annotations

from collections import namedtuple

from .. import functional as F
from ..nn import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, Module, Sequential, init

# In training mode with auxiliary classifiers, GoogLeNet returns the three logits (torchvision's order).
GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])

# (in, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool projection) of each Inception module (the paper's Table 1)
INCEPTION_CONFIG = {
    "inception3a": (192, 64, 96, 128, 16, 32, 32), "inception3b": (256, 128, 128, 192, 32, 96, 64),
    "inception4a": (480, 192, 96, 208, 16, 48, 64), "inception4b": (512, 160, 112, 224, 24, 64, 64),
    "inception4c": (512, 128, 128, 256, 24, 64, 64), "inception4d": (512, 112, 144, 288, 32, 64, 64),
    "inception4e": (528, 256, 160, 320, 32, 128, 128), "inception5a": (832, 256, 160, 320, 32, 128, 128),
    "inception5b": (832, 384, 192, 384, 48, 128, 128),
}


class BasicConv2d(Module):
    """conv (no bias) -> BatchNorm2d(eps=0.001) -> ReLU; ``kwargs`` go to the Conv2d."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs):
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Inception(Module):
    """Four branches concatenated along the channels (the output has ch1x1 + ch3x3 + ch5x5 + pool_proj):

        branch1  1x1 conv
        branch2  1x1 conv (reduce to ch3x3red) -> 3x3 conv
        branch3  1x1 conv (reduce to ch5x5red) -> 3x3 conv (the paper's 5x5; torchvision's kernel)
        branch4  3x3 max pool (stride 1) -> 1x1 conv (pool projection)

    The 1x1 reductions keep the larger kernels cheap; every branch keeps the spatial size.
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                 pool_proj: int, conv_block=None):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),
                                  conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                  conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = Sequential(MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                  conv_block(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        return F.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(Module):
    """Auxiliary classifier: average pool to 4x4 -> 1x1 conv to 128 -> Linear 2048 -> 1024 -> ReLU ->
    dropout (0.7) -> Linear to num_classes. Its loss (weighted 0.3 in the paper) trains the middle layers."""

    def __init__(self, in_channels: int, num_classes: int, conv_block=None, dropout: float = 0.7):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = Linear(2048, 1024)
        self.fc2 = Linear(1024, num_classes)
        self.dropout = Dropout(p=dropout)

    def forward(self, x):
        x = F.flatten(self.conv(F.adaptive_avg_pool2d(x, (4, 4))), 1)
        return self.fc2(self.dropout(F.relu(self.fc1(x))))


class GoogLeNet(Module):
    """Stem (7x7/2 conv, pool, 1x1 and 3x3 convs, pool), nine Inception modules with max pools after 3b
    and 4e, global average pool, dropout 0.2, Linear(1024, num_classes).

    ``aux_logits``: the two auxiliary classifiers (after 4a and 4d), evaluated in training mode only; then
    forward returns ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)``, otherwise the logits.
    ``transform_input``: rescale inputs normalised with ImageNet's mean and std to the [-1, 1] range the
    ported TensorFlow weights expect (torchvision's ``weights=`` sets it). ``init_weights``: Conv2d and Linear
    weights N(0, 0.01) truncated to [-2, 2] (torchvision's ``trunc_normal_``), BN weight 1, bias 0.
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, transform_input: bool = False,
                 init_weights: bool = True, blocks=None, dropout: float = 0.2, dropout_aux: float = 0.7):
        super().__init__()
        conv_block, inception_block, aux_block = blocks or (BasicConv2d, Inception, InceptionAux)
        self.aux_logits, self.transform_input = aux_logits, transform_input
        self.conv1 = conv_block(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, kernel_size=1)
        self.conv3 = conv_block(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception_block(*INCEPTION_CONFIG["inception3a"])
        self.inception3b = inception_block(*INCEPTION_CONFIG["inception3b"])
        self.maxpool3 = MaxPool2d(3, stride=2, ceil_mode=True)
        for name in ("inception4a", "inception4b", "inception4c", "inception4d", "inception4e"):
            setattr(self, name, inception_block(*INCEPTION_CONFIG[name]))
        self.maxpool4 = MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = inception_block(*INCEPTION_CONFIG["inception5a"])
        self.inception5b = inception_block(*INCEPTION_CONFIG["inception5b"])
        if aux_logits:
            self.aux1 = aux_block(512, num_classes, dropout=dropout_aux)
            self.aux2 = aux_block(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = self.aux2 = None
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = Dropout(p=dropout)
        self.fc = Linear(1024, num_classes)
        if init_weights:
            self._initialize_weights()

    def _initialize_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, (Conv2d, Linear)):
                init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)

    def _transform_input(self, x):
        """torchvision's: x_c * (std_c / 0.5) + (mean_c - 0.5) / 0.5 per channel."""
        if not self.transform_input:
            return x
        channels = [x[:, c:c + 1] * (std / 0.5) + (mean - 0.5) / 0.5
                    for c, (mean, std) in enumerate(((0.485, 0.229), (0.456, 0.224), (0.406, 0.225)))]
        return F.cat(channels, 1)

    def forward(self, x):
        x = self.maxpool1(self.conv1(self._transform_input(x)))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        with_aux = self.training and self.aux1 is not None
        aux1 = self.aux1(x) if with_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if with_aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.fc(self.dropout(F.flatten(self.avgpool(x), 1)))
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        return x


def googlenet(aux_logits: bool = False, num_classes: int = 1000, **kwargs) -> GoogLeNet:
    """GoogLeNet (Inception v1): 6,624,904 parameters with 1000 classes, 13,004,888 with ``aux_logits``."""
    return GoogLeNet(num_classes=num_classes, aux_logits=aux_logits, **kwargs)
