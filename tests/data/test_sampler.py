"""Samplers (axonml/data/sampler.py)."""
import collections

import numpy as np
import pytest

import axonml
from axonml.data import (BatchSampler, RandomSampler, SequentialSampler, SubsetRandomSampler,
                         WeightedRandomSampler)


def test_sequential():
    assert list(SequentialSampler(range(5))) == [0, 1, 2, 3, 4]


def test_random_sampler_is_a_seeded_permutation():
    g = axonml.Generator().manual_seed(7)
    order = list(RandomSampler(range(50), generator=g))
    assert sorted(order) == list(range(50)) and order != list(range(50))
    assert list(RandomSampler(range(50), generator=axonml.Generator().manual_seed(7))) == order


def test_random_sampler_follows_manual_seed():
    axonml.manual_seed(3)
    first = list(RandomSampler(range(20)))
    axonml.manual_seed(3)
    assert list(RandomSampler(range(20))) == first


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(4), num_samples=10)
    drawn = list(s)
    assert len(s) == 10 and len(drawn) == 10
    counts = collections.Counter(drawn)
    assert all(counts[i] >= 2 for i in range(4))     # two whole permutations, then two more
    with_repl = list(RandomSampler(range(3), replacement=True, num_samples=300))
    assert set(with_repl) == {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)


def test_subset_random_sampler():
    got = list(SubsetRandomSampler([10, 20, 30, 40], generator=axonml.Generator().manual_seed(0)))
    assert sorted(got) == [10, 20, 30, 40]


def test_weighted_random_sampler_frequencies():
    s = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=axonml.Generator().manual_seed(1))
    counts = collections.Counter(s)
    assert counts[0] == 0
    assert abs(counts[2] / 4000 - 0.75) < 0.03
    without = list(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(without) == [0, 1, 2, 3]
    with pytest.raises(RuntimeError):
        WeightedRandomSampler([1, 0], 2, replacement=False)
    with pytest.raises(RuntimeError):
        WeightedRandomSampler([-1, 2], 2)


def test_batch_sampler_like_torch():
    assert list(BatchSampler(SequentialSampler(range(10)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(SequentialSampler(range(10)), 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(BatchSampler(range(10), 3, False)) == 4 and len(BatchSampler(range(10), 3, True)) == 3
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)


def test_random_sampler_matches_numpy_stream():
    # The order is the generator's permutation: the same stream the backend's randperm uses.
    g = axonml.Generator().manual_seed(11)
    expected = np.random.Generator(np.random.PCG64(11)).permutation(9).tolist()
    assert list(RandomSampler(range(9), generator=g)) == expected
