"""lamina.data.DataLoader: batches, shuffling with seeds, the fast path for tensor datasets, collation."""
import numpy as np
import pytest

import lamina as lm
import torch
from torch.utils import data as tdata

from lamina.data import (BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, SubsetRandomSampler,
                         WeightedRandomSampler, default_collate, random_split)


class ListDataset(Dataset):
    """A plain dataset without batch fetching: exercises the generic path."""

    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def epoch_labels(loader):
    return np.concatenate([yb.numpy() for _, yb in loader])


@pytest.mark.parametrize("shuffle", [False, True])
def test_each_epoch_covers_the_set_exactly_once(shuffle, make_set):
    x, _, ds = make_set(10)
    loader = DataLoader(ds, batch_size=4, shuffle=shuffle, generator=lm.Generator(0))
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    labels = np.concatenate([yb.numpy() for _, yb in batches])
    assert sorted(labels.tolist()) == list(range(10))
    for xb, yb in batches:  # rows stay paired with their labels
        assert np.array_equal(xb.numpy(), x[yb.numpy()])
    if not shuffle:
        assert labels.tolist() == list(range(10))


def test_shuffle_is_reproducible_with_a_seed_and_differs_between_epochs(make_set):
    _, _, ds = make_set(50)
    first = DataLoader(ds, batch_size=8, shuffle=True, generator=lm.Generator(123))
    again = DataLoader(ds, batch_size=8, shuffle=True, generator=lm.Generator(123))
    e1, e2 = epoch_labels(first), epoch_labels(first)
    assert not np.array_equal(e1, e2)
    assert np.array_equal(e1, epoch_labels(again)) and np.array_equal(e2, epoch_labels(again))
    assert not np.array_equal(e1, np.arange(50))


def test_shuffle_without_generator_follows_manual_seed(make_set):
    _, _, ds = make_set(30)
    lm.manual_seed(7)
    a = epoch_labels(DataLoader(ds, batch_size=5, shuffle=True))
    lm.manual_seed(7)
    b = epoch_labels(DataLoader(ds, batch_size=5, shuffle=True))
    assert np.array_equal(a, b)


def test_drop_last_skips_the_short_batch(make_set):
    _, _, ds = make_set(10)
    loader = DataLoader(ds, batch_size=4, drop_last=True, shuffle=True, generator=lm.Generator(0))
    sizes = [len(yb) for _, yb in loader]
    assert len(loader) == 2 and sizes == [4, 4]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2


def test_unshuffled_batches_are_views_of_the_data(make_set):
    x, y, ds = make_set(10)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert np.shares_memory(xb.data, x) and np.shares_memory(yb.data, y)


def test_shuffled_batches_are_one_gather_of_the_batch_only(make_set):
    x, _, ds = make_set(1000)
    xb, yb = next(iter(DataLoader(ds, batch_size=16, shuffle=True, generator=lm.Generator(0))))
    assert not np.shares_memory(xb.data, x) and xb.data.nbytes == 16 * 3 * 4
    assert np.array_equal(xb.numpy(), x[yb.numpy()])


def test_subset_of_a_tensor_dataset_uses_the_fast_path(make_set):
    _, _, ds = make_set(20)
    train, _ = random_split(ds, [15, 5], generator=lm.Generator(0))
    loader = DataLoader(train, batch_size=4, shuffle=True, generator=lm.Generator(1))
    assert loader._fast()
    labels = epoch_labels(loader)
    assert sorted(labels.tolist()) == sorted(train.indices.tolist())


def test_generic_path_collates_tuples():
    samples = [(np.full(2, i, dtype=np.float32), i, float(i) / 2) for i in range(5)]
    xb, ib, fb = next(iter(DataLoader(ListDataset(samples), batch_size=3)))
    assert xb.shape == (3, 2) and xb.dtype == np.float32
    assert ib.dtype == np.int64 and ib.tolist() == [0, 1, 2]
    assert fb.dtype == np.float32 and fb.tolist() == [0.0, 0.5, 1.0]


def test_generic_path_collates_dicts_and_shuffles_reproducibly():
    samples = [{"x": lm.tensor([i, i]), "label": i, "name": f"s{i}"} for i in range(6)]
    loader = DataLoader(ListDataset(samples), batch_size=4, shuffle=True, generator=lm.Generator(3))
    batch = next(iter(loader))
    assert set(batch) == {"x", "label", "name"}
    assert batch["x"].shape == (4, 2)
    assert np.array_equal(batch["x"].numpy()[:, 0], batch["label"].numpy())
    assert batch["name"] == [f"s{i}" for i in batch["label"].tolist()]
    again = next(iter(DataLoader(ListDataset(samples), batch_size=4, shuffle=True, generator=lm.Generator(3))))
    assert again["label"].tolist() == batch["label"].tolist()


def test_custom_collate_fn_receives_the_list_of_samples(make_set):
    _, _, ds = make_set(6)
    loader = DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 2]


def test_default_collate_rejects_unknown_types():
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate([object(), object()])


def test_batch_size_must_be_positive(make_set):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(make_set()[2], batch_size=0)


