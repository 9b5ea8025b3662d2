"""Training on many processes and hosts: torch.distributed's API on MPI (mpi4py).

Launch one process per rank with MPI (``mpiexec -n 4 python train.py``, or ``srun --mpi=pmi2``
under Slurm), call :func:`init_process_group`, then use the collectives here and
:class:`axonml.nn.parallel.DistributedDataParallel`. See docs/distributed.md.
"""
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all_single, broadcast, gather,
                          irecv, isend, recv, reduce, reduce_scatter_tensor, scatter, send)
from .object_collectives import all_gather_object, broadcast_object_list, gather_object
from .process_group import (Backend, DistBackendError, DistError, GroupMember, ProcessGroup, Work, barrier,
                            default_pg_timeout, destroy_process_group, get_backend, get_process_group_ranks, get_rank,
                            get_world_size, group, init_process_group, is_available, is_initialized,
                            is_mpi_available, new_group)
from .reduce_op import ReduceOp

__all__ = ["Backend", "DistBackendError", "DistError", "GroupMember", "ProcessGroup", "ReduceOp", "Work",
           "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all_single", "barrier",
           "broadcast", "broadcast_object_list", "default_pg_timeout", "destroy_process_group", "gather",
           "gather_object", "get_backend", "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_available", "is_initialized", "is_mpi_available", "isend", "new_group",
           "recv", "reduce", "reduce_scatter_tensor", "scatter", "send"]
