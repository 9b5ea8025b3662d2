"""Benchmark fixtures: equal thread counts for axonml and PyTorch, and the ratio report.

Both frameworks use the machine's cores: axonml's OpenMP thread count (which its gemm uses
too) is read, and PyTorch is given the same number with torch.set_num_threads.
"""
import statistics
import time

import pytest
import torch

from axonml._ext import _linalg


@pytest.fixture(scope="session")
def threads() -> int:
    count = _linalg.get_num_threads()
    torch.set_num_threads(count)
    return count


def median_seconds(fn, rounds: int, warmup: int = 2) -> float:
    """Median wall time of fn over rounds calls, after warmup calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@pytest.fixture
def compare(benchmark, threads):
    """Time axonml with pytest-benchmark and the reference in the same process; record and print the ratio.

    compare(axonml_fn, reference_fn, rounds, name) -> axonml median / reference median.
    """

    def run(axonml_fn, reference_fn, rounds: int, name: str, warmup: int = 2) -> float:
        reference = median_seconds(reference_fn, rounds, warmup)
        benchmark.pedantic(axonml_fn, rounds=rounds, warmup_rounds=warmup, iterations=1)
        ours = benchmark.stats.stats.median
        ratio = ours / reference
        benchmark.extra_info.update({"threads": threads, "axonml_median_s": ours, f"{name}_median_s": reference,
                                     f"ratio_vs_{name}": ratio})
        print(f"\n{benchmark.name}: axonml {ours * 1e3:.3f} ms, {name} {reference * 1e3:.3f} ms, "
              f"ratio {ratio:.2f} ({threads} threads each)")
        return ratio

    return run
