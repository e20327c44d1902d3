"""Seed 000, "Part 1: Gradient descent": linear regression on the 10-observation table.

    y_hat = w0 + w1 x1 + w2 x2,   L = (y_hat - y)^2,   w <- w - eta dL/dw,   eta = 0.1, w from 0

What is shown, step by step, with Lamina tensors and autograd (each gradient checked against its
closed form dL/dw = 2 (y_hat - y) (1, x1, x2), averaged over a batch):
1. the slides' first SGD step (observation 1 alone): their gradients have the wrong sign and their
   new weights are off by a further factor of 10;
2. what happens next with eta = 0.1 on the raw inputs: the loss explodes (the step is too big for the
   curvature 2 mean(x^2) of the raw inputs), and a small eta converges but slowly;
3. the slides' normalisation x' = (x - mu) / sigma: the same eta = 0.1 now converges;
4. stochastic, batch and mini-batch gradient descent each recover the weights that generated the
   table (the least-squares fit), once mapped back from standardised to raw units;
5. the two stopping rules of the slides: a number of epochs, or the loss below a threshold.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..autograd import no_grad
from ..data import Standardize
from ..datasets import regression_table
from ..datasets.toy import REGRESSION_WEIGHTS
from ..tensor import Tensor
from .report import Comparison, fmt, section, step

NAME = "seed000"
DESCRIPTION = ("gradient descent on the 10-observation table: the first SGD step, divergence, normalisation, "
               "SGD / batch / mini-batch, stopping rules")

ETA = 0.1
SEED_GRADIENTS = (-5.338, -21.352, -37.366)
SEED_NEW_WEIGHTS = (0.05338, 0.21352, 0.37366)
GENERATING = (REGRESSION_WEIGHTS["w0"], REGRESSION_WEIGHTS["w1"], REGRESSION_WEIGHTS["w2"])


def _linear() -> nn.Linear:
    """y_hat = w0 + w1 x1 + w2 x2 as a Lamina layer, in float64, every weight zero (the slides' start)."""
    layer = nn.Linear(2, 1).double()
    with no_grad():
        layer.weight.data[...] = 0
        layer.bias.data[...] = 0
    return layer


def _weights(layer: nn.Linear) -> np.ndarray:
    """(w0, w1, w2) = (bias, weight[0, 0], weight[0, 1])."""
    return np.concatenate([layer.bias.data, layer.weight.data[0]]).astype(np.float64)


def _grads(layer: nn.Linear) -> np.ndarray:
    return np.concatenate([layer.bias.grad.data, layer.weight.grad.data[0]]).astype(np.float64)


def _closed_form_gradient(w, x, y) -> np.ndarray:
    """dL/dw of L = mean((y_hat - y)^2): 2 mean((y_hat - y) (1, x1, x2))."""
    design = np.column_stack([np.ones(len(x)), x])
    return 2 * design.T @ (design @ w - y) / len(x)


def _loss(w, x, y) -> float:
    """The training loss over the whole table, mean((y_hat - y)^2)."""
    design = np.column_stack([np.ones(len(x)), x])
    return float(np.mean((design @ w - y) ** 2))


class _Trainer:
    """Gradient descent with Lamina: ``batch_size`` 1 = SGD, 10 = batch GD, in between = mini-batch.

    Samples are visited in table order (as in the slides' loop). Every step's autograd gradient is
    compared with the closed form; the largest difference is kept in ``max_gradient_error``.
    """

    def __init__(self, x, y, eta=ETA):
        self.x, self.y = x, y
        self.layer = _linear()
        self.optimizer = optim.SGD(self.layer.parameters(), lr=eta)
        self.max_gradient_error = 0.0

    def step(self, xb, yb) -> None:
        self.optimizer.zero_grad()
        loss = F.mse_loss(self.layer(Tensor._wrap(xb)).reshape(-1), Tensor._wrap(yb))
        loss.backward()
        expected = _closed_form_gradient(_weights(self.layer), xb, yb)
        self.max_gradient_error = max(self.max_gradient_error, float(np.max(np.abs(_grads(self.layer) - expected))))
        self.optimizer.step()

    def epoch(self, batch_size: int) -> float:
        for start in range(0, len(self.y), batch_size):
            self.step(self.x[start:start + batch_size], self.y[start:start + batch_size])
        return _loss(self.weights, self.x, self.y)

    def fit(self, batch_size: int, max_epochs: int, threshold: float | None = None) -> list:
        """Epochs until ``max_epochs`` or until the training loss falls below ``threshold``."""
        losses = []
        for _ in range(max_epochs):
            losses.append(self.epoch(batch_size))
            if threshold is not None and losses[-1] < threshold:
                break
        return losses

    @property
    def weights(self) -> np.ndarray:
        return _weights(self.layer)


def _to_raw_units(v, mu, sigma) -> np.ndarray:
    """Weights learnt on x' = (x - mu) / sigma, expressed for raw x:
    y = v0 + sum v_i (x_i - mu_i) / sigma_i  =>  w_i = v_i / sigma_i,  w0 = v0 - sum v_i mu_i / sigma_i."""
    w = v[1:] / sigma
    return np.concatenate([[v[0] - np.sum(w * mu)], w])


def run(output_dir="course_output", quick=False, print_fn=print) -> dict:
    out = {}
    x_t, y_t = regression_table(dtype=np.float64)
    x, y = x_t.data, y_t.data
    table = Comparison("seed 000: what the slides say and what Lamina computes")

    # ---- 1. the first SGD step ---------------------------------------------------------------------
    section("Seed 000, step 1: the slides' first SGD step (observation 1 only: x1 = 4, x2 = 7, y = -2.669)",
            print_fn)
    trainer = _Trainer(x, y)
    x1, y1 = x[:1], y[:1]
    y_hat = trainer.layer(Tensor._wrap(x1)).reshape(-1)
    loss = F.mse_loss(y_hat, Tensor._wrap(y1))
    loss.backward()
    grad = _grads(trainer.layer)
    closed = _closed_form_gradient(np.zeros(3), x1, y1)
    step(f"forward:  y_hat = 0 + 0*4 + 0*7 = {y_hat.item():g};  L = (y_hat - y)^2 = (0 + 2.669)^2 = {loss.item():.6f}",
         print_fn)
    step("backward: dL/dy_hat = 2 (y_hat - y) = 2 (0 - (-2.669)) = +5.338  (positive: y_hat = 0 is ABOVE y)", print_fn)
    step(f"          dL/dw = 2 (y_hat - y) (1, x1, x2) = {fmt(grad)}  (autograd);  closed form {fmt(closed)}",
         print_fn)
    trainer.optimizer.step()
    new_w = trainer.weights
    step(f"update:   w' = w - 0.1 dL/dw = {fmt(new_w)}: y_hat(obs 1) moves down, past -2.669, to "
         f"{float(new_w @ [1, 4, 7]):.4f} (a huge overshoot: see step 2)", print_fn)
    out["first_step"] = {"sample": 0, "y_hat": y_hat.item(), "loss": loss.item(), "gradient": grad.tolist(),
                         "closed_form_gradient": closed.tolist(), "new_weights": new_w.tolist(), "eta": ETA}
    for i, (name, factor) in enumerate((("dL/dw0", 1), ("dL/dw1", 4), ("dL/dw2", 7))):
        table.add(name + " (observation 1)", SEED_GRADIENTS[i], grad[i],
                  why=f"sign: 2 (y_hat - y) * {factor} = 2 (0 + 2.669) * {factor} = {grad[i]:+.5g}; the slide used "
                      f"2 * (-2.669), i.e. 2 (y - y_hat)")
    for i, name in enumerate(("w0'", "w1'", "w2'")):
        table.add(name + " after step 1", SEED_NEW_WEIGHTS[i], new_w[i],
                  why=f"0 - 0.1 * ({grad[i]:+.4g}) = {new_w[i]:+.5g}: the slide has the sign flipped AND is 10x "
                      f"too small (0.1 * {abs(grad[i]):.4g} = {abs(new_w[i]):.5g}, not {SEED_NEW_WEIGHTS[i]})")

    # ---- 2. what happens next on raw inputs -----------------------------------------------------------
    section("Seed 000, step 2: carrying on with eta = 0.1 on the RAW inputs", print_fn)
    raw_sgd = _Trainer(x, y)
    sgd_losses = []
    for i in range(len(y)):
        raw_sgd.step(x[i:i + 1], y[i:i + 1])
        sgd_losses.append(_loss(raw_sgd.weights, x, y))
    step("SGD, training loss mean((y_hat - y)^2) after each of the 10 steps of epoch 1:", print_fn)
    step("  " + ", ".join(f"{v:.3g}" for v in sgd_losses), print_fn)
    raw_batch = _Trainer(x, y)
    batch_losses = [raw_batch.epoch(len(y)) for _ in range(6)]
    step("batch GD, training loss after each of 6 epochs: " + ", ".join(f"{v:.4g}" for v in batch_losses), print_fn)
    curvature = np.linalg.eigvalsh(2 * np.column_stack([np.ones(10), x]).T @ np.column_stack([np.ones(10), x]) / 10)
    step(f"why: the loss is a bowl whose steepest curvature (largest eigenvalue of 2 X^T X / N) is "
         f"{curvature[-1]:.1f};", print_fn)
    step(f"     gradient descent converges only if eta < 2 / {curvature[-1]:.1f} = {2 / curvature[-1]:.3f}: "
         f"eta = 0.1 overshoots more at every step -> DIVERGES", print_fn)
    small_eta, small_epochs = 0.01, 200 if quick else 1000
    slow = _Trainer(x, y, eta=small_eta)
    slow_losses = slow.fit(len(y), small_epochs)
    step(f"with eta = {small_eta} (below {2 / curvature[-1]:.3f}) batch GD converges, but slowly (the flattest "
         f"direction has curvature {curvature[0]:.2f}): after {small_epochs} epochs w = {fmt(slow.weights)}, "
         f"loss {slow_losses[-1]:.4g}", print_fn)
    out["raw"] = {"sgd_step_losses": sgd_losses, "batch_epoch_losses": batch_losses,
                  "diverged": bool(sgd_losses[-1] > 1e3 * sgd_losses[0] and batch_losses[-1] > 1e3 * batch_losses[0]),
                  "curvature_max": float(curvature[-1]), "curvature_min": float(curvature[0]),
                  "eta_limit": float(2 / curvature[-1]),
                  "small_eta": small_eta, "small_eta_epochs": small_epochs,
                  "small_eta_weights": slow.weights.tolist(), "small_eta_loss": slow_losses[-1]}

    # ---- 3. normalisation ------------------------------------------------------------------------------
    section("Seed 000, step 3: the slides' normalisation x' = (x - mu) / sigma", print_fn)
    scaler = Standardize().fit(x_t)
    mu, sigma = scaler.mean.reshape(-1).astype(np.float64), scaler.std.reshape(-1).astype(np.float64)
    z = scaler.transform(x_t).data
    design_z = np.column_stack([np.ones(10), z])
    curvature_z = np.linalg.eigvalsh(2 * design_z.T @ design_z / 10)
    step(f"mu = {fmt(mu)}, sigma = {fmt(sigma)}  (sigma = sqrt(sum (x - mu)^2 / N), N = 10)", print_fn)
    step(f"the curvature becomes {curvature_z[-1]:.2f} (largest) and {curvature_z[0]:.2f} (smallest): eta = 0.1 "
         f"< 2 / {curvature_z[-1]:.2f} = {2 / curvature_z[-1]:.2f}, and every direction converges at a similar pace",
         print_fn)
    out["standardize"] = {"mu": mu.tolist(), "sigma": sigma.tolist(), "curvature_max": float(curvature_z[-1]),
                          "curvature_min": float(curvature_z[0])}
    table.add("generating formula", "w1 x1 + w2 x + w0", "w1 x1 + w2 x2 + w0", agrees=False,
              why="typo on the slide: x for x2")
    table.add("sigma's denominator", "P", "N = 10", why="the slide divides by P, which it never defines; the "
              "number of samples N is meant (population std, as Lamina's Standardize and NumPy's std)")

    # ---- 4. SGD, batch and mini-batch -------------------------------------------------------------------
    section("Seed 000, step 4: stochastic, batch and mini-batch gradient descent (eta = 0.1, standardised x)",
            print_fn)
    design = np.column_stack([np.ones(10), x])
    least_squares = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = y - design @ np.asarray(GENERATING)
    step(f"least squares on the table: w = {fmt(least_squares)}, loss {_loss(least_squares, x, y):.3g}", print_fn)
    step(f"the seed generated y with w = {fmt(np.asarray(GENERATING))}; its residuals y - y_gen have std "
         f"{residual.std():.3f}: the table carries a little noise, so the best fit differs by ~0.01", print_fn)
    epochs = 40 if quick else 100
    methods = {}
    for label, batch_size in (("sgd", 1), ("minibatch", 5), ("batch", 10)):
        trainer = _Trainer(z, y)
        losses = trainer.fit(batch_size, epochs)
        raw_w = _to_raw_units(trainer.weights, mu, sigma)
        methods[label] = {"batch_size": batch_size, "epochs": len(losses), "weights_standardized":
                          trainer.weights.tolist(), "weights": raw_w.tolist(), "loss": losses[-1],
                          "max_gradient_error": trainer.max_gradient_error}
        step(f"{label:9s} (batch {batch_size:2d}, {len(losses)} epochs): w' = {fmt(trainer.weights)} on x' -> "
             f"raw w = {fmt(raw_w)}, loss {losses[-1]:.3g}", print_fn)
    step("SGD with a constant eta keeps jumping around the minimum (each sample pulls its own way), "
         "mini-batches jump less, batch GD settles exactly on the least-squares weights", print_fn)
    worst = max(m["max_gradient_error"] for m in methods.values())
    step(f"autograd vs closed-form gradient, largest difference over all steps: {worst:.2g}", print_fn)
    out.update(methods, least_squares=least_squares.tolist(), generating=list(GENERATING),
               max_gradient_error=max(worst, trainer.max_gradient_error))
    for i, name in enumerate(("w0", "w1", "w2")):
        table.add(f"{name}, batch GD (raw units)", GENERATING[i], methods["batch"]["weights"][i], atol=0.02,
                  note=f"least squares {least_squares[i]:.4f}: the table's noise")

    # ---- 5. stopping rules -------------------------------------------------------------------------------
    section("Seed 000, step 5: when do you stop training?", print_fn)
    threshold, cap = 1e-3, 1000
    stopping = {}
    for label, batch_size in (("sgd", 1), ("minibatch", 5), ("batch", 10)):
        by_epochs = _Trainer(z, y)
        fixed = by_epochs.fit(batch_size, 20)
        by_loss = _Trainer(z, y)
        until = by_loss.fit(batch_size, cap, threshold=threshold)
        stopping[label] = {"after_20_epochs_loss": fixed[-1], "threshold": threshold, "epochs_to_threshold":
                           len(until), "reached": until[-1] < threshold, "loss_at_stop": until[-1]}
        step(f"{label:9s}: after a fixed 20 epochs loss = {fixed[-1]:.4g};  loss < {threshold:g} first after "
             f"epoch {len(until)} (loss {until[-1]:.4g})", print_fn)
    out["stopping"] = stopping

    table.show(print_fn)
    out["comparison"] = table.as_dicts()
    out["disagreements"] = len(table.disagreements)
    return out
