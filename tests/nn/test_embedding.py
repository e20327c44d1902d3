"""``nn.Embedding`` as a module, with ``torch.nn.Embedding`` as the oracle.

The functional ``embedding`` is checked in test_ops_norm_dropout_embedding.py; here: the module's
initialisation, lookups with index tensors of several shapes and integer dtypes, the weight's
gradient with repeated indices, ``padding_idx`` (positive and negative), errors, ``state_dict``
interchange with PyTorch, and a few SGD steps that must land on PyTorch's weights.
"""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina import nn

DTYPES = {
    "float64": (np.float64, torch.float64, {"rtol": 1e-12, "atol": 1e-12}),
    "float32": (np.float32, torch.float32, {"rtol": 1e-5, "atol": 1e-6}),
}


def npy(t):
    return t.detach().numpy()


def pair(num, dim, dtype_key, rng, **kwargs):
    """A Lamina and a PyTorch embedding holding the same random weight (the padding row as PyTorch set it)."""
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    theirs = torch.nn.Embedding(num, dim, dtype=t_dtype, **kwargs)
    weight = rng.standard_normal((num, dim)).astype(np_dtype)
    if theirs.padding_idx is not None:
        weight[theirs.padding_idx] = 0
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(weight))
    ours = nn.Embedding(num, dim, dtype=np_dtype, **kwargs)
    ours.weight.data[...] = weight
    return ours, theirs


def lookup_backward(ours, theirs, indices, dtype_key, rng):
    """Both lookups on the same indices, then backward of sum(y * r)."""
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    y_ours, y_theirs = ours(lm.tensor(indices)), theirs(torch.from_numpy(indices))
    r = rng.standard_normal(tuple(y_theirs.shape))
    (y_ours * lm.tensor(r, dtype=np_dtype)).sum().backward()
    (y_theirs * torch.tensor(r, dtype=t_dtype)).sum().backward()
    return y_ours, y_theirs


# ---- initialisation --------------------------------------------------------------------------
def test_default_init_is_standard_normal_like_torch():
    ours, theirs = nn.Embedding(500, 64), torch.nn.Embedding(500, 64)
    w = npy(ours.weight)
    assert ours.weight.shape == tuple(theirs.weight.shape) == (500, 64)
    assert w.dtype == np.float32 == theirs.weight.detach().numpy().dtype
    assert ours.weight.requires_grad and isinstance(ours.weight, nn.Parameter)
    assert [name for name, _ in ours.named_parameters()] == [name for name, _ in theirs.named_parameters()]
    # N(0, 1): 32000 draws, the mean within ~6 standard errors, the std within a few percent
    assert abs(w.mean()) < 0.035
    assert abs(w.std() - 1) < 0.03
    assert abs(np.mean(np.abs(w) < 1) - 0.6827) < 0.02
    assert not np.array_equal(w, npy(nn.Embedding(500, 64).weight))  # random, not a constant


@pytest.mark.parametrize("padding_idx, row", [(0, 0), (3, 3), (-1, 6), (-7, 0)])
def test_padding_row_is_initialised_to_zero(padding_idx, row):
    ours, theirs = nn.Embedding(7, 5, padding_idx=padding_idx), torch.nn.Embedding(7, 5, padding_idx=padding_idx)
    np.testing.assert_array_equal(npy(ours.weight)[row], 0)
    np.testing.assert_array_equal(theirs.weight.detach().numpy()[row], 0)
    others = np.delete(npy(ours.weight), row, axis=0)
    assert np.all(np.abs(others).sum(axis=1) > 0)


def test_negative_padding_idx_is_normalised_like_torch():
    """PyTorch stores ``padding_idx=-1`` as ``num_embeddings - 1``."""
    for padding_idx in (-1, -3, 2):
        ours = nn.Embedding(7, 2, padding_idx=padding_idx)
        assert ours.padding_idx == torch.nn.Embedding(7, 2, padding_idx=padding_idx).padding_idx


