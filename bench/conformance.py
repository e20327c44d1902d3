"""PyTorch conformance: run the same op calls on Lamina and on PyTorch and compare.

    python bench/conformance.py            # the op suite: values, dtypes, shapes, gradients, exception types
    python bench/conformance.py --fuzz 20000 --seed 0   # bad-input fuzzing against PyTorch's verdicts
    python bench/conformance.py -v         # list every failing case

Each case is a call written once, ``fn(lib, F, *tensors)``, run with ``lib, F = torch, torch.nn.functional``
and with ``lib, F = lamina, lamina.functional`` on the same NumPy inputs. A value case passes when Lamina
computes what PyTorch computes (values within float tolerance, same dtype and shape, and the gradients of every
floating input after ``(out * w).sum().backward()``). An exception case (PyTorch raises) passes when Lamina
raises an instance of PyTorch's exception type.

The fuzzer draws calls with bad arguments (shapes that do not fit, dims out of range, wrong dtypes, empty and
0-d tensors, NaN, float sizes, ...) and sorts Lamina's reaction into: clear error (an exception raised by
Lamina's own checks), accepted (PyTorch accepts too and the values agree), raw error (an exception from inside
NumPy or Python: AxisError, "tuple index out of range", ZeroDivisionError, ...), silent (a result where PyTorch
raises, or a result that differs from PyTorch's), hang (more than 10 s).
"""
from __future__ import annotations

import argparse
import collections
import re
import signal
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import lamina as lm  # noqa: E402
import lamina.functional as LF  # noqa: E402

LIBS = {"torch": (torch, torch.nn.functional), "lamina": (lm, LF)}
warnings.filterwarnings("ignore")


# ---- inputs -----------------------------------------------------------------------------------------------
def arr(shape, dtype="float32", seed=0, kind="normal"):
    return np.asarray(_arr(shape, dtype, seed, kind))


def _arr(shape, dtype, seed, kind):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith(("int", "uint")):
        low = 0 if dtype.startswith("uint") else -5
        return rng.integers(low, 6, size=shape).astype(dtype)
    if kind == "positive":
        return (rng.random(shape) + 0.5).astype(dtype)
    if kind == "unit":
        return (rng.random(shape) * 1.8 - 0.9).astype(dtype)
    if kind == "apart":  # distinct values, away from kinks and ties
        n = int(np.prod(shape))
        return ((rng.permutation(n) - n / 2 + 0.37) / max(n / 4, 1)).reshape(shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def to_lib(name, a, grad):
    if not isinstance(a, np.ndarray):
        return a
    lib = LIBS[name][0]
    t = lib.from_numpy(np.array(a, copy=True))
    if grad and a.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def as_numpy(x):
    if isinstance(x, torch.Tensor):
        if x._is_zerotensor():  # a gradient PyTorch knows is zero (sign, sgn) and keeps unallocated
            return np.zeros(tuple(x.shape), dtype=str(x.dtype).removeprefix("torch."))
        return x.detach().numpy()
    if isinstance(x, lm.Tensor):
        return x.detach().numpy()
    return x


def flat_outputs(out):
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in flat_outputs(item)]
    return [out]


def dtype_name(x):
    if isinstance(x, torch.Tensor):
        return str(x.dtype).replace("torch.", "")
    if isinstance(x, lm.Tensor):
        return x.dtype.name
    return type(x).__name__


# ---- one call on both libraries -------------------------------------------------------------------------
class Timeout(Exception):
    pass


def _alarm(*_):
    raise Timeout()


def run(name, fn, inputs, grad=True, seconds=10):
    lib, F = LIBS[name]
    tensors = [to_lib(name, a, grad) for a in inputs]
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        out = fn(lib, F, *tensors)
        grads = None
        outs = flat_outputs(out)
        floats = [o for o in outs if isinstance(o, (torch.Tensor, lm.Tensor)) and o.requires_grad]
        leaves = [t for t in tensors if isinstance(t, (torch.Tensor, lm.Tensor)) and t.requires_grad]
        if floats and leaves:
            total = 0
            for i, o in enumerate(floats):
                w = arr(tuple(o.shape), str(as_numpy(o).dtype), seed=100 + i)
                w = lib.from_numpy(w)
                total = total + (o * w).sum()
            total.backward()
            grads = [None if t.grad is None else as_numpy(t.grad) for t in leaves]
        return "ok", outs, grads
    except Timeout:
        return "hang", None, None
    except RecursionError as e:
        return "raise", e, None
    except Exception as e:  # noqa: BLE001 - every exception is a verdict here
        return "raise", e, None
    finally:
        signal.alarm(0)


def close(a, b, rtol=1e-4, atol=1e-5):
    a, b = as_numpy(a), as_numpy(b)
    if isinstance(a, (bool, int, float, np.generic)) or isinstance(b, (bool, int, float, np.generic)):
        try:
            return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol, atol, equal_nan=True))
        except (TypeError, ValueError):
            return a == b
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol, atol, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    return a == b


def compare(fn, inputs, grad=True):
    """'pass', or why not: 'missing', 'raises', 'wrong: ...', 'exc-type: ...', 'silent', 'hang'."""
    tv, tout, tgrad = run("torch", fn, inputs, grad)
    lv, lout, lgrad = run("lamina", fn, inputs, grad)
    if lv == "hang":
        return "hang", None
    if tv == "raise":
        if lv == "ok":
            return "silent", f"torch raises {type(tout).__name__}: {str(tout)[:80]}"
        ok = isinstance(lout, type(tout))
        return ("pass" if ok else "exc-type"), f"torch {type(tout).__name__}, lamina {type(lout).__name__}: {lout}"
    if lv == "raise":
        kind = "missing" if isinstance(lout, AttributeError) and "has no attribute" in str(lout) else "raises"
        return kind, f"{type(lout).__name__}: {str(lout)[:160]}"
    if len(tout) != len(lout):
        return "wrong", f"{len(tout)} outputs vs {len(lout)}"
    for i, (a, b) in enumerate(zip(tout, lout)):
        if isinstance(a, torch.Tensor):
            if not isinstance(b, lm.Tensor):
                return "wrong", f"output {i}: lamina gives {type(b).__name__}"
            if dtype_name(a) != dtype_name(b):
                return "wrong", f"output {i}: dtype {dtype_name(b)} vs torch {dtype_name(a)}"
            if tuple(a.shape) != tuple(b.shape):
                return "wrong", f"output {i}: shape {tuple(b.shape)} vs torch {tuple(a.shape)}"
        if not close(a, b):
            return "wrong", f"output {i} differs"
    if (tgrad is None) != (lgrad is None):
        return "wrong", f"gradients: torch {'none' if tgrad is None else 'some'}, lamina {'none' if lgrad is None else 'some'}"
    if tgrad is not None:
        for i, (a, b) in enumerate(zip(tgrad, lgrad)):
            if (a is None) != (b is None) and not (a is None and b is not None and not np.any(b)) \
                    and not (b is None and a is not None and not np.any(a)):
                return "wrong", f"grad {i}: torch {'None' if a is None else 'array'}, lamina {'None' if b is None else 'array'}"
            if a is not None and b is not None and not close(a, b, 1e-3, 1e-4):
                return "wrong", f"grad {i} differs (max {np.nanmax(np.abs(a.astype(float) - b.astype(float))):.3g})"
    return "pass", None


