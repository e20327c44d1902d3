"""embedding and one_hot: finite-difference gradients (first and second order) with repeated indices,
PyTorch as the oracle, and the error messages."""
import numpy as np
import pytest
import torch

import lamina as lm
from lamina.ops.embedding import embedding, one_hot

TF = torch.nn.functional

rng = np.random.default_rng(3)


@pytest.mark.parametrize("index_shape", [(5,), (3, 4), (2, 2, 3)])
def test_embedding_gradcheck_with_repeated_indices(index_shape, r):
    indices = lm.tensor(rng.integers(0, 4, index_shape))  # only 4 rows of 6: repeats are certain
    assert lm.gradcheck(lambda w: embedding(indices, w), r(6, 3))
    assert lm.gradgradcheck(lambda w: embedding(indices, w) ** 2, r(6, 3))


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx):
    weight, indices = rng.standard_normal((7, 4)), rng.integers(0, 7, (5, 6))
    ours, theirs = lm.tensor(weight, dtype=np.float64, requires_grad=True), torch.tensor(weight, requires_grad=True)
    out = embedding(lm.tensor(indices), ours, padding_idx=padding_idx)
    expected = TF.embedding(torch.tensor(indices), theirs, padding_idx=padding_idx)
    v = rng.standard_normal(expected.shape)
    (out * lm.tensor(v, dtype=np.float64)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    assert out.shape == (5, 6, 4)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), atol=1e-12)
    if padding_idx is not None:
        assert (ours.grad.data[padding_idx] == 0).all()


def test_embedding_sums_gradients_of_a_repeated_index():
    weight = lm.zeros(3, 2, requires_grad=True)
    embedding(lm.tensor([1, 1, 1, 0]), weight).sum().backward()
    np.testing.assert_array_equal(weight.grad.data, [[1, 1], [3, 3], [0, 0]])


def test_embedding_errors():
    with pytest.raises(ValueError, match=r"embedding: index 10 is out of range for 10 embeddings \(weight shape"):
        embedding(lm.tensor([0, 10]), lm.randn(10, 3))
    with pytest.raises(ValueError, match="embedding: index -1 is out of range"):
        embedding(lm.tensor([-1]), lm.randn(10, 3))
    with pytest.raises(TypeError, match="embedding: indices must be int32 or int64, got dtype float32"):
        embedding(lm.tensor([0.0]), lm.randn(10, 3))


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32"])
def test_index_dtypes_pytorch_refuses_raise_its_exception(dtype):
    """PyTorch takes Long or Int indices for embedding and only Long for one_hot, raising RuntimeError."""
    indices = np.array([0, 1]).astype(dtype)
    with pytest.raises(RuntimeError):
        TF.embedding(torch.from_numpy(indices), torch.randn(4, 2))
    with pytest.raises(RuntimeError, match="embedding: indices must be int32 or int64"):
        embedding(lm.from_numpy(indices), lm.randn(4, 2))
    for dt in (dtype, "int32"):
        with pytest.raises(RuntimeError):
            TF.one_hot(torch.from_numpy(indices.astype(dt)))
        with pytest.raises(RuntimeError, match="one_hot: class indices must be an int64 tensor"):
            one_hot(lm.from_numpy(indices.astype(dt)))


def test_one_hot_matches_torch():
    y = rng.integers(0, 5, (3, 4))
    np.testing.assert_array_equal(one_hot(lm.tensor(y)).data, TF.one_hot(torch.tensor(y)).numpy())
    out = one_hot(lm.tensor([0, 2]), num_classes=4)
    assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.data, [[1, 0, 0, 0], [0, 0, 1, 0]])
    with pytest.raises(ValueError, match="one_hot: index 4 is out of range for 3 classes"):
        one_hot(lm.tensor([0, 4]), 3)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5])
def test_embedding_max_norm_renormalises_the_picked_rows_as_pytorch(norm_type):
    weight = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32) * 3
    indices = np.array([[0, 2], [2, 5]])
    theirs = torch.from_numpy(weight.copy())
    ours = lm.from_numpy(weight.copy())
    expected = TF.embedding(torch.from_numpy(indices), theirs, max_norm=1.5, norm_type=norm_type)
    out = embedding(lm.from_numpy(indices), ours, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)  # rows 0, 2, 5 rescaled in place


