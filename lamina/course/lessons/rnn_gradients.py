"""Lesson: why LSTMs have gates (course seed 002, "Recurrent neural network ... Long short-term memory (LSTM)";
seed 001's "gradient vanishing", now along time instead of depth).

A vanilla RNN (``nn.RNNCell``, tanh) and an LSTM (``nn.LSTMCell``) are unrolled over 100 steps of random input,
one cell per step, so that every state h_t is a tensor of the graph. The loss reads only the last state,
L = sum(v * h_T) with a fixed random v, and ``lamina.grad`` gives dL/dh_(T-k) for every k at once. The norm of
that gradient against k, relative to k = 0, is averaged (geometric mean) over a few seeded initialisations
and drawn on a log scale.

Why the vanilla RNN forgets: h_t = tanh(W_ih x_t + W_hh h_(t-1) + b), so going one step back multiplies the
gradient by diag(1 - h_t^2) W_hh. With PyTorch's initialisation, W_hh ~ U(+-1/sqrt(H)), the spectral radius
of W_hh is about 1/sqrt(3) = 0.58 and tanh' <= 1: the gradient shrinks about twofold per step, a thousandfold
in ten steps. What happened 50 steps ago gets no gradient: the RNN cannot learn to use it.

What the gates change: c_t = f_t * c_(t-1) + i_t * g_t, h_t = o_t * tanh(c_t). Along the cell state,
dc_t/dc_(t-1) = diag(f_t): no weight matrix and no squashing derivative, only the forget gate. At PyTorch's
default initialisation f = sigmoid(about 0) = 0.5, so the untrained LSTM forgets only somewhat slower than the
RNN (measured: x0.63 per step against x0.53); with the forget gate's bias set to 1 (Gers et al. 2000, Jozefowicz et al. 2015: the usual practice) f is about 0.73
and the gradient survives orders of magnitude longer, and training can push f towards 1 wherever a memory
must be kept. The gates are a path whose decay the network controls.
"""
from __future__ import annotations

import numpy as np

from ... import autograd
from ...creation import randn
from ...nn import LSTMCell, RNNCell
from ...random import Generator
from . import _plot

float64 = np.float64  # lamina.float64 (importing the package from inside it would be circular)

NAME = "rnn_gradients"
DESCRIPTION = "how the gradient reaching step t - k shrinks with k: vanilla RNN against LSTM (seed 002's gates)"

STEPS, BATCH, INPUT, HIDDEN = 100, 8, 8, 32
SEEDS, QUICK_SEEDS = 10, 3
REPORT_AT = (1, 5, 10, 20, 50, 99)
FIT_RANGE = (10, 50)   # k over which the decay per step is fitted (after the first steps' transient)
# name -> (cell kind, forget-gate bias: None keeps PyTorch's initialisation)
MODELS = {"vanilla RNN (tanh)": ("rnn", None), "LSTM (default init)": ("lstm", None),
          "LSTM (forget-gate bias 1)": ("lstm", 1.0)}
COLORS = {"vanilla RNN (tanh)": "#d62728", "LSTM (default init)": "#ff7f0e", "LSTM (forget-gate bias 1)": "#2c5aa0"}


def make_cell(kind: str, generator: Generator, forget_bias: float | None = None):
    """An RNNCell or LSTMCell in float64 (the RNN's gradients underflow float32 within 100 steps), initialised
    from ``generator``; ``forget_bias`` sets b_ih of the forget gate (b_hh's to 0): their sum is the bias."""
    cell = (RNNCell if kind == "rnn" else LSTMCell)(INPUT, HIDDEN, dtype=float64)
    cell.reset_parameters(generator=generator)
    if forget_bias is not None:
        if kind != "lstm":
            raise ValueError(f"make_cell: forget_bias is for an LSTM, got kind={kind!r}")
        forget = slice(HIDDEN, 2 * HIDDEN)   # PyTorch's gate order: input, forget, cell, output
        cell.bias_ih.data[forget] = forget_bias
        cell.bias_hh.data[forget] = 0.0
    return cell


def unroll(cell, xs) -> list:
    """Run ``cell`` over the steps of ``xs`` (T, N, features) from a zero state: [h_1, ..., h_T]."""
    state, states = None, []
    for x in xs:
        state = cell(x, state)
        states.append(state[0] if isinstance(cell, LSTMCell) else state)
    return states


