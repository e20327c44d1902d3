"""unique_consecutive against PyTorch: runs of equal elements or slices, inverse indices, counts, errors."""
import numpy as np
import pytest
import torch

import lamina as lm

CASES = [
    (np.array([1, 1, 2, 2, 3, 1, 1, 2]), {}),
    (np.array([1, 1, 2, 2, 3, 1, 1, 2]), {"return_counts": True}),
    (np.array([1, 1, 2, 2, 3, 1, 1, 2]), {"return_inverse": True}),
    (np.array([[1, 1, 2], [2, 2, 2]]), {"return_inverse": True, "return_counts": True}),
    (np.array([[1, 1], [1, 1], [2, 3], [1, 1]]), {"dim": 0, "return_inverse": True, "return_counts": True}),
    (np.array([[1, 1], [1, 1], [2, 3], [1, 1]]), {"dim": 1, "return_inverse": True, "return_counts": True}),
    (np.array([[1, 1], [1, 1], [2, 3], [1, 1]]), {"dim": -2, "return_counts": True}),
    (np.array([np.nan, np.nan, 1.0, 1.0], dtype=np.float32), {"return_counts": True}),
    (np.array([], dtype=np.float32), {"return_inverse": True, "return_counts": True}),
    (np.array(3), {"return_inverse": True, "return_counts": True}),
    (np.zeros((0, 2), dtype=np.float32), {"dim": 0, "return_counts": True}),
    (np.array([True, True, False]), {"return_counts": True}),
    (np.array([[0.5, 0.5], [0.5, 0.5]], dtype=np.float64), {"dim": 0, "return_inverse": True}),
]


@pytest.mark.parametrize("data, kwargs", CASES)
def test_unique_consecutive_matches_torch(data, kwargs):
    expected = torch.unique_consecutive(torch.from_numpy(data.copy()), **kwargs)
    got = lm.unique_consecutive(lm.from_numpy(data.copy()), **kwargs)
    method = lm.from_numpy(data.copy()).unique_consecutive(**kwargs)
    expected, got, method = [v if isinstance(v, tuple) else (v,) for v in (expected, got, method)]
    assert len(got) == len(expected) == len(method)
    for ours, other, theirs in zip(got, method, expected):
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", "")) and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(other.numpy(), theirs.numpy())


@pytest.mark.parametrize("data, kwargs", [
    (np.array(3), {"dim": 0}), (np.ones((2, 2)), {"dim": 2}), (np.zeros((2, 0)), {"dim": 0}),
    (np.ones(3), {"return_counts": "yes"})])
def test_unique_consecutive_bad_calls_raise_torch_type(data, kwargs):
    with pytest.raises(Exception) as caught:
        torch.unique_consecutive(torch.from_numpy(data), **kwargs)
    with pytest.raises(caught.type):
        lm.unique_consecutive(lm.from_numpy(data), **kwargs)


SEQUENCES = [[-np.inf, 0.0, 1.0, np.nan], [0.0, 1.0, 2.0, 3.0, 4.0], [np.nan, np.nan], [1.0, 1.0, np.nan, np.nan, np.nan],
             [-1.0, 0.5, 0.5, 2.0, np.inf, np.nan, np.nan]]
QUERIES = np.array([np.nan, 1.0, np.inf, -np.inf, 0.5, 3.0, -2.0], dtype=np.float32)


@pytest.mark.parametrize("sequence", SEQUENCES)
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_and_bucketize_with_nans_match_torch(sequence, side):
    seq = np.asarray(sequence, dtype=np.float32)
    expected = torch.searchsorted(torch.from_numpy(seq), torch.from_numpy(QUERIES), side=side)
    got = lm.searchsorted(lm.from_numpy(seq), lm.from_numpy(QUERIES), side=side)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    expected = torch.bucketize(torch.from_numpy(QUERIES), torch.from_numpy(seq), right=side == "right")
    got = lm.bucketize(lm.from_numpy(QUERIES), lm.from_numpy(seq), right=side == "right")
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("side", ["left", "right"])
def test_batched_searchsorted_with_nans_matches_torch(side):
    seq = np.array([[-1.0, 0.0, np.nan], [0.0, 1.0, 2.0], [np.nan, np.nan, np.nan]], dtype=np.float64)
    values = np.array([[np.nan, 0.0], [1.0, np.nan], [0.5, -3.0]], dtype=np.float64)
    expected = torch.searchsorted(torch.from_numpy(seq), torch.from_numpy(values), side=side, out_int32=True)
    got = lm.searchsorted(lm.from_numpy(seq), lm.from_numpy(values), side=side, out_int32=True)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
