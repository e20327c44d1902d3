"""Lesson: seven optimisers racing on 2-D test functions (course seed 000, "Fancy Optimisers";
seed 001, "Adaptive learning rate").

The point (x, y) is one ``lm.nn.Parameter`` of two numbers; each step computes the function with
Lamina's ops, ``backward()`` gives the gradient, and one of Lamina's optimisers moves the point:

    SGD        p -= lr g
    Momentum   b = 0.9 b + g;  p -= lr b                        (SGD momentum=0.9)
    Nesterov   b = 0.9 b + g;  p -= lr (g + 0.9 b)              (SGD momentum=0.9, nesterov=True)
    Adagrad    s += g^2;  p -= lr g / sqrt(s)                   (steps shrink forever)
    Adadelta   p -= lr sqrt(RMS[dp]) / sqrt(RMS[g]) g           (rho=0.9)
    RMSprop    v = 0.99 v + 0.01 g^2;  p -= lr g / sqrt(v)
    Adam       momentum of g and of g^2, bias-corrected        (betas 0.9, 0.999)

The functions: Rosenbrock (a curved, flat-bottomed valley, minimum at (1, 1)), Beale (plateaus and
steep walls, minimum at (3, 0.5)) and the saddle x^2 - y^2, started on its ridge (y = 0.001): there the
race is to escape downhill along y, and the goal is a loss <= -1.

Learning rates (``LEARNING_RATES``) were tuned per optimiser and function with ``tune()``: over the
grid {1, 2, 5} x 10^k, k = -4..1, among the rates whose run ends within 0.01 of the minimum after
STEPS = 3000 steps, the smallest one that first gets there within 10 % of the fewest steps (if no
rate ends there: the smallest final distance; diverging rates never count). The saddle has no
minimum to tune for (any large rate jumps off the ridge in one step), so it reuses the Rosenbrock
rates: the same settings, met at a saddle.

    rate         SGD    Momentum  Nesterov  Adagrad  Adadelta  RMSprop  Adam
    Rosenbrock   0.002  0.002     0.001     2        0.2       0.005    0.1
    Beale        0.02   0.005     0.005     2        0.1       0.01     0.5

What the race shows (3000 steps; the first step within 0.01 of the minimum, "-" = never; a run
may leave the tolerance again, as Nesterov does on Beale after step 44 and Adam on Rosenbrock):

    Rosenbrock   SGD 2512, Momentum 384, Nesterov 1018, Adam 846; Adagrad, Adadelta, RMSprop "-"
    Beale        Nesterov 44, Adam 106, Adagrad 294, Momentum 327, SGD 605, RMSprop 848, Adadelta "-"
    saddle       Adagrad 1, Adam 11, RMSprop 60, Adadelta 72, Momentum 230, Nesterov 403, SGD 1731

SGD's rate is capped by the steepest curvature (lr < 2 / largest Hessian eigenvalue, about 1000 on
Rosenbrock's valley floor), which leaves it crawling along the flat valley; momentum accumulates
those small consistent steps. The adaptive methods divide by the gradient's size, so at the saddle,
where the gradient is tiny, they still take steps of about ``lr`` and leave at once, while SGD's step
is lr x 2y: it needs ~1700 steps to grow y from 0.001. Adagrad's accumulated sum makes its steps
shrink for ever (it stalls on Rosenbrock, 0.23 away after 3000 steps); RMSprop and Adadelta, at
their best rates, are still 0.05 and 0.2 away. Adam's late jump on Rosenbrock (near step 2400) is
real, and PyTorch's Adam does the same from this start: at the minimum the float32 gradients are
rounding noise, the second-moment average decays, and a noise-sized gradient then buys a step of
about ``lr``; it converges back.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ... import optim
from ...nn import Parameter
from . import _plot

NAME = "optimizers"
DESCRIPTION = "SGD, momentum, Nesterov, Adagrad, Adadelta, RMSprop and Adam racing on Rosenbrock, Beale and a saddle"

STEPS, QUICK_STEPS = 3000, 600


@dataclass(frozen=True)
class TestFunction:
    """A 2-D function ``f(x, y)`` written with +, -, * and ** only, so it takes NumPy arrays (for the
    contour plot) as well as Lamina Tensors (for the gradients)."""
    name: str
    formula: str
    f: object
    start: tuple
    xlim: tuple
    ylim: tuple
    minimum: tuple | None = None   # None: no minimum (the saddle); the goal is then ``loss <= escape_loss``
    tolerance: float = 1e-2        # reached when the distance to the minimum is below this
    escape_loss: float = -1.0
    log_contour: bool = True
    latex: str = ""

    def reached(self, point, loss: float) -> bool:
        if self.minimum is None:
            return loss <= self.escape_loss
        return math.dist(point, self.minimum) < self.tolerance

    def goal(self) -> str:
        if self.minimum is None:
            return f"loss <= {self.escape_loss:g}"
        return f"|p - {self.minimum}| < {self.tolerance:g}"


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y * y * y) ** 2


def saddle(x, y):
    return x * x - y * y


FUNCTIONS = {
    "rosenbrock": TestFunction("rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2", rosenbrock, (-1.5, 2.0),
                               (-2.0, 2.0), (-1.0, 3.0), minimum=(1.0, 1.0),
                               latex="f = (1 - x)^2 + 100\\,(y - x^2)^2"),
    "beale": TestFunction("beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", beale,
                          (1.0, 1.5), (-0.5, 4.0), (-1.0, 2.0), minimum=(3.0, 0.5),
                          latex="f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2"),
    "saddle": TestFunction("saddle", "x^2 - y^2", saddle, (-1.0, 1e-3), (-1.5, 1.5), (-1.5, 1.5),
                           log_contour=False, latex="f = x^2 - y^2"),
}

OPTIMIZERS = {
    "SGD": lambda params, lr: optim.SGD(params, lr=lr),
    "Momentum": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9),
    "Nesterov": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "Adagrad": lambda params, lr: optim.Adagrad(params, lr=lr),
    "Adadelta": lambda params, lr: optim.Adadelta(params, lr=lr, rho=0.9),
    "RMSprop": lambda params, lr: optim.RMSprop(params, lr=lr),
    "Adam": lambda params, lr: optim.Adam(params, lr=lr),
}

# Tuned with tune(function, optimiser) over LR_GRID with STEPS steps (see the module docstring). The saddle
# has no minimum to tune for (any rate large enough jumps off the ridge in one step): it reuses the
# Rosenbrock rates, to show what the same settings do near a saddle point.
LEARNING_RATES = {
    "rosenbrock": {"SGD": 2e-3, "Momentum": 2e-3, "Nesterov": 1e-3, "Adagrad": 2.0, "Adadelta": 0.2,
                   "RMSprop": 5e-3, "Adam": 0.1},
    "beale": {"SGD": 2e-2, "Momentum": 5e-3, "Nesterov": 5e-3, "Adagrad": 2.0, "Adadelta": 0.1,
              "RMSprop": 1e-2, "Adam": 0.5},
}
LEARNING_RATES["saddle"] = LEARNING_RATES["rosenbrock"]
LR_GRID = tuple(m * 10.0 ** k for k in range(-4, 2) for m in (1, 2, 5))

COLORS = {"SGD": "#000000", "Momentum": "#1f77b4", "Nesterov": "#17becf", "Adagrad": "#2ca02c",
          "Adadelta": "#bcbd22", "RMSprop": "#ff7f0e", "Adam": "#d62728"}


@dataclass
class Race:
    """One optimiser's run: the points visited (``steps + 1`` rows, fewer if it left the box) and losses."""
    optimizer: str
    lr: float
    points: np.ndarray
    losses: np.ndarray
    steps_to_goal: int | None
    diverged: bool = False

    @property
    def final_point(self) -> tuple:
        return tuple(float(v) for v in self.points[-1])

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def race(function: TestFunction, optimizer: str, lr: float, steps: int) -> Race:
    """Run ``steps`` steps of ``optimizer`` from the function's start; gradients by Lamina's autograd.

    A run stops early when it diverges (a coordinate not finite or beyond 10x the plotted box) and,
    on the saddle, once it has escaped (left the plotted box; its last point is the first outside).
    """
    p = Parameter(np.array(function.start, dtype=np.float32))
    opt = OPTIMIZERS[optimizer]([p], lr)
    limit = 10 * max(abs(v) for v in (*function.xlim, *function.ylim))
    points, losses, steps_to_goal, diverged = [], [], None, False
    for step in range(steps + 1):
        point = tuple(p.data.tolist())
        if not all(math.isfinite(v) and abs(v) < limit for v in point):
            diverged = True
            break
        loss = function.f(p[0], p[1])
        points.append(point)
        losses.append(float(loss.item()))
        if steps_to_goal is None and function.reached(point, losses[-1]):
            steps_to_goal = step
        if step == steps or (function.minimum is None and not _inside(function, point)):
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    return Race(optimizer, lr, np.asarray(points, dtype=np.float64), np.asarray(losses), steps_to_goal, diverged)


