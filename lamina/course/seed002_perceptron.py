"""Seed 002, "Artificial neuron - perceptron": Rosenblatt's rule on AND, OR and XOR; an MLP on XOR.

    net = sum_{i=0..n} w_i x_i  (w_0 the bias, x_0 = 1),  output = step(net),
    w_i <- w_i + eta (target - output) x_i

AND and OR are linearly separable: the rule stops after a few epochs. XOR is not (seed 001: "perceptrons
can only learn linearly separable classes"): the weights come back to an earlier value and the
epochs repeat forever; ``Perceptron.fit`` detects the cycle. Two layers with a non-linearity (the
"multi-layer perceptron (1986)" of seed 001), trained by backpropagation, learn XOR.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..datasets import truth_table
from ..models import Perceptron
from ..random import Generator
from .report import Comparison, section, step

NAME = "seed002"
DESCRIPTION = ("Rosenblatt's perceptron rule learns AND and OR, cycles forever on XOR (detected); "
               "a 2-layer MLP learns XOR")

ETA = 0.1


def _w(w) -> str:
    return "(" + ", ".join(f"{v:+.1f}" for v in w) + ")"


def perceptron_on(gate: str, eta=ETA, max_epochs=50, print_fn=print) -> dict:
    x, y = truth_table(gate, dtype=np.float64)
    unit = Perceptron(2)
    history = unit.fit(x, y, eta=eta, max_epochs=max_epochs)
    step(f"{gate.upper()}: targets {y.data.astype(int).tolist()} for x = 00, 01, 10, 11; start w = (w0, w1, w2) = "
         f"{_w(history.weights[0])}, eta = {eta}", print_fn)
    for epoch, errors in enumerate(history.errors):
        step(f"   epoch {epoch + 1}: {errors} error(s), weights at the end {_w(history.weights[epoch + 1])}", print_fn)
    step(f"   -> {history.message}", print_fn)
    predictions = unit.predict(x).astype(int).tolist()
    step(f"   predictions {predictions}", print_fn)
    return {"weights": [w.tolist() for w in history.weights], "errors": list(history.errors),
            "converged": history.converged, "cycle": history.cycle, "predictions": predictions,
            "message": history.message}


def mlp_on_xor(hidden=4, steps=400, lr=0.05, seed=0, print_fn=print) -> dict:
    """x -> Linear(2, hidden) -> tanh -> Linear(hidden, 1) -> sigmoid, Adam on the binary cross-entropy."""
    x, y = truth_table("xor")
    generator = Generator(seed)
    model = nn.Sequential(nn.Linear(2, hidden, generator=generator), nn.Tanh(),
                          nn.Linear(hidden, 1, generator=generator), nn.Sigmoid())
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy(model(x).reshape(-1), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    probabilities = model(x).reshape(-1).data.astype(float)
    predictions = (probabilities > 0.5).astype(int).tolist()
    step(f"Sequential(Linear(2, {hidden}), Tanh(), Linear({hidden}, 1), Sigmoid()), Adam lr {lr}, binary "
         f"cross-entropy, {steps} full-batch steps (seed {seed})", print_fn)
    step("   loss every 100 steps: " + ", ".join(f"{losses[i]:.4f}" for i in range(0, steps, 100))
         + f", final {losses[-1]:.4f}", print_fn)
    step(f"   outputs for 00, 01, 10, 11: {np.round(probabilities, 3).tolist()} -> {predictions} "
         f"(targets {y.data.astype(int).tolist()})", print_fn)
    return {"losses": losses, "probabilities": probabilities.tolist(), "predictions": predictions,
            "learned": predictions == y.data.astype(int).tolist()}


def run(output_dir="course_output", quick=False, print_fn=print) -> dict:
    table = Comparison("seed 002: what the slides say and what Lamina computes")
    section("Seed 002, step 1: the perceptron rule learns AND and OR", print_fn)
    out = {"and": perceptron_on("and", print_fn=print_fn), "or": perceptron_on("or", print_fn=print_fn)}
    section("Seed 002, step 2: ... and never converges on XOR", print_fn)
    out["xor"] = perceptron_on("xor", print_fn=print_fn)
    step("no line w0 + w1 x1 + w2 x2 = 0 puts 01 and 10 on one side and 00 and 11 on the other: "
         "(0,1) and (1,0) need w0 + w2 > 0 and w0 + w1 > 0, (0,0) and (1,1) need w0 <= 0 and w0 + w1 + w2 <= 0; "
         "adding the first two gives 2 w0 + w1 + w2 > 0, adding the last two gives 2 w0 + w1 + w2 <= 0", print_fn)
    section("Seed 002, step 3: a multi-layer perceptron learns XOR (backpropagation)", print_fn)
    out["mlp_xor"] = mlp_on_xor(steps=300 if quick else 400, print_fn=print_fn)
    for gate in ("and", "or"):
        table.add(f"perceptron learns {gate.upper()}", "yes", "yes" if out[gate]["converged"] else "no",
                  agrees=out[gate]["converged"], note=f"{len(out[gate]['errors'])} epochs",
                  why="did not converge")
    cycle = out["xor"]["cycle"]
    table.add("perceptron learns XOR", "no (not separable)", "cycle" if cycle else "?", agrees=cycle is not None,
              note=(f"epoch {cycle[0] + cycle[1] + 1} starts with epoch {cycle[0] + 1}'s weights" if cycle else ""),
              why="no cycle detected")
    table.add("an MLP learns XOR", "yes", "yes" if out["mlp_xor"]["learned"] else "no",
              agrees=out["mlp_xor"]["learned"], why="training failed")
    table.add("update with a learning rate", "w + eta dw, dw = -eta dE/dw", "w - eta dE/dw", agrees=False,
              why="notation slip: the gradient-descent slide puts eta in dw AND in the update (eta twice); "
                  "the perceptron slide's dw = (t - o) x has none, which is the consistent reading")
    table.show(print_fn)
    out["comparison"] = table.as_dicts()
    out["disagreements"] = len(table.disagreements)
    return out
