"""scaled_dot_product_attention (lamina/ops/attention.py) against torch.nn.functional's: values and gradients of
q, k, v and a float mask, boolean and float masks (rows fully masked give zeros, as PyTorch), is_causal with
L != S, grouped-query heads, broadcasting, empty inputs, second derivatives, dropout, and the errors."""
import numpy as np
import pytest
import torch

import lamina as lm
import lamina.functional as F

TF = torch.nn.functional


def _mask(kind, rng):
    if kind == "bool":
        mask = np.ones((3, 5), dtype=bool)
        mask[0] = False  # a row with no key at all
        mask[1, 2:] = False
        return mask
    if kind == "float":
        mask = rng.standard_normal((3, 5))
        mask[0] = -np.inf
        mask[2, 1] = -np.inf
        return mask
    return rng.standard_normal((2, 1, 5)) if kind == "float_broadcast" else None


CASES = [  # (id, query, key, value shapes, mask kind, keyword arguments)
    ("plain", (2, 3, 4), (2, 5, 4), (2, 5, 6), None, {}),
    ("bool_mask", (2, 3, 4), (2, 5, 4), (2, 5, 6), "bool", {}),
    ("float_mask", (2, 3, 4), (2, 5, 4), (2, 5, 6), "float", {}),
    ("float_mask_broadcast", (2, 3, 4), (2, 5, 4), (2, 5, 6), "float_broadcast", {}),
    ("causal", (2, 3, 4), (2, 5, 4), (2, 5, 6), None, {"is_causal": True}),
    ("causal_longer_queries", (2, 5, 4), (2, 3, 4), (2, 3, 6), None, {"is_causal": True}),
    ("gqa", (2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 8), None, {"enable_gqa": True}),
    ("broadcast_batch_scale", (2, 1, 3, 8), (1, 2, 5, 8), (1, 2, 5, 8), None, {"scale": 0.3}),
    ("2d", (3, 8), (5, 8), (5, 8), None, {}),
    ("no_keys", (2, 3, 8), (2, 0, 8), (2, 0, 8), None, {}),
    ("empty_batch", (0, 3, 8), (0, 5, 8), (0, 5, 8), None, {}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_attention_matches_pytorch(case, dtype):
    _, q_shape, k_shape, v_shape, mask_kind, kwargs = case
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s).astype(dtype) for s in (q_shape, k_shape, v_shape)]
    ours = [lm.from_numpy(a).requires_grad_() for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mask = _mask(mask_kind, rng)
    mask_ours = mask_theirs = None
    if mask is not None:
        mask = mask if mask.dtype == bool else mask.astype(dtype)
        mask_ours = lm.from_numpy(mask).requires_grad_(mask.dtype != bool)
        mask_theirs = torch.tensor(mask, requires_grad=mask.dtype != bool)
    y = F.scaled_dot_product_attention(*ours, attn_mask=mask_ours, **kwargs)
    yt = TF.scaled_dot_product_attention(*theirs, attn_mask=mask_theirs, **kwargs)
    assert y.shape == tuple(yt.shape) and y.dtype == np.dtype(dtype)
    upstream = rng.standard_normal(y.shape).astype(dtype)
    y.backward(lm.from_numpy(upstream))
    yt.backward(torch.tensor(upstream))
    tol = dict(atol=1e-10) if dtype == "float64" else dict(atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **tol)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    if mask is not None and mask.dtype != bool:
        np.testing.assert_allclose(mask_ours.grad.numpy(), mask_theirs.grad.numpy(), **tol)
    assert np.isfinite(y.detach().numpy()).all()


def test_attention_first_and_second_derivatives(r):
    q, k, v, mask = r(2, 3, 4), r(2, 5, 4), r(2, 5, 3), r(3, 5)
    assert lm.gradcheck(lambda *t: F.scaled_dot_product_attention(*t[:3], attn_mask=t[3]), q, k, v, mask)
    assert lm.gradgradcheck(lambda *t: F.scaled_dot_product_attention(*t, is_causal=True), q, k, v)


def test_attention_is_stable_for_large_scores():
    q = lm.tensor(np.full((1, 2, 4), 1e3, dtype=np.float32), requires_grad=True)
    k = lm.tensor(np.full((1, 3, 4), 1e3, dtype=np.float32))
    y = F.scaled_dot_product_attention(q, k, lm.ones(1, 3, 2))
    y.sum().backward()
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(q.grad.numpy()).all()


def test_attention_dropout_uses_laminas_generator():
    q, k, v = lm.randn(2, 6, 4), lm.randn(2, 6, 4), lm.randn(2, 6, 4)
    plain = F.scaled_dot_product_attention(q, k, v).numpy()
    lm.manual_seed(3)
    first = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    lm.manual_seed(3)
    second = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    assert (first == second).all() and not np.allclose(first, plain)
    assert (F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0).all()
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.0).numpy(), plain)


def _zeros(module, shape, dtype="float32"):
    return torch.zeros(shape, dtype=getattr(torch, dtype)) if module is TF else lm.zeros(shape, dtype=dtype)


@pytest.mark.parametrize("shapes, kwargs", [
    (((2, 3, 4), (2, 5, 4), (2, 4, 6)), {}), (((2, 3, 4), (2, 5, 3), (2, 5, 6)), {}),
    (((4,), (4,), (4,)), {}), (((2, 3, 4), (2, 5, 4), (2, 5, 6)), {"is_causal": True, "mask": (3, 5)}),
    (((2, 3, 4), (2, 5, 4), (2, 5, 6)), {"mask": (3, 4)}), (((2, 3, 4), (2, 5, 4), (2, 5, 6)), {"mask": (4, 3, 5)}),
    (((2, 3, 4), (2, 5, 4), (2, 5, 6)), {"dropout_p": 1.5}),
    (((2, 4, 3, 8), (2, 3, 5, 8), (2, 3, 5, 8)), {"enable_gqa": True}),
    (((2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 8)), {}),
], ids=["value_length", "key_width", "1d", "causal_and_mask", "mask_shape", "mask_batch", "dropout_p", "gqa_heads",
        "heads_without_gqa"])
def test_attention_errors_are_runtime_errors(shapes, kwargs):
    kwargs = dict(kwargs)
    mask_shape = kwargs.pop("mask", None)
    for module in (TF, F):
        mask = None if mask_shape is None else _zeros(module, mask_shape)
        with pytest.raises(RuntimeError):
            module.scaled_dot_product_attention(*[_zeros(module, s) for s in shapes], attn_mask=mask, **kwargs)


@pytest.mark.parametrize("dtypes", [("float64", "float32", "float32", None), ("int64", "int64", "int64", None),
                                    ("float32", "float32", "float32", "float64"),
                                    ("float32", "float32", "float32", "int64")])
def test_attention_dtype_errors(dtypes):
    shapes = [(2, 3, 4), (2, 5, 4), (2, 5, 6)]
    for module in (TF, F):
        operands = [_zeros(module, s, d) for s, d in zip(shapes, dtypes)]
        mask = None if dtypes[3] is None else _zeros(module, (3, 5), dtypes[3])
        with pytest.raises(RuntimeError):
            module.scaled_dot_product_attention(*operands, attn_mask=mask)
