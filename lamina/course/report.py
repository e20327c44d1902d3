"""Printing helpers for the worked examples: sections, steps, and the comparison table

    quantity | seed says | Lamina computes | agrees? / why it differs

    table = Comparison("seed 000: the first SGD step")
    table.add("dL/dw0", seed=-5.338, lamina=5.338, why="sign: 2 (y_hat - y) = 2 (0 - (-2.669)) > 0")
    table.show()              # prints the table; table.disagreements lists the rows that differ
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

WIDTH = 100


def section(title: str, print_fn=print) -> None:
    """A heading: the title over a rule."""
    print_fn("")
    print_fn(title)
    print_fn("=" * min(WIDTH, max(len(title), 20)))


def step(text: str, print_fn=print) -> None:
    """One line of a derivation, indented."""
    print_fn("  " + text)


def fmt(value, digits: int = 6) -> str:
    """A number or array for a table: ints with thousands separators, floats with ``digits``
    significant digits, small arrays as nested lists."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) >= 1e7 or abs(v) < 1e-4):
            return f"{v:.{max(digits - 2, 1)}e}"
        return f"{v:.{digits}g}"
    array = np.asarray(value)
    if array.dtype.kind in "iub":
        return str(array.tolist())
    if array.dtype.kind == "f" and array.size and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        return str(array.astype(np.int64).tolist())
    if array.size <= 16:
        return str(np.round(array.astype(np.float64), digits).tolist())
    return np.array2string(array, precision=max(digits - 2, 1), suppress_small=True, separator=", ",
                           max_line_width=WIDTH).replace("\n", " ")


@dataclass
class Row:
    quantity: str
    seed: object
    lamina: object
    agrees: bool
    note: str


def _close(seed, lamina, rtol: float, atol: float) -> bool:
    try:
        return bool(np.allclose(np.asarray(lamina, dtype=float), np.asarray(seed, dtype=float), rtol=rtol,
                                atol=atol))
    except (TypeError, ValueError):
        return seed == lamina


class Comparison:
    """Rows of (quantity, what the seed says, what Lamina computes, verdict).

    ``add`` decides the verdict by comparing numbers (``rtol``/``atol``; a seed value rounded to two
    digits needs ``atol=0.005``), or takes ``agrees=`` when the seed states no number; ``why``
    explains a difference (shown instead of "agrees"), ``note`` adds a remark to an agreement.
    """

    def __init__(self, title: str):
        self.title = title
        self.rows: list[Row] = []

    def add(self, quantity: str, seed, lamina, *, why: str = "", note: str = "", rtol: float = 1e-6,
            atol: float = 0.0, agrees: bool | None = None) -> Row:
        ok = _close(seed, lamina, rtol, atol) if agrees is None else bool(agrees)
        if ok:
            text = "agrees" + (f" ({note})" if note else "")
        else:
            text = "DIFFERS: " + (why or "see above")
        row = Row(quantity, seed, lamina, ok, text)
        self.rows.append(row)
        return row

    @property
    def disagreements(self) -> list[Row]:
        return [row for row in self.rows if not row.agrees]

    def lines(self) -> list[str]:
        header = ("quantity", "seed says", "Lamina computes", "agrees? / why it differs")
        cells = [(r.quantity, fmt(r.seed), fmt(r.lamina), r.note) for r in self.rows]
        widths = [min(max(len(c[i]) for c in cells + [header]), limit)
                  for i, limit in zip(range(3), (34, 22, 26))]
        out = [self.title, "-" * min(WIDTH, sum(widths) + 40)]

        def line(row):
            first = " | ".join(str(c).ljust(w) for c, w in zip(row[:3], widths))
            return first + " | " + row[3]

        out.append(line(header))
        out.append("-" * min(WIDTH, sum(widths) + 40))
        out += [line(c) for c in cells]
        return out

    def show(self, print_fn=print) -> None:
        print_fn("")
        for text in self.lines():
            print_fn(text)

    def as_dicts(self) -> list[dict]:
        return [{"quantity": r.quantity, "seed": _plain(r.seed), "lamina": _plain(r.lamina), "agrees": r.agrees,
                 "note": r.note} for r in self.rows]


def _plain(value):
    """NumPy scalars and arrays as Python numbers and lists (JSON-ready)."""
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


def ratio_text(big: float, small: float) -> str:
    return f"{big / small:,.0f}x" if small else "inf"


def output_path(output_dir, filename: str):
    """``output_dir / filename``, creating the folder."""
    from pathlib import Path

    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / filename


def pyplot(print_fn=print):
    """matplotlib.pyplot with the file-only Agg backend, or None (and a message) when not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        print_fn("  (matplotlib is not installed: no PNG written; pip install matplotlib)")
        return None
    return plt
