"""Indexing (lamina/ops/indexing.py): getitem, index_select, gather and masked_fill, finite-difference
gradients (first and second order) and PyTorch as the oracle (float64: atol 1e-6; float32: rtol 1e-4)."""
import numpy as np
import pytest
import torch

import lamina as lm

# ---- finite differences ----------------------------------------------------------------------------
SHAPE_OPS = {
    "getitem_basic": lambda x: x[1, ::2, 1:3],
    "getitem_ellipsis": lambda x: x[..., None, 2], "getitem_repeated": lambda x: x[[0, 1, 1, 0], [2, 2, 0, 2]],
    "getitem_mask": lambda x: x[x.detach() > 0], "index_select": lambda x: x.index_select(1, lm.tensor([2, 0, 2])),
    "gather": lambda x: x.gather(2, lm.tensor(np.array([[[0, 3, 3]] * 3] * 2))),
    "masked_fill": lambda x: x.masked_fill(x.detach() > 0.5, 0.0),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_and_indexing_ops(name, r):
    assert lm.gradcheck(SHAPE_OPS[name], r(2, 3, 4))


def test_repeated_indices_accumulate(leaf):
    x = leaf([1.0, 2.0, 3.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


SECOND_ORDER = {"getitem": lambda x: (x[[0, 0, 1]] ** 2)}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4)
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "getitem": (lambda x: x[1:, [0, 2, 2]], lambda x: x[1:, [0, 2, 2]], [(3, 4)], False),
    "index_select": (lambda x: x.index_select(0, lm.tensor([2, 0, 2])),
                     lambda x: x.index_select(0, torch.tensor([2, 0, 2])), [(3, 4)], False),
    "gather": (lambda x: x.gather(1, lm.tensor([[0, 0], [3, 1], [2, 2]])),
               lambda x: x.gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]])), [(3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


# ---- the scatter family, masks, take, nonzero: PyTorch as the oracle ------------------------------------------
def _run(lib, fn, arrays, dtype, grad_rng=None):
    """fn(lib, *tensors) on float leaves made from ``arrays``: (output, input gradients or None)."""
    leaves = [lm.tensor(a, dtype=dtype, requires_grad=True) if lib is lm
              else torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    if grad_rng is None or not out.requires_grad:
        return out, None
    upstream = grad_rng.standard_normal(tuple(out.shape)).astype(dtype)
    out.backward(lib.tensor(upstream))
    return out, [None if t.grad is None else np.asarray(t.grad) for t in leaves]


def _same_as_torch(fn, *arrays, dtype="float64"):
    """Values, dtype, shape and the gradient of every float input: Lamina's fn against torch's."""
    mine, my_grads = _run(lm, fn, arrays, dtype, np.random.default_rng(5))
    theirs, their_grads = _run(torch, fn, arrays, dtype, np.random.default_rng(5))
    tol = dict(atol=1e-6, rtol=1e-7) if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "lamina.")
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), **tol)
    for a, b in zip(my_grads or [], their_grads or []):
        np.testing.assert_allclose(0 if a is None else a, 0 if b is None else b, **tol)


def _i(lib, *values):
    """An int64 index tensor of ``lib``."""
    return lib.tensor(np.array(values[0] if len(values) == 1 else values, dtype=np.int64))


TIES = np.array([[1.0, 2.0, 2.0, 0.0, -1.0], [3.0, 0.0, 1.0, 1.0, 2.0], [0.0, 0.0, 5.0, 2.0, 2.0]])
SRC = np.array([[2.0, 2.0, 1.0, 0.0], [1.0, 0.0, 0.0, 3.0], [2.0, 5.0, -1.0, 2.0]])
INDEX = [[1, 1, 3, 1], [0, 0, 0, 4], [2, 2, 4, 4]]