# ---- lookups and gradients -------------------------------------------------------------------
@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("index_shape", [(), (7,), (3, 4), (2, 3, 2)], ids=["0d", "1d", "2d", "3d"])
@pytest.mark.parametrize("index_dtype", [np.int64, np.int32])
def test_lookup_and_weight_gradient_match_torch(index_shape, index_dtype, dtype_key):
    rng = np.random.default_rng(1)
    ours, theirs = pair(6, 4, dtype_key, rng)
    indices = rng.integers(0, 6, index_shape).astype(index_dtype)
    y_ours, y_theirs = lookup_backward(ours, theirs, indices, dtype_key, rng)
    assert y_ours.shape == tuple(y_theirs.shape) == index_shape + (4,)
    assert y_ours.dtype == DTYPES[dtype_key][0]
    np.testing.assert_array_equal(npy(y_ours), y_theirs.detach().numpy())  # a lookup is exact
    np.testing.assert_array_equal(npy(y_ours), npy(ours.weight)[indices])
    np.testing.assert_allclose(npy(ours.weight.grad), theirs.weight.grad.numpy(), **DTYPES[dtype_key][2])


@pytest.mark.parametrize("dtype_key", DTYPES)
def test_weight_gradient_accumulates_over_repeated_indices(dtype_key):
    rng = np.random.default_rng(2)
    ours, theirs = pair(8, 3, dtype_key, rng)
    indices = np.array([[1, 5, 1, 1], [5, 0, 1, 7]])  # 1 four times, 5 twice; 2, 3, 4, 6 never
    y_ours = ours(lm.tensor(indices))
    r = rng.standard_normal((2, 4, 3))
    (y_ours * lm.tensor(r, dtype=DTYPES[dtype_key][0])).sum().backward()
    grad = npy(ours.weight.grad)
    expected = np.zeros((8, 3))
    for pos, index in np.ndenumerate(indices):
        expected[index] += r[pos]
    np.testing.assert_allclose(grad, expected, **DTYPES[dtype_key][2])
    np.testing.assert_array_equal(grad[[2, 3, 4, 6]], 0)
    # and with PyTorch, for another weighted sum
    ours.zero_grad()
    lookup_backward(ours, theirs, indices, dtype_key, rng)
    np.testing.assert_allclose(npy(ours.weight.grad), theirs.weight.grad.numpy(), **DTYPES[dtype_key][2])