def _inside(function: TestFunction, point) -> bool:
    return function.xlim[0] <= point[0] <= function.xlim[1] and function.ylim[0] <= point[1] <= function.ylim[1]


def _score(function: TestFunction, result: Race) -> tuple:
    """Smaller is better: not diverged, ending at the goal, reaching it first, then ending nearest."""
    if result.diverged:
        return (1, 1, math.inf, math.inf)
    reached = result.steps_to_goal if result.steps_to_goal is not None else math.inf
    if function.minimum is None:
        return (0, 0, reached, result.final_loss)
    distance = math.dist(result.final_point, function.minimum)
    return (0, int(distance >= function.tolerance), reached, distance)


def tune(function: str, optimizer: str, steps: int = STEPS, grid=LR_GRID) -> float:
    """How ``LEARNING_RATES`` was chosen: the rate of ``grid`` with the best ``_score``, except that
    among the rates that end at the goal, the smallest one needing at most 10 % more steps than the
    fastest is preferred (a safer rate for the same speed)."""
    fn = FUNCTIONS[function]
    scores = sorted((_score(fn, race(fn, optimizer, lr, steps)), lr) for lr in sorted(grid))
    best, best_lr = scores[0]
    if best[:2] != (0, 0):
        return best_lr
    return min(lr for score, lr in scores if score[:2] == (0, 0) and score[2] <= 1.1 * best[2])


