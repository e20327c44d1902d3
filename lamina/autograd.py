"""Reverse-mode automatic differentiation: grad modes, the ``Function`` node, the backward engine.

A ``Function`` is one node of the define-by-run graph. Its ``forward`` works on raw arrays and
stores what the backward needs; its ``backward`` receives the gradient of the output as a Tensor
and returns the gradients of the inputs, written with Lamina's own ops. Because of that, the
backward pass can itself be recorded (``create_graph=True``) and differentiated again; when it is
not, it runs under ``no_grad`` and costs no more than array arithmetic plus a thin Tensor wrapper.

The engine orders the graph iteratively (no recursion limit) and walks it in reverse
topological order, summing the gradients of tensors used more than once.

This module sits below ``tensor.py`` and never imports it: it works on any object with the
Tensor's graph slots (``data``, ``grad``, ``_ctx``, ``_requires_grad``, ``_retains_grad``), its array
library ``_xp`` and a ``_wrap(array)`` method that makes a new tensor around an array.
"""
from __future__ import annotations

import functools
import inspect
import sys
import threading
import weakref

from .errors import ArgumentError


class _GradState(threading.local):
    enabled = True  # every thread starts with gradients recorded
    final_callbacks = None  # during a backward: what queue_callback asked to run at its end


_state = _GradState()
_inplace_changes = [0]  # in-place changes of tensors so far: while 0, no node needs to check its inputs' versions
_ADD_IN_PLACE_FROM = 1024  # elements: below this a new array is cheaper than NumPy's in-place add


def is_grad_enabled() -> bool:
    """True when ops record the graph (outside ``no_grad``; inside a backward only with create_graph)."""
    return _state.enabled


class _GradMode:
    """Base of ``no_grad`` / ``enable_grad`` / ``set_grad_enabled``: a context manager that is also a
    decorator."""

    mode = True

    def __enter__(self):
        self._previous = _state.enabled
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Record no graph inside this block (inference, parameter updates)."""

    mode = False


class enable_grad(_GradMode):
    """Record the graph again inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Record the graph or not, as ``mode`` says (``with set_grad_enabled(training): ...``)."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode``: no graph inside the block (as ``no_grad``); ``mode=False`` records it."""

    def __init__(self, mode: bool = True):
        self.mode = not mode


class Function:
    """One differentiable operation: a node of the graph. Two ways to write one, both called with ``.apply``:

    Lamina's ops (``lamina/ops``): set ``name`` (the op as users call it, e.g. ``"relu"``: shown by ``trace``
    and ``draw_graph``) and define ``forward(self, *arrays, **params) -> array`` (on raw arrays; ``self`` keeps
    what backward needs) and ``backward(self, grad: Tensor) -> tuple of Tensor | None`` (one entry per input).

    PyTorch's custom Function: static ``forward(ctx, *args)`` on tensors (run without recording a graph) and
    static ``backward(ctx, *grad_outputs)`` returning one gradient (or None) per argument of forward, with
    ``ctx.save_for_backward`` / ``ctx.saved_tensors``, ``ctx.needs_input_grad``, ``ctx.mark_non_differentiable``
    (see ``FunctionCtx``). Lamina recognises this form by the static ``forward`` and runs it through the same
    graph and engine: its node is a ``CtxNode``.
    """

    __slots__ = ("inputs", "versions", "freed", "__dict__")
    name = "function"
    activation = False   # an activation function (``trace`` labels its factor "activation")
    commutative = False  # the inputs can be swapped (``draw_graph`` then leaves its edges unnumbered)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:  # a Function without a name of its own goes by its class name
            cls.name = cls.__name__
        if isinstance(inspect.getattr_static(cls, "forward", None), staticmethod):
            cls.apply = classmethod(_apply_with_ctx)    # PyTorch's form: forward(ctx, ...) on tensors

    def __repr__(self):
        return f"<{self.torch_name()} object at {id(self):#x}>"

    def torch_name(self) -> str:
        """PyTorch's style of name for this node (``grad_fn=<AddBackward0>``): the op's name in CamelCase +
        Backward0 (Lamina's own name, ``self.name``, is what ``trace`` and ``draw_graph`` show)."""
        return "".join(part[:1].upper() + part[1:] for part in str(self.name).split("_")) + "Backward0"

    @property
    def next_functions(self) -> tuple:
        """``((node, 0), ...)``: the node of each input (None for an input that is a leaf or needs no gradient;
        PyTorch shows an AccumulateGrad there), as PyTorch's grad_fn.next_functions."""
        return tuple((getattr(t, "_ctx", None), 0) for t in getattr(self, "inputs", ()))

    @classmethod
    def apply(cls, *inputs, **params):
        fn = object.__new__(cls)
        result = inputs[0]._wrap(fn.forward(*[t.data for t in inputs], **params))
        if _state.enabled:
            for t in inputs:
                if t._requires_grad:
                    fn.inputs = inputs
                    fn.versions = _versions(inputs) if _inplace_changes[0] else None
                    fn.freed = False
                    result._requires_grad = True
                    result._ctx = fn
                    break
        return result

    def backward(self, grad):  # pragma: no cover - every op overrides it
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    def release(self) -> None:
        """Drop what forward saved; a second backward through this node is then an error."""
        self.__dict__.clear()
        self.freed = True