def test_gradients_accumulate_over_two_backward_calls_like_torch():
    rng = np.random.default_rng(4)
    ours, theirs = pair(5, 2, "float64", rng)
    for indices in (np.array([0, 1, 1]), np.array([[1, 4], [4, 4]])):
        lookup_backward(ours, theirs, indices, "float64", rng)
    np.testing.assert_allclose(npy(ours.weight.grad), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("padding_idx", [2, -1, -5], ids=["2", "-1", "-5"])
def test_padding_idx_row_gets_no_gradient(padding_idx, dtype_key):
    rng = np.random.default_rng(5)
    ours, theirs = pair(6, 3, dtype_key, rng, padding_idx=padding_idx)
    row = padding_idx % 6
    a, b, c, d = [i for i in range(6) if i != row][:4]
    indices = np.array([[row, a, row], [b, row, a], [c, c, d]])
    y_ours, y_theirs = lookup_backward(ours, theirs, indices, dtype_key, rng)
    np.testing.assert_array_equal(npy(y_ours), y_theirs.detach().numpy())
    np.testing.assert_array_equal(npy(y_ours)[indices == row], 0)  # the padding row holds zeros
    grad = npy(ours.weight.grad)
    np.testing.assert_array_equal(grad[row], 0)
    assert np.all(np.abs(grad[[a, b, c, d]]).sum(axis=1) > 0)
    np.testing.assert_allclose(grad, theirs.weight.grad.numpy(), **DTYPES[dtype_key][2])


def test_padding_row_set_by_hand_is_looked_up_but_not_trained():
    """As in PyTorch, padding_idx only zeroes the initial row and its gradient; a row set to
    non-zero values afterwards is returned by the lookup as it is."""
    rng = np.random.default_rng(6)
    ours, theirs = pair(5, 3, "float64", rng, padding_idx=1)
    pad = rng.standard_normal(3)
    ours.weight.data[1] = pad
    with torch.no_grad():
        theirs.weight[1] = torch.from_numpy(pad)
    indices = np.array([1, 2, 1])
    y_ours, y_theirs = lookup_backward(ours, theirs, indices, "float64", rng)
    np.testing.assert_array_equal(npy(y_ours), y_theirs.detach().numpy())
    np.testing.assert_array_equal(npy(y_ours)[0], pad)
    np.testing.assert_array_equal(npy(ours.weight.grad)[1], 0)
    np.testing.assert_allclose(npy(ours.weight.grad), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)


# ---- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [10, 11, -1, -10])
def test_out_of_range_index_raises_a_clear_error(bad):
    with pytest.raises(IndexError):
        torch.nn.Embedding(10, 3)(torch.tensor([0, bad]))
    with pytest.raises((IndexError, ValueError), match=rf"(?i)index {bad}\b.*out of range"):
        nn.Embedding(10, 3)(lm.tensor(np.array([[0, 3], [bad, 2]])))


@pytest.mark.parametrize("indices", [np.array([0.0, 1.0]), np.array([[1.0], [2.0]], dtype=np.float32)])
def test_float_indices_are_rejected(indices):
    with pytest.raises(RuntimeError):
        torch.nn.Embedding(4, 2)(torch.from_numpy(indices))
    with pytest.raises(RuntimeError, match="must be int32 or int64"):
        nn.Embedding(4, 2)(lm.tensor(indices, dtype=indices.dtype))


# ---- state_dict ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype_key", DTYPES)
def test_state_dict_round_trip_with_torch(dtype_key):
    rng = np.random.default_rng(7)
    np_dtype, t_dtype, _ = DTYPES[dtype_key]
    ours, theirs = pair(9, 4, dtype_key, rng, padding_idx=0)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd) == ["weight"]
    assert ours_sd["weight"].dtype == np_dtype
    np.testing.assert_array_equal(npy(ours_sd["weight"]), theirs_sd["weight"].numpy())
    # PyTorch's state_dict (as arrays) into a fresh Lamina embedding
    trained = torch.nn.Embedding(9, 4, dtype=t_dtype)
    with torch.no_grad():
        trained.weight.copy_(torch.from_numpy(rng.standard_normal((9, 4))))
    fresh = nn.Embedding(9, 4, dtype=np_dtype)
    fresh.load_state_dict({k: v.numpy() for k, v in trained.state_dict().items()})
    indices = rng.integers(0, 9, (3, 5))
    np.testing.assert_array_equal(npy(fresh(lm.tensor(indices))), trained(torch.from_numpy(indices)).detach().numpy())
    # and Lamina's back into PyTorch
    back = torch.nn.Embedding(9, 4, dtype=t_dtype)
    back.load_state_dict({k: torch.from_numpy(npy(v).copy()) for k, v in fresh.state_dict().items()})
    np.testing.assert_array_equal(back.weight.detach().numpy(), npy(fresh.weight))
    with pytest.raises(ValueError, match="weight"):
        fresh.load_state_dict({"weight": np.zeros((8, 4), dtype=np_dtype)})


