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

An unrolled recurrent graph (a loop of ``RNNCell``/``LSTMCell`` steps, or ``h = tanh(x_t @ W + h @ U)``) repeats
one block of ops per time step; when the graph has more than ``max_rows`` nodes the text shows each such loop
as its step 1 in full and then one line per step (what the step reads, the state it passes on, its shape and
the norm of the gradient that reaches it), instead of hundreds of nodes (``Trace.loops``, ``find_loop``). A
fused recurrent layer (one node named ``lstm_layer``, ``gru_layer`` or ``rnn_layer``) is shown with its shapes.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np  # host-side: the loop search and the norms shown work on host copies

from .. import autograd
from ..autograd import no_grad
from ..backend import xp
from ..tensor import Tensor
from .chain import Chain
from .numbers import Stats, fmt_array, fmt_number, host_copy


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
def trace(output: Tensor, names=None, *, grad=None, keep: int = 100_000, max_rows: int = 40,
          loops: bool = True) -> Trace:
    """Record the forward values, the local derivatives and the gradients of every node of ``output``.

    ``names``: a dict name -> Tensor, a Module (its parameters are named ``0.weight`` ...), or a list of
    them. ``grad``: dL/doutput when the output is not a scalar. Call it before ``loss.backward()`` (or
    after ``loss.backward(retain_graph=True)``); it does not touch any ``.grad``.
    ``loops``: a graph longer than ``max_rows`` that repeats one block of ops per time step (an unrolled
    RNN) is shown as step 1 in full and then one line per step (``Trace.loop``); False shows it node by node.
    Example: ``t = trace(E, {"w5": w5, ...}); print(t); print(t.chain("w5")); t.backward()``.
    """
    return Trace(output, names, grad=grad, keep=keep, max_rows=max_rows, loops=loops)


