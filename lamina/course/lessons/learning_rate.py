"""Lesson: the learning rate decides everything (course seed 001, "The learning rate eta":
too small is slow and gets stuck, too large might explode; seed 000, "Gradient descent").

The problem is seed 000's linear regression: ten observations (x1, x2) -> y, the model
``y_hat = w1 x1 + w2 x2 + w0`` (an ``nn.Linear(2, 1)`` starting from zero weights, as in the seed),
mean squared error, full-batch gradient descent (``optim.SGD``). The loss is a quadratic bowl, so the
theory is exact: with H the Hessian of the loss (2/N X^T X, X with a column of ones), gradient
descent converges if and only if ``lr < 2 / lambda_max(H)`` and then shrinks the error along each
eigenvector by ``|1 - lr lambda|`` per step. The lesson computes that limit from the data and runs
four rates: far below it (slow), a quarter of it, just under the optimum ``2 / (lambda_min +
lambda_max)`` (good) and above it (diverges: each step multiplies the error by more than 1 until the
loss overflows; the run is stopped and reported as soon as the loss is not finite or exceeds
``DIVERGENCE_FACTOR`` times its initial value).

Note: seed 000's own step size, eta = 0.1 with one sample per update, is far above the limit on
these unnormalised features: one sample's Hessian has the eigenvalue 2 (|x|^2 + 1), up to 196 here,
so a step is stable only below 2/196 ~ 0.01. The seed's next slide, normalisation (x' = (x - mu) /
sigma), brings that eigenvalue down to at most 11.3 and the limit up to 0.18, where eta = 0.1 works.
"""
from __future__ import annotations

import math

import numpy as np

from ... import functional as F
from ... import optim
from ...datasets import regression_table
from ...nn import Linear, init
from . import _plot

NAME = "learning_rate"
DESCRIPTION = "gradient descent on seed 000's regression with a learning rate too small, good and too large"

STEPS, QUICK_STEPS = 300, 120
DIVERGENCE_FACTOR = 1e3
TOLERANCE = 1e-4     # converged: loss - minimum loss < TOLERANCE
RATES = {"too small": 1e-3, "small": 1e-2, "good": 3e-2, "too large": 5e-2}
COLORS = {"too small": "#2c5aa0", "small": "#17becf", "good": "#2ca02c", "too large": "#d62728"}


def hessian_limits(x: np.ndarray) -> dict:
    """Eigenvalues of the MSE Hessian 2/N [x 1]^T [x 1] and the step-size limits they set."""
    design = np.column_stack([x.astype(np.float64), np.ones(len(x))])
    eigenvalues = np.linalg.eigvalsh(2.0 / len(x) * design.T @ design)
    return {"eigenvalues": eigenvalues.tolist(), "stable_below": 2.0 / eigenvalues.max(),
            "optimal": 2.0 / (eigenvalues.min() + eigenvalues.max())}


def minimum_loss(x: np.ndarray, y: np.ndarray) -> float:
    """The least-squares loss, the floor every convergent run approaches."""
    design = np.column_stack([x.astype(np.float64), np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)
    return float(np.mean((design @ coef - y) ** 2))


def descend(x, y, lr: float, steps: int, floor: float) -> dict:
    """Full-batch gradient descent from zero weights; stops early when the loss diverges.

    Returns ``losses`` (the loss before each step), ``diverged_at`` (the step whose loss was not
    finite or above DIVERGENCE_FACTOR x the first, else None), ``converged_at`` (the first step with
    loss - floor < TOLERANCE, else None), ``final_loss`` and the weights.
    """
    model = Linear(2, 1)
    init.zeros_(model.weight)
    init.zeros_(model.bias)
    opt = optim.SGD(model.parameters(), lr=lr)
    losses, diverged_at, converged_at = [], None, None
    for step in range(steps + 1):
        loss = F.mse_loss(model(x).reshape(-1), y)
        value = float(loss.item())
        losses.append(value)
        if not math.isfinite(value) or value > DIVERGENCE_FACTOR * losses[0]:
            diverged_at = step
            break
        if converged_at is None and value - floor < TOLERANCE:
            converged_at = step
        if step == steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    w = model.weight.data.ravel().tolist()
    return {"lr": lr, "losses": losses, "diverged": diverged_at is not None, "diverged_at": diverged_at,
            "converged": converged_at is not None, "converged_at": converged_at, "final_loss": losses[-1],
            "weights": {"w1": w[0], "w2": w[1], "w0": float(model.bias.data[0])}}


def _verdict(run: dict, steps: int) -> str:
    if run["diverged"]:
        return f"diverged at step {run['diverged_at']}"
    if run["converged"]:
        return f"converged at step {run['converged_at']}"
    return f"not converged after {steps} steps"


def _plot_runs(runs: dict, floor: float, limits: dict, steps: int, output_dir) -> str:
    fig, ax = _plot.figure(size=(7.5, 5.0))
    for label, r in runs.items():
        losses = np.asarray(r["losses"])
        finite = np.isfinite(losses)
        ax.plot(np.flatnonzero(finite), losses[finite], color=COLORS.get(label), lw=1.8,
                label=f"lr = {r['lr']:g} ({label}): {_verdict(r, steps)}")
        if r["diverged"]:
            last = np.flatnonzero(finite)[-1]
            ax.plot(last, losses[last], "x", color=COLORS.get(label), ms=10, mew=2)
    ax.axhline(floor, color="grey", ls="--", lw=1, label=f"least-squares minimum {floor:.4f}")
    ax.set_yscale("log")
    ax.set_xlabel("step (full-batch gradient descent)")
    ax.set_ylabel("training loss (MSE, log scale)")
    ax.set_title(f"Learning rate on seed 000's regression: stable only for lr < $2/\\lambda_{{max}}$ = "
                 f"{limits['stable_below']:.4f}", fontsize=10)
    ax.set_xlim(0, steps)
    ax.legend(fontsize=8, loc="upper right")
    return _plot.save(fig, output_dir, "learning_rate.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Run the four learning rates; print the table and save ``learning_rate.png``.

    Returns ``{"steps", "limits": {"eigenvalues", "stable_below", "optimal"}, "minimum_loss",
    "runs": {label: {"lr", "diverged", "diverged_at", "converged", "converged_at", "final_loss",
    "weights", "losses"}}, "figures": [path]}``.
    """
    steps = QUICK_STEPS if quick else STEPS
    x, y = regression_table()
    limits = hessian_limits(x.numpy())
    floor = minimum_loss(x.numpy(), y.numpy())
    runs = {label: descend(x, y, lr, steps, floor) for label, lr in RATES.items()}
    figure = _plot_runs(runs, floor, limits, steps, output_dir)
    rows = [[label, r["lr"], r["lr"] * max(limits["eigenvalues"]), r["final_loss"], _verdict(r, steps)]
            for label, r in runs.items()]
    print(_plot.table(["learning rate", "lr", "lr x lambda_max", "last loss", "verdict"], rows,
                      title=f"seed 000's regression, {steps} steps; converges iff lr x lambda_max < 2 "
                            f"(lr < {limits['stable_below']:.4f}); least-squares loss {floor:.4f}"))
    print()
    return {"steps": steps, "limits": limits, "minimum_loss": floor, "runs": runs, "figures": [figure]}