# ---- training --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype_key", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 3])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_steps_reach_the_same_weights_as_torch(momentum, padding_idx, dtype_key):
    rng = np.random.default_rng(8)
    np_dtype, t_dtype, tol = DTYPES[dtype_key]
    ours, theirs = pair(12, 5, dtype_key, rng, padding_idx=padding_idx)
    opt_ours = lm.optim.SGD(ours.parameters(), lr=0.1, momentum=momentum)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=momentum)
    target = rng.standard_normal(5)
    for _ in range(5):
        indices = rng.integers(0, 12, (4, 6))
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        y_ours, y_theirs = ours(lm.tensor(indices)), theirs(torch.from_numpy(indices))
        d_ours, d_theirs = y_ours - lm.tensor(target, dtype=np_dtype), y_theirs - torch.tensor(target, dtype=t_dtype)
        loss_ours, loss_theirs = (d_ours * d_ours).mean(), (d_theirs * d_theirs).mean()
        np.testing.assert_allclose(npy(loss_ours), loss_theirs.item(), **tol)
        loss_ours.backward()
        loss_theirs.backward()
        opt_ours.step()
        opt_theirs.step()
        np.testing.assert_allclose(npy(ours.weight), theirs.weight.detach().numpy(), **tol)
    if padding_idx is not None:  # the padding row never moved
        np.testing.assert_array_equal(npy(ours.weight)[padding_idx], 0)
    assert not np.allclose(npy(ours.weight), pair(12, 5, dtype_key, np.random.default_rng(8),
                                                  padding_idx=padding_idx)[0].weight.detach().numpy())


@pytest.mark.parametrize("padding_idx", [10, -11])
def test_a_padding_index_outside_the_table_is_a_clear_error(padding_idx):
    with pytest.raises(AssertionError, match=rf"Embedding: padding_idx {padding_idx} must be within num_embeddings"):
        nn.Embedding(10, 3, padding_idx=padding_idx)
    with pytest.raises(AssertionError):
        torch.nn.Embedding(10, 3, padding_idx=padding_idx)  # PyTorch refuses it too (with an assert)


BAGS = [({}, [[1, 2, 3], [4, 5, 6]], None, None), ({"mode": "sum"}, [1, 2, 3, 4, 5], [0, 2, 2], None),
        ({"mode": "max"}, [1, 2, 3, 4, 5], [0, 0, 3], None), ({"padding_idx": 1}, [1, 1, 3, 1, 5], [0, 2, 3], None),
        ({"mode": "sum"}, [1, 2, 3, 4], [0, 1], [0.5, 2, 1, 3]),
        ({"mode": "sum", "include_last_offset": True}, [1, 2, 3, 4], [0, 1, 4], None),
        ({"mode": "max", "padding_idx": 2}, [[2, 2, 3], [4, 2, 6]], None, None)]


@pytest.mark.parametrize("kwargs, indices, offsets, weights", BAGS)
def test_embedding_bag_matches_torch(kwargs, indices, offsets, weights):
    theirs, ours = torch.nn.EmbeddingBag(10, 3, **kwargs), nn.EmbeddingBag(10, 3, **kwargs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    t_extra = {} if weights is None else {"per_sample_weights": torch.tensor(weights)}
    o_extra = {} if weights is None else {"per_sample_weights": lm.tensor(weights)}
    expected = theirs(torch.tensor(indices), None if offsets is None else torch.tensor(offsets), **t_extra)
    got = ours(lm.from_numpy(np.array(indices)), None if offsets is None else lm.from_numpy(np.array(offsets)),
               **o_extra)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-6)
    g = np.random.default_rng(0).standard_normal(tuple(expected.shape)).astype(np.float32)
    expected.backward(torch.from_numpy(g)), got.backward(lm.from_numpy(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), atol=1e-6)


def test_embedding_bag_errors_have_torchs_types():
    for m, t in ((torch.nn, torch.tensor), (nn, lambda v: lm.from_numpy(np.array(v)))):
        with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
            m.EmbeddingBag(10, 3)(t([1, 2, 3]))
        with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
            m.EmbeddingBag(10, 3)(t([[1, 2, 3]]), t([0, 1]))
        with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
            m.EmbeddingBag(10, 3)(t([1, 2, 3]), t([1, 2]))
        with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
            m.EmbeddingBag(10, 3)(t([1, 2, 3]), t([0, 1]), per_sample_weights=t([1.0, 1.0, 1.0]))