# ---- PyTorch's custom Function: forward(ctx, ...) / backward(ctx, ...) ----------------------------------------
class FunctionCtx:
    """The ``ctx`` that a PyTorch-style Function's forward fills and its backward reads. Any attribute may be set
    on it (``ctx.scale = 2``); these are the ones with a meaning:

    - ``save_for_backward(*tensors)`` / ``saved_tensors``: tensors backward needs;
    - ``needs_input_grad``: one bool per argument of forward, True where a gradient is wanted;
    - ``mark_non_differentiable(*outputs)``: outputs that get no gradient (indices, masks);
    - ``set_materialize_grads(False)``: backward then receives None (not zeros) for outputs without a gradient.
    """

    def __init__(self):
        self.needs_input_grad, self.materialize_grads, self._non_differentiable = (), True, set()
        self._saved = None

    def save_for_backward(self, *tensors) -> None:
        self._saved = tuple(tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            return ()
        return self._saved

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors) -> None:
        """Accepted (PyTorch's in-place marker): Lamina's version counters already see in-place changes."""


class CtxNode(Function):
    """The graph node of one output of a PyTorch-style Function. Its backward calls the Function's static
    backward with this output's gradient and zeros for the others: backward is linear in the output gradients,
    so a Function with several differentiable outputs gets the sum of these calls, as one call would give."""

    def backward(self, grad):
        outputs = [None] * len(self.outputs_meta)
        for index, (shape, dtype) in enumerate(self.outputs_meta):
            if index == self.output_index:
                outputs[index] = grad
            elif self.ctx.materialize_grads and shape is not None:
                outputs[index] = grad._wrap(grad._xp.zeros(shape, dtype=dtype))
        grads = self.function.backward(self.ctx, *outputs)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) < self.arg_count or any(g is not None for g in grads[self.arg_count:]):
            raise RuntimeError(f"function {self.name} returned an incorrect number of gradients (expected "
                               f"{self.arg_count}, got {len(grads)})")
        picked = tuple(grads[i] for i in self.tensor_positions)
        for g, t in zip(picked, self.inputs):
            if g is not None and tuple(g.shape) != tuple(t.shape):
                raise RuntimeError(f"Function {self.name} returned an invalid gradient - got {list(g.shape)} "
                                   f"but expected shape compatible with {list(t.shape)}")
        return picked

    def torch_name(self) -> str:
        return self.name      # "LegendrePolynomial3Backward", as PyTorch names a custom Function's node

    def release(self) -> None:
        """Free the saved tensors; the name and ctx's own attributes stay readable, as on PyTorch's node."""
        name, ctx = self.name, self.ctx
        super().release()
        ctx._saved = None
        self.name, self.ctx = name, ctx

    def __getattr__(self, attribute):
        """PyTorch's node is the ctx: ``y.grad_fn.constant`` reads what forward set on ctx."""
        ctx = self.__dict__.get("ctx")
        if ctx is None or attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(ctx, attribute)


