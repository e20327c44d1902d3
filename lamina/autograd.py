"""Reverse-mode automatic differentiation: grad modes, the ``Function`` node, the backward engine.

A ``Function`` is one node of the define-by-run graph. Its ``forward`` works on raw arrays and
stores what the backward needs; its ``backward`` receives the gradient of the output as a Tensor
and returns the gradients of the inputs, written with Lamina's own ops. Because of that, the
backward pass can itself be recorded (``create_graph=True``) and differentiated again; when it is
not, it runs under ``no_grad`` and costs no more than array arithmetic plus a thin Tensor wrapper.

The engine orders the graph iteratively (no recursion limit) and walks it in reverse
topological order, summing the gradients of tensors used more than once.
"""
from __future__ import annotations

import functools
import threading

_state = threading.local()
Tensor = None  # set by lamina.tensor once the class exists (the engine and the class need each other)


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


def _set_grad_enabled(mode: bool) -> None:
    _state.enabled = mode


class _GradMode:
    """Base of ``no_grad`` / ``enable_grad``: a context manager that is also a decorator."""

    mode = True

    def __enter__(self):
        self._previous = is_grad_enabled()
        _set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        _set_grad_enabled(self._previous)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Record no graph inside this block (inference, parameter updates)."""

    mode = False


class enable_grad(_GradMode):
    """Record the graph again inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    def __init__(self, mode: bool = True):
        self.mode = bool(mode)

    def __call__(self, func):  # pragma: no cover - same as the base, with the mode kept
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper


class Function:
    """One differentiable operation.

    Subclasses define ``forward(self, *arrays, **params) -> array`` and
    ``backward(self, grad: Tensor) -> tuple of Tensor | None`` (one entry per input).
    Call them with ``MyOp.apply(*tensors, **params)``.
    """

    __slots__ = ("inputs", "freed", "__dict__")

    @classmethod
    def apply(cls, *inputs, **params):
        fn = object.__new__(cls)
        result = Tensor._wrap(fn.forward(*[t.data for t in inputs], **params))
        if getattr(_state, "enabled", True):
            for t in inputs:
                if t._requires_grad:
                    fn.inputs = inputs
                    fn.freed = False
                    result._requires_grad = True
                    result._ctx = fn
                    break
        return result

    def backward(self, grad):  # pragma: no cover - every op overrides it
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    @property
    def name(self) -> str:
        return type(self).__name__

    def release(self) -> None:
        """Drop what forward saved; a second backward through this node is then an error."""
        self.__dict__.clear()
        self.freed = True


def _topological_order(roots):
    """Non-leaf tensors reachable from ``roots``, each after every tensor that uses it."""
    order, visited = [], set()
    for root in roots:
        if root._ctx is None or id(root) in visited:
            continue
        stack = [(root, False)]
        while stack:
            tensor, expanded = stack.pop()
            if expanded:
                order.append(tensor)
                continue
            if id(tensor) in visited:
                continue
            visited.add(id(tensor))
            stack.append((tensor, True))
            for parent in tensor._ctx.inputs:
                if parent._ctx is not None and id(parent) not in visited:
                    stack.append((parent, False))
    order.reverse()
    return order


def _check_grad(tensor, grad):
    if grad is None:
        if tensor.data.size != 1:
            raise ValueError(
                f"backward: grad can be implicitly created only for a scalar output, "
                f"but the output has shape {tensor.shape}; pass grad= of that shape")
        return Tensor._wrap(tensor._xp.ones_like(tensor.data))
    grad = grad if isinstance(grad, Tensor) else Tensor._wrap(tensor._xp.asarray(grad, dtype=tensor.dtype))
    if grad.shape != tensor.shape:
        raise ValueError(f"backward: grad has shape {grad.shape}, expected the output's shape {tensor.shape}")
    return grad


def run_backward(outputs, grads, retain_graph=False, create_graph=False, inputs=None):
    """Propagate ``grads`` from ``outputs`` back through the graph.

    With ``inputs=None`` the gradients are accumulated into the ``.grad`` of leaf tensors (and of
    tensors that called ``retain_grad()``); otherwise they are returned for ``inputs`` only.
    """
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError(
                "backward: the tensor does not require grad and has no grad_fn; "
                "did you create it under no_grad or from tensors without requires_grad=True?")
    grads = [_check_grad(o, g) for o, g in zip(outputs, grads)]
    wanted = None if inputs is None else {id(t): i for i, t in enumerate(inputs)}
    results = [None] * (len(inputs) if inputs is not None else 0)
    pending, leaves, delivered = {}, {}, set()
    for out, g in zip(outputs, grads):
        _accumulate(pending, out, g, create_graph)

    previous = is_grad_enabled()
    _set_grad_enabled(create_graph)
    try:
        for out in outputs:
            if out._ctx is None:
                leaves[id(out)] = out
        for tensor in _topological_order(outputs):
            grad = pending.pop(id(tensor), None)
            if grad is None:
                continue
            if tensor._retains_grad or (wanted is not None and id(tensor) in wanted):
                _deliver(tensor, grad, wanted, results, delivered)
            fn = tensor._ctx
            if fn.freed:
                raise RuntimeError(
                    f"backward: trying to backward through the graph a second time ({fn.name} was freed); "
                    "pass retain_graph=True to the first backward() to keep it")
            for parent, g in zip(fn.inputs, fn.backward(grad)):
                if g is None or not parent._requires_grad:
                    continue
                key = id(parent)
                if key not in pending:
                    pending[key] = g
                    if parent._ctx is None:
                        leaves[key] = parent
                else:
                    _accumulate(pending, parent, g, create_graph)
            if not retain_graph:
                fn.release()
        for key, leaf in leaves.items():
            _deliver(leaf, pending.pop(key, None), wanted, results, delivered)
    finally:
        _set_grad_enabled(previous)
    return results


def _accumulate(pending, tensor, grad, create_graph):
    """Sum the gradients reaching one tensor (a tensor used twice gets both contributions)."""
    key = id(tensor)
    if key not in pending:
        pending[key] = grad
    elif create_graph:
        pending[key] = pending[key] + grad
    else:
        pending[key] = type(grad)._wrap(pending[key].data + grad.data)


def _deliver(tensor, grad, wanted, results, delivered):
    """Hand a finished gradient to ``tensor.grad`` (default) or to the requested result slot."""
    if grad is None:
        return
    if wanted is not None:
        index = wanted.get(id(tensor))
        if index is not None:
            results[index] = grad if results[index] is None else results[index] + grad
        return
    if tensor.grad is not None:
        tensor.grad = tensor.grad + grad
        return
    array = grad.data
    if not grad.requires_grad and (array.dtype != tensor.data.dtype or array.base is not None
                                   or not array.flags.writeable or id(array) in delivered):
        # own a private, writable buffer: the same array may reach several leaves (a + b) or be a view
        grad = type(grad)._wrap(array.astype(tensor.data.dtype, copy=True))
    delivered.add(id(grad.data))
    tensor.grad = grad


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``).

    Like ``torch.autograd.grad``: with ``create_graph=True`` the results are themselves
    differentiable, which gives second derivatives and Hessian-vector products.
    """
    single_input = isinstance(inputs, Tensor)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    for t, g in zip(inputs, results):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: one of the inputs (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it")
    return tuple(results)
