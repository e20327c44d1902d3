"""lamina.datasets: IDX files, checksums and atomic downloads, MNIST, toy sets."""
import gzip
import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import lamina as lm
from lamina.data import DataLoader
from lamina.data.augment import hflip
from lamina.datasets import (ChecksumError, IDXError, ImageDataset, circle, digits, download, ensure_files,
                             fashion_mnist, gaussians, mnist, read_idx, read_idx_images, read_idx_labels,
                             regression_table, resolve_root, spiral, truth_table, verify, write_idx, xor)
from lamina.datasets.mnist import MNIST_FILES

REPO = Path(__file__).resolve().parents[2]


# ---- IDX -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["images.idx3-ubyte", "images-idx3-ubyte.gz"])
def test_idx_images_and_labels_round_trip(tmp_path, name):
    images = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    write_idx(tmp_path / name, images)
    write_idx(tmp_path / ("labels-" + name), labels)
    assert np.array_equal(read_idx_images(tmp_path / name), images)
    assert np.array_equal(read_idx_labels(tmp_path / ("labels-" + name)), labels)


def test_idx_header_is_the_published_layout(tmp_path):
    write_idx(tmp_path / "x.idx", np.zeros((2, 3, 4), dtype=np.uint8))
    raw = (tmp_path / "x.idx").read_bytes()
    assert int.from_bytes(raw[:4], "big") == 2051
    assert [int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12)] == [2, 3, 4]
    assert len(raw) == 16 + 24
    write_idx(tmp_path / "y.idx", np.zeros(5, dtype=np.uint8))
    assert int.from_bytes((tmp_path / "y.idx").read_bytes()[:4], "big") == 2049


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32, np.float64])
def test_idx_other_dtypes_round_trip_big_endian(tmp_path, dtype):
    array = (np.arange(12).reshape(3, 4) - 5).astype(dtype)
    write_idx(tmp_path / "a.idx.gz", array)
    back = read_idx(tmp_path / "a.idx.gz")
    assert back.dtype == dtype and np.array_equal(back, array)


def test_truncated_gzip_is_reported_with_the_file_name(tmp_path):
    path = tmp_path / "images-idx3-ubyte.gz"
    write_idx(path, np.random.default_rng(0).integers(0, 256, (10, 28, 28), dtype=np.uint8))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(IDXError, match=re.escape(str(path)) + ".*truncated or corrupted"):
        read_idx_images(path)


def test_truncated_data_is_reported_with_the_byte_counts(tmp_path):
    path = tmp_path / "short-idx3-ubyte.gz"
    header = bytes([0, 0, 8, 3]) + (3).to_bytes(4, "big") + (4).to_bytes(4, "big") + (5).to_bytes(4, "big")
    path.write_bytes(gzip.compress(header + bytes(50)))
    with pytest.raises(IDXError, match=r"short-idx3-ubyte.gz: truncated: dimensions \(3, 4, 5\) need 60 bytes"):
        read_idx_images(path)
    path.write_bytes(gzip.compress(header + bytes(61)))
    with pytest.raises(IDXError, match="1 unexpected bytes"):
        read_idx_images(path)
    path.write_bytes(gzip.compress(header[:10]))
    with pytest.raises(IDXError, match="truncated header"):
        read_idx(path)


def test_bad_magic_is_reported(tmp_path):
    labels = tmp_path / "labels-idx1-ubyte.gz"
    write_idx(labels, np.zeros(4, dtype=np.uint8))
    with pytest.raises(IDXError, match=r"labels-idx1-ubyte.gz: magic number is 2049 .* expected 2051"):
        read_idx_images(labels)
    junk = tmp_path / "junk.idx"
    junk.write_bytes(b"<html>not found</html>")
    with pytest.raises(IDXError, match="junk.idx: bad magic number"):
        read_idx(junk)
    fake = tmp_path / "fake-idx3-ubyte.gz"
    fake.write_bytes(b"<html>not found</html>")
    with pytest.raises(IDXError, match="not a gzip file"):
        read_idx(fake)