def _is_tensor(value) -> bool:
    return hasattr(value, "_ctx") and hasattr(value, "_wrap")


def _apply_with_ctx(cls, *args, **kwargs):
    """``MyFunction.apply(*args)`` for the PyTorch form: forward without recording, then one CtxNode per
    differentiable output when an input requires grad."""
    ctx = FunctionCtx()
    ctx.needs_input_grad = tuple(_is_tensor(a) and a._requires_grad for a in args)
    with no_grad():
        output = cls.forward(ctx, *args, **kwargs)
    if not (_state.enabled and any(ctx.needs_input_grad)):
        return output
    outputs = list(output) if isinstance(output, tuple) else [output]
    inputs = tuple(a for a in args if _is_tensor(a))
    positions = tuple(i for i, a in enumerate(args) if _is_tensor(a))
    meta = [(tuple(o.shape), o.data.dtype) if _is_tensor(o) else (None, None) for o in outputs]
    for index, out in enumerate(outputs):
        if not _is_tensor(out) or id(out) in ctx._non_differentiable or out.data.dtype.kind not in "fc":
            continue
        if any(out is a for a in inputs):  # an input returned as it is: a new tensor (same array) gets the node
            out = outputs[index] = out._wrap(out.data)
        node = object.__new__(CtxNode)
        node.name, node.function, node.ctx, node.output_index = f"{cls.__name__}Backward", cls, ctx, index
        node.outputs_meta, node.arg_count, node.tensor_positions = meta, len(args), positions
        node.inputs, node.freed = inputs, False
        node.versions = _versions(inputs) if _inplace_changes[0] else None
        out._requires_grad, out._ctx = True, node
    return tuple(outputs) if isinstance(output, tuple) else outputs[0]


def _topological_order(roots):
    """Non-leaf tensors reachable from ``roots``, each after every tensor that uses it."""
    order, visited = [], set()
    for root in roots:
        if root._ctx is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root._ctx.inputs))]
        while stack:  # depth-first; a tensor is placed once all its inputs are
            tensor, parents = stack[-1]
            for parent in parents:
                if parent._ctx is not None and parent not in visited:
                    visited.add(parent)
                    stack.append((parent, iter(parent._ctx.inputs)))
                    break
            else:
                stack.pop()
                order.append(tensor)
    order.reverse()
    return order


def _initial_grad(tensor, grad):
    """The gradient a backward starts from: ones for a one-element output, else the given one."""
    data = tensor.data
    if grad is None:
        if data.size != 1:
            raise ArgumentError(
                f"backward: grad can be implicitly created only for a scalar output, "
                f"but the output has shape {tuple(tensor.shape)}; pass grad= of that shape")
        ones = tensor._xp.empty(data.shape, dtype=data.dtype)
        ones.fill(1)
        return tensor._wrap(ones)
    if not hasattr(grad, "_ctx"):  # an array or a number
        grad = tensor._wrap(tensor._xp.asarray(grad, dtype=data.dtype))
    if grad.shape != tensor.shape:
        raise ArgumentError(f"backward: Mismatch in shape: grad has shape {tuple(grad.shape)}, expected the output's "
                            f"shape {tuple(tensor.shape)}")
    return grad


