"""Bad input to the shape ops (lamina/ops/shape.py) raises the exception type PyTorch raises, with a message
naming the op; NumPy integers, 0-d and empty tensors behave as in PyTorch."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F


def _pad(m):
    return F.pad if m is lm else torch.nn.functional.pad


X = (2, 3, 4)

# name: (call written once for both libraries, m is lamina or torch; the type PyTorch raises; the op named)
BAD_CALLS = {
    "permute_out_of_range": (lambda m: m.ones(*X).permute(0, 1, 3), IndexError, "permute"),
    "permute_repeated": (lambda m: m.ones(*X).permute(0, 1, 1), RuntimeError, "permute"),
    "permute_too_few": (lambda m: m.ones(*X).permute(0, 1), RuntimeError, "permute"),
    "permute_0d": (lambda m: m.tensor(1.0).permute(0), RuntimeError, "permute"),
    "permute_float": (lambda m: m.permute(m.ones(*X), (0, 1, 2.0)), TypeError, "permute"),
    "flatten_start_after_end": (lambda m: m.ones(*X).flatten(2, 1), RuntimeError, "flatten"),
    "flatten_out_of_range": (lambda m: m.ones(*X).flatten(0, 3), IndexError, "flatten"),
    "flatten_0d_dim_1": (lambda m: m.tensor(1.0).flatten(1), IndexError, "flatten"),
    "reshape_minus_2": (lambda m: m.ones(*X).reshape(-2, 12), RuntimeError, "reshape"),
    "reshape_two_minus_1": (lambda m: m.ones(*X).reshape(-1, -1), RuntimeError, "reshape"),
    "reshape_wrong_size": (lambda m: m.ones(*X).reshape(5, 5), RuntimeError, "reshape"),
    "reshape_infer_from_zero": (lambda m: m.ones(0, 3).reshape(-1, 0), RuntimeError, "reshape"),
    "reshape_float": (lambda m: m.ones(*X).reshape((2.0, 12)), TypeError, "reshape"),
    "view_as_wrong_size": (lambda m: m.ones(*X).view_as(m.ones(5)), RuntimeError, "reshape"),
    "broadcast_to_float": (lambda m: m.broadcast_to(m.ones(3), (2.5, 3)), TypeError, "broadcast_to"),
    "broadcast_to_mismatch": (lambda m: m.broadcast_to(m.ones(2, 3), (4, 3)), RuntimeError, "broadcast_to"),
    "expand_float": (lambda m: m.ones(3).expand((2.0, 3)), TypeError, "expand"),
    "expand_leading_minus_1": (lambda m: m.ones(3).expand(-1, 3), RuntimeError, "expand"),
    "expand_fewer_sizes": (lambda m: m.ones(2, 3).expand(3), RuntimeError, "expand"),
    "expand_mismatch": (lambda m: m.ones(2, 3).expand(4, 3), RuntimeError, "expand"),
    "cat_of_a_tensor": (lambda m: m.cat(m.ones(2, 3)), TypeError, "cat"),
    "cat_mismatch": (lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]), RuntimeError, "cat"),
    "cat_ndim": (lambda m: m.cat([m.ones(2, 3), m.ones(2, 3, 1)]), RuntimeError, "cat"),
    "cat_0d": (lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]), RuntimeError, "cat"),
    "cat_empty_list": (lambda m: m.cat([]), ValueError, "cat"),
    "cat_dim_out_of_range": (lambda m: m.cat([m.ones(2, 3)], 2), IndexError, "cat"),
    "cat_dim_float": (lambda m: m.cat([m.ones(2, 3)], 1.0), TypeError, "cat"),
    "stack_mismatch": (lambda m: m.stack([m.ones(2, 3), m.ones(2, 4)]), RuntimeError, "stack"),
    "stack_of_a_tensor": (lambda m: m.stack(m.ones(2, 3)), TypeError, "stack"),
    "stack_empty": (lambda m: m.stack([]), RuntimeError, "stack"),
    "stack_dim_out_of_range": (lambda m: m.stack([m.ones(2)], 3), IndexError, "stack"),
    "hstack_of_a_tensor": (lambda m: m.hstack(m.ones(2, 3)), TypeError, "hstack"),
    "vstack_empty": (lambda m: m.vstack([]), RuntimeError, "vstack"),
    "roll_shifts_dims_mismatch": (lambda m: m.ones(*X).roll((1, 2), (0,)), RuntimeError, "roll"),
    "roll_tuple_without_dims": (lambda m: m.ones(*X).roll((1, 2)), RuntimeError, "roll"),
    "roll_out_of_range": (lambda m: m.ones(*X).roll(1, 3), IndexError, "roll"),
    "roll_0d_with_dim": (lambda m: m.tensor(1.0).roll(1, 0), IndexError, "roll"),
    "roll_float_shift": (lambda m: m.ones(*X).roll(1.5, 0), TypeError, "roll"),
    "flip_repeated": (lambda m: m.ones(*X).flip((0, 0)), RuntimeError, "flip"),
    "flip_out_of_range": (lambda m: m.ones(*X).flip(3), IndexError, "flip"),
    "flip_function_int": (lambda m: m.flip(m.ones(*X), 0), TypeError, "flip"),
    "squeeze_out_of_range": (lambda m: m.ones(*X).squeeze(3), IndexError, "squeeze"),
    "squeeze_repeated": (lambda m: m.ones(2, 1, 3).squeeze((1, 1)), RuntimeError, "squeeze"),
    "squeeze_0d_dim_1": (lambda m: m.tensor(1.0).squeeze(1), IndexError, "squeeze"),
    "unsqueeze_out_of_range": (lambda m: m.ones(*X).unsqueeze(4), IndexError, "unsqueeze"),
    "unsqueeze_float": (lambda m: m.ones(*X).unsqueeze(1.0), TypeError, "unsqueeze"),
    "unsqueeze_0d_dim_1": (lambda m: m.tensor(1.0).unsqueeze(1), IndexError, "unsqueeze"),
    "transpose_out_of_range": (lambda m: m.ones(*X).transpose(0, 3), IndexError, "transpose"),
    "t_of_3d": (lambda m: m.ones(*X).t(), RuntimeError, "t"),
    "mT_of_1d": (lambda m: m.ones(3).mT, RuntimeError, "mT"),
    "split_out_of_range": (lambda m: m.ones(*X).split(1, 3), IndexError, "split"),
    "split_zero": (lambda m: m.ones(*X).split(0, 1), RuntimeError, "split"),
    "split_negative": (lambda m: m.ones(*X).split(-1, 1), RuntimeError, "split"),
    "split_sizes_sum": (lambda m: m.ones(*X).split([1, 1], 1), RuntimeError, "split"),
    "split_sizes_negative": (lambda m: m.ones(*X).split([4, -1], 1), RuntimeError, "split"),
    "split_0d": (lambda m: m.tensor(1.0).split(1), RuntimeError, "split"),
    "chunk_out_of_range": (lambda m: m.ones(*X).chunk(2, 3), IndexError, "chunk"),
    "chunk_zero": (lambda m: m.ones(*X).chunk(0, 1), RuntimeError, "chunk"),
    "chunk_0d": (lambda m: m.tensor(1.0).chunk(1), RuntimeError, "chunk"),
    "repeat_fewer_sizes": (lambda m: m.ones(*X).repeat(2, 2), RuntimeError, "repeat"),
    "repeat_negative": (lambda m: m.ones(*X).repeat(2, -1, 1), RuntimeError, "repeat"),
    "repeat_float": (lambda m: m.ones(*X).repeat((2.0, 1, 1)), TypeError, "repeat"),
    "tile_negative": (lambda m: m.ones(*X).tile((-1,)), RuntimeError, "repeat"),
    "repeat_interleave_bad_count_length": (
        lambda m: m.repeat_interleave(m.ones(3, 4), m.tensor([1, 2]), dim=0), RuntimeError, "repeat_interleave"),
    "repeat_interleave_negative_counts": (
        lambda m: m.repeat_interleave(m.ones(3, 4), m.tensor([1, -1, 2]), dim=0), RuntimeError, "repeat_interleave"),
    "repeat_interleave_negative_int": (
        lambda m: m.repeat_interleave(m.ones(3, 4), -1, dim=0), RuntimeError, "repeat_interleave"),
    "repeat_interleave_float_counts": (
        lambda m: m.repeat_interleave(m.ones(3, 4), m.tensor([1.0, 1.0, 2.0]), dim=0), NotImplementedError,
        "repeat_interleave"),
    "repeat_interleave_2d_counts": (
        lambda m: m.repeat_interleave(m.ones(3, 4), m.tensor([[1, 1, 2]]), dim=0), RuntimeError, "repeat_interleave"),
    "repeat_interleave_dim_out_of_range": (
        lambda m: m.repeat_interleave(m.ones(3, 4), 2, dim=2), IndexError, "repeat_interleave"),
    "repeat_interleave_output_size": (
        lambda m: m.repeat_interleave(m.ones(3, 4), m.tensor([1, 0, 2]), dim=0, output_size=5), RuntimeError,
        "repeat_interleave"),
    "unflatten_wrong_product": (lambda m: m.ones(*X).unflatten(2, (3, -1)), RuntimeError, "unflatten"),
    "unflatten_two_minus_1": (lambda m: m.ones(*X).unflatten(2, (-1, -1)), RuntimeError, "unflatten"),
    "unflatten_empty_sizes": (lambda m: m.ones(*X).unflatten(2, ()), RuntimeError, "unflatten"),
    "unflatten_out_of_range": (lambda m: m.ones(*X).unflatten(3, (2, 2)), IndexError, "unflatten"),
    "unflatten_0d": (lambda m: m.tensor(1.0).unflatten(0, (1,)), RuntimeError, "unflatten"),
    "unflatten_float": (lambda m: m.unflatten(m.ones(*X), -1, (2.0, 2)), TypeError, "unflatten"),
    "tril_1d": (lambda m: m.ones(5).tril(), RuntimeError, "tril"),
    "triu_0d": (lambda m: m.tensor(1.0).triu(), RuntimeError, "triu"),
    "tril_float_diagonal": (lambda m: m.ones(3, 3).tril(1.0), TypeError, "tril"),
    "diagonal_1d": (lambda m: m.ones(5).diagonal(), IndexError, "diagonal"),
    "diagonal_same_dims": (lambda m: m.ones(*X).diagonal(0, 1, 1), RuntimeError, "diagonal"),
    "diagonal_out_of_range": (lambda m: m.ones(*X).diagonal(0, 1, 3), IndexError, "diagonal"),
    "diag_3d": (lambda m: m.diag(m.ones(*X)), RuntimeError, "diag"),
    "diag_0d": (lambda m: m.diag(m.tensor(1.0)), RuntimeError, "diag"),
    "diag_embed_same_dims": (lambda m: m.diag_embed(m.ones(*X), 1, 0, 0), RuntimeError, "diag_embed"),
    "diag_embed_out_of_range": (lambda m: m.diag_embed(m.ones(*X), 1, 0, 4), IndexError, "diag_embed"),
    "diag_embed_0d": (lambda m: m.diag_embed(m.tensor(1.0)), IndexError, "diag_embed"),
    "meshgrid_bad_indexing": (lambda m: m.meshgrid(m.ones(3), m.ones(2), indexing="yx"), RuntimeError, "meshgrid"),
    "meshgrid_2d": (lambda m: m.meshgrid(m.ones(2, 3), m.ones(3), indexing="ij"), RuntimeError, "meshgrid"),
    "meshgrid_dtypes": (lambda m: m.meshgrid(m.ones(3), m.ones(3, dtype=m.int64), indexing="ij"), RuntimeError,
                        "meshgrid"),
    "meshgrid_empty": (lambda m: m.meshgrid(indexing="ij"), RuntimeError, "meshgrid"),
    "unfold_window_too_big": (lambda m: m.ones(*X).unfold(2, 5, 1), RuntimeError, "unfold"),
    "unfold_step_0": (lambda m: m.ones(*X).unfold(2, 2, 0), RuntimeError, "unfold"),
    "unfold_out_of_range": (lambda m: m.ones(*X).unfold(3, 2, 1), IndexError, "unfold"),
    "unfold_0d_window_2": (lambda m: m.tensor(1.0).unfold(0, 2, 1), RuntimeError, "unfold"),
    "movedim_repeated": (lambda m: m.ones(*X).movedim((0, 0), (2, 1)), RuntimeError, "movedim"),
    "movedim_lengths": (lambda m: m.ones(*X).movedim((0, 1), (2,)), RuntimeError, "movedim"),
    "movedim_out_of_range": (lambda m: m.ones(*X).movedim(3, 0), IndexError, "movedim"),
    "narrow_too_long": (lambda m: m.ones(*X).narrow(2, 3, 2), RuntimeError, "narrow"),
    "narrow_start_out_of_range": (lambda m: m.ones(*X).narrow(2, 5, 0), IndexError, "narrow"),
    "narrow_negative_length": (lambda m: m.ones(*X).narrow(2, 0, -1), RuntimeError, "narrow"),
    "narrow_dim_out_of_range": (lambda m: m.ones(*X).narrow(3, 0, 1), IndexError, "narrow"),
    "narrow_0d": (lambda m: m.tensor(1.0).narrow(0, 0, 1), RuntimeError, "narrow"),
    "select_index_out_of_range": (lambda m: m.ones(*X).select(1, 3), IndexError, "select"),
    "select_dim_out_of_range": (lambda m: m.ones(*X).select(3, 0), IndexError, "select"),
    "select_0d": (lambda m: m.tensor(1.0).select(0, 0), IndexError, "select"),
    "select_float": (lambda m: m.ones(*X).select(0, 1.0), TypeError, "select"),
    "unbind_0d": (lambda m: m.tensor(1.0).unbind(), IndexError, "unbind"),
    "unbind_out_of_range": (lambda m: m.ones(*X).unbind(3), IndexError, "unbind"),
    "rot90_same_dims": (lambda m: m.rot90(m.ones(*X), 1, (0, 0)), RuntimeError, "rot90"),
    "rot90_one_dim": (lambda m: m.rot90(m.ones(*X), 1, (0,)), RuntimeError, "rot90"),
    "rot90_1d": (lambda m: m.rot90(m.ones(5), 1, (0, 1)), RuntimeError, "rot90"),
    "rot90_out_of_range": (lambda m: m.rot90(m.ones(*X), 1, (0, 3)), IndexError, "rot90"),
    "tensor_split_zero_sections": (lambda m: m.tensor_split(m.ones(7), 0), RuntimeError, "tensor_split"),
    "tensor_split_0d": (lambda m: m.tensor_split(m.tensor(1.0), 1), RuntimeError, "tensor_split"),
    "tile_function_int": (lambda m: m.tile(m.ones(*X), 2), TypeError, "tile"),
    "hsplit_uneven": (lambda m: m.hsplit(m.ones(4, 6), 4), RuntimeError, "hsplit"),
    "hsplit_0d": (lambda m: m.hsplit(m.tensor(1.0), 1), RuntimeError, "hsplit"),
    "vsplit_1d": (lambda m: m.vsplit(m.ones(6), 2), RuntimeError, "vsplit"),
    "dsplit_2d": (lambda m: m.dsplit(m.ones(4, 6), 2), RuntimeError, "dsplit"),
    "t_function_3d": (lambda m: m.t(m.ones(*X)), RuntimeError, "t"),
    "flip_no_dims": (lambda m: m.ones(*X).flip(), TypeError, "flip"),
    "reshape_no_shape": (lambda m: m.ones(*X).reshape(), TypeError, "reshape"),
    "permute_no_dims": (lambda m: m.ones(*X).permute(), TypeError, "permute"),
    "expand_no_size": (lambda m: m.ones(*X).expand(), TypeError, "expand"),
    "repeat_no_sizes": (lambda m: m.ones(*X).repeat(), TypeError, "repeat"),
    "movedim_int_and_tuple": (lambda m: m.ones(*X).movedim(0, (1,)), TypeError, "movedim"),
    "roll_no_shifts": (lambda m: m.ones(*X).roll((), 0), RuntimeError, "roll"),
    "roll_empty_misaligned": (lambda m: m.ones(2, 0).roll(1, (0, 1)), RuntimeError, "roll"),
    "chunk_bool": (lambda m: m.ones(*X).chunk(True), TypeError, "chunk"),
    "flatten_bool": (lambda m: m.ones(*X).flatten(True), TypeError, "flatten"),
    "repeat_bool_first": (lambda m: m.ones(*X).repeat((True, 1, 1)), TypeError, "repeat"),
    "pad_crops_too_much": (lambda m: _pad(m)(m.ones(3, 2), (-4, 2)), RuntimeError, "pad"),
    "pad_replicate_all_empty": (lambda m: _pad(m)(m.ones(3, 2, 2), (-2, 0, -2, 0), mode="replicate"),
                                RuntimeError, "pad"),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_calls_raise_what_pytorch_raises(name):
    call, error, op = BAD_CALLS[name]
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=op):
        call(lm)


# ---- NumPy integers, 0-d and empty tensors ------------------------------------------------------------------
I = np.int64
EDGE_CALLS = {
    "reshape_numpy_ints": lambda m, x: x.reshape(I(4), I(6)),
    "reshape_numpy_tuple": lambda m, x: x.reshape((I(-1), I(3))),
    "permute_numpy": lambda m, x: x.permute(I(2), I(0), I(1)),
    "transpose_numpy": lambda m, x: x.transpose(I(0), I(-1)),
    "flatten_numpy": lambda m, x: x.flatten(I(1)),
    "roll_numpy": lambda m, x: x.roll(I(1), I(0)),
    "roll_numpy_tuple": lambda m, x: x.roll((I(1), I(-2)), (I(0), I(2))),
    "flip_numpy": lambda m, x: x.flip((I(0), I(2))),
    "squeeze_numpy": lambda m, x: x.unsqueeze(I(1)).squeeze(I(1)),
    "expand_numpy": lambda m, x: x.unsqueeze(0).expand(I(2), I(-1), I(3), I(4)),
    "split_numpy_dim": lambda m, x: x.split(2, I(1)),
    "chunk_numpy": lambda m, x: x.chunk(I(2), I(2)),
    "cat_numpy_dim": lambda m, x: m.cat([x, x], I(1)),
    "stack_numpy_dim": lambda m, x: m.stack([x, x], I(-1)),
    "narrow_numpy": lambda m, x: x.narrow(I(2), I(1), I(2)),
    "repeat_numpy": lambda m, x: x.repeat(I(1), I(2), I(1)),
    "repeat_bool_after_first": lambda m, x: x.repeat(2, True, 1),
    "tile_int": lambda m, x: x.tile(2),
    "reshape_keyword": lambda m, x: m.reshape(x, shape=(4, -1)),
    "view_keyword": lambda m, x: x.view(size=(4, 6)),
    "permute_keyword": lambda m, x: m.permute(x, dims=(2, 0, 1)),
    "expand_keyword": lambda m, x: x[:, :1].expand(size=(2, 5, 4)),
    "broadcast_to_keyword": lambda m, x: m.broadcast_to(x, size=(2, 2, 3, 4)),
    "repeat_keyword": lambda m, x: x.repeat(repeats=(1, 2, 1)),
    "flip_keyword": lambda m, x: x.flip(dims=(0, 2)),
    "split_keyword": lambda m, x: x.split(split_size=2, dim=1),
    "tile_ints": lambda m, x: x.tile(I(2), 1),
    "roll_empty_dims": lambda m, x: x.roll(3, ()),
    "pad_replicate_one_empty": lambda m, x: _pad(m)(x, (-3, 0, 1, 1), mode="replicate"),
    "pad_reflect_one_empty": lambda m, x: _pad(m)(x, (1, 1, -3, 0), mode="reflect"),
}
EDGE_0D = {
    "reshape_1": lambda m, x: x.reshape(1), "reshape_empty": lambda m, x: x.reshape(()),
    "reshape_minus_1": lambda m, x: x.reshape(-1), "flatten": lambda m, x: x.flatten(),
    "flatten_0_0": lambda m, x: x.flatten(0, 0), "squeeze": lambda m, x: x.squeeze(),
    "squeeze_0": lambda m, x: x.squeeze(0), "squeeze_minus_1": lambda m, x: x.squeeze(-1),
    "unsqueeze_minus_1": lambda m, x: x.unsqueeze(-1), "unsqueeze_0": lambda m, x: x.unsqueeze(0),
    "flip": lambda m, x: x.flip(0), "flip_none": lambda m, x: m.flip(x, ()), "roll": lambda m, x: x.roll(2),
    "transpose": lambda m, x: x.transpose(0, -1), "t": lambda m, x: x.t(), "expand": lambda m, x: x.expand(3, 2),
    "expand_empty": lambda m, x: x.expand(()), "repeat": lambda m, x: x.repeat(2), "view": lambda m, x: x.view(1, 1),
    "stack": lambda m, x: m.stack([x, x]), "movedim": lambda m, x: x.movedim(0, 0),
}
EDGE_EMPTY = {
    "reshape": lambda m, x: x.reshape(3, 0, 2), "reshape_infer": lambda m, x: x.reshape(-1, 2),
    "flatten": lambda m, x: x.flatten(), "permute": lambda m, x: x.permute(1, 2, 0),
    "flip": lambda m, x: x.flip(1), "roll": lambda m, x: x.roll(1, 0), "roll_flat": lambda m, x: x.roll(3),
    "cat": lambda m, x: m.cat([x, x], 1), "stack": lambda m, x: m.stack([x, x], 1),
    "split": lambda m, x: x.split(1, 0), "squeeze": lambda m, x: x.squeeze(),
    "expand": lambda m, x: x.expand(2, -1, 0, 2), "repeat": lambda m, x: x.repeat(1, 2, 3),
    "tril": lambda m, x: x.tril(), "diagonal": lambda m, x: x.diagonal(0, 0, 2),
    "unfold": lambda m, x: x.unfold(2, 1, 1), "movedim": lambda m, x: x.movedim(1, 0),
    "narrow": lambda m, x: x.narrow(0, 1, 2), "unbind": lambda m, x: x.unbind(0),
    "roll_dim_out_of_range": lambda m, x: x.roll(1, 7), "repeat_negative_of_empty": lambda m, x: x.repeat(1, -1, 2),
    "chunk_empty_dim": lambda m, x: x.chunk(3, 1),
}


def _check_same(ours, theirs):
    ours = list(ours) if isinstance(ours, tuple) else [ours]
    theirs = list(theirs) if isinstance(theirs, tuple) else [theirs]
    assert len(ours) == len(theirs)
    for y, yt in zip(ours, theirs):
        assert y.shape == tuple(yt.shape)
        np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())


@pytest.mark.parametrize("name", sorted(EDGE_CALLS))
def test_numpy_integers_bools_in_lists_and_lenient_forms_as_pytorch(name):
    a = np.arange(24.0).reshape(2, 3, 4)
    _check_same(EDGE_CALLS[name](lm, lm.tensor(a, dtype="float64")), EDGE_CALLS[name](torch, torch.tensor(a)))


@pytest.mark.parametrize("name", sorted(EDGE_0D))
def test_0d_tensors_behave_as_in_pytorch(name):
    x, xt = lm.tensor(1.5, dtype="float64", requires_grad=True), torch.tensor(1.5, dtype=torch.float64,
                                                                              requires_grad=True)
    y, yt = EDGE_0D[name](lm, x), EDGE_0D[name](torch, xt)
    _check_same(y, yt)
    (y * 2).sum().backward()
    (yt * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("name", sorted(EDGE_EMPTY))
def test_empty_tensors_behave_as_in_pytorch(name):
    _check_same(EDGE_EMPTY[name](lm, lm.zeros(3, 0, 2)), EDGE_EMPTY[name](torch, torch.zeros(3, 0, 2)))


def test_error_messages_name_the_op_and_what_was_expected():
    with pytest.raises(IndexError, match=r"permute: dim 3 is out of range for a tensor with 3 dimensions"):
        lm.ones(*X).permute(0, 1, 3)
    with pytest.raises(RuntimeError, match=r"permute: duplicate dims are not allowed, got \(0, 1, 1\)"):
        lm.ones(*X).permute(0, 1, 1)
    with pytest.raises(TypeError, match=r"broadcast_to: each size entry must be an int, not float \(2.5\)"):
        lm.broadcast_to(lm.ones(3), (2.5, 3))
    with pytest.raises(RuntimeError, match=r"roll: shifts and dims must align: 2 shifts and 1 dims"):
        lm.ones(*X).roll((1, 2), (0,))
    with pytest.raises(RuntimeError, match=r"cat: shapes \(2, 3\) and \(2, 4\) differ outside dim 0"):
        lm.cat([lm.ones(2, 3), lm.ones(2, 4)])
    with pytest.raises(RuntimeError, match=r"stack: expects each tensor to be equal size, got \(2, 3\) at entry 0"):
        lm.stack([lm.ones(2, 3), lm.ones(2, 4)])


def test_mT_of_a_0d_tensor_is_itself_with_pytorchs_warning_and_of_a_vector_an_error():
    with pytest.warns(UserWarning, match="deprecated on 0-D"):
        theirs = torch.tensor(2.0).mT
    with pytest.warns(UserWarning, match="deprecated on 0-D"):
        ours = lm.tensor(2.0).mT
    assert ours.item() == theirs.item()
    with pytest.raises(RuntimeError):
        torch.zeros(3).mT
    with pytest.raises(RuntimeError, match="mT"):
        lm.zeros(3).mT
