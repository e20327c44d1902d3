"""Lesson: fooling a neural network (course seed 002, "Fooling NN": the network is very certain, > 99 %,
and wrong).

The network is LeNet-5 (ReLU, max pooling, 28 x 28 input) trained on MNIST: two epochs on first use, then
cached with ``lm.save`` in ``<cache>/lenet5_mnist.lmn`` (``<cache>``: ``cache_dir``, else ``$LAMINA_CACHE``,
else ``~/.cache/lamina/course``), or the weights of a file you made (``run(weights=path)``, a state dict
saved with ``lm.save(model.state_dict(), path)``). Quick mode trains a small copy (6,000 images, 3 epochs)
instead, every time.

Three ways of fooling it, all with ``lamina.adversarial``:
1. adversarial examples: the fast gradient sign method, ``x + eps sign(grad_x loss)``, at growing eps: the
   digit stays plain to us while the prediction changes; accuracy against eps for FGSM and for PGD
   (20 steps of eps / 8 from a random start, in the L-infinity ball), which finds worse cases still;
2. targeted examples: one test digit pushed (targeted PGD, eps = 0.3) towards each of the ten classes;
3. fooling images (Nguyen et al. 2015): uniform noise ascended on ``log p(class)`` until the network gives
   that class >= 99 %: images no one would call a digit, classified with near certainty.

Measured on 2026-12-03 (full mode, first use: training included; 37 s of CPU, 14 min of wall time on a
2-core machine shared at load ~20): LeNet-5 97.3 % on the first 1,000 test digits; FGSM accuracy 87.9 / 66.1 /
14.1 / 0.2 % at eps 0.05 / 0.1 / 0.2 / 0.3, PGD-20 85.9 / 54.2 / 1.3 / 0.0 %; the ten fooling images at
99.00-99.19 %; the 7 pushed to every class reached each target with 97-100 % confidence.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ... import functional as F
from ... import optim
from ...adversarial import fgsm, fooling_images, pgd
from ...autograd import no_grad
from ...io import load, save
from ...models import LeNet5
from ...random import Generator, manual_seed
from ...tensor import Tensor
from . import _plot
from .fitting import load_mnist

NAME = "adversarial_fooling"
DESCRIPTION = "adversarial examples at growing eps, targeted attacks and fooling images on LeNet-5 (MNIST)"

SEED = 0
FULL = {"train": 60000, "epochs": 2, "evaluate": 1000}
QUICK = {"train": 6000, "epochs": 3, "evaluate": 200}
EPS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
SHOWN_EPS = (0.0, 0.05, 0.1, 0.2, 0.3)
TARGETED_EPS, TARGETED_STEPS, CONFIDENCE = 0.3, 100, 0.99
WEIGHTS_FILE = "lenet5_mnist.lmn"


# ---- the network ------------------------------------------------------------------------------------------
def cache_folder(cache_dir=None) -> Path:
    """Where the trained network is kept: ``cache_dir``, else ``$LAMINA_CACHE``, else ``~/.cache/lamina/course``."""
    if cache_dir is not None:
        return Path(cache_dir)
    return Path(os.environ.get("LAMINA_CACHE") or Path.home() / ".cache" / "lamina" / "course")


def lenet5() -> LeNet5:
    return LeNet5(activation="relu", pooling="max", input_size=28)


def train_lenet5(x: Tensor, y: Tensor, epochs: int, seed: int = SEED) -> LeNet5:
    """LeNet-5 trained with Adam (lr 1e-3, batches of 64) on ``(x, y)``."""
    manual_seed(seed)
    model = lenet5()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    order = np.random.default_rng(seed)
    for _ in range(epochs):
        for batch in np.array_split(order.permutation(len(y)), max(1, len(y) // 64)):
            index = Tensor._wrap(batch)
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def trained_lenet5(quick: bool = False, weights=None, cache_dir=None):
    """``(model, source)``: the weights of ``weights`` ('file'), else the cached network ('cache'), else a
    network trained now ('trained', then cached). Quick mode trains its small copy every time and caches nothing."""
    model = lenet5()
    if weights is not None:
        model.load_state_dict(load(weights))
        return model.eval(), "file"
    path = cache_folder(cache_dir) / WEIGHTS_FILE
    if not quick and path.is_file():
        model.load_state_dict(load(path))
        return model.eval(), "cache"
    sizes = QUICK if quick else FULL
    x, y = load_mnist(True, limit=sizes["train"], download=True)
    model = train_lenet5(x, y, sizes["epochs"])
    if not quick:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(model.state_dict(), path)
    return model, "trained"


def predictions(model, images: Tensor):
    """``(class, confidence)`` NumPy arrays: the argmax of the softmax and its probability."""
    with no_grad():
        probabilities = F.softmax(model(images), dim=1).numpy()
    return probabilities.argmax(1), probabilities.max(1)


def accuracy(model, images, labels) -> float:
    return float((predictions(model, images)[0] == labels.numpy()).mean())


# ---- the three experiments ------------------------------------------------------------------------------
def accuracy_against_eps(model, x, y) -> dict:
    """Test accuracy under FGSM and under PGD-20 (steps of eps / 8, random start) for each eps of EPS."""
    result = {"eps": list(EPS), "fgsm": [], "pgd": []}
    for eps in EPS:
        result["fgsm"].append(accuracy(model, fgsm(model, x, y, eps), y))
        result["pgd"].append(accuracy(model, pgd(model, x, y, eps, eps / 8, 20, generator=Generator(SEED)), y))
    return result


def growing_eps_examples(model, x, y) -> dict:
    """FGSM at each eps of SHOWN_EPS on a few correctly classified test digits: the images, the predicted
    classes and their confidences (rows: digits, columns: eps)."""
    images = np.stack([fgsm(model, x, y, eps).numpy() for eps in SHOWN_EPS], axis=1)   # (n, len(eps), 1, 28, 28)
    classes, confidences = predictions(model, Tensor._wrap(images.reshape(-1, 1, 28, 28)))
    shape = images.shape[:2]
    return {"eps": list(SHOWN_EPS), "labels": y.numpy().tolist(), "images": images,
            "classes": classes.reshape(shape), "confidences": confidences.reshape(shape)}


def targeted_examples(model, image: Tensor) -> dict:
    """One digit pushed towards every class by targeted PGD (TARGETED_STEPS steps of 0.01 in the ball of
    TARGETED_EPS, from the digit itself)."""
    batch = Tensor._wrap(np.repeat(image.numpy(), 10, axis=0))
    targets = Tensor._wrap(np.arange(10))
    images = pgd(model, batch, targets, TARGETED_EPS, 0.01, TARGETED_STEPS, random_start=False, targeted=True)
    classes, confidences = predictions(model, images)
    return {"images": images.numpy(), "classes": classes, "confidences": confidences}


def fooling_examples(model, max_steps: int) -> dict:
    """A fooling image for every class, grown from uniform noise until the network is 99 % sure."""
    images, confidence = fooling_images(model, list(range(10)), (1, 28, 28), confidence=CONFIDENCE,
                                        step_size=0.01, max_steps=max_steps, generator=Generator(SEED))
    classes, _ = predictions(model, images)
    return {"images": images.numpy(), "confidences": confidence, "classes": classes}


# ---- pictures ----------------------------------------------------------------------------------------------
def _show(ax, image, title, colour="black"):
    ax.imshow(np.asarray(image).reshape(28, 28), cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])


def _plot_growing_eps(examples, output_dir) -> str:
    rows, cols = examples["images"].shape[:2]
    fig, axes = _plot.figure(rows, cols, size=(1.9, 2.0))
    for r in range(rows):
        for c in range(cols):
            predicted, label = examples["classes"][r, c], examples["labels"][r]
            _show(axes[r * cols + c], examples["images"][r, c],
                  f"eps {examples['eps'][c]}: {predicted} ({examples['confidences'][r, c]:.0%})",
                  "black" if predicted == label else "#c0392b")
    fig.suptitle("Adversarial examples: FGSM adds eps x the sign of the loss gradient; the digits stay plain to "
                 "us\nwhile LeNet-5's prediction (title: class and confidence, red when wrong) changes as eps grows.",
                 fontsize=10)
    return _plot.save(fig, output_dir, "adversarial_growing_eps.png")


def _plot_accuracy(curve, clean: float, output_dir) -> str:
    fig, ax = _plot.figure(size=(7.0, 4.6))
    ax.plot(curve["eps"], curve["fgsm"], "o-", color="#2c5aa0", label="FGSM (one step)")
    ax.plot(curve["eps"], curve["pgd"], "s-", color="#c0392b", label="PGD (20 steps, random start)")
    ax.axhline(0.1, color="grey", ls=":", lw=1, label="chance (10 %)")
    ax.set_xlabel("eps (L-infinity: the most any pixel may change, pixels in [0, 1])")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=9)
    ax.set_title(f"LeNet-5's test accuracy ({clean:.1%} on clean digits) falls as the attack's budget eps grows;\n"
                 "PGD, many small steps, finds worse cases than FGSM's single step.", fontsize=10)
    return _plot.save(fig, output_dir, "adversarial_accuracy.png")


def _plot_targeted(source, label, targeted, output_dir) -> str:
    fig, axes = _plot.figure(2, 6, size=(1.9, 2.1))
    _show(axes[0], source, f"original: {label}")
    axes[6].axis("off")
    cells = [a for i, a in enumerate(axes) if i not in (0, 6)]
    for k, ax in enumerate(cells):
        _show(ax, targeted["images"][k], f"-> {k}: {targeted['classes'][k]} ({targeted['confidences'][k]:.0%})",
              "#2ca02c" if targeted["classes"][k] == k else "black")
    fig.suptitle(f"Targeted attacks: the same {label}, each pixel changed by at most {TARGETED_EPS}, pushed towards "
                 "every digit;\ntitles: target -> LeNet-5's prediction (confidence), green when it reads the target.",
                 fontsize=10)
    return _plot.save(fig, output_dir, "adversarial_targeted.png")


def _plot_fooling(fooling, output_dir) -> str:
    fig, axes = _plot.figure(2, 5, size=(2.0, 2.2))
    for k, ax in enumerate(axes):
        _show(ax, fooling["images"][k], f"{fooling['classes'][k]} ({fooling['confidences'][k]:.2%})")
    fig.suptitle("Fooling images (Nguyen et al. 2015): noise changed step by step until LeNet-5 is at least 99 % "
                 "sure\nit sees the digit in each title (predicted class and confidence); no person would.",
                 fontsize=10)
    return _plot.save(fig, output_dir, "fooling_images.png")


# ---- the lesson ----------------------------------------------------------------------------------------------
def run(output_dir="course_output", quick: bool = False, weights=None, cache_dir=None) -> dict:
    """Train (or load) LeNet-5, run the three experiments, print their tables and save four PNGs.

    Returns ``{"model": {"source", "test_accuracy"}, "accuracy": {"eps", "fgsm", "pgd"}, "growing_eps":
    {"eps", "labels", "classes", "confidences"}, "targeted": {"label", "classes", "confidences"},
    "fooling": {"classes", "confidences"}, "figures": [paths]}`` (NumPy arrays as lists).
    """
    sizes = QUICK if quick else FULL
    model, source = trained_lenet5(quick, weights, cache_dir)
    x, y = load_mnist(False, limit=sizes["evaluate"], download=True)
    clean = accuracy(model, x, y)
    print(f"LeNet-5 ({source}): {clean:.2%} test accuracy on the first {len(y)} test digits")

    curve = accuracy_against_eps(model, x, y)
    print(_plot.table(["eps", "FGSM accuracy", "PGD-20 accuracy"], list(zip(curve["eps"], curve["fgsm"], curve["pgd"])),
                      title="Accuracy under attack (L-infinity, pixels in [0, 1])"))
    correct = np.flatnonzero(predictions(model, x)[0] == y.numpy())[:4]
    shown = growing_eps_examples(model, x[Tensor._wrap(correct)], y[Tensor._wrap(correct)])
    source_index = int(correct[0])
    targeted = targeted_examples(model, x[source_index:source_index + 1])
    fooling = fooling_examples(model, max_steps=300)
    print(_plot.table(["class", "fooling image confidence", f"targeted (eps {TARGETED_EPS}) confidence"],
                      [[k, float(fooling["confidences"][k]),
                        float(targeted["confidences"][k]) if targeted["classes"][k] == k else None]
                       for k in range(10)],
                      title=f"Fooling images from noise (>= {CONFIDENCE:.0%} wanted) and one test digit "
                            f"(a {int(y.numpy()[source_index])}) pushed towards every class"))
    print()
    figures = [_plot_growing_eps(shown, output_dir), _plot_accuracy(curve, clean, output_dir),
               _plot_targeted(x[source_index].numpy(), int(y.numpy()[source_index]), targeted, output_dir),
               _plot_fooling(fooling, output_dir)]
    return {"model": {"source": source, "test_accuracy": clean}, "accuracy": curve,
            "growing_eps": {k: np.asarray(v).tolist() for k, v in shown.items() if k != "images"},
            "targeted": {"label": int(y.numpy()[source_index]), "classes": targeted["classes"].tolist(),
                         "confidences": targeted["confidences"].tolist()},
            "fooling": {"classes": fooling["classes"].tolist(), "confidences": fooling["confidences"].tolist()},
            "figures": figures}
