"""GGML block formats on an OpenCL device (quant.cl): decoding, and products computed on the blocks."""
from __future__ import annotations

import numpy as np

__all__ = ["quant_matmul", "quant_dequantize"]

# GGML type ids quant.cl decodes
_KERNEL_TYPES = frozenset((1, 2, 3, 6, 7, 8, 12, 14, 30))


def _defines(backend, qtype: int, op: str) -> tuple:
    if qtype not in _KERNEL_TYPES:
        raise NotImplementedError(f"'{op}' has no kernel for GGML type {qtype} on device {backend.device}")
    return (("QTYPE", int(qtype)), ("GROUP", _group(backend)))


def _group(backend) -> int:
    group = 1
    while group * 2 <= min(backend.group, 256):
        group *= 2
    return group


def _operands(backend, blocks, x=None):
    blocks = backend.ascontiguousarray(backend._device_array(blocks))
    if blocks.dtype != np.uint8 or blocks.ndim != 2:
        raise TypeError(f"quantized blocks must be a 2-d uint8 array, got {blocks.dtype} of shape {blocks.shape}")
    if x is None:
        return blocks
    x = backend._device_array(x)
    if x.dtype != np.float32:
        raise TypeError(f"quantized matmul takes float32 activations, got {x.dtype}")
    return blocks, backend.ascontiguousarray(x)


def quant_dequantize(backend, blocks, qtype: int, k: int):
    """(rows, k) float32 values of blocks (rows, row bytes) of GGML type qtype."""
    blocks = _operands(backend, blocks)
    rows = blocks.shape[0]
    out = backend.new((rows, k), np.float32)
    if rows * k:
        kernel = backend.kernel("quant", "quant_dequantize", _defines(backend, qtype, "quant_dequantize"))
        backend.launch(kernel, rows * k, blocks.buffer, np.int64(blocks.offset), np.int64(blocks.shape[1]),
                       np.int64(rows), np.int64(k), out.buffer)
    return out


def quant_matmul(backend, x, blocks, qtype: int):
    """x (m, k) float32 @ W^T, W the (n, k) matrix whose rows are blocks (n, row bytes): (m, n) float32."""
    blocks, x = _operands(backend, blocks, x)
    m, k = x.shape
    n = blocks.shape[0]
    out = backend.new((m, n), np.float32)
    if not out.size:
        return out
    if k == 0:
        return backend._fill(out, 0.0)
    group = _group(backend)
    kernel = backend.kernel("quant", "quant_matmul", _defines(backend, qtype, "quant_matmul"))
    backend.run(kernel, (n * group, m), (group, 1), blocks.buffer, np.int64(blocks.offset),
                np.int64(blocks.shape[1]), np.int64(n), np.int64(k), x.buffer, np.int64(x.offset), np.int64(m),
                out.buffer)
    return out