# ---- the op suite ---------------------------------------------------------------------------------------
def suite():
    """(label, fn, inputs, grad) for every value and exception case."""
    cases = []

    def add(label, fn, *inputs, grad=True):
        cases.append((label, fn, list(inputs), grad))

    f = arr((3, 4))
    f3 = arr((2, 3, 4), seed=1)
    pos = arr((3, 4), kind="positive")
    unit = arr((3, 4), kind="unit")
    apart = arr((3, 4), kind="apart")
    i32 = arr((3, 4), "int32")
    i64 = arr((3, 4), "int64", seed=2)
    b = arr((3, 4), "bool")
    s0 = np.array(1.5, dtype=np.float32)  # 0-d arrays: np.abs(s0) would be a NumPy scalar
    empty = np.zeros((0, 3), np.float32)

    unary = ["abs", "neg", "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "rsqrt", "erf", "erfc",
             "log2", "log10", "exp2", "expm1", "log1p", "floor", "ceil", "round", "trunc", "frac", "sign", "asin",
             "acos", "atan", "sinh", "cosh", "asinh", "atanh", "reciprocal", "square", "relu", "isnan", "isinf",
             "isfinite", "logical_not", "sgn", "erfinv", "deg2rad", "signbit"]
    domain = {"log": pos, "sqrt": pos, "rsqrt": pos, "log2": pos, "log10": pos, "asin": unit, "acos": unit,
              "atanh": unit, "erfinv": unit, "reciprocal": pos}
    for op in unary:
        x = domain.get(op, apart)
        add(f"{op}", lambda lib, F, t, op=op: getattr(lib, op)(t), x)
        add(f"{op} method", lambda lib, F, t, op=op: getattr(t, op)(), x)
        add(f"{op} f64", lambda lib, F, t, op=op: getattr(lib, op)(t), x.astype(np.float64))
        add(f"{op} 0-d", lambda lib, F, t, op=op: getattr(lib, op)(t), np.asarray(np.abs(s0)) if op in domain else s0)
        if op not in ("erfinv", "asin", "acos", "atanh"):
            add(f"{op} int32", lambda lib, F, t, op=op: getattr(lib, op)(t), np.abs(i32) + 1)
        add(f"{op} empty", lambda lib, F, t, op=op: getattr(lib, op)(t), empty)
    add("acosh", lambda lib, F, t: lib.acosh(t), pos + 1)

    binary = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "fmod", "remainder", "floor_divide",
              "copysign", "logaddexp", "hypot", "eq", "ne", "lt", "le", "gt", "ge", "fmax", "fmin", "true_divide"]
    for op in binary:
        a1, a2 = (pos, arr((4,), kind="positive", seed=3)) if op in ("pow", "fmod", "remainder", "floor_divide") \
            else (apart, arr((4,), kind="apart", seed=3))
        add(f"{op} bcast", lambda lib, F, x, y, op=op: getattr(lib, op)(x, y), a1, a2)
        add(f"{op} method", lambda lib, F, x, y, op=op: getattr(x, op)(y), a1, a2)
        add(f"{op} scalar", lambda lib, F, x, op=op: getattr(lib, op)(x, 2.0) if op != "atan2" else lib.atan2(x, x),
            a1)
        add(f"{op} int32,int64", lambda lib, F, x, y, op=op: getattr(lib, op)(x, y), np.abs(i32) + 1, np.abs(i64) + 1)
        add(f"{op} int,float", lambda lib, F, x, y, op=op: getattr(lib, op)(x, y), np.abs(i32) + 1, a2)
        add(f"{op} bad shapes", lambda lib, F, x, y, op=op: getattr(lib, op)(x, y), a1, arr((5,)))
    for op, sym in [("add", "+"), ("sub", "-"), ("mul", "*"), ("truediv", "/"), ("floordiv", "//"), ("mod", "%"),
                    ("pow", "**"), ("and", "&"), ("or", "|"), ("xor", "^"), ("lshift", "<<"), ("rshift", ">>")]:
        code = f"lambda lib, F, x, y: x {sym} y"
        if op in ("and", "or", "xor", "lshift", "rshift"):
            add(f"{sym} int32", eval(code), np.abs(i32), np.abs(i32[::-1]).copy())
            if op in ("and", "or", "xor"):
                add(f"{sym} bool", eval(code), b, b[::-1].copy())
            add(f"{sym} float raises", eval(code), f, f)
        else:
            add(f"{sym} float", eval(code), pos, pos[::-1].copy())
            add(f"{sym} int", eval(code), np.abs(i32) + 1, np.abs(i64) + 1)
            add(f"{sym} int scalar", eval(f"lambda lib, F, x: x {sym} 3"), np.abs(i32) + 1)
            add(f"{sym} rscalar", eval(f"lambda lib, F, x: 3 {sym} x"), pos)
    add("~ int32", lambda lib, F, x: ~x, i32)
    add("~ bool", lambda lib, F, x: ~x, b)
    add("int32 ** float", lambda lib, F, x: x ** 2.5, np.abs(i32))
    add("int ** negative int raises", lambda lib, F, x: x ** -2, i32)
    add("0 ** x grad", lambda lib, F, x, y: x ** y, np.zeros(3, np.float32), np.array([0.0, 1, 2], np.float32))
    add("x ** 0 grad", lambda lib, F, x: x ** 0, np.array([0.0, 1, -2], np.float32))
    for mode in (None, "trunc", "floor"):
        add(f"div {mode}", lambda lib, F, x, y, m=mode: lib.div(x, y, rounding_mode=m), f, pos)
        add(f"div int {mode}", lambda lib, F, x, y, m=mode: lib.div(x, y, rounding_mode=m), i32, np.abs(i64) + 1)
    add("maximum bool", lambda lib, F, x, y: lib.maximum(x, y), b, b[::-1].copy())
    add("minimum int32 extremes", lambda lib, F, x, y: lib.minimum(x, y),
        np.array([2**31 - 1, -2**31], np.int32), np.array([-2**31, 2**31 - 1], np.int32))
    add("lerp", lambda lib, F, x, y: lib.lerp(x, y, 0.3), f, pos)
    add("lerp tensor w", lambda lib, F, x, y, w: lib.lerp(x, y, w), f, pos, unit)
    add("isclose", lambda lib, F, x, y: lib.isclose(x, y), f, f + 1e-9)
    add("clamp", lambda lib, F, x: lib.clamp(x, -0.5, 0.5), apart)
    add("clamp int", lambda lib, F, x: lib.clamp(x, -2, 2), i32)
    add("where", lambda lib, F, c, x, y: lib.where(c, x, y), b, f, pos)
    add("sign grad", lambda lib, F, x: lib.sign(x) * x, apart)

    # reductions
    red = ["sum", "mean", "prod", "amax", "amin", "logsumexp", "std", "var", "norm", "argmax", "argmin", "all", "any",
           "nansum", "nanmean", "count_nonzero", "median"]
    for op in red:
        x = apart
        for dim in (None, 0, 1, -1, (0, 1)):
            if dim is None and op in ("logsumexp",):
                continue
            if isinstance(dim, tuple) and op in ("argmax", "argmin", "median"):
                continue
            kw = {} if dim is None else {"dim": dim}
            add(f"{op} dim={dim}", lambda lib, F, t, op=op, kw=kw: getattr(lib, op)(t, **kw), x)
            if dim is not None:
                add(f"{op} dim={dim} keepdim", lambda lib, F, t, op=op, kw=kw: getattr(lib, op)(t, **kw, keepdim=True), x)
        add(f"{op} 0-d dim=0", lambda lib, F, t, op=op: getattr(lib, op)(t, 0), s0)
        add(f"{op} 0-d dim=-1", lambda lib, F, t, op=op: getattr(lib, op)(t, dim=-1), s0)
        add(f"{op} dim out of range", lambda lib, F, t, op=op: getattr(lib, op)(t, dim=3), x)
        add(f"{op} int32", lambda lib, F, t, op=op: getattr(lib, op)(t), i32)
        add(f"{op} bool", lambda lib, F, t, op=op: getattr(lib, op)(t), b)
        add(f"{op} empty", lambda lib, F, t, op=op: getattr(lib, op)(t), empty)
        add(f"{op} empty dim", lambda lib, F, t, op=op: getattr(lib, op)(t, dim=1), empty)
    add("max dim", lambda lib, F, t: lib.max(t, dim=1), apart)
    add("min dim keepdim", lambda lib, F, t: lib.min(t, 0, True), apart)
    add("max binary", lambda lib, F, x, y: lib.max(x, y), apart, f)
    add("var correction>n", lambda lib, F, t: lib.var(t, dim=0, correction=5), apart)
    add("std unbiased False", lambda lib, F, t: lib.std(t, 1, unbiased=False), apart)
    add("std_mean", lambda lib, F, t: lib.std_mean(t, dim=1), apart)
    add("var_mean", lambda lib, F, t: lib.var_mean(t, dim=0, keepdim=True), apart)
    add("norm zero grad", lambda lib, F, t: lib.norm(t), np.zeros((3,), np.float32))
    add("norm p=1", lambda lib, F, t: lib.norm(t, p=1, dim=1), apart)
    add("norm inf", lambda lib, F, t: lib.norm(t, p=float("inf")), apart)
    add("sum dtype", lambda lib, F, t: lib.sum(t, dtype=lib.float64), apart)
    add("keepdim not bool", lambda lib, F, t: lib.sum(t, 1, keepdim=1.5), apart)
    # scans and sorting
    for op in ("cumsum", "cumprod", "logcumsumexp"):
        for dim in (0, 1, -1):
            add(f"{op} dim={dim}", lambda lib, F, t, op=op, dim=dim: getattr(lib, op)(t, dim), apart)
        add(f"{op} 0-d", lambda lib, F, t, op=op: getattr(lib, op)(t, 0), s0)
    add("cumsum int32", lambda lib, F, t: lib.cumsum(t, 0), i32)
    add("cumprod zeros", lambda lib, F, t: lib.cumprod(t, 1), np.array([[1.0, 0.0, 2.0, 3.0], [0, 0, 1, 2]], np.float32))
    add("cummax", lambda lib, F, t: lib.cummax(t, 1), apart)
    add("cummin", lambda lib, F, t: lib.cummin(t, 0), apart)
    add("sort", lambda lib, F, t: lib.sort(t), apart)
    add("sort desc dim0", lambda lib, F, t: lib.sort(t, dim=0, descending=True), apart)
    add("sort method", lambda lib, F, t: t.sort(1), apart)
    add("argsort", lambda lib, F, t: lib.argsort(t, dim=1), apart)
    add("argsort desc", lambda lib, F, t: lib.argsort(t, descending=True), apart)
    add("topk", lambda lib, F, t: lib.topk(t, 2), apart)
    add("topk smallest dim0", lambda lib, F, t: lib.topk(t, 2, dim=0, largest=False), apart)
    add("topk k too big", lambda lib, F, t: lib.topk(t, 9), apart)
    add("kthvalue", lambda lib, F, t: lib.kthvalue(t, 2), apart)
    add("unique", lambda lib, F, t: lib.unique(t), i32)
    # shape
    add("repeat", lambda lib, F, t: t.repeat(2, 1, 3), f)
    add("tile", lambda lib, F, t: lib.tile(t, (2,)), f)
    add("repeat_interleave", lambda lib, F, t: lib.repeat_interleave(t, 2, dim=0), f)
    add("repeat_interleave flat", lambda lib, F, t: t.repeat_interleave(3), f)
    add("unflatten", lambda lib, F, t: t.unflatten(1, (2, 2)), f)
    add("unflatten -1", lambda lib, F, t: lib.unflatten(t, -1, (2, -1)), f3)
    for op in ("tril", "triu"):
        for d in (0, 1, -1):
            add(f"{op} {d}", lambda lib, F, t, op=op, d=d: getattr(lib, op)(t, d), f)
        add(f"{op} batched", lambda lib, F, t, op=op: getattr(t, op)(), f3)
    add("diagonal", lambda lib, F, t: lib.diagonal(t), f)
    add("diagonal offset", lambda lib, F, t: lib.diagonal(t, 1, 1, 2), f3)
    add("diag 1d", lambda lib, F, t: lib.diag(t), arr((4,)))
    add("diag 2d", lambda lib, F, t: lib.diag(t, -1), f)
    add("meshgrid ij", lambda lib, F, x, y: lib.meshgrid(x, y, indexing="ij"), arr((3,)), arr((4,)))
    add("meshgrid xy", lambda lib, F, x, y: lib.meshgrid(x, y, indexing="xy"), arr((3,)), arr((4,)))
    add("unfold tensor", lambda lib, F, t: t.unfold(1, 2, 1), f)
    add("unfold step", lambda lib, F, t: t.unfold(-1, 2, 2), f3)
    add("movedim", lambda lib, F, t: lib.movedim(t, 0, 2), f3)
    add("narrow", lambda lib, F, t: lib.narrow(t, 1, 1, 2), f)
    add("flatten", lambda lib, F, t: lib.flatten(t, 1), f3)
    add("flatten start>end", lambda lib, F, t: lib.flatten(t, 2, 1), f3)
    add("reshape -2", lambda lib, F, t: t.reshape(-2, 6), f)
    add("reshape two -1", lambda lib, F, t: t.reshape(-1, -1), f)
    add("view 0-d", lambda lib, F, t: t.reshape(1), s0)
    add("permute", lambda lib, F, t: t.permute(2, 0, 1), f3)
    add("permute out of range", lambda lib, F, t: t.permute(0, 1, 3), f3)
    add("permute repeated", lambda lib, F, t: t.permute(0, 1, 1), f3)
    add("cat", lambda lib, F, x, y: lib.cat([x, y], 1), f, pos)
    add("cat int float", lambda lib, F, x, y: lib.cat([x, y]), i32, f)
    add("cat tensor not list", lambda lib, F, x: lib.cat(x), f)
    add("stack", lambda lib, F, x, y: lib.stack((x, y), dim=-1), f, pos)
    add("roll", lambda lib, F, t: lib.roll(t, (1, 2), (0, 1)), f)
    add("roll mismatch", lambda lib, F, t: lib.roll(t, (1, 2), (0,)), f)
    add("flip repeated", lambda lib, F, t: lib.flip(t, (0, 0)), f)
    add("squeeze tuple", lambda lib, F, t: t.squeeze((0, 2)), arr((1, 3, 1)))
    add("broadcast_to float", lambda lib, F, t: lib.broadcast_to(t, (2.5, 4)), arr((4,)))
    add("expand", lambda lib, F, t: t.expand(2, -1, 4), arr((3, 1)))
    for mode in ("reflect", "replicate", "circular"):
        add(f"pad {mode} 1d", lambda lib, F, t, m=mode: F.pad(t, (2, 1), mode=m), arr((2, 3, 5)))
        add(f"pad {mode} 2d", lambda lib, F, t, m=mode: F.pad(t, (1, 2, 2, 1), mode=m), arr((2, 3, 4, 5)))
        add(f"pad {mode} 3d", lambda lib, F, t, m=mode: F.pad(t, (1, 1, 1, 0, 0, 1), mode=m), arr((1, 2, 3, 4, 5)))
    add("pad negative", lambda lib, F, t: F.pad(t, (-1, 2, 0, -2)), arr((2, 3, 4, 5)))
    add("pad reflect too big", lambda lib, F, t: F.pad(t, (5, 5), mode="reflect"), arr((2, 3, 5)))
    # indexing
    idx = np.array([[0, 1, 2, 0], [2, 2, 1, 0]], np.int64)
    add("gather", lambda lib, F, t, i: lib.gather(t, 0, i), f, idx)
    add("gather smaller", lambda lib, F, t, i: lib.gather(t, 1, i), f, np.array([[0, 3], [1, 1]], np.int64))
    add("gather negative", lambda lib, F, t, i: lib.gather(t, 1, i), f, np.array([[0, -1]], np.int64))
    add("gather float index", lambda lib, F, t, i: lib.gather(t, 1, i), f, np.array([[0.0, 1.0]], np.float32))
    add("scatter", lambda lib, F, t, i, s: lib.scatter(t, 0, i, s), arr((3, 4)), idx, arr((2, 4), seed=5))
    add("scatter value", lambda lib, F, t, i: t.scatter(1, i, 2.0), arr((3, 4)), idx)
    add("scatter_add", lambda lib, F, t, i, s: lib.scatter_add(t, 0, i, s), arr((3, 4)), idx, arr((2, 4), seed=5))
    for red_ in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            add(f"scatter_reduce {red_} {inc}",
                lambda lib, F, t, i, s, r_=red_, inc=inc: lib.scatter_reduce(t, 0, i, s, r_, include_self=inc),
                arr((3, 4), kind="apart"), idx, arr((2, 4), seed=5, kind="apart"))
    add("masked_select", lambda lib, F, t, m: lib.masked_select(t, m), f, b)
    add("masked_select bcast", lambda lib, F, t, m: t.masked_select(m), f, b[0].copy())
    add("nonzero", lambda lib, F, t: lib.nonzero(t), b)
    add("nonzero tuple", lambda lib, F, t: lib.nonzero(t, as_tuple=True), b)
    add("index_select", lambda lib, F, t, i: lib.index_select(t, 1, i), f, np.array([3, 0, 0], np.int64))
    add("mixed index", lambda lib, F, t, d: t[1, :, 3:11:2, d, 0:2], arr((2, 3, 12, 6, 4)), np.arange(5))
    add("adv index sep", lambda lib, F, t, d: t[d, :, d], arr((5, 3, 6)), np.array([0, 2, 4]))
    add("bool mask index", lambda lib, F, t, m: t[m], f, b)
    add("index out of range", lambda lib, F, t: t[5], f)
    add("masked_fill", lambda lib, F, t, m: t.masked_fill(m, 0.5), f, b)
    add("take_along_dim", lambda lib, F, t, i: lib.take_along_dim(t, i, 0), f, idx)
    add("index_add", lambda lib, F, t, i, s: lib.index_add(t, 0, i, s), f, np.array([0, 2], np.int64), arr((2, 4)))
    # activations
    for op in ("silu", "hardswish", "hardsigmoid", "relu6", "mish", "logsigmoid", "celu", "elu", "selu", "gelu",
               "softplus", "softsign", "leaky_relu", "hardtanh", "tanhshrink", "softshrink", "hardshrink"):
        add(f"F.{op}", lambda lib, F, t, op=op: getattr(F, op)(t), apart)
        add(f"F.{op} 0-d", lambda lib, F, t, op=op: getattr(F, op)(t), s0)
        add(f"F.{op} f64", lambda lib, F, t, op=op: getattr(F, op)(t), apart.astype(np.float64))
    for op in ("softmax", "log_softmax", "softmin"):
        for dim in (0, 1, -1):
            add(f"F.{op} dim={dim}", lambda lib, F, t, op=op, dim=dim: getattr(F, op)(t, dim=dim), apart)
        add(f"F.{op} 0-d", lambda lib, F, t, op=op: getattr(F, op)(t, dim=0), s0)
        add(f"F.{op} empty", lambda lib, F, t, op=op: getattr(F, op)(t, dim=1), empty)
        add(f"F.{op} int", lambda lib, F, t, op=op: getattr(F, op)(t, dim=1), i64)
    add("hardtanh min>max", lambda lib, F, t: F.hardtanh(t, 1.0, -1.0), f)
    add("normalize", lambda lib, F, t: F.normalize(t), f)
    add("normalize p1 dim0", lambda lib, F, t: F.normalize(t, p=1, dim=0), f)
    add("glu", lambda lib, F, t: F.glu(t), f)
    q, k, v = arr((2, 3, 5, 8)), arr((2, 3, 6, 8), seed=1), arr((2, 3, 6, 4), seed=2)
    add("sdpa", lambda lib, F, q, k, v: F.scaled_dot_product_attention(q, k, v), q, k, v)
    add("sdpa causal", lambda lib, F, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v)
    add("sdpa bool mask", lambda lib, F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), q, k, v,
        arr((5, 6), "bool") | np.eye(5, 6, dtype=bool))
    add("sdpa float mask", lambda lib, F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), q, k, v,
        arr((5, 6), seed=9))
    add("sdpa scale", lambda lib, F, q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.3), q, k, v)
    for eq, shapes in [("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
                       ("ii->i", [(4, 4)]), ("ii", [(4, 4)]), ("i,j->ij", [(3,), (4,)]), ("...ij,...jk", [(2, 3, 4), (4, 5)]),
                       ("bhqd,bhkd->bhqk", [(2, 3, 5, 4), (2, 3, 6, 4)]), ("ij->", [(3, 4)]), ("ij->ji", [(3, 4)]),
                       ("i...->...", [(3, 4, 5)])]:
        add(f"einsum {eq}", lambda lib, F, *ts, eq=eq: lib.einsum(eq, *ts), *[arr(s, seed=n) for n, s in enumerate(shapes)])
    add("einsum bad", lambda lib, F, x, y: lib.einsum("ij,jk->ik", x, y), f, f)
    for op, shapes in [("bmm", [(2, 3, 4), (2, 4, 5)]), ("mm", [(3, 4), (4, 5)]), ("mv", [(3, 4), (4,)]),
                       ("dot", [(4,), (4,)]), ("outer", [(3,), (4,)]), ("matmul", [(2, 3, 4), (4,)]),
                       ("mm", [(3, 4), (3, 5)]), ("bmm", [(2, 3, 4), (4, 5)])]:
        add(f"{op} {shapes}", lambda lib, F, x, y, op=op: getattr(lib, op)(x, y), *[arr(s, seed=n) for n, s in enumerate(shapes)])
    add("addmm", lambda lib, F, c, x, y: lib.addmm(c, x, y), arr((3, 5)), arr((3, 4)), arr((4, 5)))
    add("tensordot", lambda lib, F, x, y: lib.tensordot(x, y, dims=([1], [0])), f, arr((4, 5)))
    add("linear 3-D weight", lambda lib, F, x, w: F.linear(x, w), f, arr((2, 5, 4)))
    add("linear bad bias", lambda lib, F, x, w, b_: F.linear(x, w, b_), f, arr((5, 4)), arr((3,)))
    # normalisation and losses
    add("layer_norm uint8", lambda lib, F, t: F.layer_norm(t, (3,)), np.array([[5, 3, 0]], np.uint8))
    add("layer_norm empty", lambda lib, F, t: F.layer_norm(t, (3,)), empty)
    add("batch_norm eval batch 0", lambda lib, F, t, m, v: F.batch_norm(t, m, v, training=False), empty,
        np.zeros(3, np.float32), np.ones(3, np.float32))
    add("group_norm", lambda lib, F, t: F.group_norm(t, 2), arr((2, 4, 3, 3)))
    add("mse int,float", lambda lib, F, x, y: F.mse_loss(x, y), f, np.abs(i32).astype(np.float32) + 0.5)
    add("mse int target", lambda lib, F, x, y: F.mse_loss(x, y), f, i32)
    add("l1 int", lambda lib, F, x, y: F.l1_loss(x, y), i64, i64)
    t_ign = np.array([-100, -100, -100], np.int64)
    add("cross_entropy all ignored", lambda lib, F, x, t: F.cross_entropy(x, t), arr((3, 5)), t_ign)
    add("nll all ignored", lambda lib, F, x, t: F.nll_loss(x, t), arr((3, 5)), t_ign)
    add("cross_entropy bad target shape", lambda lib, F, x, t: F.cross_entropy(x, t), arr((3, 5)),
        np.array([1, 2], np.int64))
    add("bce target >1", lambda lib, F, x, t: F.binary_cross_entropy(x, t), arr((3,), kind="positive") / 2,
        np.array([0.0, 2.0, 1.0], np.float32))
    add("cosine_similarity", lambda lib, F, x, y: F.cosine_similarity(x, y), f, pos)
    add("pairwise_distance", lambda lib, F, x, y: F.pairwise_distance(x, y), f, pos)
    add("smooth_l1", lambda lib, F, x, y: F.smooth_l1_loss(x, y), f, pos)
    add("kl_div", lambda lib, F, x, y: F.kl_div(x, y, reduction="batchmean"), f, pos)
    add("margin_ranking", lambda lib, F, x, y, t: F.margin_ranking_loss(x, y, t), f, pos, np.sign(apart))
    add("soft_margin", lambda lib, F, x, t: F.soft_margin_loss(x, t), f, np.sign(apart))
    add("triplet", lambda lib, F, a, p, n: F.triplet_margin_loss(a, p, n), f, pos, apart)
    add("poisson_nll", lambda lib, F, x, t: F.poisson_nll_loss(x, t), f, pos)
    add("gaussian_nll", lambda lib, F, x, t, v: F.gaussian_nll_loss(x, t, v), f, pos, pos)
    # convolution, pooling, resizing
    x5, w5 = arr((2, 2, 5, 6, 4)), arr((3, 2, 3, 3, 2), seed=1)
    add("conv3d", lambda lib, F, x, w: F.conv3d(x, w), x5, w5)
    add("conv3d stride pad", lambda lib, F, x, w, b_: F.conv3d(x, w, b_, stride=2, padding=1), x5, w5, arr((3,)))
    add("conv_transpose3d", lambda lib, F, x, w: F.conv_transpose3d(x, w, stride=2), x5, arr((2, 3, 2, 2, 2)))
    add("max_pool3d", lambda lib, F, x: F.max_pool3d(x, 2), arr((1, 2, 4, 4, 4), kind="apart"))
    add("avg_pool3d", lambda lib, F, x: F.avg_pool3d(x, 2, stride=1, padding=1), x5)
    x4 = arr((2, 3, 6, 6), kind="apart")
    add("max_unpool2d", lambda lib, F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), x4)
    add("F.unfold", lambda lib, F, x: F.unfold(x, 3, padding=1, stride=2), x4)
    add("F.fold", lambda lib, F, x: F.fold(x, (4, 5), 2), arr((2, 12, 12)))
    add("max_pool2d int", lambda lib, F, x: F.max_pool2d(x, 2), arr((1, 1, 4, 4), "int64"), grad=False)
    add("conv2d kernel too big", lambda lib, F, x, w: F.conv2d(x, w), arr((1, 1, 3, 3)), arr((1, 1, 5, 5)))
    add("adaptive_avg nan", lambda lib, F, x: F.adaptive_avg_pool2d(x, 3), np.where(np.arange(49).reshape(1, 1, 7, 7) == 3,
                                                                              np.nan, 1.0).astype(np.float32))
    add("interp trilinear", lambda lib, F, x: F.interpolate(x, scale_factor=2, mode="trilinear"), x5)
    add("interp trilinear ac", lambda lib, F, x: F.interpolate(x, size=(3, 4, 5), mode="trilinear", align_corners=True), x5)
    add("interp nearest 5d", lambda lib, F, x: F.interpolate(x, size=(7, 3, 5), mode="nearest"), x5)
    add("interp nearest-exact 5d", lambda lib, F, x: F.interpolate(x, scale_factor=1.5, mode="nearest-exact"), x5)
    add("interp bicubic", lambda lib, F, x: F.interpolate(x, size=(9, 8), mode="bicubic"), x4)
    # conversions and creation
    add("type(dtype)", lambda lib, F, t: t.type(lib.float64), f)
    add("half", lambda lib, F, t: t.half(), f, grad=False)
    add("view(dtype)", lambda lib, F, t: t.view(lib.int32), f, grad=False)
    add("linspace int", lambda lib, F: lib.linspace(5, -5, 20, dtype=lib.int32))
    add("linspace bool", lambda lib, F: lib.linspace(0, 1, 5, dtype=lib.bool))
    add("arange wrong sign", lambda lib, F: lib.arange(0, 5, -1))
    add("arange float", lambda lib, F: lib.arange(0, 1, 0.25))
    add("zeros np int", lambda lib, F: lib.zeros(np.int64(3), 2))
    add("full bool", lambda lib, F: lib.full((2,), True))
    add("normal std nan", lambda lib, F: lib.normal(0.0, float("nan"), (3,)))
    add("tensor bools", lambda lib, F: lib.tensor([True, False]))
    add("tensor ints", lambda lib, F: lib.tensor([1, 2]))
    add("eye n m", lambda lib, F: lib.eye(3, 4))
    add("tril_indices", lambda lib, F: lib.tril_indices(3, 3))
    return cases


