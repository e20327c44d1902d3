"""Text corpora: Tiny Shakespeare (character-level language modelling) and the sentence polarity
data set (rt-polarity, binary sentiment classification).

    text = lm.datasets.tiny_shakespeare()          # files from root=, $LAMINA_DATA or ~/.cache
    n = int(0.9 * len(text)); train, val = text[:n], text[n:]
    sentences, labels = lm.datasets.rt_polarity()  # list of 10,662 str, int64 (10662,)

``root`` is the folder holding ``tinyshakespeare/input.txt`` and ``sentiment/rt-polarity.{pos,neg}``
(or the data set's own folder). The files are checked against their published sha256 before use
(see ``download.py``) and downloaded from the public GitHub sources when missing and ``download=True``.
"""
from __future__ import annotations

import numpy as np

from .download import ensure_files

TINY_SHAKESPEARE_FILES = {
    "input.txt": ("86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", 1115394),
}
TINY_SHAKESPEARE_MIRRORS = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/"
    "data/tinyshakespeare/",
)
RT_POLARITY_FILES = {
    "rt-polarity.pos": ("4134882974a28d0c7b5151256f0e33a6169984ee7372c279e673f1114f475d58", 626395),
    "rt-polarity.neg": ("2d11cfbc790f1cd96d78339f41ce53ced1efa83cd22d37d6788fa3fe3d17e2fd", 612506),
}
RT_POLARITY_MIRRORS = (
    "https://raw.githubusercontent.com/dennybritz/cnn-text-classification-tf/18762b459e21d9c70e5c242f8d43fc4e6db37a0d/"
    "data/rt-polaritydata/",
)


def _read_lines(path) -> list[str]:
    """The lines of a UTF-8 file split at each "\\n" (a final newline ends the last line; other whitespace is
    kept, including the space that ends every rt-polarity line)."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    return text.removesuffix("\n").split("\n") if text else []


def tiny_shakespeare(root=None, download: bool = True) -> str:
    """Tiny Shakespeare (karpathy/char-rnn, public-domain text): the whole 1,115,394-character ASCII text
    of ``tinyshakespeare/input.txt`` (40,000 lines, 65 distinct characters).

    The usual split is the first 90 % of the characters for training and the last 10 % for validation.
    """
    folder = ensure_files("tinyshakespeare", TINY_SHAKESPEARE_FILES, TINY_SHAKESPEARE_MIRRORS, root, download)
    with open(folder / "input.txt", encoding="utf-8", newline="") as f:
        return f.read()


def rt_polarity(root=None, download: bool = True) -> tuple[list[str], np.ndarray]:
    """The sentence polarity data set v1.0 (Pang and Lee 2005): 10,662 lower-cased movie-review snippets.

    Returns ``(sentences, labels)``: the 5,331 lines of ``rt-polarity.pos`` labelled 1, then the 5,331 of
    ``rt-polarity.neg`` labelled 0 (int64), read as UTF-8, one sentence per line, the line ending stripped.
    """
    folder = ensure_files("sentiment", RT_POLARITY_FILES, RT_POLARITY_MIRRORS, root, download)
    positive, negative = _read_lines(folder / "rt-polarity.pos"), _read_lines(folder / "rt-polarity.neg")
    labels = np.concatenate([np.ones(len(positive), dtype=np.int64), np.zeros(len(negative), dtype=np.int64)])
    return positive + negative, labels
