"""U-Net (Ronneberger, Fischer and Brox 2015, "U-Net: Convolutional Networks for Biomedical Image
Segmentation"), the segmentation network of course seed 002: a class for every pixel.

A classifier squeezes an image into one label; a segmenter must say *what* is at each pixel, which needs
both context (a wide receptive field, got by pooling) and precise location (lost by pooling). U-Net has
both, in the shape of a U:

    contracting path   at each of the ``depth`` levels two 3x3 convolutions (each + batch norm + ReLU), then
                       a 2x2 max pool: the resolution halves, the channels double (64, 128, 256, 512)
    bottom             two 3x3 convolutions at 1 / 2**depth of the input's size (1024 channels)
    expanding path     at each level a 2x2 transposed convolution with stride 2 ("up-convolution": the
                       resolution doubles, the channels halve), the CONCATENATION of the contracting path's
                       feature map of the same size (the skip connection: the fine detail pooling threw
                       away), and two 3x3 convolutions
    output             a 1x1 convolution: ``num_classes`` scores per pixel (logits for a pixel-wise
                       cross-entropy over dim 1)

    x (N, C, H, W) -> enc 64 ------------------------------------ cat -> dec 64 -> 1x1 -> (N, classes, H, W)
                         \\ pool                               up /
                          enc 128 ------------------- cat -> dec 128
                              \\ pool               up /
                               ...  bottom 1024  ...

Differences from the paper, as in most modern code: the 3x3 convolutions are padded by 1 (the paper's are
unpadded, so its 572x572 input gives a 388x388 map and the skips are cropped); here the output has the
input's size, which requires H and W divisible by 2**depth (each pool halves them exactly). Batch norm
(which postdates the paper) follows each convolution, so those convolutions have no bias. With
``base_channels=64, depth=4`` the channel widths are the paper's.
"""
from __future__ import annotations

from collections import OrderedDict

from .. import functional as F
from ..errors import ArgumentError
from ..nn import BatchNorm2d, Conv2d, ConvTranspose2d, MaxPool2d, Module, ModuleList, ReLU, Sequential


def double_conv(in_channels: int, out_channels: int) -> Sequential:
    """(3x3 conv, padding 1, no bias -> BatchNorm2d -> ReLU) twice: one level of U-Net; keeps H and W."""
    return Sequential(OrderedDict([
        ("conv1", Conv2d(in_channels, out_channels, 3, padding=1, bias=False)),
        ("bn1", BatchNorm2d(out_channels)), ("relu1", ReLU()),
        ("conv2", Conv2d(out_channels, out_channels, 3, padding=1, bias=False)),
        ("bn2", BatchNorm2d(out_channels)), ("relu2", ReLU()),
    ]))


class UNet(Module):
    """U-Net for (N, in_channels, H, W) images, H and W divisible by 2**depth; output (N, num_classes, H, W).

    Level ``i`` (0 = full resolution) has ``base_channels * 2**i`` channels; the bottom has
    ``base_channels * 2**depth``. Submodules: ``encoders[i]``, ``bottom``, ``upsamplers[i]`` (the
    transposed convolutions, deepest first), ``decoders[i]``, ``head`` (the 1x1 convolution).
    """

    def __init__(self, in_channels: int, num_classes: int, base_channels: int = 64, depth: int = 4):
        super().__init__()
        for name, value, least in (("in_channels", in_channels, 1), ("num_classes", num_classes, 1),
                                   ("base_channels", base_channels, 1), ("depth", depth, 1)):
            if not isinstance(value, int) or value < least:
                raise ArgumentError(f"UNet: {name} must be an integer >= {least}, got {value!r}")
        self.in_channels, self.num_classes = in_channels, num_classes
        self.base_channels, self.depth = base_channels, depth
        widths = [base_channels * 2 ** level for level in range(depth + 1)]
        inputs = [in_channels] + widths[:depth - 1]     # what each encoder level receives
        self.encoders = ModuleList([double_conv(c_in, c_out) for c_in, c_out in zip(inputs, widths[:depth])])
        self.pool = MaxPool2d(2)
        self.bottom = double_conv(widths[depth - 1], widths[depth])
        deepest_first = list(reversed(range(depth)))
        self.upsamplers = ModuleList([ConvTranspose2d(widths[level + 1], widths[level], 2, stride=2)
                                      for level in deepest_first])
        # after the concatenation: widths[level] from the up-convolution + widths[level] from the skip
        self.decoders = ModuleList([double_conv(2 * widths[level], widths[level]) for level in deepest_first])
        self.head = Conv2d(widths[0], num_classes, 1)

    @property
    def divisor(self) -> int:
        """What H and W must be multiples of: 2**depth."""
        return 2 ** self.depth

    def _check_input(self, x):
        if x.ndim != 4:
            raise ArgumentError(f"UNet: expected input (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}")
        height, width = x.shape[2:]
        if height % self.divisor or width % self.divisor:
            raise ArgumentError(f"UNet: input height and width must be divisible by 2**depth = {self.divisor} "
                                f"(depth={self.depth}), got {height}x{width}")

    def forward(self, x):
        self._check_input(x)
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for upsample, decoder, skip in zip(self.upsamplers, self.decoders, reversed(skips)):
            x = decoder(F.cat([skip, upsample(x)], dim=1))
        return self.head(x)

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, num_classes={self.num_classes}, "
                f"base_channels={self.base_channels}, depth={self.depth}")


def unet(in_channels: int, num_classes: int, base_channels: int = 64, depth: int = 4) -> UNet:
    """A U-Net (see the module docstring); ``unet(1, 2)`` is the paper's network, padded."""
    return UNet(in_channels, num_classes, base_channels, depth)