SCATTER_CASES = {
    "gather_smaller_index": (lambda L, x: L.gather(x, 1, _i(L, [[0, 3], [4, 4]])), [(3, 5)]),
    "gather_dim0_negative_dim": (lambda L, x: x.gather(-2, _i(L, [[2, 0, 1, 1], [0, 0, 0, 2]])), [(3, 5)]),
    "gather_3d": (lambda L, x: L.gather(x, 2, _i(L, [[[0, 3, 3]] * 3] * 2)), [(2, 3, 4)]),
    "gather_0d": (lambda L, x: L.gather(x, 0, _i(L, 0)), [()]),
    "gather_int32": (lambda L, x: L.gather(x, 1, L.tensor(np.array([[1], [0]], dtype=np.int32))), [(2, 3)]),
    "scatter_src": (lambda L, x, s: L.scatter(x, 1, _i(L, [[0, 4], [2, 1]]), s), [(3, 5), (2, 2)]),
    "scatter_value": (lambda L, x: L.scatter(x, 1, _i(L, [[0, 4], [2, 1]]), value=2.5), [(3, 5)]),
    "scatter_value_positional": (lambda L, x: x.scatter(1, _i(L, [[0, 4], [2, 1]]), -1.0), [(3, 5)]),
    "scatter_add": (lambda L, x, s: L.scatter_add(x, 1, _i(L, INDEX), s), [(3, 5), (3, 4)]),
    "scatter_add_dim0": (lambda L, x, s: x.scatter_add(0, _i(L, [[0, 0, 2], [0, 2, 2]]), s), [(3, 5), (2, 3)]),
    "index_add": (lambda L, x, s: L.index_add(x, 0, _i(L, [0, 2, 0]), s, alpha=2.0), [(3, 4), (3, 4)]),
    "index_add_dim1": (lambda L, x, s: x.index_add(1, _i(L, [3, 3]), s), [(3, 4), (3, 2)]),
    "index_copy": (lambda L, x, s: L.index_copy(x, 1, _i(L, [3, 0]), s), [(3, 4), (3, 2)]),
    "index_fill": (lambda L, x: L.index_fill(x, 1, _i(L, [-1, 0]), 7.0), [(3, 4)]),
    "index_fill_tensor_value": (lambda L, x: x.index_fill(0, _i(L, [1]), L.tensor(2.0, dtype=x.dtype)), [(3, 4)]),
    "masked_select": (lambda L, x: L.masked_select(x, L.tensor([True, False, True, True])), [(3, 4)]),
    "masked_select_mask_broadcast_input": (lambda L, x: x.masked_select(L.tensor([[True], [False]])), [(4,)]),
    "masked_scatter": (lambda L, x, s: x.masked_scatter(L.tensor([[True, False, True]]), s), [(2, 3), (2, 4)]),
    "masked_scatter_exact_source": (lambda L, x, s: x.masked_scatter(L.tensor([True, False, True]), s), [(3,), (2,)]),
    "take": (lambda L, x: L.take(x, _i(L, [[0, -1], [5, 5]])), [(3, 4)]),
    "take_along_dim": (lambda L, x: L.take_along_dim(x, _i(L, [[0, 2], [3, -1], [1, 1]]), dim=1), [(3, 4)]),
    "take_along_dim_broadcast": (lambda L, x: L.take_along_dim(x, _i(L, [[[0], [2]]]), 2), [(2, 1, 4)]),
    "take_along_dim_flat": (lambda L, x: x.take_along_dim(_i(L, [1, 11, 3])), [(3, 4)]),
    "index_put": (lambda L, x, v: L.index_put(x, (_i(L, [0, 2]), _i(L, [1, 1])), v), [(3, 4), (2,)]),
    "index_put_accumulate": (lambda L, x, v: x.index_put((_i(L, [0, 0, 2]),), v, accumulate=True), [(3, 4), (4,)]),
    "index_put_mask": (lambda L, x: L.index_put(x, (L.tensor([True, False, True]),), L.tensor(3.0, dtype=x.dtype)),
                       [(3, 4)]),
    "index_select_0d_index": (lambda L, x: x.index_select(1, _i(L, 2)), [(3, 4)]),
    "index_select_0d_input": (lambda L, x: x.index_select(0, _i(L, [0])), [()]),
    "take_along_dim_wraps_indices": (lambda L, x: L.take_along_dim(x, _i(L, [[5, -5, 9, 4]]), 1), [(3, 4)]),
    "gather_0d_index": (lambda L, x: L.gather(x, 0, _i(L, 2)), [(3,)]),
    "gather_empty_index": (lambda L, x: L.gather(x, 1, _i(L, np.zeros((0, 5), dtype=np.int64))), [(3, 4)]),
    "scatter_empty_index": (lambda L, x, s: L.scatter(x, 1, _i(L, np.zeros(0, dtype=np.int64)), s), [(3, 4), (0,)]),
    "scatter_0d_src_and_index": (lambda L, x, s: L.scatter_add(x, 0, _i(L, 2), s), [(3,), ()]),
    "masked_fill_broadcast_mask": (lambda L, x: L.masked_fill(x, L.tensor([[True], [False]]), -2.0), [(3,)]),
    "masked_fill_tensor_value": (lambda L, x: x.masked_fill(L.tensor([True, False, True]), L.tensor(4.0)), [(2, 3)]),
    "masked_fill_value_gradient": (lambda L, x, v: x.masked_fill(L.tensor([[True], [False]]), v.sum()), [(2, 3), (2,)]),
    "index_fill_value_gradient": (lambda L, x, v: L.index_fill(x, 1, _i(L, [0, 2]), v.sum()), [(2, 3), (2,)]),
    "masked_scatter_broadcast_input": (lambda L, x, s: x.masked_scatter(L.tensor([[True], [False], [True]]), s),
                                       [(1, 2), (5,)]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(SCATTER_CASES))
def test_scatter_family_matches_pytorch(name, dtype, rng):
    fn, shapes = SCATTER_CASES[name]
    _same_as_torch(fn, *[rng.standard_normal(s) for s in shapes], dtype=dtype)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_matches_pytorch_with_ties_and_zeros(reduce, include_self):
    """Ties (amax/amin share the gradient as PyTorch does, x's cell counted even when left out), zeros (prod)."""
    fn = lambda L, x, s: L.scatter_reduce(x, 1, _i(L, INDEX), s, reduce, include_self=include_self)
    _same_as_torch(fn, TIES, SRC)
    _same_as_torch(lambda L, x, s: x.scatter_reduce(0, _i(L, [[0, 2, 2, 1, 0], [0, 0, 2, 1, 1]]), s, reduce,
                                                     include_self=include_self), TIES, TIES[:0:-1].copy())


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_matches_pytorch(reduce):
    mine = lm.scatter(lm.tensor(TIES), 1, _i(lm, INDEX), lm.tensor(SRC), reduce=reduce)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.scatter(torch.tensor(TIES, dtype=torch.float32), 1, _i(torch, INDEX),
                               torch.tensor(SRC, dtype=torch.float32), reduce=reduce)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy())
    value = lm.scatter(lm.tensor(TIES), 1, _i(lm, INDEX), 2.0, reduce=reduce)
    np.testing.assert_allclose(value.numpy(), torch.tensor(TIES, dtype=torch.float32).scatter(
        1, _i(torch, INDEX), 2.0, reduce=reduce).numpy())


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_on_integers_matches_pytorch(reduce):
    x, src = (TIES * 3 - 2).astype(np.int64), (SRC * 5 - 7).astype(np.int64)
    for include_self in (True, False):
        mine = lm.scatter_reduce(lm.tensor(x), 1, _i(lm, INDEX), lm.tensor(src), reduce, include_self=include_self)
        theirs = torch.scatter_reduce(torch.tensor(x), 1, _i(torch, INDEX), torch.tensor(src), reduce,
                                      include_self=include_self)
        assert mine.dtype == np.int64
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


