"""A weight's gradient for the session's next step, in the chain-rule form of Lamina's glass box.

The next step reads the first batch of the training set. For weight W[j, i] of layer l (net_l = out_(l-1) W_l^T + b_l)

    dL/dW_l[j, i] = sum over the batch's points n of dL/dnet_l[n, j] x out_(l-1)[n, i]

and for neuron j's bias dL/db_l[j] = sum_n dL/dnet_l[n, j] (d net / d b = 1). dL/dnet_l is what ``lamina.explain.trace`` records flowing back to that node; the chain from L down to
W_l (``Trace.chain``) is shown under it. Tracing does not touch the parameters' ``.grad``.
"""
from __future__ import annotations

import numpy as np  # host-side: the trace's arrays are host copies

from .. import nn
from ..explain import trace
from .config import PlaygroundError
from .engine import data_loss


def named_forward(model, x) -> tuple:
    """The model's output and a dict name -> tensor: x, net1, out1, ..., W1, b1, ..."""
    names, h, layer = {"x": x}, x, 0
    for module in model:
        h = module(h)
        if isinstance(module, nn.Linear):
            layer += 1
            names.update({f"net{layer}": h, f"W{layer}": module.weight, f"b{layer}": module.bias})
        else:
            names[f"out{layer}"] = h
    return h, names


def _trace_next_step(session):
    batch = session.config["batch_size"]
    output, names = named_forward(session.model, session.x_train[:batch])
    return trace(data_loss(output, session.y_train[:batch], session.multiclass), names=names)


def explain_bias(session, layer: int, to: int) -> str:
    """The text of dL/db[to] of Linear layer ``layer`` (0 = the first): neuron ``to``'s bias, for the next step."""
    bias = session.linear(layer).bias
    if not 0 <= to < bias.shape[0]:
        raise PlaygroundError(f"explain: layer {layer} has neurons 0..{bias.shape[0] - 1}, got to={to}")
    t, l = _trace_next_step(session), layer + 1
    grad_net = np.asarray(t.node(f"net{l}").grad)[:, to]
    chain = t.chain(f"b{l}")
    total = np.asarray(chain.total)[to]
    shown = " + ".join(f"{g:.4g}" for g in grad_net[:4]) + (f" + ... ({len(grad_net) - 4} more)" if len(grad_net) > 4 else "")
    return "\n".join([
        f"neuron {to} of layer {l}: bias b{l}[{to}] = {float(bias.data[to]):.4g}, net{l}[n,{to}] = ... + b{l}[{to}]",
        f"gradient of the data loss L for the next step (the first {len(grad_net)} training points):",
        f"dL/db{l}[{to}] = sum_n dL/dnet{l}[n,{to}] x dnet{l}[n,{to}]/db{l}[{to}] = sum_n dL/dnet{l}[n,{to}] x 1",
        f"  = {shown}",
        f"  = {grad_net.sum():.6g}   (the engine's gradient: {total:.6g})",
        "",
        "the chain from L down to the layer's biases (lamina.explain.trace(loss).chain):",
        str(chain),
    ])


def explain_weight(session, layer: int, to: int, source: int, terms: int = 3) -> str:
    """The text of dL/dW[to, source] of Linear layer ``layer`` (0 = the first) for the next step's batch."""
    weight = session.linear(layer).weight
    rows, cols = weight.shape
    if not (0 <= to < rows and 0 <= source < cols):
        raise PlaygroundError(f"explain: layer {layer} has weights to 0..{rows - 1} from 0..{cols - 1}, "
                              f"got to={to}, from={source}")
    batch = session.config["batch_size"]
    x, y = session.x_train[:batch], session.y_train[:batch]
    output, names = named_forward(session.model, x)
    loss = data_loss(output, y, session.multiclass)
    t = trace(loss, names=names)
    l = layer + 1
    below = "x" if l == 1 else f"out{l - 1}"
    grad_net = np.asarray(t.node(f"net{l}").grad)[:, to]
    inputs = np.asarray(t.node(below).value)[:, source]
    products = grad_net * inputs
    chain = t.chain(f"W{l}")
    total = np.asarray(chain.total)[to, source]
    shown = " + ".join(f"{g:.4g} x {a:.4g}" for g, a in zip(grad_net[:terms], inputs[:terms]))
    more = f" + ... ({len(products) - terms} more)" if len(products) > terms else ""
    lines = [
        f"weight W{l}[{to}, {source}] = {float(weight.data[to, source]):.4g} (from {below}[{source}] to net{l}[{to}]),",
        f"gradient of the data loss L for the next step (the first {len(products)} training points):",
        f"dL/dW{l}[{to},{source}] = sum_n dL/dnet{l}[n,{to}] x d net{l}[n,{to}] / dW{l}[{to},{source}]"
        f" = sum_n dL/dnet{l}[n,{to}] x {below}[n,{source}]",
        f"  = {shown}{more}",
        f"  = {products.sum():.6g}   (the engine's gradient: {total:.6g})",
        "",
        "the chain from L down to the layer's weights (lamina.explain.trace(loss).chain):",
        str(chain),
    ]
    return "\n".join(lines)
