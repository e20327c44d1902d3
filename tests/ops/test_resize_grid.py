"""affine_grid and grid_sample (spatial transformer networks) against PyTorch: every mode, padding mode and
align_corners, values and the gradients of input, grid and theta, and the exception types on bad calls."""
import numpy as np
import pytest
import torch

import lamina as lm

rng = np.random.default_rng(44)


def run(lib, fn, arrays):
    functional = torch.nn.functional if lib is torch else lm.functional
    leaves = [lib.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in arrays]
    out = fn(functional, *leaves)
    (out * lib.from_numpy(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape)))).sum().backward()
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in leaves]


def same_as_torch(fn, *arrays):
    (out, grads), (out_t, grads_t) = run(lm, fn, arrays), run(torch, fn, arrays)
    assert out.dtype == out_t.dtype and out.shape == out_t.shape
    np.testing.assert_allclose(out, out_t, rtol=1e-10, atol=1e-12)
    for g, gt in zip(grads, grads_t):
        if g is None:
            assert gt is None or not gt.any()
        else:
            np.testing.assert_allclose(g, gt, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_matches_pytorch(mode, padding_mode, align_corners):
    image, grid = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 4, 3, 2)) * 1.6
    same_as_torch(lambda F, x, g: F.grid_sample(input=x, grid=g, mode=mode, padding_mode=padding_mode,
                                                align_corners=align_corners), image, grid)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [[2, 3, 4, 5], [2, 3, 1, 3], [2, 3, 4, 5, 3]])
def test_affine_grid_matches_pytorch(size, align_corners):
    theta = rng.standard_normal((2, len(size) - 2, len(size) - 1))
    same_as_torch(lambda F, t: F.affine_grid(theta=t, size=size, align_corners=align_corners), theta)


def test_spatial_transformer_gradient_reaches_theta_like_pytorch():
    theta = np.array([[[0.9, 0.2, 0.1], [-0.1, 1.1, 0.05]]] * 2)
    same_as_torch(lambda F, x, t: F.grid_sample(x, F.affine_grid(t, list(x.shape), align_corners=False),
                                                align_corners=False), rng.standard_normal((2, 3, 5, 6)), theta)


@pytest.mark.parametrize("call", [
    lambda lib, F: F.grid_sample(lib.zeros(2, 3, 4, 5), lib.zeros(2, 4, 3, 3)),
    lambda lib, F: F.grid_sample(lib.zeros(2, 3, 4, 5), lib.zeros(3, 4, 3, 2)),
    lambda lib, F: F.grid_sample(lib.zeros(2, 3, 4, 5), lib.zeros(2, 4, 3, 2), mode="linear"),
    lambda lib, F: F.grid_sample(lib.zeros(2, 3, 4, 5), lib.zeros(2, 4, 3, 2), padding_mode="wrap"),
    lambda lib, F: F.grid_sample(lib.zeros(2, 3, 4, 5), lib.zeros(2, 4, 3, 2, dtype=lib.float64)),
    lambda lib, F: F.affine_grid(lib.zeros(2, 2, 3), [2, 3, 4]),
    lambda lib, F: F.affine_grid(lib.zeros(2, 3, 3), [2, 3, 4, 5]),
    lambda lib, F: F.affine_grid(lib.zeros(2, 2, 3), [3, 3, 4, 5]),
    lambda lib, F: F.affine_grid(lib.zeros(2, 2, 3, dtype=lib.int64), [2, 3, 4, 5]),
])
def test_spatial_transformer_errors_have_pytorch_types(call):
    with pytest.raises(Exception) as expected:
        call(torch, torch.nn.functional)
    with pytest.raises(type(expected.value)):
        call(lm, lm.functional)