# ---- sampler= and batch_sampler= ------------------------------------------------------------------------
def test_default_order_is_unchanged_by_the_samplers(make_set):
    """Without sampler/batch_sampler the epochs are the generator's permutations, bit for bit as before."""
    _, _, ds = make_set(23)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=lm.Generator(42))
    reference = np.random.Generator(np.random.PCG64(42))
    for _ in range(3):
        assert np.array_equal(epoch_labels(loader), reference.permutation(23))
    assert isinstance(loader.sampler, RandomSampler) and isinstance(loader.batch_sampler, BatchSampler)
    plain = DataLoader(ds, batch_size=5)
    assert isinstance(plain.sampler, SequentialSampler) and plain.batch_sampler.batch_size == 5
    assert isinstance(torch.utils.data.DataLoader(range(3)).sampler, tdata.SequentialSampler)


@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_sets_the_order_and_the_fast_path_gathers_it(drop_last, make_set):
    x, _, ds = make_set(10)
    order = [9, 2, 2, 7, 0, 5, 1]  # any iterable of indices, repeats allowed
    loader = DataLoader(ds, batch_size=3, sampler=order, drop_last=drop_last)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x), torch.arange(10)), batch_size=3,
                              sampler=order, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(theirs) == len(batches) == (2 if drop_last else 3)
    for (xb, yb), (txb, tyb) in zip(batches, theirs, strict=True):
        assert yb.tolist() == tyb.tolist()
        assert np.array_equal(xb.numpy(), txb.numpy())
    assert epoch_labels(loader).tolist() == (order[:6] if drop_last else order)


def test_random_samplers_in_a_loader_are_reproducible(make_set):
    _, _, ds = make_set(40)
    picked = [3, 8, 13, 21, 34]
    loader = DataLoader(ds, batch_size=2, sampler=SubsetRandomSampler(picked, generator=lm.Generator(1)))
    a, b = epoch_labels(loader), epoch_labels(loader)
    assert sorted(a.tolist()) == sorted(b.tolist()) == picked and len(loader) == 3
    again = DataLoader(ds, batch_size=2, sampler=SubsetRandomSampler(picked, generator=lm.Generator(1)))
    assert np.array_equal(epoch_labels(again), a)
    weighted = DataLoader(ds, batch_size=16, sampler=WeightedRandomSampler(np.eye(40)[7], 32, generator=lm.Generator()))
    assert len(weighted) == 2 and set(epoch_labels(weighted).tolist()) == {7}


def test_batch_sampler_gives_the_batches_as_torch(make_set):
    x, _, ds = make_set(10)
    buckets = [[4, 1], [0, 9, 3], [7], [2, 5, 6, 8]]  # e.g. batches of similar sequence lengths
    loader = DataLoader(ds, batch_sampler=buckets)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x), torch.arange(10)), batch_sampler=buckets)
    assert loader.batch_size is None is theirs.batch_size and loader.drop_last is False
    assert len(loader) == len(theirs) == 4
    for (xb, yb), (txb, tyb), bucket in zip(loader, theirs, buckets, strict=True):
        assert yb.tolist() == tyb.tolist() == bucket
        assert np.array_equal(xb.numpy(), txb.numpy())
        assert not np.shares_memory(xb.data, x) and xb.data.nbytes == len(bucket) * 3 * 4  # one gather per batch
    shuffled = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds, generator=lm.Generator(0)), 4, True))
    labels = [yb.tolist() for _, yb in shuffled]
    assert len(shuffled) == 2 and [len(b) for b in labels] == [4, 4] and len(set(labels[0] + labels[1])) == 8


def test_batch_sampler_on_the_generic_path():
    samples = [(np.full(2, i, dtype=np.float32), i) for i in range(6)]
    loader = DataLoader(ListDataset(samples), batch_sampler=BatchSampler([5, 0, 3, 1, 4], 2, False))
    assert [ib.tolist() for _, ib in loader] == [[5, 0], [3, 1], [4]] and len(loader) == 3
    texts = ListDataset(["a", "bb", "ccc"])
    assert list(DataLoader(texts, batch_sampler=[[2, 0], [1]], collate_fn=list)) == [["ccc", "a"], ["bb"]]


def test_sampler_without_len_iterates_but_has_no_len(make_set):
    _, _, ds = make_set(6)
    loader = DataLoader(ds, batch_size=4, sampler=(i for i in [1, 3, 5]))
    assert [yb.tolist() for _, yb in loader] == [[1, 3, 5]]
    with pytest.raises(TypeError):
        len(loader)


BATCH_SAMPLER_CONFLICTS = [{"batch_size": 2}, {"shuffle": True}, {"sampler": [0, 1]}, {"drop_last": True}]


@pytest.mark.parametrize("conflict", BATCH_SAMPLER_CONFLICTS, ids=lambda c: next(iter(c)))
def test_batch_sampler_excludes_the_other_options_like_torch(conflict, make_set):
    message = "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
    with pytest.raises(ValueError, match=message):
        tdata.DataLoader(range(4), batch_sampler=[[0, 1]], **conflict)
    with pytest.raises(ValueError, match=message):
        DataLoader(make_set(4)[2], batch_sampler=[[0, 1]], **conflict)


def test_sampler_excludes_shuffle_like_torch(make_set):
    for loader_class, ds in ((tdata.DataLoader, range(4)), (DataLoader, make_set(4)[2])):
        with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
            loader_class(ds, sampler=[0, 1], shuffle=True)
