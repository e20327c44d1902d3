"""Lesson: linear separability (course seed 001, "Perceptrons can only learn linearly separable
classes", "Perceptron can't deal with ... XOR", "Multi-layer Perceptron (1986)"; seed 002's rule).

Part 1, Rosenblatt's perceptron (``lamina.models.Perceptron``: step(w_0 + w_1 x_1 + w_2 x_2),
w <- w + eta (target - output) x, zero start, eta = 0.1) on the truth tables of AND, OR and XOR.
AND and OR are separated by one line and the rule stops after a few epochs. No line separates XOR's
classes, and because the rule is deterministic the failure is visible: the weights at the start of
an epoch come back to an earlier value, so the same epochs repeat forever (a cycle).

Part 2, a multi-layer perceptron (``nn.Linear`` + ``nn.Tanh``, cross-entropy, Adam, full batch) on
the same XOR table and on the two-spirals set of playground.tensorflow.org: the hidden layer bends
the decision boundary, drawn as the predicted class over a grid.
"""
from __future__ import annotations

import numpy as np

from ... import functional as F
from ... import optim
from ...autograd import no_grad
from ...datasets import spiral, truth_table
from ...models import Perceptron
from ...nn import Linear, Sequential, Tanh
from ...random import Generator
from ...tensor import Tensor
from . import _plot

NAME = "separability"
DESCRIPTION = "the perceptron's line on AND/OR, its cycling on XOR; an MLP's curved boundary on XOR and spirals"

SEED = 0
ETA, MAX_EPOCHS = 0.1, 100
GATES = ("and", "or", "xor")
TICKS = (-0.5, 0.0, 0.5, 1.0, 1.5)
XOR_MLP = {"hidden": 4, "steps": 500, "lr": 0.05}
SPIRAL = {"full": {"points": 400, "test_points": 400, "hidden": 32, "steps": 1500, "lr": 0.01},
          "quick": {"points": 200, "test_points": 200, "hidden": 32, "steps": 400, "lr": 0.02},
          "noise": 0.1}


# ---- part 1: the perceptron -----------------------------------------------------------------------
def perceptron_on(gate: str) -> dict:
    """Train a Perceptron on ``gate``'s truth table; the history and the final accuracy."""
    x, y = truth_table(gate)
    model = Perceptron(2)
    history = model.fit(x, y, eta=ETA, max_epochs=MAX_EPOCHS)
    accuracy = float((model.predict(x) == y.numpy()).mean())
    return {"model": model, "history": history, "accuracy": accuracy, "converged": history.converged,
            "cycle": history.cycle, "epochs": history.epochs, "weights": history.weights[-1].tolist()}


def replay_epoch(gate: str, weights) -> list:
    """The weights after each sample of one epoch started from ``weights`` (the first entry is the
    start): one ``Perceptron.fit`` of one epoch on one sample at a time, i.e. one step of the rule."""
    x, y = truth_table(gate)
    model = Perceptron(2, weights=weights)
    path = [model.weights.copy()]
    for i in range(len(y)):
        model.fit(x[i:i + 1], y[i:i + 1], eta=ETA, max_epochs=1)
        path.append(model.weights.copy())
    return path


def _line(ax, w, xlim, **style):
    """Draw w_0 + w_1 x_1 + w_2 x_2 = 0 over xlim (vertical when w_2 = 0; nothing when w_1 = w_2 = 0)."""
    w0, w1, w2 = w
    if abs(w2) > 1e-12:
        xs = np.array(xlim)
        ax.plot(xs, -(w0 + w1 * xs) / w2, **style)
    elif abs(w1) > 1e-12:
        ax.axvline(-w0 / w1, **style)


def _plot_perceptron(results: dict, output_dir) -> str:
    lim = (-0.5, 1.5)
    fig, axes = _plot.figure(1, 3, size=(4.4, 4.6))
    for ax, gate in zip(axes, GATES):
        r = results[gate]
        _plot.decision_regions(ax, r["model"].predict, lim, lim, resolution=150)
        history = r["history"]
        if r["cycle"] is not None:
            start, length = r["cycle"]
            for k, w in enumerate(replay_epoch(gate, history.weights[start])[1:-1]):
                _line(ax, w, lim, color="black", lw=1.2, ls=(0, (2, 2)), alpha=0.6,
                      label="its line after each update in the epoch" if k == 0 else None)
            verdict = (f"does not converge: from epoch {start + 1} the weights\n"
                       f"repeat every {length} epoch(s); accuracy {100 * r['accuracy']:.0f} %")
        else:
            verdict = f"converged after {r['epochs']} epochs\naccuracy {100 * r['accuracy']:.0f} %"
        _line(ax, history.weights[-1], lim, color="black", lw=2, label="final line $w_0 + w_1x_1 + w_2x_2 = 0$")
        x, y = truth_table(gate)
        _plot.scatter_classes(ax, x.numpy(), y.numpy(), labels=("output 0", "output 1"), size=90)
        ax.set_title(f"{gate.upper()}: {verdict}", fontsize=9)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_xticks(TICKS)
        ax.set_yticks(TICKS)
        ax.legend(fontsize=7, loc="upper left", framealpha=0.9)
    fig.suptitle(f"Rosenblatt's perceptron (zero start, eta = {ETA}): shaded by its output", fontsize=11)
    return _plot.save(fig, output_dir, "separability_perceptron.png")


