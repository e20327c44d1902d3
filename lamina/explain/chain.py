"""``Trace.chain(w)``: the chain rule for one weight, written out path by path as in the courses.

Along one path L = v0 <- v1 <- ... <- vk = w from the output down to w,

    dL/dw (this path) = dv0/dv1 x dv1/dv2 x ... x dv(k-1)/dvk

and dL/dw is the sum over every path from L to w (a tensor used twice is reached twice). The factors
are grouped between the tensors you named, so with out_o1 and net_o1 named (seed 001):

    dE/dw5 = dE/dout_o1 (error) x dout_o1/dnet_o1 (activation) x dnet_o1/dw5 (weight)
           = 0.4942 x 0.2411 x 0.5065 = 0.0604

Labels: the first factor is the "error", the last one (down to a weight) the "weight", a single
activation op the "activation", anything else the ops it spans. With no named tensor on a path (or
``every_op=True``) every op is its own factor, labelled with its op. When a tensor on
the path has more than one element the factors are Jacobians, not numbers: the chain then lists, for
each tensor on the path, its shape and a summary of dL/d(tensor) (each step is a vector-Jacobian
product, dL/dx = dL/dy . dy/dx).
"""
from __future__ import annotations

import html
from itertools import pairwise
from typing import NamedTuple

from .numbers import fmt_array, fmt_number, scalar


class Factor(NamedTuple):
    """One factor d(top)/d(bottom) of a path, with the ops it spans and its value (scalar paths)."""

    top: str
    bottom: str
    label: str
    value: float | None
    ops: tuple


class Chain:
    """dL/d(target) as a sum over paths of products of local derivatives."""

    def __init__(self, trace, target, every_op: bool = False, max_paths: int = 10):
        self.trace, self.target = trace, target
        self.L = trace.output_name
        self.total = target.grad  # from the engine (what .backward() would store)
        self.count = self._count_paths()
        self.paths = self._enumerate() if self.count <= max_paths else None
        self.max_paths = max_paths
        self.scalar = self.paths is not None and all(
            scalar(trace.nodes[top].local[pos]) is not None and trace.nodes[top].tensor.data.size == 1
            for path in self.paths for top, pos in path)
        self.factors = [self._factors(path, every_op) for path in self.paths] if self.scalar else None

    # ---- paths ----------------------------------------------------------------------------------
    def _count_paths(self) -> int:
        counts = {}
        for n in self.trace.nodes:  # forward order: a node's inputs are counted before it
            counts[n.index] = 1 if n is self.target else sum(counts[i] for i in n.inputs)
        self._counts = counts
        return counts[self.trace.nodes[-1].index]

    def _enumerate(self) -> list:
        """Every path as a list of edges (node index, input position), from the output down."""
        nodes, paths = self.trace.nodes, []
        stack = [(nodes[-1].index, [])]
        while stack:
            index, edges = stack.pop()
            if index == self.target.index:
                paths.append(edges)
                continue
            for pos in reversed(range(len(nodes[index].inputs))):
                child = nodes[index].inputs[pos]
                if self._counts[child]:
                    stack.append((child, edges + [(index, pos)]))
        return paths

    def _factors(self, path, every_op) -> list:
        """Group a path's local derivatives between named tensors (or one per op)."""
        nodes = self.trace.nodes
        chain = [nodes[top] for top, _ in path] + [self.target]
        named = [j for j in range(1, len(chain) - 1) if chain[j].named]
        by_name = bool(named) and not every_op
        cuts = [0] + (named if by_name else list(range(1, len(chain) - 1))) + [len(chain) - 1]
        factors = []
        for s, (a, b) in enumerate(pairwise(cuts)):
            value, ops = 1.0, []
            for top, pos in path[a:b]:
                value *= scalar(nodes[top].local[pos])
                ops.append(nodes[top])
            factors.append(Factor(chain[a].name, chain[b].name, self._label(ops, s, len(cuts) - 1, by_name),
                                  value, tuple(op.op for op in ops)))
        return factors

    def _label(self, ops, position, segments, by_name) -> str:
        """What a factor is: the error, the weight, an activation, or the names of the ops it spans."""
        if by_name and segments > 1:
            if position == 0:
                return "error"
            if position == segments - 1 and self.target.is_leaf and self.target.tensor.requires_grad:
                return "weight"
        if by_name and len(ops) == 1 and ops[0].activation:
            return "activation"
        return ", ".join(op.op for op in ops)

    # ---- values ---------------------------------------------------------------------------------
    @property
    def products(self) -> list | None:
        """dL/dw along each path (scalar paths only)."""
        if not self.scalar:
            return None
        out = []
        for factors in self.factors:
            p = 1.0
            for f in factors:
                p *= f.value
            out.append(p)
        return out

    @property
    def value(self):
        """dL/dw: the sum of the path products (scalar paths), else the engine's gradient."""
        return sum(self.products) if self.scalar else self.total

    # ---- text -----------------------------------------------------------------------------------
    def _path_line(self, factors, product) -> str:
        L, w = self.L, self.target.name
        symbols = " x ".join(f"d{f.top}/d{f.bottom} ({f.label})" for f in factors)
        numbers = " x ".join(fmt_number(f.value) for f in factors)
        return f"d{L}/d{w} = {symbols} = {numbers} = {fmt_number(product)}"

    def __str__(self) -> str:
        L, w = self.L, self.target.name
        if self.target is self.trace.nodes[-1]:
            return f"d{L}/d{L} = 1"
        if self.count == 0:
            return f"d{L}/d{w}: no path from {L} down to {w} (it does not influence {L})"
        if self.paths is None:
            return (f"d{L}/d{w}: {self.count} paths (more than max_paths={self.max_paths}); "
                    f"total d{L}/d{w} = {fmt_array(self.total)}")
        if self.scalar:
            products = self.products
            if len(products) == 1:
                return self._path_line(self.factors[0], products[0])
            lines = [f"d{L}/d{w} = sum over {len(products)} paths = "
                     + " + ".join(fmt_number(p) for p in products) + f" = {fmt_number(sum(products))}"]
            for k, (factors, p) in enumerate(zip(self.factors, products), 1):
                lines.append(f"  path {k}: " + self._path_line(factors, p))
            return "\n".join(lines)
        return self._tensor_text()

    def _tensor_text(self) -> str:
        L, w, nodes = self.L, self.target.name, self.trace.nodes
        lines = [(f"d{L}/d{w} (shape {tuple(self.target.shape)}) along {len(self.paths)} path(s); each step is a "
                  f"vector-Jacobian product d{L}/dx = d{L}/dy . dy/dx (values: the total d{L}/d(tensor))")]
        for k, path in enumerate(self.paths, 1):
            if len(self.paths) > 1:
                lines.append(f"  path {k}:")
            lines.append(f"    d{L}/d{L} = {fmt_array(nodes[-1].grad)}")
            for top, pos in path:
                node = nodes[top]
                child = nodes[node.inputs[pos]]
                text = fmt_array(child.grad)
                if child.grad is None:
                    text = f"shape {tuple(child.shape)}: none ({child.name} does not require grad)"
                elif not text.startswith("shape"):
                    text = f"shape {tuple(child.shape)}: {text}"
                lines.append(f"    <- {node.op:<12} d{L}/d{child.name} {text}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"
