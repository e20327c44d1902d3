"""Lesson: the ImageNet architectures (course seed 004, "AlexNet and VGG architectures", "GoogleNet:
concatenating filters instead of stacking them for reducing computational expenses", "2015 - Microsoft ResNet";
seed 002's CNN history), their size and cost computed from the models of ``lamina.models``.

For each model: the paper, the year, the depth (weight layers on the longest path from input to output, as
the papers count them), the parameters (``summary``'s count), the multiply-adds of one 224x224 image
(``summary(..., flops="macs")``: the convolutions and Linear layers, as torchvision's published "GFLOPS"),
and the top-5 error on ImageNet as published: the paper's result (the ILSVRC test entry, an ensemble, for
AlexNet, VGG and GoogLeNet; the ResNet paper's single-network 10-crop validation error of ResNet-34 with
projection shortcuts where the size changes (torchvision's) and ResNet-50; its ensemble won ILSVRC 2015 with
3.57 %), and torchvision's single-crop validation error of these exact networks, one protocol for all.

What the table shows: accuracy did not come from size. VGG-16 has 2.3 times AlexNet's parameters and 22
times its multiply-adds; GoogLeNet reaches a lower error with a tenth of AlexNet's parameters (1x1
bottlenecks, no big fully connected layers); ResNet goes deeper still (skip connections make 50 layers
trainable) at a third of VGG-16's cost. Most of AlexNet's and VGG's parameters sit in the first fully
connected layer (9216 x 4096, 25088 x 4096), most of their multiply-adds in the convolutions.
"""
from __future__ import annotations

from ... import models
from ...autograd import no_grad
from ...nn import Conv2d, Linear
from ...nn.summary import summary
from ...random import manual_seed
from . import _plot

NAME = "architectures"
DESCRIPTION = "AlexNet, VGG, GoogLeNet, ResNet: parameters, multiply-adds, depth and published top-5 error"

# name -> (paper, year, ILSVRC top-5 error % as the paper published it (what it is), torchvision's single-crop %)
PUBLISHED = {
    "alexnet": ("Krizhevsky, Sutskever, Hinton: ImageNet classification with deep CNNs", 2012,
                (15.3, "ILSVRC-2012 test, 7 CNNs"), 20.93),
    "vgg16": ("Simonyan, Zisserman: Very deep convolutional networks", 2014, (7.3, "ILSVRC-2014 test, 7 nets"), 9.62),
    "vgg19": ("Simonyan, Zisserman: Very deep convolutional networks", 2014, (7.3, "ILSVRC-2014 test, 7 nets"), 9.12),
    "googlenet": ("Szegedy et al.: Going deeper with convolutions", 2014, (6.67, "ILSVRC-2014 test, 7 nets"), 10.47),
    "resnet18": ("He, Zhang, Ren, Sun: Deep residual learning", 2015, None, 10.92),
    "resnet34": ("He, Zhang, Ren, Sun: Deep residual learning", 2015, (7.46, "val, 1 net, 10 crops"), 8.58),
    "resnet50": ("He, Zhang, Ren, Sun: Deep residual learning", 2015, (6.71, "val, 1 net, 10 crops"), 7.14),
}
BIG = ("vgg16", "vgg19")   # 138 and 144 million parameters: seconds to build and to run at 224x224
SIZE = (3, 224, 224)


def depth(model) -> int:
    """Weight layers (Conv2d, Linear) on the longest path from input to output: a ResNet's ``downsample``
    shortcuts run beside the blocks and an Inception module is two convolutions deep (1x1 reduce, then 3x3);
    GoogLeNet's auxiliary classifiers are side branches."""
    skipped = ("downsample", "aux", "branch1", "branch3", "branch4")
    return sum(1 for name, m in model.named_modules()
               if isinstance(m, (Conv2d, Linear)) and not any(part.startswith(skipped) for part in name.split(".")))


def measure(name: str) -> dict:
    """Build ``lamina.models.<name>()`` (1000 classes) and count it on one 224x224 image."""
    model = getattr(models, name)()
    with no_grad():
        counts = summary(model, SIZE, print_fn=None, flops="macs")
    paper, year, ilsvrc, torchvision = PUBLISHED[name]
    classifier = sum(p.numel() for m in model.modules() if isinstance(m, Linear) for p in m.parameters())
    return {"paper": paper, "year": year, "depth": depth(model), "parameters": counts.total_params,
            "macs": counts.total_macs, "linear_parameters": classifier,
            "top5_paper": None if ilsvrc is None else ilsvrc[0], "top5_paper_as": None if ilsvrc is None else ilsvrc[1],
            "top5_torchvision": torchvision}


def _plot_cost(rows: dict, output_dir) -> str:
    """The classic picture: top-5 error against multiply-adds, the area of each disc proportional to the
    parameters (Canziani, Paszke and Culurciello 2016 drew it with the published numbers)."""
    fig, ax = _plot.figure(size=(8.0, 5.5))
    for name, r in rows.items():
        ax.scatter(r["macs"] / 1e9, r["top5_torchvision"], s=r["parameters"] / 2e5, alpha=0.45, edgecolors="black")
        ax.annotate(f"{name}, {r['parameters'] / 1e6:.1f} M", (r["macs"] / 1e9, r["top5_torchvision"]),
                    xytext=(0, 14), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("multiply-adds per 224x224 image (G, log scale; computed by summary(flops='macs'))")
    ax.set_ylabel("top-5 error % (torchvision, single crop)")
    ax.set_title("ImageNet architectures: error against cost; disc area = parameters", fontsize=10)
    ax.grid(True, alpha=0.3)
    return _plot.save(fig, output_dir, "architectures.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Print the table and save ``architectures.png``.

    Returns ``{"models": {name: {"paper", "year", "depth", "parameters", "macs", "linear_parameters",
    "top5_paper", "top5_paper_as", "top5_torchvision"}}, "skipped": [names], "figures": [path]}``.
    ``quick`` skips VGG-16 and VGG-19 (building and running 140 million parameters takes seconds).
    """
    manual_seed(0)
    names = [n for n in PUBLISHED if not (quick and n in BIG)]
    rows = {name: measure(name) for name in names}
    table_rows = [[name, r["year"], r["depth"], f"{r['parameters']:,}", f"{r['macs'] / 1e9:.2f}",
                   "-" if r["top5_paper"] is None else f"{r['top5_paper']:.2f} ({r['top5_paper_as']})",
                   f"{r['top5_torchvision']:.2f}"] for name, r in rows.items()]
    print(_plot.table(["model", "year", "depth", "parameters", "G mult-adds", "top-5 % (paper)", "top-5 % (tv)"],
                      table_rows,
                      title="ImageNet architectures, counted from lamina.models at 224x224 (top-5: as published; "
                            "tv = torchvision's single-crop error of the same network)"))
    for paper in dict.fromkeys(f"{r['paper']} ({r['year']})" for r in rows.values()):
        print(f"  {paper}: " + ", ".join(n for n, r in rows.items() if f"{r['paper']} ({r['year']})" == paper))
    skipped = [n for n in PUBLISHED if n not in rows]
    if skipped:
        print(f"(quick mode: {', '.join(skipped)} not built; they take seconds)")
    shares = {n: r["linear_parameters"] / r["parameters"] for n, r in rows.items()}
    print("share of the parameters in the Linear layers: "
          + ", ".join(f"{n} {100 * s:.0f} %" for n, s in shares.items()))
    print()
    figure = _plot_cost(rows, output_dir)
    return {"models": rows, "skipped": skipped, "linear_share": shares, "figures": [figure]}
