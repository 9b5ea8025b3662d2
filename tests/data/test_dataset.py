"""Datasets and random_split (axonml/data/dataset.py)."""
import numpy as np
import pytest

import axonml
from axonml.data import (ConcatDataset, Dataset, InMemoryDataset, IterableDataset, MapDataset, Subset, TensorDataset,
                         random_split)


def test_tensor_dataset_rows_and_length():
    x = axonml.from_numpy(np.arange(12, dtype=np.float32).reshape(4, 3))
    y = axonml.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    row, label = ds[2]
    np.testing.assert_array_equal(row.numpy(), [6, 7, 8])
    assert label.item() == 0 and label.dtype == axonml.int64


def test_tensor_dataset_size_mismatch():
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(axonml.zeros(3, 2), axonml.zeros(4))


def test_concat_dataset_indexes_through_parts():
    ds = ConcatDataset([InMemoryDataset(list(range(3))), InMemoryDataset(list(range(10, 15)))])
    assert len(ds) == 8
    assert [ds[i] for i in range(8)] == [0, 1, 2, 10, 11, 12, 13, 14]
    assert ds[-1] == 14
    assert ds.cumulative_sizes == [3, 8]
    with pytest.raises(ValueError):
        ds[-9]


def test_add_concatenates():
    ds = InMemoryDataset([1, 2]) + InMemoryDataset([3])
    assert isinstance(ds, ConcatDataset) and [ds[i] for i in range(3)] == [1, 2, 3]


def test_subset_and_map_dataset():
    base = InMemoryDataset(list(range(10)))
    sub = Subset(base, [9, 3, 5])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [9, 3, 5]
    assert sub.__getitems__([0, 2]) == [9, 5]
    mapped = MapDataset(sub, lambda v: v * 10)
    assert [mapped[i] for i in range(3)] == [90, 30, 50]


def test_in_memory_dataset_pairs_and_transforms():
    data = np.arange(20, dtype=np.float32).reshape(5, 4)
    ds = InMemoryDataset(data, np.array([3, 1, 4, 1, 5]), transform=lambda x: x * 2,
                         target_transform=lambda t: t + 100)
    x, t = ds[2]
    np.testing.assert_array_equal(x, data[2] * 2)
    assert t == 104 and isinstance(t, int)
    with pytest.raises(ValueError, match="differ in length"):
        InMemoryDataset(data, [1, 2])


def test_random_split_lengths_disjoint_and_seeded():
    parts = random_split(range(10), [3, 7], generator=axonml.Generator().manual_seed(42))
    again = random_split(range(10), [3, 7], generator=axonml.Generator().manual_seed(42))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert parts[0].indices == again[0].indices
    other = random_split(range(10), [3, 7], generator=axonml.Generator().manual_seed(43))
    assert other[0].indices != parts[0].indices or other[1].indices != parts[1].indices


def test_random_split_fractions_like_torch():
    # torch: floor each share, then hand the remainder out round-robin -> [4, 3, 3] for 10 * [.3, .3, .4]
    parts = random_split(range(10), [0.3, 0.3, 0.4])
    assert [len(p) for p in parts] == [3, 3, 4]
    parts = random_split(range(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [3, 3])


def test_abstract_datasets_raise():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())
