"""Finite-difference gradient checking.

``gradcheck(fn, *inputs)`` evaluates ``fn`` in float64, differentiates ``sum(output * v)`` for a
fixed random ``v`` with the autograd engine, and compares every partial derivative with the central
difference (f(x + eps) - f(x - eps)) / (2 eps). A mismatch raises ``GradcheckError`` naming the
input, the worst element and both values.

The inputs are float64 copies on the backend; the comparison runs on host copies of the gradients
(NumPy), element by element, as a test does.
"""
from __future__ import annotations

import numpy as np  # host-side: the comparison of gradients

from .autograd import grad as autograd_grad
from .backend import to_numpy, xp
from .tensor import Tensor


class GradcheckError(AssertionError):
    pass


def _as_float64(inputs):
    if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
        inputs = tuple(inputs[0])   # PyTorch's form: gradcheck(fn, (x, y))
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            t = Tensor._wrap(xp.array(x.data, dtype=xp.float64, order="K"))  # keeps a strided layout
            t.requires_grad = x.requires_grad
            out.append(t)
        else:
            out.append(x)
    return out


def _output_tensor(result):
    if isinstance(result, Tensor):
        return result
    if isinstance(result, (tuple, list)) and isinstance(result[0], Tensor):
        return result[0]
    raise TypeError(f"gradcheck: fn must return a Tensor, got {type(result).__name__}")


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """True when analytic and numerical gradients agree for every input that requires grad.

    |analytic - numeric| <= atol + rtol * |numeric| must hold elementwise.
    """
    inputs = _as_float64(inputs)
    wrt = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input has requires_grad=True")
    out = _output_tensor(fn(*inputs))
    v = np.random.default_rng(seed).standard_normal(out.shape)
    v_t = Tensor._wrap(v.astype(out.dtype))

    def scalar_of_output() -> float:
        return float((to_numpy(_output_tensor(fn(*inputs)).data).astype(np.float64) * v).sum())

    analytic = autograd_grad(out, wrt, grad_outputs=v_t, allow_unused=True)
    for k, (x, a) in enumerate(zip(wrt, analytic)):
        a = np.zeros(x.shape) if a is None else to_numpy(a.data).astype(np.float64)
        numeric = np.zeros(x.shape)
        for i in np.ndindex(x.shape):
            original = x.data[i]
            x.data[i] = original + eps
            plus = scalar_of_output()
            x.data[i] = original - eps
            minus = scalar_of_output()
            x.data[i] = original
            numeric[i] = (plus - minus) / (2 * eps)
        error = np.abs(a - numeric) - (atol + rtol * np.abs(numeric))
        if error.size and error.max() > 0:
            worst = np.unravel_index(np.argmax(error), x.shape)
            message = (f"gradcheck: input {k} (shape {tuple(x.shape)}) gradient mismatch at {worst}: "
                       f"analytic {a[worst]:.8g}, numerical {numeric[worst]:.8g} "
                       f"(max abs difference {np.abs(a - numeric).max():.3g})")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: gradcheck the function x -> d sum(fn(x) * v)/dx (create_graph)."""
    inputs = _as_float64(inputs)
    out = _output_tensor(fn(*inputs))
    v = Tensor._wrap(np.random.default_rng(seed + 1).standard_normal(out.shape))
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_gradients(*wrt):
        args = list(inputs)
        for i, x in zip(positions, wrt):
            args[i] = x
        grads = autograd_grad(_output_tensor(fn(*args)), list(wrt), grad_outputs=v, create_graph=True,
                              allow_unused=True)
        total = None
        for g in grads:
            if g is not None:
                term = (g * g).sum()
                total = term if total is None else total + term
        return total

    return gradcheck(first_gradients, *[inputs[i] for i in positions], eps=eps, atol=atol, rtol=rtol, seed=seed)
