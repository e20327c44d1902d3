"""lamina.data: datasets, the DataLoader, collation and transforms."""
import numpy as np
import pytest

import lamina as lm
from lamina.data import (Compose, DataLoader, Dataset, Lambda, Normalize, Standardize, Subset, TensorDataset,
                         ToTensor, default_collate, random_split)
from lamina.datasets import regression_table


def make_set(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y, TensorDataset(x, y)


class ListDataset(Dataset):
    """A plain dataset without batch fetching: exercises the generic path."""

    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


# ---- datasets ------------------------------------------------------------------------------------
def test_tensor_dataset_items_and_length():
    x, _, ds = make_set(5)
    assert len(ds) == 5
    xi, yi = ds[3]
    assert isinstance(xi, lm.Tensor) and np.array_equal(xi.numpy(), x[3]) and yi.item() == 3
    assert np.shares_memory(ds.tensors[0].data, x)  # kept as is, no copy


def test_tensor_dataset_rejects_different_lengths():
    with pytest.raises(ValueError, match=r"same first dimension.*\(4, 2\).*\(3,\)"):
        TensorDataset(np.zeros((4, 2)), np.zeros(3))


def test_subset_picks_the_indices_in_order():
    _, _, ds = make_set(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    assert [sub[k][1].item() for k in range(3)] == [7, 2, 5]
    with pytest.raises(IndexError, match="Subset"):
        Subset(ds, [10])


def test_random_split_with_integer_lengths_is_a_seeded_partition():
    _, _, ds = make_set(10)
    a, b = random_split(ds, [7, 3], generator=lm.Generator(0))
    assert (len(a), len(b)) == (7, 3)
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=lm.Generator(0))
    assert np.array_equal(a.indices, a2.indices)
    a3, _ = random_split(ds, [7, 3], generator=lm.Generator(1))
    assert not np.array_equal(a.indices, a3.indices)


def test_random_split_with_fractions_floors_then_spreads_the_remainder():
    _, _, ds = make_set(10)
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=lm.Generator(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(make_set(11)[2], [0.5, 0.5], generator=lm.Generator(0))
    assert [len(p) for p in parts] == [6, 5]


def test_random_split_rejects_bad_lengths():
    _, _, ds = make_set(10)
    with pytest.raises(ValueError, match="sum to the dataset size 10"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="fractions"):
        random_split(ds, [0.5, 0.6])


# ---- DataLoader ----------------------------------------------------------------------------------
def epoch_labels(loader):
    return np.concatenate([yb.numpy() for _, yb in loader])


@pytest.mark.parametrize("shuffle", [False, True])
def test_each_epoch_covers_the_set_exactly_once(shuffle):
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


def test_shuffle_is_reproducible_with_a_seed_and_differs_between_epochs():
    _, _, ds = make_set(50)
    first = DataLoader(ds, batch_size=8, shuffle=True, generator=lm.Generator(123))
    again = DataLoader(ds, batch_size=8, shuffle=True, generator=lm.Generator(123))
    e1, e2 = epoch_labels(first), epoch_labels(first)
    assert not np.array_equal(e1, e2)
    assert np.array_equal(e1, epoch_labels(again)) and np.array_equal(e2, epoch_labels(again))
    assert not np.array_equal(e1, np.arange(50))


def test_shuffle_without_generator_follows_manual_seed():
    _, _, ds = make_set(30)
    lm.manual_seed(7)
    a = epoch_labels(DataLoader(ds, batch_size=5, shuffle=True))
    lm.manual_seed(7)
    b = epoch_labels(DataLoader(ds, batch_size=5, shuffle=True))
    assert np.array_equal(a, b)


def test_drop_last_skips_the_short_batch():
    _, _, ds = make_set(10)
    loader = DataLoader(ds, batch_size=4, drop_last=True, shuffle=True, generator=lm.Generator(0))
    sizes = [len(yb) for _, yb in loader]
    assert len(loader) == 2 and sizes == [4, 4]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2


def test_unshuffled_batches_are_views_of_the_data():
    x, y, ds = make_set(10)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert np.shares_memory(xb.data, x) and np.shares_memory(yb.data, y)


def test_shuffled_batches_are_one_gather_of_the_batch_only():
    x, _, ds = make_set(1000)
    xb, yb = next(iter(DataLoader(ds, batch_size=16, shuffle=True, generator=lm.Generator(0))))
    assert not np.shares_memory(xb.data, x) and xb.data.nbytes == 16 * 3 * 4
    assert np.array_equal(xb.numpy(), x[yb.numpy()])


def test_subset_of_a_tensor_dataset_uses_the_fast_path():
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


def test_custom_collate_fn_receives_the_list_of_samples():
    _, _, ds = make_set(6)
    loader = DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 2]


def test_default_collate_rejects_unknown_types():
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate([object(), object()])


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(make_set()[2], batch_size=0)


# ---- transforms -----------------------------------------------------------------------------------
def test_to_tensor_scales_uint8_and_moves_channels_first():
    gray = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    t = ToTensor()(gray)
    assert t.shape == (1, 2, 2) and t.dtype == np.float32
    assert np.allclose(t.numpy()[0], [[0, 1], [0.2, 0.4]])
    rgb = np.zeros((2, 3, 3), dtype=np.uint8)
    rgb[..., 1] = 255
    t = ToTensor()(rgb)
    assert t.shape == (3, 2, 3) and np.all(t.numpy()[1] == 1) and np.all(t.numpy()[0] == 0)


def test_normalize_per_channel():
    x = np.ones((2, 2, 1, 1), dtype=np.float32) * np.array([3.0, 5.0], dtype=np.float32).reshape(1, 2, 1, 1)
    out = Normalize([1.0, 2.0], [2.0, 3.0])(lm.tensor(x))
    assert isinstance(out, lm.Tensor)
    assert np.allclose(out.numpy()[:, :, 0, 0], [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="3 values, the image has 2 channels"):
        Normalize([0, 0, 0], [1, 1, 1])(x)


def test_standardize_gives_mean_0_std_1_on_the_training_data_and_inverts():
    rng = np.random.default_rng(0)
    x_train = rng.normal([3.0, -2.0, 100.0], [0.5, 4.0, 20.0], size=(200, 3))
    scaler = Standardize().fit(x_train)
    z = scaler.transform(x_train)
    assert np.allclose(z.mean(axis=0), 0, atol=1e-12) and np.allclose(z.std(axis=0), 1)
    assert np.allclose(scaler.mean, x_train.mean(axis=0)) and np.allclose(scaler.std, x_train.std(axis=0))
    assert np.allclose(scaler.inverse(z), x_train)
    x_test = rng.normal(size=(5, 3))
    assert np.allclose(scaler(x_test), (x_test - x_train.mean(0)) / x_train.std(0))


def test_standardize_on_the_course_table_and_a_constant_feature():
    x, _ = regression_table()
    z = Standardize().fit_transform(x)
    assert isinstance(z, lm.Tensor) and z.dtype == np.float32
    assert np.allclose(z.numpy().mean(0), 0, atol=1e-6) and np.allclose(z.numpy().std(0), 1, atol=1e-6)
    const = np.column_stack([np.full(4, 7.0), np.arange(4.0)])
    assert np.allclose(Standardize().fit_transform(const)[:, 0], 0)


def test_standardize_per_channel_and_errors():
    x = np.random.default_rng(1).normal(5, 3, size=(8, 2, 4, 4)).astype(np.float32)
    z = Standardize(axis=(0, 2, 3)).fit_transform(x)
    assert np.allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-5) and np.allclose(z.std(axis=(0, 2, 3)), 1, atol=1e-5)
    with pytest.raises(RuntimeError, match="fit"):
        Standardize().transform(x)
    with pytest.raises(ValueError, match="does not match"):
        Standardize().fit(np.zeros((4, 3))).transform(np.zeros((4, 5)))


def test_compose_and_lambda():
    pipeline = Compose([ToTensor(), Lambda(lambda t: t * 2), Normalize([1.0], [1.0])])
    out = pipeline(np.array([[255, 0]], dtype=np.uint8))
    assert np.allclose(out.numpy(), [[[1.0, -1.0]]])
    with pytest.raises(TypeError, match="callable"):
        Lambda(3)
