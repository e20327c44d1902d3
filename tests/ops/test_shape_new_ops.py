"""The shape ops added for PyTorch's API (lamina/ops/shape.py): repeat, tile, repeat_interleave, unflatten,
tril/triu, diagonal/diag/diag_embed, meshgrid, unfold, movedim, narrow, select, unbind, the stacks, atleast_nd,
rot90, tensor_split. Values, shapes, dtypes and gradients against torch; finite differences in float64."""
import warnings

import numpy as np
import pytest
import torch

import lamina as lm


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _torch_dtype_name(t):
    return str(t.dtype).replace("torch.", "lamina.")


def compare(ours, theirs, *arrays, seed=0):
    """Run ``ours`` on Lamina tensors and ``theirs`` on torch tensors made from ``arrays`` (float inputs require
    grad); outputs must agree in shape, dtype and value, and the input gradients for a random upstream
    gradient on every floating output."""
    rng = np.random.default_rng(seed)
    lm_in = [lm.tensor(a, dtype=a.dtype, requires_grad=a.dtype.kind == "f") for a in arrays]
    torch_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ys, yts = _outputs(ours(*lm_in)), _outputs(theirs(*torch_in))
    assert len(ys) == len(yts)
    loss, loss_t = None, None
    for y, yt in zip(ys, yts):
        assert y.shape == tuple(yt.shape)
        assert str(y.dtype) == _torch_dtype_name(yt)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-7)
        if yt.requires_grad:
            u = rng.standard_normal(y.shape).astype(y.dtype)
            term, term_t = (y * lm.tensor(u, dtype=u.dtype)).sum(), (yt * torch.tensor(u)).sum()
            loss, loss_t = (term, term_t) if loss is None else (loss + term, loss_t + term_t)
    if loss is not None:
        loss.backward()
        loss_t.backward()
        for x, xt in zip(lm_in, torch_in):
            if xt.requires_grad:
                expected = np.zeros(x.shape) if xt.grad is None else xt.grad.numpy()
                got = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
                np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def randn(*shape, dtype="float64", seed=3):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# name: (op as both libraries write it, input shapes)
