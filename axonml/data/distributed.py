"""DistributedSampler: each rank's share of a dataset (torch.utils.data.distributed.DistributedSampler).

Importable as ``axonml.utils.data.distributed`` (PyTorch's path) and ``axonml.data.distributed``.
"""
from __future__ import annotations

import math
import sys
from typing import Iterator, Sized

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]

# axonml.utils.data is this package under PyTorch's name; its submodule must be this same module
sys.modules.setdefault("axonml.utils.data.distributed", sys.modules[__name__])


def _torch_randperm(n: int, seed: int) -> list[int]:
    """The permutation ``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` gives on the CPU.

    torch seeds an MT19937 with the low 32 bits of the seed (the reference init_genrand, as
    NumPy's legacy seeding) and runs a Fisher-Yates shuffle that swaps element i with element
    i + (draw % (n - i)), one 32-bit draw per step.
    """
    bits = np.random.MT19937(0)
    bits._legacy_seeding(seed & 0xFFFF_FFFF)
    draws = bits.random_raw(max(n - 1, 0)).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)
    order = list(range(n))
    for i, step in enumerate(draws.tolist()):
        j = i + step
        order[i], order[j] = order[j], order[i]
    return order


class DistributedSampler(Sampler):
    """The indices one rank visits: the dataset (shuffled per epoch when ``shuffle``) split into
    ``num_replicas`` interleaved parts of equal length, exactly as torch's sampler splits it.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: the number of ranks (default: the world size of the default process group).
        rank: this rank (default: the rank in the default process group).
        shuffle: shuffle the indices, with the same permutation on every rank.
        seed: the seed of the shuffle; the epoch is added to it (call :meth:`set_epoch` every epoch).
        drop_last: drop the tail so the data divides evenly, instead of padding it by repeating
            indices from the start.

    Example::

        >>> sampler = DistributedSampler(train_set)
        >>> loader = DataLoader(train_set, batch_size=32, sampler=sampler)
        >>> for epoch in range(epochs):
        ...     sampler.set_epoch(epoch)
        ...     for images, labels in loader: ...
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            from .. import distributed as dist
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        indices = _torch_randperm(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration's shuffle that of epoch (the same on every rank)."""
        self.epoch = epoch
