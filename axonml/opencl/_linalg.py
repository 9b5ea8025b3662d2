"""gemm on an OpenCL device: transposes and batch broadcasting become strides of one kernel launch."""
from __future__ import annotations

import math

import numpy as np

from ._layout import broadcast_strides, coalesce, layout_arg, shape_arg

__all__ = ["gemm", "tile_defines"]

_WORK_PER_THREAD = 4
_TILE_K = 16


def tile_defines(backend, dtype) -> tuple:
    """Tile sizes from the device's limits: 16x16 work-groups where allowed, else 8x8 (or 4x4)."""
    itemsize = np.dtype(dtype).itemsize
    threads = 16
    while threads > 1 and (threads * threads > backend.max_group or
                           2 * _TILE_K * (threads * _WORK_PER_THREAD + 1) * itemsize > backend.local_mem):
        threads //= 2
    return (("T", backend._ctype(dtype)), ("RTS", threads), ("WPT", _WORK_PER_THREAD), ("TSK", _TILE_K))


def gemm(backend, a, b, trans_a, trans_b, alpha, beta, c):
    """alpha * op(a) @ op(b) + beta * c for a (..., n, k), b (..., k, m); a new contiguous array."""
    a, b = backend._device_array(a), backend._device_array(b)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"gemm: operands need at least 2 dims, got shapes {a.shape} and {b.shape}")
    if trans_a:
        a = backend.transpose(a, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))
    if trans_b:
        b = backend.transpose(b, tuple(range(b.ndim - 2)) + (b.ndim - 1, b.ndim - 2))
    n, k = a.shape[-2:]
    if b.shape[-2] != k:
        raise ValueError(f"gemm: shapes {a.shape} and {b.shape} are not aligned")
    m = b.shape[-1]
    dtype = np.result_type(a.dtype, b.dtype)
    if dtype == np.bool_:
        dtype = np.dtype(np.int64)
    a, b = backend.astype(a, dtype), backend.astype(b, dtype)
    batch_shape = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    out = backend.new(batch_shape + (n, m), dtype)
    if c is not None and beta != 0:
        backend.copy_into(out, c)
    else:
        beta = 0.0
    if out.size == 0:
        return out
    if k == 0:
        return backend.mul(out, beta) if beta not in (0.0, 1.0) else (out if beta else backend._fill(out, 0))
    batches = math.prod(batch_shape)
    a_batch = broadcast_strides(a.shape[:-2], a.estrides[:-2], batch_shape)
    b_batch = broadcast_strides(b.shape[:-2], b.estrides[:-2], batch_shape)
    merged, (a_batch, b_batch) = coalesce(batch_shape, a_batch, b_batch)
    defines = tile_defines(backend, dtype) + backend._type_defines(dtype)
    threads = dict(defines)["RTS"]
    tile = threads * _WORK_PER_THREAD
    kernel = backend.kernel("gemm", "gemm", defines)
    global_size = ((m + tile - 1) // tile * threads, (n + tile - 1) // tile * threads, batches)
    kernel(backend.queue, global_size, (threads, threads, 1), out.buffer, np.int64(n), np.int64(m), np.int64(k),
           a.buffer, np.int64(a.estrides[-2]), np.int64(a.estrides[-1]),
           b.buffer, np.int64(b.estrides[-2]), np.int64(b.estrides[-1]),
           shape_arg(merged, batches), layout_arg(a.offset, a_batch), layout_arg(b.offset, b_batch),
           dtype.type(alpha), dtype.type(beta))
    return out
