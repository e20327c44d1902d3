"""Matrix products: ``matmul`` (batched, NumPy/PyTorch rules for 1-D operands), ``linear``, ``einsum`` and the
named products PyTorch has (mm, bmm, mv, dot, outer, inner, tensordot, addmm and its kin), with PyTorch's checks.

For C = A B:  dL/dA = dL/dC B^T,  dL/dB = A^T dL/dC  (batch dimensions summed back if broadcast).
"""
from __future__ import annotations

import functools

from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._util import as_tensor, broadcast_shapes, constant, normalize_axis, promote, recording, tensor_method
from .arithmetic import where
from .shape import sum_to
from ..errors import ArgumentError, DtypeError


class MatMul(Function):
    """Both operands have >= 2 dimensions; leading (batch) dimensions broadcast."""

    name = "matmul"

    def forward(self, a, b):
        if a.shape[-1] != b.shape[-2]:
            raise ArgumentError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                             f"({a.shape[-1]} != {b.shape[-2]})")
        try:
            return a @ b
        except ValueError:
            raise ArgumentError(f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} do not "
                                f"broadcast") from None

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g @ b.mT, a.shape) if a.requires_grad else None
        gb = sum_to(a.mT @ g, b.shape) if b.requires_grad else None
        return ga, gb


class LinearOp(Function):
    """y = x W^T + b for 2-D x (N, in), W (out, in), b (out,): one GEMM forward, two backward."""

    name = "linear"

    def forward(self, x, w, b=None):
        if x.shape[-1] != w.shape[1]:
            raise ArgumentError(f"linear: input has {x.shape[-1]} features (shape {tuple(x.shape)}), "
                             f"weight expects {w.shape[1]} (weight shape {tuple(w.shape)})")
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        if recording():  # differentiable again: built from Lamina ops
            gx = g @ w if x.requires_grad else None
            gw = g.mT @ x if w.requires_grad else None
            gb = g.sum(0)
        else:  # plain arrays: no graph nodes for the three products
            gx = constant(g.data @ w.data) if x.requires_grad else None
            gw = constant(g.data.T @ x.data) if w.requires_grad else None
            gb = constant(g.data.sum(0))
        return (gx, gw) if len(self.inputs) == 2 else (gx, gw, gb)


