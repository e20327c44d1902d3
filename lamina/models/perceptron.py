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

from dataclasses import dataclass, field

from ..backend import xp
from ..tensor import Tensor


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
                             f"got shape {weights.shape}")
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
            raise ValueError(f"Perceptron: expected inputs of shape (N, {self.n_inputs}), got {x.shape}")
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
        if eta <= 0:
            raise ValueError(f"Perceptron.fit: eta must be > 0, got {eta}")
        history = PerceptronHistory(weights=[self.weights.copy()])
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
            now = history.weights[-1]
            for start, earlier in enumerate(history.weights[:-1]):
                if xp.max(xp.abs(now - earlier)) <= atol:
                    history.cycle = (start, len(history.weights) - 1 - start)
                    break
            if history.cycle is not None:
                break
        return history

    def __repr__(self) -> str:
        return f"Perceptron(n_inputs={self.n_inputs}, weights={_format(self.weights)})"