def forget_gates(cell, xs, states) -> np.ndarray:
    """The LSTM's forget gates f_t = sigmoid(W_if x_t + b_if + W_hf h_(t-1) + b_hf), (T, N, H), recomputed on the
    host from the states the run produced (h_0 = 0)."""
    rows = slice(HIDDEN, 2 * HIDDEN)
    w_ih, w_hh = cell.weight_ih.detach().numpy()[rows], cell.weight_hh.detach().numpy()[rows]
    bias = cell.bias_ih.detach().numpy()[rows] + cell.bias_hh.detach().numpy()[rows]
    h = np.stack([np.zeros_like(states[0].detach().numpy())] + [s.detach().numpy() for s in states[:-1]])
    return 1 / (1 + np.exp(-(xs.numpy() @ w_ih.T + h @ w_hh.T + bias)))


def gradient_norms(kind: str, seed: int, forget_bias: float | None = None, steps: int = STEPS) -> dict:
    """One initialisation: ``norms[k] = ||dL/dh_(T-k)||`` for k = 0 .. steps - 1, L = sum(v * h_T)."""
    generator = Generator(seed)
    cell = make_cell(kind, generator, forget_bias)
    xs = randn(steps, BATCH, INPUT, generator=generator, dtype=float64)
    v = randn(BATCH, HIDDEN, generator=generator, dtype=float64)
    states = unroll(cell, xs)
    loss = (states[-1] * v).sum()
    grads = autograd.grad(loss, states)
    norms = np.array([np.linalg.norm(g.numpy()) for g in grads])[::-1]
    forget = float(forget_gates(cell, xs, states).mean()) if kind == "lstm" else None
    return {"norms": norms, "forget_gate": forget, "cell": cell, "xs": xs, "v": v, "states": states}


def decay_per_step(ratio) -> float:
    """exp(slope) of log ratio against k over FIT_RANGE: the factor the gradient shrinks by per step."""
    k = np.arange(*FIT_RANGE)
    return float(np.exp(np.polyfit(k, np.log(ratio[k]), 1)[0]))


def compare(seeds: int) -> dict:
    """For every model: the ratios ||dL/dh_(T-k)|| / ||dL/dh_T|| of each seed, their geometric mean, the decay
    per step and (LSTMs) the mean forget gate."""
    results = {}
    for name, (kind, forget_bias) in MODELS.items():
        runs = [gradient_norms(kind, seed, forget_bias) for seed in range(seeds)]
        ratios = np.array([r["norms"] / r["norms"][0] for r in runs])
        mean = np.exp(np.log(ratios).mean(axis=0))
        gates = [r["forget_gate"] for r in runs if r["forget_gate"] is not None]
        results[name] = {"ratios": ratios, "ratio": mean, "decay_per_step": decay_per_step(mean),
                         "forget_gate": float(np.mean(gates)) if gates else None}
    return results


def _plot_ratios(results: dict, seeds: int, output_dir) -> str:
    fig, ax = _plot.figure(size=(7.5, 5.0))
    k = np.arange(STEPS)
    for name, r in results.items():
        ax.fill_between(k, r["ratios"].min(axis=0), r["ratios"].max(axis=0), color=COLORS[name], alpha=0.15, lw=0)
        ax.semilogy(k, r["ratio"], color=COLORS[name], lw=2,
                    label=f"{name}: x{r['decay_per_step']:.2f} per step, k=50: {r['ratio'][50]:.1e}")
    ax.set_xlabel("k (steps back from the last step T)")
    ax.set_ylabel("||dL/dh_(T-k)|| / ||dL/dh_T||  (log scale)")
    ax.set_title(f"The gradient that reaches step T - k, L read at the last step: {STEPS} steps, hidden {HIDDEN},\n"
                 f"geometric mean over {seeds} seeded initialisations (band: min to max)", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="lower left")
    return _plot.save(fig, output_dir, "rnn_gradients.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Print the ratios at a few k, the decay per step, and save ``rnn_gradients.png``.

    Returns ``{"results": {model: {"ratio": [per k], "ratios": [per seed][per k], "decay_per_step": float,
    "forget_gate": float | None}}, "seeds": int, "figures": [path]}``.
    """
    seeds = QUICK_SEEDS if quick else SEEDS
    results = compare(seeds)
    figure = _plot_ratios(results, seeds, output_dir)
    rows = [[f"k = {k}", *(r["ratio"][k] for r in results.values())] for k in REPORT_AT]
    rows.append(["decay per step", *(r["decay_per_step"] for r in results.values())])
    rows.append(["mean forget gate", *(r["forget_gate"] for r in results.values())])
    print(_plot.table(["||dL/dh_(T-k)|| / ||dL/dh_T||", *results], rows,
                      title=f"gradient reaching step T - k ({STEPS} steps, batch {BATCH}, hidden {HIDDEN}, "
                            f"geometric mean of {seeds} seeds)"))
    print()
    return {"results": results, "seeds": seeds, "figures": [figure]}