@tensor_method("matmul", "__matmul__", reflected=("__rmatmul__",))
def matmul(input, other) -> Tensor:
    """The matrix product with NumPy's/PyTorch's rules for 1-D operands and broadcast batch dimensions; the two
    tensors must have one dtype (PyTorch's rule; a Python number takes the tensor's)."""
    a, b = input, other
    a, b = promote(a, b) if not (isinstance(a, Tensor) and isinstance(b, Tensor)) else (a, b)
    _same_dtype("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ArgumentError(f"matmul: both operands need at least one dimension, got shapes {tuple(a.shape)} and "
                            f"{tuple(b.shape)}")
    if a.ndim >= 2 and b.ndim >= 2:
        return MatMul.apply(a, b)
    # 1-D operands: promote to a matrix, multiply, then drop the added dimension (NumPy's rule)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ArgumentError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                         f"({a.shape[-1]} != {b.shape[0] if b.ndim == 1 else b.shape[-2]})")
    out = MatMul.apply(a2, b2)
    if a.ndim == 1:
        out = out.squeeze(-2)
    if b.ndim == 1:
        out = out.squeeze(-1)
    return out


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b (PyTorch's layout: W has shape (out_features, in_features), or (in_features,) for one
    output without its dimension); b broadcasts to the output."""
    x, weight = as_tensor(input), as_tensor(weight)
    if x.ndim == 2 and weight.ndim == 2 and x.dtype == weight.dtype and x.dtype != xp.bool_ and (
            x.shape[1] == weight.shape[1]) and (
            bias is None or (isinstance(bias, Tensor) and bias.shape == weight.shape[:1] and bias.dtype == x.dtype)):
        return LinearOp.apply(x, weight) if bias is None else LinearOp.apply(x, weight, bias)
    _check_linear(x, weight, bias)
    y = matmul(x, weight.mT if weight.ndim == 2 else weight)
    return y if bias is None else y + bias


def _check_linear(x, weight, bias):
    if x.ndim == 0 or weight.ndim == 0:
        raise ArgumentError(f"linear: both arguments need to be at least 1D, got shapes {tuple(x.shape)} and "
                            f"{tuple(weight.shape)}")
    if weight.ndim > 2:
        raise ArgumentError(f"linear: weight must be 1-D or 2-D (out_features, in_features), got shape "
                            f"{tuple(weight.shape)}")
    if x.shape[-1] != weight.shape[-1]:
        raise ArgumentError(f"linear: input has {x.shape[-1]} features (shape {tuple(x.shape)}), "
                            f"weight expects {weight.shape[-1]} (weight shape {tuple(weight.shape)})")
    if x.dtype != weight.dtype:
        raise DtypeError(f"linear: input and weight must have the same dtype, got {x.dtype} and {weight.dtype}")
    _no_bool("linear", x)
    if bias is not None:
        bias = as_tensor(bias)
        out_shape = x.shape[:-1] + weight.shape[:-1]
        if bias.dtype != x.dtype:
            raise DtypeError(f"linear: bias must have the input's dtype {x.dtype}, got {bias.dtype}")
        if broadcast_shapes("linear", bias.shape, out_shape) != out_shape:
            raise ArgumentError(f"linear: bias of shape {tuple(bias.shape)} does not expand to the output shape "
                                f"{out_shape}")


# ---- einsum ----------------------------------------------------------------------------------------
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class EinsumOp(Function):
    """Einstein summation over operands whose labels are all distinct letters with one size each (the public
    ``einsum`` parses ellipses, broadcasting and repeated labels into this form). The gradient of an operand is
    an einsum too: the upstream gradient times the other operands, expanded over the labels only that
    operand has (times ones) and put back on its diagonals (times identity matrices). Built from EinsumOp
    itself, it can be differentiated again."""

    name = "einsum"

    def forward(self, *arrays, inputs, output):
        self.subscripts, self.output = inputs, output
        equation = ",".join(inputs) + "->" + output
        return xp.asarray(xp.einsum(equation, *arrays, optimize=len(arrays) > 1))

    def backward(self, g):
        sizes = {}
        for sub, t in zip(self.subscripts, self.inputs):
            sizes.update(zip(sub, t.shape))
        return tuple(self._operand_gradient(k, g, sizes) if t.requires_grad else None
                     for k, t in enumerate(self.inputs))

    def _operand_gradient(self, k, g, sizes):
        target = self.subscripts[k]
        terms = [(self.output, g)] + [(sub, t) for j, (sub, t) in enumerate(zip(self.subscripts, self.inputs))
                                      if j != k]
        present = set("".join(sub for sub, _ in terms))
        unused = iter(c for c in _LETTERS if c not in present and c not in target)
        out, seen = [], set()
        for label in target:
            if label in seen:  # a diagonal: a fresh label tied to the first by an identity matrix
                fresh = next(unused)
                terms.append((label + fresh, constant(xp.eye(sizes[label], dtype=g.dtype))))
                out.append(fresh)
                continue
            seen.add(label)
            out.append(label)
            if label not in present:  # summed inside this operand alone: the gradient is constant along it
                terms.append((label, constant(xp.ones(sizes[label], dtype=g.dtype))))
                present.add(label)
        subs, tensors = zip(*terms)
        return EinsumOp.apply(*tensors, inputs=tuple(subs), output="".join(out))


def _parse_operand(op_index, term, offset):
    """The labels of one operand's subscripts, with ``...`` as the token None."""
    labels, i = [], 0
    while i < len(term):
        char = term[i]
        if char == ".":
            if term[i:i + 3] != "...":
                raise ArgumentError(f"einsum(): found '.' for operand {op_index} that is not part of any ellipsis")
            if None in labels:
                raise ArgumentError(f"einsum(): found '.' for operand {op_index} for which an ellipsis was "
                                    "already found")
            labels.append(None)
            i += 3
            continue
        if char not in _LETTERS:
            raise ArgumentError(f"einsum(): invalid subscript given at index {offset + i} in the equation string, "
                                "subscripts must be in [a-zA-Z]")
        labels.append(char)
        i += 1
    return labels


