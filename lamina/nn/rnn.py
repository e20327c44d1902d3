"""Recurrent layers as torch.nn's: ``RNN``, ``LSTM``, ``GRU`` (stacked, bidirectional, batch_first, dropout
between layers, LSTM projections) and the one-step ``RNNCell``, ``LSTMCell``, ``GRUCell``, with PyTorch's parameter
names (weight_ih_l0, weight_hh_l0_reverse, weight_hr_l0, ...), gate order and init U(-1/sqrt(hidden), 1/sqrt(hidden)).

    RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)           (or relu)
    LSTM: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)  (sigmoid, sigmoid, tanh, sigmoid)
          c' = f c + i g,  h' = o tanh(c')                    (h' = W_hr (o tanh(c')) with proj_size)
    GRU:  r, z = sigmoid(split of the first two thirds);  n = tanh(W_in x + b_in + r (W_hn h + b_hn))
          h' = (1 - z) n + z h

Each layer and direction of a stacked module is one op over the whole sequence (``lstm_layer``, ``gru_layer``,
``rnn_layer`` in ``lamina/ops/recurrent.py``: the time loop and backpropagation through time are there); the
cells are the ops ``lstm_cell``, ``gru_cell``, ``rnn_tanh_cell``, ``rnn_relu_cell``.
"""
from __future__ import annotations

import math
import warnings

from .. import functional as F
from ..backend import to_numpy, xp
from ..creation import empty, zeros
from ..errors import ArgumentError
from ..functional import cat, stack
from ..tensor import Tensor
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_size(layer: str, name: str, value, positive: bool = True) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if positive and value <= 0:
        raise ArgumentError(f"{name} must be greater than zero")
    return value