GRADCHECK_CASES = {
    "gather_smaller_index": lambda x, s: x.gather(1, lm.tensor([[0, 3], [4, 4]])),
    "scatter": lambda x, s: x.scatter(1, lm.tensor([[1, 0, 3, 2], [4, 2, 0, 1], [3, 0, 1, 2]]), s),
    "scatter_src_larger": lambda x, s: x.scatter(0, lm.tensor([[1, 0, 2]]), s),
    "scatter_add": lambda x, s: x.scatter_add(1, lm.tensor(INDEX), s),
    "scatter_reduce_prod": lambda x, s: x.scatter_reduce(1, lm.tensor(INDEX), s, "prod"),
    "scatter_reduce_mean": lambda x, s: x.scatter_reduce(1, lm.tensor(INDEX), s, "mean", include_self=False),
    "scatter_reduce_amax": lambda x, s: x.scatter_reduce(1, lm.tensor(INDEX), s, "amax"),
    "scatter_reduce_amin": lambda x, s: x.scatter_reduce(1, lm.tensor(INDEX), s, "amin", include_self=False),
    "index_add": lambda x, s: x.index_add(1, lm.tensor([4, 0, 4, 1]), s[:3, :4], alpha=-3),
    "masked_scatter": lambda x, s: x.masked_scatter(lm.tensor([True, False, False, True, True]), s),
    "take": lambda x, s: lm.take(x, lm.tensor([[1, 1], [-1, 7]])) * lm.take(s, lm.tensor([3])),
    "index_put_accumulate": lambda x, s: x.index_put((lm.tensor([0, 0]),), s[0, :], accumulate=True),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK_CASES))