def run_suite(verbose):
    results = collections.Counter()
    failures = []
    for label, fn, inputs, grad in suite():
        try:
            verdict, why = compare(fn, inputs, grad)
        except Exception as e:  # noqa: BLE001 - a harness error is a verdict too
            verdict, why = "harness", repr(e)
        exc_case = (why or "").startswith("torch ") and verdict in ("pass", "exc-type") or verdict == "silent"
        results[("exception" if exc_case else "value", verdict)] += 1
        if verdict != "pass":
            failures.append((verdict, label, why))
    value = {v: n for (kind, v), n in results.items() if kind == "value"}
    exc = {v: n for (kind, v), n in results.items() if kind == "exception"}
    nv, ne = sum(value.values()), sum(exc.values())
    print(f"value cases:     {value.get('pass', 0)}/{nv} pass ({100 * value.get('pass', 0) / max(nv, 1):.1f} %)  "
          + ", ".join(f"{k} {n}" for k, n in sorted(value.items()) if k != "pass"))
    print(f"exception cases: {exc.get('pass', 0)}/{ne} pass ({100 * exc.get('pass', 0) / max(ne, 1):.1f} %)  "
          + ", ".join(f"{k} {n}" for k, n in sorted(exc.items()) if k != "pass"))
    if verbose:
        for verdict, label, why in sorted(failures):
            print(f"  {verdict:8s} {label}: {why}")


