"""Lesson: the receptive field of stacked 3x3 convolutions (course seed 004: "What is the best kernel size for
each layer?"; VGG's design rule, Simonyan and Zisserman 2014, section 2.3).

The receptive field of an output pixel is the set of input pixels that can change it. Here it is measured,
not assumed: the input gets ``requires_grad``, one output pixel (the centre one) is backpropagated, and the
receptive field is the bounding box of the input pixels with a non-zero gradient. All weights are 1, so no
two paths can cancel and the gradient at an input pixel counts the paths from it to the output pixel.

What it shows:
- each 3x3 convolution (stride 1) adds 2 to the receptive field: n of them see (2n + 1) x (2n + 1), so two
  3x3 layers see 5x5, as one 5x5 layer does, and three see 7x7;
- with C input and C output channels the stack is cheaper: 2 * 9 C^2 = 18 C^2 weights against 25 C^2 for a
  5x5 layer (28 % fewer), 27 C^2 against 49 C^2 for 7x7 (45 % fewer), and it puts a ReLU after every layer
  (more non-linearity for the same field): the reason VGG uses only 3x3 convolutions;
- the paths are not spread evenly: the counts peak in the centre (1 2 3 2 1 along each axis for two layers),
  the "effective receptive field" is smaller than the theoretical one (Luo et al. 2016);
- strides multiply the growth: r_l = r_(l-1) + (k_l - 1) * (product of the earlier strides). VGG-16's 13
  convolutions and 5 pools reach 212 x 212 pixels, measured here on its layout with one channel (average pools
  stand in for max pools: the same windows, but every pixel of a window gets gradient, not only the maximum).
"""
from __future__ import annotations

import numpy as np

from ...autograd import no_grad
from ...creation import ones
from ...models.vgg import CONVS_PER_BLOCK
from ...nn import AvgPool2d, Conv2d, Sequential, init
from . import _plot

NAME = "receptive_field"
DESCRIPTION = "two 3x3 convolutions see 5x5, three see 7x7, with fewer weights: measured by backpropagation"

DEPTHS = (1, 2, 3, 4)          # stacked 3x3 convolutions
CHANNELS = 64                  # for the parameter counts (VGG's first block)
VGG16_INPUT = 256


def ones_conv(kernel_size: int, padding: int = 0, in_channels: int = 1, out_channels: int = 1) -> Conv2d:
    """A Conv2d without bias whose weights are all 1 (no path can cancel another)."""
    conv = Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=False)
    with no_grad():
        init.ones_(conv.weight)
    return conv


