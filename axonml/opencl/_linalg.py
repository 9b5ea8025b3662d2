"""gemm on an OpenCL device: transposes and batch broadcasting become strides of one kernel launch."""
from __future__ import annotations

import math

import numpy as np

from ._layout import broadcast_strides, coalesce, layout_arg, shape_arg

__all__ = ["gemm", "einsum", "tile_defines"]

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
    backend.run(kernel, global_size, (threads, threads, 1), out.buffer, np.int64(n), np.int64(m), np.int64(k),
                a.buffer, np.int64(a.estrides[-2]), np.int64(a.estrides[-1]),
                b.buffer, np.int64(b.estrides[-2]), np.int64(b.estrides[-1]),
                shape_arg(merged, batches), layout_arg(a.offset, a_batch), layout_arg(b.offset, b_batch),
                dtype.type(alpha), dtype.type(beta))
    return out


def einsum(backend, equation: str, *arrays):
    """einsum with an explicit output ('ij,jk->ik'): pairwise contractions, each one batched gemm."""
    inputs, _, output = equation.replace(" ", "").partition("->")
    terms = [_diagonal(backend, backend._device_array(a), term) for a, term in zip(arrays, inputs.split(","))]
    while len(terms) > 1:
        (a, a_letters), (b, b_letters) = terms[0], terms[1]
        later = set(output).union(*(letters for _, letters in terms[2:]))
        terms[:2] = [_contract(backend, a, a_letters, b, b_letters, later)]
    array, letters = terms[0]
    array, letters = _sum_out(backend, array, letters, set(output))
    out = backend.transpose(array, tuple(letters.index(c) for c in output))
    return backend.copy(out)


def _diagonal(backend, a, letters: str):
    """(a, letters) with repeated letters collapsed to their diagonal (a view)."""
    unique = "".join(dict.fromkeys(letters))
    if len(unique) == len(letters):
        return a, letters
    shape, strides = [], []
    for c in unique:
        dims = [d for d, x in enumerate(letters) if x == c]
        shape.append(a.shape[dims[0]])
        strides.append(sum(a.estrides[d] for d in dims))
    return backend.as_strided(a, tuple(shape), tuple(strides), 0), unique


def _sum_out(backend, a, letters: str, keep: set):
    axes = tuple(d for d, c in enumerate(letters) if c not in keep)
    if not axes:
        return a, letters
    return backend.sum(a, axes, False), "".join(c for c in letters if c in keep)


def _contract(backend, a, a_letters, b, b_letters, later: set):
    """The product of two terms summed over the letters no later term or the output needs."""
    a, a_letters = _sum_out(backend, a, a_letters, later | set(b_letters))
    b, b_letters = _sum_out(backend, b, b_letters, later | set(a_letters))
    batch = [c for c in a_letters if c in b_letters and c in later]
    summed = [c for c in a_letters if c in b_letters and c not in later]
    a_only = [c for c in a_letters if c not in b_letters]
    b_only = [c for c in b_letters if c not in a_letters]
    size = {c: n for c, n in zip(a_letters + b_letters, a.shape + b.shape)}
    prod = lambda letters: math.prod(size[c] for c in letters)  # noqa: E731
    a = backend.transpose(a, tuple(a_letters.index(c) for c in batch + a_only + summed))
    b = backend.transpose(b, tuple(b_letters.index(c) for c in batch + summed + b_only))
    a = backend.reshape(a, (prod(batch), prod(a_only), prod(summed)))
    b = backend.reshape(b, (prod(batch), prod(summed), prod(b_only)))
    out = backend.gemm(a, b)
    letters = batch + a_only + b_only
    return backend.reshape(out, tuple(size[c] for c in letters)), "".join(letters)
