"""OpenCL gemm throughput: GFLOPS of the tiled gemm kernel on the OpenCL device next to NumPy's on the CPU.

    pytest benchmarks/test_bench_opencl.py -s [-m "not slow"]

On PoCL (OpenCL on the host CPU) the figure is informative: the same cores run both. Each case
records axonml_gflops, numpy_gflops and their ratio in the benchmark's extra_info.
"""
import statistics
import time

import numpy as np
import pytest

import axonml
from axonml import opencl

pytestmark = pytest.mark.skipif(not opencl.is_available(), reason="no OpenCL platform")


def _median_seconds(fn, rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _gemm_gflops(benchmark, n: int, rounds: int) -> None:
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((n, n)).astype(np.float32)
    b_np = rng.standard_normal((n, n)).astype(np.float32)
    a, b = axonml.from_numpy(a_np).to("opencl"), axonml.from_numpy(b_np).to("opencl")
    np.testing.assert_allclose((a @ b).cpu().numpy()[:4, :4], (a_np @ b_np)[:4, :4], rtol=1e-3, atol=1e-2)

    def device_matmul():
        a @ b
        opencl.synchronize()

    numpy_seconds = _median_seconds(lambda: a_np @ b_np, rounds)
    benchmark.pedantic(device_matmul, rounds=rounds, warmup_rounds=1, iterations=1)
    flops = 2 * n ** 3
    ours = flops / benchmark.stats.stats.median / 1e9
    reference = flops / numpy_seconds / 1e9
    benchmark.extra_info.update({"device": opencl.get_device_name(), "axonml_gflops": ours,
                                 "numpy_gflops": reference, "ratio_vs_numpy": ours / reference})
    print(f"\ngemm {n}: {opencl.get_device_name()} {ours:.1f} GFLOPS, NumPy (CPU) {reference:.1f} GFLOPS, "
          f"ratio {ours / reference:.2f}")


def test_gemm_1024_gflops(benchmark):
    _gemm_gflops(benchmark, 1024, rounds=5)


@pytest.mark.slow
def test_gemm_4096_gflops(benchmark):
    _gemm_gflops(benchmark, 4096, rounds=2)
