"""Finding, checking and downloading data files.

Where a data set lives (``resolve_root``): the ``root`` argument, else ``$LAMINA_DATA/<name>/``,
else ``~/.cache/lamina/<name>/``. Every file is checked against the sha256 (and size) of a table
before it is used. A missing file is downloaded (``download=True``) from public mirrors with urllib
into a temporary file next to its final place, checked, then moved there with ``os.replace``, so
an interrupted or corrupted download never leaves a file under the final name.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

from ..io import atomic_write  # noqa: F401  (re-exported: one place for atomic writes)

CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A data file's size or sha256 is not the published one."""


def resolve_root(name: str, root=None) -> Path:
    """The folder holding data set ``name``.

    ``root`` may be the folder itself or its parent (``root=/data`` finds ``/data/mnist/`` when that
    exists); without it, ``$LAMINA_DATA/<name>`` and then ``~/.cache/lamina/<name>``.
    """
    if root is not None:
        root = Path(root).expanduser()
        return root / name if (root / name).is_dir() else root
    env = os.environ.get("LAMINA_DATA")
    if env:
        return Path(env).expanduser() / name
    return Path.home() / ".cache" / "lamina" / name


def sha256sum(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path, sha256: str, size: int | None = None) -> None:
    """Raise ``ChecksumError`` unless ``path`` has the expected size and sha256."""
    path = Path(path)
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ChecksumError(f"{path}: size is {actual_size} bytes, expected {size} (the file is incomplete "
                            f"or not the published one; delete it and download again)")
    actual = sha256sum(path)
    if actual != sha256:
        raise ChecksumError(f"{path}: sha256 is {actual}, expected {sha256} (the file is corrupted or not "
                            f"the published one; delete it and download again)")


def _fetch(url: str, out, timeout: float = 60.0) -> None:
    """Stream ``url`` into the open binary file ``out``."""
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "lamina"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        for chunk in iter(lambda: response.read(CHUNK), b""):
            out.write(chunk)


def download(urls, path, sha256: str, size: int | None = None) -> Path:
    """Fetch ``path`` from the first mirror that serves the right bytes (sha256 checked before the
    file takes its final name). Raises ``RuntimeError`` naming every mirror's failure."""
    path = Path(path)
    errors = []
    for url in urls:
        try:
            with atomic_write(path) as f:
                _fetch(url, f)
                f.flush()
                verify(f.name, sha256, size)
            return path
        except (OSError, ChecksumError) as err:  # URLError and timeouts are OSErrors
            errors.append(f"  {url}: {err}")
    raise RuntimeError(f"could not download {path.name}:\n" + "\n".join(errors))


def ensure_files(name: str, files: dict, mirrors, root=None, download_missing: bool = True) -> Path:
    """The folder of data set ``name`` with every file of ``files`` present and verified.

    ``files`` maps a file name to ``(sha256, size)``; a file is looked for under each mirror as
    ``mirror + file name``. A file with the wrong checksum is never used: it is downloaded again
    (``download_missing=True``) or reported.
    """
    folder = resolve_root(name, root)
    for filename, (sha256, size) in files.items():
        path = folder / filename
        if path.is_file():
            try:
                verify(path, sha256, size)
                continue
            except ChecksumError as err:
                if not download_missing:
                    raise
                warnings.warn(f"{err}; downloading it again", stacklevel=2)
        elif not download_missing:
            raise FileNotFoundError(f"{name}: {path} is missing; pass download=True, or put the files in "
                                    f"$LAMINA_DATA/{name}/ or pass root=")
        download([mirror + filename for mirror in mirrors], path, sha256, size)
    return folder
