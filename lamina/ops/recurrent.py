"""Recurrent cells and whole recurrent layers (one layer, one direction), with PyTorch's gate order.

    rnn:   h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)                 (or relu)
    lstm:  i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh, 4)    sigmoid, sigmoid, tanh, sigmoid
           c' = f c + i g,   h' = o tanh(c')                            (h' = (o tanh(c')) W_hr^T with proj_size)
    gru:   r, z = sigmoid(split(x W_ih^T + b_ih + h W_hh^T + b_hh)[:2])
           n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),   h' = (1 - z) n + z h

The cells (``lstm_cell``, ...) are compositions of other ops: one graph node per op and step, which the glass box
can show. The layers (``lstm_layer``, ...) are one graph node for a whole sequence: the loop over time runs on
arrays (``lamina/kernels/recurrent.py``), the input projection and the weight gradients of all steps are one
matrix product each, and backpropagation through time is that kernel's backward loop:

    dh_{t-1} = dG_t W_hh (+ dh_t z_t for the GRU),   dc_{t-1} = dc_t f_t,
    dW_ih = sum_t dG_t^T x_t,   dW_hh = sum_t dG_t^T h_{t-1},   db = sum_t dG_t.

``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` stack these layers. Differentiating a layer's gradient again
(``create_graph=True``) replays the sequence with the cells and differentiates that graph.
"""
from __future__ import annotations

from ..autograd import Function, enable_grad
from ..autograd import grad as _autograd_grad
from ..backend import xp
from ..errors import ArgumentError
from ..kernels import recurrent as kernel
from ..tensor import Tensor
from ._util import as_tensor, constant, recording
from .activation import relu, sigmoid, tanh
from .linear import linear
from .shape import cat, stack


