"""Lesson: vanishing gradients (course seed 001, "Gradient vanishing": the chain rule multiplies
"zero-point-somethings", so the gradient shrinks by orders of magnitude layer after layer; seed 003:
sigmoid neurons saturate and kill gradients, ReLU prevents the vanishing gradient problem).

Networks that differ only in their activation: ten ``nn.Linear`` layers (784 -> 64 -> ... -> 64 -> 10)
with Sigmoid, Tanh or ReLU between them, PyTorch's default initialisation, the same seed; and the ReLU
network once more with He initialisation. At initialisation, on one batch of MNIST images (or of the
spiral toy set when MNIST is not at hand), the cross-entropy loss is backpropagated once and the
Frobenius norm of each layer's weight gradient ``||dL/dW_k||`` is recorded.

Why: layer k's weight gradient is ``delta_k a_{k-1}^T``; going one layer back multiplies delta by
``W^T`` and by the activation's derivative. The sigmoid's derivative is at most 1/4, so with weights
of PyTorch's default scale (W ~ U(+-1/sqrt(fan_in)), variance 1/(3 fan_in)) delta shrinks about
sevenfold per layer while the activations (~0.5) do not shrink: the first layer's gradient comes out
~10^-7 of the last layer's, and gradient descent barely moves it. ReLU's derivative is 1 where the
unit is active: delta shrinks only by the weights' scale, and the activations shrink by the same
factor on the way forward, so the first/last ratio stays ~10^-2 with the default initialisation, five
orders of magnitude better than the sigmoid. He initialisation (W ~ N(0, 2/fan_in)) chooses the scale
that keeps both signals constant through ReLU layers: every layer's gradient is then of the same order.
"""
from __future__ import annotations

import numpy as np

from ... import functional as F
from ...nn import Linear, ReLU, Sequential, Sigmoid, Tanh, init
from ...random import Generator, manual_seed
from . import _plot
from .fitting import load_mnist

NAME = "vanishing_gradients"
DESCRIPTION = "per-layer gradient norms of a 10-layer sigmoid network against tanh, ReLU and ReLU with He init"

LAYERS, WIDTH = 10, 64
BATCH, QUICK_BATCH = 256, 64
SEED = 0
ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}
# name -> (activation, He initialisation instead of PyTorch's default)
NETWORKS = {"sigmoid": ("sigmoid", False), "tanh": ("tanh", False), "relu": ("relu", False),
            "relu + He init": ("relu", True)}
COLORS = {"sigmoid": "#d62728", "tanh": "#ff7f0e", "relu": "#2c5aa0", "relu + He init": "#2ca02c"}


def deep_network(activation: str, in_features: int, classes: int, he_init: bool = False, layers: int = LAYERS,
                 width: int = WIDTH, seed: int = SEED) -> Sequential:
    """``layers`` Linear layers with ``activation`` between them, initialised from ``seed`` with
    PyTorch's default (W ~ U(+-1/sqrt(fan_in))) or, ``he_init``, W ~ N(0, 2/fan_in) and zero biases."""
    sizes = [in_features] + [width] * (layers - 1) + [classes]
    generator = Generator(seed)
    modules = []
    for k in range(layers):
        linear = Linear(sizes[k], sizes[k + 1], generator=generator)
        if he_init:
            init.kaiming_normal_(linear.weight, nonlinearity="relu", generator=generator)
            init.zeros_(linear.bias)
        modules.append(linear)
        if k < layers - 1:
            modules.append(ACTIVATIONS[activation]())
    return Sequential(*modules)


def gradient_norms(model: Sequential, x, y) -> list:
    """``||dL/dW_k||`` for each Linear layer k (input side first), one backward of the cross-entropy."""
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return [float(np.linalg.norm(m.weight.grad.numpy())) for m in model if isinstance(m, Linear)]


def batch(quick: bool):
    """A batch of flattened MNIST training images, or of the spiral set when MNIST is missing."""
    size = QUICK_BATCH if quick else BATCH
    data = load_mnist(train=True, limit=size)
    if data is not None:
        x, y = data
        return x.reshape(size, -1), y, "MNIST"
    from ...datasets import spiral
    x, y = spiral(size, noise=0.1, generator=Generator(SEED))
    return x, y, "spiral (MNIST not found)"


def _plot_norms(norms: dict, source: str, output_dir) -> str:
    fig, ax = _plot.figure(size=(7.5, 5.0))
    layers = np.arange(1, LAYERS + 1)
    for name, values in norms.items():
        ax.semilogy(layers, values, "o-", color=COLORS[name], lw=2, label=f"{name} (first/last = "
                    f"{values[0] / values[-1]:.1e})")
    ax.set_xticks(layers)
    ax.set_xlabel("layer (1 = next to the input, 10 = output layer)")
    ax.set_ylabel("gradient norm ||dL/dW|| (log scale)")
    ax.set_title(f"Vanishing gradients at initialisation: {LAYERS} Linear layers of width {WIDTH},\n"
                 f"one batch of {source}, same seed; only the activation (and the initialisation) differs", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    return _plot.save(fig, output_dir, "vanishing_gradients.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Print a table of per-layer gradient norms and save ``vanishing_gradients.png``.

    Returns ``{"data": source, "norms": {activation: [norm per layer]}, "ratio": {activation:
    first-layer norm / last-layer norm}, "figures": [path]}``.
    """
    manual_seed(SEED)
    x, y, source = batch(quick)
    norms = {name: gradient_norms(deep_network(activation, x.shape[1], 10, he_init), x, y)
             for name, (activation, he_init) in NETWORKS.items()}
    ratio = {name: values[0] / values[-1] for name, values in norms.items()}
    figure = _plot_norms(norms, source, output_dir)
    rows = [[f"layer {k + 1}", *(norms[name][k] for name in NETWORKS)] for k in range(LAYERS)]
    rows.append(["first / last", *(ratio[name] for name in NETWORKS)])
    print(_plot.table(["||dL/dW||", *NETWORKS], rows,
                      title=f"gradient norm per layer at initialisation ({len(y)} images of {source})"))
    print()
    return {"data": source, "norms": norms, "ratio": ratio, "figures": [figure]}
