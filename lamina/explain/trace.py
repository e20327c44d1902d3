"""``trace(output)``: watch the chain rule happen, one node of the graph at a time.

For every node ``y = f(x_1, ..., x_k)`` between the inputs and the output ``L`` the trace records

    value      y                                  (forward)
    grad in    dL/dy                              (what reaches y from the output)
    local      dy/dx_i                            (the op's own derivative)
    grad out   dL/dx_i += dL/dy * dy/dx_i         (what y passes down to each input)

and a leaf's total ``dL/dw`` is the sum of what reaches it along every path. ``chain(w)`` writes that
sum out for one weight, as in the courses (seed 001, the 2-2-1 sigmoid network):

    dE/dw5 = dE/dout_o1 (error) x dout_o1/dnet_o1 (activation) x dnet_o1/dw5 (weight)
           = (out_o1 - target) x out_o1 (1 - out_o1) x out_h1 = 0.4942 x 0.2411 x 0.5065 = 0.0604

The graph is read from the output back (each non-leaf tensor's ``_ctx.inputs``); gradients come from
``lamina.grad(..., retain_graph=True)``, so the leaves' ``.grad`` are untouched and ``loss.backward()``
still works after tracing. ``local`` is ``backward(ones)``: for a scalar node and a scalar input it is
exactly dy/dx; for tensors it is the Jacobian summed over the output's elements (shown as a summary).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from .. import autograd
from ..autograd import no_grad
from ..backend import xp
from ..tensor import Tensor
from .chain import Chain
from .numbers import fmt_array, fmt_number, host_copy


# ---- the graph ----------------------------------------------------------------------------------
def graph_tensors(output: Tensor) -> list:
    """Every tensor that ``output`` was computed from, each after its inputs: the ops in the order a
    depth-first walk finishes them, every leaf placed just before the first op that reads it."""
    ops, seen = [], set()
    stack = [(output, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            ops.append(tensor)
            continue
        if id(tensor) in seen or tensor._ctx is None:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        for parent in reversed(tensor._ctx.inputs):
            if id(parent) not in seen:
                stack.append((parent, False))
    order, placed = [], set()
    for op in ops:
        for parent in op._ctx.inputs:
            if parent._ctx is None and id(parent) not in placed:
                placed.add(id(parent))
                order.append(parent)
        order.append(op)
    return order or [output]


def user_names(names) -> dict:
    """id(tensor) -> name, from a dict name -> Tensor, a Module (its parameter names), or a list of them."""
    if names is None:
        return {}
    if isinstance(names, dict):
        table = {}
        for name, tensor in names.items():
            if not isinstance(tensor, Tensor):
                raise TypeError(f"names: {name!r} should map to a Tensor, got {type(tensor).__name__}")
            table[id(tensor)] = str(name)
        return table
    if hasattr(names, "named_parameters"):
        return {id(p): name for name, p in names.named_parameters()}
    if isinstance(names, (list, tuple)):
        table = {}
        for part in names:
            table.update(user_names(part))
        return table
    raise TypeError(f"names: expected a dict name -> Tensor, a Module or a list of them, got {type(names).__name__}")


def auto_names(tensors, given: dict, output: Tensor) -> list:
    """A name for every tensor: the user's, else L for the output, mul1/sigmoid2 for op results,
    the value for a one-element constant, param1/input1 for other leaves."""
    counts, names = {}, []
    for t in tensors:
        if id(t) in given:
            names.append(given[id(t)])
            continue
        if t is output:
            names.append("L")
            continue
        if t._ctx is not None:
            base = t._ctx.name
        elif t.requires_grad:
            base = "param"
        elif t.data.size == 1:
            names.append(fmt_number(t.data.reshape(-1)[0]).rstrip("0").rstrip("."))
            continue
        else:
            base = "input"
        counts[base] = counts.get(base, 0) + 1
        names.append(f"{base}{counts[base]}")
    return names


@dataclass(eq=False)
class Node:
    """One tensor of the traced graph. Arrays are host copies, or Stats when larger than ``keep``."""

    index: int
    name: str
    tensor: Tensor
    op: str | None          # the Function's name; None for a leaf
    activation: bool        # the op is an activation function (the chain labels its factor so)
    inputs: tuple           # indices into Trace.nodes
    value: object           # y
    grad: object = None     # dL/dy (total)
    local: tuple = ()       # dy/dx_i: backward(ones), exact for a scalar y and a scalar x_i
    outgoing: tuple = ()    # dL/dx_i contributed through this node: backward(dL/dy)
    named: bool = False     # the name came from the user (or a module's parameter names)

    @property
    def is_leaf(self) -> bool:
        return self.op is None

    @property
    def shape(self) -> tuple:
        return tuple(self.tensor.shape)


# ---- the trace ----------------------------------------------------------------------------------
def trace(output: Tensor, names=None, *, grad=None, keep: int = 100_000, max_rows: int = 40) -> Trace:
    """Record the forward values, the local derivatives and the gradients of every node of ``output``.

    ``names``: a dict name -> Tensor, a Module (its parameters are named ``0.weight`` ...), or a list of
    them. ``grad``: dL/doutput when the output is not a scalar. Call it before ``loss.backward()`` (or
    after ``loss.backward(retain_graph=True)``); it does not touch any ``.grad``.
    Example: ``t = trace(E, {"w5": w5, ...}); print(t); print(t.chain("w5")); t.backward()``.
    """
    return Trace(output, names, grad=grad, keep=keep, max_rows=max_rows)


class Trace:
    """The record made by ``trace``: ``nodes`` in forward order, ``str``/``print``/``_repr_html_``, ``chain``."""

    def __init__(self, output: Tensor, names=None, *, grad=None, keep: int = 100_000, max_rows: int = 40):
        if not isinstance(output, Tensor):
            raise TypeError(f"trace: expected the output Tensor (e.g. the loss), got {type(output).__name__}")
        if output._ctx is None:
            raise ValueError("trace: the output is a leaf tensor (it was not computed by any op), there is "
                             "nothing to trace; did you compute it under no_grad?")
        self.output, self.max_rows, self._grad_output = output, max_rows, grad
        tensors = graph_tensors(output)
        for t in tensors:
            if t._ctx is not None and t._ctx.freed:
                raise RuntimeError(
                    "trace: the graph was already freed by backward(); call trace(loss) before loss.backward(), "
                    "or call loss.backward(retain_graph=True) first")
        given = user_names(names)
        position = {id(t): i for i, t in enumerate(tensors)}
        self.nodes = [
            Node(i, name, t, None if t._ctx is None else t._ctx.name, t._ctx is not None and t._ctx.activation,
                 () if t._ctx is None else tuple(position[id(p)] for p in t._ctx.inputs),
                 host_copy(t.data, keep), named=id(t) in given)
            for i, (t, name) in enumerate(zip(tensors, auto_names(tensors, given, output)))]
        self._fill_gradients(grad, keep)

    def _fill_gradients(self, grad, limit):
        wanted = [n for n in self.nodes if n.tensor.requires_grad]
        grads = autograd.grad(self.output, [n.tensor for n in wanted], grad_outputs=grad, retain_graph=True,
                              allow_unused=True)
        full = {n.index: g for n, g in zip(wanted, grads)}
        for node in self.nodes:
            node.grad = host_copy(full.get(node.index), limit)
            if node.is_leaf:
                continue
            fn, tensor = node.tensor._ctx, node.tensor
            with no_grad():
                ones = Tensor._wrap(xp.ones_like(tensor.data))
                node.local = tuple(host_copy(g, limit) for g in fn.backward(ones))
                g = full.get(node.index)
                if g is not None:
                    node.outgoing = tuple(host_copy(o, limit) for o in fn.backward(Tensor._wrap(g.data.copy())))

    # ---- looking things up ------------------------------------------------------------------------
    def node(self, key) -> Node:
        """The node of a Tensor, or of a name (user names first, then automatic ones)."""
        if isinstance(key, Node):
            return key
        if isinstance(key, Tensor):
            for n in self.nodes:
                if n.tensor is key:
                    return n
            raise KeyError("trace: this tensor is not part of the traced graph")
        matches = [n for n in self.nodes if n.name == key]
        if len(matches) > 1:
            matches = [n for n in matches if n.named] or matches
        if not matches:
            raise KeyError(f"trace: no node named {key!r}; names: {', '.join(n.name for n in self.nodes)}")
        if len(matches) > 1:
            raise KeyError(f"trace: {len(matches)} nodes are named {key!r}; pass the tensor instead")
        return matches[0]

    def grad(self, key):
        """dL/d(key) as kept (an array, or Stats for a large tensor)."""
        return self.node(key).grad

    @property
    def output_name(self) -> str:
        return self.nodes[-1].name

    def backward(self, **kwargs) -> Trace:
        """``output.backward(**kwargs)``: fill the leaves' ``.grad`` as in ordinary training."""
        kwargs.setdefault("grad", self._grad_output)
        self.output.backward(**kwargs)
        return self

    def chain(self, key, every_op: bool = False, max_paths: int = 10):
        """The chain rule for dL/d(key), path by path (see ``lamina.explain.chain``)."""
        return Chain(self, self.node(key), every_op=every_op, max_paths=max_paths)

    # ---- showing it -------------------------------------------------------------------------------
    def _visible(self):
        """The nodes to show: all of them, or the first and last ones with the count left out."""
        nodes = self.nodes
        if len(nodes) <= self.max_rows:
            return nodes, None, 0
        head = self.max_rows // 2
        tail = self.max_rows - head
        return nodes[:head], nodes[len(nodes) - tail:], len(nodes) - self.max_rows

    def _summary_line(self) -> str:
        ops = sum(not n.is_leaf for n in self.nodes)
        line = (f"trace of {self.output_name}: {len(self.nodes)} nodes ({ops} ops, {len(self.nodes) - ops} "
                f"leaves), forward order")
        if any(n.tensor.data.size > 1 for n in self.nodes if not n.is_leaf):
            line += "; for tensors, local = dy/dx summed over y's elements (exact when y is a scalar)"
        return line

    def _node_text(self, n: Node) -> list:
        L = self.output_name
        if n.is_leaf:
            kind = "leaf, requires grad" if n.tensor.requires_grad else "leaf"
            parts = [f"{n.name} ({kind}) = {fmt_array(n.value)}"]
            if n.grad is not None:
                parts.append(f"d{L}/d{n.name} = {fmt_array(n.grad)}")
            return _fit(f"#{n.index:<3} ", parts, "    ")
        ins = [self.nodes[i] for i in n.inputs]
        lines = [f"#{n.index:<3} {n.name} = {n.op}({', '.join(i.name for i in ins)})"]
        lines += _fit("       inputs    ", [f"{i.name} = {fmt_array(i.value)}" for i in ins])
        lines.append(f"       output    {n.name} = {fmt_array(n.value)}")
        if n.grad is not None:
            lines.append(f"       grad in   d{L}/d{n.name} = {fmt_array(n.grad)}")
        lines += _fit("       local     ",
                      [f"d{n.name}/d{i.name} = {fmt_array(d)}" for i, d in zip(ins, n.local) if d is not None])
        lines += _fit("       grad out  ", [f"d{L}/d{i.name} += {fmt_array(g)}" for i, g in zip(ins, n.outgoing)
                                             if g is not None and i.tensor.requires_grad])
        return lines

    def __str__(self) -> str:
        head, tail, hidden = self._visible()
        lines = [self._summary_line()]
        for n in head:
            lines += self._node_text(n)
        if tail is not None:
            lines.append(f"... {hidden} more nodes ...")
            for n in tail:
                lines += self._node_text(n)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Trace of {self.output_name}: {len(self.nodes)} nodes>"

    def print(self) -> None:
        print(str(self))

    def _repr_html_(self) -> str:
        L = html.escape(self.output_name)
        e = html.escape
        header = ["#", "node", "op", "inputs", "output", "local derivatives", f"grad in d{L}/dnode",
                  "grad out (to inputs)"]
        rows = []

        def row(n: Node):
            ins = [self.nodes[i] for i in n.inputs]
            cells = [str(n.index), f"<b>{e(n.name)}</b>", e(n.op) if n.op else "leaf",
                     "<br>".join(f"{e(i.name)} = {e(fmt_array(i.value))}" for i in ins),
                     e(fmt_array(n.value)),
                     "<br>".join(f"d{e(n.name)}/d{e(i.name)} = {e(fmt_array(d))}"
                                 for i, d in zip(ins, n.local) if d is not None),
                     e(fmt_array(n.grad)) if n.grad is not None else "",
                     "<br>".join(f"d{L}/d{e(i.name)} += {e(fmt_array(g))}"
                                 for i, g in zip(ins, n.outgoing) if g is not None and i.tensor.requires_grad)]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")

        head, tail, hidden = self._visible()
        for n in head:
            row(n)
        if tail is not None:
            rows.append(f'<tr><td colspan="{len(header)}"><i>... {hidden} more nodes ...</i></td></tr>')
            for n in tail:
                row(n)
        return (f"<p>{e(self._summary_line())}</p>"
                '<table style="font-family: monospace; text-align: left">'
                "<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>" + "".join(rows) + "</table>")


def _fit(prefix: str, parts: list, separator: str = ", ", width: int = 110) -> list:
    """``prefix`` + the parts on one line if it fits in ``width``, else one part per line, aligned."""
    if not parts:
        return []
    line = prefix + separator.join(parts)
    if len(line) <= width:
        return [line]
    pad = " " * len(prefix)
    return [prefix + parts[0]] + [pad + p for p in parts[1:]]