def test_write_idx_rejects_unsupported_dtypes(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "a.idx", np.zeros(3, dtype=np.int64))


# ---- checksums, roots and downloads ---------------------------------------------------------------
def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_wrong_sha256_is_reported(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"hello")
    verify(path, sha(b"hello"), 5)
    with pytest.raises(ChecksumError, match=r"file.bin: sha256 is [0-9a-f]{64}, expected 0{64}"):
        verify(path, "0" * 64)
    with pytest.raises(ChecksumError, match="size is 5 bytes, expected 6"):
        verify(path, sha(b"hello"), 6)


def test_a_bad_file_is_never_used_without_download(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"corrupted")
    with pytest.raises(ChecksumError, match="a.bin"):
        ensure_files("set", {"a.bin": (sha(b"good"), 4)}, [], root=tmp_path, download_missing=False)
    with pytest.raises(FileNotFoundError, match="download=True"):
        ensure_files("set", {"b.bin": (sha(b"good"), 4)}, [], root=tmp_path, download_missing=False)


def serve(files: dict, fail_first=False):
    """A fake ``_fetch`` that serves ``files`` by url (and records the urls asked for)."""
    asked = []

    def fetch(url, out, timeout=60.0):
        asked.append(url)
        if fail_first and len(asked) == 1:
            raise OSError("mirror down")
        out.write(files[url])

    return fetch, asked


def test_download_verifies_and_falls_back_to_the_next_mirror(tmp_path, monkeypatch):
    fetch, asked = serve({"https://b/a.bin": b"good"}, fail_first=True)
    monkeypatch.setattr(download, "_fetch", fetch)
    folder = ensure_files("set", {"a.bin": (sha(b"good"), 4)}, ["https://a/", "https://b/"], root=tmp_path)
    assert (folder / "a.bin").read_bytes() == b"good"
    assert asked == ["https://a/a.bin", "https://b/a.bin"]
    assert list(folder.iterdir()) == [folder / "a.bin"]  # no temporary file left


def test_a_corrupted_existing_file_is_downloaded_again(tmp_path, monkeypatch):
    (tmp_path / "a.bin").write_bytes(b"bad!")
    monkeypatch.setattr(download, "_fetch", serve({"https://m/a.bin": b"good"})[0])
    with pytest.warns(UserWarning, match="sha256"):
        ensure_files("set", {"a.bin": (sha(b"good"), 4)}, ["https://m/"], root=tmp_path)
    assert (tmp_path / "a.bin").read_bytes() == b"good"


