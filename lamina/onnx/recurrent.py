"""Converters of the fused recurrent layers ``lstm_layer``, ``gru_layer``, ``rnn_layer`` to ONNX LSTM, GRU, RNN.

Each Lamina layer op is one direction of one layer over a time-major (T, N, I) input, so it becomes one ONNX
node with ``direction`` "forward" or "reverse" (a bidirectional nn.LSTM gives two, then Concat; batch_first is
the Transpose nn.LSTM records around them). The gate blocks are reordered:

    LSTM: PyTorch i f g o  ->  ONNX i o f c        GRU: PyTorch r z n  ->  ONNX z r h  (linear_before_reset=1,
                                                   PyTorch's n = tanh(W_in x + b_in + r (W_hn h + b_hn)))

``W`` = weight_ih, ``R`` = weight_hh, ``B`` = [b_ih, b_hh], each with a leading direction axis of 1. The
LSTM op returns one flat array [Y, c_n] that ``lstm_layer`` slices and reshapes: the converter records that
layout (``Graph.flat_parts``) so that those slices become the ONNX outputs Y and Y_c themselves.
"""
from __future__ import annotations

import numpy as np  # host-side: the reordered weights

from .graph import converter

_LSTM_ORDER = (0, 3, 1, 2)   # i f g o -> i o f g
_GRU_ORDER = (1, 0, 2)       # r z n -> z r n


def _blocks(array, order):
    """The gate blocks of ``array`` (gates along axis 0) in ``order``, with a leading direction axis."""
    blocks = np.split(np.asarray(array), len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)[None]


def _weights(g, fn, inputs, order, has_bias):
    """(W, R, B) initializers from the layer's parameters, gate blocks reordered for ONNX."""
    w_ih, w_hh = inputs[0], inputs[1]
    for t in inputs:
        if not g.is_constant(t):
            raise g.error(fn, "recurrent weights computed from the input have no ONNX converter")
    names = [g.param_names.get(t, "rnn") for t in (w_ih, w_hh)]
    w = g.array(_blocks(g.constant_array(w_ih), order), f"{names[0]}.onnx")
    r = g.array(_blocks(g.constant_array(w_hh), order), f"{names[1]}.onnx")
    if not has_bias:
        return w, r, ""
    biases = [_blocks(g.constant_array(t), order) for t in inputs[2:4]]
    return w, r, g.array(np.concatenate(biases, axis=1), f"{names[0].replace('weight_ih', 'bias')}.onnx")


def _state(g, tensor) -> str:
    """An initial state (N, H) as ONNX's (1, N, H); zeros (nn.LSTM's default) are left out (ONNX's default)."""
    if g.is_constant(tensor) and not np.any(g.constant_array(tensor)):
        return ""
    return g.emit("Unsqueeze", [g.value(tensor), g.ints([0], "axes")], hint="initial_state")


def _check(g, fn):
    if fn.batch_sizes is not None:
        raise g.error(fn, "packed sequences (PackedSequence, variable lengths) have no ONNX converter; pad them")


def _direction(fn) -> str:
    return "reverse" if fn.reverse else "forward"


@converter("lstm_layer")
def lstm(g, out, fn):
    _check(g, fn)
    if fn.has_proj:
        raise g.error(fn, "LSTM with proj_size has no ONNX converter")
    x, h0, c0 = fn.inputs[:3]
    w, r, b = _weights(g, fn, fn.inputs[3:], _LSTM_ORDER, fn.has_bias)
    hidden = c0.shape[1]
    y, _, y_c = g.emit("LSTM", [g.value(x), w, r, b, "", _state(g, h0), _state(g, c0)], outputs=3, hint="lstm",
                       hidden_size=hidden, direction=_direction(fn))
    T, N = x.shape[0], x.shape[1]
    y = g.emit("Squeeze", [y, g.ints([1], "axes")], hint="lstm_y")        # (T, 1, N, H) -> (T, N, H)
    y_c = g.emit("Squeeze", [y_c, g.ints([0], "axes")], hint="lstm_c")    # (1, N, H) -> (N, H)
    g.flat_parts[out] = [(0, T * N * hidden, y, (T, N, hidden)),
                         (T * N * hidden, T * N * hidden + N * hidden, y_c, (N, hidden))]


@converter("gru_layer")
def gru(g, out, fn):
    _check(g, fn)
    x, h0 = fn.inputs[:2]
    w, r, b = _weights(g, fn, fn.inputs[2:], _GRU_ORDER, fn.has_bias)
    y = g.emit("GRU", [g.value(x), w, r, b, "", _state(g, h0)], hint="gru", hidden_size=h0.shape[1],
               direction=_direction(fn), linear_before_reset=1)
    g.emit("Squeeze", [y, g.ints([1], "axes")], out)


@converter("rnn_layer")
def rnn(g, out, fn):
    _check(g, fn)
    x, h0 = fn.inputs[:2]
    w, r, b = _weights(g, fn, fn.inputs[2:], (0,), fn.has_bias)
    y = g.emit("RNN", [g.value(x), w, r, b, "", _state(g, h0)], hint="rnn", hidden_size=h0.shape[1],
               direction=_direction(fn), activations=["Relu" if fn.relu else "Tanh"])
    g.emit("Squeeze", [y, g.ints([1], "axes")], out)