# ---- the fuzzer -----------------------------------------------------------------------------------------
RAW_PATTERNS = ("tuple index out of range", "list index out of range", "operands could not be broadcast",
                "division by zero", "object has no attribute", "unsupported operand", "'NoneType'",
                "axis", "index out of bounds", "not subscriptable", "cannot reshape array", "unhashable",
                "invalid index to scalar", "object is not iterable", "Maximum recursion",
                "not supported between instances", "cannot be interpreted as an integer")
OWN_MESSAGE = re.compile(r"^[\w.]+(\(\))?: ")  # Lamina's messages start with the op's name: "gather: index ..."


def is_raw(exc: BaseException) -> bool:
    """An exception that comes from inside NumPy or Python rather than from a check of Lamina's."""
    if type(exc).__module__.startswith("lamina") or OWN_MESSAGE.match(str(exc)):
        return False
    if type(exc).__name__ in ("AxisError", "ZeroDivisionError", "RecursionError", "MemoryError", "OverflowError",
                              "UFuncTypeError", "_UFuncNoLoopError", "KeyError", "AttributeError"):
        return True
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1].filename if frames else ""
    if "numpy" in last or "/lib/python" in last and "lamina" not in last:
        return True
    return any(p in str(exc) for p in RAW_PATTERNS)


