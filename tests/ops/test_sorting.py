"""Sorting (lamina/ops/sorting.py) against PyTorch: values, indices (NaN as the largest value, stable ties),
dtypes and shapes over 0-d, empty, integer and bool inputs, the errors PyTorch raises, and the gradients of
sort, topk and kthvalue (finite differences in float64, and PyTorch's)."""
import warnings

import numpy as np
import pytest
import torch

import lamina as lm

NAN = float("nan")


def _outputs(lib, out):
    if isinstance(out, (tuple, list)):
        return tuple(_outputs(lib, o) for o in out)
    return np.asarray(out.detach().numpy() if lib is torch else out.numpy())


def _run(lib, fn, arrays):
    inputs = [torch.from_numpy(np.array(a)) if lib is torch else lm.from_numpy(np.array(a)) for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
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
    np.testing.assert_array_equal(ours, theirs)


def assert_like_torch(fn, *arrays):
    """fn(lib, *tensors) gives the same values, indices, shapes and dtypes with Lamina as with PyTorch, or raises
    an exception of the type PyTorch raises."""
    theirs, ours = _run(torch, fn, arrays), _run(lm, fn, arrays)
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), f"PyTorch raises {theirs!r}, Lamina gave {ours!r}"
        return
    assert not isinstance(ours, Exception), f"Lamina raised {ours!r}; PyTorch gives {theirs}"
    _assert_same(ours, theirs)


ARRAYS = {
    "distinct": np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32),
    "ties": np.array([[1.0, 2.0, 1.0, 2.0, 1.0], [3.0, 3.0, 0.0, 0.0, 3.0]]),
    "nan": np.array([[3.0, NAN, 1.0, NAN, 2.0], [NAN, 1.0, 0.0, -1.0, NAN]], np.float32),
    "inf": np.array([np.inf, -np.inf, 0.0, NAN, 1.0]),
    "scalar": np.array(3.0, np.float32),
    "empty": np.zeros((2, 0), np.float32),
    "empty1d": np.zeros(0),
    "int64": np.array([[1, 0, 2], [3, 4, -1]], np.int64),
    "int32": np.array([5, -3, 2, 7], np.int32),
    "bool": np.array([True, False, True]),
}
SORT_FORMS = [(), (0,), (-1,), (1,), (2,), (0, True), (-1, True), (1.0,)]


@pytest.mark.parametrize("array", sorted(ARRAYS))
@pytest.mark.parametrize("op", ["sort", "argsort"])
def test_sort_matches_pytorch(op, array):
    for args in SORT_FORMS:
        assert_like_torch(lambda lib, x: getattr(lib, op)(x, *args), ARRAYS[array])
    for kwargs in [dict(stable=True), dict(stable=True, descending=True), dict(dim=0, stable=True),
                   dict(descending=1)]:
        assert_like_torch(lambda lib, x: getattr(lib, op)(x, **kwargs), ARRAYS[array])
    assert_like_torch(lambda lib, x: lib.msort(x), ARRAYS[array])


TOPK_FORMS = [{}, dict(dim=0), dict(largest=False), dict(dim=0, largest=False, sorted=True), dict(dim=5)]


@pytest.mark.parametrize("array", sorted(set(ARRAYS) - {"ties"}))  # PyTorch's partial sort orders ties freely
@pytest.mark.parametrize("k", [0, 1, 2, 3, 6, -1, 1.0])
def test_topk_matches_pytorch(k, array):
    for kwargs in TOPK_FORMS:
        assert_like_torch(lambda lib, x: lib.topk(x, k, **kwargs), ARRAYS[array])


@pytest.mark.parametrize("largest", [True, False])
def test_unsorted_topk_picks_the_same_elements(largest):
    """sorted=False leaves PyTorch free to return any order: compare the sets (Lamina always sorts)."""
    array = np.array([[1.0, 5.0, 2.0, 4.0, 3.0, NAN], [0.0, -1.0, 7.0, 2.0, 9.0, 8.0]])
    ours = lm.topk(lm.from_numpy(array), 3, largest=largest, sorted=False).indices.numpy()
    theirs = torch.topk(torch.from_numpy(array), 3, largest=largest, sorted=False).indices.numpy()
    np.testing.assert_array_equal(np.sort(ours, 1), np.sort(theirs, 1))