class Trace:
    """The record made by ``trace``: ``nodes`` in forward order, ``str``/``print``/``_repr_html_``, ``chain``."""

    def __init__(self, output: Tensor, names=None, *, grad=None, keep: int = 100_000, max_rows: int = 40,
                 loops: bool = True):
        if not isinstance(output, Tensor):
            raise TypeError(f"trace: expected the output Tensor (e.g. the loss), got {type(output).__name__}")
        if output._ctx is None:
            raise ValueError("trace: the output is a leaf tensor (it was not computed by any op), there is "
                             "nothing to trace; did you compute it under no_grad?")
        self.output, self.max_rows, self._grad_output = output, max_rows, grad
        self._find_loops, self._loop = loops, False
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
    @property
    def loops(self) -> list:
        """The graph in parts, for the text: ``[("loop", Loop) | ("nodes", [indices]), ...]`` (see ``find_loops``);
        empty when it is shown node by node (it fits in ``max_rows`` nodes, has no loop, or ``loops=False``)."""
        if self._loop is False:
            wanted = self._find_loops and len(self.nodes) > self.max_rows
            parts = find_loops(self.nodes) if wanted else []
            self._loop = parts if any(kind == "loop" for kind, _ in parts) else []
        return self._loop

    @property
    def loop(self) -> Loop | None:
        """The first unrolled loop of ``loops`` (the only one of a single recurrent layer), or None."""
        return next((part for kind, part in self.loops if kind == "loop"), None)

    def _visible(self):
        """The nodes to show: all of them, or the first and last ones with the count left out."""
        return _cut(self.nodes, self.max_rows)

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
        fused = n.op in FUSED_RECURRENT_OPS
        if fused:  # one node for a whole sequence: its shapes say what it did
            lines[0] += (f"   one fused node for the whole sequence: {', '.join(str(i.shape) for i in ins)} -> "
                         f"{tuple(n.shape)}")
        lines += _fit("       inputs    ", [f"{i.name} = {fmt_array(i.value)}" for i in ins])
        lines.append(f"       output    {n.name} = {fmt_array(n.value)}")
        if n.grad is not None:
            lines.append(f"       grad in   d{L}/d{n.name} = {fmt_array(n.grad)}")
        if not fused:  # a whole layer's Jacobian summed over its outputs would say nothing
            lines += _fit("       local     ",
                          [f"d{n.name}/d{i.name} = {fmt_array(d)}" for i, d in zip(ins, n.local) if d is not None])
        lines += _fit("       grad out  ", [f"d{L}/d{i.name} += {fmt_array(g)}" for i, g in zip(ins, n.outgoing)
                                             if g is not None and i.tensor.requires_grad])
        return lines

    def __str__(self) -> str:
        lines = [self._summary_line()]
        if self.loops:
            return "\n".join(lines + self._loop_lines())
        head, tail, hidden = self._visible()
        for n in head:
            lines += self._node_text(n)
        if tail is not None:
            lines.append(f"... {hidden} more nodes ...")
            for n in tail:
                lines += self._node_text(n)
        return "\n".join(lines)

    # ---- unrolled loops: step 1 in full, then one line per step -------------------------------------
    def _loop_headers(self) -> list:
        loops = [part for kind, part in self.loops if kind == "loop"]
        lines = []
        for j, loop in enumerate(loops, start=1):
            ops = [self.nodes[i].op for i in loop.steps[0] if not self.nodes[i].is_leaf]
            label = "unrolled loop" + (f" {j}" if len(loops) > 1 else "")
            lines.append(f"{label}: {len(loop.steps)} time steps of the same {len(ops)} ops ({', '.join(ops)})")
        lines.append("shown: step 1 in full, then one line per step with the state it passes on and the gradient "
                     "that reaches that state")
        return lines

    def _step_row(self, loop: Loop, s: int) -> str:
        parts = []
        for i in loop.states[s]:
            n = self.nodes[i]
            norm = "-" if n.grad is None else fmt_number(_norm(n.grad))
            parts.append(f"{n.name} shape {tuple(n.shape)}, |d{self.output_name}/d{n.name}| = {norm}")
        reads = [f"{n.name} {tuple(n.shape)}" for n in (self.nodes[i] for i in loop.steps[s])
                 if n.is_leaf and not n.tensor.requires_grad]
        return (f"step {s + 1:<4} ({len(loop.steps[s])} nodes)  " + (f"reads {', '.join(reads)} -> " if reads else "")
                + "; ".join(parts))

    def _sections(self) -> list:
        """(title, nodes or None, rows or None) for every part of ``loops``: the nodes between the loops, and
        per loop its step 1 and the table of its steps."""
        parts, sections, seen = self.loops, [], 0
        count = sum(kind == "loop" for kind, _ in parts)
        for position, (kind, part) in enumerate(parts):
            if kind == "nodes":
                later = any(k == "loop" for k, _ in parts[position + 1:])
                if count == 1:
                    title = "before the loop" if later else "after the loop"
                else:
                    title = f"before loop {seen + 1}" if later else f"after loop {seen}"
                sections.append((title, [self.nodes[i] for i in part], None))
                continue
            seen += 1
            name, steps = ("" if count == 1 else f"loop {seen}, "), len(part.steps)
            sections.append((f"{name}step 1 of {steps}", [self.nodes[i] for i in part.steps[0]], None))
            sections.append((f"{name}steps 1-{steps}, one line each (every step: the same ops and shapes as step 1)",
                             None, [self._step_row(part, s) for s in range(steps)]))
        return [section for section in sections if section[1] or section[2]]

    def _loop_lines(self) -> list:
        lines = self._loop_headers()
        for title, nodes, rows in self._sections():
            lines.append(f"--- {title} ---")
            head, tail, hidden = _cut(nodes if nodes is not None else rows, self.max_rows)
            render = self._node_text if nodes is not None else (lambda row: ["  " + row])
            for item in head:
                lines += render(item)
            if tail is not None:
                lines.append(f"... {hidden} more {'nodes' if nodes is not None else 'steps'} ...")
                for item in tail:
                    lines += render(item)
        return lines

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

        def note(text, tag="i"):
            rows.append(f'<tr><td colspan="{len(header)}"><{tag}>{e(text)}</{tag}></td></tr>')

        sections = self._sections() if self.loops else [("", self.nodes, None)]
        for line in self._loop_headers() if self.loops else ():
            note(line)
        for title, nodes, lines in sections:
            if title:
                note(title, "b")
            show = row if nodes is not None else (lambda line: note(line, "span"))
            head, tail, hidden = _cut(nodes if nodes is not None else lines, self.max_rows)
            for item in head:
                show(item)
            if tail is not None:
                note(f"... {hidden} more {'nodes' if nodes is not None else 'steps'} ...")
                for item in tail:
                    show(item)
        return (f"<p>{e(self._summary_line())}</p>"
                '<table style="font-family: monospace; text-align: left">'
                "<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>" + "".join(rows) + "</table>")


def _cut(items: list, limit: int):
    """(head, tail, hidden): all items (tail None) when at most ``limit``, else the first and last ones."""
    if len(items) <= limit:
        return items, None, 0
    head = limit // 2
    tail = limit - head
    return items[:head], items[len(items) - tail:], len(items) - limit


def _norm(array) -> float:
    """The Frobenius norm of an array, or of the array a Stats summarises (sqrt(n (std^2 + mean^2)))."""
    if isinstance(array, Stats):
        return float(np.sqrt(array.size * (array.std ** 2 + array.mean ** 2)))
    return float(np.linalg.norm(np.asarray(array, dtype=np.float64)))


