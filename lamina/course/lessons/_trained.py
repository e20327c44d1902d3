"""Trained networks for the lessons on interpreting a network (seed 002): LeNet-5 on MNIST and a small CNN
with batch norm and dropout on Fashion-MNIST.

A model is trained on first use (Adam, 3 epochs on the 60,000 training images: test accuracy 98.6 % and 88.0 %,
measured 3 and 13 minutes on 2 cores shared with other jobs, load average 10-15, 2026-12-03) and cached with
``lm.save`` in ``$LAMINA_COURSE_CACHE`` (default ``~/.cache/lamina/course/``) as ``mnist_lenet5.lamina`` /
``fashion_cnn.lamina``; a file the user made (a ``state_dict``, or ``{"state_dict": ...}``) is used instead
when given. Quick mode trains a tiny model on 2,000 images for two epochs (seconds) and caches nothing.
Every model is returned in eval mode, with its test accuracy.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ... import functional as F
from ...datasets import fashion_mnist, mnist
from ...io import load, save
from ...models import LeNet5
from ...nn import BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential
from ...optim import Adam
from ...random import Generator, manual_seed
from ...tensor import Tensor
from .fitting import data_root

SEED = 0
FULL = {"train": 60000, "epochs": 3, "test": 10000}
QUICK = {"train": 2000, "epochs": 2, "test": 1000}
BATCH_SIZE, LEARNING_RATE = 64, 2e-3
FILES = {"mnist": "mnist_lenet5.lamina", "fashion": "fashion_cnn.lamina"}
_QUICK_MODELS: dict = {}     # quick mode trains each model once per process (the lessons share them)


@dataclass
class Trained:
    """A trained model (eval mode), its data set's name and class names, its test accuracy and where it came
    from ('trained now', 'cache: <path>' or 'file: <path>')."""

    model: Sequential
    dataset: str
    classes: tuple
    accuracy: float
    source: str


def lenet5() -> Sequential:
    """LeNet-5 for 28 x 28 MNIST digits, with ReLU and max pooling (trains in one epoch to ~97 %)."""
    return LeNet5(input_size=28, activation="relu", pooling="max")


def fashion_cnn() -> Sequential:
    """Two convolution blocks (conv 3x3, batch norm, ReLU, max pool), dropout and a linear classifier."""
    return Sequential(Conv2d(1, 16, 3, padding=1), BatchNorm2d(16), ReLU(), MaxPool2d(2),
                      Conv2d(16, 32, 3, padding=1), BatchNorm2d(32), ReLU(), MaxPool2d(2),
                      Dropout(0.25), Flatten(), Linear(32 * 7 * 7, 10))


BUILDERS = {"mnist": (lenet5, mnist), "fashion": (fashion_cnn, fashion_mnist)}


def cache_dir() -> Path:
    return Path(os.environ.get("LAMINA_COURSE_CACHE", Path.home() / ".cache" / "lamina" / "course"))


def dataset(name: str, train: bool):
    return BUILDERS[name][1](root=data_root(), train=train, download=True)


def test_set(name: str, limit: int):
    """``(x (n, 1, 28, 28) float32 in [0, 1], y (n,))`` Tensors: the first ``limit`` test images, and the classes."""
    data = dataset(name, train=False)
    x, y = data.get_batch(np.arange(min(limit, len(data))))
    return x, y, tuple(data.classes)


def accuracy(model, x, y, batch: int = 1000) -> float:
    from ...autograd import no_grad
    correct = 0
    with no_grad():
        for start in range(0, len(y), batch):
            scores = model(x[start:start + batch]).numpy()
            correct += int((scores.argmax(1) == y.numpy()[start:start + batch]).sum())
    return correct / len(y)


def train(name: str, sizes: dict, print_fn=print) -> Sequential:
    """Adam on the first ``sizes['train']`` training images for ``sizes['epochs']`` epochs, shuffled with a seed."""
    manual_seed(SEED)
    model = BUILDERS[name][0]()
    data = dataset(name, train=True)
    x, y = data.get_batch(np.arange(min(sizes["train"], len(data))))
    optimizer = Adam(model.parameters(), lr=LEARNING_RATE)
    order_rng = Generator(SEED).numpy
    model.train()
    start = time.time()
    for epoch in range(sizes["epochs"]):
        order = order_rng.permutation(len(y))
        total = 0.0
        for begin in range(0, len(y), BATCH_SIZE):
            index = order[begin:begin + BATCH_SIZE]
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.item()) * len(index)
        print_fn(f"  {name}: epoch {epoch + 1}/{sizes['epochs']}, training loss {total / len(y):.4f} "
                 f"({time.time() - start:.0f} s)")
    model.eval()
    return model


def _state_dict(obj):
    return obj["state_dict"] if isinstance(obj, dict) and "state_dict" in obj else obj


def trained(name: str, quick: bool = False, path=None, print_fn=print) -> Trained:
    """The model of ``name`` ('mnist' or 'fashion'): from ``path`` when given, else from the cache, else trained
    now (and cached unless ``quick``)."""
    sizes = QUICK if quick else FULL
    x, y, classes = test_set(name, sizes["test"])
    model = BUILDERS[name][0]()
    cached = cache_dir() / FILES[name]
    if path is not None:
        model.load_state_dict(_state_dict(load(path)))
        source = f"file: {path}"
    elif not quick and cached.is_file():
        model.load_state_dict(_state_dict(load(cached)))
        source = f"cache: {cached}"
    elif quick and name in _QUICK_MODELS:
        model.load_state_dict(_QUICK_MODELS[name])
        source = "trained earlier in this run (quick)"
    else:
        print_fn(f"training the {name} model on {sizes['train']} images for {sizes['epochs']} epoch(s)"
                 + ("" if quick else f"; it will be cached in {cached}"))
        model = train(name, sizes, print_fn)
        source = "trained now"
        if quick:
            _QUICK_MODELS[name] = {k: Tensor(v.data.copy(), dtype=v.dtype) for k, v in model.state_dict().items()}
        else:
            cached.parent.mkdir(parents=True, exist_ok=True)
            save({"state_dict": model.state_dict(), "epochs": sizes["epochs"], "train_images": sizes["train"]},
                 cached)
    model.eval()
    return Trained(model, name, classes, accuracy(model, x, y), source)


def predictions(model, x) -> tuple:
    """``(predicted class (n,), its softmax probability (n,))`` as NumPy arrays."""
    from ...autograd import no_grad
    with no_grad():
        probabilities = F.softmax(model(x if isinstance(x, Tensor) else Tensor(x)), dim=1).numpy()
    return probabilities.argmax(1), probabilities.max(1)