def test_scatter_family_gradients(name, r):
    x, s = r(3, 5, apart=True), r(4, 5, apart=True)
    assert lm.gradcheck(GRADCHECK_CASES[name], x, s)


@pytest.mark.parametrize("name", ["gather_smaller_index", "scatter_add", "scatter_reduce_prod", "scatter_reduce_amax",
                                  "scatter_reduce_mean"])
def test_scatter_family_second_derivatives(name, r):
    x, s = r(3, 5, apart=True), r(4, 5, apart=True)
    assert lm.gradgradcheck(lambda x, s: GRADCHECK_CASES[name](x, s) ** 2, x, s)


def test_nonzero_and_argwhere_match_pytorch():
    for array in (np.array([[1.0, 0.0, np.nan], [0.0, 2.0, 0.0]]), np.array(3.0), np.array(0), np.zeros((2, 0)),
                  np.array([[[True, False], [False, True]]])):
        mine, theirs = lm.tensor(array), torch.tensor(array)
        for a, b in ((lm.nonzero(mine), torch.nonzero(theirs)), (mine.argwhere(), theirs.argwhere())):
            assert a.dtype == np.int64 and tuple(a.shape) == tuple(b.shape)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        tuples = lm.nonzero(mine, as_tuple=True), torch.nonzero(theirs, as_tuple=True)
        assert len(tuples[0]) == len(tuples[1])
        for a, b in zip(*tuples):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_in_place_forms_write_into_the_tensor():
    one_hot = lm.zeros(3, 4).scatter_(1, lm.tensor([[2], [0], [3]]), 1.0)
    np.testing.assert_array_equal(one_hot.numpy(), torch.zeros(3, 4).scatter_(1, torch.tensor([[2], [0], [3]]), 1.0))
    x = lm.zeros(3)
    assert x.index_add_(0, lm.tensor([1, 1]), lm.ones(2)) is x and x.tolist() == [0.0, 2.0, 0.0]