def test_a_download_with_the_wrong_checksum_never_takes_the_final_name(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "_fetch", serve({"https://m/a.bin": b"evil"})[0])
    with pytest.raises(RuntimeError, match="(?s)a.bin.*sha256"):
        ensure_files("set", {"a.bin": (sha(b"good"), 4)}, ["https://m/"], root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_in_the_middle_of_a_download_leaves_no_file(tmp_path, monkeypatch):
    def fetch(url, out, timeout=60.0):
        out.write(b"first half of the fi")
        raise ConnectionResetError("connection lost")

    monkeypatch.setattr(download, "_fetch", fetch)
    with pytest.raises(RuntimeError, match="connection lost"):
        ensure_files("set", {"a.bin": (sha(b"good"), 4)}, ["https://m/"], root=tmp_path)
    assert not (tmp_path / "a.bin").exists() and list(tmp_path.iterdir()) == []


def test_resolve_root_order(tmp_path, monkeypatch):
    (tmp_path / "mnist").mkdir()
    assert resolve_root("mnist", tmp_path / "mnist") == tmp_path / "mnist"
    assert resolve_root("mnist", tmp_path) == tmp_path / "mnist"  # the parent works too
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "env"))
    assert resolve_root("mnist") == tmp_path / "env" / "mnist"
    monkeypatch.delenv("LAMINA_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_root("mnist") == tmp_path / "home" / ".cache" / "lamina" / "mnist"


# ---- MNIST --------------------------------------------------------------------------------------------
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


# ---- toy sets -------------------------------------------------------------------------------------------
def seed_000_table():
    folder = REPO.parent / "shared" / "seeds"
    files = sorted(folder.glob("000_*.txt"))
    if not files:
        pytest.fail(f"course seed 000 not found: no 000_*.txt in {folder}", pytrace=False)
    rows = {}
    for line in files[0].read_text().splitlines():
        m = re.fullmatch(r"(\d+)\t(-?\d+)\t(-?\d+)\t(-?\d+\.\d+)", line.strip())
        if m:
            rows.setdefault(int(m[1]), [float(v) for v in m.groups()[1:]])
    return np.array([rows[i] for i in range(1, 11)])


def test_regression_table_is_the_one_of_seed_000():
    x, y = regression_table()
    assert x.shape == (10, 2) and y.shape == (10,) and x.dtype == np.float32
    table = seed_000_table()
    assert np.allclose(x.numpy(), table[:, :2]) and np.allclose(y.numpy(), table[:, 2])
    plane = 0.38 * table[:, 0] - 0.73 * table[:, 1] + 0.92
    assert np.abs(table[:, 2] - plane).max() < 0.1


@pytest.mark.parametrize("gate,op", [("and", lambda a, b: a & b), ("or", lambda a, b: a | b),
                                     ("xor", lambda a, b: a ^ b), ("nand", lambda a, b: 1 - (a & b))])
def test_truth_tables(gate, op):
    x, y = truth_table(gate)
    a, b = x.numpy().astype(int).T
    assert x.shape == (4, 2) and np.array_equal(y.numpy(), op(a, b))
    with pytest.raises(ValueError, match="unknown gate"):
        truth_table("implies")


def test_playground_sets_without_noise_follow_their_rules():
    x, y = circle(200, generator=lm.Generator(0))
    r = np.hypot(*x.numpy().T)
    assert x.shape == (200, 2) and y.dtype == np.int64 and y.numpy().sum() == 100
    assert r[y.numpy() == 1].max() < 2.5 and r[y.numpy() == 0].min() >= 3.5
    x, y = xor(200, generator=lm.Generator(0))
    assert np.array_equal(y.numpy(), (x.numpy()[:, 0] * x.numpy()[:, 1] >= 0).astype(int))
    assert np.abs(x.numpy()).min() >= 0.3
    x, y = gaussians(400, generator=lm.Generator(0))
    assert np.allclose(x.numpy()[y.numpy() == 1].mean(0), 2, atol=0.2)
    assert np.allclose(x.numpy()[y.numpy() == 0].mean(0), -2, atol=0.2)
    x, y = spiral(101, generator=lm.Generator(0))
    assert x.shape == (101, 2) and np.hypot(*x.numpy().T).max() <= 5 and y.numpy().sum() == 50


def test_playground_sets_are_seeded_and_noise_moves_labels():
    a = spiral(100, noise=0.3, generator=lm.Generator(1))
    b = spiral(100, noise=0.3, generator=lm.Generator(1))
    assert np.array_equal(a[0].numpy(), b[0].numpy()) and np.array_equal(a[1].numpy(), b[1].numpy())
    x, y = circle(500, noise=0.5, generator=lm.Generator(0))
    r = np.hypot(*x.numpy().T)
    assert (r[y.numpy() == 1] > 2.5).any()  # noise flipped some labels
    x, y = circle(10, generator=lm.Generator(0), shuffle=False)
    assert y.tolist() == [1] * 5 + [0] * 5


def test_digits_from_scikit_learn():
    import sklearn  # noqa: F401  (digits() loads its data set)

    x, y = digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32 and 0 <= x.numpy().min() and x.numpy().max() == 1
    assert set(np.unique(y.numpy()).tolist()) == set(range(10))
    images, _ = digits(as_images=True, scale=False)
    assert images.shape == (1797, 1, 8, 8) and images.numpy().max() == 16


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        digits()