def input_gradient(layers, size: int):
    """d(centre output pixel) / d(input) for a (1, 1, size, size) input of ones: a (size, size) array."""
    x = ones(1, 1, size, size, requires_grad=True)
    y = layers(x)
    _, _, height, width = y.shape
    y[0, 0, height // 2, width // 2].backward()
    return x.grad.numpy()[0, 0]


def extent(gradient) -> tuple:
    """Height and width of the bounding box of the non-zero entries: the receptive field."""
    rows, cols = np.nonzero(gradient)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def stacked(depth: int, kernel_size: int = 3) -> Sequential:
    """``depth`` convolutions of ``kernel_size`` (one channel, no padding)."""
    return Sequential(*[ones_conv(kernel_size) for _ in range(depth)])


def weights(depth: int, kernel_size: int, channels: int = CHANNELS) -> int:
    """Weights of ``depth`` C -> C convolutions of ``kernel_size`` (no bias), counted on the layers themselves."""
    layers = Sequential(*[Conv2d(channels, channels, kernel_size, bias=False) for _ in range(depth)])
    return sum(p.numel() for p in layers.parameters())


def vgg16_layout():
    """VGG-16's features with one channel: (name, layer) pairs, convolutions 3x3 padding 1, pools 2x2 stride 2."""
    layers, block = [], 1
    for convs in CONVS_PER_BLOCK["D"]:
        layers += [(f"conv{block}_{i + 1}", ones_conv(3, padding=1)) for i in range(convs)]
        layers.append((f"pool{block}", AvgPool2d(2, 2)))
        block += 1
    return layers


def receptive_field_formula(layers) -> list:
    """r_l = r_(l-1) + (k_l - 1) * jump_(l-1), jump_l = jump_(l-1) * s_l (r_0 = 1, jump_0 = 1), per layer."""
    r, jump, out = 1, 1, []
    for _, layer in layers:
        k = layer.kernel_size[0] if isinstance(layer, Conv2d) else layer.kernel_size
        s = layer.stride[0] if isinstance(layer, Conv2d) else layer.stride
        k, s = (k if isinstance(k, int) else k[0]), (s if isinstance(s, int) else s[0])
        r, jump = r + (k - 1) * jump, jump * s
        out.append(r)
    return out


def vgg16_receptive_fields(size: int = VGG16_INPUT):
    """The receptive field after each layer of VGG-16's layout: measured (gradient) and by the formula."""
    layers = vgg16_layout()
    measured = [extent(input_gradient(Sequential(*[m for _, m in layers[:i + 1]]), size))[0]
                for i in range(len(layers))]
    return [name for name, _ in layers], measured, receptive_field_formula(layers)


def _plot_maps(maps: dict, output_dir) -> str:
    fig, axes = _plot.figure(2, len(DEPTHS), size=(3.0, 3.0))
    for col, depth in enumerate(DEPTHS):
        for row, (key, title) in enumerate(((("stack", depth), f"{depth} x conv 3x3"),
                                            (("single", depth), f"1 x conv {2 * depth + 1}x{2 * depth + 1}"))):
            ax, g = axes[row * len(DEPTHS) + col], maps[key]
            ax.imshow(g, cmap="viridis")
            h, w = extent(g)
            ax.set_title(f"{title}: sees {h}x{w}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("Gradient of the centre output pixel on the input (all weights 1: the count of paths)", fontsize=10)
    return _plot.save(fig, output_dir, "receptive_field_maps.png")


def _plot_vgg(names, measured, formula, output_dir) -> str:
    fig, ax = _plot.figure(size=(8.0, 4.5))
    ax.plot(range(len(names)), formula, "-", color="#999999", lw=4, label="formula r += (k - 1) x jump")
    ax.plot(range(len(names)), measured, "o", color="#2c5aa0", label="measured by backpropagation")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=70, fontsize=7)
    ax.set_ylabel("receptive field (pixels)")
    ax.set_title("VGG-16: the receptive field grows by 2 per 3x3 convolution, times the strides before it",
                 fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _plot.save(fig, output_dir, "receptive_field_vgg16.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Print the receptive fields and weight counts; save two figures.

    Returns ``{"stacks": {depth: {"stack": (h, w), "single": (h, w), "kernel": 2 depth + 1, "stack_weights",
    "single_weights", "channels"}}, "vgg16": {"layers", "measured", "formula"}, "figures": [paths]}``.
    """
    stacks, maps, rows = {}, {}, []
    for depth in DEPTHS:
        kernel = 2 * depth + 1
        size = 4 * max(DEPTHS) + 3      # one input size for all: the pictures compare areas
        maps[("stack", depth)] = input_gradient(stacked(depth), size)
        maps[("single", depth)] = input_gradient(stacked(1, kernel), size)
        stack_w, single_w = weights(depth, 3), weights(1, kernel)
        stacks[depth] = {"stack": extent(maps[("stack", depth)]), "single": extent(maps[("single", depth)]),
                         "kernel": kernel, "stack_weights": stack_w, "single_weights": single_w,
                         "channels": CHANNELS}
        rows.append([f"{depth} x 3x3", "x".join(map(str, stacks[depth]["stack"])), f"1 x {kernel}x{kernel}",
                     "x".join(map(str, stacks[depth]["single"])), f"{stack_w:,} = {9 * depth} C^2",
                     f"{single_w:,} = {kernel ** 2} C^2", f"{100 * (1 - stack_w / single_w):.0f} %"])
    print(_plot.table(["stack", "sees", "one layer", "sees", "weights (stack)", "weights (one layer)", "saved"], rows,
                      title=f"Receptive field measured by backpropagation; weights with C = {CHANNELS} channels"))
    two = maps[("stack", 2)]
    rows, cols = np.nonzero(two)
    print("two 3x3 layers: paths from each input pixel to the centre output pixel (the outer product of 1 2 3 2 1):")
    for row in two[rows.min():rows.max() + 1, cols.min():cols.max() + 1].astype(int):
        print("   " + " ".join(f"{v:2d}" for v in row))
    names, measured, formula = vgg16_receptive_fields(VGG16_INPUT)
    print("VGG-16 (one channel), receptive field after each block: "
          + ", ".join(f"{n} {m}" for n, m in zip(names, measured) if n.startswith("pool")))
    print()
    figures = [_plot_maps(maps, output_dir), _plot_vgg(names, measured, formula, output_dir)]
    return {"stacks": stacks, "vgg16": {"layers": names, "measured": measured, "formula": formula},
            "figures": figures}
