"""Pooling on an OpenCL device (pool.cl): max, average and adaptive pooling over 1 or 2 spatial dims.

The layout conventions are convolution's (_conv.py): the last len(kernel) axes are spatial (a
1-D case runs the 2-D kernels with a unit height), the axes before them independent planes.
"""
from __future__ import annotations

import math
import struct

import numpy as np

from ._conv import _defines, _params_2d, _planes

__all__ = ["max_pool_nd", "max_pool_nd_backward", "avg_pool_nd", "avg_pool_nd_backward", "adaptive_avg_pool_nd",
           "adaptive_avg_pool_nd_backward", "adaptive_max_pool_nd"]

_WINDOW = struct.Struct("<12q")


def _window(height, width, out_size, kernel, stride, pads, dilation) -> bytes:
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    return _WINDOW.pack(height, width, *out_size, kh, kw, sh, sw, pads[0][0], pads[1][0], dh, dw)


def _size_2d(size) -> tuple:
    return (1,) * (2 - len(size)) + tuple(size)


def max_pool_nd(backend, x, kernel, stride, padding, dilation, output_size):
    planes = _planes(backend, backend._device_array(x), len(kernel))
    kernel2, stride2, pads, dilation2 = _params_2d(kernel, stride, padding, dilation)
    out_size = _size_2d(output_size)
    out = backend.new((planes.shape[0],) + out_size, planes.dtype)
    indices = backend.new(out.shape, np.dtype(np.int64))
    if out.size:
        window = _window(planes.shape[1], planes.shape[2], out_size, kernel2, stride2, pads, dilation2)
        backend.launch(backend.kernel("pool", "max_pool2d", _defines(backend, planes.dtype)), out.size, out.buffer,
                       indices.buffer, planes.buffer, window,
                       np.int64(out.size))
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
    planes = _planes(backend, backend._device_array(x), len(kernel))
    kernel2, stride2, pads, _ = _params_2d(kernel, stride, padding, (1,) * len(kernel))
    out_size = _size_2d(output_size)
    out = backend.new((planes.shape[0],) + out_size, planes.dtype)
    if out.size:
        window = _window(planes.shape[1], planes.shape[2], out_size, kernel2, stride2, pads, (1, 1))
        backend.launch(backend.kernel("pool", "avg_pool2d", _defines(backend, planes.dtype)), out.size, out.buffer,
                       planes.buffer, window, np.int32(bool(count_include_pad)), np.int64(divisor_override or 0),
                       np.int64(out.size))
    return backend.reshape(out, x.shape[:x.ndim - len(kernel)] + tuple(output_size))


def avg_pool_nd_backward(backend, grad, x_shape, kernel, stride, padding, count_include_pad, divisor_override):
    grad_planes = _planes(backend, backend._device_array(grad), len(kernel))
    kernel2, stride2, pads, _ = _params_2d(kernel, stride, padding, (1,) * len(kernel))
    spatial = _size_2d(x_shape[len(x_shape) - len(kernel):])
    grad_input = backend.new((grad_planes.shape[0],) + spatial, grad.dtype)
    if grad_input.size:
        window = _window(*spatial, grad_planes.shape[1:], kernel2, stride2, pads, (1, 1))
        backend.launch(backend.kernel("pool", "avg_pool2d_backward", _defines(backend, grad.dtype)),
                       grad_input.size, grad_input.buffer, grad_planes.buffer, window,
                       np.int32(bool(count_include_pad)), np.int64(divisor_override or 0), np.int64(grad_input.size))
    return backend.reshape(grad_input, tuple(x_shape))


def _adaptive(backend, x, output_size, take_max):
    planes = _planes(backend, backend._device_array(x), len(output_size))
    out_size = _size_2d(output_size)
    out = backend.new((planes.shape[0],) + out_size, planes.dtype)
    indices = backend.new(out.shape, np.dtype(np.int64))
    if out.size:
        window = _window(planes.shape[1], planes.shape[2], out_size, (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1))
        backend.launch(backend.kernel("pool", "adaptive_pool2d", _defines(backend, planes.dtype)), out.size,
                       out.buffer, indices.buffer, planes.buffer, window, np.int32(take_max), np.int64(out.size))
    shape = x.shape[:x.ndim - len(output_size)] + tuple(output_size)
    return backend.reshape(out, shape), backend.reshape(indices, shape)


def adaptive_avg_pool_nd(backend, x, output_size):
    return _adaptive(backend, x, output_size, False)[0]


def adaptive_max_pool_nd(backend, x, output_size):
    return _adaptive(backend, x, output_size, True)


def adaptive_avg_pool_nd_backward(backend, grad, x_shape, ndim):
    grad_planes = _planes(backend, backend._device_array(grad), ndim)
    spatial = _size_2d(x_shape[len(x_shape) - ndim:])
    grad_input = backend.new((grad_planes.shape[0],) + spatial, grad.dtype)
    if grad_input.size:
        window = _window(*spatial, grad_planes.shape[1:], (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1))
        backend.launch(backend.kernel("pool", "adaptive_avg_pool2d_backward", _defines(backend, grad.dtype)),
                       grad_input.size, grad_input.buffer, grad_planes.buffer, window, np.int64(grad_input.size))
    return backend.reshape(grad_input, tuple(x_shape))
