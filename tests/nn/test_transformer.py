"""Transformer encoder/decoder layers against torch.nn's: state_dict names, outputs and gradients after loading
torch's weights (post-norm and pre-norm, batch_first, causal masks), and the printed model."""
import warnings

import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn


def _encoders(m, **kwargs):
    return m.TransformerEncoder(m.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kwargs), 2, norm=m.LayerNorm(8))


def _decoders(m, **kwargs):
    return m.TransformerDecoder(m.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kwargs), 2)


def _load(theirs, ours):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kwargs", [{}, {"norm_first": True, "activation": "gelu", "batch_first": True},
                                    {"bias": False}])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_encoder_matches_torch(kwargs, mode, rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(_encoders(torch.nn, **kwargs), mode)()
    ours = getattr(_encoders(nn, **kwargs), mode)()
    _load(theirs, ours)
    a = rng.standard_normal((3, 4, 8)).astype(np.float32)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4 if kwargs.get("batch_first") else 3)
    x, y = torch.from_numpy(a).requires_grad_(), lm.from_numpy(a.copy()).requires_grad_()
    expected, got = theirs(x, mask=mask), ours(y, mask=lm.from_numpy(mask.numpy()))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    if mode == "train":
        expected.square().sum().backward(), got.square().sum().backward()
        np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), atol=1e-4)
        np.testing.assert_allclose(ours.layers[0].linear1.weight.grad.numpy(),
                                   theirs.layers[0].linear1.weight.grad.numpy(), atol=1e-4)


@pytest.mark.parametrize("kwargs", [{}, {"norm_first": True, "batch_first": True}])
def test_decoder_matches_torch(kwargs, rng):
    theirs, ours = _decoders(torch.nn, **kwargs), _decoders(nn, **kwargs)
    _load(theirs, ours)
    a = rng.standard_normal((3, 4, 8)).astype(np.float32)
    memory = rng.standard_normal((3, 5, 8) if kwargs else (5, 4, 8)).astype(np.float32)
    x, y = torch.from_numpy(a).requires_grad_(), lm.from_numpy(a.copy()).requires_grad_()
    expected, got = theirs(x, torch.from_numpy(memory)), ours(y, lm.from_numpy(memory))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    expected.square().sum().backward(), got.square().sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), atol=1e-4)


def test_the_layers_are_independent_copies_and_activation_is_checked():
    model = _encoders(nn)
    assert model.layers[0].linear1.weight is not model.layers[1].linear1.weight
    for m in (torch.nn, nn):
        with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
            m.TransformerEncoderLayer(8, 2, activation="tanh")
    layer = nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU())
    assert "activation" in dict(layer.named_children())


def test_full_transformer_matches_torch(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0)
    ours = nn.Transformer(8, 2, 2, 1, 16, dropout=0.0)
    _load(theirs, ours)
    src, tgt = rng.standard_normal((5, 2, 8)).astype(np.float32), rng.standard_normal((4, 2, 8)).astype(np.float32)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    expected = theirs(torch.from_numpy(src), torch.from_numpy(tgt), tgt_mask=torch.from_numpy(mask.numpy()))
    got = ours(lm.from_numpy(src), lm.from_numpy(tgt), tgt_mask=mask)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    bound = np.sqrt(6 / (8 + 16))  # Xavier-uniform on every matrix
    weight = nn.Transformer(8, 2, 1, 1, 16).encoder.layers[0].linear1.weight.detach().numpy()
    assert 0.8 * bound < np.abs(weight).max() <= bound
    for m, ones in ((torch.nn, torch.ones), (nn, lm.ones)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's note on nested tensors
            model = m.Transformer(8, 2, 1, 1, 16)
        with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
            model(ones(5, 2, 8), ones(4, 3, 8))
