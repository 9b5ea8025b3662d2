"""GGML block kernels (axonml.quant) against float32 products and the gguf package.

    pytest benchmarks/test_bench_quant.py --benchmark-columns=median,iqr,rounds -s

- matvec: an 8192 x 8192 matrix-vector product with the weight in Q4_0 / Q8_0 / Q4_1 (QuantizedLinear on
  the blocks) against the float32 product in PyTorch and in NumPy, on float32 activations ("float") and
  on 8-bit ones ("int8", activation_quant=True, with its relative error against the float path). The
  issue's targets are ratios of at most 1/4 (Q4_0) and 1/2.5 (Q8_0). Each case also records the GB/s of
  weight bytes read, next to this machine's copy bandwidth (a NumPy copy of the float32 matrix: bytes
  read + written / time).
- quantize / dequantize throughput of every format against gguf.quants on 2048 x 4096 values.
"""
import statistics
import time

import numpy as np
import pytest
import torch

import axonml
from axonml.quant import QuantizedLinear, dequantize, quantize

N = K = 8192


@pytest.fixture(scope="module")
def matrix():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((N, K)) * 0.02).astype(np.float32), rng.standard_normal(K).astype(np.float32)


@pytest.fixture(scope="module")
def copy_bandwidth(matrix):
    """GB/s of a NumPy copy of the float32 matrix (bytes read + bytes written), median of 7."""
    weight, _ = matrix
    target = np.empty_like(weight)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        np.copyto(target, weight)
        times.append(time.perf_counter() - start)
    return 2 * weight.nbytes / statistics.median(times) / 1e9


def _quantized(weight, qtype, activation_quant=False):
    layer = axonml.nn.Linear(K, N, bias=False)
    layer.weight.data = axonml.from_numpy(weight)
    return QuantizedLinear.from_float(layer, qtype, activation_quant=activation_quant)


REFERENCES = {
    "torch": lambda w, x: (lambda: torch.mv(w["torch"], x["torch"])),
    "numpy": lambda w, x: (lambda: w["numpy"] @ x["numpy"]),
}


@pytest.mark.parametrize("reference", list(REFERENCES))
@pytest.mark.parametrize("path", ["float", "int8"])
@pytest.mark.parametrize("qtype", ["Q4_0", "Q8_0", "Q4_1"])
def test_matvec_8192(compare, benchmark, matrix, copy_bandwidth, qtype, path, reference):
    weight, vector = matrix
    layer = _quantized(weight, qtype, activation_quant=path == "int8")
    x = axonml.from_numpy(vector.reshape(1, K))
    if path == "int8":
        with axonml.no_grad():
            fast, plain = layer(x).numpy(), _quantized(weight, qtype)(x).numpy()
        benchmark.extra_info["relative_error_vs_float_path"] = float(np.linalg.norm(fast - plain) /
                                                                     np.linalg.norm(plain))
    refs = {"torch": torch.from_numpy(weight), "numpy": weight}, {"torch": torch.from_numpy(vector), "numpy": vector}
    with axonml.no_grad():
        ratio = compare(lambda: layer(x), REFERENCES[reference](*refs), rounds=15, name=reference, warmup=3)
    ours = benchmark.stats.stats.median
    weight_bytes = layer.weight_blocks.nbytes
    benchmark.extra_info.update({
        "ratio": ratio, "speedup": 1 / ratio, "weight_bytes": weight_bytes,
        "weight_GBps": weight_bytes / ours / 1e9, "float32_weight_GBps": weight.nbytes * ratio / ours / 1e9,
        "copy_GBps": copy_bandwidth})
    print(f"{qtype} ({path} activations) vs {reference}: {1 / ratio:.2f}x faster; reads {weight_bytes / ours / 1e9:.1f} GB/s of blocks "
          f"(float32 product: {weight.nbytes * ratio / ours / 1e9:.1f} GB/s; copy bandwidth "
          f"{copy_bandwidth:.1f} GB/s)")


