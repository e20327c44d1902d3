"""lamina.data datasets: TensorDataset, Subset and random_split."""
import numpy as np
import pytest

import lamina as lm
from lamina.data import Subset, TensorDataset, random_split


def test_tensor_dataset_items_and_length(make_set):
    x, _, ds = make_set(5)
    assert len(ds) == 5
    xi, yi = ds[3]
    assert isinstance(xi, lm.Tensor) and np.array_equal(xi.numpy(), x[3]) and yi.item() == 3
    assert np.shares_memory(ds.tensors[0].data, x)  # kept as is, no copy


def test_tensor_dataset_rejects_different_lengths():
    with pytest.raises(ValueError, match=r"same first dimension.*\(4, 2\).*\(3,\)"):
        TensorDataset(np.zeros((4, 2)), np.zeros(3))


def test_subset_picks_the_indices_in_order(make_set):
    _, _, ds = make_set(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    assert [sub[k][1].item() for k in range(3)] == [7, 2, 5]
    with pytest.raises(IndexError, match="Subset"):
        Subset(ds, [10])


def test_random_split_with_integer_lengths_is_a_seeded_partition(make_set):
    _, _, ds = make_set(10)
    a, b = random_split(ds, [7, 3], generator=lm.Generator(0))
    assert (len(a), len(b)) == (7, 3)
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=lm.Generator(0))
    assert np.array_equal(a.indices, a2.indices)
    a3, _ = random_split(ds, [7, 3], generator=lm.Generator(1))
    assert not np.array_equal(a.indices, a3.indices)


def test_random_split_with_fractions_floors_then_spreads_the_remainder(make_set):
    _, _, ds = make_set(10)
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=lm.Generator(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(make_set(11)[2], [0.5, 0.5], generator=lm.Generator(0))
    assert [len(p) for p in parts] == [6, 5]


def test_random_split_rejects_bad_lengths(make_set):
    _, _, ds = make_set(10)
    with pytest.raises(ValueError, match="sum to the dataset size 10"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="fractions"):
        random_split(ds, [0.5, 0.6])
