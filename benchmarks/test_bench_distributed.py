"""Distributed benchmarks on MPI processes (benchmarks/distributed_worker.py does the timing on every rank).

    pytest benchmarks/test_bench_distributed.py --benchmark-columns=median,rounds -s

- all_reduce bus bandwidth, 4 KB to 256 MB of float32, axonml.distributed.all_reduce against the MPI
  library's own MPI_Allreduce through mpi4py on NumPy buffers, in the same processes, alternating
  blocks; ``ratio`` = axonml time / mpi4py time (axonml's overhead on top of MPI: the agreement
  check, a non-blocking collective polled against the timeout, Python). MPI's own non-blocking
  Iallreduce + Wait is timed too, to tell the cost of the non-blocking algorithms from axonml's.
- the fraction of the gradient all-reduce that DistributedDataParallel hides behind backward:
  1 - (DDP step - the same step under no_sync) / (the buckets' all-reduce alone).
- 1 -> 2 processes scaling efficiency of LeNet training steps with 64 samples per rank.

The timed unit of each pytest-benchmark case is the whole MPI job; the figures are in extra_info
and printed. Every process runs with OMP_NUM_THREADS=1, so 2 ranks use 2 cores.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

WORKER = os.path.join(os.path.dirname(__file__), "distributed_worker.py")


def _mpiexec() -> str:
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = beside if os.path.exists(beside) else shutil.which("mpiexec")
    if found is None:
        pytest.skip("mpiexec not found: install the distributed extra")
    return found


def _job(mode: str, n: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, WORKER, mode], capture_output=True, text=True,
                            timeout=600, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _record(benchmark, mode: str, n: int) -> dict:
    box = {}
    benchmark.pedantic(lambda: box.update(_job(mode, n)), rounds=1, iterations=1)
    return box


def test_allreduce_bus_bandwidth_vs_mpi4py(benchmark):
    result = _record(benchmark, "bandwidth", 2)
    print()
    for row in result["sizes"]:
        print(f"all_reduce {row['bytes'] / 1024:>9.0f} KB: axonml {row['axonml_s'] * 1e6:9.1f} us "
              f"{row['axonml_busbw_GBps']:6.2f} GB/s | mpi4py {row['mpi4py_s'] * 1e6:9.1f} us "
              f"{row['mpi4py_busbw_GBps']:6.2f} GB/s | ratio {row['ratio']:.2f} | mpi4py Iallreduce+Wait "
              f"{row['mpi4py_iallreduce_s'] * 1e6:9.1f} us")
        benchmark.extra_info[f"{row['bytes']}B"] = row
    assert len(result["sizes"]) == 5


def test_ddp_hides_communication_behind_backward(benchmark):
    result = _record(benchmark, "overlap", 2)
    benchmark.extra_info.update(result)
    print(f"\nDDP step {result['ddp_step_s'] * 1e3:.1f} ms, without communication {result['no_comm_step_s'] * 1e3:.1f} "
          f"ms, the all-reduce alone {result['allreduce_alone_s'] * 1e3:.1f} ms over {result['buckets']} buckets: "
          f"{100 * result['hidden_fraction']:.0f}% hidden")
    assert 0.0 <= result["hidden_fraction"] <= 1.0


def test_scaling_from_one_to_two_processes(benchmark):
    one = _job("scaling", 1)
    two = _record(benchmark, "scaling", 2)
    efficiency = two["samples_per_s"] / (2 * one["samples_per_s"])
    benchmark.extra_info.update({"one_process_samples_per_s": one["samples_per_s"],
                                 "two_processes_samples_per_s": two["samples_per_s"], "efficiency": efficiency})
    print(f"\nLeNet, 64 samples per rank: 1 process {one['samples_per_s']:.0f} samples/s, 2 processes "
          f"{two['samples_per_s']:.0f} samples/s: scaling efficiency {100 * efficiency:.0f}%")
    assert efficiency > 0
