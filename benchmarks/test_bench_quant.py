"""GGML block kernels (axonml.quant) against float32 products and the gguf package.

    pytest benchmarks/test_bench_quant.py --benchmark-columns=median,iqr,rounds -s

- matvec: an 8192 x 8192 matrix-vector product with the weight in Q4_0 / Q8_0 (QuantizedLinear on
  the blocks) against the float32 product in PyTorch and in NumPy. The issue's targets are ratios
  of at most 1/4 (Q4_0) and 1/2.5 (Q8_0). Each case also records the GB/s of weight bytes read, next
  to this machine's copy bandwidth (a NumPy copy of the float32 matrix: bytes read + written / time).
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


def _quantized(weight, qtype):
    layer = axonml.nn.Linear(K, N, bias=False)
    layer.weight.data = axonml.from_numpy(weight)
    return QuantizedLinear.from_float(layer, qtype)


REFERENCES = {
    "torch": lambda w, x: (lambda: torch.mv(w["torch"], x["torch"])),
    "numpy": lambda w, x: (lambda: w["numpy"] @ x["numpy"]),
}


@pytest.mark.parametrize("reference", list(REFERENCES))
@pytest.mark.parametrize("qtype", ["Q4_0", "Q8_0"])
def test_matvec_8192(compare, benchmark, matrix, copy_bandwidth, qtype, reference):
    weight, vector = matrix
    layer = _quantized(weight, qtype)
    x = axonml.from_numpy(vector.reshape(1, K))
    refs = {"torch": torch.from_numpy(weight), "numpy": weight}, {"torch": torch.from_numpy(vector), "numpy": vector}
    with axonml.no_grad():
        ratio = compare(lambda: layer(x), REFERENCES[reference](*refs), rounds=15, name=reference, warmup=3)
    ours = benchmark.stats.stats.median
    weight_bytes = layer.weight_blocks.nbytes
    benchmark.extra_info.update({
        "ratio": ratio, "speedup": 1 / ratio, "weight_bytes": weight_bytes,
        "weight_GBps": weight_bytes / ours / 1e9, "float32_weight_GBps": weight.nbytes * ratio / ours / 1e9,
        "copy_GBps": copy_bandwidth})
    print(f"{qtype} vs {reference}: {1 / ratio:.2f}x faster; reads {weight_bytes / ours / 1e9:.1f} GB/s of blocks "
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
