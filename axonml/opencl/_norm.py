"""Normalization on an OpenCL device: layer norm as one work-group per row (nn.cl); batch norm composed of
elementwise and reduction primitives over the channel axis."""
from __future__ import annotations

import math

import numpy as np

from ._array import dense
from ._nn import _float_defines, _group, _optional

__all__ = ["layer_norm", "layer_norm_backward", "batch_norm_stats", "batch_norm_apply", "batch_norm_backward"]


def layer_norm(backend, x, normalized_ndim, weight, bias, eps):
    x = backend._device_array(x)
    lead = x.shape[:x.ndim - normalized_ndim]
    rows = math.prod(lead)
    n = math.prod(x.shape[x.ndim - normalized_ndim:])
    y, mean, rstd = backend.new(x.shape, x.dtype), backend.new(lead, x.dtype), backend.new(lead, x.dtype)
    if not x.size:
        return y, mean, rstd
    x = backend.ascontiguousarray(x)  # the kernel reads rows from x.offset
    local = _group(backend, n)
    kernel = backend.kernel("nn", "layer_norm_rows", _float_defines(backend, x.dtype))
    backend.run(kernel, (rows * local,), (local,), y.buffer, mean.buffer, rstd.buffer, x.buffer,
                np.int64(x.offset), np.int64(n), *_optional(backend, weight, x.dtype),
                *_optional(backend, bias, x.dtype), x.dtype.type(eps), backend.cl.LocalMemory(local * x.itemsize))
    return y, mean, rstd


def layer_norm_backward(backend, grad, x, mean, rstd, weight, normalized_ndim, needs_input, needs_affine):
    x = dense(backend._device_array(x))
    grad = dense(backend.astype(backend._device_array(grad), x.dtype))
    mean, rstd = dense(mean), dense(rstd)
    rows = mean.size
    n = x.size // rows if rows else 0
    normalized_shape = x.shape[x.ndim - normalized_ndim:]
    dx = dweight = dbias = None
    if needs_input:
        dx = backend.new(x.shape, x.dtype)
        if x.size:
            local = _group(backend, n)
            kernel = backend.kernel("nn", "layer_norm_backward_rows", _float_defines(backend, x.dtype))
            backend.run(kernel, (rows * local,), (local,), dx.buffer, grad.buffer, x.buffer, mean.buffer,
                        rstd.buffer, np.int64(n), *_optional(backend, weight, x.dtype),
                        backend.cl.LocalMemory(local * x.itemsize))
    if needs_affine:
        x_rows, grad_rows = backend.reshape(x, (rows, n)), backend.reshape(grad, (rows, n))
        xhat = backend.mul(backend.sub(x_rows, backend.reshape(mean, (rows, 1))), backend.reshape(rstd, (rows, 1)))
        dweight = backend.reshape(backend.sum(backend.mul(grad_rows, xhat), 0, False), normalized_shape)
        dbias = backend.reshape(backend.sum(grad_rows, 0, False), normalized_shape)
    return dx, dweight, dbias


def _channel_axes(x) -> tuple:
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(backend, a, x):
    """a (C,) shaped to broadcast against x (N, C, ...)."""
    return backend.reshape(a, (1, -1) + (1,) * (x.ndim - 2))


def batch_norm_stats(backend, x):
    axes = _channel_axes(x)
    count = x.size // x.shape[1] if x.shape[1] else 0
    mean = backend.div(backend.sum(x, axes, True), count)
    centered = backend.sub(x, mean)
    var = backend.div(backend.sum(backend.mul(centered, centered), axes, False), count)
    return backend.reshape(mean, (x.shape[1],)), var


def batch_norm_apply(backend, x, mean, rstd, weight, bias):
    y = backend.mul(backend.sub(x, _per_channel(backend, mean, x)), _per_channel(backend, rstd, x))
    if weight is not None:
        y = backend.mul(y, _per_channel(backend, weight, x))
    if bias is not None:
        y = backend.add(y, _per_channel(backend, bias, x))
    return y


def batch_norm_backward(backend, grad, x, mean, rstd, weight, training):
    axes = _channel_axes(x)
    grad = backend.astype(grad, x.dtype)
    count = x.size // x.shape[1] if x.shape[1] else 0
    rstd_c = _per_channel(backend, rstd, x)
    xhat = backend.mul(backend.sub(x, _per_channel(backend, mean, x)), rstd_c)
    dbias = backend.sum(grad, axes, False)
    dweight = backend.sum(backend.mul(grad, xhat), axes, False)
    scale = rstd_c if weight is None else backend.mul(rstd_c, _per_channel(backend, weight, x))
    if training and count:
        mean_g = _per_channel(backend, backend.div(dbias, count), x)
        mean_g_xhat = _per_channel(backend, backend.div(dweight, count), x)
        dx = backend.mul(scale, backend.sub(backend.sub(grad, mean_g), backend.mul(xhat, mean_g_xhat)))
    else:
        dx = backend.mul(grad, scale)
    return dx, dweight, dbias
