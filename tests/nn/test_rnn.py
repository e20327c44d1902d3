"""RNN, LSTM, GRU and their cells against torch.nn's: parameter names, outputs, final states and gradients after
loading torch's weights (stacked, bidirectional, batch_first, unbatched, given initial states), init bounds,
printed form, and torch's documented signatures and errors."""
import inspect
import warnings

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn

CONFIGS = [("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}), ("LSTM", {}),
           ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
           ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
           ("GRU", {"num_layers": 2, "bias": False}), ("GRU", {"bidirectional": True, "batch_first": True})]


def _pair(name, *args, **kwargs):
    theirs, ours = getattr(torch.nn, name)(*args, **kwargs), getattr(nn, name)(*args, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, ours


def _last(state, name):
    return state[1] if name.startswith("LSTM") else state


@pytest.mark.parametrize("name, kwargs", CONFIGS)
@pytest.mark.parametrize("shape", [(5, 2, 3), (5, 3)], ids=["batched", "unbatched"])
def test_recurrent_layers_match_torch(name, kwargs, shape, rng):
    theirs, ours = _pair(name, 3, 4, **kwargs)
    a = rng.standard_normal(shape).astype(np.float32)
    x, y = torch.from_numpy(a).requires_grad_(), lm.from_numpy(a.copy()).requires_grad_()
    (expected, expected_state), (got, got_state) = theirs(x), ours(y)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-6)
    pairs = zip(expected_state, got_state) if name == "LSTM" else [(expected_state, got_state)]
    for e, g in pairs:
        assert tuple(g.shape) == tuple(e.shape)
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), atol=1e-6)
    (expected.sum() + _last(expected_state, name).sum()).backward()
    (got.sum() + _last(got_state, name).sum()).backward()
    np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), atol=1e-5)
    for key, p in theirs.named_parameters():
        np.testing.assert_allclose(dict(ours.named_parameters())[key].grad.numpy(), p.grad.numpy(), atol=1e-5)


@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
def test_a_given_initial_state_is_used(name, rng):
    theirs, ours = _pair(name, 3, 4, num_layers=2)
    a, h, c = (rng.standard_normal(s).astype(np.float32) for s in ((5, 2, 3), (2, 2, 4), (2, 2, 4)))
    t_state = (torch.from_numpy(h), torch.from_numpy(c)) if name == "LSTM" else torch.from_numpy(h)
    o_state = (lm.from_numpy(h), lm.from_numpy(c)) if name == "LSTM" else lm.from_numpy(h)
    np.testing.assert_allclose(ours(lm.from_numpy(a), o_state)[0].detach().numpy(),
                               theirs(torch.from_numpy(a), t_state)[0].detach().numpy(), atol=1e-6)
    with pytest.raises(RuntimeError, match="Expected hidden"):
        theirs(torch.from_numpy(a), tuple(s[:1] for s in t_state) if name == "LSTM" else t_state[:1])
    with pytest.raises(RuntimeError, match="Expected hidden"):
        ours(lm.from_numpy(a), tuple(s[:1] for s in o_state) if name == "LSTM" else o_state[:1])


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("shape", [(2, 3), (3,)])
def test_cells_match_torch(name, shape, rng):
    theirs, ours = _pair(name, 3, 4)
    a = rng.standard_normal(shape).astype(np.float32)
    x, y = torch.from_numpy(a).requires_grad_(), lm.from_numpy(a.copy()).requires_grad_()
    expected, got = _last(theirs(x), name), _last(ours(y), name)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-6)
    expected.sum().backward(), got.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), atol=1e-6)


def test_init_bounds_and_documented_signatures():
    bound = 1 / np.sqrt(20)
    weights = np.concatenate([p.detach().numpy().ravel() for p in nn.LSTM(5, 20, 2).parameters()])
    assert np.abs(weights).max() <= bound and np.abs(weights).max() > 0.9 * bound
    documented = {"RNN": "input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, "
                         "bidirectional, device, dtype",
                  "LSTM": "input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size, "
                          "device, dtype",
                  "GRU": "input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, "
                         "dtype"}
    for name, arguments in documented.items():
        assert ", ".join(inspect.signature(getattr(nn, name)).parameters) == arguments
        assert f"{arguments.split(', ')[2]}" in torch.nn.modules.rnn.__dict__[name].__doc__


def test_errors_have_torchs_types():
    for m, ones in ((torch.nn, torch.ones), (nn, lm.ones)):
        with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
            m.GRU(3, 4)(ones(5, 2, 2))
        with pytest.raises(ValueError):
            m.RNN(3, 4, nonlinearity="sigmoid")
        with pytest.raises(ValueError):
            m.LSTM(3, 4, dropout=1.5)
        with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
            m.LSTM(3, 4, proj_size=4)
        with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
            m.LSTM(3, 4)(ones(0, 2, 3))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(UserWarning, match="dropout option adds dropout after all but last"):
                m.GRU(3, 4, dropout=0.5)


@pytest.mark.parametrize("kwargs", [{}, {"batch_first": True, "padding_value": -1.0}, {"padding_side": "left"}])
def test_pad_sequence_matches_torch(kwargs, rng):
    sequences = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 2, 5)]
    expected = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(s) for s in sequences], **kwargs)
    leaves = [lm.from_numpy(s).requires_grad_() for s in sequences]
    got = nn.utils.rnn.pad_sequence(leaves, **kwargs)
    np.testing.assert_array_equal(got.detach().numpy(), expected.numpy())
    got.sum().backward()
    assert all(np.all(leaf.grad.numpy() == 1) for leaf in leaves)
