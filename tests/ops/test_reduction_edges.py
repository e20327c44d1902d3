"""Reductions at PyTorch's edges: float16 accumulated in float32 (no overflow inside mean/var/std/norm), quantile's
interpolation next to an infinity, compared with torch."""
import numpy as np
import pytest
import torch

import lamina as lm

HALF_DATA = [[300.0, -300.0, 100.0], [6e4, 6e4, 1.0], [0.5, 0.25, -0.125], [250.0, 260.0, 270.0]]


def both(fn, data, dtype="float16", grad=True):
    array = np.asarray(data, dtype=dtype)
    t, x = torch.from_numpy(array.copy()), lm.from_numpy(array.copy())
    if grad:
        t.requires_grad_(True)
        x.requires_grad_(True)
    return (t, fn(torch, t)), (x, fn(lm, x))


@pytest.mark.parametrize("data", HALF_DATA)
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.mean(), lambda lib, x: x.std(), lambda lib, x: x.var(unbiased=False), lambda lib, x: x.norm(),
    lambda lib, x: lib.norm(x, p=3), lambda lib, x: lib.std_mean(x)[0], lambda lib, x: lib.var_mean(x, correction=0)[1],
    lambda lib, x: x.mean(dim=0, keepdim=True), lambda lib, x: lib.norm(x, p=1)])
def test_half_reductions_accumulate_in_float_as_torch(fn, data):
    with np.errstate(over="ignore"):
        (t, expected), (x, got) = both(fn, data)
    assert got.dtype == np.float16 and got.shape == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy().astype(np.float64), expected.detach().numpy().astype(np.float64),
                               rtol=2e-3)
    if np.abs(data).max() < 10:  # (PyTorch computes the half gradient in half, where 300 ** 3 is inf)
        expected.sum().backward()
        got.sum().backward()
        np.testing.assert_allclose(x.grad.numpy().astype(np.float64), t.grad.numpy().astype(np.float64),
                                   rtol=5e-3, atol=1e-4)


@pytest.mark.parametrize("data", [[-np.inf, 1.0, 2.0, 3.0], [1.0, 2.0, np.inf], [-np.inf, -np.inf, 0.5, 4.0],
                                  [np.inf, -np.inf, 1.0]])
@pytest.mark.parametrize("q", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0])
@pytest.mark.parametrize("interpolation", ["linear", "midpoint"])
def test_quantile_next_to_an_infinity_matches_torch(data, q, interpolation):
    array = np.asarray(data, dtype=np.float32)
    expected = torch.quantile(torch.from_numpy(array), q, interpolation=interpolation)
    got = lm.quantile(lm.from_numpy(array), q, interpolation=interpolation)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("q", [0.3, 0.75])
def test_quantile_gradient_still_matches_torch(matches_pytorch, q):
    matches_pytorch(f"quantile{q}", "float64", lambda x: lm.quantile(x, q, dim=1),
                    lambda x: torch.quantile(x, q, dim=1), [(3, 5)], False)


@pytest.mark.parametrize("p", ["fro", 1, 2, 3])
@pytest.mark.parametrize("dim", [np.int64(1), [np.int64(1)], 1, (0, 1)])
def test_norm_dim_forms_match_torch(p, dim):
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    try:
        expected = torch.norm(torch.from_numpy(data), p=p, dim=dim)
    except TypeError:
        with pytest.raises(TypeError):
            lm.norm(lm.from_numpy(data), p=p, dim=dim)
        return
    np.testing.assert_allclose(lm.norm(lm.from_numpy(data), p=p, dim=dim).numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["prod", "max", "min", "median", "nanmedian", "sum", "mean", "amax", "argmax", "mode"])
@pytest.mark.parametrize("form", ["function", "method"])
def test_explicit_dim_none_is_refused_or_accepted_as_torch(op, form):
    data = np.arange(6, dtype=np.float32).reshape(2, 3)

    def call(lib):
        x = lib.from_numpy(data.copy())
        return getattr(lib, op)(x, dim=None) if form == "function" else getattr(x, op)(dim=None)

    try:
        expected = call(torch)
    except TypeError:
        with pytest.raises(TypeError):
            call(lm)
        return
    got = call(lm)
    expected, got = (v[0] if isinstance(v, tuple) else v for v in (expected, got))
    np.testing.assert_allclose(got.numpy(), expected.numpy())


@pytest.mark.parametrize("op", ["prod", "max", "min", "median", "nanmedian"])
def test_reductions_without_dim_and_with_dim_still_match_torch(op):
    data = np.random.default_rng(1).permutation(12).reshape(3, 4).astype(np.float32)
    for args in ((), (1,), (-1, True)):
        expected = getattr(torch, op)(torch.from_numpy(data.copy()), *args)
        got = getattr(lm, op)(lm.from_numpy(data.copy()), *args)
        expected, got = (v[0] if isinstance(v, tuple) else v for v in (expected, got))
        np.testing.assert_allclose(got.numpy(), expected.numpy())


@pytest.mark.parametrize("data", [[np.inf, 1.0, 2.0], [1.0, 2.0, np.inf], [np.inf], [np.inf, np.inf],
                                  [[np.inf, 1.0], [2.0, 3.0]], [[1.0, np.inf], [2.0, 3.0]], [[-np.inf, 2.0], [3.0, np.inf]],
                                  [[0.5, 1.0], [2.0, 3.0]]])
@pytest.mark.parametrize("kwargs", [{}, {"dim": -1}, {"dim": 0, "keepdim": True}, {"dim": -1, "correction": 0}])
@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
def test_var_mean_of_infinities_matches_torch_welford_mean(op, data, kwargs):
    import warnings
    array = np.asarray(data, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(torch, op)(torch.from_numpy(array), **kwargs)
    with np.errstate(invalid="ignore"):
        got = getattr(lm, op)(lm.from_numpy(array), **kwargs)
    for ours, theirs in zip(got, expected):
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, equal_nan=True)


def test_var_mean_gradient_is_unchanged_for_finite_input(matches_pytorch):
    matches_pytorch("var_mean_grad", "float64", lambda x: sum(lm.var_mean(x, dim=1)).sum(),
                    lambda x: sum(torch.var_mean(x, dim=1)).sum(), [(3, 4)], False)