ERROR_CASES = {  # each raises in torch; Lamina must raise an exception of torch's type
    "gather_float_index": lambda L: L.gather(L.zeros(3, 4), 1, L.tensor([[0.0]])),
    "gather_negative_index": lambda L: L.gather(L.zeros(3, 4), 1, _i(L, [[-1]])),
    "gather_index_too_large": lambda L: L.gather(L.zeros(3, 4), 1, _i(L, [[4]])),
    "gather_index_larger_off_dim": lambda L: L.gather(L.zeros(3, 4), 1, _i(L, [[0]] * 4)),
    "gather_wrong_ndim": lambda L: L.gather(L.zeros(3, 4), 1, _i(L, [0])),
    "gather_dim_out_of_range": lambda L: L.gather(L.zeros(3, 4), 2, _i(L, [[0]])),
    "gather_list_index": lambda L: L.gather(L.zeros(3, 4), 1, [[0]]),
    "scatter_dtype_mismatch": lambda L: L.scatter(L.zeros(3, 4), 1, _i(L, [[0]]), L.ones(1, 1, dtype=L.float64)),
    "scatter_index_larger_than_src": lambda L: L.scatter(L.zeros(3, 4), 1, _i(L, [[0, 1]]), L.ones(1, 1)),
    "scatter_out_of_range": lambda L: L.scatter(L.zeros(3, 4), 1, _i(L, [[4]]), L.ones(1, 1)),
    "scatter_bad_reduce": lambda L: L.scatter(L.zeros(3, 4), 1, _i(L, [[0]]), L.ones(1, 1), reduce="sum"),
    "scatter_add_number_src": lambda L: L.scatter_add(L.zeros(3, 4), 1, _i(L, [[0]]), 1.0),
    "scatter_reduce_bad_reduce": lambda L: L.scatter_reduce(L.zeros(3, 4), 1, _i(L, [[0]]), L.ones(1, 1), "add"),
    "index_add_out_of_range": lambda L: L.index_add(L.zeros(3, 2), 0, _i(L, [0, 3]), L.ones(2, 2)),
    "index_add_count": lambda L: L.index_add(L.zeros(3, 2), 0, _i(L, [0, 0]), L.ones(3, 2)),
    "index_add_2d_index": lambda L: L.index_add(L.zeros(3, 2), 0, _i(L, [[0, 0, 1]]), L.ones(3, 2)),
    "index_add_shape": lambda L: L.index_add(L.zeros(3, 2), 0, _i(L, [0]), L.ones(1, 3)),
    "index_add_dtype": lambda L: L.index_add(L.zeros(3, 2), 0, _i(L, [0]), L.ones(1, 2, dtype=L.float64)),
    "index_copy_out_of_range": lambda L: L.index_copy(L.zeros(3, 2), 0, _i(L, [0, -1]), L.ones(2, 2)),
    "index_fill_out_of_range": lambda L: L.index_fill(L.zeros(3, 2), 1, _i(L, [2]), 5.0),
    "index_fill_1d_value": lambda L: L.index_fill(L.zeros(3, 2), 1, _i(L, [1]), L.tensor([5.0])),
    "index_select_2d_index": lambda L: L.index_select(L.zeros(3, 2), 0, _i(L, [[0]])),
    "index_select_out_of_range": lambda L: L.index_select(L.zeros(3, 2), 0, _i(L, [3])),
    "masked_select_int_mask": lambda L: L.masked_select(L.zeros(3), _i(L, [1, 0, 1])),
    "masked_select_shape": lambda L: L.masked_select(L.zeros(3), L.tensor([True, False])),
    "masked_scatter_short_source": lambda L: L.zeros(3).masked_scatter(L.tensor([True, True, True]), L.ones(2)),
    "take_out_of_range": lambda L: L.take(L.zeros(3, 4), _i(L, [12])),
    "take_float_index": lambda L: L.take(L.zeros(3, 4), L.tensor([1.0])),
    "take_along_dim_ndim": lambda L: L.take_along_dim(L.zeros(3, 4), _i(L, [0]), 1),
    "take_along_dim_broadcast": lambda L: L.take_along_dim(L.zeros(2, 4), _i(L, [[0]] * 3), 1),
    "index_put_dtype": lambda L: L.index_put(L.zeros(3), (_i(L, [0]),), L.tensor(1.0, dtype=L.float64)),
    # PyTorch's order: the dim first, then the index, then the dtypes
    "scatter_dim_before_dtype": lambda L: L.scatter(L.zeros(3), 1, L.tensor([[0.0]]), L.ones(1, 1, dtype=L.float64)),
    "scatter_dim_checked_against_src": lambda L: L.scatter_add(L.zeros(2, 3, 4), 1, _i(L, np.zeros((2, 3, 4),
                                                                                                 dtype=np.int64)),
                                                               L.ones(3, 4)),
    "scatter_src_dims": lambda L: L.scatter_add(L.zeros(3, 4), 1, _i(L, [[0]]), L.ones(1, 1, 1)),
    "index_add_vector_before_dtype": lambda L: L.index_add(L.zeros(3, 2), 0, L.tensor([[0.0]]), L.ones(1, 2)),
    "index_copy_scalar_source": lambda L: L.index_copy(L.zeros(3, 4), 1, _i(L, [0, 1]), L.tensor(1.0)),
    "index_copy_int32_index": lambda L: L.index_copy(L.zeros(3), 0, L.tensor(np.array([0], dtype=np.int32)), L.ones(1)),
    "index_fill_int32_index": lambda L: L.index_fill(L.zeros(3), 0, L.tensor(np.array([0], dtype=np.int32)), 1.0),
    "index_fill_empty_dim": lambda L: L.index_fill(L.zeros(3, 0), 1, _i(L, [0]), 1.0),
    "index_select_dim_first": lambda L: L.index_select(L.zeros(3), 1, L.tensor([[0.0]])),
    "take_along_dim_0d": lambda L: L.take_along_dim(L.tensor(1.0), _i(L, 0), 0),
    "take_along_dim_int32": lambda L: L.take_along_dim(L.zeros(3, 4), L.tensor(np.array([[0]], dtype=np.int32)), 1),
    "take_along_dim_flat_negative": lambda L: L.take_along_dim(L.zeros(3, 4), _i(L, [-1])),
    "masked_fill_float_mask": lambda L: L.masked_fill(L.zeros(3), L.zeros(3), 1.0),
    "masked_fill_1d_value": lambda L: L.masked_fill(L.zeros(3), L.tensor([True, False, True]), L.ones(2)),
    "masked_fill_shape": lambda L: L.masked_fill(L.zeros(3), L.tensor([True, False]), 1.0),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_bad_arguments_raise_what_pytorch_raises(name):
    with pytest.raises(Exception) as theirs:
        ERROR_CASES[name](torch)
    with pytest.raises(theirs.type):
        ERROR_CASES[name](lm)


# ---- x[index] with PyTorch's rules -------------------------------------------------------------------------------
GETITEM_PATTERNS = [  # written with T (the library's tensor), d (an int64 tensor [0 .. 4]) and m (x > 0, detached)
    "[1, :, 3:11:2, d, 0:2]", "[:, 1, :, d]", "[1, :, d, 1]", "[:, 1, d]", "[d[:2], :, 1, :, d[:2]]", "[T(1), :, d]",
    "[:, T(1), :, d]", "[0, :, 1, d]", "[1:2, T(1), d[:3]]", "[None, 1, None, d[:3]]", "[..., d[:4]]",
    "[d[:2], ..., d[:2]]",
    "[True]", "[False]", "[:, True]", "[d[:2], True, d[:2]]", "[d[:2], :, True]", "[T(True)]", "[T(False), 0]",
    "[[0, 1]]", "[[[0, 1], [1, 0]]]", "[[0, slice(None), 1]]", "[[0, [0, 1]]]", "[[True, False]]", "[[]]",
    "[T([], dtype=torch.int64)]", "[m]", "[m[:, :, 0, 0, 0]]", "[0, m[0, :, :, 0, 0]]",
    "[T([[True, False, True], [True, True, False]])]",
    "[T(1, dtype=torch.uint8)]", "[np.int64(1)]", "[np.array([0, 1])]", "[:, np.array(1)]",
    "[T([[0, 1], [1, 0]]), 1, T([0, 2])]", "[[0, 1], [0, 1]]", "[(0, 1)]", "[:, :, 12:20]", "[:, :, -20:3]", "[2:1]",
    "[d[:2], 0, :, d[:2]]", "[0, ..., 1, ...]", "[..., 0, ...]", "[..., None, ...]", "[None, ..., None]",
    "[:, [[0, 1], [2, 2]], 3, [[1], [0]]]", "[..., [0, 0, 1], :, [1, 2, 3]]", "[1, [0, 0, 2], 5, [1, 1, 3]]",
    "[-1, -2, -3]", "[:, [0, -1, -3]]", "[[1, 0], :, :, 1, [2, 3]]", "[1, 2, 3, 4, 3]", "[()]", "[...]", "[None]",
    "[:, None, [0, 1]]", "[[0, 1], None, [0, 1]]", "[T([0, 1]), None, T([0, 1])]", "[:, :, T([[3, 11]])]",
    "[[0, 1, 1]]",
    "[0, [5, 9]]", "[2:, :, [20]]",  # an empty result skips the bounds check, as in PyTorch
    # errors
    "[:, ::-1]", "[::0]", "[5]", "[-3]", "[:, 3]", "[:, [3]]", "[:, T([-4])]", "[1.0]", "[T([1.0])]",
    "[0, 0, 0, 0, 0, 0]",
    "[:, m[0, :, 0, 0, :]]", "[T([0, 1]), :, T(1), d]", "[[0, 1, 2]]", "[T([True, False, True])]",
    "[..., ..., 0, 0, 0, 0]",
    "['a']",
]


def _getitem(lib, pattern, array):
    """(shape, values, gradient of x) of x<pattern> in ``lib``, or the exception type it raised."""
    if lib is torch:
        x, T = torch.tensor(array, requires_grad=True), torch.tensor
    else:
        x = lm.tensor(array, dtype=np.float64, requires_grad=True)

        def T(value, dtype=None):
            return lm.tensor(np.array(value, dtype=None if dtype is None else str(dtype).replace("torch.", "")))
    d, m = T([0, 1, 2, 3, 4]), x.detach() > 0
    try:
        y = eval("x" + pattern, {"x": x, "T": T, "d": d, "m": m, "np": np, "torch": torch})
    except Exception as err:  # noqa: BLE001 - the type is the result
        return type(err)
    upstream = np.arange(1, 1 + int(np.prod(y.shape)), dtype=np.float64).reshape(tuple(y.shape))
    y.backward(lib.tensor(upstream) if lib is torch else lm.tensor(upstream, dtype=np.float64))
    return tuple(y.shape), y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("pattern", GETITEM_PATTERNS)
def test_getitem_places_dimensions_and_gradients_as_pytorch(pattern):
    import warnings

    array = np.random.default_rng(3).standard_normal((2, 3, 12, 6, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's deprecation warnings (lists as tuples, uint8 masks)
        theirs = _getitem(torch, pattern, array)
    mine = _getitem(lm, pattern, array)
    if isinstance(theirs, type):
        assert isinstance(mine, type) and issubclass(mine, theirs), (mine, theirs)
        return
    assert mine[0] == theirs[0]
    np.testing.assert_array_equal(mine[1], theirs[1])
    np.testing.assert_array_equal(mine[2], theirs[2])


def _random_index(rng, shape):
    """An index tuple mixing ints, slices, None, ..., Python bools, int tensors, lists, 0-d tensors and masks."""
    items = []
    for _ in range(rng.integers(1, 5)):
        kind = rng.integers(0, 9)
        if kind == 0:
            items.append(int(rng.integers(-4, 4)))
        elif kind == 1:
            items.append(slice(*(rng.choice([None, -5, -1, 0, 1, 3, 7]) for _ in range(2)), rng.choice([None, 1, 2])))
        elif kind == 2:
            items.append(None if rng.random() < 0.6 else Ellipsis)
        elif kind == 3:
            items.append(bool(rng.random() < 0.5))
        elif kind in (4, 5):
            items.append(("tensor", rng.integers(-3, 4, size=tuple(rng.choice([1, 2, 3], size=rng.integers(1, 3))))))
        elif kind == 6:
            items.append(rng.integers(-3, 4, size=rng.integers(1, 4)).tolist())
        elif kind == 7:
            items.append(("tensor", np.array(rng.integers(-3, 3))))
        else:
            items.append(("tensor", rng.random(shape[:rng.integers(1, 3)]) < 0.5))
    return items


def test_getitem_matches_pytorch_on_random_index_patterns():
    rng = np.random.default_rng(7)
    for shape in [(3, 4, 5, 2), (3, 0, 4), (4,)]:
        array = rng.standard_normal(shape)
        for _ in range(150):
            items = _random_index(rng, shape)
            results = []
            for lib in (torch, lm):
                x = lib.tensor(array, requires_grad=True) if lib is torch else lm.tensor(array, dtype=np.float64,
                                                                                          requires_grad=True)
                index = tuple(lib.tensor(i[1]) if isinstance(i, tuple) else i for i in items)
                try:
                    y = x[index]
                except Exception as err:  # noqa: BLE001
                    results.append(type(err))
                    continue
                y.sum().backward()
                results.append((tuple(y.shape), y.detach().numpy(), x.grad.numpy()))
            theirs, mine = results
            if isinstance(theirs, type):
                assert isinstance(mine, type) and issubclass(mine, theirs), (items, mine, theirs)
            else:
                assert not isinstance(mine, type) and mine[0] == theirs[0], (items, mine, theirs)
                np.testing.assert_array_equal(mine[1], theirs[1])
                np.testing.assert_array_equal(mine[2], theirs[2])


def _random_call(rng):
    """A random call of an indexing op on random (often bad) arguments, as NumPy arrays and numbers."""
    def array(shapes, kinds):
        shape = shapes[rng.integers(len(shapes))]
        values = rng.integers(-2, 5, size=shape)
        return {"f32": values.astype(np.float32), "f64": values.astype(np.float64), "i64": values.astype(np.int64),
                "i32": values.astype(np.int32), "bool": values > 1}[kinds[rng.integers(len(kinds))]]

    def data():
        return array([(), (0,), (3,), (2, 3), (3, 4), (2, 3, 4), (1, 3), (3, 0)], ["f32", "f32", "f64", "i64", "bool"])

    def index():
        return array([(), (1,), (2,), (3,), (2, 2), (1, 3), (2, 3), (3, 4), (2, 3, 4), (0,), (4, 1)],
                     ["i64"] * 5 + ["i32", "f32", "bool"])

    def dim():
        return int(rng.integers(-3, 3))

    calls = {
        "gather": lambda: [data(), dim(), index()],
        "scatter": lambda: [data(), dim(), index(), data() if rng.random() < 0.7 else 1.5],
        "scatter_add": lambda: [data(), dim(), index(), data()],
        "scatter_reduce": lambda: [data(), dim(), index(), data(), ["sum", "prod", "mean", "amax", "amin", "add"][
            rng.integers(6)]],
        "index_add": lambda: [data(), dim(), index(), data()],
        "index_copy": lambda: [data(), dim(), index(), data()],
        "index_fill": lambda: [data(), dim(), index(), 2.5],
        "index_select": lambda: [data(), dim(), index()],
        "masked_select": lambda: [data(), data() > 0],
        "masked_scatter": lambda: [data(), data() > 0, data()],
        "nonzero": lambda: [data()],
        "take": lambda: [data(), index()],
        "take_along_dim": lambda: [data(), index(), [None, 0, 1, -1, 2][rng.integers(5)]],
        "masked_fill": lambda: [data(), data() > 0 if rng.random() < 0.8 else data(), 1.5],
    }
    name = sorted(calls)[rng.integers(len(calls))]
    return name, calls[name]()


def test_random_bad_calls_raise_what_pytorch_raises_or_agree():
    """1500 random calls: where PyTorch raises, Lamina raises PyTorch's type; otherwise the results agree."""
    rng = np.random.default_rng(11)
    for _ in range(1500):
        name, args = _random_call(rng)
        results = []
        for lib in (torch, lm):
            made = [(torch.from_numpy(np.array(a)) if lib is torch else lm.from_numpy(np.array(a)))
                    if isinstance(a, np.ndarray) else a for a in args]
            try:
                out = getattr(lib, name)(*made)
            except Exception as err:  # noqa: BLE001 - the type is the result
                results.append(type(err))
                continue
            results.append(np.asarray(out.detach() if lib is torch else out.numpy()))
        theirs, mine = results
        described = f"{name}{tuple(getattr(a, 'shape', a) for a in args)} {[getattr(a, 'dtype', None) for a in args]}"
        if isinstance(theirs, type):
            if name in ("scatter_reduce", "scatter_add", "scatter") and isinstance(mine, type) and \
                    issubclass(theirs, IndexError) and issubclass(mine, RuntimeError):
                continue  # PyTorch's dim-against-src check comes before some of its other checks: both reject
            assert isinstance(mine, type) and issubclass(mine, theirs), (described, mine, theirs)
        else:
            assert not isinstance(mine, type), (described, mine)
            assert mine.shape == theirs.shape and mine.dtype == theirs.dtype, described
            np.testing.assert_array_equal(mine, theirs, err_msg=described)


SETITEM_CASES = [
    (lambda d: (1, slice(None), slice(3, 11, 2), d, slice(0, 2)), (2, 3, 12, 6, 4), (3, 4, 5, 2)),
    (lambda d: (d, slice(None), d), (6, 3, 6), (5, 3)),
    (lambda d: (Ellipsis, d), (2, 3, 6), (2, 3, 5)),
    (lambda d: (0, d, None), (2, 6, 3), (5, 1, 3)),
]


@pytest.mark.parametrize("case", range(len(SETITEM_CASES)))
@pytest.mark.parametrize("graph", [False, True])
def test_setitem_places_indexed_dims_as_pytorch(case, graph):
    """x[index] = v writes the cells torch writes (mixed basic and advanced indices), and in the graph the
    gradient of x is zero where it was overwritten while v receives the gradient of those cells."""
    make_index, shape, value_shape = SETITEM_CASES[case]
    rng = np.random.default_rng(case)
    x, v, d = rng.standard_normal(shape), rng.standard_normal(value_shape), np.array([4, 0, 2, 1, 3])
    tx, tv = torch.tensor(x, requires_grad=graph), torch.tensor(v, requires_grad=graph)
    lx, lv = lm.from_numpy(x.copy()).requires_grad_(graph), lm.from_numpy(v.copy()).requires_grad_(graph)
    ty, ly = tx * 1, lx * 1
    ty[make_index(torch.from_numpy(d))] = tv
    ly[make_index(lm.from_numpy(d))] = lv
    np.testing.assert_array_equal(ly.detach().numpy(), ty.detach().numpy())
    if graph:
        w = rng.standard_normal(shape)
        (ty * torch.from_numpy(w)).sum().backward()
        (ly * lm.from_numpy(w)).sum().backward()
        np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy())
        np.testing.assert_allclose(lv.grad.numpy(), tv.grad.numpy())
