"""What the lessons share: figures drawn with matplotlib's Agg canvas (no window, no pyplot state),
PNG files, and the plain-text tables they print.

    fig, axes = figure(1, 2)                      # a matplotlib Figure and its Axes
    axes[0].plot(...)
    path = save(fig, "course_output", "loss.png")
    print(table(["lr", "loss"], [[0.1, 0.25]], title="Learning rates"))

matplotlib is imported only when a figure is made, so ``import lamina`` never needs it.
"""
from __future__ import annotations

import math
import os

import numpy as np


def _matplotlib():
    """The Agg canvas and Figure class; a clear ImportError when matplotlib is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("the course lessons draw their figures with matplotlib, which is not installed: "
                          "pip install matplotlib") from None
    return Figure, FigureCanvasAgg


def figure(rows: int = 1, cols: int = 1, size=(6.4, 4.8)):
    """A new Figure on an Agg canvas with ``rows x cols`` axes: ``(fig, axes)``, axes a flat list
    (one Axes alone when 1 x 1). ``size`` is the size of one panel in inches."""
    Figure, FigureCanvasAgg = _matplotlib()
    fig = Figure(figsize=(size[0] * cols, size[1] * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    return fig, (axes[0] if len(axes) == 1 else axes)


def save(fig, output_dir, filename: str, dpi: int = 110) -> str:
    """Write ``fig`` as a PNG into ``output_dir`` (created if needed); returns the file's path."""
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(os.fspath(output_dir), filename)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def contour(ax, f, xlim, ylim, log: bool = True, resolution: int = 200, levels: int = 30):
    """Filled contour of ``f(X, Y)`` (NumPy arrays) over the box; log-spaced levels for a
    non-negative ``f`` whose interesting region spans decades (Rosenbrock, Beale)."""
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = f(X, Y)
    if log:
        low = max(float(Z.min()), 1e-3)
        bounds = np.logspace(math.log10(low), math.log10(float(Z.max())), levels)
        ax.contourf(X, Y, Z, levels=bounds, cmap="Greys_r", norm=_log_norm(bounds), alpha=0.55)
        ax.contour(X, Y, Z, levels=bounds, colors="grey", linewidths=0.4, alpha=0.6)
    else:
        ax.contourf(X, Y, Z, levels=levels, cmap="Greys_r", alpha=0.55)
        ax.contour(X, Y, Z, levels=levels, colors="grey", linewidths=0.4, alpha=0.6)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def _log_norm(bounds):
    from matplotlib.colors import LogNorm
    return LogNorm(vmin=bounds[0], vmax=bounds[-1])


def decision_regions(ax, predict, xlim, ylim, resolution: int = 200, colors=("#f4b6b6", "#b6cdf4")):
    """Colour the box by the class ``predict(points (n, 2) float32) -> labels (n,)`` assigns."""
    from matplotlib.colors import ListedColormap
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    X, Y = np.meshgrid(xs, ys)
    grid = np.stack([X.ravel(), Y.ravel()], axis=1).astype(np.float32)
    Z = np.asarray(predict(grid)).reshape(X.shape)
    ax.contourf(X, Y, Z, levels=[-0.5, 0.5, 1.5], cmap=ListedColormap(list(colors)))
    ax.contour(X, Y, Z, levels=[0.5], colors="black", linewidths=1.0)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def scatter_classes(ax, x, y, labels=("class 0", "class 1"), size: int = 18):
    """The points of a two-class set: class 0 as red circles, class 1 as blue squares."""
    x, y = np.asarray(x), np.asarray(y).astype(int).ravel()
    for cls, (colour, marker) in enumerate((("#c0392b", "o"), ("#2c5aa0", "s"))):
        chosen = x[y == cls]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=size, c=colour, marker=marker, edgecolors="black",
                   linewidths=0.5, label=labels[cls], zorder=3)


# ---- text tables --------------------------------------------------------------------------------
def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4f}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_cell(v) for v in value) + ")"
    return str(value)


def table(headers, rows, title: str | None = None) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    out = [title, ""] if title else []
    out += [line([str(h) for h in headers]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    return "\n".join(out)
