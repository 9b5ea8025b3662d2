"""`axonml train --distributed`: the pieces that differ when every MPI process is one rank.

Launched as ``mpiexec -n N python -m axonml train --distributed ...``: the model is wrapped in
DistributedDataParallel, ``--batch-size`` is the global batch (each rank takes 1/N of it through
a DistributedSampler), the test split is sharded across the ranks, the metrics are summed over
all of them, and only rank 0 prints and writes checkpoints.
"""
from __future__ import annotations

import math

from .errors import CommandError

__all__ = ["wrap_model", "loader", "average_metrics", "is_main"]


def _dist():
    from .. import distributed
    return distributed


def wrap_model(model, settings: dict):
    """Join the MPI job and return model inside DistributedDataParallel (rank 0's weights everywhere)."""
    dist = _dist()
    if not dist.is_available():
        raise CommandError("--distributed needs MPI: pip install 'axonml[distributed]'")
    if not dist.is_initialized():
        dist.init_process_group("mpi")
    world = dist.get_world_size()
    if settings["batch_size"] % world:
        raise CommandError(f"--batch-size {settings['batch_size']} is the global batch and must divide by the "
                           f"number of processes ({world})")
    if dist.get_rank() != 0:
        settings["progress"] = False
    from ..nn.parallel import DistributedDataParallel
    return DistributedDataParallel(model)


def is_main(settings: dict) -> bool:
    return not settings.get("distributed") or _dist().get_rank() == 0


def loader(dataset, settings: dict, epoch: int, shuffle: bool):
    """This rank's batches: its DistributedSampler share of a training epoch, or its shard of the test split."""
    from ..data import DataLoader, Subset
    from ..data.distributed import DistributedSampler
    dist = _dist()
    world, rank = dist.get_world_size(), dist.get_rank()
    batch_size = settings["batch_size"] // world
    if shuffle:
        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, seed=settings["seed"])
        sampler.set_epoch(epoch)
        return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=settings["workers"])
    return DataLoader(Subset(dataset, range(rank, len(dataset), world)), batch_size=batch_size,
                      num_workers=settings["workers"])


def average_metrics(loss: float, accuracy: float, dataset, shuffle: bool) -> tuple[float, float]:
    """The (loss, accuracy) of all ranks together, from each rank's averages and sample counts."""
    import axonml
    dist = _dist()
    world, rank = dist.get_world_size(), dist.get_rank()
    count = math.ceil(len(dataset) / world) if shuffle else len(range(rank, len(dataset), world))
    totals = axonml.tensor([loss * count, accuracy * count, float(count)], dtype=axonml.float64)
    dist.all_reduce(totals)
    loss_sum, correct, samples = totals.tolist()
    return loss_sum / samples, correct / samples