FORMATS = ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16"]


@pytest.fixture(scope="module")
def values():
    return np.random.default_rng(1).standard_normal((2048, 4096)).astype(np.float32)


@pytest.mark.parametrize("qtype", FORMATS)
def test_quantize_throughput(compare, benchmark, values, qtype):
    gguf = pytest.importorskip("gguf")
    kind = gguf.GGMLQuantizationType[qtype]
    ratio = compare(lambda: quantize(values, qtype), lambda: gguf.quants.quantize(values, kind), rounds=5,
                    name="gguf", warmup=1, blocks=1)
    benchmark.extra_info.update({"ratio": ratio, "values_per_s": values.size / benchmark.stats.stats.median})


@pytest.mark.parametrize("qtype", FORMATS + ["Q4_K", "Q6_K"])
def test_dequantize_throughput(compare, benchmark, values, qtype):
    gguf = pytest.importorskip("gguf")
    kind = gguf.GGMLQuantizationType[qtype]
    if qtype in ("Q4_K", "Q6_K"):
        from tests.quant.test_formats import _random_k_blocks
        blocks = _random_k_blocks(np.random.default_rng(2), qtype, values.shape[0], values.shape[1] // 256)
    else:
        blocks = quantize(values, qtype)
    reference_blocks = blocks.view(np.float16) if qtype == "F16" else blocks
    ratio = compare(lambda: dequantize(blocks, qtype), lambda: gguf.quants.dequantize(reference_blocks, kind),
                    rounds=5, name="gguf", warmup=1, blocks=1)
    benchmark.extra_info.update({"ratio": ratio, "values_per_s": values.size / benchmark.stats.stats.median})


def _cpu_seconds(fn, rounds: int) -> float:
    """Median CPU time of the calling thread per call: on a loaded machine, wall time also counts the time
    other processes hold the core; CPU time (memory stalls included) does not."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.thread_time()
        fn()
        times.append(time.thread_time() - start)
    return statistics.median(times)


@pytest.mark.parametrize("qtype", ["Q4_0", "Q8_0", "Q4_1"])
def test_matvec_8192_single_thread_cpu_time(benchmark, matrix, qtype):
    """The matvec on one thread (axonml, torch and NumPy alike), timed in CPU seconds of that thread."""
    from axonml._ext import _linalg
    weight, vector = matrix
    threads, torch_threads = _linalg.get_num_threads(), torch.get_num_threads()
    _linalg.set_num_threads(1)
    torch.set_num_threads(1)
    try:
        x = axonml.from_numpy(vector.reshape(1, K))
        float_layer, int8_layer = _quantized(weight, qtype), _quantized(weight, qtype, activation_quant=True)
        w_torch, x_torch = torch.from_numpy(weight), torch.from_numpy(vector)
        with axonml.no_grad():
            seconds = {"float": _cpu_seconds(lambda: float_layer(x), 15),
                       "int8": _cpu_seconds(lambda: int8_layer(x), 15),
                       "torch": _cpu_seconds(lambda: torch.mv(w_torch, x_torch), 15),
                       "numpy": _cpu_seconds(lambda: weight @ vector, 15)}
            benchmark.pedantic(lambda: int8_layer(x), rounds=3, iterations=1)
    finally:
        _linalg.set_num_threads(threads)
        torch.set_num_threads(torch_threads)
    speedups = {f"{path}_vs_{ref}": seconds[ref] / seconds[path] for path in ("float", "int8")
                for ref in ("torch", "numpy")}
    benchmark.extra_info.update({f"{name}_cpu_s": value for name, value in seconds.items()})
    benchmark.extra_info.update(speedups)
    print(f"\n{qtype}, one thread, CPU seconds: " + ", ".join(f"{n} {v * 1e3:.2f} ms" for n, v in seconds.items())
          + "; " + ", ".join(f"{n} {v:.2f}x" for n, v in speedups.items()))
