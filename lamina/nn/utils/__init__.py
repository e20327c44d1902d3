"""Helpers for training: gradient clipping, parameters as one vector, and ``rnn`` (pad_sequence, PackedSequence,
pack_padded_sequence, pad_packed_sequence, pack_sequence) for variable-length batches."""
from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters"]