def _check_projection(mode: str, proj_size, hidden_size: int) -> int:
    if not isinstance(proj_size, int) or isinstance(proj_size, bool) or proj_size < 0:
        raise ArgumentError("proj_size should be a positive integer or zero to disable projections")
    if proj_size and mode != "LSTM":
        raise ArgumentError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if proj_size >= hidden_size:
        raise ArgumentError("proj_size has to be smaller than hidden_size")
    return proj_size


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
        _check_projection(mode, proj_size, hidden_size)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gates = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        state_size = proj_size or hidden_size
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                width = input_size if layer == 0 else state_size * directions
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                self.register_parameter(names[0], Parameter(empty(gates, width, dtype=dtype)))
                self.register_parameter(names[1], Parameter(empty(gates, state_size, dtype=dtype)))
                if bias:
                    self.register_parameter(f"bias_ih_l{layer}{suffix}", Parameter(empty(gates, dtype=dtype)))
                    self.register_parameter(f"bias_hh_l{layer}{suffix}", Parameter(empty(gates, dtype=dtype)))
                if proj_size:
                    self.register_parameter(f"weight_hr_l{layer}{suffix}",
                                            Parameter(empty(proj_size, hidden_size, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound, generator=generator)

    def _weights(self, layer: int, suffix: str):
        get = self._parameters.get
        return (get(f"weight_ih_l{layer}{suffix}"), get(f"weight_hh_l{layer}{suffix}"),
                get(f"bias_ih_l{layer}{suffix}"), get(f"bias_hh_l{layer}{suffix}"))

    def _layer(self, x, state, layer: int, suffix: str, batch_sizes):
        """(output, final state) of one layer in one direction over the time-major ``x``."""
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
        reverse = bool(suffix)
        if self.mode == "LSTM":
            return F.lstm_layer(x, state, w_ih, w_hh, b_ih, b_hh, self._parameters.get(f"weight_hr_l{layer}{suffix}"),
                                reverse=reverse, batch_sizes=batch_sizes)
        if self.mode == "GRU":
            return F.gru_layer(x, state, w_ih, w_hh, b_ih, b_hh, reverse=reverse, batch_sizes=batch_sizes)
        return F.rnn_layer(x, state, w_ih, w_hh, b_ih, b_hh, "relu" if self.mode == "RNN_RELU" else "tanh",
                           reverse=reverse, batch_sizes=batch_sizes)

    def _check_input(self, x) -> bool:
        name = type(self).__name__
        if x.ndim not in (2, 3):
            raise ArgumentError(f"{name}: Expected input to be 2D or 3D, got {x.ndim}D tensor of shape "
                                f"{tuple(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise ArgumentError(f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                                f"got {x.shape[-1]}")
        if x.dtype != self.weight_ih_l0.dtype:
            raise ArgumentError(f"{name}: input must have the type {self.weight_ih_l0.dtype} of the layer's "
                                f"weights, got {x.dtype}")
        return x.ndim == 3

    def _initial_state(self, hx, n, dtype, batched):
        directions = 2 if self.bidirectional else 1
        expected = [(self.num_layers * directions, n, self.proj_size or self.hidden_size)]
        if self.mode == "LSTM":
            expected.append((self.num_layers * directions, n, self.hidden_size))
        if hx is None:
            states = [zeros(*shape, dtype=dtype) for shape in expected]
            return tuple(states) if self.mode == "LSTM" else states[0]
        states = hx if self.mode == "LSTM" else (hx,)
        if self.mode == "LSTM" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ArgumentError("LSTM: hx must be a tuple (h_0, c_0)")
        fixed = []
        for state, shape in zip(states, expected):
            if batched and state.ndim != 3 or not batched and state.ndim != 2:
                raise ArgumentError(f"{type(self).__name__}: For {'batched 3-D' if batched else 'unbatched 2-D'} "
                                    f"input, hx should also be {3 if batched else 2}-D but got {state.ndim}-D tensor")
            state = state if batched else state.unsqueeze(1)
            if tuple(state.shape) != shape:
                raise ArgumentError(f"Expected hidden size {shape}, got {tuple(state.shape)}")
            fixed.append(state)
        return tuple(fixed) if self.mode == "LSTM" else fixed[0]

    def forward(self, input, hx=None):
        """output (L, N, D H_out) ((N, L, D H_out) with batch_first, (L, D H_out) unbatched) and the last state of
        every layer and direction, (D num_layers, N, H_out) (a pair (h_n, c_n) for LSTM, c_n of width H); H_out is
        proj_size when set, else hidden_size.

        A PackedSequence input gives a PackedSequence output (same batch_sizes and indices); each sequence's state
        stops at its last real step, the reverse direction starts there, and h_n (c_n) is in the original batch
        order, as ``hx``."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[0] == 0:
            raise ArgumentError(f"{type(self).__name__}: Expected sequence length to be larger than 0 in RNN")
        state = self._initial_state(hx, x.shape[1], x.dtype, batched)
        x, h_n, c_n = self._run_layers(x, state)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if not batched:
            x, h_n = x.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        return (x, (h_n, c_n)) if self.mode == "LSTM" else (x, h_n)

    def _run_layers(self, x, state, batch_sizes=None):
        """(output (L, N, D H_out) of the last layer, h_n, c_n (LSTM, else None)) from the time-major ``x``;
        ``batch_sizes`` (sequences sorted longest first) stops each sequence at its own last step."""
        directions = ("", "_reverse")[:2 if self.bidirectional else 1]
        finals_h, finals_c = [], []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(directions):
                index = layer * len(directions) + d
                s = (state[0][index], state[1][index]) if self.mode == "LSTM" else state[index]
                y, final = self._layer(x, s, layer, suffix, batch_sizes)
                outputs.append(y)
                finals_h.append(final[0] if self.mode == "LSTM" else final)
                if self.mode == "LSTM":
                    finals_c.append(final[1])
            x = outputs[0] if len(outputs) == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        return x, stack(finals_h), (stack(finals_c) if finals_c else None)

    def _forward_packed(self, packed, hx):
        """Runs in the packed (sorted, longest first) order with the packed batch_sizes, as PyTorch does; the packed
        output keeps the input's batch_sizes and indices, h_n (c_n) and hx are in the original batch order."""
        sizes = to_numpy(packed.batch_sizes.data).astype(int)
        data = packed.data
        if data.ndim != 2:
            raise ArgumentError(f"{type(self).__name__}: packed input data must be 2-D, got {tuple(data.shape)}")
        self._check_input(data)
        steps, n = len(sizes), int(sizes[0])
        rows = _packed_rows(sizes)                           # (step, sequence) -> row of data, or -1
        padded = cat([data, zeros(1, data.shape[1], dtype=data.dtype)])[Tensor._wrap(xp.asarray(rows))]
        state = self._initial_state(hx, n, data.dtype, True)
        if hx is not None and packed.sorted_indices is not None:
            state = _reorder(state, packed.sorted_indices)
        x, h_n, c_n = self._run_layers(padded, state, sizes)
        taken = xp.asarray((rows.reshape(-1) >= 0).nonzero()[0])
        output = PackedSequence(x.reshape(steps * n, -1)[Tensor._wrap(taken)], packed.batch_sizes,
                                packed.sorted_indices, packed.unsorted_indices)
        final = (h_n, c_n) if self.mode == "LSTM" else h_n
        if packed.unsorted_indices is not None:
            final = _reorder(final, packed.unsorted_indices)
        return output, final

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


def _packed_rows(batch_sizes):
    """(T, N) int array: the row of the packed data holding step t of sorted sequence j, -1 past its end (-1 picks
    the zero row appended to the data)."""
    n = int(batch_sizes[0])
    offsets = xp.concatenate([xp.zeros(1, dtype=int), xp.cumsum(batch_sizes)[:-1]])
    j = xp.arange(n)
    return xp.where(j[None, :] < batch_sizes[:, None], offsets[:, None] + j[None, :], -1)


def _reorder(state, indices):
    """The states (one tensor or a pair) with their batch axis (1) permuted by ``indices``."""
    if isinstance(state, tuple):
        return tuple(F.index_select(s, 1, indices) for s in state)
    return F.index_select(state, 1, indices)


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
        cell = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        h = cell(x, self._state(hx, x, batched), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        """(h', c') from input and hx = (h, c) (zeros when None)."""
        x, batched = self._prepare(input, hx)
        h, c = (None, None) if hx is None else hx
        h, c = self._state(h, x, batched), self._state(c, x, batched)
        h, c = F.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, batched = self._prepare(input, hx)
        h = F.gru_cell(x, self._state(hx, x, batched), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