def run_backward(outputs, grads, retain_graph=False, create_graph=False, inputs=None):
    """Propagate ``grads`` from ``outputs`` back through the graph.

    With ``inputs=None`` the gradients are accumulated into the ``.grad`` of leaf tensors (and of
    tensors that called ``retain_grad()``); otherwise they are returned for ``inputs`` only.
    Tensors are the keys of the bookkeeping dicts: they hash by identity.
    """
    for out in outputs:
        if not out._requires_grad:
            raise RuntimeError(
                "backward: the tensor does not require grad and has no grad_fn; "
                "did you create it under no_grad or from tensors without requires_grad=True?")
    wanted = None if inputs is None else {t: i for i, t in enumerate(inputs)}
    results = [None] * (len(inputs) if inputs is not None else 0)
    pending, leaves, delivered = {}, [], set()
    for out, g in zip(outputs, grads):
        _accumulate(pending, out, _initial_grad(out, g), create_graph)
        if out._ctx is None:
            leaves.append(out)

    order = _topological_order(outputs)
    early = _early_leaves(order) if inputs is None and _post_hooks else None
    previous, callbacks = _state.enabled, _state.final_callbacks
    _state.enabled, _state.final_callbacks = create_graph, []
    try:
        for tensor in order:
            grad = pending.pop(tensor, None)
            if grad is None:
                continue
            if _hooks and id(tensor) in _hooks:
                grad = _run_hooks(tensor, grad)
            if tensor._retains_grad or (wanted is not None and tensor in wanted):
                _deliver(tensor, grad, wanted, results, delivered, create_graph)
            fn = tensor._ctx
            if fn.freed:
                raise RuntimeError(
                    f"backward: trying to backward through the graph a second time ({fn.name} was freed); "
                    "pass retain_graph=True to the first backward() to keep it")
            if _inplace_changes[0] and (_saved_versions(fn) != _versions(fn.inputs)
                                        or _output_changed(fn, tensor)):
                raise _modified_error(fn, tensor)
            for parent, g in zip(fn.inputs, fn.backward(grad)):
                if g is None or not parent._requires_grad:
                    continue
                if parent not in pending:
                    pending[parent] = g
                    if parent._ctx is None:
                        leaves.append(parent)
                else:
                    _accumulate(pending, parent, g, create_graph)
            if early is not None:
                _deliver_finished_leaves(fn, early, pending, delivered, create_graph)
            if not retain_graph:
                fn.release()
        for leaf in leaves:
            if leaf in pending:
                _finish_leaf(leaf, pending.pop(leaf), wanted, results, delivered, create_graph)
        for callback in _state.final_callbacks:
            callback()
    finally:
        _state.enabled, _state.final_callbacks = previous, callbacks
    return results


def _finish_leaf(leaf, grad, wanted, results, delivered, create_graph):
    """A leaf's gradient is complete: its hooks, then ``.grad`` (or the result slot), then post-accumulate hooks."""
    if _hooks and id(leaf) in _hooks:
        grad = _run_hooks(leaf, grad)
    _deliver(leaf, grad, wanted, results, delivered, create_graph)
    if wanted is None and _post_hooks and id(leaf) in _post_hooks:
        for hook in list(_post_hooks[id(leaf)]):
            hook(leaf)


def _early_leaves(order) -> dict:
    """Leaf -> how many uses of it the graph walk has still to pass. Only when post-accumulate hooks exist (for
    example DistributedDataParallel's): a leaf is then finished, and its hooks run, as soon as its last use is
    passed instead of after the whole walk, so that work on finished gradients overlaps the rest of the backward."""
    uses: dict = {}
    for tensor in order:
        for parent in tensor._ctx.inputs:
            if parent._ctx is None and parent._requires_grad:
                uses[parent] = uses.get(parent, 0) + 1
    return uses


def _deliver_finished_leaves(fn, early, pending, delivered, create_graph):
    for parent in fn.inputs:
        if parent in early:
            early[parent] -= 1
            if early[parent] == 0 and parent in pending:
                _finish_leaf(parent, pending.pop(parent), None, None, delivered, create_graph)


def queue_callback(callback) -> None:
    """Run ``callback()`` once the backward in progress has delivered every gradient (PyTorch's
    ``Variable._execution_engine.queue_callback``); called from a hook during a backward."""
    if _state.final_callbacks is None:
        raise RuntimeError("queue_callback: only a hook running inside a backward can queue a callback")
    _state.final_callbacks.append(callback)


# ---- tensor hooks (x.register_hook(fn)): kept by the tensor's id, dropped when the tensor is collected --------
_hooks: dict = {}


