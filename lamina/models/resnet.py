"""ResNet (He, Zhang, Ren and Sun 2015, "Deep residual learning for image recognition"), seeds 002 and 004,
with torchvision's module structure and parameter names: a torchvision ``state_dict`` loads unchanged.

Why skip connections: stacking more plain layers made networks WORSE, on the training set too (the
degradation problem: not over-fitting, optimisation). A residual block learns F(x) and outputs
relu(F(x) + x): the identity is free (F = 0), so a deeper network is at least as good as a shallower one,
and the gradient reaches early layers through the sum unchanged (dL/dx = dL/dy (1 + dF/dx)).

    stem        conv 7x7/2, 64 -> BN -> ReLU -> max pool 3x3/2          (224 -> 56)
    layer1..4   blocks of 64, 128, 256, 512 planes; layers 2-4 halve the size (stride 2 in the first block)
    head        global average pool -> Linear(512 * expansion, num_classes)

    resnet18  BasicBlock  [2, 2, 2, 2]  11,689,512 parameters, 1.81 G multiply-adds at 224x224
    resnet34  BasicBlock  [3, 4, 6, 3]  21,797,672 parameters, 3.66 G
    resnet50  Bottleneck  [3, 4, 6, 3]  25,557,032 parameters, 4.09 G
"""
from __future__ import annotations

from .. import functional as F
from ..nn import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential, init


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> Conv2d:
    """3x3 convolution with padding (= dilation, so the size only changes with the stride), no bias (BN follows)."""
    return Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False,
                  dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """1x1 convolution, no bias: mixes channels at each pixel (a Linear layer applied per pixel)."""
    return Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(Module):
    """Two 3x3 convolutions and a skip: y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    ``downsample`` (a 1x1 convolution with stride and BN) makes the shortcut match when the block changes
    the size or the number of channels; otherwise the shortcut is the identity. ResNet-18 and -34.
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1, norm_layer=None):
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError(f"BasicBlock only supports groups=1 and base_width=64, got groups={groups}, "
                             f"base_width={base_width}")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        norm_layer = norm_layer or BatchNorm2d
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(Module):
    """1x1 (reduce) -> 3x3 -> 1x1 (expand x4), and a skip; ResNet-50 and deeper.

    Why the 1x1 bottleneck: the 3x3 convolution, the expensive one (9 C^2 weights), works on a quarter of
    the channels. A 256-channel block costs 256*64 + 9*64*64 + 64*256 = 69,632 weights, against
    2 * 9 * 256^2 = 1,179,648 for two 3x3 convolutions at full width: depth at a fraction of the cost.
    The stride sits on the 3x3 convolution (torchvision's "ResNet v1.5").
    """

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(Module):
    """A ResNet of ``block`` (BasicBlock or Bottleneck) with ``layers[i]`` blocks in stage i, torchvision's.

    Initialisation as torchvision: convolutions He-normal (fan_out, ReLU gain), BN weight 1 and bias 0, the
    Linear layer PyTorch's default. ``zero_init_residual``: the last BN of every block starts at weight 0,
    so each block starts as the identity (Goyal et al. 2017, +0.2-0.3 % top-1).
    ``replace_stride_with_dilation``: three booleans, one per stage 2-4, trading its stride for dilation.
    """

    def __init__(self, block, layers, num_classes: int = 1000, zero_init_residual: bool = False, groups: int = 1,
                 width_per_group: int = 64, replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        self._norm_layer = norm_layer or BatchNorm2d
        self.inplanes, self.dilation = 64, 1
        replace_stride_with_dilation = replace_stride_with_dilation or [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups, self.base_width = groups, width_per_group
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(512 * block.expansion, num_classes)
        self._initialize_weights(zero_init_residual)

    def _initialize_weights(self, zero_init_residual: bool) -> None:
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    init.zeros_(m.bn2.weight)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1, dilate: bool = False) -> Sequential:
        """One stage: the first block changes size/channels (with a 1x1 ``downsample`` shortcut), the rest keep them."""
        norm_layer, downsample, previous_dilation = self._norm_layer, None, self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                         dilation=self.dilation, norm_layer=norm_layer) for _ in range(1, blocks)]
        return Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(F.flatten(self.avgpool(x), 1))


def resnet18(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-18: BasicBlock [2, 2, 2, 2], 11,689,512 parameters with 1000 classes."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes, **kwargs)


def resnet34(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-34: BasicBlock [3, 4, 6, 3], 21,797,672 parameters with 1000 classes."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes=num_classes, **kwargs)


def resnet50(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-50: Bottleneck [3, 4, 6, 3], 25,557,032 parameters with 1000 classes."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes=num_classes, **kwargs)
