"""Fused scaled-dot-product attention on an OpenCL device (opencl/attention.cl).

The forward runs one work-group per query row with an online softmax over blocks of keys, one
key per work-item; the backward recomputes the probabilities from the forward's logsumexp, in
one work-group per query row for dq (and the score gradient a float mask needs) and one per key
row for dk and dv. The argument conventions are the CPU primitive's (backends/base.py).
"""
from __future__ import annotations

import math

import numpy as np

from ._array import dense
from ._nn import _float_defines

__all__ = ["attention_forward", "attention_backward"]

# Each work-item owns output dims lid, lid + local, ... (MAX_DIMS_PER_ITEM in attention.cl).
_DIMS_PER_ITEM = 8


def _local_size(backend, rows: int, dims: int) -> int:
    """A power-of-two work-group size: enough work-items for the scored rows and the output dims."""
    need = max(rows, -(-dims // _DIMS_PER_ITEM), 1)
    local = min(backend.group, 1 << (need - 1).bit_length())
    if local * _DIMS_PER_ITEM < dims:
        raise NotImplementedError(f"scaled_dot_product_attention: head dims up to {backend.group * _DIMS_PER_ITEM} "
                                  f"are supported on device {backend.device}, got {dims}")
    return local


def _common(backend, q, k, v, k_index, v_index, mask, mask_index, dtype):
    """Device copies of the operands as the kernels read them: contiguous from element 0."""
    q, k, v = (dense(backend.astype(backend._device_array(a), dtype)) for a in (q, k, v))
    indices = [backend.asarray(np.ascontiguousarray(index, dtype=np.int64)) for index in (k_index, v_index)]
    if mask is None:  # never read
        return q, k, v, indices, (q, np.int32(0), indices[0])
    # the arrays, not only their buffers: a buffer whose array dies goes back to the pool at once
    mask = dense(backend.astype(backend._device_array(mask), dtype))
    return q, k, v, indices, (mask, np.int32(1), backend.asarray(np.ascontiguousarray(mask_index, np.int64)))


def _dropout_args(dtype, seed, offset, dropout_p):
    threshold = math.ceil(dropout_p * 16777216.0) if dropout_p > 0 else 0
    keep_scale = 0.0 if dropout_p >= 1 else 1.0 / (1.0 - dropout_p)
    return np.uint64(seed), np.uint64(offset), np.uint64(threshold), dtype.type(keep_scale)


def attention_forward(backend, q, k, v, k_index, v_index, mask, mask_index, mask_row_stride, mask_col_stride,
                      is_causal, scale, dropout_p, seed, offset, heads_last):
    dtype = np.dtype(q.dtype)
    outer, heads = q.shape[:2]
    q, k, v = (backend.reshape(a, (-1,) + tuple(a.shape[2:])) for a in (q, k, v))
    out, lse = _forward(backend, dtype, q, k, v, k_index, v_index, mask, mask_index, mask_row_stride,
                        mask_col_stride, is_causal, scale, dropout_p, seed, offset)
    out = backend.reshape(out, (outer, heads) + tuple(out.shape[1:]))
    if heads_last:
        out = dense(backend.transpose(out, (0, 2, 1, 3)))
    return out, lse


def _forward(backend, dtype, q, k, v, k_index, v_index, mask, mask_index, mask_row_stride, mask_col_stride,
             is_causal, scale, dropout_p, seed, offset):
    q, k, v, (k_idx, v_idx), (mask, has_mask, mask_idx) = _common(backend, q, k, v, k_index, v_index, mask,
                                                                   mask_index, dtype)
    batch, length, e = q.shape
    source, ev = k.shape[1], v.shape[2]
    out = backend.new((batch, length, ev), dtype)
    lse = backend.new((batch, length), dtype)
    if not batch * length:
        return out, lse
    local = _local_size(backend, source, ev)
    kernel = backend.kernel("attention", "attention_forward", _float_defines(backend, dtype))
    backend.run(kernel, (batch * length * local,), (local,), out.buffer, lse.buffer, q.buffer, k.buffer, v.buffer,
                k_idx.buffer, v_idx.buffer, mask.buffer, has_mask, mask_idx.buffer, np.int64(mask_row_stride),
                np.int64(mask_col_stride), np.int64(length), np.int64(source), np.int64(e), np.int64(ev),
                np.int32(is_causal), dtype.type(scale), *_dropout_args(dtype, seed, offset, dropout_p),
                backend.cl.LocalMemory(local * dtype.itemsize), backend.cl.LocalMemory(local * dtype.itemsize))
    return out, lse


def attention_backward(backend, grad, q, k, v, out, lse, k_index, v_index, mask, mask_index, mask_row_stride,
                       mask_col_stride, is_causal, scale, dropout_p, seed, offset, needs_scores):
    dtype = np.dtype(q.dtype)
    q, k, v, (k_idx, v_idx), (mask, has_mask, mask_idx) = _common(backend, q, k, v, k_index, v_index, mask,
                                                                   mask_index, dtype)
    grad, out, lse = (dense(backend.astype(backend._device_array(a), dtype)) for a in (grad, out, lse))
    batch, length, e = q.shape
    source, ev = k.shape[1], v.shape[2]
    dq = backend.zeros((batch, length, e), dtype)
    dk = backend.zeros((batch, source, e), dtype)
    dv = backend.zeros((batch, source, ev), dtype)
    grad_scores = backend.zeros((batch, length, source), dtype) if needs_scores else None
    if not batch * length * source:
        return dq, dk, dv, grad_scores
    defines = _float_defines(backend, dtype)
    common = (k_idx.buffer, v_idx.buffer, mask.buffer, has_mask, mask_idx.buffer, np.int64(mask_row_stride),
              np.int64(mask_col_stride), np.int64(length), np.int64(source), np.int64(e), np.int64(ev),
              np.int32(is_causal), dtype.type(scale), *_dropout_args(dtype, seed, offset, dropout_p))
    delta = backend.new((batch, length), dtype)
    local = _local_size(backend, ev, 1)
    backend.run(backend.kernel("attention", "attention_delta", defines), (batch * length * local,), (local,),
                delta.buffer, grad.buffer, out.buffer, np.int64(ev), backend.cl.LocalMemory(local * dtype.itemsize))
    local = _local_size(backend, source, e)
    backend.run(backend.kernel("attention", "attention_backward_dq", defines), (batch * length * local,), (local,),
                dq.buffer, dq.buffer if grad_scores is None else grad_scores.buffer, np.int32(needs_scores),
                grad.buffer, lse.buffer, delta.buffer, q.buffer, k.buffer, v.buffer, *common,
                backend.cl.LocalMemory(local * dtype.itemsize))
    local = _local_size(backend, length, max(e, ev))
    backend.run(backend.kernel("attention", "attention_backward_dkv", defines), (batch * source * local,), (local,),
                dk.buffer, dv.buffer, grad.buffer, lse.buffer, delta.buffer, q.buffer, k.buffer, v.buffer, *common,
                backend.cl.LocalMemory(local * dtype.itemsize), backend.cl.LocalMemory(local * dtype.itemsize))
    return dq, dk, dv, grad_scores
