"""Lesson: under-fitting, over-fitting and regularisation (course seed 001, "Other issues:
under/overfitting", "Regularization to limit overfitting": L1, L2, early stopping, dropout; seed 003,
"Under-fitting vs. over-fitting": the goal is a model with low training and validation errors).

Data: a small random slice of MNIST (fixed seed), so that a big network can memorise it: ``train``
images, a held-out ``validation`` set of other training images (watched during training, used by
early stopping) and ``test`` images of the test set (looked at once, at the end). Full run: 1,000 /
2,000 / all 10,000, 60 epochs; quick: 500 / 500 / 2,000, 40 epochs and hidden layers of 128.

Models (MLPs on the flattened 28 x 28 pixels, Adam lr 1e-3, batch 50, trained by ``lm.Model.fit``):

    under-fitting   784-2-10: two hidden units cannot represent ten digits (train and test both low)
    over-fitting    784-256-256-10, no regularisation: training accuracy reaches 100 % within ten
                    epochs; validation accuracy stalls ~12 points lower and the validation loss,
                    after its minimum, climbs again (the model grows over-confident on its mistakes)
    L1              the same + l1_penalty(weights, 1e-4) in the loss   (pulls every weight towards 0 by the same amount)
    L2              the same + l2_penalty(weights, 2e-3) in the loss   (shrinks the weights)
    dropout         the same with Dropout(0.2) on the input and Dropout(0.5) after each hidden layer
    early stopping  the same, stopped when val_loss has not improved for 5 epochs (best weights kept)

What the numbers show (full run on this project's machine):

    model             train %  val %  test %  gap  val loss (end / min)  epochs
    under-fitting       43.8   41.5    41.2   2.3     1.554 / 1.554        60
    over-fitting       100.0   87.5    89.4  12.5     0.697 / 0.440        60
    L1 1e-4            100.0   87.7    89.1  12.3     0.471 / 0.462        60
    L2 2e-3             99.9   86.2    87.9  13.7     0.467 / 0.413        60
    dropout            100.0   90.7    91.1   9.3     0.444 / 0.370        60
    early stopping      96.5   87.2    88.4   9.3     0.440 / 0.440        10

With this little data, regularisation mostly keeps the validation LOSS from climbing; accuracies move
by a point or two. Dropout helps most (+1.7 points on the test set, a gap 3 points narrower); L1 and L2 at these
strengths hold the loss down but do not raise accuracy (stronger penalties lower the training
accuracy and the validation accuracy with it); early stopping ends after 10 epochs, a point below
the over-fitting model's accuracy, with its validation loss at the minimum.

Seeds are fixed (sampling, initialisation, shuffling, dropout masks), so one machine gives the same
numbers every run; other machines (other BLAS builds, other summation orders) give numbers that
differ slightly, typically by a few tenths of a percent. Even the number of BLAS threads counts: the
table above was made with one; with two, the over-fitting model ends at 87.8 % validation accuracy.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ... import functional as F
from ... import optim
from ...nn import Dropout, Linear, ReLU, Sequential
from ...random import Generator
from ...train import Callback, EarlyStopping, Model
from . import _plot

NAME = "fitting"
DESCRIPTION = "under- and over-fitting on 1,000 MNIST images; L1, L2, dropout and early stopping"

SEED = 0
FULL = {"train": 1000, "validation": 2000, "test": 10000, "epochs": 60, "hidden": 256}
QUICK = {"train": 500, "validation": 500, "test": 2000, "epochs": 40, "hidden": 128}
BATCH_SIZE, LEARNING_RATE = 50, 1e-3
L1, L2 = 1e-4, 2e-3
PATIENCE = 5


# ---- data ---------------------------------------------------------------------------------------
def data_root():
    """``$LAMINA_DATA``, else the ``shared/data`` folder beside this checkout when it exists, else
    None (the library's default, ``~/.cache/lamina``)."""
    if os.environ.get("LAMINA_DATA"):
        return os.environ["LAMINA_DATA"]
    shared = Path(__file__).resolve().parents[4] / "shared" / "data"
    return str(shared) if (shared / "mnist").is_dir() else None


def load_mnist(train: bool = True, limit: int | None = None, index=None, download: bool = False):
    """MNIST images as ``(x float32 (n, 1, 28, 28) in [0, 1], y int64 (n,))`` Tensors: those of
    ``index`` (positions), else the first ``limit``, else all; None when the files are not found and
    ``download`` is False (or the download fails)."""
    from ...datasets import mnist
    try:
        dataset = mnist(root=data_root(), train=train, download=download)
    except (FileNotFoundError, OSError, RuntimeError):
        return None
    if index is None:
        index = np.arange(len(dataset) if limit is None else limit)
    return dataset.get_batch(np.asarray(index))


def mnist_split(sizes: dict, seed: int = SEED):
    """``(train, validation, test)`` pairs of flattened images drawn at random (fixed seed): train and
    validation from MNIST's training set, without overlap; test from its test set (all of it when
    ``sizes["test"]`` is 10,000). Raises a clear error when MNIST cannot be had."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(60000)
    train = load_mnist(True, index=np.sort(order[:sizes["train"]]), download=True)
    validation = load_mnist(True, index=np.sort(order[sizes["train"]:sizes["train"] + sizes["validation"]]),
                            download=True)
    test = load_mnist(False, index=np.sort(rng.permutation(10000)[:sizes["test"]]), download=True)
    if train is None or validation is None or test is None:
        raise FileNotFoundError("fitting: this lesson needs MNIST; put its four .gz files in $LAMINA_DATA/mnist/ "
                                "(or let lamina.datasets.mnist download them)")
    return tuple((x.reshape(len(y), -1), y) for x, y in (train, validation, test))


# ---- models -------------------------------------------------------------------------------------
def mlp(hidden: list, dropout: tuple = (0.0, 0.0), seed: int = SEED) -> Sequential:
    """784 -> hidden... -> 10 with ReLU; ``dropout = (p_input, p_hidden)``."""
    weights_rng, masks = Generator(seed), Generator(seed + 1)
    layers, width = [], 784
    if dropout[0]:
        layers.append(Dropout(dropout[0], generator=masks))
    for units in hidden:
        layers += [Linear(width, units, generator=weights_rng), ReLU()]
        if dropout[1]:
            layers.append(Dropout(dropout[1], generator=masks))
        width = units
    layers.append(Linear(width, 10, generator=weights_rng))
    return Sequential(*layers)


def _penalised(penalty, module, weight: float):
    """cross-entropy + ``penalty`` (l1 or l2) of the Linear weights (not the biases) times ``weight``."""
    weights = [p for name, p in module.named_parameters() if name.endswith("weight")]
    return lambda output, target: F.cross_entropy(output, target) + penalty(weights, weight)


class Curves(Callback):
    """After each epoch, in eval mode (dropout off): accuracy and plain cross-entropy (no penalty) on the
    training and the validation set. (fit's own ``accuracy`` is a running mean over the epoch's
    batches taken with dropout on, and its ``val_loss`` includes the L1/L2 penalty.)"""

    def __init__(self, train, validation):
        super().__init__()
        self.sets = {"train": train, "val": validation}
        self.values = {f"{name}_{what}": [] for name in self.sets for what in ("accuracy", "loss")}

    def on_epoch_end(self, epoch, logs=None):
        for name, (x, y) in self.sets.items():
            acc, loss = evaluate(self.model, x, y)
            self.values[f"{name}_accuracy"].append(acc)
            self.values[f"{name}_loss"].append(loss)


def evaluate(model: Model, x, y) -> tuple:
    """``(accuracy, mean cross-entropy)`` of ``model`` on ``(x, y)``, in eval mode."""
    logits = model.predict(x, batch_size=1000).astype(np.float64)
    labels = y.numpy()
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float((logits.argmax(axis=1) == labels).mean()), float(-log_probs[np.arange(len(labels)), labels].mean())


def experiments(hidden: int) -> dict:
    """name -> (module, loss, callbacks): the six models of the lesson."""
    big = [hidden, hidden]
    l1, l2 = mlp(big), mlp(big)
    return {
        "under-fitting (784-2-10)": (mlp([2]), "cross_entropy", []),
        "over-fitting (no regularisation)": (mlp(big), "cross_entropy", []),
        f"L1 penalty {L1:g}": (l1, _penalised(optim.l1_penalty, l1, L1), []),
        f"L2 penalty {L2:g}": (l2, _penalised(optim.l2_penalty, l2, L2), []),
        "dropout 0.2 input, 0.5 hidden": (mlp(big, dropout=(0.2, 0.5)), "cross_entropy", []),
        f"early stopping (patience {PATIENCE})": (mlp(big), "cross_entropy",
                                                  [EarlyStopping("val_loss", patience=PATIENCE,
                                                                 restore_best_weights=True)]),
    }


def train(module, loss, callbacks, data, epochs: int) -> dict:
    """Fit one model with ``Model.fit``; its curves and the accuracies and losses of the final model
    (for early stopping, the restored best weights). ``gap`` = train - validation accuracy."""
    (x, y), validation, test = data
    model = Model(module)
    model.compile(optimizer=optim.Adam(model.parameters(), lr=LEARNING_RATE), loss=loss, metrics=["accuracy"])
    curves = Curves((x, y), validation)
    history = model.fit(x, y, epochs=epochs, batch_size=BATCH_SIZE, validation_data=validation,
                        callbacks=[*callbacks, curves], verbose=0, generator=Generator(SEED))
    (train_accuracy, train_loss), (val_accuracy, val_loss) = evaluate(model, x, y), evaluate(model, *validation)
    return {"parameters": sum(p.numel() for p in module.parameters()), "epochs": len(history.epoch),
            "curves": curves.values, "train_accuracy": train_accuracy, "train_loss": train_loss,
            "val_accuracy": val_accuracy, "val_loss": val_loss, "min_val_loss": min(curves.values["val_loss"]),
            "test_accuracy": evaluate(model, *test)[0], "gap": train_accuracy - val_accuracy}


COLORS = ("#7f7f7f", "#d62728", "#9467bd", "#2c5aa0", "#2ca02c", "#ff7f0e")


def _plot_accuracy(results: dict, sizes: dict, output_dir) -> str:
    fig, axes = _plot.figure(2, 3, size=(4.6, 3.6))
    for ax, (name, r), colour in zip(axes, results.items(), COLORS):
        epochs = np.arange(1, r["epochs"] + 1)
        ax.plot(epochs, 100 * np.asarray(r["curves"]["train_accuracy"]), "-", color=colour, lw=2, label="train")
        ax.plot(epochs, 100 * np.asarray(r["curves"]["val_accuracy"]), "--", color=colour, lw=2, label="validation")
        ax.set_title(f"{name}\ntrain {100 * r['train_accuracy']:.1f} %, validation {100 * r['val_accuracy']:.1f} %, "
                     f"gap {100 * r['gap']:.1f} points", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        ax.set_xlim(1, sizes["epochs"])
        ax.set_ylim(0, 101)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"MNIST, {sizes['train']} training images, {sizes['validation']} validation images: "
                 "train (solid) against validation (dashed) accuracy", fontsize=11)
    return _plot.save(fig, output_dir, "fitting_accuracy.png")


def _plot_loss(results: dict, sizes: dict, output_dir) -> str:
    fig, (val, train) = _plot.figure(1, 2, size=(6.2, 4.8))
    for (name, r), colour in zip(results.items(), COLORS):
        epochs = np.arange(1, r["epochs"] + 1)
        val.semilogy(epochs, r["curves"]["val_loss"], "-", color=colour, lw=2, label=name)
        train.semilogy(epochs, r["curves"]["train_loss"], "-", color=colour, lw=2, label=name)
    val.set_ylabel("validation cross-entropy (log scale)")
    val.set_title("Validation loss: over-fitting shows as the climb after the minimum", fontsize=10)
    train.set_ylabel("training cross-entropy (log scale)")
    train.set_title("Training loss: the over-fitting model drives it towards 0", fontsize=10)
    for ax in (val, train):
        ax.set_xlabel("epoch")
        ax.set_xlim(1, sizes["epochs"])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"MNIST, {sizes['train']} training images: plain cross-entropy (no penalty), eval mode", fontsize=11)
    return _plot.save(fig, output_dir, "fitting_loss.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Train the six models; print the table and save ``fitting_accuracy.png`` and ``fitting_loss.png``.

    Returns ``{"sizes": {...}, "models": {name: {"parameters", "epochs", "train_accuracy", "train_loss",
    "val_accuracy", "val_loss", "min_val_loss", "test_accuracy", "gap", "curves"}}, "figures": [paths]}``
    (losses: plain cross-entropy in eval mode; ``curves``: per epoch, ``train_/val_`` ``accuracy/loss``).
    """
    sizes = QUICK if quick else FULL
    data = mnist_split(sizes)
    results = {name: train(module, loss, callbacks, data, sizes["epochs"])
               for name, (module, loss, callbacks) in experiments(sizes["hidden"]).items()}
    figures = [_plot_accuracy(results, sizes, output_dir), _plot_loss(results, sizes, output_dir)]
    rows = [[name, r["parameters"], r["epochs"], *(f"{100 * r[k]:.1f}" for k in
                                                   ("train_accuracy", "val_accuracy", "test_accuracy", "gap")),
             r["val_loss"], r["min_val_loss"]] for name, r in results.items()]
    print(_plot.table(["model", "parameters", "epochs", "train %", "val %", "test %", "gap train-val",
                       "val loss", "min val loss"], rows,
                      title=f"MNIST: {sizes['train']} training, {sizes['validation']} validation, {sizes['test']} test "
                            f"images (numbers vary slightly across machines)"))
    print()
    return {"sizes": dict(sizes), "models": results, "figures": figures}
