"""nn.MultiheadAttention (lamina/nn/attention.py) against torch.nn.MultiheadAttention with the same weights:
state_dict names, outputs, attention weights and the gradients of the inputs and of every parameter, batch_first,
unbatched input, kdim/vdim, no bias, boolean and float masks, key_padding_mask, per-head weights."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.nn as nn


def _pair(embed_dim, num_heads, **kwargs):
    theirs = torch.nn.MultiheadAttention(embed_dim, num_heads, dtype=torch.float64, **kwargs)
    ours = nn.MultiheadAttention(embed_dim, num_heads, dtype=lm.float64, **kwargs)
    state = {name: value.detach().numpy() for name, value in theirs.state_dict().items()}
    assert sorted(state) == sorted(ours.state_dict())
    ours.load_state_dict({name: lm.from_numpy(value.copy()) for name, value in state.items()})
    return ours, theirs


CASES = [  # (id, constructor kwargs, kdim, vdim, batched, masks, forward kwargs)
    ("plain", {}, None, None, True, {}, {}),
    ("batch_first", {"batch_first": True}, None, None, True, {}, {}),
    ("unbatched", {}, None, None, False, {}, {}),
    ("kdim_vdim", {}, 3, 5, True, {}, {}),
    ("no_bias", {"bias": False}, None, None, True, {}, {}),
    ("bool_attn_mask", {}, None, None, True, {"attn_mask": "bool"}, {}),
    ("float_masks_padding", {"batch_first": True}, None, None, True,
     {"key_padding_mask": "padding", "attn_mask": "float"}, {}),
    ("per_head_mask_weights", {}, None, None, True, {"attn_mask": "per_head"}, {"average_attn_weights": False}),
    ("no_weights", {}, None, None, True, {}, {"need_weights": False}),
]


def _mask(kind, rng):
    if kind == "bool":
        mask = np.zeros((4, 5), dtype=bool)
        mask[:, 3] = True
        return mask
    if kind == "padding":
        mask = np.zeros((2, 5), dtype=bool)
        mask[0, 4] = True
        return mask
    return rng.standard_normal((4, 5) if kind == "float" else (4, 4, 5))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_multihead_attention_matches_torch(case):
    _, kwargs, kdim, vdim, batched, masks, forward_kwargs = case
    rng = np.random.default_rng(8)
    length, source, n, e = 4, 5, 2, 8
    ours, theirs = _pair(e, 2, kdim=kdim, vdim=vdim, **kwargs)
    first = kwargs.get("batch_first", False)

    def shape(rows, width):
        if not batched:
            return rows, width
        return (n, rows, width) if first else (rows, n, width)

    arrays = [rng.standard_normal(shape(length, e)), rng.standard_normal(shape(source, kdim or e)),
              rng.standard_normal(shape(source, vdim or e))]
    mine = [lm.from_numpy(a).requires_grad_() for a in arrays]
    torch_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    mask_arrays = {name: _mask(kind, rng) for name, kind in masks.items()}
    y, w = ours(*mine, **{k: lm.from_numpy(v) for k, v in mask_arrays.items()}, **forward_kwargs)
    with pytest.warns(UserWarning) if len(masks) == 2 else np.errstate():
        yt, wt = theirs(*torch_in, **{k: torch.tensor(v) for k, v in mask_arrays.items()}, **forward_kwargs)
    upstream = rng.standard_normal(tuple(yt.shape))
    y.backward(lm.from_numpy(upstream))
    yt.backward(torch.tensor(upstream))
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    if wt is None:
        assert w is None
    else:
        np.testing.assert_allclose(w.detach().numpy(), wt.detach().numpy(), atol=1e-10)
    for a, b in zip(mine, torch_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-9)
    params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(params[name].grad.numpy(), p.grad.numpy(), atol=1e-9)


def test_multihead_attention_initialises_as_torch():
    layer = nn.MultiheadAttention(16, 4)
    assert layer.in_proj_weight.shape == (48, 16) and layer.in_proj_bias.shape == (48,)
    assert (layer.in_proj_bias.detach().numpy() == 0).all() and (layer.out_proj.bias.detach().numpy() == 0).all()
    bound = np.sqrt(6 / (48 + 16))  # Xavier-uniform over the (3E, E) matrix
    assert np.abs(layer.in_proj_weight.detach().numpy()).max() <= bound
    assert sum(p.data.size for p in layer.parameters()) == sum(
        p.numel() for p in torch.nn.MultiheadAttention(16, 4).parameters())


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    layer = nn.MultiheadAttention(8, 2)
    with pytest.raises(ValueError, match="embed_dim"):
        layer(lm.zeros(4, 2, 6), lm.zeros(5, 2, 6), lm.zeros(5, 2, 6))
    with pytest.raises(ValueError, match="key_padding_mask"):
        layer(lm.zeros(4, 2, 8), lm.zeros(5, 2, 8), lm.zeros(5, 2, 8), key_padding_mask=lm.zeros(2, 4))


@pytest.mark.parametrize("shapes", [((1, 2, 3, 4),) * 3, ((3, 2, 5),) * 3, ((3, 2, 4), (3, 2, 4), (4, 2, 4)),
                                    ((3, 2, 4), (3, 4), (3, 4))])
def test_bad_shapes_raise_torchs_assertion_error(shapes):
    with pytest.raises(AssertionError):
        torch.nn.MultiheadAttention(4, 2)(*(torch.ones(s) for s in shapes))
    with pytest.raises(AssertionError, match="MultiheadAttention"):
        nn.MultiheadAttention(4, 2)(*(lm.ones(*s) for s in shapes))
    with pytest.raises(AssertionError):
        nn.MultiheadAttention(4, 3)
