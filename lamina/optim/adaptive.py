"""Per-coordinate adaptive step sizes: Adagrad, Adadelta, RMSprop (as in ``torch.optim``)."""
from __future__ import annotations

from ..backend import xp
from .optimizer import Optimizer, check_options, effective_grad, lerp_


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), step t = 1, 2, ...

        g = grad + weight_decay * p
        s = s + g^2                           (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 *, maximize=False):
        check_options("Adagrad", lr=(lr, 0.0), lr_decay=(lr_decay, 0.0), weight_decay=(weight_decay, 0.0),
                      initial_accumulator_value=(initial_accumulator_value, 0.0), eps=(eps, 0.0))
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "sum": xp.full_like(param, group["initial_accumulator_value"])}

    def update(self, param, grad, state, group):
        step = state["step"] = state["step"] + 1
        g = effective_grad(grad, param, group["weight_decay"], group["maximize"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"]
        scratch = xp.multiply(g, g, out=xp.empty_like(param))
        total += scratch
        xp.sqrt(total, out=scratch)
        scratch += group["eps"]
        xp.divide(g, scratch, out=scratch)
        scratch *= clr
        param -= scratch


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): a step size from the ratio of running RMS of updates and of gradients.

        g = grad + weight_decay * p
        v = rho * v + (1 - rho) * g^2
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d^2
        p = p - lr * d                        (lr = 1 in the paper)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False):
        check_options("Adadelta", lr=(lr, 0.0), rho=(rho, 0.0), eps=(eps, 0.0), weight_decay=(weight_decay, 0.0))
        if rho > 1.0:
            raise ValueError(f"Adadelta: invalid rho {rho!r} (must be in [0, 1])")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "square_avg": xp.zeros_like(param), "acc_delta": xp.zeros_like(param)}

    def update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1
        g = effective_grad(grad, param, group["weight_decay"], group["maximize"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        scratch = xp.multiply(g, g, out=xp.empty_like(param))
        scratch *= 1.0 - rho
        square_avg *= rho
        square_avg += scratch
        delta = xp.add(acc_delta, eps, out=xp.empty_like(param))
        xp.sqrt(delta, out=delta)
        xp.add(square_avg, eps, out=scratch)
        xp.sqrt(scratch, out=scratch)
        delta /= scratch
        delta *= g
        xp.multiply(delta, delta, out=scratch)
        scratch *= 1.0 - rho
        acc_delta *= rho
        acc_delta += scratch
        delta *= group["lr"]
        param -= delta


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), optionally centred and with momentum.

        g = grad + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        a = sqrt(v - gbar^2) + eps   with gbar = alpha * gbar + (1 - alpha) * g   (centered)
        a = sqrt(v) + eps                                                          (otherwise)
        b = momentum * b + g / a,  p = p - lr * b      (momentum > 0)
        p = p - lr * g / a                             (momentum = 0)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, *,
                 maximize=False):
        check_options("RMSprop", lr=(lr, 0.0), alpha=(alpha, 0.0), eps=(eps, 0.0), momentum=(momentum, 0.0),
                      weight_decay=(weight_decay, 0.0))
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "square_avg": xp.zeros_like(param)}

    def update(self, param, grad, state, group):
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        state["step"] += 1
        g = effective_grad(grad, param, group["weight_decay"], group["maximize"])
        square_avg = state["square_avg"]
        scratch = xp.multiply(g, g, out=xp.empty_like(param))
        scratch *= 1.0 - alpha
        square_avg *= alpha
        square_avg += scratch
        if group["centered"]:
            grad_avg = _buffer(state, "grad_avg", param)
            lerp_(grad_avg, g, 1.0 - alpha, scratch)
            xp.multiply(grad_avg, grad_avg, out=scratch)
            xp.subtract(square_avg, scratch, out=scratch)
            xp.sqrt(scratch, out=scratch)
        else:
            xp.sqrt(square_avg, out=scratch)
        scratch += eps
        xp.divide(g, scratch, out=scratch)
        if momentum > 0:
            buf = _buffer(state, "momentum_buffer", param)
            buf *= momentum
            buf += scratch
            xp.multiply(buf, group["lr"], out=scratch)
        else:
            scratch *= group["lr"]
        param -= scratch


def _buffer(state, name, like):
    """``state[name]``, created as zeros the first time it is needed."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = xp.zeros_like(like)
    return buf