_post_hooks: dict = {}  # x.register_post_accumulate_grad_hook(fn): the same, called after x.grad is updated


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    def __init__(self, key, hook, registry=None):
        self._key, self._hook, self._registry = key, hook, (_hooks if registry is None else registry)

    def remove(self) -> None:
        hooks = self._registry.get(self._key)
        if hooks and self._hook in hooks:
            hooks.remove(self._hook)
            if not hooks:
                del self._registry[self._key]


def _register(registry: dict, tensor, hook) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register_hook: the hook must be callable, got {type(hook).__name__}")
    key = id(tensor)
    if key not in registry:
        registry[key] = []
        weakref.finalize(tensor, registry.pop, key, None)
    registry[key].append(hook)
    return RemovableHandle(key, hook, registry)


def register_hook(tensor, hook) -> RemovableHandle:
    """Call ``hook(grad)`` whenever the gradient with respect to ``tensor`` is computed; a returned tensor
    replaces the gradient (before it reaches ``.grad`` or the tensor's own node), as PyTorch's hooks."""
    if not tensor._requires_grad:
        raise ArgumentError("cannot register a hook on a tensor that doesn't require gradient")
    return _register(_hooks, tensor, hook)


def register_post_accumulate_grad_hook(tensor, hook) -> RemovableHandle:
    """Call ``hook(tensor)`` after a backward has added to the leaf ``tensor``'s ``.grad`` (PyTorch's hook of the
    same name): the gradient is then final for this backward, which is when DistributedDataParallel averages it."""
    if not tensor._requires_grad or tensor._ctx is not None:
        raise ArgumentError("register_post_accumulate_grad_hook: only a leaf tensor that requires grad has one")
    return _register(_post_hooks, tensor, hook)


def _run_hooks(tensor, grad):
    for hook in list(_hooks.get(id(tensor), ())):
        new = hook(grad)
        if new is not None:
            if not hasattr(new, "_ctx") or new.shape != grad.shape:
                raise ArgumentError(f"hook: a hook must return None or a tensor of the gradient's shape "
                                    f"{tuple(grad.shape)}, got {getattr(new, 'shape', type(new).__name__)}")
            grad = new
    return grad


def note_inplace_change() -> None:
    """Count an in-place change of some tensor (``Tensor._bump_version`` calls it). Until the first one, the
    graph records no versions: every tensor is then at version 0, which is what a backward checks."""
    _inplace_changes[0] += 1


def _version(tensor) -> int:
    counter = tensor._version_counter
    return 0 if counter is None else counter[0]


def _versions(tensors) -> tuple:
    return tuple([_version(t) for t in tensors])


def _saved_versions(fn) -> tuple:
    """The inputs' versions when ``fn`` ran forward (None was stored while nothing had been changed: all 0)."""
    versions = getattr(fn, "versions", None)  # (a node made without apply has none: taken as all 0)
    return (0,) * len(fn.inputs) if versions is None else versions


class InplaceModificationError(ArgumentError):
    """A tensor a graph node needs for its backward was changed in place after the forward pass
    (PyTorch: ``RuntimeError``)."""


def _output_changed(fn, output) -> bool:
    """Whether ``output`` was changed in place since ``fn`` made it while ``fn`` keeps its array for the backward
    (exp, sigmoid and tanh save their result); a node that saved only its inputs does not mind."""
    if _version(output) == getattr(fn, "output_version", 0):
        return False
    data, shares = output.data, output._xp.may_share_memory
    for value in vars(fn).values():
        for item in (value if isinstance(value, (tuple, list)) else (value,)):
            if isinstance(item, type(data)) and (item is data or shares(item, data)):
                return True
    return False