FUZZ_OPS = {
    # name: (arity, call)  call(lib, F, tensors, args)
    "sum": (1, lambda lib, F, t, a: lib.sum(t[0], **a)), "mean": (1, lambda lib, F, t, a: lib.mean(t[0], **a)),
    "prod": (1, lambda lib, F, t, a: lib.prod(t[0], **a)), "amax": (1, lambda lib, F, t, a: lib.amax(t[0], **a)),
    "max": (1, lambda lib, F, t, a: lib.max(t[0], **a)), "argmax": (1, lambda lib, F, t, a: lib.argmax(t[0], **a)),
    "logsumexp": (1, lambda lib, F, t, a: lib.logsumexp(t[0], **a)), "var": (1, lambda lib, F, t, a: lib.var(t[0], **a)),
    "std": (1, lambda lib, F, t, a: lib.std(t[0], **a)), "norm": (1, lambda lib, F, t, a: lib.norm(t[0], **a)),
    "softmax": (1, lambda lib, F, t, a: F.softmax(t[0], **a)), "log_softmax": (1, lambda lib, F, t, a: F.log_softmax(t[0], **a)),
    "cumsum": (1, lambda lib, F, t, a: lib.cumsum(t[0], **a)), "squeeze": (1, lambda lib, F, t, a: lib.squeeze(t[0], **a)),
    "unsqueeze": (1, lambda lib, F, t, a: lib.unsqueeze(t[0], **a)), "flatten": (1, lambda lib, F, t, a: lib.flatten(t[0], **a)),
    "transpose": (1, lambda lib, F, t, a: lib.transpose(t[0], a.get("dim", 0), a.get("dim1", 1))),
    "permute": (1, lambda lib, F, t, a: t[0].permute(*a.get("dims", (1, 0)))),
    "reshape": (1, lambda lib, F, t, a: t[0].reshape(*a.get("shape", (-1,)))),
    "flip": (1, lambda lib, F, t, a: lib.flip(t[0], a.get("dims", (0,)))),
    "roll": (1, lambda lib, F, t, a: lib.roll(t[0], a.get("shifts", 1), a.get("dims", 0))),
    "repeat": (1, lambda lib, F, t, a: t[0].repeat(*a.get("shape", (2,)))),
    "expand": (1, lambda lib, F, t, a: t[0].expand(*a.get("shape", (2,)))),
    "topk": (1, lambda lib, F, t, a: lib.topk(t[0], a.get("k", 1), **{k: v for k, v in a.items() if k == "dim"})),
    "sort": (1, lambda lib, F, t, a: lib.sort(t[0], **a)),
    "tril": (1, lambda lib, F, t, a: lib.tril(t[0], a.get("k", 0))),
    "layer_norm": (1, lambda lib, F, t, a: F.layer_norm(t[0], a.get("shape", (3,)), eps=a.get("eps", 1e-5))),
    "relu": (1, lambda lib, F, t, a: F.relu(t[0])), "sigmoid": (1, lambda lib, F, t, a: lib.sigmoid(t[0])),
    "hardtanh": (1, lambda lib, F, t, a: F.hardtanh(t[0], a.get("lo", -1.0), a.get("hi", 1.0))),
    "dropout": (1, lambda lib, F, t, a: F.dropout(t[0], p=a.get("p", 0.0), training=True)),
    "pad": (1, lambda lib, F, t, a: F.pad(t[0], a.get("pad", (1, 1)), mode=a.get("mode", "constant"))),
    "max_pool2d": (1, lambda lib, F, t, a: F.max_pool2d(t[0], a.get("k", 2), stride=a.get("s", None), padding=a.get("p", 0))),
    "avg_pool2d": (1, lambda lib, F, t, a: F.avg_pool2d(t[0], a.get("k", 2), stride=a.get("s", None), padding=a.get("p", 0))),
    "adaptive_avg_pool2d": (1, lambda lib, F, t, a: F.adaptive_avg_pool2d(t[0], a.get("k", 2))),
    "interpolate": (1, lambda lib, F, t, a: F.interpolate(t[0], scale_factor=a.get("s", 2.0), mode=a.get("mode", "nearest"))),
    "broadcast_to": (1, lambda lib, F, t, a: lib.broadcast_to(t[0], a.get("shape", (2,)))),
    "split": (1, lambda lib, F, t, a: lib.split(t[0], a.get("k", 1), dim=a.get("dim", 0))),
    "chunk": (1, lambda lib, F, t, a: lib.chunk(t[0], a.get("k", 1), dim=a.get("dim", 0))),
    "add": (2, lambda lib, F, t, a: lib.add(t[0], t[1])), "mul": (2, lambda lib, F, t, a: t[0] * t[1]),
    "div": (2, lambda lib, F, t, a: t[0] / t[1]), "pow": (2, lambda lib, F, t, a: t[0] ** t[1]),
    "sub": (2, lambda lib, F, t, a: t[0] - t[1]), "eq": (2, lambda lib, F, t, a: t[0] == t[1]),
    "lt": (2, lambda lib, F, t, a: t[0] < t[1]), "maximum": (2, lambda lib, F, t, a: lib.maximum(t[0], t[1])),
    "matmul": (2, lambda lib, F, t, a: t[0] @ t[1]), "where": (2, lambda lib, F, t, a: lib.where(t[0] > 0, t[0], t[1])),
    "cat": (2, lambda lib, F, t, a: lib.cat([t[0], t[1]], dim=a.get("dim", 0))),
    "stack": (2, lambda lib, F, t, a: lib.stack([t[0], t[1]], dim=a.get("dim", 0))),
    "gather": (2, lambda lib, F, t, a: lib.gather(t[0], a.get("dim", 0), t[1])),
    "index_select": (2, lambda lib, F, t, a: lib.index_select(t[0], a.get("dim", 0), t[1])),
    "masked_fill": (2, lambda lib, F, t, a: t[0].masked_fill(t[1], 0.0)),
    "mse_loss": (2, lambda lib, F, t, a: F.mse_loss(t[0], t[1])), "l1_loss": (2, lambda lib, F, t, a: F.l1_loss(t[0], t[1])),
    "cross_entropy": (2, lambda lib, F, t, a: F.cross_entropy(t[0], t[1])),
    "nll_loss": (2, lambda lib, F, t, a: F.nll_loss(t[0], t[1])),
    "bce": (2, lambda lib, F, t, a: F.binary_cross_entropy(t[0], t[1])),
    "linear": (2, lambda lib, F, t, a: F.linear(t[0], t[1])),
    "conv2d": (2, lambda lib, F, t, a: F.conv2d(t[0], t[1], stride=a.get("s", 1), padding=a.get("p", 0))),
    "conv1d": (2, lambda lib, F, t, a: F.conv1d(t[0], t[1], stride=a.get("s", 1), padding=a.get("p", 0))),
    "embedding": (2, lambda lib, F, t, a: F.embedding(t[1], t[0])),
    "one_hot": (1, lambda lib, F, t, a: F.one_hot(t[0], a.get("k", -1))),
    "batch_norm": (1, lambda lib, F, t, a: F.batch_norm(t[0], None, None, training=True)),
    "getitem": (1, lambda lib, F, t, a: t[0][a.get("index", 0)]),
    "einsum": (2, lambda lib, F, t, a: lib.einsum(a.get("eq", "ij,jk->ik"), t[0], t[1])),
}
REDUCE_KEYS = ("dim", "keepdim")
FUZZ_KEYS = {name: REDUCE_KEYS for name in ("sum", "mean", "prod", "amax", "max", "argmax", "logsumexp", "var", "std",
                                            "norm")}
