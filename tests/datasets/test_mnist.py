"""lamina.datasets.mnist: the real MNIST and Fashion-MNIST under the data root (verified files, the
published sizes), ImageDataset, and missing or corrupted copies."""
import numpy as np
import pytest

from lamina.data import DataLoader
from lamina.data.augment import hflip
from lamina.datasets import ChecksumError, ImageDataset, fashion_mnist, mnist, verify
from lamina.datasets.mnist import MNIST_FILES


@pytest.mark.usefixtures("needs_mnist")
def test_real_mnist_has_verified_files_and_the_published_sizes(monkeypatch, shared_data):
    monkeypatch.setenv("LAMINA_DATA", str(shared_data))
    for name, (digest, size) in MNIST_FILES.items():
        verify(shared_data / "mnist" / name, digest, size)
    train, test = mnist(download=False), mnist(train=False, download=False)
    assert (len(train), len(test)) == (60000, 10000)
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == np.uint8
    assert train.targets.dtype == np.int64 and set(np.unique(test.targets).tolist()) == set(range(10))
    assert train.targets.min() == 0 and train.targets.max() == 9
    x, y = test[0]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and 0 <= x.numpy().min() and x.numpy().max() <= 1
    assert y.item() == test.targets[0]
    xb, yb = next(iter(DataLoader(test, batch_size=32)))
    assert xb.shape == (32, 1, 28, 28) and xb.dtype == np.float32 and yb.shape == (32,)
    assert np.allclose(xb.numpy()[:, 0] * 255, test.data[:32]) and np.array_equal(yb.numpy(), test.targets[:32])
    images, labels = test.as_tensors()
    assert images.shape == (10000, 1, 28, 28) and np.allclose(images.numpy()[5, 0] * 255, test.data[5])
    assert np.array_equal(labels.numpy(), test.targets)


@pytest.mark.usefixtures("needs_mnist")
def test_fashion_mnist_test_set(shared_data):
    test = fashion_mnist(root=shared_data, train=False, download=False)
    assert len(test) == 10000 and len(test.classes) == 10
    assert np.array_equal(np.bincount(test.targets), np.full(10, 1000))


def test_image_dataset_batches_are_scaled_and_transformed():
    pixels = np.arange(4 * 2 * 3, dtype=np.uint8).reshape(4, 2, 3) * 10
    ds = ImageDataset(pixels, [3, 1, 4, 1], classes=[str(d) for d in range(10)], transform=hflip)
    xb, yb = next(iter(DataLoader(ds, batch_size=3)))
    assert xb.shape == (3, 1, 2, 3) and xb.dtype == np.float32 and yb.tolist() == [3, 1, 4]
    assert np.allclose(xb.numpy()[:, 0] * 255, pixels[:3, :, ::-1])
    x1, y1 = ds[1]
    assert x1.shape == (1, 2, 3) and np.allclose(x1.numpy()[0] * 255, pixels[1, :, ::-1]) and y1.item() == 1
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        ImageDataset(pixels, [1, 2])


def test_mnist_reports_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="LAMINA_DATA"):
        mnist(root=tmp_path, download=False)


def test_mnist_rejects_a_corrupted_copy(tmp_path):
    for name in MNIST_FILES:
        (tmp_path / name).write_bytes(b"garbage")
    with pytest.raises(ChecksumError, match="train-images-idx3-ubyte.gz"):
        mnist(root=tmp_path, download=False)
