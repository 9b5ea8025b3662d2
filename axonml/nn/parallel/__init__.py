"""Parallel training wrappers (torch.nn.parallel): DistributedDataParallel over axonml.distributed."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
