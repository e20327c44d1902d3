"""``draw_graph(output)``: the computation graph as Graphviz dot text, or rendered to SVG / PNG.

Leaf tensors are boxes (name, shape; filled when they require grad), ops are ellipses (op name, and
the name of the tensor they produce when it has one), edges run from inputs to the op that reads
them, so the forward pass reads top to bottom and the backward pass bottom to top. Gradients are
added to the labels when known: from a ``Trace`` passed in place of the output (every node), else
from ``.grad`` (leaves after ``backward()``, and tensors that called ``retain_grad()``).

The dot text needs nothing; rendering needs the ``graphviz`` Python package (``pip install graphviz``,
or the ``viz`` extra) and the Graphviz ``dot`` program.
"""
from __future__ import annotations

from ..explain.numbers import Stats, fmt_number, host_copy, scalar, stats
from ..explain.trace import Trace, auto_names, graph_tensors, user_names
from ..tensor import Tensor

FORMATS = ("dot", "svg", "png")


def draw_graph(output, names=None, format: str = "dot", path=None, grads: bool = True, rankdir: str = "TB"):
    """The graph that computed ``output`` (a Tensor, or a ``Trace``) as dot text, SVG text or PNG bytes.

    ``names``: a dict name -> Tensor, a Module (parameter names) or a list of them. ``path``: also
    write the result there. ``grads``: put the known gradients dL/d(tensor) in the labels.
    """
    if format not in FORMATS:
        raise ValueError(f"draw_graph: format must be one of {FORMATS}, got {format!r}")
    dot = to_dot(output, names, grads=grads, rankdir=rankdir)
    if format == "dot":
        result = dot
    else:
        result = _render(dot, format)
    if path is not None:
        mode = "wb" if isinstance(result, bytes) else "w"
        with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(result)
    return result


def to_dot(output, names=None, grads: bool = True, rankdir: str = "TB") -> str:
    """Graphviz dot text: one node per leaf tensor and per op, one edge per op input."""
    if isinstance(output, Trace):
        if names is not None:
            raise ValueError("draw_graph: a Trace already has its names; pass names to trace() instead")
        items = [(n.tensor, n.name, n.grad, n.named) for n in output.nodes]
    elif isinstance(output, Tensor):
        tensors = graph_tensors(output)
        given = user_names(names)
        items = [(t, name, host_copy(t.grad, 1), id(t) in given)
                 for t, name in zip(tensors, auto_names(tensors, given, output))]
    else:
        raise TypeError(f"draw_graph: expected a Tensor or a Trace, got {type(output).__name__}")
    ids = {id(t): f"n{i}" for i, (t, *_) in enumerate(items)}
    lines = ["digraph lamina {", f"  rankdir={rankdir};", '  node [fontname="Helvetica", fontsize=10];']
    last = len(items) - 1
    for i, (t, name, grad, named) in enumerate(items):
        lines.append(f"  {ids[id(t)]} [{_attributes(t, name, grad if grads else None, named, i == last)}];")
    for t, *_ in items:
        if t._ctx is not None:
            for position, parent in enumerate(t._ctx.inputs):
                label = f' [label="{position}"]' if len(t._ctx.inputs) > 1 and _order_matters(t) else ""
                lines.append(f"  {ids[id(parent)]} -> {ids[id(t)]}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _attributes(t: Tensor, name: str, grad, named: bool, is_output: bool) -> str:
    """Label lines: name (and op), then the value of a one-element tensor or the shape, then the grad."""
    value = ("= " + fmt_number(t.data.reshape(-1)[0]) if t.data.size == 1
             else str(tuple(t.shape)))
    if t._ctx is None:
        constant = t.data.size == 1 and not named and not t.requires_grad  # its name is its value already
        parts = [name] if constant else [name, value]
        style = ', style=filled, fillcolor="#dbeafe"' if t.requires_grad else ""
        return f'shape=box, label="{_escape(_label(parts, grad))}"{style}'
    parts = [t._ctx.name] + ([name] if named or is_output else []) + [value]
    style = ", peripheries=2" if is_output else ""
    return f'shape=ellipse, label="{_escape(_label(parts, grad))}"{style}'


def _label(parts, grad) -> str:
    if grad is not None:
        value = scalar(grad)
        if value is not None:
            parts.append("grad " + fmt_number(value))
        else:
            s = grad if isinstance(grad, Stats) else stats(grad)
            parts.append(f"grad mean {fmt_number(s.mean)} std {fmt_number(s.std)}")
    return "\n".join(parts)


def _order_matters(t: Tensor) -> bool:
    return not t._ctx.commutative


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _render(dot: str, format: str):
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            f"draw_graph(format={format!r}) needs the graphviz Python package and the Graphviz 'dot' program: "
            "pip install graphviz (or pip install lamina[viz]), and install Graphviz itself "
            "(apt install graphviz / brew install graphviz / conda install graphviz); "
            "format='dot' works without them") from error
    try:
        data = graphviz.Source(dot).pipe(format=format)
    except graphviz.ExecutableNotFound as error:
        raise ImportError(
            f"draw_graph(format={format!r}): the Graphviz 'dot' program was not found on PATH; install Graphviz "
            "(apt install graphviz / brew install graphviz / conda install graphviz); format='dot' needs nothing") \
            from error
    return data.decode("utf-8") if format == "svg" else data
