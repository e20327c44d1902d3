"""lamina.datasets.idx: IDX files written and read back, the published header, and clear errors for
truncated or corrupted files."""
import gzip
import re

import numpy as np
import pytest

from lamina.datasets import IDXError, read_idx, read_idx_images, read_idx_labels, write_idx


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
