"""Reductions (lamina/ops/reduction.py): finite-difference gradients, also for generated shapes and
dims, second derivatives, PyTorch as the oracle (float64: atol 1e-6; float32: rtol 1e-4; argmax and
argmin), and logsumexp's stability at |x| = 1e4 in float32. Then every reduction against PyTorch over
0-d, empty, NaN, integer and bool inputs and every form of dim, keepdim, dtype= and correction (values,
dtypes, shapes, or the type of the exception PyTorch raises), and the gradients where PyTorch picks a
subgradient or shares among ties (norm at 0, std of a constant, max/amax/median ties, NaN)."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm

# ---- finite differences ----------------------------------------------------------------------------
REDUCTIONS = {
    "sum": lambda x: x.sum(), "sum1": lambda x: x.sum(1), "sum_keep": lambda x: x.sum(dim=(0, 2), keepdim=True),
    "mean": lambda x: x.mean(), "mean_axis": lambda x: x.mean(axis=-1, keepdim=True),
    "max": lambda x: x.max(), "max_dim": lambda x: x.max(dim=1).values, "min_dim": lambda x: x.min(2, keepdim=True)[0],
    "amax": lambda x: x.amax(dim=(1, 2)), "var": lambda x: x.var(1), "var_biased": lambda x: x.var(correction=0),
    "std": lambda x: x.std(dim=0), "prod": lambda x: x.prod(), "prod_dim": lambda x: x.prod(dim=1),
    "logsumexp": lambda x: x.logsumexp(dim=1), "logsumexp_all": lambda x: lm.logsumexp(x, tuple(range(x.ndim))),
    "norm": lambda x: x.norm(),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name, r):
    assert lm.gradcheck(REDUCTIONS[name], r(2, 3, 4, apart=True))


def test_prod_gradient_is_right_at_a_zero(leaf):
    x = leaf([[2.0, 0.0, 3.0], [1.0, 2.0, 4.0]])
    x.prod(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 6.0, 0.0], [8.0, 4.0, 2.0]])


SECOND_ORDER = {"logsumexp": lambda x: x.logsumexp(1), "var": lambda x: x.var(1)}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivatives(name, r):
    x = r(3, 4)
    assert lm.gradgradcheck(SECOND_ORDER[name], x)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_reduction_gradients_for_generated_shapes_and_dims(r, shape, data):  # positional @given: fixtures first
    x = r(*shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    assert lm.gradcheck(lambda t: t.sum(dim, keepdim) * t.mean(dim, keepdim) + t.logsumexp(dim, keepdim), x)


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
OPS = {  # name: (lamina fn, torch fn, input shapes, positive inputs)
    "sum": (lambda x: x.sum(1), lambda x: x.sum(1), [(3, 4, 2)], False),
    "mean": (lambda x: x.mean((0, 2), keepdim=True), lambda x: x.mean((0, 2), keepdim=True), [(3, 4, 2)], False),
    "max": (lambda x: x.max(1)[0], lambda x: x.max(1)[0], [(3, 4, 2)], False),
    "min": (lambda x: x.min(), lambda x: x.min(), [(3, 4)], False),
    "var": (lambda x: x.var(1), lambda x: x.var(1), [(3, 4)], False),
    "std": (lambda x: x.std(0, keepdim=True), lambda x: x.std(0, keepdim=True), [(3, 4)], False),
    "prod": (lambda x: x.prod(1), lambda x: x.prod(1), [(3, 4)], False),
    "logsumexp": (lambda x: x.logsumexp(1), lambda x: x.logsumexp(1), [(3, 4)], False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    matches_pytorch(name, dtype, *OPS[name])


def test_argmax_argmin_match_pytorch(rng):
    x = rng.standard_normal((4, 5))
    assert lm.tensor(x).argmax(1).tolist() == torch.tensor(x).argmax(1).tolist()
    assert lm.tensor(x).argmin().item() == torch.tensor(x).argmin().item()
    values, indices = lm.tensor(x).max(dim=0)
    assert indices.tolist() == torch.tensor(x).max(dim=0).indices.tolist()


# ---- stability -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [lambda x: x.logsumexp(1)], ids=["logsumexp"])
def test_finite_values_and_gradients_for_huge_inputs(fn, finite_at_extremes):
    finite_at_extremes(fn)


# ---- PyTorch's edge cases: 0-d and empty tensors, dims, dtypes, NaN, errors ---------------------------
NAN = float("nan")


def _outputs(lib, out):
    if isinstance(out, tuple):
        return tuple(_outputs(lib, o) for o in out)
    return np.asarray(out.detach().numpy() if lib is torch else out.numpy())


def _run(lib, fn, arrays):
    inputs = [torch.from_numpy(a.copy()) if lib is torch else lm.from_numpy(a.copy()) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # degrees of freedom <= 0, casting NaN to an integer
            return _outputs(lib, fn(lib, *inputs))
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return error


def _assert_same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
        return
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, equal_nan=True)


def assert_like_torch(fn, *arrays):
    """fn(lib, *tensors) gives the same values, shapes and dtypes with Lamina as with PyTorch, or raises an
    exception of the type PyTorch raises."""
    theirs, ours = _run(torch, fn, arrays), _run(lm, fn, arrays)
    if isinstance(theirs, Exception):
        expected = RuntimeError if isinstance(theirs, torch.linalg.LinAlgError) else type(theirs)  # a RuntimeError
        assert isinstance(ours, expected), f"PyTorch raises {theirs!r}, Lamina gave {ours!r}"
        return
    assert not isinstance(ours, Exception), f"Lamina raised {ours!r}; PyTorch gives {theirs}"
    _assert_same(ours, theirs)


ARRAYS = {
    "matrix": np.array([[1.0, 0.0, 2.0, 5.0], [0.0, 3.0, 3.0, -1.0]], np.float32),
    "nan": np.array([[1.0, NAN, 2.0, 5.0], [0.0, 3.0, NAN, NAN]], np.float64),
    "scalar": np.array(3.0, np.float32),
    "empty": np.zeros((2, 0), np.float32),
    "empty1d": np.zeros(0, np.float64),
    "int64": np.array([[1, 0, 2], [3, 3, -1]], np.int64),
    "int32": np.array([[1, 0, 2], [3, 3, -1]], np.int32),
    "uint8": np.array([[1, 0, 2], [3, 3, 7]], np.uint8),
    "bool": np.array([True, False, True]),
}
DIM_FORMS = [(), (0,), (-1,), (1,), (2,), (-3,), ((0, 1),), ((1, -1),), ((),), (0, True), (-1, True)]
DIM_OPS = ["sum", "mean", "prod", "amax", "amin", "logsumexp", "var", "std", "argmax", "argmin", "norm", "all",
           "any", "count_nonzero", "nansum", "nanmean", "median", "nanmedian", "max", "min", "mode", "var_mean",
           "std_mean"]


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("op", DIM_OPS)
def test_dims_match_pytorch(op, array):
    for args in DIM_FORMS:
        if op in ("logsumexp", "mode") and args == () or op == "mode" and array == "nan":
            continue  # PyTorch's logsumexp needs a dim, Lamina's reduces every dim; mode's NaN order differs
        if op == "norm" and args:  # norm's first positional argument is p
            args = (2,) + args
        assert_like_torch(lambda lib, x: getattr(lib, op)(x, *args), ARRAYS[array])


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("op", ["sum", "mean", "prod", "amax", "max", "argmax", "var", "logsumexp", "median", "all"])
def test_keepdim_must_be_bool_and_dims_ints(op, array):
    assert_like_torch(lambda lib, x: getattr(lib, op)(x, 0, keepdim=1), ARRAYS[array])
    assert_like_torch(lambda lib, x: getattr(lib, op)(x, dim=1.0), ARRAYS[array])
    assert_like_torch(lambda lib, x: getattr(lib, op)(x, np.int64(-1)), ARRAYS[array])


def test_errors_are_pytorchs_types():
    x = lm.zeros(2, 3)
    with pytest.raises(IndexError, match="out of range"):
        x.sum(2)
    with pytest.raises(RuntimeError, match="multiple times"):
        x.sum((1, -1))
    with pytest.raises(TypeError, match="keepdim"):
        x.mean(0, keepdim=None)
    with pytest.raises(RuntimeError, match="numel"):
        lm.zeros(0).max()
    with pytest.raises(IndexError, match="non-zero size"):
        lm.zeros(2, 0).max(1)
    with pytest.raises(RuntimeError, match="floating point"):
        lm.tensor([1, 2]).mean()
    with pytest.raises(TypeError):
        x.max((0, 1))


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("op", ["sum", "prod", "mean", "nansum", "nanmean"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "int64"])
def test_dtype_argument_matches_pytorch(op, dtype, array):
    assert_like_torch(lambda lib, x: getattr(lib, op)(x, dtype=getattr(lib, dtype)), ARRAYS[array])


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("kwargs", [dict(correction=0), dict(correction=2), dict(correction=5), dict(correction=1.5),
                                    dict(unbiased=False), dict(dim=1, correction=3), dict(dim=1, correction=4),
                                    dict(dim=1, unbiased=True, keepdim=True)], ids=repr)
@pytest.mark.parametrize("op", ["var", "std", "var_mean", "std_mean"])
def test_correction_matches_pytorch(op, kwargs, array):
    """PyTorch divides by max(0, n - correction): inf beyond the count, nan for 0/0."""
    assert_like_torch(lambda lib, x: getattr(lib, op)(x, **kwargs), ARRAYS[array])


@pytest.mark.parametrize("array", sorted(ARRAYS))
def test_old_unbiased_positional_forms(array):
    for args in [(False,), (0, False), (1, True, True)]:
        assert_like_torch(lambda lib, x: lib.var(x, *args), ARRAYS[array])
        assert_like_torch(lambda lib, x: lib.std_mean(x, *args), ARRAYS[array])


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("kwargs", [{}, dict(dim=0), dict(dim=1, keepdim=True), dict(dim=-1), dict(keepdim=True),
                                    dict(dim=3)], ids=repr)
def test_aminmax_matches_pytorch(kwargs, array):
    assert_like_torch(lambda lib, x: lib.aminmax(x, **kwargs), ARRAYS[array])


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("p", ["fro", "nuc", float("inf"), -float("inf"), 0, 1, 2, 3, 0.5, -1, "abc", None], ids=repr)
def test_norm_orders_match_pytorch(p, array):
    assert_like_torch(lambda lib, x: lib.norm(x, p), ARRAYS[array])
    assert_like_torch(lambda lib, x: lib.norm(x, p, dim=1), ARRAYS[array])
    assert_like_torch(lambda lib, x: lib.norm(x, p, dim=(0, 1), keepdim=True), ARRAYS[array])
    assert_like_torch(lambda lib, x: lib.norm(x, p, dim=0, dtype=lib.float64), ARRAYS[array])


QUANTILE_FORMS = [dict(), dict(dim=1), dict(dim=0, keepdim=True), dict(interpolation="nearest"),
                  dict(dim=1, interpolation="lower"), dict(dim=1, interpolation="higher"),
                  dict(dim=-1, interpolation="midpoint"), dict(interpolation="cubic")]


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("q", [0.4, 0.5, [0.0, 0.25, 1.0], 1.5, -0.1], ids=repr)
@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
def test_quantiles_match_pytorch(op, q, array):
    for kwargs in QUANTILE_FORMS:
        assert_like_torch(lambda lib, x: getattr(lib, op)(
            x, lib.tensor(q, dtype=x.dtype) if isinstance(q, list) else q, **kwargs), ARRAYS[array])


ODD_CALLS = {
    "var_unbiased_and_correction": lambda lib, x: lib.var(x, 1, unbiased=True, correction=1),
    "var_negative_correction": lambda lib, x: lib.var(x, 1, correction=-1),
    "quantile_2d_q": lambda lib, x: lib.quantile(x, lib.tensor([[0.5]], dtype=lib.float64)),
    "quantile_q_of_another_dtype": lambda lib, x: lib.quantile(x, lib.tensor([0.5], dtype=lib.float32)),
    "quantile_q_list": lambda lib, x: lib.quantile(x, [0.5, 0.2], dim=1),
    "quantile_0d_q": lambda lib, x: lib.quantile(x, lib.tensor(0.5, dtype=lib.float64), dim=1),
    "quantile_empty": lambda lib, x: lib.quantile(x[:0], 0.5),
    "quantile_scalar": lambda lib, x: lib.quantile(x[0, 0], 0.5, dim=0, keepdim=True),
    "norm_p_none": lambda lib, x: lib.norm(x, None),
    "norm_fro_over_three_dims": lambda lib, x: lib.norm(x[None], "fro", dim=(0, 1, 2)),
    "norm_nuc_of_a_vector": lambda lib, x: lib.norm(x[0], "nuc"),
    "norm_nuc_over_one_dim": lambda lib, x: lib.norm(x, "nuc", dim=1),
    "norm_nuc_repeated_dims": lambda lib, x: lib.norm(x, "nuc", dim=(1, -1)),
    "norm_nuc_half": lambda lib, x: lib.norm(x.to(lib.float16), "nuc"),
    "quantile_half": lambda lib, x: lib.quantile(x.to(lib.float16), 0.5),
    "norm_nuc_batched": lambda lib, x: lib.norm(x[None].expand(3, 2, 4), "nuc", dim=(1, 2), keepdim=True),
    "max_keepdim_without_dim": lambda lib, x: lib.max(x, keepdim=True),
    "median_keepdim_without_dim": lambda lib, x: lib.median(x, keepdim=True),
    "median_of_empty_ints": lambda lib, x: lib.median(x[:0].long()),
    "nanmedian_of_empty": lambda lib, x: lib.nanmedian(x[:0]),
    "mode_scalar": lambda lib, x: lib.mode(x[0, 0]),
    "mode_empty": lambda lib, x: lib.mode(x[:, :0]),
    "count_nonzero_scalar": lambda lib, x: lib.count_nonzero(x[0, 0], 0),
    "all_nan": lambda lib, x: lib.all(x * float("nan")),
    "sum_dim_list": lambda lib, x: lib.sum(x, [0, 1]),
    "logsumexp_of_-inf": lambda lib, x: lib.logsumexp(x * float("-inf"), 1),
    "logsumexp_of_inf": lambda lib, x: lib.logsumexp(x * float("inf"), 1),
    "sum_bool_keepdim": lambda lib, x: lib.sum(x > 0, 1, True),
    "prod_of_empty_ints": lambda lib, x: lib.prod(x[:0].long()),
    "argmax_scalar_keepdim": lambda lib, x: lib.argmax(x[0, 0], keepdim=True),
    "keepdim_type_before_dim_range": lambda lib, x: lib.sum(x, 3, keepdim=1),
    "keepdim_type_before_repeats": lambda lib, x: lib.mean(x, (0, 0), keepdim=1),
    "aminmax_keepdim_type": lambda lib, x: lib.aminmax(x, dim=5, keepdim=1),
    "quantile_keepdim_type": lambda lib, x: lib.quantile(x, 2.0, keepdim=1),
    "var_of_empty_negative_correction": lambda lib, x: lib.var(x[:0], correction=-1),
    "logsumexp_empty_dims_keepdim": lambda lib, x: lib.logsumexp(x, (), keepdim=True),
    "sum_of_a_list": lambda lib, x: lib.sum([1.0, 2.0]),
    "median_of_a_number": lambda lib, x: lib.median(2.0),
    "max_of_two_tensors": lambda lib, x: lib.max(x, lib.ones(4, dtype=lib.float64)),
    "min_of_tensors_that_do_not_broadcast": lambda lib, x: lib.min(x, lib.ones(3, dtype=lib.float64)),
}


@pytest.mark.parametrize("name", sorted(ODD_CALLS))
def test_odd_calls_match_pytorch(name):
    assert_like_torch(ODD_CALLS[name], np.array([[1.0, 0.0, 2.0, 5.0], [0.0, 3.0, 3.0, -1.0]]))


def test_nan_propagates_and_indices_point_at_it():
    x = np.array([[1.0, NAN, 3.0, NAN], [2.0, 0.0, 5.0, 1.0]])
    for fn in [lambda lib, t: lib.max(t), lambda lib, t: lib.max(t, 1), lambda lib, t: lib.min(t, 1),
               lambda lib, t: lib.argmax(t), lambda lib, t: lib.argmin(t, 1), lambda lib, t: lib.amax(t, 1),
               lambda lib, t: lib.median(t), lambda lib, t: lib.median(t, 1), lambda lib, t: lib.nanmedian(t, 1),
               lambda lib, t: lib.nanmedian(t), lambda lib, t: lib.nansum(t, 1), lambda lib, t: lib.nanmean(t)]:
        assert_like_torch(fn, x)


def test_median_is_the_lower_one_and_its_index_as_pytorch():
    x = np.array([[3.0, 1.0, 2.0, 4.0], [1.0, 1.0, 1.0, 0.0], [2.0, 1.0, 2.0, 2.0]])
    assert_like_torch(lambda lib, t: lib.median(t, 1), x)
    assert_like_torch(lambda lib, t: t.median(0, keepdim=True), x)
    assert_like_torch(lambda lib, t: t.median(), x)
    assert_like_torch(lambda lib, t: lib.median(t), np.array([3, 1, 2, 7], np.int64))


def test_mode_matches_pytorch():
    x = np.array([[2.0, 1.0, 2.0, 1.0, 3.0, 2.0], [1.0, 1.0, 0.0, 0.0, 5.0, 4.0]])
    assert_like_torch(lambda lib, t: lib.mode(t), x)
    assert_like_torch(lambda lib, t: t.mode(0, keepdim=True), x)
    assert_like_torch(lambda lib, t: lib.mode(t, 1), x.astype(np.int64))


# ---- gradients of the new and fixed reductions --------------------------------------------------------
NEW_REDUCTIONS = {
    "median_dim": lambda x: x.median(1).values, "median": lambda x: x.median(),
    "nanmedian": lambda x: x.nanmedian(0)[0], "mode": lambda x: lm.mode(x, 1).values,
    "kept_max": lambda x: x.max(2, keepdim=True).values, "quantile": lambda x: lm.quantile(x, 0.3, dim=1),
    "quantiles": lambda x: x.quantile(lm.tensor([0.2, 0.9], dtype=lm.float64), dim=2),
    "nanquantile": lambda x: lm.nanquantile(x, 0.7), "std_mean": lambda x: lm.std_mean(x, 1)[0] * lm.std_mean(x, 1)[1],
    "var_mean": lambda x: lm.var_mean(x, (0, 2), correction=0)[0] + lm.var_mean(x)[1],
    "nansum": lambda x: x.nansum(1), "nanmean": lambda x: x.nanmean((0, 1)),
    "aminmax": lambda x: lm.aminmax(x, dim=1)[1], "amin": lambda x: x.amin((0, 2)),
    "norm_inf": lambda x: x.norm(float("inf"), dim=1), "norm_-inf": lambda x: x.norm(-float("inf")),
    "norm_1": lambda x: x.norm(1, dim=(0, 2)), "norm_3": lambda x: x.norm(3),
    "norm_0.5": lambda x: x.norm(0.5, dim=2, keepdim=True), "norm_fro": lambda x: x.norm("fro", dim=1),
    "norm_-1": lambda x: x.norm(-1, dim=0), "norm_nuc": lambda x: x.norm("nuc", dim=(0, 2)),
    "norm_nuc_keepdim": lambda x: lm.norm(x, "nuc", dim=(2, 1), keepdim=True),
    "logsumexp_tuple": lambda x: x.logsumexp((0, 2)), "prod_keep": lambda x: x.prod(2, keepdim=True),
    "mean_dtype": lambda x: lm.mean(x, 1, dtype=lm.float64),
}


@pytest.mark.parametrize("name", sorted(NEW_REDUCTIONS))
def test_new_reduction_gradients(name, r):
    assert lm.gradcheck(NEW_REDUCTIONS[name], r(2, 3, 4, apart=True))


SECOND_ORDER_NEW = {"std": lambda x: x.std(1), "norm2": lambda x: x.norm(dim=1), "norm1": lambda x: x.norm(1) ** 2,
                    "norm3": lambda x: x.norm(3, dim=0), "norm_half": lambda x: x.abs().add(0.5).norm(0.5, dim=1),
                    "norm_inf": lambda x: x.norm(float("inf"), dim=1) ** 2, "sort": lambda x: x.sort(1)[0] ** 2,
                    "median": lambda x: x.median(1)[0] ** 2, "quantile": lambda x: x.quantile(0.3, dim=0) ** 2,
                    "amax": lambda x: x.amax(1) ** 2, "prod": lambda x: x.prod(1)}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_NEW))
def test_second_derivatives_of_std_norm_and_order_statistics(name, r):
    fn = SECOND_ORDER_NEW[name]
    assert lm.gradgradcheck(fn, r(3, 4))


GRADIENT_POINTS = {  # name: (fn(lib, x), input): where PyTorch picks a subgradient or shares among ties
    "norm_at_zero": (lambda lib, x: lib.norm(x), np.zeros((2, 3))),
    "norm_dim_at_zero": (lambda lib, x: lib.norm(x, dim=1), np.array([[0.0, 0.0], [3.0, 4.0]])),
    "norm1_at_zero": (lambda lib, x: lib.norm(x, 1), np.array([0.0, -2.0, 1.0])),
    "norm3_at_zero": (lambda lib, x: lib.norm(x, 3), np.array([0.0, -2.0, 1.0])),
    "norm3_all_zero": (lambda lib, x: lib.norm(x, 3), np.zeros(3)),
    "norm_half_at_zero": (lambda lib, x: lib.norm(x, 0.5), np.array([0.0, 1.0, 2.0])),
    "norm_inf_ties": (lambda lib, x: lib.norm(x, float("inf")), np.array([1.0, -1.0, 0.5])),
    "norm_inf_zero": (lambda lib, x: lib.norm(x, float("inf")), np.zeros(3)),
    "norm_nuc": (lambda lib, x: lib.norm(x, "nuc"), np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])),
    "norm_nuc_at_zero": (lambda lib, x: lib.norm(x, "nuc"), np.zeros((2, 3))),
    "std_constant": (lambda lib, x: lib.std(x), np.ones(3)),
    "std_dim_constant": (lambda lib, x: lib.std(x, 1), np.array([[2.0, 2.0], [1.0, 3.0]])),
    "max_ties": (lambda lib, x: lib.max(x), np.array([1.0, 3.0, 3.0])),
    "max_dim_ties": (lambda lib, x: lib.max(x, 0).values, np.array([1.0, 3.0, 3.0])),
    "min_dim_ties": (lambda lib, x: lib.min(x, 1, True)[0], np.array([[1.0, 0.0, 0.0], [2.0, 2.0, 5.0]])),
    "amax_ties": (lambda lib, x: lib.amax(x, 0), np.array([1.0, 3.0, 3.0])),
    "max_nan": (lambda lib, x: lib.max(x), np.array([1.0, NAN, 3.0, NAN])),
    "amax_nan": (lambda lib, x: lib.amax(x), np.array([1.0, NAN, 3.0, NAN])),
    "median_ties": (lambda lib, x: lib.median(x), np.array([1.0, 2.0, 2.0, 3.0])),
    "median_dim_ties": (lambda lib, x: lib.median(x, 0).values, np.array([1.0, 2.0, 2.0, 3.0])),
    "nansum": (lambda lib, x: lib.nansum(x), np.array([1.0, NAN, 2.0])),
    "nanmean": (lambda lib, x: lib.nanmean(x, 0), np.array([[1.0, NAN], [NAN, NAN], [2.0, 4.0]])),
    "prod_zero": (lambda lib, x: lib.prod(x, 0), np.array([[0.0, 2.0], [3.0, 0.0], [2.0, 0.0]])),
    "logsumexp_empty": (lambda lib, x: lib.logsumexp(x, 1), np.zeros((2, 0))),
    "sum_scalar": (lambda lib, x: lib.sum(x, 0, keepdim=True), np.array(2.0)),
    "mean_scalar": (lambda lib, x: lib.mean(x, -1), np.array(2.0)),
    "quantile_linear": (lambda lib, x: lib.quantile(x, 0.4), np.array([4.0, 1.0, 2.0, 8.0])),
    "quantile_nan": (lambda lib, x: lib.quantile(x, 0.3, dim=1), np.array([[NAN, 0.2, 0.8], [0.0, 0.7, -2.5]])),
    "nanquantile_all_nan": (lambda lib, x: lib.nanquantile(x, 0.5, dim=0), np.array([[NAN, 0.2]])),
    "nanmedian_all_nan": (lambda lib, x: lib.nanmedian(x), np.array([NAN, NAN])),
    "norm1_nan": (lambda lib, x: lib.norm(x, 1), np.array([NAN, 1.0, -2.0, 0.0])),
    "norm_inf_nan": (lambda lib, x: lib.norm(x, float("inf"), dim=0), np.array([[NAN, 1.0], [-2.0, 0.0]])),
    "prod_nan": (lambda lib, x: lib.prod(x), np.array([NAN, 1.0, -2.0])),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_POINTS))
def test_gradients_at_kinks_match_pytorch(name):
    fn, array = GRADIENT_POINTS[name]
    x, xt = lm.tensor(array, dtype=np.float64, requires_grad=True), torch.tensor(array, requires_grad=True)
    y, yt = fn(lm, x), fn(torch, xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), equal_nan=True)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), equal_nan=True, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["median", "quantile", "norm3", "std_mean", "nanmean"])
def test_new_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    fns = {"median": lambda lib: lambda x: lib.median(x, 1).values,
           "quantile": lambda lib: lambda x: lib.quantile(x, 0.35, dim=0, keepdim=True),
           "norm3": lambda lib: lambda x: lib.norm(x, 3, dim=1),
           "std_mean": lambda lib: lambda x: lib.std_mean(x, 1)[0] + lib.std_mean(x, 1)[1] ** 2,
           "nanmean": lambda lib: lambda x: lib.nanmean(x * x, 1)}
    matches_pytorch(name, dtype, fns[name](lm), fns[name](torch), [(3, 5)], False)


def test_tensor_methods_exist():
    x = lm.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert x.all().item() is False and x.any(1).tolist() == [True, True]
    assert x.count_nonzero().item() == 3 and x.nansum().item() == 6.0 and x.nanmean().item() == 1.5
    assert x.aminmax().max.item() == 3.0 and x.median().item() == 1.0 and x.nanmedian(0).indices.tolist() == [0, 0]
    assert x.quantile(0.5).item() == pytest.approx(1.5)


def test_logsumexp_needs_dim_as_in_pytorch():
    with pytest.raises(TypeError):
        torch.logsumexp(torch.ones(2, 3))
    with pytest.raises(TypeError, match="logsumexp.*'dim'"):
        lm.logsumexp(lm.ones(2, 3))


@pytest.mark.parametrize("correction", [4, 5.5])
def test_var_with_correction_beyond_the_count_is_inf_with_pytorchs_gradient(correction):
    """PyTorch divides the value by max(0, n - correction) (inf) but the gradient by n - correction (finite)."""
    data = np.random.default_rng(0).standard_normal((3, 4))
    theirs = torch.tensor(data, requires_grad=True)
    ours = lm.from_numpy(data.copy()).requires_grad_(True)
    with pytest.warns(UserWarning):
        torch.var(theirs, dim=0, correction=correction).sum().backward()
    value = lm.var(ours, dim=0, correction=correction)
    value.sum().backward()
    assert np.isposinf(value.detach().numpy()).all()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_float16_sum_accumulates_in_float32_as_pytorch():
    x = np.random.default_rng(0).standard_normal((2, 300, 4)).astype(np.float16)
    expected = torch.from_numpy(x).sum(1).numpy()
    ours = lm.from_numpy(x).sum(1)
    assert ours.dtype == np.float16
    np.testing.assert_array_equal(ours.numpy(), expected)