def _einsum_operands(operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ArgumentError("einsum(): must specify the equation string and at least one operand")
    return [as_tensor(t) for t in operands]


def _einsum_dtypes(tensors, subscripts, output):
    """PyTorch's rule: operands that share a summed label (a matrix product) need one dtype and no bools; without
    one (products only) the dtypes promote."""
    dtypes = {t.dtype for t in tensors}
    shared_sum = any(sum(label in sub for sub in subscripts) > 1 for label in set("".join(subscripts))
                     if label not in output)
    if shared_sum and len(tensors) > 1:
        _no_bool("einsum", *tensors)
        if len(dtypes) > 1:
            raise DtypeError(f"einsum(): operands summed together must have one dtype, got "
                             f"{', '.join(sorted(str(d) for d in dtypes))}")
    if len(dtypes) == 1:
        return tensors
    floats = [d for d in dtypes if d.kind == "f"]
    common = functools.reduce(xp.promote_types, floats) if floats else xp.result_type(*dtypes)
    return [t if t.dtype == common else t.astype(common) for t in tensors]


def _expand_ellipses(lhs_terms, rhs_term, tensors, equation):
    """Every operand's labels with its ellipsis replaced by fresh letters, aligned on the right (broadcast),
    and the output's labels (PyTorch's implicit output: the ellipsis, then the labels used once, sorted)."""
    used = set(equation)
    fresh = [c for c in _LETTERS if c not in used]
    parsed, offset = [], 0
    for k, term in enumerate(lhs_terms):
        parsed.append(_parse_operand(k, term, offset))
        offset += len(term) + 1
    ellipsis_ndim = 0
    for k, (labels, t) in enumerate(zip(parsed, tensors)):
        named = len(labels) - (None in labels)
        if (None in labels and named > t.ndim) or (None not in labels and named != t.ndim):
            raise ArgumentError(f"einsum(): the number of subscripts in the equation ({named}) does not match the "
                                f"number of dimensions ({t.ndim}) for operand {k}"
                                + ("" if None in labels else " and no ellipsis was given"))
        if None in labels:
            ellipsis_ndim = max(ellipsis_ndim, t.ndim - named)
    if ellipsis_ndim > len(fresh):
        raise ArgumentError("einsum(): too many dimensions under the ellipses")
    broadcast = fresh[:ellipsis_ndim]
    expanded = []
    for labels, t in zip(parsed, tensors):
        span = t.ndim - (len(labels) - 1) if None in labels else 0
        row = []
        for label in labels:
            row.extend(broadcast[ellipsis_ndim - span:] if label is None else [label])
        expanded.append(row)
    if rhs_term is None:
        counts = {}
        for row in parsed:
            for label in row:
                if label is not None:
                    counts[label] = counts.get(label, 0) + 1
        output = broadcast + sorted(label for label, n in counts.items() if n == 1)
    else:
        out_labels = _parse_operand(len(lhs_terms), rhs_term, len(equation) - len(rhs_term))
        present = {label for row in parsed for label in row}
        output = []
        for label in out_labels:
            if label is None:
                output.extend(broadcast)
                continue
            if label not in present:
                raise ArgumentError(f"einsum(): output subscript {label} does not appear in the equation for any "
                                    "input operand")
            if label in output:
                raise ArgumentError(f"einsum(): output subscript {label} appears more than once in the output")
            output.append(label)
    return expanded, output


def _label_sizes(expanded, tensors):
    """The size of each label over all operands (1 broadcasts), checked as PyTorch."""
    sizes = {}
    for k, (labels, t) in enumerate(zip(expanded, tensors)):
        own = {}
        for label, size in zip(labels, t.shape):
            if label in own and own[label] != size:
                raise ArgumentError(f"einsum(): subscript {label} is repeated for operand {k} but the sizes don't "
                                    f"match, {own[label]} != {size}")
            own[label] = size
        for label, size in own.items():
            seen = sizes.get(label, 1)
            if seen != 1 and size != 1 and seen != size:
                raise ArgumentError(f"einsum(): subscript {label} has size {size} for operand {k} which does not "
                                    f"broadcast with previously seen size {seen}")
            sizes[label] = size if seen == 1 else seen
    return sizes


def einsum(equation, *operands) -> Tensor:
    """Einstein summation, PyTorch's ``torch.einsum(equation, *operands)`` (or the operands as one list).

    Labels are letters; ``...`` stands for broadcast leading dimensions; a label repeated in one operand takes
    its diagonal; labels absent from the output (``->``) are summed. Without ``->`` the output is the ellipsis
    dimensions, then the labels used exactly once in alphabetical order (upper case first). Size-1 dimensions
    broadcast against their label's size in the other operands."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    tensors = _einsum_operands(operands)
    compact = equation.replace(" ", "")
    lhs, arrow, rhs = compact.partition("->")
    if arrow and "->" in rhs:
        raise ArgumentError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + rhs.index('-')} in the "
                            "equation string, subscripts must be in [a-zA-Z]")
    lhs_terms = lhs.split(",")
    if len(lhs_terms) < len(tensors):
        raise ArgumentError("einsum(): more operands were provided than specified in the equation")
    if len(lhs_terms) > len(tensors):
        raise ArgumentError("einsum(): fewer operands were provided than specified in the equation")
    expanded, output = _expand_ellipses(lhs_terms, rhs if arrow else None, tensors, compact)
    sizes = _label_sizes(expanded, tensors)
    operands_in, subscripts = [], []
    for labels, t in zip(expanded, tensors):  # a size-1 dimension broadcast: the operand does not vary along it
        keep = [i for i, label in enumerate(labels) if t.shape[i] != 1 or sizes[label] == 1]
        if len(keep) != t.ndim:
            t = t.reshape(tuple(t.shape[i] for i in keep))
        operands_in.append(t)
        subscripts.append("".join(labels[i] for i in keep))
    operands_in = _einsum_dtypes(operands_in, subscripts, output)
    missing = [label for label in output if not any(label in sub for sub in subscripts)]
    for label in missing:  # an output label only ever of size 1 (dropped above): keep it through a ones vector
        operands_in.append(constant(xp.ones(1, dtype=operands_in[0].dtype)))
        subscripts.append(label)
    return EinsumOp.apply(*operands_in, inputs=tuple(subscripts), output="".join(output))


# ---- the named products -------------------------------------------------------------------------------
def _same_dtype(op, *tensors):
    dtypes = [t.dtype for t in tensors]
    if any(d != dtypes[0] for d in dtypes):
        raise DtypeError(f"{op}: expected both operands to have the same dtype, got {' and '.join(map(str, dtypes))}")
    _no_bool(op, *tensors)


def _no_bool(op, *tensors):
    if any(t.dtype == xp.bool_ for t in tensors):
        raise DtypeError(f"{op}: not implemented for bool tensors")


def _require_ndim(op, name, t, ndim):
    if t.ndim != ndim:
        kind = {1: "a 1-D tensor (vector)", 2: "a 2-D tensor (matrix)", 3: "a 3-D tensor (batch of matrices)"}[ndim]
        raise ArgumentError(f"{op}: {name} must be {kind}, got shape {tuple(t.shape)}")


@tensor_method()
def mm(input, mat2) -> Tensor:
    """The matrix product of (n, m) and (m, p) matrices (no broadcasting)."""
    a, b = as_tensor(input), as_tensor(mat2)
    _require_ndim("mm", "self", a, 2)
    _require_ndim("mm", "mat2", b, 2)
    if a.shape[1] != b.shape[0]:
        raise ArgumentError(f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                            f"{b.shape[0]}x{b.shape[1]})")
    _same_dtype("mm", a, b)
    return MatMul.apply(a, b)


@tensor_method()
def bmm(input, mat2) -> Tensor:
    """Batched matrix product of (b, n, m) and (b, m, p): the batch sizes must be equal (no broadcasting)."""
    a, b = as_tensor(input), as_tensor(mat2)
    _require_ndim("bmm", "batch1", a, 3)
    _require_ndim("bmm", "batch2", b, 3)
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise ArgumentError(f"bmm: expected size for first two dimensions of batch2 tensor to be: "
                            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]")
    _same_dtype("bmm", a, b)
    return MatMul.apply(a, b)


@tensor_method()
def mv(input, vec) -> Tensor:
    """Matrix (n, m) times vector (m,)."""
    a, v = as_tensor(input), as_tensor(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise ArgumentError(f"mv: vector + matrix @ vector expected, got shapes {tuple(a.shape)} and {tuple(v.shape)}")
    if a.shape[1] != v.shape[0]:
        raise ArgumentError(f"mv: size mismatch, got mat ({a.shape[0]}x{a.shape[1]}) and vec ({v.shape[0]})")
    _same_dtype("mv", a, v)
    return matmul(a, v)


@tensor_method()
def dot(input, tensor) -> Tensor:
    """sum_i a_i b_i of two vectors of one length and one dtype."""
    a, b = as_tensor(input), as_tensor(tensor)
    if a.ndim != 1 or b.ndim != 1:
        raise ArgumentError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise ArgumentError(f"dot: inconsistent tensor size, expected tensors of the same length, got "
                            f"{a.shape[0]} and {b.shape[0]}")
    _same_dtype("dot", a, b)
    return matmul(a, b)


@tensor_method()
def vdot(input, other) -> Tensor:
    """dot(conj(a), b): for the real tensors of Lamina, ``dot``."""
    a, b = as_tensor(input), as_tensor(other)
    if a.ndim != 1 or b.ndim != 1:
        raise ArgumentError(f"vdot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return dot(a, b)


@tensor_method("outer", "ger")
def outer(input, vec2) -> Tensor:
    """a_i b_j of two vectors (dtypes promoted)."""
    a, b = promote(input, vec2)
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise ArgumentError(f"outer: expected 1-D argument {name}, but got {t.ndim}-D")
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


@tensor_method()
def inner(input, other) -> Tensor:
    """Sum over the last dimensions of both: shape a.shape[:-1] + b.shape[:-1]; a 0-d operand multiplies."""
    a, b = promote(input, other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    _no_bool("inner", a, b)
    if a.shape[-1] != b.shape[-1]:
        raise ArgumentError(f"inner: inner() the last dimension must match on both input tensors but got shapes "
                            f"{tuple(a.shape)} and {tuple(b.shape)}")
    return tensordot(a, b, dims=([-1], [-1]))


def _accumulate(op, input, product, beta, alpha):
    """beta input + alpha product, input broadcast to the product's shape (beta = 0 ignores input, NaN too)."""
    input = as_tensor(input)
    if broadcast_shapes(op, input.shape, product.shape) != product.shape:
        raise ArgumentError(f"{op}: input of shape {tuple(input.shape)} does not expand to the product's shape "
                            f"{tuple(product.shape)}")
    _same_dtype(op, input, product)
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:  # PyTorch ignores input then: its NaN and inf do not reach the result
        return scaled + where(xp.zeros(input.shape, dtype=bool), input, 0)
    return scaled + (input if beta == 1 else input * beta)


@tensor_method(inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha mat1 @ mat2."""
    return _accumulate("addmm", input, mm(mat1, mat2), beta, alpha)


@tensor_method(inplace=True)
def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha mat @ vec."""
    return _accumulate("addmv", input, mv(mat, vec), beta, alpha)


@tensor_method()
def addr(input, vec1, vec2, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha outer(vec1, vec2)."""
    return _accumulate("addr", input, outer(vec1, vec2), beta, alpha)


@tensor_method(inplace=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha bmm(batch1, batch2)."""
    return _accumulate("baddbmm", input, bmm(batch1, batch2), beta, alpha)


@tensor_method(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha sum_b batch1[b] @ batch2[b]."""
    return _accumulate("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


def _tensordot_dims(a, b, dims):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int) and not isinstance(dims, bool):
        if dims < 0:
            raise ArgumentError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise ArgumentError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if not isinstance(dims, (list, tuple)) or len(dims) != 2:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of dimensions, got {dims!r}")
    dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise ArgumentError(f"tensordot: both dimension lists should have the same length, got {dims_a} and {dims_b}")
    return ([normalize_axis(d, a.ndim, "tensordot")[0] for d in dims_a],
            [normalize_axis(d, b.ndim, "tensordot")[0] for d in dims_b])


def tensordot(a, b, dims=2, out=None) -> Tensor:
    """Sum over the dimensions ``dims`` pairs of a and b (the last ``dims`` of a with the first of b for an int);
    the result has a's free dimensions, then b's."""
    a, b = as_tensor(a), as_tensor(b)
    _same_dtype("tensordot", a, b)
    dims_a, dims_b = _tensordot_dims(a, b, dims)
    if len(_LETTERS) < a.ndim + b.ndim:
        raise ArgumentError("tensordot: too many dimensions")
    labels_a = list(_LETTERS[:a.ndim])
    labels_b = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise ArgumentError(f"tensordot: contracted dimensions need to match, but first has size {a.shape[da]} "
                                f"in dim {da} and second has size {b.shape[db]} in dim {db}")
        labels_b[db] = labels_a[da]
    output = [c for i, c in enumerate(labels_a) if i not in dims_a] + \
             [c for i, c in enumerate(labels_b) if i not in dims_b]
    return EinsumOp.apply(a, b, inputs=("".join(labels_a), "".join(labels_b)), output="".join(output))


def bilinear(input1, input2, weight, bias=None) -> Tensor:
    """y_o = sum_ij x1_i A_oij x2_j + b_o over the leading (batch) dimensions, A of shape (out, in1, in2)."""
    x1, x2, w = as_tensor(input1), as_tensor(input2), as_tensor(weight)
    _same_dtype("bilinear", x1, x2, w)
    if w.ndim != 3:
        raise ArgumentError(f"bilinear(): weight must be 3-D (out_features, in1_features, in2_features), got shape "
                            f"{tuple(w.shape)}")
    if x1.ndim == 0 or x1.ndim != x2.ndim or x1.shape[:-1] != x2.shape[:-1]:
        raise ArgumentError(f"bilinear(): input batch dimensions do not match: got shapes {tuple(x1.shape)} and "
                            f"{tuple(x2.shape)}")
    if x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2]:
        raise ArgumentError(f"bilinear(): input sizes {x1.shape[-1]} and {x2.shape[-1]} do not match weight size "
                            f"{tuple(w.shape)}")
    y = einsum("...i,oij,...j->...o", x1, w, x2)
    if bias is None:
        return y
    b = as_tensor(bias)
    if b.ndim != 1 or b.shape[0] != w.shape[0]:
        raise ArgumentError(f"bilinear(): bias size does not match weight size: got {tuple(b.shape)} but expected "
                            f"({w.shape[0]},)")
    _same_dtype("bilinear", x1, b)
    return y + b


@tensor_method()
def trace(input) -> Tensor:
    """The sum of the main diagonal of a matrix (integers sum as int64, as PyTorch; bool is refused)."""
    from .shape import diagonal

    x = as_tensor(input)
    if x.ndim != 2:
        raise ArgumentError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.data.dtype == xp.bool_:
        raise DtypeError("trace: \"trace\" not implemented for 'Bool'")
    return diagonal(x).sum()


def kron(input, other) -> Tensor:
    """Kronecker product: out[i * b_shape + j] = a[i] * b[j] along every dim (the shorter shape padded with
    leading 1s); the dtype of a * b."""
    from .shape import reshape

    a, b = as_tensor(input), as_tensor(other)
    ndim = max(a.ndim, b.ndim)
    a_shape, b_shape = (1,) * (ndim - a.ndim) + a.shape, (1,) * (ndim - b.ndim) + b.shape
    spread_a = reshape(a, tuple(n for size in a_shape for n in (size, 1)))
    spread_b = reshape(b, tuple(n for size in b_shape for n in (1, size)))
    return reshape(spread_a * spread_b, tuple(p * q for p, q in zip(a_shape, b_shape)))


class MatrixInverse(Function):
    """A^-1 of each matrix;  dA = -A^-T g A^-T."""

    name = "inverse"

    def forward(self, a):
        self.inverse = xp.linalg.inv(a)
        return self.inverse

    def backward(self, g):
        inverse_t = constant(xp.swapaxes(self.inverse, -1, -2))
        return (-(inverse_t @ g @ inverse_t),)


@tensor_method()
def matrix_power(input, n: int) -> Tensor:
    """A^n of a (batch of) square matrix by repeated squaring; A^0 the identity, A^-n = (A^-1)^n (float only)."""
    a = as_tensor(input)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if a.ndim < 2:
        raise ArgumentError(f"linalg.matrix_power: the input tensor A must have at least 2 dimensions, got {a.ndim}")
    if a.shape[-1] != a.shape[-2]:
        raise ArgumentError(f"linalg.matrix_power: A must be batches of square matrices, got {a.shape[-2]} by "
                            f"{a.shape[-1]} matrices")
    if n < 0:
        if a.dtype.kind != "f":
            raise ArgumentError(f"linalg.inv: expected a floating point tensor as input, got {a.dtype}")
        a, n = MatrixInverse.apply(a), -n
    if n == 0:
        eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return a * 0 + constant(xp.array(eye))  # in the graph (a zero gradient), as PyTorch
    result, square = None, a
    while n:
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if n:
            square = matmul(square, square)
    return result
