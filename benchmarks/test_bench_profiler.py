"""The profiler's own cost: a loop of small ops, profiled against the same loop unprofiled, in one process.

    pytest benchmarks/test_bench_profiler.py --benchmark-columns=median,iqr,rounds -s

``ratio`` is profiled time / unprofiled time (target < 3x); the reference column is axonml without
a profile, and torch.profiler's own ratio on the same loop in torch is printed beside it.
"""
import statistics
import time

import torch

import axonml
from axonml import profiler


def _small_op_loop(a, b, steps=200):
    for _ in range(steps):
        (a * b + a).relu()


def _median_time(fn, rounds=15):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_profiler_overhead_on_small_ops(compare, benchmark):
    """600 ops on (16, 16) tensors, with record_shapes (target profiled <= 3x unprofiled)."""
    a, b = axonml.randn(16, 16), axonml.randn(16, 16)

    def profiled():
        with profiler.profile(record_shapes=True):
            _small_op_loop(a, b)

    ratio = compare(profiled, lambda: _small_op_loop(a, b), rounds=15, name="unprofiled")
    ta, tb = torch.randn(16, 16), torch.randn(16, 16)

    def torch_profiled():
        with torch.profiler.profile(record_shapes=True):
            _small_op_loop(ta, tb)

    torch_ratio = _median_time(torch_profiled) / _median_time(lambda: _small_op_loop(ta, tb))
    benchmark.extra_info.update({"ratio": ratio, "target": 3.0, "torch_profiler_ratio": torch_ratio})
    print(f"profiler overhead {ratio:.2f}x (target < 3), torch.profiler on the same loop {torch_ratio:.2f}x")
