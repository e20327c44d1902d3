"""Adam, AdamW and Adamax (as ``torch.optim.Adam`` / ``torch.optim.AdamW`` / ``torch.optim.Adamax``)."""
from __future__ import annotations

from ..backend import xp
from .optimizer import Optimizer, check_options, effective_grad, lerp_


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2015), step t = 1, 2, ...

        g = grad + weight_decay * p          (L2 in the gradient; AdamW decays p instead: p *= 1 - lr*wd)
        m = beta1 * m + (1 - beta1) * g      v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v)                (amsgrad: use v_max in place of v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        name = type(self).__name__
        check_options(name, lr=(lr, 0.0), eps=(eps, 0.0), weight_decay=(weight_decay, 0.0))
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"{name}: invalid betas {betas!r} (each must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def init_state(self, param, group):
        return {"step": 0, "exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}

    def update(self, param, grad, state, group):
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        step = state["step"] = state["step"] + 1
        if group["decoupled_weight_decay"]:
            if weight_decay:
                param *= 1.0 - lr * weight_decay
            g = effective_grad(grad, param, 0.0, group["maximize"])
        else:
            g = effective_grad(grad, param, weight_decay, group["maximize"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        scratch = xp.empty_like(param)
        lerp_(exp_avg, g, 1.0 - beta1, scratch)
        xp.multiply(g, g, out=scratch)
        scratch *= 1.0 - beta2
        exp_avg_sq *= beta2
        exp_avg_sq += scratch
        if group["amsgrad"]:
            second = state.get("max_exp_avg_sq")
            if second is None:  # amsgrad switched on after the first step
                second = state["max_exp_avg_sq"] = xp.zeros_like(param)
            xp.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        step_size = lr / (1.0 - beta1 ** step)
        denom = xp.sqrt(second, out=scratch)
        denom /= (1.0 - beta2 ** step) ** 0.5
        denom += eps
        xp.divide(exp_avg, denom, out=scratch)
        scratch *= step_size
        param -= scratch


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): ``p *= 1 - lr * weight_decay`` before
    the Adam step, instead of adding ``weight_decay * p`` to the gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adam with the infinity norm (Kingma & Ba, 2015, section 7), step t = 1, 2, ...

        g = grad + weight_decay * p          (-grad + weight_decay * p when maximize)
        m = beta1 * m + (1 - beta1) * g      u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u

    As PyTorch, eps is added to |g| inside the maximum (so u > 0 from the first step), not to the denominator.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *, maximize=False):
        check_options("Adamax", lr=(lr, 0.0), eps=(eps, 0.0), weight_decay=(weight_decay, 0.0))
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"Adamax: invalid betas {betas!r} (each must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def init_state(self, param, group):
        return {"step": 0, "exp_avg": xp.zeros_like(param), "exp_inf": xp.zeros_like(param)}

    def update(self, param, grad, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        step = state["step"] = state["step"] + 1
        g = effective_grad(grad, param, group["weight_decay"], group["maximize"])
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        scratch = xp.empty_like(param)
        lerp_(exp_avg, g, 1.0 - beta1, scratch)
        exp_inf *= beta2
        xp.abs(g, out=scratch)
        scratch += eps
        xp.maximum(exp_inf, scratch, out=exp_inf)
        xp.divide(exp_avg, exp_inf, out=scratch)
        scratch *= lr / (1.0 - beta1 ** step)
        param -= scratch