CASES = {
    "repeat": (lambda x: x.repeat(2, 1, 3), [(2, 3)]),
    "repeat_same_ndim": (lambda x: x.repeat((2, 3)), [(2, 3)]),
    "repeat_zero": (lambda x: x.repeat(2, 0), [(2, 3)]),
    "repeat_0d": (lambda x: x.repeat(3, 2), [()]),
    "tile": (lambda x: x.tile((2,)), [(2, 3)]),
    "tile_more": (lambda x: x.tile((2, 1, 2)), [(2, 3)]),
    "repeat_interleave_int": (lambda x: x.repeat_interleave(2), [(2, 3)]),
    "repeat_interleave_dim": (lambda x: x.repeat_interleave(3, dim=1), [(2, 3)]),
    "repeat_interleave_0d": (lambda x: x.repeat_interleave(3), [()]),
    "unflatten": (lambda x: x.unflatten(1, (2, -1)), [(2, 6, 2)]),
    "unflatten_neg_dim": (lambda x: x.unflatten(-1, [3, 2]), [(2, 6)]),
    "tril": (lambda x: x.tril(), [(4, 3)]),
    "tril_batched": (lambda x: x.tril(-1), [(2, 3, 4)]),
    "triu": (lambda x: x.triu(1), [(2, 4, 4)]),
    "triu_far": (lambda x: x.triu(-5), [(3, 4)]),
    "diagonal": (lambda x: x.diagonal(), [(3, 4)]),
    "diagonal_offset": (lambda x: x.diagonal(1, 0, 2), [(3, 2, 4)]),
    "diagonal_negative": (lambda x: x.diagonal(-1, -1, 0), [(3, 2, 4)]),
    "diagonal_past": (lambda x: x.diagonal(7), [(3, 4)]),
    "diag_vector": (lambda x: x.diag(), [(4,)]),
    "diag_vector_offset": (lambda x: x.diag(-2), [(3,)]),
    "diag_matrix": (lambda x: x.diag(1), [(3, 4)]),
    "diag_embed": (lambda x: x.diag_embed(), [(2, 3)]),
    "diag_embed_dims": (lambda x: x.diag_embed(1, 0, 2), [(2, 3, 4)]),
    "diag_embed_negative": (lambda x: x.diag_embed(-2, -1, 1), [(2, 3)]),
    "unfold": (lambda x: x.unfold(1, 3, 2), [(2, 7, 3)]),
    "unfold_overlap": (lambda x: x.unfold(-1, 4, 1), [(2, 6)]),
    "unfold_empty_window": (lambda x: x.unfold(0, 0, 1), [(3,)]),
    "unfold_0d": (lambda x: x.unfold(0, 1, 1), [()]),
    "movedim": (lambda x: x.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    "moveaxis": (lambda x: x.moveaxis(-1, 0), [(2, 3, 4)]),
    "swapdims": (lambda x: x.swapdims(0, 2), [(2, 3, 4)]),
    "swapaxes": (lambda x: x.swapaxes(-1, 1), [(2, 3, 4)]),
    "narrow": (lambda x: x.narrow(1, 1, 2), [(2, 4)]),
    "narrow_negative_start": (lambda x: x.narrow(-1, -3, 2), [(2, 4)]),
    "select": (lambda x: x.select(1, -1), [(2, 3, 4)]),
    "unbind": (lambda x: x.unbind(1), [(2, 3, 4)]),
    "view_as": (lambda x, y: x.view_as(y), [(2, 6), (3, 4)]),
    "reshape_as": (lambda x, y: x.reshape_as(y), [(2, 6), (4, 3)]),
    "rot90": (lambda x: x.rot90(1, (0, 2)), [(2, 3, 4)]),
    "rot90_2": (lambda x: x.rot90(2, (1, 0)), [(2, 3, 4)]),
    "rot90_minus1": (lambda x: x.rot90(-1, (0, 1)), [(2, 3)]),
    "rot90_4": (lambda x: x.rot90(4), [(2, 3)]),
    "tensor_split_sections": (lambda x: x.tensor_split(3, 1), [(2, 7)]),
    "tensor_split_indices": (lambda x: x.tensor_split([1, 5, 9, 3]), [(7, 2)]),
    "tensor_split_negative": (lambda x: x.tensor_split((-2,)), [(7,)]),
    "squeeze_tuple": (lambda x: x.squeeze((1, 3)), [(2, 1, 3, 1)]),
    "squeeze_tuple_keeps": (lambda x: x.squeeze((0, -1)), [(2, 1, 3, 1)]),
    "flatten_middle": (lambda x: x.flatten(1, 2), [(2, 3, 4, 1)]),
    "fliplr": (lambda x: x.fliplr(), [(2, 3)]),
    "flipud": (lambda x: x.flipud(), [(2, 3)]),
    "t_vector": (lambda x: x.t(), [(3,)]),
}

FUNCTIONS = {  # torch.<name>(...) and lm.<name>(...)
    "repeat_interleave_tensor": (lambda m, x: m.repeat_interleave(x, m.tensor([1, 0, 2]), dim=0), [(3, 2)]),
    "repeat_interleave_one_count": (lambda m, x: m.repeat_interleave(x, m.tensor([2]), dim=1), [(3, 2)]),
    "repeat_interleave_0d_count": (lambda m, x: m.repeat_interleave(x, m.tensor(2)), [(3, 2)]),
    "repeat_interleave_output_size": (
        lambda m, x: m.repeat_interleave(x, m.tensor([1, 3]), dim=1, output_size=4), [(3, 2)]),
    "meshgrid_ij": (lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [(3,), (4,)]),
    "meshgrid_xy": (lambda m, a, b: m.meshgrid(a, b, indexing="xy"), [(3,), (4,)]),
    "meshgrid_xy_three": (lambda m, a, b, c: m.meshgrid([a, b, c], indexing="xy"), [(3,), (4,), (2,)]),
    "meshgrid_0d": (lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [(), (4,)]),
    "meshgrid_one": (lambda m, a: m.meshgrid(a, indexing="xy"), [(3,)]),
    "hstack_vectors": (lambda m, a, b: m.hstack([a, b]), [(3,), (2,)]),
    "hstack_0d": (lambda m, a, b: m.hstack((a, b)), [(), ()]),
    "hstack_matrices": (lambda m, a, b: m.hstack([a, b]), [(2, 3), (2, 1)]),
    "vstack": (lambda m, a, b: m.vstack([a, b]), [(4,), (2, 4)]),
    "row_stack": (lambda m, a, b: m.row_stack([a, b]), [(4,), (4,)]),
    "dstack": (lambda m, a, b: m.dstack([a, b]), [(3,), (3,)]),
    "dstack_matrices": (lambda m, a, b: m.dstack([a, b]), [(2, 3), (2, 3, 2)]),
    "column_stack": (lambda m, a, b, c: m.column_stack([a, b, c]), [(5,), (5, 2), (5,)]),
    "column_stack_0d": (lambda m, a, b: m.column_stack([a, b]), [(), ()]),
    "atleast_1d": (lambda m, a: m.atleast_1d(a), [()]),
    "atleast_2d": (lambda m, a: m.atleast_2d(a), [(3,)]),
    "atleast_3d_vector": (lambda m, a: m.atleast_3d(a), [(3,)]),
    "atleast_3d_matrix": (lambda m, a: m.atleast_3d(a), [(2, 3)]),
    "atleast_3d_0d": (lambda m, a: m.atleast_3d(a), [()]),
    "atleast_2d_many": (lambda m, a, b: m.atleast_2d(a, b), [(), (3,)]),
    "atleast_2d_list": (lambda m, a, b: m.atleast_2d([a, b]), [(), (2, 3, 4)]),
    "moveaxis_fn": (lambda m, x: m.moveaxis(x, (0, 2), (1, 0)), [(2, 3, 4)]),
    "diag_embed_fn": (lambda m, x: m.diag_embed(x, 1), [(2, 3)]),
    "unflatten_fn": (lambda m, x: m.unflatten(x, 0, (2, 3)), [(6, 2)]),
    "narrow_tensor_start": (lambda m, x: m.narrow(x, 0, m.tensor(1), 2), [(4, 2)]),
    "hsplit": (lambda m, x: m.hsplit(x, 3), [(4, 6)]),
    "hsplit_vector_indices": (lambda m, x: m.hsplit(x, [1, 4]), [(6,)]),
    "vsplit": (lambda m, x: m.vsplit(x, 2), [(4, 6)]),
    "dsplit": (lambda m, x: m.dsplit(x, [1]), [(2, 2, 4)]),
    "ravel": (lambda m, x: m.ravel(x), [(2, 3)]),
    "ravel_0d": (lambda m, x: m.ravel(x), [()]),
    "t": (lambda m, x: m.t(x), [(2, 3)]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_methods_match_pytorch(name, dtype):
    fn, shapes = CASES[name]
    compare(fn, fn, *[randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_match_pytorch(name):
    fn, shapes = FUNCTIONS[name]
    compare(lambda *a: fn(lm, *a), lambda *a: fn(torch, *a), *[randn(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("name", ["repeat", "tile", "repeat_interleave_dim", "tril_batched", "triu", "diagonal",
                                  "diag_vector", "diag_embed_dims", "unfold", "movedim", "narrow", "select",
                                  "rot90", "tensor_split_indices"])
def test_integer_and_bool_inputs_keep_their_dtype(name, dtype):
    fn, shapes = CASES[name]
    compare(fn, fn, *[(randn(*s, seed=i) * 3).astype(dtype) for i, s in enumerate(shapes)])


def test_repeat_interleave_of_counts_alone_repeats_indices():
    counts = np.array([1, 0, 3, 2])
    ours, theirs = lm.repeat_interleave(lm.tensor(counts)), torch.repeat_interleave(torch.tensor(counts))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.int64


def test_cat_promotes_dtypes_as_pytorch():
    for a, b in [("int64", "float32"), ("int32", "bool"), ("float16", "int64"), ("float32", "float64"),
                 ("uint8", "int8"), ("bool", "bool")]:
        compare(lambda x, y: lm.cat([x, y]), lambda x, y: torch.cat([x, y]),
                (randn(2, 3) * 3).astype(a), (randn(1, 3, seed=4) * 3).astype(b))
    compare(lambda x, y: lm.stack([x, y], 1), lambda x, y: torch.stack([x, y], 1),
            randn(2, 3, dtype="float32"), randn(2, 3).astype("int64"))


def test_cat_skips_legacy_empty_vectors_and_keeps_empty_tensors():
    compare(lambda x, y: lm.cat([x, y], 1), lambda x, y: torch.cat([x, y], 1), randn(2, 3), randn(0))
    compare(lambda x, y: lm.cat([x, y]), lambda x, y: torch.cat([x, y]), randn(0, 3), randn(2, 3))
    compare(lambda x: lm.stack([x, x], -1), lambda x: torch.stack([x, x], -1), randn(0, 3))


def test_meshgrid_without_indexing_warns_and_uses_ij():
    a, b = lm.tensor([1.0, 2.0, 3.0]), lm.tensor([4.0, 5.0])
    with pytest.warns(UserWarning, match="indexing"):
        x, y = lm.meshgrid(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xt, yt = torch.meshgrid(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0]))
    np.testing.assert_array_equal(x.numpy(), xt.numpy())
    np.testing.assert_array_equal(y.numpy(), yt.numpy())


def test_chunk_and_split_of_empty_dims_as_pytorch():
    for ours, theirs in [(lambda x: x.chunk(3), lambda x: x.chunk(3)), (lambda x: x.split(2), lambda x: x.split(2)),
                         (lambda x: x.split(0), lambda x: x.split(0)), (lambda x: x.chunk(4), lambda x: x.chunk(4))]:
        compare(ours, theirs, randn(0, 2))
    compare(lambda x: x.chunk(5), lambda x: x.chunk(5), randn(6, 2))


def test_tril_zeroes_nan_and_inf_outside_the_triangle():
    a = np.array([[1.0, np.nan, np.inf], [-np.inf, 2.0, np.nan], [3.0, 4.0, 5.0]])
    compare(lambda x: x.tril(), lambda x: x.tril(), a)
    compare(lambda x: x.triu(), lambda x: x.triu(), a)


# ---- finite differences (float64) ------------------------------------------------------------------------
GRADCHECKS = {
    "repeat": lambda x: x.repeat(2, 1, 2), "tile": lambda x: x.tile((3,)),
    "repeat_interleave": lambda x: x.repeat_interleave(2, dim=0),
    "repeat_interleave_tensor": lambda x: lm.repeat_interleave(x, lm.tensor([2, 0, 1]), dim=1),
    "unflatten": lambda x: x.unflatten(1, (3, 1)), "tril": lambda x: x.tril(), "triu": lambda x: x.triu(-1),
    "diagonal": lambda x: x.diagonal(1), "diag_embed": lambda x: x.diag_embed(-1),
    "diag": lambda x: x.diag().diag(1), "unfold": lambda x: x.unfold(1, 2, 1) * x.unfold(1, 2, 1),
    "movedim": lambda x: x.movedim(0, 1), "narrow": lambda x: x.narrow(1, 1, 2), "select": lambda x: x.select(1, 2),
    "unbind": lambda x: x.unbind(0)[1] * 2 + x.unbind(0)[0], "rot90": lambda x: x.rot90(3),
    "tensor_split": lambda x: x.tensor_split(2, 1)[1], "hstack": lambda x: lm.hstack([x, x * x]),
    "dstack": lambda x: lm.dstack([x, x]), "meshgrid": lambda x: lm.meshgrid(x[0], x[1], indexing="xy")[1],
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradients_by_finite_differences(name, r):
    assert lm.gradcheck(GRADCHECKS[name], r(2, 3))


@pytest.mark.parametrize("name", ["tril", "diagonal", "diag_embed", "unfold", "repeat"])
def test_second_derivatives(name, r):
    assert lm.gradgradcheck(lambda x: GRADCHECKS[name](x) ** 2, r(2, 3))


def test_cat_of_one_tensor_is_a_copy_as_in_pytorch():
    x = lm.tensor([1.0, 2.0])
    y = lm.cat([x])
    y[0] = 5.0
    assert x.tolist() == [1.0, 2.0] and y.tolist() == [5.0, 2.0]