def _fit(prefix: str, parts: list, separator: str = ", ", width: int = 110) -> list:
    """``prefix`` + the parts on one line if it fits in ``width``, else one part per line, aligned."""
    if not parts:
        return []
    line = prefix + separator.join(parts)
    if len(line) <= width:
        return [line]
    pad = " " * len(prefix)
    return [prefix + parts[0]] + [pad + p for p in parts[1:]]




# ---- loops: the same block of ops once per time step ------------------------------------------------
FUSED_RECURRENT_OPS = frozenset({"rnn_layer", "lstm_layer", "gru_layer"})  # one node per layer and direction


@dataclass(eq=False)
class Loop:
    """An unrolled loop found in a traced graph: ``steps[s]`` holds the node indices of time step s + 1
    (its ops, and the leaves only that step reads, such as x_t), every step with the same ops and shapes;
    ``states[s]``: the nodes of step s + 1 that the next step reads (h, or h and c of an LSTM);
    ``before`` / ``after``: the other nodes (shared weights, the loss), in forward order."""

    steps: list
    states: list
    before: list
    after: list


def find_loops(nodes: list, within=None) -> list:
    """The graph (or the nodes ``within``) cut into parts in forward order: ``("loop", Loop)`` for each unrolled
    loop ``find_loop`` finds (a stacked RNN has one per layer) and ``("nodes", [indices])`` between them."""
    within = [n.index for n in nodes] if within is None else within
    loop = find_loop(nodes, within)
    if loop is None:
        return [("nodes", within)] if within else []
    return find_loops(nodes, loop.before) + [("loop", loop)] + find_loops(nodes, loop.after)