def test_topk_of_ties_picks_the_first_largest_as_pytorch():
    assert_like_torch(lambda lib, x: lib.topk(x, 2), np.array([1.0, 2.0, 1.0, 2.0, 1.0]))
    assert_like_torch(lambda lib, x: x.topk(3, largest=False), np.array([4.0, 1.0, 3.0, 1.0]))


@pytest.mark.parametrize("array", sorted(set(ARRAYS) - {"ties"}))  # PyTorch's quickselect orders ties freely
@pytest.mark.parametrize("k", [0, 1, 2, 3, 6, 1.0])
def test_kthvalue_matches_pytorch(k, array):
    for kwargs in [{}, dict(dim=0), dict(dim=0, keepdim=True), dict(keepdim=1), dict(dim=-3)]:
        assert_like_torch(lambda lib, x: lib.kthvalue(x, k, **kwargs), ARRAYS[array])


UNIQUE_FORMS = [{}, dict(return_inverse=True), dict(return_counts=True),
                dict(return_inverse=True, return_counts=True, sorted=True),
                dict(dim=0, return_inverse=True, return_counts=True), dict(dim=1), dict(dim=2)]


@pytest.mark.parametrize("array", sorted(set(ARRAYS) - {"empty"}))
def test_unique_matches_pytorch(array):
    for kwargs in UNIQUE_FORMS:
        if array in ("nan", "inf") and "dim" in kwargs:
            continue  # PyTorch orders rows holding NaN differently
        assert_like_torch(lambda lib, x: lib.unique(x, **kwargs), ARRAYS[array])
    assert_like_torch(lambda lib, x: x.unique(), ARRAYS[array])


BOUNDARIES = {"1d": [1.0, 2.0, 3.0], "rows": [[0.0, 1.0, 2.0], [-1.0, 0.0, 5.0]],
              "three_rows": [[0.0, 1.0], [-1.0, 0.0], [1.0, 2.0]], "ints": [0, 2, 4]}


@pytest.mark.parametrize("array", ["distinct", "ties", "int64", "scalar", "empty1d", "nan"])
@pytest.mark.parametrize("bounds", sorted(BOUNDARIES))
def test_searchsorted_and_bucketize_match_pytorch(bounds, array):
    boundaries, values = np.array(BOUNDARIES[bounds]), ARRAYS[array]
    if values.dtype != boundaries.dtype and not (values.dtype.kind == boundaries.dtype.kind == "f"):
        return  # PyTorch requires one dtype for both
    values = values.astype(boundaries.dtype)
    for kwargs in [{}, dict(right=True), dict(side="right"), dict(side="left"), dict(out_int32=True),
                   dict(side="left", right=True), dict(side="middle")]:
        assert_like_torch(lambda lib, b, x: lib.searchsorted(b, x, **kwargs), boundaries, values)
        if "side" not in kwargs:
            assert_like_torch(lambda lib, b, x: lib.bucketize(x, b, **kwargs), boundaries, values)


def test_searchsorted_scalars_and_sorter():
    assert_like_torch(lambda lib, b: lib.searchsorted(b, 2.5), [1.0, 2.0, 3.0])
    assert_like_torch(lambda lib, b: lib.bucketize(2.0, b), [1.0, 2.0, 3.0])
    assert_like_torch(lambda lib, b, s, v: lib.searchsorted(b, v, sorter=s), [3.0, 1.0, 2.0], [1, 2, 0], [2.5, 0, 9])


