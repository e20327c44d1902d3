"""``step(model, optimizer, x, y, loss_fn)``: one training step with every number in view.

    1. forward     each layer's output (a forward hook on every leaf module), then L = loss_fn(model(x), y)
    2. backward    dL/dp for every parameter p
    3. update      optimizer.step(); update = p_after - p_before

For plain SGD (no momentum, no weight decay) ``p_after = p_before - lr * dL/dp``: the report checks it
and shows the largest difference, which is 0 (the same float operations; ``update`` itself equals
``-lr * dL/dp`` up to the rounding of ``p_after - p_before``). Other optimisers rescale the step (Adam:
``-lr * m_hat / (sqrt(v_hat) + eps)``); the report then shows the update as it came.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from ..backend import to_numpy
from ..tensor import Tensor
from .numbers import fmt_array, fmt_number, host_copy


@dataclass
class LayerRecord:
    """One leaf module's output in the forward pass (modules in call order)."""

    name: str
    type: str
    shape: tuple
    output: object  # array, or Stats when large


@dataclass
class ParamRecord:
    """One parameter across the step. Arrays are host copies (Stats when larger than ``keep`` elements)."""

    name: str
    shape: tuple
    before: object
    grad: object
    after: object
    update: object                       # after - before
    lr: float | None = None
    sgd_rule: bool = False               # plain SGD: after should be before - lr * grad
    sgd_max_error: float | None = None   # max |after - (before - lr * grad)| when sgd_rule


@dataclass
class StepReport:
    """What ``step`` saw: ``layers``, ``loss``, ``params``; ``str`` / ``print`` / ``_repr_html_``."""

    optimizer: str
    input: object = None
    layers: list = field(default_factory=list)
    loss: float = float("nan")
    params: list = field(default_factory=list)

    def param(self, name: str) -> ParamRecord:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"step report: no parameter {name!r}; parameters: {', '.join(p.name for p in self.params)}")

    def _rule(self, p: ParamRecord) -> str:
        if not p.sgd_rule:
            return ""
        return f"after = before - lr*grad (lr={fmt_number(p.lr)}): max difference {p.sgd_max_error:.3g}"

    def __str__(self) -> str:
        lines = [f"one training step with {self.optimizer}", "1. forward", f"   input x -> {fmt_array(self.input)}"]
        for layer in self.layers:
            lines.append(f"   {layer.name} ({layer.type}) -> {fmt_array(layer.output)}")
        lines.append(f"   loss = {fmt_number(self.loss)}")
        lines.append("2. backward: dL/dp")
        for p in self.params:
            lines.append(f"   {p.name} {tuple(p.shape)}: grad {fmt_array(p.grad)}")
        lines.append("3. update: p_after = p_before + update")
        for p in self.params:
            lines.append(f"   {p.name}: before {fmt_array(p.before)}")
            lines.append(f"   {' ' * len(p.name)}  after  {fmt_array(p.after)}")
            lines.append(f"   {' ' * len(p.name)}  update {fmt_array(p.update)}")
            if p.sgd_rule:
                lines.append(f"   {' ' * len(p.name)}  rule   {self._rule(p)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<StepReport {self.optimizer}: loss {fmt_number(self.loss)}, {len(self.params)} parameters>"

    def print(self) -> None:
        print(str(self))

    def _repr_html_(self) -> str:
        e = html.escape
        layer_rows = "".join(f"<tr><td>{e(l.name)}</td><td>{e(l.type)}</td><td>{e(fmt_array(l.output))}</td></tr>"
                             for l in self.layers)
        param_rows = "".join(
            f"<tr><td>{e(p.name)}</td><td>{e(str(p.shape))}</td><td>{e(fmt_array(p.before))}</td>"
            f"<td>{e(fmt_array(p.grad))}</td><td>{e(fmt_array(p.after))}</td><td>{e(fmt_array(p.update))}</td>"
            f"<td>{e(self._rule(p))}</td></tr>" for p in self.params)
        style = '<table style="font-family: monospace; text-align: left">'
        return (f"<p>One training step with {e(self.optimizer)}</p>"
                f"<p><b>1. forward</b></p>{style}<tr><th>layer</th><th>type</th><th>output</th></tr>"
                f"<tr><td>input x</td><td></td><td>{e(fmt_array(self.input))}</td></tr>{layer_rows}"
                f"</table><p>loss = {e(fmt_number(self.loss))}</p>"
                f"<p><b>2. backward and 3. update</b></p>{style}<tr><th>parameter</th><th>shape</th><th>before</th>"
                f"<th>grad dL/dp</th><th>after</th><th>update</th><th>SGD rule</th></tr>{param_rows}</table>")


def step(model, optimizer, x, y, loss_fn, *, keep: int = 100_000) -> StepReport:
    """Run one training step (zero_grad, forward, loss, backward, optimizer.step) and report every number.

    ``loss_fn(output, y)`` gives the scalar loss. Arrays with more than ``keep`` elements are
    kept as statistics only; the SGD check is made on the full arrays.
    """
    report = StepReport(optimizer=type(optimizer).__name__,
                        input=host_copy(x.data, keep) if isinstance(x, Tensor) else None)
    handles = []
    for name, module in model.named_modules():
        if next(iter(module.children()), None) is None:  # leaf modules: the layers
            handles.append(module.register_forward_hook(_recorder(report, name or type(model).__name__,
                                                                  keep)))
    params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    before = [np.array(to_numpy(p.data)) for _, p in params]
    optimizer.zero_grad()
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    loss = loss_fn(output, y)
    if not isinstance(loss, Tensor) or loss.data.size != 1:
        raise ValueError(f"step: loss_fn should return a one-element Tensor, got "
                         f"{type(loss).__name__}{'' if not isinstance(loss, Tensor) else ' of shape ' + str(loss.shape)}")
    report.loss = float(loss.item())
    loss.backward()
    grads = [None if p.grad is None else np.array(to_numpy(p.grad.data)) for _, p in params]
    optimizer.step()
    rules = _sgd_rules(optimizer)
    for (name, p), b, g in zip(params, before, grads):
        after = np.array(to_numpy(p.data))
        update = after - b
        lr, plain = rules.get(id(p), (None, False))
        record = ParamRecord(name, tuple(p.shape), host_copy(b, keep), host_copy(g, keep),
                             host_copy(after, keep), host_copy(update, keep), lr, plain and g is not None)
        if record.sgd_rule:
            record.sgd_max_error = float(np.max(np.abs(after - (b - lr * g)), initial=0.0))
        report.params.append(record)
    return report


def _recorder(report: StepReport, name: str, limit: int):
    def hook(module, inputs, output):
        if isinstance(output, Tensor):
            report.layers.append(LayerRecord(name, type(module).__name__, tuple(output.shape),
                                             host_copy(output.data, limit)))

    return hook


def _sgd_rules(optimizer) -> dict:
    """id(param) -> (lr, whether the update is exactly -lr * grad: the optimiser says, e.g. plain SGD)."""
    rules = {}
    plain_step = getattr(optimizer, "is_plain_gradient_step", lambda group: False)
    for group in optimizer.param_groups:
        plain = plain_step(group)
        for p in group["params"]:
            rules[id(p)] = (group.get("lr"), plain)
    return rules