def find_loop(nodes: list, within=None, min_steps: int = 3, min_ops: int = 2) -> Loop | None:
    """The longest run of time steps that repeat one block of at least ``min_ops`` ops, or None; only the nodes
    ``within`` (indices; default all) are considered, the others count as given values.

    The recurrence is the critical path, the longest chain of ops (h_1 -> h_2 -> ... -> L). Its ops, each on
    the level of its depth, repeat with a period p: level l + p holds the same ops (name, output shape, shapes
    of the inputs, same weights) as level l, and each period is a time step. Every other op joins the step it
    is computed from (a head or a loss per step) or else the one step that reads it (x_t W, x[:, t]).
    """
    members = [nodes[i] for i in sorted(within)] if within is not None else nodes
    inside = {n.index for n in members}
    ops = [n for n in members if not n.is_leaf]
    if len(ops) < min_steps * min_ops:
        return None
    consumers = {n.index: [] for n in members}
    for n in ops:
        for i in n.inputs:
            if i in inside:
                consumers[i].append(n.index)
    depth, critical = _critical_path(ops, consumers)
    blocks = _periodic_blocks(nodes, [n for n in ops if n.index in critical], depth, min_steps)
    if blocks is None:
        return None
    step_of = {i: s for s, block in enumerate(blocks) for i in block}
    _join_steps([n for n in ops if n.index not in critical], consumers, step_of)
    for n in members:  # a leaf read by one step only (x_t, the first h) belongs to that step
        if n.is_leaf and consumers[n.index]:
            owners = {step_of.get(c) for c in consumers[n.index]}
            if len(owners) == 1 and None not in owners:
                step_of[n.index] = owners.pop()
    steps = [sorted(i for i, s in step_of.items() if s == k) for k in range(len(blocks))]
    if sorted(sum(not nodes[i].is_leaf for i in step) for step in steps)[len(steps) // 2] < min_ops:
        return None   # a chain of single ops (tanh(tanh(...))) is not a loop
    after = set()
    for n in ops:  # computed from the loop's results: after it
        if n.index not in step_of and any(i in step_of or i in after for i in n.inputs):
            after.add(n.index)
    for n in reversed(members):   # read only after the loop (a later layer's weights, its h0 W_hh): after it too
        if n.index not in step_of and consumers[n.index] and all(c in after for c in consumers[n.index]):
            after.add(n.index)
    before = [n.index for n in members if n.index not in step_of and n.index not in after]
    states = [_state_nodes(nodes, steps, s, consumers) for s in range(len(steps))]
    return Loop(steps, states, before, sorted(after))


def _critical_path(ops, consumers) -> tuple:
    """(depth of every op from the leaves, the set of ops on a longest chain through the graph)."""
    depth, height = {}, {}
    for n in ops:
        depth[n.index] = 1 + max((depth.get(i, 0) for i in n.inputs), default=0)
    for n in reversed(ops):
        height[n.index] = 1 + max((height[c] for c in consumers[n.index]), default=0)
    longest = max(depth[i] + height[i] for i in depth)
    return depth, {i for i in depth if depth[i] + height[i] == longest}


def _periodic_blocks(nodes, spine, depth, min_steps) -> list | None:
    """The ops of ``spine`` (the critical path) cut into steps: the longest run of levels that repeats with one
    period, as lists of node indices, or None."""
    by_level = {}
    for n in spine:
        by_level.setdefault(depth[n.index], []).append(n.index)
    lo, hi = min(by_level), max(by_level)
    kinds, ids = {}, []
    for level in range(lo, hi + 1):
        key = tuple(sorted(_signature(nodes[i], nodes) for i in by_level.get(level, ())))
        ids.append(kinds.setdefault(key, len(kinds)))
    ids = np.asarray(ids)
    best = None  # (levels covered, period, first level)
    for p in range(1, len(ids) // min_steps + 1):
        start, run = _longest_run(ids[:-p] == ids[p:])
        covered = run + p
        if covered // p >= min_steps and (best is None or covered > best[0]):
            best = (covered, p, start)
    if best is None:
        return None
    covered, p, start = best
    end = start + covered   # steps end where the repetition ends (the loss comes after): count back from there;
    count = min(-(-covered // p), end // p)   # the first step may differ a little (it reads h0, a leaf)
    return [[i for level in range(end - (count - s) * p, end - (count - s - 1) * p) for i in by_level.get(level + lo, ())]
            for s in range(count)]


def _join_steps(ops, consumers, step_of) -> None:
    """Put the ops off the critical path (``ops``) into steps: the one step that reads them (x_t W_ih, x[:, t]),
    else the step they are computed from (at most two adjacent steps: a head, a loss per step, a running sum
    of losses). Ops read by three steps or more (a stack of all outputs, an embedded sequence, W.T)
    are no step's: they leave ``step_of`` and the others are placed again without them."""
    spine, wide = dict(step_of), set()
    for _ in range(4):
        step_of.clear()
        step_of.update((i, s) for i, s in spine.items() if i not in wide)
        for n in reversed(ops):
            if n.index not in step_of and n.index not in wide and consumers[n.index]:
                readers = {step_of.get(c) for c in consumers[n.index]}
                if None not in readers and max(readers) - min(readers) <= 1:
                    step_of[n.index] = min(readers)
        for n in ops:
            if n.index not in step_of and n.index not in wide:
                sources = {step_of[i] for i in n.inputs if i in step_of}
                if sources and max(sources) - min(sources) <= 1:
                    step_of[n.index] = max(sources)
        spread = {i for i in step_of if len({step_of[c] for c in consumers[i] if c in step_of}) >= 3}
        if spread <= wide:
            return
        wide |= spread


def _signature(n: Node, nodes: list) -> tuple:
    """What must match for two ops to count as the same op of different steps."""
    ins = []
    for i in n.inputs:  # the first step reads h0 (a leaf) where the others read the previous step's h
        x = nodes[i]
        ins.append(("weight", id(x.tensor)) if x.is_leaf and x.tensor.requires_grad else ("value", x.shape))
    return n.op, n.shape, tuple(ins)


def _longest_run(equal) -> tuple:
    """(start, length) of the longest run of True in a boolean array (length 0 when none)."""
    if not equal.size or not equal.any():
        return 0, 0
    padded = np.concatenate(([False], equal, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, ends = edges[0::2], edges[1::2]
    k = int(np.argmax(ends - starts))
    return int(starts[k]), int(ends[k] - starts[k])


def _state_nodes(nodes, steps, s, consumers) -> list:
    """The ops of step s that step s + 1 reads (h, or h and c; a running sum of losses only when nothing else);
    for the last step, the ops that correspond to the previous step's: same op and shapes, same rank."""
    reference = s if s + 1 < len(steps) else s - 1
    if reference < 0:
        return [steps[s][-1]]
    following = set(steps[reference + 1])
    read = [i for i in steps[reference] if not nodes[i].is_leaf and any(c in following for c in consumers[i])]
    read = [i for i in read if nodes[i].tensor.data.size > 1] or read
    if reference == s or not read:
        return read or [steps[s][-1]]
    twins = []
    for i in read:
        key = _signature(nodes[i], nodes)
        same_before = [j for j in steps[reference] if _signature(nodes[j], nodes) == key]
        same_here = [j for j in steps[s] if _signature(nodes[j], nodes) == key]
        rank = same_before.index(i)
        twins.append(same_here[rank] if rank < len(same_here) else (same_here or steps[s])[-1])
    return twins
