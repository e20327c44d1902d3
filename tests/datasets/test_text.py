"""lamina.datasets.text: Tiny Shakespeare and rt-polarity read from the data root (verified files, the published
sizes and counts), downloads through the mirrors (no network: the fetch is replaced), and corrupted copies."""
import hashlib
import shutil

import numpy as np
import pytest

import lamina as lm
from lamina.datasets import ChecksumError, download, rt_polarity, tiny_shakespeare
from lamina.datasets.text import RT_POLARITY_FILES, RT_POLARITY_MIRRORS, TINY_SHAKESPEARE_FILES


@pytest.fixture
def text_root(shared_data):
    """The data root, or the test fails (a missing data set is not something to skip)."""
    needed = [shared_data / "tinyshakespeare" / "input.txt"]
    needed += [shared_data / "sentiment" / name for name in RT_POLARITY_FILES]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        pytest.fail(f"text data missing under {shared_data}: {', '.join(missing)}", pytrace=False)
    return shared_data


def test_tiny_shakespeare_is_the_whole_published_text(text_root):
    text = tiny_shakespeare(root=text_root, download=False)
    raw = (text_root / "tinyshakespeare" / "input.txt").read_bytes()
    assert hashlib.sha256(text.encode("ascii")).hexdigest() == TINY_SHAKESPEARE_FILES["input.txt"][0]
    assert isinstance(text, str) and len(text) == 1115394 == len(raw)
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.\n")
    assert text.count("\n") == 40000 and len(set(text)) == 65
    assert lm.datasets.tiny_shakespeare is tiny_shakespeare


def test_tiny_shakespeare_finds_its_folder_through_lamina_data(monkeypatch, text_root):
    monkeypatch.setenv("LAMINA_DATA", str(text_root))
    assert len(tiny_shakespeare(download=False)) == 1115394


def test_rt_polarity_sentences_and_labels(text_root):
    sentences, labels = rt_polarity(root=text_root, download=False)
    assert len(sentences) == 10662 and labels.shape == (10662,) and labels.dtype == np.int64
    assert np.array_equal(labels, np.r_[np.ones(5331), np.zeros(5331)])
    pos = (text_root / "sentiment" / "rt-polarity.pos").read_bytes().decode("utf-8").split("\n")[:-1]
    neg = (text_root / "sentiment" / "rt-polarity.neg").read_bytes().decode("utf-8").split("\n")[:-1]
    assert sentences == pos + neg
    assert sentences[0].startswith("the rock is destined to be the 21st century's new \" conan \"")
    assert sentences[-1] == "enigma is well-made , but it's just too dry and too placid . "
    assert all(isinstance(s, str) and "\n" not in s and s for s in sentences)
    assert any(not s.isascii() for s in sentences)  # read as UTF-8, not as bytes


def test_rt_polarity_accepts_the_data_set_folder_itself(text_root):
    sentences, labels = rt_polarity(root=text_root / "sentiment", download=False)
    assert len(sentences) == 10662 and labels.sum() == 5331


def test_missing_files_are_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="LAMINA_DATA"):
        tiny_shakespeare(root=tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match="rt-polarity.pos"):
        rt_polarity(root=tmp_path, download=False)


def test_corrupted_copies_fail_the_checksum(tmp_path, text_root):
    (tmp_path / "tinyshakespeare").mkdir()
    corrupted = bytearray((text_root / "tinyshakespeare" / "input.txt").read_bytes())
    corrupted[100] ^= 1  # same size, one bit different
    (tmp_path / "tinyshakespeare" / "input.txt").write_bytes(bytes(corrupted))
    with pytest.raises(ChecksumError, match="sha256"):
        tiny_shakespeare(root=tmp_path, download=False)
    shutil.copytree(text_root / "sentiment", tmp_path / "sentiment")
    (tmp_path / "sentiment" / "rt-polarity.neg").chmod(0o644)
    with open(tmp_path / "sentiment" / "rt-polarity.neg", "ab") as f:
        f.write(b"one more line\n")
    with pytest.raises(ChecksumError, match="rt-polarity.neg"):
        rt_polarity(root=tmp_path, download=False)


def test_missing_files_are_downloaded_from_the_published_sources(monkeypatch, tmp_path, text_root):
    requested = []

    def fake_fetch(url, out, timeout=60.0):
        requested.append(url)
        out.write((text_root / "sentiment" / url.rsplit("/", 1)[1]).read_bytes())

    monkeypatch.setattr(download, "_fetch", fake_fetch)
    sentences, labels = rt_polarity(root=tmp_path, download=True)
    assert len(sentences) == 10662 and labels.sum() == 5331
    assert requested == [RT_POLARITY_MIRRORS[0] + name for name in RT_POLARITY_FILES]
    assert requested[0] == ("https://raw.githubusercontent.com/dennybritz/cnn-text-classification-tf/"
                            "18762b459e21d9c70e5c242f8d43fc4e6db37a0d/data/rt-polaritydata/rt-polarity.pos")
    assert (tmp_path / "rt-polarity.neg").read_bytes() == (text_root / "sentiment" / "rt-polarity.neg").read_bytes()


def test_a_download_with_wrong_bytes_is_not_kept(monkeypatch, tmp_path):
    monkeypatch.setattr(download, "_fetch", lambda url, out, timeout=60.0: out.write(b"<html>not found</html>"))
    with pytest.raises(RuntimeError, match="karpathy/char-rnn/6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e"):
        tiny_shakespeare(root=tmp_path, download=True)
    assert not (tmp_path / "input.txt").exists()
