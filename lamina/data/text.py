"""Text pipelines: a vocabulary, a word tokenizer, language-model batches and padded classification batches.

    vocab = Vocab.build([text], level="char")                  # or level="word", min_freq=2
    ids = vocab.encode(text)                                   # int64 ndarray; vocab.decode(ids) == text
    for inputs, targets in language_model_batches(ids, batch_size=20, bptt=35):
        ...                                                    # int64 (35, 20) each, targets one step ahead
    loader = DataLoader(list(zip(encoded, labels)), batch_size=32, collate_fn=pad_collate)
    for padded, lengths, labels in loader:                     # int64 (N, max_len), (N,), (N,)
        ...

``lm.save(vocab, path)`` stores ``vocab.state_dict()`` (plain JSON-able data); ``Vocab.from_state_dict(lm.load(path))``
gives the same vocabulary back. Host-side: tokens and ids are NumPy arrays until a batch is wrapped in a Tensor.
"""
from __future__ import annotations

import numbers
import re
from collections import Counter

import numpy as np  # host-side: text is tokenised and encoded in host memory

from ..backend import xp
from ..tensor import Tensor
from .dataloader import default_collate

_WORD = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
LEVELS = ("char", "word")


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words and punctuation.

    A token is either a word, a run of letters, digits and underscores (Unicode ``\\w``) that may contain
    apostrophes between them ("don't", "century's" stay one token), or a single character that is neither a
    word character nor whitespace ("," "." "!" '"' "-" are tokens of their own). Whitespace only separates:
    ``tokenize("Hello, World!  It's") == ["hello", ",", "world", "!", "it's"]``.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize: expected a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def _check_level(level) -> str:
    if level not in LEVELS:
        raise ValueError(f"Vocab: level must be 'char' or 'word', got {level!r}")
    return level


def _host_ids(ids, where: str) -> np.ndarray:
    """``ids`` (a Tensor, array or sequence of ints) as a host int64 array."""
    if isinstance(ids, Tensor):
        ids = ids.numpy()
    array = np.asarray(ids)
    if array.size == 0:
        return array.astype(np.int64).reshape(array.shape)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{where}: expected integer ids, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


class Vocab:
    """A mapping between tokens (characters or words) and indices ``0 .. len(vocab) - 1``.

    ``itos``: the tokens in index order; ``stoi``: token -> index. ``level``: ``"char"`` (a text is its
    characters, decoded by joining with "") or ``"word"`` (a text is ``tokenize(text)``, decoded by joining
    with " "). Tokens not in the vocabulary encode to ``unk_index`` (the index of ``"<unk>"``); without an
    ``"<unk>"`` token they raise ``KeyError``. ``pad_index`` is the index of ``"<pad>"`` (0 when built with
    the default specials) or ``None``.
    """

    def __init__(self, itos, level: str = "char", pad_token: str | None = "<pad>", unk_token: str | None = "<unk>"):
        self.itos = [str(token) for token in itos]
        self.level = _check_level(level)
        self.stoi = {token: index for index, token in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            duplicates = sorted({t for t in self.itos if self.itos.count(t) > 1})
            raise ValueError(f"Vocab: tokens must be unique, got duplicates {duplicates[:5]}")
        self.pad_token = pad_token if pad_token in self.stoi else None
        self.unk_token = unk_token if unk_token in self.stoi else None

    @classmethod
    def build(cls, texts, level: str = "char", min_freq: int = 1, specials=("<pad>", "<unk>"),
              max_size: int | None = None) -> "Vocab":
        """The vocabulary of ``texts`` (one str or an iterable of str).

        Order: the ``specials`` first, in the order given (so ``"<pad>"`` is index 0 by default), then every
        token seen at least ``min_freq`` times, most frequent first, ties broken by first appearance in
        ``texts``. ``max_size`` caps the number of non-special tokens (the least frequent are dropped).
        """
        _check_level(level)
        if not isinstance(min_freq, numbers.Integral) or isinstance(min_freq, bool) or min_freq < 1:
            raise ValueError(f"Vocab.build: min_freq must be a positive integer, got {min_freq!r}")
        if max_size is not None and (not isinstance(max_size, numbers.Integral) or max_size < 0):
            raise ValueError(f"Vocab.build: max_size must be a non-negative integer or None, got {max_size!r}")
        texts = [texts] if isinstance(texts, str) else texts
        counts = Counter()
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"Vocab.build: expected texts of type str, got {type(text).__name__}")
            counts.update(text if level == "char" else tokenize(text))
        specials = [str(s) for s in specials]
        tokens = [t for t, n in counts.most_common() if n >= min_freq and t not in specials]  # stable: ties in
        if max_size is not None:                                                             # first-seen order
            tokens = tokens[:max_size]
        return cls(specials + tokens, level)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        """The index of ``token`` (``unk_index`` for an unknown token)."""
        return self.lookup(token)

    @property
    def pad_index(self) -> int | None:
        return None if self.pad_token is None else self.stoi[self.pad_token]

    @property
    def unk_index(self) -> int | None:
        return None if self.unk_token is None else self.stoi[self.unk_token]

    def lookup(self, token: str) -> int:
        index = self.stoi.get(token, self.unk_index)
        if index is None:
            raise KeyError(f"Vocab: token {token!r} is not in the vocabulary and it has no '<unk>' token")
        return index

    def tokens(self, text: str) -> list[str]:
        """``text`` split as this vocabulary splits it: its characters, or ``tokenize(text)``."""
        if not isinstance(text, str):
            raise TypeError(f"Vocab.encode: expected a str, got {type(text).__name__}")
        return list(text) if self.level == "char" else tokenize(text)

    def encode(self, text: str) -> np.ndarray:
        """The int64 indices of ``text``'s tokens (unknown tokens -> ``unk_index``)."""
        tokens = self.tokens(text)
        return np.fromiter((self.lookup(t) for t in tokens), dtype=np.int64, count=len(tokens))

    def decode(self, ids) -> str:
        """The text of 1-D ``ids`` (array, Tensor or list): tokens joined by "" (char) or " " (word)."""
        ids = _host_ids(ids, "Vocab.decode")
        if ids.ndim != 1:
            raise ValueError(f"Vocab.decode: expected 1-D ids, got shape {tuple(ids.shape)}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            bad = ids[(ids < 0) | (ids >= len(self))][0]
            raise IndexError(f"Vocab.decode: id {bad} is out of range for a vocabulary of {len(self)} tokens")
        return ("" if self.level == "char" else " ").join(self.itos[i] for i in ids.tolist())

    def state_dict(self) -> dict:
        """Plain JSON-able data: ``{"level", "itos", "pad_token", "unk_token"}``."""
        return {"level": self.level, "itos": list(self.itos), "pad_token": self.pad_token,
                "unk_token": self.unk_token}

    @classmethod
    def from_state_dict(cls, state: dict) -> "Vocab":
        """The vocabulary whose ``state_dict()`` is ``state``."""
        missing = {"level", "itos"} - set(state)
        if missing:
            raise KeyError(f"Vocab.from_state_dict: missing keys {sorted(missing)}")
        return cls(state["itos"], state["level"], state.get("pad_token"), state.get("unk_token"))

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocab) and self.state_dict() == other.state_dict()

    def __repr__(self) -> str:
        return f"Vocab({len(self)} {self.level} tokens)"


