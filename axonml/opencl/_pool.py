"""Pooling on an OpenCL device (pool.cl): max, average and adaptive pooling over 1 to 3 spatial dims.

As on the CPU, the last len(kernel) axes are spatial and the axes before them independent
planes; the kernels see dense (P, D, H, W) volumes, with unit D (and H) below three dims.
"""
from __future__ import annotations

import math
import struct

import numpy as np

from ._array import dense
from ._conv import _defines, _size_3d

__all__ = ["max_pool_nd", "max_pool_nd_backward", "avg_pool_nd", "avg_pool_nd_backward", "adaptive_avg_pool_nd",
           "adaptive_avg_pool_nd_backward", "adaptive_max_pool_nd"]

_WINDOW = struct.Struct("<18q")


def _volumes(backend, x, ndim):
    """x as dense (P, D, H, W) volumes."""
    x = backend._device_array(x)
    shape = (math.prod(x.shape[:x.ndim - ndim]),) + _size_3d(x.shape[x.ndim - ndim:])
    return backend.reshape(dense(x), shape)


def _window(spatial, out_size, kernel=(1,), stride=(1,), padding=(0,), dilation=(1,)) -> bytes:
    """pool.cl's window_t: input and output (D, H, W), then kernel, stride, padding before and dilation."""
    pads = tuple(p[0] if isinstance(p, tuple) else p for p in padding)
    return _WINDOW.pack(*_size_3d(spatial), *_size_3d(out_size), *_size_3d(kernel), *_size_3d(stride),
                        *_size_3d(pads, 0), *_size_3d(dilation))


def max_pool_nd(backend, x, kernel, stride, padding, dilation, output_size):
    volumes = _volumes(backend, x, len(kernel))
    out = backend.new((volumes.shape[0],) + _size_3d(output_size), volumes.dtype)
    indices = backend.new(out.shape, np.dtype(np.int64))
    if out.size:
        window = _window(volumes.shape[1:], output_size, kernel, stride, padding, dilation)
        backend.launch(backend.kernel("pool", "max_pool3d", _defines(backend, volumes.dtype)), out.size, out.buffer,
                       indices.buffer, volumes.buffer, window, np.int64(out.size))
    shape = x.shape[:x.ndim - len(kernel)] + tuple(output_size)
    return backend.reshape(out, shape), backend.reshape(indices, shape)


def max_pool_nd_backward(backend, grad, indices, x_shape, ndim):
    planes = math.prod(x_shape[:len(x_shape) - ndim])
    grad_rows = backend.reshape(grad, (planes, -1))
    grad_input = backend.zeros((planes, math.prod(x_shape[len(x_shape) - ndim:])), grad.dtype)
    if grad_rows.size:
        backend.put_along_axis_add(grad_input, backend.reshape(indices, grad_rows.shape), grad_rows, 1)
    return backend.reshape(grad_input, tuple(x_shape))


def avg_pool_nd(backend, x, kernel, stride, padding, output_size, count_include_pad, divisor_override):
    volumes = _volumes(backend, x, len(kernel))
    out = backend.new((volumes.shape[0],) + _size_3d(output_size), volumes.dtype)
    if out.size:
        window = _window(volumes.shape[1:], output_size, kernel, stride, padding)
        backend.launch(backend.kernel("pool", "avg_pool3d", _defines(backend, volumes.dtype)), out.size, out.buffer,
                       volumes.buffer, window, np.int32(bool(count_include_pad)), np.int64(divisor_override or 0),
                       np.int64(out.size))
    return backend.reshape(out, x.shape[:x.ndim - len(kernel)] + tuple(output_size))


def avg_pool_nd_backward(backend, grad, x_shape, kernel, stride, padding, count_include_pad, divisor_override):
    grad_volumes = _volumes(backend, grad, len(kernel))
    spatial = tuple(x_shape[len(x_shape) - len(kernel):])
    grad_input = backend.new((grad_volumes.shape[0],) + _size_3d(spatial), grad.dtype)
    if grad_input.size:
        window = _window(spatial, grad_volumes.shape[1:], kernel, stride, padding)
        backend.launch(backend.kernel("pool", "avg_pool3d_backward", _defines(backend, grad.dtype)),
                       grad_input.size, grad_input.buffer, grad_volumes.buffer, window,
                       np.int32(bool(count_include_pad)), np.int64(divisor_override or 0), np.int64(grad_input.size))
    return backend.reshape(grad_input, tuple(x_shape))


def _adaptive(backend, x, output_size, take_max):
    volumes = _volumes(backend, x, len(output_size))
    out = backend.new((volumes.shape[0],) + _size_3d(output_size), volumes.dtype)
    indices = backend.new(out.shape, np.dtype(np.int64))
    if out.size:
        backend.launch(backend.kernel("pool", "adaptive_pool3d", _defines(backend, volumes.dtype)), out.size,
                       out.buffer, indices.buffer, volumes.buffer, _window(volumes.shape[1:], output_size),
                       np.int32(take_max), np.int64(out.size))
    shape = x.shape[:x.ndim - len(output_size)] + tuple(output_size)
    return backend.reshape(out, shape), backend.reshape(indices, shape)


def adaptive_avg_pool_nd(backend, x, output_size):
    return _adaptive(backend, x, output_size, False)[0]


def adaptive_max_pool_nd(backend, x, output_size):
    return _adaptive(backend, x, output_size, True)


def adaptive_avg_pool_nd_backward(backend, grad, x_shape, ndim):
    grad_volumes = _volumes(backend, grad, ndim)
    spatial = tuple(x_shape[len(x_shape) - ndim:])
    if not grad_volumes.size:
        return backend.zeros(tuple(x_shape), grad.dtype)
    grad_input = backend.new((grad_volumes.shape[0],) + _size_3d(spatial), grad.dtype)
    if grad_input.size:
        backend.launch(backend.kernel("pool", "adaptive_avg_pool3d_backward", _defines(backend, grad.dtype)),
                       grad_input.size, grad_input.buffer, grad_volumes.buffer,
                       _window(spatial, grad_volumes.shape[1:]), np.int64(grad_input.size))
    return backend.reshape(grad_input, tuple(x_shape))