# ---- part 2: the multi-layer perceptron ------------------------------------------------------------
def mlp(hidden: int, layers: int, seed: int = SEED) -> Sequential:
    """2 -> hidden (x ``layers``, tanh) -> 2 class scores."""
    g, modules, width = Generator(seed), [], 2
    for _ in range(layers):
        modules += [Linear(width, hidden, generator=g), Tanh()]
        width = hidden
    return Sequential(*modules, Linear(width, 2, generator=g))


def train_mlp(model, x, y, steps: int, lr: float) -> list:
    """Full-batch Adam on the cross-entropy; the loss of each step."""
    opt = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return losses


def predictor(model):
    """points (n, 2) -> predicted class (n,), without building a graph."""
    def predict(points):
        with no_grad():
            return model(Tensor(np.asarray(points, dtype=np.float32))).numpy().argmax(axis=1)
    return predict


def accuracy(model, x, y) -> float:
    return float((predictor(model)(x.numpy()) == y.numpy()).mean())


def _plot_mlp(xor: dict, spirals: dict, output_dir) -> str:
    fig, (left, right) = _plot.figure(1, 2, size=(5.4, 5.2))
    lim = (-0.5, 1.5)
    _plot.decision_regions(left, predictor(xor["model"]), lim, lim, resolution=150)
    x, y = truth_table("xor")
    _plot.scatter_classes(left, x.numpy(), y.numpy(), labels=("output 0", "output 1"), size=90)
    left.set_title(f"XOR: MLP 2-{XOR_MLP['hidden']}-2 (tanh), {XOR_MLP['steps']} Adam steps\n"
                   f"accuracy {100 * xor['accuracy']:.0f} %", fontsize=10)
    box = (-6.0, 6.0)
    _plot.decision_regions(right, predictor(spirals["model"]), box, box, resolution=200)
    _plot.scatter_classes(right, spirals["x"], spirals["y"], size=12)
    h = spirals["hidden"]
    right.set_title(f"two spirals: MLP 2-{h}-{h}-2 (tanh), {spirals['steps']} Adam steps\n"
                    f"train {100 * spirals['train_accuracy']:.1f} %, test {100 * spirals['test_accuracy']:.1f} %",
                    fontsize=10)
    left.set_xticks(TICKS)
    left.set_yticks(TICKS)
    for ax in (left, right):
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    fig.suptitle("A hidden layer bends the boundary: the predicted class over the plane", fontsize=11)
    return _plot.save(fig, output_dir, "separability_mlp.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Both parts; print the table, save ``separability_perceptron.png`` and ``separability_mlp.png``.

    Returns ``{"perceptron": {gate: {"accuracy", "converged", "cycle", "epochs", "weights"}},
    "mlp": {"xor": {"accuracy"}, "spiral": {"train_accuracy", "test_accuracy", "steps"}},
    "figures": [paths]}``.
    """
    perceptron = {gate: perceptron_on(gate) for gate in GATES}

    x, y = truth_table("xor")
    xor_model = mlp(XOR_MLP["hidden"], 1)
    xor_losses = train_mlp(xor_model, x, y.astype(np.int64), XOR_MLP["steps"], XOR_MLP["lr"])
    xor = {"model": xor_model, "accuracy": accuracy(xor_model, x, y.astype(np.int64)), "final_loss": xor_losses[-1]}

    config = SPIRAL["quick" if quick else "full"]
    xs, ys = spiral(config["points"], noise=SPIRAL["noise"], generator=Generator(SEED))
    xt, yt = spiral(config["test_points"], noise=SPIRAL["noise"], generator=Generator(SEED + 1))
    spiral_model = mlp(config["hidden"], 2)
    train_mlp(spiral_model, xs, ys, config["steps"], config["lr"])
    spirals = {"model": spiral_model, "x": xs.numpy(), "y": ys.numpy(), "hidden": config["hidden"],
               "steps": config["steps"], "train_accuracy": accuracy(spiral_model, xs, ys),
               "test_accuracy": accuracy(spiral_model, xt, yt)}

    figures = [_plot_perceptron(perceptron, output_dir), _plot_mlp(xor, spirals, output_dir)]
    rows = []
    for gate, r in perceptron.items():
        if r["converged"]:
            how = f"converged in {r['epochs']} epochs"
        elif r["cycle"] is not None:
            how = f"cycles: from epoch {r['cycle'][0] + 1}, period {r['cycle'][1]} epoch(s)"
        else:
            how = f"not converged in {r['epochs']} epochs"
        rows.append([f"perceptron, {gate.upper()}", f"{100 * r['accuracy']:.1f}", "-", how])
    rows.append([f"MLP 2-{XOR_MLP['hidden']}-2, XOR", f"{100 * xor['accuracy']:.1f}", "-",
                 f"{XOR_MLP['steps']} Adam steps"])
    rows.append([f"MLP 2-{config['hidden']}-{config['hidden']}-2, spirals", f"{100 * spirals['train_accuracy']:.1f}",
                 f"{100 * spirals['test_accuracy']:.1f}", f"{config['steps']} Adam steps, {config['points']} points"])
    print(_plot.table(["model, data", "train accuracy %", "test accuracy %", "training"], rows,
                      title="Linear separability: the perceptron against a multi-layer perceptron"))
    print()
    return {"perceptron": {g: {k: r[k] for k in ("accuracy", "converged", "cycle", "epochs", "weights")}
                           for g, r in perceptron.items()},
            "mlp": {"xor": {"accuracy": xor["accuracy"], "final_loss": xor["final_loss"]},
                    "spiral": {k: spirals[k] for k in ("train_accuracy", "test_accuracy", "steps", "hidden")}},
            "figures": figures}