# ---- edge cases found by probing against PyTorch ----------------------------------------------------------
def _embedding_pair(indices, **kwargs):
    """Output and weight gradient of F.embedding in Lamina and in PyTorch (float64, a weighted-sum backward)."""
    import torch

    weight = np.random.default_rng(5).standard_normal((10, 4))
    results = []
    for lib, functional in ((lm, lm.functional), (torch, torch.nn.functional)):
        w = lib.from_numpy(weight.copy()).requires_grad_(True)
        out = functional.embedding(lib.from_numpy(indices), w, **kwargs)
        upstream = lib.from_numpy(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        (out * upstream).sum().backward()
        results.append((out.detach().numpy(), w.grad.numpy()))
    return results


@pytest.mark.parametrize("kwargs", [{"scale_grad_by_freq": True}, {"scale_grad_by_freq": True, "padding_idx": 2},
                                    {"padding_idx": -1}, {"sparse": False}])
def test_embedding_gradient_options_match_pytorch(kwargs):
    (out, grad), (out_t, grad_t) = _embedding_pair(np.array([[1, 1, 2], [9, 1, 2]]), **kwargs)
    np.testing.assert_allclose(out, out_t)
    np.testing.assert_allclose(grad, grad_t)


def test_embedding_and_one_hot_errors_have_pytorch_types():
    import torch

    for lib, functional in ((lm, lm.functional), (torch, torch.nn.functional)):
        weight = lib.zeros(10, 3)
        with pytest.raises(IndexError):
            functional.embedding(lib.tensor([10]), weight)
        with pytest.raises(IndexError):
            functional.embedding(lib.tensor([-1]), weight)
        with pytest.raises(AssertionError):
            functional.embedding(lib.tensor([1]), weight, padding_idx=10)
        with pytest.raises(RuntimeError):
            functional.one_hot(lib.zeros(0, dtype=lib.int64))  # no classes to infer
        assert functional.one_hot(input=lib.tensor([1]), num_classes=3).tolist() == [[0, 1, 0]]


def _bag_pair(fn, *arrays):
    """fn(functional, *tensors) in Lamina and in PyTorch: outputs and the weight gradients (float64 leaves)."""
    import torch

    results = []
    for lib, functional in ((lm, lm.functional), (torch, torch.nn.functional)):
        tensors = [lib.from_numpy(a.copy()) for a in arrays]
        for t in tensors:
            if t.dtype == lib.float64:
                t.requires_grad_(True)
        out = fn(functional, *tensors)
        (out * lib.from_numpy(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))).sum().backward()
        results.append((out.detach().numpy(), [t.grad.numpy() for t in tensors if t.dtype == lib.float64]))
    return results


BAG_WEIGHT = np.random.default_rng(9).standard_normal((10, 4))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("case", ["2d", "offsets", "last offset", "padding", "int32"])
def test_embedding_bag_matches_pytorch(mode, case):
    calls = {
        "2d": (lambda F, i, w: F.embedding_bag(input=i, weight=w, mode=mode), np.array([[1, 2, 2], [0, 9, 3]])),
        "offsets": (lambda F, i, w: F.embedding_bag(i, w, offsets_like(i, [0, 2, 2, 5]),
                                                    mode=mode), np.array([1, 2, 4, 5, 4, 3])),
        "last offset": (lambda F, i, w: F.embedding_bag(i, w, offsets_like(i, [0, 2, 4, 6]), mode=mode,
                                                        include_last_offset=True), np.array([1, 2, 4, 5, 4, 3])),
        "padding": (lambda F, i, w: F.embedding_bag(i, w, mode=mode, padding_idx=2),
                    np.array([[1, 2, 2], [2, 2, 2], [0, 9, 3]])),
        "int32": (lambda F, i, w: F.embedding_bag(i, w, offsets_like(i, [0, 1]), mode=mode), np.array([1, 2, 4], np.int32)),
    }
    fn, indices = calls[case]
    (out, grads), (out_t, grads_t) = _bag_pair(fn, indices, BAG_WEIGHT)
    np.testing.assert_allclose(out, out_t, rtol=1e-12)
    np.testing.assert_allclose(grads[0], grads_t[0], rtol=1e-12)


def offsets_like(indices, values):
    """Offsets of the index tensor's library and dtype."""
    import torch

    lib = torch if isinstance(indices, torch.Tensor) else lm
    return lib.tensor(values, dtype=indices.dtype)


def test_embedding_bag_per_sample_weights_match_pytorch():
    samples = np.random.default_rng(2).standard_normal((2, 3))
    (out, grads), (out_t, grads_t) = _bag_pair(
        lambda F, i, w, p: F.embedding_bag(i, w, mode="sum", per_sample_weights=p), np.array([[1, 2, 2], [0, 9, 3]]),
        BAG_WEIGHT, samples)
    np.testing.assert_allclose(out, out_t, rtol=1e-12)
    for g, gt in zip(grads, grads_t):
        np.testing.assert_allclose(g, gt, rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda lib, F, w: F.embedding_bag(lib.tensor([[1, 2]]), w, mode="min"),
    lambda lib, F, w: F.embedding_bag(lib.tensor([[1, 2]]), w, mode="mean", per_sample_weights=lib.ones(1, 2)),
    lambda lib, F, w: F.embedding_bag(lib.tensor([[1, 2]]), w, lib.tensor([0])),
    lambda lib, F, w: F.embedding_bag(lib.tensor([1, 2]), w),
    lambda lib, F, w: F.embedding_bag(lib.tensor([1, 2, 3]), w, lib.tensor([1])),
    lambda lib, F, w: F.embedding_bag(lib.zeros(1, 1, 1, dtype=lib.int64), w),
    lambda lib, F, w: F.embedding_bag(lib.zeros(1, 2), w),
    lambda lib, F, w: F.embedding_bag(lib.tensor([[1, 20]]), w)])
def test_embedding_bag_errors_have_pytorchs_types(call):
    import torch

    with pytest.raises(Exception) as expected:
        call(torch, torch.nn.functional, torch.zeros(10, 3))
    with pytest.raises(type(expected.value)):
        call(lm, lm.functional, lm.zeros(10, 3))


def test_embedding_bag_with_include_last_offset_leaves_entries_after_the_last_offset_out():
    """CSR offsets: [0, 1, 3] over 4 entries makes bags [1] and [2, 3]; entry 4 belongs to no bag."""
    weight = lm.from_numpy(np.eye(5)).requires_grad_()
    bags = lm.embedding_bag(lm.tensor([1, 2, 3, 4]), weight, lm.tensor([0, 1, 3]), mode="sum", include_last_offset=True)
    np.testing.assert_array_equal(bags.detach().numpy(), np.eye(5)[[1]].tolist() + [np.eye(5)[2] + np.eye(5)[3]])
    bags.sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy(), np.array([0, 1, 1, 1, 0.0])[:, None] * np.ones(5))