ODD_CALLS = {
    "sort_flag_type_before_dim": lambda lib, x: lib.sort(x, 5, 1),
    "topk_flag_type_before_dim": lambda lib, x: lib.topk(x, 1, 5, 1),
    "kthvalue_keepdim_type_before_dim": lambda lib, x: lib.kthvalue(x, 1, 5, 1),
    "kthvalue_of_an_empty_dim": lambda lib, x: lib.kthvalue(x[:, :0], 1),
    "searchsorted_empty": lambda lib, x: lib.searchsorted(x[:, :0], x[:, :0]),
    "searchsorted_empty_queries": lambda lib, x: lib.searchsorted(x, x[:, :0]),
    "searchsorted_bool": lambda lib, x: lib.searchsorted(x > 0, x > 0),
    "searchsorted_right_not_bool": lambda lib, x: lib.searchsorted(x, x, right=1),
    "searchsorted_sorter_out_of_range": lambda lib, x: lib.searchsorted(x, x, sorter=lib.tensor([[0, 1, 5]] * 2)),
    "searchsorted_scalar_sequence": lambda lib, x: lib.searchsorted(x[0, 0], x),
    "sort_of_a_list": lambda lib, x: lib.sort([3.0, 1.0]),
    "searchsorted_in_a_list": lambda lib, x: lib.searchsorted([1.0, 2.0], x),
    "unique_with_other_dims_empty": lambda lib, x: lib.unique(x[:, :0], dim=0),
    "unique_along_the_empty_dim": lambda lib, x: lib.unique(x[:, :0], dim=1),
    "unique_of_a_scalar_with_dim": lambda lib, x: lib.unique(x[0, 0], dim=0),
}


@pytest.mark.parametrize("name", sorted(ODD_CALLS))
def test_odd_calls_match_pytorch(name):
    assert_like_torch(ODD_CALLS[name], np.array([[1.0, 2.0, 4.0], [-1.0, 0.0, 3.0]]))


def test_errors_are_pytorchs_types():
    x = lm.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="out of range"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="out of range"):
        x.kthvalue(0)
    with pytest.raises(IndexError, match="out of range"):
        x.sort(1)
    with pytest.raises(TypeError, match="'k'"):
        x.topk(1.5)
    with pytest.raises(RuntimeError):
        lm.tensor([True, False]).topk(1)
    with pytest.raises(RuntimeError, match="1 dimension"):
        lm.bucketize(x, lm.tensor([[1.0, 2.0]]))


# ---- gradients ---------------------------------------------------------------------------------------
GRADIENTS = {
    "sort": lambda x: x.sort(1).values, "sort_descending": lambda x: lm.sort(x, 0, descending=True)[0],
    "topk": lambda x: x.topk(2, dim=2).values, "topk_smallest": lambda x: lm.topk(x, 3, 1, largest=False)[0],
    "kthvalue": lambda x: x.kthvalue(2, 1).values, "kthvalue_keepdim": lambda x: x.kthvalue(3, 2, True)[0],
    "msort": lambda x: lm.msort(x), "sort_twice": lambda x: x.sort(2)[0].sort(2, descending=True)[0] * x,
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients(name, r):
    assert lm.gradcheck(GRADIENTS[name], r(2, 3, 4, apart=True))


def test_second_derivative_through_sort(r):
    assert lm.gradgradcheck(lambda x: x.sort(1)[0] ** 3, r(3, 4, apart=True))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["sort", "topk", "kthvalue"])
def test_forward_and_gradients_match_pytorch(name, dtype, matches_pytorch):
    fns = {"sort": lambda lib: lambda x: lib.sort(x, 0, descending=True)[0],
           "topk": lambda lib: lambda x: lib.topk(x, 2)[0],
           "kthvalue": lambda lib: lambda x: lib.kthvalue(x, 2, 0, keepdim=True)[0]}
    matches_pytorch(name, dtype, fns[name](lm), fns[name](torch), [(4, 5)], False)


def test_gradient_of_sorted_values_with_nan_goes_back_by_index():
    array = np.array([3.0, NAN, 1.0, 2.0])
    x, xt = lm.tensor(array, dtype=np.float64, requires_grad=True), torch.tensor(array, requires_grad=True)
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    (x.sort(descending=True).values * lm.tensor(weights, dtype=np.float64)).nansum().backward()
    (xt.sort(descending=True).values * torch.tensor(weights)).nansum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
