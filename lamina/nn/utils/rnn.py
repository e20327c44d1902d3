"""``pad_sequence``: variable-length sequences stacked into one padded tensor (torch.nn.utils.rnn's)."""
from __future__ import annotations

from ... import functional as F
from ...functional import stack
from ...tensor import Tensor
from ...errors import ArgumentError


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