FUZZ_KEYS.update({"softmax": ("dim",), "log_softmax": ("dim",), "squeeze": ("dim",), "unsqueeze": ("dim",),
                  "sort": ("dim",), "flatten": (), "cumsum": ("dim",)})
ALL_KEYS = ("dim", "dim1", "dims", "shape", "shifts", "k", "s", "p", "pad", "mode", "eps", "lo", "hi", "index", "eq")
DIMS = [0, 1, -1, 2, 3, -3, 5, (0, 1), (0, 0), (0, 5), 1.5, None, np.int64(1)]
SHAPES = [(), (0,), (3,), (2, 3), (3, 2), (1, 3), (2, 0), (2, 3, 4), (1, 1, 4, 4), (2, 3, 5, 5), (1, 2, 3, 4, 5), (4, 4)]
DTYPES = ["float32", "float32", "float32", "float64", "int64", "int32", "bool", "uint8", "float16"]


def fuzz_args(rng):
    a = {}
    choice = rng.integers(12)
    if choice < 3:
        a["dim"] = DIMS[rng.integers(len(DIMS))]
        if rng.random() < 0.3:
            a["dim1"] = DIMS[rng.integers(len(DIMS))]
    if choice == 3:
        a["keepdim"] = [True, False, 1, "yes", None][rng.integers(5)]
        a["dim"] = DIMS[rng.integers(4)]
    if choice == 4:
        a["shape"] = [(-1,), (2, -1), (-2, 3), (2.5, 2), (-1, -1), (0, -1), (6,), (3, 2), (2, 3, 4)][rng.integers(9)]
    if choice == 5:
        a["dims"] = [(1, 0), (0, 0), (2, 0, 1), (0, 5), (-1, 0), (0,), ()][rng.integers(7)]
    if choice == 6:
        a["k"] = [0, 1, 2, 3, -1, 10, 2.5, np.int64(2)][rng.integers(8)]
    if choice == 7:
        a["s"], a["p"] = [0, 1, 2, -1][rng.integers(4)], [0, 1, 3, -1][rng.integers(4)]
    if choice == 8:
        a["pad"] = [(1,), (1, 1), (-1, 1), (5, 5), (1, 1, 1, 1), (1, 2, 3)][rng.integers(6)]
        a["mode"] = ["constant", "reflect", "replicate", "circular", "bogus"][rng.integers(5)]
    if choice == 9:
        a["eps"], a["p"], a["lo"], a["hi"] = -1e-5, [-0.5, 1.5, float("nan"), 0.3][rng.integers(4)], 1.0, -1.0
    if choice == 10:
        a["index"] = [5, -5, (0, 0, 0), (slice(None), 3), None, Ellipsis, 1.5, (0, slice(None), 0)][rng.integers(8)]
    if choice == 11:
        a["eq"] = ["ij,jk->ik", "ij,jk", "ii,ij->j", "i,i", "...,...", "ij,kl->ijkl", "ab,bc->ad"][rng.integers(7)]
        a["mode"] = ["nearest", "bilinear", "linear", "bicubic", "trilinear", "area"][rng.integers(6)]
    return a


