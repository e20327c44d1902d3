"""select_scatter, slice_scatter, diagonal_scatter and narrow_copy against PyTorch (values, gradients of input and
src, exception types), and the Tensor methods hardshrink / heaviside / prelu."""
import numpy as np
import pytest
import torch

import lamina as lm

rng = np.random.default_rng(55)
X = rng.standard_normal((3, 4, 5))


def run(lib, fn, arrays):
    leaves = [lib.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in arrays]
    out = fn(lib, *leaves)
    (out * lib.from_numpy(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape)))).sum().backward()
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in leaves]


def same_as_torch(fn, *arrays):
    (out, grads), (out_t, grads_t) = run(lm, fn, arrays), run(torch, fn, arrays)
    assert out.dtype == out_t.dtype
    np.testing.assert_allclose(out, out_t, rtol=1e-12)
    for g, gt in zip(grads, grads_t):
        assert (g is None) == (gt is None)
        if g is not None:
            np.testing.assert_allclose(g, gt, rtol=1e-12)


@pytest.mark.parametrize("fn, src_shape", [
    (lambda lib, x, s: lib.select_scatter(x, s, 1, -1), (3, 5)),
    (lambda lib, x, s: x.select_scatter(src=s, dim=0, index=2), (4, 5)),
    (lambda lib, x, s: lib.slice_scatter(x, s, dim=2, start=1, end=5, step=2), (3, 4, 2)),
    (lambda lib, x, s: x.slice_scatter(s, 0, 1), (2, 4, 5)),
    (lambda lib, x, s: lib.diagonal_scatter(x, s), (5, 3)),
    (lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 0, 1), (5, 3)),
    (lambda lib, x, s: lib.diagonal_scatter(x, s, -1, 1, 2), (3, 3)),
    (lambda lib, x, s: x.diagonal_scatter(s, 2, 2, 0), (4, 1)),
])
def test_view_scatters_match_pytorch(fn, src_shape):
    same_as_torch(fn, X, rng.standard_normal(src_shape))


@pytest.mark.parametrize("fn, src_shape", [
    (lambda lib, x, s: lib.select_scatter(x, s, 1, 0), (5,)), (lambda lib, x, s: lib.select_scatter(x, s, 1, 4), (3, 5)),
    (lambda lib, x, s: lib.slice_scatter(x, s, 0, 1), (3, 4, 5)), (lambda lib, x, s: lib.diagonal_scatter(x, s), (4, 3)),
])
def test_view_scatters_refuse_bad_src_like_pytorch(fn, src_shape):
    src = rng.standard_normal(src_shape)
    with pytest.raises(Exception) as expected:
        fn(torch, torch.from_numpy(X), torch.from_numpy(src))
    with pytest.raises(type(expected.value)):
        fn(lm, lm.from_numpy(X), lm.from_numpy(src))


def test_narrow_copy_matches_pytorch():
    same_as_torch(lambda lib, x: lib.narrow_copy(x, 1, 1, 2), X)
    same_as_torch(lambda lib, x: x.narrow_copy(-1, 0, 3), X)


def test_activation_methods_match_pytorch():
    same_as_torch(lambda lib, x: x.hardshrink(0.5), X)
    same_as_torch(lambda lib, x, w: x.prelu(w), X, np.array([0.25, 0.1, -0.2, 0.5]))
    same_as_torch(lambda lib, x: x.heaviside(lib.tensor([0.5], dtype=lib.float64)).detach() * x, X)
    for lib in (torch, lm):  # no derivative in PyTorch: a RuntimeError at backward
        x = lib.from_numpy(X.copy()).requires_grad_(True)
        with pytest.raises(RuntimeError):
            x.heaviside(lib.tensor([0.5], dtype=lib.float64)).sum().backward()
