"""Losses on an OpenCL device: cross-entropy as one work-group per row (nn.cl)."""
from __future__ import annotations

import numpy as np

from ._array import dense
from ._nn import _float_defines, _group, _optional

__all__ = ["cross_entropy", "cross_entropy_backward"]


def cross_entropy(backend, x, target, weight, ignore_index, label_smoothing):
    x = backend._device_array(x)
    target = backend.astype(backend._device_array(target), np.dtype(np.int64))
    rows, n = x.shape
    loss, lse = backend.new((rows,), x.dtype), backend.new((rows,), x.dtype)
    if not rows:
        return loss, lse, 0.0
    counted = backend.new((rows, 2), x.dtype)
    local = _group(backend, n)
    kernel = backend.kernel("nn", "cross_entropy_rows", _float_defines(backend, x.dtype))
    backend.run(kernel, (rows * local,), (local,), loss.buffer, lse.buffer, counted.buffer, x.buffer,
                np.int64(x.offset), np.int64(x.estrides[0]), np.int64(x.estrides[1]), target.buffer,
                np.int64(target.offset), np.int64(target.estrides[0]), *_optional(backend, weight, x.dtype),
                np.int64(n), np.int64(ignore_index), x.dtype.type(label_smoothing),
                backend.cl.LocalMemory(local * x.itemsize))
    total, bad = backend.to_numpy(backend.sum(counted, 0, False, np.float64 if backend.has_float64 else None))
    if bad:
        targets = backend.to_numpy(target)
        outside = targets[(targets != ignore_index) & ((targets < 0) | (targets >= n))]
        raise IndexError(f"Target {outside[0]} is out of bounds.")
    return loss, lse, float(total)


def cross_entropy_backward(backend, grad, x, lse, target, weight, ignore_index, label_smoothing):
    x, lse = backend._device_array(x), backend._device_array(lse)
    grad = backend.astype(backend._device_array(grad), x.dtype)
    target = backend.astype(backend._device_array(target), np.dtype(np.int64))
    rows, n = x.shape
    dx = backend.new((rows, n), x.dtype)
    if not dx.size:
        return dx
    grad = backend.broadcast_to(grad, (rows,))
    weight_sum = float(backend.to_numpy(backend.sum(weight, None, False))) if weight is not None else float(n)
    local = _group(backend, n)
    kernel = backend.kernel("nn", "cross_entropy_backward_rows", _float_defines(backend, x.dtype))
    backend.run(kernel, (rows * local,), (local,), dx.buffer, grad.buffer, np.int64(grad.offset),
                np.int64(grad.estrides[0]), x.buffer, np.int64(x.offset), np.int64(x.estrides[0]),
                np.int64(x.estrides[1]), dense(lse).buffer, target.buffer, np.int64(target.offset),
                np.int64(target.estrides[0]), *_optional(backend, weight, x.dtype), x.dtype.type(weight_sum),
                np.int64(n), np.int64(ignore_index), x.dtype.type(label_smoothing))
    return dx