def fuzz_input(rng):
    shape = SHAPES[rng.integers(len(SHAPES))]
    dtype = DTYPES[rng.integers(len(DTYPES))]
    a = arr(shape, dtype, seed=int(rng.integers(1 << 30)))
    if dtype.startswith("float") and a.size and rng.random() < 0.15:
        a.flat[rng.integers(a.size)] = [np.nan, np.inf, -np.inf][rng.integers(3)]
    return a


def _difference(tout, lout):
    for a, b in zip(tout, lout):
        if isinstance(a, torch.Tensor) and isinstance(b, lm.Tensor):
            if dtype_name(a) != dtype_name(b) or tuple(a.shape) != tuple(b.shape):
                return f"torch {dtype_name(a)}{list(a.shape)}, lamina {dtype_name(b)}{list(b.shape)}"
            if not close(a, b, 1e-3, 1e-4):
                return "values differ"
        elif not close(a, b):
            return f"torch {a!r:.40}, lamina {b!r:.40}"
    return f"{len(tout)} outputs vs {len(lout)}"


def run_fuzz(n, seed, verbose):
    rng = np.random.default_rng(seed)
    names = sorted(FUZZ_OPS)
    verdicts = collections.Counter()
    examples = collections.defaultdict(list)
    for _ in range(n):
        name = names[rng.integers(len(names))]
        arity, call = FUZZ_OPS[name]
        inputs = [fuzz_input(rng) for _ in range(arity)]
        args = {k: v for k, v in fuzz_args(rng).items() if k in FUZZ_KEYS.get(name, ALL_KEYS)}
        fn = (lambda call, args: lambda lib, F, *t: call(lib, F, t, args))(call, args)
        tv, tout, _ = run("torch", fn, inputs, grad=False)
        lv, lout, _ = run("lamina", fn, inputs, grad=False)
        if lv == "hang":
            verdict = "hang"
        elif lv == "raise":
            verdict = "raw error" if is_raw(lout) else ("clear error" if tv == "raise" else "error, torch computes")
        elif tv == "raise":
            verdict = "silent (torch raises)"
        else:
            same = len(tout) == len(lout) and all(
                (not isinstance(a, torch.Tensor) or (isinstance(b, lm.Tensor) and tuple(a.shape) == tuple(b.shape)
                                                      and dtype_name(a) == dtype_name(b))) and close(a, b, 1e-3, 1e-4)
                for a, b in zip(tout, lout))
            verdict = "accepted" if same else "silent (differs)"
        verdicts[verdict] += 1
        if verdict not in ("accepted", "clear error") and len(examples[verdict]) < 400:
            shapes = [f"{x.dtype}{list(x.shape)}" for x in inputs]
            detail = lout if lv == "raise" else (tout if tv == "raise" else _difference(tout, lout))
            examples[verdict].append(f"{name}{shapes} {args}: {type(detail).__name__ if detail != '' else ''} "
                                     f"{str(detail)[:150]}")
    total = sum(verdicts.values())
    for verdict, count in sorted(verdicts.items(), key=lambda kv: -kv[1]):
        print(f"  {verdict:24s} {count:6d}  {100 * count / total:5.1f} %")
    if verbose:
        for verdict, lines in examples.items():
            print(f"\n== {verdict}")
            for line in sorted(set(lines))[:200]:
                print("  ", line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=0, help="number of fuzzed calls (default: run the op suite)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.fuzz:
        run_fuzz(args.fuzz, args.seed, args.verbose)
    else:
        run_suite(args.verbose)


if __name__ == "__main__":
    main()
