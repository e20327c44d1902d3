"""The recurrent ops: cells against torch's, and the whole-sequence layer ops (one graph node per layer and
direction, the loop and backpropagation through time in lamina/kernels/recurrent.py) gradchecked in float64,
twice differentiable, and equal to running their cell step by step (forward, reverse, variable lengths,
LSTM projection)."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

T, N, I, H, P = 4, 3, 2, 3, 2
LAYERS = {"rnn_tanh": (1, F.rnn_layer, {}), "rnn_relu": (1, F.rnn_layer, {"nonlinearity": "relu"}),
          "gru": (3, F.gru_layer, {}), "lstm": (4, F.lstm_layer, {}), "lstm_proj": (4, F.lstm_layer, {})}


def _inputs(name, r, bias=True):
    gates = LAYERS[name][0] * H
    width = P if name == "lstm_proj" else H
    x, h0 = r(T, N, I), r(N, width)
    weights = [r(gates, I), r(gates, width)] + ([r(gates), r(gates)] if bias else [])
    state = (h0, r(N, H)) if name.startswith("lstm") else h0
    extra = {"w_hr": r(P, H)} if name == "lstm_proj" else {}
    return x, state, weights, extra


def _run(name, x, state, weights, extra, **kwargs):
    """The layer op's output and final state(s) as one flat tensor."""
    _, layer, options = LAYERS[name]
    y, final = layer(x, state, *weights, **options, **extra, **kwargs)
    finals = final if isinstance(final, tuple) else (final,)
    return lm.cat([y.reshape(-1)] + [f.reshape(-1) for f in finals])


def _leaves(state, weights, extra):
    return list(state if isinstance(state, tuple) else (state,)) + weights + list(extra.values())


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_sizes", [None, [3, 3, 2, 1]], ids=["full", "packed"])
def test_layer_ops_gradcheck(name, reverse, batch_sizes, r):
    x, state, weights, extra = _inputs(name, r)
    leaves = _leaves(state, weights, extra)

    def fn(x, *leaves):
        state = tuple(leaves[:2]) if name.startswith("lstm") else leaves[0]
        rest = leaves[2:] if name.startswith("lstm") else leaves[1:]
        weights, extra = (rest[:-1], {"w_hr": rest[-1]}) if name == "lstm_proj" else (rest, {})
        return _run(name, x, state, list(weights), extra, reverse=reverse, batch_sizes=batch_sizes)

    assert lm.gradcheck(fn, x, *leaves)


@pytest.mark.parametrize("name", ["rnn_tanh", "gru", "lstm"])
def test_layer_ops_without_bias_and_twice_differentiable(name, r):
    x, state, weights, extra = _inputs(name, r, bias=False)
    leaves = _leaves(state, weights, extra)

    def fn(x, *leaves):
        state = tuple(leaves[:2]) if name.startswith("lstm") else leaves[0]
        rest = leaves[2:] if name.startswith("lstm") else leaves[1:]
        return _run(name, x, state, list(rest), {}, reverse=True, batch_sizes=[3, 2, 2, 1])

    assert lm.gradcheck(fn, x, *leaves)
    assert lm.gradgradcheck(fn, x, *leaves)


