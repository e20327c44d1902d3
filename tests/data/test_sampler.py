"""lamina.data samplers, with torch.utils.data's as the oracle: the deterministic ones index for index, the random
ones by their distribution and their reproducibility with a seed; argument errors of torch's types and messages."""
import numpy as np
import pytest
import torch
from torch.utils import data as tdata

import lamina as lm
from lamina.data import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                         WeightedRandomSampler)


# ---- deterministic: the same indices as torch ----------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 7])
def test_sequential_sampler_matches_torch(n):
    ours, theirs = SequentialSampler(range(n)), tdata.SequentialSampler(range(n))
    assert list(ours) == list(theirs) == list(range(n))
    assert len(ours) == len(theirs) == n


@pytest.mark.parametrize("n, batch_size", [(10, 3), (9, 3), (2, 5), (0, 2), (7, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs) == len(list(ours))
    assert all(isinstance(b, list) for b in ours)


def test_batch_sampler_takes_any_iterable_and_keeps_its_order():
    order = [5, 3, 8, 1, 0, 2, 9]
    assert list(BatchSampler(order, 3, False)) == list(tdata.BatchSampler(order, 3, False)) == [[5, 3, 8], [1, 0, 2],
                                                                                                 [9]]
    assert list(BatchSampler(iter(order), 2, True)) == [[5, 3], [8, 1], [0, 2]]


def test_base_sampler_must_be_subclassed():
    with pytest.raises(NotImplementedError):
        iter(Sampler())

    class Reversed(Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    assert list(BatchSampler(Reversed(5), 2, False)) == [[4, 3], [2, 1], [0]]


# ---- RandomSampler ------------------------------------------------------------------------------------
def test_random_sampler_is_a_permutation_reproducible_with_a_seed():
    sampler = RandomSampler(range(50), generator=lm.Generator(3))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(50)) and len(sampler) == 50
    assert first != second and first != list(range(50))  # a new order each epoch
    again = RandomSampler(range(50), generator=lm.Generator(3))
    assert list(again) == first and list(again) == second
    assert all(type(i) is int for i in first)


def test_random_sampler_follows_manual_seed():
    lm.manual_seed(11)
    a = list(RandomSampler(range(20)))
    lm.manual_seed(11)
    assert list(RandomSampler(range(20))) == a


def test_random_sampler_without_replacement_chains_permutations():
    sampler = RandomSampler(range(4), num_samples=10, generator=lm.Generator(0))
    draws = list(sampler)
    assert len(draws) == len(sampler) == 10
    assert sorted(draws[:4]) == sorted(draws[4:8]) == [0, 1, 2, 3] and len(set(draws[8:])) == 2
    assert len(list(tdata.RandomSampler(range(4), num_samples=10))) == 10


def test_random_sampler_with_replacement_is_uniform():
    n, draws = 5, 20000
    sampler = RandomSampler(range(n), replacement=True, num_samples=draws, generator=lm.Generator(1))
    counts = np.bincount(list(sampler), minlength=n)
    assert len(sampler) == draws and counts.sum() == draws
    # each count is Binomial(20000, 0.2): standard deviation ~57; 5 sigma
    assert np.all(np.abs(counts - draws / n) < 5 * np.sqrt(draws * 0.2 * 0.8))
    assert len(list(RandomSampler(range(3), replacement=True, num_samples=2))) == 2


@pytest.mark.parametrize("kwargs, error, message", [
    ({"replacement": 1}, TypeError, "replacement should be a boolean value, but got replacement=1"),
    ({"num_samples": 0}, ValueError, "num_samples should be a positive integer value, but got num_samples=0"),
    ({"num_samples": 2.0}, ValueError, "num_samples should be a positive integer value"),
])
def test_random_sampler_argument_errors_match_torch(kwargs, error, message):
    for cls in (RandomSampler, tdata.RandomSampler):
        with pytest.raises(error, match=message):
            cls(range(3), **kwargs)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler(range(0))


# ---- SubsetRandomSampler ------------------------------------------------------------------------------
def test_subset_random_sampler_permutes_the_given_indices():
    indices = [10, 4, 7, 33, 2]
    sampler = SubsetRandomSampler(indices, generator=lm.Generator(0))
    epochs = [list(sampler) for _ in range(20)]
    assert all(sorted(e) == sorted(indices) for e in epochs) and len(sampler) == 5
    assert len({tuple(e) for e in epochs}) > 10  # the order changes
    assert [list(SubsetRandomSampler(indices, lm.Generator(0))) for _ in range(2)] == [epochs[0]] * 2
    first = np.array([e[0] for e in [list(SubsetRandomSampler(indices, lm.Generator(s))) for s in range(500)]])
    assert all(abs(np.mean(first == i) - 0.2) < 0.08 for i in indices)  # each index leads about 1 time in 5


# ---- WeightedRandomSampler ----------------------------------------------------------------------------
def test_weighted_sampler_draws_in_proportion_to_the_weights():
    weights = [0.1, 0.0, 0.4, 0.5]
    draws = 20000
    counts = np.bincount(list(WeightedRandomSampler(weights, draws, generator=lm.Generator(2))), minlength=4)
    assert counts[1] == 0
    p = np.array(weights) / sum(weights)
    assert np.all(np.abs(counts / draws - p) < 5 * np.sqrt(p * (1 - p) / draws) + 1e-12)
    ours = WeightedRandomSampler(lm.tensor(weights), 7, generator=lm.Generator(2))
    assert len(ours) == 7 and list(ours) == list(WeightedRandomSampler(weights, 7, generator=lm.Generator(2)))


def test_weighted_sampler_without_replacement_draws_each_index_once():
    weights = [5.0, 1.0, 0.0, 3.0, 2.0]
    draws = [list(WeightedRandomSampler(weights, 4, replacement=False, generator=lm.Generator(s)))
             for s in range(300)]
    assert all(sorted(d) == [0, 1, 3, 4] for d in draws)
    first = np.bincount([d[0] for d in draws], minlength=5) / 300
    assert first[0] > first[3] > first[4] > first[1] and abs(first[0] - 5 / 11) < 0.1
    torch_draw = list(tdata.WeightedRandomSampler(weights, 4, replacement=False))
    assert sorted(torch_draw) == [0, 1, 3, 4]
    # more draws than non-zero weights: the zero-weight indices come last, as in torch
    assert list(WeightedRandomSampler(weights, 5, replacement=False, generator=lm.Generator(0)))[-1] == 2
    assert list(tdata.WeightedRandomSampler(weights, 5, replacement=False))[-1] == 2


def test_weighted_sampler_is_reproducible_with_manual_seed():
    lm.manual_seed(5)
    a = list(WeightedRandomSampler([1, 2, 3], 30))
    lm.manual_seed(5)
    assert list(WeightedRandomSampler([1, 2, 3], 30)) == a and all(type(i) is int for i in a)


@pytest.mark.parametrize("args, kwargs, message", [
    (([1.0, 2.0], 0), {}, "num_samples should be a positive integer value, but got num_samples=0"),
    (([1.0, 2.0], True), {}, "num_samples should be a positive integer value, but got num_samples=True"),
    (([1.0, 2.0], 2), {"replacement": 0}, "replacement should be a boolean value, but got replacement=0"),
    (([[1.0, 2.0]], 2), {}, r"weights should be a 1d sequence but given weights have shape \(1, 2\)"),
])
def test_weighted_sampler_argument_errors_match_torch(args, kwargs, message):
    for cls in (WeightedRandomSampler, tdata.WeightedRandomSampler):
        with pytest.raises(ValueError, match=message):
            cls(*args, **kwargs)


@pytest.mark.parametrize("weights, num_samples, replacement, message", [
    ([1.0, -1.0], 2, True, "entry < 0"), ([0.0, 0.0], 2, True, "sum of probabilities <= 0"),
    ([1.0, float("inf")], 2, True, "infinity or NaN"),
    ([1.0, 0.0, 2.0], 4, False, "cannot sample n_sample > prob_dist.size"),
])
def test_bad_weights_fail_when_drawing_with_runtime_error_like_torch(weights, num_samples, replacement, message):
    for cls in (WeightedRandomSampler, tdata.WeightedRandomSampler):
        sampler = cls(weights, num_samples, replacement)  # accepted here; the draw refuses
        with pytest.raises(RuntimeError, match=message):
            list(sampler)


# ---- BatchSampler errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size, drop_last, message", [
    (0, False, "batch_size should be a positive integer value, but got batch_size=0"),
    (True, False, "batch_size should be a positive integer value, but got batch_size=True"),
    (2.0, False, "batch_size should be a positive integer value"),
    (2, 1, "drop_last should be a boolean value, but got drop_last=1"),
])
def test_batch_sampler_argument_errors_match_torch(batch_size, drop_last, message):
    for cls in (BatchSampler, tdata.BatchSampler):
        with pytest.raises(ValueError, match=message):
            cls(range(5), batch_size, drop_last)


def test_samplers_are_exported_like_torch():
    for name in ("Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
                 "BatchSampler"):
        assert hasattr(lm.data, name) and hasattr(torch.utils.data, name)
