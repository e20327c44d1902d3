"""Block rearrangements against PyTorch: pixel_shuffle / pixel_unshuffle, channel_shuffle, block_diag,
cartesian_prod, combinations (values, dtypes, gradients of a weighted sum, and the exception types)."""
import numpy as np
import pytest
import torch

import lamina as lm

rng = np.random.default_rng(21)


def run(lib, fn, arrays):
    functional = torch.nn.functional if lib is torch else lm.functional
    leaves = [lib.from_numpy(a.copy()) for a in arrays]
    for t in leaves:
        if t.dtype == lib.float64:
            t.requires_grad_(True)
    out = fn(lib, functional, *leaves)
    grads = None
    if out.requires_grad:
        weights = lib.from_numpy(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape)))
        (out * weights).sum().backward()
        grads = [None if t.grad is None else t.grad.numpy() for t in leaves]
    return out.detach().numpy(), grads


def same_as_torch(fn, *arrays):
    (out, grads), (out_t, grads_t) = run(lm, fn, arrays), run(torch, fn, arrays)
    assert out.dtype == out_t.dtype and out.shape == out_t.shape
    np.testing.assert_allclose(out, out_t, rtol=1e-12)
    assert (grads is None) == (grads_t is None)
    for g, gt in zip(grads or (), grads_t or ()):
        assert (g is None) == (gt is None)
        if g is not None:
            np.testing.assert_allclose(g, gt, rtol=1e-12)


def raises_like_torch(fn, *arrays):
    with pytest.raises(Exception) as expected:
        run(torch, fn, arrays)
    with pytest.raises(type(expected.value)):
        run(lm, fn, arrays)


@pytest.mark.parametrize("shape", [(2, 8, 3, 2), (4, 3, 2), (2, 3, 4, 2, 2)])
def test_pixel_shuffle_matches_pytorch(shape):
    same_as_torch(lambda lib, F, x: F.pixel_shuffle(input=x, upscale_factor=2), rng.standard_normal(shape))


def test_pixel_unshuffle_inverts_pixel_shuffle_like_pytorch():
    same_as_torch(lambda lib, F, x: F.pixel_unshuffle(input=x, downscale_factor=2), rng.standard_normal((2, 2, 4, 6)))
    same_as_torch(lambda lib, F, x: F.pixel_unshuffle(F.pixel_shuffle(x, 3), 3), np.arange(144).reshape(2, 18, 2, 2))


@pytest.mark.parametrize("fn, shape", [
    (lambda lib, F, x: F.pixel_shuffle(x, 2), (1, 3, 2, 2)), (lambda lib, F, x: F.pixel_shuffle(x, 2.0), (1, 4, 2, 2)),
    (lambda lib, F, x: F.pixel_shuffle(x, 2), (4, 2)), (lambda lib, F, x: F.pixel_unshuffle(x, 2), (2, 2, 3, 6)),
    (lambda lib, F, x: F.channel_shuffle(x, 4), (2, 6, 3)), (lambda lib, F, x: F.channel_shuffle(x, 2), (6, 3)),
    (lambda lib, F, x: lib.block_diag(x), (2, 3, 1)), (lambda lib, F, x: lib.cartesian_prod(x, x), (2, 2)),
    (lambda lib, F, x: lib.combinations(x), (3, 2))])
def test_block_rearrangements_refuse_bad_input_like_pytorch(fn, shape):
    raises_like_torch(fn, rng.standard_normal(shape))


@pytest.mark.parametrize("shape", [(2, 6, 2, 2), (2, 6, 3)])
def test_channel_shuffle_matches_pytorch(shape):
    same_as_torch(lambda lib, F, x: F.channel_shuffle(x, 3), rng.standard_normal(shape))


@pytest.mark.parametrize("arrays", [
    (rng.standard_normal((2, 3)), rng.standard_normal(3), np.array(2.0)),
    (rng.standard_normal((2, 3)), np.ones((2, 2), np.int64)),
    (np.ones((2, 3), np.int32), np.ones((2, 2), np.int64)),
    (np.zeros((0, 3)), rng.standard_normal((2, 0))),
], ids=["floats", "float-int", "ints", "empty blocks"])
def test_block_diag_matches_pytorch(arrays):
    same_as_torch(lambda lib, F, *blocks: lib.block_diag(*blocks), *arrays)


def test_cartesian_prod_matches_pytorch():
    same_as_torch(lambda lib, F, a, b, c: lib.cartesian_prod(a, b, c), *(rng.standard_normal(n) for n in (2, 3, 2)))
    same_as_torch(lambda lib, F, a: lib.cartesian_prod(a), rng.standard_normal(3))


@pytest.mark.parametrize("r, replacement", [(2, False), (3, True), (0, False), (4, False), (1, True)])
def test_combinations_match_pytorch(r, replacement):
    same_as_torch(lambda lib, F, x: lib.combinations(x, r=r, with_replacement=replacement), rng.standard_normal(3))
    same_as_torch(lambda lib, F, x: lib.combinations(x, r), np.arange(4))