def _step_by_step(name, x, state, weights, extra, reverse, lengths):
    """The same sequence through the cell op, one step at a time, each sequence stopping at its length."""
    cell = {"rnn_tanh": F.rnn_tanh_cell, "rnn_relu": F.rnn_relu_cell, "gru": F.gru_cell,
            "lstm": F.lstm_cell, "lstm_proj": F.lstm_cell}[name]
    outputs = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        new = cell(x[t], state, *weights, **extra)
        running = lm.from_numpy((np.arange(N) < np.sum(np.asarray(lengths) > t))[:, None])
        state = (tuple(lm.where(running, a, b) for a, b in zip(new, state)) if isinstance(state, tuple)
                 else lm.where(running, new, state))
        outputs[t] = state[0] if isinstance(state, tuple) else state
    return lm.stack(outputs), state


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("reverse", [False, True])
def test_layer_ops_equal_their_cell_run_step_by_step(name, reverse, r):
    x, state, weights, extra = _inputs(name, r)
    lengths = [4, 2, 1]
    batch_sizes = [int(np.sum(np.asarray(lengths) > t)) for t in range(T)]
    _, layer, options = LAYERS[name]
    y, final = layer(x, state, *weights, **options, **extra, reverse=reverse, batch_sizes=batch_sizes)
    expected_y, expected_final = _step_by_step(name, x, state, weights, extra, reverse, lengths)
    np.testing.assert_allclose(y.detach().numpy(), expected_y.detach().numpy(), atol=1e-12)
    for got, expected in zip(final if isinstance(final, tuple) else (final,),
                             expected_final if isinstance(expected_final, tuple) else (expected_final,)):
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-12)


def test_a_layer_is_one_graph_node():
    x = lm.randn(6, 2, 3, requires_grad=True)
    w_ih, w_hh = lm.randn(16, 3, requires_grad=True), lm.randn(16, 4, requires_grad=True)
    y, (h, c) = F.lstm_layer(x, (lm.zeros(2, 4), lm.zeros(2, 4)), w_ih, w_hh)
    assert y.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn.name == "lstm_layer"


@pytest.mark.parametrize("name, ours, theirs", [
    ("rnn_tanh", F.rnn_tanh_cell, torch.rnn_tanh_cell), ("rnn_relu", F.rnn_relu_cell, torch.rnn_relu_cell),
    ("gru", F.gru_cell, torch.gru_cell), ("lstm", F.lstm_cell, torch.lstm_cell)])
def test_cells_match_torch(name, ours, theirs, rng):
    gates = LAYERS[name][0] * H
    arrays = [rng.standard_normal(s) for s in ((N, I), (N, H), (N, H), (gates, I), (gates, H), (gates,), (gates,))]
    t = [torch.from_numpy(a).requires_grad_() for a in arrays]
    o = [lm.from_numpy(a.copy()).requires_grad_() for a in arrays]
    expected = theirs(t[0], (t[1], t[2]), *t[3:]) if name == "lstm" else theirs(t[0], t[1], *t[3:])
    got = ours(o[0], (o[1], o[2]), *o[3:]) if name == "lstm" else ours(o[0], o[1], *o[3:])
    expected, got = (expected, got) if name == "lstm" else ((expected,), (got,))
    sum(e.sum() * (k + 1) for k, e in enumerate(expected)).backward()
    sum(g.sum() * (k + 1) for k, g in enumerate(got)).backward()
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), atol=1e-12)
    for a, b in zip(o, t):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


def test_layer_errors_name_the_op_and_the_shapes():
    x, h = lm.zeros(5, 2, 3), lm.zeros(2, 4)
    with pytest.raises(ValueError, match="gru_layer: weight_ih has shape \\(12, 2\\)"):
        F.gru_layer(x, h, lm.zeros(12, 2), lm.zeros(12, 4))
    with pytest.raises(ValueError, match="rnn_layer: initial state has shape \\(3, 4\\), expected \\(2, 4\\)"):
        F.rnn_layer(x, lm.zeros(3, 4), lm.zeros(4, 3), lm.zeros(4, 4))
    with pytest.raises(ValueError, match="lstm_layer: hx must be a pair"):
        F.lstm_layer(x, h, lm.zeros(16, 3), lm.zeros(16, 4))
    with pytest.raises(ValueError, match="batch_sizes must be 5 non-increasing"):
        F.rnn_layer(x, h, lm.zeros(4, 3), lm.zeros(4, 4), batch_sizes=[1, 2, 2, 2, 2])
    with pytest.raises(ValueError, match="both biases"):
        F.rnn_layer(x, h, lm.zeros(4, 3), lm.zeros(4, 4), b_ih=lm.zeros(4))

