"""The products on GGML blocks (the quant_matmul / quant_dequantize primitives, _quant.pyx and quant.cl)."""
import numpy as np
import pytest

import axonml
from axonml.backends import get_backend
from axonml.quant import dequantize, quantize

KERNEL_TYPES = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16", "Q4_K", "Q6_K")


def _weights(rng, name, n, k):
    """(blocks, decoded float64 matrix) of an n x k matrix in format name."""
    if name in ("Q4_K", "Q6_K"):
        from .test_formats import _random_k_blocks
        blocks = _random_k_blocks(rng, name, n, k // 256)
    else:
        blocks = quantize(rng.standard_normal((n, k)).astype(np.float32), name)
    return blocks, dequantize(blocks, name).astype(np.float64)


def _backend(device):
    return get_backend(axonml.device(device))


@pytest.mark.parametrize("name", KERNEL_TYPES)
def test_matmul_on_blocks_matches_the_decoded_product(device, rng, name):
    backend = _backend(device)
    k = 512
    blocks, weight = _weights(rng, name, 37, k)
    # 1 row: the fused dot; 5: decoded rows and float dots; 40: decoded panels and sgemm (CPU)
    for m in (1, 5, 40):
        x = rng.standard_normal((m, k)).astype(np.float32)
        out = backend.to_numpy(backend.quant_matmul(backend.asarray(x), backend.asarray(blocks), name_id(name)))
        reference = x.astype(np.float64) @ weight.T
        assert out.shape == (m, 37) and out.dtype == np.float32
        scale = np.abs(x).astype(np.float64) @ np.abs(weight).T
        assert np.all(np.abs(out - reference) <= 1e-5 * scale + 1e-6), (name, m)


def name_id(name):
    from axonml.quant import qtype_of
    return int(qtype_of(name))


@pytest.mark.parametrize("name", KERNEL_TYPES)
def test_device_decoding_is_bit_identical_to_the_cpu(device, rng, name):
    backend = _backend(device)
    blocks, _ = _weights(rng, name, 9, 256)
    decoded = backend.to_numpy(backend.quant_dequantize(backend.asarray(blocks), name_id(name), 256))
    assert np.array_equal(decoded.view(np.uint32), dequantize(blocks, name).view(np.uint32))


def test_matmul_many_rows_and_panels(rng):
    # more weight rows than one decoded panel holds (1 << 20 floats / k), and more rows than threads
    backend = _backend("cpu")
    k, n = 4096, 300
    blocks, weight = _weights(rng, "Q4_0", n, k)
    x = rng.standard_normal((17, k)).astype(np.float32)
    out = backend.quant_matmul(x, blocks, name_id("Q4_0"))
    np.testing.assert_allclose(out, x.astype(np.float64) @ weight.T, rtol=1e-4, atol=1e-3)


def test_empty_products(device):
    backend = _backend(device)
    blocks = quantize(np.ones((3, 64), np.float32), "Q8_0")
    out = backend.to_numpy(backend.quant_matmul(backend.asarray(np.zeros((0, 64), np.float32)),
                                                backend.asarray(blocks), 8))
    assert out.shape == (0, 3)


def test_unknown_type_on_opencl_is_a_clear_error(device):
    if device != "opencl":
        pytest.skip("the OpenCL host code's check")
    backend = _backend(device)
    with pytest.raises(NotImplementedError, match="GGML type 10 on device opencl"):
        backend.quant_dequantize(backend.asarray(np.zeros((1, 84), np.uint8)), 10, 256)


@pytest.mark.parametrize("name", ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"))
def test_matvec_threaded_rows_and_partial_blocks(rng, name):
    # the matrix-vector kernels (AVX-512 table lookups where the CPU has them): rows shared out dynamically
    # among the threads, and rows whose last block is partial (84 = 2 blocks + 20 values)
    from axonml.quant.formats import quantize_padded
    backend = _backend("cpu")
    for n, k in ((2053, 256), (301, 84)):
        weight = rng.standard_normal((n, k)).astype(np.float32)
        blocks = quantize_padded(weight, name)
        decoded = dequantize(blocks, name)[:, :k].astype(np.float64)
        x = rng.standard_normal((1, k)).astype(np.float32)
        out = backend.quant_matmul(x, blocks, name_id(name))
        scale = np.abs(x).astype(np.float64) @ np.abs(decoded).T
        assert np.all(np.abs(out - x.astype(np.float64) @ decoded.T) <= 1e-5 * scale + 1e-6), (name, n, k)


@pytest.mark.parametrize("mask", [1, 0])
def test_matvec_fallback_kernels(rng, mask):
    # the AVX2 kernels (mask 1) and the generic decoders (mask 0) that CPUs without AVX-512 run
    from axonml._ext import _quant
    backend = _backend("cpu")
    _quant.limit_kernels(mask)
    try:
        for name in ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"):
            blocks, weight = _weights(rng, name, 67, 352)
            x = rng.standard_normal((1, 352)).astype(np.float32)
            out = backend.quant_matmul(x, blocks, name_id(name))
            scale = np.abs(x).astype(np.float64) @ np.abs(weight).T
            assert np.all(np.abs(out - x.astype(np.float64) @ weight.T) <= 1e-5 * scale + 1e-6), (name, mask)
    finally:
        _quant.limit_kernels(-1)
