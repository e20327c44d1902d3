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

    def _step_group(self, group):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            param = p.data
            g = effective_grad(p.grad.data, param, weight_decay, maximize)
            if momentum != 0:
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = g.copy()
                else:
                    buf *= momentum
                    buf += g if dampening == 0 else (1.0 - dampening) * g
                if nesterov:
                    step = buf * momentum
                    step += g
                    step *= lr
                    param -= step
                    continue
                g = buf
            param -= lr * g
