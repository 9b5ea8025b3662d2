"""The MPI side of benchmarks/test_bench_distributed.py: run as ``mpiexec -n N python distributed_worker.py MODE``.

Modes (rank 0 prints one ``RESULT <json>`` line):
  bandwidth  all_reduce of float32 tensors, 4 KB to 256 MB, against mpi4py's Allreduce on NumPy buffers
  overlap    DDP forward+backward against the same without communication and the buckets' all-reduce alone
  scaling    LeNet training steps of 64 samples per rank (samples per second of the whole job)
"""
import json
import statistics
import sys
import time

import numpy as np
from mpi4py import MPI

import axonml
import axonml.distributed as dist
from axonml import nn, optim
from axonml.nn import functional as F
from axonml.nn.parallel import DistributedDataParallel

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
comm = MPI.COMM_WORLD


def timed(fn, rounds: int) -> list[float]:
    """Per-round seconds, the ranks aligned by a barrier before each round; the slowest rank's time."""
    times = []
    for _ in range(rounds):
        comm.Barrier()
        start = time.perf_counter()
        fn()
        times.append(comm.allreduce(time.perf_counter() - start, op=MPI.MAX))
    return times


def bandwidth() -> dict:
    results = []
    for size in (4 << 10, 64 << 10, 1 << 20, 16 << 20, 256 << 20):
        count = size // 4
        tensor = axonml.ones(count)
        buffer = np.ones(count, np.float32)
        rounds = 30 if size <= (1 << 20) else (10 if size <= (16 << 20) else 5)
        ours, raw, nonblocking = [], [], []
        for _ in range(3):  # alternate blocks, so that a change of load reaches all three
            ours += timed(lambda: dist.all_reduce(tensor), rounds)
            raw += timed(lambda: comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM), rounds)
            nonblocking += timed(lambda: comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM).Wait(), rounds)
        ours_s, raw_s = statistics.median(ours), statistics.median(raw)
        bus = 2 * (world - 1) / world  # bytes each rank moves per byte reduced (ring all-reduce)
        results.append({"bytes": size, "axonml_s": ours_s, "mpi4py_s": raw_s, "ratio": ours_s / raw_s,
                        "mpi4py_iallreduce_s": statistics.median(nonblocking),
                        "axonml_busbw_GBps": size * bus / ours_s / 1e9, "mpi4py_busbw_GBps": size * bus / raw_s / 1e9})
    return {"world": world, "sizes": results}


class Wide(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(1024, 1024) for _ in range(6)])

    def forward(self, x):
        for layer in self.layers:
            x = F.relu(layer(x))
        return x


def overlap() -> dict:
    axonml.manual_seed(0)
    model = Wide()
    ddp = DistributedDataParallel(model, bucket_cap_mb=4)
    x = axonml.randn(64, 1024)

    def step():
        ddp(x).sum().backward()

    def local_step():
        with ddp.no_sync():
            ddp(x).sum().backward()

    buffers = [b.buffer.copy() for b in ddp._buckets]
    group = ddp.process_group._comm

    def communicate():  # the same all-reduces, back to back, nothing to hide behind
        MPI.Request.Waitall([group.Iallreduce(MPI.IN_PLACE, b, op=MPI.SUM) for b in buffers])

    for fn in (step, local_step, communicate):
        fn()
    with_comm, compute, comm_alone = [], [], []
    for _ in range(3):
        with_comm += timed(step, 5)
        compute += timed(local_step, 5)
        comm_alone += timed(communicate, 5)
    t_ddp, t_compute, t_comm = (statistics.median(v) for v in (with_comm, compute, comm_alone))
    exposed = max(0.0, t_ddp - t_compute)
    return {"world": world, "buckets": len(ddp._buckets), "parameters_MB": sum(p.numel() for p in model.parameters())
            * 4 / 2 ** 20, "ddp_step_s": t_ddp, "no_comm_step_s": t_compute, "allreduce_alone_s": t_comm,
            "hidden_fraction": max(0.0, min(1.0, 1 - exposed / t_comm))}


def scaling() -> dict:
    from axonml.vision.models import LeNet
    axonml.manual_seed(0)
    model = DistributedDataParallel(LeNet())
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    x = axonml.from_numpy(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = axonml.from_numpy(rng.integers(0, 10, 64).astype(np.int64))

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    step()
    times = timed(step, 5) + timed(step, 5) + timed(step, 5)
    seconds = statistics.median(times)
    return {"world": world, "step_s": seconds, "samples_per_s": 64 * world / seconds}


result = {"bandwidth": bandwidth, "overlap": overlap, "scaling": scaling}[sys.argv[1]]()
if rank == 0:
    print("RESULT " + json.dumps(result), flush=True)
dist.destroy_process_group()
