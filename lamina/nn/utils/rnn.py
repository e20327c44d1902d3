"""Variable-length batches as torch.nn.utils.rnn's: ``pad_sequence``, ``PackedSequence``, ``pack_padded_sequence``,
``pad_packed_sequence``, ``pack_sequence``. Packing and padding are in the graph (gradients flow to the real steps)."""
from __future__ import annotations

import numpy as np  # host-side: lengths and batch sizes (CPU int64 in PyTorch too)

from ... import functional as F
from ...backend import to_numpy, xp
from ...creation import from_numpy
from ...functional import cat, index_select, stack
from ...tensor import Tensor
from ...errors import ArgumentError, DimensionError


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    """(L_max, B, *) (``batch_first``: (B, L_max, *)) from B tensors (L_i, *), each padded with ``padding_value``
    after its end (``padding_side='left'``: before its start); in the graph."""
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise ArgumentError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ArgumentError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            raise ArgumentError(f"pad_sequence: the sequences' trailing dimensions differ: {trailing} and "
                                f"{tuple(s.shape[1:])}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        widths = [0, 0] * len(trailing) + ([0, extra] if padding_side == "right" else [extra, 0])
        padded.append(F.pad(s, widths, value=padding_value) if extra else s)
    return stack(padded, 0 if batch_first else 1)


class PackedSequence(tuple):
    """A batch of variable-length sequences, time-major and sorted by length, as torch's: ``data`` (sum L_i, *)
    holds step t of the ``batch_sizes[t]`` sequences still running, for t = 0, 1, ...; ``sorted_indices`` maps the
    packed batch order to the original one (None when the input was already sorted), ``unsorted_indices`` back."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, (data, batch_sizes, sorted_indices, unsorted_indices))

    data = property(lambda self: self[0])
    batch_sizes = property(lambda self: self[1])
    sorted_indices = property(lambda self: self[2])
    unsorted_indices = property(lambda self: self[3])

    def __repr__(self) -> str:
        return (f"PackedSequence(data={self.data!r}, batch_sizes={self.batch_sizes!r}, "
                f"sorted_indices={self.sorted_indices!r}, unsorted_indices={self.unsorted_indices!r})")

    def _replace(self, **fields):
        return PackedSequence(**{**dict(zip(("data", "batch_sizes", "sorted_indices", "unsorted_indices"), self)),
                                 **fields})

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def detach(self):
        return self._replace(data=self.data.detach())

    def cpu(self):
        return self

    def double(self):
        return self.to(xp.float64)

    def float(self):
        return self.to(xp.float32)

    def half(self):
        return self.to(xp.float16)

    def long(self):
        return self.to(xp.int64)

    def int(self):
        return self.to(xp.int32)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _invert(permutation):
    order = to_numpy(permutation.data if isinstance(permutation, Tensor) else permutation)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return from_numpy(inverse.astype(np.int64))


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        lengths = to_numpy(lengths.data)
    elif hasattr(lengths, "numpy") and not isinstance(lengths, np.ndarray):  # a torch tensor
        lengths = lengths.detach().cpu().numpy()
    array = np.asarray(lengths)
    if array.ndim != 1 or array.dtype.kind not in "biuf":
        raise ArgumentError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {array.ndim}D "
                            f"{array.dtype} values")
    return array.astype(np.int64)  # PyTorch's as_tensor(lengths, dtype=int64): floats truncate


def _pack_time_major(padded, lengths: np.ndarray):
    """The packed data and batch sizes of ``padded`` (T, B, *) whose columns are sorted by decreasing length."""
    batch_sizes = (lengths[None, :] > np.arange(int(lengths[0]))[:, None]).sum(1)
    data = cat([padded[t, :int(b)] for t, b in enumerate(batch_sizes)], 0)
    return data, from_numpy(batch_sizes.astype(np.int64))


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """A PackedSequence of the padded batch ``input`` (T, B, *) ((B, T, *) with ``batch_first``) whose sequence b
    has ``lengths[b]`` real steps (each in 1..T); ``enforce_sorted``: lengths must already be decreasing (then
    ``sorted_indices`` is None; otherwise a stable sort by decreasing length, which is torch's order up to 16
    sequences; beyond, torch's unstable sort may order tied lengths differently, which changes the packed layout
    but not what unpacking gives). In the graph: the gradient flows back to the real steps."""
    lengths = _lengths_array(lengths)
    if input.ndim < 2:
        raise DimensionError(f"pack_padded_sequence: expected input of at least 2 dimensions, got {input.ndim}")
    x = input.transpose(0, 1) if batch_first else input
    if lengths.size != x.shape[1]:
        raise ArgumentError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                            f"(batch_size={x.shape[1]})")
    if lengths.size == 0 or lengths.min() <= 0:
        raise ArgumentError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                            "is <= 0")
    if lengths.max() > x.shape[0]:
        raise ArgumentError(f"pack_padded_sequence: a length ({lengths.max()}) is longer than the input's "
                            f"{x.shape[0]} steps")
    sorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise ArgumentError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                                "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                                "sidestep this requirement if you do not need ONNX exportability.")
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = from_numpy(order.astype(np.int64))
        x, lengths = index_select(x, 1, sorted_indices), lengths[order]
    data, batch_sizes = _pack_time_major(x, lengths)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None):
    """(padded (T, B, *) ((B, T, *) with ``batch_first``), lengths (B,) int64), both in the original batch order;
    T = ``total_length`` if given (at least the longest length) else the longest length."""
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = to_numpy(batch_sizes.data if isinstance(batch_sizes, Tensor) else batch_sizes).astype(np.int64)
    longest, batch = sizes.size, int(sizes[0]) if sizes.size else 0
    if total_length is not None:
        if total_length < longest:
            raise ArgumentError(f"Expected total_length to be at least the length of the longest sequence in input, "
                                f"but got total_length={total_length} and max sequence length being {longest}")
        longest = total_length
    trailing = list(data.shape[1:])
    steps, start = [], 0
    for size in sizes:
        step = data[start:start + int(size)]
        start += int(size)
        steps.append(F.pad(step, [0, 0] * len(trailing) + [0, batch - int(size)], value=padding_value)
                     if size < batch else step)
    padded = stack(steps, 0)
    if longest > sizes.size:
        padded = F.pad(padded, [0, 0] * (len(trailing) + 1) + [0, longest - sizes.size], value=padding_value)
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    if unsorted_indices is not None:
        padded = index_select(padded, 1, unsorted_indices)
        lengths = lengths[to_numpy(unsorted_indices.data)]
    return (padded.transpose(0, 1) if batch_first else padded), from_numpy(lengths.astype(np.int64))


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """A PackedSequence of the tensors (L_i, *) (decreasing lengths unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False):
    """The list of sequences (L_i, *) from a padded batch and its lengths."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[b, :int(n)] for b, n in enumerate(_lengths_array(lengths))]


def unpack_sequence(packed_sequences: PackedSequence):
    """The list of sequences (L_i, *) of a PackedSequence, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
