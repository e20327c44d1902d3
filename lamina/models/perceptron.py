"""Rosenblatt's perceptron (1958), as course seed 002 teaches it.

    net    = sum_{i=0..n} w_i x_i        the bias is w_0, with x_0 = 1
    output = step(net) = 1 if net > 0 else 0
    w_i   <- w_i + eta (target - output) x_i      after each sample (a no-op when it was right)

The rule is not gradient descent (the step has no useful derivative): it moves the separating line
towards each misclassified sample. On linearly separable data (AND, OR) it stops after a finite
number of updates (Novikoff's theorem); on XOR no line separates the classes, so it never stops.
Because the rule is deterministic, "never stops" is visible: the weights at the start of an epoch
come back to an earlier value and the epochs repeat forever. ``fit`` detects that cycle.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from ..backend import xp
from ..tensor import Tensor

_CELL = 64  # the cycle search files each weight vector in a grid of cells of 64 * atol (see _CycleFinder)
_MAX_AMBIGUOUS = 12  # components near a cell border looked up in both cells; beyond this, a full scan


def _array(x, dtype=xp.float64):
    return xp.asarray(x.data if isinstance(x, Tensor) else x, dtype=dtype)


@dataclass
class PerceptronHistory:
    """What ``Perceptron.fit`` saw, one entry per epoch.

    ``weights[e]``: (w_0, ..., w_n) at the START of epoch e (``weights[-1]`` is the final vector, so
    it has one entry more than ``errors``); ``errors[e]``: misclassified samples (= updates) in epoch e.
    ``converged``: an epoch made no error. ``cycle``: ``(first_epoch, length)`` when the weights at the
    start of epoch ``first_epoch + length`` equal those at the start of ``first_epoch`` while errors
    were still made: the same epochs then repeat forever.
    """

    weights: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    converged: bool = False
    cycle: tuple | None = None

    @property
    def epochs(self) -> int:
        return len(self.errors)

    @property
    def message(self) -> str:
        if self.converged:
            return (f"converged: epoch {self.epochs} made no error "
                    f"(weights {_format(self.weights[-1])})")
        if self.cycle is not None:
            start, length = self.cycle
            return (f"CYCLE: the weights at the start of epoch {start + length + 1} are those at the start of "
                    f"epoch {start + 1} ({_format(self.weights[start])}) and that epoch made "
                    f"{self.errors[start]} error(s): the rule repeats these {length} epoch(s) forever and "
                    f"never converges (the classes are not linearly separable)")
        return f"stopped after {self.epochs} epochs without converging (no cycle seen yet)"


def _format(w) -> str:
    return "(" + ", ".join(f"{v:+.4g}" for v in w) + ")"


class _CycleFinder:
    """The weight vectors seen so far, filed so that finding the first one within ``atol`` of a new one (in
    every component) takes about constant time: a vector is filed under its cell in a grid of spacing
    64 atol; a vector within atol of it lies in the same cell in every component that is not within atol of a
    cell border, and in the cell or its neighbour in those that are, so only those few cells are looked up.
    With atol = 0, the vectors themselves are the keys."""

    def __init__(self, atol: float):
        self.atol = float(atol)
        self.cell = _CELL * self.atol
        self.seen = []
        self.cells = {}

    def add(self, w):
        """File ``w``; return the index of the first earlier vector within atol of it, or None."""
        w = xp.asarray(w, dtype=xp.float64)
        match = self._first_match(w)
        if self.cell > 0:
            key = tuple(xp.floor(w / self.cell).astype(xp.int64).tolist())
        else:
            key = tuple(w.tolist())
        self.cells.setdefault(key, []).append(len(self.seen))
        self.seen.append(w)
        return match

    def _first_match(self, w):
        if self.cell <= 0:
            found = self.cells.get(tuple(w.tolist()))
            return found[0] if found else None
        scaled = w / self.cell
        base = xp.floor(scaled)
        offset = scaled - base
        near = self.atol / self.cell
        low, high = offset <= near, offset >= 1 - near
        ambiguous = xp.flatnonzero(low | high).tolist()
        if len(ambiguous) > _MAX_AMBIGUOUS:  # (not seen in practice) compare with every vector
            candidates = range(len(self.seen))
        else:
            base = base.astype(xp.int64).tolist()
            candidates = set()
            for shifts in itertools.product((0, 1), repeat=len(ambiguous)):
                key = list(base)
                for i, shift in zip(ambiguous, shifts):
                    if shift:
                        key[i] += -1 if low[i] else 1
                candidates.update(self.cells.get(tuple(key), ()))
        for index in sorted(candidates):
            if float(xp.max(xp.abs(w - self.seen[index]))) <= self.atol:
                return index
        return None


class Perceptron:
    """A single threshold unit with weights ``w = (w_0, w_1, ..., w_n)``; ``w_0`` is the bias.

    ``weights``: initial weights (n + 1 values); zeros by default, which makes the run reproducible
    and hand-checkable (seed 002 says "small random numbers": any start works, see ``fit``).
    """

    def __init__(self, n_inputs: int, weights=None):
        if weights is None:
            weights = xp.zeros(n_inputs + 1)
        weights = _array(weights)
        if weights.shape != (n_inputs + 1,):
            raise ValueError(f"Perceptron: expected {n_inputs + 1} weights (w_0 for the bias and one per input), "
                             f"got shape {tuple(weights.shape)}")
        self.n_inputs = n_inputs
        self.weights = weights.copy()

    @staticmethod
    def augment(x):
        """Prepend the constant input x_0 = 1 to every row: (N, n) -> (N, n + 1)."""
        x = _array(x)
        return xp.concatenate([xp.ones((x.shape[0], 1), dtype=x.dtype), x], axis=1)

    def net(self, x):
        """net = w_0 + sum_i w_i x_i for every row of x (N, n)."""
        return self.augment(self._check(x)) @ self.weights

    def predict(self, x):
        """step(net): 1.0 where net > 0, else 0.0."""
        return (self.net(x) > 0).astype(xp.float64)

    __call__ = predict

    def _check(self, x):
        x = _array(x)
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise ValueError(f"Perceptron: expected inputs of shape (N, {self.n_inputs}), got {tuple(x.shape)}")
        return x

    def fit(self, x, y, eta: float = 0.1, max_epochs: int = 100, atol: float = 1e-9) -> PerceptronHistory:
        """Apply the perceptron rule to the samples in order, epoch after epoch.

        Stops when an epoch makes no error (converged), when the weights at the start of an epoch
        equal (within ``atol``: eta = 0.1 is not exact in binary) those at the start of an earlier
        epoch that made errors (a cycle: the rule is deterministic, so it would repeat forever), or
        after ``max_epochs``.
        """
        x, y = self.augment(self._check(x)), _array(y).reshape(-1)
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"Perceptron.fit: {x.shape[0]} samples but {y.shape[0]} targets")
        if not bool(xp.isfinite(x).all()):
            raise ValueError("Perceptron.fit: the inputs hold NaN or infinite values; the rule cannot learn from them")
        if not bool(((y == 0) | (y == 1)).all()):
            bad = sorted({float(v) for v in y[(y != 0) & (y != 1)].tolist()}, key=str)[:5]
            raise ValueError(f"Perceptron.fit: the targets must be 0 or 1 (the step's outputs), got {bad}")
        if not (eta > 0 and math.isfinite(eta)):
            raise ValueError(f"Perceptron.fit: eta must be > 0 and finite, got {eta}")
        if not bool(xp.isfinite(self.weights).all()):
            raise ValueError(f"Perceptron.fit: the weights hold NaN or infinite values ({_format(self.weights)})")
        history = PerceptronHistory(weights=[self.weights.copy()])
        cycles = _CycleFinder(atol)
        cycles.add(self.weights)
        for _ in range(max_epochs):
            errors = 0
            for xi, target in zip(x, y):
                output = 1.0 if xi @ self.weights > 0 else 0.0
                if output != target:
                    self.weights += eta * (target - output) * xi
                    errors += 1
            history.errors.append(errors)
            history.weights.append(self.weights.copy())
            if errors == 0:
                history.converged = True
                break
            start = cycles.add(history.weights[-1])
            if start is not None:
                history.cycle = (start, len(history.weights) - 1 - start)
                break
        return history

    def __repr__(self) -> str:
        return f"Perceptron(n_inputs={self.n_inputs}, weights={_format(self.weights)})"
