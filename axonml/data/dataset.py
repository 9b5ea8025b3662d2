"""Datasets: the map-style and iterable protocols and the usual combinators (torch.utils.data's)."""
from __future__ import annotations

import bisect
import math
import warnings
from typing import Callable, Generic, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from ..random import Generator, default_generator
from ..tensor import Tensor, _make

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset",
           "MapDataset", "InMemoryDataset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: ``dataset[index]`` gives one sample, ``len(dataset)`` how many there are.

    Subclasses override ``__getitem__`` (and ``__len__``, which samplers need). A subclass may
    also define ``__getitems__(indices)`` returning a list of samples; the DataLoader then fetches
    a whole batch in one call.
    """

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream: it defines ``__iter__`` instead of ``__getitem__``.

    With ``num_workers > 0`` every worker iterates its own copy; use
    :func:`axonml.data.get_worker_info` inside ``__iter__`` to give each worker its share.
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: "Dataset") -> "ChainDataset":
        return ChainDataset([self, other])


def _row(tensor: Tensor, index):
    """tensor[index]; a CPU tensor is indexed through its array, which costs far less per sample."""
    data = tensor._data
    if type(data) is np.ndarray:
        row = data[index]
        return _make(row) if isinstance(row, np.ndarray) else _make(np.asarray(row))
    return tensor[index]


class TensorDataset(Dataset):
    """Samples are the rows of tensors sharing their first dimension: ``(t0[i], t1[i], ...)``.

    Args:
        *tensors: tensors with the same size in dimension 0.

    Example::

        >>> ds = TensorDataset(axonml.randn(100, 3), axonml.arange(100))
        >>> x, y = ds[5]
    """

    def __init__(self, *tensors: Tensor):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        if not all(tensors[0].shape[0] == t.shape[0] for t in tensors):
            raise ValueError(f"Size mismatch between tensors: first dimensions are {[t.shape[0] for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(_row(t, index) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """The concatenation of map-style datasets: indices run through each dataset in turn."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    @staticmethod
    def cumsum(sequence) -> list[int]:
        sizes, total = [], 0
        for d in sequence:
            total += len(d)
            sizes.append(total)
        return sizes

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Iterable datasets chained one after another."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class MapDataset(Dataset):
    """``function`` applied to every sample of ``dataset``, lazily at access time.

    Example::

        >>> doubled = MapDataset(TensorDataset(x), lambda sample: sample[0] * 2)
    """

    def __init__(self, dataset: Dataset, function: Callable):
        self.dataset = dataset
        self.function = function

    def __getitem__(self, index):
        return self.function(self.dataset[index])

    def __len__(self) -> int:
        return len(self.dataset)


class InMemoryDataset(Dataset):
    """A dataset held in memory: a list of samples, or parallel arrays/tensors ``data`` and ``targets``.

    Args:
        data: a sequence of samples, or an array/tensor whose rows are the inputs.
        targets (optional): labels, one per row of ``data``; then samples are ``(data[i], targets[i])``.
        transform (callable, optional): applied to each input.
        target_transform (callable, optional): applied to each target.

    Example::

        >>> ds = InMemoryDataset(np.zeros((10, 4), np.float32), np.arange(10))
        >>> x, y = ds[3]
    """

    def __init__(self, data, targets=None, transform: Callable | None = None,
                 target_transform: Callable | None = None):
        if targets is not None and len(data) != len(targets):
            raise ValueError(f"data and targets differ in length: {len(data)} and {len(targets)}")
        self.data = data
        self.targets = targets
        self.transform = transform
        self.target_transform = target_transform

    @staticmethod
    def _take(values, index):
        return _row(values, index) if isinstance(values, Tensor) else values[index]

    def __getitem__(self, index):
        sample = self._take(self.data, index)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.targets is None:
            return sample
        target = self._take(self.targets, index)
        if isinstance(target, np.generic):
            target = target.item()
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.data)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator = default_generator) -> list[Subset]:
    """Split a dataset into non-overlapping random subsets of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: sizes of the splits, or fractions summing to 1 (the remainder after flooring is
            handed out one by one, round-robin, as PyTorch does).
        generator: the random stream that draws the permutation.

    Example::

        >>> train, val = random_split(range(10), [0.8, 0.2], generator=axonml.Generator().manual_seed(42))
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(int(math.floor(len(dataset) * frac)))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.")
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    from ..creation import randperm
    indices = randperm(sum(lengths), generator=generator).tolist()
    splits, offset = [], 0
    for length in lengths:
        splits.append(Subset(dataset, indices[offset:offset + length]))
        offset += length
    return splits
