"""Seed 004, "Getting started with deep learning" (LRZ webinar): stride, output size, FLOPs.

    output size along one axis:  out = floor((n + 2 p - k) / s) + 1      (n input, k kernel, p padding, s stride)
    FLOPs of a conv layer (one image): 2 * (C_in * kh * kw) * (C_out * H_out * W_out)   (a multiply-add = 2)

The slide's example is an 8 x 8 binary image and the 3 x 3 filter [[-1, 0, 1], [-2, 1, 2], [-3, 0, 3]]:
its first output is 4. Here ``F.conv2d`` computes the whole feature map for several strides and
paddings, each size checked against the formula; then Lamina's ``summary(..., flops=True)`` counts
the FLOPs of the seed's LeNet (convolutions of depth 6, 16, 120 with 5 x 5 filters, tanh), layer by layer.
"""
from __future__ import annotations

import time

import numpy as np

from .. import functional as F
from .. import nn
from ..autograd import no_grad
from ..creation import randn
from ..models import LeNet5
from ..random import Generator
from ..tensor import Tensor
from ..train import summary
from .report import Comparison, section, step

NAME = "seed004"
DESCRIPTION = ("convolution with a stride: output size floor((n + 2p - k)/s) + 1 for several strides; "
               "FLOPs per layer of LeNet-5")

IMAGE = ((1, 0, 1, 0, 0, 1, 0, 1),
         (0, 1, 0, 0, 1, 0, 1, 0),
         (0, 0, 1, 0, 0, 1, 0, 1),
         (1, 0, 1, 0, 0, 1, 0, 0),
         (0, 0, 0, 0, 1, 0, 1, 0),
         (0, 0, 1, 0, 0, 1, 1, 1),
         (0, 0, 0, 0, 0, 0, 1, 0),
         (0, 0, 1, 0, 0, 1, 0, 1))  # read off the three grids of the slide (the rows the filter does not cover)
KERNEL = ((-1, 0, 1), (-2, 1, 2), (-3, 0, 3))
SETTINGS = ((1, 0), (2, 0), (3, 0), (1, 1), (2, 1), (3, 1), ((1, 2), 0))  # (stride, padding)


def output_size(n: int, k: int, s: int, p: int) -> int:
    """floor((n + 2p - k) / s) + 1."""
    return (n + 2 * p - k) // s + 1


def run(output_dir="course_output", quick=False, print_fn=print) -> dict:
    table = Comparison("seed 004: what the slides say and what Lamina computes")
    out = {}
    section("Seed 004, step 1: the slide's filter on the slide's 8 x 8 image", print_fn)
    x = Tensor._wrap(np.asarray(IMAGE, np.float32)[None, None])
    w = Tensor._wrap(np.asarray(KERNEL, np.float32)[None, None])
    full = F.conv2d(x, w).data[0, 0]
    step("first output: 1*(-1) + 0*0 + 1*1 + 0*(-2) + 1*1 + 0*2 + 0*(-3) + 0*0 + 1*3 = 4", print_fn)
    step(f"F.conv2d, stride 1, no padding: {full.shape[0]} x {full.shape[1]} map, rows:", print_fn)
    for row in full.astype(int).tolist():
        step("   " + " ".join(f"{v:3d}" for v in row), print_fn)
    flipped = float(np.sum(np.asarray(IMAGE)[:3, :3] * np.asarray(KERNEL)[::-1, ::-1]))
    step(f"(frameworks compute this cross-correlation; a textbook convolution flips the kernel and would give "
         f"{flipped:g} here)", print_fn)
    out["stride1"] = full.tolist()
    out["first_output"] = float(full[0, 0])
    table.add("first output of the filter", 4, full[0, 0])

    section("Seed 004, step 2: how the stride (and padding) set the output size", print_fn)
    step("out = floor((n + 2p - k) / s) + 1 with n = 8, k = 3", print_fn)
    sizes = []
    for stride, padding in SETTINGS:
        y = F.conv2d(x, w, stride=stride, padding=padding).data[0, 0]
        sh, sw = stride if isinstance(stride, tuple) else (stride, stride)
        expected = (output_size(8, 3, sh, padding), output_size(8, 3, sw, padding))
        sizes.append({"stride": [sh, sw], "padding": padding, "formula": list(expected), "conv2d": list(y.shape),
                      "output": y.tolist()})
        step(f"stride {(sh, sw)}, padding {padding}: formula ({8 + 2 * padding} - 3) // {sh} + 1 = {expected[0]} by "
             f"({8 + 2 * padding} - 3) // {sw} + 1 = {expected[1]};  F.conv2d gives {y.shape[0]} x {y.shape[1]}",
             print_fn)
        table.add(f"output size, stride {(sh, sw)}, pad {padding}", f"{expected[0]} x {expected[1]} (formula)",
                  f"{y.shape[0]} x {y.shape[1]}", agrees=tuple(y.shape) == expected)
    step("a stride s keeps every s-th output of stride 1: stride 2 = the stride-1 map [::2, ::2]", print_fn)
    out["sizes"] = sizes
    out["stride2_is_subsampled_stride1"] = bool(np.array_equal(sizes[1]["output"], full[::2, ::2].tolist()))

    out["flops"] = lenet_flops(table, quick, print_fn)
    table.show(print_fn)
    out["comparison"] = table.as_dicts()
    out["disagreements"] = len(table.disagreements)
    return out