def _modified_error(fn, output) -> InplaceModificationError:
    """PyTorch's message for the first input of ``fn`` (or its output, which some backwards read) whose version
    moved since the forward pass."""
    expected = getattr(fn, "output_version", 0)
    if _output_changed(fn, output):
        return InplaceModificationError(
            f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{_describe(output)}, which is output 0 of {fn.name}, is at version {_version(output)}; expected "
            f"version {expected} instead. Hint: the backward of {fn.name} may read its output; change it out of "
            "place, or after the backward")
    for tensor, saved in zip(fn.inputs, _saved_versions(fn)):
        now = _version(tensor)
        if now != saved:
            described = _describe(tensor)
            if tensor._ctx is not None:
                described += f", which is output 0 of {tensor._ctx.name},"
            return InplaceModificationError(
                f"one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"{described} is at version {now}; expected version {saved} instead. Hint: the backward of "
                f"{fn.name} reads this tensor; change it out of place (y = x * 10) or after the backward")
    return InplaceModificationError(f"{fn.name}: an input was modified by an inplace operation")


def _describe(tensor) -> str:
    """``[torch.FloatTensor [2, 3]]``, as PyTorch names a tensor in autograd errors."""
    type_of = getattr(tensor, "type", None)
    name = type_of() if callable(type_of) else str(tensor.data.dtype)
    return f"[{name} [{', '.join(str(n) for n in tensor.shape)}]]"


def _accumulate(pending, tensor, grad, create_graph):
    """Sum the gradients reaching one tensor (a tensor used twice gets both contributions)."""
    if tensor not in pending:
        pending[tensor] = grad
    elif create_graph:
        pending[tensor] = pending[tensor] + grad
    else:
        pending[tensor] = grad._wrap(pending[tensor].data + grad.data)


def _deliver(tensor, grad, wanted, results, delivered, create_graph):
    """Hand a finished gradient to ``tensor.grad`` (default) or to the requested result slot.

    A ``.grad`` that already holds a gradient is added to in place, as PyTorch's AccumulateGrad does
    (a user holding ``g = p.grad`` sees it grow), unless either side is part of a graph. One exception
    nobody can see: a small gradient that nobody else holds is replaced by the sum, because NumPy's
    in-place add costs 1 us on a tiny array, 3x a new one. A new ``.grad`` gets a private, writable array."""
    if grad is None:
        return
    if wanted is not None:
        index = wanted.get(tensor)
        if index is not None:
            results[index] = grad if results[index] is None else results[index] + grad
        return
    old = tensor.grad
    if old is not None:
        if create_graph or old._requires_grad or grad._requires_grad:
            tensor.grad = old + grad
        elif (old.data.size >= _ADD_IN_PLACE_FROM or sys.getrefcount(old) > 3) and old.data.flags.writeable:
            old.data += grad.data  # (3 references are tensor.grad, old and getrefcount's argument)
        else:
            tensor.grad = grad._wrap(old.data + grad.data)
        return
    array = grad.data
    if not grad._requires_grad and (array.dtype != tensor.data.dtype or array.base is not None
                                    or not array.flags.writeable or id(array) in delivered):
        # own a private, writable buffer: the same array may reach several leaves (a + b) or be a view
        grad = grad._wrap(array.astype(tensor.data.dtype, copy=True))
    delivered.add(id(grad.data))
    tensor.grad = grad