def _positive_int(value, name: str, where: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


def language_model_batches(ids, batch_size: int, bptt: int, batch_first: bool = False) -> list:
    """Windows over a token stream for truncated backpropagation through time, as PyTorch's
    word_language_model example (``batchify`` then ``get_batch``).

    The 1-D stream ``ids`` is cut into ``batch_size`` contiguous rows of ``n = len(ids) // batch_size`` tokens
    (the remainder is dropped): column ``b`` of the ``(n, batch_size)`` data holds ``ids[b * n:(b + 1) * n]``.
    Window ``i`` (``i = 0, bptt, 2 * bptt, ...``) is ``inputs = data[i:i + L]`` and ``targets = data[i + 1:i + 1 + L]``
    with ``L = min(bptt, n - 1 - i)`` (the last window may be shorter): int64 Tensors of shape ``(L, batch_size)``,
    or ``(batch_size, L)`` with ``batch_first=True``. The example's ``target.view(-1)`` is ``targets.reshape(-1)``.
    """
    where = "language_model_batches"
    batch_size, bptt = _positive_int(batch_size, "batch_size", where), _positive_int(bptt, "bptt", where)
    ids = _host_ids(ids, where)
    if ids.ndim != 1:
        raise ValueError(f"{where}: expected a 1-D stream of ids, got shape {tuple(ids.shape)}")
    steps = ids.shape[0] // batch_size
    if steps < 2:
        raise ValueError(f"{where}: {ids.shape[0]} ids make rows of {steps} tokens for batch_size={batch_size}; "
                         f"need at least 2 (an input and its target)")
    rows = ids[:steps * batch_size].reshape(batch_size, steps)
    data = np.ascontiguousarray(rows if batch_first else rows.T)
    windows = []
    for i in range(0, steps - 1, bptt):
        length = min(bptt, steps - 1 - i)
        if batch_first:
            inputs, targets = data[:, i:i + length], data[:, i + 1:i + 1 + length]
        else:
            inputs, targets = data[i:i + length], data[i + 1:i + 1 + length]
        windows.append((Tensor._wrap(xp.asarray(inputs)), Tensor._wrap(xp.asarray(targets))))
    return windows


def pad_collate(batch, pad_index: int = 0):
    """A ``DataLoader`` ``collate_fn`` for classification: ``[(sequence, label), ...]`` ->
    ``(padded, lengths, labels)``.

    ``padded``: int64 ``(N, max_len)``, row ``k`` is sequence ``k`` followed by ``pad_index`` (as
    ``torch.nn.utils.rnn.pad_sequence(batch_first=True, padding_value=pad_index)``); ``lengths``: int64 ``(N,)``
    (what ``pack_padded_sequence`` takes); ``labels``: the labels batched by ``default_collate``. A sequence
    is a 1-D array, Tensor or list of ints. For another pad index: ``functools.partial(pad_collate, pad_index=i)``.
    """
    if len(batch) == 0:
        raise ValueError("pad_collate: got an empty batch")
    sequences, labels = [], []
    for position, sample in enumerate(batch):
        if not isinstance(sample, (tuple, list)) or len(sample) != 2:
            raise TypeError(f"pad_collate: sample {position} must be a (sequence, label) pair, got "
                            f"{type(sample).__name__}")
        sequence = _host_ids(sample[0], "pad_collate")
        if sequence.ndim != 1:
            raise ValueError(f"pad_collate: sequence {position} must be 1-D, got shape {tuple(sequence.shape)}")
        sequences.append(sequence)
        labels.append(sample[1])
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    padded = np.full((len(sequences), int(lengths.max())), pad_index, dtype=np.int64)
    for row, sequence in zip(padded, sequences):
        row[:sequence.shape[0]] = sequence
    return Tensor._wrap(xp.asarray(padded)), Tensor._wrap(xp.asarray(lengths)), default_collate(labels)
