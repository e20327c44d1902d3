"""lamina.creation: tensor() and the factories, their dtypes and shapes, copying and sharing memory; PyTorch as the
oracle for values, dtypes and the exception types on bad arguments."""
import types
import warnings

import numpy as np
import pytest
import torch

import lamina as lm
from lamina import creation


def test_python_floats_and_float64_arrays_become_float32():
    assert lm.tensor([1.0, 2.0]).dtype == np.float32
    assert lm.tensor(np.zeros(3, dtype=np.float64)).dtype == np.float32
    assert lm.tensor(np.zeros(3), dtype=np.float64).dtype == np.float64
    assert lm.tensor([1, 2]).dtype == np.int64
    assert lm.tensor([True, False]).dtype == np.bool_


def test_tensor_copies_but_from_numpy_shares_memory():
    a = np.arange(4, dtype=np.float32)
    t, shared = lm.tensor(a), lm.from_numpy(a)
    a[0] = 42
    assert t[0].item() == 0 and shared[0].item() == 42
    assert shared.dtype == np.float32
    d = lm.from_numpy(np.zeros(2))  # from_numpy keeps float64
    assert d.dtype == np.float64


@pytest.mark.parametrize("make,shape", [
    (lambda: lm.zeros(2, 3), (2, 3)), (lambda: lm.ones((4,)), (4,)), (lambda: lm.empty(1, 2), (1, 2)),
    (lambda: lm.full((2, 2), 7.0), (2, 2)), (lambda: lm.eye(3), (3, 3)), (lambda: lm.rand(5, 1), (5, 1)),
    (lambda: lm.randn(2, 2, 2), (2, 2, 2)), (lambda: lm.linspace(0, 1, 11), (11,)),
])
def test_factories_make_float32_of_the_right_shape(make, shape):
    t = make()
    assert t.shape == shape and t.dtype == np.float32