def lenet_flops(table: Comparison, quick=False, print_fn=print) -> dict:
    section("Seed 004, step 3: FLOPs of a forward pass, layer by layer (the seed's LeNet: 5x5 convolutions of "
            "depth 6, 16, 120, tanh)", print_fn)
    model = LeNet5("full", activation="tanh", pooling="avg")
    s = summary(model, (1, 32, 32), flops=True, print_fn=print_fn)
    by_hand = {"c1": 2 * (1 * 5 * 5) * (6 * 28 * 28), "c3": 2 * (6 * 5 * 5) * (16 * 10 * 10),
               "c5": 2 * (16 * 5 * 5) * (120 * 1 * 1), "f6": 2 * 120 * 84, "output": 2 * 84 * 10}
    layers = {layer.name: layer.flops for layer in s.layers}
    for name, formula in (("c1", "2 * (1*5*5) * (6*28*28)"), ("c3", "2 * (6*5*5) * (16*10*10)"),
                          ("c5", "2 * (16*5*5) * (120*1*1)"), ("f6", "2 * 120 * 84"), ("output", "2 * 84 * 10")):
        step(f"{name:6s}: {formula:26s} = {by_hand[name]:>9,}   summary: {layers[name]:>9,}", print_fn)
        table.add(f"FLOPs {name} (2 per multiply-add)", by_hand[name], layers[name], note="formula")
    conv_share = sum(layers[n] for n in ("c1", "c3", "c5")) / s.total_flops
    step(f"total {s.total_flops:,} FLOPs per image; the three convolutions are {conv_share:.0%} of it "
         "(activations and pooling: one FLOP per element)", print_fn)
    lecun_c3 = 2 * (60 * 25) * (10 * 10)
    step(f"with Table I's partial C3 the paper's network needs {lecun_c3:,} FLOPs in C3 instead of "
         f"{by_hand['c3']:,}; Lamina's masked C3 still multiplies the zeroed weights ({by_hand['c3']:,})", print_fn)
    strides = {}
    for stride in (1, 2, 4):
        layer = nn.Conv2d(1, 6, 5, stride=stride)
        info = summary(layer, (1, 32, 32), flops=True, print_fn=None)
        strides[stride] = {"output_shape": list(info.layers[0].output_shape[1:]), "flops": info.total_flops}
        step(f"Conv2d(1, 6, 5, stride={stride}) on 32 x 32: output {info.layers[0].output_shape[1:]}, "
             f"{info.total_flops:,} FLOPs", print_fn)
    step("the stride divides the output pixels, and so the FLOPs, by about s^2", print_fn)
    result = {"total": s.total_flops, "layers": layers, "by_hand": by_hand, "strides": strides,
              "lecun_c3": lecun_c3, "conv_share": conv_share}
    if not quick:
        batch = randn(256, 1, 32, 32, generator=Generator(0))
        with no_grad():
            model(batch)
            start = time.perf_counter()
            model(batch)
            seconds = time.perf_counter() - start
        rate = 256 * s.total_flops / seconds / 1e9
        step(f"a forward pass over 256 images takes {seconds * 1e3:.1f} ms here: {rate:.2f} GFLOP/s. The seed: the "
             "time is bounded from below by FLOPs / (the machine's peak FLOP/s); small layers stay far from the "
             "peak", print_fn)
        result.update(seconds_256=seconds, gflops_per_s=rate)
    return result
