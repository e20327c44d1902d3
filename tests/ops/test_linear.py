"""matmul and linear (lamina/ops/linear.py): finite-difference gradients, batched and 1-D, second
derivatives, PyTorch as the oracle (float64: atol 1e-6; float32: rtol 1e-4), and the shape errors."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

TF = torch.nn.functional


# ---- finite differences ----------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 2))])
def test_matmul_batched_and_1d(shapes, r):
    assert lm.gradcheck(lm.matmul, r(*shapes[0]), r(*shapes[1]))


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3)])
def test_linear(with_bias, x_shape, r):
    args = [r(*x_shape), r(4, 3)] + ([r(4)] if with_bias else [])
    assert lm.gradcheck(F.linear, *args)


SECOND_ORDER = {"matmul": lambda x: x @ x.T}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4)
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "matmul": (lm.matmul, torch.matmul, [(2, 3, 4), (4, 5)], False),
    "matmul_vec": (lm.matmul, torch.matmul, [(4,), (2, 4, 3)], False),
    "linear": (F.linear, TF.linear, [(6, 4), (3, 4), (3,)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


# ---- errors ------------------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\).*3 != 4"):
        lm.ones(2, 3) @ lm.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul.*\(3,\)"):
        lm.ones(2, 2) @ lm.ones(3)


# ---- einsum ----------------------------------------------------------------------------------------------

EINSUM = [  # (equation, operand shapes)
    ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("ii->", [(3, 3)]), ("iij->j", [(3, 3, 2)]), ("iji->j", [(2, 3, 2)]),
    ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("ij->j", [(3, 4)]), ("", [()]),
    ("ij,jk", [(2, 3), (3, 4)]), ("ij,jk->", [(2, 3), (3, 4)]), ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]), ("...ij->ij", [(5, 2, 3)]), ("ij...->", [(5, 2, 3)]),
    ("...,...->...", [(2, 1), (3,)]), ("i...i->i", [(3, 2, 3)]), ("ij->...ij", [(2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (1, 3, 4)]), ("i,j", [(1,), (3,)]), ("ij,ij->i", [(1, 3), (2, 3)]),
    ("Ba,ab", [(2, 3), (3, 2)]), ("ba,Ab", [(2, 3), (3, 2)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("i,i,i->", [(4,), (4,), (4,)]), ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]), ("ij,jk", [(2, 0), (0, 4)]),
]


@pytest.mark.parametrize("equation, shapes", EINSUM, ids=[f"{e or 'scalar'}-{len(s)}" for e, s in EINSUM])
def test_einsum_matches_pytorch_values_and_gradients(equation, shapes):
    rng = np.random.default_rng(len(equation) + 7 * len(shapes))
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [lm.from_numpy(a).requires_grad_() for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = lm.einsum(equation, *ours), torch.einsum(equation, *theirs)
    assert y.shape == tuple(yt.shape) and y.dtype == np.float64
    upstream = rng.standard_normal(y.shape)
    y.backward(lm.from_numpy(upstream))
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("equation, shapes", [("ij,jk", [(2, 3), (3, 4)]), ("ii,i->i", [(3, 3), (3,)]),
                                              ("...i,...i->...", [(2, 3), (3,)]), ("ij,jk,k->", [(2, 3), (3, 2), (2,)])])
def test_einsum_first_and_second_derivatives(equation, shapes, r):
    operands = [r(*s) for s in shapes]
    assert lm.gradcheck(lambda *t: lm.einsum(equation, *t), *operands)
    assert lm.gradgradcheck(lambda *t: lm.einsum(equation, *t), *operands)


def test_einsum_takes_the_operands_as_one_list_and_keeps_integers():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    y = lm.einsum("ij,jk->ik", [lm.from_numpy(a), lm.from_numpy(b)])
    yt = torch.einsum("ij,jk->ik", [torch.tensor(a), torch.tensor(b)])
    assert y.dtype == np.int64 and (y.numpy() == yt.numpy()).all()


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk", [(2, 3), (4, 4)]), ("ij", [(2, 3), (3, 4)]), ("i,i", [(3,)]), ("ijk", [(2, 3)]), ("ij->k", [(2, 3)]),
    ("ij->ii", [(2, 3)]), ("ii", [(2, 3)]), ("...ij,...jk", [(5, 2, 3), (2, 3, 4)]), ("a1", [(1, 3)]),
    ("ab->ab->", [(1, 3)]), ("ab.->", [(1, 3)]), ("....->", [(3, 2, 3)]), ("ii->i", [(1, 3)]),
])
def test_einsum_errors_are_pytorchs_runtime_errors(equation, shapes):
    with pytest.raises(RuntimeError):
        torch.einsum(equation, *[torch.zeros(s) for s in shapes])
    with pytest.raises(RuntimeError, match="einsum"):
        lm.einsum(equation, *[lm.zeros(s) for s in shapes])


def test_einsum_refuses_mixed_dtypes_and_a_non_string_equation():
    with pytest.raises(RuntimeError):
        torch.einsum("i,i", torch.zeros(3, dtype=torch.int64), torch.zeros(3))
    with pytest.raises(TypeError):
        lm.einsum("i,i", lm.zeros(3, dtype=lm.int64), lm.zeros(3))
    with pytest.raises(TypeError):
        lm.einsum(3, lm.zeros(3))


# ---- the named products -----------------------------------------------------------------------------------
PRODUCTS = {  # name: (call on a module (torch or lamina), operand shapes)
    "mm": (lambda m, a, b: m.mm(a, b), [(2, 3), (3, 4)]),
    "bmm": (lambda m, a, b: m.bmm(a, b), [(2, 2, 3), (2, 3, 4)]),
    "mv": (lambda m, a, b: m.mv(a, b), [(2, 3), (3,)]),
    "dot": (lambda m, a, b: m.dot(a, b), [(3,), (3,)]),
    "vdot": (lambda m, a, b: m.vdot(a, b), [(3,), (3,)]),
    "outer": (lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    "inner": (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
    "inner0d": (lambda m, a, b: m.inner(a, b), [(), (4, 3)]),
    "addmm": (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2.0), [(3,), (2, 3), (3, 3)]),
    "addmv": (lambda m, c, a, b: m.addmv(c, a, b), [(2,), (2, 3), (3,)]),
    "addr": (lambda m, c, a, b: m.addr(c, a, b, alpha=-1.0), [(2, 3), (2,), (3,)]),
    "baddbmm": (lambda m, c, a, b: m.baddbmm(c, a, b, beta=2.0), [(3,), (2, 2, 3), (2, 3, 3)]),
    "addbmm": (lambda m, c, a, b: m.addbmm(c, a, b), [(2, 3), (4, 2, 5), (4, 5, 3)]),
    "tensordot2": (lambda m, a, b: m.tensordot(a, b, dims=2), [(2, 3, 4), (3, 4, 5)]),
    "tensordot_lists": (lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), [(2, 3, 4), (3, 4, 2)]),
    "tensordot0": (lambda m, a, b: m.tensordot(a, b, dims=0), [(2, 3), (4,)]),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_match_pytorch(name, r):
    call, shapes = PRODUCTS[name]
    ours = [r(*s) for s in shapes]
    theirs = [torch.tensor(t.detach().numpy(), requires_grad=True) for t in ours]
    y, yt = call(lm, *ours), call(torch, *theirs)
    assert y.shape == tuple(yt.shape)
    upstream = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(lm.from_numpy(upstream))
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
    assert lm.gradcheck(lambda *t: call(lm, *t), *[r(*s) for s in shapes])


def test_products_are_tensor_methods_and_addmm_ignores_input_when_beta_is_0():
    a, b = lm.tensor([[1.0, 2.0]]), lm.tensor([[3.0], [4.0]])
    assert a.mm(b).tolist() == [[11.0]] and lm.tensor([1.0, 2.0]).dot(lm.tensor([3.0, 4.0])).item() == 11.0
    nan = lm.tensor([[float("nan")]])
    expected = torch.addmm(torch.tensor([[float("nan")]]), torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0], [4.0]]),
                           beta=0)
    assert lm.addmm(nan, a, b, beta=0).tolist() == expected.tolist() == [[11.0]]


@pytest.mark.parametrize("call", [
    lambda m, z: m.bmm(z(2, 2, 3), z(1, 3, 4)), lambda m, z: m.bmm(z(2, 3), z(2, 3, 4)),
    lambda m, z: m.mm(z(2, 3), z(3)), lambda m, z: m.mm(z(2, 3), z(4, 4)), lambda m, z: m.mv(z(2, 3), z(4)),
    lambda m, z: m.mv(z(2, 3), z(3, 1)), lambda m, z: m.dot(z(3), z(4)), lambda m, z: m.dot(z(3, 1), z(3, 1)),
    lambda m, z: m.outer(z(3, 2), z(4)), lambda m, z: m.inner(z(2, 3), z(4, 2)),
    lambda m, z: m.addmm(z(2, 4), z(2, 3), z(3, 3)), lambda m, z: m.tensordot(z(2, 3, 4), z(3, 4, 5), dims=([1], [1])),
    lambda m, z: m.tensordot(z(2, 3, 4), z(3, 4, 5), dims=-1), lambda m, z: m.tensordot(z(2, 3, 4), z(3, 4, 5), dims=4),
    lambda m, z: m.tensordot(z(2, 3, 4), z(3, 4, 5), dims=([1, 2], [0])),
    lambda m, z: (TF if m is torch else F).linear(z(2, 3), z(2, 4, 3)),
    lambda m, z: (TF if m is torch else F).linear(z(2, 3), z(4, 3), z(5)),
    lambda m, z: (TF if m is torch else F).linear(z(), z(4, 3)),
    lambda m, z: (TF if m is torch else F).linear(z(2, 3), z(4, 3), z(3, 2, 4)),
    lambda m, z: (TF if m is torch else F).linear(z(2, 3), z(4, 2)),
])
def test_product_shape_errors_are_runtime_errors(call):
    with pytest.raises(RuntimeError):
        call(torch, lambda *s: torch.zeros(s))
    with pytest.raises(RuntimeError):
        call(lm, lambda *s: lm.zeros(s))


@pytest.mark.parametrize("call", [
    lambda m, z, i: m.mm(i(2, 3), z(3, 4)), lambda m, z, i: m.dot(z(3), z(3).double()),
    lambda m, z, i: m.bmm(z(1, 2, 3), z(1, 3, 2).double()),
    lambda m, z, i: (TF if m is torch else F).linear(i(2, 3), z(4, 3)),
])
def test_product_dtype_mismatches_raise(call):
    with pytest.raises(RuntimeError):
        call(torch, lambda *s: torch.zeros(s), lambda *s: torch.zeros(s, dtype=torch.int64))
    with pytest.raises(TypeError):
        call(lm, lambda *s: lm.zeros(s), lambda *s: lm.zeros(s, dtype=lm.int64))


def test_linear_takes_a_vector_weight_and_broadcast_bias_as_pytorch(r):
    x, w, b = r(5, 2, 3), r(4, 3), r(2, 4)
    y = F.linear(x, w, b)
    yt = TF.linear(*[torch.tensor(t.detach().numpy()) for t in (x, w, b)])
    np.testing.assert_allclose(y.detach().numpy(), yt.numpy(), atol=1e-12)
    assert F.linear(r(2, 3), r(3)).shape == (2,)
    assert lm.gradcheck(F.linear, x, w, b)


@pytest.mark.parametrize("call", [lambda m, b: m.matmul(b, b), lambda m, b: m.mm(b, b), lambda m, b: m.dot(b[0], b[0]),
                                  lambda m, b: m.mv(b, b[0]), lambda m, b: m.tensordot(b, b, 1),
                                  lambda m, b: m.inner(b, b), lambda m, b: m.einsum("ij,jk", b, b)])
def test_matrix_products_of_bools_raise_as_pytorch(call):
    array = np.ones((2, 2), dtype=bool)
    with pytest.raises(RuntimeError):
        call(torch, torch.tensor(array))
    with pytest.raises(RuntimeError, match="bool"):
        call(lm, lm.from_numpy(array))
    assert lm.outer(lm.from_numpy(array[0]), lm.from_numpy(array[0])).dtype == np.bool_


@pytest.mark.parametrize("shapes", [((2, 3), (2, 4), (5, 3, 4), (5,)), ((3,), (4,), (5, 3, 4), None),
                                    ((6, 2, 3), (6, 2, 4), (5, 3, 4), (5,))])
def test_bilinear_matches_pytorch(shapes, r):
    ours = [r(*s) for s in shapes if s is not None]
    theirs = [torch.tensor(t.detach().numpy(), requires_grad=True) for t in ours]
    y, yt = F.bilinear(*ours), TF.bilinear(*theirs)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
    assert lm.gradcheck(F.bilinear, *[r(*s) for s in shapes if s is not None])


@pytest.mark.parametrize("shapes", [((2, 3), (3, 4), (5, 3, 4), None), ((2, 3), (2, 4), (5, 4, 4), None),
                                    ((2, 3), (2, 4), (5, 3, 4), (4,)), ((2, 3), (2, 4), (3, 4), None),
                                    ((2, 3), (2, 4), (5, 3, 4), (1, 5))])
def test_bilinear_errors_are_runtime_errors(shapes):
    with pytest.raises(RuntimeError):
        TF.bilinear(*[torch.zeros(s) for s in shapes if s is not None])
    with pytest.raises(RuntimeError, match="bilinear"):
        F.bilinear(*[lm.zeros(s) for s in shapes if s is not None])


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float32", "int64"), ("int64", "float32")])
def test_matmul_of_two_dtypes_raises_as_pytorch(dtypes):
    a, b = np.ones((2, 3)).astype(dtypes[0]), np.ones((3, 2)).astype(dtypes[1])
    with pytest.raises(RuntimeError):
        torch.matmul(torch.tensor(a), torch.tensor(b))
    with pytest.raises(TypeError, match="matmul"):
        lm.matmul(lm.from_numpy(a), lm.from_numpy(b))


@pytest.mark.parametrize("equation, shapes", [("ij,jk", [(3, 2), (1, 3)]), ("ij,ij->ij", [(3, 2), (3, 2)]),
                                              ("ij,ij->i", [(3, 2), (3, 2)]), ("ij,jk", [(3, 2), (2, 3)])])
def test_einsum_of_two_dtypes_promotes_or_raises_as_pytorch(equation, shapes):
    """PyTorch promotes when no label is summed across operands (a product) and raises for a contraction."""
    arrays = [np.ones(shapes[0], np.float32), np.ones(shapes[1], np.float64)]
    try:
        expected = torch.einsum(equation, *map(torch.tensor, arrays))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            lm.einsum(equation, *map(lm.from_numpy, arrays))
        return
    y = lm.einsum(equation, *map(lm.from_numpy, arrays))
    assert str(y.dtype) == str(expected.dtype).replace("torch.", "lamina.")
    np.testing.assert_allclose(y.numpy(), expected.numpy())


def test_linear_of_bools_raises_as_pytorch():
    with pytest.raises(RuntimeError):
        TF.linear(torch.ones(4, 4, dtype=torch.bool), torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(RuntimeError, match="bool"):
        F.linear(lm.ones(4, 4, dtype=lm.bool_), lm.ones(4, 4, dtype=lm.bool_))


@pytest.mark.parametrize("array", [np.arange(12.0).reshape(3, 4), np.arange(12).reshape(4, 3).astype(np.int32),
                                   np.zeros((0, 2)), np.ones((1, 1), np.float32)])
def test_trace_matches_pytorch(array):
    import torch

    x, xt = lm.from_numpy(array.copy()), torch.from_numpy(array.copy())
    if array.dtype.kind == "f":
        x.requires_grad_(True), xt.requires_grad_(True)
    out, expected = lm.trace(x), torch.trace(xt)
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "lamina.")
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy())
    if array.dtype.kind == "f":
        out.backward(), expected.backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    assert x.trace().item() == pytest.approx(float(expected))


@pytest.mark.parametrize("array", [np.zeros((2, 2, 2)), np.zeros(3), np.ones((2, 2), bool)])
def test_trace_errors_have_pytorchs_types(array):
    import torch

    with pytest.raises(Exception) as expected:
        torch.trace(torch.from_numpy(array))
    with pytest.raises(type(expected.value)):
        lm.trace(lm.from_numpy(array))


def _with_grads(lib, fn, arrays):
    leaves = [lib.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in arrays]
    out = fn(lib, *leaves)
    if out.requires_grad:
        (out * lib.from_numpy(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape)))).sum().backward()
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("fn, arrays", [
    (lambda lib, a, b: lib.kron(a, b), (np.arange(6.0).reshape(2, 3), np.array([1.0, -2, 0.5, 3]))),
    (lambda lib, a, b: lib.kron(input=a, other=b), (np.ones((2, 1, 3)), np.arange(4.0).reshape(2, 2))),
    (lambda lib, a, b: lib.kron(a, b), (np.array(2.0), np.arange(4.0).reshape(2, 2))),
    (lambda lib, a, b: lib.kron(a, b), (np.ones(2, np.int64), np.array([0.5, 2.0]))),
    (lambda lib, a, b: lib.kron(a, b), (np.ones(2, bool), np.array([True, False]))),
] + [(lambda lib, a, n=n: lib.matrix_power(a, n), (np.eye(3) * 1.5 + np.arange(18.0).reshape(2, 3, 3) * 0.03,))
     for n in (0, 1, 2, 3, 5, -1, -2)] + [
    (lambda lib, a: a.matrix_power(3), (np.ones((2, 2), np.int64),))])
def test_kron_and_matrix_power_match_pytorch(fn, arrays):
    import torch

    (out, grads), (out_t, grads_t) = _with_grads(lm, fn, arrays), _with_grads(torch, fn, arrays)
    assert out.dtype == out_t.dtype
    np.testing.assert_allclose(out, out_t, rtol=1e-10)
    for g, gt in zip(grads, grads_t):
        assert (g is None) == (gt is None)
        if g is not None:
            np.testing.assert_allclose(g, gt, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn, array", [(lambda lib, a: lib.matrix_power(a, 2), np.ones((2, 3))),
                                       (lambda lib, a: lib.matrix_power(a, 2), np.ones(3)),
                                       (lambda lib, a: lib.matrix_power(a, 2.0), np.ones((2, 2))),
                                       (lambda lib, a: lib.matrix_power(a, -1), np.ones((2, 2), np.int64))])
def test_matrix_power_errors_have_pytorchs_types(fn, array):
    import torch

    with pytest.raises(Exception) as expected:
        fn(torch, torch.from_numpy(array))
    with pytest.raises(type(expected.value)):
        fn(lm, lm.from_numpy(array))
