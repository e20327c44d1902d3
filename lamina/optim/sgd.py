"""Stochastic gradient descent, with momentum and Nesterov momentum (as ``torch.optim.SGD``)."""
from __future__ import annotations

from .optimizer import Optimizer, check_options, effective_grad


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum and L2 weight decay.

        g = grad + weight_decay * p                  (g = -grad + ... when maximize)
        b = g  (first step),  b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b  if nesterov  else  b     (when momentum != 0)
        p = p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *,
                 maximize=False):
        check_options("SGD", lr=(lr, 0.0), momentum=(momentum, 0.0), weight_decay=(weight_decay, 0.0))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def update(self, param, grad, state, group):
        lr, momentum = group["lr"], group["momentum"]
        g = effective_grad(grad, param, group["weight_decay"], group["maximize"])
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                dampening = group["dampening"]
                buf += g if dampening == 0 else (1.0 - dampening) * g
            if group["nesterov"]:
                step = buf * momentum
                step += g
                step *= lr
                param -= step
                return
            g = buf
        param -= lr * g

    def is_plain_gradient_step(self, group):
        return not (group["momentum"] or group["weight_decay"] or group["maximize"])