def test_arange_and_randint_and_like_functions():
    assert lm.arange(5).tolist() == [0, 1, 2, 3, 4] and lm.arange(5).dtype == np.int64
    assert np.allclose(lm.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    r = lm.randint(0, 3, (100,))
    assert r.dtype == np.int64 and set(r.tolist()) <= {0, 1, 2}
    x = lm.ones(2, 3, dtype=np.float64)
    assert lm.zeros_like(x).dtype == np.float64 and lm.ones_like(x).shape == (2, 3)
    assert lm.full_like(x, 3).numpy().sum() == 18
    assert lm.randn_like(x).dtype == np.float64 and lm.rand_like(x).shape == (2, 3)


# ---- PyTorch as the oracle: values, dtypes, shapes, and the exception type on bad arguments -------------------------

# lamina's namespace as the expressions below use it: lm.bool_ is PyTorch's torch.bool; tril/triu_indices are
# taken from lamina.creation (lamina/__init__.py does not import them yet)
LAMINA = types.SimpleNamespace(**{name: getattr(lm, name) for name in dir(lm) if not name.startswith("_")})
LAMINA.bool, LAMINA.tril_indices, LAMINA.triu_indices = lm.bool_, creation.tril_indices, creation.triu_indices

DETERMINISTIC = [  # L is lamina or torch
    "L.linspace(5, -5, 20, dtype=L.int32)", "L.linspace(0, 10, 7, dtype=L.int64)",
    "L.linspace(-3.7, 4.2, 9, dtype=L.int64)",
    "L.linspace(0, 10, 5, dtype=L.uint8)", "L.linspace(0, 1, 0)", "L.linspace(0, 1, 1)", "L.linspace(3, 3, 4)",
    "L.linspace(L.tensor(0.0), 1, 3)", "L.linspace(0, 1, 3, dtype=L.float64)", "L.linspace(-7, 7, 15, dtype=L.int16)",
    "L.linspace(0, 1, 5, requires_grad=True)",
    "L.arange(5.0)", "L.arange(0, 5, 0.5)", "L.arange(np.int64(5))", "L.arange(L.tensor(5))", "L.arange(L.tensor(5.0))",
    "L.arange(5, 0, -1)", "L.arange(True)", "L.arange(1, 1)", "L.arange(0.5, 5, 1, dtype=L.int64)",
    "L.arange(-2.5, 3, 1.5, dtype=L.int64)", "L.arange(-2.5, 3, 1.5, dtype=L.int32)", "L.arange(0, 3, dtype=L.float64)",
    "L.arange(start=1, end=4)", "L.arange(3.0, requires_grad=True, device='cpu')",
    "L.normal(0.0, 0.0, size=(2,))", "L.normal(L.zeros(2, dtype=L.float64), 1.0).dtype",
    "L.full((2,), True)", "L.full((2,), 3)", "L.full((2,), 3.0)", "L.full((2,), np.int64(3))",
    "L.full([2], L.tensor(3))",
    "L.full([2], L.tensor(3.0))", "L.full((2,), 3, dtype=L.bool)", "L.full((), 1.5)",
    "L.eye(2, 3)", "L.eye(3, dtype=L.int64)", "L.eye(0)", "L.eye(2, dtype=L.bool)", "L.eye(np.int64(2))",
    "L.zeros(np.int64(2), 3)", "L.zeros([2, 3])", "L.zeros((2, 3))", "L.zeros(())", "L.zeros([])",
    "L.zeros(L.tensor(2))",
    "L.zeros(size=(2, 3))", "L.rand(size=[2]).shape", "L.randn(size=(2,), dtype=L.float64).dtype",
    "L.empty(size=(0,)).shape",
    "L.ones(2, dtype=L.int32)", "L.ones(2, 3, device='cpu', requires_grad=True)", "L.empty(2, 3, dtype=L.int64).dtype",
    "L.empty((2, 3)).shape", "L.empty(np.int32(2)).shape", "L.randn(np.int32(2)).shape", "L.rand([2, 3]).shape",
    "L.randint(5, (3,)).shape", "L.randint(0, 5, (3,)).dtype", "L.randint(0, 5, (3,), dtype=L.float32).dtype",
    "L.randint(0, 5, size=(2,)).shape", "L.randint(3, size=(2, 2)).shape", "L.randint(3, 4, [2])",
    "L.randperm(3, dtype=L.float32).dtype", "L.randperm(0).shape",
    "L.tril_indices(3, 3)", "L.tril_indices(3, 4, 1)", "L.triu_indices(4, 3, -1)", "L.triu_indices(3, 3, 10)",
    "L.tril_indices(0, 0)", "L.tril_indices(3, 3, -10)", "L.triu_indices(3, 3, -10)", "L.triu_indices(3, 5, 2)",
    "L.tril_indices(2, 2, dtype=L.int32)",
    "L.tensor([L.tensor(1.0), 2.0])", "L.tensor([L.tensor(1), 2])", "L.tensor([[L.tensor(1.0)], [L.tensor(2.0)]])",
    "L.tensor([True, 1])", "L.tensor([1, 2.5])", "L.tensor([])", "L.tensor(3)", "L.tensor([np.float32(1), 2])",
    "L.tensor([np.int32(1), 2])", "L.tensor([L.tensor(1), 2.5])", "L.tensor(L.tensor(2, dtype=L.int32))",
    "L.tensor([L.tensor(1, dtype=L.int32)])", "L.tensor([L.tensor(True), True])",
    "L.tensor([L.tensor(1.0, dtype=L.float64)])",
    "L.tensor([True, False])", "L.tensor([[1, 2], [3, 4]])", "L.tensor((1, 2))",
    "L.tensor([L.tensor(1, dtype=L.int32), L.tensor(2, dtype=L.int16)])", "L.tensor([L.tensor(1, dtype=L.int32), 2.0])",
    "L.tensor(2.5, requires_grad=True, device='cpu')",
    "L.zeros_like(L.ones(2), dtype=L.int64)", "L.full_like(L.ones(2), 7)", "L.full_like(L.ones(2, dtype=L.int64), 2.7)",
    "L.full_like(L.ones(2, dtype=L.int64), True)", "L.ones_like(L.ones(2), dtype=L.bool)",
    "L.randint_like(L.ones(2), 5).dtype", "L.randint_like(L.ones(2), 2, 5).dtype", "L.empty_like(L.ones(2, 3)).shape",
    "L.ones_like(L.ones(2), requires_grad=True)",
]

RAISING = [
    "L.linspace(0, 1, 5, dtype=L.bool)", "L.linspace(0, 1, -1)", "L.linspace(0, 1, 2.0)",
    "L.arange(0, 5, -1)", "L.arange(5, 0)", "L.arange(0, 5, 0)", "L.arange(0, float('inf'))",
    "L.arange(0, float('nan'))",
    "L.arange(0, 5, dtype=L.bool)", "L.arange(3, requires_grad=True)", "L.full((2,), 3, requires_grad=True)",
    "L.normal(0.0, float('nan'), size=(2,))", "L.normal(0.0, -1.0, size=(2,))",
    "L.normal(L.zeros(2), L.tensor([1.0, -1.0]))",
    "L.normal(L.zeros(2), L.ones(3))", "L.normal(L.zeros(2), L.tensor([1.0, float('nan')]))",
    "L.full(2, 3)", "L.full((-1,), 3)", "L.full((2.0,), 3)", "L.full((2,), float('nan'), dtype=L.int64)",
    "L.eye(-1)", "L.eye(2, -1)", "L.eye(2.0)",
    "L.zeros(2.0)", "L.zeros((2.0,))", "L.zeros(-1)", "L.zeros(2, -1)", "L.zeros()", "L.zeros(True)",
    "L.zeros((2,), (3,))",
    "L.zeros(2, size=(3,))", "L.ones(size=2)", "L.zeros(2, (3,))", "L.zeros(None)", "L.zeros('a')",
    "L.zeros(np.float64(2))",
    "L.rand(-1)", "L.rand(2.0)", "L.rand(2, dtype=L.int64)", "L.randn(2, dtype=L.int64)", "L.randint(5, 3)",
    "L.randint(5, 0, (3,))", "L.randint(0, 5, (-1,))", "L.randint(0, 5, (2.0,))", "L.randint(0.5, 5.5, (3,))",
    "L.randint(5, 5, (3,))", "L.randperm(-1)", "L.randperm(3.0)", "L.rand_like(L.ones(2, dtype=L.int64))",
    "L.tril_indices(3, 3, dtype=L.float32)", "L.tril_indices(-1, 3)", "L.triu_indices(3, -2)",
    "L.tensor([L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0])])", "L.tensor([[1, 2], [3]])", "L.tensor('a')",
    "L.tensor(None)",
    "L.tensor([1, None])", "L.zeros_like([1, 2])",
]


def _evaluate(expression, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.tensor(a tensor) recommends clone()
        result = eval(expression, {"L": lib, "np": np})
    if isinstance(result, (torch.Tensor, lm.Tensor)):
        dtype = str(result.dtype).replace("torch.", "lamina.")
        return tuple(result.shape), dtype, result.detach().numpy(), result.requires_grad
    if isinstance(result, (torch.Size, tuple)):
        return tuple(result)
    return str(result).replace("torch.", "lamina.")


@pytest.mark.parametrize("expression", DETERMINISTIC)
def test_factories_match_pytorch(expression):
    mine, theirs = _evaluate(expression, LAMINA), _evaluate(expression, torch)
    if isinstance(theirs, tuple) and len(theirs) == 4:
        assert mine[0] == theirs[0] and mine[1] == theirs[1] and mine[3] == theirs[3]
        np.testing.assert_array_equal(mine[2], theirs[2])
    else:
        assert mine == theirs


@pytest.mark.parametrize("expression", RAISING)
def test_bad_factory_arguments_raise_what_pytorch_raises(expression):
    with pytest.raises(Exception) as theirs:
        _evaluate(expression, torch)
    with pytest.raises(theirs.type):
        _evaluate(expression, LAMINA)


@pytest.mark.parametrize("name", ["int32", "int64", "int16", "float32", "float64"])
def test_linspace_and_arange_match_pytorch_to_the_last_bit(name):
    """Integer linspace rounds as PyTorch (fused multiply-adds, then truncation); float ranges are bit-equal."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        start, end = (float(v) for v in rng.uniform(-60, 60, 2).round(rng.integers(0, 3)))
        steps = int(rng.integers(0, 70))
        mine = lm.linspace(start, end, steps, dtype=getattr(lm, name)).numpy()
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, name)).numpy()
        np.testing.assert_array_equal(mine, theirs, err_msg=f"linspace({start}, {end}, {steps}, {name})")
        step = float(rng.uniform(1 if name == "int64" else 0.01, 5) * rng.choice([-1, 1]))  # int64: step 0 raises
        stop = start + step * float(rng.uniform(0, 80))
        mine = lm.arange(start, stop, step, dtype=getattr(lm, name)).numpy()
        theirs = torch.arange(start, stop, step, dtype=getattr(torch, name)).numpy()
        np.testing.assert_array_equal(mine, theirs, err_msg=f"arange({start}, {stop}, {step}, {name})")


def test_normal_with_tensors_broadcasts_and_keeps_the_dtype():
    lm.manual_seed(0)
    draws = lm.normal(lm.zeros(2, 1, dtype=lm.float64), lm.full((3,), 2.0))
    assert draws.shape == (2, 3) and draws.dtype == np.float64
    assert lm.normal(lm.full((4000,), 5.0), 0.5).numpy().mean() == pytest.approx(5.0, abs=0.05)


# ---- logspace and scalar_tensor (exported by lamina/__init__.py once the lead adds them) --------------------
@pytest.mark.parametrize("args, kwargs", [((0, 2, 3), {}), ((-1, 1, 5), {}), ((0, 2, 3), {"base": 2, "dtype": "float64"}),
                                          ((0, 3, 4), {"dtype": "int64"}), ((1, 0, 1), {}), ((0, 1, 0), {})])
def test_logspace_matches_pytorch(args, kwargs):
    import torch

    from lamina.creation import logspace

    torch_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    ours, theirs = logspace(*args, **kwargs), torch.logspace(*args, **torch_kwargs)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "lamina.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("value, dtype", [(3, None), (True, None), (2, "int64"), (1.5, "float64")])
def test_scalar_tensor_matches_pytorch(value, dtype):
    import torch

    from lamina.creation import scalar_tensor

    ours = scalar_tensor(value, dtype=dtype)
    theirs = torch.scalar_tensor(value, dtype=None if dtype is None else getattr(torch, dtype))
    assert ours.shape == () and str(ours.dtype) == str(theirs.dtype).replace("torch.", "lamina.")
    assert ours.item() == theirs.item()