# ---- EmbeddingBag: the vectorised paths against torch, on random bags ------------------------------------------
def bag_pair(mode, padding_idx, rng, num=12, dim=5):
    """A Lamina and a PyTorch EmbeddingBag (float64) with the same random weight; the padding row left non-zero,
    so that leaving padding entries out is tested, not a zero row."""
    theirs = torch.nn.EmbeddingBag(num, dim, mode=mode, padding_idx=padding_idx, dtype=torch.float64)
    ours = nn.EmbeddingBag(num, dim, mode=mode, padding_idx=padding_idx, dtype=np.float64)
    weight = rng.standard_normal((num, dim))
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(weight))
    ours.weight.data[...] = weight
    return ours, theirs


def check_bags(ours, theirs, indices, offsets=None, weights=None, rng=None):
    """Same values, weight gradients and per_sample_weights gradients as torch for a random output gradient."""
    t_w = None if weights is None else torch.tensor(weights, requires_grad=True)
    o_w = None if weights is None else lm.tensor(weights, dtype=np.float64, requires_grad=True)
    expected = theirs(torch.from_numpy(indices), None if offsets is None else torch.from_numpy(offsets),
                      per_sample_weights=t_w)
    got = ours(lm.from_numpy(indices), None if offsets is None else lm.from_numpy(offsets), per_sample_weights=o_w)
    assert got.shape == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = (rng or np.random.default_rng(0)).standard_normal(tuple(expected.shape))
    expected.backward(torch.from_numpy(g))
    got.backward(lm.from_numpy(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    if weights is not None:
        np.testing.assert_allclose(o_w.grad.numpy(), t_w.grad.numpy(), rtol=1e-12, atol=1e-12)
    return got


MODES = ["sum", "mean", "max"]
PADDING = [None, 0, -1]


def with_padding_bags(indices, padding_idx, num=12):
    """Some entries set to the padding index, and the first bag (row) made of padding only."""
    if padding_idx is None:
        return indices
    indices = indices.copy()
    indices.reshape(-1)[::3] = padding_idx % num
    indices[0] = padding_idx % num
    return indices


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_idx", PADDING, ids=["nopad", "pad0", "pad-1"])
@pytest.mark.parametrize("use_weights", [False, True], ids=["", "psw"])
def test_embedding_bag_2d_matches_torch(mode, padding_idx, use_weights):
    if use_weights and mode != "sum":
        return check_psw_rejected(mode)
    rng = np.random.default_rng(10)
    ours, theirs = bag_pair(mode, padding_idx, rng)
    indices = with_padding_bags(rng.integers(0, 12, (6, 7)), padding_idx)  # repeats within bags: max ties
    weights = rng.standard_normal((6, 7)) if use_weights else None
    got = check_bags(ours, theirs, indices, weights=weights, rng=rng)
    if padding_idx is not None:
        np.testing.assert_array_equal(got.detach().numpy()[0], 0)  # an all-padding bag gives zeros


def check_psw_rejected(mode):
    with pytest.raises(NotImplementedError):
        nn.EmbeddingBag(5, 2, mode=mode)(lm.tensor([[1, 2]]), per_sample_weights=lm.tensor([[1.0, 2.0]]))


BAG_STARTS = {"equal": [0, 4, 8, 12, 16, 20],  # six bags of four: the input is a block already
              "ragged": [0, 4, 7, 7, 11, 15, 20],  # lengths 4 3 0 4 4 5 4: padded to a (7, 5) block
              "one_long": [0, 2, 5, 5, 11]}  # lengths 2 3 0 6 13: padding would more than double, F.embedding_bag


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_idx", PADDING, ids=["nopad", "pad0", "pad-1"])
@pytest.mark.parametrize("layout", BAG_STARTS)
@pytest.mark.parametrize("include_last", [False, True], ids=["", "last_offset"])
def test_embedding_bag_1d_with_offsets_matches_torch(mode, padding_idx, layout, include_last):
    rng = np.random.default_rng(11)
    indices = with_padding_bags(rng.integers(0, 12, 24), padding_idx)
    offsets = np.array(BAG_STARTS[layout] + ([24] if include_last else []))
    ours, theirs = bag_pair(mode, padding_idx, rng)
    ours.include_last_offset = theirs.include_last_offset = include_last
    weights = rng.standard_normal(24) if mode == "sum" else None
    got = check_bags(ours, theirs, indices, offsets, weights, rng)
    if layout != "equal":
        np.testing.assert_array_equal(got.detach().numpy()[2], 0)  # the empty bag


@pytest.mark.parametrize("mode", MODES)
def test_embedding_bag_without_entries_gives_zeros(mode):
    rng = np.random.default_rng(12)
    ours, theirs = bag_pair(mode, None, rng)
    got = check_bags(ours, theirs, np.zeros(0, dtype=np.int64), np.zeros(2, dtype=np.int64), rng=rng)
    np.testing.assert_array_equal(got.detach().numpy(), np.zeros((2, 5)))
    assert ours(lm.from_numpy(np.zeros(0, dtype=np.int64)), lm.from_numpy(np.zeros(0, dtype=np.int64))).shape == (0, 5)
    ours.zero_grad()
    empty_rows = ours(lm.from_numpy(np.zeros((3, 0), dtype=np.int64)))  # torch refuses (3, 0); empty bags: zeros
    np.testing.assert_array_equal(empty_rows.detach().numpy(), np.zeros((3, 5)))
    empty_rows.sum().backward()
    np.testing.assert_array_equal(ours.weight.grad.numpy(), 0)


@pytest.mark.parametrize("mode", MODES)
def test_embedding_bag_include_last_offset_closes_the_last_bag(mode):
    """offsets as in CSR: entries after the last offset belong to no bag. torch's documentation asks for
    offsets[-1] == len(input) and its kernels disagree otherwise (float64 runs the last bag to the end, float32 'sum'
    stops at offsets[-1], float32 'mean' sums to offsets[-1] but divides by the count to the end)."""
    rng = np.random.default_rng(14)
    ours = nn.EmbeddingBag(12, 3, mode=mode, include_last_offset=True, dtype=np.float64)
    indices, offsets = rng.integers(0, 12, 10), np.array([0, 3, 3, 7])
    got = ours(lm.from_numpy(indices), lm.from_numpy(offsets)).detach().numpy()
    w = ours.weight.detach().numpy()
    reduce = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode]
    expected = [reduce(w[indices[0:3]], axis=0), np.zeros(3), reduce(w[indices[3:7]], axis=0)]
    np.testing.assert_allclose(got, np.array(expected), rtol=1e-12, atol=1e-12)


def test_embedding_bag_float32_and_max_norm_match_torch():
    rng = np.random.default_rng(13)
    theirs = torch.nn.EmbeddingBag(20, 6, mode="mean", max_norm=1.5)
    ours = nn.EmbeddingBag(20, 6, mode="mean", max_norm=1.5)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    indices = rng.integers(0, 20, (8, 5))
    expected, got = theirs(torch.from_numpy(indices)), ours(lm.from_numpy(indices))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_bag_2d_is_one_vectorised_pass():
    """A 2-D batch takes a fixed number of graph nodes, not one (or more) per bag."""
    def nodes(bags):
        indices = lm.from_numpy(np.arange(bags * 6).reshape(bags, 6) % 50)
        seen, stack = set(), [nn.EmbeddingBag(50, 4, mode="max", padding_idx=0)(indices).grad_fn]
        while stack:
            node = stack.pop()
            if node is not None and id(node) not in seen:
                seen.add(id(node))
                stack.extend(getattr(t, "grad_fn", None) for t in node.inputs)
        return len(seen)
    assert 2 < nodes(2) == nodes(64) < 10
