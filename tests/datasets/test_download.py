"""lamina.datasets.download: checksums, the data root, downloads that fall back to the next mirror and
never leave a bad or partial file."""
import hashlib

import pytest

from lamina.datasets import ChecksumError, download, ensure_files, resolve_root, verify


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
