"""Benchmark fixtures: equal thread counts for axonml and PyTorch, and the ratio report.

Both frameworks use the machine's cores: axonml's OpenMP thread count (which its gemm uses
too) is read, and PyTorch is given the same number with torch.set_num_threads.

Each framework brings its own OpenMP runtime into this process. With libgomp's default spin
(hundreds of thousands of iterations) a runtime's idle threads keep spinning after every
parallel region and take the cores from the other framework's next call, so the benchmarks
would time the collision; waiting passively instead slows both by a thread wake-up per region.
Unless set otherwise, both runtimes spin briefly here (set before either loads).
"""
import os
import statistics
import time

os.environ.setdefault("GOMP_SPINCOUNT", "20000")

import pytest  # noqa: E402
import torch  # noqa: E402

from axonml._ext import _linalg  # noqa: E402


@pytest.fixture(scope="session")
def threads() -> int:
    count = _linalg.get_num_threads()
    torch.set_num_threads(count)
    return count


@pytest.fixture
def compare(benchmark, threads):
    """Time axonml with pytest-benchmark and the reference in the same process; record and print the ratio.

    compare(axonml_fn, reference_fn, rounds, name) -> axonml median / reference median. The two run
    in `blocks` alternating blocks of rounds (the reference inside pytest-benchmark's untimed setup),
    so a change in the machine's load reaches both. blocks=1 times the whole reference first and
    lets axonml's warmup rounds outlast the reference's spinning idle threads (OpenBLAS keeps
    its threads busy-waiting for a while after each call).
    """

    def run(axonml_fn, reference_fn, rounds: int, name: str, warmup: int = 2, blocks: int = 5) -> float:
        calls = warmup + rounds
        starts = {k * calls // blocks: k for k in range(blocks)}  # the pedantic call each block precedes
        counter = [0]
        reference_times = []

        def reference_block():
            block = starts.get(counter[0])
            counter[0] += 1
            if block is None:
                return
            for _ in range(rounds * (block + 1) // blocks - rounds * block // blocks):
                start = time.perf_counter()
                reference_fn()
                reference_times.append(time.perf_counter() - start)

        for _ in range(warmup):
            reference_fn()
        benchmark.pedantic(axonml_fn, setup=reference_block, rounds=rounds, warmup_rounds=warmup, iterations=1)
        reference = statistics.median(reference_times)
        ours = benchmark.stats.stats.median
        ratio = ours / reference
        benchmark.extra_info.update({"threads": threads, "axonml_median_s": ours, f"{name}_median_s": reference,
                                     f"ratio_vs_{name}": ratio})
        print(f"\n{benchmark.name}: axonml {ours * 1e3:.3f} ms, {name} {reference * 1e3:.3f} ms, "
              f"ratio {ratio:.2f} ({threads} threads each)")
        return ratio

    return run