def _plot_races(function: TestFunction, races: list, steps: int, output_dir) -> str:
    """Left: the paths on the contour plot. Right: distance to the minimum (log) or loss against step."""
    fig, (ax, progress) = _plot.figure(1, 2, size=(6.4, 5.6))
    _plot.contour(ax, function.f, function.xlim, function.ylim, log=function.log_contour)
    for result in races:
        colour, points = COLORS[result.optimizer], result.points
        ax.plot(points[:, 0], points[:, 1], "-", color=colour, lw=1.4, alpha=0.9)
        ax.plot(points[-1, 0], points[-1, 1], "o", color=colour, ms=5)
        label = f"{result.optimizer} (lr={result.lr:g})"
        if function.minimum is None:
            progress.plot(result.losses, color=colour, lw=1.6, label=label)
        else:
            distance = np.hypot(points[:, 0] - function.minimum[0], points[:, 1] - function.minimum[1])
            progress.semilogy(distance, color=colour, lw=1.6, label=label)
    ax.plot(*function.start, "kx", ms=10, mew=2.5, label="start")
    if function.minimum is not None:
        ax.plot(*function.minimum, "*", color="gold", mec="black", ms=16, label=f"minimum {function.minimum}")
        progress.axhline(function.tolerance, color="grey", ls="--", lw=1,
                         label=f"tolerance {function.tolerance:g}")
        progress.set_ylabel("distance to the minimum (log scale)")
    else:
        progress.axhline(function.escape_loss, color="grey", ls="--", lw=1,
                         label=f"goal: loss {function.escape_loss:g}")
        progress.set_ylabel("loss f(x, y) (runs stop when they leave the plotted box)")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"{function.name}: ${function.latex}$", fontsize=10)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    progress.set_xlabel("step")
    progress.set_title(f"{steps} steps of each optimiser from {function.start}", fontsize=10)
    progress.grid(True, alpha=0.3)
    progress.legend(fontsize=8, framealpha=0.9)
    return _plot.save(fig, output_dir, f"optimizers_{function.name}.png")


def run(output_dir="course_output", quick: bool = False) -> dict:
    """Race every optimiser on every function; print one table per function and save one PNG each.

    Returns ``{"steps": n, "figures": [paths], "<function>": {"<optimiser>": {"lr", "final_point",
    "final_loss", "distance", "steps_to_goal", "diverged"}}}`` (``distance``: to the minimum, None for
    the saddle; ``steps_to_goal``: the first step meeting the function's goal, None if never).
    """
    steps = QUICK_STEPS if quick else STEPS
    results: dict = {"steps": steps, "figures": []}
    for name, function in FUNCTIONS.items():
        races = [race(function, opt, LEARNING_RATES[name][opt], steps) for opt in OPTIMIZERS]
        rows, numbers = [], {}
        for r in races:
            distance = None if function.minimum is None else math.dist(r.final_point, function.minimum)
            numbers[r.optimizer] = {"lr": r.lr, "final_point": r.final_point, "final_loss": r.final_loss,
                                    "distance": distance, "steps_to_goal": r.steps_to_goal,
                                    "diverged": r.diverged, "steps_run": len(r.losses) - 1}
            status = "diverged" if r.diverged else r.steps_to_goal
            rows.append([r.optimizer, r.lr, r.final_point, r.final_loss,
                         *([] if distance is None else [distance]), status])
        results[name] = numbers
        results["figures"].append(_plot_races(function, races, steps, output_dir))
        headers = ["optimiser", "lr", "final (x, y)", "final loss", *(["distance to min"] if function.minimum else []),
                   f"first step with {function.goal()}"]
        print(_plot.table(headers, rows, title=f"{function.name}: f = {function.formula}, start {function.start}, "
                                               f"{steps} steps"))
        print()
    return results