def _as_list(tensors) -> list:
    """One tensor or a sequence of them, as a list."""
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``).

    Like ``torch.autograd.grad``: with ``create_graph=True`` the results are themselves
    differentiable, which gives second derivatives and Hessian-vector products. An input the outputs do not
    depend on is an error, or None with ``allow_unused=True``, or zeros with ``materialize_grads=True``.
    """
    if is_grads_batched:
        raise ArgumentError("grad: is_grads_batched=True is not supported by Lamina")
    if materialize_grads and allow_unused is False:
        raise ArgumentError("grad: Expected allow_unused to be True or not passed when materialize_grads=True, "
                            "but got: allow_unused=False.")
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    grad_outputs = [None] * len(outputs) if grad_outputs is None else _as_list(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    for t, g in zip(inputs, results):
        if g is None and not (allow_unused or materialize_grads):
            raise RuntimeError(
                f"grad: one of the inputs (shape {tuple(t.shape)}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it")
    if materialize_grads:
        results = [t._wrap(t._xp.zeros(t.data.shape, dtype=t.data.dtype)) if g is None else g
                   for t, g in zip(inputs, results)]
    return tuple(results)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """``torch.autograd.backward``: accumulate the gradients of ``tensors`` (weighted by ``grad_tensors``) into
    the ``.grad`` of the leaves (only of ``inputs`` when given)."""
    tensors = _as_list(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = [None] * len(tensors) if grad_tensors is None else _as_list(grad_tensors)
    if len(grads) != len(tensors):
        raise ArgumentError(f"backward: got {len(grads)} grad_tensors for {len(tensors)} tensors")
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(tensors, grads, retain or create_graph, create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise ArgumentError("backward: 'inputs' argument to backward() cannot be empty")
    results = run_backward(tensors, grads, retain or create_graph, create_graph, inputs=inputs)
    for tensor, g in zip(inputs, results):
        if g is not None:
            tensor.grad = g if tensor.grad is None else tensor.grad + g


# ---- torch.autograd.functional: whole Jacobians and Hessians ----------------------------------------------------
def _zeros(like, shape):
    return like._wrap(like._xp.zeros(shape, dtype=like.data.dtype))


def _jacobian_of(output, leaves, create_graph):
    """d output / d leaf for each leaf, of shape output.shape + leaf.shape, one backward per output element."""
    xp, shape = output._xp, output.data.shape
    if not output.requires_grad:  # the output does not depend on the inputs: zeros (PyTorch's strict=False)
        return tuple(_zeros(leaf, shape + leaf.data.shape) for leaf in leaves)
    rows = [[] for _ in leaves]
    for i in range(output.data.size):
        seed = xp.zeros(output.data.size, dtype=output.data.dtype)
        seed[i] = 1
        grads = grad([output], list(leaves), grad_outputs=[output._wrap(seed.reshape(shape))], retain_graph=True,
                     create_graph=create_graph, allow_unused=True)
        for row, leaf, g in zip(rows, leaves, grads):
            row.append(xp.zeros(leaf.data.shape, dtype=leaf.data.dtype) if g is None else g.data)
    return tuple(leaf._wrap(xp.stack(row).reshape(shape + leaf.data.shape)) if row else
                 _zeros(leaf, shape + leaf.data.shape) for leaf, row in zip(leaves, rows))


def _jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """``torch.autograd.functional.jacobian``: d func(inputs) / d inputs. One input and one output: a tensor of
    shape output.shape + input.shape; tuples of them: tuples (outputs outer, inputs inner), as PyTorch."""
    single_input = not isinstance(inputs, tuple)
    with enable_grad():
        leaves = tuple(x.detach().requires_grad_() for x in ((inputs,) if single_input else inputs))
        outputs = func(*leaves)
        single_output = not isinstance(outputs, tuple)
        jacobians = [_jacobian_of(o, leaves, create_graph) for o in ((outputs,) if single_output else outputs)]
    if single_output:
        return jacobians[0][0] if single_input else jacobians[0]
    return tuple(j[0] for j in jacobians) if single_input else tuple(jacobians)


def _hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """``torch.autograd.functional.hessian``: the second derivatives of a scalar function, shape input.shape * 2
    (tuples of inputs: a tuple of tuples, H[i][j] = d2 f / d input_i d input_j)."""
    single_input = not isinstance(inputs, tuple)

    def gradient(*xs):
        out = func(*xs)
        if out.data.size != 1:
            raise ArgumentError(f"hessian: the function must return a single-element tensor, got shape "
                                f"{tuple(out.shape)}")
        grads = grad([out], list(xs), create_graph=True, allow_unused=True) if out.requires_grad else (None,) * len(xs)
        grads = tuple(_zeros(x, x.data.shape) if g is None else g for x, g in zip(xs, grads))
        return grads[0] if single_input else grads

    return _jacobian(gradient, inputs, create_graph)


class functional:  # noqa: N801 - PyTorch's module name (torch.autograd.functional.jacobian)
    """``lm.autograd.functional.jacobian`` and ``.hessian``, as in PyTorch."""

    jacobian = staticmethod(_jacobian)
    hessian = staticmethod(_hessian)