# ---- cells: compositions of ops -----------------------------------------------------------------------------------
def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return tanh(linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh))


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return relu(linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh))


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
    """(h', c') from x and hx = (h, c); gates i, f, g, o in PyTorch's order."""
    h, c = hx
    i, f, g, o = (linear(input, w_ih, b_ih) + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)
    return (h if w_hr is None else linear(h, w_hr)), c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """h' = (1 - z) n + z h with r, z, n as in the module docstring."""
    x_r, x_z, x_n = linear(input, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, h_n = linear(hx, w_hh, b_hh).chunk(3, -1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    return (1 - z) * n + z * hx


# ---- whole layers: one node, the time loop in a kernel ----------------------------------------------------------
def _project(x, w_ih, *biases, scale=None):
    """XW = X W_ih^T + biases as a fresh (T, N, gates) array: one GEMM for every step; ``scale`` multiplies each
    gate's column (``kernel.gate_scale``)."""
    T, N, _ = x.shape
    w_t = xp.ascontiguousarray(w_ih.T) if scale is None else xp.ascontiguousarray(w_ih.T) * scale
    xw = xp.matmul(x.reshape(T * N, -1), w_t).reshape(T, N, -1)
    if biases:  # one pass over XW for all the biases
        xw += sum(biases[1:], biases[0]) if scale is None else sum(biases[1:], biases[0]) * scale
    return xw


def _flat(array):
    return array.reshape(-1, array.shape[-1])


def _gradient_buffer(shape, dtype, batch_sizes):
    """Where the backward loop writes per-step gradients: every entry is written when all sequences run every
    step; with variable lengths the skipped rows must read zero."""
    return (xp.empty if batch_sizes is None else xp.zeros)(shape, dtype=dtype)


class _LayerOp(Function):
    """Shared by the layer ops: inputs (x, h0, [c0], w_ih, w_hh, [b_ih, b_hh], [w_hr])."""

    name = "recurrent_layer"

    def _unpack(self, items, cell_state: bool):
        items = list(items)
        x, h0 = items[0], items[1]
        c0 = items[2] if cell_state else None
        rest = items[3 if cell_state else 2:]
        w_ih, w_hh = rest[0], rest[1]
        b_ih, b_hh = (rest[2], rest[3]) if self.has_bias else (None, None)
        w_hr = rest[-1] if getattr(self, "has_proj", False) else None
        return x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr

    def _weight_grads(self, d_gates, x, h_prev, has_bias, d_hidden=None):
        """(dx, dW_ih, dW_hh, db_ih, db_hh) from the gate gradients of all steps (d_hidden: the GRU's separate
        hidden-side gradient)."""
        d_x2, d_h2 = _flat(d_gates), _flat(d_gates if d_hidden is None else d_hidden)
        w_ih = self.inputs[self.weights_at].data
        dx = (d_x2 @ w_ih).reshape(x.shape) if self.inputs[0].requires_grad else None
        grads = [dx, d_x2.T @ _flat(x), d_h2.T @ _flat(h_prev)]
        if has_bias:
            db_ih = d_x2.sum(0)
            grads += [db_ih, db_ih.copy() if d_hidden is None else d_h2.sum(0)]  # LSTM/RNN: one gradient, twice
        return grads

    def _replayed_grads(self, g):
        """Gradients as a graph (create_graph=True): replay the sequence with the cells, differentiate that."""
        wanted = [t for t in self.inputs if t.requires_grad]
        with enable_grad():
            out = self.replay(*self.inputs)
            grads = iter(_autograd_grad(out, wanted, g, create_graph=True, allow_unused=True))
        return tuple(next(grads) if t.requires_grad else None for t in self.inputs)


def _replay_sequence(step, x, state, reverse, batch_sizes, held):
    """Outputs of every step from the cell ``step`` (x_t, state) -> state; rows past a sequence's end keep their
    state (``held(new, old, n)``)."""
    T = x.shape[0]
    outputs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        n = x.shape[1] if batch_sizes is None else int(batch_sizes[t])
        state = held(step(x[t], state), state, n)
        outputs[t] = state[0] if isinstance(state, tuple) else state
    return stack(outputs), state


def _keep_rows(new, old, n):
    if n == old.shape[0]:
        return new
    return cat([new[:n], old[n:]], 0)


class RNNLayerOp(_LayerOp):
    """Y (T, N, H) of an Elman RNN over a whole sequence (see the module docstring)."""

    name = "rnn_layer"
    weights_at = 2

    def forward(self, *arrays, has_bias, relu, reverse, batch_sizes):
        self.has_bias, self.relu, self.reverse, self.batch_sizes = has_bias, relu, reverse, batch_sizes
        x, h0, _, w_ih, w_hh, b_ih, b_hh, _ = self._unpack(arrays, False)
        xw = _project(x, w_ih, *((b_ih, b_hh) if has_bias else ()))
        self.y, self.tape = kernel.rnn_forward(xw, h0, w_hh, relu, reverse, batch_sizes)
        return self.y

    def backward(self, g):
        if recording():
            return self._replayed_grads(g)
        arrays = [t.data for t in self.inputs]
        x, h0, _, _, w_hh, *_ = self._unpack(arrays, False)
        d_pre, dh0 = kernel.rnn_backward(g.data, self.tape, w_hh, self.relu, self.reverse, self.batch_sizes,
                                         d_pre=_gradient_buffer(g.shape, g.dtype, self.batch_sizes))
        h_prev = kernel.previous_states(self.y, h0, self.reverse)
        dx, dw_ih, dw_hh, *db = self._weight_grads(d_pre, x, h_prev, self.has_bias)
        return _wrap_all([dx, dh0, dw_ih, dw_hh, *db], self.inputs)

    def replay(self, x, h0, w_ih, w_hh, *biases):
        cell = rnn_relu_cell if self.relu else rnn_tanh_cell
        y, _ = _replay_sequence(lambda xt, h: cell(xt, h, w_ih, w_hh, *biases), x, h0, self.reverse,
                                self.batch_sizes, _keep_rows)
        return y


class LSTMLayerOp(_LayerOp):
    """[Y (T, N, P) flattened, c_n (N, H) flattened]: one array, which ``lstm_layer`` splits."""

    name = "lstm_layer"
    weights_at = 3

    def forward(self, *arrays, has_bias, has_proj, reverse, batch_sizes):
        self.has_bias, self.has_proj, self.reverse, self.batch_sizes = has_bias, has_proj, reverse, batch_sizes
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = self._unpack(arrays, True)
        T, N, P, H = x.shape[0], x.shape[1], h0.shape[1], c0.shape[1]
        xw = _project(x, w_ih, *((b_ih, b_hh) if has_bias else ()), scale=kernel.gate_scale("lstm", H, x.dtype))
        flat = xp.empty(T * N * P + N * H, dtype=xw.dtype)
        self.y = flat[:T * N * P].reshape(T, N, P)
        _, c_n, self.tape = kernel.lstm_forward(xw, h0, c0, w_hh, w_hr, reverse, batch_sizes, out=self.y)
        flat[T * N * P:] = c_n.reshape(-1)
        return flat

    def backward(self, g):
        if recording():
            return self._replayed_grads(g)
        arrays = [t.data for t in self.inputs]
        x, h0, c0, _, w_hh, _, _, w_hr = self._unpack(arrays, True)
        T, N, P, H = x.shape[0], x.shape[1], h0.shape[1], c0.shape[1]
        gy, gc = g.data[:T * N * P].reshape(T, N, P), g.data[T * N * P:].reshape(N, H)
        d_gates = _gradient_buffer((T, N, 4 * H), gy.dtype, self.batch_sizes)
        dh_out = _gradient_buffer(gy.shape, gy.dtype, self.batch_sizes) if self.has_proj else None
        _, _, dh0, dc0 = kernel.lstm_backward(gy, gc, self.tape, w_hh, w_hr, self.reverse, self.batch_sizes,
                                              d_gates=d_gates, dh_out=dh_out)
        h_prev = kernel.previous_states(self.y, h0, self.reverse)
        dx, dw_ih, dw_hh, *db = self._weight_grads(d_gates, x, h_prev, self.has_bias)
        grads = [dx, dh0, dc0, dw_ih, dw_hh, *db]
        if self.has_proj:   # dW_hr = sum_t dh_t^T u_t, u = o tanh(c) (the unprojected output)
            grads.append(_flat(dh_out).T @ _flat(self.tape.u))
        return _wrap_all(grads, self.inputs)

    def replay(self, x, h0, c0, w_ih, w_hh, *rest):
        biases, w_hr = (rest[:2] if self.has_bias else ()), (rest[-1] if self.has_proj else None)

        def keep(new, old, n):
            return _keep_rows(new[0], old[0], n), _keep_rows(new[1], old[1], n)

        y, (_, c_n) = _replay_sequence(lambda xt, s: lstm_cell(xt, s, w_ih, w_hh, *biases, w_hr=w_hr) if biases
                                       else lstm_cell(xt, s, w_ih, w_hh, w_hr=w_hr),
                                       x, (h0, c0), self.reverse, self.batch_sizes, keep)
        return cat([y.reshape(-1), c_n.reshape(-1)])


class GRULayerOp(_LayerOp):
    """Y (T, N, H) of a GRU over a whole sequence (see the module docstring)."""

    name = "gru_layer"
    weights_at = 2

    def forward(self, *arrays, has_bias, reverse, batch_sizes):
        self.has_bias, self.reverse, self.batch_sizes = has_bias, reverse, batch_sizes
        x, h0, _, w_ih, w_hh, b_ih, b_hh, _ = self._unpack(arrays, False)
        xw = _project(x, w_ih, *((b_ih,) if has_bias else ()), scale=kernel.gate_scale("gru", w_hh.shape[1], x.dtype))
        self.y = xp.empty((x.shape[0], x.shape[1], w_hh.shape[1]), dtype=xw.dtype)
        _, self.tape = kernel.gru_forward(xw, h0, w_hh, b_hh, reverse, batch_sizes, y=self.y)
        return self.y

    def backward(self, g):
        if recording():
            return self._replayed_grads(g)
        arrays = [t.data for t in self.inputs]
        x, h0, *_ = self._unpack(arrays, False)
        w_hh = arrays[3]
        shape = (*g.shape[:2], w_hh.shape[0])
        d_x, d_h = (_gradient_buffer(shape, g.dtype, self.batch_sizes) for _ in range(2))
        _, _, dh0 = kernel.gru_backward(g.data, self.tape, w_hh, self.reverse, self.batch_sizes, d_x=d_x, d_h=d_h)
        h_prev = kernel.previous_states(self.y, h0, self.reverse)
        dx, dw_ih, dw_hh, *db = self._weight_grads(d_x, x, h_prev, self.has_bias, d_hidden=d_h)
        return _wrap_all([dx, dh0, dw_ih, dw_hh, *db], self.inputs)

    def replay(self, x, h0, w_ih, w_hh, *biases):
        y, _ = _replay_sequence(lambda xt, h: gru_cell(xt, h, w_ih, w_hh, *biases), x, h0, self.reverse,
                                self.batch_sizes, _keep_rows)
        return y


def _wrap_all(grads, inputs):
    return tuple(constant(g) if g is not None and t.requires_grad else None for g, t in zip(grads, inputs))


# ---- the public layer functions -----------------------------------------------------------------------------------
def _check_layer(op: str, x, h0, w_ih, w_hh, gates: int):
    if x.ndim != 3:
        raise ArgumentError(f"{op}: expected a time-major input (T, N, input_size), got shape {tuple(x.shape)}")
    if tuple(w_ih.shape[1:]) != (x.shape[2],) or w_ih.shape[0] % gates:
        raise ArgumentError(f"{op}: weight_ih has shape {tuple(w_ih.shape)}, expected ({gates} * hidden_size, "
                            f"{x.shape[2]}) for an input of shape {tuple(x.shape)}")
    hidden = w_ih.shape[0] // gates
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * hidden:
        raise ArgumentError(f"{op}: weight_hh has shape {tuple(w_hh.shape)}, expected ({gates * hidden}, ...)")
    if tuple(h0.shape) != (x.shape[1], w_hh.shape[1]):
        raise ArgumentError(f"{op}: initial state has shape {tuple(h0.shape)}, expected "
                            f"{(x.shape[1], w_hh.shape[1])}")


def _biases(op: str, b_ih, b_hh):
    if (b_ih is None) != (b_hh is None):
        raise ArgumentError(f"{op}: give both biases (b_ih and b_hh) or neither")
    return () if b_ih is None else (as_tensor(b_ih), as_tensor(b_hh))


def _batch_sizes(batch_sizes, x):
    if batch_sizes is None:
        return None
    sizes = batch_sizes.numpy() if isinstance(batch_sizes, Tensor) else xp.asarray(batch_sizes)
    if len(sizes) != x.shape[0] or (len(sizes) and (int(sizes[0]) > x.shape[1] or (sizes[1:] > sizes[:-1]).any())):
        raise ArgumentError(f"recurrent layer: batch_sizes must be {x.shape[0]} non-increasing counts <= "
                            f"{x.shape[1]}, got {list(sizes)}")
    return sizes


def rnn_layer(input, hx, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity: str = "tanh", reverse: bool = False,
              batch_sizes=None):
    """(output (T, N, H), h_n (N, H)) of one Elman RNN layer over the time-major ``input`` (T, N, I).

    ``reverse`` runs from the last step to the first; ``batch_sizes`` (PyTorch's packed layout: sequences sorted
    longest first, batch_sizes[t] of them still running at step t) stops each sequence at its own end."""
    if nonlinearity not in ("tanh", "relu"):
        raise ArgumentError(f"rnn_layer: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    x, h0, w_ih, w_hh = (as_tensor(t) for t in (input, hx, w_ih, w_hh))
    _check_layer("rnn_layer", x, h0, w_ih, w_hh, 1)
    biases = _biases("rnn_layer", b_ih, b_hh)
    y = RNNLayerOp.apply(x, h0, w_ih, w_hh, *biases, has_bias=bool(biases), relu=nonlinearity == "relu",
                         reverse=reverse, batch_sizes=_batch_sizes(batch_sizes, x))
    return y, _last_state(y, reverse)


def lstm_layer(input, hx, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, reverse: bool = False, batch_sizes=None):
    """(output (T, N, P), (h_n (N, P), c_n (N, H))) of one LSTM layer over the time-major ``input`` (T, N, I),
    from hx = (h0, c0); P = H, or the projection size when ``w_hr`` (P, H) is given. ``reverse`` and
    ``batch_sizes`` as for ``rnn_layer``."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise ArgumentError("lstm_layer: hx must be a pair (h0, c0)")
    x, h0, c0, w_ih, w_hh = (as_tensor(t) for t in (input, hx[0], hx[1], w_ih, w_hh))
    _check_layer("lstm_layer", x, h0, w_ih, w_hh, 4)
    hidden = w_ih.shape[0] // 4
    if tuple(c0.shape) != (x.shape[1], hidden):
        raise ArgumentError(f"lstm_layer: c0 has shape {tuple(c0.shape)}, expected {(x.shape[1], hidden)}")
    projection = () if w_hr is None else (as_tensor(w_hr),)
    if projection and tuple(projection[0].shape) != (w_hh.shape[1], hidden):
        raise ArgumentError(f"lstm_layer: w_hr has shape {tuple(projection[0].shape)}, expected "
                            f"{(w_hh.shape[1], hidden)}")
    biases = _biases("lstm_layer", b_ih, b_hh)
    flat = LSTMLayerOp.apply(x, h0, c0, w_ih, w_hh, *biases, *projection, has_bias=bool(biases),
                             has_proj=bool(projection), reverse=reverse, batch_sizes=_batch_sizes(batch_sizes, x))
    T, N, P = x.shape[0], x.shape[1], h0.shape[1]
    y = flat[:T * N * P].reshape(T, N, P)
    return y, (_last_state(y, reverse), flat[T * N * P:].reshape(N, hidden))


def gru_layer(input, hx, w_ih, w_hh, b_ih=None, b_hh=None, reverse: bool = False, batch_sizes=None):
    """(output (T, N, H), h_n (N, H)) of one GRU layer over the time-major ``input`` (T, N, I); ``reverse`` and
    ``batch_sizes`` as for ``rnn_layer``."""
    x, h0, w_ih, w_hh = (as_tensor(t) for t in (input, hx, w_ih, w_hh))
    _check_layer("gru_layer", x, h0, w_ih, w_hh, 3)
    biases = _biases("gru_layer", b_ih, b_hh)
    y = GRULayerOp.apply(x, h0, w_ih, w_hh, *biases, has_bias=bool(biases), reverse=reverse,
                         batch_sizes=_batch_sizes(batch_sizes, x))
    return y, _last_state(y, reverse)


def _last_state(y, reverse: bool):
    """The final state: every row of the last step walked holds its sequence's last state."""
    if y.shape[0] == 0:
        raise ArgumentError("recurrent layer: the sequence has no steps")
    return y[0] if reverse else y[-1]
