"""Recurrent layers as torch.nn's: ``RNN``, ``LSTM``, ``GRU`` (stacked, bidirectional, batch_first, dropout
between layers) and the one-step ``RNNCell``, ``LSTMCell``, ``GRUCell``, with PyTorch's parameter names
(weight_ih_l0, weight_hh_l0_reverse, ...), gate order and init U(-1/sqrt(hidden), 1/sqrt(hidden)).

    RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)           (or relu)
    LSTM: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)  (sigmoid, sigmoid, tanh, sigmoid)
          c' = f c + i g,  h' = o tanh(c')
    GRU:  r, z = sigmoid(split of the first two thirds);  n = tanh(W_in x + b_in + r (W_hn h + b_hn))
          h' = (1 - z) n + z h
"""
from __future__ import annotations

import math
import warnings

from .. import functional as F
from ..creation import empty, zeros
from ..functional import cat, stack
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence, pad_packed_sequence
from ..errors import ArgumentError
from ..backend import to_numpy, xp
from ..tensor import Tensor

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity: str):
    pre = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    return F.relu(pre) if nonlinearity == "relu" else F.tanh(pre)


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    i, f, g, o = (F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
    return F.sigmoid(o) * F.tanh(c), c


def _gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    x_r, x_z, x_n = F.linear(x, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = F.sigmoid(x_r + h_r), F.sigmoid(x_z + h_z)
    n = F.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def _check_size(layer: str, name: str, value, positive: bool = True) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if positive and value <= 0:
        raise ArgumentError(f"{name} must be greater than zero")
    return value


class RNNBase(Module):
    """The stacked recurrent layer; ``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        if not (isinstance(dropout, (int, float)) and not isinstance(dropout, bool) and 0 <= dropout <= 1):
            raise ArgumentError("dropout should be a number in range [0, 1] representing the probability of an "
                                "element being zeroed")
        _check_size(mode, "hidden_size", hidden_size)
        _check_size(mode, "num_layers", num_layers)
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          UserWarning, stacklevel=3)
        if proj_size:
            raise ArgumentError(f"{type(self).__name__}: proj_size is not supported")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gates = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                width = input_size if layer == 0 else hidden_size * directions
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                self.register_parameter(names[0], Parameter(empty(gates, width, dtype=dtype)))
                self.register_parameter(names[1], Parameter(empty(gates, hidden_size, dtype=dtype)))
                if bias:
                    self.register_parameter(f"bias_ih_l{layer}{suffix}", Parameter(empty(gates, dtype=dtype)))
                    self.register_parameter(f"bias_hh_l{layer}{suffix}", Parameter(empty(gates, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound, generator=generator)

    def _weights(self, layer: int, suffix: str):
        get = self._parameters.get
        return (get(f"weight_ih_l{layer}{suffix}"), get(f"weight_hh_l{layer}{suffix}"),
                get(f"bias_ih_l{layer}{suffix}"), get(f"bias_hh_l{layer}{suffix}"))

    def _step(self, x, state, weights):
        if self.mode == "LSTM":
            return _lstm_step(x, state, *weights)
        if self.mode == "GRU":
            return _gru_step(x, state, *weights)
        return _rnn_step(x, state, *weights, "relu" if self.mode == "RNN_RELU" else "tanh")

    def _check_input(self, x, hx_shapes) -> bool:
        name = type(self).__name__
        if x.ndim not in (2, 3):
            raise ArgumentError(f"{name}: Expected input to be 2D or 3D, got {x.ndim}D tensor of shape "
                                f"{tuple(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise ArgumentError(f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                                f"got {x.shape[-1]}")
        return x.ndim == 3

    def _initial_state(self, hx, n, dtype, batched):
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, n, self.hidden_size)
        if hx is None:
            h = zeros(*expected, dtype=dtype)
            return (h, zeros(*expected, dtype=dtype)) if self.mode == "LSTM" else h
        states = hx if self.mode == "LSTM" else (hx,)
        if self.mode == "LSTM" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ArgumentError("LSTM: hx must be a tuple (h_0, c_0)")
        fixed = []
        for state in states:
            if batched and state.ndim != 3 or not batched and state.ndim != 2:
                raise ArgumentError(f"{type(self).__name__}: For {'batched 3-D' if batched else 'unbatched 2-D'} "
                                    f"input, hx should also be {3 if batched else 2}-D but got {state.ndim}-D tensor")
            state = state if batched else state.unsqueeze(1)
            if tuple(state.shape) != expected:
                raise ArgumentError(f"Expected hidden size {expected}, got {tuple(state.shape)}")
            fixed.append(state)
        return tuple(fixed) if self.mode == "LSTM" else fixed[0]

    def forward(self, input, hx=None):
        """output (L, N, D H) ((N, L, D H) with batch_first, (L, D H) unbatched) and the last state of every
        layer and direction, (D num_layers, N, H) (a pair (h_n, c_n) for LSTM).

        A PackedSequence input gives a PackedSequence output (same batch_sizes and indices); each sequence's state
        stops at its last real step (h_t = where(t < length, new, old)), the reverse direction starts there, and
        h_n (c_n) is in the original batch order, as ``hx``."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        batched = self._check_input(input, None)
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        state = self._initial_state(hx, x.shape[1], x.dtype, batched)
        x, finals_h, finals_c = self._run_layers(x, state)
        h_n = stack(finals_h)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if not batched:
            x, h_n = x.squeeze(1), h_n.squeeze(1)
        if self.mode == "LSTM":
            c_n = stack(finals_c)
            return x, (h_n, c_n if batched else c_n.squeeze(1))
        return x, h_n

    def _run_layers(self, x, state, masks=None):
        """(output (L, N, D H) of the last layer, final h of every layer and direction, final c (LSTM)) from the
        time-major ``x``; with ``masks`` (one (N, 1) bool tensor a step), a sequence's state only updates where its
        mask holds, so each keeps the state of its last real step and the reverse direction starts there."""
        directions = ("", "_reverse")[:2 if self.bidirectional else 1]
        finals_h, finals_c = [], []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(directions):
                index = layer * len(directions) + d
                s = (state[0][index], state[1][index]) if self.mode == "LSTM" else state[index]
                weights = self._weights(layer, suffix)
                steps = range(x.shape[0] - 1, -1, -1) if suffix else range(x.shape[0])
                sequence = [None] * x.shape[0]
                for t in steps:
                    new = self._step(x[t], s, weights)
                    if masks is None:
                        s = new
                    elif self.mode == "LSTM":
                        s = (F.where(masks[t], new[0], s[0]), F.where(masks[t], new[1], s[1]))
                    else:
                        s = F.where(masks[t], new, s)
                    sequence[t] = s[0] if self.mode == "LSTM" else s
                outputs.append(stack(sequence) if sequence else x[:, :, :0])
                finals_h.append(s[0] if self.mode == "LSTM" else s)
                if self.mode == "LSTM":
                    finals_c.append(s[1])
            x = outputs[0] if len(outputs) == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        return x, finals_h, finals_c

    def _forward_packed(self, packed, hx):
        """The packed output (the input's batch_sizes and indices) and h_n (c_n) in the original batch order."""
        padded, lengths = pad_packed_sequence(packed)
        self._check_input(padded, None)
        lengths = to_numpy(lengths.data)
        masks = [Tensor._wrap(xp.asarray((t < lengths)[:, None])) for t in range(padded.shape[0])]
        state = self._initial_state(hx, padded.shape[1], padded.dtype, True)
        x, finals_h, finals_c = self._run_layers(padded, state, masks)
        if packed.sorted_indices is not None:
            x = F.index_select(x, 1, packed.sorted_indices)
        data = cat([x[t, :int(b)] for t, b in enumerate(to_numpy(packed.batch_sizes.data))], 0)
        output = PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        h_n = stack(finals_h)
        return (output, (h_n, stack(finals_c))) if self.mode == "LSTM" else (output, h_n)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


class RNN(RNNBase):
    """RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)


class RNNCellBase(Module):
    """One step of a recurrent layer; ``num_chunks`` gates (1 RNN, 4 LSTM, 3 GRU), as PyTorch's."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias, self.gates = input_size, hidden_size, bias, num_chunks
        self.weight_ih = Parameter(empty(self.gates * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(self.gates * hidden_size, hidden_size, dtype=dtype))
        self.register_parameter("bias_ih", Parameter(empty(self.gates * hidden_size, dtype=dtype)) if bias else None)
        self.register_parameter("bias_hh", Parameter(empty(self.gates * hidden_size, dtype=dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound, generator=generator)

    def _prepare(self, x, hx):
        """(x as (N, H_in), hx as (N, H) or zeros, batched?)."""
        name = type(self).__name__
        if x.ndim not in (1, 2):
            raise ArgumentError(f"{name}: Expected input to be 1D or 2D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise ArgumentError(f"{name}: input has inconsistent input_size: got {x.shape[-1]} expected "
                                f"{self.input_size}")
        batched = x.ndim == 2
        x = x if batched else x.unsqueeze(0)
        return x, batched

    def _state(self, hx, x, batched):
        if hx is None:
            return zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
        if hx.ndim != (2 if batched else 1):
            raise ArgumentError(f"{type(self).__name__}: Expected hidden to be {2 if batched else 1}D, got "
                                f"{hx.ndim}D instead")
        hx = hx if batched else hx.unsqueeze(0)
        if tuple(hx.shape) != (x.shape[0], self.hidden_size):
            raise ArgumentError(f"{type(self).__name__}: hidden has shape {tuple(hx.shape)}, expected "
                                f"{(x.shape[0], self.hidden_size)}")
        return hx

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, batched = self._prepare(input, hx)
        h = _rnn_step(x, self._state(hx, x, batched), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                      self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        """(h', c') from input and hx = (h, c) (zeros when None)."""
        x, batched = self._prepare(input, hx)
        h, c = (None, None) if hx is None else hx
        h, c = self._state(h, x, batched), self._state(c, x, batched)
        h, c = _lstm_step(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, batched = self._prepare(input, hx)
        h = _gru_step(x, self._state(hx, x, batched), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
