"""``Optimizer``: the base of every optimiser, with PyTorch's parameter groups and state.

An optimiser holds ``param_groups`` (a list of dicts: ``"params"`` plus that group's options, filled
from ``defaults``) and ``state`` (per-parameter buffers such as momentum). ``step()`` reads each
parameter's ``.grad`` and nothing else, and updates ``p.data`` in place with NumPy arithmetic, so a
distributed all-reduce of the gradients can run between ``backward()`` and ``step()``.

The base class owns the loop over groups and parameters and the per-parameter state; an optimiser
writes only its rule: ``init_state(param, group)`` (the buffers before the first update) and
``update(param, grad, state, group)`` (one in-place update of one parameter array).

``state_dict()`` holds only numbers, strings, lists, dicts and arrays (no Tensors, no pickling), with
parameters replaced by their index in group order, as in PyTorch:
    {"state": {0: {"step": 3, "exp_avg": array}, ...}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]}
"""
from __future__ import annotations

import numpy as np  # host-side: NumPy arrays and scalars read back from a saved state

from ..autograd import enable_grad
from ..backend import xp
from ..tensor import Tensor


class _RequiredParameter:
    """Marks an option a group must give (``SGD`` without a default ``lr`` would use it)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class. ``params``: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of group dicts."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict = {}  # Tensor -> dict of buffers (Tensor hashes by identity)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                            "got a single Tensor; pass [tensor]")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    # ---- parameter groups ----------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing ones come from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("add_param_group: parameters must be an ordered collection (list), not a set")
        params = list(params)
        if params and all(isinstance(p, tuple) for p in params):
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"add_param_group: an optimiser updates Tensors, got {type(p).__name__}")
            if p._ctx is not None:
                raise ValueError("add_param_group: can't optimise a non-leaf Tensor (it was computed by an op)")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"add_param_group: the group does not give the required option {name!r}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError("add_param_group: some parameters appear more than once or in more than one group")
        self.param_groups.append(group)

    # ---- the training-loop API -------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif g._ctx is not None or g.requires_grad:  # a graph node: leave it intact
                    p.grad = Tensor._wrap(xp.zeros_like(g.data))
                else:
                    g.data.fill(0)

    def step(self, closure=None):
        """One update of every parameter that has a ``.grad``. ``closure`` recomputes and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = self.init_state(p.data, group)
                self.update(p.data, p.grad.data, state, group)
        return loss

    def init_state(self, param, group: dict) -> dict:
        """The state of one parameter before its first update (momentum buffers, running averages)."""
        return {}

    def update(self, param, grad, state: dict, group: dict) -> None:  # pragma: no cover - every optimiser has one
        """Update the array ``param`` in place from its gradient ``grad``, with its ``state`` and its
        group's options."""
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    def is_plain_gradient_step(self, group: dict) -> bool:
        """True when this group's update is exactly ``p -= lr * grad`` (``explain.step`` checks it)."""
        return False

    # ---- saving and loading ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The optimiser's state and options with parameters replaced by indices (arrays are copies)."""
        index, groups = {}, []
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: {k: _plain(v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned; the groups must hold the same number of parameters."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the saved state has {len(saved_groups)} parameter groups, "
                             f"this optimiser has {len(self.param_groups)}")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"load_state_dict: group {i} has {len(group['params'])} parameters, "
                                 f"the saved group has {len(saved['params'])}")
        params = {}
        for group, saved in zip(self.param_groups, saved_groups):
            params.update(zip(saved["params"], group["params"]))
        self.state = {}
        for key, buffers in state_dict["state"].items():
            p = params.get(int(key))
            if p is not None:
                self.state[p] = {k: _restore(v, p.data.dtype) for k, v in buffers.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = {k: _restore(v, None, like=group.get(k)) for k, v in saved.items() if k != "params"}
            new["params"] = group["params"]
            new_groups.append(new)
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


def _plain(value):
    """A copy of an option or buffer made of numbers, strings, lists, dicts and arrays only."""
    if isinstance(value, Tensor):
        return value.data.copy()
    if isinstance(value, xp.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _restore(value, dtype, like=None):
    """A loaded value: arrays become copies in the parameter's float dtype, NumPy scalars Python numbers,
    lists tuples again where the current option is a tuple (``betas``)."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, (xp.ndarray, np.ndarray)):  # a backend array, or a host one read from a file
        keep = dtype is None or value.dtype.kind != "f"
        return xp.array(value, dtype=value.dtype if keep else dtype, copy=True)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        items = [_restore(v, dtype) for v in value]
        return tuple(items) if isinstance(like, tuple) else items
    return value


def effective_grad(grad, param, weight_decay: float, maximize: bool):
    """``-g`` if maximising, plus the L2 term ``weight_decay * p``; ``grad`` itself is never modified."""
    if weight_decay:  # out= keeps 0-d results arrays (NumPy would return scalars)
        out = xp.multiply(param, weight_decay, out=xp.empty_like(param))
        if maximize:
            out -= grad
        else:
            out += grad
        return out
    return xp.negative(grad, out=xp.empty_like(param)) if maximize else grad


def lerp_(start, end, weight: float, scratch):
    """``start += weight * (end - start)`` in place, with PyTorch's two formulas for small and large
    weights (so the rounding matches): ``end - (end - start) * (1 - weight)`` when ``|weight| >= 0.5``."""
    xp.subtract(end, start, out=scratch)
    if abs(weight) < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= 1.0 - weight
        xp.subtract(end, scratch, out=start)
    return start


def check_options(name: str, **options) -> None:
    """Raise ``ValueError`` for an option below its lower bound: ``check_options("SGD", lr=(lr, 0))``."""
    for key, (value, low) in options.items():
        if not value >= low:
            raise ValueError(f"{name}: invalid {key} {value!r} (must be >= {low})")
